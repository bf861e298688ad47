#!/bin/bash
# t_relay_queue.sh - outbound queueing and scheduling through the front
# door (issue 13, "qmgr scheduling"): mail submitted to tern's smtpd
# (bulksend.py, swaks) goes out through qmgr and smtp-out to scriptable
# peers on loopback (smtppeer.py, whose JSON log counts connections and
# messages), routed by transport_maps (`mailctl transport add`).
#
# Checked:
#   routes: error:5.x.y bounces with its code and text, error:4.x.y
#     defers, local delivers into the Maildir of the virtual user of that
#     domain (an unknown one bounces);
#   the connection cache: many messages to one destination share
#     connections, never more at once than
#     smtp_destination_concurrency_limit, none carries more than
#     smtp_connection_reuse_count_limit; a session idle within
#     smtp_connection_cache_time_limit is reused, one idle longer is
#     closed (QUIT, after the limit) and the next message opens another;
#   a refusing destination marked dead after one connection, its other
#     mail deferred without one, while a live destination gets all of
#     its mail; a destination that accepts TCP and never answers: one
#     connection only, its queued mail deferred after
#     smtp_destination_probe_time, live mail flowing meanwhile;
#   delay_warning_time: one delay warning; maximal_queue_lifetime: the
#     bounce (5.4.7) names the last problem;
#   a bounce that cannot be delivered goes to postmaster once, nothing
#     further;
#   qmgr_message_active_limit 20 with some hundred messages for four
#     destinations: all delivered, the queue drains, qmgr's VmRSS
#     (printed) stays small.
. "$(dirname "$0")/lib.sh"

BULK=$TOP/tests/integration/bulksend.py

# bulk ARGS...: bulksend.py to the instance's smtpd; fails the test when
# not every message was accepted.
bulk() {
	if ! timeout 300 python3 "$BULK" --port "$P25" "$@" >"$T/bulk.out" 2>&1; then
		t_fail "bulksend $*" "$(tail -n 5 "$T/bulk.out")"
		return 1
	fi
}

send() {
	swaks --server 127.0.0.1:"$P25" --from "$1" --to "$2" --header "Subject: $3" \
		>"$T/swaks.out" 2>&1 ||
		t_fail "swaks to $2 accepted" "$(tail -n 5 "$T/swaks.out")"
}

# peer_stats NAME: from smtppeer NAME's log: "CONNS MESSAGES MAXOPEN
# MAXPERCONN": connections, accepted messages, most connections in use
# at once, most messages on one connection.
cat >"$T/peerstats.py" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
opens = [e for e in ev if e['ev'] == 'open']
msgs = [e for e in ev if e['ev'] == 'message' and e.get('accepted')]
per = {}
for m in msgs:
    per[m['conn']] = per.get(m['conn'], 0) + 1
# A connection counts from its open to its QUIT (or close): smtp-out
# answers qmgr before it says QUIT, so the next job's connection may open
# while the last one is saying goodbye.
cur = top = 0
done = set()
for e in ev:
    if e['ev'] == 'open':
        cur += 1
        top = max(top, cur)
    elif (e['ev'] == 'close' or (e['ev'] == 'cmd' and e['line'].upper() == 'QUIT')) \
            and e['conn'] not in done:
        done.add(e['conn'])
        cur -= 1
print(len(opens), len(msgs), top, max(per.values()) if per else 0)
PY
peer_stats() { python3 "$T/peerstats.py" "$T/$1.log" 2>/dev/null || echo "no log"; }
# peer_msgs NAME: accepted messages in its log.
peer_msgs() { t_peer_q "$1" message accepted=true conn 2>/dev/null | wc -l; }
peer_wait_msgs() { t_wait "$3" sh -c "[ \$(python3 '$TOP/tests/integration/smtppeer.py' --query '$T/$1.log' message accepted=true conn | wc -l) -ge $2 ]"; }
connects_any() { grep -c "smtp-out\[[0-9]*\]: connect to .*:$1\(: .*\)\?\$" "$INST/log/maillog"; }
settle() { sleep 0.3; t_wait 60 t_queue_idle; }

# reload_main: mailctl reload after a main.conf change, and wait until a
# new qmgr alone runs.
reload_main() {
	local old
	old=$(t_svc_pids qmgr)
	tmailctl reload >/dev/null 2>&1
	t_wait 30 sh -c "p=\$('$TERN_BIN/mailctl' -c '$INST' status 2>/dev/null | awk '\$1 == \"qmgr\"'); \
		echo \"\$p\" | grep -q '[0-9]' && ! echo \"\$p\" | grep -qw '$old'" ||
		t_fail "reload: a new qmgr" "$(tmailctl status 2>&1)"
	sleep 0.5
}

t_instance
t_set queue_run_delay 1s
t_set minimal_backoff_time 300s
t_set maximal_backoff_time 600s
t_set smtp_destination_concurrency_limit 3
t_set smtp_initial_destination_concurrency 2
t_set smtp_connection_reuse_count_limit 3
t_set smtp_connection_cache_time_limit 5s
t_set smtp_destination_probe_time 3s
t_set smtp_helo_timeout 120s
t_services smtp qmgr local smtp-out auth
echo pw | tmailctl user add alice@localhost --password-stdin >/dev/null 2>&1
echo pw | tmailctl user add carol@intranet.example --password-stdin >/dev/null 2>&1
P25=$((PB + 25))

# The peers, and a port where nothing listens.
t_peer C 0 || t_done; PC=$PEER_PORT			# the cache
t_peer D 0 || t_done; PD=$PEER_PORT			# idle limit
t_peer L 0 || t_done; PL=$PEER_PORT			# live beside dead
t_peer H 0 --reply 'CONNECT=hang' || t_done; PH=$PEER_PORT; H_PID=$PEER_PID
t_peer R 0 --reply 'RCPT=550 5.1.1 no such user here' || t_done; PR=$PEER_PORT
PX=$(t_free_port)					# refuses
route() {
	tmailctl transport add "$1" "$2" >"$T/tr.out" 2>&1 ||
		t_fail "transport add $1 $2" "$(cat "$T/tr.out")"
}
route c.example "smtp:[127.0.0.1]:$PC"
route d.example "smtp:[127.0.0.1]:$PD"
route live.example "smtp:[127.0.0.1]:$PL"
route hang.example "smtp:[127.0.0.1]:$PH"
route dead.example "smtp:[127.0.0.1]:$PX"
route exp.example "smtp:[127.0.0.1]:$PX"
route rej.example "smtp:[127.0.0.1]:$PR"
route bad.example "smtp:[127.0.0.1]:$PR"
route gone.example "error:5.1.2 gone.example no longer takes mail"
route later.example "error:4.3.2 down for maintenance"
route intranet.example local
t_start

# 1. error: and local routes.
a=$(t_count_new alice)
send alice@localhost u@gone.example gone
t_wait_new alice $((a + 1)) 30
f=$(t_newest alice)
t_file_has "$f" '^Status: 5\.1\.2$' "error:5.1.2 route: bounced with the route's code"
t_file_has "$f" 'gone\.example no longer takes mail' "...and its text"
t_file_has "$f" '^Final-Recipient: rfc822; u@gone\.example$' "...naming the recipient"
send alice@localhost w@later.example later
settle
t_match "$(tmailctl queue list 2>&1)" 'w@later\.example +\(4\.3\.2 down for maintenance\)' \
	"error:4.3.2 route: deferred with its code and text"
t_eq "$(t_count_new alice)" $((a + 1)) "...and no bounce for it"
send alice@localhost carol@intranet.example to-local
t_wait 30 sh -c "grep -lqx 'Subject: to-local' '$INST'/mail/intranet.example/carol/new/* 2>/dev/null" &&
	t_pass "local route: delivered to the Maildir of carol@intranet.example" ||
	t_fail "local route: delivered to the Maildir of carol@intranet.example" \
		"$(ls -R "$INST/mail" 2>&1 | head -20)"
send alice@localhost nobody@intranet.example to-nobody
t_wait_new alice $((a + 2)) 30
f=$(t_newest alice)
t_file_has "$f" '^Final-Recipient: rfc822; nobody@intranet\.example$' \
	"local route, no such user: bounced"
t_file_has "$f" '^Status: 5\.1\.1$' "...with 5.1.1"
settle

# 2. The connection cache: 30 messages to one destination.
N=30
bulk --from alice@localhost --to 'm{n}@c.example' --count $N --tag cache --sessions 3
peer_wait_msgs C $N 120 || t_fail "all $N messages reached peer C" "$(peer_stats C)"
read -r conns msgs maxopen maxper <<EOF
$(peer_stats C)
EOF
t_log "peer C: $conns connections for $msgs messages, $maxopen at once, at most $maxper on one"
t_eq "$msgs" $N "cache: every message arrived once"
if [ "$conns" -lt "$N" ] && [ "$conns" -ge $(( (N + 2) / 3 )) ]; then
	t_pass "cache: messages share connections ($conns for $N; reuse limit 3: at least $(( (N + 2) / 3 )))"
else
	t_fail "cache: messages share connections" "$conns connections for $N messages"
fi
t_match "$maxper" '^[123]$' "cache: no connection carried more than smtp_connection_reuse_count_limit (3)"
t_match "$maxopen" '^[123]$' "cache: at most smtp_destination_concurrency_limit (3) connections at once"
subj=$(for i in $(seq 0 $((N - 1))); do echo "Subject: cache $i"; done)
t_eq "$(grep -h '^Subject: cache ' "$T"/C.mail/*.eml 2>/dev/null | tr -d '\r' | sort -u | wc -l)" $N \
	"cache: the $N distinct messages were saved by the peer"
settle

# 3. The idle limit (5s): reused within it, a new connection after it.
send alice@localhost x1@d.example idle1
peer_wait_msgs D 1 30
send alice@localhost x2@d.example idle2
peer_wait_msgs D 2 30
c1=$(t_peer_q D message seq conn | awk 'NR == 1 { print $2 }')
c2=$(t_peer_q D message seq conn | awk 'NR == 2 { print $2 }')
t_eq "$c2" "$c1" "idle within smtp_connection_cache_time_limit: the session is reused"
t_peer_wait 30 D close conn="$c1" || t_fail "the idle session is closed"
t_eq "$(t_peer_q D close conn="$c1" by reason)" "server quit" "...closed by the client's QUIT"
idle=$(python3 - "$T/D.log" "$c1" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
c = int(sys.argv[2])
last = max(e['t'] for e in ev if e.get('conn') == c and e['ev'] == 'message')
end = [e['t'] for e in ev if e.get('conn') == c and e['ev'] == 'close']
print('%.1f' % (end[0] - last) if end else 'none')
PY
)
t_match "$idle" '^([4-9]|[1-2][0-9])\.[0-9]$' "...after the idle limit, not before ($idle s idle)"
send alice@localhost x3@d.example idle3
peer_wait_msgs D 3 30
c3=$(t_peer_q D message seq conn | awk 'NR == 3 { print $2 }')
if [ -n "$c3" ] && [ "$c3" != "$c1" ]; then t_pass "after the idle limit: a new connection"
else t_fail "after the idle limit: a new connection" "conn $c3, first $c1"; fi
settle

# 4. A refusing destination beside a live one, interleaved.
bulk --from '' --to 'z{n}@dead.example' --to 'l{n}@live.example' --count 10 --tag dl
peer_wait_msgs L 10 60 || t_fail "live destination: all 10 arrived" "$(peer_stats L)"
t_eq "$(peer_msgs L)" 10 "a dead destination beside: the live one got its 10 messages"
settle
t_eq "$(connects_any "$PX")" 1 "the refusing destination: one connection attempt for 10 messages"
t_file_has "$INST/log/maillog" "destination \[127\.0\.0\.1\]:$PX is dead" "...marked dead"
list=$(tmailctl queue list 2>&1)
t_eq "$(printf '%s\n' "$list" | grep -cE 'z[0-9]+@dead\.example +\(4\.4\.1 delivery temporarily suspended')" 9 \
	"...the other nine deferred without a connection (suspended)"
t_eq "$(printf '%s\n' "$list" | grep -cE 'z[0-9]+@dead\.example +\(4\.4\.1 connect to .*Connection refused')" 1 \
	"...the first with the refusal"

# 5. A destination that accepts TCP and never answers.
bulk --from '' --to 'h{n}@hang.example' --count 5 --tag hang
t_peer_wait 20 H open || t_fail "the hanging peer got a connection"
bulk --from '' --to 'l{n}@live.example' --count 5 --first 10 --tag live2
peer_wait_msgs L 15 60 || t_fail "live mail flows while the probe hangs" "$(peer_stats L)"
t_eq "$(t_peer_q H close 2>/dev/null | wc -l)" 0 \
	"live mail arrived while the probe to the silent destination still hangs"
t_wait 60 sh -c "[ \$('$TERN_BIN/mailctl' -c '$INST' queue list 2>&1 | grep -c 'no answer from \[127\.0\.0\.1\]:$PH for 3s') -ge 4 ]" &&
	t_pass "after smtp_destination_probe_time: the silent destination's queue is deferred" ||
	t_fail "after smtp_destination_probe_time: the silent destination's queue is deferred" \
		"$(tmailctl queue list 2>&1 | tail -n 12)"
t_eq "$(find "$INST/queue/active" -type f | wc -l)" 1 "...only the probe's message stays active"
t_eq "$(t_peer_q H open | wc -l)" 1 "the silent destination: one connection in flight, no more"
t_bg_stop "$H_PID"
settle
tmailctl queue delete ALL >/dev/null 2>&1
t_wait 20 t_queue_empty || t_fail "queue delete ALL empties the queue" "$(tmailctl queue list 2>&1 | tail)"

# 6. Delay warning and expiry.
t_set delay_warning_time 3s
t_set maximal_queue_lifetime 10s
reload_main
a=$(t_count_new alice)
send alice@localhost late@exp.example expiring
t0=$(date +%s)
settle
t_match "$(tmailctl queue list 2>&1)" 'late@exp\.example +\(4\.4\.1 connect to' "expiry: deferred first"
sleep 3.5
tmailctl queue flush >/dev/null 2>&1
t_wait_new alice $((a + 1)) 30
f=$(t_newest alice)
t_file_has "$f" '^Action: delayed$' "after delay_warning_time: a delay warning"
t_file_has "$f" '^Final-Recipient: rfc822; late@exp\.example$' "...naming the recipient"
t_file_has "$f" '^Status: 4\.' "...with a 4.x.y status"
settle
tmailctl queue flush >/dev/null 2>&1
settle
t_eq "$(t_count_new alice)" $((a + 1)) "a second retry sends no second warning"
# The lifetime is an age: only time passing makes it.
while [ $(( $(date +%s) - t0 )) -lt 11 ]; do sleep 0.5; done
tmailctl queue flush >/dev/null 2>&1
t_wait_new alice $((a + 2)) 30
f=$(t_newest alice)
t_file_has "$f" '^Action: failed$' "after maximal_queue_lifetime: bounced"
t_file_has "$f" '^Status: 5\.4\.7$' "...with 5.4.7"
t_file_has "$f" "last problem: .*connect to 127\.0\.0\.1\[127\.0\.0\.1\]:$PX: Connection refused" \
	"...naming the last problem"
settle
t_wait 20 t_queue_empty && t_pass "expiry: the message left the queue" ||
	t_fail "expiry: the message left the queue" "$(tmailctl queue list 2>&1)"
t_eq "$(grep -c 'Subject: expiring' "$INST"/mail/localhost/alice/new/* | awk -F: '{ s += $NF } END { print s }')" 2 \
	"the sender got exactly two reports on it (warning, bounce)"
sed -i '/^delay_warning_time/d; /^maximal_queue_lifetime/d' "$INST/main.conf"
reload_main

# 7. A bounce that cannot be delivered: postmaster once, nothing further.
a=$(t_count_new alice)
send someone@bad.example victim@rej.example double
t_wait_new alice $((a + 1)) 60
settle
f=$(t_newest alice)
t_file_has "$f" '^Final-Recipient: rfc822; someone@bad\.example$' \
	"undeliverable bounce: postmaster (alice) gets a report naming its recipient"
t_file_has "$f" '^Status: 5\.1\.1$' "...with the peer's status"
sleep 3
settle
t_eq "$(t_count_new alice)" $((a + 1)) "...once"
t_eq "$(grep -c ': postmaster double-bounce notification: ' "$INST/log/maillog")" 1 \
	"...one report to postmaster in the log"
t_eq "$(t_peer_q R rcpt to | sort | tr '\n' ' ')" "someone@bad.example victim@rej.example " \
	"the peer saw the original and its bounce, nothing more"
t_eq "$(t_peer_q R mail from | sort | tr '\n' ' ')" " someone@bad.example " \
	"...the bounce from the null sender"
t_wait 20 t_queue_empty && t_pass "the queue ends empty" ||
	t_fail "the queue ends empty" "$(tmailctl queue list 2>&1)"

# 7b. postmaster itself unreachable: the report to it fails too, and
# that failure is only logged.
tmailctl alias del postmaster alice@localhost >/dev/null 2>&1
tmailctl alias add postmaster pm@rej.example >"$T/alias.out" 2>&1 ||
	t_fail "alias add postmaster pm@rej.example" "$(cat "$T/alias.out")"
a=$(t_count_new alice)
send other@bad.example victim2@rej.example double2
t_wait 60 grep -q 'to=<pm@rej\.example>: no failure notice' "$INST/log/maillog" &&
	t_pass "postmaster unreachable: its report's failure is only logged" ||
	t_fail "postmaster unreachable: its report's failure is only logged"
settle
sleep 3
settle
t_eq "$(t_peer_q R rcpt to | tail -n +3 | sort | tr '\n' ' ')" "other@bad.example pm@rej.example victim2@rej.example " \
	"...the peer saw the original, its bounce, the report to postmaster, nothing more"
t_eq "$(t_count_new alice)" "$a" "...and no mailbox here got anything"
t_wait 20 t_queue_empty && t_pass "...the queue ends empty" ||
	t_fail "...the queue ends empty" "$(tmailctl queue list 2>&1)"
tmailctl alias del postmaster pm@rej.example >/dev/null 2>&1
tmailctl alias add postmaster alice@localhost >/dev/null 2>&1

# 8. Bounded memory: qmgr_message_active_limit 20, and 400 messages for
# four destinations that refuse connections: all deferred; then the
# servers come up and `queue flush` sends them from deferred/.
t_set qmgr_message_active_limit 20
reload_main
for i in 0 1 2 3; do
	port=$(t_free_port)
	while printf '%s\n' "${MP[@]}" | grep -qx "$port"; do port=$(t_free_port); done
	MP[$i]=$port
	route "m$i.example" "smtp:[127.0.0.1]:$port"
done
N=400
bulk --from alice@localhost --to 'b{n}@m{m}.example' --spread 4 --count $N --tag mem --sessions 4
settle
t_wait 120 sh -c "[ \$(find '$INST/queue/deferred' -type f | wc -l) -ge $N ]" &&
	t_pass "$N messages for four refusing destinations: all deferred" ||
	t_fail "$N messages for four refusing destinations: all deferred" "$(t_queued) queued"
t_eq "$(grep -c "smtp-out\[[0-9]*\]: connect to .*:\(${MP[0]}\|${MP[1]}\|${MP[2]}\|${MP[3]}\): Connection refused" "$INST/log/maillog")" 4 \
	"...after one connection attempt per destination"
for i in 0 1 2 3; do t_peer "M$i" "${MP[$i]}" || t_done; done
QPID=$(t_svc_pids qmgr)
# The highest VmRSS of qmgr and the most files in active/, while it drains.
(
	rss=0 act=0
	while :; do
		r=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$QPID/status" 2>/dev/null)
		a=$(find "$INST/queue/active" -type f | wc -l)
		[ -n "$r" ] && [ "$r" -gt "$rss" ] && rss=$r
		[ "$a" -gt "$act" ] && act=$a
		echo "$rss $act" >"$T/watch.tmp" && mv "$T/watch.tmp" "$T/watch"
		sleep 0.1
	done
) &
WATCH_PID=$!
tmailctl queue flush >/dev/null 2>&1
t_wait 150 t_queue_empty || t_fail "bounded memory: the queue drains" "$(t_queued) left"
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
got=0
for i in 0 1 2 3; do got=$((got + $(peer_msgs "M$i"))); done
t_eq "$got" $N "after the flush all $N messages were delivered"
t_eq "$(tmailctl queue list 2>&1 | grep -c '@')" 0 "...and queue list is empty"
read -r rss act <"$T/watch"
t_log "qmgr: VmRSS at most ${rss:-?} kB, at most ${act:-?} files in active/, while $N messages drained"
t_match "${act:-99}" '^([0-9]|1[0-9]|20)$' "never more than qmgr_message_active_limit (20) in active/ ($act)"
if [ "${rss:-0}" -gt 0 ] && [ "$rss" -lt $((TERN_SAN == 1 ? 262144 : 32768)) ]; then
	t_pass "qmgr stayed small (VmRSS max $rss kB)"
else
	t_fail "qmgr stayed small" "VmRSS max ${rss:-unknown} kB"
fi

t_done
