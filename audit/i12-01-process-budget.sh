#!/bin/bash
# i12-01: one attacker's failed logins exhaust auth_process_failure_limit
# of the login process that many other clients share, so a legitimate
# client of that process (another address, the right password) is refused
# with -ERR [SYS/TEMP] for auth_process_failure_window.
# Defaults only (login_client_limit 100, auth_process_failure_limit 50,
# auth_failure_limit 10 per address); the pop3 service gets a process limit
# of 1 so every client lands on the same login process, which is what
# happens anyway with 100 clients per process and few processes.
# Attacker: 8 loopback addresses (127.0.0.2-9) x 7 wrong passwords each,
# in parallel, each address under its own penalty limit.
# Expected (sound): the victim from 127.0.0.1 logs in (+OK).
# Observed: -ERR [SYS/TEMP] Temporary authentication failure.
. "$(dirname "$0")/../tests/integration/lib.sh"

t_instance
P110=$((PB + 110))
t_set pop3d_client_connection_count_limit 0
t_services auth anvil pop3-session pop3
sed -i -E 's/^(pop3:[0-9]+ +inet +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
printf 'victim-pw\n' | tmailctl user add v@localhost --password-stdin >/dev/null 2>&1
mkdir -p "$INST/mail/localhost/v/"{new,cur,tmp}
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

out=$(python3 - "$P110" "$TOP/tests/integration" <<'PY'
import sys, threading
sys.path.insert(0, sys.argv[2])
import tnet
port = int(sys.argv[1])

def attack(src, n, who):
    s = tnet.connect(port, timeout=60, src=src)
    f = s.makefile('rb')
    f.readline()
    for i in range(n):
        s.sendall(b'USER guess%d@localhost\r\n' % who); f.readline()
        s.sendall(b'PASS wrong\r\n'); f.readline()
        # pop3d_login_failures: reconnect when told to go
    s.close()

ths = []
for a in range(2, 10):
    for k in range(7):
        t = threading.Thread(target=attack, args=('127.0.0.%d' % a, 1, a * 10 + k))
        t.start(); ths.append(t)
for t in ths:
    t.join()
s = tnet.connect(port, timeout=30, src='127.0.0.1')
f = s.makefile('rb')
f.readline()
s.sendall(b'USER v@localhost\r\n'); f.readline()
s.sendall(b'PASS victim-pw\r\n')
print('victim:', f.readline().decode().strip())
PY
)
echo "$out"
t_match "$out" "victim: \+OK" "a client of the shared login process logs in after another client's failures"
grep -c 'over its budget' "$INST/log/maillog" | sed 's/^/auth budget refusals logged: /'
t_done
