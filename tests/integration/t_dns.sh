#!/bin/bash
# t_dns.sh - routing by DNS through the front door, `mailctl route`
# (issue 13): a DNS server of the test's own on loopback (dnsd.py, its
# zone written here, every query counted) answers for the instance,
# whose dns_nameservers names it and nothing else.
#
# Checked: an instance as `mailctl init` made it asks only a loopback
# port where nothing answers, so a route fails for now; MX records by
# preference with each host's IPv6 then IPv4 addresses and the
# smtp_tcp_port, cut at smtp_mx_address_limit; with empty dns_nameservers, resolv.conf's nameserver
# and /etc/hosts (in namespaces of the test, as root); equal preferences in both orders over 20 runs, the
# others in place; a domain without MX: its own A/AAAA records; an MX
# host without address listed, the next one used; the null MX (5.1.10)
# and NXDOMAIN (5.1.2) permanent, exit 1; SERVFAIL and a server that
# never answers temporary (4.4.3, exit 75), the latter by dns_timeout;
# a nameserver given as [::1]:port; a nameserver port nobody listens on:
# a temporary failure, never an answer; `mailctl check` names a bad
# entry.  That no query leaves loopback is proved twice: strace of
# `mailctl route` (every connect and send of the resolver's thread goes
# to 127.0.0.0/8 or ::1, to the configured port: no root hints, no
# resolv.conf), and the server's own count of the queries it answered.
. "$(dirname "$0")/lib.sh"

# t_dnsd NAME ADDRESS: start dnsd.py on ADDRESS with $T/zone, logging
# queries to $T/NAME.log; sets DNSD_PORT to its port, fails the test
# without one.  (t_cleanup stops it.)
t_dnsd() {
	t_bg_start "dnsd.py-$1" "$T/$1.port" python3 "$TOP/tests/integration/dnsd.py" \
		"$T/zone" "$T/$1.port" "$T/$1.log" "$2" || return 1
	DNSD_PORT=$(cat "$T/$1.port")
}

# route DOMAIN: mailctl route's output in OUT, its exit status in RC.
route() {
	OUT=$(tmailctl route "$1" 2>&1)
	RC=$?
}

t_instance
t_set dns_timeout 2s

# 1. As init made it: nothing answers, nothing else is asked.
t_file_has "$INST/main.conf" '^dns_nameservers = 127\.0\.0\.1:9$' \
	"init: dns_nameservers is a loopback port where nothing answers"
route example.org
t_eq "$RC" 75 "init's instance: a route fails for now (exit 75)"
t_match "$OUT" '^example\.org: temporary failure 4\.4\.3: MX lookup of example\.org: ' \
	"init's instance: the temporary failure says which lookup"

cat >"$T/zone" <<'ZONE'
# MX by preference; the records are not in order
mx.example       MX    30 mx3.mx.example
mx.example       MX    10 mx1.mx.example
mx.example       MX    20 mx2.mx.example
mx1.mx.example   A     127.0.0.2
mx1.mx.example   AAAA  ::1
mx2.mx.example   A     127.0.0.3
mx3.mx.example   A     127.0.0.4
mx3.mx.example   A     127.0.0.5
# equal preferences
eq.example       MX    10 e1.eq.example
eq.example       MX    10 e2.eq.example
eq.example       MX    5 e0.eq.example
eq.example       MX    20 e3.eq.example
e0.eq.example    A     127.0.1.0
e1.eq.example    A     127.0.1.1
e2.eq.example    A     127.0.1.2
e3.eq.example    A     127.0.1.3
# no MX: the domain itself
a.example        A     127.0.0.6
a.example        AAAA  ::1
# the best MX host does not exist
half.example     MX    10 gone.half.example
half.example     MX    20 mx2.mx.example
null.example     MX    0 .
noaddr.example   MX    10 gone.half.example
bad.example      SERVFAIL
silent.example   SILENT
ZONE
t_dnsd dns 127.0.0.1 || t_done
DNS_PORT=$DNSD_PORT
t_setup "dnsd.py answers on 127.0.0.1:$DNS_PORT"
t_set dns_nameservers "127.0.0.1:$DNS_PORT"
t_set smtp_tcp_port 2525

# 2. MX order.
route mx.example
t_eq "$RC" 0 "MX: exit 0"
t_eq "$(printf '%s\n' "$OUT" | head -n 4)" "mx.example: 5 addresses by MX
10 mx1.mx.example [::1]:2525
10 mx1.mx.example [127.0.0.2]:2525
20 mx2.mx.example [127.0.0.3]:2525" \
	"MX: by preference, IPv6 before IPv4, at smtp_tcp_port"
# the resolver rotates a host's records (round robin): a set, any order
t_eq "$(printf '%s\n' "$OUT" | tail -n +5 | sort)" "30 mx3.mx.example [127.0.0.4]:2525
30 mx3.mx.example [127.0.0.5]:2525" "MX: the last host with both its addresses"

# 3. Equal preferences: both orders seen, the others always in place.
seen12=0 seen21=0 bad=
for _ in $(seq 1 20); do
	route eq.example
	hosts=$(printf '%s\n' "$OUT" | awk 'NR > 1 { printf "%s ", $2 }')
	case $hosts in
	"e0.eq.example e1.eq.example e2.eq.example e3.eq.example ") seen12=$((seen12 + 1)) ;;
	"e0.eq.example e2.eq.example e1.eq.example e3.eq.example ") seen21=$((seen21 + 1)) ;;
	*) bad="$hosts (exit $RC)" ;;
	esac
done
t_eq "$bad" "" "equal preferences: 5 first, the two 10s, 20 last, in every run"
if [ "$seen12" -gt 0 ] && [ "$seen21" -gt 0 ]; then
	t_pass "equal preferences: both orders seen in 20 runs ($seen12 and $seen21)"
else
	t_fail "equal preferences: both orders seen in 20 runs" \
		"e1 first $seen12 times, e2 first $seen21 times"
fi

# The route holds smtp_mx_address_limit addresses at most.
t_set smtp_mx_address_limit 2
route mx.example
t_eq "$OUT" "mx.example: 2 addresses by MX
10 mx1.mx.example [::1]:2525
10 mx1.mx.example [127.0.0.2]:2525" "smtp_mx_address_limit 2: the first two addresses"
t_set smtp_mx_address_limit 5

# 4. No MX: the domain's own addresses.
route a.example
t_eq "$RC" 0 "no MX: exit 0"
t_eq "$OUT" "a.example: 2 addresses by address record (no MX)
0 a.example [::1]:2525
0 a.example [127.0.0.6]:2525" "no MX: the domain itself (implicit MX)"

# 5. An MX host without address is shown, the next one follows.
route half.example
t_eq "$OUT" "half.example: 1 address by MX
10 gone.half.example none: AAAA: NXDOMAIN; A: NXDOMAIN
20 mx2.mx.example [127.0.0.3]:2525" "an MX host without address, then the next"
route noaddr.example
t_eq "$RC" 1 "no MX host has an address: exit 1"
t_match "$OUT" '^noaddr\.example: permanent failure 5\.4\.4: no mail host of noaddr\.example has an address: gone\.half\.example' \
	"no MX host has an address: 5.4.4, the host named"

# 6. Permanent failures.
route null.example
t_eq "$RC" 1 "null MX: exit 1"
t_eq "$OUT" "null.example: permanent failure 5.1.10: null.example accepts no mail: null MX (RFC 7505)" \
	"null MX: refused with 5.1.10"
route nx.example
t_eq "$RC" 1 "NXDOMAIN: exit 1"
t_eq "$OUT" "nx.example: permanent failure 5.1.2: nx.example: no such domain (NXDOMAIN)" \
	"NXDOMAIN: permanent, 5.1.2"

# 7. Temporary failures.
route bad.example
t_eq "$RC" 75 "SERVFAIL: exit 75"
t_eq "$OUT" "bad.example: temporary failure 4.4.3: MX lookup of bad.example: SERVFAIL" \
	"SERVFAIL: temporary, 4.4.3"
start=$(date +%s%N)
route silent.example
took=$(( ($(date +%s%N) - start) / 1000000 ))
t_eq "$RC" 75 "no answer: exit 75"
t_eq "$OUT" "silent.example: temporary failure 4.4.3: MX lookup of silent.example: no answer within 2s" \
	"no answer: temporary, by dns_timeout"
if [ "$took" -ge 1900 ] && [ "$took" -lt 8000 ]; then
	t_pass "no answer: mailctl gave up after dns_timeout (${took} ms)"
else
	t_fail "no answer: mailctl gave up after dns_timeout" "took $took ms, dns_timeout 2s"
fi

# 8. The server saw the queries, from loopback only.
if [ -s "$T/dns.log" ]; then
	t_eq "$(awk '$1 != "127.0.0.1"' "$T/dns.log")" "" \
		"dnsd: every query came from 127.0.0.1"
	t_match "$(cat "$T/dns.log")" '^127\.0\.0\.1 mx\.example MX$' \
		"dnsd: the MX query of mx.example reached the test's server"
	t_eq "$(grep -c ' eq\.example MX$' "$T/dns.log")" 20 \
		"dnsd: one MX query per run of eq.example (each mailctl asks anew)"
else
	t_fail "dnsd: queries logged" "$T/dns.log is missing or empty"
fi

# 9. strace: every packet of mailctl route goes to the nameserver given.
# t_strace_dests FILE: the AF_INET/AF_INET6 destinations of the connect
# and send calls in an strace -f log, "ADDRESS PORT" per line, sorted,
# once each; a call whose address cannot be read comes out as
# "unparsed", so it fails the comparison.
t_strace_dests() {
	local line a p
	grep -E 'AF_INET6?[,}]' "$1" | while IFS= read -r line; do
		a=$(printf '%s' "$line" | grep -oE 'inet_addr\("[^"]*"\)|inet_pton\(AF_INET6, "[^"]*"' |
			grep -oE '"[^"]*"' | tr -d '"')
		p=$(printf '%s' "$line" | grep -oE 'sin6?_port=htons\([0-9]+\)' | grep -oE '[0-9]+')
		echo "${a:-unparsed} ${p:-unparsed}"
	done | sort -u
}
if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
	strace -f -o "$T/st.mx" -e trace=connect,sendto,sendmsg,sendmmsg \
		"$TERN_BIN/mailctl" -c "$INST" route mx.example >"$T/st.out" 2>&1
	t_match "$(cat "$T/st.out")" '^10 mx1\.mx\.example' "strace: route mx.example answered"
	t_eq "$(t_strace_dests "$T/st.mx")" "127.0.0.1 $DNS_PORT" \
		"strace: every DNS packet went to 127.0.0.1:$DNS_PORT, no other address"
	# a SERVFAIL from the only nameserver: no other server tried
	strace -f -o "$T/st.sf" -e trace=connect,sendto,sendmsg,sendmmsg \
		"$TERN_BIN/mailctl" -c "$INST" route bad.example >"$T/st.out" 2>&1
	t_match "$(cat "$T/st.out")" '^bad\.example: temporary failure 4\.4\.3: ' \
		"strace: route bad.example failed for now"
	t_eq "$(t_strace_dests "$T/st.sf")" "127.0.0.1 $DNS_PORT" \
		"strace: after a SERVFAIL no other server was asked (no recursion from the root)"

	# 10. A nameserver port where nothing listens: a temporary failure,
	# and no other server asked (root hints, resolv.conf): no answer.
	UNUSED=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	t_set dns_nameservers "127.0.0.1:$UNUSED"
	strace -f -o "$T/st.unused" -e trace=connect,sendto,sendmsg,sendmmsg \
		"$TERN_BIN/mailctl" -c "$INST" route mx.example >"$T/st.out" 2>&1
	t_match "$(cat "$T/st.out")" '^mx\.example: temporary failure 4\.4\.3: MX lookup of mx\.example: ' \
		"unused nameserver port: a temporary failure, not an answer"
	t_eq "$(t_strace_dests "$T/st.unused")" "127.0.0.1 $UNUSED" \
		"unused nameserver port: that port asked, nothing else (no root hints, no resolv.conf)"
else
	t_skip "strace of mailctl route (strace cannot trace here)"
fi

# 11. An IPv6 nameserver, [::1]:port.
if python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
	t_dnsd dns6 ::1 || t_done
	t_set dns_nameservers "[::1]:$DNSD_PORT"
	route mx.example
	t_match "$OUT" '^10 mx1\.mx\.example \[::1\]:2525$' "[::1]:port: the IPv6 nameserver answers"
	t_match "$(cat "$T/dns6.log" 2>/dev/null)" '^::1 mx\.example MX$' \
		"[::1]:port: the query reached it over IPv6"
else
	t_skip "a nameserver on [::1] (no IPv6 loopback here)"
fi

# 12. Empty dns_nameservers: the system's resolver, /etc/resolv.conf's
# nameserver and /etc/hosts, seen in namespaces of the test's own: a
# network namespace with nothing but loopback (so nothing can leave),
# where dnsd.py is the 127.0.0.1:53 that resolv.conf names, and a mount
# namespace where resolv.conf and hosts are the test's files.
if t_is_root && unshare -mn true 2>/dev/null && [ -e /etc/resolv.conf ] && [ -e /etc/hosts ]; then
	printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
	printf '127.0.0.1 localhost\n127.0.0.7 hosts-only.example\n' >"$T/hosts"
	t_set dns_nameservers ""
	DNSD=$TOP/tests/integration/dnsd.py TBIN=$TERN_BIN T=$T INST=$INST \
	unshare -mn sh -c '
		ip link set lo up || exit 1
		mount --bind "$T/resolv.conf" /etc/resolv.conf || exit 1
		mount --bind "$T/hosts" /etc/hosts || exit 1
		python3 "$DNSD" "$T/zone" "$T/sys.port" "$T/sys.log" 127.0.0.1 53 \
			>"$T/sys.err" 2>&1 &
		pid=$!
		i=0
		while [ ! -s "$T/sys.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		"$TBIN/mailctl" -c "$INST" route mx.example
		"$TBIN/mailctl" -c "$INST" route hosts-only.example
		kill $pid' >"$T/sys.out" 2>&1
	OUT=$(cat "$T/sys.out")
	t_match "$OUT" '^10 mx1\.mx\.example \[127\.0\.0\.2\]:2525$' \
		"system resolver: resolv.conf's nameserver answered"
	t_match "$(cat "$T/sys.log" 2>/dev/null)" '^127\.0\.0\.1 mx\.example MX$' \
		"system resolver: the query went to 127.0.0.1:53 as resolv.conf says"
	t_match "$OUT" '^0 hosts-only\.example \[127\.0\.0\.7\]:2525$' \
		"system resolver: a name of /etc/hosts, without MX, by its address there"
else
	t_skip "the system's resolver in namespaces of the test (needs root and unshare -mn)"
fi

# 13. mailctl check names a bad entry; route refuses it.
t_set dns_nameservers "127.0.0.1:$DNS_PORT, ns.example"
OUT=$(tmailctl check 2>&1)
t_match "$OUT" 'error: dns_nameservers: bad nameserver "ns\.example"' \
	"check: a nameserver that is no address is an error"
route mx.example
t_match "$OUT" 'bad nameserver "ns\.example"' "route: refuses to run with it, naming it"
t_eq "$RC" 1 "route with a bad nameserver: exit 1"

t_done
