#!/bin/sh
# fuzz.sh - every libFuzzer target for a long run, outside `make test`.
#
# `make test` only proves that the targets build and survive a few seconds
# (tests/run.sh, TERN_FUZZ_SECONDS).  This runs each target for RUNS
# executions (default 1,000,000: issue 12 §4's bar) with ASan and UBSan
# (the `make fuzz` build; UBSan stops at its first report) and leak
# detection, and prints per target the executions, the time, and the
# coverage libFuzzer reports on its last line (cov: edges, ft: features,
# corp: corpus entries).  It fails when a target crashes, leaks, or a
# sanitizer reports, or when a run ends short of RUNS executions; the
# target's log and the reproducer libFuzzer wrote are kept and named.
#
#   bench/fuzz.sh                      all targets, 1,000,000 runs each
#   bench/fuzz.sh fuzz_smtp_data ...   only these
#
# Environment:
#   RUNS (1000000)   executions per target
#   NO_MAKE=1        do not run `make fuzz` first
#   OUT (build/fuzz/campaign)   logs, crash files, and each target's
#                    corpus (kept between runs, so coverage builds up)
set -u
cd "$(dirname "$0")/.." || exit 1
RUNS=${RUNS:-1000000}
OUT=${OUT:-build/fuzz/campaign}

if [ "${NO_MAKE:-}" != 1 ]; then
	make -s fuzz || { echo "fuzz.sh: make fuzz failed" >&2; exit 1; }
fi
if [ $# -gt 0 ]; then
	targets=$*
else
	targets=$(cd build/fuzz && ls fuzz_* 2>/dev/null | grep -v '\.d$')
fi
[ -n "$targets" ] || { echo "fuzz.sh: no targets in build/fuzz" >&2; exit 1; }
mkdir -p "$OUT"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-22s %10s %8s %8s %8s %7s  %s\n' target execs seconds cov ft corp result
for t in $targets; do
	bin=build/fuzz/$t
	log=$OUT/$t.log
	corpus=$OUT/corpus/$t
	if [ ! -x "$bin" ]; then
		printf '%-22s %s\n' "$t" "FAIL: no such target ($bin)"
		failed=1
		continue
	fi
	mkdir -p "$corpus" "$OUT/crashes"
	"$bin" -runs="$RUNS" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$OUT/crashes/$t-" "$corpus" >"$log" 2>&1
	rc=$?
	# "Done N runs in S second(s)" and the last "#N ... cov: C ft: F corp: K/..."
	done_line=$(grep '^Done [0-9]* runs in' "$log" | tail -n 1)
	execs=$(echo "$done_line" | awk '{ print $2 }')
	secs=$(echo "$done_line" | awk '{ print $5 }')
	stats=$(grep '^#[0-9].* cov: ' "$log" | tail -n 1)
	cov=$(echo "$stats" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$stats" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$stats" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	result=ok
	if [ $rc -ne 0 ] || grep -q -e 'ERROR: AddressSanitizer' \
		-e 'ERROR: LeakSanitizer' -e 'runtime error:' -e 'deadly signal' \
		-e 'ERROR: libFuzzer' "$log"; then
		result="FAIL (exit $rc; see $log)"
	elif [ -z "$execs" ] || [ "$execs" -lt "$RUNS" ]; then
		result="FAIL (${execs:-no} runs of $RUNS; see $log)"
	fi
	[ "$result" = ok ] || failed=1
	printf '%-22s %10s %8s %8s %8s %7s  %s\n' "$t" "${execs:--}" "${secs:--}" \
		"${cov:--}" "${ft:--}" "${corp:--}" "$result"
done
exit $failed
