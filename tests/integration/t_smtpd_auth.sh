#!/bin/bash
# t_smtpd_auth.sh - AUTH and the submission services of smtpd(8): AUTH
# PLAIN and LOGIN verified by auth (right and wrong passwords, cancel, bad
# base64, plaintext refused outside TLS where auth_plaintext says so),
# submission requiring AUTH and a sender that belongs to the login,
# missing Date and Message-ID added, relaying after AUTH, smtps, and local
# submission over public/submit with the submitter's uid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd_lib.sh"

smtpd_instance
t_start

PLAIN_A=$(t_b64 '\0a@localhost\0secret-a')
PLAIN_BAD=$(t_b64 '\0a@localhost\0wrong-password')

# ---- submission: AUTH required, sender must match -------------------------

out=$(printf 'EHLO c\r\nMAIL FROM:<a@localhost>\r\nQUIT\r\n' | raw "$P587")
t_match "$out" '^250[- ]AUTH PLAIN LOGIN$' "submission offers AUTH PLAIN LOGIN to a loopback client"
t_match "$out" '^530 5\.7\.0 Authentication required' "submission without AUTH: 530 5.7.0"

out=$(swaks --server 127.0.0.1:"$P587" --from a@localhost --to b@localhost --auth PLAIN \
	--auth-user a@localhost --auth-password secret-a --body 'via plain' 2>&1)
t_match "$out" '<-  235 2\.7\.0 Authentication successful' "AUTH PLAIN: 235 2.7.0"
t_match "$out" '<-  250 2\.0\.0 Ok: queued as' "submission after AUTH PLAIN: queued"
id=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
env=$(envelope "$Q/$id")
t_match "$env" '^auth_user=a@localhost$' "envelope: auth_user"
t_match "$env" '^service=submission$' "envelope: service submission"
t_match "$env" '^proto=ESMTPA$' "proto ESMTPA (RFC 3848)"
t_nomatch "$(content "$Q/$id")" 'Authenticated sender' "the login is not in Received by default"

out=$(swaks --server 127.0.0.1:"$P587" --from a@localhost --to b@localhost --auth LOGIN \
	--auth-user a@localhost --auth-password secret-a --body 'via login' 2>&1)
t_match "$out" '<-  334 VXNlcm5hbWU6' "AUTH LOGIN: Username: challenge"
t_match "$out" '<-  235 2\.7\.0 ' "AUTH LOGIN: 235 2.7.0"
t_match "$out" '<-  250 2\.0\.0 Ok: queued as' "submission after AUTH LOGIN: queued"

out=$(printf 'EHLO c\r\nAUTH PLAIN %s\r\nAUTH PLAIN\r\n*\r\nAUTH PLAIN\r\n%s\r\nAUTH LOGIN\r\n!!!!\r\nAUTH CRAM-MD5\r\nAUTH PLAIN %s\r\nAUTH PLAIN %s\r\nMAIL FROM:<a@localhost>\r\nAUTH PLAIN %s\r\nQUIT\r\n' \
	"$PLAIN_BAD" "$PLAIN_BAD" "$(t_b64 'no-nul-here')" "$PLAIN_A" "$PLAIN_A" "$PLAIN_A" | raw "$P587")
t_eq "$(echo "$out" | grep -c '^535 5\.7\.8 ')" 2 "wrong password (initial response and after 334): 535 5.7.8"
t_match "$out" '^501 5\.7\.0 Authentication aborted' "\"*\" cancels: 501 5.7.0"
t_match "$out" '^501 5\.5\.2 Error: cannot decode' "bad base64: 501 5.5.2"
t_match "$out" '^504 5\.5\.4 ' "unknown mechanism: 504 5.5.4"
t_match "$out" '^501 5\.5\.2 Error: malformed PLAIN' "PLAIN without NULs: 501 5.5.2"
t_match "$out" '^235 2\.7\.0 ' "then the right password: 235"
t_match "$out" '^503 5\.5\.1 .*not allowed during a mail transaction' "AUTH in a transaction: 503"
t_file_has "$INST/log/maillog" 'SASL PLAIN authentication failed' "failed login logged"
t_log_lacks "no password in the log, in any form" a@localhost wrong-password secret-a

out=$(printf 'EHLO c\r\nAUTH PLAIN %s\r\nAUTH PLAIN %s\r\nMAIL FROM:<b@localhost>\r\nMAIL FROM:<B@other.example>\r\nMAIL FROM:<A@LOCALHOST>\r\nRSET\r\nMAIL FROM:<alias-a@localhost>\r\nRSET\r\nMAIL FROM:<>\r\nRCPT TO:<someone@remote.example>\r\nQUIT\r\n' \
	"$PLAIN_A" "$PLAIN_A" | raw "$P587")
t_match "$out" '^503 5\.5\.1 Error: already authenticated' "second AUTH: 503"
t_match "$out" '^553 5\.7\.1 <b@localhost>: Sender address rejected: not owned by user a@localhost' "forged sender refused: 553 5.7.1"
t_match "$out" '^553 5\.7\.1 <B@other\.example>' "foreign sender refused"
t_eq "$(echo "$out" | grep -c '^250 2\.1\.0 Ok')" 3 "own address (any case), an alias of it and <> accepted"
t_match "$out" '^250 2\.1\.5 Ok' "relaying permitted after AUTH"

# Date and Message-ID added when missing (RFC 6409 §8.2, §8.3), at the end
# of the header; kept when present.
out=$(printf 'EHLO c\r\nAUTH PLAIN %s\r\nMAIL FROM:<a@localhost>\r\nRCPT TO:<b@localhost>\r\nDATA\r\nSubject: no date\r\nX-Two: lines\r\n folded\r\n\r\nbody\r\n.\r\nMAIL FROM:<a@localhost>\r\nRCPT TO:<b@localhost>\r\nDATA\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\nMessage-ID: <own@id>\r\n\r\nbody\r\n.\r\nQUIT\r\n' "$PLAIN_A" | raw "$P587")
ids=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
id1=$(echo "$ids" | head -n 1)
id2=$(echo "$ids" | sed -n 2p)
content "$Q/$id1" | $SMTPC strip-received > "$T/added"
t_eq "$(sed -n 1,3p "$T/added" | tr '\n' '|')" "Subject: no date|X-Two: lines| folded|" "original fields first, unchanged"
t_match "$(sed -n 4p "$T/added")" '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} ' "Date added"
t_eq "$(sed -n 5p "$T/added")" "Message-ID: <$id1@$(tmailctl config myhostname | sed 's/.* = //')>" "Message-ID added"
t_eq "$(sed -n '6,$p' "$T/added" | tr '\n' '|')" "|body|" "then the blank line and the body"
content "$Q/$id2" | $SMTPC strip-received > "$T/kept"
t_eq "$(tr '\n' '|' < "$T/kept")" "Date: Thu, 01 Jan 2026 00:00:00 +0000|Message-ID: <own@id>||body|" "present Date and Message-ID kept, nothing added"

out=$(printf 'EHLO c\r\nAUTH PLAIN %s\r\nMAIL FROM:<a@localhost>\r\nRCPT TO:<b@localhost>\r\nDATA\r\nSubject: only header\r\n.\r\nQUIT\r\n' "$PLAIN_A" | raw "$P587")
id=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
t_eq "$(content "$Q/$id" | $SMTPC strip-received | cut -d: -f1 | tr '\n' '|')" "Subject|Date|Message-ID|" "header-only message: fields added at its end"

# ---- plaintext policy (auth_plaintext) and TLS -------------------------------

out=$(printf 'EHLO c\r\nAUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_A" | raw "$P26")
t_match "$out" '^538 5\.7\.11 Encryption required' "auth_plaintext=never: AUTH outside TLS 538 5.7.11"
printf 'Subject: tls auth\n\nx\n' > "$T/m1"
out=$($SMTPC send "$P26" a@localhost someone@remote.example "$T/m1" a@localhost secret-a)
t_eq "$out" sent "auth_plaintext=never: STARTTLS, AUTH, relay (smtplib)"
id=$(qlast)
t_match "$(envelope "$Q/$id")" '^proto=ESMTPSA$' "proto ESMTPSA"
t_match "$(content "$Q/$id")" 'with ESMTPSA id' "Received: with ESMTPSA"

out=$(swaks --server 127.0.0.1:"$P465" --tlsc --from a@localhost --to someone@remote.example \
	--auth PLAIN --auth-user a@localhost --auth-password secret-a --body x 2>&1)
t_match "$out" '<~  235 2\.7\.0 ' "smtps: AUTH over implicit TLS"
t_match "$out" '<~  250 2\.0\.0 Ok: queued as' "smtps: relay after AUTH"

out=$(swaks --server 127.0.0.1:"$P28" --from a@localhost --to b@localhost \
	--auth PLAIN --auth-user a@localhost --auth-password secret-a --body x 2>&1)
id=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
t_match "$(content "$Q/$id")" '^	\(Authenticated sender: a@localhost\)$' "smtpd_sasl_authenticated_header=yes names the login (chrooted service)"

# ---- local submission over public/submit ---------------------------------

if t_is_root; then
	submitter=nobody
	suid=$(id -u nobody)
	asuser() { runuser -u nobody -- "$@"; }
else
	suid=$(id -u)
	asuser() { "$@"; }
fi
out=$(printf 'EHLO localhost\r\nMAIL FROM:<someone@localhost>\r\nRCPT TO:<a@localhost>\r\nRCPT TO:<x@remote.example>\r\nDATA\r\nSubject: local\r\n\r\nfrom a local user\r\n.\r\nQUIT\r\n' |
	asuser python3 "$TOP/tests/integration/smtpc.py" raw "unix:$INST/queue/public/submit")
t_match "$out" '^220 ' "submit: greeting on public/submit${submitter:+ (as $submitter)}"
t_nomatch "$out" 'AUTH|STARTTLS' "submit: neither AUTH nor STARTTLS offered"
t_eq "$(echo "$out" | grep -c '^250 2\.1\.5')" 2 "submit: local and remote recipients accepted without AUTH"
t_match "$out" '^250 2\.0\.0 Ok: queued as' "submit: queued"
id=$(echo "$out" | sed -nE 's/.*queued as ([0-9A-F]+).*/\1/p')
env=$(envelope "$Q/$id")
t_match "$env" "^submit_uid=$suid\$" "envelope: submit_uid from SO_PEERCRED"
t_match "$env" '^service=submit$' "envelope: service submit"
content "$Q/$id" > "$T/local"
t_file_has "$T/local" "^	by .* \\(tern, from userid $suid\\) with ESMTP id $id(; .*)?\$" "Received: from userid"
t_file_has "$T/local" '^Message-ID: <' "submit: Message-ID added"
t_file_has "$T/local" '^Date: ' "submit: Date added"
t_file_has "$INST/log/maillog" "$id: client=local uid=$suid\$" "log: client and uid (local submission has no address)"

# ---- no password left in smtpd's memory after AUTH (root: /proc/PID/mem) --
if t_is_root; then
	python3 - "$P587" "$T" "$TOP/tests/integration" <<'PY' &
import base64, smtplib, sys
port, t = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
import tnet
held = []
for mech in ("PLAIN", "LOGIN"):
    c = smtplib.SMTP("127.0.0.1", port, timeout=20)
    c.ehlo("c")
    if mech == "PLAIN":
        c.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0a@localhost\0Mem-Secret-7-long-enough-to-outlive-a-free").decode())
    else:
        c.docmd("AUTH", "LOGIN")
        c.docmd(base64.b64encode(b"a@localhost").decode())
        c.docmd(base64.b64encode(b"Mem-Secret-7-long-enough-to-outlive-a-free").decode())
    c.docmd("NOOP")
    held.append(c)
tnet.hold(t + "/held", t + "/release")
for c in held:
    c.quit()
PY
	holder=$!
	t_wait 20 test -f "$T/held"
	found=
	n=0
	for pid in $(pgrep -x smtpd) $(pgrep -x auth); do
		tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $INST " || continue
		n=$((n + 1))
		found="$found$(python3 "$TOP/tests/integration/memscan.py" "$pid" Mem-Secret-7-long-enough-to-outlive-a-free \
			"$(t_b64 '\0a@localhost\0Mem-Secret-7-long-enough-to-outlive-a-free')" "$(t_b64 'Mem-Secret-7-long-enough-to-outlive-a-free')" | grep -v '^scanned')"
	done
	touch "$T/release"
	wait "$holder"
	if [ "$n" -ge 3 ]; then
		t_eq "$found" "" "after AUTH PLAIN and LOGIN, no form of the password is in smtpd's or auth's memory"
	else
		t_fail "after AUTH PLAIN and LOGIN, no form of the password is in smtpd's or auth's memory" \
			"found $n smtpd and auth processes of this instance to scan"
	fi
else
	t_skip "password left in smtpd's memory (reading /proc/PID/mem needs root)"
fi

t_done
