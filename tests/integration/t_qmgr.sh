# t_qmgr.sh - the queue manager: aliases (one-to-many, nested, loops,
# self-reference, user+tag), remote recipients deferred and visible,
# DSN options (NOTIFY, ORCPT, RET, success notices), expiry and delay
# warnings, mailctl queue list/show/hold/release/delete/flush/reindex,
# corrupt files, a lost wake-up, and a qmgr killed and restarted with
# nothing lost.
# Messages enter the queue through tests/tools/qinject, committed exactly
# as smtpd commits them.
. "$(dirname "$0")/lib.sh"

t_instance
t_set queue_run_delay 1s
t_set minimal_backoff_time 1s
t_set maximal_backoff_time 2s
t_set delay_warning_time 1h
t_services auth qmgr local
for u in bob alice carol dave; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
tmailctl alias add team bob carol >/dev/null 2>&1
tmailctl alias add all team dave@localhost bob >/dev/null 2>&1
tmailctl alias add loop1 loop2 >/dev/null 2>&1
tmailctl alias add loop2 loop1 >/dev/null 2>&1
tmailctl alias add carol carol carol-archive@localhost >/dev/null 2>&1
tmailctl alias add carol-archive dave >/dev/null 2>&1
tmailctl alias add world bob remote@example.com >/dev/null 2>&1
t_start

MAIL=$INST/mail/localhost
QDIR=$INST/queue

settle() { sleep 0.5; t_wait 15 t_queue_idle; sleep 0.5; }

# 1. Aliases: one-to-many and nested, each user once.
echo "Subject: to-all" | t_inject -f alice@localhost all@localhost >/dev/null
settle
t_eq "$(t_with_subject bob to-all)" 1 "nested alias: bob gets one copy (team and all name him)"
t_eq "$(t_with_subject carol to-all)" 1 "nested alias: carol (self-reference) gets it"
t_eq "$(t_with_subject dave to-all)" 1 "nested alias: dave gets one copy (direct and via carol-archive)"
f=$(grep -l '^Subject: to-all$' "$MAIL"/bob/new/*)
t_file_has "$f" '^Delivered-To: bob@localhost$' "alias target's Delivered-To is the final address"
t_file_has "$INST/log/maillog" 'to=<bob@localhost>, orig_to=<all@localhost>, relay=local' \
	"log line names the original recipient"

# 2. user+tag of an alias, mixed case.
echo "Subject: team-tag" | t_inject -f alice@localhost 'Team+Sub@LOCALHOST' >/dev/null
settle
t_eq "$(t_with_subject bob team-tag)$(t_with_subject carol team-tag)" 11 "alias+tag expands like the alias"

# 3. A loop without a user: bounced, not looping forever.
a=$(t_count_new alice)
echo "Subject: loopy" | t_inject -f alice@localhost loop1@localhost >/dev/null
t_wait_new alice $((a + 1))
settle
t_file_has "$(t_newest alice)" '^Status: 5\.1\.1$' "alias loop ends in a bounce"
t_file_has "$(t_newest alice)" '^Original-Recipient: rfc822; loop1@localhost$' \
	"bounce of an alias target names the original recipient"

# 4. Remote recipient: deferred and visible; the local part is delivered.
id=$(echo "Subject: world" | t_inject -f alice@localhost world@localhost)
settle
t_eq "$(t_with_subject bob world)" 1 "local target of a mixed alias delivered"
list=$(tmailctl queue list 2>&1)
t_match "$list" "$id +deferred .*<alice@localhost>" "queue list shows the deferred message"
t_match "$list" "remote@example.com +\(4\.3\.0 connect to private/smtp-out: " \
	"queue list shows the remote recipient and why (smtp-out is not running here)"
t_nomatch "$list" "^ +bob@localhost" "delivered recipients are not listed"
show=$(tmailctl queue show "$id" 2>&1)
t_match "$show" "^state: deferred" "queue show: state"
t_match "$show" "recipient: world@localhost +expanded" "queue show: the expanded alias"
t_match "$show" "^Subject: world" "queue show: the message header"
# Times are dates in the local zone with how long ago or how soon, never
# bare epoch numbers.
stamp='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}'
t_match "$show" "^arrival: $stamp \((now|[0-9]+ (second|minute)s? ago)\)\$" \
	"queue show: the arrival time as a date, and how long ago"
# (the instance retries within seconds: the next try may have come)
t_match "$show" "^  next try: $stamp \((now|in [0-9]+ (second|minute)s?|[0-9]+ seconds? ago)\), after [0-9]+ tr(y|ies)\$" \
	"queue show: a deferred recipient's next try as a date, and how soon"
t_nomatch "$show" "^arrival: [0-9]+\$" "queue show prints no epoch number"
# Control characters from the network (an ENVID, a header field) reach
# the terminal escaped, never raw.
esc=$(printf '\033')
id2=$(printf 'Subject: \033]0;owned\007x\n\nbody\n' |
	t_inject -f alice@localhost -E "id$esc[2Jz" remote2@example.com)
settle
show=$(tmailctl queue show "$id2" 2>&1)
t_match "$show" '^envid: id\\x1b\[2Jz$' "queue show: a control character in ENVID is shown as \\x1b"
t_match "$show" '^Subject: \\x1b\]0;owned\\x07x$' "queue show: control characters in a header field are escaped"
if printf '%s' "$show$(tmailctl queue list 2>&1)" | grep -q "$esc"; then
	t_fail "queue show and list print no raw escape character"
else
	t_pass "queue show and list print no raw escape character"
fi
tmailctl queue delete "$id2" >/dev/null 2>&1

# 5. hold, release, flush, delete, reindex.
tmailctl queue hold "$id" >/dev/null 2>&1
t_eq "$(ls "$QDIR/hold")" "$id" "hold moves the file to hold/"
t_match "$(tmailctl queue list)" "$id +hold " "queue list shows it held"
sleep 2.5
t_eq "$(ls "$QDIR/hold")" "$id" "a held message is never scheduled"
tmailctl queue release "$id" >/dev/null 2>&1
t_wait 10 sh -c "ls '$QDIR/deferred' | grep -q $id" && t_pass "release puts it back in the queue" ||
	t_fail "release puts it back in the queue" "$(ls -R "$QDIR")"
t_eq "$(t_with_subject bob world)" 1 "released message: bob not delivered twice"
tmailctl queue flush >/dev/null 2>&1 && t_setup "queue flush accepted" || t_fail "queue flush accepted"
t_file_has "$INST/log/maillog" 'flush requested' "qmgr heard the flush"
tmailctl queue reindex >/dev/null 2>&1 && t_setup "queue reindex accepted" || t_fail "queue reindex accepted"
t_wait 5 grep -q 'queue index rebuilt: 1 message$' "$INST/log/maillog" &&
	t_pass "reindex counts the one queued message" ||
	t_fail "reindex counts the one queued message" "$(grep 'index rebuilt' "$INST/log/maillog" | tail -2)"
t_eq "$(t_with_subject bob world)" 1 "reindex redelivers nothing"
tmailctl queue delete "$id" >/dev/null 2>&1
t_wait 5 sh -c "! ls '$QDIR'/*/$id" 2>/dev/null
t_match "$(tmailctl queue list)" "Mail queue is empty" "delete empties the queue"

# 6. DSN: NOTIFY=NEVER, ORCPT and RET=HDRS.
a=$(t_count_new alice)
echo "Subject: never" | t_inject -f alice@localhost -N NEVER nobody@localhost >/dev/null
settle
t_eq "$(t_count_new alice)" "$a" "NOTIFY=NEVER: no bounce"
printf 'Subject: hdrs\n\nsecret body\n' |
	t_inject -f alice@localhost -R HDRS -o 'rfc822;Orig@Example.org' -E env-42 nobody@localhost >/dev/null
t_wait_new alice $((a + 1))
b=$(t_newest alice)
t_file_has "$b" '^Original-Recipient: rfc822;Orig@Example.org$' "ORCPT becomes Original-Recipient"
t_file_has "$b" '^Original-Envelope-Id: env-42$' "ENVID becomes Original-Envelope-Id"
t_file_has "$b" '^Content-Type: text/rfc822-headers$' "RET=HDRS returns the header only"
t_eq "$(grep -c '^secret body$' "$b")" 0 "RET=HDRS leaves the body out"

# NOTIFY=SUCCESS on a message that stays queued for another recipient: the
# success notice goes out once, marked "notified" after "done" in the file,
# and is not repeated by the retries.
a=$(grep -l '^Action: delivered$' "$MAIL"/alice/new/* 2>/dev/null | wc -l)
id=$(echo "Subject: success-mixed" | t_inject -f alice@localhost -N SUCCESS bob@localhost stays@example.net)
t_wait 15 sh -c "[ \$(grep -l '^Action: delivered\$' '$MAIL'/alice/new/* 2>/dev/null | wc -l) -gt $a ]" &&
	t_pass "NOTIFY=SUCCESS: a success notice for the delivered recipient" ||
	t_fail "NOTIFY=SUCCESS: a success notice for the delivered recipient"
sleep 4		# retries of stays@example.net (backoff 1-2s)
t_eq "$(grep -l '^Action: delivered$' "$MAIL"/alice/new/* | wc -l)" $((a + 1)) \
	"NOTIFY=SUCCESS: the notice is not repeated by the retries"
t_eq "$(grep -l '^Action: delivered$' "$MAIL"/alice/new/* | xargs grep -l 'stays@example.net' | wc -l)" 0 \
	"NOTIFY=SUCCESS: no notice names the recipient still queued"
t_file_has "$(ls "$QDIR"/deferred/* "$QDIR"/active/* 2>/dev/null | head -n 1)" '^notified rcpt=0 \.$' \
	"NOTIFY=SUCCESS: a notified record marks the recipient in the queue file"
tmailctl queue delete ALL >/dev/null 2>&1
settle

# 7. Expiry and delay warning (arrival times in the past).
a=$(t_count_new alice)
old=$(( $(date +%s) - 6 * 86400 ))
echo "Subject: ancient" | t_inject -f alice@localhost -a "$old" far@example.net >/dev/null
t_wait 20 sh -c "grep -l '^Action: failed' '$MAIL'/alice/new/* 2>/dev/null | xargs grep -l 'far@example.net' | grep -q ." &&
	t_pass "a message past maximal_queue_lifetime bounces" ||
	t_fail "a message past maximal_queue_lifetime bounces"
f=$(grep -l '^Action: failed' "$MAIL"/alice/new/* | xargs grep -l 'far@example.net' | head -n 1)
t_file_has "$f" '^Status: 5\.4\.7$' "expiry status 5.4.7"
t_file_has "$f" 'last problem: connect to private/smtp-out' "expiry says the last problem"
settle
aged=$(( $(date +%s) - 2 * 3600 ))
echo "Subject: slow" | t_inject -f alice@localhost -a "$aged" slow@example.net >/dev/null
t_wait 15 sh -c "grep -l '^Action: delayed' '$MAIL'/alice/new/* 2>/dev/null | xargs grep -l slow@example.net | grep -q ." &&
	t_pass "delay warning after delay_warning_time" ||
	t_fail "delay warning after delay_warning_time"
f=$(grep -l '^Action: delayed' "$MAIL"/alice/new/* | xargs grep -l slow@example.net | head -n 1)
t_file_has "$f" '^Will-Retry-Until: ' "delay warning says until when"
sleep 3
t_eq "$(grep -l '^Action: delayed' "$MAIL"/alice/new/* | xargs grep -l slow@example.net | wc -l)" 1 \
	"the delay warning is sent once"
tmailctl queue delete ALL >/dev/null 2>&1

# 8. A corrupt file goes to corrupt/.
printf 'garbage\n' >"$T/bad"
bad=00000000000000000000A
install -m 600 "$T/bad" "$QDIR/incoming/$bad"
t_is_root && chown --reference="$QDIR/incoming" "$QDIR/incoming/$bad"
t_wait 10 test -f "$QDIR/corrupt/$bad" && t_pass "a corrupt file is moved to corrupt/" ||
	t_fail "a corrupt file is moved to corrupt/"
t_file_has "$INST/log/maillog" "$bad: corrupt queue file" "corrupt file logged"

# 9. A lost wake-up only delays: the periodic scan finds the file.
n=$(t_count_new bob)
echo "Subject: nowake" | t_inject -n -f alice@localhost bob@localhost >/dev/null
t_wait_new bob $((n + 1))
t_eq "$(t_with_subject bob nowake)" 1 "message without a wake-up delivered by the periodic scan"

# 10. kill -9 of qmgr during a run of 200 messages: each delivered, at
#     most duplicated, nothing left.
#     The kill must find messages that qmgr has not finished, and waiting
#     for that to happen by chance is no test: delivery can outrun the
#     injector, so that incoming/ and active/ are empty whenever one looks.
#     The state is made instead.  Only qmgr moves files out of incoming/
#     and active/, so while it is stopped (SIGSTOP) both are frozen: the
#     first 100 messages arrive while qmgr delivers (and the test, stopping
#     and resuming qmgr, tries to freeze it with one in active/), then qmgr
#     is stopped, the other 100 are committed to incoming/ without a
#     wake-up (a stopped qmgr would never answer one), and qmgr is killed
#     with at least those 100 in its queue, which the test asserts.
T_SIGNALS_EXPECTED=1
settle
n=$(t_count_new dave)
q=$(t_svc_pids qmgr)
if [ -z "$q" ] || [ "$q" != "${q%% *}" ]; then
	t_fail "one qmgr process to stop and kill" "pids [$q]"
	t_done
fi
(
	for i in $(seq 1 100); do
		printf 'Subject: run-%d\n\nbody %d\n' "$i" "$i" |
			t_inject -f alice@localhost dave@localhost >/dev/null &
		[ $((i % 20)) = 0 ] && wait
	done
	wait
) &
injector=$!
# Freeze qmgr the moment a message is in active/ (being delivered), or at
# the latest when the first half is in.
frozen=no
while kill -0 "$injector" 2>/dev/null; do
	kill -STOP "$q"
	[ -n "$(ls "$QDIR/active")" ] && { frozen=yes; break; }
	kill -CONT "$q"
	sleep 0.01
done
# What is left of the first half may still be arriving: its wake-ups wait
# in the socket's backlog for the next qmgr.
[ $frozen = yes ] || kill -STOP "$q"
active=$(ls "$QDIR/active" | wc -l)
for i in $(seq 101 200); do
	printf 'Subject: run-%d\n\nbody %d\n' "$i" "$i" |
		t_inject -n -f alice@localhost dave@localhost >/dev/null
done
inflight=$(find "$QDIR/incoming" "$QDIR/active" -type f | wc -l)
if [ "$inflight" -ge 100 ]; then
	t_setup "qmgr (pid $q) stopped with $inflight message(s) not yet done ($active in active/)"
else
	t_fail "qmgr stopped with the second half queued" "$inflight in incoming/ and active/"
fi
kill -KILL "$q"
kill -CONT "$q" 2>/dev/null
wait "$injector"
t_wait 30 sh -c "[ -n \"\$('$TERN_BIN/mailctl' -c '$INST' status | awk '\$1 == \"qmgr\" && \$9 ~ /^[0-9]+\$/ && \$9 != $q { print \$9 }')\" ]"
q2=$(t_svc_pids qmgr)
t_wait 60 sh -c "[ \$(find '$MAIL/dave/new' -type f | wc -l) -ge $((n + 200)) ]"
settle
missing=0
dups=0
most=0
for i in $(seq 1 200); do
	c=$(t_with_subject dave "run-$i")
	[ "$c" = 0 ] && missing=$((missing + 1))
	[ "$c" -gt 1 ] && dups=$((dups + c - 1))
	[ "$c" -gt "$most" ] && most=$c
done
t_eq "$missing" 0 "after the qmgr crash every message is delivered"
[ "$most" -le 2 ] && t_pass "no message delivered more than twice" ||
	t_fail "no message delivered more than twice" "one had $most copies"
t_log "duplicates after the qmgr crash: $dups"
t_file_has "$INST/log/maillog" "qmgr\\[${q2:-none}\\]: queue index rebuilt" "the new qmgr started over from the files"
t_eq "$(find "$QDIR/incoming" "$QDIR/active" "$QDIR/deferred" "$QDIR/tmp" -type f | wc -l)" 0 \
	"nothing left in the queue after recovery"
t_eq "$(ls "$MAIL/dave/tmp" | wc -l)" 0 "no temporary files left in the Maildir"

t_done
