/* config.c - the current main.conf values over the parameter table of
 * params.c: finding a name, and reading a value with its $name references
 * expanded.
 *
 * Values are kept as written; $name references are expanded when a value is
 * read, which makes `queue_directory = $config_directory/queue` follow a
 * later config_set() of config_directory.  Expanded strings are cached until
 * the next change.  Names not in the table are kept beside it, so they can
 * serve as helper names in $name references.  Where the values come from
 * is config_load.c; reading one as its type and checking it is
 * config_typed.c (config_impl.h is what the three share).
 *
 * myhostname and mydomain have no fixed default: when their value expands to
 * the empty string it is computed from the system host name at read time.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_impl.h"
#include "log.h"
#include "mem.h"

/* Deeper nesting than this is taken as a reference loop. */
#define CONFIG_EXPAND_DEPTH	16
/* Bounds on one read, so `a = $b$b$b` chains cannot grow exponentially. */
#define CONFIG_EXPAND_REFS	10000
#define CONFIG_EXPAND_LEN	(1024 * 1024)

struct config_expander {
	const char *top;		/* the parameter being read */
	unsigned refs;
	char *err;
};

struct config_state config_cur;
static size_t config_nparams;

static int config_expand_param(struct config_expander *x,
			       const struct config_ref *ref, buf_t *out,
			       int depth);

size_t config_count(void)
{
	if (config_nparams == 0)
		while (config_params[config_nparams].name != NULL)
			config_nparams++;
	return config_nparams;
}

void config_state_init(struct config_state *st)
{
	st->known = mem_reallocarray(NULL, config_count(), sizeof(*st->known));
	memset(st->known, 0, config_count() * sizeof(*st->known));
	st->unknown = NULL;
	st->unknown_count = 0;
	buf_init(&st->unknown_names);
}

void config_state_free(struct config_state *st)
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

struct config_state *config_state(void)
{
	if (config_cur.known == NULL)
		config_state_init(&config_cur);
	return &config_cur;
}

void config_cache_clear(struct config_state *st)
{
	for (size_t i = 0; i < config_count(); i++)
		MEM_FREE(st->known[i].expanded);
}

int config_is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

ssize_t config_index(const char *name, size_t len)
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

int config_find(struct config_state *st, const char *name, size_t len,
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

const param_def_t *config_need(const char *name, struct config_ref *r)
{
	if (!config_find(config_state(), name, strlen(name), r) || r->def == NULL)
		log_panic("config: no parameter named \"%s\" in the table", name);
	return r->def;
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

const char *config_unknown_names(void)
{
	return buf_str(&config_state()->unknown_names);
}
