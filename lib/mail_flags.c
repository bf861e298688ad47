/* mail_flags.c - Maildir flag letters and a folder's keyword list; see
 * mail_flags.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "file_util.h"
#include "mail_flags.h"
#include "mem.h"

static const struct {
	char letter;
	const char *imap;
} mail_flag_map[] = {
	{ 'D', "\\Draft" }, { 'F', "\\Flagged" }, { 'R', "\\Answered" },
	{ 'S', "\\Seen" }, { 'T', "\\Deleted" },
};

#define MAIL_FLAG_MAP_N (sizeof(mail_flag_map) / sizeof(mail_flag_map[0]))

void mail_flags_from_name(const char *name, mail_flags_t *f)
{
	const char *info = strstr(name, ":2,");

	f->upper = f->keywords = 0;
	if (info == NULL)
		return;
	for (const char *c = info + 3; *c; c++) {
		if (*c >= 'A' && *c <= 'Z')
			f->upper |= 1u << (*c - 'A');
		else if (*c >= 'a' && *c <= 'z')
			f->keywords |= 1u << (*c - 'a');
	}
}

void mail_flags_name(const char *name, const mail_flags_t *f, buf_t *out)
{
	buf_append(out, name, strcspn(name, ":"));
	buf_puts(out, ":2,");
	for (int i = 0; i < 26; i++)
		if (f->upper & (1u << i))
			buf_putc(out, (char) ('A' + i));
	for (int i = 0; i < 26; i++)
		if (f->keywords & (1u << i))
			buf_putc(out, (char) ('a' + i));
}

char mail_flag_letter(const char *flag)
{
	for (size_t i = 0; i < MAIL_FLAG_MAP_N; i++)
		if (strcasecmp(flag, mail_flag_map[i].imap) == 0)
			return mail_flag_map[i].letter;
	return 0;
}

const char *mail_flag_imap(char letter)
{
	for (size_t i = 0; i < MAIL_FLAG_MAP_N; i++)
		if (mail_flag_map[i].letter == letter)
			return mail_flag_map[i].imap;
	return NULL;
}

int mail_flag_is_system(char letter)
{
	return mail_flag_imap(letter) != NULL;
}

int mail_keyword_valid(const char *name)
{
	size_t n = 0;

	if (*name == '\0' || *name == '\\')
		return 0;
	for (const unsigned char *c = (const unsigned char *) name; *c; c++, n++) {
		/* RFC 3501 §9: ATOM-CHAR, no atom-specials. */
		if (*c <= ' ' || *c >= 0x7f || strchr("(){%*\"\\]", *c) != NULL)
			return 0;
	}
	return n <= MAIL_KEYWORD_LEN_MAX;
}

int mail_keywords_find(const mail_keywords_t *kw, const char *name)
{
	for (int i = 0; i < MAIL_KEYWORDS_MAX; i++)
		if (kw->names[i] != NULL && strcasecmp(kw->names[i], name) == 0)
			return i;
	return -1;
}

int mail_keywords_add(mail_keywords_t *kw, const char *name)
{
	int i = mail_keywords_find(kw, name);

	if (i >= 0)
		return i;
	for (i = 0; i < MAIL_KEYWORDS_MAX; i++) {
		if (kw->names[i] == NULL) {
			kw->names[i] = mem_strdup(name);
			kw->changed = 1;
			return i;
		}
	}
	return -1;
}

void mail_keywords_free(mail_keywords_t *kw)
{
	for (int i = 0; i < MAIL_KEYWORDS_MAX; i++)
		mem_free(kw->names[i]);
	memset(kw, 0, sizeof(*kw));
}

/* One "<index> <name>" line; anything else is skipped. */
static void mail_keywords_line(mail_keywords_t *kw, char *line)
{
	char *end;
	long i = strtol(line, &end, 10);

	if (end == line || *end != ' ' || i < 0 || i >= MAIL_KEYWORDS_MAX ||
	    !mail_keyword_valid(end + 1) || kw->names[i] != NULL ||
	    mail_keywords_find(kw, end + 1) >= 0)
		return;
	kw->names[i] = mem_strdup(end + 1);
}

int mail_keywords_load(int dirfd, mail_keywords_t *kw)
{
	buf_t text = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd;

	/* a reload (every sync of a view) replaces the names it had */
	mail_keywords_free(kw);
	fd = openat(dirfd, MAIL_KEYWORDS_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* 26 lines of at most ~140 octets: anything longer is not ours. */
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && text.len < 16384)
		buf_append(&text, chunk, (size_t) n);
	close(fd);
	if (n < 0) {
		buf_release(&text);
		return -1;
	}
	for (char *line = text.data, *nl; line != NULL && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		mail_keywords_line(kw, line);
	}
	buf_release(&text);
	return 0;
}

int mail_keywords_save(int dirfd, const mail_keywords_t *kw)
{
	buf_t text = BUF_INIT;
	int r;

	for (int i = 0; i < MAIL_KEYWORDS_MAX; i++)
		if (kw->names[i] != NULL)
			buf_printf(&text, "%d %s\n", i, kw->names[i]);
	r = file_replace_at(dirfd, MAIL_KEYWORDS_FILE, buf_str(&text), text.len,
			    0600);
	buf_release(&text);
	return r;
}
