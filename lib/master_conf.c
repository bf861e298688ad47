/* master_conf.c - parsing master.conf, the service table; see master_conf.h.
 *
 * One service per logical line: `service type private unpriv chroot maxproc
 * command [-o name=value]... [args...]`.  A line whose first non-blank
 * character is '#' is a comment; a line that starts with white space
 * continues the service before it.  Comment and blank lines end nothing, so
 * a commented-out option may sit among the continuation lines of its
 * service, as in main.conf.  A service with any bad field is reported field
 * by field and left out of the table.
 *
 * SECURITY: the file belongs to root; still, names end up in socket paths
 * and argv, so they are held to a small character set, and a command is a
 * plain name in daemon_directory, never a path.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "master_conf.h"
#include "mem.h"

#define MASTER_NAME_MAX		64
#define MASTER_MAXPROC_MAX	100000
#define MASTER_ORIGIN		"master.conf"

struct master_conf_parse {
	const char *daemon_dir;
	master_conf_t *conf;
	buf_t *problems;
	int count;		/* problems so far */
	int line;		/* where the service being parsed begins */
};

static void master_conf_problem(struct master_conf_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void master_conf_problem(struct master_conf_parse *p, const char *fmt, ...)
{
	va_list ap;

	buf_printf(p->problems, "%s, line %d: ", MASTER_ORIGIN, p->line);
	va_start(ap, fmt);
	buf_vprintf(p->problems, fmt, ap);
	va_end(ap);
	buf_putc(p->problems, '\n');
	p->count++;
}

void master_svc_def_free(master_svc_def_t **defp)
{
	master_svc_def_t *def = *defp;

	if (def == NULL)
		return;
	mem_free(def->name);
	mem_free(def->command);
	mem_free(def->path);
	for (char **o = def->opts; o && *o; o++)
		mem_free(*o);
	mem_free(def->opts);
	for (char **a = def->args; a && *a; a++)
		mem_free(*a);
	mem_free(def->args);
	mem_free(def->text);
	MEM_FREE(*defp);
}

void master_conf_free(master_conf_t *conf)
{
	for (int i = 0; i < conf->count; i++)
		master_svc_def_free(&conf->defs[i]);
	MEM_FREE(conf->defs);
	conf->count = 0;
}

static int master_conf_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > MASTER_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char) s[i]) && strchr("._-", s[i]) == NULL)
			return 0;
	return 1;
}

/* y, n or - (the default); -1 for anything else. */
static int master_conf_yn(const char *s, int def)
{
	if (strcmp(s, "-") == 0)
		return def;
	if (strcmp(s, "y") == 0)
		return 1;
	if (strcmp(s, "n") == 0)
		return 0;
	return -1;
}

static int master_conf_number(const char *s, long max, long *out)
{
	char *end;

	if (!isdigit((unsigned char) s[0]))
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max;
}

/* A port number, or a TCP service name from /etc/services; -1 if neither. */
static int master_conf_port(const char *s)
{
	struct servent *se;
	long port;

	if (isdigit((unsigned char) s[0]))
		return master_conf_number(s, 65535, &port) && port > 0 ? (int) port : -1;
	if (!master_conf_name_ok(s, strlen(s)))
		return -1;
	se = getservbyname(s, "tcp");
	return se ? ntohs((uint16_t) se->s_port) : -1;
}

/* -o name=value: the name must be a main.conf parameter and the value
 * must be one it allows (type, bounds, words: config_check_value), so a
 * typo or a value out of range stops master rather than a daemon. */
static int master_conf_override(struct master_conf_parse *p, const char *svc,
				const char *opt)
{
	const char *eq = strchr(opt, '=');
	const param_def_t *pd;
	char *name, *err = NULL;
	int ret = 0;

	if (eq == NULL || eq == opt) {
		master_conf_problem(p, "service %s: -o %s: expected name=value",
				    svc, opt);
		return -1;
	}
	name = mem_strndup(opt, (size_t) (eq - opt));
	pd = config_lookup(name);
	if (pd == NULL) {
		master_conf_problem(p, "service %s: -o %s: unknown parameter",
				    svc, name);
		ret = -1;
	} else if (config_check_value(pd, eq + 1, &err) < 0) {
		master_conf_problem(p, "service %s: -o %s: %s", svc, name, err);
		mem_free(err);
		ret = -1;
	}
	mem_free(name);
	return ret;
}

static char **master_conf_strv(char *const *words, int n)
{
	char **v = mem_reallocarray(NULL, (size_t) n + 1, sizeof(char *));

	for (int i = 0; i < n; i++)
		v[i] = mem_strdup(words[i]);
	v[n] = NULL;
	return v;
}

/* The value of a process parameter for this service: -o wins. */
static long master_conf_param_int(char **opts, const char *name)
{
	size_t len = strlen(name);
	long v;

	for (char **o = opts; *o; o++)
		if (strncmp(*o, name, len) == 0 && (*o)[len] == '=' &&
		    master_conf_number(*o + len + 1, 0x7fffffffL, &v))
			return v;
	return config_int(name);
}

/* The service field: def->type, name and port, or a problem. */
static void master_conf_service_field(struct master_conf_parse *p, char **w,
				      master_svc_def_t *def)
{
	const char *colon;

	if (strcmp(w[1], "inet") == 0) {
		def->type = MASTER_INET;
		colon = strrchr(w[0], ':');
		if (colon == NULL) {
			master_conf_problem(p, "inet service \"%s\": expected "
					    "NAME:PORT", w[0]);
			return;
		}
		def->name = mem_strndup(w[0], (size_t) (colon - w[0]));
		def->port = master_conf_port(colon + 1);
		if (def->port < 0) {
			master_conf_problem(p, "service %s: bad port \"%s\" (a "
					    "number or a name in /etc/services)",
					    w[0], colon + 1);
			return;
		}
	} else if (strcmp(w[1], "unix") == 0) {
		def->type = MASTER_UNIX;
		def->name = mem_strdup(w[0]);
	} else {
		master_conf_problem(p, "unknown service type \"%s\" (inet or unix)",
				    w[1]);
		return;
	}
	if (!master_conf_name_ok(def->name, strlen(def->name)))
		master_conf_problem(p, "bad service name \"%s\"", def->name);
}

/* One y/n/- field into *out, or a problem. */
static void master_conf_flag(struct master_conf_parse *p, const char *svc,
			     const char *field, const char *value, int def,
			     int *out)
{
	int v = master_conf_yn(value, def);

	if (v < 0)
		master_conf_problem(p, "service %s: bad %s field \"%s\" (y, n or -)",
				    svc, field, value);
	else
		*out = v;
}

/* One logical line of n words: the service, or NULL when it was bad. */
static master_svc_def_t *master_conf_service(struct master_conf_parse *p,
					     char **w, int n)
{
	master_svc_def_t *def;
	const char *svc;
	int i, nopts = 0, before = p->count;
	long maxproc = 0;
	buf_t text = BUF_INIT;
	char **opts = NULL;

	if (n < 7) {
		master_conf_problem(p, "expected at least 7 fields "
				    "(service type private unpriv chroot maxproc "
				    "command), found %d", n);
		return NULL;
	}
	def = MEM_NEW(master_svc_def_t);
	def->line = p->line;
	master_conf_service_field(p, w, def);
	svc = def->name != NULL ? def->name : w[0];
	master_conf_flag(p, svc, "private", w[2], 1, &def->private_);
	master_conf_flag(p, svc, "unpriv", w[3], 1, &def->unpriv);
	master_conf_flag(p, svc, "chroot", w[4], 0, &def->chroot);
	if (strcmp(w[5], "-") == 0)
		maxproc = config_int("default_process_limit");
	else if (!master_conf_number(w[5], MASTER_MAXPROC_MAX, &maxproc))
		master_conf_problem(p, "service %s: bad maxproc \"%s\" (-, or a "
				    "number up to %d)", svc, w[5],
				    MASTER_MAXPROC_MAX);
	def->maxproc = (int) maxproc;
	if (!master_conf_name_ok(w[6], strlen(w[6])))
		master_conf_problem(p, "service %s: bad command name \"%s\" (a "
				    "program in daemon_directory)", svc, w[6]);
	for (i = 7; i < n && strcmp(w[i], "-o") == 0; i += 2) {
		if (i + 1 >= n) {
			master_conf_problem(p, "service %s: -o without name=value",
					    svc);
			break;
		}
		if (master_conf_override(p, svc, w[i + 1]) == 0) {
			opts = mem_reallocarray(opts, (size_t) nopts + 1,
						sizeof(char *));
			opts[nopts++] = w[i + 1];
		}
	}
	if (p->count > before) {
		mem_free(opts);
		master_svc_def_free(&def);
		return NULL;
	}
	def->command = mem_strdup(w[6]);
	def->path = mem_printf("%s/%s", p->daemon_dir, w[6]);
	def->opts = master_conf_strv(opts, nopts);
	mem_free(opts);
	def->args = master_conf_strv(w + i, n - i);
	def->prefork = (int) master_conf_param_int(def->opts, "process_prefork");
	if (def->maxproc > 0 && def->prefork > def->maxproc)
		def->prefork = def->maxproc;
	for (int k = 0; k < n; k++)
		buf_printf(&text, "%s%s", k ? " " : "", w[k]);
	def->text = buf_steal(&text);
	return def;
}

/* Split one logical line into words (no quoting: values hold no blanks). */
static int master_conf_words(const char *line, char ***words_r)
{
	char **w = NULL;
	int n = 0;

	for (const char *s = line; *s;) {
		const char *e;

		while (*s && isspace((unsigned char) *s))
			s++;
		if (*s == '\0')
			break;
		for (e = s; *e && !isspace((unsigned char) *e); e++)
			;
		w = mem_reallocarray(w, (size_t) n + 1, sizeof(char *));
		w[n++] = mem_strndup(s, (size_t) (e - s));
		s = e;
	}
	*words_r = w;
	return n;
}

static void master_conf_entry(struct master_conf_parse *p, const char *line)
{
	master_conf_t *conf = p->conf;
	char **w;
	int n = master_conf_words(line, &w);
	master_svc_def_t *def = n > 0 ? master_conf_service(p, w, n) : NULL;

	for (int i = 0; i < n; i++)
		mem_free(w[i]);
	mem_free(w);
	if (def == NULL)
		return;
	for (int i = 0; i < conf->count; i++) {
		if (strcmp(conf->defs[i]->name, def->name) == 0) {
			master_conf_problem(p, "duplicate service %s (first on "
					    "line %d)", def->name,
					    conf->defs[i]->line);
			master_svc_def_free(&def);
			return;
		}
	}
	conf->defs = mem_reallocarray(conf->defs, (size_t) conf->count + 1,
				      sizeof(*conf->defs));
	conf->defs[conf->count++] = def;
}

/* The logical line being collected: a service and its continuations. */
struct master_conf_logical {
	buf_t text;
	int start;		/* its first line */
	int open;		/* continuation lines belong to it */
	int skip;		/* a line of it was unusable: left out */
};

/* The service collected so far, if any, is complete: parse it. */
static void master_conf_flush(struct master_conf_parse *p,
			      struct master_conf_logical *l)
{
	int here = p->line;

	if (l->open && !l->skip) {
		p->line = l->start;
		master_conf_entry(p, buf_str(&l->text));
		p->line = here;
	}
	buf_reset(&l->text);
	l->open = l->skip = 0;
}

static void master_conf_begin(struct master_conf_parse *p,
			      struct master_conf_logical *l)
{
	master_conf_flush(p, l);
	l->open = 1;
	l->start = p->line;
}

int master_conf_parse(const char *text, size_t len, const char *daemon_dir,
		      master_conf_t *conf, buf_t *problems)
{
	struct master_conf_parse p = { daemon_dir, conf, problems, 0, 0 };
	struct master_conf_logical l = { BUF_INIT, 0, 0, 0 };
	const char *s = text, *end = text + len;

	conf->defs = NULL;
	conf->count = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t) (end - s));
		const char *e = nl != NULL ? nl : end;
		size_t blank = 0;

		p.line++;
		while (s + blank < e && strchr(" \t\r\f\v", s[blank]) != NULL &&
		       s[blank] != '\0')
			blank++;
		if (memchr(s, '\0', (size_t) (e - s)) != NULL) {
			/* Its service (or the one it continues) is left out. */
			if (blank == 0 || !l.open)
				master_conf_begin(&p, &l);
			l.skip = 1;
			master_conf_problem(&p, "NUL byte in line");
		} else if (s + blank == e || s[blank] == '#') {
			/* Blank or comment: ends nothing. */
		} else if (blank > 0) {
			if (!l.open) {
				master_conf_problem(&p, "continuation line "
						    "without a service before it");
			} else {
				buf_putc(&l.text, ' ');
				buf_append(&l.text, s, (size_t) (e - s));
			}
		} else {
			master_conf_begin(&p, &l);
			buf_append(&l.text, s, (size_t) (e - s));
		}
		s = nl != NULL ? nl + 1 : end;
	}
	master_conf_flush(&p, &l);
	buf_release(&l.text);
	return p.count;
}

int master_conf_check_programs(const master_conf_t *conf, buf_t *problems)
{
	int n = 0;

	for (int i = 0; i < conf->count; i++) {
		const master_svc_def_t *def = conf->defs[i];

		if (access(def->path, X_OK) < 0) {
			buf_printf(problems, "%s, line %d: service %s: missing "
				   "program %s: %s\n", MASTER_ORIGIN, def->line,
				   def->name, def->path, strerror(errno));
			n++;
		}
	}
	return n;
}
