#!/bin/bash
# t_pop3_multi.sh - one POP3 login process serving many clients at once
# (login_client_limit > 1, architecture §2): plain and POP3S clients idle
# in the middle of their logins and a relayed session all held by one
# process, a child of master; a failed login, whose answer auth delays,
# holding up no other client's login; RETR data intact through the TLS
# relay the login process runs itself; a full process taking no more
# clients while master starts another within the service's process
# limit; a reload that leaves a relayed session working until its QUIT,
# after which the retired process exits; and a stop that closes the
# relays and says goodbye to the clients not yet logged in.
. "$(dirname "$0")/lib.sh"

PY="python3 $TOP/tests/integration/pop3_multi.py"

t_instance
PL=$((PB + 110))
PS=$((PB + 995))
PF=$((PB + 111))
PU=$((PB + 112))
t_set auth_failure_delay 3s
t_set auth_failure_delay_max 3s
t_set pop3d_client_connection_count_limit 0
t_services auth pop3-session
cat >> "$INST/master.conf" <<EOT
multi:$PL inet n - y - pop3d -o login_client_limit=20
multis:$PS inet n - y - pop3d -o login_client_limit=20
  -o pop3d_tls_wrappermode=yes
full:$PF inet n - y 2 pop3d -o login_client_limit=2
used:$PU inet n - y - pop3d -o login_client_limit=10 -o max_use=2
EOT
for u in a b c; do
	printf 'secret-%s\n' "$u" | tmailctl user add "$u@localhost" --password-stdin >/dev/null 2>&1
done
MAIL=$INST/mail/localhost
OWNER=$(stat -c %u:%g "$INST/mail")
for u in a b c; do
	mkdir -p "$MAIL/$u/new" "$MAIL/$u/cur" "$MAIL/$u/tmp"
done
python3 "$TOP/tests/integration/pop3_txn.py" prepare "$MAIL/b" >/dev/null
python3 "$TOP/tests/integration/pop3_txn.py" big "$MAIL/b" 3 >/dev/null
chown -R "$OWNER" "$MAIL"
t_start

# conn_pids PORT: the pids holding the server end of established
# connections to PORT.
conn_pids() {
	ss -Htnp state established "( sport = :$1 )" 2>/dev/null |
		grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' ' | sed 's/ $//'
}
ppid_of() { awk '{ print $4 }' "/proc/$1/stat" 2>/dev/null; }
# fill_start PORT N NAME: pop3_multi.py fill in the background (pid in
# filler, output in $T/NAME.out), once its clients are connected.
fill_start() {
	mkdir -p "$T/$3"
	$PY fill "$1" "$2" "$T/$3" > "$T/$3.out" 2>&1 &
	filler=$!
	t_wait 30 test -f "$T/$3/filled"
}
MASTER=$(t_master_pid)

# ---- many clients, one process ---------------------------------------------
mkdir -p "$T/h"
$PY hold "$PL" "$PS" a@localhost secret-a "$T/h" > "$T/hold.out" 2>&1 &
holder=$!
t_wait 30 test -f "$T/h/held" || t_fail "the holding clients are in place" "$(cat "$T/hold.out")"
plain_pids=$(conn_pids "$PL")
tls_pids=$(conn_pids "$PS")
t_eq "$(echo "$plain_pids" | wc -w)" 1 "three plain clients idle mid-login: one login process holds them all"
t_eq "$(echo "$tls_pids" | wc -w)" 1 "two POP3S clients mid-login and a relayed session: one login process"
t_eq "$(cat "/proc/$tls_pids/comm" 2>/dev/null)" pop3d "the POP3S connections are held by pop3d (the login), none by a session"
t_eq "$(ppid_of "$tls_pids")" "$MASTER" "the relaying login process is master's child"
t_match " $(t_svc_pids multis) " " $tls_pids " "master counts the relaying process in its service (mailctl status)"
t_eq "$(ls -l "/proc/$plain_pids/fd" 2>/dev/null | grep -c 'socket:' | awk '{ print ($1 >= 3) }')" 1 \
	"the plain login process has a socket for each client"

# ---- a slow failure beside a login; RETR through the relay ----------------
# The failing client is c (with b's password); the login beside it is b.
out=$($PY race "$PL" "$PS" b@localhost secret-b "$MAIL/b" 2>&1)
t_results pop3_multi.py "$out"
t_eq "$(conn_pids "$PS")" "$tls_pids" "the POP3S clients are still those of the one login process"
touch "$T/h/release"
wait "$holder"
t_results pop3_multi.py "$(cat "$T/hold.out")"
t_file_has "$INST/log/maillog" 'pop3d\[[0-9]+\]: \[127\.0\.0\.1\]:[0-9]+: login: user=<b@localhost>, method=PLAIN, TLS' \
	"the login line (lib/login_log.h) names user, method and TLS"
t_file_has "$INST/log/maillog" 'pop3d\[[0-9]+\]: \[127\.0\.0\.1\]:[0-9]+: SASL PLAIN authentication failed: .*, failure 1 of 3' \
	"the failure line has the shared format"

# ---- the process limit and master ----------------------------------------
fill_start "$PF" 5 f
t_eq "$(grep '^greeted' "$T/f.out")" "greeted 4" \
	"login_client_limit=2, maxproc 2: four clients greeted, the fifth waits"
pids=$(conn_pids "$PF")
t_eq "$(echo "$pids" | wc -w)" 2 "two processes of two clients each"
ok=1
for p in $pids; do [ "$(ppid_of "$p")" = "$MASTER" ] || ok=0; done
t_eq "$ok" 1 "both are master's children"
t_eq "$(t_svc_field full 6)" 2 "master counts both as busy (at their limit)"
touch "$T/f/more"
wait "$filler"
t_match "$(grep '^last' "$T/f.out")" '^last \+OK' "a client leaving lets the waiting one in"

# A process that holds many clients at once is not renewed after max_use
# of them (it would only drain for as long as they stay: audit i12-19;
# t_login_drain covers draining with login_client_limit 1).
fill_start "$PU" 3 u
t_eq "$(grep '^greeted' "$T/u.out")" "greeted 3" \
	"max_use=2, login_client_limit=10: three clients at once are greeted"
t_eq "$(conn_pids "$PU" | wc -w)" 1 "max_use=2, login_client_limit=10: one process holds all three"
touch "$T/u/more"
wait "$filler"

# ---- reload: the relay lives on in the retired process ---------------------
mkdir -p "$T/r"
$PY relay "$PS" b@localhost secret-b "$T/r" > "$T/relay.out" 2>&1 &
relayer=$!
t_wait 30 test -f "$T/r/in"
old=$(conn_pids "$PS")
t_set pop3d_idle_timeout 599s		# a change: new processes for every service
tmailctl reload >/dev/null 2>&1
in_service() { case " $(t_svc_pids multis) " in *" $old "*) return 0 ;; esac; return 1; }
for i in $(seq 50); do in_service || break; sleep 0.2; done
in_service && t_fail "the reload retired the login process" "pid $old still in the service" ||
	t_pass "the reload retired the login process"
t_eq "$(test -d "/proc/$old" && echo alive)" alive "the retired login process still relays"
touch "$T/r/go"
t_wait 30 test -f "$T/r/done"
wait "$relayer"
t_results pop3_multi.py "$(cat "$T/relay.out")"
t_wait 15 sh -c "! test -d /proc/$old" &&
	t_pass "the retired process exits once its relay is done" ||
	t_fail "the retired process exits once its relay is done" "pid $old still there"

# ---- login_timeout: no place held before login for ever ---------------------
t_set login_timeout 4s
tmailctl reload >/dev/null 2>&1 || t_fail "reload with login_timeout 4s"
sleep 1
out=$($PY lifetime "$PL" "$PS" b@localhost secret-b 2>&1)
t_results pop3_multi.py "$out"
t_file_has "$INST/log/maillog" 'login time limit after USER from' "the cut-off is logged, naming the last command"

# ---- stop: relays closed, waiting clients told -----------------------------
mkdir -p "$T/s"
$PY stop "$PL" "$PS" b@localhost secret-b "$T/s" > "$T/stop.out" 2>&1 &
stopper=$!
t_wait 30 test -f "$T/s/ready"
lp=$(conn_pids "$PL")
tp=$(conn_pids "$PS")
before=$(t_maillog | wc -l)
t_eq "$(echo "$lp $tp" | wc -w)" 2 "a login process on each port"
kill -TERM $lp $tp
wait "$stopper"
out=$(cat "$T/stop.out")
t_results pop3_multi.py "$out"
t_match "$out" '^plain -ERR Server shutting down' "SIGTERM: a client before login is told the server is shutting down"
t_match "$out" '^relay closed' "SIGTERM: the relayed session is closed"
t_wait 10 sh -c "tail -n +$before '$INST/log/maillog' | grep -q 'pop3d-session.*disconnect from .* user=<b@localhost>'" &&
	t_pass "the session behind the closed relay ends too" ||
	t_fail "the session behind the closed relay ends too" "$(t_maillog | tail -n +$before)"
t_file_has "$INST/log/maillog" 'TLS relay finished' "the relay logs its end"

t_log_lacks "no password of b in the log, in any form" b@localhost secret-b
t_log_lacks "no password of a in the log, in any form" a@localhost secret-a
t_done
