#!/bin/bash
# t_smtpd_data.sh - what smtpd(8) writes into queue files: content byte for
# byte (dot-stuffing undone, CRLF -> LF, 8-bit text, long lines), the
# Received field, BDAT chunks, the SMTP smuggling probes, the hop limit,
# the line length limit, SMTPUTF8, and a chrooted service.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd_lib.sh"

smtpd_instance
t_start

DATE_RE='[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}'
HOST=$(tmailctl config myhostname 2>/dev/null | sed 's/.* = //')

# ---- content byte for byte ----------------------------------------------

python3 - "$T/msg1" <<'EOF'
import sys
body = (b"From: x@b.example\nTo: a@localhost\nSubject: content\n\n"
        b".leading dot\n..two dots\n.\n...\n"
        b"8-bit: gr\xc3\xbc\xc3\x9fe, \xe6\x97\xa5\xe6\x9c\xac\n"
        b"tab\there\n" + b"x" * 998 + b"\n" + b"y" * 5000 + b"\n"
        b"\n\nlast line\n")
open(sys.argv[1], 'wb').write(body)
EOF
n0=$(qcount)
out=$($SMTPC send "$P25" x@b.example a@localhost "$T/msg1")
t_eq "$out" sent "smtplib: message with dot lines, 8-bit, 998/5000-octet lines"
t_eq "$(qcount)" $((n0 + 1)) "one new queue file"
id=$(qlast)
content "$Q/$id" > "$T/got1"
$SMTPC strip-received < "$T/got1" > "$T/body1"
if cmp -s "$T/body1" "$T/msg1"; then t_pass "stored content equals the sent message byte for byte"
else t_fail "stored content equals the sent message byte for byte" "$(cmp "$T/body1" "$T/msg1" 2>&1)"; fi
t_eq "$(head -n 1 "$T/got1")" "Received: from client.example (unknown [127.0.0.1])" "Received: from HELO (unknown [addr])"
t_eq "$(sed -n 2p "$T/got1")" "	by $HOST (tern) with ESMTP id $id" "Received: by host (tern) with ESMTP id ID"
t_match "$(sed -n 3p "$T/got1")" "^	for <a@localhost>; $DATE_RE\$" "Received: for <rcpt>; RFC 5322 date"
t_eq "$(grep -c $'\r' "$T/got1")" 0 "no CR in the stored message (LF line ends)"
t_nomatch "$(envelope "$Q/$id")" '^(auth_user|tls|submit_uid)=' "no TLS, AUTH or uid facts for a plain session"

printf 'Subject: two\n\nbody\n' > "$T/msg2"
out=$(swaks --server 127.0.0.1:"$P25" --from x@b.example --to a@localhost,b@localhost --data @"$T/msg2" 2>&1)
id=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
content "$Q/$id" > "$T/got2"
t_match "$(sed -n 2p "$T/got2")" "^	by $HOST \\(tern\\) with ESMTP id $id; $DATE_RE\$" "two recipients: no 'for' in Received"
t_eq "$(envelope "$Q/$id" | grep -c '^rcpt=')" 2 "two rcpt entries in the envelope"

n0=$(qcount)
out=$(printf 'EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@localhost>\r\nDATA\r\n.\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^250 2\.0\.0 Ok: queued as' "empty message accepted"
id=$(qlast)
t_eq "$(content "$Q/$id" | $SMTPC strip-received | wc -c)" 0 "empty message: only the Received field stored"
t_match "$(envelope "$Q/$id")" '^sender=$' "null sender stored as empty"

# ---- SMTP smuggling: only CRLF.CRLF ends the data ---------------------------

n0=$(qcount)
out=$(printf 'EHLO c\r\nMAIL FROM:<x@b.example>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: smuggle\r\n\r\nline1\n.\nMAIL FROM:<evil@b.example>\r\nafter-lf\r.\r\nafter-cr\r\nx\r\n.\nRCPT TO:<evil@b.example>\r\n.\r\nQUIT\r\n' | raw "$P25")
t_eq "$(echo "$out" | grep -c 'queued as')" 1 "smuggling probe: one 250 queued"
t_nomatch "$out" '^(503|5[05]0) ' "nothing after a fake end was taken as a command"
t_eq "$(qcount)" $((n0 + 1)) "smuggling probe: one queue file"
id=$(qlast)
content "$Q/$id" | $SMTPC strip-received > "$T/smug"
printf 'Subject: smuggle\n\nline1\n.\nMAIL FROM:<evil@b.example>\nafter-lf\r.\nafter-cr\nx\n\nRCPT TO:<evil@b.example>\n' > "$T/smug.exp"
if cmp -s "$T/smug" "$T/smug.exp"; then t_pass "\\n.\\n, \\r.\\r\\n and \\r\\n.\\n stay content (bare CR kept)"
else t_fail "\\n.\\n, \\r.\\r\\n and \\r\\n.\\n stay content (bare CR kept)" "$(od -c "$T/smug" | head -20)"; fi

# ---- BDAT (RFC 3030) -------------------------------------------------------

python3 - "$T/msg3" <<'EOF'
import sys
lines = [b"Subject: chunks", b""] + [b"line %d %s" % (i, b"z" * (i % 37)) for i in range(300)]
lines += [b".dot line", b"8-bit \xc3\xa9t\xc3\xa9", b""]
open(sys.argv[1], 'wb').write(b"\n".join(lines))
EOF
for chunk in 7 100 100000; do
	n0=$(qcount)
	out=$($SMTPC bdat "$P25" x@b.example a@localhost "$T/msg3" "$chunk")
	[ "$chunk" = 7 ] && out7=$out
	t_match "$out" '^250 2\.0\.0 Ok: queued as' "BDAT in $chunk-octet chunks: queued"
	id=$(qlast)
	content "$Q/$id" | $SMTPC strip-received > "$T/bdat"
	if cmp -s "$T/bdat" "$T/msg3"; then t_pass "BDAT $chunk: CRLF -> LF, content exact (CR/LF split across chunks)"
	else t_fail "BDAT $chunk: CRLF -> LF, content exact" "$(cmp "$T/bdat" "$T/msg3" 2>&1)"; fi
done
t_match "$out7" '^250 2\.0\.0 Ok: 7 octets received' "BDAT chunk reply 250 2.0.0"

out=$(printf 'EHLO c\r\nBDAT 5\r\nHELOXRSET\r\nMAIL FROM:<x@b.example>\r\nBDAT 4\r\nRSETNOOP\r\nRCPT TO:<a@localhost>\r\nBDAT 3\r\nab\rDATA\r\nBDAT 5 LAST\r\nc\r\n\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^503 5\.5\.1 Error: need MAIL' "BDAT before MAIL 503, its chunk consumed"
t_match "$out" '^503 5\.5\.1 Error: need RCPT' "BDAT before RCPT 503, its chunk consumed"
t_match "$out" '^503 5\.5\.1 Error: DATA not allowed during BDAT' "DATA after BDAT in one transaction: 503"
t_eq "$(echo "$out" | grep -c '^250 2\.0\.0 Ok$')" 2 "RSET and NOOP after refused chunks run as commands"
t_match "$out" '^250 2\.0\.0 Ok: queued as' "BDAT LAST ends the message"
id=$(qlast)
t_eq "$(content "$Q/$id" | $SMTPC strip-received | od -An -c | tr -s ' ')" " a b \r c \n \n" "BDAT: bare CR kept, CRLF -> LF"

out=$(printf 'EHLO c\r\nMAIL FROM:<x@b.example>\r\nRCPT TO:<a@localhost>\r\nBDAT 0 LAST\r\nBDAT x\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^250 2\.0\.0 Ok: queued as' "BDAT 0 LAST: an empty message"
t_match "$out" '^501 5\.5\.4 Syntax: BDAT' "BDAT with a bad size 501"

# ---- hop limit, line length ----------------------------------------------

hops() {
	local i
	printf 'EHLO c\r\nMAIL FROM:<x@b.example>\r\nRCPT TO:<a@localhost>\r\nDATA\r\n'
	for i in $(seq 1 "$1"); do printf 'Received: from hop%d by x; Thu, 1 Jan 2026 00:00:00 +0000\r\n' "$i"; done
	printf 'Subject: hops\r\n\r\nbody\r\n.\r\nQUIT\r\n'
}
n0=$(qcount)
out=$(hops 50 | raw "$P25")
t_match "$out" '^250 2\.0\.0 Ok: queued' "50 Received fields accepted (hopcount_limit 50)"
out=$(hops 51 | raw "$P25")
t_match "$out" '^554 5\.4\.6 Error: too many hops' "51 Received fields: 554 5.4.6"
t_eq "$(qcount)" $((n0 + 1)) "nothing queued for the looping message"

long=$(head -c 20000 /dev/zero | tr '\0' 'w')
n0=$(qcount)
out=$(printf 'EHLO c\r\nMAIL FROM:<x@b.example>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: long\r\n\r\n%s\r\n.\r\nMAIL FROM:<x@b.example>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: ok\r\n\r\n%s\r\n.\r\nQUIT\r\n' "$long" "${long:0:9000}" | raw "$P26")
t_match "$out" '^552 5\.3\.4 Error: message has a line longer than 10000' "line over smtpd_max_line_length: 552 5.3.4 after the data"
t_match "$out" '^250 2\.0\.0 Ok: queued' "the session goes on: a 9000-octet line is accepted"
t_eq "$(qcount)" $((n0 + 1)) "only the second message queued"
id=$(qlast)
t_eq "$(content "$Q/$id" | $SMTPC strip-received | sed -n 3p | wc -c)" 9001 "the long line kept intact"
t_eq "$(ls "$INST/queue/tmp" | wc -l)" 0 "no temporary file left by refused messages"

# ---- SMTPUTF8 (RFC 6531) ---------------------------------------------------

out=$(printf 'EHLO c\r\nMAIL FROM:<grüße@b.example> SMTPUTF8\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: utf8\r\n\r\nx\r\n.\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^250 2\.0\.0 Ok: queued' "UTF-8 sender with SMTPUTF8 accepted"
id=$(qlast)
env=$(envelope "$Q/$id")
t_match "$env" '^smtputf8=yes$' "envelope: smtputf8"
t_match "$env" '^proto=UTF8SMTP$' "proto UTF8SMTP (RFC 6531 §3.7.3)"
t_match "$env" '^sender=grüße@b\.example$' "UTF-8 sender stored as sent"

# ---- a chrooted service ------------------------------------------------------

out=$(printf 'EHLO c\r\nMAIL FROM:<x@b.example>\r\nRCPT TO:<nobody@localhost>\r\nRCPT TO:<a@localhost>\r\nDATA\r\nSubject: chroot\r\n\r\nx\r\n.\r\nQUIT\r\n' | raw "$P28")
t_match "$out" '^550 5\.1\.1 <nobody@localhost>' "chrooted: user lookups reach auth"
t_match "$out" '^250 2\.0\.0 Ok: queued' "chrooted: message queued"
t_match "$(content "$Q/$(qlast)")" "^	for <a@localhost>; $DATE_RE\$" "chrooted: Received written with a date"
if t_is_root; then
	pid=$(pgrep -f "smtpd -c $INST -n chrooted " | head -n 1)
	if [ -n "$pid" ]; then
		t_eq "$(readlink "/proc/$pid/root")" "$INST/queue" "chrooted smtpd's root is the queue directory"
		t_eq "$(stat -c %U "/proc/$pid")" tern "smtpd runs as mail_owner"
		t_eq "$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")" 0000000000000000 "smtpd holds no capabilities"
	else
		t_fail "a chrooted smtpd process to inspect"
	fi
else
	t_skip "chroot, user and capabilities of smtpd (needs root)"
fi

t_done
