# t_imap_search.sh - SEARCH and UID SEARCH through imapd with python's
# imaplib (imap_search.py): every key of RFC 3501 §6.4.4 against crafted
# messages (RFC 2047 From and Subject, base64, quoted-printable and 8-bit
# ISO-8859-1 bodies, a multipart with an attachment and an attached
# message, Date fields in other zones and old forms, a message without
# one), flags and keywords from the file names, \Recent of the session,
# sizes, internal dates; AND, OR and NOT nesting, sequence sets and UID
# ranges; CHARSET UTF-8 with literals, BADCHARSET, nesting past the limit
# BAD; a message whose file vanished is not found and no EXPUNGE is sent
# during SEARCH; a long result over thousands of messages.
. "$(dirname "$0")/lib.sh"

PY=$TOP/tests/integration/imap_search.py

t_instance
t_services auth imap imap-session
for u in bob many; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1 ||
		t_fail "mailctl user add $u@localhost"
done
t_start
P=$((PB + 143))
inst_wait_listen "$P" || t_fail "imapd listens on $P"

MAIL=$INST/mail/localhost
OWNER=$(stat -c %u:%g "$INST/mail")

# mkbox USER: an empty Maildir owned like the ones local makes.
mkbox() {
	mkdir -p "$MAIL/$1/new" "$MAIL/$1/cur" "$MAIL/$1/tmp"
	chown -R "$OWNER" "$MAIL"
}

# py ARGS...: run imap_search.py, one result per "ok"/"FAIL" line.
py() { t_results "imap_search.py $1" "$(timeout 300 python3 "$PY" "$@" 2>&1)"; }

mkbox bob
py run "$P" bob@localhost pw-bob "$MAIL/bob"

mkbox many
py many "$P" many@localhost pw-many "$MAIL/many" 4000

if [ ! -f "$INST/log/maillog" ]; then
	t_fail "no imapd process died on a signal" "no maillog"
elif grep -q 'terminated on signal' "$INST/log/maillog"; then
	t_fail "no imapd process died on a signal" "$(grep 'terminated on signal' "$INST/log/maillog" | head -n 5)"
else
	t_pass "no imapd process died on a signal"
fi
t_file_has "$INST/log/maillog" 'imapd-session\[[0-9]+\]: .*user=<bob@localhost>' \
	"the session logs the user"

t_done
