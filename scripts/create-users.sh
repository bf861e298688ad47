#!/bin/sh
# create-users.sh - create the system users tern's roles run as (architecture §2)
# when they are missing.  `make install` runs it as root; `mailctl init`
# does the same for an instance.
#
#   sh scripts/create-users.sh [MAIL_OWNER AUTH_OWNER LOGIN_USER VMAIL_OWNER]
#
# The defaults are the parameter defaults of main.conf(5): tern, ternauth,
# ternnull, vmail.  Each becomes a system account with no home directory
# and no login shell; an existing user is left as it is.
set -e
if [ "$(id -u)" != 0 ]; then
	echo "create-users.sh: must be run as root" >&2
	exit 1
fi
if [ $# -ne 0 ] && [ $# -ne 4 ]; then
	echo "usage: create-users.sh [MAIL_OWNER AUTH_OWNER LOGIN_USER VMAIL_OWNER]" >&2
	exit 2
fi
[ $# -eq 4 ] || set -- tern ternauth ternnull vmail
PATH=/usr/sbin:/sbin:$PATH
for u in "$@"; do
	if getent passwd "$u" >/dev/null; then
		continue
	fi
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$u"
	echo "create-users.sh: created system user $u"
done
