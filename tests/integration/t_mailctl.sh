#!/bin/bash
# t_mailctl.sh - mailctl as the administrator uses it: init (layout,
# modes, TLS pair, refusal to re-init), config, check (fresh and broken
# instances), users, aliases, status/start/stop, and as root the owners of
# what init made.
. "$(dirname "$0")/lib.sh"

MC=$TERN_BIN/mailctl

# mailctl_rc ARGS...: run mailctl on the instance, output in $OUT, status in $RC.
mailctl_rc() {
	OUT=$(tmailctl "$@" 2>&1)
	RC=$?
}

t_instance --domain example.org

# ---- init: layout -------------------------------------------------------
for f in main.conf master.conf aliases aliases.db users users.db \
		tls/cert.pem tls/key.pem log/maillog; do
	if [ -f "$INST/$f" ]; then t_pass "init made $f"
	else t_fail "init made $f"; fi
done
for d in queue mail log tls; do
	if [ -d "$INST/$d" ]; then t_pass "init made $d/"
	else t_fail "init made $d/"; fi
done
t_eq "$(stat -c %a "$INST/users")" 600 "users has mode 0600"
t_eq "$(stat -c %a "$INST/users.db")" 600 "users.db has mode 0600"
t_eq "$(stat -c %a "$INST/tls/key.pem")" 600 "TLS key has mode 0600"
t_eq "$(stat -c %a "$INST")" 755 "instance directory has mode 0755"
t_file_has "$INST/main.conf" "^queue_directory = $INST/queue\$" "main.conf: queue_directory"
t_file_has "$INST/main.conf" "^mail_directory = $INST/mail\$" "main.conf: mail_directory"
t_file_has "$INST/main.conf" "^maillog_file = $INST/log/maillog\$" "main.conf: maillog_file"
t_file_has "$INST/main.conf" "^daemon_directory = $TERN_BIN\$" "main.conf: daemon_directory is the build"
t_file_has "$INST/main.conf" "^inet_interfaces = 127.0.0.1\$" "main.conf: loopback only"
t_file_has "$INST/main.conf" '^mydestination = example.org, \$myhostname, localhost$' "main.conf: mydestination"
t_file_has "$INST/main.conf" "Port base $PB" "main.conf names the port base"
t_file_has "$INST/master.conf" "^#smtp:$((PB + 25)) +inet " "master.conf: smtp on base+25 (commented)"
t_file_has "$INST/master.conf" "^#imaps:$((PB + 993)) +inet " "master.conf: imaps on base+993 (commented)"
t_file_has "$INST/master.conf" "^#auth +unix " "master.conf: auth (commented)"
# init enables exactly the services whose program is in daemon_directory.
"$TERN_BIN/mailctl" init "$T/full" --port-base "$PB" >/dev/null 2>&1
for svc in smtp submission smtps submit pop3 pop3s imap imaps auth qmgr local; do
	prog=$(grep -E "^#?$svc[: ]" "$T/full/master.conf" | awk '{print $7}')
	if [ -x "$TERN_BIN/$prog" ]; then
		t_file_has "$T/full/master.conf" "^$svc[: ]" "init enables $svc ($prog is built)"
	else
		t_file_has "$T/full/master.conf" "^#$svc[: ]" "init leaves $svc commented out ($prog is not built)"
	fi
done
t_file_has "$T/full/master.conf" "^submission:$((PB + 587)) .* -o smtpd_require_auth=yes" "submission requires AUTH"
t_file_has "$T/full/master.conf" "^smtps:$((PB + 465)) .* -o smtpd_tls_wrappermode=yes" "smtps is implicit TLS"
t_file_has "$T/full/master.conf" "^submit .* -o smtpd_local_submit=yes" "submit is local submission"
t_file_has "$INST/aliases" '^postmaster: root$' "aliases: postmaster"
t_match "$(strings "$INST/aliases.db")" '^postmaster$' "aliases.db holds postmaster"
t_file_has "$T/init.out" "start it with: mailctl -c $INST start" "init says how to start"

# ---- init: TLS pair -----------------------------------------------------
host=$(tmailctl config myhostname | sed 's/^myhostname = //')
subj=$(openssl x509 -noout -subject -in "$INST/tls/cert.pem" 2>&1)
t_match "$subj" "CN ?= ?$host\$" "certificate CN is the host name ($host)"
cpub=$(openssl x509 -noout -pubkey -in "$INST/tls/cert.pem" 2>/dev/null)
kpub=$(openssl pkey -pubout -in "$INST/tls/key.pem" 2>/dev/null)
if [ -n "$cpub" ] && [ "$cpub" = "$kpub" ]; then t_pass "key matches certificate"
else t_fail "key matches certificate"; fi

# ---- init: refusals -----------------------------------------------------
sum=$(md5sum < "$INST/main.conf")
out=$("$MC" init "$INST" 2>&1); rc=$?
t_eq "$rc" 1 "re-init of an instance exits 1"
t_match "$out" "already holds a main.conf" "re-init says why"
t_eq "$(md5sum < "$INST/main.conf")" "$sum" "re-init leaves main.conf alone"
"$MC" init "$T/other" --port-base 99999 >/dev/null 2>&1
t_eq "$?" 2 "init --port-base out of range is a usage error"
"$MC" init >/dev/null 2>&1
t_eq "$?" 2 "init without a directory is a usage error"
t_eq "$([ -e "$T/other/main.conf" ] && echo yes || echo no)" no \
	"a refused init writes no main.conf"

# ---- config -------------------------------------------------------------
mailctl_rc config
t_eq "$RC" 0 "config exits 0"
t_match "$OUT" "^queue_directory = $INST/queue\$" "config: queue_directory"
t_match "$OUT" '^message_size_limit = 52428800$' "config: a default value"
t_match "$OUT" "^smtpd_tls_key_file = $INST/tls/key.pem\$" "config: \$config_directory expanded"
names=$(printf '%s\n' "$OUT" | sed -n 's/ = .*//p')
t_eq "$names" "$(printf '%s\n' "$names" | LC_ALL=C sort -u)" "config prints each name once, sorted"
missing=
for n in config_directory daemon_directory maillog_file myhostname mynetworks \
		mail_owner default_process_limit master_start_timeout \
		smtpd_tls_cert_file maximal_queue_lifetime user_database auth_plaintext; do
	printf '%s\n' "$names" | grep -qx "$n" || missing="$missing $n"
done
t_eq "$missing" "" "config prints the parameters of every group of the table"
mailctl_rc config -n
t_match "$OUT" '^mydestination = example.org, .*, localhost$' "config -n: mydestination, expanded"
t_match "$OUT" '^mydomain = example.org$' "config -n: mydomain"
t_nomatch "$OUT" '^message_size_limit' "config -n leaves out defaults"
mailctl_rc config mail_directory inet_interfaces
t_eq "$OUT" "mail_directory = $INST/mail
inet_interfaces = 127.0.0.1" "config NAME... prints just those, in order"
mailctl_rc config no_such_parameter
t_eq "$RC" 1 "config of an unknown name exits 1"
t_match "$OUT" 'unknown parameter "no_such_parameter"' "config names the unknown parameter"

# ---- check --------------------------------------------------------------
HAVE_MASTER=
[ -x "$TERN_BIN/master" ] && HAVE_MASTER=1
if [ -n "$HAVE_MASTER" ]; then
	mailctl_rc check
	t_eq "$RC" 0 "check passes on a fresh instance"
	t_nomatch "$OUT" 'error:' "check finds no error on a fresh instance"
	t_match "$OUT" "^mailctl: warning: smtpd_tls_cert_file $INST/tls/cert.pem is self-signed \(made by .mailctl setup. or .mailctl init.\).*put your CA's certificate chain in $INST/tls/cert.pem and its key in $INST/tls/key.pem \(mode 0600, owned by root\), then run .mailctl reload." \
		"check warns that the certificate is self-signed and says how to replace it"
	t_match "$OUT" '^mailctl: warning: postmaster@example.org has no mailbox \(RFC 5321 section 4.5.1 requires one\): its mail ends at root@example.org, .*run `mailctl alias add postmaster USER@DOMAIN`' \
		"check warns that postmaster has no mailbox, with the fix"
	t_file_has "$INST/log/maillog" 'mailctl.*warning: postmaster@example.org has no mailbox' \
		"check's warnings are in the log too"

	# The shipped master.conf, as make install writes it, checks clean
	# (smtp:smtp and pop3:pop3 are /etc/services names).
	cp "$INST/master.conf" "$T/master.conf.init"
	sed -e "s|@LIBEXECDIR@|$TERN_BIN|g" -e "s|@SYSCONFDIR@|$INST|g" \
		"$(dirname "$0")/../../conf/master.conf" > "$INST/master.conf"
	mailctl_rc check
	t_eq "$RC" 0 "check passes the shipped master.conf"
	t_nomatch "$OUT" 'master.conf' "check has nothing to say about the shipped master.conf"
	cp "$T/master.conf.init" "$INST/master.conf"

	# Before the first start: master makes the queue directory.
	mv "$INST/queue" "$INST/queue.away"
	mailctl_rc check
	t_eq "$RC" 0 "check passes before master has made the queue directory"
	t_nomatch "$OUT" 'queue' "check says nothing about a queue directory master will make"
	mv "$INST/queue.away" "$INST/queue"
	cp "$INST/main.conf" "$T/main.conf.q"
	t_set queue_directory "$T/no/such/queue"
	mailctl_rc check
	t_eq "$RC" 1 "check fails when master could not make the queue directory"
	t_match "$OUT" "error: queue_directory $T/no/such/queue: missing, and master makes only its last component: $T/no/such is no directory" \
		"check says why master could not make it"
	cp "$T/main.conf.q" "$INST/main.conf"
else
	t_skip "check on a fresh instance (no master program in $TERN_BIN)"
fi

mv "$INST/mail" "$INST/mail.away"
mailctl_rc check
t_eq "$RC" 1 "check fails without the mail directory"
t_match "$OUT" "mail_directory $INST/mail: No such file or directory" "check names the mail directory"
mv "$INST/mail.away" "$INST/mail"

cp "$INST/main.conf" "$T/main.conf.good"
t_set maximal_backoff_time "5 parsecs"
mailctl_rc check
t_eq "$RC" 1 "check fails on a bad time value"
t_match "$OUT" 'maximal_backoff_time.*5 parsecs' "check names the bad parameter and value"
cp "$T/main.conf.good" "$INST/main.conf"

# Values out of their bounds or not one of their words: errors, named by
# check and refused by master at start, never clamped.
t_set smtpd_timeout 0
t_set auth_plaintext sometimes
t_set local_destination_recipient_limit 339
mailctl_rc check
t_eq "$RC" 1 "check fails on values out of bounds"
t_match "$OUT" 'error: parameter smtpd_timeout: "0" is out of range: from 1s to 1d' \
	"check names a time below its bounds, with the bounds"
t_match "$OUT" 'error: parameter local_destination_recipient_limit: "339" is out of range: from 1 to 338' \
	"check names an integer above its bounds"
t_match "$OUT" 'error: parameter auth_plaintext: "sometimes" is not one of never, loopback, always' \
	"check names a word that is not one of the enumeration's"
if [ -n "$HAVE_MASTER" ]; then
	mailctl_rc start
	t_eq "$RC" 1 "master refuses to start with a value out of bounds"
	t_match "$OUT" 'parameter smtpd_timeout: "0" is out of range: from 1s to 1d' \
		"master names the value it refuses"
	t_eq "$(t_master_pid)" "" "no master is left running"
fi
cp "$T/main.conf.good" "$INST/main.conf"
# Values each in bounds whose relation is wrong: the same error.
t_set auth_max_clients 40
t_set auth_reserved_clients 40
mailctl_rc check
t_eq "$RC" 1 "check fails when auth_reserved_clients is not below auth_max_clients"
t_match "$OUT" 'error: parameter auth_reserved_clients \(40\) must be less than auth_max_clients \(40\)' \
	"check names both parameters of a broken relation, with their values"
if [ -n "$HAVE_MASTER" ]; then
	mailctl_rc start
	t_eq "$RC" 1 "master refuses to start when a relation is broken"
	t_eq "$(t_master_pid)" "" "no master is left running after the refusal"
fi
cp "$T/main.conf.good" "$INST/main.conf"
t_set auth_plaintext Always
mailctl_rc check
t_nomatch "$OUT" 'auth_plaintext' "check takes an enumeration's word in any case"
cp "$T/main.conf.good" "$INST/main.conf"

t_set no_such_thing 1
mailctl_rc config -n
t_match "$OUT" 'warning: .*unknown parameter name "no_such_thing"' "unknown parameter names are warned about"
cp "$T/main.conf.good" "$INST/main.conf"

cp "$INST/master.conf" "$T/master.conf.good"
printf 'bogus  unix  x  -  n  many  nosuchprogram\nshort inet n\nweb:99999 inet n - n - testd\ngone unix - - n - nosuchprogram\nweb2:smtp inet n - n - testd\n  -o no_such=1\ngone unix - - n - testd\nweb3 unix - - n - testd -o smtpd_recipient_limit=10001\n' >> "$INST/master.conf"
mailctl_rc check
t_eq "$RC" 1 "check fails on a broken master.conf"
t_match "$OUT" 'error: master.conf, line [0-9]+: service bogus: bad private field "x"' "check: bad y/n field"
t_match "$OUT" 'error: master.conf, line [0-9]+: service bogus: bad maxproc "many"' "check: bad maxproc, on the same line"
t_match "$OUT" 'error: master.conf, line [0-9]+: service gone: missing program .*/nosuchprogram' "check: missing program"
t_match "$OUT" 'error: master.conf, line [0-9]+: expected at least 7 fields .*found 3' "check: too few fields"
t_match "$OUT" 'error: master.conf, line [0-9]+: service web:99999: bad port "99999"' "check: bad port"
t_match "$OUT" 'error: master.conf, line [0-9]+: service web2: -o no_such: unknown parameter' "check: unknown -o parameter"
t_match "$OUT" 'error: master.conf, line [0-9]+: duplicate service gone \(first on line [0-9]+\)' "check: duplicate service"
t_nomatch "$OUT" 'web2:smtp: bad port' "check takes an /etc/services name as a port"
t_match "$OUT" 'error: master.conf, line [0-9]+: service web3: -o smtpd_recipient_limit: "10001" is out of range: from 1 to 10000' \
	"check: -o value out of bounds"
# master refuses the same file with the same words.
if [ -n "$HAVE_MASTER" ]; then
	mailctl_rc start
	t_eq "$RC" 1 "master refuses to start on a broken master.conf"
	t_match "$OUT" 'master.conf, line [0-9]+: service bogus: bad private field "x" \(y, n or -\); master.conf, line [0-9]+: service bogus: bad maxproc "many"' \
		"master names every problem, as check does"
fi
cp "$T/master.conf.good" "$INST/master.conf"

printf -- '-----BEGIN CERTIFICATE-----\nnonsense\n-----END CERTIFICATE-----\n' > "$T/bad.pem"
t_set smtpd_tls_cert_file "$T/bad.pem"
mailctl_rc check
t_eq "$RC" 1 "check fails on an unusable certificate"
t_match "$OUT" 'error: TLS certificate and key \(smtpd_tls_cert_file '"$T"'/bad\.pem, smtpd_tls_key_file ' \
	"check names the TLS pair"
cp "$T/main.conf.good" "$INST/main.conf"

# pop3d's pair defaults to smtpd's; one of its own is checked the same way.
mkdir -p "$T/pop3tls"
for n in pop3 other; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/pop3tls/$n.key" -out "$T/pop3tls/$n.pem" -days 2 \
		-subj "/CN=$n.example.org" >/dev/null 2>&1
	chmod 600 "$T/pop3tls/$n.key"
done
t_set pop3d_tls_cert_file "$T/pop3tls/pop3.pem"
t_set pop3d_tls_key_file "$T/pop3tls/other.key"
mailctl_rc check
t_eq "$RC" 1 "check fails when pop3d_tls_key_file does not match pop3d_tls_cert_file"
t_match "$OUT" "error: TLS certificate and key \(pop3d_tls_cert_file $T/pop3tls/pop3\.pem, pop3d_tls_key_file $T/pop3tls/other\.key\): " \
	"check names pop3d's pair, not smtpd's"
t_nomatch "$OUT" 'error: .*smtpd_tls' "smtpd's good pair is not blamed"
cp "$T/main.conf.good" "$INST/main.conf"
t_set pop3d_tls_key_file "$T/pop3tls/missing.key"
mailctl_rc check
t_eq "$RC" 1 "check fails when pop3d_tls_key_file is missing"
t_match "$OUT" "error: pop3d_tls_key_file $T/pop3tls/missing\.key: No such file or directory" \
	"check names the missing pop3d_tls_key_file"
cp "$T/main.conf.good" "$INST/main.conf"
t_set pop3d_tls_cert_file "$T/pop3tls/pop3.pem"
t_set pop3d_tls_key_file "$T/pop3tls/pop3.key"
mailctl_rc check
if [ -n "$HAVE_MASTER" ]; then
	t_eq "$RC" 0 "check passes with a good pop3d pair of its own"
fi
t_nomatch "$OUT" 'error: .*(pop3d_tls|TLS certificate)' "check finds nothing wrong with a good pop3d pair"
t_match "$OUT" "warning: pop3d_tls_cert_file $T/pop3tls/pop3\.pem is self-signed" \
	"check looked at pop3d's own pair (its certificate is self-signed)"
chmod 644 "$T/pop3tls/pop3.key"
mailctl_rc check
t_eq "$RC" 1 "check fails when pop3d's key is readable by others"
t_match "$OUT" "error: pop3d_tls_key_file $T/pop3tls/pop3\.key: readable by others than its owner \(mode 0644\)" \
	"check names pop3d's key and its mode"
cp "$T/main.conf.good" "$INST/main.conf"
mailctl_rc check
t_nomatch "$OUT" 'pop3d_tls' "check says nothing of pop3d's pair while it is smtpd's"

# ---- users --------------------------------------------------------------
t_file_has "$INST/aliases" '^postmaster: root$' "a new instance's postmaster is root"
OUT=$(printf 'sesame\n' | tmailctl user add Joe@Example.ORG --password-stdin 2>&1)
t_eq "$?" 0 "user add exits 0"
t_match "$OUT" 'alias postmaster: now joe@example.org' \
	"the first user add says postmaster is now that user"
t_file_has "$INST/aliases" '^postmaster: joe@example.org$' \
	"the first user add made postmaster an alias of that user"
t_file_has "$INST/aliases" '^root: joe@example.org$' \
	"... and root, which was no mailbox either"
t_file_has "$INST/aliases" '^abuse: postmaster$' "other aliases stay as they were"
t_match "$(strings "$INST/aliases.db")" 'joe@example.org' "aliases.db was recompiled"
OUT=$(printf 'open up\n' | tmailctl user add ann@localhost --password-stdin 2>&1)
t_nomatch "$OUT" 'postmaster' "a later user add leaves postmaster alone (it has a mailbox)"
t_file_has "$INST/aliases" '^postmaster: joe@example.org$' "postmaster still joe"
mailctl_rc user list
t_eq "$OUT" "joe@example.org
ann@localhost" "user list: the addresses, lower-cased, in order"
t_nomatch "$OUT" '\$' "user list shows no hash"
line=$(grep '^joe@example.org ' "$INST/users")
hash=$(printf '%s' "$line" | awk '{print $2}')
t_match "$hash" '^\$(y|6)\$' "the stored hash is yescrypt or SHA-512"
t_eq "$(stat -c %a "$INST/users")" 600 "users keeps mode 0600 after an edit"
t_eq "$(stat -c %a "$INST/users.db")" 600 "users.db keeps mode 0600 after an edit"
t_match "$(strings "$INST/users.db")" '^joe@example.org' "users.db has the user"

# check_pw PASSWORD HASH: does crypt(3) say PASSWORD matches HASH?
check_pw() {
	python3 -W ignore -c 'import crypt, sys; sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' "$1" "$2"
}
if python3 -W ignore -c 'import crypt' 2>/dev/null; then
	check_pw sesame "$hash" && t_pass "the hash verifies the password" \
		|| t_fail "the hash verifies the password" "$hash"
	check_pw Sesame "$hash" && t_fail "the hash refuses a wrong password" \
		|| t_pass "the hash refuses a wrong password"
else
	t_skip "crypt verification (python3 has no crypt module)"
fi

mailctl_rc user add joe@example.org --password-stdin <<<"x"
t_eq "$RC" 1 "user add of an existing user exits 1"
t_match "$OUT" 'already exists' "user add says the user exists"
mailctl_rc user add nodomain --password-stdin <<<"x"
t_eq "$RC" 2 "user add of an address without a domain is a usage error"
mailctl_rc user add joe@other.example --password-stdin <<<"x"
t_match "$OUT" 'warning: domain other.example is not in mydestination' "user add warns about a foreign domain"
mailctl_rc user add empty@example.org --password-stdin </dev/null
t_eq "$RC" 1 "user add without a password exits 1"
t_nomatch "$(cat "$INST/users")" '^empty@' "no user is added without a password"

printf 'new secret\n' | tmailctl user passwd JOE@example.org --password-stdin >/dev/null 2>&1
t_eq "$?" 0 "user passwd exits 0"
hash2=$(awk '$1 == "joe@example.org" {print $2}' "$INST/users")
if [ -n "$hash2" ] && [ "$hash2" != "$hash" ]; then t_pass "user passwd changed the hash"
else t_fail "user passwd changed the hash" "$hash2"; fi
if python3 -W ignore -c 'import crypt' 2>/dev/null; then
	check_pw 'new secret' "$hash2" && t_pass "the new hash verifies the new password" \
		|| t_fail "the new hash verifies the new password"
fi
mailctl_rc user passwd nobody@example.org --password-stdin <<<"x"
t_eq "$RC" 1 "user passwd of an unknown user exits 1"

mailctl_rc user del ann@localhost
t_eq "$RC" 0 "user del exits 0"
mailctl_rc user list
t_eq "$OUT" "joe@example.org
joe@other.example" "user del removed just that user"
t_nomatch "$(strings "$INST/users.db")" '^ann@localhost' "users.db lost the deleted user"
mailctl_rc user list ann@localhost
t_eq "$RC" 1 "user list of a missing user exits 1"
mailctl_rc user del ann@localhost
t_eq "$RC" 1 "user del of a missing user exits 1"
t_file_has "$INST/log/maillog" 'mailctl.*user ann@localhost: deleted' "user changes are logged"

# ---- users: the password prompt on a terminal -----------------------------
# drive_prompt ADDR FIRST SECOND: `user add ADDR` on a pseudo-terminal,
# answering its two prompts; prints what the terminal showed.
cat > "$T/drive_prompt.py" <<'PY'
import os, pty, select, sys, time
mc, inst, addr, first, second = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    os.execv(mc, [mc, "-c", inst, "user", "add", addr])
seen = b""
def until(want, limit=10):
    global seen
    end = time.time() + limit
    while want not in seen and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                data = os.read(fd, 1024)
            except OSError:
                return
            if not data:
                return
            seen += data
until(b"Password for " + addr.encode() + b": ")
os.write(fd, first.encode() + b"\n")
until(b"Again: ")
os.write(fd, second.encode() + b"\n")
until(b"\0", 3)
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace").replace("\r", ""))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 99)
PY
OUT=$(timeout 30 python3 "$T/drive_prompt.py" "$MC" "$INST" tty@example.org 'open sesame' 'open sesame' 2>&1)
t_eq "$?" 0 "user add with the password typed twice on a terminal"
t_match "$OUT" 'Password for tty@example.org: ' "the terminal shows the prompt"
t_nomatch "$OUT" 'open sesame' "the password is not echoed"
if python3 -W ignore -c 'import crypt' 2>/dev/null; then
	check_pw 'open sesame' "$(awk '$1 == "tty@example.org" {print $2}' "$INST/users")" \
		&& t_pass "the typed password is stored" || t_fail "the typed password is stored"
fi
OUT=$(timeout 30 python3 "$T/drive_prompt.py" "$MC" "$INST" tty2@example.org one two 2>&1)
t_eq "$?" 1 "user add with two different passwords exits 1"
t_match "$OUT" 'passwords differ' "user add says the passwords differ"
t_nomatch "$(cat "$INST/users")" '^tty2@' "no user is added when the passwords differ"
OUT=$(setsid "$MC" -c "$INST" user add tty3@example.org </dev/null 2>&1)
t_eq "$?" 1 "user add without a terminal or --password-stdin exits 1"
t_match "$OUT" 'use --password-stdin' "user add without a terminal points to --password-stdin"
tmailctl user del tty@example.org >/dev/null 2>&1

# --no-postmaster: an instance whose administrator routes postmaster
# elsewhere later keeps its aliases as they are.
"$TERN_BIN/mailctl" init "$T/inst2" --port-base "$PB" --domain example.net \
	>/dev/null 2>&1 || t_fail "init of a second instance"
OUT=$(printf 'pw\n' | "$TERN_BIN/mailctl" -c "$T/inst2" user add \
	first@example.net --password-stdin --no-postmaster 2>&1)
t_eq "$?" 0 "user add --no-postmaster exits 0"
t_nomatch "$OUT" 'postmaster' "user add --no-postmaster says nothing of postmaster"
t_file_has "$T/inst2/aliases" '^postmaster: root$' "user add --no-postmaster leaves postmaster alone"
mailctl_rc user del joe@example.org --no-postmaster
t_eq "$RC" 2 "--no-postmaster with another subcommand is a usage error"

# ---- aliases ------------------------------------------------------------
mailctl_rc alias add Sales ann@example.org, bob@example.org
t_eq "$RC" 0 "alias add exits 0"
tmailctl alias add sales carol >/dev/null 2>&1
mailctl_rc alias list
t_match "$OUT" '^postmaster: joe@example.org$' "alias list: postmaster"
t_match "$OUT" '^sales: ann@example.org, bob@example.org, carol$' "alias list: sales with its targets"
t_file_has "$INST/aliases" '^sales: ann@example.org, bob@example.org, carol$' "the aliases file has the entry"
t_match "$(strings "$INST/aliases.db")" '^sales$' "aliases.db has the new alias"
tmailctl alias del sales bob@example.org >/dev/null 2>&1
mailctl_rc alias list sales
t_eq "$OUT" "sales: ann@example.org, carol" "alias del NAME TARGET removes one target"
mailctl_rc alias del sales
t_eq "$RC" 0 "alias del exits 0"
mailctl_rc alias list sales
t_eq "$RC" 1 "alias list of a deleted alias exits 1"
t_nomatch "$(strings "$INST/aliases.db")" '^sales$' "aliases.db lost the deleted alias"
mailctl_rc alias del nosuch
t_eq "$RC" 1 "alias del of a missing alias exits 1"
mailctl_rc alias add 'bad name' x
t_eq "$RC" 2 "alias add of a bad name is a usage error"
printf 'Info: joe@example.org,\n    ann@example.org\n' >> "$INST/aliases"
mailctl_rc newaliases
t_eq "$RC" 0 "newaliases exits 0"
t_match "$(strings "$INST/aliases.db")" '^info$' "newaliases compiles a hand edit (key lower-cased)"
mailctl_rc alias list info
t_eq "$OUT" "info: joe@example.org, ann@example.org" "alias list joins continuation lines"

# The fix check names for postmaster ends its warning (postmaster sent
# back to root, which is no mailbox, for the purpose).
if [ -n "$HAVE_MASTER" ]; then
	tmailctl alias del postmaster >/dev/null 2>&1
	tmailctl alias del root >/dev/null 2>&1
	tmailctl alias add postmaster root >/dev/null 2>&1
	mailctl_rc check
	t_match "$OUT" 'warning: postmaster@example.org has no mailbox.*run `mailctl alias add postmaster joe@example.org` \(or another user\)' \
		"check's postmaster fix names an existing user"
	tmailctl alias add postmaster joe@example.org >/dev/null 2>&1
	mailctl_rc check
	t_nomatch "$OUT" 'postmaster' "no postmaster warning once postmaster reaches a virtual user"
	t_eq "$RC" 0 "check passes with only warnings"
	tmailctl alias del postmaster joe@example.org >/dev/null 2>&1
fi

# setgid_group must be nobody's primary group: such a user could write
# into the maildrop without terndrop's checks.
if t_is_root && getent group terndrop >/dev/null; then
	u=terntst$$
	if useradd --system --no-create-home --gid terndrop --shell /usr/sbin/nologin "$u" 2>/dev/null; then
		mailctl_rc check
		t_eq "$RC" 1 "check fails when a user's primary group is setgid_group"
		t_match "$OUT" "error: setgid_group: group \"terndrop\" is the primary group of user $u" \
			"...and names the user"
		userdel "$u" 2>/dev/null
	else
		t_fail "useradd of a scratch user in group terndrop"
	fi
fi

# ---- setup and init never adopt what a user planted -------------------------
mailctl_rc setup
t_eq "$RC" 0 "setup on a complete instance exits 0"
t_match "$OUT" 'nothing to do' "...and has nothing to do"
if t_is_root; then
	mkdir "$T/planted" && chown nobody "$T/planted"
	OUT=$("$MC" init "$T/planted" --port-base "$PB" 2>&1)
	t_eq "$?" 1 "init as root refuses a directory a user made"
	t_match "$OUT" 'belongs to uid' "...and says whose it is"
	t_eq "$(ls -A "$T/planted" | wc -l)" 0 "...and puts nothing in it"
	mv "$INST/log" "$T/log.real"
	mkdir "$T/evil" && chown nobody "$T/evil"
	ln -s "$T/evil" "$INST/log"
	mv "$T/log.real/maillog" "$T/maillog.keep"
	mailctl_rc setup
	t_eq "$RC" 1 "setup stops at a symbolic link where a directory belongs"
	t_match "$OUT" 'not a directory \(a symbolic link\)' "...and says so"
	t_nomatch "$(ls -A "$T/evil")" 'users|aliases|tls' "...and makes none of its files through it"
	rm "$INST/log"
	mv "$T/log.real" "$INST/log"
	mv "$T/maillog.keep" "$INST/log/maillog"
	cp "$INST/aliases" "$T/aliases.keep"
	chmod 666 "$INST/aliases"
	mailctl_rc check
	t_match "$OUT" "error: $INST/aliases: must be root's and writable by root alone" \
		"check: an alias file others may write is an error"
	chmod 644 "$INST/aliases"
fi

# ---- not running ----------------------------------------------------------
mailctl_rc status
t_eq "$RC" 3 "status of a stopped instance exits 3"
t_match "$OUT" '^not running$' "status says not running"
mailctl_rc stop
t_eq "$RC" 3 "stop of a stopped instance exits 3"
mailctl_rc reload
t_eq "$RC" 3 "reload of a stopped instance exits 3"
mailctl_rc frobnicate
t_eq "$RC" 2 "an unknown command is a usage error"

# ---- start / status / stop ------------------------------------------------
# alive PID: the process exists and is not a zombie waiting for its reaper
# (master detaches, so its parent is init, which reaps when it pleases).
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}
if [ -n "$HAVE_MASTER" ]; then
	printf 'echo:%d inet n - n 2 testd\n' $((PB + 25)) >> "$INST/master.conf"
	mailctl_rc check
	t_eq "$RC" 0 "check accepts a testd service"
	mailctl_rc start
	t_eq "$RC" 0 "start exits 0"
	[ "$RC" = 0 ] || t_log "$OUT"
	pid=$(t_master_pid)
	if [ -n "$pid" ] && alive "$pid"; then t_pass "master runs after start"
	else t_fail "master runs after start" "pid [$pid]"; fi
	mailctl_rc status
	t_eq "$RC" 0 "status of a running instance exits 0"
	t_match "$OUT" "^master pid $pid" "status names master's pid"
	t_match "$OUT" '^service +type +listen +maxproc +procs +busy +ready +throttled +pids$' "status prints the table header"
	t_match "$OUT" "^echo +inet +[^ ]*$((PB + 25)) +2 +[0-9]+ +[0-9]+ +(yes|no) +no " "status lists the service"
	if t_is_root; then
		# master runs as root: its control socket is root's alone.
		OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
			"$MC" -c "$INST" status 2>&1)
		RC=$?
		t_eq "$RC" 4 "status by another user than root exits 4 (LSB: status unknown)"
		t_match "$OUT" "^mailctl: error: status needs root: master's control socket $INST/queue/private/control is root's \(mode 0600\).*run .mailctl status. as root" \
			"status by another user says that it needs root, and why"
		t_nomatch "$OUT" 'Permission denied' "status does not just pass on EACCES"
	fi
	exec 7<>/dev/tcp/127.0.0.1/$((PB + 25)) && { echo hello >&7; read -r -t 5 reply <&7; exec 7>&-; }
	t_eq "${reply:-}" "echo: hello" "the service answers on base+25"
	mailctl_rc start
	t_eq "$RC" 1 "start of a running instance exits 1"
	t_match "$OUT" 'already running' "start says it is already running"
	mailctl_rc reload
	t_eq "$RC" 0 "reload exits 0"
	mailctl_rc stop
	t_eq "$RC" 0 "stop exits 0"
	if [ -n "$pid" ] && alive "$pid"; then
		t_fail "master has exited when stop returns" "pid $pid"
	else t_pass "master has exited when stop returns"; fi
	mailctl_rc status
	t_eq "$RC" 3 "status after stop exits 3"
	t_match "$OUT" '^not running$' "status after stop says not running"
	if t_is_root; then
		OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
			"$MC" -c "$INST" status 2>&1)
		t_eq "$?" 3 "status by another user exits 3 when master is stopped"
	fi
	t_file_has "$INST/log/maillog" 'mailctl.*: started; logging to '"$INST"'/log/maillog$' "start is logged, with where the suite logs"
	t_file_has "$INST/log/maillog" 'mailctl.*: stopped$' "stop is logged"

	# A master that cannot start: its reason comes back, exit 1.
	printf 'echo2:%d inet n - n 1 testd crash\n' $((PB + 26)) >> "$INST/master.conf"
	t_set master_start_timeout 3s
	t_set service_throttle_time 1s
	mailctl_rc start
	t_eq "$RC" 1 "start exits 1 when a service never gets ready"
	t_match "$OUT" 'master: ' "start reports master's reason"
	t_stop
	cp "$T/master.conf.good" "$INST/master.conf"
	cp "$T/main.conf.good" "$INST/main.conf"
else
	t_skip "start/status/stop (no master program in $TERN_BIN)"
fi

# ---- as root: system users and owners -------------------------------------
if t_is_root; then
	for u in tern ternauth ternnull vmail; do
		if getent passwd "$u" >/dev/null; then t_pass "system user $u exists"
		else t_fail "system user $u exists"; fi
	done
	t_eq "$(stat -c %U:%a "$INST/queue")" root:755 "queue is root's, like every place where roles meet"
	t_eq "$(stat -c %U:%a "$INST/users")" ternauth:600 "users: auth_owner, 0600"
	t_eq "$(stat -c %U:%a "$INST/users.db")" ternauth:600 "users.db: auth_owner, 0600"
	t_eq "$(stat -c %U:%a "$INST/mail")" vmail:750 "mail: vmail_owner, 0750"
	t_eq "$(stat -c %U:%a "$INST/tls/key.pem")" root:600 "TLS key: root, 0600"
	t_eq "$(stat -c %U "$INST/log/maillog")" root "maillog: root"
	t_eq "$(stat -c %U:%a "$INST")" root:755 "instance directory: root, 0755"

	# The ownership model master enforces: what master fixes at start is
	# a warning, what it refuses or a role cannot pass an error.
	chmod 700 "$INST/queue"
	chmod 644 "$INST/users.db"
	mailctl_rc check
	t_eq "$RC" 1 "check fails on a users.db others can read"
	t_match "$OUT" "error: $INST/users.db: readable by others" "check names a users.db others can read"
	t_match "$OUT" "warning: $INST/queue: owner 0:0, mode 0700; master makes it 0:0, mode 0755, at its next start or reload" \
		"a queue directory master will fix is a warning"
	t_nomatch "$OUT" "cannot search directory $INST/queue" "check does not ask roles into a directory master fixes"
	chmod 755 "$INST/queue"; chmod 600 "$INST/users.db"
	chown tern "$INST/queue" "$INST/queue/private"
	mailctl_rc check
	t_eq "$RC" 0 "a queue directory mail_owner owns is no error: master takes it back"
	t_match "$OUT" "warning: $INST/queue: owner $(id -u tern):0, mode 0755; master makes it 0:0" \
		"check names a queue directory a role could rearrange"
	t_match "$OUT" "warning: $INST/queue/private: owner $(id -u tern):0, mode 0711; master makes it 0:0, mode 0711" \
		"check names private/ too"
	t_nomatch "$OUT" "mail_owner.*(write|cannot).*$INST/queue\$" "check never asks that mail_owner can write the queue directory"
	chown root "$INST/queue" "$INST/queue/private"
	mv "$INST/queue/pid" "$INST/queue/pid.real"
	ln -s "$INST/queue/pid.real" "$INST/queue/pid"
	mailctl_rc check
	t_eq "$RC" 1 "check fails when pid/ is a symbolic link"
	t_match "$OUT" "error: $INST/queue/pid: must be a directory, not a symbolic link; master refuses to start" \
		"check says master would refuse a symbolic link"
	rm "$INST/queue/pid"; mv "$INST/queue/pid.real" "$INST/queue/pid"
	chmod 700 "$INST"
	mailctl_rc check
	t_eq "$RC" 1 "check fails when the roles cannot get to the instance"
	t_match "$OUT" "vmail_owner \\(vmail\\) cannot search directory $INST" "check names a directory on the way"
	t_match "$OUT" "mail_owner \\(tern\\) cannot search directory $INST" "check names it for mail_owner too"
	chmod 755 "$INST"

	mkdir -m 700 "$T/private"
	out=$("$MC" init "$T/private/inst" 2>&1)
	t_match "$out" "warning: mail_owner \\(tern\\) cannot search directory $T/private" \
		"init as root warns when the roles cannot reach the instance"
else
	t_skip "system users and ownership (needs root)"
fi

t_done
