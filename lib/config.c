/* config.c - main.conf values over the parameter table of params.c.
 *
 * A load parses the whole text into a fresh set of values and only then
 * replaces the current one, so a reload with a syntax error changes nothing.
 * Values are kept as written; $name references are expanded when a value is
 * read, which makes `queue_directory = $config_directory/queue` follow a
 * later config_set() of config_directory.  Expanded strings are cached until
 * the next change.  Names not in the table are warned about but kept, so
 * they can serve as helper names in $name references.
 *
 * A value is checked against its table entry (type, bounds, words) each
 * time a typed getter reads it and by config_validate, on the expanded
 * text; nothing is clamped into range, since a value an administrator
 * wrote and a program silently changed is worse than one refused.
 *
 * myhostname and mydomain have no fixed default: when their value expands to
 * the empty string it is computed from the system host name at read time.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"

#define CONFIG_FILE_NAME	"main.conf"
/* main.conf is a few kilobytes; anything this large is not one. */
#define CONFIG_FILE_MAX		(4 * 1024 * 1024)
/* Deeper nesting than this is taken as a reference loop. */
#define CONFIG_EXPAND_DEPTH	16
/* Bounds on one read, so `a = $b$b$b` chains cannot grow exponentially. */
#define CONFIG_EXPAND_REFS	10000
#define CONFIG_EXPAND_LEN	(1024 * 1024)

struct config_entry {
	char *name;		/* unknown names only; table entries use config_params */
	char *value;		/* as written, NULL while not set */
	char *expanded;		/* config_str() cache, NULL until read */
};

struct config_state {
	struct config_entry *known;	/* one per config_params entry */
	struct config_entry *unknown;
	size_t unknown_count;
	buf_t unknown_names;		/* each name once, '\n'-terminated */
};

struct config_ref {
	const param_def_t *def;		/* NULL for an unknown name */
	struct config_entry *ent;
};

struct config_expander {
	const char *top;		/* the parameter being read */
	unsigned refs;
	char *err;
};

static struct config_state config_cur;
static size_t config_nparams;

static int config_expand_param(struct config_expander *x,
			       const struct config_ref *ref, buf_t *out,
			       int depth);

static size_t config_count(void)
{
	if (config_nparams == 0)
		while (config_params[config_nparams].name != NULL)
			config_nparams++;
	return config_nparams;
}

static void config_state_init(struct config_state *st)
{
	st->known = mem_reallocarray(NULL, config_count(), sizeof(*st->known));
	memset(st->known, 0, config_count() * sizeof(*st->known));
	st->unknown = NULL;
	st->unknown_count = 0;
	buf_init(&st->unknown_names);
}

static void config_state_free(struct config_state *st)
{
	if (st->known == NULL)
		return;
	for (size_t i = 0; i < config_count(); i++) {
		mem_free(st->known[i].value);
		mem_free(st->known[i].expanded);
	}
	for (size_t i = 0; i < st->unknown_count; i++) {
		mem_free(st->unknown[i].name);
		mem_free(st->unknown[i].value);
	}
	MEM_FREE(st->known);
	MEM_FREE(st->unknown);
	st->unknown_count = 0;
	buf_release(&st->unknown_names);
}

/* The current values, set up with defaults on first use. */
static struct config_state *config_state(void)
{
	if (config_cur.known == NULL)
		config_state_init(&config_cur);
	return &config_cur;
}

static void config_cache_clear(struct config_state *st)
{
	for (size_t i = 0; i < config_count(); i++)
		MEM_FREE(st->known[i].expanded);
}

static int config_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII only: names must not change meaning with the locale. */
static int config_is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

static void config_trim(const char **sp, const char **ep)
{
	while (*sp < *ep && config_is_space(**sp))
		(*sp)++;
	while (*ep > *sp && config_is_space((*ep)[-1]))
		(*ep)--;
}

static ssize_t config_index(const char *name, size_t len)
{
	for (size_t i = 0; i < config_count(); i++)
		if (strncmp(config_params[i].name, name, len) == 0 &&
		    config_params[i].name[len] == '\0')
			return (ssize_t) i;
	return -1;
}

static struct config_entry *config_find_unknown(struct config_state *st,
						const char *name, size_t len)
{
	for (size_t i = 0; i < st->unknown_count; i++)
		if (strncmp(st->unknown[i].name, name, len) == 0 &&
		    st->unknown[i].name[len] == '\0')
			return &st->unknown[i];
	return NULL;
}

/* 1 with *r filled when name is in the table or was set as an unknown name. */
static int config_find(struct config_state *st, const char *name, size_t len,
		       struct config_ref *r)
{
	ssize_t i = config_index(name, len);

	if (i >= 0) {
		r->def = &config_params[i];
		r->ent = &st->known[i];
		return 1;
	}
	r->def = NULL;
	r->ent = config_find_unknown(st, name, len);
	return r->ent != NULL;
}

static const param_def_t *config_need(const char *name, struct config_ref *r)
{
	if (!config_find(config_state(), name, strlen(name), r) || r->def == NULL)
		log_panic("config: no parameter named \"%s\" in the table", name);
	return r->def;
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

static void config_system_hostname(buf_t *out)
{
	char host[HOST_NAME_MAX + 1];

	if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0') {
		log_warn("gethostname: %s; using localhost for myhostname",
			 strerror(errno));
		buf_puts(out, "localhost");
		return;
	}
	host[sizeof(host) - 1] = '\0';
	buf_puts(out, host);
}

/* mydomain follows whatever myhostname is, computed or configured. */
static int config_derive_mydomain(struct config_expander *x, buf_t *out,
			       int depth)
{
	static const char hostname[] = "myhostname";
	struct config_ref r;
	buf_t host = BUF_INIT;
	const char *dot;

	config_need(hostname, &r);
	if (config_expand_param(x, &r, &host, depth + 1) < 0) {
		buf_release(&host);
		return -1;
	}
	dot = strchr(buf_str(&host), '.');
	buf_puts(out, dot && dot[1] ? dot + 1 : "localdomain");
	buf_release(&host);
	return 0;
}

static int config_fail(struct config_expander *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int config_fail(struct config_expander *x, const char *fmt, ...)
{
	buf_t b = BUF_INIT;
	va_list ap;

	if (x->err != NULL)
		return -1;
	buf_printf(&b, "parameter %s: ", x->top);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	x->err = buf_steal(&b);
	return -1;
}

static int config_expand_text(struct config_expander *x, const char *text,
			      buf_t *out, int depth)
{
	const char *p = text;

	while (*p != '\0') {
		const char *name, *end;
		struct config_ref r;

		if (*p != '$') {
			size_t n = strcspn(p, "$");

			buf_append(out, p, n);
			p += n;
			continue;
		}
		p++;
		if (*p == '$') {
			buf_putc(out, '$');
			p++;
			continue;
		}
		if (*p == '{') {
			name = end = p + 1;
			while (config_is_name_char(*end))
				end++;
			if (*end != '}' || end == name)
				return config_fail(x, "malformed ${name}");
			p = end + 1;
		} else {
			name = end = p;
			while (config_is_name_char(*end))
				end++;
			if (end == name)
				return config_fail(x, "'$' not followed by a "
						   "name, {name} or $");
			p = end;
		}
		if (++x->refs > CONFIG_EXPAND_REFS)
			return config_fail(x, "more than %d $name references",
					   CONFIG_EXPAND_REFS);
		if (depth >= CONFIG_EXPAND_DEPTH)
			return config_fail(x, "$name references nest deeper "
					   "than %d levels at $%.*s (a loop?)",
					   CONFIG_EXPAND_DEPTH,
					   (int) (end - name), name);
		if (!config_find(config_state(), name, (size_t) (end - name), &r))
			return config_fail(x, "undefined parameter $%.*s",
					   (int) (end - name), name);
		if (config_expand_param(x, &r, out, depth + 1) < 0)
			return -1;
		if (out->len > CONFIG_EXPAND_LEN)
			return config_fail(x, "value longer than %d bytes "
					   "after expansion", CONFIG_EXPAND_LEN);
	}
	return 0;
}

static int config_expand_param(struct config_expander *x,
			       const struct config_ref *ref, buf_t *out,
			       int depth)
{
	const char *raw = ref->ent->value;
	size_t start = out->len;

	if (raw == NULL)
		raw = ref->def ? ref->def->def : "";
	if (config_expand_text(x, raw, out, depth) < 0)
		return -1;
	if (out->len > start || ref->def == NULL)
		return 0;
	if (strcmp(ref->def->name, "myhostname") == 0)
		config_system_hostname(out);
	else if (strcmp(ref->def->name, "mydomain") == 0)
		return config_derive_mydomain(x, out, depth);
	return 0;
}

int config_expand(const char *name, buf_t *out, char **err_r)
{
	struct config_expander x = { name, 0, NULL };
	struct config_ref r;

	config_need(name, &r);
	buf_reset(out);
	if (config_expand_param(&x, &r, out, 0) < 0) {
		*err_r = x.err;
		return -1;
	}
	return 0;
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

const char *config_str(const char *name)
{
	struct config_ref r;
	buf_t b = BUF_INIT;
	char *err;

	config_need(name, &r);
	if (r.ent->expanded != NULL)
		return r.ent->expanded;
	if (config_expand(name, &b, &err) < 0)
		log_fatal("%s", err);
	r.ent->expanded = buf_steal(&b);
	return r.ent->expanded;
}

static const char *const config_type_names[] = {
	[PARAM_STR] = "string",
	[PARAM_INT] = "integer",
	[PARAM_BOOL] = "boolean (yes or no)",
	[PARAM_TIME] = "time (a number with an optional s, m, h, d or w)",
	[PARAM_SIZE] = "size (a number with an optional k, m or g)",
	[PARAM_LIST] = "list",
	[PARAM_ENUM] = "word",
};

static int config_parse_int(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

/* A number of the type of an INT, TIME or SIZE parameter, as long long. */
static int config_parse_number(const char *s, enum param_type type,
			       long long *out)
{
	long l;

	switch (type) {
	case PARAM_INT:
		if (config_parse_int(s, &l) < 0)
			return -1;
		*out = l;
		return 0;
	case PARAM_TIME:
		if (config_parse_time(s, &l) < 0)
			return -1;
		*out = l;
		return 0;
	case PARAM_SIZE:
		return config_parse_size(s, out);
	default:
		return -1;
	}
}

/* A bound of the table: one that does not parse is a bug in params.c. */
static long long config_bound(const param_def_t *d, const char *bound)
{
	long long v;

	if (config_parse_number(bound, d->type, &v) < 0)
		log_panic("config: parameter %s: bad bound \"%s\" in the table",
			  d->name, bound);
	return v;
}

/* The index of s in d's words (any case), or -1. */
static int config_word_index(const param_def_t *d, const char *s)
{
	for (int i = 0; d->words != NULL && d->words[i] != NULL; i++)
		if (strcasecmp(s, d->words[i]) == 0)
			return i;
	return -1;
}

int config_check_value(const param_def_t *d, const char *value, char **err_r)
{
	buf_t b = BUF_INIT;
	long long v;
	int flag;

	switch (d->type) {
	case PARAM_STR:
	case PARAM_LIST:
		return 0;
	case PARAM_BOOL:
		if (config_parse_bool(value, &flag) == 0)
			return 0;
		break;
	case PARAM_ENUM:
		if (config_word_index(d, value) >= 0)
			return 0;
		buf_printf(&b, "\"%s\" is not one of", value);
		for (int i = 0; d->words != NULL && d->words[i] != NULL; i++)
			buf_printf(&b, "%s %s", i ? "," : "", d->words[i]);
		*err_r = buf_steal(&b);
		return -1;
	case PARAM_INT:
	case PARAM_TIME:
	case PARAM_SIZE:
		if (config_parse_number(value, d->type, &v) < 0)
			break;
		if ((d->min != NULL && v < config_bound(d, d->min)) ||
		    (d->max != NULL && v > config_bound(d, d->max))) {
			*err_r = mem_printf("\"%s\" is out of range: from %s to %s",
					    value, d->min ? d->min : "any",
					    d->max ? d->max : "any");
			return -1;
		}
		return 0;
	}
	*err_r = mem_printf("\"%s\" is not a valid %s", value,
			    config_type_names[d->type]);
	return -1;
}

/* The value of name, which must be a parameter of that type and hold an
 * allowed value; fatal otherwise. */
static const char *config_typed(const char *name, enum param_type type)
{
	struct config_ref r;
	const char *s;
	char *err;

	if (config_need(name, &r)->type != type)
		log_panic("config: parameter %s is a %s, not a %s", name,
			  config_type_names[r.def->type],
			  config_type_names[type]);
	s = config_str(name);
	if (config_check_value(r.def, s, &err) < 0)
		log_fatal("parameter %s: %s", name, err);
	return s;
}

/* config_typed has checked that the value parses: the parse cannot fail. */
static long long config_numeric_value(const char *name, enum param_type type)
{
	long long v = 0;

	(void) config_parse_number(config_typed(name, type), type, &v);
	return v;
}

long config_int(const char *name)
{
	return (long) config_numeric_value(name, PARAM_INT);
}

int config_bool(const char *name)
{
	int v = 0;

	(void) config_parse_bool(config_typed(name, PARAM_BOOL), &v);
	return v;
}

long config_time(const char *name)
{
	return (long) config_numeric_value(name, PARAM_TIME);
}

long long config_size(const char *name)
{
	return config_numeric_value(name, PARAM_SIZE);
}

int config_enum(const char *name)
{
	const char *s = config_typed(name, PARAM_ENUM);

	return config_word_index(config_lookup(name), s);
}

char **config_list(const char *name)
{
	const char *p = config_typed(name, PARAM_LIST);
	static const char seps[] = ", \t\r\n\f\v";
	char **list = NULL;
	size_t n = 0;

	for (;;) {
		size_t len;

		p += strspn(p, seps);
		list = mem_reallocarray(list, n + 1, sizeof(*list));
		if (*p == '\0')
			break;
		len = strcspn(p, seps);
		list[n++] = mem_strndup(p, len);
		p += len;
	}
	list[n] = NULL;
	return list;
}

void config_list_free(char ***listp)
{
	if (*listp == NULL)
		return;
	for (char **l = *listp; *l != NULL; l++)
		mem_free(*l);
	MEM_FREE(*listp);
}

int config_is_set(const char *name)
{
	struct config_ref r;

	return config_find(config_state(), name, strlen(name), &r) &&
		r.ent->value != NULL;
}

const param_def_t *config_lookup(const char *name)
{
	ssize_t i = config_index(name, strlen(name));

	return i < 0 ? NULL : &config_params[i];
}

/* Run only when every value is valid, so each reads as its type. */
static int config_validate_relations(buf_t *errors)
{
	int problems = 0;

	for (const param_relation_t *r = config_relations; r->less != NULL; r++) {
		const param_def_t *l = config_lookup(r->less);
		const param_def_t *m = config_lookup(r->more);
		long long lv, mv;

		if (l == NULL || m == NULL || l->type != m->type)
			log_fatal("parameter relation %s < %s: not two "
				  "parameters of one type", r->less, r->more);
		lv = config_numeric_value(l->name, l->type);
		mv = config_numeric_value(m->name, m->type);
		if (lv >= mv) {
			buf_printf(errors, "parameter %s (%lld) must be less "
				   "than %s (%lld): %s\n", r->less, lv,
				   r->more, mv, r->why);
			problems++;
		}
	}
	return problems;
}

int config_validate(buf_t *errors)
{
	buf_t value = BUF_INIT;
	int problems = 0;
	char *err;

	for (size_t i = 0; i < config_count(); i++) {
		const param_def_t *d = &config_params[i];

		if (config_expand(d->name, &value, &err) < 0) {
			buf_printf(errors, "%s\n", err);
			mem_free(err);
			problems++;
		} else if (config_check_value(d, buf_str(&value), &err) < 0) {
			buf_printf(errors, "parameter %s: %s\n", d->name, err);
			mem_free(err);
			problems++;
		}
	}
	buf_release(&value);
	if (problems == 0)
		problems += config_validate_relations(errors);
	return problems;
}

const char *config_unknown_names(void)
{
	return buf_str(&config_state()->unknown_names);
}

/* A decimal number of at least one digit, no sign, then an optional unit
 * from units (case-insensitive) whose factors are in mult. */
static int config_parse_scaled(const char *s, const char *units,
			       const long long *mult, long long max,
			       long long *out)
{
	long long v = 0, m = 1;
	const char *p = s;
	const char *u;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p != '\0') {
		u = strchr(units, *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		if (u == NULL || p[1] != '\0')
			return -1;
		m = mult[u - units];
		if (v > max / m)
			return -1;
	}
	*out = v * m;
	return 0;
}

int config_parse_time(const char *s, long *out)
{
	static const long long mult[] = { 1, 60, 3600, 86400, 604800 };
	long long v;

	if (config_parse_scaled(s, "smhdw", mult, LONG_MAX, &v) < 0)
		return -1;
	*out = (long) v;
	return 0;
}

int config_parse_size(const char *s, long long *out)
{
	static const long long mult[] = { 1LL << 10, 1LL << 20, 1LL << 30 };

	return config_parse_scaled(s, "kmg", mult, LLONG_MAX, out);
}

int config_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}
