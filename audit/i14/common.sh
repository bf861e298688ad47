# common.sh - the instance every i14 audit repro starts: smtp, auth, local
# delivery, anvil, imap (plain) and imap-session, with users victim@,
# attacker@ and attacker2@localhost.  Sourced after tests/integration/lib.sh.
t_instance
t_services smtp auth qmgr local anvil imap imap-session
for u in victim attacker attacker2; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1 ||
		t_fail "mailctl user add $u@localhost"
done
# A repro's own settings (main.conf lines "name = value") before the start.
for kv in "${AUDIT_SET[@]}"; do t_set "${kv%%=*}" "${kv#*=}"; done
t_start
P=$((PB + 143))
MAIL=$INST/mail/localhost
inst_wait_listen "$P" || t_fail "imapd listens on $P"
