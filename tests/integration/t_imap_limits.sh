#!/bin/bash
# t_imap_limits.sh - sessions per user (imapd_user_session_limit): the
# session over the limit answers the login command NO [LIMIT] and BYE, a
# session of another user and of the same user after one left go in, and
# the count is given back when a session process is killed.
. "$(dirname "$0")/lib.sh"
T_SIGNALS_EXPECTED=1	# session processes are killed with -9 on purpose

t_instance
P=$((PB + 143))
t_set imapd_user_session_limit 2
t_set imapd_client_connection_count_limit 0
t_services imap imap-session auth anvil
for u in a b; do
	printf 'pw-%s\n' "$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
t_start

out=$(timeout 120 python3 - "$P" <<'PY' 2>&1
import imaplib, sys, time
port = int(sys.argv[1])

def login(u):
    m = imaplib.IMAP4('127.0.0.1', port, timeout=20)
    try:
        typ, data = m.login('%s@localhost' % u, 'pw-%s' % u)
        return m, typ, data[0].decode()
    except imaplib.IMAP4.error as e:
        return None, 'NO', str(e)

s1, t1, _ = login('a')
s2, t2, _ = login('a')
print('first two:', t1, t2)
s3, t3, why = login('a')
print('third:', t3, why)
sb, tb, _ = login('b')
print('other user:', tb)
s1.logout()
time.sleep(1)
s4, t4, _ = login('a')
print('after a logout:', t4)
for s in (s2, s4, sb):
    if s:
        s.logout()
PY
)
t_match "$out" "first two: OK OK" "two sessions of one user log in"
t_match "$out" "third: NO .*\[LIMIT\]" "the third gets NO [LIMIT]"
t_match "$out" "other user: OK" "another user is not held back"
t_match "$out" "after a logout: OK" "a session that left gives its count back"
t_match "$(t_maillog)" "Session limit exceeded: 3 sessions of user <a@localhost>" \
	"the refusal is logged with the user"

# A killed session process gives its count back too (anvil counts per
# connection of the process that holds it).
pids=$(timeout 60 python3 - "$P" "$T/held" <<'PY'
import imaplib, sys, time, os
m1 = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]), timeout=20)
m1.login('a@localhost', 'pw-a')
m2 = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]), timeout=20)
m2.login('a@localhost', 'pw-a')
print('held')
sys.stdout.flush()
time.sleep(30)
PY
) &
sleep 4
for p in $(t_svc_pids imap-session); do
	kill -9 "$p" 2>/dev/null
done
sleep 2
out=$(timeout 60 python3 - "$P" <<'PY' 2>&1
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]), timeout=20)
print('after kill:', m.login('a@localhost', 'pw-a')[0])
m.logout()
PY
)
t_match "$out" "after kill: OK" "sessions killed with -9 give their counts back"
wait 2>/dev/null
t_done
