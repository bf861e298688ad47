# 02-session-exhaustion.sh - repro of audit finding 02 (run as root,
# loopback only): one user's idle sessions take every imapd-session
# process, so nobody else can log in.  default_process_limit is 20 here
# to keep the repro light; with the default 100 the same takes 6 source
# addresses.  Fails while the bug is there.
AUDIT_SET=("default_process_limit=20")
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/common.sh"

out=$(timeout 120 python3 "$(dirname "$0")/02-session-exhaustion.py" "$P" 20 2>&1)
st=$?
printf '%s\n' "$out"
t_eq "$st" 0 "another user logs in while one user holds 20 idle sessions"
t_done
