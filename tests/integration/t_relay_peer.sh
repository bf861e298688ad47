#!/bin/bash
# t_relay_peer.sh - smtp-out's mail transaction against smtppeer.py, the
# scriptable peer, through the front door (issue 13): mail submitted to
# tern's smtpd (Python's smtplib, which can send SMTPUTF8 and the DSN
# parameters) is routed by transport entries to peers on loopback ports
# with the extensions and replies each case needs; what the peer logged
# (its JSON log, its saved messages) and the bounces the sender got are
# what is checked.
#
# Checked: SIZE above the peer's limit bounced 5.3.4 before MAIL (no DATA
# or BDAT at the peer); SMTPUTF8 mail (a UTF-8 address or header field)
# bounced 5.6.7 by a peer without SMTPUTF8 (the bounce in RFC 6533's global
# form), all-ASCII mail sent with SMTPUTF8 delivered to it without,
# delivered with SMTPUTF8 on MAIL to a peer with it; RET, ENVID, NOTIFY
# and ORCPT passed to a peer that offers DSN, none of them to one that
# does not; a 550 for one of three
# recipients: one bounce naming it, two delivered in one transaction; a
# 451 then 250: deferred, then delivered after `queue flush`; CHUNKING:
# BDAT in chunks of smtp_bdat_chunk_size, the message at the peer (its
# logged sha256) exactly the CRLF form submitted, dot lines unstuffed;
# without CHUNKING: DATA, dot-stuffed, arriving intact; PIPELINING: MAIL,
# RCPT and DATA in one group when offered (a refused MAIL is followed by
# the RCPT and DATA already sent), and no pipelining violation at a peer
# that does not offer it; every session ends with QUIT.
. "$(dirname "$0")/lib.sh"

# pysend FROM TO[,TO...] FILE [MAIL-OPTIONS [RCPT-OPTIONS]]: submit FILE
# (sent as it is, smtplib dot-stuffs) to A's smtpd; options space separated.
cat >"$T/send.py" <<'PY'
import smtplib, sys
port, frm, tos, path = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(','), sys.argv[4]
mopts = sys.argv[5].split() if len(sys.argv) > 5 else []
ropts = sys.argv[6].split() if len(sys.argv) > 6 else []
with smtplib.SMTP('127.0.0.1', port, local_hostname='client.example') as c:
    refused = c.sendmail(frm, tos, open(path, 'rb').read(), mail_options=mopts,
                         rcpt_options=ropts)
    print('refused', refused) if refused else None
PY
pysend() {
	timeout 30 python3 "$T/send.py" "$P25" "$@" >"$T/send.out" 2>&1 ||
		t_fail "smtplib submits to $2" "$(tail -n 5 "$T/send.out")"
}
# msg FILE SUBJECT [BODY-LINES...]: a message with CRLF line ends.
msg() {
	local f=$1 s=$2
	shift 2
	{ printf 'From: alice@localhost\r\nTo: someone\r\nSubject: %s\r\n' "$s"
	  printf 'Date: Mon, 07 Dec 2026 12:00:00 +0000\r\nMessage-ID: <%s@client.example>\r\n\r\n' "$s"
	  for l in "$@"; do printf '%s\r\n' "$l"; done; } >"$f"
}
settle() { sleep 0.3; t_wait 30 t_queue_idle; }
# bounce_for RE: the bounce naming a recipient that matches RE, as text
# with its parts decoded (mail_text.py: a global report's parts are
# base64), in a file of its own; waits up to 15 s.
bounce_for() {
	local f n=0
	for _ in $(seq 1 150); do
		for f in "$MAIL/alice/new"/*; do
			[ -f "$f" ] || continue
			n=$((n + 1))
			python3 "$TOP/tests/integration/mail_text.py" "$f" >"$T/bounce.txt" 2>/dev/null &&
				grep -qE "^Final-Recipient: .*$1" "$T/bounce.txt" &&
				{ mv "$T/bounce.txt" "$T/bounce.$n.txt"; echo "$T/bounce.$n.txt"; return 0; }
		done
		sleep 0.1
	done
	return 1
}
qline() { tmailctl queue list 2>&1 | grep -F "$1"; }
# route DOMAIN PORT: the domain's mail to the peer on PORT.
route() { tmailctl transport add "$1" "smtp:[127.0.0.1]:$2" >>"$T/tr.out" 2>&1 || t_fail "transport $1" "$(cat "$T/tr.out")"; }

# Three peers (each costs a Python start): "full" offers every extension
# and refuses bad@ (550) and later@ (451, once); "lim" offers only SIZE
# (4000), 8BITMIME and ENHANCEDSTATUSCODES: no PIPELINING, CHUNKING, DSN
# or SMTPUTF8; "pipe" offers PIPELINING and refuses the first MAIL.  They
# start first: they take ephemeral ports, and the instance's ports stay
# free between their check and t_start.
t_peer full 0 --ext "PIPELINING SIZE 8BITMIME SMTPUTF8 DSN CHUNKING ENHANCEDSTATUSCODES" \
	--reply 'RCPT:bad@=550 5.1.1 no such user here' \
	--reply 'RCPT:later@=451 4.3.0 try again later@1' || t_done
PFULL=$PEER_PORT
t_peer lim 0 --ext "SIZE=4000 8BITMIME ENHANCEDSTATUSCODES" || t_done
PLIM=$PEER_PORT
t_peer pipe 0 --ext "PIPELINING SIZE 8BITMIME ENHANCEDSTATUSCODES" \
	--reply 'MAIL=550 5.7.1 not from you@1' || t_done
PPIPE=$PEER_PORT

t_instance
P25=$((PB + 25))
MAIL=$INST/mail/localhost
t_set queue_run_delay 1s
t_set minimal_backoff_time 60s
t_set maximal_backoff_time 120s
t_set smtp_connection_cache_time_limit 1s
t_set smtp_bdat_chunk_size 1k
t_services smtp qmgr local smtp-out auth
for d in utf8 dsn three later chunk; do route $d.example "$PFULL"; done
for d in size noutf8 nodsn data; do route $d.example "$PLIM"; done
route pipe.example "$PPIPE"
echo pw | tmailctl user add alice@localhost --password-stdin >/dev/null 2>&1
t_start

# 1. SIZE: 7000 octets to a peer that takes 4000.  (First at "lim", so
# that its log has no MAIL at all yet.)
body=()
for i in $(seq 1 95); do body+=("line $i of a message that is larger than the peer's SIZE limit, 80 cols"); done
msg "$T/big.eml" too-big "${body[@]}"
pysend alice@localhost u@size.example "$T/big.eml"
f=$(bounce_for 'u@size\.example')
t_file_has "$f" '^Status: 5\.3\.4$' "SIZE: larger than the peer's limit, bounced 5.3.4"
t_file_has "$f" 'exceeds the size limit 4000 of 127\.0\.0\.1\[127\.0\.0\.1\]' "...the bounce says why"
t_eq "$(t_peer_q lim cmd line | grep -cE '^(MAIL|DATA|BDAT)')" 0 "...refused before MAIL: the peer saw no MAIL, DATA or BDAT"
t_eq "$(t_peer_q lim helo verb)" "EHLO" "...(it was asked EHLO, so it told its limit)"

# 2. SMTPUTF8: a non-ASCII recipient, a UTF-8 header field (RFC 6532);
# mail sent with SMTPUTF8 that needs none goes without it.
msg "$T/utf8.eml" utf8-mail "gr$(printf '\303\274')$(printf '\303\237')e"
pysend alice@localhost "z$(printf '\303\266')e@noutf8.example" "$T/utf8.eml" "SMTPUTF8 BODY=8BITMIME"
f=$(bounce_for "z.*e@noutf8\.example")
t_file_has "$f" '^Status: 5\.6\.7$' "SMTPUTF8 to a peer without it: bounced 5.6.7"
t_file_has "$f" 'does not support SMTPUTF8' "...the bounce says why"
t_file_has "$f" '^Content-Type: message/global-delivery-status$' \
	"...as RFC 6533's global report (the mail was SMTPUTF8)"
t_file_has "$f" "^Final-Recipient: utf-8; z$(printf '\303\266')e@noutf8\.example$" \
	"...naming the recipient with the utf-8 address type"
t_file_has "$f" '^Content-Type: message/global$' "...and returning the message as message/global"
printf 'Subject: caf\303\251\r\n\r\nhi\r\n' >"$T/utf8h.eml"
pysend alice@localhost hdr@noutf8.example "$T/utf8h.eml" "SMTPUTF8 BODY=8BITMIME"
f=$(bounce_for 'hdr@noutf8\.example')
t_file_has "$f" '^Status: 5\.6\.7$' "a UTF-8 header field to a peer without SMTPUTF8: bounced 5.6.7"
t_file_has "$f" 'which the header of this message needs' "...the bounce says why"
t_eq "$(t_peer_q lim cmd line | grep -c '^MAIL')" 0 "...no MAIL reached the peer for either"
msg "$T/ascii.eml" ascii-mail "plain"
pysend alice@localhost ascii@noutf8.example "$T/ascii.eml" "SMTPUTF8"
pysend alice@localhost "z$(printf '\303\266')e@utf8.example" "$T/utf8.eml" "SMTPUTF8 BODY=8BITMIME"
settle
t_eq "$(t_peer_q lim message to='["ascii@noutf8.example"]' mail_params.SMTPUTF8 accepted)" '- true' \
	"sent with SMTPUTF8 but all ASCII: delivered without SMTPUTF8 to that peer"
t_eq "$(t_peer_q full message to="[\"z$(printf '\303\266')e@utf8.example\"]" from mail_params.SMTPUTF8 mail_params.BODY accepted)" \
	"alice@localhost true 8BITMIME true" \
	"SMTPUTF8 to a peer with it: delivered, SMTPUTF8 and BODY=8BITMIME on MAIL"

# 3. DSN parameters.
msg "$T/dsn.eml" dsn-mail "hello"
pysend alice@localhost u@dsn.example "$T/dsn.eml" "RET=HDRS ENVID=env+2Bid-42" \
	"NOTIFY=FAILURE,DELAY ORCPT=rfc822;orig+2Btag@dsn.example"
pysend alice@localhost u@nodsn.example "$T/dsn.eml" "RET=HDRS ENVID=env+2Bid-42" \
	"NOTIFY=FAILURE,DELAY ORCPT=rfc822;orig@nodsn.example"
settle
t_eq "$(t_peer_q full message to='["u@dsn.example"]' mail_params.RET mail_params.ENVID rcpts.0.params.NOTIFY rcpts.0.params.ORCPT)" \
	"HDRS env+2Bid-42 FAILURE,DELAY rfc822;orig+2Btag@dsn.example" \
	"DSN: RET, ENVID, NOTIFY and ORCPT passed to a peer that offers DSN (xtext kept)"
t_eq "$(t_peer_q lim message to='["u@nodsn.example"]' accepted mail_params.RET mail_params.ENVID rcpts.0.params)" "true - - {}" \
	"DSN: none of them sent to a peer that does not offer it (delivered)"

# 4. 550 for one of three recipients.
msg "$T/three.eml" three-rcpts "hello three"
pysend alice@localhost ok1@three.example,bad@three.example,ok2@three.example "$T/three.eml"
settle
f=$(bounce_for 'bad@three\.example')
t_file_has "$f" '^Status: 5\.1\.1$' "one recipient refused (550 5.1.1): bounced"
t_file_has "$f" 'no such user here' "...the bounce has the peer's words"
t_eq "$(grep -cE '^Final-Recipient: ' "$f" 2>/dev/null)" 1 "...and names only that recipient"
t_eq "$(grep -lE '^Final-Recipient: .*@three\.example' "$MAIL/alice/new"/* 2>/dev/null | wc -l)" 1 "...one bounce in all"
t_eq "$(t_peer_q full message to='["ok1@three.example","ok2@three.example"]' accepted)" 'true' \
	"...the two others delivered in one transaction"

# 5. 451, then 250 after a flush.
msg "$T/later.eml" later-mail "hello later"
pysend alice@localhost later@later.example "$T/later.eml"
settle
t_match "$(qline later@later.example)" '\(4\.3\.0 host 127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]+ said: 451 4\.3\.0 try again later \(in reply to RCPT TO\)\)' \
	"451 to RCPT: deferred, the reply in queue list"
t_eq "$(t_peer_q full message to='["later@later.example"]' | wc -l)" 0 "...no message was sent after it"
tmailctl queue flush later.example >/dev/null 2>&1
t_peer_wait 20 full message to='["later@later.example"]' accepted=true &&
	t_pass "after queue flush: delivered (250)" || t_fail "after queue flush: delivered (250)" "$(qline later@later.example)"
settle
t_eq "$(qline later@later.example)" "" "...and it left the queue"

# 6. CHUNKING and DATA: the same message, with dot lines.
body=(". a lone dot line follows" "." ".. two dots" "...three")
for i in $(seq 1 40); do body+=("content line $i, long enough that the message takes several 1k chunks."); done
body+=(".last")
msg "$T/dots.eml" dots-mail "${body[@]}"
pysend alice@localhost u@chunk.example "$T/dots.eml"
pysend alice@localhost u@data.example "$T/dots.eml"
settle
t_match "$(t_peer_q full message to='["u@chunk.example"]' mode accepted chunks)" \
	'^BDAT true \[1024,1024,(1024,)*([1-9][0-9]{0,2}|10[01][0-9]|102[0-4])\]$' \
	"CHUNKING offered: BDAT in chunks of smtp_bdat_chunk_size (1k), the LAST one not empty"
# The message at the peer: A's Received field, then what was submitted,
# octet for octet (CRLF, the dot lines unstuffed); the chunks add up.
check=$(t_peer_q full message to='["u@chunk.example"]' path chunks size sha256 |
	python3 -c '
import hashlib, json, re, sys
path, chunks, size, sha = sys.stdin.read().split()
got, sent = open(path, "rb").read(), open(sys.argv[1], "rb").read()
head = got[:len(got) - len(sent)]
ok = got.endswith(sent) and re.fullmatch(rb"Received: [^\r\n]*\r\n(\t[^\r\n]*\r\n)*", head)
print("sums %s, sha256 %s" % (sum(json.loads(chunks)) == int(size) == len(got),
      "as expected" if ok and hashlib.sha256(head + sent).hexdigest() == sha else
      "differs: %r" % head[:300]))' "$T/dots.eml" 2>&1)
t_eq "$check" "sums True, sha256 as expected" \
	"...the chunks add up; the sha256 is that of A's Received field and the message submitted"
t_eq "$(t_peer_q full violation what detail)" "" "...no violation at that peer (nor for any other message it got)"
check=$(t_peer_q lim message to='["u@data.example"]' mode accepted path | python3 -c '
import sys
mode, acc, path = sys.stdin.read().split()
got, sent = open(path, "rb").read(), open(sys.argv[1], "rb").read()
print(mode, acc, "intact" if got.endswith(sent) else "differs")' "$T/dots.eml" 2>&1)
t_eq "$check" "DATA true intact" "no CHUNKING: DATA, dot-stuffed: the dot lines arrive as they were"
t_eq "$(t_peer_q lim cmd line | grep -c '^BDAT')" 0 "...never BDAT to that peer"
t_eq "$(t_peer_q lim violation what detail)" "" \
	"PIPELINING not offered: no pipelining violation (and no other) in all its sessions"
# Sessions are kept for a second: until each one opened has closed.
t_wait 10 sh -c "[ \$(grep -c '\"ev\": \"open\"' '$T/lim.log') = \$(grep -c '\"ev\": \"close\"' '$T/lim.log') ]"
t_eq "$(t_peer_q lim close by reason | sort -u)" "server quit" "...each session ended with QUIT"

# 7. PIPELINING offered: MAIL, RCPT and DATA in one group.
msg "$T/pipe.eml" pipe-mail "hello pipe"
pysend alice@localhost u@pipe.example "$T/pipe.eml"
f=$(bounce_for 'u@pipe\.example')
t_file_has "$f" '^Status: 5\.7\.1$' "PIPELINING: MAIL refused with 550 5.7.1, bounced"
t_match "$(t_peer_q pipe cmd conn=1 line | tr '\n' '|')" \
	'^EHLO [^|]+\|MAIL FROM:<alice@localhost> SIZE=[0-9]+\|RCPT TO:<u@pipe\.example>\|DATA\|RSET\|' \
	"...RCPT and DATA were sent with MAIL, before its reply (one group), then RSET"
t_eq "$(t_peer_q pipe reply conn=1 cmd=RCPT reply) / $(t_peer_q pipe reply conn=1 cmd=DATA reply)" \
	"503 5.5.1 Error: need MAIL command / 503 5.5.1 Error: need MAIL command" \
	"...the peer refused them, having refused MAIL"
t_eq "$(t_peer_q pipe violation what)" "" "...and no violation of the group rules"
pysend alice@localhost u2@pipe.example "$T/pipe.eml"
settle
t_eq "$(t_peer_q pipe message to accepted)" '["u2@pipe.example"] true' "...the next message delivered"
t_eq "$(t_peer_q pipe violation what)" "" "...again without a violation"

t_done
