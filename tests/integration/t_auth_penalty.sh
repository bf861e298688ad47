#!/bin/bash
# t_auth_penalty.sh - auth's failure limits (auth(8) "Failure delays and
# limits") as a remote client meets them, with smtplib and poplib bound to
# different loopback source addresses:
#   - the budget of a client address: one valid account's logins,
#     interleaved with guesses at another account, do not reset it, and the
#     guessing is refused after auth_failure_limit failures;
#   - the limit per user: failures at one account from many addresses, over
#     SMTP PLAIN and LOGIN and POP3 USER/PASS, AUTH PLAIN and APOP, refuse
#     that account at the addresses that failed, while an address without
#     failures for it still logs in; after auth_failure_user_window the
#     real user logs in again everywhere.
# Failure delays are off here (t_auth tests them), so the test runs in
# seconds; the per-user window is a few seconds.
. "$(dirname "$0")/lib.sh"

t_instance
P110=$((PB + 110))
P587=$((PB + 587))
t_set auth_failure_delay 0
t_set auth_failure_limit 3
t_set auth_failure_window 60s
t_set auth_failure_user_limit 5
t_set auth_failure_user_window 4s
t_set pop3d_apop yes		# off by default; APOP guesses are tested here
t_services pop3 pop3-session auth
# submission without init's other -o overrides: only AUTH matters here.
cat >> "$INST/master.conf" <<EOF
submission:$P587 inet n - n - smtpd -o smtpd_require_auth=yes
EOF
{ printf 'secret-a\n' | tmailctl user add a@localhost --password-stdin &&
  printf 'secret-b\n' | tmailctl user add b@localhost --password-stdin &&
  printf 'secret-c\n' | tmailctl user add c@localhost --password-stdin &&
  printf 'apop-secret-c\n' | tmailctl user apop c@localhost --password-stdin
} >"$T/setup.out" 2>&1 || t_fail "users for the penalty tests" "$(cat "$T/setup.out")"

cat > "$T/penc.py" <<'EOF'
# penc.py SMTP-PORT POP3-PORT < attempts: login attempts, one per line of
# stdin, "LABEL SERVICE SOURCE MECH USER SECRET", each over a new
# connection from the loopback address SOURCE; prints "LABEL REPLY" with
# the server's final reply to the attempt.  One process runs them all, so
# that a series takes well under a second.
#   SERVICE smtp: MECH PLAIN or LOGIN (AUTH, smtplib)
#   SERVICE pop3: MECH USER (USER/PASS), PLAIN (AUTH PLAIN) or APOP (poplib)
import base64, poplib, smtplib, socket, sys

smtp_port, pop3_port = int(sys.argv[1]), int(sys.argv[2])

def b64(s):
    return base64.b64encode(s.encode()).decode()

def smtp(source, mech, user, secret):
    s = smtplib.SMTP('127.0.0.1', smtp_port, timeout=30,
                     source_address=(source, 0))
    s.ehlo('penalty.test')
    if mech == 'PLAIN':
        code, text = s.docmd('AUTH', 'PLAIN ' + b64('\0%s\0%s' % (user, secret)))
    else:
        code, text = s.docmd('AUTH', 'LOGIN')
        if code == 334:
            code, text = s.docmd(b64(user))
        if code == 334:
            code, text = s.docmd(b64(secret))
    s.quit()
    return '%d %s' % (code, text.decode())

class POP3From(poplib.POP3):
    source = None
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.source, 0))

def pop3(source, mech, user, secret):
    POP3From.source = source
    p = POP3From('127.0.0.1', pop3_port, timeout=30)
    try:
        if mech == 'USER':
            p.user(user)
            r = p.pass_(secret)
        elif mech == 'APOP':
            r = p.apop(user, secret)
        else:
            r = p._shortcmd('AUTH PLAIN ' + b64('\0%s\0%s' % (user, secret)))
        p.quit()
        return r.decode()
    except poplib.error_proto as e:
        return e.args[0].decode()

for line in sys.stdin:
    label, service, source, mech, user, secret = line.split()
    r = (smtp if service == 'smtp' else pop3)(source, mech, user, secret)
    print(label, r, flush=True)
EOF
# attempts OUT < lines: run the attempts; OUT gets "LABEL REPLY" lines.
attempts() {
	python3 "$T/penc.py" "$P587" "$P110" > "$1" 2>&1
	t_log "$(cat "$1")"
}
# reply OUT LABEL: the reply to one attempt.
reply() { sed -n "s/^$2 //p" "$1"; }

t_start
t_wait 10 test -S "$INST/queue/private/auth" || t_fail "auth socket appears"

# ---- the address budget survives another account's successes -------------
# Five rounds from 127.0.0.1: a@localhost logs in with its password, then a
# guess at b@localhost.  The third guess uses up the budget of the address
# (auth_failure_limit 3); a's successes must not have reset it.
for i in 1 2 3 4 5; do
	echo "a$i smtp 127.0.0.1 PLAIN a@localhost secret-a"
	echo "b$i smtp 127.0.0.1 PLAIN b@localhost guess-$i"
done | attempts "$T/rounds"
t_eq "$(grep -c '^a[123] 235 2\.7\.0 Authentication successful$' "$T/rounds")" 3 \
	"a@localhost logs in while the address is within its budget"
t_eq "$(grep -c '^b[0-9] 535 5\.7\.8 ' "$T/rounds")" 3 \
	"exactly auth_failure_limit guesses at b@localhost are checked, despite a's logins in between"
t_eq "$(reply "$T/rounds" b4)" "454 4.7.0 Temporary authentication failure" \
	"the fourth guess is refused: 454 4.7.0"
t_eq "$(reply "$T/rounds" b5)" "454 4.7.0 Temporary authentication failure" \
	"the fifth guess is refused too"
t_eq "$(reply "$T/rounds" a4)" "454 4.7.0 Temporary authentication failure" \
	"over its budget the address is refused for every account"
t_match "$(t_maillog)" 'auth\[[0-9]+\]: warning: service=submission client=127\.0\.0\.1: login refused: too many authentication failures$' \
	"auth logs the refusal of the address"
t_match "$(t_maillog)" 'auth\[[0-9]+\]: service=submission client=127\.0\.0\.1 mech=PLAIN user=b@localhost: authentication failed: wrong password \(failure 3 from the address, 3 for the user' \
	"auth counts the guesses at b for the address, a's logins notwithstanding"
echo "a9 smtp 127.0.0.9 PLAIN a@localhost secret-a" | attempts "$T/other"
t_eq "$(reply "$T/other" a9)" "235 2.7.0 Authentication successful" \
	"another address is not refused"

# ---- the limit per user, across addresses ---------------------------------
# One failure at c@localhost from each of five addresses, by every
# mechanism: with auth_failure_user_limit 5 the account is then refused at
# those addresses, each of which is far within its own budget.  A fresh
# address gets its one guess checked, and is then refused as well; the
# real user, at an address without failures for c, is not locked out.
attempts "$T/user" <<EOF
f2 smtp 127.0.0.2 PLAIN c@localhost guess-2
f3 smtp 127.0.0.3 LOGIN C@LOCALHOST guess-3
f4 pop3 127.0.0.4 USER c@localhost guess-4
f5 pop3 127.0.0.5 PLAIN c@localhost guess-5
f6 pop3 127.0.0.6 APOP c@localhost guess-6
r2 smtp 127.0.0.2 PLAIN c@localhost secret-c
r3 smtp 127.0.0.3 LOGIN c@localhost secret-c
r6 pop3 127.0.0.6 APOP c@localhost apop-secret-c
f7 smtp 127.0.0.7 PLAIN c@localhost guess-7
r7 smtp 127.0.0.7 PLAIN c@localhost secret-c
ok8 smtp 127.0.0.8 PLAIN c@localhost secret-c
ok9 pop3 127.0.0.9 USER c@localhost secret-c
EOF
t_eq "$(grep -c '^f[237] 535 5\.7\.8 Error: authentication credentials invalid$' "$T/user")" 3 \
	"SMTP PLAIN and LOGIN guesses at c: 535"
t_eq "$(grep -c '^f[456] -ERR \[AUTH\] Authentication failed$' "$T/user")" 3 \
	"POP3 USER/PASS, AUTH PLAIN and APOP guesses at c: -ERR [AUTH]"
t_eq "$(reply "$T/user" r2)" "454 4.7.0 Temporary authentication failure" \
	"over the per-user limit, c's own password is refused at an address that failed for c"
t_eq "$(reply "$T/user" r3)" "454 4.7.0 Temporary authentication failure" \
	"...also with AUTH LOGIN"
t_eq "$(reply "$T/user" r6)" "-ERR [SYS/TEMP] Temporary authentication failure, try again later" \
	"...and c's APOP secret over POP3"
t_eq "$(reply "$T/user" r7)" "454 4.7.0 Temporary authentication failure" \
	"a fresh address had its one guess checked and is then refused for c"
t_eq "$(reply "$T/user" ok8)" "235 2.7.0 Authentication successful" \
	"the real user at an address without failures logs in over SMTP during the lockout"
t_match "$(reply "$T/user" ok9)" '^\+OK Logged in' \
	"...and over POP3"
t_match "$(t_maillog)" 'auth\[[0-9]+\]: warning: service=submission client=127\.0\.0\.2 user=c@localhost: login refused: too many authentication failures for the user$' \
	"auth logs the refusal for the user"
t_match "$(t_maillog)" 'auth\[[0-9]+\]: service=pop3 client=127\.0\.0\.6 mech=APOP user=c@localhost: authentication failed: wrong APOP digest \(failure 1 from the address, 5 for the user, reply delayed 0 ms\)' \
	"auth logs the failures counted for the address and for the user"

# After auth_failure_user_window without failures at c the lockout is over.
sleep 4.5
attempts "$T/after" <<EOF
r2 smtp 127.0.0.2 PLAIN c@localhost secret-c
r6 pop3 127.0.0.6 APOP c@localhost apop-secret-c
EOF
t_eq "$(reply "$T/after" r2)" "235 2.7.0 Authentication successful" \
	"after the per-user window c logs in again at an address that failed"
t_match "$(reply "$T/after" r6)" '^\+OK Logged in' "...and over POP3 APOP"

t_done
