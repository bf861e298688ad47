#!/bin/bash
# t_master_status_forged.sh - a child speaks only for itself on its
# service's status channel (master_status.c: the kernel names the sender).
#
# Two testd processes of one service (prefork 2, maxproc 2).  One of them,
# as a taken-over child could, writes DRAINING records about its sibling
# and about itself: master drops the one about the sibling, with a
# warning, and keeps counting the sibling; before, a child could mark
# every sibling draining and master started replacements without bound
# (audit i12-18).  The record about itself is believed: that process
# leaves the count, and master starts one more (draining processes do not
# count against maxproc).  A FAILED record after that changes no count
# (audit i12-22).  With maxproc 1, a second process that drains while one
# already does stays counted (the backstop: at most maxproc draining).
. "$(dirname "$0")/lib.sh"

t_instance
P_TD=$((PB + 1))
t_services
cat >>"$INST/master.conf" <<CONF
td:$P_TD	inet	n	-	n	2	testd -o process_prefork=2
td1:$((PB + 2))	inet	n	-	n	1	testd
CONF
t_start
t_wait 10 sh -c "[ \"\$(\"$TERN_BIN/mailctl\" -c \"$INST\" status 2>/dev/null | awk '\$1 == \"td\" { print \$5 }')\" = 2 ]"
pids=$(t_svc_pids td)
t_log "td processes: $pids"
t_eq "$(echo "$pids" | wc -w)" 2 "two testd processes run"

# ask PID-of-the-writer LINE: run LINE in whichever testd takes the client,
# and print "PID: answer"
out=$(python3 - "$P_TD" "$pids" <<'PY'
import socket, sys, re
port, pids = int(sys.argv[1]), sys.argv[2].split()
def gen(pid):
    args = open('/proc/%s/cmdline' % pid, 'rb').read().split(b'\0')
    return args[args.index(b'-g') + 1].decode() if b'-g' in args else '0'
s = socket.create_connection(('127.0.0.1', port), timeout=10)
f = s.makefile('rw')
def ask(line):
    f.write(line + '\n'); f.flush()
    return f.readline().strip()
me = ask('pid')
sibling = [p for p in pids if p != me][0]
print('writer', me, 'sibling', sibling)
print('forged:', ask('report %s 5 %s' % (sibling, gen(sibling))))
print('own:', ask('report %s 5 %s' % (me, gen(me))))
print('failed:', ask('report %s 4 %s' % (me, gen(me))))
PY
)
t_log "$out"
writer=$(echo "$out" | awk '/^writer/ { print $2 }')
sibling=$(echo "$out" | awk '/^writer/ { print $4 }')
t_match "$out" "forged: wrote 16" "the forged record went into the channel"
t_wait 10 grep -q "service td: status report about pid $sibling sent by pid $writer dropped" "$INST/log/maillog"
t_file_has "$INST/log/maillog" "service td: status report about pid $sibling sent by pid $writer dropped" \
	"master drops a report about a sibling, naming the real sender"
# the writer drains (its own report): the sibling and one new process count
t_wait 10 sh -c "[ \"\$(\"$TERN_BIN/mailctl\" -c \"$INST\" status 2>/dev/null | awk '\$1 == \"td\" { print NF - 8 }')\" = 3 ]"
t_eq "$(t_svc_field td 5)" 2+1 "two processes count: the sibling still, and one started for the drained writer (procs 2+1)"
t_match " $(t_svc_pids td) " " $sibling " "the sibling runs on"
t_eq "$(t_svc_field td 6)" 0 "a FAILED record after DRAINING makes no process busy"

# td1: the first process drains, a second is started; when the second
# drains too it stays counted, and no third is started.
out=$(python3 - "$((PB + 2))" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def gen(pid):
    args = open('/proc/%s/cmdline' % pid, 'rb').read().split(b'\0')
    return args[args.index(b'-g') + 1].decode() if b'-g' in args else '0'
def session():
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    f = s.makefile('rw')
    def ask(line):
        f.write(line + '\n'); f.flush()
        return f.readline().strip()
    return s, ask
s, ask = session()
first = ask('pid')
print('first', first, ask('report %s 5 %s' % (first, gen(first))))
s.close()
second = None
for i in range(40):
    s, ask = session()
    p = ask('pid')
    if p != first:
        second = p
        print('second', p, ask('report %s 5 %s' % (p, gen(p))))
        s.close()
        break
    s.close()
    time.sleep(0.1)
print('done', second)
PY
)
t_log "$out"
second=$(echo "$out" | awk '/^second/ { print $2 }')
t_match "$out" "^second [0-9]+ wrote 16" "td1: a second process is started when the first drains (maxproc 1)"
t_wait 10 grep -q "service td1: 1 processes draining already; pid $second stays counted" "$INST/log/maillog"
t_file_has "$INST/log/maillog" "service td1: 1 processes draining already; pid $second stays counted against maxproc" \
	"td1: the second draining process stays counted: no more than maxproc drain"
sleep 1
t_eq "$(t_svc_pids td1 | wc -w)" 2 "td1: no third process is started"
t_done
