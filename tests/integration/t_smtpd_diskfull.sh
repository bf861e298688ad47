#!/bin/bash
# t_smtpd_diskfull.sh - smtpd(8) on a full queue file system: a message
# that does not fit is answered 452 4.3.1, its temporary file is removed,
# nothing reaches incoming/, and mail is accepted again once there is
# room.  The queue is a 2 MiB tmpfs, so this needs root.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtpd_lib.sh"

if ! t_is_root; then
	t_skip "disk full: mounting a small tmpfs as the queue needs root"
	t_done
fi
smtpd_instance
# Let the disk fill up while writing, not at the queue_minfree check.
t_set queue_minfree 1
t_set message_size_limit 10m
MNT=$INST/queue
if ! mount -t tmpfs -o size=2m,mode=0755 tern-test-queue "$MNT"; then
	t_skip "disk full: cannot mount a tmpfs here"
	t_done
fi
trap 't_cleanup_mount' EXIT
t_cleanup_mount() {
	t_stop
	umount "$MNT" 2>/dev/null
	t_cleanup
}
chown "$(id -u tern):$(id -g tern)" "$MNT"
t_start

head -c 3000000 /dev/zero | tr '\0' 'f' | fold -w 200 > "$T/big.txt"
out=$(swaks --server 127.0.0.1:"$P25" --from x@b.example --to a@localhost --body @"$T/big.txt" 2>&1)
t_match "$out" '<\*\* +452 4\.3\.1 Insufficient system storage' "queue file system full: 452 4.3.1"
t_eq "$(ls "$INST/queue/tmp" | wc -l)" 0 "the partial file was removed"
t_eq "$(qcount)" 0 "nothing in incoming/"
t_file_has "$INST/log/maillog" '[0-9A-F]{21}: queue file for \[127\.0\.0\.1\]:[0-9]+: No space left on device' "log names queue id, client and cause"

printf 'Subject: small\n\nfits\n' > "$T/small"
out=$(swaks --server 127.0.0.1:"$P25" --from x@b.example --to a@localhost --data @"$T/small" 2>&1)
t_match "$out" '<-  250 2\.0\.0 Ok: queued as' "a message that fits is accepted again"
t_eq "$(qcount)" 1 "one file in incoming/"

t_done
