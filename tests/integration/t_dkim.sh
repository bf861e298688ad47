#!/bin/bash
# t_dkim.sh - DKIM signing of outbound mail (issue 13): keys made by
# `mailctl dkim keygen` (RSA and Ed25519), mail of authenticated clients
# (swaks --auth) and of local submission (mailctl send) relayed through
# smtp-out to Postfix's smtp-sink, and every signature checked by dkimpy
# (python3-dkim, tests/integration/dkimverify.py) with the public keys
# taken from the printed TXT records, never from the DNS.
#
# Checked: both algorithms verify, on a message with leading dots, a line
# of 2000 octets, trailing blank lines and white space, a bare CR in the
# body, an 8-bit body, white space runs and folded fields, an empty body,
# and a BDAT (CHUNKING) transfer to a second tern instance; the signature
# survives a deferral (it is in the queue file, every attempt sends it);
# mail of an unauthenticated client on port 25 and mail for a domain
# without a key are not signed; the records and the key files (0600 in
# 0700 directories, dkim_owner's), `dkim list` and `dkim show`, `mailctl
# check` naming a key others may read; as root, mail_owner cannot read a
# key and no smtpd process has one open or mapped; a key made after
# start signs only after `mailctl reload`; with the service gone, mail
# is still accepted, unsigned, and the log says why.
. "$(dirname "$0")/lib.sh"

VERIFY=$TOP/tests/integration/dkimverify.py
PIDS=
PEER=
t_dkim_stop() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -z "$PEER" ] || inst_stop "$TERN_BIN" "$PEER"
}
trap 't_dkim_stop; t_cleanup' EXIT

if ! /usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null; then
	t_skip "dkimpy (python3-dkim, python3-nacl) is not installed"
	t_done
fi

# sink NAME PORT [smtp-sink options]: a sink dumping into $T/NAME/.
sink() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name"
	if t_is_root; then
		chmod 1777 "$T/$name"
		set -- -u nobody "$@"
	fi
	smtp-sink "$@" -d "$T/$name/%M." "127.0.0.1:$port" 100 >"$T/$name.out" 2>&1 &
	SINK_PID=$!
	PIDS="$PIDS $SINK_PID"
	t_wait 10 sh -c "ss -Htln 'sport = :$port' | grep -q 127.0.0.1" ||
		t_fail "smtp-sink on 127.0.0.1:$port starts" "$(cat "$T/$name.out")"
}

settle() { sleep 0.3; t_wait 30 t_queue_idle; }
# dump NAME SUBJECT: the sink's file of the message with that subject.
dump() { grep -lE "^Subject: $2"$'\r''?$' "$T/$1"/* 2>/dev/null | head -n 1; }
# verify NAME SUBJECT: dkimverify's output for that message.
verify() {
	local f
	f=$(dump "$1" "$2")
	[ -n "$f" ] || { echo "no message '$2' at sink $1"; return 1; }
	/usr/bin/python3 "$VERIFY" "$f" "$T/records" 2>&1
}
# signed NAME SUBJECT WANT TEXT: dkimpy verifies exactly the signatures WANT
# (an extended regular expression over its whole output).
signed() {
	local out
	out=$(verify "$1" "$2")
	if [ $? = 0 ] && printf '%s\n' "$out" | tr '\n' ' ' | grep -Eq "^$3 ?$"; then
		t_pass "$4"
	else
		t_fail "$4" "$out"
	fi
}
unsigned() {
	local f
	f=$(dump "$1" "$2")
	if [ -n "$f" ] && ! grep -qi '^DKIM-Signature:' "$f"; then
		t_pass "$3"
	else
		t_fail "$3" "${f:-no message '$2' at sink $1}"
	fi
}
auth_send() {
	swaks --server 127.0.0.1:"$P25" --auth PLAIN --auth-user alice@tern.example \
		--auth-password pw --from alice@tern.example --to "$1" --data "$2" \
		"${@:3}" >"$T/swaks.out" 2>&1 ||
		t_fail "swaks --auth to $1 accepted" "$(tail -n 5 "$T/swaks.out")"
}

t_instance --domain tern.example
t_set queue_run_delay 1s
t_set minimal_backoff_time 2s
t_set maximal_backoff_time 4s
t_services smtp submit qmgr local smtp-out auth dkim-sign
echo pw | tmailctl user add alice@tern.example --password-stdin >/dev/null 2>&1
P25=$((PB + 25))
SP=$((PB + 70))
t_set relayhost "[127.0.0.1]:$SP"

# A second tern instance for peer.example, whose smtpd offers CHUNKING:
# smtp-out sends it BDAT (smtp-sink offers only DATA).
PEER=$T/peer
PPB=$(inst_free_port_base)
[ "$PPB" != "$PB" ] || PPB=$((PB + 100))
if inst_init "$TERN_BIN" "$PEER" "$PPB" --domain peer.example >"$T/peer.out" 2>&1 &&
	inst_disable_all "$PEER" && inst_enable "$PEER" smtp qmgr local auth &&
	echo 'myhostname = mx.peer.example' >>"$PEER/main.conf" &&
	echo pw | "$TERN_BIN/mailctl" -c "$PEER" user add far@peer.example --password-stdin >>"$T/peer.out" 2>&1 &&
	"$TERN_BIN/mailctl" -c "$PEER" start >>"$T/peer.out" 2>&1; then
	:
else
	t_fail "a peer instance for peer.example" "$(cat "$T/peer.out")"
fi
tmailctl transport add peer.example "smtp:[127.0.0.1]:$((PPB + 25))" >/dev/null 2>&1 ||
	t_fail "transport add peer.example"

# ---- keys and records -------------------------------------------------------
day=$(date +%Y%m%d)
tmailctl dkim keygen tern.example >"$T/rsa.rec" 2>"$T/keygen.err" ||
	t_fail "dkim keygen (rsa)" "$(cat "$T/keygen.err")"
tmailctl dkim keygen tern.example --algorithm ed25519 >"$T/ed.rec" 2>>"$T/keygen.err" ||
	t_fail "dkim keygen --algorithm ed25519" "$(cat "$T/keygen.err")"
cat "$T/rsa.rec" "$T/ed.rec" >"$T/records"
t_match "$(cat "$T/rsa.rec")" "^rsa-$day\._domainkey\.tern\.example\. IN TXT \( \"v=DKIM1; k=rsa; p=MII[^\"]+\" \"[^\"]+\" \)\$" \
	"keygen prints the RSA record, the default selector rsa-DATE, in two strings"
t_eq "$(grep -o '"[^"]*"' "$T/rsa.rec" | awk '{ if (length($0) - 2 > 255) print "long" }')" "" \
	"every string of the record is at most 255 octets"
t_match "$(cat "$T/ed.rec")" "^ed25519-$day\._domainkey\.tern\.example\. IN TXT \( \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\" \)\$" \
	"keygen --algorithm ed25519 prints a 32-octet Ed25519 key"
t_file_has "$T/keygen.err" "then: mailctl reload" "keygen says to publish and reload"
tmailctl dkim keygen tern.example "rsa-$day" >/dev/null 2>"$T/again.err"
t_eq "$?" 1 "keygen never replaces a key"
t_eq "$(tmailctl dkim list 2>&1)" "tern.example ed25519-$day ed25519-sha256
tern.example rsa-$day rsa-sha256" "dkim list names both keys"
t_eq "$(tmailctl dkim show tern.example 2>&1)" "$(cat "$T/ed.rec" "$T/rsa.rec")" \
	"dkim show prints the same records again"
KD=$INST/dkim/tern.example
t_eq "$(stat -c %a "$INST/dkim") $(stat -c %a "$KD") $(stat -c %a "$KD/rsa-$day.key")" "700 700 600" \
	"key directories 0700, keys 0600"
if t_is_root; then
	t_eq "$(stat -c %U "$INST/dkim") $(stat -c %U "$KD/rsa-$day.key") $(stat -c %U "$KD/ed25519-$day.key")" \
		"terndkim terndkim terndkim" "the keys are dkim_owner's"
	if setpriv --reuid=tern --regid=tern --clear-groups cat "$KD/rsa-$day.key" >/dev/null 2>&1; then
		t_fail "mail_owner cannot read a key"
	else
		t_pass "mail_owner cannot read a key"
	fi
else
	t_skip "the keys' owner and mail_owner's access (needs root)"
fi
t_nomatch "$(tmailctl check 2>&1)" "DKIM" "mailctl check: nothing to say about good keys"
# mailctl check looks at owners and modes as root (as for the users file).
if t_is_root; then
	chmod 644 "$KD/rsa-$day.key"
	t_match "$(tmailctl check 2>&1)" "rsa-$day\.key: DKIM keys must be dkim_owner's and readable by nobody else" \
		"mailctl check: a key others may read is an error"
	chmod 600 "$KD/rsa-$day.key"
else
	t_skip "mailctl check of the keys' modes (needs root)"
fi

# ---- signed: AUTH on port 25 ---------------------------------------------------
sink relay "$SP"
t_start
long=$(head -c 2000 /dev/zero | tr '\0' x)
printf 'From: Alice <alice@tern.example>\r\nTo: far@remote.example\r\nSubject: plain\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <p1@tern.example>\r\n\r\nhello  there \r\n.leading dot\r\n..two dots\r\n%s\r\n\r\n\r\n' \
	"$long" >"$T/plain.eml"
auth_send far@remote.example "$T/plain.eml"
printf 'From: alice@tern.example\r\nTo: far@remote.example\r\nSubject: bare-cr\r\n\r\nbefore\rafter\r\nend \t \r\n' >"$T/cr.eml"
auth_send far@remote.example "$T/cr.eml"
printf 'From: alice@tern.example\r\nTo: far@remote.example\r\nSubject: eight\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nd\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac\r\n' >"$T/eight.eml"
printf 'FROM:alice@tern.example\r\nTO:  far@remote.example\r\nSubject: ws\r\n  folded\t here \r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n\r\n \t \r\nx \t y\t\r\n\t\r\n  \r\n' >"$T/ws.eml"
auth_send far@remote.example "$T/ws.eml"
printf 'From: alice@tern.example\r\nTo: far@remote.example\r\nSubject: empty\r\n\r\n' >"$T/empty.eml"
auth_send far@remote.example "$T/empty.eml"
# swaks cannot say BODY=8BITMIME: Python's smtplib can.
python3 - "$P25" "$T/eight.eml" >"$T/py.out" 2>&1 <<'PY' || t_fail "smtplib sends 8-bit mail with AUTH" "$(cat "$T/py.out")"
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.ehlo()
s.login('alice@tern.example', 'pw')
s.sendmail('alice@tern.example', ['far@remote.example'], open(sys.argv[2], 'rb').read(),
           mail_options=['BODY=8BITMIME'])
s.quit()
PY
settle
both="0 d=tern\.example s=(rsa|ed25519)-$day a=(rsa|ed25519)-sha256 ok 1 d=tern\.example s=(rsa|ed25519)-$day a=(rsa|ed25519)-sha256 ok"
signed relay plain "$both" "AUTH: dots, a 2000-octet line, trailing blank lines: both signatures verify"
t_match "$(verify relay plain)" "a=rsa-sha256 ok" "...one of them rsa-sha256"
t_match "$(verify relay plain)" "a=ed25519-sha256 ok" "...and one ed25519-sha256"
signed relay bare-cr "$both" "a bare CR in the body (sent as a line end): both verify"
signed relay eight "$both" "an 8-bit body: both verify"
signed relay ws "$both" "white space runs and blank lines, folded fields, names in capitals: both verify"
signed relay empty "$both" "an empty body: both verify"
f=$(dump relay plain)
t_file_has "$f" "^DKIM-Signature: v=1; a=.*c=relaxed/relaxed; d=tern\.example;" "the field's tags"
t_file_has "$f" "h=message-id:date:subject:to:from:from;" "h= lists the signed fields bottom-up, From once more"
t_file_has "$INST/log/maillog" "dkim-sign\[[0-9]+\]: [0-9A-F]+: signed d=tern\.example s=rsa-$day a=rsa-sha256" \
	"dkim-sign logs each signature"

# ---- BDAT to a tern peer -----------------------------------------------------
printf 'From: alice@tern.example\r\nTo: far@peer.example\r\nSubject: bdat\r\n\r\n.dot\r\nbare\rcr  \r\n%s\r\n\r\n' "$long" >"$T/bdat.eml"
auth_send far@peer.example "$T/bdat.eml"
settle
PMAIL=$PEER/mail/peer.example/far/new
t_wait 15 sh -c "ls '$PMAIL'/* >/dev/null 2>&1"
f=$(grep -l '^Subject: bdat' "$PMAIL"/* 2>/dev/null | head -n 1)
if out=$(/usr/bin/python3 "$VERIFY" "${f:-/nonexistent}" "$T/records" 2>&1) &&
	[ "$(printf '%s\n' "$out" | grep -c ' ok$')" = 2 ]; then
	t_pass "BDAT to a tern peer: both signatures verify in its mailbox"
else
	t_fail "BDAT to a tern peer: both signatures verify in its mailbox" "$out"
fi
t_file_has "$INST/log/maillog" "to=<far@peer\.example>.*status=sent .*in reply to BDAT LAST" "...sent with BDAT"

# ---- a signature that waits in the queue ----------------------------------------
kill "$SINK_PID"
sleep 1
printf 'From: alice@tern.example\r\nTo: far@remote.example\r\nSubject: deferred\r\n\r\nwaits for the peer\r\n' >"$T/def.eml"
auth_send far@remote.example "$T/def.eml"
settle
t_match "$(tmailctl queue list 2>&1)" "far@remote\.example" "with the peer down the message is deferred"
t_file_has "$(find "$INST/queue/deferred" -type f | head -n 1)" "^prepend field=DKIM-Signature:" \
	"the queue file holds the signatures as prepend records"
sink chunk "$SP"
tmailctl queue flush >/dev/null 2>&1
t_wait 20 sh -c "grep -q '^Subject: deferred' '$T/chunk'/* 2>/dev/null"
signed chunk deferred "$both" "delivered later, the recorded signatures still verify"

# ---- local submission ----------------------------------------------------------
printf 'From: alice@tern.example\nTo: far@remote.example\nSubject: local\n\nfrom sendmail\n' |
	tmailctl send far@remote.example >"$T/send.out" 2>&1 || t_fail "mailctl send" "$(cat "$T/send.out")"
settle
signed chunk local "$both" "local submission (mailctl send): both signatures verify"

# ---- not signed ------------------------------------------------------------------
swaks --server 127.0.0.1:"$P25" --from alice@tern.example --to far@remote.example \
	--header "From: alice@tern.example" --header "Subject: anon" >"$T/swaks.out" 2>&1 ||
	t_fail "unauthenticated swaks accepted" "$(tail -n 5 "$T/swaks.out")"
printf 'From: bob@other.example\r\nTo: far@remote.example\r\nSubject: nokey\r\n\r\nx\r\n' >"$T/nokey.eml"
auth_send far@remote.example "$T/nokey.eml"
settle
unsigned chunk anon "an unauthenticated client on port 25: not signed"
unsigned chunk nokey "a From domain without a key: not signed"

# ---- no network-facing process holds a key ---------------------------------------
pids=$(t_svc_pids smtp)
if [ -z "$pids" ]; then
	t_fail "smtpd processes to look at"
else
	found=
	for p in $pids; do
		ls -l "/proc/$p/fd" 2>/dev/null | grep -q "$INST/dkim" && found="$found $p"
		grep -q "$INST/dkim" "/proc/$p/maps" 2>/dev/null && found="$found $p"
	done
	t_eq "$found" "" "no smtpd process has a key open or mapped"
fi
if t_is_root; then
	dp=$(t_svc_pids dkim-sign | awk '{ print $1 }')
	t_eq "$(id -un "$(t_proc_status "${dp:-0}" Uid)" 2>/dev/null)" "terndkim" \
		"dkim-sign runs as dkim_owner"
else
	t_skip "dkim-sign's user (needs root)"
fi

# ---- a new key signs after reload ----------------------------------------------------
tmailctl dkim keygen tern.example new1 >>"$T/records" 2>/dev/null ||
	t_fail "keygen of a third key"
printf 'From: alice@tern.example\r\nTo: far@remote.example\r\nSubject: before-reload\r\n\r\nx\r\n' >"$T/br.eml"
auth_send far@remote.example "$T/br.eml"
settle
t_nomatch "$(verify chunk before-reload)" "s=new1" "a new key is not used before reload"
tmailctl reload >/dev/null 2>&1
sleep 1
printf 'From: alice@tern.example\r\nTo: far@remote.example\r\nSubject: after-reload\r\n\r\nx\r\n' >"$T/ar.eml"
auth_send far@remote.example "$T/ar.eml"
settle
signed chunk after-reload "0 [^ ]+ [^ ]+ [^ ]+ ok 1 [^ ]+ [^ ]+ [^ ]+ ok 2 [^ ]+ [^ ]+ [^ ]+ ok" \
	"after reload: three signatures, all verify"
t_match "$(verify chunk after-reload)" "s=new1 a=rsa-sha256 ok" "...one of them with the new key"

# ---- the service gone: accepted, unsigned ----------------------------------------------
sed -i -E 's/^(dkim-sign[[:space:]])/#\1/' "$INST/master.conf"
tmailctl reload >/dev/null 2>&1
sleep 1
printf 'From: alice@tern.example\r\nTo: far@remote.example\r\nSubject: no-signer\r\n\r\nx\r\n' >"$T/ns.eml"
auth_send far@remote.example "$T/ns.eml"
settle
unsigned chunk no-signer "without the dkim-sign service the mail is accepted, unsigned"
t_file_has "$INST/log/maillog" "smtpd\[[0-9]+\]: (warning: )?[0-9A-F]+: not DKIM-signed: dkim-sign via .*dkim-sign" \
	"...and smtpd logs why"
t_done
