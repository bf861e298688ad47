#!/bin/bash
# t_durability.sh - durability by order (architecture §4, §11): strace shows that
# smtpd fsyncs the queue file, links tmp/ID to incoming/ID, fsyncs
# incoming/, and only then writes "250 2.0.0 Ok: queued as ID" to the
# client; and that local (through its delivery child) fsyncs the Maildir
# tmp file, links it into new/, fsyncs new/, and only then sends the result
# to qmgr; and that pop3d-session, in the UPDATE state, removes and renames
# the files and fsyncs new/ and cur/ before its "+OK" to QUIT.  The suite
# is the default one, plus a dedicated smtpd service
# with maxproc 1 so that the traced process is the one that serves, and
# local limited to one process for the same reason.
T_DEFAULT_SERVICES=1
. "$(dirname "$0")/lib.sh"

E2E="python3 $TOP/tests/integration/e2ec.py"
if ! command -v strace >/dev/null 2>&1; then
	t_skip "strace is not installed"
	t_done
fi

t_instance
P26=$((PB + 26))
MAIL=$INST/mail/localhost
sed -i -E 's/^(local +unix +- +n +n +)-/\11/' "$INST/master.conf"
grep -Eq '^local +unix +- +n +n +1 ' "$INST/master.conf" ||
	t_fail "local limited to one process" "$(grep '^local' "$INST/master.conf")"
echo "traced:$P26 inet n - n 1 smtpd" >> "$INST/master.conf"
echo pw | tmailctl user add bob@localhost --password-stdin >/dev/null 2>&1 || t_fail "user bob added"
t_start
t_wait 10 sh -c "ss -Htln 'sport = :$P26' | grep -q ." || t_fail "the traced service listens on $P26"

# trace OUT PID...: strace -f those pids into OUT until untrace.
trace() {
	local out=$1 args=
	shift
	for p in "$@"; do args="$args -p $p"; done
	# shellcheck disable=SC2086
	strace -f -tt -y -s 2048 -o "$out" \
		-e trace=fsync,fdatasync,link,linkat,rename,renameat,renameat2,unlink,unlinkat,write,sendto,sendmsg,openat \
		$args 2>"$out.err" &
	STRACE=$!
	if ! t_wait 10 sh -c "[ \$(grep -c 'attached' '$out.err') -ge $# ]"; then
		t_fail "strace attached to $*" "$(cat "$out.err")"
		return 1
	fi
}
untrace() {
	kill -INT "$STRACE" 2>/dev/null
	wait "$STRACE" 2>/dev/null
}

# A first message brings local's process up, so that it can be traced.
printf 'Subject: warm-up\n\nwarm up\n' > "$T/m0"
$E2E send "$P26" alice@localhost bob@localhost "$T/m0" >/dev/null 2>&1
t_wait 30 sh -c "grep -lqx 'Subject: warm-up' '$MAIL'/bob/new/* 2>/dev/null" ||
	t_fail "the warm-up message is delivered"
t_wait 10 sh -c "grep -q 'removed' '$INST/log/maillog'"

SP=$(t_svc_pids traced)
LP=$(t_svc_pids local)
t_eq "$(echo "$SP" | wc -w)" 1 "one process serves the traced smtpd service"
t_eq "$(echo "$LP" | wc -w)" 1 "one local process"

# ---- smtpd ---------------------------------------------------------------
if trace "$T/smtpd.st" $SP; then
	printf 'Subject: traced\n\ntraced message\n' > "$T/m1"
	out=$($E2E send "$P26" alice@localhost bob@localhost "$T/m1" 2>&1)
	t_eq "$out" sent "the traced smtpd takes the message"
	t_wait 30 sh -c "grep -lqx 'Subject: traced' '$MAIL'/bob/new/* 2>/dev/null"
	sleep 0.5
	untrace
	res=$($E2E order-smtpd "$T/smtpd.st")
	printf '%s\n' "$res" | sed 's/^/     /'
	t_match "$res" '^ORDER OK$' \
		"smtpd: write, fsync(file), link(tmp, incoming), fsync(incoming/), then 250"
	ID=$(printf '%s\n' "$res" | sed -n 's/^queue id //p')
	f=$(grep -lx 'Subject: traced' "$MAIL"/bob/new/* 2>/dev/null | head -n 1)
	t_match "$(sed -n 4p "$f" 2>/dev/null)" "id ${ID:-none}" "the traced message is the one delivered (id $ID)"
fi

# ---- local ---------------------------------------------------------------
LP=$(t_svc_pids local)
if trace "$T/local.st" $LP; then
	printf 'Subject: traced-local\n\nto be delivered under strace\n' > "$T/m2"
	out=$($E2E send "$P26" alice@localhost bob@localhost "$T/m2" 2>&1)
	t_eq "$out" sent "a message for the traced local"
	t_wait 30 sh -c "grep -lqx 'Subject: traced-local' '$MAIL'/bob/new/* 2>/dev/null" ||
		t_fail "the message is delivered under strace"
	f=$(grep -lx 'Subject: traced-local' "$MAIL"/bob/new/* 2>/dev/null | head -n 1)
	ID=$(sed -n 4p "$f" 2>/dev/null | sed -n 's/.* id \([0-9A-F]*\).*/\1/p')
	# The result goes to qmgr after the file is in new/: wait for its log.
	t_wait 10 sh -c "grep -q '${ID:-none}: removed' '$INST/log/maillog'"
	sleep 0.5
	untrace
	res=$($E2E order-local "$T/local.st" "${ID:-none}")
	printf '%s\n' "$res" | sed 's/^/     /'
	t_match "$res" '^ORDER OK$' \
		"local: write, fsync(tmp file), link(tmp, new), fsync(new/), then the result to qmgr"
fi

# ---- pop3d-session: UPDATE --------------------------------------------------
# bob has three messages now: delete the first, retrieve the second.
PP=$(t_svc_pids pop3-session)
t_match "$PP" '[0-9]' "pop3-session processes are running"
# shellcheck disable=SC2086
if trace "$T/pop3.st" $PP; then
	out=$(printf 'USER bob@localhost\r\nPASS pw\r\nDELE 1\r\nRETR 2\r\nQUIT\r\n' |
		python3 "$TOP/tests/integration/popc.py" raw "$((PB + 110))" 2>&1)
	t_match "$out" '^\+OK Logging out' "POP3: DELE 1, RETR 2, QUIT answered +OK"
	sleep 0.5
	untrace
	res=$($E2E order-pop3 "$T/pop3.st")
	printf '%s\n' "$res" | sed 's/^/     /'
	t_match "$res" '^ORDER OK$' \
		"pop3d-session: unlink, rename, fsync(new/) and fsync(cur/), then +OK to QUIT"
fi

# A trace that lacks a step must be refused: drop the directory fsync
# from the smtpd trace and from the local trace.
if [ -s "$T/smtpd.st" ]; then
	grep -v 'fsync([0-9]*<[^>]*/incoming>)' "$T/smtpd.st" > "$T/smtpd.bad"
	t_match "$($E2E order-smtpd "$T/smtpd.bad")" '^ORDER BAD' "the checker refuses an smtpd trace without fsync(incoming/)"
	awk '/fsync\(.*\/queue\/tmp\// { next } { print }' "$T/smtpd.st" > "$T/smtpd.bad"
	t_match "$($E2E order-smtpd "$T/smtpd.bad")" '^ORDER BAD' "the checker refuses an smtpd trace without fsync(file)"
	# The 250 moved in front of the link.
	python3 - "$T/smtpd.st" "$T/smtpd.bad" <<'EOF'
import sys
lines = open(sys.argv[1]).read().split('\n')
ok = next(i for i, l in enumerate(lines) if 'queued as' in l)
ln = next(i for i, l in enumerate(lines) if 'link(' in l and '/incoming/' in l)
lines.insert(ln, lines.pop(ok))
open(sys.argv[2], 'w').write('\n'.join(lines))
EOF
	t_match "$($E2E order-smtpd "$T/smtpd.bad")" '^ORDER BAD' "the checker refuses a 250 before the link"
fi
if [ -s "$T/local.st" ]; then
	grep -v 'fsync([0-9]*<[^>]*/new>)' "$T/local.st" > "$T/local.bad"
	t_match "$($E2E order-local "$T/local.bad" "${ID:-none}")" '^ORDER BAD' "the checker refuses a local trace without fsync(new/)"
fi
if [ -s "$T/pop3.st" ]; then
	grep -v 'fsync([0-9]*<[^>]*/cur>)' "$T/pop3.st" > "$T/pop3.bad"
	t_match "$($E2E order-pop3 "$T/pop3.bad")" '^ORDER BAD' "the checker refuses a pop3 trace without fsync(cur/)"
fi

t_done
