#!/bin/bash
# t_login_budget.sh - auth's failure budget per login process
# (auth_process_failure_limit) when one process serves many clients.
#
# One pop3 login process (maxproc 1, default login_client_limit), default
# budgets.  An attacker from 8 loopback addresses (127.0.0.2-9) sends 7
# wrong passwords from each, in parallel, each address under its own
# limit: 56 failures spend the process's budget of 50.  The process is
# told so with auth's refusal and takes no new clients; a legitimate client
# from 127.0.0.1 that comes next is served by a fresh login process and
# logs in (before: -ERR [SYS/TEMP] for the whole window; audit i12-01).
# A bystander connected to the process before the budget ran out, and not
# logged in yet, is told to connect again and closed at once (before: it
# was refused for the rest of the window; audit i12-17).
# The same for SMTP AUTH: one submission process (maxproc 1) serves its
# clients one after another; 6 addresses x 9 wrong passwords spend its
# budget (from 127.0.1.x, whose own counts are fresh), auth's refusal
# tells it so, and it takes no new clients: the next client meets a fresh
# process and authenticates (before: 454 for the window; audit i12-12).
. "$(dirname "$0")/lib.sh"

t_instance
P110=$((PB + 110))
t_set pop3d_client_connection_count_limit 0
t_set smtpd_client_connection_count_limit 0
t_set auth_failure_delay 0
t_services auth anvil pop3-session pop3
P587=$((PB + 587))
echo "submission:$P587 inet n - n 1 smtpd -o smtpd_require_auth=yes" >>"$INST/master.conf"
sed -i -E 's/^(pop3:[0-9]+ +inet +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
printf 'victim-pw\n' | tmailctl user add v@localhost --password-stdin >/dev/null 2>&1
mkdir -p "$INST/mail/localhost/v/"{new,cur,tmp}
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

out=$(python3 - "$P110" "$TOP/tests/integration" <<'PY'
import sys, threading
sys.path.insert(0, sys.argv[2])
import tnet
port = int(sys.argv[1])

def attack(src, n, who):
    s = tnet.connect(port, timeout=60, src=src)
    f = s.makefile('rb')
    f.readline()
    for i in range(n):
        s.sendall(b'USER guess%d@localhost\r\n' % who); f.readline()
        s.sendall(b'PASS wrong\r\n'); f.readline()
        # pop3d_login_failures: reconnect when told to go
    s.close()

bystander = tnet.connect(port, timeout=30, src='127.0.0.1')
bf = bystander.makefile('rb')
bf.readline()
bystander.sendall(b'CAPA\r\n')
while bf.readline() not in (b'.\r\n', b''):
    pass
ths = []
for a in range(2, 10):
    for k in range(7):
        t = threading.Thread(target=attack, args=('127.0.0.%d' % a, 1, a * 10 + k))
        t.start(); ths.append(t)
for t in ths:
    t.join()
print('bystander:', bf.readline().decode().strip())
print('bystander then:', repr(bf.readline()))
s = tnet.connect(port, timeout=30, src='127.0.0.1')
f = s.makefile('rb')
f.readline()
s.sendall(b'USER v@localhost\r\n'); f.readline()
s.sendall(b'PASS victim-pw\r\n')
print('victim:', f.readline().decode().strip())
PY
)
t_log "$out"
t_match "$out" "victim: \+OK" "a client that comes after other clients spent the process's budget logs in"
t_match "$out" "bystander: -ERR \[SYS/TEMP\] This server process takes no more logins, connect again" \
	"a client of the process still before login is told to connect again"
t_match "$out" "bystander then: b''" "and its connection is closed"
t_file_has "$INST/log/maillog" 'auth.*login process refused: over its budget' \
	"auth refused the login process over its budget"
t_file_has "$INST/log/maillog" 'pop3d\[[0-9]*\]: warning: accepting no more clients: auth refuses this process' \
	"the refused login process takes no new clients"
old=$(grep 'accepting no more clients' "$INST/log/maillog" | head -n 1 | sed -E 's/.*pop3d\[([0-9]+)\].*/\1/')
new=$(grep 'login: user=<v@localhost>' "$INST/log/maillog" | head -n 1 | sed -E 's/.*pop3d\[([0-9]+)\].*/\1/')
t_log "refused process $old, the victim's login process $new"
[ -n "$old" ] && [ -n "$new" ] && [ "$old" != "$new" ] &&
	t_pass "a fresh login process served the client that came next" ||
	t_fail "a fresh login process served the client that came next" "refused $old, served by $new"

# ---- SMTP AUTH on one submission process ----
out=$(python3 - "$P587" <<'PY'
import sys, smtplib, base64, threading
port = int(sys.argv[1])
def auth(src, user, pw):
    c = smtplib.SMTP(timeout=60, source_address=(src, 0))
    c.connect('127.0.0.1', port)
    c.ehlo('x')
    code, msg = c.docmd('AUTH', 'PLAIN ' + base64.b64encode(
        b'\0' + user.encode() + b'\0' + pw.encode()).decode())
    try:
        c.quit()
    except Exception:
        pass
    return code, msg.decode()
codes = {}
def attack(a, i):
    code, _ = auth('127.0.1.%d' % a, 'guess%d@localhost' % i, 'wrong')
    codes[code] = codes.get(code, 0) + 1
ths = [threading.Thread(target=attack, args=(a, i)) for a in range(2, 8) for i in range(9)]
for t in ths:
    t.start()
for t in ths:
    t.join()
print('attacker replies:', sorted(codes.items()))
code, msg = auth('127.0.0.1', 'v@localhost', 'victim-pw')
print('victim: %d %s' % (code, msg))
PY
)
t_log "$out"
t_match "$out" "attacker replies: .*\(454, " "auth refused the submission process over its budget (454)"
t_match "$out" "victim: 235 " "a client that comes after other clients spent the smtpd process's budget authenticates"
t_file_has "$INST/log/maillog" 'smtpd\[[0-9]*\]: warning: accepting no more clients: auth refuses this process' \
	"the refused smtpd process takes no new clients"
t_done
