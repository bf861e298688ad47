#!/bin/bash
# t_login_drain.sh - a login process that accepts no more drains outside
# the service's maxproc (master_proto.h DRAINING).
#
# One pop3 login process at most (maxproc 1), one client per process
# (login_client_limit 1: max_use applies only then; a process holding
# many clients is not renewed after max_use), max_use 3.  Two clients come
# and go, a third stays before login: the process has served its three
# and accepts no more, but lives on for the third.  A fourth client is
# greeted all the same, by a fresh process: the draining one no longer
# holds the service's one place (before: nobody was greeted until the
# third client left; audit i12-08, i12-14).  The draining process still
# serves its client, and exits when that client leaves.
# A second service, pop3b, keeps the default login_client_limit with
# max_use 2: its process serves a fifth client after four, not renewed.
. "$(dirname "$0")/lib.sh"

t_instance
P110=$((PB + 110))
t_set pop3d_client_connection_count_limit 0
t_services auth anvil pop3-session pop3
sed -i -E 's/^(pop3:[0-9]+ +inet +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+ +pop3d/\11 pop3d -o max_use=3 -o login_client_limit=1/' \
	"$INST/master.conf"
grep -q 'pop3d -o max_use=3' "$INST/master.conf" || t_fail "master.conf: pop3 line with max_use=3"
P_B=$((PB + 111))
echo "pop3b:$P_B inet n - y 1 pop3d -o max_use=2" >>"$INST/master.conf"
t_start

python3 - "$P110" "$TOP/tests/integration" "$T/ready" "$T/go" >"$T/out" 2>&1 <<'PY' &
import sys, time
sys.path.insert(0, sys.argv[2])
import tnet
port = int(sys.argv[1])

def greeting():
    s = tnet.connect(port, timeout=15)
    return s, s.makefile('rb').readline().decode().strip()

for i in (1, 2):
    s, g = greeting()
    print('client %d:' % i, g)
    s.sendall(b'QUIT\r\n')
    s.recv(100)
    s.close()
third = tnet.connect(port, timeout=30)
tf = third.makefile('rb')
print('client 3:', tf.readline().decode().strip())
open(sys.argv[3], 'w').close()
try:
    s, g = greeting()
    print('client 4:', g)
except OSError as e:
    print('client 4: no greeting:', e)
tnet.wait_file(sys.argv[4], 30)
third.sendall(b'CAPA\r\n')
print('client 3 later:', tf.readline().decode().strip())
while tf.readline() not in (b'.\r\n', b''):
    pass
third.sendall(b'QUIT\r\n')
print('client 3 quit:', tf.readline().decode().strip())
PY
py=$!
t_wait 20 test -f "$T/ready"
t_wait 10 grep -q 'client 4:' "$T/out"
pids=$(t_svc_pids pop3)
procs=$(t_svc_field pop3 5)
t_log "pop3 pids: $pids; procs column: $procs"
touch "$T/go"
wait $py
out=$(cat "$T/out")
t_log "$out"
t_match "$out" "client 3: \+OK" "the third client, the process's last under max_use, is greeted"
t_match "$out" "client 4: \+OK" "a fourth client is greeted by a fresh process while the spent one drains (maxproc 1)"
t_eq "$(echo "$pids" | wc -w)" 2 "mailctl status lists both processes, the draining one too"
t_eq "$procs" 1+1 "only the accepting process counts against maxproc (procs 1+1: one draining)"
t_match "$out" "client 3 later: \+OK" "the draining process still serves its client"
t_match "$out" "client 3 quit: \+OK" "and lets it quit"
# the process that greeted the first client is the one that drained
old=$(grep -m 1 'pop3d\[[0-9]*\]: connect from' "$INST/log/maillog" |
	sed -E 's/.*pop3d\[([0-9]+)\].*/\1/')
t_match " $pids " " $old " "the draining process is the first one ($old)"
t_wait 10 sh -c "! kill -0 $old 2>/dev/null"
kill -0 "$old" 2>/dev/null && t_fail "the draining process $old exits once its client is gone" ||
	t_pass "the draining process exits once its client is gone"

for i in 1 2 3 4 5; do
	python3 - "$P_B" "$TOP/tests/integration" <<'PY' >>"$T/b.out" 2>&1
import sys
sys.path.insert(0, sys.argv[2])
import tnet
s = tnet.connect(int(sys.argv[1]), timeout=15)
f = s.makefile('rb')
print(f.readline().decode().strip())
s.sendall(b'QUIT\r\n')
f.readline()
PY
done
t_eq "$(grep -c '^+OK' "$T/b.out")" 5 "pop3b: five clients one after another are greeted"
bpids=$(grep -E "pop3d\[[0-9]+\]: connect from \[127\.0\.0\.1\]" "$INST/log/maillog" |
	sed -E 's/.*pop3d\[([0-9]+)\].*/\1/' | sort | uniq -c | awk '$1 >= 5 { print $2 }')
t_match "$bpids" '^[0-9]+$' "pop3b: one process served all five, max_use 2 notwithstanding (it holds many clients at once)"
t_done
