#!/bin/bash
# t_maildrop.sh - sendmail as cron, PHP and mail(1) expect it, and the
# maildrop: terndrop (setgid terndrop) and pickup.
#
# As root, with a real unprivileged user (nobody) and a second one
# (daemon): sendmail -t as the user is silent and delivers while tern
# runs; with tern stopped it exits 0, the message waits in maildrop/
# (owned by the user, group terndrop, mode 0404) and is delivered with the
# user's uid in Received once tern starts.  Then the attacks, each run as
# the user: reading, changing, removing or linking another user's waiting
# message, planting links in maildrop/, pointing terndrop at a
# configuration of one's own (TERN_CONFIG, -c) to write elsewhere,
# oversized and malformed input; and pickup meeting files terndrop would
# never write (garbage, a link, a FIFO, a stale temporary file) without
# dying.  Last, -bi, -bp and -q: as root they work, as the user they say
# "needs root" with EX_NOPERM (77).
#
# The build's programs are not installed, so the setgid bit lives in a
# copy: $T/libexec, root's, holds terndrop as root:terndrop 2755 and links
# to every other program, and the instance's daemon_directory points
# there (sendmail runs $daemon_directory/terndrop).
. "$(dirname "$0")/lib.sh"

if ! t_is_root; then
	t_skip "sendmail, terndrop and pickup across users (need root, setgid)"
	t_done
fi

t_instance
Q=$INST/queue
MD=$Q/maildrop
LX=$T/libexec
mkdir -m 755 "$LX"
for p in "$TERN_BIN"/*; do ln -s "$p" "$LX/"; done
rm "$LX/terndrop"
cp "$TERN_BIN/terndrop" "$LX/terndrop"
t_set daemon_directory "$LX"
t_set pickup_interval 1s
t_set queue_run_delay 1s
t_set message_size_limit 200000
t_set smtpd_recipient_limit 5
cat >> "$INST/master.conf" <<'EOF'
auth             unix  -       -       n       1       auth
	-o max_use=0 -o max_idle=0
submit           unix  n       -       n       -       smtpd
	-o smtpd_local_submit=yes
qmgr             unix  -       -       n       1       qmgr
local            unix  -       n       n       -       local
pickup           unix  -       -       n       1       pickup
EOF
for u in rcpt other; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
# mailctl init made the group; terndrop as make install leaves it.
chown root:terndrop "$LX/terndrop" && chmod 2755 "$LX/terndrop"
t_eq "$(stat -c '%U:%G %a' "$LX/terndrop")" "root:terndrop 2755" \
	"the test's terndrop is root:terndrop 2755, as make install makes it"
for n in sendmail mailq newaliases; do ln -s "$TERN_BIN/mailctl" "$T/$n"; done

U1=nobody
U2=daemon
UID1=$(id -u $U1)
UID2=$(id -u $U2)
as() {	# as USER COMMAND...: the command as that user, TERN_CONFIG set
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups -- \
		env TERN_CONFIG="$INST" "$@"
}
MAIL=$INST/mail/localhost
delivered() {	# delivered USER MARKER: the file holding MARKER
	grep -l -- "$2" "$MAIL/$1"/new/* 2>/dev/null | head -n 1
}
wait_delivered() { t_wait 20 sh -c "grep -q -- '$2' '$MAIL/$1'/new/* 2>/dev/null"; }
drops() { find "$MD" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
master_child() {	# the pid of master's child running PROGRAM
	ps -o pid=,comm= --ppid "$(t_master_pid)" | awk -v p="$1" '$2 == p { print $1 }'
}

# ---- sendmail while tern runs: silent, delivered ------------------------------
t_start
t_eq "$(stat -c '%U:%G %a' "$MD")" "tern:terndrop 1730" \
	"maildrop/ is mail_owner's, group terndrop, mode 1730 (made by master)"
t_eq "$(stat -c '%U %a' "$Q")" "root 755" "the queue directory above it stays root's"
printf 'To: rcpt@localhost\nSubject: online\n\nbody-online\n' |
	as $U1 "$T/sendmail" -t >"$T/out" 2>"$T/err"
t_eq "$?" 0 "sendmail -t as $U1 while tern runs: exit 0"
t_eq "$(cat "$T/out" "$T/err")" "" "...and silent: nothing on stdout or stderr"
wait_delivered rcpt body-online || t_fail "the message is delivered"
f=$(delivered rcpt body-online)
t_file_has "$f" '^Subject: online$' "...with its content"
t_file_has "$f" "\(tern, from userid $UID1\)" "...and Received names uid $UID1"

# ---- -bi, -bp, -q ------------------------------------------------------------------
out=$(TERN_CONFIG=$INST "$T/sendmail" -bp 2>&1)
t_eq "$?" 0 "sendmail -bp as root: exit 0"
t_eq "$out" "Mail queue is empty" "...and it lists the queue"
t_eq "$(TERN_CONFIG=$INST "$T/mailq" 2>&1)" "$out" "mailq says what sendmail -bp says"
TERN_CONFIG=$INST "$T/sendmail" -bi >/dev/null 2>&1
t_eq "$?" 0 "sendmail -bi as root: exit 0"
tmailctl alias add drop-alias rcpt >/dev/null 2>&1
TERN_CONFIG=$INST "$T/newaliases" >/dev/null 2>&1
t_eq "$?" 0 "newaliases as root: exit 0"
TERN_CONFIG=$INST "$T/sendmail" -q >/dev/null 2>&1
t_eq "$?" 0 "sendmail -q as root: exit 0"
for m in "sendmail -bp" "mailq" "sendmail -bi" "newaliases" "sendmail -q"; do
	set -- $m
	prog=$1
	shift
	as $U1 "$T/$prog" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	t_eq "$rc" 77 "$m as $U1: EX_NOPERM"
	t_match "$(cat "$T/err")" "needs root" "...saying it needs root"
	t_eq "$(cat "$T/out")" "" "...and printing nothing else"
done

# ---- sendmail while tern is stopped: kept, then delivered ------------------------
t_stop
printf 'To: rcpt@localhost\nSubject: offline\n\nbody-offline\n' |
	as $U1 "$T/sendmail" -t >"$T/out" 2>"$T/err"
t_eq "$?" 0 "sendmail -t as $U1 while tern is stopped: exit 0, never 75"
t_eq "$(cat "$T/out" "$T/err")" "" "...and silent"
t_eq "$(drops)" 1 "one file waits in maildrop/"
F1=$(find "$MD" -mindepth 1 -maxdepth 1 | head -n 1)
t_match "$(basename "$F1")" '^[0-9a-f]{32}$' "...under a random name"
t_eq "$(stat -c '%u:%G %a' "$F1")" "$UID1:terndrop 404" \
	"...owned by the user, group terndrop, mode 0404"
printf 'To: other@localhost\nSubject: second\n\nbody-second\n' |
	as $U2 "$T/sendmail" -t >/dev/null 2>&1
t_eq "$?" 0 "a second user's message is kept too"
F2=$(find "$MD" -mindepth 1 -maxdepth 1 ! -name "$(basename "$F1")" | head -n 1)
t_match "$F2" . "...in a file of its own"
sum2=$(sha256sum < "$F2")

# ---- attacks on waiting messages, as $U1 -----------------------------------------
out=$(as $U1 cat "$F2" 2>&1)
t_nomatch "$out" "body-second" "$U1 cannot read $U2's waiting message"
t_match "$out" "Permission denied" "...Permission denied"
out=$(as $U1 ls "$MD" 2>&1)
t_match "$out" "Permission denied" "$U1 cannot list maildrop/"
out=$(as $U1 sh -c "echo tampered >> '$F2'" 2>&1)
t_match "$out" "Permission denied" "$U1 cannot append to $U2's message"
out=$(as $U1 rm -f "$F2" 2>&1)
t_match "$out" "Permission denied" "$U1 cannot remove $U2's message"
out=$(as $U1 mv "$F2" "$T/stolen" 2>&1)
t_match "$out" "Permission denied" "$U1 cannot move $U2's message out"
out=$(as $U1 ln "$F2" "/tmp/tern-link-$$" 2>&1)
t_match "$out" "Permission denied|not permitted" "$U1 cannot hard-link $U2's message"
rm -f "/tmp/tern-link-$$"
out=$(as $U1 ln -s /etc/passwd "$MD/0123456789abcdef0123456789abcdef" 2>&1)
t_match "$out" "Permission denied" "$U1 cannot plant a symbolic link in maildrop/"
out=$(as $U1 cat "$F1" 2>&1)
t_nomatch "$out" "body-offline" "$U1 cannot even read back its own waiting message"
t_eq "$(sha256sum < "$F2")" "$sum2" "$U2's message is unchanged"

# terndrop with a configuration of the user's own: refused, nothing written.
EV=$T/evil
mkdir -p "$EV/queue/maildrop"
chmod 1777 "$EV/queue/maildrop"
printf 'queue_directory = %s/queue\ndaemon_directory = %s\n' "$EV" "$LX" > "$EV/main.conf"
chown -R $U1 "$EV"
drop_input() {	# the maildrop input sendmail gives terndrop, for rcpt
	printf 'TERNDROP1\nsender=x@localhost\nrcpt=rcpt@localhost\n\n'
	printf '%s\n%s' "${#1}" "$1"
	printf '0\n'
}
drop_input "$(printf 'Subject: evil\n\nx')" |
	as $U1 "$LX/terndrop" -c "$EV" >/dev/null 2>"$T/err"
t_eq "$?" 77 "terndrop -c with the user's own configuration: refused (EX_NOPERM)"
t_match "$(cat "$T/err")" "refused" "...saying why"
drop_input "$(printf 'Subject: evil\n\nx')" |
	setpriv --reuid=$U1 --regid="$(id -g $U1)" --clear-groups -- \
	env TERN_CONFIG="$EV" "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 77 "terndrop with TERN_CONFIG of the user's own: refused"
printf 'Subject: evil\n\nx\n' |
	setpriv --reuid=$U1 --regid="$(id -g $U1)" --clear-groups -- \
	env TERN_CONFIG="$EV" "$T/sendmail" rcpt@localhost >/dev/null 2>&1
t_eq "$?" 77 "sendmail with such a configuration: refused too, not kept"
t_eq "$(find "$EV/queue/maildrop" -mindepth 1 | wc -l)" 0 \
	"nothing was written outside the real maildrop"
t_eq "$(drops)" 2 "...nor into it"

# Oversized and malformed input: refused, nothing left behind.
head -c 300000 /dev/zero | tr '\0' 'x' | fold -w 100 > "$T/big"
{ printf 'To: rcpt@localhost\n\n'; cat "$T/big"; } |
	as $U1 "$T/sendmail" -t >/dev/null 2>"$T/err"
t_eq "$?" 65 "a message over message_size_limit: EX_DATAERR"
{ printf 'TERNDROP1\nsender=\nrcpt=rcpt@localhost\n\n'
  for i in 1 2 3 4; do printf '65536\n'; head -c 65536 /dev/zero; done
  printf '0\n'; } | as $U1 "$LX/terndrop" >/dev/null 2>"$T/err"
t_eq "$?" 65 "terndrop fed more than message_size_limit directly: EX_DATAERR"
t_match "$(cat "$T/err")" "message_size_limit" "...saying so"
long=$(head -c 300 /dev/zero | tr '\0' 'a')
printf 'TERNDROP1\nsender=\nrcpt=%s@localhost\n\n1\nx0\n' "$long" |
	as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 65 "an address longer than a path: EX_DATAERR"
printf 'TERNDROP1\nsender=\nrcpt=a@localhost%%0D%%0ADATA\n\n1\nx0\n' |
	as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 65 "an address with CR LF in it (SMTP injection): EX_DATAERR"
printf 'TERNDROP1\nsender=\nrcpt=a@x\nrcpt=b@x\nrcpt=c@x\nrcpt=d@x\nrcpt=e@x\nrcpt=f@x\n\n1\nx0\n' |
	as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 65 "more recipients than smtpd_recipient_limit: EX_DATAERR"
printf 'TERNDROP1\nsender=\nrcpt=rcpt@localhost\n\n5\nhello' |
	as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 65 "input that ends without the end mark (sendmail killed): nothing kept"
printf 'TERNDROP1\nsender=\nrcpt=rcpt@localhost\nqueue_id=x\n\n0\n' |
	as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 65 "an envelope attribute terndrop does not know: EX_DATAERR"
t_eq "$(drops)" 2 "no refused input left a file, finished or not, in maildrop/"

# ---- tern starts: every waiting message delivered, maildrop empty ---------------------
t_start
wait_delivered rcpt body-offline || t_fail "the message kept while stopped is delivered"
f=$(delivered rcpt body-offline)
t_file_has "$f" '^Subject: offline$' "...with its content"
t_file_has "$f" "\(tern, from userid $UID1\)" "...and Received names uid $UID1, the file's owner"
t_file_has "$f" '^Message-ID: <' "...and smtpd added Message-ID, as for any submission"
wait_delivered other body-second || t_fail "$U2's message is delivered"
t_file_has "$(delivered other body-second)" "\(tern, from userid $UID2\)" \
	"...with uid $UID2 in Received"
t_nomatch "$(cat "$(delivered other body-second)")" "tampered" "...unaltered"
t_wait 10 sh -c "[ \$(find '$MD' -mindepth 1 | wc -l) = 0 ]"
t_eq "$(drops)" 0 "maildrop/ is empty afterwards"
t_file_has "$INST/log/maillog" "pickup\[.*maildrop/[0-9a-f]{32}: uid=$UID1 from=<" \
	"pickup logs each message it submitted, with the uid"

# ---- pickup meets what terndrop never writes --------------------------------------
PID=$(master_child pickup)
t_match "$PID" '^[0-9]+$' "pickup runs"
BAD=fedcba9876543210fedcba9876543210
printf 'TERNDROP1\ngarbage without an end\n' > "$MD/$BAD"
chown $UID2 "$MD/$BAD"
ln -s /etc/passwd "$MD/0000000000000000000000000000000a"
mkfifo "$MD/0000000000000000000000000000000b"
touch "$MD/tmp.0000000000000000000000000000000c"
touch -d '2 days ago' "$MD/tmp.0000000000000000000000000000000d"
tmailctl queue flush >/dev/null 2>&1
t_wait 10 sh -c "[ ! -e '$MD/$BAD' ] && [ ! -e '$MD/0000000000000000000000000000000b' ]"
t_file_has "$INST/log/maillog" "maildrop/$BAD: uid=$UID2: not a maildrop file" \
	"a malformed file is refused, logged with its name and owner"
t_eq "$(ls "$MD/$BAD" 2>/dev/null)" "" "...and removed"
t_file_has "$INST/log/maillog" "maildrop/0000000000000000000000000000000a: a symbolic link; removed" \
	"a symbolic link is removed, not followed"
t_eq "$(head -c 5 /etc/passwd)" "root:" "...and its target is untouched"
t_file_has "$INST/log/maillog" "maildrop/0000000000000000000000000000000b: uid=0: not a maildrop file \(not a regular file\)" \
	"a FIFO does not hold pickup: refused"
t_wait 5 sh -c "[ ! -e '$MD/tmp.0000000000000000000000000000000d' ]"
t_eq "$(ls "$MD" | grep -c '^tmp\.')" 1 \
	"a temporary file two days old is removed, a fresh one kept"
t_eq "$(master_child pickup)" "$PID" "pickup survived all of it (same pid)"
drop_input "$(printf 'To: rcpt@localhost\nSubject: after\n\nbody-after\n')" |
	as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 0 "terndrop keeps a message while tern runs too"
wait_delivered rcpt body-after || t_fail "...and pickup still delivers"
t_file_has "$(delivered rcpt body-after)" "from userid $UID1" "...as uid $UID1"
rm -f "$MD/tmp.0000000000000000000000000000000c"

# An unknown recipient of a kept message bounces to its sender, as queued
# mail does (smtpd leaves it to the queue in pickup's sessions).
t_stop
printf 'From: rcpt@localhost\nSubject: lost\n\nbody-lost\n' |
	as $U1 "$T/sendmail" -f rcpt@localhost nosuchuser@localhost >/dev/null 2>&1
t_eq "$?" 0 "a message for an unknown user is kept while tern is stopped"
t_start
t_wait 20 sh -c "grep -l 'body-lost' '$MAIL/rcpt'/new/* 2>/dev/null | xargs grep -l '^Status: 5.1.1' >/dev/null 2>&1"
t_eq "$?" 0 "...and bounces to its sender once tern runs"

t_done
