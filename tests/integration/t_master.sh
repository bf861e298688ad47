#!/bin/bash
# t_master.sh - master(8) and the daemon skeleton, with testd as the service.
#
# Start, status, stop; clients over TCP, IPv6 and UNIX sockets; respawn
# after kill -9; a second master refused; reload with a changed port, an
# added and a removed service; a crash loop throttled; master.conf errors
# named by line; and, as root, each child's uid, chroot and capabilities
# and master's refusal of bad system users.
. "$(dirname "$0")/lib.sh"

# kill -9 below makes "terminated on signal" lines on purpose; the test
# checks itself that those are the only ones (see the end).
T_SIGNALS_EXPECTED=1
KILLED=

# tclient ADDR LINE...: one connection, one answer line per LINE.
# ADDR is HOST:PORT, [V6]:PORT or unix:PATH.
tclient() {
	python3 - "$@" <<'EOF'
import socket, sys
addr = sys.argv[1]
try:
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(addr[5:])
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
    f = s.makefile("rw")
    for line in sys.argv[2:]:
        f.write(line + "\n")
        f.flush()
        print(f.readline().rstrip("\n"))
except OSError as e:
    print("error: %s" % e.__class__.__name__)
    sys.exit(1)
EOF
}

# The pids column of one service in `mailctl status`.

t_instance
P_ECHO=$((PB + 1))
P_MULTI=$((PB + 2))
P_NEW=$((PB + 3))
P_CRASH=$((PB + 4))
P_CHROOT=$((PB + 5))
Q=$INST/queue

HAVE_V6=0
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	HAVE_V6=1
	t_set inet_interfaces "127.0.0.1 [::1]"
fi
cat >>"$INST/master.conf" <<EOF
echo:$P_ECHO	inet	n	-	n	4	testd
multi:$P_MULTI	inet	n	-	n	1	testd multi
jail:$P_CHROOT	inet	n	-	y	2	testd
	-o max_use=50
uecho		unix	-	-	n	-	testd
lazy		unix	-	-	n	-	testd -o process_prefork=0
guarded		unix	-	-	n	-	testd restricted
EOF

# ---- start and status -------------------------------------------------
t_start
MPID=$(t_master_pid)
t_match "$MPID" '^[0-9]+$' "pid file names master"
STATUS=$(tmailctl status 2>&1)
t_match "$STATUS" "master pid $MPID" "status names the master pid"
t_match "$STATUS" "^echo +inet +127\.0\.0\.1:$P_ECHO" "status shows the inet service and address"
t_match "$STATUS" "^uecho +unix +$Q/private/uecho" "status shows the unix service and path"
t_match "$STATUS" "^multi .* 1 +1 +0 +yes +no +[0-9]+" "multi: maxproc 1, one process, ready"
ECHO_PIDS=$(t_svc_pids echo)
t_match "$ECHO_PIDS" '^[0-9]+$' "one prefork process of echo"

# ---- clients -----------------------------------------------------------
OUT=$(tclient 127.0.0.1:$P_ECHO hello pid)
t_match "$OUT" "^echo: hello$" "echo over TCP answers"
t_eq "$(echo "$OUT" | tail -n 1)" "$ECHO_PIDS" "the listed echo process served"
t_eq "$(tclient unix:$Q/private/uecho "via unix")" "echo: via unix" "echo over the private UNIX socket"
t_eq "$(stat -c %a "$Q/private")" 711 "private/ is mode 0711 (traversable, not listable)"
if t_is_root; then
	t_eq "$(tclient unix:$Q/private/guarded hi)" "echo: hi" "root may use a peer-restricted socket"
	t_eq "$(setpriv --reuid=vmail --regid=vmail --clear-groups bash -c "$(declare -f tclient); tclient unix:$Q/private/guarded hi")" \
		"echo: hi" "an allowed user (vmail_owner) may use it"
	t_nomatch "$(setpriv --reuid=nobody --regid=nogroup --clear-groups bash -c "$(declare -f tclient); tclient unix:$Q/private/guarded hi" 2>&1)" \
		"echo" "any other user is refused (SO_PEERCRED)"
	t_file_has "$INST/log/maillog" "service guarded: refusing a connection from uid $(id -u nobody)" "the refusal is logged with the uid"
else
	t_skip "peer-uid checks on private sockets need root"
fi
if [ "$HAVE_V6" = 1 ]; then
	t_eq "$(tclient "[::1]:$P_ECHO" v6)" "echo: v6" "echo over IPv6 [::1]"
	t_match "$(t_svc_field echo 3)" '\[::1\]' "status lists the IPv6 listener"
else
	t_skip "IPv6 listener: no ::1 on this machine"
fi

# process_prefork=0: no process until a client comes.
t_match "$(tmailctl status)" "^lazy +unix .* 0 +0 +yes +no" "an on-demand service starts with no process, ready"
t_eq "$(tclient unix:$Q/private/lazy hi)" "echo: hi" "its first client starts a process"
t_match "$(t_svc_pids lazy)" '^[0-9]+$' "which status then lists"

# DAEMON_MULTI: two clients at once are served by one process.
M1=$(python3 - "$P_MULTI" <<'EOF'
import socket, sys
a = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10).makefile("rw")
b = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10).makefile("rw")
for f in (a, b):
    f.write("pid\n"); f.flush()
print(a.readline().strip(), b.readline().strip())
EOF
)
t_match "$M1" '^([0-9]+) \1$' "multi: two concurrent clients, one process"

# ---- root: users, chroot, capabilities ----------------------------------
if t_is_root; then
	TERN_UID=$(id -u tern)
	TERN_GID=$(id -g tern)
	JAIL_PID=$(tclient 127.0.0.1:$P_CHROOT pid)
	for pid in $ECHO_PIDS $JAIL_PID $(t_svc_pids uecho); do
		st=/proc/$pid/status
		t_match "$(grep '^Uid:' $st)" "^Uid:[[:space:]]+$TERN_UID[[:space:]]+$TERN_UID[[:space:]]+$TERN_UID[[:space:]]+$TERN_UID$" "child $pid runs as mail_owner (uid)"
		t_match "$(grep '^Gid:' $st)" "^Gid:[[:space:]]+$TERN_GID[[:space:]]+$TERN_GID" "child $pid runs with mail_owner's gid"
		t_match "$(grep '^CapEff:' $st)" '^CapEff:[[:space:]]+0+$' "child $pid has no effective capabilities"
		t_match "$(grep '^CapPrm:' $st)" '^CapPrm:[[:space:]]+0+$' "child $pid has no permitted capabilities"
		t_match "$(grep '^NoNewPrivs:' $st)" '1$' "child $pid has no_new_privs"
		t_nomatch "$(grep '^Groups:' $st)" '[[:space:]]0([[:space:]]|$)' "child $pid is not in group root"
	done
	t_eq "$(readlink /proc/$JAIL_PID/root)" "$Q" "chroot=y child is chrooted to the queue directory"
	t_eq "$(readlink /proc/$(echo $ECHO_PIDS)/root)" "/" "chroot=n child is not chrooted"
	t_eq "$(stat -c %U "$Q/incoming")" tern "queue directories belong to mail_owner"
else
	t_skip "child uid/gid, chroot and capabilities (needs root)"
fi

# ---- respawn after kill -9 -----------------------------------------------
OLD=$(t_svc_pids echo)
for pid in $OLD; do kill -9 "$pid"; done
KILLED="$KILLED $OLD"
respawned() {
	local p
	p=$(t_svc_pids echo)
	[ -n "$p" ] || return 1
	for x in $OLD; do case " $p " in *" $x "*) return 1 ;; esac; done
}
t_wait 10 respawned
NEWPID=$(tclient 127.0.0.1:$P_ECHO pid)
t_match "$NEWPID" '^[0-9]+$' "echo answers after kill -9"
t_nomatch " $OLD" " $NEWPID " "a new process answers (killed: $OLD)"
t_file_has "$INST/log/maillog" "process .*/testd pid ${OLD%% *} terminated on signal 9" "master logs the kill"

# ---- a second master ---------------------------------------------------
OUT=$("$TERN_BIN/master" -c "$INST" -f 2>&1)
ST=$?
t_eq "$ST" 1 "a second master exits 1"
t_match "$OUT" "already running.*pid $MPID" "and names the running master"
t_eq "$(t_master_pid)" "$MPID" "the first master keeps its pid file"
t_match "$(tclient 127.0.0.1:$P_ECHO still)" "^echo: still$" "the first master still serves"

# ---- reload: changed port, an old connection survives ------------------------
KEEP_UECHO=$(t_svc_pids uecho)
python3 - "$P_ECHO" "$T/held" "$T/go" >"$T/held.out" 2>&1 <<'EOF' &
import os, socket, sys, time
f = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30).makefile("rw")
f.write("pid\n"); f.flush()
print("held", f.readline().strip(), flush=True)
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
f.write("after reload\n"); f.flush()
print(f.readline().strip(), flush=True)
EOF
HOLDER=$!
t_wait 10 test -f "$T/held"
sed -i "s/^echo:$P_ECHO/echo:$P_NEW/" "$INST/master.conf"
OUT=$(tmailctl reload 2>&1)
t_eq "$?" 0 "reload with a changed port succeeds"
t_wait 5 sh -c "! python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $P_ECHO), timeout=2)'"
t_eq "$(tclient 127.0.0.1:$P_NEW newport)" "echo: newport" "the new port answers"
t_eq "$(tclient 127.0.0.1:$P_ECHO old)" "error: ConnectionRefusedError" "the old port refuses"
touch "$T/go"
wait $HOLDER
t_match "$(cat "$T/held.out")" "echo: after reload" "the connection from before the reload still answers"
t_match "$(t_svc_field echo 3)" ":$P_NEW" "status shows the new port"
t_eq "$(t_svc_pids uecho)" "$KEEP_UECHO" "an unchanged service keeps its processes"
t_file_has "$INST/log/maillog" "reloaded: 5 services kept, 1 started, 1 retired" "master logs the reload"

# ---- reload: a changed main.conf renews every service ---------------------------
OLD=$(t_svc_pids multi)
t_set max_use 99
tmailctl reload >/dev/null 2>&1
t_eq "$?" 0 "reload with a changed main.conf succeeds"
renewed() { local p; p=$(t_svc_pids multi); [ -n "$p" ] && [ "$p" != "$OLD" ]; }
t_wait 10 renewed
t_match "$(t_svc_pids multi)" '^[0-9]+$' "the multi service has a new process"
t_nomatch " $(t_svc_pids multi) " " $OLD " "not the one from before"
t_eq "$(tclient 127.0.0.1:$P_MULTI renewed)" "echo: renewed" "and it answers"

# ---- reload: an upgraded program renews its services ----------------------------
# (make install, then mailctl reload: the new program must be run)
mkdir -p "$T/daemons"
cp "$TERN_BIN/testd" "$T/daemons/testd"
t_set daemon_directory "$T/daemons"
tmailctl reload >/dev/null 2>&1
t_eq "$?" 0 "reload with a private daemon_directory succeeds"
OLD=$(t_svc_pids multi)
renewed() { local p; p=$(t_svc_pids multi); [ -n "$p" ] && [ "$p" != "$OLD" ]; }
t_wait 10 renewed
OLD=$(t_svc_pids multi)
tmailctl reload >/dev/null 2>&1
sleep 0.5
t_eq "$(t_svc_pids multi)" "$OLD" "a reload with nothing changed keeps the processes"
cp "$TERN_BIN/testd" "$T/daemons/testd.new" && mv "$T/daemons/testd.new" "$T/daemons/testd"
tmailctl reload >/dev/null 2>&1
t_wait 10 renewed
t_nomatch " $(t_svc_pids multi) " " $OLD " "after the program file is replaced, a reload starts new processes"
t_eq "$(tclient 127.0.0.1:$P_MULTI upgraded)" "echo: upgraded" "and they answer"
# back to the build's programs (mailctl start needs master there)
sed -i "\|^daemon_directory = $T/daemons\$|d" "$INST/main.conf"
tmailctl reload >/dev/null 2>&1

# ---- reload: an added and a removed service --------------------------------------
sed -i '/^uecho/d' "$INST/master.conf"
echo "added	unix	n	-	n	-	testd" >>"$INST/master.conf"
tmailctl reload >/dev/null 2>&1
t_eq "$?" 0 "reload with an added and a removed service succeeds"
t_eq "$(tclient unix:$Q/public/added hi)" "echo: hi" "the added service answers on public/"
t_match "$(tmailctl status)" "^added +unix" "status lists the added service"
t_nomatch "$(tmailctl status)" "^uecho" "status no longer lists the removed service"
t_eq "$(test -e "$Q/private/uecho" && echo present || echo gone)" gone "the removed service's socket is gone"
gone() { for p in $KEEP_UECHO; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
t_wait 10 gone
t_eq "$(gone && echo exited)" exited "the removed service's processes exit"

# ---- master.conf errors -------------------------------------------------------
cp "$INST/master.conf" "$T/master.conf.good"
echo "broken:$P_CRASH	tcp	n	-	n	-	testd" >>"$INST/master.conf"
LINE=$(wc -l <"$INST/master.conf")
OUT=$(tmailctl reload 2>&1)
t_match "$OUT" "master.conf, line $LINE: unknown service type \"tcp\"" "reload names the bad line"
t_match "$(tclient 127.0.0.1:$P_NEW ok)" "^echo: ok$" "a bad reload leaves the services running"
for bad in "x:notaport inet n - n - testd|bad port" \
	   "added unix n - n - testd|duplicate service added" \
	   "y:$P_CRASH inet n - n - nosuchprog|missing program" \
	   "z:$P_CRASH inet n - n many testd|bad maxproc" \
	   "w:$P_CRASH inet n - n - testd -o no_such_param=1|unknown parameter"; do
	cp "$T/master.conf.good" "$INST/master.conf"
	echo "${bad%%|*}" >>"$INST/master.conf"
	OUT=$(tmailctl reload 2>&1)
	t_match "$OUT" "master.conf, line $LINE: .*${bad##*|}" "reload refuses: ${bad##*|}"
done
cp "$T/master.conf.good" "$INST/master.conf"

# ---- main.conf values out of bounds: reload refused, old values kept --------------
# master_stop_timeout is one master itself reads: had the refused file been
# taken, the stop below would fail on it.
cp "$INST/main.conf" "$T/main.conf.good"
OLD=$(t_svc_pids multi)
[ -n "$OLD" ] || t_fail "the service multi has processes to compare"
t_set master_stop_timeout 0
t_set auth_plaintext Sometimes
OUT=$(tmailctl reload 2>&1)
t_match "$OUT" 'parameter master_stop_timeout: "0" is out of range: from 1s to 1h' \
	"reload refuses a value out of bounds, naming it and its bounds"
t_match "$OUT" 'parameter auth_plaintext: "Sometimes" is not one of never, loopback, always' \
	"reload refuses a word not in the enumeration"
t_file_has "$INST/log/maillog" 'reload: parameter master_stop_timeout: "0" is out of range' \
	"master logs the refused reload"
t_match "$(tclient 127.0.0.1:$P_NEW ok)" "^echo: ok$" "after a refused reload the services still answer"
t_eq "$(t_svc_pids multi)" "$OLD" "a refused reload keeps the processes"
cp "$T/main.conf.good" "$INST/main.conf"
OUT=$(tmailctl reload 2>&1)
t_eq "$?" 0 "reload with the old main.conf back succeeds"
t_eq "$(t_svc_pids multi)" "$OLD" "and master saw no change: it had kept the old settings"

# ---- a crash loop is throttled ---------------------------------------------------
echo "crashy:$P_CRASH	inet	n	-	n	-	testd crash" >>"$INST/master.conf"
tmailctl reload >/dev/null 2>&1
t_wait 10 grep -q "service crashy: throttling:" "$INST/log/maillog"
t_file_has "$INST/log/maillog" "service crashy: throttling: process .*testd pid [0-9]+ failed before it was ready" "a crashing service is throttled, with the reason"
t_file_has "$INST/log/maillog" "process .*testd pid [0-9]+ exit status 2" "the abnormal exit is logged"
t_eq "$(t_svc_field crashy 8)" yes "status shows the service throttled"
N=$(grep -c "crashing on purpose" "$INST/log/maillog")
sleep 1
t_eq "$(grep -c "crashing on purpose" "$INST/log/maillog")" "$N" "a throttled service is not restarted in a loop"
cp "$T/master.conf.good" "$INST/master.conf"
tmailctl reload >/dev/null 2>&1

# ---- stop ------------------------------------------------------------------------
ALL=$(for s in echo multi jail added lazy; do printf "%s " $(t_svc_pids $s); done)
OUT=$(tmailctl stop 2>&1)
t_eq "$?" 0 "mailctl stop succeeds"
# The lock is freed as master's descriptors close at exit; at most a
# zombie may remain for its parent to reap.
exited() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
t_eq "$(exited "$MPID" && echo gone || echo running)" gone "master has exited when stop returns"
t_wait 5 sh -c "for p in $ALL; do kill -0 \$p 2>/dev/null && exit 1; done; exit 0"
t_eq "$?" 0 "every child has exited"
t_eq "$(cat "$Q/pid/master.pid")" "" "the pid file is emptied"
t_eq "$(test -e "$Q/private/control" && echo present || echo gone)" gone "the control socket is removed"

# ---- start-up errors ------------------------------------------------------------
echo "broken:$P_CRASH	inet	n	-	n	-1	testd" >>"$INST/master.conf"
LINE=$(wc -l <"$INST/master.conf")
OUT=$(tmailctl start 2>&1)
t_eq "$?" 1 "start fails with a bad master.conf"
t_match "$OUT" "master.conf, line $LINE: service broken: bad maxproc" "start names the bad line"
cp "$T/master.conf.good" "$INST/master.conf"
echo "crashy:$P_CRASH	inet	n	-	n	-	testd crash" >>"$INST/master.conf"
OUT=$(tmailctl start 2>&1)
t_eq "$?" 1 "start fails when a service cannot get ready"
t_match "$OUT" "service crashy: throttling" "and says which service and why"
t_eq "$(t_master_pid)" "" "no master is left running"
cp "$T/master.conf.good" "$INST/master.conf"

if t_is_root; then
	cp "$INST/main.conf" "$T/main.conf.good"
	t_set mail_owner root
	OUT=$(tmailctl start 2>&1)
	t_eq "$?" 1 "as root, master refuses mail_owner = root"
	t_match "$OUT" "mail_owner = root: has uid 0" "and says why"
	cp "$T/main.conf.good" "$INST/main.conf"
	t_set auth_owner tern
	OUT=$(tmailctl start 2>&1)
	t_eq "$?" 1 "as root, master refuses two roles sharing a uid"
	t_match "$OUT" "mail_owner = tern and auth_owner = tern share uid" "and names both"
	cp "$T/main.conf.good" "$INST/main.conf"
else
	t_skip "master refuses mail_owner = root and shared uids (needs root)"
fi

# Only the processes killed above may have died on a signal.
OTHER=$(grep 'terminated on signal' "$INST/log/maillog" | grep -vE "pid ($(echo $KILLED | tr ' ' '|')) terminated")
t_eq "$OTHER" "" "no other process terminated on a signal"
t_done
