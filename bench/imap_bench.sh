#!/bin/bash
# imap_bench.sh - IMAP of tern beside Dovecot, in one run (issue 14,
# Performance).
#
# Both servers get the same generated mailboxes (bench/imap_mailbox_bench.py
# gen: COUNT messages of SIZE bytes, named as tern's `local` names
# them, ",S=,W=" included, which Dovecot's Maildir reads the same way) and
# are measured alternately, run by run, by bench/imap_mailbox_bench.py:
#
# 1. Per run, per server, two sessions on a fresh copy of the mailbox:
#    cold: a fresh copy of the Maildir (message files only: neither tern's
#          index and UID list nor Dovecot's dovecot.index*, dovecot-uidlist
#          exist, so each server builds them), then sync and
#          `echo 3 > /proc/sys/vm/drop_caches` (the page cache holds neither
#          the messages nor the directory); times SELECT INBOX and
#          UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE).
#    warm: the next session: index built, page cache as the cold session
#          left it; times SELECT, the same UID FETCH, FETCH 1:* BODY.PEEK[],
#          SEARCH BODY <word> (in 1% of the messages), SEARCH FROM <name>
#          (2%) and STORE 1:* +FLAGS (\Seen), in that order.
# 2. BIG messages (100,000): SELECT and the metadata FETCH, cold as above
#    and warm (the next session), once per server: how the cost grows.
# 3. Memory per idle authenticated connection: IDLE_CONNS clients log in
#    (plaintext on 143, then TLS on 993) to an empty INBOX and stay idle;
#    the RSS and PSS of every process of the server (by executable path
#    and process tree: for tern every program of bin/, the login processes
#    that relay TLS among them; for Dovecot everything under
#    /usr/lib/dovecot/ and /usr/sbin/dovecot) summed before and after,
#    divided by IDLE_CONNS.
# 4. imaptest's stress mode, STRESS_CLIENTS clients for STRESS_SECS s on a
#    user of its own (../shared/tools/imaptest: commands/s and errors).
#    Its clients log in again and again, so Dovecot runs it twice: as
#    "dovecot-samehash", a user whose password is the crypt hash tern's
#    user has (the like-for-like comparison), and as "dovecot", {PLAIN}.
#
# Dovecot runs in its best configuration: a private copy of
# ../shared/bench/dovecot-bench.conf with the high-performance login mode
# of ../shared/bench/README.md (service_count = 0, client_limit = 1000,
# process_min_avail = 2 on imap-login), its own base_dir, users, TLS pair
# and loopback ports (PORT_BASE + 1000 + 143 / 993), started with
# `dovecot -c FILE`; the system's Dovecot and its configuration are never
# touched.  Dovecot is installed when missing (with a policy-rc.d, so the
# package starts no service).  tern is a throw-away instance
# (tests/integration/instance.sh) with only imap, imaps, imap-session and
# auth.  Passwords: Dovecot {PLAIN}, tern its crypt hash (login time is not
# among the figures).
#
#   sudo bench/imap_bench.sh
#   sudo COUNT=500 BIG=2000 IDLE_CONNS=20 STRESS_SECS=10 RUNS=1 bench/imap_bench.sh
#
# Environment: RUNS (3)  COUNT (5000)  SIZE (4096)  BIG (100000; 0: none)
#   IDLE_CONNS (200; 0: none)  STRESS_SECS (60; 0: none)  STRESS_CLIENTS (10)
#   TERN_BIN (bin/)  IMAPTEST (build/imaptest, built by ../shared/tools/imaptest/build.sh
#   when missing)  QUIET_PCT (15: wait up to 60 s for a quiet machine before
#   each measurement; 0: do not wait)  PORT_BASE  NO_MAKE=1  KEEP=1
#
# Needs root (drop_caches, mailctl init's system users, /proc of other
# users, Dovecot's master).  Loopback only.  What it started it stops
# (tern with mailctl stop, its Dovecot with doveadm -c FILE stop).
# Results: bench/results/imap-<time>.jsonl; the summary on stdout: each
# line with Dovecot's figure, tern's and the ratio.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$(dirname "$top")/shared/bench" && pwd)
runs=${RUNS:-3}
count=${COUNT:-5000}
size=${SIZE:-4096}
big=${BIG:-100000}
idle_conns=${IDLE_CONNS:-200}
stress_secs=${STRESS_SECS:-60}
stress_clients=${STRESS_CLIENTS:-10}
imaptest=${IMAPTEST:-$top/build/imaptest}
quiet=${QUIET_PCT:-15}
tern_bin=${TERN_BIN:-$top/bin}
drv=$top/bench/imap_mailbox_bench.py
. "$top/tests/integration/instance.sh"

die() { echo "imap_bench: $*" >&2; exit 1; }
say() { echo "imap_bench: $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root"
[ -f "$shared/reset_maildir.sh" ] || die "$shared/reset_maildir.sh not found"

stamp=$(date +%Y%m%d-%H%M%S)
resdir=$top/bench/results
mkdir -p "$resdir"
json=$resdir/imap-$stamp.jsonl

tmp=
inst=
dconf=
cleanup() {
	set +e
	[ -n "$inst" ] && inst_stop "$tern_bin" "$inst"
	[ -n "$dconf" ] && doveadm -c "$dconf" stop >/dev/null 2>&1
	if [ -n "$tmp" ]; then
		if [ -n "${KEEP:-}" ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tern build, Dovecot and imaptest -------------------------------------
if [ -z "${NO_MAKE:-}" ]; then
	make -s -C "$top" -j2 >"$resdir/imap-$stamp.make.log" 2>&1 ||
		die "make failed, see $resdir/imap-$stamp.make.log"
	rm -f "$resdir/imap-$stamp.make.log"
fi
for p in master mailctl auth imapd imapd-session; do
	[ -x "$tern_bin/$p" ] || die "$tern_bin/$p missing (make)"
done
if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/dovecot/imap ]; then
	say "installing Dovecot (dovecot-core, dovecot-imapd; no service started)"
	own_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		own_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-core dovecot-imapd \
		>"$resdir/imap-$stamp.apt.log" 2>&1 || die "apt-get failed, see $resdir/imap-$stamp.apt.log"
	[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
fi
if [ "$stress_secs" -gt 0 ] && [ ! -x "$imaptest/imaptest-stress" ]; then
	say "building imaptest into $imaptest (../shared/tools/imaptest/build.sh)"
	"$top/../shared/tools/imaptest/build.sh" "$imaptest" >"$resdir/imap-$stamp.imaptest.log" 2>&1 ||
		die "imaptest build failed, see $resdir/imap-$stamp.imaptest.log"
fi

# ---- tern instance -----------------------------------------------------------
pb=${PORT_BASE:-$(inst_free_port_base)} || die "no free port base"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-imapbench.XXXXXX")
inst=$tmp/inst
inst_only "$tern_bin" "$inst" "$pb" imap imaps imap-session auth || die "no instance"
echo "default_process_limit = $((idle_conns + 50))" >>"$inst/main.conf"
for u in bench big idle stress; do
	echo benchpass | "$tern_bin/mailctl" -c "$inst" user add "$u@localhost" --password-stdin \
		>>"$tmp/user.out" 2>&1 || die "mailctl user add $u: $(tail -n 3 "$tmp/user.out")"
done
owner=$(stat -c %u:%g "$inst/mail")
tmail=$inst/mail/localhost
mkdir -p "$tmail"
chown "$owner" "$tmail"
"$tern_bin/mailctl" -c "$inst" start >"$tmp/start.out" 2>&1 ||
	die "mailctl start: $(cat "$tmp/start.out")"
tport=$((pb + 143))
tsport=$((pb + 993))
inst_wait_listen "$tport" && inst_wait_listen "$tsport" || die "tern imapd not listening on $tport/$tsport"

# ---- the mailboxes -------------------------------------------------------------
say "generating $count messages, and $big for the large mailbox"
"$drv" gen "$tmp/pristine" --count "$count" --size "$size" --owner "$owner" >/dev/null
[ "$big" -gt 0 ] && "$drv" gen "$tmp/pristine-big" --count "$big" --size "$size" --owner "$owner" >/dev/null
mkdir -p "$tmp/empty/new" "$tmp/empty/cur" "$tmp/empty/tmp"
reset() { "$shared/reset_maildir.sh" "$1" "$2" "$owner"; }

# ---- Dovecot, private copy, high-performance login mode ------------------------
dmail=$tmp/dovecot/home
mkdir -p -m 0755 "$tmp/dovecot" "$dmail"
dconf_f=$tmp/dovecot/dovecot.conf
doff=$((pb + 1000))
dport=$((doff + 143))
dsport=$((doff + 993))
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
	-keyout "$tmp/dovecot/key.pem" -out "$tmp/dovecot/cert.pem" 2>/dev/null
chmod 600 "$tmp/dovecot/key.pem"
uid=${owner%:*}
gid=${owner#*:}
# stress-samehash: the stress user's home with the very crypt hash
# `mailctl user add` made for tern's user, so that both verify the same
# password the same way (imaptest's stress clients log in again and again).
hash=$(awk '$1 == "stress@localhost" { print $2 }' "$inst/users")
case $hash in '$'*) ;; *) die "no crypt hash for stress@localhost in $inst/users" ;; esac
for u in bench big idle stress; do
	mkdir -p "$dmail/$u"
	echo "$u:{PLAIN}benchpass:$uid:$gid::$dmail/$u::"
done >"$tmp/dovecot/passwd"
echo "stress-samehash:{CRYPT}$hash:$uid:$gid::$dmail/stress::" >>"$tmp/dovecot/passwd"
chown -R "$owner" "$dmail"
chgrp dovecot "$tmp/dovecot/passwd"
chmod 640 "$tmp/dovecot/passwd"
awk -v off="$doff" -v d="$tmp/dovecot" -v uid="$uid" '
	/^protocols = / { $0 = "protocols = imap" }
	/^ *port = (143|993|110|995)$/ { sub(/[0-9]+$/, $3 + off) }
	/^(info_)?log_path = / { sub(/=.*/, "= " d "/log") }
	/^ssl_cert = / { $0 = "ssl_cert = <" d "/cert.pem" }
	/^ssl_key = / { $0 = "ssl_key = <" d "/key.pem" }
	/^first_valid_uid = / { $0 = "first_valid_uid = " uid }
	/args = .*bench\.passwd/ { sub(/\/etc\/dovecot\/bench\.passwd/, d "/passwd") }
	{ print }
	/^service imap-login \{/ {
		print "  service_count = 0"; print "  client_limit = 1000"
		print "  process_min_avail = 2" }' "$shared/dovecot-bench.conf" >"$dconf_f"
printf 'base_dir = %s/run\ninstance_name = tern-imapbench-%s\n' "$tmp/dovecot" "$$" >>"$dconf_f"
grep -q "port = $dsport\$" "$dconf_f" && grep -q "$tmp/dovecot/passwd" "$dconf_f" ||
	die "cannot make the private Dovecot configuration $dconf_f"
dovecot -c "$dconf_f" || die "dovecot -c $dconf_f did not start"
dconf=$dconf_f
inst_wait_listen "$dport" && inst_wait_listen "$dsport" || die "Dovecot not listening on $dport/$dsport"
sleep 2		# process_min_avail login processes

rev=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$top" diff --quiet HEAD -- imapd lib 2>/dev/null || rev="$rev+dirty"
say "tern $rev on 127.0.0.1:$tport/$tsport; Dovecot $(dovecot --version | cut -d' ' -f1)" \
	"on 127.0.0.1:$dport/$dsport; $count x $size B, $runs runs"
echo "{\"summary_info\": {\"tern\": \"$rev\", \"count\": $count, \"size\": $size, \"big\": $big}}" >>"$json"

dov=(--root-pidfile "$tmp/dovecot/run/master.pid" --quiet-pct "$quiet" --json "$json")
trn=(--root-pidfile "$inst/queue/pid/master.pid" --quiet-pct "$quiet" --json "$json")
# pair LABEL PORT USER MAILDIR PRISTINE COLD WARM ARGS...: a cold session
# on a fresh copy of PRISTINE in MAILDIR, then a warm one.
pair() {
	local label=$1 port=$2 user=$3 maildir=$4 src=$5 cold=$6 warm=$7
	shift 7
	"$drv" session --port "$port" --user "$user" --password benchpass --label "$label" \
		--phase "$cold" --reset-cmd "$shared/reset_maildir.sh $src $maildir $owner" \
		--drop-caches "$@"
	"$drv" session --port "$port" --user "$user" --password benchpass --label "$label" \
		--phase "$warm" "$@"
}

# ---- 1. the 5000-message mailbox, alternately ------------------------------
for r in $(seq 1 "$runs"); do
	pair dovecot "$dport" bench "$dmail/bench/Maildir" "$tmp/pristine" cold warm "${dov[@]}"
	pair tern "$tport" bench@localhost "$tmail/bench" "$tmp/pristine" cold warm "${trn[@]}"
done

# ---- 2. the large mailbox ------------------------------------------------------
if [ "$big" -gt 0 ]; then
	pair dovecot "$dport" big "$dmail/big/Maildir" "$tmp/pristine-big" big-cold big-warm "${dov[@]}"
	rm -rf "$dmail/big/Maildir"
	pair tern "$tport" big@localhost "$tmail/big" "$tmp/pristine-big" big-cold big-warm "${trn[@]}"
	rm -rf "$tmail/big" "$tmp/pristine-big"
fi

# ---- 3. memory per idle authenticated connection ---------------------------
# tern's master keeps a finished session's process for the next client:
# a fresh start before each measurement, so that every connection's
# processes are counted as new ones.
tern_restart() {
	inst_stop "$tern_bin" "$inst"
	"$tern_bin/mailctl" -c "$inst" start >"$tmp/start.out" 2>&1 ||
		die "mailctl start: $(cat "$tmp/start.out")"
	inst_wait_listen "$tport" && inst_wait_listen "$tsport" || die "tern imapd not listening again"
	sleep 1
}
if [ "$idle_conns" -gt 0 ]; then
	reset "$tmp/empty" "$dmail/idle/Maildir"
	reset "$tmp/empty" "$tmail/idle"
	for tls in "" --ssl; do
		"$drv" idle --port "$([ -n "$tls" ] && echo "$dsport" || echo "$dport")" $tls \
			--user idle --password benchpass --conns "$idle_conns" --label dovecot \
			--proc-exe-prefix /usr/lib/dovecot/ --proc-exe-prefix /usr/sbin/dovecot "${dov[@]}"
		sleep 2
		tern_restart
		"$drv" idle --port "$([ -n "$tls" ] && echo "$tsport" || echo "$tport")" $tls \
			--user idle@localhost --password benchpass --conns "$idle_conns" --label tern \
			--proc-exe-prefix "$tern_bin/" "${trn[@]}"
		sleep 2
	done
fi

# ---- 4. imaptest stress ----------------------------------------------------------
# stress PORT USER MAILDIR LABEL: imaptest-stress's summary line as a record.
stress() {
	local line
	reset "$tmp/empty" "$3"
	IMAPTEST_BIN=$imaptest/imaptest IMAPTEST_MBOX=$imaptest/stress.mbox \
		"$imaptest/imaptest-stress" 127.0.0.1 "$1" "$2" benchpass "$stress_secs" \
		"$stress_clients" >"$tmp/stress-$4.out" 2>&1 || true
	line=$(tail -n 1 "$tmp/stress-$4.out")
	echo "[$4] $line"
	python3 - "$4" "$line" "$stress_secs" "$stress_clients" >>"$json" <<'EOF'
import json, re, sys
m = re.search(r"(\d+) commands in \d+ s = (\d+) cmd/s, (\d+) errors", sys.argv[2])
print(json.dumps({"test": "stress", "label": sys.argv[1], "secs": int(sys.argv[3]),
                  "clients": int(sys.argv[4]),
                  "cmds_per_s": int(m.group(2)) if m else None,
                  "errors": int(m.group(3)) if m else None, "line": sys.argv[2]}))
EOF
}
if [ "$stress_secs" -gt 0 ]; then
	stress "$dport" stress-samehash "$dmail/stress/Maildir" dovecot-samehash
	stress "$dport" stress "$dmail/stress/Maildir" dovecot
	stress "$tport" stress@localhost "$tmail/stress" tern
fi

# ---- summary -------------------------------------------------------------------
python3 - "$json" <<'EOF'
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(label, test, key, phase=None):
    v = [r[key] for r in recs if r.get("label") == label and r.get("test") == test
         and (phase is None or r.get("phase") == phase) and r.get(key) is not None]
    return (statistics.median(v), min(v), max(v)) if v else None
def fmt(x, unit):
    return "%9.1f %-4s [%.1f-%.1f]" % (x[0], unit, x[1], x[2])
n = [r.get("exists") for r in recs if r.get("test") == "imap" and r.get("phase") == "cold"]
print("==== IMAP, %s messages: medians [min-max]; speed = Dovecot time / tern time "
      "(> 1: tern is faster) ====" % (n[0] if n else "?"))
rows = [("SELECT cold", "cold", "select"), ("SELECT warm", "warm", "select"),
        ("UID FETCH meta cold", "cold", "meta"), ("UID FETCH meta warm", "warm", "meta"),
        ("FETCH 1:* BODY.PEEK[]", "warm", "body"), ("SEARCH BODY word", "warm", "search_body"),
        ("SEARCH FROM name", "warm", "search_from"), ("STORE 1:* +FLAGS (\\Seen)", "warm", "store"),
        ("large: SELECT cold", "big-cold", "select"), ("large: SELECT warm", "big-warm", "select"),
        ("large: UID FETCH meta cold", "big-cold", "meta"),
        ("large: UID FETCH meta warm", "big-warm", "meta")]
scale = lambda x: tuple(v * 1e3 for v in x) if x else None
for name, phase, key in rows:
    d = scale(med("dovecot", "imap", key + "_s", phase))
    t = scale(med("tern", "imap", key + "_s", phase))
    if d and t:
        print("%-27s dovecot %s  tern %s  speed %5.2f" % (name, fmt(d, "ms"), fmt(t, "ms"), d[0] / t[0]))
big = [r.get("exists") for r in recs if r.get("phase") == "big-cold"]
if big:
    print("(large mailbox: %s messages, one run)" % big[0])
for test, what in (("imap-idle", "IMAP"), ("imaps-idle", "IMAPS")):
    for key, name in (("rss_added_per_conn_kb", "RSS"), ("pss_added_per_conn_kb", "PSS")):
        d = med("dovecot", test, key)
        t = med("tern", test, key)
        if d and t:
            print("idle %-5s %s per connection  dovecot %s  tern %s  tern/dovecot %5.2f"
                  % (what, name, fmt(d, "KiB"), fmt(t, "KiB"), t[0] / d[0]))
t = [r for r in recs if r.get("test") == "stress" and r.get("label") == "tern"]
for peer in ("dovecot-samehash", "dovecot"):
    d = [r for r in recs if r.get("test") == "stress" and r.get("label") == peer]
    if d and t and d[0]["cmds_per_s"] and t[0]["cmds_per_s"]:
        print("imaptest stress %d clients %d s  %s %d cmd/s (%d errors)  tern %d cmd/s "
              "(%d errors)  tern/dovecot %5.2f"
              % (d[0]["clients"], d[0]["secs"], peer, d[0]["cmds_per_s"], d[0]["errors"],
                 t[0]["cmds_per_s"], t[0]["errors"], t[0]["cmds_per_s"] / d[0]["cmds_per_s"]))
    elif d or t:
        print("imaptest stress: %s" % "; ".join("%s: %s" % (r["label"], r["line"]) for r in d + t))
# both servers must have done the same work
keys = ("exists", "meta_n", "search_body_n", "search_from_n", "store_n")
for phase in ("cold", "warm", "big-cold", "big-warm"):
    seen = {}
    for r in recs:
        if r.get("test") == "imap" and r.get("phase") == phase:
            seen.setdefault(tuple(r.get(k) for k in keys), set()).add(r["label"])
    if len(seen) > 1:
        print("WARNING %s: the servers' answers differ (%s): %s" % (phase, ", ".join(keys), seen))
EOF
say "records in $json"
