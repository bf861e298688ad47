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
# Helpers shared by the scripts (defined below, each with its comment):
#   the instance   t_instance, t_set, t_services (enable init's lines of
#                  master.conf), t_start, t_stop, tmailctl, t_maillog;
#                  a second one: t_instance2, t_on
#   its processes  t_master_pid, t_svc_pids, t_svc_field, t_proc_status
#   queue, mail    t_inject (qinject into the queue), t_queued,
#                  t_queue_empty, t_queue_idle, t_count_new, t_wait_new,
#                  t_newest, t_with_subject (mailboxes of domain localhost)
#   results        t_pass, t_fail, t_setup, t_skip, t_eq, t_match,
#                  t_nomatch, t_file_has, t_log_lacks, t_no_deaths, t_done
#   servers        t_bg_start, t_bg_stop (a test's own background
#                  servers), t_free_port, t_peer, t_peer_q, t_peer_wait
#                  (smtppeer.py)
#   misc           t_wait, t_is_root, t_b64, t_log
# A helper wanted by two scripts belongs here, not in both.  The instance
# itself is made by instance.sh (inst_*), which bench/ shares.
#
# Environment: TERN_BIN (programs; default bin/ of this tree), TERN_SAN=1
# under the sanitizer build (reports go to $T/san, checked by t_done),
# TERN_KEEP=1 keeps the temporary directory for a post-mortem,
# TERN_MAIN_CONF adds its lines to every instance's main.conf (the POP3
# tests run again with TERN_MAIN_CONF="login_client_limit = 1").

TOP=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)
# The instance setup, shared with bench/ (functions only, no state).
. "$TOP/tests/integration/instance.sh"
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

# t_no_deaths PROGRAM-ERE: no process of those programs died - master's
# "terminated on signal" or a non-zero "exit status" (a sanitizer ends a
# process with status 1 and its report may be lost with it) - in the
# instance's maillog.  One check, failed with the lines that say so.
t_no_deaths() {
	local re="warning: process [^ ]*/($1) pid [0-9]+ (terminated on signal|exit status [1-9])"
	if [ ! -f "$INST/log/maillog" ]; then
		t_fail "no $1 process died" "no maillog"
	elif grep -Eq "$re" "$INST/log/maillog"; then
		t_fail "no $1 process died" "$(grep -E "$re" "$INST/log/maillog" | head -n 5)"
	else
		t_pass "no $1 process died"
	fi
}

# t_results DESC OUTPUT: the lines "ok DESC" and "FAIL DESC: DETAIL" that
# a Python client printed, as results; none at all fails "DESC ran".
t_results() {
	local line n=0
	while IFS= read -r line; do
		case $line in
		"ok "*) t_pass "${line#ok }"; n=$((n + 1)) ;;
		"FAIL "*) t_fail "${line#FAIL }"; n=$((n + 1)) ;;
		esac
	done <<EOF
$2
EOF
	[ $n -gt 0 ] || t_fail "$1 ran" "$(printf '%s' "$2" | tail -n 15)"
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

# Background servers of a test (dnsd.py, smtppeer.py): t_bg_start NAME
# READY-FILE COMMAND... runs COMMAND in the background, its output in
# $T/NAME.err, and waits up to 10 s until it made READY-FILE non-empty;
# T_BG_PID is its pid.  When it does not, the test fails and it returns 1.
# t_cleanup stops every one still running (T_BG_PIDS), by pid.
T_BG_PIDS=
t_bg_start() {
	local name=$1 ready=$2
	shift 2
	"$@" >"$T/$name.err" 2>&1 &
	T_BG_PID=$!
	T_BG_PIDS="$T_BG_PIDS $T_BG_PID"
	if ! t_wait 10 test -s "$ready"; then
		t_fail "$name starts" "$(cat "$T/$name.err")"
		return 1
	fi
}

# t_bg_stop PID: stop a background server (SIGTERM) and wait for its end.
t_bg_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	T_BG_PIDS=$(printf '%s\n' $T_BG_PIDS | grep -vx "$1" | tr '\n' ' ')
}

# t_free_port: a port free on loopback for a server that must come back on
# the same port: below the ephemeral range (no client socket can take it
# meanwhile) and ending in 700-899, where no instance's port lies
# (t_instance's base + 25, 110, 143, 465, 587, 993, 995).
t_free_port() {
	local low span p
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	low=${low:-32768}
	span=$(( (low - 1000 - 10000) / 1000 ))
	[ "$span" -ge 1 ] || span=1
	for _ in $(seq 1 50); do
		p=$(( (RANDOM % span + 10) * 1000 + 700 + RANDOM % 200 ))
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# The scriptable SMTP peer of the smtp-out tests (smtppeer.py; its options
# and its log are described in its header comment).
# t_peer NAME PORT [OPTION...]: start one on 127.0.0.1:PORT (0: a free
# port) logging to $T/NAME.log, its messages in $T/NAME.mail/; sets
# PEER_PORT and PEER_PID.  Started again under the same NAME it appends
# to the same log.  Fails the test and returns 1 when it does not start.
t_peer() {
	local name=$1 port=$2
	shift 2
	mkdir -p "$T/$name.mail"
	rm -f "$T/$name.port"
	t_bg_start "$name" "$T/$name.port" python3 "$TOP/tests/integration/smtppeer.py" \
		--port "$port" --log "$T/$name.log" --ready "$T/$name.port" \
		--maildir "$T/$name.mail" "$@" || return 1
	PEER_PID=$T_BG_PID
	PEER_PORT=$(cat "$T/$name.port")
}

# t_peer_q NAME EVENT [FIELD | FIELD=VALUE]...: smtppeer.py --query of its
# log.  Without a log it prints a line saying so, so that a check that
# expects nothing fails.
t_peer_q() {
	local name=$1
	shift
	[ -f "$T/$name.log" ] || { echo "(no log $T/$name.log)"; return 1; }
	python3 "$TOP/tests/integration/smtppeer.py" --query "$T/$name.log" "$@"
}

# t_peer_wait SECONDS NAME EVENT [FIELD=VALUE]...: until its log holds
# such an event (the close of a connection the client ended, a number of
# messages by conn=N); false when SECONDS pass first.
t_peer_wait() {
	local limit=$(( $1 * 10 )) i=0 name=$2
	shift 2
	while [ $i -lt "$limit" ]; do
		[ -f "$T/$name.log" ] && [ -n "$(t_peer_q "$name" "$@" 2>/dev/null)" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# mailctl against the test instance.
tmailctl() { "$TERN_BIN/mailctl" -c "$INST" "$@"; }

# t_instance [mailctl init options...]: creates $T/inst, sets INST and PB.
# The services init enables are commented out, so each test runs exactly
# the services it enables with t_services or appends to master.conf (a
# line of its own: other -o overrides); T_DEFAULT_SERVICES=1 keeps the
# suite as init made it.
t_instance() {
	INST=$T/inst
	if ! PB=$(inst_free_port_base); then
		t_fail "a free port base on loopback"
		t_done
	fi
	if ! inst_init "$TERN_BIN" "$INST" "$PB" "$@" >"$T/init.out" 2>&1; then
		t_fail "mailctl init" "$(cat "$T/init.out")"
		t_done
	fi
	[ -n "${T_DEFAULT_SERVICES:-}" ] || inst_disable_all "$INST"
	# TERN_MAIN_CONF: lines for every instance's main.conf, to run tests
	# with another setting (login_client_limit = 1).
	[ -z "${TERN_MAIN_CONF:-}" ] || printf '%s\n' "$TERN_MAIN_CONF" >> "$INST/main.conf"
}

# t_instance2 NAME [mailctl init options...]: a second instance, the peer
# of the outbound tests, in $T/NAME on a port base of its own (none of its
# ports one of the first instance's); sets INST2 and PB2.  Its myhostname
# is NAME.test (smtp-out takes a server that greets with its own
# myhostname for a loop), the services init enables are commented out.
# The first instance's helpers work on it through t_on; t_cleanup stops it.
T_INSTANCES=
t_instance2() {
	local name=$1 p q clash
	shift
	INST2=$T/$name
	for _ in $(seq 1 20); do
		PB2=$(inst_free_port_base) || break
		clash=0
		for p in 25 110 143 465 587 993 995; do
			for q in 25 110 143 465 587 993 995; do
				[ $((PB2 + p)) = $((PB + q)) ] && clash=1
			done
		done
		[ $clash = 0 ] && break
		PB2=
	done
	if [ -z "$PB2" ]; then
		t_fail "a free port base on loopback for $name"
		t_done
	fi
	if ! inst_init "$TERN_BIN" "$INST2" "$PB2" "$@" >"$T/init-$name.out" 2>&1; then
		t_fail "mailctl init of $name" "$(cat "$T/init-$name.out")"
		t_done
	fi
	T_INSTANCES="$T_INSTANCES $INST2"
	inst_disable_all "$INST2"
	printf 'myhostname = %s.test\n' "$name" >> "$INST2/main.conf"
	[ -z "${TERN_MAIN_CONF:-}" ] || printf '%s\n' "$TERN_MAIN_CONF" >> "$INST2/main.conf"
}

# t_on DIR COMMAND...: a helper of the instance (t_set, t_services,
# t_start, tmailctl, t_count_new, ...) run on the instance in DIR.
t_on() {
	local INST=$1
	shift
	"$@"
}

# t_set NAME VALUE: set a main.conf parameter of the instance.
t_set() { printf '%s = %s\n' "$1" "$2" >> "$INST/main.conf"; }

# t_services NAME...: enable the services of that name as `mailctl init`
# wrote them (with their continuation lines and the instance's ports), so
# that the service table exists once, in init, not in every script.  A
# name init did not write fails the test.
t_services() {
	if ! inst_enable "$INST" "$@" 2>"$T/enable.out"; then
		t_fail "enable services $*" "$(cat "$T/enable.out")"
		t_done
	fi
}

t_master_pid() { inst_master_pid "$INST"; }

t_start() {
	if ! tmailctl start >"$T/start.out" 2>&1; then
		t_fail "mailctl start" "$(cat "$T/start.out")"
		t_done
	fi
}

t_stop() { tmailctl stop >/dev/null 2>&1; }

t_maillog() { cat "$INST/log/maillog" 2>/dev/null; }

# t_svc_pids SERVICE: its processes' pids (from mailctl status), space
# separated, nothing when it has none.
t_svc_pids() {
	tmailctl status 2>/dev/null | awk -v s="$1" '$1 == s {
		o = ""
		for (i = 9; i <= NF; i++) if ($i ~ /^[0-9]+$/) o = o (o == "" ? "" : " ") $i
		print o }'
}

# t_proc_status PID FIELD: a field of /proc/PID/status (Uid: its real uid,
# CapEff, NoNewPrivs, ...).
t_proc_status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# t_svc_field SERVICE N: column N of its mailctl status line (5 procs,
# 6 busy, 7 ready, 8 throttled).
t_svc_field() { tmailctl status 2>/dev/null | awk -v s="$1" -v f="$2" '$1 == s { print $f }'; }

# t_inject QINJECT-ARGS...: commit stdin to the instance's queue as smtpd
# would (tests/tools/qinject); prints the queue id.
t_inject() { "$TERN_BIN/qinject" -q "$INST/queue" "$@"; }

# The queue: t_queued counts incoming/, active/ and deferred/;
# t_queue_empty is true when they are empty; t_queue_idle when incoming/
# and active/ are (deferred messages may wait for a retry).
t_queued() { find "$INST/queue/incoming" "$INST/queue/active" "$INST/queue/deferred" -type f | wc -l; }
t_queue_empty() { [ "$(t_queued)" = 0 ]; }
t_queue_idle() { [ -z "$(find "$INST/queue/incoming" "$INST/queue/active" -type f)" ]; }

# Mailboxes of domain localhost: t_count_new USER (files in new/),
# t_wait_new USER N [SECONDS] (until new/ holds N at least; 15 s),
# t_newest USER (the newest file in new/), t_with_subject USER SUBJECT
# (how many in new/ have that Subject line, exactly).
t_count_new() { find "$INST/mail/localhost/$1/new" -type f 2>/dev/null | wc -l; }
t_wait_new() {
	t_wait "${3:-15}" sh -c "[ \$(find '$INST/mail/localhost/$1/new' -type f 2>/dev/null | wc -l) -ge $2 ]"
}
t_newest() { ls -t "$INST/mail/localhost/$1/new"/* 2>/dev/null | head -n 1; }
t_with_subject() {
	find "$INST/mail/localhost/$1/new" -type f -exec grep -l -x -F -- "Subject: $2" {} + 2>/dev/null | wc -l
}

# t_b64 TEXT: TEXT (printf %b escapes, so \0 for SASL PLAIN) in base64.
t_b64() { printf '%b' "$1" | base64 -w0; }

# Sanitizer reports and crashes hidden by respawning fail the run (architecture §9).
t_check_san() {
	local f
	[ "${TERN_SAN:-}" = 1 ] || return 0
	for f in "$T"/san/*; do
		[ -s "$f" ] || continue
		t_fail "sanitizer report $(basename "$f")" "$(head -n 30 "$f")"
	done
	for f in $INST $T_INSTANCES; do
		grep -q 'terminated on signal' "$f/log/maillog" 2>/dev/null || continue
		if [ -z "${T_SIGNALS_EXPECTED:-}" ]; then
			t_fail "no daemon terminated on a signal" \
				"$(grep 'terminated on signal' "$f/log/maillog" | head -5)"
		fi
	done
}

t_cleanup() {
	[ -n "$INST" ] && inst_stop "$TERN_BIN" "$INST"
	local p
	for p in $T_INSTANCES; do inst_stop "$TERN_BIN" "$p"; done
	for p in $T_BG_PIDS; do kill "$p" 2>/dev/null; done
	for p in $INST $T_INSTANCES; do
		[ "$T_FAILED" -gt 0 ] && [ -f "$p/log/maillog" ] || continue
		echo "---- $T_NAME: last lines of $p/log/maillog ----"
		tail -n 40 "$p/log/maillog"
		echo "----"
	done
	if [ -z "${TERN_KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T"; fi
}
trap t_cleanup EXIT

# Outbound mail never leaves loopback (issue 13): every connection
# smtp-out made, in the log of every instance of the test, went to
# 127.0.0.0/8 or ::1, and an instance whose smtp-out ran asked only
# loopback nameservers (dns_nameservers; empty would be the system's
# resolver).  Fails the test otherwise.
t_check_loopback() {
	local log conf bad ns
	for log in $(find "$T" -path '*/log/maillog' 2>/dev/null); do
		bad=$(grep -E 'smtp-out\[[0-9]+\]: connect to ' "$log" |
			grep -vE 'connect to [^ ]*\[(127\.[0-9.]+|::1)\]:[0-9]+' | head -n 3)
		[ -z "$bad" ] || t_fail "smtp-out connected only to loopback ($log)" "$bad"
		grep -q 'smtp-out\[' "$log" || continue
		conf=$(dirname "$(dirname "$log")")/main.conf
		ns=$(awk -F' *= *' '$1 == "dns_nameservers" { v = $2 } END { print v }' "$conf" 2>/dev/null)
		if [ -z "$ns" ] || printf '%s\n' "$ns" | tr ', ' '\n\n' | grep -v '^$' |
			grep -qvE '^(127\.[0-9.]+|\[::1\])(:[0-9]+)?$'; then
			t_fail "smtp-out asked only loopback nameservers ($conf)" "dns_nameservers = $ns"
		fi
	done
}

t_done() {
	t_check_san
	t_check_loopback
	if [ "$T_SKIPPED" -gt 0 ]; then
		echo "$T_PASSED passed, $T_FAILED failed, $T_SKIPPED skipped"
	else
		echo "$T_PASSED passed, $T_FAILED failed"
	fi
	[ "$T_FAILED" -eq 0 ] && exit 0
	exit 1
}
