#!/bin/bash
# t_smtpd.sh - smtpd(8) with real clients: what it answers and what it
# writes into the queue.
#
# One instance with the services of smtpd(8) (smtp, submission, smtps,
# submit) plus two test-only services with tight limits ("strict") and an
# impossible queue_minfree ("full"), and auth for logins and recipient
# lookups.  qmgr is not enabled, so every accepted message stays in
# queue/incoming/ where its envelope and content are checked byte for byte.
# mynetworks excludes 127.0.0.1, so the tests are an outside client unless
# they authenticate.  The greeting/EHLO/replies and the refusals of issue 3
# are covered here; t_smtpd_data.sh covers content, BDAT and smuggling.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd_lib.sh"

smtpd_instance
t_start

# ---- greeting, EHLO, simple commands ----------------------------------

out=$(printf 'EHLO client.example\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^220 [^ ]+ ESMTP tern' "greeting 220 with the banner"
for ext in PIPELINING 'SIZE 2097152' 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES DSN CHUNKING STARTTLS 'AUTH PLAIN LOGIN'; do
	t_match "$out" "^250[- ]$ext\$" "EHLO offers $ext"
done
t_match "$out" '^221 2\.0\.0 ' "QUIT 221 2.0.0"

out=$(printf 'EHLO c\r\nQUIT\r\n' | raw "$P26")
t_nomatch "$out" 'AUTH' "no AUTH offered where auth_plaintext=never and no TLS"

out=$(printf 'HELO client.example\r\nRSET\r\nNOOP\r\nNOOP hello\r\nVRFY a@localhost\r\nEXPN team\r\nHELP\r\nSEND FROM:<a@b.c>\r\nSOML FROM:<a@b.c>\r\nSAML FROM:<a@b.c>\r\nTURN\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^250 [^ ]+$' "HELO 250 with the host name"
t_eq "$(echo "$out" | grep -c '^250 2\.0\.0 Ok$')" 3 "RSET and NOOP (with and without argument) 250 2.0.0"
t_match "$out" '^252 2\.0\.0 ' "VRFY 252 by default"
t_match "$out" '^502 5\.5\.1 .*EXPN' "EXPN 502 by default"
t_match "$out" '^214 2\.0\.0 ' "HELP 214"
t_eq "$(echo "$out" | grep -c '^502 5\.5\.1 Error: command not implemented')" 4 "SEND SOML SAML TURN 502 5.5.1"

out=$(printf 'EHLO c\r\nEXPN team\r\nEXPN nosuchlist\r\nQUIT\r\n' | raw "$P26")
t_match "$out" '^250-2\.1\.5 <a@localhost>' "EXPN lists a local alias where enabled"
t_match "$out" '^250 2\.1\.5 <b@localhost>' "EXPN: last target ends the reply"
t_match "$out" '^550 5\.1\.1 nosuchlist' "EXPN of a non-list 550"

# Every reply but the greeting, the HELO/EHLO success and 3xx carries an
# RFC 3463 enhanced status code (RFC 2034 §3).
out=$(printf 'MAIL FROM:<a@b.example>\r\nEHLO c\r\nRCPT TO:<a@localhost>\r\nDATA\r\nFOO\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@localhost>\r\nRCPT TO:<x@remote.example>\r\nDATA\r\nBDAT 3\r\nabcRSET\r\nVRFY\r\nAUTH\r\nHELO\r\nSTARTTLS now\r\nMAIL TO:<x>\r\nMAIL FROM:<a@b.example> FOO=1\r\nRSET x\r\nNOOP\r\nQUIT\r\n' | raw "$P25")
bad=$(echo "$out" | grep -Ev '^220 [^ ]+ ESMTP|^250[- ][A-Za-z0-9]|^3[0-9][0-9] ' |
	grep -Ev '^[245][0-9][0-9][ -][245]\.[0-9]{1,3}\.[0-9]{1,3} ' || true)
t_eq "$bad" "" "every other reply has an enhanced status code"
t_eq "$(echo "$out" | grep -cE '^[0-9]{3} ')" 21 "one reply per command, pipelined"

# ---- state machine and syntax (RFC 5321 §4.1.4, §4.5.3.1.4) -------------

out=$(printf 'MAIL FROM:<a@b.example>\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^503 5\.5\.1 .*HELO' "MAIL before HELO: 503 5.5.1"
out=$(printf 'EHLO c\r\nRCPT TO:<a@localhost>\r\nDATA\r\nMAIL FROM:<>\r\nMAIL FROM:<>\r\nDATA\r\nRCPT TO:<nobody@localhost>\r\nDATA\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^503 5\.5\.1 Error: need MAIL' "RCPT before MAIL: 503 5.5.1"
t_eq "$(echo "$out" | grep -c '^503 5\.5\.1 Error: need MAIL')" 2 "DATA before MAIL: 503 5.5.1"
t_match "$out" '^503 5\.5\.1 .*MAIL not allowed during a mail transaction' "nested MAIL: 503"
t_match "$out" '^503 5\.5\.1 Error: need RCPT' "DATA without RCPT: 503 5.5.1"
t_match "$out" '^554 5\.5\.1 Error: no valid recipients' "DATA after only rejected RCPTs: 554 5.5.1"

out=$(printf 'EHLO c\r\nXYZZY\r\nMAIL FROM:a@b\r\nMAIL FROM:<a@b.example> SIZE=abc\r\nMAIL FROM:<a@b.example> BODY=BINARYMIME\r\nMAIL FROM:<a@b.example> WHAT=1\r\nMAIL FROM:<a@b.example> RET=FULL RET=HDRS\r\nMAIL FROM:<grüße@b.example>\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^500 5\.5\.1 Error: command not recognized' "unknown command 500 5.5.1"
t_match "$out" '^501 5\.1\.7 ' "path without brackets 501 5.1.7"
t_match "$out" '^501 5\.5\.4 .*SIZE' "bad SIZE 501 5.5.4"
t_match "$out" '^555 5\.5\.4 .*BINARYMIME' "BODY=BINARYMIME 555 (not offered)"
t_match "$out" '^555 5\.5\.4 .*unsupported MAIL parameter' "unknown MAIL parameter 555 5.5.4"
t_match "$out" '^501 5\.5\.4 .*duplicate RET' "duplicate RET 501 (RFC 3461 §4.5)"
t_match "$out" '^553 5\.6\.7 ' "UTF-8 sender without SMTPUTF8 553 5.6.7"

long=$(head -c 600 /dev/zero | tr '\0' 'x')
out=$(printf 'EHLO c\r\nNOOP %s\r\nNOOP\r\nQUIT\r\n' "$long" | raw "$P25")
t_match "$out" '^500 5\.5\.2 Error: line too long' "command line over 512 octets: 500 5.5.2"
t_match "$out" '^250 2\.0\.0 Ok' "the session goes on after a too long line"
long=$(head -c 5000 /dev/zero | tr '\0' 'x')
out=$(printf 'EHLO c\r\nNOOP %s\r\nNOOP\r\nQUIT\r\n' "$long" | raw "$P25")
t_match "$out" '^500 5\.5\.2 Error: line too long' "5000-octet command line: 500 5.5.2"
t_match "$out" '^221 ' "and the session still ends normally"

# ---- recipients: local users, aliases, relay rules ----------------------

out=$(printf 'EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@localhost>\r\nRCPT TO:<A@LocalHost>\r\nRCPT TO:<a+tag@localhost>\r\nRCPT TO:<B+x@LOCALHOST>\r\nRCPT TO:<team@localhost>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<PostMaster@localhost>\r\nRCPT TO:<"a"@localhost>\r\nRSET\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^250 2\.1\.0 Ok' "MAIL FROM:<> accepted"
t_eq "$(echo "$out" | grep -c '^250 2\.1\.5 Ok')" 8 "users, case, +tag, alias, postmaster, quoted-equivalent accepted"

out=$(printf 'EHLO c\r\nMAIL FROM:<x@remote.example>\r\nRCPT TO:<nobody@localhost>\r\nRCPT TO:<x@remote.example>\r\nRCPT TO:<@localhost:x@remote.example>\r\nRCPT TO:<x%%remote.example@localhost>\r\nRCPT TO:<remote.example!x@localhost>\r\nRCPT TO:<"x@remote.example"@localhost>\r\nRCPT TO:<a@[127.0.0.1]>\r\nRCPT TO:<postmaster@remote.example>\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^550 5\.1\.1 <nobody@localhost>: Recipient address rejected' "unknown local user 550 5.1.1"
t_match "$out" '^554 5\.7\.1 <x@remote\.example>: Relay access denied' "relay to a remote domain 554 5.7.1"
t_eq "$(echo "$out" | grep -c '^554 5\.7\.1 <x@remote\.example>')" 2 "a source route is dropped, still no relay"
t_match "$out" '^550 5\.1\.1 <x%remote\.example@localhost>' "percent hack: no relay, no local user"
t_match "$out" '^550 5\.1\.1 <remote\.example!x@localhost>' "bang path: no relay, no local user"
t_match "$out" '^550 5\.1\.1 <"x@remote\.example"@localhost>' "quoted local part: no relay, no local user"
t_match "$out" '^554 5\.7\.1 <a@\[127\.0\.0\.1\]>' "address literal is not local: relay denied"
t_match "$out" '^554 5\.7\.1 <postmaster@remote\.example>' "remote postmaster is relaying"
t_eq "$(echo "$out" | grep -c '^250 2\.1\.5')" 0 "nothing accepted for an outside client"
t_file_has "$INST/log/maillog" 'NOQUEUE: reject: RCPT from \[127\.0\.0\.1\]:[0-9]+: 550 5\.1\.1 <nobody@localhost>: .*from=<x@remote\.example> to=<nobody@localhost>' "reject logged Postfix-style"
t_file_has "$INST/log/maillog" 'NOQUEUE: reject: RCPT from \[127\.0\.0\.1\]:[0-9]+: 554 5\.7\.1 <x@remote\.example>: Relay access denied' "relay refusal logged"

out=$(printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<a@localhost>\r\nRCPT TO:<b@localhost>\r\nRCPT TO:<team@localhost>\r\nRCPT TO:<postmaster@localhost>\r\nRCPT TO:<a@localhost> NOTIFY=NEVER\r\nQUIT\r\n' | raw "$P26")
t_eq "$(echo "$out" | grep -c '^250 2\.1\.5')" 3 "recipients up to smtpd_recipient_limit"
t_eq "$(echo "$out" | grep -c '^452 4\.5\.3 ')" 2 "more recipients 452 4.5.3"

# ---- size and free space -------------------------------------------------

out=$(printf 'EHLO c\r\nMAIL FROM:<a@b.example> SIZE=3000000\r\nMAIL FROM:<a@b.example> SIZE=2000000\r\nQUIT\r\n' | raw "$P25")
t_match "$out" '^552 5\.3\.4 Message size exceeds fixed limit' "SIZE over message_size_limit: 552 5.3.4"
t_match "$out" '^250 2\.1\.0 Ok' "SIZE under the limit accepted"
n0=$(qcount)
head -c 2500000 /dev/zero | tr '\0' 'z' | fold -w 100 > "$T/big.txt"
out=$(swaks --server 127.0.0.1:"$P25" --from x@b.example --to a@localhost --body @"$T/big.txt" 2>&1)
t_match "$out" '<\*\* +552 5\.3\.4 ' "message over message_size_limit: 552 5.3.4 after the data"
t_eq "$(qcount)" "$n0" "nothing queued for the too large message"
t_eq "$(ls "$INST/queue/tmp" | wc -l)" 0 "its temporary file is gone"

out=$(printf 'EHLO c\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n' | raw "$P27")
t_match "$out" '^452 4\.3\.1 Insufficient system storage' "below queue_minfree: 452 4.3.1"

# ---- limits: timeout, errors --------------------------------------------

start=$(date +%s)
out=$( (printf 'EHLO c\r\n'; sleep 4) | raw "$P26")
t_match "$out" '^421 4\.4\.2 .*timeout' "idle past smtpd_timeout: 421 4.4.2"
t_file_has "$INST/log/maillog" 'timeout after EHLO from \[127\.0\.0\.1\]:[0-9]+' "timeout logged"
out=$(printf 'EHLO c\r\nA\r\nB\r\nC\r\nD\r\nE\r\nNOOP\r\n' | raw "$P26")
t_match "$out" '^421 4\.7\.0 .*too many errors' "smtpd_hard_error_limit: 421 4.7.0"
t_nomatch "$out" '^250 2\.0\.0 Ok' "and disconnected before the next command"

# ---- a message over smtp, with the log lines ------------------------------

printf 'Subject: plain\n\nhello\n' > "$T/m0"
n0=$(qcount)
out=$(swaks --server 127.0.0.1:"$P25" --from x@b.example --to a@localhost --data @"$T/m0" 2>&1)
t_match "$out" '<-  250 2\.0\.0 Ok: queued as [0-9A-F]{21}' "swaks: 250 2.0.0 queued as ID"
id=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
t_eq "$(qcount)" $((n0 + 1)) "one queue file in incoming/"
t_file_has "$INST/log/maillog" "$id: client=\\[127\\.0\\.0\\.1\\]:[0-9]+" "log: ID: client=[127.0.0.1]:PORT"
t_file_has "$INST/log/maillog" "$id: from=<x@b\\.example>, size=[0-9]+, nrcpt=1" "log: ID: from=<>, size, nrcpt"
# One name for the client from connect to disconnect, as every server
# names it, and the one disconnect line with smtpd's counters in it
# (lib/login_log.h).
port=$(sed -nE "s/.*$id: client=\\[127\\.0\\.0\\.1\\]:([0-9]+)\$/\\1/p" "$INST/log/maillog")
t_file_has "$INST/log/maillog" "smtpd\\[[0-9]+\\]: connect from \\[127\\.0\\.0\\.1\\]:${port:-none}\$" \
	"log: connect from [127.0.0.1]:PORT"
t_wait 10 grep -q "disconnect from \\[127\\.0\\.0\\.1\\]:${port:-none} " "$INST/log/maillog"
t_file_has "$INST/log/maillog" "smtpd\\[[0-9]+\\]: disconnect from \\[127\\.0\\.0\\.1\\]:${port:-none} commands=5 errors=0\$" \
	"log: disconnect from [127.0.0.1]:PORT commands=5 errors=0 (EHLO MAIL RCPT DATA QUIT)"
if [ -s "$INST/log/maillog" ] && ! grep -q 'unknown\[' "$INST/log/maillog"; then
	t_pass "no client is named unknown[ADDR] in the log"
else
	t_fail "no client is named unknown[ADDR] in the log" "missing log, or: $(grep -m1 'unknown\[' "$INST/log/maillog")"
fi
env=$(envelope "$Q/$id")
t_match "$env" '^sender=x@b\.example$' "envelope: sender"
t_match "$env" '^rcpt=a@localhost$' "envelope: rcpt"
t_match "$env" '^client_addr=127\.0\.0\.1$' "envelope: client_addr"
t_match "$env" '^helo=' "envelope: helo"
t_match "$env" '^proto=ESMTP$' "envelope: proto"
t_match "$env" '^service=smtp$' "envelope: service"
t_match "$env" '^arrival=[0-9]+$' "envelope: arrival"

out=$(swaks --server 127.0.0.1:"$P25" --pipeline --from x@b.example --to a@localhost,b@localhost --data @"$T/m0" 2>&1)
t_match "$out" '<-  250 2\.0\.0 Ok: queued as' "swaks --pipeline (PIPELINING)"

# DSN parameters go into the envelope (RFC 3461).
printf 'EHLO c\r\nMAIL FROM:<x@b.example> RET=HDRS ENVID=abc+2Bdef BODY=8BITMIME SIZE=100\r\nRCPT TO:<a@localhost> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+40localhost\r\nRCPT TO:<b@localhost>\r\nDATA\r\nSubject: dsn\r\n\r\nx\r\n.\r\nQUIT\r\n' | raw "$P25" > "$T/dsn.out"
id=$(sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p' "$T/dsn.out")
env=$(envelope "$Q/$id")
t_match "$env" '^ret=HDRS$' "envelope: ret"
t_match "$env" '^envid=abc\+def$' "envelope: envid, xtext decoded"
t_match "$env" '^body=8BITMIME$' "envelope: body"
t_eq "$(echo "$env" | grep '^rcpt_notify=' | tr '\n' '|')" "rcpt_notify=SUCCESS,FAILURE|rcpt_notify=|" "envelope: rcpt_notify, parallel list"
t_eq "$(echo "$env" | grep '^rcpt_orcpt=' | tr '\n' '|')" "rcpt_orcpt=rfc822;a@localhost|rcpt_orcpt=|" "envelope: rcpt_orcpt, parallel list"

# ---- STARTTLS (RFC 3207) --------------------------------------------------

out=$(swaks --server 127.0.0.1:"$P25" --tls --from x@b.example --to a@localhost --data @"$T/m0" 2>&1)
t_match "$out" '<-  220 2\.0\.0 Ready to start TLS' "STARTTLS 220 2.0.0"
t_match "$out" '<~  250 2\.0\.0 Ok: queued as' "swaks --tls: message accepted over TLS"
t_nomatch "$out" '<~  250-STARTTLS' "STARTTLS no longer offered under TLS"
id=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
content "$Q/$id" > "$T/tls.msg"
t_file_has "$T/tls.msg" '^	by .* \(tern\) with ESMTPS id '"$id"'$' "Received: with ESMTPS"
t_file_has "$T/tls.msg" '^	\(using TLSv1\.[23] with cipher [A-Z0-9_-]+\)$' "Received: TLS version and cipher"
t_match "$(envelope "$Q/$id")" '^tls=TLSv1\.[23]/' "envelope: tls"

# s_client sends EHLO and STARTTLS itself; what follows goes under TLS.
out=$( (sleep 1; printf 'MAIL FROM:<x@b.example>\r\n'; sleep 1; printf 'EHLO again\r\nMAIL FROM:<x@b.example>\r\nQUIT\r\n'; sleep 1) |
	openssl s_client -starttls smtp -connect 127.0.0.1:"$P25" -quiet 2>/dev/null)
t_match "$out" '^503 5\.5\.1 .*HELO' "s_client: after STARTTLS the EHLO is forgotten (RFC 3207 §4.2)"
t_match "$out" '^250 2\.1\.0 Ok' "s_client: MAIL after a new EHLO"

out=$($SMTPC inject "$P25")
t_match "$out" '^220 2\.0\.0 Ready to start TLS' "injection probe: STARTTLS answered"
t_nomatch "$out" '214' "plaintext pipelined behind STARTTLS is discarded"
t_match "$out" '^after-tls: 250 2\.0\.0 Ok' "first reply under TLS is to the first command sent under TLS"
t_match "$out" '^after-tls: 503 5\.5\.1' "MAIL right after the handshake: 503 (session reset)"

out=$(swaks --server 127.0.0.1:"$P465" --tlsc --from x@b.example --to a@localhost --data @"$T/m0" 2>&1)
t_match "$out" '<~  220 ' "smtps: greeting over TLS (wrapper mode)"
t_match "$out" '<~  250 2\.0\.0 Ok: queued as' "smtps: message accepted"

# ---- stop: an idle client hears 421 at once -----------------------------

# A reload that replaces the service retires its processes with SIGHUP:
# an established session goes on to the end (architecture §1).
trap '' PIPE	# a session cut early must fail the checks, not kill the script
mkfifo "$T/reload.in"
raw "$P25" < "$T/reload.in" > "$T/reload.out" &
rawpid=$!
exec 7>"$T/reload.in"
printf 'EHLO c\r\n' >&7
t_wait 5 grep -q '^250 ' "$T/reload.out"
t_set smtpd_banner '$myhostname ESMTP reloaded'
tmailctl reload >/dev/null 2>&1
t_wait 10 grep -q 'reloaded' "$INST/log/maillog"
sleep 1
printf 'MAIL FROM:<a@example.org>\r\nQUIT\r\n' >&7
exec 7>&-
wait "$rawpid"
t_match "$(cat "$T/reload.out")" '^250 2\.1\.0' "a reload does not cut an established SMTP session"
t_nomatch "$(cat "$T/reload.out")" '^421' "no 421 on reload"

mkfifo "$T/stop.in"
raw "$P25" < "$T/stop.in" > "$T/stop.out" &
rawpid=$!
exec 7>"$T/stop.in"
printf 'EHLO c\r\n' >&7
t_wait 5 grep -q '^250 ' "$T/stop.out"
t_stop
t_wait 10 grep -q '^421 ' "$T/stop.out"
exec 7>&-
wait "$rawpid"
t_match "$(cat "$T/stop.out")" '^421 4\.3\.2 .*shutting down' "mailctl stop: idle session gets 421 4.3.2"
t_file_has "$INST/log/maillog" 'shutdown: closing session of \[127\.0\.0\.1\]:[0-9]+ after EHLO' "shutdown logged"

t_done
