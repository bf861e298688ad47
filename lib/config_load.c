/* config_load.c - where the values of config.c come from: main.conf (read
 * and parsed here), config_set() for master.conf's -o overrides and the
 * tests, and config_reset() back to the table's defaults.
 *
 * A load parses the whole text into a fresh set of values and only then
 * replaces the current one, so a reload with a syntax error changes nothing;
 * config_load_valid() also puts the earlier values back when a new one is
 * out of bounds (config_typed.c checks them).  Names not in the table are
 * warned about but kept.  The parser takes bytes (config_load_text), so
 * the fuzzer and the tests run it without a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_impl.h"
#include "log.h"
#include "mem.h"

#define CONFIG_FILE_NAME	"main.conf"
/* main.conf is a few kilobytes; anything this large is not one. */
#define CONFIG_FILE_MAX		(4 * 1024 * 1024)

static int config_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void config_trim(const char **sp, const char **ep)
{
	while (*sp < *ep && config_is_space(**sp))
		(*sp)++;
	while (*ep > *sp && config_is_space((*ep)[-1]))
		(*ep)--;
}

static void config_state_set(struct config_state *st, const char *name,
			     const char *value, const char *origin, int line)
{
	struct config_ref r;

	if (!config_find(st, name, strlen(name), &r)) {
		st->unknown = mem_reallocarray(st->unknown, st->unknown_count + 1,
					       sizeof(*st->unknown));
		r.ent = &st->unknown[st->unknown_count++];
		r.ent->name = mem_strdup(name);
		r.ent->value = NULL;
		r.ent->expanded = NULL;
		buf_printf(&st->unknown_names, "%s\n", name);
		log_warn("%s, line %d: unknown parameter name \"%s\"",
			 origin, line, name);
	}
	mem_free(r.ent->value);
	r.ent->value = mem_strdup(value);
}

/* Store the parameter line collected so far, continuations included. */
static void config_flush(struct config_state *st, buf_t *name, buf_t *value,
			 const char *origin, int line)
{
	if (name->len == 0)
		return;
	config_state_set(st, buf_str(name), buf_str(value), origin, line);
	buf_reset(name);
	buf_reset(value);
}

/* Parse main.conf text into st (initialised here; freed on error). */
static int config_parse_text(const char *text, size_t len, const char *origin,
			     struct config_state *st, char **err_r)
{
	const char *p = text, *end = text + len;
	buf_t name = BUF_INIT, value = BUF_INIT;
	int line = 0, name_line = 0;
	int ret = -1;

	config_state_init(st);
	while (p < end) {
		const char *s = p, *e = memchr(p, '\n', (size_t) (end - p));
		const char *eq, *ns, *ne;

		p = e ? e + 1 : end;
		e = e ? e : end;
		line++;
		if (memchr(s, '\0', (size_t) (e - s)) != NULL) {
			*err_r = mem_printf("%s, line %d: NUL byte in line",
					    origin, line);
			goto out;
		}
		if (config_is_space(*s)) {
			config_trim(&s, &e);
			if (s == e || *s == '#')
				continue;
			if (name.len == 0) {
				*err_r = mem_printf("%s, line %d: continuation "
						    "line without a parameter "
						    "line before it", origin,
						    line);
				goto out;
			}
			if (value.len > 0)
				buf_putc(&value, ' ');
			buf_append(&value, s, (size_t) (e - s));
			continue;
		}
		config_trim(&s, &e);
		if (s == e || *s == '#')
			continue;
		config_flush(st, &name, &value, origin, name_line);
		eq = memchr(s, '=', (size_t) (e - s));
		if (eq == NULL) {
			*err_r = mem_printf("%s, line %d: expected \"name = "
					    "value\", found no '='", origin,
					    line);
			goto out;
		}
		ns = s;
		ne = eq;
		config_trim(&ns, &ne);
		if (ns == ne) {
			*err_r = mem_printf("%s, line %d: no parameter name "
					    "before '='", origin, line);
			goto out;
		}
		for (const char *c = ns; c < ne; c++) {
			if (!config_is_name_char(*c)) {
				*err_r = mem_printf("%s, line %d: bad character "
						    "in parameter name \"%.*s\"",
						    origin, line,
						    (int) (ne - ns), ns);
				goto out;
			}
		}
		buf_append(&name, ns, (size_t) (ne - ns));
		s = eq + 1;
		config_trim(&s, &e);
		buf_append(&value, s, (size_t) (e - s));
		name_line = line;
	}
	config_flush(st, &name, &value, origin, name_line);
	ret = 0;
out:
	if (ret < 0)
		config_state_free(st);
	buf_release(&name);
	buf_release(&value);
	return ret;
}

int config_load_text(const char *text, size_t len, const char *origin,
		     char **err_r)
{
	struct config_state st;

	if (config_parse_text(text, len, origin, &st, err_r) < 0)
		return -1;
	config_state_free(&config_cur);
	config_cur = st;
	return 0;
}

static void config_store(struct config_entry *ent, const char *value)
{
	const char *s = value, *e = value + strlen(value);

	config_trim(&s, &e);
	mem_free(ent->value);
	ent->value = mem_strndup(s, (size_t) (e - s));
	config_cache_clear(config_state());
}

/* The lines of b as one line, "; " between them (mem-allocated). */
static char *config_join_lines(const buf_t *b)
{
	buf_t out = BUF_INIT;
	const char *p = buf_str(b);

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");

		buf_printf(&out, "%s%.*s", out.len ? "; " : "", (int) n, p);
		p += n + (p[n] == '\n');
	}
	return buf_steal(&out);
}

/* Read dir/main.conf into a new state; the current one is not touched. */
static int config_read_file(const char *dir, struct config_state *st,
			    char **err_r)
{
	char *path = mem_printf("%s/%s", dir, CONFIG_FILE_NAME);
	buf_t text = BUF_INIT;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*err_r = mem_printf("%s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n;

		buf_reserve(&text, 8192);
		n = read(fd, text.data + text.len, text.size - text.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*err_r = mem_printf("%s: read: %s", path,
					    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		text.len += (size_t) n;
		text.data[text.len] = '\0';
		if (text.len > CONFIG_FILE_MAX) {
			*err_r = mem_printf("%s: larger than %d bytes", path,
					    CONFIG_FILE_MAX);
			goto out;
		}
	}
	ret = config_parse_text(buf_str(&text), text.len, path, st, err_r);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&text);
	mem_free(path);
	return ret;
}

/* Make st the current state, config_directory set to dir; the state it
 * replaces is returned in *old. */
static void config_install(struct config_state *st, const char *dir,
			   struct config_state *old)
{
	ssize_t i = config_index("config_directory", strlen("config_directory"));

	if (i < 0)
		log_panic("config: config_directory missing from the table");
	*old = config_cur;
	config_cur = *st;
	config_store(&config_cur.known[i], dir);
}

int config_load(const char *dir, char **err_r)
{
	struct config_state st, old;

	if (config_read_file(dir, &st, err_r) < 0)
		return -1;
	config_install(&st, dir, &old);
	config_state_free(&old);
	return 0;
}

int config_load_valid(const char *dir, char **err_r)
{
	struct config_state st, old;
	buf_t problems = BUF_INIT;

	if (config_read_file(dir, &st, err_r) < 0)
		return -1;
	config_install(&st, dir, &old);
	if (config_validate(&problems) == 0) {
		config_state_free(&old);
		buf_release(&problems);
		return 0;
	}
	config_state_free(&config_cur);
	config_cur = old;
	*err_r = config_join_lines(&problems);
	buf_release(&problems);
	return -1;
}

int config_set(const char *name, const char *value, char **err_r)
{
	ssize_t i = config_index(name, strlen(name));

	if (i < 0) {
		*err_r = mem_printf("unknown parameter name \"%s\"", name);
		return -1;
	}
	config_store(&config_state()->known[i], value);
	return 0;
}

void config_reset(void)
{
	config_state_free(&config_cur);
	config_state_init(&config_cur);
}

