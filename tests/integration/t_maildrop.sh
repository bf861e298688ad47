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
# oversized and malformed input, addresses smtpd would refuse (a space,
# C1 controls, bad UTF-8), the queue_minfree limit; and pickup meeting
# files terndrop would never write (garbage, a link, a FIFO, a stale
# temporary file, a second hard link) without dying.  What pickup does
# with what smtpd answers: refusals do not end its session
# (smtpd_hard_error_limit), a message that fails for now holds up no
# other and is given up after pickup_retry_lifetime, 452 "too many
# recipients" sends the rest in another transaction, and whatever is
# refused or given up is reported to the sender.  Also -bi, -bp and -q:
# as root they work, as the user they say "needs root" with EX_NOPERM
# (77).
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
t_services auth submit qmgr local pickup
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
# Addresses smtpd would refuse (501) are no SMTP path: never kept, so
# pickup never sends them (once, 25 of them made smtpd end the session
# with 421 and pickup keep the file, stalling every round for days).
for a in 'bad%20addr1@localhost' 'a..b@localhost' 'joe' 'x@localhost>' \
	 'x%C2%9B2J@localhost' 'x%9B2J@localhost' 'x%C3%28@localhost'; do
	printf 'TERNDROP1\nsender=\nrcpt=%s\n\n1\nx0\n' "$a" |
		as $U1 "$LX/terndrop" >/dev/null 2>"$T/err"
	t_eq "$?" 65 "terndrop refuses the recipient $a (no SMTP path, C1, bad UTF-8): EX_DATAERR"
done
t_match "$(cat "$T/err")" "bad recipient address" "...saying it is a bad recipient address"
{ printf 'TERNDROP1\nsender=\n'
  for i in $(seq 1 25); do printf 'rcpt=bad%%20addr%d@x\n' "$i"; done
  printf '\n2\nx\n0\n'; } | as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 65 "the audit's file of 25 recipients smtpd refuses: not kept"
t_eq "$(drops)" 2 "no refused input left a file, finished or not, in maildrop/"
printf 'Subject: half\n\nbody-half\n' |
	as $U1 "$T/sendmail" rcpt@localhost 'a..b@localhost' >"$T/out" 2>"$T/err"
t_eq "$?" 67 "sendmail, tern stopped, with a recipient smtpd would refuse: EX_NOUSER, as a 5xx to RCPT gives"
t_match "$(cat "$T/err")" '<a\.\.b@localhost>.*left out' "...naming it as left out"
t_eq "$(drops)" 3 "...and the message is kept for the other recipient"

# ---- tern starts: every waiting message delivered, maildrop empty ---------------------
t_start
wait_delivered rcpt body-offline || t_fail "the message kept while stopped is delivered"
f=$(delivered rcpt body-offline)
t_file_has "$f" '^Subject: offline$' "...with its content"
t_file_has "$f" "\(tern, from userid $UID1\)" "...and Received names uid $UID1, the file's owner"
t_file_has "$f" '^Message-ID: <' "...and smtpd added Message-ID, as for any submission"
wait_delivered rcpt body-half || t_fail "the message kept without its bad recipient is delivered"
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
touch -d '2 hours ago' "$MD/tmp.0000000000000000000000000000000d"
touch -d '40 minutes ago' "$MD/tmp.0000000000000000000000000000000e"
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
t_eq "$(ls "$MD" | grep '^tmp\.' | tr '\n' ' ')" \
	"tmp.0000000000000000000000000000000c tmp.0000000000000000000000000000000e " \
	"a temporary file two hours old is removed, a fresh one and one 40 minutes old kept"
t_file_has "$INST/log/maillog" "maildrop/tmp.0000000000000000000000000000000d: uid=0: unfinished for an hour" \
	"...with a log line"
t_eq "$(master_child pickup)" "$PID" "pickup survived all of it (same pid)"
drop_input "$(printf 'To: rcpt@localhost\nSubject: after\n\nbody-after\n')" |
	as $U1 "$LX/terndrop" >/dev/null 2>&1
t_eq "$?" 0 "terndrop keeps a message while tern runs too"
wait_delivered rcpt body-after || t_fail "...and pickup still delivers"
t_file_has "$(delivered rcpt body-after)" "from userid $UID1" "...as uid $UID1"
rm -f "$MD"/tmp.0000000000000000000000000000000[ce]

# ---- smtpd_hard_error_limit is not for pickup ------------------------------------
# Refused recipients are the sender's to hear of: in a session that gave
# XUID (pickup's, as mail_owner) they do not end the session with 421.
# The system's python3: another user may not reach root's own (pyenv).
SMTPC="/usr/bin/python3 $TOP/tests/integration/smtpc.py"
xuid_session() {	# xuid_session USER: 25 bad RCPTs, then a good one
	{ printf 'EHLO t\r\nXUID %s\r\nMAIL FROM:<>\r\n' "$UID1"
	  for i in $(seq 1 25); do printf 'RCPT TO:<bad addr%d@localhost>\r\n' "$i"; done
	  printf 'RCPT TO:<rcpt@localhost>\r\nRSET\r\nQUIT\r\n'; } |
		setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups -- \
		$SMTPC raw "unix:$Q/public/submit" 2>&1
}
out=$(xuid_session tern)
t_eq "$(printf '%s\n' "$out" | grep -c '^501 ')" 25 "pickup's session (XUID, as mail_owner): 25 bad recipients, 25 refusals"
t_nomatch "$out" '^421' "...and no 421 at smtpd_hard_error_limit (20)"
t_match "$out" '^250 2\.1\.5' "...the session goes on: the next recipient is taken"
out=$(xuid_session $U1)
t_match "$out" '^500 5\.5\.1' "a user's session: XUID is an unknown command"
t_match "$out" '^421 4\.7\.0 .*too many errors' "...and the error limit still ends it"
# Nor does smtpd take a C1 control (here CSI) into a path, and so its log.
out=$(printf 'EHLO t\r\nMAIL FROM:<> SMTPUTF8\r\nRCPT TO:<x\302\2332J@localhost>\r\nQUIT\r\n' |
	setpriv --reuid=$U1 --regid="$(id -g $U1)" --clear-groups -- \
	$SMTPC raw "unix:$Q/public/submit" 2>&1)
t_match "$out" '^501 5\.1\.3' "smtpd refuses a recipient holding a C1 control (U+009B): 501"
t_eq "$(grep -ac $'\xc2\x9b' "$INST/log/maillog")" 0 "...and the log holds no C1 control"

# An unknown recipient of a kept message bounces to its sender, as queued
# mail does (smtpd leaves it to the queue in pickup's sessions).
t_stop
printf 'From: rcpt@localhost\nSubject: lost\n\nbody-lost\n' |
	as $U1 "$T/sendmail" -f rcpt@localhost nosuchuser@localhost >/dev/null 2>&1
t_eq "$?" 0 "a message for an unknown user is kept while tern is stopped"
t_start
t_wait 20 sh -c "grep -l 'body-lost' '$MAIL/rcpt'/new/* 2>/dev/null | xargs grep -l '^Status: 5.1.1' >/dev/null 2>&1"
t_eq "$?" 0 "...and bounces to its sender once tern runs"

# ---- a message that fails for now holds up no other; given up; reported ----------
# Without auth, smtpd cannot look up local recipients and answers 451:
# those messages fail for now, each on its own; the ones for a remote
# address (relayed, they need no lookup) must still go, in the same
# rounds.  After pickup_retry_lifetime the waiting ones are given up and
# their (remote) sender gets a report, which the queue then holds.
t_stop
cp "$INST/master.conf" "$T/master.conf.full"
awk '/^auth[ \t]/ { skip = 1; next } skip && /^[ \t]/ { next } { skip = 0; print }' \
	"$T/master.conf.full" > "$INST/master.conf"
t_set pickup_retry_lifetime 5s
for i in 1 2 3 4; do
	printf 'Subject: wait-%d\n\nbody-wait-%d\n' "$i" "$i" |
		as $U1 "$T/sendmail" -f ann@remote.example rcpt@localhost
done
for i in 1 2 3; do
	printf 'Subject: pass-%d\n\nbody-pass-%d\n' "$i" "$i" |
		as $U2 "$T/sendmail" -f bob@remote.example far@remote.example
done
t_eq "$(drops)" 7 "seven messages wait: four that will fail (451), three that can go"
queued() { grep -l -- "$1" "$Q"/incoming/* "$Q"/active/* "$Q"/deferred/* 2>/dev/null | wc -l; }
queued_file() { grep -l -- "$1" "$Q"/incoming/* "$Q"/active/* "$Q"/deferred/* 2>/dev/null | head -n 1; }
t_start
t_wait 15 sh -c "[ \$(grep -l body-pass '$Q'/incoming/* '$Q'/active/* '$Q'/deferred/* 2>/dev/null | wc -l) = 3 ]"
t_eq "$(queued body-pass)" 3 "the three are queued, though the four fail in the same rounds"
t_file_has "$INST/log/maillog" "pickup\[.*maildrop/[0-9a-f]{32}: uid=$UID1: recipient <rcpt@localhost>: 451 4\.3\.0 .*; will try again" \
	"...which are kept, logged as temporary failures"
t_wait 30 sh -c "[ \$(grep -l 'Undelivered Mail Returned' '$Q'/incoming/* '$Q'/active/* '$Q'/deferred/* 2>/dev/null | wc -l) = 4 ]"
t_eq "$(queued 'Undelivered Mail Returned')" 4 "after pickup_retry_lifetime the four are given up, and a report for each is queued"
t_file_has "$INST/log/maillog" "maildrop/[0-9a-f]{32}: uid=$UID1 from=<ann@remote.example>: 1 recipient could not be submitted for 5 seconds; last problem: recipient <rcpt@localhost>: 451 4\.3\.0 .*; given up" \
	"...logged as given up, with the last problem"
f=$(queued_file 'Undelivered Mail Returned')
t_match "$($SMTPC envelope "$f" | grep -E '^(sender|rcpt)=' | tr '\n' ' ')" \
	'^sender= rcpt=ann@remote\.example $' "...a report from the null sender to the message's sender"
t_file_has "$f" '^Content-Type: multipart/report; report-type=delivery-status;' "...an RFC 3464 report"
t_file_has "$f" '^Final-Recipient: rfc822; rcpt@localhost$' "...naming the recipient"
t_file_has "$f" '^Status: 5\.4\.7$' "...Status 5.4.7"
t_file_has "$f" '^Diagnostic-Code: X-Tern; could not be submitted for 5 seconds; last problem: recipient <rcpt@localhost>: 451 4\.3\.0' \
	"...and why"
t_file_has "$f" '^Subject: wait-[1-4]$' "...with the original header"
t_nomatch "$(cat "$f")" 'body-wait' "...but not the body"
t_eq "$(drops)" 0 "the maildrop is empty"
t_stop
cp "$T/master.conf.full" "$INST/master.conf"
t_set pickup_retry_lifetime 1d

# ---- 452 too many recipients, refusals reported, a second link -------------------
for u in s1 s2 s3 s4; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
printf 'Subject: split\n\nbody-split\n' |
	as $U1 "$T/sendmail" rcpt@localhost s1@localhost s2@localhost s3@localhost s4@localhost
t_eq "$?" 0 "a message for five recipients (smtpd_recipient_limit 5) is kept"
hops() { for i in $(seq 1 51); do printf 'Received: from hop%d\n' "$i"; done; }
{ hops; printf 'Subject: looping\n\nbody-loop\n'; } |
	as $U1 "$T/sendmail" -f rcpt@localhost other@localhost
t_eq "$?" 0 "a message with 51 Received fields is kept (smtpd will refuse it: hopcount_limit)"
{ hops; printf 'Subject: looping-null\n\nbody-loopnull\n'; } |
	as $U1 "$T/sendmail" -f '<>' other@localhost
before=$(ls "$MD")
printf 'Subject: linked\n\nbody-linked\n' | as $U1 "$T/sendmail" rcpt@localhost
LINKED=$(ls "$MD" | grep -vxF -- "$before")
before=$(ls "$MD")
printf 'Subject: oldlink\n\nbody-oldlink\n' | as $U1 "$T/sendmail" rcpt@localhost
OLDLINK=$(ls "$MD" | grep -vxF -- "$before")
ln "$MD/$LINKED" "$Q/extra-link"
ln "$MD/$OLDLINK" "$Q/extra-oldlink"
touch -d '2 hours ago' "$MD/$OLDLINK"
t_eq "$(stat -c %h "$MD/$LINKED"):$(stat -c %h "$MD/$OLDLINK")" "2:2" \
	"two kept messages have a second link (as terndrop's link + unlink leaves it for a moment)"
# smtpd now takes fewer recipients than when the message was kept.
t_set smtpd_recipient_limit 2
t_start
for u in rcpt s1 s2 s3 s4; do
	wait_delivered $u body-split || t_fail "the split message reaches $u"
done
n=
for u in rcpt s1 s2 s3 s4; do n="$n$(grep -l body-split "$MAIL/$u"/new/* 2>/dev/null | wc -l)"; done
t_eq "$n" 11111 "452 too many recipients: all five get the message, once each"
t_eq "$(grep -c 'maildrop/[0-9a-f]*: uid=[0-9]*: 2 recipients in this transaction (4\.5\.3 .*); the rest in another' "$INST/log/maillog")" 2 \
	"...in three transactions (2, 2, 1), logged"
t_wait 20 sh -c "grep -l 'Subject: looping\$' '$MAIL/rcpt'/new/* 2>/dev/null | xargs grep -l '^Status: 5.4.6' >/dev/null 2>&1"
r=$(grep -l 'Subject: looping$' "$MAIL/rcpt"/new/* 2>/dev/null | xargs grep -l '^Status: 5.4.6' 2>/dev/null | head -n 1)
t_file_has "$r" '^Subject: Undelivered Mail Returned to Sender' \
	"a message smtpd refuses for good (554 5.4.6) after sendmail said kept: its sender gets a report"
t_file_has "$r" '^Final-Recipient: rfc822; other@localhost$' "...naming the recipient"
t_file_has "$r" '^Diagnostic-Code: X-Tern; 554 5\.4\.6' "...with smtpd's reply"
t_file_has "$r" '^Content-Type: text/rfc822-headers' "...and the original header"
t_nomatch "$(cat "$r")" 'body-loop' "...not its body"
t_eq "$(grep -l 'body-loop' "$MAIL/other"/new/* 2>/dev/null | wc -l)" 0 "the refused message reached nobody"
t_wait 10 sh -c "grep -q 'from=<>: 1 recipient refused; no report to the null sender' '$INST/log/maillog'"
t_file_has "$INST/log/maillog" "maildrop/[0-9a-f]{32}: uid=$UID1 from=<>: 1 recipient refused; no report to the null sender" \
	"from the null sender: logged, never reported on"
t_wait 10 sh -c "[ ! -e '$MD/$OLDLINK' ]"
t_file_has "$INST/log/maillog" "maildrop/$OLDLINK: uid=$UID1: not a maildrop file \(more than one link for an hour\); removed" \
	"a file with a second link, two hours old: removed, logged"
t_eq "$(grep -l 'body-oldlink' "$MAIL/rcpt"/new/* 2>/dev/null | wc -l)" 0 "...not delivered"
sleep 2.5	# a round or two more (pickup_interval 1s) that see the young one
t_eq "$(ls "$MD")" "$LINKED" "a young one is left for later, neither removed nor submitted"
t_eq "$(grep -c "maildrop/$LINKED" "$INST/log/maillog")" 0 "...and not logged"
rm "$Q/extra-link"
wait_delivered rcpt body-linked || t_fail "once it has one link, it is delivered"
t_file_has "$(delivered rcpt body-linked)" "from userid $UID1" "...as uid $UID1"
rm -f "$Q/extra-oldlink"
t_match "$(master_child pickup)" '^[0-9]+$' "pickup still runs"
t_set smtpd_recipient_limit 5

# ---- queue_minfree: terndrop keeps nothing smtpd would not take -------------------
t_stop
t_set queue_minfree 100000g
printf 'TERNDROP1\nsender=\nrcpt=rcpt@localhost\n\n5\nhello0\n' |
	as $U1 "$LX/terndrop" >/dev/null 2>"$T/err"
t_eq "$?" 75 "less free space than queue_minfree: terndrop keeps nothing (EX_TEMPFAIL)"
t_match "$(cat "$T/err")" 'queue_minfree' "...and says why"
printf 'Subject: full\n\nx\n' | as $U1 "$T/sendmail" rcpt@localhost >/dev/null 2>&1
t_eq "$?" 75 "...and sendmail, tern stopped, says try again later"
t_eq "$(drops)" 0 "...no file, finished or not, is left"
# While it writes: the maildrop on a 1 MiB file system, 600k to keep free.
t_set queue_minfree 600k
t_set message_size_limit 2m
trap 'umount "$MD" 2>/dev/null; t_cleanup' EXIT
if mount -t tmpfs -o "size=1m,mode=1730,uid=$(id -u tern),gid=$(getent group terndrop | cut -d: -f3)" \
	tern-test-maildrop "$MD"; then
	printf 'TERNDROP1\nsender=\nrcpt=rcpt@localhost\n\n5\nhello0\n' |
		as $U1 "$LX/terndrop" >/dev/null 2>&1
	t_eq "$?" 0 "a small message fits: kept"
	{ printf 'TERNDROP1\nsender=\nrcpt=rcpt@localhost\n\n'
	  for i in $(seq 1 11); do printf '65536\n'; head -c 65536 /dev/zero | tr '\0' x; done
	  printf '0\n'; } | as $U1 "$LX/terndrop" >/dev/null 2>"$T/err"
	t_eq "$?" 75 "a 700k message would leave less than queue_minfree: EX_TEMPFAIL while writing"
	t_match "$(cat "$T/err")" 'queue_minfree' "...said so, before the disk was full"
	t_eq "$(drops)" 1 "...its temporary file is removed, the small message stays"
	avail=$(df -B1 --output=avail "$MD" | tail -n 1)
	t_eq "$([ "$avail" -ge $((600 * 1024)) ] && echo yes)" yes "...and queue_minfree is still free"
	umount "$MD"
else
	t_skip "terndrop while it writes: cannot mount a tmpfs as the maildrop"
fi
trap t_cleanup EXIT
t_set queue_minfree 0
t_set message_size_limit 200000

t_done
