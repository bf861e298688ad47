#!/bin/bash
# t_relay.sh - outbound delivery through the front door (issue 13): mail
# submitted to tern's smtpd (swaks) leaves through smtp-out to Postfix's
# smtp-sink on loopback ports, routed by relayhost and by MX records of a
# loopback DNS server of the test's own (dnsd.py); the sink's dump files
# are what arrived.
#
# Checked: relayhost [127.0.0.1]:port, the content intact (dot-stuffing
# both ways, the header) and one session carrying three messages; MX
# order (the best MX refuses, the next one takes it), no MX: the
# domain's A record; null MX bounced with 5.1.10 and NXDOMAIN with
# 5.1.2, each bounce naming the recipient; a peer that is down:
# deferred, shown in `queue list` with the reason and the next attempt,
# the destination marked dead (the next message deferred without a
# connection), then delivered after the peer is back and `queue flush
# DOMAIN` (another domain's flush leaves it); a relayhost that
# is this instance itself bounced with 5.4.6; 8-bit mail to a peer
# without 8BITMIME arrives as quoted-printable that decodes to the
# original; NOTIFY, ORCPT, RET and ENVID passed to a peer that offers
# DSN (no success notice from tern then), a "relayed" notice for a peer
# that does not.
. "$(dirname "$0")/lib.sh"

PIDS=
t_relay_stop() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
}
trap 't_relay_stop; t_cleanup' EXIT

# sink NAME ADDRESS PORT [smtp-sink options]: a sink dumping each message
# into $T/NAME/; its pid in SINK_PID.
sink() {
	local name=$1 addr=$2 port=$3
	shift 3
	mkdir -p "$T/$name"
	# As root, smtp-sink runs as a user it is told (nobody): its dump
	# directory must take that user's files.
	if t_is_root; then
		chmod 1777 "$T/$name"
		set -- -u nobody "$@"
	fi
	smtp-sink "$@" -d "$T/$name/%M." "$addr:$port" 100 >"$T/$name.out" 2>&1 &
	SINK_PID=$!
	PIDS="$PIDS $SINK_PID"
	t_wait 10 sh -c "ss -Htln 'sport = :$port' | grep -q '$addr'" ||
		t_fail "smtp-sink on $addr:$port starts" "$(cat "$T/$name.out")"
}

# arrived NAME PATTERN: the number of dump files of sink NAME matching.
arrived() { grep -lE "$2" "$T/$1"/* 2>/dev/null | wc -l; }

send() {
	swaks --server 127.0.0.1:"$P25" --from "$1" --to "$2" --header "Subject: $3" \
		${4:+--body "$4"} >"$T/swaks.out" 2>&1 ||
		t_fail "swaks to $2 accepted" "$(tail -n 5 "$T/swaks.out")"
}

settle() { sleep 0.3; t_wait 30 t_queue_idle; }
connects() { grep -c "smtp-out\[[0-9]*\]: connect to .*:$1\$" "$INST/log/maillog"; }

t_instance
t_set queue_run_delay 1s
t_set minimal_backoff_time 30s
t_set maximal_backoff_time 60s
t_set dns_timeout 2s
t_set smtp_connection_cache_time_limit 10s
t_services smtp qmgr local smtp-out auth
echo pw | tmailctl user add alice@localhost --password-stdin >/dev/null 2>&1
P25=$((PB + 25))
SP=$((PB + 70))		# the sinks' port, on several loopback addresses
MAIL=$INST/mail/localhost

# 1. relayhost: three messages over one session, content intact.
sink relay 127.0.0.1 "$SP"
t_set relayhost "[127.0.0.1]:$SP"
t_start
printf 'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\nend\r\n' >"$T/dots.eml"
swaks --server 127.0.0.1:"$P25" --from alice@localhost --to far@remote.example \
	--data "$T/dots.eml" >"$T/swaks.out" 2>&1 || t_fail "swaks dots" "$(tail -n 5 "$T/swaks.out")"
settle
send alice@localhost two@remote.example second
settle
send alice@localhost three@remote.example third
settle
t_eq "$(arrived relay '^Subject: (dots|second|third)')" 3 "relayhost: three messages arrived at the sink"
f=$(grep -l '^Subject: dots' "$T/relay"/* | head -n 1)
t_file_has "$f" '^\.leading dot' "a leading dot arrives as one dot (stuffed, then unstuffed)"
t_file_has "$f" '^\.\.two dots' "two leading dots arrive as two"
t_file_has "$f" 'X-Rcpt-Args: <far@remote\.example>' "the envelope recipient reached the sink"
t_file_has "$INST/log/maillog" 'to=<far@remote\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:'"$SP"', .*status=sent' \
	"smtp-out logs the delivery, Postfix-like"
t_eq "$(connects "$SP")" 1 "three messages, one connection to the relay host"
t_eq "$(grep -c 'reusing the session with 127\.0\.0\.1' "$INST/log/maillog")" 2 \
	"the kept session carried the second and third"

# 2. The peer down: deferred, dead, then flushed.
kill "$SINK_PID"
sleep 2		# the kept session ends with the sink
send alice@localhost down1@remote.example down1
settle
list=$(tmailctl queue list 2>&1)
t_match "$list" "down1@remote\.example +\(4\.4\.1 connect to 127\.0\.0\.1\[127\.0\.0\.1\]:$SP: Connection refused\)  next try [0-9-]+ [0-9:]+ [+-][0-9]+ \(in [0-9]+ seconds\)" \
	"queue list: the deferred recipient, the reason and the next attempt"
t_file_has "$INST/log/maillog" "destination \[127\.0\.0\.1\]:$SP is dead" "the destination is marked dead"
before=$(connects "$SP")
send alice@localhost down2@remote.example down2
settle
t_eq "$(connects "$SP")" "$before" "a dead destination: the next message makes no connection"
t_match "$(tmailctl queue list 2>&1)" "down2@remote\.example +\(4\.4\.1 delivery temporarily suspended" \
	"...and is deferred with the reason"
sink relay 127.0.0.1 "$SP"
tmailctl queue flush other.example >/dev/null 2>&1
sleep 2
t_eq "$(arrived relay '^Subject: down[12]')" 0 "queue flush of another domain leaves them waiting"
tmailctl queue flush remote.example >/dev/null 2>&1
t_wait 20 sh -c "[ \$(grep -lE '^Subject: down[12]' '$T/relay'/* 2>/dev/null | wc -l) = 2 ]" &&
	t_pass "after the peer is back, queue flush remote.example delivers both" ||
	t_fail "after the peer is back, queue flush remote.example delivers both" "$(tmailctl queue list 2>&1)"
settle

# 3. Mail to myself: a relayhost that is this instance's own smtpd.
a=$(t_count_new alice)
sed -i '/^relayhost/d' "$INST/main.conf"
t_set relayhost "[127.0.0.1]:$P25"
tmailctl reload >/dev/null 2>&1
sleep 1
send alice@localhost loop@remote.example loop
t_wait_new alice $((a + 1))
t_file_has "$(t_newest alice)" '^Status: 5\.4\.6$' "a relayhost that is myself: bounced, 5.4.6"
t_file_has "$(t_newest alice)" 'loops back to myself' "...saying it loops"
settle

# 4. Routing by MX through the loopback DNS server.
cat >"$T/zone" <<'ZONE'
mx.example          MX    10 mx1.mx.example
mx.example          MX    20 mx2.mx.example
mx1.mx.example      A     127.0.0.2
mx2.mx.example      A     127.0.0.3
a.example           A     127.0.0.3
null.example        MX    0 .
eight.example       A     127.0.0.4
ZONE
python3 "$TOP/tests/integration/dnsd.py" "$T/zone" "$T/dns.port" "$T/dns.log" 127.0.0.1 \
	>"$T/dns.err" 2>&1 &
PIDS="$PIDS $!"
t_wait 10 test -s "$T/dns.port" || t_fail "dnsd.py starts" "$(cat "$T/dns.err")"
sed -i '/^relayhost/d; /^dns_nameservers/d' "$INST/main.conf"
t_set dns_nameservers "127.0.0.1:$(cat "$T/dns.port")"
t_set smtp_tcp_port "$SP"
tmailctl reload >/dev/null 2>&1
sleep 1
sink mx2 127.0.0.3 "$SP"
send alice@localhost u@mx.example by-mx
settle
t_eq "$(arrived mx2 '^Subject: by-mx')" 1 "MX: the second MX took it"
t_file_has "$INST/log/maillog" "connect to mx1\.mx\.example\[127\.0\.0\.2\]:$SP: Connection refused" \
	"MX: the best MX was tried first"
send alice@localhost u@a.example by-a
settle
t_eq "$(arrived mx2 '^Subject: by-a')" 1 "no MX: the domain's own address"
a=$(t_count_new alice)
send alice@localhost u@null.example null
t_wait_new alice $((a + 1))
f=$(t_newest alice)
t_file_has "$f" '^Status: 5\.1\.10$' "null MX: bounced at once with 5.1.10"
t_file_has "$f" '^Final-Recipient: rfc822; u@null\.example$' "...the bounce names the recipient"
settle
a=$(t_count_new alice)
send alice@localhost u@nxdomain.example nx
t_wait_new alice $((a + 1))
t_file_has "$(t_newest alice)" '^Status: 5\.1\.2$' "NXDOMAIN: bounced with 5.1.2"
settle

# 5. 8-bit to a peer without 8BITMIME: converted, intact.
sink eight 127.0.0.4 "$SP" -8
printf 'Subject: eight\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\ngr\303\274\303\237e aus K\303\266ln\r\n' >"$T/eight.eml"
# swaks has no BODY=8BITMIME: Python's smtplib sends it.
python3 - "$P25" "$T/eight.eml" >"$T/py.out" 2>&1 <<'PY' || t_fail "smtplib sends 8-bit mail" "$(cat "$T/py.out")"
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as c:
    c.ehlo('client.example')
    c.sendmail('alice@localhost', ['u@eight.example'], open(sys.argv[2], 'rb').read(),
               mail_options=['BODY=8BITMIME'])
PY
settle
f=$(grep -l '^Subject: eight' "$T/eight"/* 2>/dev/null | head -n 1)
t_file_has "$f" '^Content-Transfer-Encoding: quoted-printable' "8-bit to a peer without 8BITMIME: quoted-printable"
if [ -n "$f" ]; then
	body=$(python3 -c 'import sys,email,email.policy
m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default)
sys.stdout.write(m.get_content())' "$f")
	t_match "$body" 'grüße aus Köln' "...which decodes to the original text"
	t_nomatch "$(LC_ALL=C grep -c $'[\x80-\xff]' "$f")" '^[1-9]' "...and no 8-bit octet reached the peer"
else
	t_fail "the 8-bit message arrived"
fi
t_nomatch "$(grep 'X-Mail-Args' "$f" 2>/dev/null)" 'BODY=8BITMIME' "...and MAIL had no BODY=8BITMIME"

# 6. NOTIFY=SUCCESS (RFC 3461 §6.2): passed on to a server that offers
# DSN, which then reports, so tern sends no notice; to one that does not,
# tern's notice says "relayed".  Routes by transport map (section 2 of
# transport(5): an entry for the domain beats MX).
t_peer dsnpeer 0 --ext "PIPELINING 8BITMIME DSN ENHANCEDSTATUSCODES" || t_done
DSN_PORT=$PEER_PORT
t_peer plainpeer 0 --ext "PIPELINING 8BITMIME ENHANCEDSTATUSCODES" || t_done
tmailctl transport add dsn.example "smtp:[127.0.0.1]:$DSN_PORT" >/dev/null 2>&1
tmailctl transport add nodsn.example "smtp:[127.0.0.1]:$PEER_PORT" >/dev/null 2>&1
notify() {
	python3 - "$P25" "$1" <<'PY' >"$T/py.out" 2>&1 || t_fail "smtplib NOTIFY=SUCCESS to $1" "$(cat "$T/py.out")"
import smtplib, sys
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as c:
    c.ehlo('client.example')
    c.sendmail('alice@localhost', [sys.argv[2]],
               b'Subject: notify\r\n\r\nplease tell me\r\n',
               mail_options=['RET=HDRS', 'ENVID=env+2Bid'],
               rcpt_options=['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;orig+2Bx@dsn.example'])
PY
}
a=$(t_count_new alice)
notify u@dsn.example
t_peer_wait 30 dsnpeer message >/dev/null || t_fail "the DSN peer got the message"
t_match "$(t_peer_q dsnpeer rcpt params)" 'NOTIFY.*SUCCESS,FAILURE' "NOTIFY passed to a peer that offers DSN"
t_match "$(t_peer_q dsnpeer rcpt params)" 'ORCPT.*rfc822;orig\+2Bx@dsn\.example' "...and ORCPT, xtext-encoded"
t_match "$(t_peer_q dsnpeer mail params)" 'RET.*HDRS' "...and RET"
t_match "$(t_peer_q dsnpeer mail params)" 'ENVID.*env\+2Bid' "...and ENVID, xtext-encoded"
notify u@nodsn.example
t_peer_wait 30 plainpeer message >/dev/null || t_fail "the plain peer got the message"
t_nomatch "$(t_peer_q plainpeer rcpt params)" 'NOTIFY' "no NOTIFY to a peer without DSN"
t_wait_new alice $((a + 1))
settle
t_eq "$(grep -l '^Action: relayed' "$MAIL"/alice/new/* 2>/dev/null | xargs -r grep -l 'u@nodsn\.example' | wc -l)" 1 \
	"a peer without DSN: tern's success notice says relayed"
t_eq "$(grep -l '^Action: ' "$MAIL"/alice/new/* 2>/dev/null | xargs -r grep -l 'u@dsn\.example' | wc -l)" 0 \
	"a peer with DSN: no notice from tern (the peer reports)"

t_done
