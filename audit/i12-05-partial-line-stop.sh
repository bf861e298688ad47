#!/bin/bash
# i12-05: a session waits for the next command with event_wait() on the
# client and the skeleton's stop descriptor, but as soon as any byte of a
# line is buffered (stream_input_ready) daemon_wait() returns at once and
# the rest of the line is awaited by a blocking stream read that watches
# no stop descriptor.  A client that sends half a command ("NOO", no CRLF)
# keeps its session deaf to a stop (SIGTERM) for pop3d_idle_timeout
# (default 10 minutes); same for smtpd (smtpd_timeout) with half an SMTP
# command.  pop3d_idle_timeout and smtpd_timeout are 20s here to keep the run short.
# Expected (sound): "-ERR [SYS/TEMP] Server shutting down" within a second
#   or two of the stop, as for an idle session without half a line.
# Observed: the session answers only when the idle timeout expires (or
#   master kills it), not at the stop.
. "$(dirname "$0")/../tests/integration/lib.sh"

t_instance
P110=$((PB + 110))
P25=$((PB + 25))
t_set pop3d_idle_timeout 20s
t_set smtpd_timeout 20s
t_set pop3d_client_connection_count_limit 0
t_services auth anvil pop3-session pop3 smtp
printf 'pw-a\n' | tmailctl user add a@localhost --password-stdin >/dev/null 2>&1
mkdir -p "$INST/mail/localhost/a/"{new,cur,tmp}
chown -R "$(stat -c %u:%g "$INST/mail")" "$INST/mail"
t_start

python3 - "$P110" "$TOP/tests/integration" "$T/ready" > "$T/client.out" 2>&1 <<'PY' &
import sys, time
sys.path.insert(0, sys.argv[2])
import tnet
s = tnet.connect(int(sys.argv[1]), timeout=60)
f = s.makefile('rb')
f.readline()
s.sendall(b'USER a@localhost\r\nPASS pw-a\r\n'); f.readline(); f.readline()
s.sendall(b'NOO')
open(sys.argv[3], 'w').close()
t0 = time.time()
line = f.readline().decode().strip()
print('after %.0fs: %s' % (time.time() - t0, line or 'closed'))
PY
client=$!
python3 - "$P25" "$TOP/tests/integration" "$T/ready25" > "$T/smtp.out" 2>&1 <<'PY' &
import sys, time
sys.path.insert(0, sys.argv[2])
import tnet
s = tnet.connect(int(sys.argv[1]), timeout=60)
f = s.makefile('rb')
f.readline()
s.sendall(b'NOO')
open(sys.argv[3], 'w').close()
t0 = time.time()
line = f.readline().decode().strip()
print('smtp after %.0fs: %s' % (time.time() - t0, line or 'closed'))
PY
smtp=$!
t_wait 20 test -f "$T/ready25"
t_wait 20 test -f "$T/ready"
sleep 1
start=$(date +%s)
tmailctl stop >/dev/null 2>&1
echo "mailctl stop took $(( $(date +%s) - start ))s"
wait $client $smtp
cat "$T/client.out" "$T/smtp.out"
t_match "$(cat "$T/client.out")" "^after [0-2]s: -ERR \[SYS/TEMP\] Server shutting down" \
	"a session with half a command buffered answers the stop at once"
t_match "$(cat "$T/smtp.out")" "^smtp after [0-2]s: 421 4.3.2 " \
	"an smtpd session with half a command buffered answers the stop at once"
t_done
