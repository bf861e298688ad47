# 03-search-cpu.sh - repro of audit finding 03 (run as root, loopback
# only): one SEARCH line costs minutes of CPU, which goes on after the
# client has gone.  Fails while the bug is there.
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/common.sh"

out=$(timeout 120 python3 "$(dirname "$0")/03-search-cpu.py" "$P" "$INST/log/maillog" 2>&1)
st=$?
printf '%s\n' "$out"
t_eq "$st" 0 "a session stops searching when its client has gone"
t_match "$out" 'answered in' "a 46 KB SEARCH line is answered within 20 s"
t_done
