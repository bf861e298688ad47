# 01-literal-skip-desync.sh - repro of audit finding 01 against a fresh
# instance (run as root, loopback only): a refused command's LITERAL+
# octets are read as commands when the announcement has over 10 digits or
# is over 4 GB.  Fails while the bug is there, passes once it is fixed.
. "$(dirname "$0")/../../tests/integration/lib.sh"
. "$(dirname "$0")/common.sh"

out=$(timeout 60 python3 "$(dirname "$0")/01-literal-skip-desync.py" "$P" \
	attacker@localhost pw-attacker 2>&1)
printf '%s\n' "$out"
t_nomatch "$(printf '%s\n' "$out" | grep zeros)" VULNERABLE \
	"a literal announced with leading zeros is skipped after a BAD"
t_nomatch "$(printf '%s\n' "$out" | grep 4GB)" VULNERABLE \
	"a literal over 4 GB is not read as commands"
t_nomatch "$(printf '%s\n' "$out" | grep prelogin)" VULNERABLE \
	"before login, a literal after a BAD is not read as commands"
t_eq "$(ls -a "$MAIL/attacker" | grep -c smuggled)" 0 "no smuggled folder was made"
t_done
