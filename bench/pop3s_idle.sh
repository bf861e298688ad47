#!/bin/bash
# pop3s_idle.sh - memory per idle logged-in POP3S connection of tern, with
# its login processes in the many-clients mode (login_client_limit).
#
# CONNS (200) POP3S clients log in, each as its own user on an empty
# Maildir (tern locks the maildrop per session), and stay idle; the sum of
# PSS (and RSS) of every process of the instance, by executable path and
# process tree, before and after, divided by the count (bench/pop3_idle.py
# --ssl with ../shared/bench/procmem.py).  Then the same for Dovecot's
# POP3S in its high-performance mode (../shared/bench/README.md): a second
# Dovecot made from the peers' /etc/dovecot/dovecot.conf (setup_debian.sh)
# with the README's login settings, on its own base_dir and ports, user
# idle; the system's Dovecot is not touched.  Both figures and the ratio
# come from one run.
#
#   sudo bench/pop3s_idle.sh
#
# Environment: CONNS (200)  LOGIN_CLIENT_LIMIT (the default of main.conf
#   when unset)  PORT_BASE  NO_MAKE=1  KEEP=1  NO_DOVECOT=1 (tern only)
# Needs root (mailctl init's system users, /proc of other users).
# Loopback only; stops the instance it started.
# Results: bench/results/pop3s-idle-<time>.jsonl, and a line on stdout.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
conns=${CONNS:-200}
tern_bin=$top/bin
. "$top/tests/integration/instance.sh"
inst=
die() { echo "pop3s_idle.sh: $*" >&2; exit 1; }
cleanup() {
	[ -n "$inst" ] && inst_stop "$tern_bin" "$inst"
	[ -n "${dconf:-}" ] && doveadm -c "$dconf" stop >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "${tmp:-/nonexistent}"
}
trap cleanup EXIT
[ -n "${NO_MAKE:-}" ] || make -C "$top" -j2 >/dev/null
resdir=$top/bench/results
mkdir -p "$resdir"
json=$resdir/pop3s-idle-$(date +%Y%m%d-%H%M%S).jsonl

pb=${PORT_BASE:-$(inst_free_port_base)} || die "no free port base"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tern-pop3sidle.XXXXXX")
inst=$tmp/inst
inst_only "$tern_bin" "$inst" "$pb" pop3s pop3-session auth || die "no instance"
echo "default_process_limit = $((conns + 50))" >>"$inst/main.conf"
[ -z "${LOGIN_CLIENT_LIMIT:-}" ] ||
	echo "login_client_limit = $LOGIN_CLIENT_LIMIT" >>"$inst/main.conf"
for i in $(seq 1 "$conns"); do
	echo benchpass | "$tern_bin/mailctl" -c "$inst" user add "idle$i@localhost" \
		--password-stdin >>"$tmp/user.out" 2>&1 || die "mailctl user add idle$i"
	mkdir -p "$inst/mail/localhost/idle$i/new" "$inst/mail/localhost/idle$i/cur" \
		"$inst/mail/localhost/idle$i/tmp"
done
chown -R "$(stat -c %u:%g "$inst/mail")" "$inst/mail/localhost"
"$tern_bin/mailctl" -c "$inst" start >"$tmp/start.out" 2>&1 ||
	die "mailctl start: $(cat "$tmp/start.out")"
port=$((pb + 995))
inst_wait_listen "$port" || die "pop3s not listening on $port"
"$top/bench/pop3_idle.py" --ssl --port "$port" --user-fmt 'idle%d@localhost' \
	--password benchpass --conns "$conns" --proc-exe-prefix "$tern_bin/" \
	--root-pidfile "$inst/queue/pid/master.pid" --conn-proc-name pop3d \
	--label "tern-limit-${LOGIN_CLIENT_LIMIT:-default}" --json "$json"
inst_stop "$tern_bin" "$inst"
inst=

# ---- Dovecot, high-performance login mode --------------------------------------
[ -z "${NO_DOVECOT:-}" ] || exit 0
[ -r /etc/dovecot/dovecot.conf ] && grep -q '^idle:' /etc/dovecot/bench.passwd 2>/dev/null ||
	die "no peer Dovecot (run ../shared/bench/setup_debian.sh), or NO_DOVECOT=1"
dport=$((pb + 1000 + 995))
mkdir -m 0755 "$tmp/dovecot"
dconf=$tmp/dovecot/dovecot.conf
# Its own ports (143/993/110/995 + pb + 1000) and run directory; the
# README's settings on both login services.
awk -v off=$((pb + 1000)) -v logf="$tmp/dovecot/log" '
	/^ *port = (143|993|110|995)$/ { sub(/[0-9]+$/, $3 + off) }
	/^(info_)?log_path = / { sub(/=.*/, "= " logf) }
	{ print }
	/^service (imap|pop3)-login \{/ {
		print "  service_count = 0"; print "  client_limit = 1000"
		print "  process_min_avail = 2" }' /etc/dovecot/dovecot.conf >"$dconf"
printf 'base_dir = %s/dovecot/run\ninstance_name = tern-bench-%s\n' "$tmp" "$$" >>"$dconf"
grep -q "port = $dport\$" "$dconf" || die "cannot move Dovecot's pop3s port in $dconf"
dovecot -c "$dconf" || die "dovecot -c $dconf did not start"
inst_wait_listen "$dport" || die "Dovecot not listening on $dport"
sleep 2		# process_min_avail login processes
"$top/bench/pop3_idle.py" --ssl --port "$dport" --user-fmt idle \
	--password idlepass --conns "$conns" --proc-exe-prefix /usr/lib/dovecot/ \
	--proc-exe-prefix /usr/sbin/dovecot --root-pidfile "$tmp/dovecot/run/master.pid" \
	--conn-proc-name pop3 --label dovecot-hp --json "$json"
doveadm -c "$dconf" stop >/dev/null 2>&1
dconf=

python3 - "$json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pss = {r.get("label"): r.get("pss_added_per_conn_kb") for r in rows}
t = next((v for k, v in pss.items() if k and k.startswith("tern")), None)
d = pss.get("dovecot-hp")
if t and d:
    print("PSS per idle POP3S connection: tern %.0f KiB, Dovecot HP %.0f KiB: "
          "tern / Dovecot = %.2f (goal <= 0.5)" % (t, d, t / d))
else:
    print("no ratio: labels and fields seen: %s" % pss)
PY
