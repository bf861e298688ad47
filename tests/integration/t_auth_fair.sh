#!/bin/bash
# t_auth_fair.sh - auth checks passwords by client address in turn
# (auth/auth_queue.h), so a burst of guesses does not make every other
# login wait behind all of it (audit i12-10).
#
# 30 POP3 clients from 127.0.0.2 send a wrong password at once (limits
# raised so that auth checks every one: each is a yescrypt hash); while
# auth works through them, a client from 127.0.0.1 logs in.  Its check
# comes one or two after it arrives, not after all of the burst: the order
# of auth's own log lines says so.  How many of the burst's checks come
# first depends on how soon the login's request reaches auth (a few on
# an idle machine); before the fix it was all 30, since auth took its
# connections one per check, in order of arrival.  No timing assertion.
# Then, with a failure delay of 4 s, a burst of 30 guesses from
# 127.0.0.3: at most auth_address_wait_limit (5 here) of them wait in
# auth (checked, or held by the delay); the others are refused at once,
# so one address cannot hold auth's connections.
. "$(dirname "$0")/lib.sh"

t_instance
P110=$((PB + 110))
t_set pop3d_client_connection_count_limit 0
t_set auth_failure_limit 1000
t_set auth_failure_user_limit 1000
t_set auth_failure_delay 0
t_set auth_address_wait_limit 0
t_services auth anvil pop3-session pop3
printf 'right-pw\n' | tmailctl user add v@localhost --password-stdin >/dev/null 2>&1 ||
	t_fail "user v@localhost added"
mkdir -p "$INST/mail/localhost/v/"{new,cur,tmp}
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

# burst SRC [login]: 30 POP3 clients from SRC send a wrong password at
# once; prints how the burst was answered ("failed: N", "refused: N").
# With "login", a client from 127.0.0.1 logs in as soon as auth has
# logged the burst's first check, and "login: REPLY" is printed too.
burst() {
	python3 - "$P110" "$TOP/tests/integration" "$INST/log/maillog" "$@" <<'PY'
import sys, threading, time
sys.path.insert(0, sys.argv[2])
import tnet
port, log, src = int(sys.argv[1]), sys.argv[3], sys.argv[4]
login = sys.argv[5:] == ['login']
replies = []

def guess(k, ready, go):
    s = tnet.connect(port, timeout=120, src=src)
    f = s.makefile('rb')
    f.readline()
    s.sendall(b'USER v@localhost\r\n'); f.readline()
    ready.release()
    go.wait()
    s.sendall(b'PASS wrong-%d\r\n' % k)
    replies.append(f.readline().decode().strip())
    s.close()

ready, go = threading.Semaphore(0), threading.Event()
ths = [threading.Thread(target=guess, args=(k, ready, go)) for k in range(30)]
for t in ths:
    t.start()
for t in ths:
    ready.acquire()
go.set()
if login:
    # the burst is at auth once its first check is logged
    deadline = time.time() + 30
    while time.time() < deadline and 'client=%s mech=' % src not in open(log).read():
        time.sleep(0.01)
    s = tnet.connect(port, timeout=120, src='127.0.0.1')
    f = s.makefile('rb')
    f.readline()
    s.sendall(b'USER v@localhost\r\n'); f.readline()
    s.sendall(b'PASS right-pw\r\n')
    print('login:', f.readline().decode().strip())
for t in ths:
    t.join()
print('failed:', sum(r.startswith('-ERR [AUTH]') for r in replies))
print('refused:', sum(r.startswith('-ERR [SYS/TEMP]') for r in replies))
PY
}

out=$(burst 127.0.0.2 login)
t_log "$out"
t_match "$out" "login: \+OK" "the login during the burst succeeds"
# auth's checks in the order it made them
checks=$(grep -E 'auth\[[0-9]+\]: service=pop3 client=127\.0\.0\.[12] mech=' "$INST/log/maillog" |
	sed -E 's/.*client=(127\.0\.0\.[12]) .*/\1/')
before=$(echo "$checks" | sed -n '/127\.0\.0\.1/q;p' | grep -c 127.0.0.2)
t_log "guesses checked before the login: $before of $(echo "$checks" | grep -c 127.0.0.2)"
t_eq "$(echo "$checks" | grep -c 127.0.0.2)" 30 "auth checked every guess of the burst"
[ "$before" -le 15 ] &&
	t_pass "the login was checked before most of the 30 guesses ($before before it), not behind the burst" ||
	t_fail "the login was checked before most of the 30 guesses" "$before before it"

t_set auth_failure_delay 4s
t_set auth_address_wait_limit 5
tmailctl reload >/dev/null 2>&1 || t_fail "mailctl reload"
t_wait 10 sh -c "grep -q 'reloaded' '$INST/log/maillog'"
sleep 1
out=$(burst 127.0.0.3)
t_log "$out"
refused=$(echo "$out" | awk '/^refused:/ { print $2 }')
failed=$(echo "$out" | awk '/^failed:/ { print $2 }')
[ "${refused:-0}" -ge 15 ] &&
	t_pass "most of a 30-guess burst held by the delay is refused at once ($refused refused, $failed checked)" ||
	t_fail "most of a 30-guess burst held by the delay is refused at once" "$refused refused, $failed checked"
t_file_has "$INST/log/maillog" 'client=127.0.0.3: verification refused: 5 already waiting from the address' \
	"auth logs the refusal, naming the address and the limit"
t_done
