# 02-session-exhaustion.sh - repro of audit finding 02 (run as root,
# loopback only): a couple of accounts' idle sessions take every
# imapd-session process, so nobody else can log in.  The shipped ratio of
# the limits is kept at a fifth of the size to keep the repro light:
# default_process_limit 100 -> 20, imapd_user_session_limit 50 -> 10.
# Fails while the bug is there.
AUDIT_SET=("default_process_limit=20" "imapd_user_session_limit=10")
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/common.sh"

out=$(timeout 120 python3 "$(dirname "$0")/02-session-exhaustion.py" "$P" 20 \
	attacker@localhost attacker2@localhost 2>&1)
st=$?
printf '%s\n' "$out"
t_eq "$st" 0 "another user logs in while two users hold 20 idle sessions"
t_done
