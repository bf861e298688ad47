/* terndrop_config.c - which configuration terndrop may read.
 *
 * The configuration says where the maildrop is and how large a message
 * may be, so a caller who chose it would choose where terndrop, with its
 * group, writes.  Without that group (a build's own copy, an instance an
 * ordinary user runs) or for root, the caller's choice stands: nothing is
 * gained.  With it, terndrop reads the installed configuration, or a
 * directory the caller names (-c, TERN_CONFIG) only when root owns it,
 * its main.conf and every directory above them, none writable by anyone
 * else (a sticky directory above, such as /tmp, cannot have its entries
 * replaced either): that is a configuration root wrote, for another
 * instance or a test.  Anything else is refused, never quietly replaced
 * by the installed one, so that a message never lands in a maildrop its
 * sender did not mean.
 *
 * SECURITY: the checks walk the path realpath() resolved, and terndrop
 * then reads that path: no name on it can be changed by a non-root user
 * in between.  Even a configuration root wrote cannot send terndrop
 * elsewhere than into a real maildrop (terndrop_file.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "config.h"
#include "mem.h"
#include "terndrop.h"

/* Root's and writable by no one else; sticky_ok admits a sticky
 * directory writable by others (its entries are safe from them). */
static int terndrop_root_only(const struct stat *st, int sticky_ok)
{
	if (st->st_uid != 0)
		return 0;
	if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
		return 1;
	return sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);
}

/* NULL when root owns dir throughout, else why not. */
static const char *terndrop_config_why_not(const char *dir)
{
	struct stat st;
	char *main_conf;
	const char *why = NULL;
	int ok;

	/* Every directory above dir: "/" first, then each prefix. */
	for (char *p = strchr(dir, '/'); p != NULL; p = strchr(p + 1, '/')) {
		char *up = mem_strndup(dir, p == dir ? 1 : (size_t) (p - dir));

		ok = lstat(up, &st) == 0 && S_ISDIR(st.st_mode) &&
			terndrop_root_only(&st, 1);
		mem_free(up);
		if (!ok)
			return "a directory above it is not root's alone";
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    !terndrop_root_only(&st, 0))
		return "it is not root's alone";
	main_conf = mem_printf("%s/main.conf", dir);
	if (lstat(main_conf, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode) || !terndrop_root_only(&st, 0))
		why = "its main.conf is not root's alone";
	mem_free(main_conf);
	return why;
}

const char *terndrop_config_dir(const char *requested, int privileged)
{
	const char *why;
	char *real;

	if (requested == NULL || *requested == '\0')
		return TERN_SYSCONFDIR;
	if (!privileged || strcmp(requested, TERN_SYSCONFDIR) == 0)
		return requested;
	real = realpath(requested, NULL);
	if (real == NULL)
		terndrop_fail(EX_NOPERM, "configuration directory %s: %s",
			      requested, strerror(errno));
	why = terndrop_config_why_not(real);
	if (why != NULL)
		terndrop_fail(EX_NOPERM, "configuration directory %s refused: %s "
			      "(terndrop takes only a configuration that root "
			      "owns)", requested, why);
	return real;
}
