#!/bin/bash
# relay_bench.sh - relay throughput of tern beside Postfix, in one run.
#
#   sudo bench/relay_bench.sh        # RUNS=3, 5000 x 4096 B, 20 sessions
#
# Both servers take COUNT messages from smtp-source (SESSIONS sessions)
# for a remote recipient and relay them to the same Postfix smtp-sink on
# loopback, which writes each message it acknowledges as a file on tmpfs;
# a run's end-to-end time is from the first connection to the moment
# every message is a file at the sink (smtp_e2e.py, ../shared/bench).
# Postfix is the machine's own (../shared/bench/setup_debian.sh), given
# for the run relayhost = the sink and in_flow_delay = 0 (its best
# setting for a burst: no tarpit of the submitting clients) and the smtp
# transport (the setup is "local only"), its
# defaults otherwise (20 parallel deliveries per destination, connection
# cache on demand, as tern's); its main.cf is restored afterwards.  tern
# is a temporary `mailctl init` instance with relayhost = the sink.
#
# Environment: RUNS (3), COUNT (5000), SIZE (4096), SESSIONS (20),
# NO_MAKE=1, KEEP=1, QUIET_PCT (15), TIMEOUT (900 s per run).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$(dirname "$top")/shared/bench" && pwd)
runs=${RUNS:-3}
count=${COUNT:-5000}
size=${SIZE:-4096}
sessions=${SESSIONS:-20}
timeout=${TIMEOUT:-900}
quiet_pct=${QUIET_PCT:-15}
tern_bin=$top/bin
. "$top/tests/integration/instance.sh"

die() { echo "relay_bench: $*" >&2; exit 1; }
say() { echo "relay_bench: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root (Postfix, smtp-sink, mailctl init)"
stamp=$(date +%Y%m%d-%H%M%S)
resdir=$top/bench/results
mkdir -p "$resdir"
json=$resdir/relay-$stamp.jsonl

tmp= inst= sink= mon= pf_saved= started_postfix= sinkdir_cleanup=
cleanup() {
	set +e
	[ -n "$inst" ] && inst_stop "$tern_bin" "$inst"
	[ -n "$sink" ] && kill "$sink" 2>/dev/null
	[ -n "$mon" ] && kill "$mon" 2>/dev/null
	if [ -n "$pf_saved" ]; then
		cp "$pf_saved" /etc/postfix/main.cf
		postfix reload >/dev/null 2>&1
	fi
	[ -n "$started_postfix" ] && postfix stop >/dev/null 2>&1
	if [ -n "$tmp" ]; then
		if [ -n "${KEEP:-}" ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
	fi
	[ -n "$sinkdir_cleanup" ] && rm -rf "$sinkdir_cleanup"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -n "${NO_MAKE:-}" ] || make -s -C "$top" >/dev/null 2>&1 || die "make failed"
for p in master mailctl smtpd qmgr smtp-out; do
	[ -x "$tern_bin/$p" ] || die "$tern_bin/$p missing (make)"
done
command -v postconf >/dev/null 2>&1 && [ -x /usr/sbin/smtp-source ] ||
	"$shared/setup_debian.sh" >/dev/null 2>&1 || die "no Postfix (setup_debian.sh failed)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-relay.XXXXXX")
chmod 755 "$tmp"
# The sink's files go to tmpfs: the sink must not be what is measured.
sinkdir=$(mktemp -d /dev/shm/tern-relay-sink.XXXXXX)
mkdir -p "$sinkdir/new"
chmod -R 1777 "$sinkdir"
pb=${PORT_BASE:-$(inst_free_port_base)} || die "no free port base"
sport=$((pb + 90))
/usr/sbin/smtp-sink -u nobody -d "$sinkdir/new/%M." "127.0.0.1:$sport" 256 \
	>"$tmp/sink.out" 2>&1 &
sink=$!
for i in $(seq 1 50); do
	ss -Htln "sport = :$sport" | grep -q . && break
	sleep 0.1
done

# Postfix: the machine's, relaying to the sink for this run.
postfix status >/dev/null 2>&1 || started_postfix=1
pf_saved=$tmp/postfix-main.cf
cp /etc/postfix/main.cf "$pf_saved"
postconf -e "relayhost = [127.0.0.1]:$sport" "in_flow_delay = 0" \
	"default_transport = smtp" "relay_transport = relay" \
	"smtp_tls_security_level = may" "inet_interfaces = 127.0.0.1"
sinkdir_cleanup=$sinkdir
if [ -n "$started_postfix" ]; then postfix start >/dev/null 2>&1; else postfix reload >/dev/null 2>&1; fi
sleep 1
ss -Htln 'sport = :25' | grep -q '127\.0\.0\.1:25' || die "Postfix not listening on 127.0.0.1:25"

# tern
inst=$tmp/inst
inst_only "$tern_bin" "$inst" "$pb" smtp qmgr smtp-out || die "tern instance"
echo "relayhost = [127.0.0.1]:$sport" >>"$inst/main.conf"
"$tern_bin/mailctl" -c "$inst" start >"$tmp/start.out" 2>&1 ||
	die "mailctl start: $(cat "$tmp/start.out")"
tport=$((pb + 25))
inst_wait_listen "$tport" || die "tern smtpd not listening"

rcpt=bench@relay.example
nfiles() { find "$sinkdir/new" -type f | wc -l; }
probe() { # LABEL PORT
	local n0 i
	n0=$(nfiles)
	/usr/sbin/smtp-source -m 1 -l 100 -f a@localhost -t "$rcpt" "127.0.0.1:$2" ||
		die "$1: probe failed"
	for i in $(seq 1 300); do
		[ "$(nfiles)" -gt "$n0" ] && return 0
		sleep 0.1
	done
	die "$1: the probe did not reach the sink in 30 s"
}
probe postfix 25
probe tern "$tport"

rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
say "tern $rev; Postfix $(postconf -h mail_version); sink 127.0.0.1:$sport"
say "$count x $size bytes, $sessions sessions, $runs runs; results $json"
"$shared/cpu_monitor.py" 1 "$tmp/cpu.log" &
mon=$!

run_one() { # postfix|tern RUN
	local port proc pidfile
	if [ "$1" = postfix ]; then
		port=25 proc=/usr/lib/postfix/sbin/ pidfile=/var/spool/postfix/pid/master.pid
	else
		port=$tport proc=$tern_bin/ pidfile=$inst/queue/pid/master.pid
	fi
	sync
	sleep 2
	echo "== $1 run $2/$runs"
	"$shared/smtp_e2e.py" --port "$port" --from a@localhost --to "$rcpt" \
		--maildir "$sinkdir" --count "$count" --size "$size" \
		--sessions "$sessions" --runs 1 --proc-exe-prefix "$proc" \
		--root-pidfile "$pidfile" --timeout "$timeout" --quiet-pct "$quiet_pct" \
		--label "$1" --json "$json" | sed -n "s/^\[$1\] run 1: /[$1] /p"
}
for r in $(seq 1 "$runs"); do
	run_one postfix "$r"
	run_one tern "$r"
done

python3 - "$json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(label, get):
    v = [get(r) for r in rows if r.get('label') == label]
    v = [x for x in v if x]
    return statistics.median(v) if v else None
keys = [('relayed msg/s', lambda r: r.get('deliver_msg_per_s')),
        ('accepted msg/s', lambda r: r.get('accept_msg_per_s')),
        ('peak RSS MB', lambda r: r.get('mem_peak', {}).get('rss_mb')),
        ('peak PSS MB', lambda r: r.get('mem_peak', {}).get('pss_mb'))]
print('%-16s %10s %10s %8s' % ('median', 'postfix', 'tern', 'tern/pf'))
for name, get in keys:
    p, t = med('postfix', get), med('tern', get)
    if p and t:
        print('%-16s %10.1f %10.1f %8.2f' % (name, p, t, t / p))
PY
