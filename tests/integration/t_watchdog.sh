#!/bin/bash
# t_watchdog.sh - the skeleton's per-request watchdog and the event-driven
# wait for the next request (architecture §1).
#
# With daemon_timeout = 3s, clients of testd, smtpd and both pop3d roles
# stay idle for longer than that between requests and are still answered
# (the watchdog is off while a process waits for its client), and so does
# qmgr's kept connection to local; while a testd request that takes longer
# than daemon_timeout ("sleep 6") kills its process with SIGALRM.  Nothing
# else is killed: not the event-loop daemons (auth, anvil, qmgr) idle
# meanwhile, whose watchdog runs only while their callbacks do.  An idle
# session is woken at most once (the watchdog alarm lapsing) and makes no
# system call after that.  mailctl stop then reaches
# idle clients in their wait: testd says "stopping", POP3 its -ERR.
. "$(dirname "$0")/lib.sh"

# The watchdog kill below is a "terminated on signal" line on purpose; the
# test checks itself that it is the only one.
T_SIGNALS_EXPECTED=1

t_instance
P_TD=$((PB + 1))
P110=$((PB + 110))
P25=$((PB + 25))
t_set daemon_timeout 3s
t_services smtp auth anvil pop3 pop3-session qmgr local
cat >>"$INST/master.conf" <<EOF
td:$P_TD	inet	n	-	n	2	testd
EOF
for u in wd lw; do
	echo "pw-$u" | tmailctl user add $u@localhost --password-stdin >/dev/null 2>&1 ||
		t_fail "user $u@localhost"
done
mkdir -p "$INST/mail/localhost/wd/new" "$INST/mail/localhost/wd/cur" \
	 "$INST/mail/localhost/wd/tmp"
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail/localhost"
t_start

# local gets a first request; its connection then stays idle with the rest.
echo "Subject: one" | t_inject -f a@localhost lw@localhost >/dev/null
t_wait_new lw 1 || t_fail "the first message to lw is delivered"

# Three sessions at once, each idle for 5 s (more than daemon_timeout)
# before its next request; one line of result per check.
python3 - "$TOP/tests/integration" "$P_TD" "$P25" "$P110" >"$T/idle.out" 2>&1 <<'EOF'
import sys, threading, time
sys.path.insert(0, sys.argv[1])
from tnet import connect, read_line

P_TD, P25, P110 = (int(p) for p in sys.argv[2:5])
IDLE = 5
out = {}

def ask(s, line):
    s.sendall(line.encode() + b"\r\n")
    return read_line(s)

def testd():
    s = connect(P_TD, timeout=30)
    pid = ask(s, "pid")
    time.sleep(IDLE)
    out["testd idle"] = ask(s, "pid") == pid and pid.isdigit()
    s.sendall(b"sleep 6\n")
    t0 = time.time()
    got = read_line(s)
    took = time.time() - t0
    out["testd sleep"] = (got == "" and 2 <= took < 6, got, round(took, 1))
    out["testd pid"] = pid

def smtp():
    s = connect(P25, timeout=30)
    read_line(s)
    s.sendall(b"HELO wd\r\n")
    read_line(s)
    time.sleep(IDLE)
    out["smtp idle"] = ask(s, "NOOP")
    out["smtp quit"] = ask(s, "QUIT")

def pop3():
    s = connect(P110, timeout=30)
    read_line(s)
    time.sleep(IDLE)
    out["pop3 login idle"] = ask(s, "USER wd@localhost")
    out["pop3 pass"] = ask(s, "PASS pw-wd")
    time.sleep(IDLE)
    out["pop3 session idle"] = ask(s, "STAT")
    out["pop3 quit"] = ask(s, "QUIT")

threads = [threading.Thread(target=f) for f in (testd, smtp, pop3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for k in sorted(out):
    print("%s: %s" % (k, out[k]))
EOF
OUT=$(cat "$T/idle.out")
t_match "$OUT" "^testd idle: True$" "testd: idle longer than daemon_timeout, then answered"
t_match "$OUT" "^smtp idle: 250 " "smtpd: idle longer than daemon_timeout, then NOOP answered"
t_match "$OUT" "^smtp quit: 221 " "smtpd: the session ends normally"
t_match "$OUT" "^pop3 login idle: \+OK" "pop3d login role: idle longer than daemon_timeout, then USER answered"
t_match "$OUT" "^pop3 pass: \+OK" "pop3d: login after the idle time"
t_match "$OUT" "^pop3 session idle: \+OK 0 0" "pop3d session role: idle longer than daemon_timeout, then STAT answered"
t_match "$OUT" "^pop3 quit: \+OK" "pop3d: the session ends normally"
t_match "$OUT" "^testd sleep: \(True, '', " "testd: a request longer than daemon_timeout ends the connection"

# qmgr's connection to local was idle for those 10 s: the same local
# process takes the next request.
echo "Subject: two" | t_inject -f a@localhost lw@localhost >/dev/null
t_wait_new lw 2
t_eq "$(t_count_new lw)" 2 "local: a request after an idle time longer than daemon_timeout is delivered"
LPIDS=$(grep -o 'local\[[0-9]*\]: [^ ]*: to=<lw@localhost>' "$INST/log/maillog" |
	sed 's/^local\[\([0-9]*\)\].*/\1/' | sort -u)
t_match "$LPIDS" '^[0-9]+$' "local: one process delivered both, over the kept connection"

TDPID=$(sed -n 's/^testd pid: //p' "$T/idle.out")
t_wait 5 grep -q "testd pid $TDPID terminated on signal 14" "$INST/log/maillog"
t_file_has "$INST/log/maillog" "testd pid $TDPID terminated on signal 14" \
	"the watchdog (SIGALRM) killed the stuck testd"
t_eq "$(grep -c 'terminated on signal' "$INST/log/maillog")" 1 \
	"no other process was killed by a signal"

# No periodic wake-up: a process waiting for its idle client is woken at
# most once, when the watchdog alarm of its last request lapses (within
# daemon_timeout + 1 s of it: the alarm stays armed across requests, so
# that marking them costs no system call), and makes no system call at all
# after that.
# idle_calls PORT WHAT PROGRAM: a client of PORT logs in as needed (WHAT:
# smtp, pop3) and idles for 9 s; PROGRAM's process holding the server end
# is watched with strace from 0.5 to 4.5 s after the last request (prints
# how many SIGALRMs it received), then from 5 to 7.5 s (prints how many
# system calls it made).
idle_calls() {
	local port=$1 what=$2 pid
	rm -f "$T/idle.ready"
	python3 - "$TOP/tests/integration" "$port" "$what" "$T/idle.ready" <<'EOF' &
import sys, time
sys.path.insert(0, sys.argv[1])
from tnet import connect, read_line
s = connect(int(sys.argv[2]), timeout=30)
read_line(s)
if sys.argv[3] == "smtp":
    s.sendall(b"HELO wd\r\n")
    read_line(s)
else:
    s.sendall(b"USER wd@localhost\r\n")
    read_line(s)
    s.sendall(b"PASS pw-wd\r\n")
    read_line(s)
open(sys.argv[4], "w").close()
time.sleep(9)
s.sendall(b"QUIT\r\n")
read_line(s)
EOF
	t_wait 10 test -f "$T/idle.ready"
	sleep 0.5
	pid=$(ss -Htnp 2>/dev/null | awk -v p="127.0.0.1:$port" '$4 == p' |
		grep -o "\"$3\",pid=[0-9]*" | cut -d= -f2 | head -n 1)
	if [ -z "$pid" ]; then
		echo "no server process found"
	else
		timeout 4 strace -p "$pid" 2>&1 | grep -c -- '--- SIGALRM'
		sleep 0.5
		timeout 2.5 strace -p "$pid" 2>&1 |
			grep -Ev '^strace: Process|restart_syscall|^ <detached' | wc -l
	fi
	wait $!
}
if command -v strace >/dev/null 2>&1; then
	for w in "$P25 smtp smtpd" "$P110 pop3 pop3d-session"; do
		set -- $w
		OUT=$(idle_calls "$1" "$2" "$3" | tr '\n' ' ')
		t_match "$OUT" '^[01] ' "$3: an idle client's process is woken at most once by the lapsing watchdog alarm ($OUT)"
		t_match "$OUT" '^[01] 0 $' "$3: after that it waits without any system call"
	done
else
	t_skip "no strace: cannot watch an idle session's system calls"
fi

# mailctl stop reaches idle clients in their wait.
python3 - "$TOP/tests/integration" "$P_TD" "$P110" "$T/ready" >"$T/stop.out" 2>&1 <<'EOF' &
import sys, time
sys.path.insert(0, sys.argv[1])
from tnet import connect, read_line

td = connect(int(sys.argv[2]), timeout=30)
td.sendall(b"pid\n")
read_line(td)
pop = connect(int(sys.argv[3]), timeout=30)
read_line(pop)
pop.sendall(b"USER wd@localhost\r\n")
read_line(pop)
pop.sendall(b"PASS pw-wd\r\n")
read_line(pop)
open(sys.argv[4], "w").close()
print("testd: %s" % read_line(td))
print("pop3: %s" % read_line(pop))
EOF
CLIENT=$!
t_wait 10 test -f "$T/ready" || t_fail "the stop clients are connected"
t_stop
wait "$CLIENT"
OUT=$(cat "$T/stop.out")
t_match "$OUT" "^testd: stopping$" "mailctl stop: an idle testd client is told at once"
t_match "$OUT" "^pop3: -ERR \[SYS/TEMP\] Server shutting down" "mailctl stop: an idle POP3 session gets -ERR [SYS/TEMP]"

t_done
