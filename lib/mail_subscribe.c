/* mail_subscribe.c - the subscriptions file; see mail_subscribe.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file_util.h"
#include "mail_subscribe.h"
#include "mem.h"

#define MAIL_SUBSCRIBE_FILE_MAX	(4 * 1024 * 1024)

static int mail_subscribe_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

void mail_subscribe_free(mail_subscriptions_t *subs)
{
	for (size_t i = 0; i < subs->n; i++)
		mem_free(subs->names[i]);
	mem_free(subs->names);
	subs->names = NULL;
	subs->n = 0;
}

int mail_subscribe_has(const mail_subscriptions_t *subs, const char *name)
{
	return subs->n > 0 && bsearch(&name, subs->names, subs->n,
				      sizeof(*subs->names), mail_subscribe_cmp) != NULL;
}

static void mail_subscribe_add(mail_subscriptions_t *subs, char *name)
{
	subs->names = mem_reallocarray(subs->names, subs->n + 1, sizeof(*subs->names));
	subs->names[subs->n++] = name;
}

int mail_subscribe_load(int root_fd, mail_subscriptions_t *subs)
{
	int fd = openat(root_fd, MAIL_SUBSCRIBE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	buf_t text = BUF_INIT;
	char chunk[8192];
	ssize_t got = 0;
	char *line, *nl;
	int v2;
	size_t out = 0;

	subs->names = NULL;
	subs->n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	while (text.len < MAIL_SUBSCRIBE_FILE_MAX &&
	       (got = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&text, chunk, (size_t) got);
	close(fd);
	if (got < 0) {
		buf_release(&text);
		return -1;
	}
	if (text.len == 0) {
		buf_release(&text);
		return 0;
	}
	line = text.data;
	v2 = strncmp(line, "V\t2\n", 4) == 0;
	for (; *line && subs->n < MAIL_SUBSCRIBE_MAX; line = nl) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;		/* a last line without its end: cut short */
		*nl++ = '\0';
		if (v2 && (line == text.data || *line == '\0'))
			continue;	/* the version line and the blank line */
		if (*line == '\0')
			continue;
		if (v2)
			for (char *c = line; *c; c++)
				if (*c == '\t')
					*c = '/';
		mail_subscribe_add(subs, mem_strdup(line));
	}
	buf_release(&text);
	if (subs->n > 1)
		qsort(subs->names, subs->n, sizeof(*subs->names), mail_subscribe_cmp);
	for (size_t i = 0; i < subs->n; i++) {
		if (out > 0 && strcmp(subs->names[out - 1], subs->names[i]) == 0) {
			mem_free(subs->names[i]);
			continue;
		}
		subs->names[out++] = subs->names[i];
	}
	subs->n = out;
	return 0;
}

static int mail_subscribe_save(int root_fd, const mail_subscriptions_t *subs)
{
	buf_t text = BUF_INIT;
	int r;

	buf_puts(&text, "V\t2\n\n");
	for (size_t i = 0; i < subs->n; i++) {
		for (const char *c = subs->names[i]; *c; c++)
			buf_putc(&text, *c == '/' ? '\t' : *c);
		buf_putc(&text, '\n');
	}
	r = file_replace_at(root_fd, MAIL_SUBSCRIBE_FILE, text.data, text.len, 0600);
	buf_release(&text);
	return r;
}

int mail_subscribe_set(int root_fd, mail_subscriptions_t *subs,
		       const char *name, int on)
{
	size_t i;

	for (i = 0; i < subs->n && strcmp(subs->names[i], name) < 0; i++)
		;
	if (on) {
		if (i < subs->n && strcmp(subs->names[i], name) == 0)
			return 0;
		if (subs->n >= MAIL_SUBSCRIBE_MAX) {
			errno = ENOSPC;
			return -1;
		}
		mail_subscribe_add(subs, NULL);
		memmove(&subs->names[i + 1], &subs->names[i],
			(subs->n - 1 - i) * sizeof(*subs->names));
		subs->names[i] = mem_strdup(name);
	} else {
		if (i == subs->n || strcmp(subs->names[i], name) != 0)
			return 0;
		mem_free(subs->names[i]);
		memmove(&subs->names[i], &subs->names[i + 1],
			(subs->n - 1 - i) * sizeof(*subs->names));
		subs->n--;
	}
	return mail_subscribe_save(root_fd, subs);
}
