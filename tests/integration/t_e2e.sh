#!/bin/bash
# t_e2e.sh - end to end through the suite as `mailctl init` makes it (smtp,
# submission, smtps, submit, auth, qmgr, local): real clients (swaks,
# python smtplib, a raw BDAT client, mailctl send and the sendmail name as
# a non-root user) and assertions on what lands in the Maildirs.
#
# Each delivered file must be the message as sent (LF line ends) behind
# exactly three added fields: Return-Path, Delivered-To and one Received.
# Covered: one user, many users in one transaction, an alias list,
# user+tag, mixed case, dot-leading lines, 8-bit text with BODY=8BITMIME,
# lines of 998 and 5000 octets, a 30 MB message (10 MB under TERN_SAN),
# PIPELINING, BDAT, local submission with the uid in Received, 550 at RCPT
# for an unknown user, the bounce for an undeliverable alias target, and
# RFC 3461 success notices (NOTIFY=SUCCESS; none for NEVER or no NOTIFY).
# The load test is t_load.sh, the durability-by-order test t_durability.sh.
T_DEFAULT_SERVICES=1
. "$(dirname "$0")/lib.sh"

SMTPC="python3 $TOP/tests/integration/smtpc.py"
E2E="python3 $TOP/tests/integration/e2ec.py"

t_instance
P25=$((PB + 25))
MAIL=$INST/mail/localhost
QDIR=$INST/queue
for u in alice bob carol dave a b; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1 ||
		t_fail "user $u added"
done
tmailctl alias add team a@localhost b@localhost >/dev/null 2>&1 || t_fail "alias team added"
tmailctl alias add broken bob@localhost ghost@localhost >/dev/null 2>&1 ||
	t_fail "alias broken added"
t_start
t_wait 10 sh -c "ss -Htln 'sport = :$P25' | grep -q ." || t_fail "smtp listens on $P25"
ORIGIN=$(tmailctl config myorigin 2>/dev/null | sed 's/^myorigin = //')

# found USER SUBJECT: USER's delivered files whose Subject is SUBJECT.
found() { grep -lx -- "Subject: $2" "$MAIL/$1"/new/* 2>/dev/null; }
nfound() { found "$1" "$2" | wc -l; }
# wait_for USER SUBJECT [SECONDS]: until one such file is there.
wait_for() { t_wait "${3:-30}" sh -c "grep -qlx -- 'Subject: $2' '$MAIL/$1'/new/* 2>/dev/null"; }

# exact USER SUBJECT SENDER DELIVERED-TO SENT-FILE LABEL: USER got one
# copy, and it is SENT-FILE behind Return-Path, Delivered-To and Received.
exact() {
	local f n
	if ! wait_for "$1" "$2" 60; then
		t_fail "$6: delivered to $1" "nothing with Subject: $2 in $MAIL/$1/new"
		return
	fi
	n=$(nfound "$1" "$2")
	if [ "$n" != 1 ]; then
		t_fail "$6: one copy for $1" "$n copies"
		return
	fi
	f=$(found "$1" "$2")
	t_eq "$(sed -n 1p "$f")|$(sed -n 2p "$f")" "Return-Path: <$3>|Delivered-To: $4" \
		"$6: Return-Path and Delivered-To for $1"
	t_match "$(sed -n 3p "$f")" '^Received: from ' "$6: then the Received field"
	tail -n +3 "$f" | $SMTPC strip-received > "$T/got"
	if cmp -s "$T/got" "$5"; then
		t_pass "$6: $1's copy is the sent message byte for byte"
	else
		t_fail "$6: $1's copy is the sent message byte for byte" \
			"$(cmp "$T/got" "$5" 2>&1; diff <(head -c 2000 "$T/got") <(head -c 2000 "$5") | head -n 10)"
	fi
}

# ---- swaks: one user --------------------------------------------------------
# swaks ends the data with CRLF.CRLF itself, so its file has no final LF;
# what is delivered is the file plus that line end.
printf 'From: alice@localhost\nTo: bob@localhost\nSubject: e2e-one\n\nhello bob\n.one dot\n..two dots\n.\nlast line' > "$T/one.swaks"
{ cat "$T/one.swaks"; echo; } > "$T/one"
out=$(swaks --server 127.0.0.1:"$P25" --from alice@localhost --to bob@localhost \
	--data @"$T/one.swaks" 2>&1)
t_match "$out" '<-  250 2\.0\.0 Ok: queued as [0-9A-F]+' "swaks: 250 queued"
exact bob e2e-one alice@localhost bob@localhost "$T/one" "swaks, one user"

# ---- smtplib: many users in one transaction, 8-bit, dots, long lines ---------
python3 - "$T/many" <<'EOF'
import sys
body = (b"From: alice@localhost\nTo: bob@localhost, carol@localhost, dave@localhost\n"
        b"Subject: e2e-many\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: 8bit\n\n"
        b".leading dot\n..two dots\n.\n...\n. space\n"
        b"8-bit: gr\xc3\xbc\xc3\x9fe, \xe6\x97\xa5\xe6\x9c\xac, \xff\xfe raw octets\n"
        b"tab\there\n" + b"x" * 998 + b"\n" + b"y" * 5000 + b"\n"
        b"." + b"z" * 997 + b"\n\n\nlast line\n")
open(sys.argv[1], 'wb').write(body)
EOF
out=$($E2E send "$P25" alice@localhost bob@localhost,carol@localhost,dave@localhost \
	"$T/many" BODY=8BITMIME 2>&1)
t_eq "$out" sent "smtplib: three recipients, BODY=8BITMIME, 998/5000-octet lines accepted"
for u in bob carol dave; do
	exact "$u" e2e-many alice@localhost "$u@localhost" "$T/many" "smtplib, many users"
done
f=$(found bob e2e-many)
t_match "$(sed -n 4p "$f")" "^	by .* with ESMTP id [0-9A-F]+; " \
	"several recipients: no 'for' clause in Received"

# ---- alias list ---------------------------------------------------------------
printf 'From: alice@localhost\nTo: team@localhost\nSubject: e2e-team\n\nto the team\n' > "$T/team"
head -c -1 "$T/team" > "$T/team.swaks"
swaks --server 127.0.0.1:"$P25" --from alice@localhost --to team@localhost \
	--data @"$T/team.swaks" >"$T/swaks.out" 2>&1
t_file_has "$T/swaks.out" '<-  250 2\.0\.0 Ok: queued' "swaks to the alias team: 250"
exact a e2e-team alice@localhost a@localhost "$T/team" "alias list"
exact b e2e-team alice@localhost b@localhost "$T/team" "alias list"
t_file_has "$INST/log/maillog" 'to=<a@localhost>, orig_to=<team@localhost>, relay=local, .*status=sent' \
	"alias delivery logged with orig_to"

# ---- user+tag and mixed case ------------------------------------------------------
printf 'From: alice@localhost\nSubject: e2e-tag\n\ntagged\n' > "$T/tag"
out=$($E2E send "$P25" alice@localhost bob+news@localhost "$T/tag" 2>&1)
t_eq "$out" sent "smtplib to bob+news@localhost"
exact bob e2e-tag alice@localhost bob+news@localhost "$T/tag" "user+tag"
printf 'From: alice@localhost\nSubject: e2e-case\n\nmixed case\n' > "$T/case"
head -c -1 "$T/case" > "$T/case.swaks"
swaks --server 127.0.0.1:"$P25" --from alice@localhost --to BoB@LocalHost \
	--data @"$T/case.swaks" >"$T/swaks.out" 2>&1
t_file_has "$T/swaks.out" '<-  250 2\.1\.5' "swaks: RCPT TO:<BoB@LocalHost> accepted"
exact bob e2e-case alice@localhost bob@localhost "$T/case" "mixed case"
t_eq "$(find "$INST/mail" -mindepth 2 -maxdepth 2 -name '*[A-Z]*' | wc -l)" 0 \
	"no mixed-case mailbox directory"

# ---- PIPELINING (swaks --pipeline; swaks's --pipe is a transport) -------------------
printf 'From: alice@localhost\nSubject: e2e-pipe\n\n.pipelined\nbody\n' > "$T/pipe"
head -c -1 "$T/pipe" > "$T/pipe.swaks"
swaks --server 127.0.0.1:"$P25" --pipeline --from alice@localhost \
	--to bob@localhost,carol@localhost --data @"$T/pipe.swaks" >"$T/swaks.out" 2>&1
# With pipelining, MAIL, both RCPTs and DATA go out before the first reply.
seq=$(grep -E '^( -> (MAIL|RCPT|DATA)|<-  (250 2|354))' "$T/swaks.out" | head -n 8 | cut -c1-9 | tr '\n' '|')
t_eq "$seq" " -> MAIL | -> RCPT | -> RCPT | -> DATA|<-  250 2|<-  250 2|<-  250 2|<-  354 E|" \
	"swaks pipelined MAIL, RCPT, RCPT, DATA before reading the replies"
exact bob e2e-pipe alice@localhost bob@localhost "$T/pipe" "PIPELINING"
exact carol e2e-pipe alice@localhost carol@localhost "$T/pipe" "PIPELINING"

# ---- BDAT ----------------------------------------------------------------------------
t_match "$(printf 'EHLO c\r\nQUIT\r\n' | $SMTPC raw "$P25")" '^250-CHUNKING' "EHLO advertises CHUNKING"
# BDAT content is never dot-stuffed: a lone "." and "..x" are content.
printf 'From: alice@localhost\nSubject: e2e-bdat\n\nchunked\n.\n..two\n\x80 8-bit\nend\n' > "$T/bdat"
out=$($SMTPC bdat "$P25" alice@localhost carol@localhost "$T/bdat" 7)
t_eq "$(echo "$out" | grep -c '^250 2\.0\.0 ')" "$(( ($(wc -c < "$T/bdat") + $(wc -l < "$T/bdat") + 6) / 7 ))" \
	"every BDAT chunk of 7 octets answered 250"
t_match "$out" '^250 2\.0\.0 Ok: queued as ' "BDAT LAST: queued"
exact carol e2e-bdat alice@localhost carol@localhost "$T/bdat" "BDAT"

# ---- a big message --------------------------------------------------------------------
if [ "${TERN_SAN:-}" = 1 ]; then MB=10; else MB=30; fi
$E2E big "$T/big" "$MB"
out=$($E2E send "$P25" alice@localhost bob@localhost "$T/big" BODY=8BITMIME 2>&1)
t_eq "$out" sent "smtplib: a $MB MB message accepted"
wait_for bob big 120 || t_fail "the $MB MB message delivered within 120 s"
exact bob big alice@localhost bob@localhost "$T/big" "$MB MB message"

# ---- local submission as a non-root user -------------------------------------------------
if t_is_root; then
	RUN="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	SUID=$(id -u nobody)
	SUSER=nobody
else
	RUN=
	SUID=$(id -u)
	SUSER=$(id -un)
fi
# From, Date and Message-ID present: nothing is added to the content.
printf 'From: Someone <%s@%s>\nTo: dave@localhost\nDate: Mon, 2 Nov 2026 10:00:00 +0000\nMessage-ID: <e2e-send@test>\nSubject: e2e-send\n\nvia mailctl send\n.dot line\n8-bit \xc3\xa9\n' \
	"$SUSER" "$ORIGIN" > "$T/send"
$RUN "$TERN_BIN/mailctl" -c "$INST" send dave@localhost < "$T/send" >"$T/send.out" 2>&1
t_eq "$?" 0 "mailctl send as $SUSER exits 0"
exact dave e2e-send "$SUSER@$ORIGIN" dave@localhost "$T/send" "mailctl send"
f=$(found dave e2e-send)
t_match "$(sed -n 4p "$f")" "^	by .*\(tern, from userid $SUID\) with " "Received names the submitting uid $SUID"

ln -s "$TERN_BIN/mailctl" "$T/sendmail"
printf 'From: %s@%s\nTo: bob@localhost\nCc: carol@localhost\nBcc: alice@localhost\nDate: Mon, 2 Nov 2026 10:00:00 +0000\nMessage-ID: <e2e-sendmail@test>\nSubject: e2e-sendmail\n\nvia sendmail -t\n.\nafter a lone dot (-i)\n' \
	"$SUSER" "$ORIGIN" > "$T/sm.in"
grep -v '^Bcc: ' "$T/sm.in" > "$T/sm"
TERN_CONFIG=$INST $RUN "$T/sendmail" -t -i < "$T/sm.in" >"$T/sm.out" 2>&1
t_eq "$?" 0 "sendmail -t -i as $SUSER exits 0"
for u in bob carol alice; do
	exact "$u" e2e-sendmail "$SUSER@$ORIGIN" "$u@localhost" "$T/sm" "sendmail -t"
done
f=$(found alice e2e-sendmail)
t_match "$(sed -n 4p "$f")" "\(tern, from userid $SUID\)" "sendmail: Received names uid $SUID"

# ---- refusals and bounces ----------------------------------------------------------------
out=$(swaks --server 127.0.0.1:"$P25" --from alice@localhost --to nosuch@localhost 2>&1)
t_match "$out" '<\*\* +550 5\.1\.1 ' "unknown user: 550 5.1.1 at RCPT (swaks)"
printf 'From: alice@localhost\nSubject: e2e-mixed\n\nsome get it\n' > "$T/mixed"
out=$($E2E send "$P25" alice@localhost nosuch@localhost,carol@localhost "$T/mixed" 2>&1)
t_eq "$out" "sent
refused nosuch@localhost 550" "smtplib: the unknown user refused with 550, the other taken"
exact carol e2e-mixed alice@localhost carol@localhost "$T/mixed" "one recipient refused"

a0=$(ls "$MAIL/alice/new" | wc -l)
printf 'From: alice@localhost\nSubject: e2e-broken\nMessage-ID: <e2e-broken@test>\n\nto an alias with a bad target\n' > "$T/broken"
head -c -1 "$T/broken" > "$T/broken.swaks"
swaks --server 127.0.0.1:"$P25" --from alice@localhost --to broken@localhost \
	--data @"$T/broken.swaks" >"$T/swaks.out" 2>&1
t_file_has "$T/swaks.out" '<-  250 2\.0\.0 Ok: queued' "alias with a bad target: accepted at RCPT"
exact bob e2e-broken alice@localhost bob@localhost "$T/broken" "alias with a bad target, good part"
if t_wait 30 sh -c "grep -l '^Final-Recipient: rfc822; ghost@localhost' '$MAIL'/alice/new/* 2>/dev/null | grep -q ."; then
	b=$(grep -l '^Final-Recipient: rfc822; ghost@localhost' "$MAIL"/alice/new/*)
	t_eq "$(echo "$b" | wc -l)" 1 "one bounce for the bad alias target reaches the sender's Maildir"
	t_file_has "$b" '^Return-Path: <>$' "bounce: null sender"
	t_file_has "$b" '^Delivered-To: alice@localhost$' "bounce: delivered to alice"
	t_file_has "$b" '^Content-Type: multipart/report; report-type=delivery-status' "bounce: multipart/report"
	t_file_has "$b" '^Original-Recipient: rfc822; broken@localhost$' "bounce: names the alias"
	t_file_has "$b" '^Action: failed$' "bounce: Action: failed"
	t_file_has "$b" '^Status: 5\.[0-9]+\.[0-9]+$' "bounce: a 5.x.x status"
	t_file_has "$b" '^Message-ID: <e2e-broken@test>$' "bounce: returns the original header"
	t_nomatch "$(grep -h '^Final-Recipient' "$b")" 'bob@' "bounce: does not name the delivered target"
else
	t_fail "a bounce for the bad alias target reaches the sender's Maildir" \
		"$(ls "$MAIL/alice/new" | wc -l) files (was $a0); $(grep ghost "$INST/log/maillog" | tail -n 3)"
fi

# ---- RFC 3461 success notices (swaks has no DSN options: smtplib) ---------------------
# dsn_send SUBJECT MAILOPTS RCPTOPTS: alice -> bob, options space-separated.
dsn_send() {
	printf 'From: alice@localhost\nSubject: %s\nMessage-ID: <%s@test>\n\nsecret dsn body\n' \
		"$1" "$1" > "$T/$1"
	python3 - "$P25" "$T/$1" "$2" "$3" <<'EOF'
import smtplib, sys
port, path, mopts, ropts = sys.argv[1:5]
data = open(path, 'rb').read().replace(b'\n', b'\r\n')
c = smtplib.SMTP('127.0.0.1', int(port), timeout=60)
c.ehlo('e2e.example')
assert c.has_extn('dsn'), 'no DSN in the EHLO reply'
c.sendmail('alice@localhost', ['bob@localhost'], data,
           mail_options=mopts.split(), rcpt_options=ropts.split())
c.quit()
EOF
}
delivered_notices() { grep -l '^Action: delivered$' "$MAIL"/alice/new/* 2>/dev/null; }
dsn_send e2e-dsn-never "" "NOTIFY=NEVER" || t_fail "smtplib: NOTIFY=NEVER accepted"
dsn_send e2e-dsn-default "" "" || t_fail "smtplib: no NOTIFY accepted"
wait_for bob e2e-dsn-never && wait_for bob e2e-dsn-default ||
	t_fail "NOTIFY=NEVER and no NOTIFY: delivered to bob"
dsn_send e2e-dsn-success "RET=FULL ENVID=e2e-env-7" "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob@Example.org" ||
	t_fail "smtplib: NOTIFY=SUCCESS accepted"
exact bob e2e-dsn-success alice@localhost bob@localhost "$T/e2e-dsn-success" "NOTIFY=SUCCESS"
if t_wait 30 sh -c "grep -l '^Action: delivered$' '$MAIL'/alice/new/* 2>/dev/null | grep -q ."; then
	sleep 1
	b=$(delivered_notices)
	t_eq "$(echo "$b" | wc -l)" 1 "one success notice, for NOTIFY=SUCCESS only (none for NEVER or no NOTIFY)"
	b=$(echo "$b" | head -n 1)
	t_file_has "$b" '^Return-Path: <>$' "success notice: null sender"
	t_file_has "$b" '^Content-Type: multipart/report; report-type=delivery-status' "success notice: multipart/report"
	t_file_has "$b" '^Content-Type: message/delivery-status$' "success notice: a delivery-status part"
	t_file_has "$b" '^Status: 2\.0\.0$' "success notice: Status: 2.0.0"
	t_file_has "$b" '^Final-Recipient: rfc822; bob@localhost$' "success notice: Final-Recipient"
	t_file_has "$b" '^Original-Recipient: rfc822;Bob@Example.org$' "success notice: ORCPT as Original-Recipient"
	t_file_has "$b" '^Original-Envelope-Id: e2e-env-7$' "success notice: ENVID as Original-Envelope-Id"
	t_file_has "$b" '^Arrival-Date: ' "success notice: Arrival-Date"
	t_file_has "$b" '^Reporting-MTA: dns; ' "success notice: Reporting-MTA"
	t_file_has "$b" '^Content-Type: text/rfc822-headers$' "success notice: the header only, even with RET=FULL"
	t_file_has "$b" '^Message-ID: <e2e-dsn-success@test>$' "success notice: about the right message"
	t_eq "$(grep -c '^secret dsn body$' "$b")" 0 "success notice: no body"
else
	t_fail "a success notice reaches the sender's Maildir" \
		"$(grep -i 'success\|dsn' "$INST/log/maillog" | tail -n 3)"
fi
t_eq "$(grep -l -e '<e2e-dsn-never@test>' -e '<e2e-dsn-default@test>' "$MAIL"/alice/new/* 2>/dev/null | wc -l)" 0 \
	"no notice at all for NOTIFY=NEVER or no NOTIFY"

# ---- the end: nothing left, nothing twice ------------------------------------------------------
t_wait 30 t_queue_empty && t_pass "queue empty at the end" ||
	t_fail "queue empty at the end" "$(tmailctl queue list 2>&1 | head)"
t_match "$(tmailctl queue list 2>&1)" '^Mail queue is empty$' "mailctl queue list: empty"
sleep 1
dups=$(for d in "$MAIL"/*/new; do grep -h '^Subject: ' "$d"/* 2>/dev/null | sort | uniq -d |
	sed "s|^|$(basename "$(dirname "$d")"): |"; done)
t_eq "$dups" "" "no mailbox got a message twice"
t_eq "$(find "$MAIL"/*/tmp -type f | wc -l)" 0 "no Maildir tmp/ file left"
t_eq "$(find "$QDIR/tmp" -type f | wc -l)" 0 "no queue tmp/ file left"
t_nomatch "$(t_maillog)" '(panic|fatal):' "no panic or fatal in the log"

t_done
