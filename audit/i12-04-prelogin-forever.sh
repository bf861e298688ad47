#!/bin/bash
# i12-04: a client that never logs in keeps its login slot (one of
# login_client_limit, and its anvil count) as long as it likes: only CAPA,
# NOOP and RSET count as junk, the idle deadline restarts with every line,
# and nothing bounds the life of a connection before login.  USER without
# PASS, and AUTH PLAIN cancelled with "*", are neither junk, nor errors,
# nor failures.
# Here pop3d_idle_timeout is 3s; the client sends a USER (or an AUTH
# cancelled) every 2s for 16s, then 5000 cancelled AUTHs at full speed.
# Expected (sound): disconnected at some bound (junk limit or a pre-login
#   lifetime).  Observed: still served after all of it.
. "$(dirname "$0")/../tests/integration/lib.sh"

t_instance
P110=$((PB + 110))
t_set pop3d_idle_timeout 3s
t_set pop3d_client_connection_count_limit 0
t_services auth anvil pop3-session pop3
t_start

out=$(python3 - "$P110" "$TOP/tests/integration" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[2])
import tnet
s = tnet.connect(int(sys.argv[1]), timeout=10)
f = s.makefile('rb')
f.readline()
try:
    for i in range(8):
        time.sleep(2)
        if i % 2:
            s.sendall(b'USER nobody@localhost\r\n'); f.readline()
        else:
            s.sendall(b'AUTH PLAIN\r\n'); f.readline(); s.sendall(b'*\r\n'); f.readline()
    s.sendall(b'AUTH PLAIN\r\n*\r\n' * 5000)
    for i in range(10000):
        f.readline()
    s.sendall(b'USER nobody@localhost\r\n')
    print('after 16s and 5000 cancelled AUTHs:', f.readline().decode().strip() or 'closed')
except Exception as e:
    print('disconnected: %s' % e)
PY
)
echo "$out"
t_nomatch "$out" "after 16s and 5000 cancelled AUTHs: \+OK" "a client that never logs in does not keep its slot for ever"
t_done
