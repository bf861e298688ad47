#!/bin/bash
# t_anvil.sh - the limits per client address, counted by anvil(8): SMTP
# and POP3 connection count limits (one address over its limit refused
# with 421 4.7.0 / -ERR [SYS/TEMP] while another address still gets in,
# and let in again once one of its connections closed), the rate limits,
# the junk command limits (and when their counts start again), logged-in
# POP3 sessions counted after the hand-off, counts released when an smtpd
# is killed with -9, mailctl status -v, the default exceptions
# ($mynetworks, loopback here) exempting 127.0.0.1, and clients let in
# with a warning while anvil is down.
T_SIGNALS_EXPECTED=1	# smtpd processes are killed with -9 on purpose
. "$(dirname "$0")/lib.sh"

AC="python3 $TOP/tests/integration/anvilc.py"

t_instance
P25=$((PB + 25))
P26=$((PB + 26))
P27=$((PB + 27))
P110=$((PB + 110))
P111=$((PB + 111))
P112=$((PB + 112))
MAILBOX=$INST/mail/localhost/a
LOG=$INST/log/maillog
# Loopback is in mynetworks: without this, 127.0.0.1 would be exempt.
t_set smtpd_client_event_limit_exceptions ""
t_set smtpd_client_connection_count_limit 3
t_set pop3d_client_connection_count_limit 3
t_set auth_failure_delay 0
cat >> "$INST/master.conf" <<EOF
smtp:$P25 inet n - n - smtpd
rate:$P26 inet n - n - smtpd -o smtpd_client_connection_count_limit=0
  -o smtpd_client_connection_rate_limit=3
junk:$P27 inet n - n - smtpd -o smtpd_junk_command_limit=5
pop3:$P110 inet n - y - pop3d
pop3rate:$P111 inet n - y - pop3d -o pop3d_client_connection_count_limit=0
  -o pop3d_client_connection_rate_limit=2
pop3junk:$P112 inet n - y - pop3d -o pop3d_junk_command_limit=4
pop3-session unix - - n - pop3d-session -o pop3d_junk_command_limit=4
auth unix - - n 1 auth -o max_use=0 -o max_idle=0
anvil unix - - n 1 anvil -o max_use=0 -o max_idle=0
qmgr unix - - n 1 qmgr
local unix - n n - local
EOF
printf 'secret-a\n' | tmailctl user add a@localhost --password-stdin >"$T/setup.out" 2>&1 ||
	t_fail "user a@localhost" "$(cat "$T/setup.out")"
t_start

# hold NAME PORT SRC N [TEXT]: N connections from SRC held open in the
# background until release NAME; their greetings are in $T/hold-NAME.
hold() {
	rm -f "$T/stop-$1"
	$AC hold "$2" "$3" "$4" "$T/stop-$1" ${5:+"$5"} >"$T/hold-$1" 2>&1 &
	t_wait 20 grep -q '^holding$' "$T/hold-$1" ||
		t_fail "holding $4 connections to $2 from $3" "$(cat "$T/hold-$1")"
}
release() { touch "$T/stop-$1"; }
greet() { $AC greet "$@"; }
status_v() { tmailctl status -v 2>&1; }
# counted SERVICE ADDR COUNT: mailctl status -v shows COUNT open.
counted() { status_v | grep -Eq "^$1 +${2//./\\.} +$3 "; }

# ---- SMTP: concurrent connections --------------------------------------

hold a "$P25" 127.0.0.1 2
hold b "$P25" 127.0.0.1 1
t_eq "$(cat "$T/hold-a" "$T/hold-b" | grep -c '^[0-9]: 220 ')" 3 \
	"three SMTP connections from 127.0.0.1 get 220 (limit 3)"
out=$(greet "$P25" 127.0.0.1 'QUIT\r\n')
t_match "$out" '^421 4\.7\.0 \S+ Error: too many connections from 127\.0\.0\.1$' \
	"the fourth from 127.0.0.1: 421 4.7.0 too many connections"
t_nomatch "$out" '^220' "the refused client never sees the greeting"
t_file_has "$LOG" 'smtpd\[[0-9]+\]: warning: Connection concurrency limit exceeded: 4 from \[127\.0\.0\.1\]:[0-9]+ for service smtp$' \
	"the refusal is logged as Postfix logs it"
out=$(greet "$P25" 127.0.0.2 'QUIT\r\n')
t_match "$out" '^220 ' "meanwhile 127.0.0.2 still gets 220"
out=$(status_v)
t_match "$out" '^smtp +127\.0\.0\.1 +3 +4$' \
	"mailctl status -v: 127.0.0.1 has 3 open, 4 in this time unit"
t_match "$out" '^smtp +127\.0\.0\.2 +0 +1$' "mailctl status -v: 127.0.0.2 closed again"
t_match "$out" '^anvil: [0-9]+ clients counted, rate per 60s$' "mailctl status -v: the anvil heading"
release b
t_wait 10 counted smtp 127.0.0.1 2 && t_pass "a closed connection is given back" ||
	t_fail "a closed connection is given back" "$(status_v)"
out=$(greet "$P25" 127.0.0.1 'QUIT\r\n')
t_match "$out" '^220 ' "after one closed, 127.0.0.1 gets in again"

# ---- SMTP: kill -9 of the smtpd processes holding connections ----------

pids=$(ss -Htnp state established "( sport = :$P25 )" | grep -o 'pid=[0-9]*' |
	cut -d= -f2 | sort -u)
t_eq "$(echo $pids | wc -w)" 2 "two smtpd processes serve the two held connections"
before=$(grep -c 'anvil\[[0-9]*\]: peer .*: connection closed holding 1 connection; released' "$LOG")
[ -n "$pids" ] && kill -KILL $pids
t_wait 10 sh -c "[ \$(grep -c 'anvil\[[0-9]*\]: peer .*: connection closed holding 1 connection; released' '$LOG') -ge $((before + 2)) ]" &&
	t_pass "anvil releases what each killed smtpd held" ||
	t_fail "anvil releases what each killed smtpd held" "$(grep anvil "$LOG" | tail -5)"
t_wait 10 counted smtp 127.0.0.1 0 && t_pass "mailctl status -v: nothing open from 127.0.0.1 after the kill" ||
	t_fail "mailctl status -v: nothing open from 127.0.0.1 after the kill" "$(status_v)"
release a
hold c "$P25" 127.0.0.1 3
t_eq "$(grep -c '^[0-9]: 220 ' "$T/hold-c")" 3 "after the kill, three new connections from 127.0.0.1 get 220"
out=$(greet "$P25" 127.0.0.1 'QUIT\r\n')
t_match "$out" '^421 4\.7\.0 .*too many connections' "and the fourth is refused again: nothing leaked either way"
release c

# ---- anvil itself: its user, its peers, a broken peer ---------------------

APID=$(ps -o pid=,comm= --ppid "$(t_master_pid)" | awk '$2 == "anvil" { print $1; exit }')
if t_is_root; then
	t_eq "$(ps -o user= -p "$APID" 2>/dev/null)" "$(tmailctl config mail_owner | sed 's/.* = //')" \
		"anvil runs as mail_owner"
	t_eq "$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$APID/status")" \
		0000000000000000 "anvil has no effective capabilities"
	t_eq "$(sed -n 's/^CapPrm:[[:space:]]*//p' "/proc/$APID/status")" \
		0000000000000000 "anvil has no permitted capabilities"
	# The system python: a python3 under root's home is out of nobody's reach.
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- /usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'proto=anvil\nversion=1\n\n'); s.settimeout(5); s.recv(100)" \
		"$INST/queue/private/anvil" >/dev/null 2>&1
	t_wait 5 grep -q "anvil\[[0-9]*\]: warning: service anvil: refusing a connection from uid $(id -u nobody)" "$LOG" &&
		t_pass "anvil refuses a peer that is not one of tern's servers" ||
		t_fail "anvil refuses a peer that is not one of tern's servers"
else
	t_skip "anvil's user, capabilities and peers (need root)"
fi
out=$(python3 - "$INST/queue/private/anvil" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rwb")
def ask(text):
    f.write(text.encode()); f.flush()
    out = []
    while True:
        line = f.readline()
        if line in (b"\n", b""):
            return " ".join(x.decode().strip() for x in out) or "(closed)"
        out.append(line)
print(ask("proto=anvil\nversion=1\n\n"))
print(ask("request=connect\nservice=smtp\nclient=192.0.2.99\n\n"))
print(ask("request=connect\nservice=smtp\nclient=192.0.2.99 x\n\n"))
PY
)
t_match "$out" 'status=ok count=1 rate=1' "a raw peer counts a connection"
t_match "$(echo "$out" | tail -n 1)" '^\(closed\)$' "a malformed request closes that connection"
t_file_has "$LOG" 'anvil\[[0-9]+\]: warning: peer pid [0-9]+ uid [0-9]+: malformed connect request; closing' \
	"the malformed request is logged"
t_wait 5 counted smtp 192.0.2.99 0 &&
	t_pass "what the broken peer held is given back" ||
	t_fail "what the broken peer held is given back" "$(status_v)"
t_eq "$(ps -o pid=,comm= --ppid "$(t_master_pid)" | awk '$2 == "anvil" { print $1; exit }')" "$APID" \
	"anvil lives on after a broken peer"

# ---- SMTP: connection rate ---------------------------------------------

n=0
for i in 1 2 3; do
	greet "$P26" 127.0.0.1 'QUIT\r\n' | grep -q '^220 ' && n=$((n + 1))
done
t_eq "$n" 3 "rate limit 3: three connections from 127.0.0.1 in a row get 220"
out=$(greet "$P26" 127.0.0.1 'QUIT\r\n')
t_match "$out" '^421 4\.7\.0 \S+ Error: too many connections from 127\.0\.0\.1 in the last 60 seconds$' \
	"the fourth in the time unit: 421 4.7.0"
t_file_has "$LOG" 'warning: Connection rate limit exceeded: 4 from \[127\.0\.0\.1\]:[0-9]+ for service rate$' \
	"the rate refusal is logged"
out=$(greet "$P26" 127.0.0.2 'QUIT\r\n')
t_match "$out" '^220 ' "another address is under its own rate"

# ---- SMTP: junk commands -----------------------------------------------

out=$(greet "$P27" 127.0.0.1 'EHLO client.example\r\nNOOP\r\nRSET\r\nVRFY a\r\nHELP\r\nNOOP\r\nNOOP\r\nQUIT\r\n')
t_eq "$(echo "$out" | grep -cE '^(250 2\.0\.0 Ok|252 |214 )')" 5 "junk limit 5: five NOOP/RSET/VRFY/HELP answered"
t_match "$out" '^421 4\.7\.0 \S+ Error: too many junk commands$' "the sixth: 421 4.7.0 too many junk commands"
t_nomatch "$out" '^221' "the session ended there (QUIT unanswered)"
t_file_has "$LOG" 'too many junk commands after NOOP from \[127\.0\.0\.1\]:[0-9]+' "the junk limit is logged"
out=$(greet "$P27" 127.0.0.1 'EHLO client.example\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: junk\r\n\r\nhello\r\n.\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nQUIT\r\n')
t_match "$out" '^250 2\.0\.0 Ok: queued as' "a message between junk commands is accepted"
t_match "$out" '^221 ' "the count starts again after an accepted message: 9 NOOPs, QUIT answered"
t_nomatch "$out" 'too many junk' "no junk refusal around a message"

# ---- POP3: concurrent connections, the hand-off ------------------------

hold p "$P110" 127.0.0.1 3
t_eq "$(grep -c '^[0-9]: +OK tern POP3 server ready' "$T/hold-p")" 3 \
	"three POP3 connections from 127.0.0.1 get +OK (limit 3)"
out=$(greet "$P110" 127.0.0.1 'QUIT\r\n')
t_match "$out" '^-ERR \[SYS/TEMP\] Too many connections from your address$' \
	"the fourth from 127.0.0.1: -ERR [SYS/TEMP]"
t_file_has "$LOG" 'pop3d\[[0-9]+\]: warning: Connection concurrency limit exceeded: 4 from \[127\.0\.0\.1\]:[0-9]+ for service pop3$' \
	"the POP3 refusal is logged"
out=$(greet "$P110" 127.0.0.2 'QUIT\r\n')
t_match "$out" '^\+OK tern POP3 server ready' "meanwhile 127.0.0.2 still gets +OK"
release p
t_wait 10 counted pop3 127.0.0.1 0 && t_pass "POP3 connections closed before login are given back" ||
	t_fail "POP3 connections closed before login are given back" "$(status_v)"

# rate SERVICE ADDR: the rate column of mailctl status -v.
rate() { status_v | awk -v s="$1" -v a="$2" '$1 == s && $2 == a { print $4 }'; }
rate_before=$(rate pop3 127.0.0.1)
hold q "$P110" 127.0.0.1 1 'USER a@localhost\r\nPASS secret-a\r\n'
t_match "$(cat "$T/hold-q")" '^1: \+OK Logged in' "a POP3 client logs in and stays"
t_wait 10 counted pop3 127.0.0.1 1 && t_pass "after the hand-off the session counts the client" ||
	t_fail "after the hand-off the session counts the client" "$(status_v)"
t_eq "$(rate pop3 127.0.0.1)" "$((rate_before + 1))" \
	"the login counted once in the rate, the hand-off not again"
hold r "$P110" 127.0.0.1 2
out=$(greet "$P110" 127.0.0.1 'QUIT\r\n')
t_match "$out" '^-ERR \[SYS/TEMP\] Too many connections' \
	"one session and two at the prompt: the fourth is refused"
release q
release r
t_wait 10 counted pop3 127.0.0.1 0 && t_pass "the session gives its count back when the client leaves" ||
	t_fail "the session gives its count back when the client leaves" "$(status_v)"

# ---- POP3: rate ----------------------------------------------------------

n=0
for i in 1 2; do
	greet "$P111" 127.0.0.1 'QUIT\r\n' | grep -q '^+OK tern' && n=$((n + 1))
done
t_eq "$n" 2 "POP3 rate limit 2: two connections get +OK"
out=$(greet "$P111" 127.0.0.1 'QUIT\r\n')
t_match "$out" '^-ERR \[SYS/TEMP\] Too many connections from your address in the last 60 seconds$' \
	"the third in the time unit: -ERR [SYS/TEMP]"
t_file_has "$LOG" 'warning: Connection rate limit exceeded: 3 from \[127\.0\.0\.1\]:[0-9]+ for service pop3rate$' \
	"the POP3 rate refusal is logged"

# ---- POP3: junk commands, before and after login -----------------------

out=$(greet "$P112" 127.0.0.1 'CAPA\r\nCAPA\r\nNOOP\r\nCAPA\r\nCAPA\r\nQUIT\r\n')
t_eq "$(echo "$out" | tail -n 1)" "-ERR Too many junk commands, disconnecting" \
	"login: the fifth CAPA/NOOP ends the connection, QUIT unanswered"
t_wait 30 sh -c "ls '$MAILBOX/new' '$MAILBOX/cur' 2>/dev/null | grep -q ." ||
	t_fail "the message from the SMTP test was delivered"
out=$(greet "$P112" 127.0.0.1 'USER a@localhost\r\nPASS secret-a\r\nNOOP\r\nRSET\r\nCAPA\r\nNOOP\r\nRETR 1\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nDELE 9\r\nNOOP\r\nQUIT\r\n')
t_match "$out" '^\+OK Logged in' "session: logged in"
t_match "$out" '^hello$' "session: RETR after four junk commands"
t_eq "$(echo "$out" | tail -n 1)" "-ERR Too many junk commands, disconnecting; nothing was deleted" \
	"session: four more after RETR, a failed DELE, and the fifth ends it, QUIT unanswered"
t_file_has "$LOG" 'pop3d-session\[[0-9]+\]: user=<a@localhost>, client=\[127\.0\.0\.1\]:[0-9]+: too many junk commands after NOOP' \
	"the session's junk limit is logged"

# ---- the default exceptions: $mynetworks, loopback -----------------------

sed -i '/^smtpd_client_event_limit_exceptions = *$/d' "$INST/main.conf"
tmailctl reload >/dev/null 2>&1
t_wait 20 sh -c "$AC greet $P25 127.0.0.1 'QUIT\r\n' | grep -q '^220 '" ||
	t_fail "smtp answers after the reload"
mark=$(wc -l < "$LOG")
hold d "$P25" 127.0.0.1 4
hold e "$P110" 127.0.0.1 4
t_eq "$(grep -c '^[0-9]: 220 ' "$T/hold-d")" 4 \
	"default exceptions (\$mynetworks): 127.0.0.1 is not limited over SMTP"
t_eq "$(grep -c '^[0-9]: +OK tern' "$T/hold-e")" 4 \
	"default exceptions follow to POP3: 127.0.0.1 is not limited"
t_nomatch "$(status_v)" '^(smtp|pop3) +127\.0\.0\.1 ' "exempt clients are not even counted"
t_nomatch "$(tail -n +"$mark" "$LOG")" 'limit exceeded|let in unchecked' "no refusal, anvil answering"
release d
release e

# ---- anvil down: clients are let in, with a warning ----------------------

sed -i '/^anvil unix/d' "$INST/master.conf"
t_set smtpd_client_event_limit_exceptions ""
tmailctl reload >/dev/null 2>&1
t_wait 20 sh -c "! pgrep -x anvil -P $(t_master_pid) >/dev/null" ||
	t_fail "anvil has stopped after its line was removed"
hold f "$P25" 127.0.0.1 4
t_eq "$(grep -c '^[0-9]: 220 ' "$T/hold-f")" 4 "anvil down: a fourth connection from 127.0.0.1 is let in (fail open)"
t_file_has "$LOG" 'smtpd\[[0-9]+\]: warning: anvil server \S+/private/anvil: connect: .*; client let in unchecked$' \
	"anvil down: smtpd warns that it let the client in unchecked"
t_match "$(status_v)" '^anvil: not answering \(.*private/anvil: connect: .*\); no per-client counters$' \
	"mailctl status -v says anvil is not answering"
release f

t_done
