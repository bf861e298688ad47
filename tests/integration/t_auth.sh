#!/bin/bash
# t_auth.sh - the auth daemon (auth(8)) over its socket, with a real client.
#
# A small python client speaks the attr protocol of lib/auth_client.h on
# queue/private/auth: PLAIN/LOGIN/APOP verification, lookups, failure
# delays that grow per client address and per user while other clients are
# served at once, the failure limit and its window, what a success forgives
# (t_auth_penalty tests the limits with real clients), one-time tokens
# (redeemed once;
# replayed, forged or misbound ones refused), a malformed record closing
# only its own connection, users.db changes seen without a restart, and no
# password or token in the log.  As root: auth runs as ternauth without
# capabilities.
. "$(dirname "$0")/lib.sh"

cat > "$T/authc.py" <<'EOF'
# authc.py - a minimal client of tern's auth protocol, for the tests.
import socket, sys, time

def enc(v):
    return ''.join('%%%02X' % ord(c) if c in '%\r\n\0' else c for c in v)

def dec(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == '%':
            out.append(chr(int(v[i + 1:i + 3], 16)))
            i += 3
        else:
            out.append(v[i])
            i += 1
    return ''.join(out)

class Conn:
    def __init__(self, path, timeout=30):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b''
        self.send([('proto', 'auth'), ('version', '1')])
        hello = self.read()
        if hello is None or hello.get('proto') != 'auth':
            raise SystemExit('bad hello: %r' % hello)

    def send(self, attrs):
        self.raw(''.join('%s=%s\n' % (k, enc(v)) for k, v in attrs) + '\n')

    def raw(self, text):
        self.s.sendall(text.encode('latin-1'))

    def read(self):
        """One record as a dict, or None when the connection closed."""
        while b'\n\n' not in b'\n' + self.buf:
            try:
                d = self.s.recv(4096)
            except ConnectionResetError:
                d = b''
            if not d:
                return None
            self.buf += d
        rec, self.buf = (b'\n' + self.buf).split(b'\n\n', 1)
        r = {}
        for line in rec.decode('latin-1').split('\n'):
            if line:
                k, v = line.split('=', 1)
                r[k] = dec(v)
        return r

    def req(self, **kw):
        self.send(list(kw.items()))
        return self.read()

def show(r, elapsed):
    if r is None:
        print('closed')
    else:
        print(' '.join('%s=%s' % (k, r[k]) for k in sorted(r)))
    print('elapsed=%.3f' % elapsed)

if __name__ == '__main__':
    # authc.py SOCKET REQUEST name=value...: one request, the reply on one
    # line (sorted name=value), then elapsed=SECONDS.
    c = Conn(sys.argv[1])
    t0 = time.time()
    r = c.req(request=sys.argv[2], **dict(a.split('=', 1) for a in sys.argv[3:]))
    show(r, time.time() - t0)
EOF

# areq REQUEST name=value...: the reply line (elapsed in $T/elapsed).
areq() {
	local out
	out=$(python3 "$T/authc.py" "$SOCK" "$@" 2>&1)
	printf '%s\n' "$out" | sed -n 's/^elapsed=//p' > "$T/elapsed"
	printf '%s\n' "$out" | grep -v '^elapsed='
}
elapsed() { cat "$T/elapsed"; }
# fge A B: is the number A >= B?
fge() { python3 -c "import sys; sys.exit(0 if float('$1') >= float('$2') else 1)"; }

t_instance
t_set auth_failure_delay 1s
t_set auth_failure_delay_max 2s
t_set auth_failure_limit 4
t_set auth_failure_window 8s
t_set auth_token_ttl 3s
SOCK=$INST/queue/private/auth
echo 'Secret-Pw-Alice' | tmailctl user add alice@localhost --password-stdin \
	>/dev/null 2>&1
# An APOP secret, written the way `mailctl user apop` will: a third field.
# Adding the next user recompiles users.db with it.
HASH=$(openssl passwd -6 'Secret-Pw-Carol')
echo "carol@localhost $HASH Apop-Secret-Carol" >> "$INST/users"
echo 'Secret-Pw-Dave' | tmailctl user add dave@localhost --password-stdin \
	>/dev/null 2>&1
t_services auth
t_start
t_wait 10 test -S "$SOCK" || t_fail "auth socket appears"

# ---- verification and lookups ----------------------------------------------
r=$(areq verify mech=PLAIN user=Alice@LOCALHOST password=Secret-Pw-Alice \
	client=192.0.2.1 service=smtp)
t_eq "$r" "status=ok user=alice@localhost" "PLAIN ok, canonical lower-case user"
r=$(areq verify mech=LOGIN user=dave@localhost password=Secret-Pw-Dave \
	client=192.0.2.1 service=submission)
t_eq "$r" "status=ok user=dave@localhost" "LOGIN ok"
r=$(areq verify mech=PLAIN user=alice@localhost authzid=dave@localhost \
	password=Secret-Pw-Alice client=192.0.2.2 service=smtp)
t_eq "$r" "reason=authentication failed status=fail" "a foreign authzid fails"
r=$(areq verify mech=PLAIN user=nobody@localhost password=Secret-Pw-Alice \
	client=192.0.2.3 service=smtp)
t_eq "$r" "reason=authentication failed status=fail" "an unknown user fails"
fge "$(elapsed)" 0.9 && t_pass "an unknown user's failure is delayed too" ||
	t_fail "an unknown user's failure is delayed too" "took $(elapsed)s"
r=$(areq lookup user=ALICE@localhost)
t_eq "$r" "status=ok user=alice@localhost" "lookup ok"
r=$(areq lookup user=alice+lists@localhost)
t_eq "$r" "status=ok user=alice@localhost" "lookup with a recipient_delimiter extension"
r=$(areq lookup user=carol@localhost)
t_eq "$r" "apop=yes status=ok user=carol@localhost" "lookup tells an APOP secret exists"
r=$(areq lookup user=nobody@localhost)
t_eq "$r" "status=noent" "lookup of an unknown user: noent"

# ---- APOP -------------------------------------------------------------------
CH='<1234.5678@tern.test>'
DIG=$(printf '%s%s' "$CH" 'Apop-Secret-Carol' | md5sum | cut -d' ' -f1)
r=$(areq verify mech=APOP user=carol@localhost challenge="$CH" digest="$DIG" \
	client=192.0.2.4 service=pop3)
t_eq "$r" "status=ok user=carol@localhost" "APOP with the right digest"
DIG2=$(printf '%s%s' "$CH" 'wrong' | md5sum | cut -d' ' -f1)
r=$(areq verify mech=APOP user=carol@localhost challenge="$CH" digest="$DIG2" \
	client=192.0.2.5 service=pop3)
t_eq "$r" "reason=authentication failed status=fail" "APOP with a wrong digest fails"
DIG3=$(printf '%s%s' "$CH" '' | md5sum | cut -d' ' -f1)
r=$(areq verify mech=APOP user=alice@localhost challenge="$CH" digest="$DIG3" \
	client=192.0.2.5 service=pop3)
t_eq "$r" "reason=authentication failed status=fail" "APOP for a user without a secret fails"

# ---- failure delays, limit, window, forgiveness -----------------------------
# dave has not failed yet, so his failures and the address's count alike.
BAD="mech=PLAIN user=dave@localhost password=Wrong-Pw-Guess service=smtp"
areq verify $BAD client=198.51.100.7 >/dev/null; e1=$(elapsed)
areq verify $BAD client=198.51.100.7 >/dev/null; e2=$(elapsed)
# While the third failure is held back, other clients are answered at once.
python3 - "$T" "$SOCK" > "$T/concurrent" <<'EOF'
import sys, threading, time
sys.path.insert(0, sys.argv[1])
import authc
sock = sys.argv[2]
res = {}
def held():
    c = authc.Conn(sock)
    t0 = time.time()
    c.req(request='verify', mech='PLAIN', user='dave@localhost',
          password="Wrong-Pw-Guess", client="198.51.100.7", service="smtp")
    res['held'] = time.time() - t0
th = threading.Thread(target=held)
th.start()
time.sleep(0.3)
c = authc.Conn(sock)
t0 = time.time()
r = c.req(request='verify', mech='PLAIN', user='alice@localhost',
          password='Secret-Pw-Alice', client='203.0.113.9', service='smtp')
res['other'] = time.time() - t0
th.join()
print('%s %.3f %.3f' % (r.get('status'), res['other'], res['held']))
EOF
read -r ost other e3 < "$T/concurrent"
t_log "failure delays: $e1 $e2 $e3; another client meanwhile: $other"
fge "$e1" 0.9 && t_pass "the first failure is delayed" ||
	t_fail "the first failure is delayed" "took $e1 s"
fge "$e2" "$(python3 -c "print($e1 + 0.7)")" &&
	t_pass "the second failure is delayed longer" ||
	t_fail "the second failure is delayed longer" "$e1 s, then $e2 s"
fge "$e3" 1.9 && t_pass "the third failure takes at least the maximum delay" ||
	t_fail "the third failure takes at least the maximum delay" "took $e3 s"
t_eq "$ost" ok "another client logs in while a failure is held"
fge 0.5 "$other" && t_pass "...and is not kept waiting" ||
	t_fail "...and is not kept waiting" "took $other s"
areq verify $BAD client=198.51.100.7 >/dev/null
r=$(areq verify mech=PLAIN user=dave@localhost password=Secret-Pw-Dave \
	client=198.51.100.7 service=smtp)
t_eq "$r" "reason=too many authentication failures, try later status=tempfail" \
	"over the limit even the right password is refused"
fge 0.5 "$(elapsed)" && t_pass "the refusal is immediate" ||
	t_fail "the refusal is immediate" "took $(elapsed) s"
r=$(areq verify mech=PLAIN user=alice@localhost password=Secret-Pw-Alice \
	client=198.51.100.7 service=smtp)
t_eq "$r" "reason=too many authentication failures, try later status=tempfail" \
	"...and so is every other user's"
r=$(areq verify mech=PLAIN user=alice@localhost password=Secret-Pw-Alice \
	client=198.51.100.8 service=smtp)
t_eq "$r" "status=ok user=alice@localhost" "other addresses are not refused"
# A success forgives the user's own failures from its address, and only
# those: another user's success leaves the address's count as it was.
FRANK="mech=PLAIN user=frank@localhost password=Wrong-Pw-Guess service=smtp"
areq verify $FRANK client=198.51.100.9 >/dev/null
areq verify mech=PLAIN user=alice@localhost password=Secret-Pw-Alice \
	client=198.51.100.9 service=smtp >/dev/null
areq verify $FRANK client=198.51.100.9 >/dev/null
areq verify mech=PLAIN user=Carol@localhost password=Wrong-Pw-Guess \
	client=198.51.100.9 service=smtp >/dev/null
areq verify mech=PLAIN user=carol@localhost password=Secret-Pw-Carol \
	client=198.51.100.9 service=smtp >/dev/null
areq verify $FRANK client=198.51.100.9 >/dev/null
grep -o 'client=198\.51\.100\.9 mech=PLAIN user=[a-zA-Z]*@localhost: authentication failed: [a-z ]* (failure [0-9]* from the address' \
	"$INST/log/maillog" | sed 's/.*user=\([a-zA-Z]*\)@.*(failure \([0-9]*\).*/\1 \2/' |
	tr '\n' ' ' > "$T/forgive"
t_eq "$(cat "$T/forgive")" "frank 1 frank 2 Carol 3 frank 3 " \
	"a success forgives its user's own failures from the address, not another's"
# frank does not exist and has failed from one address only; from another,
# his next failure waits as his third: the count is per user too.
areq verify $FRANK client=198.51.100.10 >/dev/null
fge "$(elapsed)" 1.9 && t_pass "a user's failures from another address wait longer" ||
	t_fail "a user's failures from another address wait longer" "took $(elapsed) s"
t_match "$(t_maillog)" 'client=198\.51\.100\.10 mech=PLAIN user=frank@localhost: authentication failed: unknown user \(failure 1 from the address, 4 for the user, reply delayed 2000 ms\)' \
	"unknown users count per user like real ones"
sleep 8
r=$(areq verify mech=PLAIN user=dave@localhost password=Secret-Pw-Dave \
	client=198.51.100.7 service=smtp)
t_eq "$r" "status=ok user=dave@localhost" "after the window the address may log in again"

# ---- tokens -------------------------------------------------------------------
r=$(areq verify mech=PLAIN user=dave@localhost password=Secret-Pw-Dave \
	client=192.0.2.50 service=pop3 token=yes)
TOKEN=$(printf '%s\n' "$r" | sed -n 's/.*token=\([0-9a-f]*\).*/\1/p')
t_match "$TOKEN" '^[0-9a-f]{64}$' "verify with token=yes returns a 64-hex token"
r=$(areq redeem token="$TOKEN" service=pop3 client=192.0.2.50)
t_eq "$r" "status=ok user=dave@localhost" "the token redeems for its user"
r=$(areq redeem token="$TOKEN" service=pop3 client=192.0.2.50)
t_eq "$r" "reason=invalid session token status=fail" "a replayed token fails"
FORGED=$(openssl rand -hex 32)
r=$(areq redeem token="$FORGED" service=pop3 client=192.0.2.50)
t_eq "$r" "reason=invalid session token status=fail" "a forged token fails"
r=$(areq verify mech=PLAIN user=dave@localhost password=Secret-Pw-Dave \
	client=192.0.2.50 service=pop3 token=yes)
TOKEN2=$(printf '%s\n' "$r" | sed -n 's/.*token=\([0-9a-f]*\).*/\1/p')
r=$(areq redeem token="$TOKEN2" service=pop3 client=192.0.2.51)
t_eq "$r" "reason=invalid session token status=fail" "a token from another client address fails"
r=$(areq redeem token="$TOKEN2" service=pop3 client=192.0.2.50)
t_eq "$r" "reason=invalid session token status=fail" "...and is burnt by the attempt"
r=$(areq verify mech=PLAIN user=dave@localhost password=Secret-Pw-Dave \
	client=192.0.2.50 service=pop3 token=yes)
TOKEN3=$(printf '%s\n' "$r" | sed -n 's/.*token=\([0-9a-f]*\).*/\1/p')
sleep 3.2
r=$(areq redeem token="$TOKEN3" service=pop3 client=192.0.2.50)
t_eq "$r" "reason=invalid session token status=fail" "an expired token fails"

# ---- a broken peer loses only its own connection ------------------------------
python3 - "$T" "$SOCK" > "$T/malformed" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import authc
good = authc.Conn(sys.argv[2])
bad = authc.Conn(sys.argv[2])
bad.raw('this line has no equals sign\n\n')
print('bad:', 'closed' if bad.read() is None else 'answered')
nul = authc.Conn(sys.argv[2])
print('nul:', 'closed' if nul.req(request='lookup', user='a\0@x') is None
      else 'answered')
unknown = authc.Conn(sys.argv[2])
print('unknown:', 'closed' if unknown.req(request='launch') is None
      else 'answered')
r = good.req(request='lookup', user='dave@localhost')
print('good:', r and r.get('status'))
EOF
t_eq "$(sed -n 's/^bad: //p' "$T/malformed")" closed "a malformed record closes its connection"
t_eq "$(sed -n 's/^nul: //p' "$T/malformed")" closed "a NUL in a value closes its connection"
t_eq "$(sed -n 's/^unknown: //p' "$T/malformed")" closed "an unknown request closes its connection"
t_eq "$(sed -n 's/^good: //p' "$T/malformed")" ok "another connection keeps working"

# ---- users.db changes are seen without a restart -------------------------------
echo 'Secret-Pw-Bob' | tmailctl user add bob@localhost --password-stdin >/dev/null 2>&1
r=$(areq verify mech=PLAIN user=bob@localhost password=Secret-Pw-Bob \
	client=192.0.2.60 service=smtp)
t_eq "$r" "status=ok user=bob@localhost" "a user added after start logs in"
echo 'Secret-Pw-Bob2' | tmailctl user passwd bob@localhost --password-stdin >/dev/null 2>&1
r=$(areq verify mech=PLAIN user=bob@localhost password=Secret-Pw-Bob2 \
	client=192.0.2.60 service=smtp)
t_eq "$r" "status=ok user=bob@localhost" "a changed password is in effect"
tmailctl user del bob@localhost >/dev/null 2>&1
r=$(areq lookup user=bob@localhost)
t_eq "$r" "status=noent" "a deleted user is gone"

# ---- the log ------------------------------------------------------------------
LOG=$(t_maillog)
t_nomatch "$LOG" 'Secret-Pw|Apop-Secret|Wrong-Pw' "no password or secret in the maillog"
t_nomatch "$LOG" "$TOKEN|$TOKEN2|$FORGED" "no token in the maillog"
t_match "$LOG" 'auth\[[0-9]+\]: service=smtp client=198\.51\.100\.7 mech=PLAIN user=dave@localhost: authentication failed: wrong password \(failure 2 from the address, 2 for the user, reply delayed 2000 ms\)' \
	"failures are logged with service, client, user, cause and counts"
t_match "$LOG" 'auth\[[0-9]+\]: warning: service=smtp client=198\.51\.100\.7: login refused: too many authentication failures$' \
	"the refusal of the address is logged"
t_match "$LOG" 'auth\[[0-9]+\]: warning: peer .*malformed record; closing' "the broken peer is logged"

# ---- privileges ---------------------------------------------------------------
if t_is_root; then
	apid=$(ps -o pid=,comm= --ppid "$(t_master_pid)" | awk '$2 == "auth" { print $1; exit }')
	t_eq "$(ps -o user= -p "$apid" 2>/dev/null)" ternauth "auth runs as ternauth"
	t_eq "$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$apid/status")" \
		0000000000000000 "auth has no effective capabilities"
	t_eq "$(sed -n 's/^CapPrm:[[:space:]]*//p' "/proc/$apid/status")" \
		0000000000000000 "auth has no permitted capabilities"
	# A login_user process that master did not start (a fork of a login
	# process would have a fresh failure budget) is not served at all.
	cp "$T/authc.py" "$T/authc_login.py"
	chmod 755 "$T" && chmod 644 "$T/authc_login.py"
	out=$(cd "$T" && setpriv --reuid=ternnull --regid=ternnull --clear-groups -- \
		/usr/bin/python3 - "$SOCK" <<'PY' 2>&1
import sys
sys.path.insert(0, ".")
import authc
try:
    c = authc.Conn(sys.argv[1])
    r = c.req(request="verify", mech="PLAIN", user="alice@localhost",
              password="Wrong-Pw", client="203.0.113.1", service="pop3")
    print("answered", r)
except (SystemExit, OSError) as e:
    # auth closes at once: the hello may meet the closed socket first
    print("refused", e)
PY
)
	t_match "$out" '^refused ' "a login_user process master did not start gets no answer"
	t_match "$(t_maillog)" "auth\\[[0-9]+\\]: warning: refusing a connection from pid [0-9]+ uid $(id -u ternnull): a protocol process that master did not start" \
		"and auth says why"
else
	t_skip "auth runs as ternauth without capabilities (needs root)"
	t_skip "a login_user process master did not start (needs root)"
fi

# ---- SIGHUP (how master retires a process): it leaves, a fresh one serves ----
old=$(ps -o pid=,comm= --ppid "$(t_master_pid)" | awk '$2 == "auth" { print $1 }')
kill -HUP "$old"
if t_wait 10 sh -c "! kill -0 $old 2>/dev/null"; then
	t_pass "auth leaves on SIGHUP"
else
	t_fail "auth leaves on SIGHUP" "pid $old still there"
fi
r=$(areq verify mech=PLAIN user=alice@localhost password=Secret-Pw-Alice \
	client=192.0.2.70 service=smtp)
t_eq "$r" "status=ok user=alice@localhost" "its successor answers"
t_nomatch "$(t_maillog)" "auth.*warning: auth should run with" \
	"no warning about max_use or max_idle with the documented service line"

t_done
