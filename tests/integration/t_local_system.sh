#!/bin/bash
# t_local_system.sh - delivery to system accounts (system_accounts = yes),
# as root with a real system user made for the test: the message lands in
# the user's ~/Maildir, written by the user (the file is theirs), with the
# same headers as a virtual delivery; virtual users still get theirs in
# the same request; root's account is refused; and the roles are as
# architecture §2 says: the root parent of local holds only CAP_SETUID and
# CAP_SETGID, and the process that talks to qmgr (the reader, which parses
# every record) runs as vmail_owner with no capabilities.
. "$(dirname "$0")/lib.sh"

if ! t_is_root; then
	t_skip "delivery to system accounts (needs root and a system user)"
	# A stop reaches the reader through its channel (the root parent may not
# signal it): nothing of local is left once mailctl stop returns.
t_stop
left=
for pid in $(pgrep -x local); do
	tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $INST " && left="$left $pid"
done
t_eq "$left" "" "after mailctl stop no local process is left, the reader included"

t_done
fi

SYSUSER=ternsys$$
useradd --system --home-dir "$T/home-$SYSUSER" --create-home \
	--shell /usr/sbin/nologin "$SYSUSER" >/dev/null 2>&1 ||
	t_fail "a system user for the test" "useradd failed"
cleanup_user() { userdel "$SYSUSER" >/dev/null 2>&1; }
trap 'cleanup_user; t_cleanup' EXIT
chmod 755 "$T"

t_instance
t_set system_accounts yes
t_set queue_run_delay 1s
t_services auth qmgr local
# root stays root (no alias): the test proves root's account is refused.
echo pw-v | tmailctl user add virt@localhost --password-stdin --no-postmaster >/dev/null 2>&1
t_start

printf 'From: someone@localhost\nSubject: to a system account\n\nhello system\n' |
	t_inject -f someone@localhost "$SYSUSER@localhost" virt@localhost >/dev/null
HOME_MD=$T/home-$SYSUSER/Maildir
if t_wait 20 sh -c "ls '$HOME_MD'/new/* >/dev/null 2>&1"; then
	f=$(ls "$HOME_MD"/new/* | head -n 1)
	t_eq "$(stat -c %U "$f")" "$SYSUSER" "the message in ~/Maildir/new is the user's own file"
	t_eq "$(head -n 2 "$f")" "$(printf 'Return-Path: <someone@localhost>\nDelivered-To: %s@localhost' "$SYSUSER")" \
		"Return-Path and Delivered-To as for any delivery"
	t_file_has "$f" '^hello system$' "the body is there"
else
	t_fail "the message reaches the system user's ~/Maildir" \
		"$(grep local "$INST/log/maillog" | tail -n 5)"
fi
t_wait 20 sh -c "ls '$INST/mail/localhost/virt/new/'* >/dev/null 2>&1" &&
	t_pass "the virtual recipient of the same message is delivered" ||
	t_fail "the virtual recipient of the same message is delivered"
t_file_has "$INST/log/maillog" "to=<$SYSUSER@localhost>, relay=local, .*status=sent \\(delivered to maildir\\)" \
	"the delivery is logged"

# The processes: qmgr keeps its connection, so the reader is still there.
reader=
for pid in $(pgrep -x local); do
	tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $INST " || continue
	[ "$(t_proc_status "$pid" Uid)" = "$(id -u vmail)" ] && reader=$pid
done
parent=$([ -n "$reader" ] && awk '{ print $4 }' "/proc/$reader/stat")
if [ -n "$reader" ] && [ -n "$parent" ]; then
	t_eq "$(ps -o comm= -p "$parent"):$(t_proc_status "$parent" Uid)" local:0 \
		"the reader's parent is local, as root"
	t_eq "$(t_proc_status "$parent" CapEff)" 00000000000000c0 \
		"local's root parent holds CAP_SETUID and CAP_SETGID only"
	t_eq "$(t_proc_status "$reader" CapEff)" 0000000000000000 \
		"the reader (qmgr's records, auth's replies) runs as vmail_owner without capabilities"
else
	t_fail "find local's reader and its root parent" "reader=$reader parent=$parent"
fi

# root's account is never delivered to.
printf 'Subject: to root\n\nx\n' | t_inject -f someone@localhost root@localhost >/dev/null
t_wait 20 grep -q 'to=<root@localhost>.*delivery to a root account is not allowed' "$INST/log/maillog" &&
	t_pass "root's account is refused" || t_fail "root's account is refused"

# A stop reaches the reader through its channel (the root parent may not
# signal it): nothing of local is left once mailctl stop returns.
t_stop
left=
for pid in $(pgrep -x local); do
	tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $INST " && left="$left $pid"
done
t_eq "$left" "" "after mailctl stop no local process is left, the reader included"

t_done
