#!/bin/bash
# i12-03: clients of one login process vanish in every state (TLS
# handshake half done, after STLS's +OK, mid-SASL, while auth delays a
# failure, right after a good PASS = mid-hand-off, inside a relay with
# output pending), many at once, then a stop with clients in each state.
# Run with TERN_SAN=1 TERN_BIN=$PWD/bin-san for memory errors.
# Expected: no sanitizer report, no daemon killed by a signal, the login
# process still serves a healthy client afterwards (same pid), no password
# in the log.
. "$(dirname "$0")/../tests/integration/lib.sh"

t_instance
P110=$((PB + 110)); P995=$((PB + 995))
t_set pop3d_client_connection_count_limit 0
t_set auth_failure_delay 2s
t_set auth_failure_limit 0
t_set auth_failure_user_limit 0
t_set auth_process_failure_limit 0
t_services auth anvil pop3-session pop3 pop3s
sed -i -E 's/^(pop3s?:[0-9]+ +inet +[^ ]+ +[^ ]+ +[^ ]+ +)[^ ]+/\11/' "$INST/master.conf"
printf 'pw-chaos-a\n' | tmailctl user add a@localhost --password-stdin >/dev/null 2>&1
mkdir -p "$INST/mail/localhost/a/"{new,cur,tmp}
python3 "$TOP/tests/integration/pop3_txn.py" big "$INST/mail/localhost/a" 3 >/dev/null
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

chaos() {
python3 - "$P110" "$P995" "$TOP/tests/integration" "$1" <<'PY'
import sys, threading, socket, ssl, time, random
sys.path.insert(0, sys.argv[3])
import tnet
p110, p995, final = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4]
ctx = tnet.tls_context()
def plain():
    s = tnet.connect(p110, timeout=20); s.recv(512); return s
def kill(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\1\0\0\0\0\0\0\0'); s.close()
def half_tls():
    s = tnet.connect(p995, timeout=20)
    s.sendall(b'\x16\x03\x01\x00\xa0\x01\x00\x00\x9c\x03\x03' + b'A' * 40); time.sleep(random.random()); kill(s)
def after_stls():
    s = plain(); s.sendall(b'STLS\r\n'); time.sleep(random.random() * 0.2); kill(s)
def mid_sasl():
    s = plain(); s.sendall(b'AUTH PLAIN\r\n'); s.recv(100); s.sendall(b'AGF'); kill(s)
def mid_fail():
    s = plain(); s.sendall(b'USER a@localhost\r\nPASS nope\r\nSTAT\r\n' * 2); time.sleep(random.random()); kill(s)
def mid_handoff():
    s = plain(); s.sendall(b'USER a@localhost\r\nPASS pw-chaos-a\r\nLIST\r\nRETR 1\r\n'); time.sleep(random.random() * 0.05); kill(s)
def tls_relay():
    r = tnet.connect(p995, timeout=20); s = ctx.wrap_socket(r); s.recv(512)
    s.sendall(b'USER a@localhost\r\nPASS pw-chaos-a\r\n' + b'RETR 1\r\n' * 20)
    time.sleep(random.random() * 0.5); kill(r)
def tls_pipeline_sasl():
    r = tnet.connect(p995, timeout=20); s = ctx.wrap_socket(r); s.recv(512)
    s.sendall(b'AUTH PLAIN\r\n' + b'A' * 3000 + b'\r\n' + b'CAPA\r\n' * 10); time.sleep(0.2); kill(r)
kinds = [half_tls, after_stls, mid_sasl, mid_fail, mid_handoff, tls_relay, tls_pipeline_sasl]
def run(k):
    try: k()
    except Exception: pass
ths = [threading.Thread(target=run, args=(kinds[i % len(kinds)],)) for i in range(int(final))]
for t in ths: t.start()
for t in ths: t.join()
PY
}
for round in 1 2 3; do chaos 70; done
out=$(python3 - "$P110" "$TOP/tests/integration" <<'PY'
import sys; sys.path.insert(0, sys.argv[2]); import tnet
s = tnet.connect(int(sys.argv[1]), timeout=20); f = s.makefile('rb'); f.readline()
s.sendall(b'USER a@localhost\r\nPASS pw-chaos-a\r\nSTAT\r\nQUIT\r\n')
print(tnet.read_all(s).decode())
PY
)
t_match "$out" "\+OK 1 " "after the chaos a client still logs in and sees its mailbox"
# a stop while clients are in every state
chaos 40 & c=$!
sleep 0.5
t_stop
wait $c
t_log_lacks "no password in the log" a@localhost pw-chaos-a
t_done
