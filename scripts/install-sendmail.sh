#!/bin/sh
# install-sendmail.sh - `make install-sendmail` and its undoing in
# `make uninstall`: the paths where cron, PHP and mail(1) run sendmail,
# mailq and newaliases become links to tern's mailctl, which acts on the
# name it is called by (sendmail(8)).
#
#   install-sendmail.sh [--remove | --keep] MAILCTL FORCE PATH...
#
# A path that is already a link to MAILCTL is left alone.  Any other file
# there is refused, and nothing at all is changed, unless FORCE is 1: then
# a file that a Debian package owns is moved aside with dpkg-divert, so the
# package's upgrades leave the link alone and removing the diversion puts
# the file back, and any other file is kept as PATH.tern-orig.  --remove
# deletes the links to MAILCTL and restores what was moved aside.  --keep
# (make install, for tern's own names in its prefix) links where nothing
# is and leaves any other file alone, with a warning, rather than failing.
set -e
remove=
keep=
case "$1" in
--remove) remove=1; shift ;;
--keep) keep=1; shift ;;
esac
mailctl=$1
force=$2
shift 2

# The Debian package that owns path, or nothing.
owner() {
	command -v dpkg-query >/dev/null 2>&1 || return 0
	dpkg-query -S "$1" 2>/dev/null | sed -n 's/^\([^:]*\): .*/\1/p' | head -n 1
}

ours() { [ -L "$1" ] && [ "$(readlink "$1")" = "$mailctl" ]; }

diverted() {
	command -v dpkg-divert >/dev/null 2>&1 &&
		dpkg-divert --list "$1" 2>/dev/null | grep -q 'local diversion'
}

if [ -n "$remove" ]; then
	for p in "$@"; do
		ours "$p" || continue
		rm -f "$p"
		if diverted "$p"; then
			dpkg-divert --local --rename --remove "$p" >/dev/null
			echo "restored $p (dpkg-divert --remove)"
		elif [ -e "$p.tern-orig" ] || [ -L "$p.tern-orig" ]; then
			mv "$p.tern-orig" "$p"
			echo "restored $p from $p.tern-orig"
		else
			echo "removed $p"
		fi
	done
	exit 0
fi

if [ -n "$keep" ]; then
	for p in "$@"; do
		ours "$p" && continue
		if [ -e "$p" ] || [ -L "$p" ]; then
			echo "install: $p exists and is not tern's; left alone" >&2
			continue
		fi
		ln -s "$mailctl" "$p"
	done
	exit 0
fi

refused=
for p in "$@"; do
	if ours "$p" || { [ ! -e "$p" ] && [ ! -L "$p" ]; }; then
		continue
	fi
	[ "$force" = 1 ] && continue
	pkg=$(owner "$p")
	if [ -n "$pkg" ]; then
		echo "install-sendmail: $p belongs to the package $pkg;" \
			"not replacing it (FORCE=1 diverts it with dpkg-divert)" >&2
	else
		echo "install-sendmail: $p exists and is not tern's;" \
			"not replacing it (FORCE=1 keeps it as $p.tern-orig)" >&2
	fi
	refused=1
done
if [ -n "$refused" ]; then
	echo "install-sendmail: nothing changed" >&2
	exit 1
fi
for p in "$@"; do
	ours "$p" && { echo "$p already links to $mailctl"; continue; }
	mkdir -p "$(dirname "$p")"
	if [ -e "$p" ] || [ -L "$p" ]; then
		if [ -n "$(owner "$p")" ]; then
			dpkg-divert --local --rename --divert "$p.tern-orig" \
				--add "$p" >/dev/null
		else
			mv "$p" "$p.tern-orig"
		fi
		echo "moved $p aside to $p.tern-orig"
	fi
	ln -s "$mailctl" "$p"
	echo "linked $p to $mailctl"
done
