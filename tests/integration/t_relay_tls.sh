#!/bin/bash
# t_relay_tls.sh - smtp-out's TLS levels, its TLS policy map and AUTH to a
# relay host, through the front door (issue 13): mail submitted to tern A
# (swaks) goes out by smtp-out to a second tern instance B (its own
# myhostname, b.test) or to smtppeer.py; routes by MX and A records of the
# test's loopback DNS server (dnsd.py) and by transport entries.  The
# certificates come from a CA made here with the openssl command line.
#
# Checked, level by level (smtp_tls_security_level, changed by reload):
#   may      STARTTLS to B: A logs the TLS connection, B's Received field
#            names the TLS version and cipher; a peer without STARTTLS,
#            and one that refuses the command, get the mail in plaintext;
#            a peer whose handshake fails gets it on a second connection
#            without STARTTLS; a tls-policy entry "encrypt" for the first:
#            deferred, 4.7.4 in `queue list`, no MAIL sent;
#   encrypt  another peer without STARTTLS: deferred with 4.7.4, QUIT sent;
#            the peer that refuses STARTTLS: 4.7.4 with its reply; the
#            broken handshake: deferred, not retried in plaintext; the
#            first peer's entry changed to "none": its deferred mail
#            delivered in plaintext after `queue flush`;
#   verify   B's certificate, signed by the test CA for mx.b.example (the
#            MX host): delivered, "Verified"; B reached by another name
#            (wrong.b.example) and a self-signed peer: deferred, 4.7.5, no
#            MAIL sent;
#   AUTH     B's submission service (AUTH required) as relayhost, with
#            credentials by `mailctl relay-auth add`: a wrong password
#            defers with 4.7.0 and keeps the mail, the right one (after
#            flush) delivers it and B logs the sasl_username.
. "$(dirname "$0")/lib.sh"

# send TO SUBJECT: alice@localhost submits to A's smtpd.
send() {
	swaks --server 127.0.0.1:"$P25" --from alice@localhost --to "$1" \
		--header "Subject: $2" --body "body of $2" >"$T/swaks.out" 2>&1 ||
		t_fail "swaks to $1 accepted" "$(tail -n 5 "$T/swaks.out")"
}
settle() { sleep 0.3; t_wait 30 t_queue_idle; }
reload() { tmailctl reload >"$T/reload.out" 2>&1 || t_fail "mailctl reload" "$(cat "$T/reload.out")"; sleep 1; }
set_level() { sed -i '/^smtp_tls_security_level/d' "$INST/main.conf"; t_set smtp_tls_security_level "$1"; }
# b_has USER SUBJECT: B's mailbox of USER@b.example holds the message.
b_file() { grep -l -x -F "Subject: $2" "$INST2/mail/b.example/$1/new"/* 2>/dev/null | head -n 1; }
b_wait() { t_wait 20 sh -c "grep -q -x -F 'Subject: $2' '$INST2/mail/b.example/$1/new'/* 2>/dev/null"; }
# qline ADDRESS: that recipient's line of A's `queue list`.
qline() { tmailctl queue list 2>&1 | grep -F "$1"; }
# mails NAME: the MAIL commands peer NAME received.
mails() { t_peer_q "$1" mail from | wc -l; }

# ---- the test CA and the certificates ------------------------------------
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
cert_ok=1
openssl req -x509 $ec -subj "/CN=tern test CA" -days 2 -keyout "$T/ca.key" -out "$T/ca.pem" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	>"$T/openssl.out" 2>&1 || cert_ok=0
openssl req $ec -subj /CN=mx.b.example -keyout "$T/mx.key" -out "$T/mx.csr" >>"$T/openssl.out" 2>&1 || cert_ok=0
printf 'subjectAltName = DNS:mx.b.example\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n' >"$T/mx.ext"
openssl x509 -req -in "$T/mx.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
	-extfile "$T/mx.ext" -out "$T/mx.pem" >>"$T/openssl.out" 2>&1 || cert_ok=0
openssl req -x509 $ec -subj /CN=self.b.example -addext subjectAltName=DNS:self.b.example -days 2 \
	-keyout "$T/self.key" -out "$T/self.pem" >>"$T/openssl.out" 2>&1 || cert_ok=0
if [ $cert_ok = 1 ] && openssl verify -CAfile "$T/ca.pem" "$T/mx.pem" >/dev/null 2>&1; then
	t_setup "the test CA signed mx.b.example; a self-signed self.b.example"
else
	t_fail "certificates made with openssl" "$(tail -n 5 "$T/openssl.out")"
	t_done
fi
chmod 644 "$T"/*.pem "$T"/*.key

# ---- the loopback DNS -----------------------------------------------------
cat >"$T/zone" <<'ZONE'
b.example           MX    10 mx.b.example
mx.b.example        A     127.0.0.1
wrong.b.example     A     127.0.0.1
self.b.example      A     127.0.0.1
ZONE
t_bg_start dnsd "$T/dns.port" python3 "$TOP/tests/integration/dnsd.py" "$T/zone" \
	"$T/dns.port" "$T/dns.log" 127.0.0.1 || t_done

# ---- instance A, the sender; instance B, the receiver ---------------------
t_instance
P25=$((PB + 25))
t_instance2 b
B25=$((PB2 + 25))
B587=$((PB2 + 587))
t_set queue_run_delay 1s
t_set minimal_backoff_time 60s
t_set maximal_backoff_time 120s
t_set dns_timeout 2s
t_set smtp_connection_cache_time_limit 1s
sed -i '/^dns_nameservers/d' "$INST/main.conf"
t_set dns_nameservers "127.0.0.1:$(cat "$T/dns.port")"
t_set smtp_tcp_port "$B25"
t_set smtp_tls_CAfile "$T/ca.pem"
t_services smtp qmgr local smtp-out auth
echo pw | tmailctl user add alice@localhost --password-stdin >/dev/null 2>&1

t_on "$INST2" t_set mydestination 'localhost, $myhostname, b.example'
sed -i '/^smtpd_tls_/d' "$INST2/main.conf"
t_on "$INST2" t_set smtpd_tls_cert_file "$T/mx.pem"
t_on "$INST2" t_set smtpd_tls_key_file "$T/mx.key"
t_on "$INST2" t_services smtp qmgr local auth anvil
# B's submission: AUTH required; any sender (A relays others' mail).
printf 'submission:%s inet n - n - smtpd -o smtpd_require_auth=yes\n' "$B587" >>"$INST2/master.conf"
for u in bob carol dave relay; do
	printf 'pw-%s\n' "$u" | t_on "$INST2" tmailctl user add "$u@b.example" --password-stdin \
		>>"$T/b-users.out" 2>&1 || t_fail "user $u@b.example on B" "$(cat "$T/b-users.out")"
done
t_on "$INST2" t_start
t_start
inst_wait_listen "$B25" || t_fail "B listens on $B25"

# smtppeer without STARTTLS, routed by transport entries.
t_peer plain 0 || t_done
PPLAIN=$PEER_PORT
t_peer plain2 0 || t_done
PPLAIN2=$PEER_PORT
t_peer self 0 --tls-cert "$T/self.pem" --tls-key "$T/self.key" || t_done
PSELF=$PEER_PORT
# A peer that offers STARTTLS and then refuses it.
t_peer refuse 0 --tls-cert "$T/self.pem" --tls-key "$T/self.key" \
	--reply 'STARTTLS=454 4.7.0 TLS not available now' || t_done
PREFUSE=$PEER_PORT
# A peer that offers STARTTLS and then cannot do the handshake.
t_peer broken 0 --tls-broken || t_done
PBROKEN=$PEER_PORT
{ tmailctl transport add notls.example "smtp:[127.0.0.1]:$PPLAIN" &&
  tmailctl transport add broken.example "smtp:[127.0.0.1]:$PBROKEN" &&
  tmailctl transport add notls2.example "smtp:[127.0.0.1]:$PPLAIN2" &&
  tmailctl transport add wrongname.example "smtp:[wrong.b.example]:$B25" &&
  tmailctl transport add selfsigned.example "smtp:[self.b.example]:$PSELF" &&
  tmailctl transport add refuse.example "smtp:[127.0.0.1]:$PREFUSE"; } >"$T/tr.out" 2>&1 ||
	t_fail "transport entries on A" "$(cat "$T/tr.out")"
reload

# ---- level may -------------------------------------------------------------
send bob@b.example may-tls
settle
b_wait bob may-tls
f=$(b_file bob may-tls)
t_file_has "$INST/log/maillog" "smtp-out\[[0-9]+\]: Untrusted TLS connection established to mx\.b\.example\[127\.0\.0\.1\]:$B25: TLSv1\.[23] with cipher " \
	"may: STARTTLS to B, A logs the TLS connection to the MX host"
t_file_has "$f" "^	by b\.test \(tern\) with ESMTPS id " "may: B's Received field says ESMTPS"
t_file_has "$f" "^	\(using TLSv1\.[23] with cipher [A-Z0-9_-]+\)" "...with the TLS version and cipher"
t_file_has "$INST/log/maillog" "to=<bob@b\.example>, relay=mx\.b\.example\[127\.0\.0\.1\]:$B25, .*status=sent" \
	"may: A logs the delivery to B"

send u1@notls.example may-plain
settle
t_eq "$(t_peer_q plain message to tls accepted)" '["u1@notls.example"] null true' \
	"may: a peer without STARTTLS gets the mail in plaintext"

send u1@refuse.example may-refused
settle
t_eq "$(t_peer_q refuse message to tls accepted)" '["u1@refuse.example"] null true' \
	"may: a peer that refuses STARTTLS (454) gets the mail in plaintext"
t_file_has "$INST/log/maillog" "127\.0\.0\.1\[127\.0\.0\.1\]:$PREFUSE refused STARTTLS \(454 4\.7\.0 TLS not available now\); going on without TLS" \
	"...and A logs that it went on without TLS"

send u1@broken.example may-broken
settle
t_eq "$(t_peer_q broken message to tls accepted)" '["u1@broken.example"] null true' \
	"may: a peer whose TLS handshake fails gets the mail in plaintext"
t_match "$(t_peer_q broken tls_failed | wc -l)/$(t_peer_q broken cmd line | tr '\n' ' ')" \
	'^1/EHLO [^ ]+ STARTTLS EHLO [^ ]+ MAIL FROM:<alice@localhost>[^A-Z]*( [A-Z0-9]+=[^ ]+)* RCPT TO:<u1@broken\.example>( [A-Z]+=[^ ]+)* (DATA|BDAT [0-9]+ LAST) ' \
	"...on a second connection without STARTTLS"
t_file_has "$INST/log/maillog" "TLS handshake with 127\.0\.0\.1\[127\.0\.0\.1\]:$PBROKEN failed: .*; trying again without TLS" \
	"...and A logs the failed handshake and the retry"

tmailctl tls-policy add "[127.0.0.1]:$PPLAIN" encrypt >"$T/pol.out" 2>&1 ||
	t_fail "tls-policy add encrypt" "$(cat "$T/pol.out")"
reload
send u2@notls.example policy-encrypt
settle
t_match "$(qline u2@notls.example)" "\(4\.7\.4 TLS is required \(encrypt\), but 127\.0\.0\.1\[127\.0\.0\.1\]:$PPLAIN does not offer STARTTLS\)" \
	"may + policy entry encrypt, peer without STARTTLS: deferred, 4.7.4 in queue list"
t_eq "$(mails plain)" 1 "...and the peer got no MAIL command for it"

# ---- level encrypt ---------------------------------------------------------
set_level encrypt
reload
send u@notls2.example encrypt-refused
settle
t_match "$(qline u@notls2.example)" "\(4\.7\.4 TLS is required \(encrypt\), but 127\.0\.0\.1\[127\.0\.0\.1\]:$PPLAIN2 does not offer STARTTLS\)" \
	"encrypt: a peer without STARTTLS, deferred with 4.7.4"
t_eq "$(mails plain2)" 0 "...no MAIL command reached it"
t_match "$(t_peer_q plain2 cmd line | tr '\n' ' ')" '^EHLO [^ ]+ QUIT $' \
	"...only EHLO, then QUIT before closing (RFC 5321 4.1.1.10)"

send u2@refuse.example encrypt-refused-starttls
settle
t_match "$(qline u2@refuse.example)" "\(4\.7\.4 host 127\.0\.0\.1\[127\.0\.0\.1\]:$PREFUSE said: 454 4\.7\.0 TLS not available now \(in reply to STARTTLS\)\)" \
	"encrypt: a peer that refuses STARTTLS: deferred, 4.7.4 with its reply"
C=$(t_peer_q refuse open conn | tail -n 1)
t_peer_wait 10 refuse close conn="$C"
t_match "$(t_peer_q refuse cmd conn="$C" line | tr '\n' ' ')/$(t_peer_q refuse close conn="$C" by reason)" \
	'^EHLO [^ ]+ STARTTLS QUIT /server quit$' "...and QUIT sent before closing"
t_eq "$(t_peer_q refuse message | wc -l)" 1 "...no message sent"

send u2@broken.example encrypt-broken
settle
t_match "$(qline u2@broken.example)" "\(4\.4\.2 TLS handshake with 127\.0\.0\.1\[127\.0\.0\.1\]:$PBROKEN failed" \
	"encrypt: a failed handshake defers (4.4.2), no plaintext retry"
t_eq "$(t_peer_q broken message | wc -l)/$(t_peer_q broken tls_failed | wc -l)" 1/2 \
	"...the peer saw one more failed handshake and no message"

tmailctl tls-policy add "[127.0.0.1]:$PPLAIN" none >"$T/pol.out" 2>&1 ||
	t_fail "tls-policy add none" "$(cat "$T/pol.out")"
t_match "$(tmailctl tls-policy list 2>&1)" "^\[127\.0\.0\.1\]:$PPLAIN none$" "tls-policy list: the entry replaced"
reload
tmailctl queue flush notls.example >/dev/null 2>&1
t_wait 20 sh -c "[ \$(python3 '$TOP/tests/integration/smtppeer.py' --query '$T/plain.log' message | wc -l) -ge 2 ]"
t_eq "$(t_peer_q plain message to tls accepted | tail -n 1)" '["u2@notls.example"] null true' \
	"encrypt + policy entry none: the deferred mail delivered in plaintext after flush"
t_eq "$(qline u2@notls.example)" "" "...and it left the queue"

# ---- level verify ----------------------------------------------------------
set_level verify
reload
send carol@b.example verify-ok
settle
b_wait carol verify-ok && t_pass "verify: B's certificate (test CA, mx.b.example) accepted, delivered" ||
	t_fail "verify: B's certificate (test CA, mx.b.example) accepted, delivered" "$(qline carol@b.example)"
t_file_has "$INST/log/maillog" "Verified TLS connection established to mx\.b\.example\[127\.0\.0\.1\]:$B25" \
	"verify: A logs a verified connection"
t_file_has "$(b_file carol verify-ok)" "^	\(using TLSv1\.[23] with cipher " "verify: B's Received field says TLS"

nb=$(grep -c 'smtpd\[[0-9]*\]: [0-9A-F]*: from=<alice@localhost>' "$INST2/log/maillog")
send u@wrongname.example verify-wrong-name
send u@selfsigned.example verify-self-signed
settle
t_match "$(qline u@wrongname.example)" "\(4\.7\.5 TLS handshake with wrong\.b\.example\[127\.0\.0\.1\]:$B25 failed" \
	"verify: B's certificate for another name: deferred, 4.7.5"
t_file_has "$INST2/log/maillog" 'smtpd\[[0-9]+\]: TLS handshake failed for \[127\.0\.0\.1\]:[0-9]+: .*alert bad certificate' \
	"...B saw A refuse its certificate in the handshake"
t_eq "$(grep -c 'smtpd\[[0-9]*\]: [0-9A-F]*: from=<alice@localhost>' "$INST2/log/maillog")" "$nb" \
	"...and queued no message from A"
t_match "$(qline u@selfsigned.example)" "\(4\.7\.5 TLS handshake with self\.b\.example\[127\.0\.0\.1\]:$PSELF failed" \
	"verify: a self-signed peer (right name): deferred, 4.7.5"
t_match "$(t_peer_q self tls_failed error)" '[Aa][Ll][Ee][Rr][Tt]' "...the peer saw the handshake refused"
t_eq "$(mails self)" 0 "...and got no MAIL command"

# ---- AUTH to a relay host --------------------------------------------------
sed -i '/^relayhost/d' "$INST/main.conf"
t_set relayhost "[mx.b.example]:$B587"
printf 'wrong-password\n' | tmailctl relay-auth add "[mx.b.example]:$B587" relay@b.example \
	--password-stdin >"$T/ra.out" 2>&1 || t_fail "relay-auth add" "$(cat "$T/ra.out")"
reload
send dave@b.example auth-relay
settle
t_match "$(qline dave@b.example)" '\(4\.7\.0 SASL authentication failed: host mx\.b\.example\[127\.0\.0\.1\]:'"$B587"' said: 535 5\.7\.8 ' \
	"AUTH with a wrong password: deferred, 4.7.0 with B's reply"
n=$(find "$INST/queue/deferred" -type f | xargs grep -l 'dave@b\.example' 2>/dev/null | wc -l)
t_eq "$n" 1 "...the mail is kept in the queue"
t_eq "$(ls "$INST2/mail/b.example/dave/new" 2>/dev/null | wc -l)" 0 "...and did not reach B"
printf 'pw-relay\n' | tmailctl relay-auth add "[mx.b.example]:$B587" relay@b.example \
	--password-stdin >"$T/ra.out" 2>&1 || t_fail "relay-auth add (again)" "$(cat "$T/ra.out")"
reload
tmailctl queue flush b.example >/dev/null 2>&1
if b_wait dave auth-relay; then t_pass "the right password: delivered through B's submission after flush"
else t_fail "the right password: delivered through B's submission after flush" "$(qline dave@b.example)"; fi
t_file_has "$INST2/log/maillog" "smtpd\[[0-9]+\]: [0-9A-Za-z.]+: client=.*, sasl_username=relay@b\.example$" \
	"B logs the sasl_username"
t_file_has "$INST/log/maillog" "authenticated to mx\.b\.example\[127\.0\.0\.1\]:$B587 as relay@b\.example" \
	"A logs the authentication"
t_file_has "$(b_file dave auth-relay)" "with ESMTPSA id " "B's Received field: ESMTPSA (TLS and AUTH)"
t_log_lacks "no form of the relay passwords in A's maillog" relay@b.example pw-relay wrong-password

t_done
