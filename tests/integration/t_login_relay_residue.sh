#!/bin/bash
# t_login_relay_residue: a POP3S session relayed by a shared login process
# leaves none of the mailbox's content in that process once it is over
# (audit i12-09: the relay's receive chunk stayed on the stack).  Another
# client keeps the process alive; memscan.py reads its memory.  Needs
# root; skipped under the sanitizers (shadow memory), as memscan is.
. "$(dirname "$0")/lib.sh"

t_is_root || { t_skip "memscan needs root"; t_done; }
[ "${TERN_SAN:-}" != 1 ] || { t_skip "memscan cannot read a sanitized process"; t_done; }
t_instance
P995=$((PB + 995))
t_services auth anvil pop3-session pop3s
# One process: the holder and the session share it.
sed -i -E 's/^(pop3s:[0-9]+ +inet +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
printf 'pw-residue-1\n' | tmailctl user add a@localhost --password-stdin >/dev/null 2>&1
mkdir -p "$INST/mail/localhost/a/"{new,cur,tmp}
{
	printf 'From: x@localhost\r\nSubject: private\r\n\r\n'
	for i in $(seq 1 100); do printf 'Residue-Mark-Rb7t-%04d\r\n' "$i"; done
} > "$INST/mail/localhost/a/new/1.msg"
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

python3 - "$P995" "$TOP/tests/integration" "$T" > "$T/client.out" 2>&1 <<'PY' &
import sys, os, time
sys.path.insert(0, sys.argv[2])
import tnet
port, t = int(sys.argv[1]), sys.argv[3]
ctx = tnet.tls_context()
def tls():
    s = ctx.wrap_socket(tnet.connect(port, timeout=30))
    f = s.makefile('rb')
    f.readline()
    return s, f
holder = tls()
s, f = tls()
s.sendall(b'USER a@localhost\r\n'); f.readline()
s.sendall(b'PASS pw-residue-1\r\n'); print(f.readline().decode().strip())
s.sendall(b'RETR 1\r\n')
body = b''
while not body.endswith(b'\r\n.\r\n'):
    body += f.read1(65536)
print('retrieved', body.count(b'Residue-Mark-Rb7t'), 'lines')
s.sendall(b'QUIT\r\n'); f.readline(); s.close()
open(t + '/ready', 'w').close()
while not os.path.exists(t + '/release'):
    time.sleep(0.1)
PY
client=$!
t_wait 30 test -f "$T/ready"
t_wait 5 grep -q 'TLS relay finished' "$INST/log/maillog"
pid=$(ss -Htnp state established "( sport = :$P995 )" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
found=$(python3 "$TOP/tests/integration/memscan.py" "$pid" Residue-Mark-Rb7t)
touch "$T/release"; wait $client
t_match "$(cat "$T/client.out")" "retrieved 100 lines" "the session relayed the message"
t_match "$found" "scanned" "memscan read the login process $pid"
t_nomatch "$found" "Residue-Mark-Rb7t" "no line of the relayed message is left in the login process"
t_done
