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
# bounced 5.6.7 by a peer without SMTPUTF8, all-ASCII mail sent with
# SMTPUTF8 delivered to it without, delivered with SMTPUTF8 on MAIL to a
# peer with it; RET, ENVID,
# NOTIFY and ORCPT passed to a peer that offers DSN, none of them to one
# that does not; a 550 for one of three recipients: one bounce naming
# it, two delivered in one transaction; a 451 then 250: deferred, then
# delivered after `queue flush`; CHUNKING: BDAT in several chunks, the
# message at the peer (its logged sha256) exactly the CRLF form
# submitted, dot lines unstuffed; without CHUNKING: DATA, dot-stuffed,
# arriving intact; PIPELINING: MAIL, RCPT and DATA in one group when
# offered (a refused MAIL is followed by the RCPT and DATA already sent),
# and no pipelining violation at a peer that does not offer it.
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
# bounce_for PATTERN: alice's newest message with a Final-Recipient line
# matching (an extended regex), waiting up to 15 s.
bounce_for() {
	local f
	for _ in $(seq 1 150); do
		f=$(grep -lE "^Final-Recipient: .*$1" "$MAIL/alice/new"/* 2>/dev/null | tail -n 1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
qline() { tmailctl queue list 2>&1 | grep -F "$1"; }
# route DOMAIN PEER: the domain's mail to peer PEER's port.
route() { tmailctl transport add "$1" "smtp:[127.0.0.1]:$2" >>"$T/tr.out" 2>&1 || t_fail "transport $1" "$(cat "$T/tr.out")"; }

# The peers first: they take ephemeral ports, and the instance's ports
# stay free between their check and t_start.
all="PIPELINING SIZE 8BITMIME SMTPUTF8 DSN CHUNKING ENHANCEDSTATUSCODES"
peer() { local n=$1; shift; t_peer "$n" 0 "$@" || t_done; PORTS="$PORTS $n.example:$PEER_PORT"; }
PORTS=
peer size --ext "PIPELINING SIZE=2000 8BITMIME ENHANCEDSTATUSCODES"
peer noutf8 --ext "PIPELINING SIZE 8BITMIME DSN CHUNKING ENHANCEDSTATUSCODES"
peer utf8 --ext "$all"
peer dsn --ext "$all"
peer nodsn --ext "PIPELINING SIZE 8BITMIME SMTPUTF8 CHUNKING ENHANCEDSTATUSCODES"
peer three --ext "$all" --reply 'RCPT:bad@=550 5.1.1 no such user here'
peer later --ext "$all" --reply 'RCPT=451 4.3.0 try again later@1'
peer chunk --ext "$all"
peer data --ext "SIZE 8BITMIME ENHANCEDSTATUSCODES"
peer pipe --ext "PIPELINING SIZE 8BITMIME ENHANCEDSTATUSCODES" --reply 'MAIL=550 5.7.1 not from you@1'

t_instance
P25=$((PB + 25))
MAIL=$INST/mail/localhost
t_set queue_run_delay 1s
t_set minimal_backoff_time 60s
t_set maximal_backoff_time 120s
t_set smtp_connection_cache_time_limit 1s
t_set smtp_bdat_chunk_size 1k
t_services smtp qmgr local smtp-out auth
for r in $PORTS; do route "${r%%:*}" "${r#*:}"; done
echo pw | tmailctl user add alice@localhost --password-stdin >/dev/null 2>&1
t_start

# 1. SIZE: 5000 octets to a peer that takes 2000.
body=()
for i in $(seq 1 60); do body+=("line $i of a message that is larger than the peer's SIZE limit, 80 cols"); done
msg "$T/big.eml" too-big "${body[@]}"
pysend alice@localhost u@size.example "$T/big.eml"
f=$(bounce_for 'u@size\.example')
t_file_has "$f" '^Status: 5\.3\.4$' "SIZE: larger than the peer's limit, bounced 5.3.4"
t_file_has "$f" 'exceeds the size limit 2000 of 127\.0\.0\.1\[127\.0\.0\.1\]' "...the bounce says why"
t_eq "$(t_peer_q size cmd line | grep -cE '^(MAIL|DATA|BDAT)')" 0 "...refused before MAIL: the peer saw no MAIL, DATA or BDAT"
t_eq "$(t_peer_q size helo verb)" "EHLO" "...(it was asked EHLO, so it told its limit)"

# 2. SMTPUTF8: a non-ASCII recipient.
msg "$T/utf8.eml" utf8-mail "gr$(printf '\303\274')$(printf '\303\237')e"
pysend alice@localhost "z$(printf '\303\266')e@noutf8.example" "$T/utf8.eml" "SMTPUTF8 BODY=8BITMIME"
f=$(bounce_for "z.*e@noutf8\.example")
t_file_has "$f" '^Status: 5\.6\.7$' "SMTPUTF8 to a peer without it: bounced 5.6.7"
t_file_has "$f" 'does not support SMTPUTF8' "...the bounce says why"
t_eq "$(t_peer_q noutf8 cmd line | grep -c '^MAIL')" 0 "...no MAIL reached that peer"
# A UTF-8 header field needs SMTPUTF8 too (RFC 6532); a message sent with
# SMTPUTF8 that needs none goes without it.
printf 'Subject: caf\303\251\r\n\r\nhi\r\n' >"$T/utf8h.eml"
pysend alice@localhost hdr@noutf8.example "$T/utf8h.eml" "SMTPUTF8 BODY=8BITMIME"
f=$(bounce_for 'hdr@noutf8\.example')
t_file_has "$f" '^Status: 5\.6\.7$' "a UTF-8 header field to a peer without SMTPUTF8: bounced 5.6.7"
t_file_has "$f" 'which the header of this message needs' "...the bounce says why"
msg "$T/ascii.eml" ascii-mail "plain"
pysend alice@localhost ascii@noutf8.example "$T/ascii.eml" "SMTPUTF8"
settle
t_eq "$(t_peer_q noutf8 message to mail_params.SMTPUTF8 accepted)" '["ascii@noutf8.example"] - true' \
	"sent with SMTPUTF8 but all ASCII: delivered without SMTPUTF8 to that peer"
t_eq "$(t_peer_q noutf8 violation what)" "" "...no violation at that peer"
pysend alice@localhost "z$(printf '\303\266')e@utf8.example" "$T/utf8.eml" "SMTPUTF8 BODY=8BITMIME"
settle
t_eq "$(t_peer_q utf8 message from to mail_params.SMTPUTF8 mail_params.BODY accepted)" \
	"alice@localhost [\"z$(printf '\303\266')e@utf8.example\"] true 8BITMIME true" \
	"SMTPUTF8 to a peer with it: delivered, SMTPUTF8 and BODY=8BITMIME on MAIL"
t_eq "$(t_peer_q utf8 violation what)" "" "...and no violation at the peer"

# 3. DSN parameters.
msg "$T/dsn.eml" dsn-mail "hello"
pysend alice@localhost u@dsn.example "$T/dsn.eml" "RET=HDRS ENVID=env+2Bid-42" \
	"NOTIFY=FAILURE,DELAY ORCPT=rfc822;orig+2Btag@dsn.example"
pysend alice@localhost u@nodsn.example "$T/dsn.eml" "RET=HDRS ENVID=env+2Bid-42" \
	"NOTIFY=FAILURE,DELAY ORCPT=rfc822;orig@nodsn.example"
settle
t_eq "$(t_peer_q dsn message mail_params.RET mail_params.ENVID rcpts.0.params.NOTIFY rcpts.0.params.ORCPT)" \
	"HDRS env+2Bid-42 FAILURE,DELAY rfc822;orig+2Btag@dsn.example" \
	"DSN: RET, ENVID, NOTIFY and ORCPT passed to a peer that offers DSN (xtext kept)"
t_eq "$(t_peer_q nodsn message accepted mail_params.RET mail_params.ENVID rcpts.0.params)" "true - - {}" \
	"DSN: none of them sent to a peer that does not offer it (delivered)"
t_eq "$(t_peer_q nodsn violation what)" "" "...and no violation at that peer"

# 4. 550 for one of three recipients.
msg "$T/three.eml" three-rcpts "hello three"
pysend alice@localhost ok1@three.example,bad@three.example,ok2@three.example "$T/three.eml"
settle
f=$(bounce_for 'bad@three\.example')
t_file_has "$f" '^Status: 5\.1\.1$' "one recipient refused (550 5.1.1): bounced"
t_file_has "$f" 'no such user here' "...the bounce has the peer's words"
t_eq "$(grep -cE '^Final-Recipient: ' "$f" 2>/dev/null)" 1 "...and names only that recipient"
t_eq "$(grep -lE '^Final-Recipient: .*@three\.example' "$MAIL/alice/new"/* 2>/dev/null | wc -l)" 1 "...one bounce in all"
t_eq "$(t_peer_q three message to accepted)" '["ok1@three.example","ok2@three.example"] true' \
	"...the two others delivered in one transaction"

# 5. 451, then 250 after a flush.
msg "$T/later.eml" later-mail "hello later"
pysend alice@localhost u@later.example "$T/later.eml"
settle
t_match "$(qline u@later.example)" '\(4\.3\.0 host 127\.0\.0\.1\[127\.0\.0\.1\]:[0-9]+ said: 451 4\.3\.0 try again later \(in reply to RCPT TO\)\)' \
	"451 to RCPT: deferred, the reply in queue list"
t_eq "$(t_peer_q later message | wc -l)" 0 "...no message was sent after it"
tmailctl queue flush later.example >/dev/null 2>&1
t_peer_wait 20 later message accepted=true &&
	t_pass "after queue flush: delivered (250)" || t_fail "after queue flush: delivered (250)" "$(qline u@later.example)"
settle
t_eq "$(qline u@later.example)" "" "...and it left the queue"

# 6. CHUNKING and DATA: the same message, with dot lines.
body=(". a lone dot line follows" "." ".. two dots" "...three")
for i in $(seq 1 40); do body+=("content line $i, long enough that the message takes several 1k chunks."); done
body+=(".last")
msg "$T/dots.eml" dots-mail "${body[@]}"
pysend alice@localhost u@chunk.example "$T/dots.eml"
pysend alice@localhost u@data.example "$T/dots.eml"
settle
t_eq "$(t_peer_q chunk message mode accepted)" "BDAT true" "CHUNKING offered: BDAT used"
t_match "$(t_peer_q chunk message chunks)" '^\[1024,1024,(1024,)*([1-9][0-9]{0,2}|10[01][0-9]|102[0-4])\]$' \
	"...in chunks of smtp_bdat_chunk_size (1k), the LAST one not empty"
t_eq "$(t_peer_q chunk message chunks size | python3 -c 'import json,sys
c, s = sys.stdin.read().split(); print(sum(json.loads(c)) == int(s))')" True "...the chunks add up to the size"
# The message at the peer: A's Received field, then what was submitted,
# octet for octet (CRLF, the dot lines unstuffed).
check=$(python3 - "$(t_peer_q chunk message path)" "$T/dots.eml" <<'PY'
import hashlib, re, sys
got, sent = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
head = got[:len(got) - len(sent)]
ok = got.endswith(sent) and re.fullmatch(rb'Received: [^\r\n]*\r\n(\t[^\r\n]*\r\n)*', head)
print(hashlib.sha256(head + sent).hexdigest() if ok else 'differs: %r' % head[:300])
PY
)
t_eq "$(t_peer_q chunk message sha256)" "$check" "...its sha256 is that of A's Received field and the message submitted"
t_eq "$(t_peer_q data message mode accepted)" "DATA true" "no CHUNKING: DATA used"
t_match "$(t_peer_q data cmd line | tr '\n' ' ')" '^EHLO [^ ]+ MAIL FROM:<alice@localhost> SIZE=[0-9]+ RCPT TO:<u@data\.example> DATA QUIT $' \
	"...MAIL, RCPT, DATA, no BDAT"
check=$(python3 - "$(t_peer_q data message path)" "$T/dots.eml" <<'PY'
import sys
got, sent = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'rb').read()
print('intact' if got.endswith(b'\r\n\r\n' + sent.split(b'\r\n\r\n', 1)[1]) and got.endswith(sent) else 'differs')
PY
)
t_eq "$check" "intact" "...dot-stuffed on the wire: the dot lines arrive as they were"
t_eq "$(t_peer_q data violation what detail)" "" \
	"PIPELINING not offered: no pipelining violation (and no other)"
t_peer_wait 10 data close	# the session is kept for a second
t_eq "$(t_peer_q data close by reason)" "server quit" "...the session ended with QUIT"

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
