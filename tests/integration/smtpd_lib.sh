# smtpd_lib.sh - the instance and helpers shared by the smtpd test scripts,
# sourced after lib.sh.
#
# smtpd_instance makes an instance whose master.conf runs:
#   smtp        $P25   plain smtp
#   submission  $P587  AUTH required, sender must match the login,
#                      missing Date/Message-ID added
#   smtps       $P465  implicit TLS
#   submit      public/submit, local submission
#   strict      $P26   smtpd_timeout 2s, 5 errors, 3 recipients,
#                      10000-octet lines, EXPN on, no plaintext AUTH
#   full        $P27   queue_minfree far beyond any disk
#   chrooted    $P28   plain smtp, chroot y, login named in Received
#   auth, anvil (the default connection limits apply to loopback clients)
# Users a@localhost (password secret-a) and b@localhost (secret-b); aliases
# team -> a, b and alias-a -> a@localhost.  mynetworks is 192.0.2.0/24, so
# loopback clients are outsiders; message_size_limit is 2 MiB.

SMTPC="python3 $TOP/tests/integration/smtpc.py"

smtpd_instance() {
	t_instance
	P25=$((PB + 25))
	P26=$((PB + 26))
	P27=$((PB + 27))
	P28=$((PB + 28))
	P465=$((PB + 465))
	P587=$((PB + 587))
	Q=$INST/queue/incoming
	t_set mynetworks 192.0.2.0/24
	t_set message_size_limit 2m
	cat >> "$INST/master.conf" <<EOF
smtp:$P25 inet n - n - smtpd
submission:$P587 inet n - n - smtpd -o smtpd_require_auth=yes
  -o smtpd_sender_login_match=yes -o smtpd_add_missing_headers=yes
smtps:$P465 inet n - n - smtpd -o smtpd_tls_wrappermode=yes
submit unix n - n - smtpd -o smtpd_local_submit=yes
strict:$P26 inet n - n - smtpd -o smtpd_timeout=2s -o smtpd_hard_error_limit=5
  -o smtpd_recipient_limit=3 -o smtpd_max_line_length=10000
  -o smtpd_expn_enable=yes -o auth_plaintext=never
full:$P27 inet n - n - smtpd -o queue_minfree=100000g
chrooted:$P28 inet n - y - smtpd -o smtpd_sasl_authenticated_header=yes
auth unix - - n 1 auth -o max_use=0
anvil unix - - n 1 anvil -o max_use=0 -o max_idle=0
EOF
	{ printf 'secret-a\n' | tmailctl user add a@localhost --password-stdin &&
	  printf 'secret-b\n' | tmailctl user add b@localhost --password-stdin &&
	  tmailctl alias add team a@localhost b@localhost &&
	  tmailctl alias add alias-a a@localhost; } >"$T/setup.out" 2>&1 ||
		t_fail "users and aliases for the smtpd tests" "$(cat "$T/setup.out")"
}

# raw ADDR: stdin to the server as it is; every reply line on stdout.
raw() { $SMTPC raw "$1"; }
# Queue files in incoming/, and the newest one's id.
qcount() { ls "$Q" | wc -l; }
qlast() { ls "$Q" | sort | tail -n 1; }
content() { $SMTPC content "$1"; }
envelope() { $SMTPC envelope "$1"; }
