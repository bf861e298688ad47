#!/bin/bash
# t_install.sh - the product as an administrator gets it: `make install`
# into a scratch prefix (its own build directory, since the paths are
# compiled in; the sanitizer run installs the sanitizer build), then
# README's steps: edit main.conf and master.conf, check, start, add a
# user, and use it with real clients - SMTP, submission with AUTH, POP3
# over TLS, sendmail as an unprivileged user while tern runs and while it
# is stopped, mail to postmaster - then reload, restart, the init script,
# install-sendmail and uninstall, which keeps configuration and mail.
# Nothing outside the scratch prefix is written except the system users
# that `mailctl setup` creates when missing.
. "$(dirname "$0")/lib.sh"

if ! t_is_root; then
	t_skip "installing needs root (system users, file owners)"
	t_done
fi

P=$T/prefix
PB=$(inst_free_port_base)
VARS=(PREFIX="$P" QUEUEDIR="$P/var/spool/tern" MAILBOXDIR="$P/var/lib/tern/mail"
      LOGDIR="$P/var/log" INITDIR="$P/etc/init.d" LOGROTATEDIR="$P/etc/logrotate.d"
      SENDMAIL_PATH="$P/sys/usr/sbin/sendmail" MAILQ_PATH="$P/sys/usr/bin/mailq"
      NEWALIASES_PATH="$P/sys/usr/bin/newaliases" O="$T/build")
[ "${TERN_SAN:-}" = 1 ] && VARS+=(BUILD=san)
MC=$P/sbin/mailctl
Q=$P/var/spool/tern
BOX=$P/var/lib/tern/mail/example.org/alice
CONF=$P/etc/tern

# Stop the installed suite whatever happens, by the pid in its pid file.
t_install_cleanup() {
	local pid
	pid=$(head -n 1 "$Q/pid/master.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		"$MC" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
		t_wait 10 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
	fi
	if [ "$T_FAILED" -gt 0 ]; then
		echo "---- $T_NAME: log ----"
		tail -n 40 "$LOGFILE" 2>/dev/null
		echo "----"
	fi
	t_cleanup
}
trap t_install_cleanup EXIT

as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
count_mail() { find "$BOX/new" "$BOX/cur" -type f 2>/dev/null | wc -l; }
maildrop_count() { find "$Q/maildrop" -type f 2>/dev/null | wc -l; }

# ---- make install ---------------------------------------------------------
# Another program's newaliases in the prefix is no file of tern's.
mkdir -p "$P/bin" && echo "another newaliases" > "$P/bin/newaliases"
OUT=$(make -C "$TOP" -s -j2 "${VARS[@]}" install 2>&1)
RC=$?
t_eq "$RC" 0 "make install into a scratch prefix exits 0"
[ "$RC" = 0 ] || { t_log "$OUT"; t_done; }
for f in libexec/tern/master libexec/tern/smtpd libexec/tern/qmgr \
	 libexec/tern/local libexec/tern/auth libexec/tern/pop3d \
	 sbin/mailctl share/man/man8/mailctl.8 share/man/man5/main.conf.5 \
	 lib/systemd/system/tern.service etc/logrotate.d/tern; do
	[ -e "$P/$f" ] && t_pass "installed $f" || t_fail "installed $f"
done
[ -x "$P/etc/init.d/tern" ] && t_pass "the init script is installed executable" \
	|| t_fail "the init script is installed executable"
t_file_has "$P/etc/init.d/tern" '^### BEGIN INIT INFO' "the init script has LSB headers"
t_file_has "$P/etc/init.d/tern" "$P/sbin/mailctl" "the init script acts through the installed mailctl"
t_file_has "$P/etc/logrotate.d/tern" "$P/var/log/tern.log" "logrotate names the fallback log"
t_eq "$(readlink "$P/sbin/sendmail")" "$P/sbin/mailctl" "sendmail is mailctl under another name"
t_eq "$(readlink "$P/bin/mailq")" "$P/sbin/mailctl" "so is mailq"
t_eq "$(cat "$P/bin/newaliases")" "another newaliases" "install leaves another program's newaliases alone"
t_match "$OUT" "newaliases exists and is not tern's" "...and says so"
t_match "$OUT" 'self-signed TLS certificate' "make install (as root) made a self-signed pair and said so"
t_eq "$(stat -c '%U %a' "$CONF/users")" "ternauth 600" "the users file is auth_owner's, mode 0600"
[ -s "$CONF/users.db" ] && [ -s "$CONF/aliases.db" ] && t_pass "users.db and aliases.db exist" \
	|| t_fail "users.db and aliases.db exist"
t_eq "$(stat -c '%U %a' "$CONF/tls/key.pem")" "root 600" "the TLS key is root's, mode 0600"
t_eq "$(stat -c '%U %a' "$Q")" "root 755" "the queue directory is root's"
t_eq "$(stat -c '%U %a' "$P/var/lib/tern/mail")" "vmail 750" "mail_directory is vmail_owner's"
t_file_has "$CONF/main.conf" 'inet_interfaces = all' "main.conf says how to listen on every address"

# A second install replaces programs and never a configuration file.
echo "# mine" >> "$CONF/main.conf"
key_before=$(sha256sum < "$CONF/tls/key.pem")
OUT=$(make -C "$TOP" -s -j2 "${VARS[@]}" install 2>&1)
t_eq "$?" 0 "a second make install exits 0"
t_file_has "$CONF/main.conf" '^# mine$' "a second install keeps the edited main.conf"
t_eq "$(sha256sum < "$CONF/tls/key.pem")" "$key_before" "a second install keeps the TLS key"
t_file_has "$CONF/main.conf.dist" '^daemon_directory' "the new main.conf is there as main.conf.dist"

# The shipped master.conf names ports by /etc/services names (smtp:smtp).
OUT=$("$MC" check 2>&1)
t_eq "$?" 0 "mailctl check passes on the files as installed"
t_nomatch "$OUT" 'error:' "check of the installed files finds no error"

# ---- README: edit main.conf and master.conf --------------------------------
cat >> "$CONF/main.conf" <<EOF
myhostname = mail.example.org
mydestination = \$myhostname, localhost, example.org
inet_interfaces = 127.0.0.1
EOF
# Ports off the standard ones, which a benchmark's Postfix may hold.
sed -i -E -e "s/^smtp:smtp /smtp:$((PB + 25)) /" \
	-e "s/^submission:587 /submission:$((PB + 587)) /" \
	-e "s/^smtps:465 /smtps:$((PB + 465)) /" \
	-e "s/^pop3:pop3 /pop3:$((PB + 110)) /" \
	-e "s/^pop3s:995 /pop3s:$((PB + 995)) /" \
	-e "s/^imap:imap /imap:$((PB + 143)) /" \
	-e "s/^imaps:993 /imaps:$((PB + 993)) /" "$CONF/master.conf"

OUT=$("$MC" check 2>&1)
t_eq "$?" 0 "mailctl check passes on the shipped files (exit 0: warnings only)"
t_nomatch "$OUT" 'error:' "check finds no error"
t_match "$OUT" 'warning: .*self-signed' "check warns that the certificate is self-signed"
t_match "$OUT" 'warning: .*postmaster' "check warns while postmaster has no mailbox"

OUT=$(printf 'secret\n' | "$MC" user add alice@example.org --password-stdin 2>&1)
t_eq "$?" 0 "user add exits 0"
t_match "$OUT" 'postmaster: now alice@example.org' "the first user becomes postmaster, and is told"
OUT=$("$MC" check 2>&1)
t_nomatch "$OUT" 'postmaster' "check no longer warns about postmaster"

# ---- start -----------------------------------------------------------------
OUT=$("$MC" start 2>&1)
RC=$?
t_eq "$RC" 0 "mailctl start succeeds with no file made by hand"
[ "$RC" = 0 ] || { t_log "$OUT"; t_done; }
t_match "$OUT" 'logging to' "start says where the suite logs"
LOGFILE=$(printf '%s\n' "$OUT" | sed -n 's/.*logging to \(\/[^ ;]*\).*/\1/p' | head -n 1)
"$MC" status >/dev/null 2>&1
t_eq "$?" 0 "status: running (0)"

# SMTP, submission with AUTH over STARTTLS, POP3 over TLS.
swaks --server 127.0.0.1:$((PB + 25)) --from bob@remote.example \
	--to alice@example.org --header 'Subject: plain smtp' \
	--body 'first message body' >/dev/null 2>&1
t_eq "$?" 0 "swaks to the smtp service"
swaks --server 127.0.0.1:$((PB + 587)) --tls --auth PLAIN \
	--auth-user alice@example.org --auth-password secret \
	--from alice@example.org --to alice@example.org \
	--header 'Subject: submitted' --body 'second message body' >/dev/null 2>&1
t_eq "$?" 0 "swaks with STARTTLS and AUTH to submission"
swaks --server 127.0.0.1:$((PB + 25)) --from bob@remote.example \
	--to postmaster@example.org --header 'Subject: for postmaster' \
	--body 'postmaster body' >/dev/null 2>&1
t_eq "$?" 0 "swaks to postmaster"
t_wait 20 sh -c "[ \$(find '$BOX/new' -type f | wc -l) -ge 3 ]" \
	|| t_fail "three messages delivered" "$(ls -R "$BOX" 2>&1)"
POP=$(curl -sk --max-time 20 "pop3s://127.0.0.1:$((PB + 995))/" -u alice@example.org:secret)
t_eq "$(printf '%s\n' "$POP" | grep -c .)" 3 "pop3s lists three messages"
ALL=$(for i in 1 2 3; do curl -sk --max-time 20 \
	"pop3s://127.0.0.1:$((PB + 995))/$i" -u alice@example.org:secret; done)
t_match "$ALL" 'first message body' "the smtp message is read over pop3s"
t_match "$ALL" 'second message body' "the submitted message is read over pop3s"
t_match "$ALL" 'postmaster body' "mail to postmaster reaches alice's mailbox"

# ---- sendmail as a user: running, then stopped ----------------------------
MSG="To: alice@example.org
Subject: from cron

sendmail while running"
OUT=$(printf '%s\n' "$MSG" | as_user "$P/sbin/sendmail" -t 2>&1)
t_eq "$?" 0 "sendmail -t as an unprivileged user exits 0"
t_eq "$OUT" "" "sendmail is silent on success"
t_wait 20 sh -c "grep -rqs 'sendmail while running' '$BOX/new'" \
	&& t_pass "sendmail's message arrives" || t_fail "sendmail's message arrives"

"$MC" stop >/dev/null 2>&1
t_eq "$?" 0 "mailctl stop"
"$MC" status >/dev/null 2>&1
t_eq "$?" 3 "status: not running (3)"
MSG="To: alice@example.org
Subject: while stopped

sendmail while stopped"
OUT=$(printf '%s\n' "$MSG" | as_user "$P/sbin/sendmail" -t 2>&1)
t_eq "$?" 0 "sendmail exits 0 while tern is stopped (never 75)"
t_eq "$OUT" "" "... and says nothing"
t_eq "$(maildrop_count)" 1 "the message waits in maildrop"
before=$(count_mail)
OUT=$("$P/etc/init.d/tern" start 2>&1)
t_eq "$?" 0 "the init script starts the suite"
"$P/etc/init.d/tern" status >/dev/null 2>&1
t_eq "$?" 0 "init script status: running (0)"
t_wait 30 sh -c "grep -rqs 'sendmail while stopped' '$BOX/new'" \
	&& t_pass "the maildrop message is delivered after start" \
	|| t_fail "the maildrop message is delivered after start"
t_eq "$(maildrop_count)" 0 "maildrop is empty again"
t_eq "$(count_mail)" $((before + 1)) "a restart kept every message"

# ---- reload after a change ----------------------------------------------
"$MC" alias add sales alice@example.org >/dev/null 2>&1
OUT=$("$MC" check 2>&1 && "$MC" reload 2>&1)
t_eq "$?" 0 "mailctl check && mailctl reload"
swaks --server 127.0.0.1:$((PB + 25)) --from bob@remote.example \
	--to sales@example.org --body 'for sales' >/dev/null 2>&1
t_wait 20 sh -c "grep -rqs 'for sales' '$BOX/new'" \
	&& t_pass "the new alias works after reload" || t_fail "the new alias works after reload"

# ---- install-sendmail ---------------------------------------------------
mkdir -p "$P/sys/usr/bin"
echo "not tern's" > "$P/sys/usr/bin/mailq"
OUT=$(make -C "$TOP" -s "${VARS[@]}" install-sendmail 2>&1)
t_eq "$?" 2 "install-sendmail refuses a mailq that is not tern's"
t_match "$OUT" 'nothing changed' "... and changes nothing"
[ ! -e "$P/sys/usr/sbin/sendmail" ] && t_pass "no sendmail link after a refusal" \
	|| t_fail "no sendmail link after a refusal"
OUT=$(make -C "$TOP" -s "${VARS[@]}" FORCE=1 install-sendmail 2>&1)
t_eq "$?" 0 "install-sendmail FORCE=1"
t_eq "$(readlink "$P/sys/usr/sbin/sendmail")" "$P/sbin/mailctl" "sendmail links to mailctl"
t_eq "$(cat "$P/sys/usr/bin/mailq.tern-orig")" "not tern's" "the old mailq is kept aside"
OUT=$("$P/sys/usr/bin/mailq" 2>&1)
t_eq "$?" 0 "mailq (as root) works"
pkg=$(dpkg-query -S /usr/sbin/sendmail 2>/dev/null | cut -d: -f1)
if [ -n "$pkg" ]; then
	sum=$(sha256sum /usr/sbin/sendmail 2>/dev/null)
	OUT=$(make -C "$TOP" -s "${VARS[@]}" SENDMAIL_PATH=/usr/sbin/sendmail \
		MAILQ_PATH="$P/x/mailq" NEWALIASES_PATH="$P/x/newaliases" install-sendmail 2>&1)
	t_eq "$?" 2 "install-sendmail refuses /usr/sbin/sendmail of package $pkg"
	t_match "$OUT" "package $pkg" "... naming the package"
	t_eq "$(sha256sum /usr/sbin/sendmail 2>/dev/null)" "$sum" "/usr/sbin/sendmail is untouched"
else
	t_skip "no package owns /usr/sbin/sendmail here"
fi

# ---- stop, uninstall ---------------------------------------------------
before=$(count_mail)
"$P/etc/init.d/tern" stop >/dev/null 2>&1
t_eq "$?" 0 "the init script stops the suite"
OUT=$(make -C "$TOP" -s "${VARS[@]}" uninstall 2>&1)
t_eq "$?" 0 "make uninstall exits 0"
t_match "$OUT" 'kept' "uninstall says what it keeps"
for f in libexec/tern/master sbin/mailctl sbin/sendmail share/man/man8/mailctl.8 \
	 lib/systemd/system/tern.service etc/init.d/tern etc/logrotate.d/tern \
	 sys/usr/sbin/sendmail; do
	[ ! -e "$P/$f" ] && t_pass "uninstall removed $f" || t_fail "uninstall removed $f"
done
t_eq "$(cat "$P/sys/usr/bin/mailq" 2>/dev/null)" "not tern's" "uninstall put the old mailq back"
t_eq "$(cat "$P/bin/newaliases" 2>/dev/null)" "another newaliases" "uninstall leaves another program's newaliases alone"
[ ! -e "$P/bin/mailq" ] && t_pass "uninstall removed tern's mailq" || t_fail "uninstall removed tern's mailq"
for f in main.conf master.conf users users.db aliases aliases.db tls/key.pem; do
	[ -s "$CONF/$f" ] && t_pass "uninstall kept $f" || t_fail "uninstall kept $f"
done
t_eq "$(count_mail)" "$before" "uninstall kept every message"
t_done
