/* config_typed.c - a main.conf value read as the type its table entry in
 * params.c declares, and checked against that entry (type, bounds, words)
 * and the relations between parameters (config_relations).
 *
 * A value is checked each time a typed getter reads it and by
 * config_validate, on the expanded text (config.c); nothing is clamped
 * into range, since a value an administrator wrote and a program silently
 * changed is worse than one refused.  The parsers of times, sizes and
 * booleans are here too, for -o values and mailctl.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_impl.h"
#include "log.h"
#include "mem.h"

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

