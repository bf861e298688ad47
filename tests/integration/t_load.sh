#!/bin/bash
# t_load.sh - Postfix's smtp-source against the default suite: 5000
# messages of 4 KiB over 20 sessions (1000 under TERN_SAN, whose builds
# are slow), every one accepted and delivered exactly once, and the queue
# empty afterwards.  Delivery is waited for, never timed: throughput is
# bench/'s business.
T_DEFAULT_SERVICES=1
. "$(dirname "$0")/lib.sh"

SOURCE=/usr/sbin/smtp-source
if [ ! -x "$SOURCE" ]; then
	t_skip "smtp-source (Postfix) is not installed"
	t_done
fi
if [ "${TERN_SAN:-}" = 1 ]; then N=1000; else N=5000; fi

t_instance
P25=$((PB + 25))
MAIL=$INST/mail/localhost
QDIR=$INST/queue
echo pw | tmailctl user add bob@localhost --password-stdin >/dev/null 2>&1 || t_fail "user bob added"
t_start
t_wait 10 sh -c "ss -Htln 'sport = :$P25' | grep -q ." || t_fail "smtp listens on $P25"


start=$(date +%s)
"$SOURCE" -s 20 -m "$N" -l 4096 -f a@localhost -t bob@localhost "127.0.0.1:$P25" \
	>"$T/source.out" 2>&1
t_eq "$?" 0 "smtp-source: $N messages over 20 sessions, exit 0"
t_eq "$(head -c 300 "$T/source.out")" "" "smtp-source reported no error"
accepted=$(( $(date +%s) - start ))
queued=$(grep -c 'tern/smtpd\[[0-9]*\]: [0-9A-F]*: from=<a@localhost>, size=[0-9]*, nrcpt=1 (queued)' \
	"$INST/log/maillog")
t_eq "$queued" "$N" "smtpd logged $N messages queued"

# Generous: only a hang fails this, never slowness.
last=-1
i=0
while [ $i -lt 600 ]; do
	n=$(t_count_new bob)
	[ "$n" -ge "$N" ] && break
	if [ "$n" = "$last" ] && [ $i -ge 60 ]; then	# no progress for a minute
		break
	fi
	[ $((i % 60)) = 0 ] && last=$n
	sleep 1
	i=$((i + 1))
done
t_log "t_load: $N accepted in ${accepted}s, delivered after $(( $(date +%s) - start ))s"
t_wait 30 t_queue_empty
sleep 2	# a late duplicate would have time to show
t_eq "$(t_count_new bob)" "$N" "bob's new/ holds exactly $N messages"
t_eq "$(grep -c 'relay=local, .*status=sent' "$INST/log/maillog")" "$N" "local logged $N deliveries"
# The messages are identical but for the Received field's queue id.
ids=$(grep -h -m 1 -o 'with E\?SMTP id [0-9A-F]*' "$MAIL"/bob/new/* | awk '{ print $NF }' | sort)
t_eq "$(echo "$ids" | sort -u | wc -l)" "$N" "$N distinct queue ids in the delivered files"
t_eq "$(echo "$ids" | uniq -d | head -n 5)" "" "no queue id delivered twice"
bad=0
for f in "$MAIL"/bob/new/*; do
	case "$f" in *,S=*) ;; *) bad=$((bad + 1)) ;; esac
done
t_eq "$bad" 0 "every Maildir name carries its size"
# Identical bodies: no delivered message is cut short or mixed up.
bodies=$(python3 - "$MAIL/bob/new" <<'EOF'
import hashlib, os, sys
d = sys.argv[1]
seen = {}
for name in os.listdir(d):
    data = open(os.path.join(d, name), 'rb').read()
    body = data.partition(b'\n\n')[2]
    h = '%s %d' % (hashlib.sha256(body).hexdigest()[:16], len(body))
    seen[h] = seen.get(h, 0) + 1
for h, n in sorted(seen.items()):
    print(h, n)
EOF
)
t_match "$bodies" "^[0-9a-f]{16} [0-9]{4} $N\$" "all $N bodies identical ($bodies)"
t_match "$(tmailctl queue list 2>&1)" '^Mail queue is empty$' "mailctl queue list: empty"
for d in incoming active deferred tmp; do
	t_eq "$(find "$QDIR/$d" -type f | wc -l)" 0 "queue $d/ is empty"
done
t_eq "$(find "$MAIL/bob/tmp" -type f | wc -l)" 0 "Maildir tmp/ is empty"
t_eq "$(grep -E '(panic|fatal|warning):' "$INST/log/maillog" | head -n 5)" "" \
	"no panic, fatal or warning in the log"

t_done
