# t_crash.sh - kill -9 in the middle of the work (issue 3, "Crashes";
# architecture §4 and §11), with the full service table of `mailctl init`.
#
# 1. smtpd killed in the middle of DATA: the client never sees a 250,
#    nothing half-written reaches incoming/ or a Maildir, the session's
#    file stays in the queue's tmp/, ignored, until qmgr removes it as
#    abandoned (qmgr removes tmp/ files older than an hour, at start and on
#    every periodic scan: the test ages the file instead of waiting an
#    hour), and a new session works.
# 2. qmgr and local (with any delivery children) killed again and again
#    while 2000 messages (500 under the sanitizer build) arrive over 15 s
#    and are delivered.  Each victim is stopped (SIGSTOP) before its kill
#    and looked at while frozen, so what the test sees is what the kill
#    finds, never a state that passed a moment before: qmgr with messages
#    in active/, local with a delivery request in hand (a queue file open;
#    "writing" when a file of the Maildir's tmp/ is open too).  Several
#    kills of each must land so; also shown: the Maildir count between 0
#    and the total and growing between kills, master's "terminated on
#    signal 9", qmgr's "status=deferred (delivery agent ...)" lines.  After a
#    flush every message that got a 250 is in the Maildir, complete, and
#    no temporary file is left in the queue or the Maildir.  Duplicates
#    are counted and reported; architecture §4 allows a crash one repeated
#    delivery of what it interrupted, so each extra copy must be matched
#    by a kill that caught that message (a message caught by two kills
#    may come three times, one caught by one kill twice at most).
T_DEFAULT_SERVICES=1
T_SIGNALS_EXPECTED=1
. "$(dirname "$0")/lib.sh"

CRASHC="python3 $TOP/tests/integration/crashc.py"

t_instance
t_set queue_run_delay 1s
t_set minimal_backoff_time 1s
t_set maximal_backoff_time 2s
# Repeated kills throttle a service (5 crashes in 10 s); keep it short.
t_set service_throttle_time 2s
for u in bob carol; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
t_start

P25=$((PB + 25))
QDIR=$INST/queue
MAIL=$INST/mail/localhost
LOG=$INST/log/maillog

# ---- 1. smtpd killed in the middle of DATA ---------------------------

tag=middata-$$
$CRASHC middata "$P25" "$tag" "$T/md.state" >"$T/md.out" 2>&1 &
client=$!
t_wait 30 grep -q '^partial$' "$T/md.state"
cport=$(awk '$1 == "sending" { print $2 }' "$T/md.state" 2>/dev/null)
# The session's queue file, with part of the body on disk.
id=
for _ in $(seq 1 300); do
	id=$(find "$QDIR/tmp" -type f -size +64k -printf '%f\n' 2>/dev/null | head -n 1)
	[ -n "$id" ] && break
	sleep 0.1
done
# The smtpd process that holds the client's connection.
victim=
if [ -n "$cport" ]; then
	ino=$(ss -Htne state established "( sport = :$P25 and dport = :$cport )" |
		sed -nE 's/.* ino:([0-9]+).*/\1/p' | head -n 1)
	for p in $(t_svc_pids smtp); do
		if [ -n "$ino" ] && ls -l "/proc/$p/fd" 2>/dev/null | grep -q "socket:\[$ino\]"; then
			victim=$p
		fi
	done
fi
if [ -n "$id" ] && [ -n "$victim" ]; then
	t_setup "smtpd pid $victim serves the client (port $cport) mid-DATA, $id has $(stat -c %s "$QDIR/tmp/$id") octets in tmp/"
	kill -KILL "$victim"
else
	t_fail "caught smtpd in the middle of DATA" \
		"state [$(tr '\n' ' ' <"$T/md.state" 2>/dev/null)] tmp [$(ls "$QDIR/tmp")] pid [$victim]"
fi
wait "$client"
out=$(cat "$T/md.out")
t_match "$out" '^closed' "the client saw the connection drop (no timeout)"
t_nomatch "$out" '^[0-9]{3}' "the client got no reply at all after 354 (no 250)"
t_wait 10 grep -Eq "smtpd pid $victim terminated on signal 9\$" "$LOG"
t_file_has "$LOG" "process [^ ]*smtpd pid ${victim:-none} terminated on signal 9\$" \
	"master logged the smtpd as terminated on signal 9"
t_eq "$(grep -c "${id:-none}: from=" "$LOG")" 0 "the killed session's message was never queued"
# Two periodic scans of qmgr later the file is still ignored.
sleep 2.5
t_eq "$(t_queued)" 0 "nothing in incoming/, active/ or deferred/"
t_eq "$(ls "$QDIR/tmp")" "${id:-none}" "the killed session's file stays in tmp/, nobody took it"
t_eq "$(grep -c "${id:-none}" "$LOG")" 1 "qmgr ignored it (the only log line naming it is smtpd's client= line)"
# qmgr removes tmp/ files older than an hour: age this one.
[ -n "$id" ] && touch -d '2 hours ago' "$QDIR/tmp/$id"
t_wait 20 sh -c "[ -z \"\$(ls '$QDIR/tmp')\" ]" &&
	t_pass "qmgr removed the abandoned tmp/ file once it was old" ||
	t_fail "qmgr removed the abandoned tmp/ file once it was old" "$(ls -l "$QDIR/tmp")"
t_file_has "$LOG" "qmgr\[[0-9]+\]: ${id:-none}: removed an abandoned temporary queue file" \
	"qmgr logged the removal"
# A new session works.
printf 'Subject: after-kill-%s\n\nstill here\n' "$$" >"$T/after.txt"
out=$(python3 "$TOP/tests/integration/smtpc.py" send "$P25" a@localhost bob@localhost "$T/after.txt" 2>&1)
t_eq "$out" "sent" "a new session gets its message accepted"
t_wait 20 sh -c "[ \$(find '$MAIL/bob/new' -type f | wc -l) -ge 1 ]"
t_eq "$(t_with_subject bob "after-kill-$$")" 1 "the new session's message is delivered"
t_eq "$(t_with_subject bob "$tag")" 0 "nothing of the killed session is in the Maildir"
t_eq "$(t_count_new bob)" 1 "the Maildir holds the new message only"

# ---- 2. qmgr and local killed repeatedly during a run ----------------

if [ "${TERN_SAN:-}" = 1 ]; then N=500 SPREAD=60; else N=2000 SPREAD=40; fi
KMAX=8
: >"$T/sent.log"
start=$(date +%s)
# Arrivals spread over SPREAD seconds at least, so that sixteen kills, each
# probed for a few seconds and throttled by master's crash limit, fall in
# the run also under the sanitizers.
$CRASHC send "$P25" "$N" 10 "$T/sent.log" run carol@localhost $((N / SPREAD)) >"$T/send.out" 2>&1 &
sender=$!
# Wait for the first deliveries, then kill qmgr and local in turn.
t_wait 60 sh -c "[ \$(find '$MAIL/carol/new' -type f 2>/dev/null | wc -l) -ge 5 ]"
qk=0 lk=0 ql=0 ll=0 turn=q prev=-1 grew=0
: >"$T/kills"
deadline=$(( $(date +%s) + 150 ))
while [ $(date +%s) -lt $deadline ] && { [ $qk -lt $KMAX ] || [ $lk -lt $KMAX ]; }; do
	sleep "0.$((RANDOM % 5 + 3))"
	accepted=$(grep -c ' 250$' "$T/sent.log")
	n=$(t_count_new carol)
	pending=$(t_queued)
	if ! kill -0 "$sender" 2>/dev/null && [ "$pending" = 0 ] && [ "$n" -ge "$accepted" ]; then
		break		# nothing left to interrupt
	fi
	# Alternate, but a kind that already has three kills that caught a
	# delivery gives its turns to the other.
	want=$turn
	[ $ql -ge 3 ] && [ $ll -lt 3 ] && [ $lk -lt $KMAX ] && want=l
	[ $ll -ge 3 ] && [ $ql -lt 3 ] && [ $qk -lt $KMAX ] && want=q
	if [ $want = q ] && [ $qk -lt $KMAX ] || [ $lk -ge $KMAX ]; then
		pids=$(t_svc_pids qmgr)
		[ -z "$pids" ] && continue	# respawning or throttled: try again
		turn=l
		# Only qmgr takes files out of active/, so what is there while
		# qmgr is stopped (SIGSTOP) is still there when the kill lands:
		# the kill is mid-delivery by construction, not by luck.  Look
		# for half a second at most, resuming qmgr between looks.
		for _ in $(seq 1 25); do
			kill -STOP $pids 2>/dev/null
			active=$(find "$QDIR/active" -type f | wc -l)
			[ "$active" -gt 0 ] && break
			kill -CONT $pids 2>/dev/null
			sleep 0.02
		done
		kill -KILL $pids 2>/dev/null
		qk=$((qk + 1))
		mid=no
		if [ "$active" -gt 0 ] && [ "$n" -gt 0 ] && [ "$n" -lt "$N" ]; then
			mid=yes ql=$((ql + 1))
		fi
		what="qmgr $pids: $active in active/"
	else
		# After a qmgr kill nothing is handed to local until the new
		# qmgr has recovered: wait (10 s at most) for deliveries to
		# go on, so that there is a delivery for the kill to catch.
		t_wait_new carol $((n + 1)) 10
		n=$(t_count_new carol)
		pids=$(t_svc_pids local)
		[ -z "$pids" ] && continue
		turn=q
		busy=$(t_svc_field local 6)
		# local writes in-process for virtual users, in a delivery
		# child for system accounts.  crashc.py catch watches their
		# open files, without stopping them, until one holds a file of
		# active/, then stops them all (SIGSTOP) and looks again: a
		# process that, frozen, holds a file of active/ has a delivery
		# request in hand (local closes the queue file only when it
		# has finished), so the kill lands mid-delivery; "writing" when
		# it holds a file of the Maildir's tmp/ too.
		$CRASHC catch "$QDIR/active/" "$MAIL/carol/tmp/" 10 $pids >"$T/catch" 2>&1
		inhand=$(awk '$1 == "inhand" { print $2 }' "$T/catch")
		writing=$(awk '$1 == "writing" { print $2 }' "$T/catch")
		kids=$(awk '$1 == "pids" { $1 = ""; print }' "$T/catch")
		kill -KILL $pids $kids 2>/dev/null
		lk=$((lk + 1))
		mid=no
		if [ $inhand = yes ] && [ "$n" -gt 0 ] && [ "$n" -lt "$N" ]; then
			mid=yes ll=$((ll + 1))
		fi
		what="local $pids, $busy busy, writing $writing"
	fi
	[ "$n" -gt "$prev" ] && [ "$prev" -ge 0 ] && grew=$((grew + 1))
	prev=$n
	printf '%s kill %s at %s delivered, %s accepted, %s queued; mid-delivery %s\n' \
		"$(date +%T.%N | cut -c1-12)" "$what" "$n" "$accepted" "$pending" "$mid" >>"$T/kills"
done
t_log "$(cat "$T/kills")"
wait "$sender"
accepted=$(grep -c ' 250$' "$T/sent.log")
t_eq "$accepted" "$N" "every message of the run got a 250 ($(grep -vc ' 250$' "$T/sent.log") refused)"
t_eq "$(awk '{ print $1 }' "$T/sent.log" | sort -u | wc -l)" "$N" "the client logged each message once"
t_log "qmgr killed $qk times ($ql mid-delivery), local $lk times ($ll mid-delivery); the Maildir count grew between $grew pairs of kills"
[ $ql -ge 3 ] && t_setup "qmgr was killed mid-delivery several times ($ql of $qk kills)" ||
	t_fail "qmgr was killed mid-delivery several times" "$ql of $qk kills: $(cat "$T/kills")"
[ $ll -ge 3 ] && t_setup "local was killed mid-delivery several times ($ll of $lk kills)" ||
	t_fail "local was killed mid-delivery several times" "$ll of $lk kills: $(cat "$T/kills")"
[ $grew -ge 3 ] && t_setup "deliveries went on between the kills ($grew times)" ||
	t_fail "deliveries went on between the kills" "$(cat "$T/kills")"
signals=$(grep -cE 'process [^ ]*/(qmgr|local) pid [0-9]+ terminated on signal 9$' "$LOG")
t_match "$signals" '^([3-9]|[1-9][0-9]+)$' "master saw qmgr and local die on signal 9 ($signals times)"
agent=$(grep -c 'status=deferred (delivery agent' "$LOG")
t_match "$agent" '^[1-9][0-9]*$' "qmgr deferred interrupted deliveries ($agent recipient(s): status=deferred (delivery agent ...))"
t_log "local processes that could not send their results to a killed qmgr: $(grep -c 'cannot send the results to qmgr' "$LOG")"
rebuilt=$(grep -c 'qmgr\[[0-9]*\]: queue index rebuilt' "$LOG")
t_match "$rebuilt" '^([3-9]|[1-9][0-9]+)$' "restarted qmgrs took over the queue ($rebuilt starts)"

# Recovery: wait for a running qmgr, flush, wait for an empty queue.
t_wait 60 sh -c "[ -n \"\$('$TERN_BIN/mailctl' -c '$INST' status | awk '\$1 == \"qmgr\" { print \$9 }')\" ]"
tmailctl queue flush >/dev/null 2>&1 && t_setup "queue flush after the kills" ||
	t_fail "queue flush after the kills"
t_wait 180 t_queue_empty && t_pass "the queue drained after the flush" ||
	t_fail "the queue drained after the flush" "$(tmailctl queue list 2>&1 | head -n 20)"
# Abandoned Maildir tmp/ files are removed by the next delivery to that
# Maildir (local(8)): a last message after the run.
left=$(ls "$MAIL/carol/tmp" | wc -l)
printf 'Subject: sentinel-%s\n\nlast\n' "$$" >"$T/sentinel.txt"
python3 "$TOP/tests/integration/smtpc.py" send "$P25" a@localhost carol@localhost "$T/sentinel.txt" >/dev/null 2>&1
t_wait 30 sh -c "grep -lq '^Subject: sentinel-$$\$' '$MAIL'/carol/new/* 2>/dev/null"
t_wait 30 t_queue_empty
t_log "Maildir tmp/ held $left file(s) after the run, before the last delivery"
elapsed=$(( $(date +%s) - start ))

# Every accepted message is there, complete, at most twice.
find "$MAIL/carol/new" -type f -exec grep -h '^Subject: run-[0-9]*$' {} + |
	sed 's/^Subject: run-//' | sort -n | uniq -c | awk '{ print $2, $1 }' >"$T/got"
awk '$2 == "250" { print $1 }' "$T/sent.log" | sort -n >"$T/acc"
lost=$(awk 'FILENAME == ARGV[1] { got[$1] = $2; next } !($1 in got) { n++ } END { print n + 0 }' "$T/got" "$T/acc")
t_eq "$lost" 0 "every message that got a 250 is in the Maildir (by its Subject)"
[ "$lost" = 0 ] || t_log "lost: $(awk 'FILENAME == ARGV[1] { got[$1] = $2; next } !($1 in got) { printf "run-%s ", $1 }' "$T/got" "$T/acc" | head -c 600)"
find "$MAIL/carol/new" -type f -exec grep -h '^Message-ID: <run-[0-9]*@crash.test>$' {} + |
	sed -E 's/^Message-ID: <run-([0-9]+)@.*/\1/' >"$T/mids"
mid_lost=$(awk 'FILENAME == ARGV[1] { got[$1]; next } !($1 in got) { n++ } END { print n + 0 }' "$T/mids" "$T/acc")
t_eq "$mid_lost" 0 "every message that got a 250 is in the Maildir (by its Message-ID)"
dups=$(awk '$2 > 1 { n += $2 - 1 } END { print n + 0 }' "$T/got")
dupmsgs=$(awk '$2 > 1 { n++ } END { print n + 0 }' "$T/got")
most=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$T/got")
t_log "duplicates: $dups extra cop(ies) of $dupmsgs message(s) after $((qk + lk)) kills"
# architecture §4: a crash may repeat the deliveries it interrupted, once each.
# So every extra copy must come from a kill that caught the message: its
# recipient deferred because the delivery agent died, or the message in
# flight (taken and not yet removed) when a qmgr died.  Each duplicated
# message's copies are checked against the kills that caught it.
find "$MAIL/carol/new" -type f -exec awk '
	FNR == 1 { s = ""; q = ""; done = 0 }
	s == "" && /^Subject: run-[0-9]+$/ { s = substr($0, 14) }
	q == "" && match($0, / id [0-9A-F]+/) { q = substr($0, RSTART + 4, RLENGTH - 4) }
	!done && s != "" && q != "" { print s, q; done = 1 }' {} + |
	awk 'FILENAME == ARGV[1] { if ($2 > 1) d[$1] = $2; next } $1 in d { print $2, $1, d[$1] }' "$T/got" - |
	sort -u >"$T/dupids"
awk '
	FILENAME == ARGV[1] { dup[$1] = $3; num[$1] = $2; next }
	/ terminated on signal 9$/ && /\/qmgr pid / {
		for (i in inflight) caught[i]++; next }
	/status=deferred \(delivery agent/ { sub(/:$/, "", $3); caught[$3]++; next }
	/\(queue active\)$/ { sub(/:$/, "", $3); inflight[$3]; next }
	/: removed$/ { sub(/:$/, "", $3); delete inflight[$3]; next }
	END {
		for (i in dup) {
			bad = ""
			if (dup[i] - 1 > caught[i] + 0)
				bad = " UNEXPLAINED"
			printf "run-%s %s: %d copies, caught by %d kill(s)%s\n", num[i], i, dup[i], caught[i], bad
		}
	}
	' "$T/dupids" "$LOG" | sort >"$T/dupcheck"
t_eq "$(wc -l <"$T/dupids")" "$dupmsgs" "each duplicated message found by its queue id"
t_eq "$(grep -c UNEXPLAINED "$T/dupcheck")" 0 \
	"every extra copy comes from a kill that caught that message (agent died, or in flight when qmgr died)"
grep UNEXPLAINED "$T/dupcheck" | head -n 10 >&2
# A message caught by two kills may come three times; by one, twice at most.
t_eq "$(awk '$3 > 2 && $7 < $3 - 1' "$T/dupcheck" | wc -l)" 0 \
	"no message delivered more than twice unless several kills caught it (most copies of one: $most)"
awk '$3 > 2 { print "more than two copies: " $0 }' "$T/dupcheck" | head -n 10 >&2
t_eq "$(awk 'FILENAME == ARGV[1] { a[$1]; next } !($1 in a)' "$T/acc" "$T/got" | wc -l)" 0 \
	"nothing was delivered that was not accepted"
t_eq "$(find "$MAIL/carol/new" -type f -exec grep -l '^Subject: run-' {} + |
	xargs grep -L '^line 0039 of the padding' | wc -l)" 0 \
	"every delivered message of the run is complete"
t_eq "$(t_count_new carol)" $(( $(awk '{ n += $2 } END { print n + 0 }' "$T/got") + 1 )) \
	"the Maildir holds the run's messages and the last one, nothing else"
t_eq "$(ls "$MAIL/carol/tmp" | wc -l)" 0 "Maildir tmp/ is empty"
t_eq "$(ls "$QDIR/tmp" | wc -l)" 0 "queue tmp/ is empty"
t_eq "$(find "$QDIR/incoming" "$QDIR/active" "$QDIR/deferred" "$QDIR/hold" "$QDIR/corrupt" -type f | wc -l)" 0 \
	"nothing in incoming/, active/, deferred/, hold/ or corrupt/"
t_log "run of $N messages: $elapsed s from the first message to the end of recovery"

t_done
