#!/bin/bash
# t_pop3_login.sh - the login role of pop3d(8) and the hand-off to the
# session role: the AUTHORIZATION commands (USER/PASS, APOP, AUTH PLAIN and
# LOGIN with and without initial responses, CAPA, STLS, QUIT) and their
# errors (wrong password, unknown user, wrong state, syntax, overlong line,
# plaintext refused, too many failures, idle timeout), pipelined input
# carried into the session, STLS (openssl s_client, poplib, and plaintext
# injected before the handshake), POP3S, a failed hand-off, mailctl user
# apop, and as root the uids, chroot and capabilities of both roles and a
# session refusing a forged and a replayed token.
. "$(dirname "$0")/lib.sh"

POPC="python3 $TOP/tests/integration/popc.py"

t_instance
P110=$((PB + 110))
P111=$((PB + 111))
P112=$((PB + 112))
P113=$((PB + 113))
P995=$((PB + 995))
# An address of this host that is not loopback, if it has one: the client
# auth_plaintext=loopback would refuse, which Always must not.
EXT=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
[ -n "$EXT" ] && t_set inet_interfaces "127.0.0.1 $EXT"
# Failures are not slowed here (t_auth tests auth's delays): the tests
# below fail on purpose many times from 127.0.0.1.
t_set auth_failure_delay 0
t_set auth_failure_limit 0
t_set auth_failure_user_limit 0
out=$(tmailctl config pop3d_apop)
t_eq "$out" "pop3d_apop = no" "APOP is off by default"
t_set pop3d_apop yes
t_services pop3 pop3s pop3-session auth
cat >> "$INST/master.conf" <<EOT
strict:$P111 inet n - y - pop3d -o auth_plaintext=never
  -o pop3d_login_failures=2 -o pop3d_idle_timeout=3s
broken:$P112 inet n - y - pop3d -o pop3d_session_socket=nowhere
always:$P113 inet n - y - pop3d -o auth_plaintext=Always
EOT
{ printf 'secret-a\n' | tmailctl user add a@localhost --password-stdin &&
  printf 'secret b with spaces\n' | tmailctl user add b@localhost --password-stdin &&
  printf 'apop-secret-a\n' | tmailctl user apop a@localhost --password-stdin
} >"$T/setup.out" 2>&1 || t_fail "users for the pop3d tests" "$(cat "$T/setup.out")"
t_file_has "$INST/users" '^a@localhost \S+ apop-secret-a$' "mailctl user apop: the secret is the third field"
t_start

raw() { $POPC raw "$@"; }

# ---- greeting, CAPA, USER/PASS -------------------------------------------

out=$(printf 'CAPA\r\nQUIT\r\n' | raw "$P110")
t_match "$out" '^\+OK .*<[0-9]+\.[0-9a-f]+\.[0-9]+@[^>]+>$' "greeting with an APOP timestamp"
for cap in TOP UIDL PIPELINING RESP-CODES AUTH-RESP-CODE 'EXPIRE NEVER' \
	   'IMPLEMENTATION tern' USER 'SASL PLAIN LOGIN' STLS; do
	t_match "$out" "^$cap\$" "CAPA before login (loopback): $cap"
done
t_match "$out" '^\+OK Logging out' "QUIT before login"

out=$(python3 - "$P110" <<'PY'
import poplib, sys
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
print(p.user("a@localhost").decode())
print(p.pass_("secret-a").decode())
print(p.stat())
print(sorted(p.capa().keys()))
print(p.quit().decode())
PY
)
t_match "$out" '^\+OK Logged in' "poplib USER/PASS: +OK from the session"
t_match "$out" '^\(0, 0\)$' "STAT answered by the session"
t_nomatch "$out" "'STLS'" "CAPA after login: no STLS"
t_match "$out" "'SASL'.*'USER'" "CAPA after login: USER and SASL as before"

out=$(printf 'USER b@localhost\r\nPASS secret b with spaces\r\nQUIT\r\n' | raw "$P110")
t_match "$out" '^\+OK Logged in' "PASS keeps spaces in the password (RFC 1939 §7)"

out=$(printf 'USER a@localhost\r\nPASS wrong\r\nUSER nobody@localhost\r\nPASS secret-a\r\nPASS secret-a\r\nSTAT\r\nLIST\r\nRETR 1\r\nUSER\r\nXYZZY\r\nCAPA extra\r\nQUIT\r\n' | raw "$P110")
t_eq "$(echo "$out" | grep -c '^-ERR \[AUTH\] Authentication failed$')" 2 "wrong password and unknown user: the same -ERR [AUTH]"
t_match "$out" '^-ERR No user name given' "PASS without USER: -ERR"
t_eq "$(echo "$out" | grep -c '^-ERR \[AUTH\] [A-Z]*: authenticate first')" 3 "STAT/LIST/RETR before login: -ERR [AUTH]"
t_match "$out" '^-ERR Syntax: USER' "USER without a name: -ERR"
t_match "$out" '^-ERR Unknown command' "unknown command: -ERR"
t_match "$out" '^-ERR Syntax: CAPA' "CAPA with an argument: -ERR"
t_match "$out" '^\+OK Logging out' "the connection survives the errors"

# ---- line limit and pipelining -------------------------------------------

long=$(printf 'X%.0s' $(seq 1 300))
ok253=$(printf 'Y%.0s' $(seq 1 248))	# "USER " + 248 + CRLF = 255
out=$(printf 'USER %s\r\nUSER %s\r\nCAPA\r\nQUIT\r\n' "$long" "$ok253" | raw "$P110")
t_match "$out" '^-ERR Line too long \(at most 255 octets\)' "a 307-octet line: -ERR"
t_nomatch "$(echo "$out" | sed -n 3p)" 'too long' "a 255-octet line is accepted"
t_match "$out" '^IMPLEMENTATION tern$' "the connection survives an overlong line"

out=$(printf 'CAPA\r\nUSER a@localhost\r\nPASS secret-a\r\nSTAT\r\nUIDL\r\nQUIT\r\n' | raw "$P110")
t_match "$(echo "$out" | grep -v '^[A-Z]' | tr '\n' '|')" '^\+OK tern POP3 server ready [^|]*\|\+OK Capability list follows\|\.\|\+OK Send your password\|\+OK Logged in[^|]*\|\+OK 0 0\|\+OK[^|]*\|\.\|\+OK Logging out' \
	"pipelined USER/PASS/STAT/UIDL/QUIT: every answer, in order, the rest from the session"

# ---- AUTH ----------------------------------------------------------------

PLAIN_A=$(t_b64 '\0a@localhost\0secret-a')
out=$(printf 'AUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_A" | raw "$P110")
t_match "$out" '^\+OK Logged in' "AUTH PLAIN with an initial response"
out=$(printf 'AUTH PLAIN\r\n%s\r\nQUIT\r\n' "$PLAIN_A" | raw "$P110")
t_match "$out" '^\+ $' "AUTH PLAIN without one: empty challenge \"+ \""
t_match "$out" '^\+OK Logged in' "AUTH PLAIN after the challenge"
out=$(printf 'AUTH LOGIN %s\r\n%s\r\nQUIT\r\n' "$(t_b64 a@localhost)" "$(t_b64 secret-a)" | raw "$P110")
t_match "$out" '^\+ UGFzc3dvcmQ6$' "AUTH LOGIN with the user as initial response: Password: challenge"
t_match "$out" '^\+OK Logged in' "AUTH LOGIN"
out=$(printf 'AUTH LOGIN\r\n%s\r\n%s\r\nQUIT\r\n' "$(t_b64 a@localhost)" "$(t_b64 secret-a)" | raw "$P110")
t_match "$out" '^\+ VXNlcm5hbWU6$' "AUTH LOGIN: Username: challenge"
t_match "$out" '^\+OK Logged in' "AUTH LOGIN without an initial response"
out=$(printf 'AUTH\r\nAUTH PLAIN\r\n*\r\nAUTH PLAIN !!!\r\nAUTH CRAM-MD5\r\nAUTH PLAIN %s\r\nAUTH PLAIN %s\r\nQUIT\r\n' \
	"$(t_b64 'no-nul')" "$(t_b64 '\0a@localhost\0bad')" | raw "$P110")
t_match "$(echo "$out" | tr '\n' '|')" '\+OK Mechanisms follow\|PLAIN\|LOGIN\|\.' "AUTH without a mechanism lists them"
t_match "$out" '^-ERR Authentication cancelled' "\"*\" cancels AUTH: -ERR"
t_match "$out" '^-ERR Invalid base64' "bad base64: -ERR"
t_match "$out" '^-ERR Unsupported authentication mechanism' "unknown mechanism: -ERR"
t_match "$out" '^-ERR Malformed PLAIN' "PLAIN without NULs: -ERR"
t_match "$out" '^-ERR \[AUTH\] Authentication failed' "AUTH PLAIN wrong password: -ERR [AUTH]"

# ---- APOP ----------------------------------------------------------------

out=$(python3 - "$P110" <<'PY'
import poplib, sys
port = int(sys.argv[1])
p = poplib.POP3("127.0.0.1", port, timeout=20)
print("right:", p.apop("a@localhost", "apop-secret-a").decode())
p.quit()
for user, secret in (("a@localhost", "wrong"), ("b@localhost", "secret b with spaces"),
                     ("nobody@localhost", "x")):
    p = poplib.POP3("127.0.0.1", port, timeout=20)
    try:
        print("bad:", p.apop(user, secret).decode())
    except poplib.error_proto as e:
        print("bad:", e.args[0].decode())
    p.quit()
PY
)
t_match "$out" '^right: \+OK Logged in' "APOP with the secret set by mailctl user apop"
t_eq "$(echo "$out" | grep -c '^bad: -ERR \[AUTH\] Authentication failed$')" 3 \
	"APOP: wrong digest, a user without a secret, an unknown user: the same -ERR [AUTH]"
t_set pop3d_apop no
tmailctl reload >/dev/null 2>&1
t_wait 5 sh -c "printf 'QUIT\r\n' | $POPC raw $P110 | grep -q '^+OK tern POP3 server ready\$'" &&
	t_pass "pop3d_apop=no: no timestamp in the greeting" ||
	t_fail "pop3d_apop=no: no timestamp in the greeting"
out=$(printf 'APOP a@localhost 0123456789abcdef0123456789abcdef\r\nQUIT\r\n' | raw "$P110")
t_match "$out" '^-ERR APOP not offered' "pop3d_apop=no: APOP refused"
sed -i '/^pop3d_apop = no$/d' "$INST/main.conf"
tmailctl reload >/dev/null 2>&1
out=$(printf 'APOP a@localhost 0123456789abcdef0123456789abcdef\r\nQUIT\r\n' | raw "$P111")
t_match "$out" '^-ERR \[AUTH\] Plaintext authentication disallowed' \
	"APOP follows auth_plaintext: refused outside TLS where plaintext is"

# ---- auth_plaintext in any case: one word, one answer in both roles -------
# The login and the session role read the same enumerated parameter, so
# "Always" offers USER and SASL before and after login alike, to a client
# that is neither on loopback nor under TLS.
if [ -n "$EXT" ]; then
	out=$(python3 - "$EXT" "$P113" <<'PY'
import poplib, sys
p = poplib.POP3(sys.argv[1], int(sys.argv[2]), timeout=20)
pick = lambda: " ".join(sorted(k for k in p.capa() if k in ("USER", "SASL", "STLS")))
print("before:", pick())
p.user("a@localhost")
print("pass:", p.pass_("secret-a").decode())
print("after:", pick())
p.quit()
PY
	)
	t_match "$out" '^before: SASL STLS USER$' \
		"auth_plaintext=Always, client $EXT: CAPA before login offers USER and SASL"
	t_match "$out" '^pass: \+OK Logged in' \
		"auth_plaintext=Always, client $EXT: USER/PASS without TLS logs in"
	t_match "$out" '^after: SASL USER$' \
		"auth_plaintext=Always, client $EXT: CAPA after login offers USER and SASL too"
else
	t_skip "auth_plaintext=Always from a client off loopback (no such address here)"
fi

# ---- plaintext refused, failures, idle timeout ---------------------------

out=$(printf 'CAPA\r\nUSER a@localhost\r\nPASS secret-a\r\nAUTH PLAIN %s\r\nQUIT\r\n' "$PLAIN_A" | raw "$P111")
t_nomatch "$out" '^(USER|SASL)' "auth_plaintext=never: CAPA offers neither USER nor SASL"
t_match "$out" '^STLS$' "auth_plaintext=never: CAPA offers STLS"
t_eq "$(echo "$out" | grep -c '^-ERR \[AUTH\] Plaintext authentication disallowed')" 3 \
	"auth_plaintext=never: USER, PASS and AUTH PLAIN refused with -ERR [AUTH]"

out=$(python3 - "$P111" <<'PY'
import poplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
print("stls:", p.stls(context=ctx).decode())
print("capa:", sorted(p.capa().keys()))
p.user("a@localhost")
print("pass:", p.pass_("secret-a").decode())
print("stat:", p.stat())
print("quit:", p.quit().decode())
PY
)
t_match "$out" '^stls: \+OK' "poplib.stls()"
t_match "$out" "^capa: .*'USER'" "after STLS: USER offered"
t_nomatch "$(echo "$out" | grep '^capa:')" "'STLS'" "after STLS: STLS no longer offered"
t_match "$out" '^pass: \+OK Logged in' "USER/PASS over STLS (relayed to the session)"
t_match "$out" '^quit: \+OK' "QUIT through the TLS relay"

out=$(printf 'STLS\r\n' | raw "$P110" | tail -n 1)
t_match "$out" '^\+OK Begin TLS' "STLS: +OK"
out=$($POPC stls-inject "$P110")
t_match "$out" '^stls: \+OK' "STLS with CAPA pipelined behind it"
t_eq "$(echo "$out" | grep '^tls:' | tr '\n' '|')" "tls: +OK Logging out|" \
	"plaintext sent before the TLS handshake is discarded (RFC 2595 §4)"

out=$(printf 'USER a@localhost\r\nPASS secret-a\r\nSTAT\r\nQUIT\r\n' |
	timeout 30 openssl s_client -connect 127.0.0.1:"$P110" -starttls pop3 -crlf -quiet -ign_eof 2>/dev/null)
t_match "$out" '^\+OK Logged in' "openssl s_client -starttls pop3: login"
t_match "$out" '^\+OK 0 0' "openssl s_client -starttls pop3: STAT through the relay"

out=$(python3 - "$P995" <<'PY'
import poplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3_SSL("127.0.0.1", int(sys.argv[1]), context=ctx, timeout=20)
print("welcome:", p.getwelcome().decode())
print("capa:", sorted(p.capa().keys()))
p.user("a@localhost")
print("pass:", p.pass_("secret-a").decode())
print("stat:", p.stat())
print("quit:", p.quit().decode())
PY
)
t_match "$out" '^welcome: \+OK' "POP3S: greeting over TLS"
t_nomatch "$(echo "$out" | grep '^capa:')" "'STLS'" "POP3S: no STLS in CAPA"
t_match "$out" '^pass: \+OK Logged in' "POP3S: login"
t_match "$out" '^stat: \(0, 0\)' "POP3S: STAT"
# tls_server_cipherlist: TLS 1.2 only with forward secrecy and AEAD.
tls_try() {	# tls_try OPENSSL-OPTIONS...: the negotiated cipher, or "refused"
	local o
	# QUIT, and wait for the server to close: with TLS 1.3 the greeting
	# may come after the handshake output
	o=$(printf 'QUIT\r\n' | timeout 20 openssl s_client -connect 127.0.0.1:"$P995" \
		-ign_eof "$@" 2>&1)
	if printf '%s\n' "$o" | grep -q '^+OK'; then
		printf '%s\n' "$o" | sed -n 's/^ *Cipher *: *//p' | head -n 1
	else
		echo refused
	fi
}
t_eq "$(tls_try -tls1_2 -cipher AES256-GCM-SHA384)" refused \
	"TLS 1.2 with static-RSA key exchange (AES256-GCM-SHA384) is refused"
t_eq "$(tls_try -tls1_2 -cipher ECDHE-RSA-AES128-SHA)" refused \
	"TLS 1.2 with a CBC suite (ECDHE-RSA-AES128-SHA) is refused"
t_eq "$(tls_try -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)" ECDHE-RSA-AES128-GCM-SHA256 \
	"TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 is accepted"
t_match "$(tls_try -tls1_3)" '^TLS_' "TLS 1.3 is accepted"

t_wait 5 grep -q 'TLS relay finished' "$INST/log/maillog" &&
	t_pass "the TLS relay ends with the session" || t_fail "the TLS relay ends with the session"

start=$(date +%s)
out=$(printf 'STLS\r\n' >/dev/null; python3 - "$P111" <<'PY'
import poplib, ssl, sys, socket
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=20)
p.stls(context=ctx)
for pw in ("bad1", "bad2"):
    p.user("a@localhost")
    try:
        p.pass_(pw)
    except poplib.error_proto as e:
        print("fail:", e.args[0].decode())
try:
    p.user("a@localhost")
    print("after: still open")
except (poplib.error_proto, OSError, EOFError) as e:
    print("after: closed", type(e).__name__)
PY
)
t_match "$out" '^fail: -ERR \[AUTH\] Authentication failed$' "first failure: -ERR [AUTH]"
t_match "$out" '^fail: -ERR \[AUTH\] .*too many failures' "pop3d_login_failures=2: the second failure closes"
t_match "$out" '^after: closed' "the connection is closed after too many failures"
t_eq "$(( $(date +%s) - start >= 2 ))" 1 "the close comes after a delay"

out=$( (printf 'CAPA\r\n'; sleep 5) | raw "$P111")
t_match "$out" '^-ERR Disconnected for inactivity' "pop3d_idle_timeout=3s: idle client disconnected"

out=$(printf 'USER a@localhost\r\nPASS secret-a\r\nQUIT\r\n' | raw "$P112")
t_match "$out" '^-ERR \[SYS/TEMP\] ' "session service unreachable: -ERR [SYS/TEMP]"
t_match "$out" '^\+OK Logging out' "the client may go on after a failed hand-off"

t_log_lacks "no password in the log, in any form" a@localhost secret-a apop-secret-a
t_log_lacks "no password of b in the log, in any form" b@localhost "secret b with spaces"

# ---- privilege separation (root) -----------------------------------------

# role_pid PROGRAM SERVICE: a process of this instance (other tests may
# run beside this one) running PROGRAM for SERVICE.
role_pid() {
	local pid
	for pid in $(pgrep -x "$1"); do
		if tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "-c $INST -n $2 "; then
			echo "$pid"; return 0
		fi
	done
	return 1
}
# in_no_process SERVICE NEEDLE DESC: no pop3d process of this instance
# running SERVICE holds NEEDLE in its memory (memscan.py); a failure when
# there is no such process to look at.
in_no_process() {
	local pid n=0 found=
	for pid in $(pgrep -x pop3d); do
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
	lpid=$(role_pid pop3d pop3)
	spid=$(role_pid pop3d-session pop3-session)
	if [ -n "$lpid" ] && [ -n "$spid" ]; then
		t_eq "$(t_proc_status "$lpid" Uid | head -c 20)" "$(id -u ternnull)" "login role runs as login_user (ternnull)"
		t_eq "$(readlink "/proc/$lpid/root")" "$INST/queue/login" "login role chrooted to queue/login"
		t_eq "$(t_proc_status "$lpid" CapEff)" 0000000000000000 "login role: no effective capabilities"
		t_eq "$(t_proc_status "$lpid" NoNewPrivs)" 1 "login role: no_new_privs"
		t_eq "$(t_proc_status "$spid" Uid)" "$(id -u vmail)" "session role runs as vmail_owner (vmail)"
		t_eq "$(t_proc_status "$spid" CapEff)" 0000000000000000 "session role: no effective capabilities"
		t_eq "$(readlink "/proc/$spid/root")" / "session role: not chrooted"
	else
		t_fail "find the login and session processes" "login=$lpid session=$spid"
	fi
	t_eq "$(ls -A "$INST/queue/login" | tr '\n' ' ')" "auth pop3-session " \
		"login_directory holds only the socket links"
	t_eq "$(stat -c '%U %a' "$INST/queue/login")" "root 755" "login_directory is root's, 0755"
	# The login process relays the TLS session itself, beside its other
	# clients: no copy of the password may live on in it for the
	# session's life.
	python3 - "$P995" "$T" "$TOP/tests/integration" <<'PY' &
import poplib, sys
port, t = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
import tnet
p = poplib.POP3_SSL("127.0.0.1", port, context=tnet.tls_context(), timeout=20)
p.user("a@localhost")
p.pass_("secret-a")
p.stat()
tnet.hold(t + "/held", t + "/release")
p.quit()
PY
	holder=$!
	t_wait 20 test -f "$T/held"
	in_no_process pop3s secret-a \
		"POP3S: the password is in no pop3s process (TLS relay included) after login"
	touch "$T/release"
	wait "$holder"
	# A password the login process refuses before asking auth (PASS
	# before USER) is wiped at once, not when the client leaves: the
	# process serves other clients meanwhile (audit i12-06).
	python3 - "$P110" "$T" "$TOP/tests/integration" <<'PY' &
import sys
port, t = int(sys.argv[1]), sys.argv[2]
sys.path.insert(0, sys.argv[3])
import tnet
s = tnet.connect(port)
f = s.makefile("rb")
f.readline()
s.sendall(b"PASS refused-password-that-stays-Kq7ZpW3x\r\n"); f.readline()
s.sendall(b"NOOP\r\n"); f.readline()
tnet.hold(t + "/held2", t + "/release2")
s.close()
PY
	holder=$!
	t_wait 20 test -f "$T/held2"
	in_no_process pop3 stays-Kq7ZpW3x \
		"a PASS refused before USER leaves no password in the login process"
	touch "$T/release2"
	wait "$holder"
	t_eq "$(stat -c %i "$INST/queue/login/auth")" "$(stat -c %i "$INST/queue/private/auth")" \
		"login/auth is a hard link to private/auth (after reloads)"
	t_eq "$(stat -c %i "$INST/queue/login/pop3-session")" \
		"$(stat -c %i "$INST/queue/private/pop3-session")" \
		"login/pop3-session is a hard link to private/pop3-session"

	out=$($POPC handoff "$INST/queue" 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff)
	t_match "$out" '^status=fail' "a forged token: the session refuses the hand-off"
	t_match "$out" '^client=\(nothing\)' "a forged token: the client gets nothing from the session"
	token=$($POPC token "$INST/queue" a@localhost secret-a)
	out=$($POPC handoff "$INST/queue" "$token")
	t_match "$out" '^status=ok' "a real token: the session takes the client"
	t_match "$out" '^client=\+OK Logged in' "a real token: the session greets the client"
	out=$($POPC handoff "$INST/queue" "$token")
	t_match "$out" '^status=fail' "a replayed token: the session refuses the hand-off"
	t_file_has "$INST/log/maillog" 'session token refused' "auth logs the refused token"
else
	t_skip "uids, chroot and capabilities of the login and session roles (needs root)"
	t_skip "forged and replayed tokens at the session socket (needs root)"
fi

t_done
