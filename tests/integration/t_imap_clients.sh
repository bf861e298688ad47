# t_imap_clients.sh - imapd with the clients people sync and read mail
# with, none written here: mbsync (isync) and offlineimap each sync a
# mailbox with folders down to a local Maildir, then changes made on both
# sides (new messages, flags, deletions) both ways, byte-exact, and a
# further run changes nothing; fetchmail downloads over IMAP (kept, then
# deleted); neomutt, driven through tmux, opens INBOX, reads a message,
# moves one to a folder and deletes one, and the Maildir files show it.
# A client missing here fails the test (scripts/deps.sh installs them).
# The states compared are imap_tool.py's (one line per message: folder,
# flags, subject, digest of the octets).
. "$(dirname "$0")/lib.sh"

TOOL=$TOP/tests/integration/imap_tool.py

t_instance
t_services smtp auth qmgr local imap imaps imap-session
for u in mb oi fm mutt; do
	echo "pw-$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1 ||
		t_fail "mailctl user add $u@localhost"
done
t_start
P=$((PB + 143))
PS=$((PB + 993))
MAIL=$INST/mail/localhost
CERT=$INST/tls/cert.pem
inst_wait_listen "$P" || t_fail "imapd listens on $P"

tool() { python3 "$TOOL" "$@"; }

# same_state DESC LOCAL-DIR SEP USER: the local tree and the server agree.
same_state() {
	tool local "$2" "$3" >"$T/local.state" 2>&1
	tool server "$P" "$4@localhost" "pw-$4" >"$T/server.state" 2>&1
	if [ -s "$T/server.state" ] && diff "$T/local.state" "$T/server.state" >"$T/state.diff"; then
		t_pass "$1"
	else
		t_fail "$1" "$(cat "$T/state.diff" "$T/server.state" | head -n 30)"
	fi
}

# has STATE-FILE FOLDER FLAGS SUBJECT DESC: the state holds that message.
has() {
	if awk -F'\t' -v f="$2" -v l="$3" -v s="$4" '$1 == f && $2 == l && $3 == s { ok = 1 } END { exit !ok }' "$1"
	then t_pass "$5"
	else t_fail "$5" "no [$2 $3 $4] in: $(cut -f1-3 "$1" | tr '\t\n' ' |')"; fi
}
lacks() {
	if grep -q "	$3	" "$1"; then t_fail "$4" "[$3] still in $2"
	else t_pass "$4"; fi
}

need() {	# need PROGRAM: a client that is not installed fails the test
	command -v "$1" >/dev/null 2>&1 && return 0
	t_fail "$1 is installed (scripts/deps.sh)"
	return 1
}

# sync_round CLIENT LOCAL-TOP USER SYNC-COMMAND...: the two syncs of one
# client, with changes on both sides between them.
sync_round() {
	local c=$1 top=$2 u=$3
	shift 3
	if ! tool seed "$P" "$u@localhost" "pw-$u" >"$T/seed.out" 2>&1; then
		t_fail "$c: seeding the server" "$(cat "$T/seed.out")"
		return
	fi
	tool server "$P" "$u@localhost" "pw-$u" >"$T/seeded.state" 2>&1
	t_eq "$(wc -l < "$T/seeded.state")" 6 "$c: the server holds the six seeded messages"
	if "$@" >"$T/$c.1.out" 2>&1; then t_pass "$c: first sync succeeds"
	else t_fail "$c: first sync succeeds" "$(tail -n 15 "$T/$c.1.out")"; fi
	same_state "$c: first sync: INBOX, Work, Work/Sub byte-exact with their flags" "$top" / "$u"
	if diff "$T/seeded.state" "$T/server.state" >/dev/null; then
		t_pass "$c: the first sync changed nothing on the server"
	else
		t_fail "$c: the first sync changed nothing on the server" "$(diff "$T/seeded.state" "$T/server.state")"
	fi

	# Changes on both sides.
	tool ladd "$top/Work" "local new" &&
	tool lflag "$top/INBOX" "inbox two" FS &&
	tool ldel "$top/Work" "work two" &&
	tool append "$P" "$u@localhost" "pw-$u" INBOX "server new" '\Seen' &&
	tool flag "$P" "$u@localhost" "pw-$u" INBOX "inbox one" +FLAGS '\Flagged' &&
	tool expunge "$P" "$u@localhost" "pw-$u" Work/Sub "sub one" ||
		t_fail "$c: changes made on both sides"

	if "$@" >"$T/$c.2.out" 2>&1; then t_pass "$c: second sync succeeds"
	else t_fail "$c: second sync succeeds" "$(tail -n 15 "$T/$c.2.out")"; fi
	same_state "$c: second sync: both sides agree, byte-exact" "$top" / "$u"
	has "$T/server.state" Work - "local new" "$c: a new local message was uploaded"
	has "$T/server.state" INBOX FS "inbox two" "$c: local flags went up (\\Flagged \\Seen)"
	lacks "$T/server.state" Work "work two" "$c: a local deletion went up"
	has "$T/local.state" INBOX S "server new" "$c: a new server message came down"
	has "$T/local.state" INBOX FS "inbox one" "$c: server flags came down"
	lacks "$T/local.state" Work/Sub "sub one" "$c: a server expunge came down"
	t_eq "$(wc -l < "$T/server.state")" 6 "$c: six messages on each side"

	cp "$T/server.state" "$T/before3.state"
	if "$@" >"$T/$c.3.out" 2>&1; then t_pass "$c: a third sync succeeds"
	else t_fail "$c: a third sync succeeds" "$(tail -n 15 "$T/$c.3.out")"; fi
	same_state "$c: third sync: still in agreement" "$top" / "$u"
	if diff "$T/before3.state" "$T/server.state" >/dev/null; then
		t_pass "$c: the third sync changed nothing"
	else
		t_fail "$c: the third sync changed nothing" "$(diff "$T/before3.state" "$T/server.state")"
	fi
}

# 1. mbsync over IMAPS, trusting the instance's certificate (its
# subjectAltName is localhost).
if need mbsync; then
	mkdir -p "$T/mbsync"
	cat >"$T/mbsyncrc" <<EOF
IMAPAccount tern
Host localhost
Port $PS
User mb@localhost
Pass pw-mb
SSLType IMAPS
CertificateFile $CERT

IMAPStore remote
Account tern

MaildirStore local
Path $T/mbsync/
Inbox $T/mbsync/INBOX
SubFolders Verbatim

Channel tern
Far :remote:
Near :local:
Patterns INBOX Work Work/*
Create Both
Expunge Both
Remove None
SyncState *
EOF
	sync_round mbsync "$T/mbsync" mb mbsync -c "$T/mbsyncrc" -a
fi

# 2. offlineimap over plaintext IMAP (loopback allows LOGIN).
OI=$(command -v offlineimap3 || command -v offlineimap)
if [ -n "$OI" ]; then
	mkdir -p "$T/oi" "$T/oi-meta"
	cat >"$T/offlineimaprc" <<EOF
[general]
accounts = tern
metadata = $T/oi-meta
ui = basic

[Account tern]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = $T/oi
sep = /

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = $P
remoteuser = oi@localhost
remotepass = pw-oi
ssl = no
starttls = no
folderfilter = lambda f: f in ('INBOX', 'Work', 'Work/Sub')
EOF
	sync_round offlineimap "$T/oi" oi "$OI" -c "$T/offlineimaprc" -o -u basic
else
	t_fail "offlineimap is installed (scripts/deps.sh)"
fi

# 3. fetchmail over IMAP: keep, then fetch only what is new and delete it.
if need fetchmail; then
	tool seed "$P" fm@localhost pw-fm >"$T/seed.out" 2>&1 || t_fail "fetchmail: seeding" "$(cat "$T/seed.out")"
	tool flag "$P" fm@localhost pw-fm INBOX "inbox one" -FLAGS '\Seen'
	tool flag "$P" fm@localhost pw-fm INBOX "inbox three" -FLAGS '\Seen'
	fm() {	# fm [keep]: one fetchmail run into $T/fm/N files
		mkdir -p "$T/fm"
		cat >"$T/fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 port $P protocol imap timeout 20
	user "fm@localhost" password "pw-fm" is "fm" here
	mda "sh -c 'cat > $T/fm/\$(date +%s%N)'"
	sslproto '' no sslcertck $1
EOF
		chmod 600 "$T/fetchmailrc"
		HOME=$T fetchmail -v -f "$T/fetchmailrc" --nodetach --nosyslog \
			--pidfile "$T/fetchmail.pid" -i "$T/fetchids" >>"$T/fetchmail.out" 2>&1
	}
	fm keep
	t_eq "$?" 0 "fetchmail (keep) ends with success"
	t_eq "$(grep -l '^Subject: inbox ' "$T"/fm/* 2>/dev/null | wc -l)" 3 "fetchmail got the three INBOX messages"
	f=$(grep -l '^Subject: inbox two' "$T"/fm/* 2>/dev/null | head -n 1)
	body=$(sed -n '/^$/,$p' "$f" 2>/dev/null)
	t_match "$body" '^\.leading dot$' "fetchmail's copy has the body lines as sent"
	t_match "$body" '^café über naïve$' "fetchmail's copy keeps 8-bit text"
	tool server "$P" fm@localhost pw-fm >"$T/fm.state" 2>&1
	t_eq "$(grep -c '^INBOX	' "$T/fm.state")" 3 "with keep the messages stay on the server"
	has "$T/fm.state" INBOX S "inbox two" "fetched messages are \\Seen on the server"
	rm -f "$T"/fm/*
	fm
	t_eq "$?" 1 "a second fetchmail run finds no new mail (exit 1)"
	tool append "$P" fm@localhost pw-fm INBOX "fm new"
	fm
	t_eq "$?" 0 "fetchmail fetches the new message"
	t_eq "$(grep -l '^Subject: ' "$T"/fm/* 2>/dev/null | xargs grep -h '^Subject: ' | tr '\n' ' ')" \
		"Subject: fm new " "only the new message was fetched"
	tool server "$P" fm@localhost pw-fm >"$T/fm.state" 2>&1
	lacks "$T/fm.state" INBOX "fm new" "without keep fetchmail deleted it on the server"
	t_eq "$(grep -c '^INBOX	' "$T/fm.state")" 3 "the kept messages are still there"
fi

# 4. neomutt in a tmux pane: open INBOX, read "inbox two", save "inbox
# one" to Work, delete "inbox three", sync, quit.  The keys are neomutt's
# defaults: a number and Enter jumps to that message.
if need neomutt && need tmux; then
	tool seed "$P" mutt@localhost pw-mutt >"$T/seed.out" 2>&1 || t_fail "neomutt: seeding" "$(cat "$T/seed.out")"
	tool server "$P" mutt@localhost pw-mutt >"$T/mutt.seeded" 2>&1
	cat >"$T/muttrc" <<EOF
set folder = "imap://127.0.0.1:$P/"
set imap_user = "mutt@localhost"
set imap_pass = "pw-mutt"
set spoolfile = "+INBOX"
set ssl_starttls = no
set ssl_force_tls = no
set sort = date
set delete = yes
set quit = yes
set confirmappend = no
set move = no
set mark_old = no
set wait_key = no
set record = ""
set header_cache = ""
set message_cachedir = ""
set mail_check = 1
set timeout = 1
set index_format = "%4C %Z %s"
EOF
	TM="tmux -S $T/tmux.sock"
	screen() { $TM capture-pane -p -t mutt 2>/dev/null; }
	on_screen() { screen | grep -Eq -- "$1"; }
	keys() { $TM send-keys -t mutt "$@"; sleep 0.5; }
	HOME=$T $TM new-session -d -s mutt -x 160 -y 40 "TERM=screen neomutt -n -F $T/muttrc 2>$T/neomutt.err"
	if t_wait 20 on_screen 'inbox three' && on_screen 'inbox one' && on_screen 'inbox two'; then
		t_pass "neomutt opens INBOX and lists its three messages"
	else
		t_fail "neomutt opens INBOX and lists its three messages" "$(screen; cat "$T/neomutt.err")"
	fi
	keys 2 Enter
	keys Enter
	if t_wait 10 on_screen '^Body of inbox two\.$'; then t_pass "neomutt shows message 2, inbox two"
	else t_fail "neomutt shows message 2, inbox two" "$(screen)"; fi
	keys q
	keys 1 Enter
	keys s
	t_wait 5 on_screen 'Save to mailbox' || t_fail "neomutt asks where to save" "$(screen)"
	keys C-u "=Work" Enter
	keys 3 Enter
	keys d
	keys '$'
	synced() { on_screen 'inbox two' && ! on_screen 'inbox (one|three)'; }
	if t_wait 10 synced; then
		t_pass "after the sync neomutt's index shows inbox two alone"
	else
		t_fail "after the sync neomutt's index shows inbox two alone" "$(screen)"
	fi
	keys q
	t_wait 10 sh -c "! $TM has-session -t mutt" || t_fail "neomutt quits" "$(screen)"
	$TM kill-server 2>/dev/null

	M=$MAIL/mutt
	f=$(grep -l '^Subject: inbox two' "$M"/cur/* "$M"/new/* 2>/dev/null)
	t_eq "$(printf '%s\n' "$f" | grep -c .)" 1 "the read message is a file in INBOX's Maildir"
	t_match "$f" ':2,[A-Z]*S[A-Z]*$' "its name carries S: reading it in neomutt set \\Seen"
	t_eq "$(find "$M/cur" "$M/new" -type f | wc -l)" 1 "INBOX's Maildir holds that one file only"
	t_eq "$(grep -l '^Subject: inbox one' "$M"/.Work/cur/* "$M"/.Work/new/* 2>/dev/null | wc -l)" 1 \
		"the saved message is a file in .Work, the folder Work"
	t_eq "$(grep -rl '^Subject: inbox three' "$M" 2>/dev/null | grep -vc '/tmp/')" 0 \
		"the deleted message is no file anywhere"
	tool server "$P" mutt@localhost pw-mutt >"$T/mutt.state" 2>&1
	has "$T/mutt.state" Work S "inbox one" "IMAP: inbox one is in Work, still \\Seen"
	t_eq "$(grep '	inbox one	' "$T/mutt.state" | cut -f4)" "$(grep '	inbox one	' "$T/mutt.seeded" | cut -f4)" \
		"IMAP: the saved copy is byte-exact"
fi

t_no_deaths 'imapd|imapd-session'

t_done
