#!/bin/bash
# t_master_draining_failed.sh - a FAILED status report for a process that
# reported DRAINING changes none of master's counts (master_status.c).
#
# A draining process is in neither nprocs nor nbusy; counting it busy on
# FAILED raised nbusy for good (its exit lowers only ndraining), so master
# saw a busy process that did not exist and kept one more process than
# prefork (audit i12-22).  A child never sends FAILED after READY; the
# records are written into the service's status pipe through
# /proc/PID/fd/3, as a child could write them into its own fd 3.
. "$(dirname "$0")/lib.sh"

t_is_root || { t_skip "needs root to open another process's status pipe"; t_done; }
t_instance
t_services auth anvil pop3-session pop3
t_start
t_wait 10 sh -c "[ -n \"\$(\"$TERN_BIN/mailctl\" -c \"$INST\" status 2>/dev/null | awk '\$1 == \"pop3\" && \$9 ~ /^[0-9]+\$/')\" ]"
first=$(t_svc_pids pop3 | awk '{ print $1 }')
if [ -z "$first" ]; then
	t_fail "a pop3 login process runs"
	t_done
fi
python3 - "$first" <<'PY'
import os, struct, sys
pid = int(sys.argv[1])
fd = os.open('/proc/%d/fd/3' % pid, os.O_WRONLY)
os.write(fd, struct.pack('=iiIi', pid, 5, 0, 0))	# DRAINING
os.write(fd, struct.pack('=iiIi', pid, 4, 0, 0))	# FAILED
PY
t_wait 10 sh -c "[ \"\$(\"$TERN_BIN/mailctl\" -c \"$INST\" status 2>/dev/null | awk '\$1 == \"pop3\" { print \$5 }')\" = 1 ]"
kill "$first"
t_wait 10 sh -c "! kill -0 $first 2>/dev/null"
sleep 0.5
t_eq "busy=$(t_svc_field pop3 6) procs=$(t_svc_field pop3 5)" "busy=0 procs=1" \
	"after DRAINING, FAILED and the exit, master counts no busy process and keeps prefork 1"
t_match " $(t_svc_pids pop3) " " [0-9]+ " "the service has its one process"
t_nomatch " $(t_svc_pids pop3) " " $first " "the process that drained is gone"
t_done
