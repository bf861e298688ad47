#!/bin/bash
# i12-06: a password sent in a command the login process refuses before
# asking auth (PASS without USER, PASS or AUTH PLAIN <initial-response>
# refused as plaintext, a syntax error) is not wiped: the command line
# buffer (l->line) is only reset, so the bytes stay in the memory of a
# process that serves up to login_client_limit clients, for as long as
# that client stays connected.  (The stream's consumed input is wiped;
# the line is not.)  Needs root (memscan.py reads /proc/PID/mem).
# Expected (sound): the password is nowhere in the login process.
# Observed: memscan.py finds it.
. "$(dirname "$0")/../tests/integration/lib.sh"

t_is_root || { t_skip "memscan needs root"; t_done; }
[ "${TERN_SAN:-}" != 1 ] || { t_skip "memscan cannot read a sanitized process (shadow memory)"; t_done; }
t_instance
P110=$((PB + 110))
t_set pop3d_client_connection_count_limit 0
t_services auth anvil pop3-session pop3
sed -i -E 's/^(pop3:[0-9]+ +inet +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
t_start

SECRET=Refused-Pass-Secret-0123456789abcdef
python3 - "$P110" "$TOP/tests/integration" "$T/ready" "$T/release" "$SECRET" > "$T/client.out" 2>&1 <<'PY' &
import sys, time, os, base64
sys.path.insert(0, sys.argv[2])
import tnet
s = tnet.connect(int(sys.argv[1]), timeout=60)
f = s.makefile('rb')
f.readline()
s.sendall(b'PASS ' + sys.argv[5].encode() + b'\r\n'); print(f.readline())
s.sendall(b'NOOP\r\n'); print(f.readline())
open(sys.argv[3], 'w').close()
while not os.path.exists(sys.argv[4]):
    time.sleep(0.1)
PY
client=$!
t_wait 20 test -f "$T/ready"
pid=$(ss -Htnp state established "( sport = :$P110 )" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
found=$(python3 "$TOP/tests/integration/memscan.py" "$pid" "${SECRET:8}")
touch "$T/release"; wait $client
cat "$T/client.out"
echo "memscan of login pid $pid: $found"
t_match "$found" "scanned" "memscan ran"
t_nomatch "$found" "${SECRET:8}" "a refused PASS leaves no password in the login process"
t_done
