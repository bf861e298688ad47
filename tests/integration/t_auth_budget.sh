#!/bin/bash
# t_auth_budget.sh - a burst of remote clients cannot exhaust auth(8).
# The protocol processes (smtpd as mail_owner, the login roles as
# login_user) may hold at most auth_max_clients - auth_reserved_clients of
# auth's connections, and let theirs go when their client leaves: during a
# burst of authenticated SMTP sessions local still looks up mailboxes and
# delivers, and after the burst a fresh POP3 login and its session's token
# redemption succeed.  The share is told apart by uid, so this needs root.
T_DEFAULT_SERVICES=1
. "$(dirname "$0")/lib.sh"

if ! t_is_root; then
	t_skip "auth's connection share (roles are told apart by uid: needs root)"
	t_done
fi

t_instance
P25=$((PB + 25))
P110=$((PB + 110))
P587=$((PB + 587))
MAIL=$INST/mail/localhost
t_set auth_max_clients 6
t_set auth_reserved_clients 2
t_set auth_failure_delay 0
t_set auth_process_failure_limit 3
# One POP3 login process, so every client below meets the same one.
sed -i -E 's/^(pop3:[0-9]+ +inet +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
printf 'pw-a\n' | tmailctl user add a@localhost --password-stdin >/dev/null 2>&1 ||
	t_fail "user a@localhost added"
t_start

# Eight submission sessions log in and stay: only four may hold auth.
python3 - "$P587" "$T" "$TOP/tests/integration" <<'PY' > "$T/burst.out" 2>&1 &
import smtplib, sys
port, t = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
import tnet
held = []
for i in range(8):
    c = smtplib.SMTP("127.0.0.1", port, timeout=30)
    c.ehlo("burst")
    code, text = c.docmd("AUTH", "PLAIN AGFAbG9jYWxob3N0AHB3LWE=")
    print("auth", i, code, flush=True)
    held.append((c, code))
# One logged-in session sends while every session is held.
for c, code in held:
    if code == 235:
        c.sendmail("a@localhost", ["a@localhost"],
                   "From: a@localhost\r\nSubject: during-burst\r\n\r\nbody\r\n")
        print("sent", flush=True)
        break
tnet.hold(t + "/held", t + "/release", seconds=60)
for c, code in held:
    c.quit()
print("released", flush=True)
PY
burst=$!
t_wait 60 test -f "$T/held"
t_eq "$(grep -c '^auth [0-9] 235$' "$T/burst.out")" 4 \
	"the protocol share (6 - 2 reserved) lets four smtpd processes hold auth"
t_eq "$(grep -c '^auth [0-9] 454$' "$T/burst.out")" 4 \
	"the other four get 454 4.7.0, a temporary failure"
t_file_has "$INST/log/maillog" "auth.*refusing a connection from pid [0-9]+ uid $(id -u tern): the protocol processes' share" \
	"auth logs why it refused them"
if t_wait 30 sh -c "grep -lqx 'Subject: during-burst' '$MAIL'/a/new/* 2>/dev/null"; then
	t_pass "local looks up and delivers during the burst (the reserved share)"
else
	t_fail "local looks up and delivers during the burst (the reserved share)" \
		"$(grep -E 'local|qmgr' "$INST/log/maillog" | tail -n 5)"
fi
touch "$T/release"
wait "$burst"
t_match "$(cat "$T/burst.out")" '^released$' "the burst's sessions ended"

# After the burst no idle process keeps a connection: a fresh login works,
# and so does its session's token redemption.
out=$(python3 - "$P110" <<'PY' 2>&1
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
p.user("a@localhost")
print(p.pass_("pw-a").decode())
print("STAT", p.stat()[0])
p.quit()
PY
)
t_match "$out" '^\+OK Logged in' "a fresh POP3 login after the burst succeeds"
t_match "$out" '^STAT [1-9]' "its session redeemed the token and sees the mail"
out=$(swaks --server 127.0.0.1:"$P587" --from a@localhost --to a@localhost \
	--auth PLAIN --auth-user a@localhost --auth-password pw-a \
	--header 'Subject: after-burst' --body x 2>&1)
t_match "$out" '<-  235 ' "AUTH on submission after the burst succeeds"


# A login process names its client's address itself, so auth also keeps
# a failure budget per process: guesses from ever new addresses (and for
# ever new users) are stopped by it, where no address or user limit could.
out=$(python3 - "$P110" <<'PY' 2>&1
import socket, sys
port = int(sys.argv[1])
for i in range(5):
    s = socket.create_connection(("127.0.0.1", port), timeout=20,
                                 source_address=("127.0.9.%d" % (i + 1), 0))
    f = s.makefile("rwb")
    f.readline()
    f.write(b"USER guess%d@localhost\r\n" % i); f.flush(); f.readline()
    f.write(b"PASS wrong\r\n"); f.flush()
    print(i, f.readline().decode().strip())
    f.write(b"QUIT\r\n"); f.flush()
    s.close()
PY
)
t_eq "$(echo "$out" | grep -c '^[0-2] -ERR \[AUTH\] Authentication failed$')" 3 \
	"the login process gets its budget of failures, each from a new address"
t_match "$out" '^3 -ERR \[SYS/TEMP\] ' "then auth refuses that process, whatever address it names"
# Told so, the process takes no new clients: the next one meets a fresh
# process, whose budget is its own (t_login_budget).
t_match "$out" '^4 -ERR \[AUTH\] Authentication failed$' \
	"the next client meets a fresh login process, with a budget of its own"
t_file_has "$INST/log/maillog" 'auth\[[0-9]+\]: error: peer pid [0-9]+ uid '"$(id -u ternnull)"': login process refused: over its budget' \
	"the refusal names the process and says why"

t_done
