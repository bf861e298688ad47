#!/bin/bash
# i12-02: a hand-off the login process gave up on (ipc_timeout) is still
# taken by the session later, so two processes serve one client socket.
# The login process answers "-ERR [SYS/TEMP]" and goes back to reading
# commands on the socket; the record (token, descriptor) stays queued on
# the session socket, and when a session process accepts it, it redeems
# the still valid token, ignores that its "ok" cannot reach the login
# process, and says "+OK" on the same socket.  Later commands are read by
# whichever process wins the race.
# Trigger: the session service at its process limit (here 1, as it would
# be under load at default_process_limit), a plain (non-TLS) login.
# Expected (sound): client 2 gets one answer, either a failure after
#   which nobody else serves it, or a login.  (After the fix: its
#   connection is closed at ipc_timeout, and the session, whose "ok" finds
#   no login process, drops the record.)
# Observed: "-ERR [SYS/TEMP]" from the login process, then "+OK Logged in"
#   from a session on the same connection.
. "$(dirname "$0")/../tests/integration/lib.sh"

t_instance
P110=$((PB + 110))
t_set pop3d_client_connection_count_limit 0
t_set ipc_timeout 4s
t_set auth_failure_delay_max 2s
t_services auth anvil pop3-session pop3
sed -i -E 's/^(pop3-session +unix +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
for u in a b; do
	printf 'pw-%s\n' "$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
	mkdir -p "$INST/mail/localhost/$u/"{new,cur,tmp}
done
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

out=$(python3 - "$P110" "$TOP/tests/integration" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[2])
import tnet
port = int(sys.argv[1])

def login(u):
    s = tnet.connect(port, timeout=30)
    f = s.makefile('rb')
    f.readline()
    s.sendall(b'USER %s@localhost\r\nPASS pw-%s\r\n' % (u, u))
    return s, f

s1, f1 = login(b'a')
f1.readline()
print('client1:', f1.readline().decode().strip())   # the one session
s2, f2 = login(b'b')
f2.readline()
t0 = time.time()
print('client2 first:', f2.readline().decode().strip() or 'closed')  # after ipc_timeout
print('client2 waited: %s' % ('long' if time.time() - t0 > 8 else 'ipc_timeout'))
s1.sendall(b'QUIT\r\n'); f1.readline()              # the session frees
s2.settimeout(10)
try:
    print('client2 then:', f2.readline().decode().strip())
except Exception as e:
    print('client2 then: nothing (%s)' % e)
PY
)
echo "$out"
t_nomatch "$out" "client2 then: \+OK" "no session serves a client whose hand-off the login process gave up"
t_match "$out" "client2 waited: ipc_timeout" "the client whose hand-off timed out is let go at ipc_timeout"
t_done
