#!/bin/bash
# t_login_handoff.sh - a hand-off the login process gave up on is nobody's.
#
# The session service is held to one process and kept busy by client 1, so
# client 2's hand-off (a plain POP3 login) waits in the session socket's
# backlog until ipc_timeout.  The login process then gives up: it must not
# answer on the socket (the session may take the record later, or already
# have), but shut it down; and the session that finally takes the record
# finds no login process to answer and drops it, so no "+OK" ever reaches
# client 2 (audit i12-02: before the fix, "-ERR [SYS/TEMP]" then "+OK").
# Client 3 logs in over TLS meanwhile: its failed hand-off is answered
# "-ERR [SYS/TEMP]" and it is back before login, where login_timeout
# applies again (audit i12-11: before the fix it could stay for ever).
. "$(dirname "$0")/lib.sh"

t_instance
P110=$((PB + 110))
t_set pop3d_client_connection_count_limit 0
t_set ipc_timeout 4s
t_set auth_failure_delay_max 2s
t_set login_timeout 5s
t_services auth anvil pop3-session pop3 pop3s
P995=$((PB + 995))
sed -i -E 's/^(pop3-session +unix +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
for u in a b; do
	printf 'pw-%s\n' "$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
	mkdir -p "$INST/mail/localhost/$u/"{new,cur,tmp}
done
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

out=$(python3 - "$P110" "$TOP/tests/integration" "$P995" <<'PY'
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
s3 = tnet.tls_context().wrap_socket(tnet.connect(int(sys.argv[3]), timeout=30))
f3 = s3.makefile('rb')
f3.readline()
s3.sendall(b'USER b@localhost\r\nPASS pw-b\r\n')
f3.readline()
print('client3 first:', f3.readline().decode().strip())  # after ipc_timeout
t0 = time.time()
r = b''
while time.time() - t0 < 15:
    s3.sendall(b'USER b@localhost\r\n')
    r = f3.readline()
    if not r.startswith(b'+OK'):
        break
    time.sleep(1)
print('client3 then: %s after %.0f s' % (r.decode().strip() or 'closed', time.time() - t0))
s1.sendall(b'QUIT\r\n'); f1.readline()              # the session frees
s2.settimeout(10)
try:
    print('client2 then:', f2.readline().decode().strip())
except Exception as e:
    print('client2 then: nothing (%s)' % e)
PY
)
t_log "$out"
t_match "$out" "client1: \+OK" "client 1 holds the one session process"
t_match "$out" "client2 first: closed" "client 2's connection is shut down, not answered, when its hand-off times out"
t_nomatch "$out" "client2 then: \+OK" "no session serves a client whose hand-off the login process gave up"
t_match "$out" "client2 waited: ipc_timeout" "the client whose hand-off timed out is let go at ipc_timeout"
t_match "$out" "client3 first: -ERR \[SYS/TEMP\]" "a TLS client whose hand-off timed out is told so"
t_match "$out" "client3 then: -ERR Login time limit reached, disconnecting after [3-6] s" \
	"after its failed hand-off the TLS client has login_timeout again"
t_done
