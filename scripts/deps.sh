#!/bin/sh
# deps.sh - make sure the Debian packages that build and test tern are here.
#
# Run as root it installs what is missing with apt-get (non-interactive);
# run as anyone else it prints the exact command to run and fails when
# something is missing.  `make run`, `make test` and .ci/run call it, so the
# README's two commands work on a fresh Debian 12 machine.

# libunbound-dev: the DNS resolver of lib/dns.c (libunbound8 comes with it).
BUILD_PKGS="gcc make libc6-dev libssl-dev libdb-dev libcap-dev libcrypt-dev libunbound-dev openssl"
# Real clients the tests drive, and the tools the harness needs.  postfix
# brings smtp-source; clang and its runtime build the fuzz targets;
# swaks needs libnet-ssleay-perl for --tls and --tlsc (only a Recommends,
# which --no-install-recommends below leaves out); python3-dkim (dkimpy)
# verifies the DKIM signatures tern makes (t_dkim).  The IMAP clients:
# isync (mbsync), offlineimap3, fetchmail, neomutt driven through tmux;
# dovecot-core (libdovecot.so) and dovecot-dev (headers) with the
# autotools build Dovecot's conformance tester, imaptest
# (t_imaptest), out of the tree.
TEST_PKGS="python3 swaks libnet-ssleay-perl curl socat fetchmail isync strace postfix mandoc
	iproute2 procps psmisc util-linux clang libclang-rt-14-dev ca-certificates
	python3-dkim offlineimap3 neomutt tmux
	dovecot-core dovecot-dev autoconf automake libtool pkg-config"

missing=
for p in $BUILD_PKGS $TEST_PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "tern needs these Debian packages:$missing" >&2
	echo "install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The postfix package is only wanted for smtp-source: no mail configuration.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Installing dovecot-core (or postfix) must not start a system daemon on
# the standard ports: a policy-rc.d that says "no" (exit 101) is in place
# while apt runs, as Debian's build tools do.  One already there is the
# machine's and stays as it is; only ours is removed afterwards.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	trap 'rm -f "$policy"' EXIT
	{ printf '#!/bin/sh\n# deps.sh: no service starts while packages install\nexit 101\n' >"$policy" &&
		chmod 755 "$policy"; } || exit 1
fi
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
