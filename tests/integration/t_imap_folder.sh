# t_imap_folder.sh - the folder commands of the IMAP session with python's
# imaplib (imap_folder.py): CREATE DELETE RENAME with hierarchies, RENAME
# INBOX with messages delivered over SMTP, names that would leave the
# Maildir refused with nothing made on disk, modified UTF-7 names, LIST
# patterns and LIST-EXTENDED options, LIST-STATUS, LSUB, SUBSCRIBE,
# NAMESPACE, exact STATUS values after deliveries, UIDVALIDITY after
# DELETE and CREATE, the special-use folders of a new user, and a
# Maildir++ tree laid out as Dovecot leaves it.
. "$(dirname "$0")/lib.sh"

PY=$TOP/tests/integration/imap_folder.py

t_instance
t_services smtp auth qmgr local imap imap-session
for u in newb fold ren stat dove; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
t_start

P=$((PB + 143))
MAIL=$INST/mail/localhost
OWNER=$(stat -c %u:%g "$INST/mail")

# py ARGS...: run imap_folder.py, one result per "ok"/"FAIL" line.
py() { t_results "imap_folder.py $1" "$(timeout 120 python3 "$PY" "$@" 2>&1)"; }

# deliver USER N: N messages over SMTP, "Subject: inbox I", then wait
# until local put them all in new/.
deliver() {
	python3 - "$((PB + 25))" "$1@localhost" "$2" <<'EOF' || t_fail "SMTP delivery to $1"
import smtplib, sys
port, rcpt, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = smtplib.SMTP('127.0.0.1', port, timeout=60)
for i in range(1, n + 1):
    s.sendmail('alice@localhost', [rcpt],
               'From: alice@localhost\r\nTo: %s\r\nSubject: inbox %d\r\n\r\nbody %d\r\n' % (rcpt, i, i))
s.quit()
EOF
	t_wait 20 sh -c "[ \$(ls '$MAIL/$1/new' 2>/dev/null | wc -l) -ge $2 ]" ||
		t_fail "local delivered $2 messages to $1" "$(ls "$MAIL/$1/new" 2>&1)"
}

# 1. A new user: the special-use folders, NAMESPACE, the delimiter.
py defaults "$P" newb@localhost pw-newb "$MAIL/newb"
t_file_has "$INST/log/maillog" 'imapd-session\[[0-9]+\]: user=<newb@localhost>, .*made the special-use folders' \
	"the session logs making the default folders"

# 2. CREATE DELETE RENAME SUBSCRIBE LIST LSUB STATUS on folders.
py folders "$P" fold@localhost pw-fold "$MAIL/fold"
outside=$(find "$INST" -type d \( -name b -o -name x -o -name abs -o -name '.hidden' \) 2>/dev/null | head -n 5)
t_eq "$outside" "" "no directory named by a refused name exists anywhere in the instance"

# 3. RENAME INBOX moves its messages, delivered over SMTP.
deliver ren 3
py inbox "$P" ren@localhost pw-ren "$MAIL/ren" 3

# 4. STATUS values after deliveries.
deliver stat 2
py status "$P" stat@localhost pw-stat "$MAIL/stat" 2

# 5. A Maildir++ tree as Dovecot left it: every folder in place.
mkdir -p "$MAIL/dove"
python3 "$PY" dovecot-tree "$MAIL/dove"
chown -R "$OWNER" "$MAIL/dove"
py dovecot "$P" dove@localhost pw-dove "$MAIL/dove"
t_eq "$(cat "$MAIL/dove/.Lists.tern/dovecot-uidlist" | head -n 1)" "3 V1600000000 N2 G0123456789abcdef" \
	"Dovecot's own files are left as they were"

t_log_lacks "no password in the log" fold@localhost pw-fold
t_done
