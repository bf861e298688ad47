#!/bin/sh
# create-users.sh - create the system users tern's roles run as (architecture §2)
# and terndrop's group when they are missing.  `make install` runs it as
# root; `mailctl init` does the same for an instance.
#
#   sh scripts/create-users.sh [MAIL_OWNER AUTH_OWNER LOGIN_USER VMAIL_OWNER [SETGID_GROUP]]
#
# The defaults are the parameter defaults of main.conf(5): tern, ternauth,
# ternnull, vmail, and the group terndrop.  Each user becomes a system
# account with no home directory and no login shell; the group is a system
# group with no members (terndrop(8)).  What exists is left as it is.
set -e
if [ "$(id -u)" != 0 ]; then
	echo "create-users.sh: must be run as root" >&2
	exit 1
fi
if [ $# -ne 0 ] && [ $# -ne 4 ] && [ $# -ne 5 ]; then
	echo "usage: create-users.sh [MAIL_OWNER AUTH_OWNER LOGIN_USER VMAIL_OWNER [SETGID_GROUP]]" >&2
	exit 2
fi
[ $# -ne 0 ] || set -- tern ternauth ternnull vmail
group=${5:-terndrop}
[ $# -ne 5 ] || set -- "$1" "$2" "$3" "$4"
PATH=/usr/sbin:/sbin:$PATH
for u in "$@"; do
	if getent passwd "$u" >/dev/null; then
		continue
	fi
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$u"
	echo "create-users.sh: created system user $u"
done
if ! getent group "$group" >/dev/null; then
	groupadd --system "$group"
	echo "create-users.sh: created system group $group"
fi
