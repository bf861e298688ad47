#!/bin/bash
# t_imap_login.sh - the login role of imapd(8) and the hand-off to
# imapd-session: the greeting and the capabilities before login,
# CAPABILITY, NOOP, LOGOUT, ID, LOGIN (atoms, quoted strings, literals),
# AUTHENTICATE PLAIN and LOGIN with and without SASL-IR, "*" cancelling,
# wrong passwords (NO [AUTHENTICATIONFAILED]), too many failures (BYE),
# commands of later states, unknown commands, too many bad commands, an
# oversized literal and line, the idle timeout, LOGINDISABLED where
# plaintext is refused, STARTTLS (imaplib, openssl s_client, and
# plaintext injected behind it), IMAPS, a failed hand-off; after login the
# session's tagged OK [CAPABILITY ...] and a command pipelined behind
# LOGIN; and as root the uids and chroot of both programs, no libssl in
# the session, and a session refusing a forged token.
. "$(dirname "$0")/lib.sh"

IMAPC="python3 $TOP/tests/integration/imapc.py"

t_instance
P143=$((PB + 143))
P144=$((PB + 144))
P145=$((PB + 145))
P146=$((PB + 146))
P147=$((PB + 147))
P993=$((PB + 993))
# Failures are not slowed here (t_auth tests auth's delays).
t_set auth_failure_delay 0
t_set auth_failure_limit 0
t_set auth_failure_user_limit 0
t_services imap imaps imap-session auth anvil
cat >> "$INST/master.conf" <<EOT
strict:$P144 inet n - y - imapd -o auth_plaintext=never
  -o imapd_login_failures=2 -o imapd_idle_timeout=3s
broken:$P145 inet n - y - imapd -o imapd_session_socket=nowhere
limited:$P146 inet n - y - imapd -o imapd_client_connection_count_limit=1
  -o imapd_client_event_limit_exceptions=
minus:$P147 inet n - y - imapd -o imapd_literal_minus=yes
  -o imapd_junk_command_limit=5
EOT
{ printf 'secret-a\n' | tmailctl user add a@localhost --password-stdin &&
  printf 'secret b "quoted"\n' | tmailctl user add b@localhost --password-stdin
} >"$T/setup.out" 2>&1 || t_fail "users for the imapd tests" "$(cat "$T/setup.out")"
t_start
inst_wait_listen "$P143" || t_fail "imapd listens on $P143"

raw() { $IMAPC raw "$@"; }

# ---- greeting, CAPABILITY, NOOP, LOGOUT, ID --------------------------------

out=$(printf 'a CAPABILITY\r\nb NOOP\r\nc ID NIL\r\nd ID ("name" "test" "version" NIL)\r\ne LOGOUT\r\n' | raw "$P143")
greet=$(echo "$out" | head -n 1)
t_match "$greet" '^\* OK \[CAPABILITY IMAP4rev1 [^]]*\] .* IMAP ready$' "greeting: OK with the capabilities"
capa=$(echo "$out" | grep '^\* CAPABILITY ')
for w in IMAP4rev1 'LITERAL\+' ID ENABLE IDLE SASL-IR STARTTLS AUTH=PLAIN AUTH=LOGIN; do
	t_match "$capa" " $w( |\$)" "CAPABILITY before login (loopback): ${w/\\/}"
done
t_nomatch "$capa" 'LOGINDISABLED' "CAPABILITY on loopback: no LOGINDISABLED"
t_nomatch "$capa" 'UIDPLUS|NAMESPACE|MOVE' "CAPABILITY before login: no post-login extensions"
t_match "$out" '^a OK CAPABILITY completed$' "CAPABILITY: tagged OK"
t_match "$out" '^b OK NOOP completed$' "NOOP before login"
t_eq "$(echo "$out" | grep -c '^\* ID ("name" "tern")$')" 2 "ID NIL and ID with a list: * ID (\"name\" \"tern\")"
t_match "$out" '^d OK ID completed$' "ID: tagged OK"
t_match "$(echo "$out" | tail -n 2 | tr '\n' '|')" '^\* BYE .*\|e OK LOGOUT completed\|$' "LOGOUT: BYE, then the tagged OK"

out=$(printf 'a ID\r\nb ID ("name")\r\nc ID (name "x")\r\nd ID ("this-field-name-is-far-too-long-for-id" "x")\r\ne LOGOUT\r\n' | raw "$P143")
t_eq "$(echo "$out" | grep -c '^[a-d] BAD ')" 4 "ID: no argument, odd list, atom field, long field: BAD"

# ---- commands of later states, unknown commands, syntax ---------------------

out=$(printf 'a SELECT INBOX\r\nb LIST "" *\r\nc FETCH 1 FLAGS\r\nd UID FETCH 1 FLAGS\r\ne ENABLE IDLE\r\nf XYZZY\r\ng CAPABILITY extra\r\nh LOGIN onlyuser\r\n* NOOP\r\nj LOGOUT\r\n' | raw "$P143")
t_eq "$(echo "$out" | grep -c '^[a-e] BAD .*not valid in this state')" 5 "SELECT, LIST, FETCH, UID, ENABLE before login: BAD, not valid in this state"
t_match "$out" '^f BAD Unknown command' "unknown command: BAD"
t_match "$out" '^g BAD Syntax: CAPABILITY' "CAPABILITY with an argument: BAD"
t_match "$out" '^h BAD Syntax: LOGIN' "LOGIN with one argument: BAD"
t_match "$out" '^\* BAD ' "a line without a valid tag: * BAD"
t_match "$out" '^j OK LOGOUT' "the connection survives the errors"

out=$(for i in $(seq 1 25); do printf 'x%d XYZZY\r\n' "$i"; done | raw "$P143")
t_match "$out" '^\* BYE Too many invalid commands' "20 bad commands: BYE"
t_nomatch "$out" '^x21 ' "nothing is answered after the BYE"

# ---- LOGIN and AUTHENTICATE: failures --------------------------------------

out=$(printf 'a LOGIN a@localhost wrong\r\nb LOGIN nobody@localhost secret-a\r\nc LOGOUT\r\n' | raw "$P143")
t_eq "$(echo "$out" | grep -c '^[ab] NO \[AUTHENTICATIONFAILED\] Authentication failed$')" 2 \
	"wrong password and unknown user: the same NO [AUTHENTICATIONFAILED]"
out=$(printf 'a AUTHENTICATE PLAIN\r\n*\r\nb AUTHENTICATE PLAIN !!!\r\nc AUTHENTICATE CRAM-MD5\r\nd AUTHENTICATE PLAIN %s\r\ne AUTHENTICATE PLAIN %s\r\nf LOGOUT\r\n' \
	"$(t_b64 'no-nul')" "$(t_b64 '\0a@localhost\0bad')" | raw "$P143")
t_match "$out" '^\+ $' "AUTHENTICATE PLAIN without an initial response: \"+ \""
t_match "$out" '^a BAD Authentication cancelled' "\"*\" cancels AUTHENTICATE: BAD (RFC 3501 §6.2.2)"
t_match "$out" '^b BAD Invalid base64' "bad base64: BAD"
t_match "$out" '^c NO Unsupported authentication mechanism' "unknown mechanism: NO"
t_match "$out" '^d BAD Malformed PLAIN' "PLAIN without NULs: BAD"
t_match "$out" '^e NO \[AUTHENTICATIONFAILED\]' "AUTHENTICATE PLAIN wrong password: NO [AUTHENTICATIONFAILED]"

# ---- literals ----------------------------------------------------------------

big=$(head -c 9000 /dev/zero | tr '\0' 'x')
out=$(printf 'a LOGIN {9000}\r\nb NOOP\r\nc LOGIN {9000+}\r\n%s x\r\nd NOOP\r\ne LOGOUT\r\n' "$big" | raw "$P143")
t_match "$out" '^a BAD \[TOOBIG\] Literal too large' "a 9000-octet literal before login: BAD [TOOBIG]"
t_match "$out" '^b OK NOOP' "after a refused synchronizing literal the next command is read"
t_match "$out" '^c BAD \[TOOBIG\]' "a 9000-octet non-synchronizing literal: BAD [TOOBIG]"
t_match "$out" '^d OK NOOP' "...its octets are skipped, the next command is read"
t_nomatch "$out" '^\* BAD' "...and the rest of its command line too"
t_nomatch "$out" '^\+ OK' "no continuation for a refused literal"

long=$(head -c 50000 /dev/zero | tr '\0' 'y')
out=$(printf 'a NOOP %s\r\nb NOOP\r\n' "$long" | raw "$P143")
t_match "$out" '^\* BYE Line too long' "a 50000-octet line (over the 40960 of the login role): BYE"
t_nomatch "$out" '^b OK' "...and the connection ends"

t_log_lacks "no password in the log, in any form" secret-a

# LITERAL- (RFC 7888 §5): non-synchronizing literals of 4096 octets at
# most; and imapd_junk_command_limit.
mid=$(head -c 5000 /dev/zero | tr '\0' 'z')
out=$(printf 'a CAPABILITY\r\nb LOGIN {5000+}\r\n%s x\r\nc LOGIN {11+}\r\na@localhost {8+}\r\nsecret-a\r\nd LOGOUT\r\n' "$mid" | raw "$P147")
capa=$(echo "$out" | grep '^\* CAPABILITY ')
t_match "$capa" ' LITERAL- ' "imapd_literal_minus=yes: LITERAL- offered"
t_nomatch "$capa" 'LITERAL\+' "imapd_literal_minus=yes: no LITERAL+ (never both)"
t_match "$out" '^b BAD \[TOOBIG\]' "LITERAL-: a 5000-octet non-synchronizing literal is refused"
t_nomatch "$out" '^\* BAD' "LITERAL-: the refused literal's octets and the rest of its command are skipped"
t_match "$out" '^c OK \[CAPABILITY ' "LITERAL-: small non-synchronizing literals log in"
out=$(printf 'a NOOP\r\nb CAPABILITY\r\nc NOOP\r\nd ID NIL\r\ne NOOP\r\nf NOOP\r\ng NOOP\r\nh NOOP\r\ni NOOP\r\nj NOOP\r\n' | raw "$P147")
t_match "$out" '^g OK NOOP' "imapd_junk_command_limit=5: ID ends a run of junk"
t_match "$out" '^i OK NOOP' "imapd_junk_command_limit=5: the fifth NOOP in a row is answered"
t_match "$out" '^\* BYE Too many junk commands' "imapd_junk_command_limit=5: the sixth gets BYE"
t_nomatch "$out" '^j ' "nothing is answered after the BYE"

# ---- logging in: the session answers the tag -------------------------------

out=$(printf 'a LOGIN a@localhost secret-a\r\nb NOOP\r\nc LOGOUT\r\n' | raw "$P143")
t_match "$out" '^a OK \[CAPABILITY IMAP4rev1 [^]]*\] Logged in' "LOGIN: the session's tagged OK [CAPABILITY ...]"
login_capa=$(echo "$out" | grep '^a OK')
for w in UIDPLUS NAMESPACE MOVE IDLE 'LITERAL\+' 'APPENDLIMIT=[0-9]+'; do
	t_match "$login_capa" "[ []$w( |\\])" "capabilities after login: ${w/\\/}"
done
t_nomatch "$login_capa" 'STARTTLS|AUTH=|LOGINDISABLED' "capabilities after login: no STARTTLS, AUTH= or LOGINDISABLED"
t_match "$out" '^b OK NOOP' "NOOP pipelined behind LOGIN in the same packet: answered by the session"
t_match "$(echo "$out" | tail -n 2 | tr '\n' '|')" '^\* BYE [^|]*\|c OK [^|]*\|$' "LOGOUT pipelined behind LOGIN: answered by the session"

out=$(printf 'a LOGIN "b@localhost" "secret b \\"quoted\\""\r\nb LOGOUT\r\n' | raw "$P143")
t_match "$out" '^a OK \[CAPABILITY ' "LOGIN with quoted strings (escaped quotes in the password)"
out=$($IMAPC literal "$P143" a@localhost secret-a)
t_eq "$(echo "$out" | grep -c '^+ OK$')" 2 "LOGIN with synchronizing literals: \"+ OK\" for each"
t_match "$out" '^L1 OK \[CAPABILITY ' "LOGIN with literals logs in"
t_match "$out" '^L2 OK NOOP' "the command behind the literal LOGIN: answered by the session"
out=$(printf 'a LOGIN {11+}\r\na@localhost {8+}\r\nsecret-a\r\nb LOGOUT\r\n' | raw "$P143")
t_match "$out" '^a OK \[CAPABILITY ' "LOGIN with non-synchronizing literals (LITERAL+)"
t_nomatch "$out" '^\+ ' "no continuation for LITERAL+"

PLAIN_A=$(t_b64 '\0a@localhost\0secret-a')
out=$(printf 'a AUTHENTICATE PLAIN %s\r\nb LOGOUT\r\n' "$PLAIN_A" | raw "$P143")
t_match "$out" '^a OK \[CAPABILITY ' "AUTHENTICATE PLAIN with an initial response (SASL-IR)"
out=$(printf 'a AUTHENTICATE PLAIN\r\n%s\r\nb LOGOUT\r\n' "$PLAIN_A" | raw "$P143")
t_match "$out" '^\+ $' "AUTHENTICATE PLAIN: empty challenge"
t_match "$out" '^a OK \[CAPABILITY ' "AUTHENTICATE PLAIN after the challenge"
out=$(printf 'a AUTHENTICATE LOGIN\r\n%s\r\n%s\r\nb LOGOUT\r\n' "$(t_b64 a@localhost)" "$(t_b64 secret-a)" | raw "$P143")
t_match "$out" '^\+ VXNlcm5hbWU6$' "AUTHENTICATE LOGIN: Username: challenge"
t_match "$out" '^\+ UGFzc3dvcmQ6$' "AUTHENTICATE LOGIN: Password: challenge"
t_match "$out" '^a OK \[CAPABILITY ' "AUTHENTICATE LOGIN"
out=$(printf 'a AUTHENTICATE LOGIN %s\r\n%s\r\nb LOGOUT\r\n' "$(t_b64 a@localhost)" "$(t_b64 secret-a)" | raw "$P143")
t_match "$out" '^a OK \[CAPABILITY ' "AUTHENTICATE LOGIN with the user as initial response"

out=$(python3 - "$P143" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=20)
print("capa:", " ".join(m.capabilities))
print("login:", m.login("a@localhost", "secret-a")[0])
print("after:", m.capability()[1][0].decode())
print("select:", m.select("INBOX")[0])
print("logout:", m.logout()[0])
PY
)
t_match "$out" '^login: OK' "imaplib login"
t_match "$out" '^after: .*UIDPLUS' "imaplib CAPABILITY after login: the session's list"
t_match "$out" '^select: OK' "imaplib SELECT INBOX after login"
t_match "$out" '^logout: BYE' "imaplib logout"
out=$(python3 - "$P143" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=20)
print("auth:", m.authenticate("PLAIN", lambda _: b"\0a@localhost\0secret-a")[0])
m.logout()
PY
)
t_match "$out" '^auth: OK' "imaplib authenticate PLAIN"

# ---- STARTTLS, IMAPS ---------------------------------------------------------

out=$(python3 - "$P143" <<'PY'
import imaplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=20)
print("starttls:", m.starttls(ssl_context=ctx)[0])
print("capa:", " ".join(m.capabilities))
print("login:", m.login("a@localhost", "secret-a")[0])
print("select:", m.select("INBOX")[0])
print("logout:", m.logout()[0])
PY
)
t_match "$out" '^starttls: OK' "imaplib starttls"
t_nomatch "$(echo "$out" | grep '^capa:')" 'STARTTLS' "after STARTTLS: STARTTLS no longer offered"
t_match "$out" '^capa: .*AUTH=PLAIN' "after STARTTLS: AUTH=PLAIN"
t_match "$out" '^login: OK' "LOGIN over STARTTLS (relayed to the session)"
t_match "$out" '^select: OK' "SELECT through the TLS relay"
t_match "$out" '^logout: BYE' "LOGOUT through the TLS relay"

out=$($IMAPC starttls-inject "$P143")
t_match "$out" '^starttls: a OK Begin TLS' "STARTTLS: OK"
t_nomatch "$out" '^tls: \* CAPABILITY' "CAPABILITY sent behind STARTTLS in the same packet is discarded"
t_nomatch "$out" '^tls: b ' "...and never answered"
t_match "$out" '^tls: c OK LOGOUT' "the command sent over TLS is answered"

out=$(printf 'a LOGIN a@localhost secret-a\nb SELECT INBOX\nc LOGOUT\n' |
	timeout 30 openssl s_client -connect 127.0.0.1:"$P143" -starttls imap -crlf -quiet -ign_eof 2>/dev/null)
t_match "$out" '^a OK \[CAPABILITY ' "openssl s_client -starttls imap: LOGIN"
t_match "$out" '^b OK \[READ-WRITE\]' "openssl s_client -starttls imap: SELECT through the relay"

out=$(python3 - "$P993" <<'PY'
import imaplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx, timeout=20)
print("welcome:", m.welcome.decode())
print("capa:", " ".join(m.capabilities))
print("login:", m.login("a@localhost", "secret-a")[0])
print("select:", m.select("INBOX")[0])
print("logout:", m.logout()[0])
PY
)
t_match "$out" '^welcome: \* OK \[CAPABILITY ' "IMAPS: greeting over TLS"
t_nomatch "$(echo "$out" | grep '^capa:')" 'STARTTLS' "IMAPS: no STARTTLS"
t_match "$out" '^login: OK' "IMAPS: login"
t_match "$out" '^select: OK' "IMAPS: SELECT"

# ---- plaintext refused, failures, idle timeout, failed hand-off ------------

out=$(printf 'a CAPABILITY\r\nb LOGIN a@localhost secret-a\r\nc AUTHENTICATE PLAIN %s\r\nd LOGOUT\r\n' "$PLAIN_A" | raw "$P144")
t_match "$(echo "$out" | head -n 1)" 'LOGINDISABLED' "auth_plaintext=never: the greeting says LOGINDISABLED"
capa=$(echo "$out" | grep '^\* CAPABILITY ')
t_match "$capa" ' LOGINDISABLED' "auth_plaintext=never: CAPABILITY says LOGINDISABLED"
t_match "$capa" ' STARTTLS' "auth_plaintext=never: CAPABILITY offers STARTTLS"
t_nomatch "$capa" 'AUTH=' "auth_plaintext=never: no AUTH= mechanism"
t_match "$out" '^b NO \[PRIVACYREQUIRED\]' "auth_plaintext=never: LOGIN refused, NO [PRIVACYREQUIRED]"
t_match "$out" '^c NO \[PRIVACYREQUIRED\]' "auth_plaintext=never: AUTHENTICATE PLAIN refused"

start=$(date +%s)
out=$(python3 - "$P144" <<'PY'
import imaplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=20)
m.starttls(ssl_context=ctx)
print("capa:", " ".join(m.capabilities))
for pw in ("bad1", "bad2"):
    try:
        m.login("a@localhost", pw)
    except (imaplib.IMAP4.error, imaplib.IMAP4.abort) as e:
        print("fail:", e)
try:
    m.noop()
    print("after: still open")
except (imaplib.IMAP4.error, imaplib.IMAP4.abort, OSError, EOFError) as e:
    print("after: closed", type(e).__name__, e)
PY
)
t_match "$out" '^capa: .*AUTH=PLAIN' "auth_plaintext=never: after STARTTLS AUTH=PLAIN is offered"
t_nomatch "$(echo "$out" | grep '^capa:')" 'LOGINDISABLED' "auth_plaintext=never: after STARTTLS no LOGINDISABLED"
t_eq "$(echo "$out" | grep -c '^fail: .*AUTHENTICATIONFAILED')" 2 "failures: NO [AUTHENTICATIONFAILED]"
t_match "$out" '^after: closed' "imapd_login_failures=2: closed after the second failure"
t_eq "$(( $(date +%s) - start >= 2 ))" 1 "the close comes after a delay"
out=$(printf 'a LOGIN a@localhost bad1\r\nb LOGIN a@localhost bad2\r\nc LOGIN a@localhost bad3\r\nd NOOP\r\n' | raw "$P143")
t_match "$(echo "$out" | tail -n 2 | tr '\n' '|')" '^c NO \[AUTHENTICATIONFAILED\] [^|]*\|\* BYE Too many authentication failures\|$' \
	"imapd_login_failures=3: the third failure gets its NO, then BYE"
t_nomatch "$out" '^d ' "nothing is answered after the BYE"
out=$( (printf 'a NOOP\r\n'; sleep 5) | raw "$P144")
t_match "$out" '^\* BYE Autologout' "imapd_idle_timeout=3s: * BYE Autologout"

out=$(printf 'a LOGIN a@localhost secret-a\r\nb NOOP\r\nc LOGOUT\r\n' | raw "$P145")
t_match "$out" '^a NO \[UNAVAILABLE\] ' "session service unreachable: NO [UNAVAILABLE]"
t_match "$out" '^c OK LOGOUT' "the client may go on after a failed hand-off"

# ---- connection limits per address (anvil) --------------------------------

out=$(python3 - "$P146" "$TOP/tests/integration" <<'PY'
import imaplib, sys, time
sys.path.insert(0, sys.argv[2])
import tnet
port = int(sys.argv[1])
first = imaplib.IMAP4("127.0.0.1", port, timeout=20)
print("first:", first.welcome.decode())
s = tnet.connect(port)
print("second:", tnet.read_line(s))
s.close()
print("login:", first.login("a@localhost", "secret-a")[0])
# Handed to the session, the client still counts (lib/login_anvil.h).
s = tnet.connect(port)
print("third:", tnet.read_line(s))
s.close()
first.logout()
time.sleep(0.5)
s = tnet.connect(port)
print("after:", tnet.read_line(s))
s.close()
PY
)
t_match "$out" '^first: \* OK \[CAPABILITY ' "count limit 1: the first connection is greeted"
t_match "$out" '^second: \* BYE \[UNAVAILABLE\] Too many connections from your address' \
	"count limit 1: the second gets BYE [UNAVAILABLE] for a greeting"
t_match "$out" '^login: OK' "count limit 1: the first logs in"
t_match "$out" '^third: \* BYE \[UNAVAILABLE\]' "a logged-in session still counts against the limit"
t_match "$out" '^after: \* OK ' "once it left, the address may connect again"
t_file_has "$INST/log/maillog" 'Connection concurrency limit exceeded: 2 from \[127.0.0.1\]:[0-9]+ for service limited' \
	"the refusal is logged"

t_log_lacks "no password in the log, in any form" secret-a 'secret b'

# ---- privilege separation (root) -------------------------------------------

# role_pid PROGRAM SERVICE: a process of this instance running PROGRAM for
# SERVICE (other tests may run beside this one).
role_pid() {
	local pid
	for pid in $(pgrep -x "$1"); do
		if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $INST -n $2 "; then
			echo "$pid"; return 0
		fi
	done
	return 1
}
# in_no_process SERVICE NEEDLE DESC: no imapd process of this instance
# running SERVICE holds NEEDLE in its memory (memscan.py); a failure when
# there is no such process to look at.
in_no_process() {
	local pid n=0 found=
	for pid in $(pgrep -x imapd); do
		tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $INST -n $1 " || continue
		n=$((n + 1))
		found="$found$(python3 "$TOP/tests/integration/memscan.py" "$pid" "$2" |
			grep -v '^scanned')"
	done
	if [ "$n" -ge 1 ]; then
		t_eq "$found" "" "$3"
	else
		t_fail "$3" "no $1 process of this instance found"
	fi
}
if t_is_root; then
	# A session held open while /proc is read.
	python3 - "$P143" "$T" "$TOP/tests/integration" <<'PY' &
import imaplib, sys
port, t = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
import tnet
m = imaplib.IMAP4("127.0.0.1", port, timeout=20)
m.login("a@localhost", "secret-a")
m.select("INBOX")
tnet.hold(t + "/held", t + "/release")
m.logout()
PY
	holder=$!
	t_wait 20 test -f "$T/held"
	lpid=$(role_pid imapd imap)
	spid=$(role_pid imapd-session imap-session)
	if [ -n "$lpid" ] && [ -n "$spid" ]; then
		t_eq "$(t_proc_status "$lpid" Uid | head -c 20)" "$(id -u ternnull)" "imapd runs as login_user (ternnull)"
		t_eq "$(readlink "/proc/$lpid/root")" "$INST/queue/login" "imapd is chrooted to queue/login"
		t_eq "$(t_proc_status "$lpid" CapEff)" 0000000000000000 "imapd: no effective capabilities"
		t_eq "$(t_proc_status "$lpid" NoNewPrivs)" 1 "imapd: no_new_privs"
		t_eq "$(t_proc_status "$spid" Uid)" "$(id -u vmail)" "imapd-session runs as the mailbox owner (vmail)"
		t_eq "$(t_proc_status "$spid" CapEff)" 0000000000000000 "imapd-session: no effective capabilities"
		t_eq "$(readlink "/proc/$spid/root")" / "imapd-session: not chrooted"
		t_nomatch "$(cat "/proc/$spid/maps")" 'libssl|libcrypto' "imapd-session maps no libssl or libcrypto"
		t_match "$(cat "/proc/$lpid/maps")" 'libssl' "imapd (the login role) maps libssl: TLS stays there"
	else
		t_fail "find the login and session processes" "login=$lpid session=$spid"
	fi
	in_no_process imap secret-a \
		"the password is in no imapd process of the imap service after login"
	touch "$T/release"
	wait "$holder"
	# The login process relays a TLS session beside its other clients,
	# and keeps serving others after a refused LOGIN: no copy of either
	# password may live on in it (the parser's texts are wiped).
	python3 - "$P993" "$P144" "$T" "$TOP/tests/integration" <<'PY' &
import imaplib, sys
sys.path.insert(0, sys.argv[4])
import tnet
t = sys.argv[3]
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=tnet.tls_context(), timeout=20)
m.login("a@localhost", "secret-a")
m.select("INBOX")
s = tnet.connect(int(sys.argv[2]))
tnet.read_line(s)
pw = b"refused-password-that-stays-Mz8QvT2c"
s.sendall(b"a LOGIN a@localhost {%d}\r\n" % len(pw))
tnet.read_line(s)
s.sendall(pw + b"\r\n")
tnet.read_line(s)
s.sendall(b"b NOOP\r\n")
tnet.read_line(s)
tnet.hold(t + "/held2", t + "/release2")
s.close()
m.logout()
PY
	holder=$!
	t_wait 20 test -f "$T/held2"
	in_no_process imaps secret-a \
		"IMAPS: the password is in no imaps process (TLS relay included) after login"
	in_no_process strict stays-Mz8QvT2c \
		"a LOGIN refused before auth (plaintext, as a literal) leaves no password in the login process"
	touch "$T/release2"
	wait "$holder"
	t_eq "$(ls -A "$INST/queue/login" | tr '\n' ' ')" "anvil auth imap-session " \
		"login_directory holds only the socket links (anvil, auth, imap-session)"
	t_eq "$(stat -c %i "$INST/queue/login/imap-session")" \
		"$(stat -c %i "$INST/queue/private/imap-session")" \
		"login/imap-session is a hard link to private/imap-session"

	out=$($IMAPC handoff "$INST/queue" 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff)
	t_match "$out" '^status=fail' "a forged token: the session refuses the hand-off"
	t_match "$out" '^client=\(nothing\)' "a forged token: the client gets nothing from the session"
	# As login_user, the user the session service is there for (a
	# compromised login process), with the system's python, which that
	# user can run.
	if [ -x /usr/bin/python3 ]; then
		out=$(setpriv --reuid="$(id -u ternnull)" --regid="$(id -g ternnull)" \
			--clear-groups /usr/bin/python3 "$TOP/tests/integration/imapc.py" \
			handoff "$INST/queue" \
			ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100 2>&1)
		t_match "$out" '^status=fail' "a forged token from login_user: refused"
		t_match "$out" '^client=\(nothing\)' "a forged token from login_user: the client gets nothing"
	else
		t_skip "a forged token from login_user (no /usr/bin/python3)"
	fi
	token=$($IMAPC token "$INST/queue" a@localhost secret-a)
	out=$($IMAPC handoff "$INST/queue" "$token")
	t_match "$out" '^status=ok' "a real token: the session takes the client"
	t_match "$out" '^client=H1 OK \[CAPABILITY ' "a real token: the session answers the greeting tag"
	out=$($IMAPC handoff "$INST/queue" "$token")
	t_match "$out" '^status=fail' "a replayed token: the session refuses the hand-off"
else
	t_skip "uids, chroot and mappings of imapd and imapd-session (needs root)"
	t_skip "forged and replayed tokens at the session socket (needs root)"
fi

t_done
