/* imapd_validity.c - UIDVALIDITY values that never repeat for a folder
 * name; see imapd_folder_ops.h.
 *
 * RFC 3501 §2.3.1.1: a name whose UIDs did not persist (the folder was
 * deleted and made again, or another folder was renamed to it) must show
 * a larger UIDVALIDITY than before.  lib/mail_uidlist.c takes the time
 * as a new folder's UIDVALIDITY, which a DELETE and CREATE within one
 * second would repeat.  So the user's Maildir keeps one counter,
 * IMAPD_VALIDITY_FILE: the highest UIDVALIDITY this file gave, raised to
 * the time and to the folder's own value whenever a name is given up
 * (DELETE, RENAME).  A folder created by tern then gets a value above the
 * counter; every other folder got the time when its UID list was made,
 * which is at most the time its name was given up.  So a name's next
 * folder always has a larger value than its last.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file_util.h"
#include "imapd_folder_ops.h"

/* The counter, 0 when there is none (or it is unreadable: the time and
 * the folders' own values still bound what is given). */
static uint32_t imapd_validity_read(int root_fd)
{
	char text[32];
	int fd = openat(root_fd, IMAPD_VALIDITY_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t got;
	unsigned long v;
	char *end;

	if (fd < 0)
		return 0;
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got <= 0)
		return 0;
	text[got] = '\0';
	v = strtoul(text, &end, 10);
	if (end == text || (*end != '\n' && *end != '\0') || v > UINT32_MAX)
		return 0;
	return (uint32_t) v;
}

static int imapd_validity_write(int root_fd, uint32_t v)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%u\n", v);

	return file_replace_at(root_fd, IMAPD_VALIDITY_FILE, text, (size_t) len, 0600);
}

int imapd_validity_new(int root_fd, int dirfd, mail_uidlist_t *ul)
{
	uint32_t counter = imapd_validity_read(root_fd);

	if (counter == UINT32_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	if (mail_uidlist_append(dirfd, ul, NULL, 0, counter + 1) < 0)
		return -1;
	return imapd_validity_write(root_fd, ul->validity > counter ? ul->validity : counter);
}

int imapd_validity_retire(int root_fd, uint32_t validity)
{
	uint32_t counter = imapd_validity_read(root_fd), now = (uint32_t) time(NULL);

	if (validity < now)
		validity = now;
	if (validity <= counter && faccessat(root_fd, IMAPD_VALIDITY_FILE, F_OK,
					     AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	return imapd_validity_write(root_fd, validity > counter ? validity : counter);
}

int imapd_validity_known(int root_fd)
{
	return faccessat(root_fd, IMAPD_VALIDITY_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}
