#!/bin/bash
# t_master_exec.sh - a respawn whose exec fails (the program is being
# replaced, or has lost its x bit) is logged in the maillog, and never
# breaks the service's status pipe: once the program is back the service
# runs and reports as before.  Found by t_crash while a rebuild replaced
# the binaries under a running instance: the child logged its exec error
# on the descriptor that had become the status pipe, and master misread
# every later report of that service.
. "$(dirname "$0")/lib.sh"

T_SIGNALS_EXPECTED=1

# The programs from a copy, so that one can be made unexecutable.
mkdir "$T/bin"
cp -p "$TERN_BIN"/* "$T/bin/"
chmod 755 "$T/bin"
TERN_BIN=$T/bin
t_instance
t_set service_throttle_time 1s
cat >>"$INST/master.conf" <<EOF
uecho		unix	-	-	n	-	testd
EOF
t_start
Q=$INST/queue
LOG=$INST/log/maillog

echo_once() {
	python3 - "$Q/private/uecho" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
try:
    s.connect(sys.argv[1])
    f = s.makefile("rw")
    f.write(sys.argv[2] + "\n")
    f.flush()
    print(f.readline().rstrip("\n"))
except OSError as e:
    print("error: %s" % e.__class__.__name__)
EOF
}

t_eq "$(echo_once before)" "echo: before" "uecho answers"
old=$(t_svc_pids uecho)
chmod 644 "$T/bin/testd"
kill -KILL $old
t_wait 20 grep -q "exec $T/bin/testd: Permission denied" "$LOG" &&
	t_pass "the failed exec is logged in the maillog" ||
	t_fail "the failed exec is logged in the maillog" "$(tail -n 5 "$LOG")"
t_wait 10 grep -q "service uecho: last output: " "$LOG"
t_file_has "$LOG" "service uecho: last output: master: error: exec $T/bin/testd: Permission denied" \
	"the failed exec reached master through the service's stderr, like a daemon's own error"
chmod 755 "$T/bin/testd"
t_wait 20 sh -c "grep -q 'service uecho: throttle time over' '$LOG'"
t_wait 20 sh -c "[ \"\$('$TERN_BIN/mailctl' -c '$INST' status 2>/dev/null | awk '\$1 == \"uecho\" { print \$7 }')\" = yes ]" 
t_eq "$(t_svc_field uecho 7)" yes "the new uecho process reported ready"
t_eq "$(echo_once after)" "echo: after" "uecho answers again"
t_eq "$(grep -c 'that is not ours' "$LOG")" 0 "master never misread a status report"
t_eq "$(grep -c 'unknown status' "$LOG")" 0 "master saw no unknown status"

t_done
