# t_imap_append.sh - APPEND, COPY and MOVE of the IMAP session with
# python's imaplib and a raw socket (imap_append.py): flags, date and
# exact octets of an APPEND, APPENDUID against the UID list and the
# server, TRYCREATE, TOOBIG against a small message_size_limit (both
# literal kinds), a 10 MB APPEND with the session's memory read from /proc,
# LITERAL+, COPY and UID COPY with COPYUID and keywords by name, MOVE and
# UID MOVE with their untagged sequence, and an APPEND cut by kill -9 of
# its session: no message, nothing half-written in cur/ or new/, the next
# APPEND fine; without a size limit, APPENDLIMIT has no value.
. "$(dirname "$0")/lib.sh"

PY=$TOP/tests/integration/imap_append.py
# The kill -9 below is the point of a check, not a crash.
T_SIGNALS_EXPECTED=1
LIMIT=12582912

t_instance
t_set message_size_limit $LIMIT
t_services auth anvil imap imap-session
# A second IMAP service without a size limit, with a session service of
# its own: APPENDLIMIT then has no value (RFC 7889 §3).  Its login role
# is not chrooted, so that it reaches a session socket of another name.
cat >> "$INST/master.conf" <<EOT
nolimit:$((PB + 144)) inet n - n - imapd -o message_size_limit=0
  -o imapd_session_socket=imap-session-nolimit
imap-session-nolimit unix - - n - imapd-session -o message_size_limit=0
EOT
echo "pw-bob" | tmailctl user add "bob@localhost" --password-stdin >/dev/null 2>&1
echo "pw-kim" | tmailctl user add "kim@localhost" --password-stdin >/dev/null 2>&1
t_start

P=$((PB + 143))
MAIL=$INST/mail/localhost
OWNER=$(stat -c %u:%g "$INST/mail")

# mkbox USER [FOLDER...]: an empty Maildir owned like the ones local
# makes, with Maildir++ folders.
mkbox() {
	local u=$1 f
	shift
	mkdir -p "$MAIL/$u/new" "$MAIL/$u/cur" "$MAIL/$u/tmp"
	for f in "$@"; do
		mkdir -p "$MAIL/$u/.$f/new" "$MAIL/$u/.$f/cur" "$MAIL/$u/.$f/tmp"
		: > "$MAIL/$u/.$f/maildirfolder"
	done
	chown -R "$OWNER" "$MAIL"
	chmod -R go-rwx "$MAIL/$u"
}

# py ARGS...: run imap_append.py; its ok/FAIL/skip lines are results.
py() {
	local out line n=0
	out=$(timeout 300 python3 "$PY" "$@" 2>&1)
	while IFS= read -r line; do
		case $line in
		"ok "*) t_pass "${line#ok }"; n=$((n + 1)) ;;
		"FAIL "*) t_fail "${line#FAIL }"; n=$((n + 1)) ;;
		"skip "*) t_skip "${line#skip }"; n=$((n + 1)) ;;
		esac
	done <<EOF
$out
EOF
	[ $n -gt 0 ] || t_fail "imap_append.py $1 ran" "$(printf '%s' "$out" | tail -n 15)"
	printf '%s\n' "$out" | grep -q '^Traceback' &&
		t_fail "imap_append.py $1 ran to its end" "$(printf '%s' "$out" | tail -n 15)"
}

if ! t_wait 15 sh -c "ss -Htln 'sport = :$P' | grep -q ."; then
	t_fail "imapd listens on $P"
	t_done
fi

# 1. APPEND, COPY, MOVE; the target folder has a keyword list of its
# own, so that a copied keyword must change its letter.
mkbox bob Target Gone
printf '0 Other\n' > "$MAIL/bob/.Target/dovecot-keywords"
chown "$OWNER" "$MAIL/bob/.Target/dovecot-keywords"
py all "$P" bob@localhost pw-bob "$MAIL/bob" $LIMIT

# 2. No size limit: a bare APPENDLIMIT, STATUS APPENDLIMIT NIL, and an
# APPEND larger than the first service's limit.
out=$(timeout 120 python3 - "$((PB + 144))" <<'EOF' 2>&1
import imaplib, re, sys
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
M.login('bob@localhost', 'pw-bob')
print('caps', M.capability()[1][0].decode())
typ, data = M.append('INBOX', None, None, b'Subject: big\r\n\r\n' + b'z' * 13000000 + b'\r\n')
print('append', typ, data[0].decode())
print('status', M.status('INBOX', '(APPENDLIMIT)')[1][0].decode())
M.logout()
EOF
)
t_match "$out" '^caps .* APPENDLIMIT( |$)' "without message_size_limit: APPENDLIMIT without a value"
t_nomatch "$out" 'APPENDLIMIT=' "and no APPENDLIMIT=0"
t_match "$out" '^append OK \[APPENDUID [0-9]+ [0-9]+\]' "an APPEND over the other service's limit is taken"
t_match "$out" '^status "INBOX" \(APPENDLIMIT NIL\)' "STATUS APPENDLIMIT NIL"

# 3. kill -9 of the session halfway through an APPEND's literal.
mkbox kim
python3 - "$P" "$MAIL/kim" <<'EOF' >/dev/null 2>&1
import imaplib, sys
M = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
M.login('kim@localhost', 'pw-kim')
M.append('INBOX', None, None, b'Subject: first\r\n\r\nfirst\r\n')
M.logout()
EOF
py kill "$P" kim@localhost pw-kim "$MAIL/kim"
t_file_has "$INST/log/maillog" 'master.*imapd-session.*terminated on signal 9' \
	"the master logged the killed session"
leftover=$(find "$MAIL/kim/tmp" -type f | wc -l)
if [ "$leftover" -le 1 ]; then t_pass "at most the cut message's file is left in tmp/"
else t_fail "at most the cut message's file is left in tmp/" "$leftover files"; fi

t_done
