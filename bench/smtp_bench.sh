#!/bin/bash
# smtp_bench.sh - SMTP throughput of tern beside Postfix, in one run.
#
# smtp-source (from the postfix package) sends COUNT messages of SIZE bytes
# over SESSIONS concurrent sessions to 127.0.0.1; measured are the accept
# rate (smtp-source got every 250) and the end-to-end rate (every message is
# a file in the recipient's Maildir/new), plus the peak memory of the
# server's process tree.  Postfix and tern are measured alternately, run by
# run, on the same machine in the same invocation; printed are both medians
# and the ratio tern/postfix.  The measuring itself is done by
# ../shared/bench/smtp_e2e.py (used in place, not copied).
#
#   sudo bench/smtp_bench.sh
#
# Environment:
#   RUNS (3)  COUNT (5000)  SIZE (4096)  SESSIONS (20)
#   ORDER (alternate | grouped: all Postfix runs, then all tern runs)
#   PORT_BASE   tern instance port base (default: a free one)
#   NO_MAKE=1   do not run make first (default: make, so bin/ is current)
#   KEEP=1      keep the temporary tern instance (it is stopped anyway)
#   QUIET_PCT   smtp_e2e.py quiet gate: machine CPU busy % below which a run
#               may start (default 15, as smtp_e2e.py)
#   TIMEOUT     seconds a run may take before it is declared failed (900)
#
# Needs root: Postfix setup, mailctl init's system users, and reading the
# memory of other users' processes.  Loopback only.  Postfix is set up with
# ../shared/bench/setup_debian.sh when the bench user or its Maildir
# configuration is missing, and started with start_servers.sh; what this
# script started it stops again (Postfix and Dovecot with their own stop
# commands, tern with mailctl stop, the CPU monitor by its pid).
#
# Results: bench/results/smtp-<time>.jsonl: smtp_e2e.py's records (label
# "postfix" or "tern") and one closing record {"summary": ...}.
# ../shared/bench/summarize.py bench/results makes a table of all of them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$(dirname "$top")/shared/bench" && pwd)
runs=${RUNS:-3}
count=${COUNT:-5000}
size=${SIZE:-4096}
sessions=${SESSIONS:-20}
order=${ORDER:-alternate}
timeout=${TIMEOUT:-900}
quiet_pct=${QUIET_PCT:-15}
tern_bin=$top/bin
. "$top/tests/integration/instance.sh"

die() { echo "smtp_bench: $*" >&2; exit 1; }
say() { echo "smtp_bench: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root (Postfix setup, mailctl init, memory of other users' processes)"
[ -x "$shared/smtp_e2e.py" ] || die "$shared/smtp_e2e.py not found"
case $order in alternate|grouped) ;; *) die "ORDER must be alternate or grouped" ;; esac

stamp=$(date +%Y%m%d-%H%M%S)
resdir=$top/bench/results
mkdir -p "$resdir"
json=$resdir/smtp-$stamp.jsonl
cpulog=$resdir/smtp-$stamp.cpu.log

# ---- cleanup: only what this script started ------------------------------
tmp=
inst=
mon=
started_postfix=
started_dovecot=
cleanup() {
	set +e
	[ -n "$inst" ] && inst_stop "$tern_bin" "$inst"
	[ -n "$mon" ] && kill "$mon" 2>/dev/null
	[ -n "$started_postfix" ] && postfix stop >/dev/null 2>&1
	[ -n "$started_dovecot" ] && doveadm stop >/dev/null 2>&1
	if [ -n "$tmp" ]; then
		if [ -n "${KEEP:-}" ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tern build -----------------------------------------------------------
have_bins() {
	local p
	for p in master mailctl smtpd auth qmgr local; do
		[ -x "$tern_bin/$p" ] || return 1
	done
}
if [ -z "${NO_MAKE:-}" ]; then
	# Others may be building in the same tree: a failed or racing make is
	# retried a few times before giving up.
	for i in 1 2 3; do
		make -s -C "$top" >"$resdir/smtp-$stamp.make.log" 2>&1 && have_bins && break
		[ $i = 3 ] && die "make failed, see $resdir/smtp-$stamp.make.log"
		sleep 10
	done
	rm -f "$resdir/smtp-$stamp.make.log"
fi
have_bins || die "programs missing in $tern_bin (make)"

# ---- Postfix: configured as setup_debian.sh does, and running ------------
postfix_ready() {
	id bench >/dev/null 2>&1 &&
	[ -d /home/bench ] &&
	command -v postconf >/dev/null 2>&1 &&
	[ -x /usr/sbin/smtp-source ] &&
	[ "$(postconf -h home_mailbox 2>/dev/null)" = Maildir/ ] &&
	[ "$(postconf -h inet_interfaces 2>/dev/null)" = 127.0.0.1 ]
}
if ! postfix_ready; then
	say "setting up Postfix with $shared/setup_debian.sh (apt-get; loopback only)"
	"$shared/setup_debian.sh" >"$resdir/smtp-$stamp.setup.log" 2>&1 ||
		die "setup_debian.sh failed, see $resdir/smtp-$stamp.setup.log"
	postfix_ready || die "Postfix still not configured for the benchmark"
fi
postfix status >/dev/null 2>&1 || started_postfix=1
{ [ -f /run/dovecot/master.pid ] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; } ||
	started_dovecot=1
"$shared/start_servers.sh" >/dev/null 2>&1 || true
# Dovecot has no part in this benchmark: stop it again if it was not running.
if [ -n "$started_dovecot" ]; then doveadm stop >/dev/null 2>&1 || true; started_dovecot=; fi
postfix status >/dev/null 2>&1 || die "Postfix did not start"
for i in $(seq 1 50); do
	ss -Htln 'sport = :25' | grep -q '127\.0\.0\.1:25' && break
	sleep 0.1
done
pq=$(postqueue -p 2>/dev/null | tail -n 1)
case $pq in *"is empty"*) ;; *) say "warning: Postfix queue not empty: $pq" ;; esac

# ---- tern instance ----------------------------------------------------------
# Made as the tests make theirs (tests/integration/instance.sh), with
# init's full service table: the benchmark measures the shipped setup.
pb=${PORT_BASE:-$(inst_free_port_base)} || die "no free port base"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-bench.XXXXXX")
inst=$tmp/inst
inst_init "$tern_bin" "$inst" "$pb" >"$tmp/init.out" 2>&1 ||
	die "mailctl init: $(cat "$tmp/init.out")"
echo benchpass | "$tern_bin/mailctl" -c "$inst" user add bench@localhost --password-stdin \
	>"$tmp/user.out" 2>&1 || die "mailctl user add: $(cat "$tmp/user.out")"

# smtp, auth, qmgr and local at least, whatever init left commented out.
conf=$inst/master.conf
inst_enable "$inst" smtp auth qmgr local || die "cannot enable smtp, auth, qmgr, local"
tport=$(awk '$1 ~ /^smtp:/ { sub(/^smtp:/, "", $1); print $1; exit }' "$conf")
case $tport in
	''|*[!0-9]*) die "cannot tell tern's smtp port from $conf ($tport)" ;;
esac
"$tern_bin/mailctl" -c "$inst" check >"$tmp/check.out" 2>&1 ||
	die "mailctl check: $(cat "$tmp/check.out")"
"$tern_bin/mailctl" -c "$inst" start >"$tmp/start.out" 2>&1 ||
	die "mailctl start: $(cat "$tmp/start.out")"
inst_wait_listen "$tport" || die "tern smtpd not listening on $tport"

# One message through each server, so that both paths are proven before
# anything is timed (and a broken path fails in seconds, not after TIMEOUT).
nfiles() { { find "$1" -type f 2>/dev/null || true; } | wc -l; }
probe() { # LABEL PORT MAILDIR
	local n0 i
	n0=$(nfiles "$3/new")
	/usr/sbin/smtp-source -m 1 -l 100 -f a@localhost -t bench@localhost "127.0.0.1:$2" ||
		die "$1: smtp-source probe failed"
	for i in $(seq 1 200); do
		[ "$(nfiles "$3/new")" -gt "$n0" ] && return 0
		sleep 0.1
	done
	die "$1: probe message not delivered into $3/new within 20 s"
}
probe postfix 25 /home/bench/Maildir
probe tern "$tport" "$inst/mail/localhost/bench"

rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD -- 2>/dev/null || rev="$rev+dirty"
say "tern $rev, instance $inst (smtp 127.0.0.1:$tport); Postfix $(postconf -h mail_version) on 127.0.0.1:25"
say "$count x $size bytes, $sessions sessions, $runs runs, $order; results $json"

"$shared/cpu_monitor.py" 1 "$cpulog" &
mon=$!

run_one() { # postfix|tern RUN_NUMBER
	local port maildir proc pidfile
	if [ "$1" = postfix ]; then
		port=25 maildir=/home/bench/Maildir proc=/usr/lib/postfix/sbin/
		pidfile=/var/spool/postfix/pid/master.pid
	else
		port=$tport maildir=$inst/mail/localhost/bench proc=$tern_bin/
		pidfile=$inst/queue/pid/master.pid
	fi
	sync
	sleep 2
	echo "== $1 run $2/$runs"
	"$shared/smtp_e2e.py" --port "$port" --to bench@localhost --maildir "$maildir" \
		--clear-cur --count "$count" --size "$size" --sessions "$sessions" --runs 1 \
		--proc-exe-prefix "$proc" --root-pidfile "$pidfile" --timeout "$timeout" \
		--quiet-pct "$quiet_pct" --label "$1" --json "$tmp/run.jsonl" |
		sed -n "s/^\[$1\] run 1: /[$1] /p"
	# smtp_e2e.py numbers every one-run call "run 1": record the real number.
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l); r["run"] = int(sys.argv[2]); print(json.dumps(r))' \
		"$tmp/run.jsonl" "$2" >>"$json"
	rm -f "$tmp/run.jsonl"
}

if [ "$order" = alternate ]; then
	for r in $(seq 1 "$runs"); do
		run_one postfix "$r"
		run_one tern "$r"
	done
else
	for r in $(seq 1 "$runs"); do run_one postfix "$r"; done
	for r in $(seq 1 "$runs"); do run_one tern "$r"; done
fi

# ---- summary ----------------------------------------------------------------
python3 - "$json" "$rev" "$count" "$size" "$sessions" "$order" <<'EOF'
import json, os, platform, statistics, sys, time
path, rev, count, size, sessions, order = sys.argv[1:]
recs = [json.loads(l) for l in open(path) if l.strip()]
ncpu = os.cpu_count()

def med(label, f):
    v = [f(r) for r in recs if r.get("label") == label]
    v = [x for x in v if x is not None]
    return (statistics.median(v) if v else None), v

def cpu_ms(r):
    el = max(r["accept_s"], r.get("deliver_s") or 0)
    return r["machine_busy_pct"] / 100 * ncpu * el / r["count"] * 1e3

metrics = [
    ("accept msg/s", lambda r: r["accept_msg_per_s"] if r["rc"] == 0 else None, "{:.0f}"),
    ("end-to-end msg/s", lambda r: r["deliver_msg_per_s"], "{:.0f}"),
    ("peak RSS MB", lambda r: r.get("mem_peak", {}).get("rss_mb"), "{:.1f}"),
    ("peak PSS MB", lambda r: r.get("mem_peak", {}).get("pss_mb"), "{:.1f}"),
    ("peak procs", lambda r: r.get("mem_peak", {}).get("procs"), "{:.0f}"),
    ("machine CPU ms/msg", cpu_ms, "{:.2f}"),
    ("foreign CPU %", lambda r: r.get("foreign_cpu_pct"), "{:.0f}"),
]
summary = {"summary": True, "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "tern_rev": rev,
           "count": int(count), "size": int(size), "sessions": int(sessions), "order": order,
           "host": platform.node(), "kernel": platform.release(), "ncpu": ncpu}
bad = [f"{r['label']} run {r['run']}" for r in recs
       if r["rc"] != 0 or r.get("delivered") is None or r["delivered"] < r["count"]]
print()
print(f"{'':20} {'postfix':>26} {'tern':>26} {'tern/postfix':>13}")
for name, f, fmt in metrics:
    row = {}
    cells = []
    for label in ("postfix", "tern"):
        m, v = med(label, f)
        row[label] = m
        row[label + "_runs"] = v
        cells.append("n/a" if m is None else
                     fmt.format(m) + " [" + "-".join(fmt.format(x) for x in (min(v), max(v))) + "]")
    ratio = row["tern"] / row["postfix"] if row["tern"] is not None and row["postfix"] else None
    row["ratio"] = ratio
    summary[name] = row
    print(f"{name:20} {cells[0]:>26} {cells[1]:>26} {'' if ratio is None else f'{ratio:.2f}':>13}")
print("(medians [min-max] of the runs; CPU is the whole machine incl. smtp-source)")
if bad:
    print("INCOMPLETE runs (not all accepted or delivered): " + ", ".join(bad))
summary["incomplete_runs"] = bad
with open(path, "a") as fh:
    fh.write(json.dumps(summary) + "\n")
EOF
echo "results: $json (CPU monitor: $cpulog)"
