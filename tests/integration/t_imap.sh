# t_imap.sh - imapd with general clients: python's imaplib and a raw-wire
# client (imap_check.py: capabilities, SELECT/EXAMINE data, NOOP and IDLE
# seeing deliveries, two sessions seeing each other's STORE and EXPUNGE,
# no EXPUNGE during FETCH/STORE/SEARCH, ID, ENABLE, UNSELECT and CLOSE,
# EXPUNGE and UID EXPUNGE, bad input, POP3 and IMAP on one mailbox), then
# curl over imap:// and imaps:// (list, append, fetch by UID, byte-exact)
# and openssl s_client through STARTTLS and on the imaps port.
# imaptest's conformance groups are in t_imaptest.sh, the offline clients
# (mbsync, offlineimap, fetchmail, neomutt) in t_imap_clients.sh.
. "$(dirname "$0")/lib.sh"

PY=$TOP/tests/integration/imap_check.py
SECTIONS="caps session select noop concurrent noexpunge idle idenable close expunge bad pop3"

t_instance
t_services smtp auth qmgr local imap imaps imap-session pop3 pop3-session
for s in $SECTIONS curl tls; do
	echo "pw-$s" | tmailctl user add "$s@localhost" --password-stdin >/dev/null 2>&1 ||
		t_fail "mailctl user add $s@localhost"
done
t_start

P=$((PB + 143))
PS=$((PB + 993))
MAIL=$INST/mail/localhost
inst_wait_listen "$P" || t_fail "imapd listens on $P"
inst_wait_listen "$PS" || t_fail "imapd listens on $PS (imaps)"

# 1. The sessions of imap_check.py, each on a mailbox of its own.
for s in $SECTIONS; do
	out=$(timeout 180 python3 "$PY" "$s" "$P" "$s@localhost" "pw-$s" "smtp:$((PB + 25))" \
		"$MAIL/$s" "$((PB + 110))" 2>&1)
	t_results "imap_check.py $s" "$(printf '%s\n' "$out" | sed -E "s/^(ok|FAIL) /\1 $s: /")"
done
t_eq "$(ls "$MAIL" | grep -c 'escape\|stolen')" 0 "no folder was made beside the users' Maildirs"

# 2. curl: APPEND (upload), LIST, FETCH by UID, over imap:// and imaps://.
U=curl@localhost:pw-curl
printf 'From: alice@localhost\r\nTo: curl@localhost\r\nSubject: through curl\r\n\r\nline 1\r\n.dot line\r\n\r\nlast line\r\n' > "$T/c1.eml"
out=$(curl -sS --max-time 20 -T "$T/c1.eml" "imap://127.0.0.1:$P/INBOX" -u "$U" 2>&1)
t_eq "$out" "" "curl -T uploads a message with APPEND"
out=$(curl -sS --max-time 20 "imap://127.0.0.1:$P/" -u "$U" 2>&1 | tr -d '\r')
t_match "$out" '^\* LIST \([^)]*\) "/" "?INBOX"?$' "curl lists INBOX"
t_match "$out" '^\* LIST \([^)]*\\Sent[^)]*\) "/" "?Sent"?$' "curl lists Sent, marked \\Sent"
curl -sS --max-time 20 "imap://127.0.0.1:$P/INBOX;UID=1" -u "$U" > "$T/c1.got" 2>"$T/curl.err"
if cmp -s "$T/c1.got" "$T/c1.eml"; then t_pass "curl fetches UID 1 byte-exact"
else t_fail "curl fetches UID 1 byte-exact" "$(cmp "$T/c1.got" "$T/c1.eml" 2>&1; cat "$T/curl.err")"; fi
f=$(find "$MAIL/curl/cur" "$MAIL/curl/new" -type f 2>/dev/null | head -n 1)
if [ -n "$f" ] && tr -d '\r' < "$T/c1.eml" | cmp -s - "$f"; then
	t_pass "the Maildir file holds the message with LF line ends"
else
	t_fail "the Maildir file holds the message with LF line ends" "file [$f]"
fi
curl -sS --max-time 20 -k "imaps://127.0.0.1:$PS/INBOX;UID=1" -u "$U" > "$T/c1s.got" 2>"$T/curl.err"
if cmp -s "$T/c1s.got" "$T/c1.eml"; then t_pass "curl imaps:// fetches UID 1 byte-exact"
else t_fail "curl imaps:// fetches UID 1 byte-exact" "$(cmp "$T/c1s.got" "$T/c1.eml" 2>&1; cat "$T/curl.err")"; fi
out=$(curl -sS --max-time 20 -k --ssl-reqd "imap://127.0.0.1:$P/INBOX;UID=1/;SECTION=HEADER.FIELDS%20(SUBJECT)" \
	-u "$U" 2>&1 | tr -d '\r')
t_match "$out" '^Subject: through curl$' "curl over STARTTLS fetches a header section"
out=$(curl -sS --max-time 20 -k "imaps://127.0.0.1:$PS/INBOX?SUBJECT%20curl" -u "$U" 2>&1 | tr -d '\r')
t_match "$out" '^\* SEARCH 1$' "curl imaps:// SEARCH SUBJECT finds it"
out=$(curl -sS --max-time 20 "imap://127.0.0.1:$P/INBOX;UID=1" -u curl@localhost:wrong 2>&1)
t_match "$out" 'Login denied|denied|\(67\)' "curl with a wrong password is denied"

# 3. openssl s_client: STARTTLS (RFC 3501 §6.2.1) and imaps.
out=$(printf 'a CAPABILITY\r\nb LOGOUT\r\n' | timeout 10 socat -t 3 - "TCP:127.0.0.1:$P" 2>&1 | tr -d '\r')
t_match "$out" '^\* CAPABILITY .*STARTTLS' "plaintext CAPABILITY offers STARTTLS"
imap_tls() {	# imap_tls ARGS...: a LOGIN, CAPABILITY, SELECT, LOGOUT through s_client
	{ sleep 1; printf 'a LOGIN tls@localhost pw-tls\r\n'; sleep 0.5
	  printf 'b CAPABILITY\r\n'; sleep 0.3; printf 'c SELECT INBOX\r\n'; sleep 0.3
	  printf 'd LOGOUT\r\n'; sleep 1; } |
		timeout 20 openssl s_client -connect "127.0.0.1:$1" -ign_eof "${@:2}" 2>&1 | tr -d '\r'
}
out=$(imap_tls "$P" -starttls imap)
t_match "$out" 'Cipher is|Protocol *: TLS' "s_client -starttls imap negotiates TLS"
t_match "$out" '^a OK \[CAPABILITY IMAP4rev1' "LOGIN over STARTTLS: OK with the capabilities"
t_nomatch "$(printf '%s\n' "$out" | grep '^\* CAPABILITY')" 'STARTTLS|AUTH=' \
	"after STARTTLS and login no STARTTLS or AUTH= is offered"
t_match "$out" '^c OK \[READ-WRITE\]' "SELECT over STARTTLS"
t_match "$out" '^\* BYE' "LOGOUT says BYE"
out=$(imap_tls "$PS")
t_match "$out" '^\* OK ' "imaps: the greeting comes over TLS"
t_match "$out" '^a OK ' "imaps: LOGIN"
t_match "$out" '^c OK \[READ-WRITE\]' "imaps: SELECT"
out=$({ sleep 1; printf 'a STARTTLS\r\n'; sleep 1; } |
	timeout 10 openssl s_client -connect "127.0.0.1:$PS" 2>&1 | tr -d '\r')
t_match "$out" '^a BAD' "imaps: STARTTLS inside TLS is BAD"

t_no_deaths 'imapd|imapd-session'

t_done
