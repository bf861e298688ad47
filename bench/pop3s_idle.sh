#!/bin/bash
# pop3s_idle.sh - memory per idle logged-in POP3S connection of tern, with
# its login processes in the many-clients mode (login_client_limit).
#
# CONNS (200) POP3S clients log in, each as its own user on an empty
# Maildir (tern locks the maildrop per session), and stay idle; the sum of
# PSS (and RSS) of every process of the instance, by executable path and
# process tree, before and after, divided by the count (bench/pop3_idle.py
# --ssl with ../shared/bench/procmem.py).  The figure to compare with
# Dovecot's POP3S in its high-performance mode (../shared/bench/README.md).
# Measured 2026-12-07, 200 connections: tern 212 KiB PSS per connection
# (login_client_limit 100), 1332 KiB with 1; Dovecot 2.3 high-performance
# in the same run 606 KiB (a second Dovecot with the README's settings on
# its own base_dir and port, bench/pop3_idle.py --ssl, user idle).
#
#   sudo bench/pop3s_idle.sh
#
# Environment: CONNS (200)  LOGIN_CLIENT_LIMIT (the default of main.conf
#   when unset)  PORT_BASE  NO_MAKE=1  KEEP=1
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
inst_init "$tern_bin" "$inst" "$pb" >"$tmp/init.out" 2>&1 ||
	die "mailctl init: $(cat "$tmp/init.out")"
inst_disable_all "$inst"
inst_enable "$inst" pop3s pop3-session auth || die "cannot enable pop3s, pop3-session, auth"
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
