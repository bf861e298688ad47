# t_pop3.sh - the POP3 session role with real clients: every TRANSACTION
# command and error through python's poplib, the raw wire (CRLF,
# dot-stuffing, pipelining behind PASS), fetchmail downloading and
# deleting a mailbox, curl listing and retrieving, the [IN-USE] lock and
# its release when the holder is killed, deletion only on QUIT, UIDLs that
# survive the renames an IMAP server makes and new deliveries, a message
# delivered over SMTP served with local's name, a 30 MiB message retrieved
# byte-exact, and the autologout timer.  The login role's own checks are in t_pop3_login.sh.
. "$(dirname "$0")/lib.sh"

PY=$TOP/tests/integration/pop3_txn.py

t_instance
t_set pop3d_idle_timeout 600s
t_services smtp auth qmgr local pop3 pop3-session
for u in bob alice carol dave erin frank big; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
t_start

P=$((PB + 110))
MAIL=$INST/mail/localhost
OWNER=$(stat -c %u:%g "$INST/mail")

# mkbox USER: an empty Maildir owned like the ones local makes.
mkbox() {
	mkdir -p "$MAIL/$1/new" "$MAIL/$1/cur" "$MAIL/$1/tmp"
	chown -R "$OWNER" "$MAIL"
}
own() { chown -R "$OWNER" "$MAIL/$1"; }

# py ARGS...: run pop3_txn.py, one result per "ok"/"FAIL" line.
py() { t_results "pop3_txn.py $1" "$(timeout 120 python3 "$PY" "$@" 2>&1)"; }

# session_pid: the pop3d process holding the server end of the one
# established connection to the POP3 port (the session after hand-off).
session_pids() {
	ss -Htnp state established "( sport = :$P )" 2>/dev/null |
		grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

# 1. Every TRANSACTION command and error.
mkbox bob
python3 "$PY" prepare "$MAIL/bob" >/dev/null
own bob
py txn "$P" bob@localhost pw-bob "$MAIL/bob"
t_file_has "$INST/log/maillog" 'pop3d-session\[[0-9]+\]: user=<bob@localhost>, client=\[127\.0\.0\.1\]:[0-9]+, service=pop3, messages=4, octets=[0-9]+' \
	"the session logs user, client and counts"
t_file_has "$INST/log/maillog" 'pop3d-session\[[0-9]+\]: disconnect from \[127\.0\.0\.1\]:[0-9]+ user=<bob@localhost>, retr=[0-9]+, top=[0-9]+, dele=3, deleted=2, .*, quit' \
	"the session logs what was done at the end"
if [ ! -s "$INST/log/maillog" ]; then
	t_fail "no message content in the log" "no maillog to search"
elif grep -q 'leading dot\|no newline at the end' "$INST/log/maillog"; then
	t_fail "no message content in the log"
else
	t_pass "no message content in the log"
fi
t_log_lacks "no password in the log, in any form" bob@localhost pw-bob

# 2. The raw wire: CRLF, dot-stuffing, commands pipelined behind PASS.
mkbox alice
python3 "$PY" prepare "$MAIL/alice" >/dev/null
own alice
py raw "$P" alice@localhost pw-alice

# 3. Deletion semantics: a dropped connection deletes nothing; QUIT does.
before=$(find "$MAIL/alice" -type f -path '*/[nc][eu][wr]/*' | wc -l)
python3 "$PY" drop "$P" alice@localhost pw-alice 1 2 3 >/dev/null 2>&1
sleep 0.5
t_eq "$(find "$MAIL/alice" -type f -path '*/[nc][eu][wr]/*' | wc -l)" "$before" \
	"DELE then a dropped connection deletes nothing"
t_file_has "$INST/log/maillog" 'disconnect from \[127\.0\.0\.1\]:[0-9]+ user=<alice@localhost>, .*dele=3, deleted=0, .*no update' \
	"the dropped session is logged as ending without UPDATE"
out=$(python3 "$PY" quit "$P" alice@localhost pw-alice 1 3 2>&1)
t_match "$out" '^\+OK .*2 messages deleted, 2 left' "QUIT answers how many were deleted"
t_eq "$(find "$MAIL/alice" -type f -path '*/[nc][eu][wr]/*' | wc -l)" "$((before - 2))" \
	"DELE then QUIT removes the messages"

# 4. UIDLs stay the same after IMAP-style renames and new deliveries.
mkbox carol
for i in 1 2 3 4; do
	printf 'Subject: c%s\n\nbody %s\n' "$i" "$i" > "$T/m"
	python3 "$PY" put "$MAIL/carol" $((1700000100 + i)) "$T/m" >/dev/null
done
own carol
u1=$(python3 "$PY" uidl "$P" carol@localhost pw-carol)
t_eq "$(printf '%s\n' "$u1" | wc -l)" 4 "UIDL lists four messages"
cd "$MAIL/carol" || exit 1
f=$(ls new | sed -n 1p); mv "new/$f" "cur/$f:2,S"
f=$(ls new | sed -n 1p); mv "new/$f" "cur/$f:2,S"; mv "cur/$f:2,S" "cur/$f:2,FS"
f=$(ls new | sed -n 1p); mv "new/$f" "cur/$f:2,"
cd "$TOP" || exit 1
printf 'Subject: c5\n\nbody 5\n' > "$T/m"
python3 "$PY" put "$MAIL/carol" 1700000200 "$T/m" >/dev/null
own carol
u2=$(python3 "$PY" uidl "$P" carol@localhost pw-carol)
t_eq "$(printf '%s\n' "$u2" | head -n 4)" "$u1" \
	"UIDLs unchanged after :2,S, :2,FS and the move from new/ to cur/"
t_eq "$(printf '%s\n' "$u2" | wc -l)" 5 "a new delivery is listed after them"
t_match "$(printf '%s\n' "$u2" | tail -n 1)" '^5 1700000200\.M' "the new message's UIDL is its base name"

# 5. A message delivered over SMTP is served with local's name and sizes.
mkbox dave
printf 'From: alice@localhost\r\nSubject: via smtp\r\n\r\nhello\r\n.dot line\r\n' > "$T/smtp.eml"
swaks --server 127.0.0.1 --port $((PB + 25)) --from alice@localhost \
	--to dave@localhost --data "$T/smtp.eml" >"$T/swaks.out" 2>&1 ||
	t_fail "swaks delivered" "$(tail -n 5 "$T/swaks.out")"
t_wait 15 sh -c "[ \$(ls '$MAIL/dave/new' | wc -l) -ge 1 ]"
name=$(ls "$MAIL/dave/new" | head -n 1)
sed 's/$/\r/' "$MAIL/dave/new/$name" > "$T/want1"
out=$(curl -s --max-time 20 "pop3://127.0.0.1:$P/" -u dave@localhost:pw-dave)
w=$(printf '%s' "$name" | sed -nE 's/.*,W=([0-9]+).*/\1/p')
t_eq "$(printf '%s' "$out" | tr -d '\r')" "1 $w" "curl lists the message with the ,W= size of local's name"
curl -s --max-time 20 "pop3://127.0.0.1:$P/1" -u dave@localhost:pw-dave > "$T/curl1"
if cmp -s "$T/curl1" "$T/want1"; then t_pass "curl retrieves the message as CRLF text"
else t_fail "curl retrieves the message as CRLF text" "$(cmp "$T/curl1" "$T/want1" 2>&1)"; fi
t_eq "$(stat -c %s "$T/curl1")" "$w" "what curl got is as long as LIST said"
u=$(python3 "$PY" uidl "$P" dave@localhost pw-dave)
t_eq "$u" "1 ${name%%,*}" "the UIDL of a delivered message is its Maildir base name"
t_eq "$(ls "$MAIL/dave/cur")" "$name:2,S" "RETR then QUIT moved it to cur/ with the Seen flag"

# 6. fetchmail downloads and deletes a mailbox.
mkbox erin
for i in 1 2 3; do
	printf 'From: alice@localhost\nSubject: fetch %s\nMessage-ID: <f%s@test>\n\n.dot\nbody %s\n' \
		"$i" "$i" "$i" > "$T/m"
	python3 "$PY" put "$MAIL/erin" $((1700000300 + i)) "$T/m" >/dev/null
done
own erin
cat > "$T/fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 port $P protocol pop3 timeout 20
	user "erin@localhost" password "pw-erin" is "erin" here
	mda "cat >> $T/fetched"
	sslproto '' no sslcertck
EOF
chmod 600 "$T/fetchmailrc"
HOME=$T fetchmail -v -f "$T/fetchmailrc" --nodetach --nosyslog --pidfile "$T/fetchmail.pid" \
	-i "$T/fetchids" >"$T/fetchmail.out" 2>&1
st=$?
t_eq "$st" 0 "fetchmail ends with success ($(tail -n 1 "$T/fetchmail.out"))"
t_eq "$(grep -c '^Subject: fetch ' "$T/fetched" 2>/dev/null)" 3 "fetchmail got the three messages"
t_file_has "$T/fetched" '^\.dot$' "fetchmail's copy has the dot-stuffing undone"
t_eq "$(find "$MAIL/erin/new" "$MAIL/erin/cur" -type f | wc -l)" 0 "fetchmail deleted them from the Maildir"

# 7. The lock: a second session gets [IN-USE], and gets in once the first
# is killed.
mkbox frank
printf 'Subject: f\n\nf\n' > "$T/m"
python3 "$PY" put "$MAIL/frank" 1700000400 "$T/m" >/dev/null
own frank
python3 "$PY" hold "$P" frank@localhost pw-frank 60 > "$T/hold.out" 2>&1 &
HOLD=$!
t_wait 10 grep -q '^+OK' "$T/hold.out"
t_match "$(cat "$T/hold.out")" '^\+OK' "the first session is in"
out=$(python3 "$PY" login "$P" frank@localhost pw-frank 2>&1)
t_match "$out" '^-ERR \[IN-USE\]' "a second session on the locked mailbox gets -ERR [IN-USE]"
pids=$(session_pids)
t_eq "$(printf '%s\n' "$pids" | grep -c .)" 1 "one process holds the first connection"
if [ -n "$pids" ]; then
	t_match "$(tr '\0' ' ' < "/proc/$pids/cmdline")" '^pop3d-session ' "it is the pop3d-session process"
	# The point of a separate session program: no TLS library mapped.
	maps=$(cat "/proc/$pids/maps")
	t_match "$maps" '/libc\.so' "the session's memory map is readable"
	t_nomatch "$maps" 'libssl|libcrypto' "pop3d-session maps no OpenSSL"
	kill -9 "$pids"
fi
T_SIGNALS_EXPECTED=1
sleep 0.5
out=$(python3 "$PY" login "$P" frank@localhost pw-frank 2>&1)
t_match "$out" '^\+OK' "after the holder was killed the mailbox is free"
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null

# 8. A 30 MiB message, byte-exact.
mkbox big
python3 "$PY" big "$MAIL/big" 30 >/dev/null
own big
py bigcheck "$P" big@localhost pw-big "$MAIL/big"

# 9. A client that only sends bad commands is disconnected, without UPDATE.
n=$(find "$MAIL/frank" -type f -path '*/[nc][eu][wr]/*' | wc -l)
out=$({ printf 'USER frank@localhost\r\nPASS pw-frank\r\nDELE 1\r\n'
	for i in $(seq 1 19); do printf 'FOOB %s\r\n' "$i"; done
	printf 'USER again\r\nNOOP\r\nQUIT\r\n'; } |
	python3 "$TOP/tests/integration/popc.py" raw "$P" 2>&1)
t_eq "$(printf '%s\n' "$out" | grep -c '^-ERR Unknown command')" 19 \
	"19 unknown commands in TRANSACTION are answered -ERR, and the session goes on"
t_match "$out" '^-ERR USER is not allowed after login' "the 20th bad command is answered"
t_match "$(printf '%s\n' "$out" | tail -n 1)" '^-ERR Too many bad commands' \
	"after 20 bad commands the session is closed"
t_nomatch "$out" '^\+OK Logging out' "the commands behind them are not served"
t_eq "$(find "$MAIL/frank" -type f -path '*/[nc][eu][wr]/*' | wc -l)" "$n" \
	"a session closed for bad commands deletes nothing"
t_file_has "$INST/log/maillog" 'user=<frank@localhost>, client=\[127\.0\.0\.1\]:[0-9]+: too many bad commands' \
	"the disconnect is logged"

# 10. The autologout timer ends an idle session without UPDATE.
t_set pop3d_idle_timeout 2s
tmailctl reload >/dev/null 2>&1 || t_fail "mailctl reload"
sleep 1
n=$(find "$MAIL/frank" -type f -path '*/[nc][eu][wr]/*' | wc -l)
py autologout "$P" frank@localhost pw-frank 15
t_eq "$(find "$MAIL/frank" -type f -path '*/[nc][eu][wr]/*' | wc -l)" "$n" \
	"a session ended by the autologout timer deletes nothing"
t_file_has "$INST/log/maillog" 'user=<frank@localhost>, client=\[127\.0\.0\.1\]:[0-9]+: idle timeout' \
	"the autologout is logged"

t_done
