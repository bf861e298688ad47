#!/bin/bash
# pop3_bench.sh - POP3 of tern beside Dovecot, in one run.
#
# 1. One session LISTs and RETRieves every message of a 5000-message Maildir
#    (login, STAT, LIST, RETR 1..5000, QUIT), timed by
#    ../shared/bench/mailbox_bench.py (used in place) against Dovecot and
#    tern alternately, run by run; each run starts from a fresh copy of the
#    same pristine Maildir (../shared/bench/make_pristine_maildir.sh: 5000 x
#    4 KiB delivered by Postfix), then a "cold" and a "warm" session.  tern
#    gets the messages under the names its `local` writes (",S=,W=" added,
#    content byte for byte the same); "tern-foreign" gets Postfix's names
#    unchanged, so it must read every file once to count its octets.
#    Dovecot runs twice per round: as the shared setup configures it (user
#    "bench", a {PLAIN} password: no hashing at all, its fastest login)
#    and as "dovecot-samehash", a second passwd-file user for the same
#    Maildir whose password is the very yescrypt hash `mailctl user add`
#    made for tern's user ({CRYPT}, the system's crypt(3) as tern's auth
#    uses it).  The second is the like-for-like comparison: the same work
#    to verify the password on both sides.
# 2. Memory per idle authenticated POP3 connection: IDLE_CONNS sessions log
#    in and sit in the TRANSACTION state on a 10-message mailbox; the sum
#    of RSS and of PSS of each server's processes (by executable path and
#    process tree) before and after, divided by the count (bench/pop3_idle.py
#    with ../shared/bench/procmem.py).  Dovecot's sessions share one user
#    (it allows that); tern locks the maildrop per session (RFC 1939), so
#    each of its connections has its own user with the same 10 messages.
#
#   sudo bench/pop3_bench.sh
#
# Environment: RUNS (3; 0: only the idle test)  IDLE_CONNS (100; 0: no idle
#   test)  FOREIGN (1; 0: no tern-foreign-names runs)  PORT_BASE  NO_MAKE=1
#   KEEP=1  QUIET_GATE (1; 0: start each session without waiting for the
#   machine to be quiet, as mailbox_bench.py otherwise does for up to 3 min)
#   PRISTINE (/home/bench/.pristine-Maildir-5000)
#
# Needs root (Dovecot, mailctl init's system users, /proc of other users).
# Loopback only.  What this script started it stops again (Dovecot and
# Postfix with their own stop commands, tern with mailctl stop); ~bench's
# Maildir is left as a fresh copy of the pristine one, and the
# dovecot-samehash line is taken out of /etc/dovecot/bench.passwd again.
# Results: bench/results/pop3-<time>.jsonl (with the servers' CPU time per
# session, bench/proc_cpu.py), and the summary on stdout.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$(dirname "$top")/shared/bench" && pwd)
runs=${RUNS:-3}
idle_conns=${IDLE_CONNS:-100}
foreign=${FOREIGN:-1}
dov_passwd=/etc/dovecot/bench.passwd
dov_same=tern-samehash
pristine=${PRISTINE:-/home/bench/.pristine-Maildir-5000}
tern_bin=$top/bin
. "$top/tests/integration/instance.sh"

die() { echo "pop3_bench: $*" >&2; exit 1; }
say() { echo "pop3_bench: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$shared/mailbox_bench.py" ] || die "$shared/mailbox_bench.py not found"

stamp=$(date +%Y%m%d-%H%M%S)
resdir=$top/bench/results
mkdir -p "$resdir"
json=$resdir/pop3-$stamp.jsonl

tmp=
inst=
started_postfix=
started_dovecot=
cleanup() {
	set +e
	[ -n "$inst" ] && inst_stop "$tern_bin" "$inst"
	[ -d "$pristine/new" ] && "$shared/reset_maildir.sh" "$pristine" /home/bench/Maildir bench:bench >/dev/null 2>&1
	[ -n "$started_postfix" ] && postfix stop >/dev/null 2>&1
	[ -f "$dov_passwd" ] && sed -i "/^$dov_same:/d" "$dov_passwd"
	[ -n "$started_dovecot" ] && doveadm stop >/dev/null 2>&1
	if [ -n "$tmp" ]; then
		if [ -n "${KEEP:-}" ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tern build -------------------------------------------------------------
if [ -z "${NO_MAKE:-}" ]; then
	for i in 1 2 3; do
		make -s -C "$top" >"$resdir/pop3-$stamp.make.log" 2>&1 && break
		[ $i = 3 ] && die "make failed, see $resdir/pop3-$stamp.make.log"
		sleep 10
	done
	rm -f "$resdir/pop3-$stamp.make.log"
fi
for p in master mailctl auth pop3d pop3d-session; do
	[ -x "$tern_bin/$p" ] || die "$tern_bin/$p missing (make)"
done

# ---- Dovecot (and Postfix only to make the pristine Maildir) ---------------
dovecot_ready() {
	id bench >/dev/null 2>&1 && [ -f /etc/dovecot/bench.passwd ] &&
		grep -q '^protocols = imap pop3' /etc/dovecot/dovecot.conf
}
if ! dovecot_ready; then
	# tern's deps.sh installs Postfix (for smtp-source) with "No
	# configuration", and debconf answers given later do not reach an
	# installed package: give it the "Local only" main.cf that
	# setup_debian.sh edits.
	if [ -d /etc/postfix ] && [ ! -f /etc/postfix/main.cf ]; then
		echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
		echo "postfix postfix/mailname string localhost" | debconf-set-selections
		DEBIAN_FRONTEND=noninteractive dpkg-reconfigure postfix \
			>"$resdir/pop3-$stamp.postfix.log" 2>&1 ||
			die "dpkg-reconfigure postfix failed, see $resdir/pop3-$stamp.postfix.log"
	fi
	say "setting up Dovecot with $shared/setup_debian.sh (apt-get; loopback only)"
	"$shared/setup_debian.sh" >"$resdir/pop3-$stamp.setup.log" 2>&1 ||
		die "setup_debian.sh failed, see $resdir/pop3-$stamp.setup.log"
fi
if [ ! -d "$pristine/new" ] || [ "$(ls "$pristine/new" | wc -l)" -lt 5000 ]; then
	say "making $pristine with make_pristine_maildir.sh (Postfix delivers 5000 x 4 KiB)"
	postfix status >/dev/null 2>&1 || { postfix start >/dev/null 2>&1; started_postfix=1; }
	"$shared/make_pristine_maildir.sh" "$pristine" 25 >"$resdir/pop3-$stamp.pristine.log" 2>&1 ||
		die "make_pristine_maildir.sh failed, see $resdir/pop3-$stamp.pristine.log"
	if [ -n "$started_postfix" ]; then postfix stop >/dev/null 2>&1 || true; started_postfix=; fi
fi
if ! { [ -f /run/dovecot/master.pid ] && kill -0 "$(cat /run/dovecot/master.pid)" 2>/dev/null; }; then
	dovecot || die "dovecot did not start"
	started_dovecot=1
fi
for i in $(seq 1 50); do
	ss -Htln 'sport = :110' | grep -q '127\.0\.0\.1:110' && break
	sleep 0.1
done
ss -Htln 'sport = :110' | grep -q . || die "Dovecot is not listening on 127.0.0.1:110"

# ---- tern instance ------------------------------------------------------------
# Made as the tests make theirs (tests/integration/instance.sh), with
# only the services a POP3 session needs.
pb=${PORT_BASE:-$(inst_free_port_base)} || die "no free port base"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-pop3bench.XXXXXX")
inst=$tmp/inst
inst_only "$tern_bin" "$inst" "$pb" pop3 pop3-session auth || die "no instance"
echo "default_process_limit = $((idle_conns + 50))" >>"$inst/main.conf"
tport=$((pb + 110))
for u in bench $(seq -f 'idle%g' 1 "$idle_conns" 2>/dev/null); do
	echo "$u@localhost benchpass"
done >"$tmp/users.txt"
while read -r u pw; do
	echo "$pw" | "$tern_bin/mailctl" -c "$inst" user add "$u" --password-stdin \
		>>"$tmp/user.out" 2>&1 || die "mailctl user add $u: $(tail -n 3 "$tmp/user.out")"
done <"$tmp/users.txt"
owner=$(stat -c %u:%g "$inst/mail")
tmaildir=$inst/mail/localhost/bench
mkdir -p "$tmp/small/new"
for f in $(ls "$pristine/new" | sort | sed -n 1,10p); do cp -a "$pristine/new/$f" "$tmp/small/new/"; done
for i in $(seq 1 "$idle_conns"); do
	"$top/bench/pop3_maildir.py" "$tmp/small" "$inst/mail/localhost/idle$i" "$owner" >/dev/null
done
mkdir -p "$inst/mail/localhost"
chown "$owner" "$inst/mail/localhost"
"$tern_bin/mailctl" -c "$inst" start >"$tmp/start.out" 2>&1 ||
	die "mailctl start: $(cat "$tmp/start.out")"
inst_wait_listen "$tport" || die "tern pop3d not listening on $tport"

# The same hash for Dovecot's second user; its passwd-file is re-read
# when it changes.
hash=$(awk '$1 == "bench@localhost" { print $2 }' "$inst/users")
case $hash in '$'*) ;; *) die "no crypt hash for bench@localhost in $inst/users" ;; esac
bench_ids=$(awk -F: '$1 == "bench" { print $3 ":" $4 ":" $5 ":" $6 }' "$dov_passwd")
[ -n "$bench_ids" ] || die "no user bench in $dov_passwd"
sed -i "/^$dov_same:/d" "$dov_passwd"
echo "$dov_same:{CRYPT}$hash:$bench_ids::" >>"$dov_passwd"

rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD -- pop3d lib 2>/dev/null || rev="$rev+dirty"
say "tern $rev on 127.0.0.1:$tport; Dovecot $(dovecot --version | cut -d' ' -f1) on 127.0.0.1:110; $runs runs"

# ---- 1. LIST + RETR of 5000 messages, alternately --------------------------
dov_common=(--user bench --password benchpass --pop3-port 110 --runs 1 --tests pop3
	--proc-exe-prefix /usr/lib/dovecot/ --proc-exe-prefix /usr/sbin/dovecot
	--root-pidfile /run/dovecot/master.pid --json "$json")
gate=()
[ "${QUIET_GATE:-1}" = 0 ] && gate=(--no-quiet-gate)
dov_common+=("${gate[@]}")
tern_common=("${gate[@]}" --user bench@localhost --password benchpass --pop3-port "$tport" --runs 1
	--tests pop3 --proc-exe-prefix "$tern_bin/" --root-pidfile "$inst/queue/pid/master.pid"
	--json "$json")
dov_reset="$shared/reset_maildir.sh $pristine /home/bench/Maildir bench:bench"
dov_cpu="/usr/lib/dovecot/ /usr/sbin/dovecot"
# sessions LABEL RESET CPU_PREFIXES ARGS...: the cold session on a fresh
# copy (RESET), then the warm one, each with the CPU time the server's
# processes (executables under CPU_PREFIXES) spent meanwhile, recorded as
# test "pop3-cpu" beside mailbox_bench.py's records.
sessions() {
	local label=$1 reset=$2 cpu=$3 c0 c1 phase
	shift 3
	for phase in cold warm; do
		c0=$("$top/bench/proc_cpu.py" $cpu)
		if [ "$phase" = cold ]; then
			"$shared/mailbox_bench.py" "$@" --label "$label" --phases cold \
				--reset-cmd "$reset"
		else
			"$shared/mailbox_bench.py" "$@" --label "$label" --phases warm
		fi | grep POP3
		c1=$("$top/bench/proc_cpu.py" $cpu)
		printf '{"label": "%s", "test": "pop3-cpu", "phase": "%s", "run": %d, "server_cpu_s": %s}\n' \
			"$label" "$phase" "$r" "$(python3 -c "print(round($c1 - $c0, 2))")" >>"$json"
	done
}
for r in $(seq 1 "$runs"); do
	sessions dovecot "$dov_reset" "$dov_cpu" "${dov_common[@]}"
	sessions dovecot-samehash "$dov_reset" "$dov_cpu" "${dov_common[@]}" --user "$dov_same"
	sessions tern "$top/bench/pop3_maildir.py $pristine $tmaildir $owner" "$tern_bin/" \
		"${tern_common[@]}"
	[ "$foreign" = 0 ] && continue
	sessions tern-foreign-names \
		"$top/bench/pop3_maildir.py --names keep $pristine $tmaildir $owner" "$tern_bin/" \
		"${tern_common[@]}"
done

# ---- 2. memory per idle authenticated connection -----------------------------
# ~bench/Maildir is shared with the other benchmarks: retry a reset that
# raced with a delivery.
[ "$idle_conns" -gt 0 ] && for i in 1 2 3; do
	"$shared/reset_maildir.sh" "$tmp/small" /home/bench/Maildir bench:bench && break
	[ $i = 3 ] && die "cannot reset /home/bench/Maildir (another benchmark delivering?)"
	sleep 5
done
if [ "$idle_conns" -gt 0 ]; then
	"$top/bench/pop3_idle.py" --port 110 --user-fmt bench --password benchpass \
		--conns "$idle_conns" --proc-exe-prefix /usr/lib/dovecot/ \
		--proc-exe-prefix /usr/sbin/dovecot --root-pidfile /run/dovecot/master.pid \
		--conn-proc-name pop3 --label dovecot --json "$json"
	sleep 3
	"$top/bench/pop3_idle.py" --port "$tport" --user-fmt 'idle%d@localhost' \
		--password benchpass --conns "$idle_conns" --proc-exe-prefix "$tern_bin/" \
		--root-pidfile "$inst/queue/pid/master.pid" --conn-proc-name pop3d-session \
		--label tern --json "$json"
fi

# ---- summary -------------------------------------------------------------------
# speed = peer time / tern time (the issues' measure: > 1, tern is faster),
# as the ratio of the medians and as the median of the ratios of each
# round's pair (taken seconds apart, so they share the machine's load).
python3 - "$json" <<'EOF'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def vals(label, test, key, phase=None):
    # a session that saw fewer than 5000 messages raced with another
    # benchmark using ~bench/Maildir: left out (None keeps the pairing)
    return [r.get(key) if (test != "pop3" or r.get("msgs") == 5000) else None
            for r in recs if r.get("label") == label and r.get("test") == test
            and (phase is None or r.get("phase") == phase)]
def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None
print("==== POP3: speed = peer time / tern time (> 1: tern is faster) ====")
for phase in ("cold", "warm"):
    for key, unit, scale in (("login_s", "ms", 1e3), ("list_s", "ms", 1e3),
                             ("retr_s", "s", 1), ("total_s", "s", 1)):
        for peer in ("dovecot", "dovecot-samehash"):
            dv = vals(peer, "pop3", key, phase)
            for label in ("tern", "tern-foreign-names"):
                tv = vals(label, "pop3", key, phase)
                d, t = med(dv), med(tv)
                if d is None or t is None:
                    continue
                pairs = med([a / b for a, b in zip(dv, tv) if a and b])
                print(f"{phase:4} {key:8} {peer:16} {d*scale:8.3f} {unit:2}  {label:18}"
                      f" {t*scale:8.3f} {unit:2}  speed {d/t:5.2f} (paired {pairs:5.2f})")
print("==== POP3: CPU seconds per session, medians (server: all its processes) ====")
for phase in ("cold", "warm"):
    for label in ("dovecot", "dovecot-samehash", "tern", "tern-foreign-names"):
        srv = med(vals(label, "pop3-cpu", "server_cpu_s", phase))
        cli = med(vals(label, "pop3", "retr_cpu", phase))
        wall = med(vals(label, "pop3", "total_s", phase))
        if srv is None or cli is None:
            continue
        print(f"{phase:4} {label:18} server {srv:6.3f} s  client (RETR loop) {cli:6.3f} s"
              f"  session wall {wall:6.3f} s")
for key in ("rss_added_per_conn_kb", "pss_added_per_conn_kb"):
    d = med(vals("dovecot", "pop3-idle", key))
    t = med(vals("tern", "pop3-idle", key))
    if d and t:
        print(f"idle {key:24} dovecot {d:8.0f} KiB  tern {t:8.0f} KiB  ratio {t/d:5.2f}")
EOF
say "records in $json"
