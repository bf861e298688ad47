#!/bin/bash
# t_smtppeer.sh - the scriptable SMTP peer of the smtp-out tests
# (smtppeer.py) driven by clients nobody here wrote: swaks, Python's
# smtplib, openssl s_client, Postfix's smtp-source; raw conversations
# (tnet.py) only where those cannot misbehave on purpose (BDAT, bare
# line ends, pipelining without the extension).  Every check reads the
# peer's JSON log (t_peer_q) or its saved messages, so what the smtp-out
# tests will rely on is what is checked here.
#
# Checked: a message saved exactly (dot-unstuffed, CRLF kept, sha256 as
# logged); a scripted 550 for one recipient and a 451 for the first try
# only (@1); close and hang at a command; DSN and SMTPUTF8 parameters
# parsed; BDAT chunks; STARTTLS (swaks, s_client), AUTH PLAIN and LOGIN,
# a wrong password, MAIL before AUTH refused; greetings 421 and 554;
# --no-esmtp (HELO fallback); SIZE and the strict checks (555, 502, the
# logged violations) on a peer with few extensions; pipelining with and
# without PIPELINING; 20 concurrent smtp-source sessions; IPv6; a delay;
# the idle timeout; multi-line and one-time scripted replies, a client
# leaving inside the data; SIGTERM; coming back on the same port.
. "$(dirname "$0")/lib.sh"

PEER=$TOP/tests/integration/smtppeer.py

# conv PORT SEND...: a conversation that waits for each reply: the
# greeting, then each SEND (Python escapes: \r\n, \x80) sent as it is
# and one reply read, "-" reads a reply without sending; every reply
# printed, its lines joined by "|".
cat >"$T/conv.py" <<'PY'
import codecs, sys
sys.path.insert(0, sys.argv[1])
from tnet import connect, read_reply
s = connect(sys.argv[2], timeout=10)
f = s.makefile('rb')
print(read_reply(f).replace('\n', '|'))
for a in sys.argv[3:]:
    if a != '-':
        s.sendall(codecs.escape_decode(a.encode('utf-8'))[0])
    print(read_reply(f).replace('\n', '|'))
PY
conv() { timeout 30 python3 "$T/conv.py" "$TOP/tests/integration" "$@" 2>&1; }
raw() { timeout 30 python3 "$TOP/tests/integration/smtpc.py" raw "$1" 2>&1; }
# last_conn NAME: the number of the peer's newest connection.
last_conn() { t_peer_q "$1" open conn | tail -n 1; }

# 1. A plain transaction by swaks, one recipient refused by a rule, one
# refused for now the first time only, close and hang at commands.
t_peer A 0 --reply 'RCPT:bob@=550 5.1.1 no such user' \
	--reply 'RCPT:carol@=451 4.3.0 try later@1' \
	--reply 'DOT:X-Drop: yes=close' --reply 'MAIL:hang@=hang' || t_done
PA=$PEER_PORT
t_setup "smtppeer A on 127.0.0.1:$PA"
printf 'line one\n.dot line\nend' >"$T/body"
swaks --server "127.0.0.1:$PA" --ehlo client.example --from a@example.org \
	--to alice@example.org,bob@example.org --body @"$T/body" >"$T/swaks1" 2>&1
t_eq "$(t_peer_q A helo verb name)" "EHLO client.example" "helo: EHLO and its name logged"
t_eq "$(t_peer_q A rcpt to accepted reply)" "alice@example.org true 250 2.1.5 Ok
bob@example.org false 550 5.1.1 no such user" "rcpt: the scripted 550 for bob, alice accepted"
t_eq "$(t_peer_q A message to accepted mode)" '["alice@example.org"] true DATA' \
	"message: accepted over DATA for the accepted recipient only"
F=$(t_peer_q A message path)
t_eq "$(t_peer_q A message sha256)" "$(sha256sum "$F" 2>/dev/null | cut -d' ' -f1)" \
	"message: the saved file's sha256 is the logged one"
t_eq "$(t_peer_q A message size)" "$(stat -c %s "$F" 2>/dev/null)" "message: size as saved"
if [ -f "$F" ] && grep -q $'^\\.dot line\r$' "$F" && grep -q $'^line one\r$' "$F" &&
	[ "$(tail -c 2 "$F" | od -An -c | tr -d ' ')" = '\r\n' ] && ! grep -q '^\.\.' "$F" &&
	! grep -qx $'\\.\r' "$F"; then
	t_pass "message: dot-unstuffed, CRLF kept, no final dot line"
else
	t_fail "message: dot-unstuffed, CRLF kept, no final dot line" "$(od -c "$F" 2>&1 | tail -n 8)"
fi
t_match "$(t_peer_q A message from mail_params seq)" '^a@example\.org \{\} 1$' \
	"message: sender, no parameters, transaction 1"

for i in 1 2; do
	swaks --server "127.0.0.1:$PA" --from a@example.org --to carol@example.org >"$T/carol$i" 2>&1
done
t_eq "$(t_peer_q A rcpt to=carol@example.org reply)" "451 4.3.0 try later
250 2.1.5 Ok" "@1: 451 the first time, accepted the next time (another connection)"

swaks --server "127.0.0.1:$PA" --from a@example.org --to alice@example.org \
	--header 'X-Drop: yes' >/dev/null 2>&1
C=$(last_conn A)
t_eq "$(t_peer_q A message conn="$C" accepted reply complete)" "false close true" \
	"DOT:MATCH=close: the message logged, not accepted"
t_eq "$(t_peer_q A close conn="$C" by reason)" "server scripted close at DOT" \
	"close: the server dropped the connection at the final dot"
timeout 10 swaks --server "127.0.0.1:$PA" --from hang@example.org --to alice@example.org \
	--timeout 2 >"$T/hang.out" 2>&1
C=$(last_conn A)
t_peer_wait 10 A close conn="$C"
t_eq "$(t_peer_q A hang conn="$C" cmd)" "MAIL" "hang: no reply to MAIL from hang@"
t_eq "$(t_peer_q A reply conn="$C" cmd=MAIL reply)" "hang" "hang: logged as the reply"
t_eq "$(t_peer_q A close conn="$C" by reason)" "client eof after hang" \
	"hang: the client gave up and closed"

# 2. DSN, SMTPUTF8 and 8BITMIME through smtplib.
out=$(timeout 30 python3 - "$PA" <<'PY' 2>&1
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.ehlo('dsn.example')
print(s.sendmail('a@example.org', ['alice@example.org'], 'Subject: dsn\r\n\r\nhi\r\n',
                 mail_options=['RET=HDRS', 'ENVID=QQ+2Bx'],
                 rcpt_options=['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;alice@example.org']))
msg = 'Subject: caf\u00e9\r\n\r\nna\u00efve\r\n'.encode('utf-8')
print(s.sendmail('j\u00fcrgen@example.org', ['z\u00f6e@example.org'], msg,
                 mail_options=['SMTPUTF8', 'BODY=8BITMIME']))
s.quit()
PY
)
t_eq "$out" "{}
{}" "smtplib: both messages accepted"
C=$(last_conn A)
t_eq "$(t_peer_q A message conn="$C" seq=1 mail_params.RET mail_params.ENVID rcpts.0.params.NOTIFY rcpts.0.params.ORCPT)" \
	"HDRS QQ+2Bx SUCCESS,FAILURE rfc822;alice@example.org" "DSN: RET, ENVID, NOTIFY, ORCPT parsed"
t_eq "$(t_peer_q A message conn="$C" seq=2 from to eightbit mail_params)" \
	'jürgen@example.org ["zöe@example.org"] true {"SIZE":"26","SMTPUTF8":true,"BODY":"8BITMIME"}' \
	"SMTPUTF8: UTF-8 addresses logged, 8-bit message, parameters"
t_eq "$(t_peer_q A violation conn="$C" what)" "" "SMTPUTF8 + 8BITMIME offered and used: no violation"

# 3. BDAT by hand (swaks does not send it); no unstuffing in chunks.
out=$(conv "$PA" 'EHLO bdat.example\r\n' 'MAIL FROM:<a@example.org>\r\n' \
	'RCPT TO:<alice@example.org>\r\n' 'BDAT 14\r\nSubject: b\r\n\r\n' \
	'BDAT 9 LAST\r\n.dot\r\nX\r\n' 'BDAT 0 LAST\r\n' 'QUIT\r\n')
t_match "$out" '\|250-CHUNKING\|' "BDAT: CHUNKING offered"
t_match "$out" '^250 2\.0\.0 14 octets received$' "BDAT: the first chunk acknowledged"
t_match "$out" '^250 2\.0\.0 Ok: queued as [0-9]+\.1$' "BDAT LAST: the message accepted"
t_match "$out" '^503 5\.5\.1 Error: need MAIL command$' "BDAT after the transaction: 503"
C=$(last_conn A)
t_eq "$(t_peer_q A message conn="$C" mode chunks size)" "BDAT [14,9] 23" "BDAT: mode and chunk sizes"
F=$(t_peer_q A message conn="$C" path)
t_eq "$(od -An -c "$F" 2>&1 | tr -s ' ' | tr -d '\n')" \
	" S u b j e c t : b \r \n \r \n . d o t \r \n X \r \n" "BDAT: the chunks saved as sent"

# 4. Pipelining: swaks --pipeline to a peer that offers it: no violation.
swaks --server "127.0.0.1:$PA" --pipeline --from a@example.org \
	--to alice@example.org >"$T/pipe.out" 2>&1
C=$(last_conn A)
t_eq "$(t_peer_q A message conn="$C" accepted)" "true" "swaks --pipeline: accepted"
t_eq "$(t_peer_q A violation conn="$C" what)" "" "swaks --pipeline with PIPELINING offered: no violation"
t_eq "$(t_peer_q A violation what | sort -u)" "" "peer A: no violation from swaks or smtplib at all"

# 5. A peer with few extensions: the strict checks.
t_peer B 0 --ext "SIZE=1000 8BITMIME" || t_done
PB2=$PEER_PORT
out=$(printf 'EHLO p.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRSET\r\nQUIT\r\n' | raw "$PB2")
t_eq "$(printf '%s\n' "$out" | grep -cE '^(250|221) ')" 5 \
	"no PIPELINING, pipelined commands: every one answered"
t_match "$(t_peer_q B violation what detail)" '^pipelined_without_ext EHLO$' \
	"no PIPELINING: pipelined_without_ext logged"
out=$(conv "$PB2" 'EHLO strict.example\r\n' 'MAIL FROM:<a@example.org> SMTPUTF8\r\n' \
	'MAIL FROM:<a@example.org> SIZE=2000\r\n' 'MAIL FROM:<a@example.org> RET=FULL\r\n' \
	'MAIL FROM:<j\xc3\xbcrgen@example.org>\r\n' 'MAIL FROM: <a@example.org>\r\n' \
	'RCPT TO:<b@example.org> NOTIFY=NEVER\r\n' 'RCPT TO:<b@example.org>\r\n' \
	'BDAT 5\r\nabcde' 'NOOP\r\n' 'DATA\r\n' \
	'Subject: x\r\n\r\n8bit \xe9\r\nbare lf\nbare \r cr\r\n..stuffed\r\n.\r\n' 'QUIT\r\n')
t_eq "$out" "220 peer.example ESMTP smtppeer
250-peer.example|250-SIZE 1000|250 8BITMIME
555 Error: SMTPUTF8 not offered
552 Error: message size exceeds fixed limit
555 Error: RET not offered
553 Error: non-ASCII address without SMTPUTF8
250 Ok
555 Error: NOTIFY not offered
250 Ok
502 Error: command not implemented
250 Ok
354 End data with <CR><LF>.<CR><LF>
250 Ok: queued as 2.5
221 Bye" "strict: 555, 552, 553, 502 as a strict server; no enhanced codes when not offered"
t_eq "$(t_peer_q B violation conn=2 what | tr '\n' ' ')" \
	"smtputf8_without_ext param_without_ext 8bit_address_without_smtputf8 space_in_path param_without_ext bdat_without_chunking bare_lf bare_cr 8bit_without_8bitmime " \
	"strict: each violation logged"
F=$(t_peer_q B message conn=2 path)
t_eq "$(tail -n 1 "$F" 2>&1)" $'.stuffed\r' "strict: the stuffed line unstuffed"
big=$(head -c 1100 /dev/zero | tr '\0' 'a')
out=$(conv "$PB2" 'EHLO big.example\r\n' 'MAIL FROM:<a@example.org>\r\n' \
	'RCPT TO:<b@example.org>\r\n' 'DATA\r\n' "Subject: big\r\n\r\n$big\r\n.\r\n" 'QUIT\r\n')
t_match "$out" '^552 Error: message size exceeds fixed limit$' "SIZE: a message over the limit refused after its data"
t_eq "$(t_peer_q B message conn=3 accepted)" "false" "SIZE: logged as not accepted"
t_eq "$(t_peer_q B violation conn=3 what)" "long_line" "a line over 1000 octets: long_line"

# 6. STARTTLS and AUTH.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=peer.example -days 2 -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
t_peer TLS 0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" --auth user:secret \
	--auth-required || t_done
PT=$PEER_PORT
swaks --server "127.0.0.1:$PT" --tls --auth PLAIN --auth-user user --auth-password secret \
	--from a@example.org --to alice@example.org >"$T/tls1" 2>&1
t_match "$(t_peer_q TLS tls conn=1 version)" '^TLSv1\.[23]$' "swaks --tls: TLS started, version logged"
t_match "$(t_peer_q TLS auth conn=1 mech user ok tls)" '^PLAIN user true TLSv1\.[23]$' \
	"swaks AUTH PLAIN: verified, over TLS"
t_match "$(t_peer_q TLS message conn=1 accepted auth tls)" '^true user TLSv1\.[23]$' \
	"message: over TLS by the authenticated user"
t_eq "$(t_peer_q TLS reply conn=1 cmd=EHLO | wc -l) $(t_peer_q TLS reply conn=1 cmd=EHLO reply | grep -c STARTTLS)" \
	"2 1" "two EHLOs, STARTTLS offered in the first only"
swaks --server "127.0.0.1:$PT" --tls --auth LOGIN --auth-user user --auth-password wrong \
	--from a@example.org --to alice@example.org >"$T/tls2" 2>&1
t_eq "$(t_peer_q TLS auth conn=2 mech user ok)" "LOGIN user false" "swaks AUTH LOGIN, wrong password: refused"
t_eq "$(t_peer_q TLS reply conn=2 cmd=AUTH reply | tail -n 1)" "535 5.7.8 Error: authentication failed" \
	"wrong password: 535 5.7.8"
out=$(timeout 30 python3 - "$PT" <<'PY' 2>&1
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]))
s.ehlo('noauth.example')
print(s.mail('a@example.org'))
PY
)
t_eq "$out" "(530, b'5.7.0 Authentication required')" "--auth-required: MAIL before AUTH, 530 5.7.0"
out=$(printf 'EHLO s.example\nQUIT\n' | timeout 30 openssl s_client -starttls smtp \
	-connect "127.0.0.1:$PT" -servername mx.example.org -crlf -quiet 2>&1)
t_match "$out" '^221 2\.0\.0 Bye' "openssl s_client -starttls smtp: a session over TLS"
t_match "$(t_peer_q TLS tls conn=4 version sni)" '^TLSv1\.[23] mx\.example\.org$' \
	"s_client: TLS logged with the SNI name asked for"
printf 'QUIT\n' | timeout 30 openssl s_client -starttls smtp -connect "127.0.0.1:$PT" \
	-verify_return_error -crlf -quiet >"$T/verify.out" 2>&1
t_peer_wait 10 TLS close conn=5
t_match "$(t_peer_q TLS tls_failed conn=5 error)" '[Aa][Ll][Ee][Rr][Tt]' \
	"a client refusing the certificate: tls_failed logged with the alert"
t_eq "$(t_peer_q TLS close conn=5 by reason)" "server TLS handshake failed" \
	"a failed handshake: the connection closed"
out=$(conv "$PT" 'EHLO i.example\r\n' 'STARTTLS\r\nNOOP\r\n')
t_eq "$(t_peer_q TLS violation conn=6 what)" "data_after_starttls" \
	"input behind STARTTLS: logged and dropped"

# 7. Greetings: 421 closes, 554 keeps the connection for QUIT only.
t_peer G 0 --reply 'CONNECT=421 4.3.2 busy@1' --greeting '554 5.3.2 no service' || t_done
out=$(conv "$PEER_PORT" 'EHLO g.example\r\n' 2>&1)
t_match "$out" '^421 4\.3\.2 busy$' "greeting 421: sent"
t_eq "$(t_peer_q G close conn=1 by reason)" "server 421 at CONNECT" "greeting 421: then closed"
out=$(conv "$PEER_PORT" 'EHLO g.example\r\n' 'MAIL FROM:<a@example.org>\r\n' 'QUIT\r\n')
t_eq "$out" "554 5.3.2 no service
503 Error: no SMTP service here
503 Error: no SMTP service here
221 Bye" "greeting 554: every command but QUIT answered 503"

# 8. No ESMTP: smtplib falls back to HELO.
t_peer N 0 --no-esmtp || t_done
out=$(timeout 30 python3 - "$PEER_PORT" <<'PY' 2>&1
import smtplib, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), local_hostname='old.example')
print(s.sendmail('a@example.org', ['b@example.org'], 'Subject: old\r\n\r\nhi\r\n'))
print(s.docmd('MAIL FROM:<a@example.org> SIZE=10'))
PY
)
t_eq "$out" "{}
(555, b'Error: SIZE not offered')" "--no-esmtp: the message over HELO; no parameters"
t_eq "$(t_peer_q N reply cmd=EHLO reply)" "502 Error: command not implemented" "--no-esmtp: EHLO 502"
t_eq "$(t_peer_q N helo verb name)" "HELO old.example" "--no-esmtp: HELO logged"

# 9. Many concurrent connections: Postfix's smtp-source.
t_peer S 0 --delay 'DOT=0.2' || t_done
timeout 60 smtp-source -s 5 -m 20 -f src@example.org -t sink@example.org \
	"127.0.0.1:$PEER_PORT" >"$T/source.out" 2>&1
t_eq "$(t_peer_q S message accepted=true complete=true | wc -l)" 20 "smtp-source: 20 messages"
t_eq "$(t_peer_q S open | wc -l)" 20 "smtp-source: 20 connections counted"
most=$(grep -oE '"ev": "(open|close)"' "$T/S.log" | awk '/open/ { n++; if (n > m) m = n } /close/ { n-- } END { print m + 0 }')
if [ "$most" -gt 1 ]; then t_pass "smtp-source: connections served at once ($most)"
else t_fail "smtp-source: connections served at once" "at most $most open at a time"; fi
timeout 60 smtp-source -s 2 -m 8 -d -f src@example.org -t sink@example.org \
	"127.0.0.1:$PEER_PORT" >"$T/source2.out" 2>&1
t_eq "$(t_peer_q S open | wc -l)" 22 "smtp-source -d: 8 messages over 2 connections"

# 10. IPv6, a delayed greeting, the idle timeout, CONNECT=hang.
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	t_peer V6 0 --ipv6 || t_done
	# swaks needs IO::Socket::INET6 for IPv6: smtplib
	timeout 30 python3 - "$PEER_PORT" <<'PY' >"$T/v6.out" 2>&1
import smtplib, sys
for host in ('::1', '127.0.0.1'):
    s = smtplib.SMTP(host, int(sys.argv[1]))
    s.sendmail('a@example.org', ['b@example.org'], 'Subject: v6\r\n\r\nhi\r\n')
    s.quit()
PY
	t_eq "$(t_peer_q V6 open client local)" "::1 ::1
127.0.0.1 127.0.0.1" "--ipv6: served on ::1 and 127.0.0.1"
else
	t_skip "--ipv6 (no IPv6 loopback here)"
fi
t_peer D 0 --delay 'CONNECT=1.5@2' --timeout 1 --reply 'CONNECT:127.0.0.1=hang@1' || t_done
PD=$PEER_PORT
out=$(timeout 10 python3 -c 'import sys
sys.path.insert(0, sys.argv[1])
from tnet import connect, read_all
print(read_all(connect(sys.argv[2]), quiet=1).decode() or "nothing")' "$TOP/tests/integration" "$PD" 2>&1)
t_eq "$out" "nothing" "CONNECT=hang: TCP accepted, no greeting"
t_peer_wait 10 D hang   # (after its delay of 1.5 s)
t_eq "$(t_peer_q D hang conn=1 cmd)" "CONNECT" "CONNECT=hang: logged"
start=$(date +%s%N)
out=$(conv "$PD" -)
took=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "$out" "220 peer.example ESMTP smtppeer
421 4.4.2 peer.example Error: timeout exceeded" "--timeout 1: an idle client gets 421 4.4.2"
if [ "$took" -ge 2400 ]; then t_pass "--delay CONNECT=1.5: the greeting came late ($took ms in all)"
else t_fail "--delay CONNECT=1.5: the greeting came late" "$took ms"; fi
t_eq "$(t_peer_q D close conn=2 by reason)" "server timeout" "timeout: logged"

# 11. Scripted multi-line replies, a DATA refused once, a client that
# leaves inside the data; the --ext of the issue's example; a bad rule.
t_peer M 0 --greeting '220 first\nsecond line' --reply 'EHLO=250 custom\nSIZE 5' \
	--reply 'DATA=554 5.7.1 no data@1' --ext "PIPELINING SIZE=10000 8BITMIME DSN" || t_done
out=$(conv "$PEER_PORT" 'EHLO m.example\r\n' 'MAIL FROM:<a@example.org> SIZE=5\r\n' \
	'RCPT TO:<b@example.org>\r\n' 'DATA\r\n' 'DATA\r\n' 'Subject: x\r\n\r\n0123456789\r\n')
t_match "$out" '^220-first\|220 second line$' "a multi-line greeting from --greeting"
t_match "$out" '^250-custom\|250 SIZE 5$' "a multi-line EHLO reply from a rule"
t_match "$out" '^554 5\.7\.1 no data$' "DATA=554@1: the first DATA refused"
t_match "$out" '^354 ' "DATA=554@1: the second DATA gets 354"
t_peer_wait 10 M close
t_eq "$(t_peer_q M message complete accepted reply size)" "false false null 26" \
	"a client leaving inside the data: the message logged as incomplete"
t_eq "$(t_peer_q M violation what detail)" "size_above_declared 26 > 5" \
	"a message larger than MAIL's SIZE=: size_above_declared"
t_eq "$(t_peer_q M reply conn=1 cmd=EHLO reply)" "250-custom
250 SIZE 5" "the scripted reply logged as sent"
out=$(python3 "$PEER" --port 0 --log "$T/bad.log" --reply 'FOO=550 x' 2>&1)
t_eq "$? $out" "1 smtppeer: bad rule: 'FOO=550 x'" "a bad rule: the peer refuses to start"
out=$(python3 "$PEER" --port 0 --log "$T/bad.log" --ext 'STARTTLS' 2>&1)
t_eq "$out" "smtppeer: STARTTLS offered without --tls-cert" "STARTTLS without a certificate: refused"

# 12. SIGTERM ends it; a fixed port serves again after a restart.
P=$(t_free_port)
t_peer R "$P" || t_done
t_bg_stop "$PEER_PID"
t_eq "$(tail -n 1 "$T/R.log" | python3 -c 'import json, sys; print(json.load(sys.stdin)["ev"])')" \
	"exit" "SIGTERM: the peer logs its exit and ends"
t_peer R "$P" || t_done
swaks --server "127.0.0.1:$P" --from a@example.org --to b@example.org >/dev/null 2>&1
t_eq "$(t_peer_q R listen port | sort -u)" "$P" "restart on the same port ($P)"
t_eq "$(t_peer_q R message accepted)" "true" "restart: mail accepted again"
t_done
