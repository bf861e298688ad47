# t_imaptest.sh - Dovecot's IMAP conformance suite, imaptest, against imapd:
# its scripted compliance mode, every test group of its tests/ directory,
# as a dedicated user of a fresh instance.  imaptest is not part of tern:
# ../shared/tools/imaptest/build.sh builds it out of the tree into
# build/imaptest once (a second call does nothing), from the packages
# scripts/deps.sh installs.
#
# One check per group that ran (passed or failed, with imaptest's own
# account of what went wrong); a group imaptest skips because the server
# lacks a capability it needs is not counted, but every such group must
# need one of the extensions issue 14 leaves to the next issue.  The bar
# of issue 14: no group failed and at least 36 passed.
. "$(dirname "$0")/lib.sh"

IMAPTEST_SRC=${IMAPTEST_SRC:-$TOP/../shared/tools/imaptest}
IT=$TOP/build/imaptest
# Extensions whose groups may be skipped (issue 14: the next issue adds
# them; CONDSTORE and QRESYNC come with ESEARCH and NOTIFY there).
LATER='^(BINARY|CATENATE|MULTIAPPEND|ESEARCH|ESORT|CONTEXT=SEARCH|CONTEXT=SORT|SORT|SORT=DISPLAY|THREAD=[A-Z]+|NOTIFY|URLAUTH|URLAUTH=BINARY|CONDSTORE|QRESYNC)$'
MIN_PASSED=36

if ! "$IMAPTEST_SRC/build.sh" "$IT" >"$T/build.out" 2>&1; then
	t_fail "imaptest builds from $IMAPTEST_SRC" "$(tail -n 15 "$T/build.out")"
	t_done
fi
t_setup "imaptest built in $IT"

t_instance
t_services auth imap imap-session
echo "pw-imaptest" | tmailctl user add imaptest@localhost --password-stdin >/dev/null 2>&1 ||
	t_fail "mailctl user add imaptest@localhost"
t_start
P=$((PB + 143))
inst_wait_listen "$P" || t_fail "imapd listens on $P"

# The capabilities after login, as imaptest sees them when it decides
# what to skip.
caps=$(python3 - "$P" <<'EOF' 2>&1
import imaplib, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]), timeout=20)
m.login('imaptest@localhost', 'pw-imaptest')
typ, data = m.capability()
print(data[0].decode())
m.logout()
EOF
)
case $caps in
IMAP4rev1*|IMAP4REV1*) t_setup "capabilities after login: $caps" ;;
*) t_fail "LOGIN and CAPABILITY before imaptest runs" "$caps"; t_done ;;
esac

timeout 900 "$IT/imaptest-compliance" 127.0.0.1 "$P" imaptest@localhost pw-imaptest \
	>"$T/compliance.out" 2>&1
st=$?
# imaptest's summary, and what it said about each failure.
grep -E '^[0-9]+ test groups:|^base protocol:|^extensions:|^imaptest:' "$T/compliance.out"

summary=$(grep -E '^[0-9]+ test groups: [0-9]+ failed, [0-9]+ skipped' "$T/compliance.out" | tail -n 1)
if [ -z "$summary" ]; then
	t_fail "imaptest ran to its summary (exit $st)" "$(tail -n 20 "$T/compliance.out")"
	t_done
fi
groups=$(echo "$summary" | sed -E 's/^([0-9]+) .*/\1/')
failed=$(echo "$summary" | sed -E 's/^[0-9]+ test groups: ([0-9]+) failed.*/\1/')
skipped=$(echo "$summary" | sed -E 's/.* ([0-9]+) skipped.*/\1/')

# Per group: skipped (with the capabilities it lacks), failed (named in a
# "*** Test NAME command|initialization" report) or passed.
npass=0 nskip=0 nrun=0 badskip=
for f in "$IT"/tests/*; do
	[ -f "$f" ] || continue
	g=$(basename "$f")
	case $g in *.mbox) continue ;; esac
	need=$(sed -n '/^$/q; s/^capabilities:[[:space:]]*//p' "$f")
	lacks=
	for c in $need; do
		printf '%s\n' $caps | grep -qixF -- "$c" || lacks="$lacks $c"
	done
	if [ -n "$lacks" ]; then
		nskip=$((nskip + 1))
		echo "skipped by imaptest: $g (needs$lacks)"
		later=
		for c in $lacks; do
			printf '%s\n' "$c" | tr a-z A-Z | grep -Eq "$LATER" && later=1
		done
		[ -n "$later" ] || badskip="$badskip $g(needs$lacks)"
		continue
	fi
	nrun=$((nrun + 1))
	if grep -Eq "^\*\*\* Test $g (command|initialization)" "$T/compliance.out"; then
		t_fail "imaptest group $g" "$(awk -v g="$g" '
			/^\*\*\* Test / { on = ($3 == g) }
			/^$/ { on = 0 }
			on' "$T/compliance.out" | head -n 40)"
	else
		npass=$((npass + 1))
		t_pass "imaptest group $g"
	fi
done

t_eq "$nskip" "$skipped" "imaptest skipped exactly the groups whose capabilities imapd lacks"
t_eq "$((nrun + nskip))" "$groups" "every group imaptest counted was looked at"
t_eq "$failed" 0 "imaptest: no group failed"
if [ "$npass" -ge "$MIN_PASSED" ]; then
	t_pass "imaptest: $npass groups passed (at least $MIN_PASSED)"
else
	t_fail "imaptest: at least $MIN_PASSED groups passed" "$npass passed"
fi
t_eq "${badskip# }" "" "groups are skipped only for the extensions of the next issue"
t_match "$(tail -n 1 "$T/compliance.out")" "^imaptest: $npass passed, 0 failed, $nskip skipped$" \
	"imaptest-compliance's last line agrees"
# A session that dies (a crash, or a sanitizer's exit status 1) fails
# the groups it served; this names the process.
t_no_deaths 'imapd|imapd-session'

t_done
