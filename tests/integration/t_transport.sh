#!/bin/bash
# t_transport.sh - the two maps of outbound routing as an administrator
# edits them: `mailctl transport add|del|list|lookup|compile` (the routes
# of transport_maps, transport(5)) and `mailctl relay-auth add|del|list`
# (smtp_sasl_password_maps), on an instance of `mailctl init`: what list
# and lookup print, that the compiled .db follows every edit, that bad
# keys and routes are refused, that comments survive, that the
# credentials file and its .db are root's and readable by mail_owner's
# group alone (mode 0640; 0600 and the caller's in an instance of a user
# other than root), that no
# password is printed or logged, and what `mailctl check` says about a
# bad route or a credentials file others can read.
. "$(dirname "$0")/lib.sh"

# mailctl_rc ARGS...: run mailctl on the instance, output in $OUT, status in $RC.
mailctl_rc() {
	OUT=$(tmailctl "$@" 2>&1)
	RC=$?
}

t_instance
TR=$INST/transport
PW=$INST/relay_passwd
SECRET='s3cr:et pass#word'
SECRET2='another-Secret-42'

# ---- transport: add, list, lookup -----------------------------------------
mailctl_rc transport list
t_eq "$RC:$OUT" "0:" "transport list of a fresh instance: nothing, exit 0"
if [ ! -e "$TR" ]; then t_pass "no transport file before the first add"
else t_fail "no transport file before the first add"; fi

mailctl_rc transport add .Example.COM 'smtp:[127.0.0.1]:2525'
t_eq "$RC" 0 "transport add .example.com (a missing file is created)"
t_match "$OUT" 'transport \.example\.com: added smtp:\[127\.0\.0\.1\]:2525' \
	"transport add says what it added"
t_eq "$(stat -c %a "$TR" 2>/dev/null)" 644 "the transport file has mode 0644"
t_eq "$(stat -c %a "$TR.db" 2>/dev/null)" 644 "transport.db has mode 0644"
if t_is_root; then
	t_eq "$(stat -c %U "$TR" 2>/dev/null)" root "the transport file is root's"
fi

# Comments and hand-made lines survive the edits.
printf '# routes of the test lab\n\nhand.example  local\n' > "$T/head"
cat "$T/head" "$TR" > "$T/new" && cat "$T/new" > "$TR"
tmailctl transport compile >/dev/null 2>&1
mailctl_rc transport add example.com 'error:5.7.1 no mail here'
t_eq "$RC" 0 "transport add example.com error:"
mailctl_rc transport add Upper.Example.NET 'SMTP:[Relay.Example]'
t_eq "$RC" 0 "transport add with upper case"
mailctl_rc transport add mx.example.org 'smtp:[::1]:2526'
mailctl_rc transport add local.example local
mailctl_rc transport add localhost 'smtp:[127.0.0.1]:2525'
t_match "$OUT" 'warning: transport localhost: the domain is in mydestination' \
	"transport add warns about a domain of mydestination"
mailctl_rc check
t_match "$OUT" "warning: $TR line [0-9]+: localhost is in mydestination" \
	"check warns about an entry for a domain of mydestination"
mailctl_rc transport del localhost
mailctl_rc transport list
t_eq "$OUT" "hand.example local
.example.com smtp:[127.0.0.1]:2525
example.com error:5.7.1 no mail here
upper.example.net smtp:[relay.example]
mx.example.org smtp:[::1]:2526
local.example local" "transport list: every entry, canonical, lower case, in file order"
t_file_has "$TR" '^# routes of the test lab$' "the comment is kept"
t_eq "$(grep -c '^$' "$TR")" 1 "the blank line is kept"

# Replacing an entry: one line, the new route, the .db follows.
mailctl_rc transport lookup a.b.example.com
t_eq "$RC:$OUT" "0:a.b.example.com smtp:[127.0.0.1]:2525 (.example.com)" \
	"lookup of a subdomain: the .parent entry, and its key"
mailctl_rc transport add .example.com 'smtp:[127.0.0.1]:2600'
t_eq "$RC" 0 "transport add of an existing key"
t_match "$OUT" 'now smtp:\[127\.0\.0\.1\]:2600' "add of an existing key says it replaced it"
t_eq "$(grep -c '^\.example\.com ' "$TR")" 1 "the key is in the file once"
mailctl_rc transport lookup a.b.example.com
t_eq "$RC:$OUT" "0:a.b.example.com smtp:[127.0.0.1]:2600 (.example.com)" \
	"the .db holds the new route"
mailctl_rc transport lookup EXAMPLE.com
t_eq "$RC:$OUT" "0:EXAMPLE.com error:5.7.1 no mail here (example.com)" \
	"lookup of the domain itself: its exact entry, in any case"
mailctl_rc transport lookup www.upper.example.net
t_eq "$RC" 1 "example.net's exact entry does not match its subdomains"
t_eq "$OUT" "www.upper.example.net: no entry in transport_maps" \
	"lookup says when no entry matches"
mailctl_rc transport lookup mx.example.org
t_eq "$OUT" "mx.example.org smtp:[::1]:2526 (mx.example.org)" "an IPv6 next hop"
mailctl_rc transport lookup hand.example
t_eq "$OUT" "hand.example local (hand.example)" "the hand-made entry is compiled"

# ---- transport: what is refused -------------------------------------------
cp "$TR" "$T/before"
for bad in 'smtp:127.0.0.1' 'smtp:[127.0.0.1]:0' 'smtp:host:65536' \
	   'smtp:[::1' 'relay:[127.0.0.1]' 'error:2.0.0 fine' 'local:x' ''; do
	mailctl_rc transport add bad.example "$bad"
	t_eq "$RC" 2 "transport add refuses the route \"$bad\""
done
t_match "$(tmailctl transport add bad.example smtp:127.0.0.1 2>&1)" \
	'IP address goes in brackets' "the refusal says why"
for bad in 'a..b' '.' 'user@example.com' 'example.com.' '*'; do
	mailctl_rc transport add "$bad" local
	t_eq "$RC" 2 "transport add refuses the key \"$bad\""
done
if cmp -s "$T/before" "$TR"; then t_pass "refused edits leave the file as it was"
else t_fail "refused edits leave the file as it was"; fi

# ---- transport: del -------------------------------------------------------
mailctl_rc transport del Example.com
t_eq "$RC" 0 "transport del example.com"
mailctl_rc transport lookup example.com
t_eq "$RC:$OUT" "1:example.com: no entry in transport_maps" \
	"after del the domain has no entry (.example.com is not for it)"
mailctl_rc transport del example.com
t_eq "$RC" 1 "transport del of a missing entry fails"
t_nomatch "$(tmailctl transport list 2>&1)" '^example\.com ' "list no longer shows it"

# A continuation line after a comment belongs to the entry above it, for
# the editor as for the compiler: a del takes it along, and it can never
# join the entry before (audit i13b-05).
printf 'kept.example smtp:[127.0.0.1]:2525\ngone.example\n# a comment\n  local\n' >> "$TR"
tmailctl transport compile >/dev/null 2>&1
mailctl_rc transport lookup gone.example
t_match "$OUT" 'local' "a continuation after a comment continues the entry above"
mailctl_rc transport del gone.example
t_eq "$RC" 0 "transport del of that entry"
mailctl_rc transport lookup kept.example
t_match "$OUT" '^kept\.example smtp:\[127\.0\.0\.1\]:2525 ' "...the entry before it keeps its route"
t_nomatch "$(cat "$TR")" '^  local$' "...and its continuation line left with it"

# ---- transport: a bad route written by hand --------------------------------
printf 'broken.example smtp:127.0.0.1\n' >> "$TR"
mailctl_rc transport compile
t_eq "$RC" 0 "transport compile after an edit by hand"
mailctl_rc transport lookup broken.example
t_eq "$RC" 75 "lookup of an entry whose route does not parse: exit 75"
t_match "$OUT" 'defers its mail \(4\.3\.5\)' "lookup says the mail would wait"
mailctl_rc check
t_eq "$RC" 1 "check fails on a transport route that does not parse"
t_match "$OUT" "error: $TR line [0-9]+: bad route \"smtp:127.0.0.1\" for broken.example" \
	"check names the file, line and route"
mailctl_rc transport del broken.example
printf 'relayhost = 127.0.0.1:2525\n' >> "$INST/main.conf"
mailctl_rc check
t_match "$OUT" 'error: relayhost "127.0.0.1:2525": an IP address goes in brackets' \
	"check refuses a relayhost that is no next hop"
sed -i '/^relayhost = /d' "$INST/main.conf"
t_set relayhost '[127.0.0.1]:2525'
mailctl_rc check
t_eq "$RC" 0 "check passes with the relayhost and the routes"
t_nomatch "$OUT" 'error:' "check finds no error in the relayhost and the routes"

# ---- relay-auth: add, list, modes -----------------------------------------
mailctl_rc relay-auth list
t_eq "$RC:$OUT" "0:" "relay-auth list of a fresh instance: nothing"
OUT=$(printf '%s\n' "$SECRET" | tmailctl relay-auth add '[Smtp.Example.com]:587' alice 2>&1)
RC=$?
t_eq "$RC" 0 "relay-auth add, the password on stdin"
t_match "$OUT" 'relay-auth \[smtp\.example\.com\]:587: added, user alice' \
	"relay-auth add says what it added"
t_nomatch "$OUT" 's3cr' "relay-auth add does not print the password"
if t_is_root; then
	# root's, readable by mail_owner's group alone: smtp-out reads the
	# .db as root before its drop, so mail_owner must not change it.
	owner=$(tmailctl config mail_owner | sed 's/^mail_owner = //')
	group=$(id -gn "$owner")
	PRIV=640
	t_eq "$(stat -c %a:%U:%G "$PW" 2>/dev/null)" "640:root:$group" \
		"relay_passwd is root's, group $group, mode 0640"
	t_eq "$(stat -c %a:%U:%G "$PW.db" 2>/dev/null)" "640:root:$group" \
		"relay_passwd.db is root's, group $group, mode 0640"
else
	PRIV=600
	t_eq "$(stat -c %a "$PW" 2>/dev/null)" 600 "relay_passwd has mode 0600"
	t_eq "$(stat -c %a "$PW.db" 2>/dev/null)" 600 "relay_passwd.db has mode 0600"
	t_eq "$(stat -c %u "$PW" 2>/dev/null)" "$(id -u)" "relay_passwd is the caller's (not root)"
fi
if grep -qxF "[smtp.example.com]:587 alice:$SECRET" "$PW"; then
	t_pass "the entry is stored as next hop and user:password"
else t_fail "the entry is stored as next hop and user:password" "$(cat "$PW")"; fi
if strings "$PW.db" | grep -qF "alice:$SECRET"; then
	t_pass "relay_passwd.db holds the entry"
else t_fail "relay_passwd.db holds the entry"; fi

printf '%s\n' "$SECRET2" | tmailctl relay-auth add 127.0.0.1 bob >/dev/null 2>&1
printf '%s\n' "$SECRET2" | tmailctl relay-auth add '[smtp.example.com]:587' carol >/dev/null 2>&1
mailctl_rc relay-auth list
t_eq "$OUT" "[smtp.example.com]:587 carol
127.0.0.1 bob" "relay-auth list: next hops and users, a replaced entry once"
t_nomatch "$OUT" 's3cr|Secret' "relay-auth list prints no password"
t_eq "$(grep -c '^\[smtp\.example\.com\]:587 ' "$PW")" 1 "the replaced next hop is in the file once"

mailctl_rc relay-auth add host.example
t_eq "$RC" 2 "relay-auth add without a user is a usage error"
OUT=$(printf 'trailing \n' | tmailctl relay-auth add host.example dave 2>&1)
t_match "$OUT" 'ends with a space' "a password the file cannot keep is refused"
OUT=$(printf 'x\n' | tmailctl relay-auth add 'host:0' dave 2>&1)
t_match "$OUT" 'is no next hop' "a bad next hop is refused"
mailctl_rc relay-auth del 127.0.0.1
t_eq "$RC" 0 "relay-auth del"
t_nomatch "$(tmailctl relay-auth list 2>&1)" '^127\.0\.0\.1 ' "the deleted entry is gone from the list"
if strings "$PW.db" | grep -qF 'bob:'; then t_fail "the deleted entry is gone from the .db"
else t_pass "the deleted entry is gone from the .db"; fi
mailctl_rc relay-auth del 127.0.0.1
t_eq "$RC" 1 "relay-auth del of a missing entry fails"

# ---- no password in any log or other file ----------------------------------
t_file_has "$INST/log/maillog" 'relay-auth \[smtp\.example\.com\]:587: added, user alice' \
	"the maillog records relay-auth edits"
t_log_lacks "no relay password in the maillog" alice "$SECRET" "$SECRET2"
leaks=$(grep -rlF -e "$SECRET" -e "$SECRET2" "$INST" 2>/dev/null |
	grep -vxF -e "$PW" -e "$PW.db")
t_eq "$leaks" "" "no file but relay_passwd and its .db holds a password"

# ---- check: a credentials file others can read ----------------------------
mailctl_rc check
t_nomatch "$OUT" 'relay_passwd' "check has nothing to say about a private relay_passwd"
chmod 0644 "$PW"
mailctl_rc check
t_eq "$RC" 1 "check fails when relay_passwd is readable by others"
t_match "$OUT" "error: $PW: relay passwords .*mode 0644" \
	"check names relay_passwd and its mode"
chmod 0660 "$PW.db"
mailctl_rc check
t_match "$OUT" "error: $PW.db: relay passwords .*mode 0660" \
	"check names a group-writable relay_passwd.db"
printf '%s\n' "$SECRET2" | tmailctl relay-auth add backup.example erin >/dev/null 2>&1
t_eq "$(stat -c %a "$PW"):$(stat -c %a "$PW.db")" "$PRIV:$PRIV" \
	"the next edit makes both private again"
if t_is_root; then
	chown "$owner" "$PW"
	mailctl_rc check
	t_match "$OUT" "error: $PW: relay passwords must be root's, group $group, mode 0640" \
		"check names a relay_passwd that mail_owner owns (could change)"
	printf '%s\n' "$SECRET2" | tmailctl relay-auth add backup.example erin >/dev/null 2>&1
	t_eq "$(stat -c %U "$PW")" root "the next edit gives it back to root"
else
	t_skip "owner checks need root"
fi
mailctl_rc check
t_nomatch "$OUT" 'relay_passwd' "check is quiet again"

t_done
