#!/bin/bash
# t_roles.sh - where roles meet, root owns the place (doc/architecture.md,
# "Privilege separation").  As root, with the real system users: the queue
# directory, private/, public/, pid/ and the login chroot are root's and
# writable by no role; the attacks a compromised mail_owner (smtpd's uid)
# could make on the old layout fail, each scripted as that uid: swapping
# the login chroot, replacing auth's socket, turning the login directory
# into a symbolic link before a reload; a socket planted by a role's uid
# is refused by its clients, and the log says why; a pid/ that is a
# symbolic link stops master at start.
. "$(dirname "$0")/lib.sh"

if ! t_is_root; then
	t_skip "ownership model and role attacks (need root and the system users)"
	t_done
fi

t_instance
P110=$((PB + 110))
t_set auth_failure_delay 0
t_services pop3 pop3-session auth
printf 'secret-a\n' | tmailctl user add a@localhost --password-stdin >/dev/null 2>&1 ||
	t_fail "user a@localhost for the role tests"
t_start

Q=$INST/queue
as_tern() { setpriv --reuid=tern --regid=tern --clear-groups -- "$@"; }
pop_login() {	# pop_login PASSWORD: what poplib sees of USER/PASS/STAT
	python3 - "$P110" "$1" <<'PY' 2>&1
import poplib, sys
try:
    p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=15)
    p.user("a@localhost")
    print(p.pass_(sys.argv[2]).decode())
    print("STAT", p.stat())
    p.quit()
except Exception as e:
    print("ERROR", e)
PY
}

# ---- the ownership model ---------------------------------------------------
for d in "" /private /public /pid /login; do
	t_eq "$(stat -c '%U %a' "$Q$d")" \
		"root $(case $d in /private) echo 711;; *) echo 755;; esac)" \
		"queue${d:-/} is root's and writable by no role"
done
for d in tmp incoming active deferred hold corrupt index; do
	t_eq "$(stat -c '%U %a' "$Q/$d")" "tern 700" "queue/$d is mail_owner's, 0700"
done
t_eq "$(stat -c '%U %a' "$Q/private/auth")" "root 666" "private/auth: made by master, born 0666"
t_eq "$(stat -c '%a' "$Q/private/control")" 600 "private/control: born 0600"

# ---- attack 1: swap the login chroot (to collect every POP3 password) -----
out=$(as_tern mv "$Q/login" "$Q/login.old" 2>&1)
t_match "$out" "Permission denied" "mail_owner cannot move the login chroot away"
out=$(as_tern mkdir "$Q/evil" 2>&1)
t_match "$out" "Permission denied" "mail_owner cannot make a directory in the queue top"
out=$(as_tern ln -s /tmp "$Q/login2" 2>&1)
t_match "$out" "Permission denied" "mail_owner cannot plant a link in the queue top"
t_eq "$(stat -c %F "$Q/login")" directory "the login chroot is still the real directory"
out=$(pop_login secret-a)
t_match "$out" '^\+OK Logged in' "POP3 login still works after the attempts"

# ---- attack 2: replace auth's socket (to answer a token with any user) -----
out=$(as_tern mv "$Q/private/auth" "$Q/private/auth.x" 2>&1)
t_match "$out" "Permission denied" "mail_owner cannot rename private/auth"
out=$(as_tern /usr/bin/python3 -c "
import socket; s = socket.socket(socket.AF_UNIX); s.bind('$Q/private/evil')" 2>&1)
t_match "$out" "PermissionError: .*Permission denied" "mail_owner cannot bind a socket in private/"
out=$(as_tern /usr/bin/python3 -c "
import socket; s = socket.socket(socket.AF_UNIX); s.bind('$Q/login/evil')" 2>&1)
t_match "$out" "PermissionError: .*Permission denied" "mail_owner cannot bind a socket in the login chroot"

# Even a socket that appears there (made as root, listened on by mail_owner:
# peer credentials are those of listen()) is refused by its clients.
plant() {	# plant PATH LOG: a fake server, listening as tern, recording input
	python3 - "$1" "$2" <<'PY' &
import os, pwd, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
if os.path.exists(path):
    os.unlink(path)
s.bind(path)
os.chmod(path, 0o666)
open(log, "w").close()
os.chmod(log, 0o666)
pw = pwd.getpwnam("tern")
os.setgid(pw.pw_gid); os.setuid(pw.pw_uid)
s.listen(8)
s.settimeout(30)
while True:
    try:
        c, _ = s.accept()
    except OSError:
        break
    c.settimeout(2)
    try:
        data = c.recv(65536)
    except OSError:
        data = b""
    with open(log, "ab") as f:
        f.write(b"CONNECTED " + data + b"\n")
    c.close()
PY
	PLANT_PID=$!
	t_wait 5 test -S "$1"
}
# instance_pids PROGRAM: the processes of this instance running PROGRAM
instance_pids() {
	local pid
	for pid in $(pgrep -x "$1"); do
		tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-c $INST " &&
			echo "$pid"
	done
}
# A login process keeps its auth connection between clients: retire the
# ones that have one, so the next client meets a process that connects anew.
fresh_logins() {
	local old
	old=$(instance_pids pop3d)
	# any change to main.conf renews every service's processes
	echo "# renew $(date +%s%N)" >> "$INST/main.conf"
	tmailctl reload >/dev/null 2>&1
	for pid in $old; do t_wait 10 sh -c "! kill -0 $pid 2>/dev/null"; done
}
# a) in the login chroot: where the login process sends the password
fresh_logins
mv "$Q/login/auth" "$T/auth.saved"
plant "$Q/login/auth" "$T/fake-login-auth.log"
out=$(pop_login secret-a)
t_nomatch "$out" '^\+OK Logged in' "login refuses an auth socket mail_owner made"
t_wait 5 grep -q "refusing the server: its socket was made by uid $(id -u tern)" "$INST/log/maillog"
t_file_has "$INST/log/maillog" "/auth: refusing the server: its socket was made by uid $(id -u tern), not by master" \
	"the log says why the login process refused auth"
if [ -f "$T/fake-login-auth.log" ]; then
	t_nomatch "$(cat "$T/fake-login-auth.log")" 'secret-a|c2VjcmV0LWE|PLAIN|a@localhost' \
		"the planted auth never received the credentials"
else
	t_fail "the planted auth never received the credentials" "no record of the fake server"
fi
kill "$PLANT_PID" 2>/dev/null; wait "$PLANT_PID" 2>/dev/null
mv -f "$T/auth.saved" "$Q/login/auth"
# b) in private/: where the session redeems the token
fresh_logins
mv "$Q/private/auth" "$T/auth.saved"
plant "$Q/private/auth" "$T/fake-auth.log"
out=$(pop_login secret-a)
t_nomatch "$out" '^STAT' "the session refuses a token redemption by a planted auth"
t_wait 5 grep -q "private/auth: refusing the server" "$INST/log/maillog"
t_file_has "$INST/log/maillog" "private/auth: refusing the server: its socket was made by uid $(id -u tern)" \
	"the log says why the session refused auth"
kill "$PLANT_PID" 2>/dev/null; wait "$PLANT_PID" 2>/dev/null
mv -f "$T/auth.saved" "$Q/private/auth"
out=$(pop_login secret-a)
t_match "$out" '^STAT \(0, 0\)' "with master's socket back, the session serves again"

# ---- attack 3: the login directory as a link before a reload ---------------
mkdir "$T/victim"
for f in one two three; do echo "$f" > "$T/victim/$f"; done
out=$(as_tern sh -c "mv '$Q/login' '$Q/login.real' && ln -s '$T/victim' '$Q/login'" 2>&1)
t_match "$out" "Permission denied" "mail_owner cannot replace the login directory by a link"
# What mail_owner could do on the old layout, done here as root: a reload
# must refuse the link rather than prune the directory it names.
mv "$Q/login" "$Q/login.real"
ln -s "$T/victim" "$Q/login"
out=$(tmailctl reload 2>&1)
t_eq "$(ls "$T/victim" | tr '\n' ' ')" "one three two " "reload leaves the files a linked login directory names"
t_match "$out$(t_maillog | grep 'reload refused')" "login.*(symbolic link|Too many levels)" \
	"the reload is refused and says the login directory is a link"
rm "$Q/login"
mv "$Q/login.real" "$Q/login"
out=$(tmailctl reload 2>&1)
t_eq "$?" 0 "reload succeeds once the directory is back"
out=$(pop_login secret-a)
t_match "$out" '^\+OK Logged in' "POP3 works after the refused reload"

# ---- the pid file, the working directory, the queue files ----------------
t_eq "$(stat -c '%U %a' "$Q/pid/master.pid")" "root 600" \
	"pid/master.pid is root's, 0600: nobody else can hold a lock on it"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	flock -s -n "$Q/pid/master.pid" true 2>&1)
t_match "$out" "Permission denied" "another user cannot open it to lock it"
apid=$(instance_pids auth | head -n 1)
t_eq "$(readlink "/proc/$apid/cwd")" / "daemons work in /, never the administrator's directory"
as_tern mkfifo "$Q/hold/662025E22172F04889ABC"
out=$(timeout 10 "$TERN_BIN/mailctl" -c "$INST" queue list 2>&1)
t_eq "$?" 0 "a FIFO mail_owner planted in the queue does not hang mailctl queue list"
t_match "$out" "662025E22172F04889ABC: not a regular file" "and mailctl names it"
rm -f "$Q/hold/662025E22172F04889ABC"

# ---- attack 4: pid/ as a link before start ---------------------------------
t_stop
t_wait 10 sh -c "! kill -0 $(t_master_pid) 2>/dev/null"
mkdir "$T/pidvictim"
chmod 700 "$T/pidvictim"
mv "$Q/pid" "$Q/pid.real"
ln -s "$T/pidvictim" "$Q/pid"
out=$(tmailctl start 2>&1)
rc=$?
t_eq "$rc" 1 "master refuses to start when pid/ is a symbolic link"
t_match "$out$(t_maillog | tail -n 5)" "pid: .*(symbolic link|Too many levels|Not a directory)" \
	"the refusal names pid/ and why"
t_eq "$(stat -c '%U %a' "$T/pidvictim")" "root 700" "the directory the link names was not touched"
t_eq "$(ls -A "$T/pidvictim")" "" "nothing was created through the link"
rm "$Q/pid"
mv "$Q/pid.real" "$Q/pid"

# ---- an instance made before this model is taken back at start ------------
chown tern:tern "$Q" "$Q/private" "$Q/login"
tmailctl check >"$T/check.out" 2>&1
t_match "$(cat "$T/check.out")" "warning: $Q: owner $(id -u tern):$(id -g tern), mode 0755; master makes it 0:0" \
	"check names a queue directory mail_owner owns"
t_start
t_eq "$(stat -c %U "$Q"):$(stat -c %U "$Q/private"):$(stat -c %U "$Q/login")" root:root:root \
	"master takes the queue top, private/ and the login chroot back at start"
t_file_has "$INST/log/maillog" "$Q: owner set to uid 0" "and logs that it did"
out=$(pop_login secret-a)
t_match "$out" '^\+OK Logged in' "POP3 works on the taken-back instance"

t_done
