#!/bin/bash
# relay_scale.sh - a large queue with dead destinations, tern beside
# Postfix, in one run.
#
#   sudo bench/relay_scale.sh        # COUNT=100000 DOMAINS=1000
#
# COUNT messages (1 KiB) for DOMAINS destinations are queued while
# delivery is held, then released.  Routes come from a transport map with
# the same entries for both servers, one next hop per domain
# ([mx.dNNNN.scale.example]:port, so that each domain is a destination of
# its own for both queue managers): the first 50 domains go to a port
# where nothing listens (connections refused), the next 50 to a listener
# that accepts connections and never says a word, the rest to one
# Postfix smtp-sink on loopback.  The host names are resolved by tern
# through dnsd.py (tests/integration) and by Postfix through /etc/hosts
# (smtp_dns_support_level = disabled, its smtp not chrooted for the
# run), which gets the names for the run; /etc/hosts and Postfix's
# main.cf and master.cf are restored afterwards.  Measured: the time from the release
# until every message for a live destination is a file at the sink, and
# the peak resident memory of the queue manager (tern's qmgr, Postfix's
# qmgr), sampled every 0.5 s.
#
# Held delivery: tern runs without its qmgr while the messages arrive
# (they wait in incoming/), then qmgr is enabled and master reloaded;
# Postfix gets defer_transports = smtp while they arrive, then none and
# `postqueue -f`.  Postfix keeps its defaults otherwise, with
# in_flow_delay = 0; its main.cf is restored at the end.
#
# A server that has not cleared the live mail within TIMEOUT is stopped
# there and reported with what reached the sink by then; the two are then
# compared by rate (messages at the sink per second since the release).
#
# Environment: COUNT (100000), DOMAINS (1000), SESSIONS (20), NO_MAKE=1,
# KEEP=1, TIMEOUT (3600 s per server), ONLY=tern|postfix, POSTFIX_SET
# (extra "name=value" settings for Postfix, e.g. the tuning that
# TUNING_README gives for dead destinations).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
count=${COUNT:-100000}
domains=${DOMAINS:-1000}
sessions=${SESSIONS:-20}
timeout=${TIMEOUT:-3600}
only=${ONLY:-}
tern_bin=$top/bin
. "$top/tests/integration/instance.sh"

die() { echo "relay_scale: $*" >&2; exit 1; }
say() { echo "relay_scale: $*" >&2; }
[ "$(id -u)" = 0 ] || die "run as root"
[ "$domains" -gt 100 ] || die "DOMAINS must be more than 100 (100 are dead)"

tmp= inst= sink= hang= pf_saved= started_postfix= sinkdir= dnsd= hosts_saved=
cleanup() {
	set +e
	[ -n "$dnsd" ] && kill "$dnsd" 2>/dev/null
	[ -n "$hosts_saved" ] && cp "$hosts_saved" /etc/hosts
	[ -n "$inst" ] && inst_stop "$tern_bin" "$inst"
	[ -n "$sink" ] && kill "$sink" 2>/dev/null
	[ -n "$hang" ] && kill "$hang" 2>/dev/null
	if [ -n "$pf_saved" ]; then
		cp "$pf_saved" /etc/postfix/main.cf
		cp "$pf_saved.master" /etc/postfix/master.cf
		postsuper -d ALL >/dev/null 2>&1
		postfix reload >/dev/null 2>&1
	fi
	[ -n "$started_postfix" ] && postfix stop >/dev/null 2>&1
	[ -n "$sinkdir" ] && rm -rf "$sinkdir"
	if [ -n "$tmp" ]; then
		if [ -n "${KEEP:-}" ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -n "${NO_MAKE:-}" ] || make -s -C "$top" >/dev/null 2>&1 || die "make failed"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-scale.XXXXXX")
chmod 755 "$tmp"
sinkdir=$(mktemp -d /dev/shm/tern-scale-sink.XXXXXX)
mkdir -p "$sinkdir/new"
chmod -R 1777 "$sinkdir"
pb=${PORT_BASE:-$(inst_free_port_base)} || die "no free port base"
sport=$((pb + 90)) dead_port=$((pb + 91)) hang_port=$((pb + 92))
/usr/sbin/smtp-sink -u nobody -d "$sinkdir/new/%M." "127.0.0.1:$sport" 1024 \
	>"$tmp/sink.out" 2>&1 &
sink=$!
# The silent server: accepts and holds every connection, never writes.
python3 -c '
import socket, sys, select
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.2", int(sys.argv[1]))); s.listen(1024)
held = []
while True:
    select.select([s], [], [])
    held.append(s.accept()[0])
' "$hang_port" &
hang=$!
sleep 1

# The same routes for both, as "domain route" lines, and the addresses
# of the next hops, as a zone for dnsd.py and as hosts lines.
awk -v n="$domains" -v s="$sport" -v d="$dead_port" -v h="$hang_port" \
    -v z="$tmp/zone" -v hs="$tmp/hosts" 'BEGIN {
	for (i = 0; i < n; i++) {
		dom = sprintf("d%04d.scale.example", i)
		mx = "mx." dom
		if (i < 50) { r = "smtp:[" mx "]:" d; a = "127.0.0.1" }
		else if (i < 100) { r = "smtp:[" mx "]:" h; a = "127.0.0.2" }
		else { r = "smtp:[" mx "]:" s; a = "127.0.0.1" }
		print dom, r
		print mx, "A", a >z
		print a, mx >hs
	}
}' >"$tmp/transport"
python3 "$top/tests/integration/dnsd.py" "$tmp/zone" "$tmp/dns.port" /dev/null \
	127.0.0.1 >"$tmp/dnsd.err" 2>&1 &
dnsd=$!
for i in $(seq 1 50); do [ -s "$tmp/dns.port" ] && break; sleep 0.1; done
[ -s "$tmp/dns.port" ] || die "dnsd.py: $(cat "$tmp/dnsd.err")"
live=$(( count - (count / domains) * 100 - ( (count % domains) < 100 ? count % domains : 100 ) ))
say "$count messages for $domains destinations (50 refusing, 50 silent); $live for live ones"

nfiles() { find "$sinkdir/new" -type f | wc -l; }
# peak_rss PIDFILE-CMD: sample the VmRSS (kB) of the pids a command prints.
sample_rss() { # OUTFILE PGREP-CMD...
	local out=$1 peak=0 r p
	shift
	while :; do
		for p in $("$@" 2>/dev/null); do
			r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
			[ "${r:-0}" -gt "$peak" ] && peak=$r
		done
		echo "$peak" >"$out"
		sleep 0.5
	done
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_live() { # LABEL START_MS: prints "MS DELIVERED"
	local n t
	while :; do
		n=$(nfiles)
		t=$(( $(now_ms) - $2 ))
		[ "$n" -ge "$live" ] && break
		[ "$t" -lt $((timeout * 1000)) ] || { say "$1: only $n of $live after ${t} ms"; break; }
		sleep 0.2
	done
	echo "$t $n"
}

run_tern() {
	local t0 ms rss_pid
	find "$sinkdir/new" -type f -delete
	inst=$tmp/inst
	inst_only "$tern_bin" "$inst" "$pb" smtp smtp-out || die "tern instance"
	cp "$tmp/transport" "$inst/transport"
	sed -i '/^dns_nameservers/d' "$inst/main.conf"
	echo "dns_nameservers = 127.0.0.1:$(cat "$tmp/dns.port")" >>"$inst/main.conf"
	"$tern_bin/mailctl" -c "$inst" transport compile >/dev/null 2>&1 || die "transport compile"
	"$tern_bin/mailctl" -c "$inst" start >"$tmp/start.out" 2>&1 || die "tern start: $(cat "$tmp/start.out")"
	inst_wait_listen $((pb + 25)) || die "tern smtpd"
	say "tern: queueing $count messages (qmgr not running)"
	python3 "$top/bench/relay_inject.py" $((pb + 25)) "$count" "$domains" "$sessions" ||
		die "tern: injection failed"
	find "$sinkdir/new" -type f -delete
	inst_enable "$inst" qmgr || die "enable qmgr"
	t0=$(now_ms)
	"$tern_bin/mailctl" -c "$inst" reload >/dev/null 2>&1
	sample_rss "$tmp/tern.rss" sh -c "for p in /proc/[0-9]*; do [ \"\$(readlink \$p/exe)\" = '$tern_bin/qmgr' ] && echo \${p#/proc/}; done" &
	rss_pid=$!
	set -- $(wait_live tern "$t0")
	kill "$rss_pid" 2>/dev/null
	echo "tern: $2 of $live live messages out in $1 ms; qmgr peak RSS $(cat "$tmp/tern.rss") kB"
	echo "tern $1 $(cat "$tmp/tern.rss") $2" >>"$tmp/results"
	inst_stop "$tern_bin" "$inst"
	inst=
}

run_postfix() {
	local t0 ms rss_pid
	postfix status >/dev/null 2>&1 || started_postfix=1
	# The measure counts files at the sink: nothing else may be queued.
	postsuper -d ALL >/dev/null 2>&1 || true
	pf_saved=$tmp/postfix-main.cf
	cp /etc/postfix/main.cf "$pf_saved"
	cp /etc/postfix/master.cf "$pf_saved.master"
	# Debian runs smtp chrooted, where /etc/hosts is not: not for the run.
	postconf -F smtp/unix/chroot=n relay/unix/chroot=n
	hosts_saved=$tmp/hosts.orig
	cp /etc/hosts "$hosts_saved"
	cat "$tmp/hosts" >>/etc/hosts
	cp "$tmp/transport" /etc/postfix/tern-scale-transport
	postmap /etc/postfix/tern-scale-transport
	postconf -e "transport_maps = hash:/etc/postfix/tern-scale-transport" \
		"default_transport = smtp" "relay_transport = relay" \
		"in_flow_delay = 0" "defer_transports = smtp" \
		"smtp_dns_support_level = disabled"
	[ -z "${POSTFIX_SET:-}" ] || postconf -e $POSTFIX_SET
	if [ -n "$started_postfix" ]; then postfix start >/dev/null 2>&1; else postfix reload >/dev/null 2>&1; fi
	sleep 1
	say "postfix: queueing $count messages (defer_transports = smtp)"
	python3 "$top/bench/relay_inject.py" 25 "$count" "$domains" "$sessions" ||
		die "postfix: injection failed"
	find "$sinkdir/new" -type f -delete
	postconf -e "defer_transports ="
	t0=$(now_ms)
	postfix reload >/dev/null 2>&1
	postqueue -f
	sample_rss "$tmp/postfix.rss" sh -c "for p in /proc/[0-9]*; do [ \"\$(readlink \$p/exe)\" = /usr/lib/postfix/sbin/qmgr ] && echo \${p#/proc/}; done" &
	rss_pid=$!
	set -- $(wait_live postfix "$t0")
	kill "$rss_pid" 2>/dev/null
	echo "postfix: $2 of $live live messages out in $1 ms; qmgr peak RSS $(cat "$tmp/postfix.rss") kB"
	echo "postfix $1 $(cat "$tmp/postfix.rss") $2" >>"$tmp/results"
	# Postfix as it was, at once: not only when the script ends.
	cp "$pf_saved" /etc/postfix/main.cf
	cp "$pf_saved.master" /etc/postfix/master.cf
	postsuper -d ALL >/dev/null 2>&1
	postfix reload >/dev/null 2>&1
	pf_saved=
	rm -f /etc/postfix/tern-scale-transport /etc/postfix/tern-scale-transport.db
	cp "$hosts_saved" /etc/hosts
	hosts_saved=
}

[ "$only" = tern ] || run_postfix
[ "$only" = postfix ] || run_tern
awk -v live="$live" '{ t[$1] = $2; m[$1] = $3; n[$1] = $4 } END {
	if (n["tern"] == live && n["postfix"] == live)
		printf "time to clear live mail: postfix %d ms, tern %d ms, speed %.2f\n",
			t["postfix"], t["tern"], t["postfix"] / t["tern"]
	else if (t["tern"] && t["postfix"])
		printf "live mail out per second: postfix %.1f (%d in %d ms), tern %.1f (%d in %d ms), speed %.2f\n",
			n["postfix"] * 1000 / t["postfix"], n["postfix"], t["postfix"],
			n["tern"] * 1000 / t["tern"], n["tern"], t["tern"],
			(n["tern"] / t["tern"]) / (n["postfix"] / t["postfix"])
	if (m["tern"] && m["postfix"])
		printf "qmgr peak RSS: postfix %d kB, tern %d kB, ratio %.2f\n",
			m["postfix"], m["tern"], m["tern"] / m["postfix"]
}' "$tmp/results"
