# t_imap_fetch.sh - FETCH and STORE of the IMAP session role with real
# clients (imap_fetch_check.py: a raw socket for the exact wire, python's
# imaplib): every FETCH item and macro, ENVELOPE and BODYSTRUCTURE of
# crafted messages (nested multiparts, message/rfc822, base64, an 8-bit
# header, a header without body, a 3 MB message), every section form with
# partials at the boundaries, \Seen set by BODY[] and RFC822 but not by
# BODY.PEEK or in a read-only folder, STORE and UID STORE in every form
# with their untagged answers, a new keyword announced, RFC822.SIZE equal
# to the octets of BODY[] (a delivered message's too), the cache answering
# a warm ENVELOPE/BODYSTRUCTURE fetch without the file, and a vanished
# message left out of FETCH with its EXPUNGE held back to the next NOOP.
. "$(dirname "$0")/lib.sh"

PY=$TOP/tests/integration/imap_fetch_check.py

t_instance
t_services smtp auth qmgr local imap imap-session
echo "pw-bob" | tmailctl user add "bob@localhost" --password-stdin >/dev/null 2>&1
t_start

P=$((PB + 143))
MAIL=$INST/mail/localhost
OWNER=$(stat -c %u:%g "$INST/mail")

mkdir -p "$MAIL/bob/new" "$MAIL/bob/cur" "$MAIL/bob/tmp"
python3 "$PY" prepare "$MAIL/bob"
chown -R "$OWNER" "$MAIL"
if ! python3 "$PY" deliver $((PB + 25)) >"$T/deliver.out" 2>&1; then
	t_fail "a message delivered over SMTP" "$(tail -n 5 "$T/deliver.out")"
fi
if t_wait 15 sh -c "[ \$(ls '$MAIL/bob/new' | wc -l) -ge 6 ]"; then
	t_pass "the delivered message is in the Maildir"
else
	t_fail "the delivered message is in the Maildir" "$(ls "$MAIL/bob/new")"
fi
inst_wait_listen "$P" || t_fail "imapd listens on $P"

t_results "imap_fetch_check.py run" \
	"$(timeout 300 python3 "$PY" run "$P" bob@localhost pw-bob "$MAIL/bob" 2>&1)"
t_done
