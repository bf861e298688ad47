#!/bin/bash
# t_relay_crash.sh - no mail is lost when smtp-out and qmgr die (issue 13):
# a relay run of many messages (2000; 500 under the sanitizer build),
# submitted to tern's smtpd by bulksend.py over 20 sessions and relayed
# through relayhost to Postfix's smtp-sink, while the test kills with
# SIGKILL, by pid from `mailctl status`, every smtp-out process and
# qmgr in turns, several times.  Afterwards every message arrived at
# the sink (each has its own Message-ID), the duplicates are counted
# and printed - a crash between a server's 250 and the result reaching
# the queue file may send a message twice, so at most
# smtp_destination_concurrency_limit per kill - and the queue is empty.
. "$(dirname "$0")/lib.sh"

# The kills show up as "terminated on signal" in the log, on purpose.
T_SIGNALS_EXPECTED=1
N=2000
[ "${TERN_SAN:-}" = 1 ] && N=500
KILLS=6
CONC=20

t_instance
t_set queue_run_delay 1s
t_set minimal_backoff_time 1s
t_set maximal_backoff_time 2s
t_set smtp_destination_concurrency_limit "$CONC"
# Killing every smtp-out at once is "5 abnormal exits within 10 seconds"
# to master, which then waits service_throttle_time before new ones.
t_set service_throttle_time 2s
t_services smtp qmgr local smtp-out auth
P25=$((PB + 25))
SP=$((PB + 70))

mkdir -p "$T/sink"
set --
if t_is_root; then
	# smtp-sink, as root, runs as the user it is told.
	chmod 1777 "$T/sink"
	set -- -u nobody
fi
smtp-sink "$@" -d "$T/sink/%M." "127.0.0.1:$SP" 256 >"$T/sink.out" 2>&1 &
SINK_PID=$!
T_BG_PIDS="$T_BG_PIDS $SINK_PID"
t_wait 10 sh -c "ss -Htln 'sport = :$SP' | grep -q 127.0.0.1" ||
	t_fail "smtp-sink starts" "$(cat "$T/sink.out")"
t_set relayhost "[127.0.0.1]:$SP"
t_start

arrived() { find "$T/sink" -type f | wc -l; }

timeout 600 python3 "$TOP/tests/integration/bulksend.py" --port "$P25" --from sender@localhost \
	--to 'r{n}@remote.example' --count "$N" --tag crash --sessions 20 >"$T/bulk.out" 2>&1 &
BULK_PID=$!
START=$(date +%s)
T_BG_PIDS="$T_BG_PIDS $BULK_PID"

# Kill k (1..KILLS) once 1/8, 2/8, ... of the messages have arrived, and
# some (N/40) since the last kill, so that each finds the run going
# again: odd ones every smtp-out process, even ones qmgr.  A run that
# ends before the last kills (a restarted qmgr may catch up with all of
# it) stops the kills; at least two of each kind must have happened.
killed=0
last=0
for k in $(seq 1 $KILLS); do
	need=$((N * k / 8))
	[ "$need" -ge $((last + N / 40)) ] || need=$((last + N / 40))
	[ "$need" -lt "$N" ] || break
	if ! t_wait 120 sh -c "n=\$(find '$T/sink' -type f | wc -l); [ \$n -ge $need ] || [ \$n -ge $N ]"; then
		t_fail "the relay run makes progress (kill $k)" "$(arrived) of $N arrived"
		break
	fi
	[ "$(arrived)" -lt "$N" ] || break
	if [ $((k % 2)) = 1 ]; then
		pids=$(t_svc_pids smtp-out)
		what=smtp-out
	else
		pids=$(t_svc_pids qmgr)
		what=qmgr
	fi
	if [ -z "$pids" ]; then
		t_fail "kill $k: $what has processes" "$(tmailctl status 2>&1)"
		continue
	fi
	# shellcheck disable=SC2086
	kill -9 $pids
	killed=$((killed + 1))
	last=$(arrived)
	t_log "kill $k: $what ($pids) at $(arrived) arrived, $(( $(date +%s) - START ))s"
	if [ "$what" = qmgr ]; then
		t_wait 60 sh -c "p=\$('$TERN_BIN/mailctl' -c '$INST' status | awk '\$1 == \"qmgr\"'); \
			echo \"\$p\" | grep -q '[0-9]' && ! echo \"\$p\" | grep -qw '$pids'" ||
			t_fail "master starts qmgr again after kill $k" "$(tmailctl status 2>&1)"
	fi
done
if [ "$killed" -ge 4 ]; then
	t_pass "$killed kills during the run (smtp-out and qmgr in turns, at least two each)"
else
	t_fail "at least 4 kills during the run (smtp-out and qmgr in turns)" "$killed kills"
fi

wait "$BULK_PID"
rc=$?
t_log "all submitted after $(( $(date +%s) - START ))s, $(arrived) arrived"
t_eq "$rc:$(tail -n 1 "$T/bulk.out")" "0:sent $N" "smtpd accepted all $N messages"
if t_wait 240 t_queue_empty; then
	t_log "the queue empty after $(( $(date +%s) - START ))s"
	t_pass "the queue ends empty"
else t_fail "the queue ends empty" "$(t_queued) left; $(tmailctl queue list 2>&1 | tail -n 4)"; fi

grep -h '^Message-ID: <crash\.' "$T"/sink/* 2>/dev/null | tr -d '\r' |
	sed 's/^Message-ID: <crash\.\([0-9]*\)@.*/\1/' | sort -n >"$T/ids"
total=$(wc -l <"$T/ids")
uniq=$(sort -un "$T/ids" | wc -l)
missing=$(seq 0 $((N - 1)) | sort | comm -23 - <(sort -u "$T/ids") | wc -l)
dups=$((total - uniq))
t_log "arrived: $total messages, $uniq distinct of $N, $dups duplicates, $missing missing"
t_eq "$missing" 0 "every one of the $N messages arrived at the sink (none lost)"
t_eq "$uniq" "$N" "...and nothing the test did not send"
if [ "$dups" -le $((killed * CONC)) ]; then
	t_pass "duplicates: $dups, within $killed kills x $CONC"
else
	t_fail "duplicates within $killed kills x $CONC" "$dups duplicates"
fi
# Each arrived message is the one its Message-ID names, body and all.
bad=$(python3 - "$T/sink" <<'PY'
import os, re, sys
bad = 0
for f in os.listdir(sys.argv[1]):
    t = open(os.path.join(sys.argv[1], f), 'rb').read().decode('ascii', 'replace')
    m = re.search(r'^Message-ID: <crash\.(\d+)@', t, re.M)
    if not m or not re.search(r'^Subject: crash %s\r?$' % m.group(1), t, re.M) or \
            not re.search(r'^message %s of the crash run\r?$' % m.group(1), t, re.M):
        bad += 1
print(bad)
PY
)
t_eq "$bad" 0 "each arrived message is whole: its Subject and body match its Message-ID"
t_eq "$(find "$INST/queue/incoming" "$INST/queue/active" "$INST/queue/deferred" -type f | wc -l)" 0 \
	"no queue file left behind"

t_done
