# lib.sh - the integration-test harness, sourced by every t_*.sh script.
#
# A test script does:
#     . "$(dirname "$0")/lib.sh"
#     t_instance                 # mailctl init in a fresh temporary directory
#     t_start                    # mailctl start; fails the test if it fails
#     ... drive real clients, assert with t_eq / t_match / t_file_has ...
#     t_done                     # prints "N passed, M failed", exit status
#
# Whatever happens, the EXIT trap stops the instance (by the pid in its pid
# file, never by process name) and removes the temporary directory; when an
# assertion failed it first shows the tail of the instance's maillog.
#
# Environment: TERN_BIN (programs; default bin/ of this tree), TERN_SAN=1
# under the sanitizer build (reports go to $T/san, checked by t_done),
# TERN_KEEP=1 keeps the temporary directory for a post-mortem.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)
TERN_BIN=${TERN_BIN:-$TOP/bin}
T_NAME=$(basename "$0" .sh)
T_PASSED=0
T_FAILED=0
T_SKIPPED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/tern-$T_NAME.XXXXXX")
# As root the daemons run as system users that must reach the instance.
chmod 755 "$T"
INST=
PB=

if [ "${TERN_SAN:-}" = 1 ]; then
	mkdir -p "$T/san"
	chmod 1777 "$T/san"
	export TERN_SAN_LOG_DIR="$T/san"
	export ASAN_OPTIONS="log_path=$T/san/asan:detect_leaks=0:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$T/san/ubsan:print_stacktrace=1:halt_on_error=1"
fi

t_log() { printf '%s\n' "$*" >&2; }

t_pass() {
	T_PASSED=$((T_PASSED + 1))
	printf 'ok   %s: %s\n' "$T_NAME" "$1"
}

t_fail() {
	T_FAILED=$((T_FAILED + 1))
	printf 'FAIL %s: %s\n' "$T_NAME" "$1"
	[ $# -gt 1 ] && printf '     %s\n' "$2"
	return 0
}

# t_setup DESCRIPTION: a precondition the following checks need was met.
# It is logged, never counted: a pass is an assertion about behaviour.
# (Not meeting it is a t_fail, since the checks after it prove nothing.)
t_setup() { printf 'setup %s: %s\n' "$T_NAME" "$1"; }

# A check that cannot run here (e.g. needs root) is a skip, never a pass.
t_skip() {
	T_SKIPPED=$((T_SKIPPED + 1))
	printf 'SKIP %s: %s\n' "$T_NAME" "$1"
}

t_is_root() { [ "$(id -u)" = 0 ]; }

# t_eq ACTUAL EXPECTED DESCRIPTION
t_eq() {
	if [ "$1" = "$2" ]; then t_pass "$3"
	else t_fail "$3" "got [$1], expected [$2]"; fi
}

# t_match TEXT EXTENDED-REGEX DESCRIPTION
t_match() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then t_pass "$3"
	else t_fail "$3" "[$(printf '%s' "$1" | head -c 600)] does not match /$2/"; fi
}

# t_nomatch TEXT EXTENDED-REGEX DESCRIPTION
t_nomatch() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		t_fail "$3" "[$(printf '%s' "$1" | head -c 600)] matches /$2/"
	else t_pass "$3"; fi
}

# t_file_has FILE EXTENDED-REGEX DESCRIPTION
t_file_has() {
	if [ -f "$1" ] && grep -Eq -- "$2" "$1"; then t_pass "$3"
	else t_fail "$3" "$1 has no line matching /$2/"; fi
}

# t_log_lacks DESCRIPTION USER SECRET...: no form of a secret that crossed
# the wire is in the maillog: each secret as typed, in base64 (AUTH LOGIN),
# and as SASL PLAIN's "\0USER\0SECRET" in base64 (the whole AUTH line).
# A missing or empty log fails: absence proves nothing there.
t_log_lacks() {
	local desc=$1 user=$2 s f
	shift 2
	if [ ! -s "$INST/log/maillog" ]; then
		t_fail "$desc" "no maillog to search ($INST/log/maillog)"
		return
	fi
	for s in "$@"; do
		for f in "$s" "$(printf '%s' "$s" | base64 -w0)" \
			 "$(printf '\0%s\0%s' "$user" "$s" | base64 -w0)"; do
			if grep -qF -- "$f" "$INST/log/maillog"; then
				t_fail "$desc" "the maillog holds \"$f\""
				return
			fi
		done
	done
	t_pass "$desc"
}

# t_wait SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
t_wait() {
	local limit=$(( $1 * 10 )) i=0
	shift
	while [ $i -lt "$limit" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# A port base whose seven service ports are all free on loopback.  The
# bases lie below the kernel's ephemeral range, so no client socket of
# another test (or of anything else) can hold one of the ports as its
# local end, which a listening check cannot see coming.
t_free_port_base() {
	local base p busy low span
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	low=${low:-32768}
	span=$(( (low - 1000 - 10000) / 1000 ))
	[ "$span" -ge 1 ] || span=1
	for _ in $(seq 1 50); do
		base=$(( (RANDOM % span + 10) * 1000 + (RANDOM % 4) * 10 ))
		busy=0
		for p in 25 110 143 465 587 993 995; do
			if ss -Htan "sport = :$((base + p))" 2>/dev/null | grep -q .; then
				busy=1; break
			fi
		done
		[ $busy = 0 ] && { echo "$base"; return 0; }
	done
	echo 30000
}

# mailctl against the test instance.
tmailctl() { "$TERN_BIN/mailctl" -c "$INST" "$@"; }

# t_instance [mailctl init options...]: creates $T/inst, sets INST and PB.
# The services init enables are commented out, so each test runs exactly
# the services it appends to master.conf; T_DEFAULT_SERVICES=1 keeps the
# suite as init made it.
t_instance() {
	INST=$T/inst
	PB=$(t_free_port_base)
	if ! "$TERN_BIN/mailctl" init "$INST" --port-base "$PB" "$@" \
			>"$T/init.out" 2>&1; then
		t_fail "mailctl init" "$(cat "$T/init.out")"
		t_done
	fi
	if [ -z "${T_DEFAULT_SERVICES:-}" ]; then
		sed -i -E 's/^([^#])/#\1/' "$INST/master.conf"
	fi
}

# t_set NAME VALUE: set a main.conf parameter of the instance.
t_set() { printf '%s = %s\n' "$1" "$2" >> "$INST/main.conf"; }

t_master_pid() { head -n 1 "$INST/queue/pid/master.pid" 2>/dev/null; }

t_start() {
	if ! tmailctl start >"$T/start.out" 2>&1; then
		t_fail "mailctl start" "$(cat "$T/start.out")"
		t_done
	fi
}

t_stop() { tmailctl stop >/dev/null 2>&1; }

t_maillog() { cat "$INST/log/maillog" 2>/dev/null; }

# Sanitizer reports and crashes hidden by respawning fail the run (architecture §9).
t_check_san() {
	local f
	[ "${TERN_SAN:-}" = 1 ] || return 0
	for f in "$T"/san/*; do
		[ -s "$f" ] || continue
		t_fail "sanitizer report $(basename "$f")" "$(head -n 30 "$f")"
	done
	if [ -n "$INST" ] && grep -q 'terminated on signal' "$INST/log/maillog" 2>/dev/null; then
		if [ -z "${T_SIGNALS_EXPECTED:-}" ]; then
			t_fail "no daemon terminated on a signal" \
				"$(grep 'terminated on signal' "$INST/log/maillog" | head -5)"
		fi
	fi
}

t_cleanup() {
	local pid
	if [ -n "$INST" ]; then
		pid=$(t_master_pid)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			tmailctl stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
			t_wait 10 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
		fi
	fi
	if [ "$T_FAILED" -gt 0 ] && [ -n "$INST" ] && [ -f "$INST/log/maillog" ]; then
		echo "---- $T_NAME: last lines of maillog ----"
		tail -n 40 "$INST/log/maillog"
		echo "----"
	fi
	if [ -z "${TERN_KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T"; fi
}
trap t_cleanup EXIT

t_done() {
	t_check_san
	if [ "$T_SKIPPED" -gt 0 ]; then
		echo "$T_PASSED passed, $T_FAILED failed, $T_SKIPPED skipped"
	else
		echo "$T_PASSED passed, $T_FAILED failed"
	fi
	[ "$T_FAILED" -eq 0 ] && exit 0
	exit 1
}
