/* mailctl_textmap.c - editing a "KEY VALUE" text map (transport_maps,
 * smtp_sasl_password_maps) the way map_compile reads it: a key, white
 * space, the value; a line starting with white space continues the entry
 * above; '#' starts a comment line.
 *
 * An edit keeps every other line as it was written (comments, blank
 * lines, entries made by hand), replaces the file atomically and
 * recompiles FILE.db.  Keys compare in lower case, as map_compile stores
 * them.  A map marked secret (relay_passwd) has every copy of its text
 * wiped before it is freed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_textmap.h"
#include "mem.h"

/* A piece of the file: an entry, or lines kept verbatim (key == NULL). */
struct mailctl_textmap_chunk {
	char *raw;		/* the lines as they were, newline-terminated */
	char *key;		/* lower case */
	char *value;		/* continuation lines joined by a space */
	int line;
	int deleted;
};

struct mailctl_textmap {
	char *path;
	int secret;
	struct mailctl_textmap_chunk *chunks;
	size_t count;
};

static int mailctl_textmap_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void mailctl_textmap_str_free(const mailctl_textmap_t *m, char *s)
{
	if (s != NULL && m->secret)
		explicit_bzero(s, strlen(s));
	mem_free(s);
}

static struct mailctl_textmap_chunk *mailctl_textmap_add(mailctl_textmap_t *m)
{
	struct mailctl_textmap_chunk *c;

	m->chunks = mem_reallocarray(m->chunks, m->count + 1, sizeof(*m->chunks));
	c = &m->chunks[m->count++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* [s, e) trimmed of white space at both ends. */
static char *mailctl_textmap_trimmed(const char *s, const char *e)
{
	while (s < e && mailctl_textmap_space((unsigned char) *s))
		s++;
	while (e > s && mailctl_textmap_space((unsigned char) e[-1]))
		e--;
	return mem_strndup(s, (size_t) (e - s));
}

/* One line [p, e) (newline excluded) of the file. */
static void mailctl_textmap_line(mailctl_textmap_t *m, const char *p,
				 const char *e, int lineno)
{
	struct mailctl_textmap_chunk *c, *last = NULL;
	const char *s = p, *ke;
	char *piece, *joined;
	size_t k = m->count;

	while (s < e && mailctl_textmap_space((unsigned char) *s))
		s++;
	/* A continuation line continues the last entry across blank and
	 * comment lines, as map_compile reads it (and postmap): those lines
	 * become part of the entry, so they go with it when it is deleted
	 * and can never join another entry. */
	while (k > 0 && m->chunks[k - 1].key == NULL)
		k--;
	if (s > p && s < e && *s != '#' && k > 0) {
		last = &m->chunks[k - 1];
		for (size_t i = k; i < m->count; i++) {
			joined = mem_printf("%s%s", last->raw, m->chunks[i].raw);
			mailctl_textmap_str_free(m, last->raw);
			mailctl_textmap_str_free(m, m->chunks[i].raw);
			last->raw = joined;
		}
		m->count = k;
	}
	if (last != NULL) {
		piece = mailctl_textmap_trimmed(s, e);
		joined = mem_printf("%s%.*s\n", last->raw, (int) (e - p), p);
		mailctl_textmap_str_free(m, last->raw);
		last->raw = joined;
		joined = mem_printf("%s%s%s", last->value,
				    *last->value ? " " : "", piece);
		mailctl_textmap_str_free(m, last->value);
		last->value = joined;
		mailctl_textmap_str_free(m, piece);
		return;
	}
	c = mailctl_textmap_add(m);
	c->raw = mem_printf("%.*s\n", (int) (e - p), p);
	c->line = lineno;
	if (s == e || *s == '#')
		return;
	if (s > p) {
		log_warn("%s line %d: continuation line without an entry "
			 "(kept as it is)", m->path, lineno);
		return;
	}
	for (ke = s; ke < e && !mailctl_textmap_space((unsigned char) *ke); ke++)
		;
	c->key = mem_strndup(s, (size_t) (ke - s));
	for (char *q = c->key; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char) (*q - 'A' + 'a');
	c->value = mailctl_textmap_trimmed(ke, e);
}

mailctl_textmap_t *mailctl_textmap_load(const char *path, int secret)
{
	mailctl_textmap_t *m = MEM_NEW(mailctl_textmap_t);
	buf_t text = BUF_INIT_SECRET;
	char *err = NULL;
	const char *p, *nl;
	int lineno = 0;

	m->path = mem_strdup(path);
	m->secret = secret;
	if (mailctl_file_read(path, &text, &err) < 0) {
		/* A missing map has no entries; the first edit creates it. */
		if (access(path, F_OK) == 0 || errno != ENOENT)
			log_fatal("%s", err);
		mem_free(err);
	}
	for (p = buf_str(&text); *p; p = nl) {
		const char *end = strchr(p, '\n');

		nl = end != NULL ? end + 1 : p + strlen(p);
		mailctl_textmap_line(m, p, end != NULL ? end : nl, ++lineno);
	}
	buf_release(&text);
	return m;
}

void mailctl_textmap_free(mailctl_textmap_t **mp)
{
	mailctl_textmap_t *m = *mp;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->count; i++) {
		mailctl_textmap_str_free(m, m->chunks[i].raw);
		mailctl_textmap_str_free(m, m->chunks[i].key);
		mailctl_textmap_str_free(m, m->chunks[i].value);
	}
	mem_free(m->chunks);
	mem_free(m->path);
	MEM_FREE(*mp);
}

const char *mailctl_textmap_path(const mailctl_textmap_t *m)
{
	return m->path;
}

int mailctl_textmap_next(const mailctl_textmap_t *m, size_t *pos,
			 const char **key_r, const char **value_r, int *line_r)
{
	while (*pos < m->count) {
		const struct mailctl_textmap_chunk *c = &m->chunks[(*pos)++];

		if (c->key == NULL || c->deleted)
			continue;
		*key_r = c->key;
		*value_r = c->value;
		if (line_r != NULL)
			*line_r = c->line;
		return 1;
	}
	return 0;
}

const char *mailctl_textmap_get(const mailctl_textmap_t *m, const char *key)
{
	const char *value = NULL;

	/* The last one wins, as in map_compile. */
	for (size_t i = 0; i < m->count; i++)
		if (m->chunks[i].key != NULL && !m->chunks[i].deleted &&
		    strcmp(m->chunks[i].key, key) == 0)
			value = m->chunks[i].value;
	return value;
}

static int mailctl_textmap_del(mailctl_textmap_t *m, const char *key)
{
	int n = 0;

	for (size_t i = 0; i < m->count; i++) {
		if (m->chunks[i].key != NULL && !m->chunks[i].deleted &&
		    strcmp(m->chunks[i].key, key) == 0) {
			m->chunks[i].deleted = 1;
			n++;
		}
	}
	return n;
}

void mailctl_textmap_set(mailctl_textmap_t *m, const char *key,
			 const char *value)
{
	struct mailctl_textmap_chunk *c = NULL;

	/* The first entry of key takes the new value in its place; any
	 * later ones (made by hand) go. */
	for (size_t i = 0; i < m->count; i++) {
		struct mailctl_textmap_chunk *e = &m->chunks[i];

		if (e->key == NULL || e->deleted || strcmp(e->key, key) != 0)
			continue;
		if (c == NULL)
			c = e;
		else
			e->deleted = 1;
	}
	if (c == NULL) {
		c = mailctl_textmap_add(m);
		c->key = mem_strdup(key);
	}
	mailctl_textmap_str_free(m, c->raw);
	mailctl_textmap_str_free(m, c->value);
	c->raw = mem_printf("%s %s\n", key, value);
	c->value = mem_strdup(value);
}

void mailctl_textmap_save(mailctl_textmap_t *m, mode_t mode, uid_t uid,
			  gid_t gid, int force)
{
	buf_t out = m->secret ? (buf_t) BUF_INIT_SECRET : (buf_t) BUF_INIT;
	char *err = NULL;
	int r;

	for (size_t i = 0; i < m->count; i++)
		if (!m->chunks[i].deleted)
			buf_puts(&out, m->chunks[i].raw);
	r = force ? mailctl_file_replace_as(m->path, buf_str(&out), out.len,
					    mode, uid, gid, &err) :
		mailctl_file_replace(m->path, buf_str(&out), out.len, mode,
				     uid, gid, &err);
	buf_release(&out);
	if (r < 0)
		log_fatal("%s", err);
	mailctl_map_compile(m->path, 0);
}

int mailctl_textmap_remove(mailctl_textmap_t *m, const char *cmd,
			   const char *key, mode_t mode, uid_t uid, gid_t gid,
			   int force)
{
	if (mailctl_textmap_del(m, key) == 0) {
		log_error("%s: no entry for %s in %s", cmd, key, m->path);
		return MAILCTL_FAIL;
	}
	mailctl_textmap_save(m, mode, uid, gid, force);
	log_info("%s %s: deleted", cmd, key);
	return MAILCTL_OK;
}

char *mailctl_textmap_first(const char *param, const char *what)
{
	char **files = config_list(param);
	char *path;

	if (files[0] == NULL)
		log_fatal("%s is empty: no %s to edit", param, what);
	path = mem_strdup(files[0]);
	config_list_free(&files);
	return path;
}

int mailctl_textmap_lock(const char *path)
{
	char *dir = mem_strdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	fd = mailctl_dir_lock(slash != NULL ? dir : ".");
	mem_free(dir);
	return fd;
}
