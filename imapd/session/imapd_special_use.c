/* imapd_special_use.c - the special uses of folders (RFC 6154 §2); see
 * imapd_folder_ops.h.
 *
 * Each folder keeps its own uses in IMAPD_SPECIAL_USE_FILE inside its
 * directory, one attribute a line ("\Sent"), so that the uses follow the
 * folder through RENAME and vanish with it on DELETE without a second
 * place to keep in step.  LIST reads the file of each folder it shows; a
 * folder without the file has no special use.  A line that names no use
 * tern knows is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "file_util.h"
#include "imapd_folder_ops.h"

static const struct {
	const char *attr;
	unsigned bit;
} imapd_uses[] = {
	{ "\\Drafts", IMAPD_USE_DRAFTS },
	{ "\\Sent", IMAPD_USE_SENT },
	{ "\\Trash", IMAPD_USE_TRASH },
	{ "\\Junk", IMAPD_USE_JUNK },
	{ "\\Archive", IMAPD_USE_ARCHIVE },
};

#define IMAPD_USES	(sizeof(imapd_uses) / sizeof(imapd_uses[0]))

unsigned imapd_special_use_bit(const char *attr)
{
	for (size_t i = 0; i < IMAPD_USES; i++)
		if (strcasecmp(attr, imapd_uses[i].attr) == 0)
			return imapd_uses[i].bit;
	return 0;
}

/* The folder's directory (the Maildir itself for INBOX's ""). */
static int imapd_special_use_dir(int root_fd, const char *dir)
{
	return openat(root_fd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY |
		      O_NOFOLLOW | O_CLOEXEC);
}

unsigned imapd_special_use_get(int root_fd, const char *dir)
{
	char text[256];
	int dfd = imapd_special_use_dir(root_fd, dir), fd;
	unsigned uses = 0;
	ssize_t got;

	if (dfd < 0)
		return 0;
	fd = openat(dfd, IMAPD_SPECIAL_USE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return 0;
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got <= 0)
		return 0;
	text[got] = '\0';
	for (char *line = text, *next; *line; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		uses |= imapd_special_use_bit(line);
	}
	return uses;
}

int imapd_special_use_set(int root_fd, const char *dir, unsigned uses)
{
	buf_t text = BUF_INIT;
	int dfd = imapd_special_use_dir(root_fd, dir), r, err;

	if (dfd < 0)
		return -1;
	for (size_t i = 0; i < IMAPD_USES; i++)
		if (uses & imapd_uses[i].bit)
			buf_printf(&text, "%s\n", imapd_uses[i].attr);
	if (text.len == 0) {
		r = unlinkat(dfd, IMAPD_SPECIAL_USE_FILE, 0) < 0 && errno != ENOENT ? -1 : 0;
	} else {
		r = file_replace_at(dfd, IMAPD_SPECIAL_USE_FILE, text.data, text.len, 0600);
	}
	err = errno;
	close(dfd);
	buf_release(&text);
	errno = err;
	return r;
}

void imapd_special_use_write(unsigned uses, buf_t *out)
{
	for (size_t i = 0; i < IMAPD_USES; i++) {
		if (uses & imapd_uses[i].bit) {
			buf_putc(out, ' ');
			buf_puts(out, imapd_uses[i].attr);
		}
	}
}
