#!/bin/bash
# t_nosyslog.sh - a suite on a machine without a syslog daemon, as Debian
# runs in a container (issue 11): maillog_file is empty and nothing answers
# on /dev/log, so every program logs to maillog_fallback_file, and the
# administrator can see why a service does not start.
#
# Every mailctl command runs in a mount namespace of its own (unshare -m)
# where /dev/log, if the machine has one, is covered by an empty file, so
# no connection to it can succeed; master started there keeps that view,
# and so do its children.  Checked: `mailctl start` names the fallback
# file, which master created (root, 0640) and where smtpd, qmgr and local
# log a delivery; with the TLS certificate gone, `mailctl start` fails and
# prints the daemon's own fatal line (the certificate's path, "No such
# file") and names the log, which holds the same line; a daemon that dies
# before its log is set up (a broken main.conf at respawn) is still heard,
# through master; `mailctl start -f` shows the lines of every daemon, each
# line whole.  Needs root (mount namespaces).
T_DEFAULT_SERVICES=1
. "$(dirname "$0")/lib.sh"

if ! t_is_root; then
	t_skip "a suite without syslog (needs root for unshare -m)"
	t_done
fi
if ! unshare -m true 2>/dev/null; then
	t_skip "a suite without syslog (unshare -m is not permitted here)"
	t_done
fi

t_instance
FB=$T/log/tern.log
mkdir -m 755 "$T/log"
sed -i '/^maillog_file[[:space:]]*=/d' "$INST/main.conf"
t_set maillog_fallback_file "$FB"
t_set service_throttle_time 1s
cp "$INST/main.conf" "$T/main.conf.good"
P25=$((PB + 25))
: >"$T/nolog"

# What this test could not see otherwise: the fallback file's last lines.
trap '[ "$T_FAILED" -gt 0 ] && [ -f "$FB" ] && { echo "---- $T_NAME: last lines of $FB ----"; tail -n 40 "$FB"; echo "----"; }; t_cleanup' EXIT

# nosys COMMAND...: run COMMAND where nothing answers on /dev/log.
nosys() {
	unshare -m sh -c '
		nolog=$1; shift
		if [ -e /dev/log ]; then
			mount --bind "$nolog" /dev/log || exit 97
		fi
		exec "$@"' nosys "$T/nolog" "$@"
}
nsmailctl() { nosys "$TERN_BIN/mailctl" -c "$INST" "$@"; }

if nosys python3 -c '
import socket, sys
for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_UNIX, t)
    try:
        s.connect("/dev/log")
        sys.exit(1)
    except OSError:
        pass
sys.exit(0)'; then
	t_setup "nothing answers on /dev/log inside the namespace"
else
	t_fail "nothing answers on /dev/log inside the namespace"
	t_done
fi

echo pw-bob | tmailctl user add bob@localhost --password-stdin >/dev/null 2>&1 ||
	t_fail "user bob added"
MAIL=$INST/mail/localhost/bob
delivered() { t_wait 30 sh -c "grep -qlx 'Subject: $1' '$MAIL'/new/* 2>/dev/null"; }
send() {
	swaks --server 127.0.0.1:"$P25" --from alice@localhost --to bob@localhost \
		--header "Subject: $1" --body "$1" 2>&1
}

# ---- a start without syslog logs to the fallback file ---------------------
OUT=$(nsmailctl start 2>&1)
t_eq "$?" 0 "mailctl start succeeds without syslog"
t_match "$OUT" "started; logging to $FB\$" "start names the fallback file"
t_eq "$(stat -c %U:%a "$FB" 2>&1)" root:640 "master created the fallback file, root's, 0640"
t_file_has "$FB" "tern/master\[[0-9]+\]: starting: .*logging to $FB\$" "master logs there"
t_match "$(send nosys-one)" '<-  250 2\.0\.0 Ok: queued as' "swaks: the message is queued"
if delivered nosys-one; then t_pass "the message is delivered"
else t_fail "the message is delivered" "nothing in $MAIL/new"; fi
t_wait 10 grep -qE 'tern/local\[[0-9]+\]: .*status=sent' "$FB"
t_file_has "$FB" 'tern/smtpd\[[0-9]+\]: [0-9A-F]+: client=\[127\.0\.0\.1\]:[0-9]+' "smtpd's lines are in the fallback file"
t_file_has "$FB" 'tern/qmgr\[[0-9]+\]: [0-9A-F]+: from=<alice@localhost>' "qmgr's lines are in the fallback file"
t_file_has "$FB" 'tern/local\[[0-9]+\]: [0-9A-F]+: to=<bob@localhost>, .*status=sent' "local's lines are in the fallback file"
t_file_has "$FB" 'tern/mailctl\[[0-9]+\]: started; logging to ' "mailctl's own lines are there too"

# ---- a daemon that dies before its log is set up is heard through master -----
# Daemons started from now on read the broken main.conf, which they cannot
# load, so they die before they know where to log (master, which read it
# at start, keeps running); smtp's idle processes stopped with SIGTERM are
# replaced.
SPID=$(tmailctl status 2>/dev/null | awk '$1 == "smtp" { for (i = 9; i <= NF; i++) print $i }')
echo "a line that is no parameter" >>"$INST/main.conf"
if [ -n "$SPID" ] && kill -TERM $SPID; then
	t_wait 15 grep -q 'service smtp: last output: ' "$FB"
	t_file_has "$FB" "tern/master\[[0-9]+\]: warning: service smtp: last output: smtpd: fatal: $INST/main\.conf, line [0-9]+: expected" \
		"smtpd's fatal line from before its log was set up reaches the log through master"
else
	t_fail "smtpd's pid from mailctl status" "[$SPID]"
fi
cp "$T/main.conf.good" "$INST/main.conf"
OUT=$(nsmailctl stop 2>&1)
t_eq "$?" 0 "mailctl stop succeeds"

# ---- a service that cannot start: its own words, and where the log is --------
mv "$INST/tls/cert.pem" "$T/cert.pem"
OUT=$(nsmailctl start 2>&1)
t_eq "$?" 1 "mailctl start fails without the TLS certificate"
t_match "$OUT" "master: service (smtps|pop3s): throttling: " "start gives master's reason"
LINE=$(printf '%s\n' "$OUT" | grep -E "service (smtps|pop3s): (smtpd|pop3d): fatal: .*TLS: certificate $INST/tls/cert\.pem: .*No such file or directory" | head -n 1)
if [ -n "$LINE" ]; then
	t_pass "start prints the daemon's own fatal line: the certificate and No such file"
else
	t_fail "start prints the daemon's own fatal line: the certificate and No such file" "$OUT"
fi
t_match "$OUT" "the suite logs to $FB\$" "start names the log file"
FATAL=${LINE#*: fatal: }
if [ -n "$LINE" ] && grep -qF -- "fatal: $FATAL" "$FB"; then
	t_pass "the log file holds the same fatal line"
else
	t_fail "the log file holds the same fatal line" "[fatal: $FATAL] not in $FB"
fi
t_eq "$(t_master_pid)" "" "no master is left running"
mv "$T/cert.pem" "$INST/tls/cert.pem"

# ---- start -f shows every daemon's lines -------------------------------------
nsmailctl start -f >"$T/fg.out" 2>&1 &
FG=$!
if t_wait 20 sh -c "ss -Htln 'sport = :$P25' | grep -q ." &&
   t_wait 20 grep -q '^qmgr: ' "$T/fg.out"; then
	t_setup "start -f is up"
else
	t_fail "start -f is up" "$(tail -n 20 "$T/fg.out")"
fi
t_match "$(send nosys-fg)" '<-  250 2\.0\.0 Ok: queued as' "swaks to start -f: queued"
delivered nosys-fg || t_fail "the message sent to start -f is delivered"
t_wait 10 grep -q '^local: .*status=sent' "$T/fg.out"
OUT=$(tmailctl stop 2>&1)
t_eq "$?" 0 "mailctl stop ends start -f"
t_wait 20 sh -c "! kill -0 $FG 2>/dev/null"
wait "$FG" 2>/dev/null
t_file_has "$T/fg.out" '^master: starting: ' "start -f shows master's lines"
t_file_has "$T/fg.out" '^smtpd: [0-9A-F]+: client=\[127\.0\.0\.1\]:[0-9]+' "start -f shows smtpd's lines"
t_file_has "$T/fg.out" '^qmgr: [0-9A-F]+: from=<alice@localhost>' "start -f shows qmgr's lines"
t_file_has "$T/fg.out" '^local: [0-9A-F]+: to=<bob@localhost>, .*status=sent' "start -f shows local's lines"
BAD=$(grep -cvE '^[a-z0-9-]+: ' "$T/fg.out")
if [ -s "$T/fg.out" ] && [ "$BAD" = 0 ]; then
	t_pass "every line of start -f is one program's whole line"
else
	t_fail "every line of start -f is one program's whole line" \
		"$(grep -vE '^[a-z0-9-]+: ' "$T/fg.out" | head -n 5)"
fi

# The harness looks for crashes hidden by respawning in log/maillog; here
# the log is the fallback file.
t_eq "$(grep -c 'terminated on signal' "$FB")" 0 "no daemon terminated on a signal"
t_done
