#!/bin/sh
# run.sh - the whole test suite: what `make test` runs after building.
#
# Unit test programs, the man-page lint and the integration scripts, first
# against the normal build, then against the ASan+UBSan build (bin-san).
# Each step prints its own "N passed, M failed" last; this adds them up and
# ends with the total, failing when anything failed.  A step that dies
# without a count line counts as one failure.
#   TESTS="t_master t_mailctl"  run only these integration scripts
#   sh tests/run.sh --unit [test_log ...]
#                               only unit tests (these, or all), both
#                               builds; `make unit TEST=test_log` builds
#                               first.  A program alone also runs as
#                               build/normal/unit/test_log.
cd "$(dirname "$0")/.." || exit 1
UNIT_ONLY=
if [ "${1:-}" = --unit ]; then
	shift
	UNIT_ONLY=" ${*:-all} "
	for u in "$@"; do
		for b in normal san; do
			[ -x "build/$b/unit/$u" ] && continue
			echo "FAIL no unit test build/$b/unit/$u (make unit TEST=$u builds it)"
			exit 1
		done
	done
fi
TOTAL_P=0
TOTAL_F=0
TOTAL_S=0

count() {	# count LABEL OUTPUT-FILE EXIT-STATUS
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $1: no result line (exit $3)"
		tail -n 20 "$2"
		TOTAL_F=$((TOTAL_F + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $1: exit status $3"
		f=1
	fi
	TOTAL_P=$((TOTAL_P + p))
	TOTAL_F=$((TOTAL_F + f))
	TOTAL_S=$((TOTAL_S + ${s:-0}))
	echo "== $1: $line"
}

run_step() {	# run_step LABEL COMMAND...
	label=$1
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	st=$?
	if [ "$st" = 0 ]; then
		grep -E '^(SKIP) ' "$out" | head -n 50
	else
		# a failing step shows its failures and the log lines after them
		grep -vE '^(ok|SKIP|setup) ' "$out" | tail -n 120
	fi
	count "$label" "$out" "$st"
	rm -f "$out"
}

lint_man() {
	p=0
	f=0
	for m in man/man*/*.[0-9]; do
		[ -f "$m" ] || continue
		# Not "out": sh has no locals, and run_step's $out is our log.
		if lint=$(mandoc -Tlint -W warning "$m" 2>&1) && [ -z "$lint" ]; then
			p=$((p + 1))
		else
			echo "FAIL mandoc -Tlint $m"
			echo "$lint" | sed 's/^/  /'
			f=$((f + 1))
		fi
	done
	echo "$p passed, $f failed"
	[ $f = 0 ]
}

suite() {	# suite BUILD BINDIR
	build=$1
	bindir=$2
	for t in build/$build/unit/test_*; do
		[ -x "$t" ] || continue
		case $UNIT_ONLY in
		""|" all ") ;;
		*" $(basename "$t") "*) ;;
		*) continue ;;
		esac
		if [ "$build" = san ]; then
			ASAN_OPTIONS=detect_leaks=1 run_step "$build $(basename "$t")" "$t"
		else
			run_step "$build $(basename "$t")" "$t"
		fi
	done
	[ -z "$UNIT_ONLY" ] || return 0
	for t in tests/integration/t_*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		if [ -n "${TESTS:-}" ]; then
			case " $TESTS " in *" $name "*) ;; *) continue ;; esac
		fi
		if [ "$build" = san ]; then
			TERN_SAN=1 TERN_BIN=$PWD/$bindir run_step "$build $name" bash "$t"
		else
			TERN_BIN=$PWD/$bindir run_step "$build $name" bash "$t"
		fi
	done
}

# Every parser has a libFuzzer target; a short run of each proves they
# build and survive (TERN_FUZZ_SECONDS, default 5; 0 skips).  Longer
# campaigns (1,000,000 runs of each, with coverage): bench/fuzz.sh.
fuzz_smoke() {
	p=0
	f=0
	secs=${TERN_FUZZ_SECONDS:-5}
	if ! make -s fuzz >/dev/null 2>&1; then
		echo "FAIL make fuzz"
		make fuzz 2>&1 | tail -n 20
		echo "0 passed, 1 failed"
		return 1
	fi
	for t in build/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		dir=$(mktemp -d)
		if (cd "$dir" && "$OLDPWD/$t" -max_total_time="$secs" -rss_limit_mb=1024 \
				>"$dir/log" 2>&1); then
			p=$((p + 1))
		else
			echo "FAIL $t"
			tail -n 30 "$dir/log" | sed 's/^/  /'
			f=$((f + 1))
		fi
		rm -rf "$dir"
	done
	echo "$p passed, $f failed"
	[ $f = 0 ]
}

if [ -z "$UNIT_ONLY" ]; then
	run_step "man pages" lint_man
	[ "${TERN_FUZZ_SECONDS:-5}" = 0 ] || run_step "fuzz targets" fuzz_smoke
fi
suite normal bin
suite san bin-san
if [ $TOTAL_S -gt 0 ]; then
	echo "$TOTAL_P passed, $TOTAL_F failed, $TOTAL_S skipped"
else
	echo "$TOTAL_P passed, $TOTAL_F failed"
fi
[ $TOTAL_F -eq 0 ]
