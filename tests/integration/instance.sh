# instance.sh - a throw-away tern instance: `mailctl init` in a directory
# of its own on a free port base, with the services a caller turns on, and
# stopped by the pid in its pid file (never by process name).
#
# Sourced by tests/integration/lib.sh (the test harness) and by bench/*.sh,
# so that both set instances up the same way.  It defines functions only:
# sourcing it sets no variable, trap or temporary directory, so a benchmark
# gets the instance setup without the harness's test state (the pass/fail
# counters, its EXIT trap, the sanitizer environment).  Each function takes
# the programs' directory (BIN) and the instance directory (DIR) as
# arguments and says what went wrong on stderr; the caller decides whether
# that fails a test or ends a benchmark.

# inst_free_port_base: a port base whose seven service ports are all free
# on loopback.  The bases lie below the kernel's ephemeral range, so no
# client socket of another test (or of anything else) can hold one of the
# ports as its local end, which a listening check cannot see coming.
# Prints nothing and fails when 50 tries found none.
inst_free_port_base() {
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
	return 1
}

# inst_init BIN DIR PORT-BASE [mailctl init options...]: a new instance;
# mailctl init's output and exit status.  The parent of DIR is opened to
# all (as root the daemons run as system users that must reach DIR).
inst_init() {
	local bin=$1 dir=$2 pb=$3
	shift 3
	chmod 755 "$(dirname "$dir")" && "$bin/mailctl" init "$dir" --port-base "$pb" "$@"
}

# inst_disable_all DIR: comment out every service init enabled, so that
# the instance runs only what inst_enable turns on again.
inst_disable_all() { sed -i -E 's/^([^#])/#\1/' "$1/master.conf"; }

# inst_enable DIR NAME...: enable the services of those names as init
# wrote them (with their continuation lines and the instance's ports):
# the service table exists once, in `mailctl init`, not in every script.
# Fails, changing nothing, when init wrote no line for one of the names.
inst_enable() {
	local dir=$1 name
	shift
	for name in "$@"; do
		if ! grep -Eq "^#?$name(:[0-9]+)?[[:space:]]" "$dir/master.conf"; then
			echo "master.conf has no line for service $name" >&2
			return 1
		fi
	done
	awk -v names=" $* " '
		/^#[^[:space:]#]/ {
			n = substr($1, 2); sub(/:.*/, "", n)
			on = index(names, " " n " ") > 0
			print on ? substr($0, 2) : $0; next }
		/^#[[:space:]]/ && on { print substr($0, 2); next }
		{ on = 0; print }' "$dir/master.conf" >"$dir/master.conf.new" &&
		mv "$dir/master.conf.new" "$dir/master.conf"
}

# inst_master_pid DIR: the running master's pid, from its pid file.
# inst_only BIN DIR PORT-BASE SERVICE...: a new instance (inst_init) that
# runs only the services named, for a benchmark of one protocol; a line on
# stderr says what failed.
inst_only() {
	local bin=$1 dir=$2 pb=$3 out
	shift 3
	if ! out=$(inst_init "$bin" "$dir" "$pb" 2>&1); then
		echo "mailctl init: $out" >&2
		return 1
	fi
	inst_disable_all "$dir"
	inst_enable "$dir" "$@" || { echo "cannot enable $*" >&2; return 1; }
}

inst_master_pid() { head -n 1 "$1/queue/pid/master.pid" 2>/dev/null; }

# inst_wait_listen PORT [SECONDS]: until something listens on PORT (5 s).
inst_wait_listen() {
	local i
	for i in $(seq 1 $(( ${2:-5} * 10 ))); do
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# inst_stop BIN DIR: stop the instance if it runs: mailctl stop, else
# SIGTERM to master; SIGKILL when it is still there after 10 s.
inst_stop() {
	local bin=$1 dir=$2 pid
	pid=$(inst_master_pid "$dir")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	"$bin/mailctl" -c "$dir" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}
