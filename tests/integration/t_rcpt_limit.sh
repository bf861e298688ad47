#!/bin/bash
# t_rcpt_limit.sh - big recipient lists and damaged queue files.
#
# One message to 1000 recipients over SMTP (python smtplib): 950 user+N
# addresses of five mailboxes and 50 aliases that each grow by two more
# recipients in qmgr, so the recipient list also grows past 1000 by alias
# expansion.  Every RCPT up to smtpd_recipient_limit (1000) gets 250, the
# 1001st 452 4.5.3, and every recipient gets its copy: the Delivered-To
# fields of the Maildirs are counted and compared address by address.
#
# With smtpd_recipient_limit at its most (10000), long ORCPTs fill the
# envelope's byte budget first: the recipient that would not fit gets 452
# 4.5.3, and the message accepted reads back whole (to remote addresses,
# which stay deferred, so nothing is delivered).
#
# Then damaged queue files: one whose envelope is readable but whose
# result records are not, and one of pure garbage.  Each must be moved to
# corrupt/ with an error line naming its queue id, a notice to postmaster,
# a bounce to the sender when the sender could be read, and must show in
# `mailctl queue list` and `mailctl check`.
T_DEFAULT_SERVICES=1
. "$(dirname "$0")/lib.sh"

t_instance
P25=$((PB + 25))
MAIL=$INST/mail/localhost
QDIR=$INST/queue
for u in u0 u1 u2 u3 u4 x y alice pm; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1 ||
		t_fail "user $u added"
done
{
	tmailctl alias del postmaster &&
	tmailctl alias add postmaster pm@localhost
} >"$T/alias.out" 2>&1 || t_fail "postmaster alias" "$(cat "$T/alias.out")"
for k in $(seq 1 50); do
	printf 'team%d: x+%d@localhost, y+%d@localhost\n' "$k" "$k" "$k"
done >> "$INST/aliases"
tmailctl newaliases >/dev/null 2>&1 || t_fail "newaliases"
t_start
t_wait 10 sh -c "ss -Htln 'sport = :$P25' | grep -q ." || t_fail "smtp listens on $P25"

# All Delivered-To addresses in the Maildirs of the given users, sorted.
delivered_to() {
	local u
	for u in "$@"; do
		find "$MAIL/$u/new" -type f -exec grep -h '^Delivered-To: ' {} + 2>/dev/null
	done | sed 's/^Delivered-To: //' | sort
}

# ---- 1000 recipients in one transaction, and one more ------------------------
python3 - "$P25" > "$T/send.out" 2>&1 <<'PY'
import smtplib, sys
c = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=300)
c.ehlo('rcpt-limit.example')
code, _ = c.mail('alice@localhost')
print('mail %d' % code)
rcpts = ['u%d+%d@localhost' % (n % 5, n) for n in range(1, 951)]
rcpts += ['team%d@localhost' % k for k in range(1, 51)]
ok = 0
for r in rcpts:
    code, msg = c.rcpt(r)
    if code == 250:
        ok += 1
    else:
        print('refused %s %d %s' % (r, code, msg.decode()))
print('accepted %d' % ok)
code, msg = c.rcpt('u0+1001@localhost')
print('extra %d %s' % (code, msg.decode()))
code, msg = c.data(b'From: alice@localhost\r\nTo: undisclosed-recipients:;\r\n'
                   b'Subject: thousand\r\n\r\nto a thousand recipients\r\n')
print('data %d %s' % (code, msg.decode()))
c.quit()
PY
out=$(cat "$T/send.out")
t_match "$out" '^accepted 1000$' "all 1000 RCPTs accepted"
t_match "$out" '^extra 452 4\.5\.3 ' "the 1001st RCPT gets 452 4.5.3"
t_match "$out" '^data 250 2\.0\.0 Ok: queued as [0-9A-F]+' "the message is queued"
id=$(sed -n 's/^data 250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$T/send.out")

{
	for n in $(seq 1 950); do echo "u$((n % 5))+$n@localhost"; done
	for k in $(seq 1 50); do echo "x+$k@localhost"; echo "y+$k@localhost"; done
} | sort > "$T/expected"
t_wait 90 sh -c "[ \$(find '$MAIL' -path '*/new/*' -type f | xargs grep -l '^Subject: thousand\$' 2>/dev/null | wc -l) -ge 1050 ]"
sleep 1
t_wait 30 t_queue_idle
delivered_to u0 u1 u2 u3 u4 x y > "$T/got"
t_eq "$(wc -l < "$T/got")" 1050 "1050 copies delivered (950 + 50 aliases x 2)"
if cmp -s "$T/got" "$T/expected"; then
	t_pass "every recipient got exactly one copy"
else
	t_fail "every recipient got exactly one copy" \
		"$(diff "$T/expected" "$T/got" | head -n 10)"
fi
t_eq "$(ls "$QDIR/corrupt" | wc -l)" 0 "nothing in corrupt/"
t_file_has "$INST/log/maillog" "$id: removed" "the big message is finished and removed"

# ---- the envelope byte budget ----------------------------------------------------
t_set smtpd_recipient_limit 10000
tmailctl reload >/dev/null 2>&1 || t_fail "reload"
sleep 1
python3 - "$P25" > "$T/budget.out" 2>&1 <<'PY'
import smtplib, sys
c = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=300)
c.ehlo('rcpt-limit.example')
c.mail('alice@localhost')
orcpt = 'ORCPT=rfc822;' + 'o' * 493
n = 0
while n < 10000:
    code, msg = c.rcpt('r%d@remote.example' % n, [orcpt])
    if code != 250:
        print('refused %d %d %s' % (n, code, msg.decode()))
        break
    n += 1
print('accepted %d' % n)
code, msg = c.data(b'Subject: budget\r\n\r\nbody\r\n')
print('data %d %s' % (code, msg.decode()))
c.quit()
PY
out=$(cat "$T/budget.out")
n=$(sed -n 's/^accepted //p' "$T/budget.out")
t_match "$out" '^refused [0-9]+ 452 4\.5\.3 ' "long ORCPTs: the recipient past the byte budget gets 452 4.5.3"
[ -n "$n" ] && [ "$n" -gt 7000 ] && [ "$n" -lt 10000 ] &&
	t_pass "long ORCPTs: $n recipients fit, fewer than the count limit" ||
	t_fail "long ORCPTs: thousands of recipients fit, fewer than the count limit" "$out"
t_match "$out" '^data 250 2\.0\.0 Ok: queued as ' "long ORCPTs: the message is queued"
bid=$(sed -n 's/^data 250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$T/budget.out")
t_wait 60 sh -c "test -f '$QDIR/deferred/$bid'" &&
	t_pass "long ORCPTs: the message is read back and deferred (remote)" ||
	t_fail "long ORCPTs: the message is read back and deferred (remote)" "$(ls -R "$QDIR" | head)"
t_eq "$(tmailctl queue show "$bid" 2>&1 | grep -c '^recipient: r[0-9]*@remote\.example  deferred  orcpt=rfc822;o')" "$n" \
	"long ORCPTs: every recipient with its ORCPT in the queue"
tmailctl queue delete "$bid" >/dev/null 2>&1
t_eq "$(ls "$QDIR/corrupt" | wc -l)" 0 "still nothing in corrupt/"


# ---- damaged queue files -------------------------------------------------------
# put ID FILE: install FILE as incoming/ID, owned like the files smtpd writes.
put() {
	install -m 600 "$2" "$QDIR/incoming/$1"
	t_is_root && chown --reference="$QDIR/incoming" "$QDIR/incoming/$1"
	return 0
}
bad1=0000000000001000000B1
bad2=0000000000001000000B2
# An envelope that reads, content, and a result record naming recipient 7
# of a message that has two: the reader refuses the file.
python3 - "$bad1" "$T/bad1" <<'PY'
import sys, time
qid, path = sys.argv[1], sys.argv[2]
env = ('id=%s\nsender=alice@localhost\nrcpt=u1@localhost\nrcpt_orcpt=\n'
       'rcpt_notify=\nrcpt=u2@localhost\nrcpt_orcpt=\nrcpt_notify=\n'
       'arrival=%d\nproto=test\n\n' % (qid, int(time.time()))).encode()
content = b'From: alice@localhost\nSubject: damaged-records\n\nbody\n'
head = b'TERNQ1 %012d %012d\n' % (33 + len(env), len(content))
open(path, 'wb').write(head + env + content + b'done rcpt=7 dsn=2.0.0 text=x .\n')
PY
printf 'this is not a queue file\n' > "$T/bad2"
before=$(ls "$MAIL/alice/new" 2>/dev/null | wc -l)
put "$bad1" "$T/bad1"
put "$bad2" "$T/bad2"
tmailctl queue flush >/dev/null 2>&1
t_wait 15 sh -c "test -f '$QDIR/corrupt/$bad1' && test -f '$QDIR/corrupt/$bad2'" &&
	t_pass "damaged files are moved to corrupt/" ||
	t_fail "damaged files are moved to corrupt/" "$(ls -R "$QDIR" | head -n 30)"
t_file_has "$INST/log/maillog" "error: $bad1: corrupt queue file \(bad queue file record\)" \
	"error line with the queue id and the cause (records)"
t_file_has "$INST/log/maillog" "error: $bad2: corrupt queue file \(.*header\)" \
	"error line with the queue id and the cause (garbage)"

# postmaster (aliased to pm) hears about both.
t_wait 20 sh -c "grep -l '$bad1' '$MAIL'/pm/new/* 2>/dev/null | grep -q ." &&
	t_pass "postmaster notice for the damaged envelope file" ||
	t_fail "postmaster notice for the damaged envelope file"
t_wait 20 sh -c "grep -l '$bad2' '$MAIL'/pm/new/* 2>/dev/null | grep -q ." &&
	t_pass "postmaster notice for the garbage file" ||
	t_fail "postmaster notice for the garbage file"
f=$(grep -l "^Subject: .*$bad1" "$MAIL"/pm/new/* 2>/dev/null | head -n 1)
t_file_has "$f" "bad queue file record" "the notice says why"
t_file_has "$f" "alice@localhost" "the notice names the sender"

# The sender of the readable one gets a bounce naming the recipients.
t_wait 20 sh -c "[ \$(ls '$MAIL/alice/new' 2>/dev/null | wc -l) -gt $before ]"
b=$(grep -l "^X-Tern-Queue-ID: $bad1\$" "$MAIL"/alice/new/* 2>/dev/null | head -n 1)
t_file_has "$b" '^Action: failed$' "the sender gets a bounce"
t_file_has "$b" '^Final-Recipient: rfc822; u1@localhost$' "the bounce names the first recipient"
t_file_has "$b" '^Final-Recipient: rfc822; u2@localhost$' "the bounce names the second recipient"
t_file_has "$b" '^Subject: damaged-records$' "the bounce returns the original"
t_eq "$(ls "$MAIL/alice/new" | wc -l)" $((before + 1)) "one bounce, none for the garbage file"

list=$(tmailctl queue list 2>&1)
t_match "$list" "^$bad1 +corrupt " "queue list shows the damaged file in corrupt/"
t_match "$list" "^$bad2 +corrupt " "queue list shows the garbage file in corrupt/"
out=$(tmailctl queue release "$bad1" 2>&1)
t_match "$out" "$bad1: still cannot be read \(bad queue file record\); left in corrupt/" \
	"an unreadable file is not released from corrupt/"
t_eq "$(ls "$QDIR/corrupt" | wc -l)" 2 "both files stay in corrupt/"
check=$(tmailctl check 2>&1)
t_match "$check" "2 (files|messages) in .*corrupt/" "mailctl check reports the corrupt files"
t_match "$check" "$bad1" "mailctl check names a corrupt file"

t_done
