#!/bin/bash
# t_send.sh - `mailctl send` and the sendmail entry point.
#
# First against a recording SMTP server (python) on queue/public/submit,
# which shows exactly what goes over the wire and can refuse on demand:
# envelope from arguments, -f, -t (To/Cc/Bcc, Bcc removed), -F, the
# default sender, CRLF and dot-stuffing, the lone "." with and without
# -i/-oi, the sendmail name, and the exit statuses of mailctl_send.c.
# Then, when smtpd is built, through the real submit service: the message
# lands in queue/incoming/ with the submitting uid (qmgr is not
# configured here, so nothing moves it on; delivery is t_qmgr's business).
. "$(dirname "$0")/lib.sh"

t_instance
SUBMIT=$INST/queue/public/submit
mkdir -p "$INST/queue/public"
ORIGIN=$(tmailctl config myorigin 2>/dev/null | sed 's/^myorigin = //')
ME=$(id -un)

cat > "$T/fakesmtp.py" <<'EOF'
# fakesmtp.py SOCKET DIR: an SMTP server that writes each session's input
# to DIR/N.raw.  RCPT of temp@... gets 451, of bad@... 550; a message from
# <refuse@...> gets 554 after its data.
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ls.bind(path)
ls.listen(8)
n = 0
while True:
    c, _ = ls.accept()
    n += 1
    f = c.makefile('rb')
    raw = open(os.path.join(out, '%d.raw' % n), 'wb')
    def say(s):
        try:
            c.sendall(s.encode() + b'\r\n')
        except OSError:
            pass
    say('220 fake ESMTP')
    sender = b''
    while True:
        line = f.readline()
        if not line:
            break
        raw.write(line)
        cmd = line.strip().upper()
        if cmd.startswith(b'EHLO'):
            say('250-fake\r\n250-8BITMIME\r\n250 PIPELINING')
        elif cmd.startswith(b'MAIL'):
            sender = cmd
            say('250 2.1.0 ok')
        elif cmd.startswith(b'RCPT'):
            if b'TEMP@' in cmd:
                say('451 4.3.0 try later')
            elif b'BAD@' in cmd:
                say('550 5.1.1 no such user')
            else:
                say('250 2.1.5 ok')
        elif cmd == b'DATA':
            say('354 go ahead')
            while True:
                d = f.readline()
                raw.write(d)
                if d in (b'.\r\n', b''):
                    break
            if b'REFUSE@' in sender:
                say('554 5.6.0 content refused')
            else:
                say('250 2.0.0 queued as FAKE')
        elif cmd == b'QUIT':
            say('221 bye')
            break
        else:
            say('250 ok')
    raw.close()
    c.close()
EOF
mkdir -p "$T/s"
python3 "$T/fakesmtp.py" "$SUBMIT" "$T/s" &
FAKE=$!
t_wait 5 test -S "$SUBMIT" || t_fail "the recording server listens"
N=0
# sess: on to the next session (after the command that made it); wire: its
# raw input as cat -v shows it.
sess() { N=$((N + 1)); t_wait 5 test -s "$T/s/$N.raw"; }
wire() { cat -v "$T/s/$N.raw"; }
# body: the DATA part of the last session, as cat -v shows it.
body() { sed -n '/^DATA/,/^\.\r$/p' "$T/s/$N.raw" | tail -n +2 | cat -v; }

# ---- envelope, content, dot-stuffing ----------------------------------------
printf 'Subject: one\n\nline 1\n.leading dot\nlast line\n' |
	tmailctl send Ann@localhost bob > "$T/out" 2>&1
t_eq "$?" 0 "send exits 0 after 250"
sess
w=$(wire)
t_match "$w" "^EHLO " "EHLO first"
t_match "$w" "^MAIL FROM:<$ME@$ORIGIN> BODY=8BITMIME\^M$" "default sender: the caller at myorigin"
t_match "$w" "^RCPT TO:<Ann@localhost>\^M$" "argument recipient as given"
t_match "$w" "^RCPT TO:<bob@$ORIGIN>\^M$" "an unqualified recipient gets @myorigin"
t_eq "$(body)" "From: <$ME@$ORIGIN>^M
Subject: one^M
^M
line 1^M
..leading dot^M
last line^M
.^M" "CRLF lines, leading dot doubled, From added"

# ---- the lone dot, -i and -oi ------------------------------------------------
printf 'From: me@x\n\nbefore\n.\nafter\n' | tmailctl send a@x >/dev/null 2>&1
sess
t_nomatch "$(body)" "after" "without -i a lone dot ends the message"
printf 'From: me@x\n\nbefore\n.\nafter\n' | tmailctl send -i a@x >/dev/null 2>&1
sess
t_eq "$(body | tail -n 4)" "before^M
..^M
after^M
.^M" "with -i the lone dot is content, stuffed"
printf 'From: me@x\r\n\r\nalready crlf\r\nno final newline' |
	tmailctl send a@x >/dev/null 2>&1
sess
t_eq "$(body)" "From: me@x^M
^M
already crlf^M
no final newline^M
.^M" "CRLF input kept, a last line without newline ended"

# ---- -t, Bcc, -f, -F ----------------------------------------------------------
printf 'From: Me <me@x>\nTo: "Doe, Jane" <jane@x>, team: c1@x, c2@x;\nCc: d@x (comment),\n  e@x\nBcc: hidden@x\nSubject: t\n\nbody\n' |
	tmailctl send -t -f sender@x extra@x >/dev/null 2>&1
t_eq "$?" 0 "send -t exits 0"
sess
w=$(wire)
t_match "$w" "^MAIL FROM:<sender@x>" "-f sets the envelope sender"
rc=$(printf '%s\n' "$w" | sed -n 's/^RCPT TO:<\([^>]*\)>.*/\1/p' | sort | tr '\n' ' ')
t_eq "$rc" "c1@x c2@x d@x e@x extra@x hidden@x jane@x " \
	"-t takes To, Cc, Bcc (groups, quotes, comments, folding) and arguments"
t_nomatch "$(body)" "hidden|^Bcc" "the Bcc field is not sent"
t_match "$(body)" "^To: \"Doe, Jane\"" "other fields are sent as they were"
printf 'Subject: nf\n\nx\n' | tmailctl send -f robot -F 'Cron "Daemon"' a@x >/dev/null 2>&1
sess
t_match "$(body)" "^From: \"Cron \\\\\"Daemon\\\\\"\" <robot@$ORIGIN>\^M$" "-F names the added From"
printf 'Subject: null\n\nx\n' | tmailctl send -f '<>' a@x >/dev/null 2>&1
sess
t_match "$(wire)" "^MAIL FROM:<> " "-f '<>' is the null sender"

# ---- the sendmail name -----------------------------------------------------------
ln -s "$TERN_BIN/mailctl" "$T/sendmail"
printf 'To: s@x\nSubject: via sendmail\n\n.\nstill here\n' |
	TERN_CONFIG=$INST "$T/sendmail" -t -oi -odi -bm >/dev/null 2>&1
t_eq "$?" 0 "sendmail -t -oi -odi -bm exits 0"
sess
t_match "$(body)" "^still here" "sendmail -oi keeps reading past a lone dot"
t_match "$(cat "$T/s/$N.raw")" "RCPT TO:<s@x>" "sendmail -t finds the recipient"

# ---- exit statuses ---------------------------------------------------------------
printf 'x\n' | tmailctl send temp@x >/dev/null 2>"$T/err"
t_eq "$?" 75 "a 4xx recipient: EX_TEMPFAIL"
sess
t_match "$(cat "$T/err")" "recipient <temp@x> refused: 451 4.3.0" "the refusal is shown"
printf 'x\n' | tmailctl send bad@x ok@x >/dev/null 2>"$T/err"
t_eq "$?" 67 "a 5xx recipient: EX_NOUSER"
sess
t_match "$(body)" "^x" "...and the others still get the message"
printf 'x\n' | tmailctl send -f refuse@x a@x >/dev/null 2>&1
t_eq "$?" 65 "a 5xx after the data: EX_DATAERR"
sess
printf 'Subject: none\n\nx\n' | tmailctl send -t >/dev/null 2>&1
t_eq "$?" 64 "no recipients: EX_USAGE"
printf 'x\n' | tmailctl send -Q a@x >/dev/null 2>&1
t_eq "$?" 64 "a bad option: EX_USAGE"
kill "$FAKE" 2>/dev/null
wait "$FAKE" 2>/dev/null
rm -f "$SUBMIT"
# No submit service: tern is not running, so the message waits in the
# maildrop (t_maildrop follows it to delivery)...
printf 'x\n' | tmailctl send a@x >"$T/out" 2>"$T/err"
t_eq "$?" 0 "no submit service: the message is kept"
t_eq "$(cat "$T/out" "$T/err")" "" "...silently"
t_eq "$(find "$INST/queue/maildrop" -type f | wc -l)" 1 "...in the maildrop"
rm -f "$INST"/queue/maildrop/*
# ...and when it cannot be kept either: EX_TEMPFAIL.
mv "$INST/queue/maildrop" "$INST/queue/maildrop.off"
printf 'x\n' | tmailctl send a@x >/dev/null 2>"$T/err"
t_eq "$?" 75 "no submit service and no maildrop: EX_TEMPFAIL"
t_match "$(cat "$T/err")" "unreachable" "...with a clear message"
mv "$INST/queue/maildrop.off" "$INST/queue/maildrop"

# ---- through the real smtpd submit service -----------------------------------------
if [ -x "$TERN_BIN/smtpd" ]; then
	echo 'pw' | tmailctl user add rcpt@localhost --password-stdin >/dev/null 2>&1
	t_services auth submit
	t_start
	t_wait 10 test -S "$SUBMIT" || t_fail "smtpd listens on public/submit"
	if t_is_root; then
		RUN="setpriv --reuid=nobody --regid=nogroup --clear-groups"
		UID_WANT=$(id -u nobody)
		chmod 755 "$INST/queue/public" 2>/dev/null
	else
		RUN=
		UID_WANT=$(id -u)
	fi
	printf 'Subject: through smtpd\n\nhello from send\n' |
		$RUN "$TERN_BIN/mailctl" -c "$INST" send rcpt@localhost >"$T/out" 2>&1
	t_eq "$?" 0 "the real submit service takes the message"
	f=$(grep -l 'hello from send' "$INST"/queue/incoming/* 2>/dev/null | head -n 1)
	t_match "$f" . "the message is in incoming/ (no qmgr here to move it)"
	t_file_has "$f" "submit_uid=$UID_WANT" "the queue file records the submitting uid"
	t_file_has "$f" "^Subject: through smtpd" "the content is in the queue file"
	printf 'x\n' | $RUN "$TERN_BIN/mailctl" -c "$INST" send nosuchuser@localhost \
		>/dev/null 2>"$T/err"
	t_eq "$?" 67 "an unknown local user through smtpd: EX_NOUSER"
else
	t_skip "delivery through smtpd's submit service (smtpd not built)"
fi

t_done
