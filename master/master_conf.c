/* master_conf.c - reading master.conf, the service table (master.conf(5)).
 *
 * One service per logical line: `service type private unpriv chroot maxproc
 * command [-o name=value]... [args...]`.  '#' starts a comment line; a line
 * that starts with white space continues the one before.  Every line is
 * validated before master acts on any of it, so a bad file leaves a running
 * master as it was; errors read "master.conf, line N: ...".
 *
 * SECURITY: the file belongs to root; still, names end up in socket paths
 * and argv, so they are held to a small character set.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "mem.h"
#include "master.h"

#define MASTER_NAME_MAX		64

struct master_conf_parse {
	const char *origin;
	int line;
	char *err;
};

static int master_conf_fail(struct master_conf_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int master_conf_fail(struct master_conf_parse *p, const char *fmt, ...)
{
	buf_t b = BUF_INIT;
	va_list ap;

	buf_printf(&b, "%s, line %d: ", p->origin, p->line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p->err = buf_steal(&b);
	return -1;
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

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= 0 && *out <= max;
}

static int master_conf_port(const char *s)
{
	struct servent *se;
	long port;

	if (isdigit((unsigned char) s[0]))
		return master_conf_number(s, 65535, &port) && port > 0 ? (int) port : -1;
	se = getservbyname(s, "tcp");
	return se ? ntohs((uint16_t) se->s_port) : -1;
}

/* -o name=value: the name must be a main.conf parameter and the value
 * must parse as its type, so a typo stops master rather than a daemon. */
static int master_conf_override(struct master_conf_parse *p, const char *opt)
{
	const char *eq = strchr(opt, '=');
	const param_def_t *pd;
	char *name;
	long l;
	long long ll;
	int b, ok = 1;

	if (eq == NULL || eq == opt)
		return master_conf_fail(p, "-o %s: expected name=value", opt);
	name = mem_strndup(opt, (size_t) (eq - opt));
	pd = config_lookup(name);
	if (pd == NULL) {
		master_conf_fail(p, "-o %s: unknown parameter", name);
		mem_free(name);
		return -1;
	}
	switch (pd->type) {
	case PARAM_INT: ok = master_conf_number(eq + 1, 0x7fffffffL, &l); break;
	case PARAM_BOOL: ok = config_parse_bool(eq + 1, &b) == 0; break;
	case PARAM_TIME: ok = config_parse_time(eq + 1, &l) == 0; break;
	case PARAM_SIZE: ok = config_parse_size(eq + 1, &ll) == 0; break;
	default: break;
	}
	if (!ok)
		master_conf_fail(p, "-o %s: bad value \"%s\"", name, eq + 1);
	mem_free(name);
	return ok ? 0 : -1;
}

static char **master_conf_strv(char **words, int n)
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

static int master_conf_service(struct master_conf_parse *p, char **w, int n,
			       master_svc_def_t **def_r)
{
	master_svc_def_t *def;
	const char *colon;
	int i, v, nopts = 0;
	long maxproc;
	buf_t text = BUF_INIT;
	struct stat st;
	char **opts = NULL;

	if (n < 7)
		return master_conf_fail(p, "expected at least 7 fields "
			"(service type private unpriv chroot maxproc command), "
			"found %d", n);
	def = MEM_NEW(master_svc_def_t);
	def->line = p->line;
	if (strcmp(w[1], "inet") == 0) {
		def->type = MASTER_INET;
		colon = strrchr(w[0], ':');
		if (colon == NULL) {
			master_conf_fail(p, "inet service \"%s\": expected NAME:PORT", w[0]);
			goto bad;
		}
		def->port = master_conf_port(colon + 1);
		if (def->port < 0) {
			master_conf_fail(p, "service %s: bad port \"%s\"", w[0], colon + 1);
			goto bad;
		}
		def->name = mem_strndup(w[0], (size_t) (colon - w[0]));
	} else if (strcmp(w[1], "unix") == 0) {
		def->type = MASTER_UNIX;
		def->name = mem_strdup(w[0]);
	} else {
		master_conf_fail(p, "unknown service type \"%s\" (inet or unix)", w[1]);
		goto bad;
	}
	if (!master_conf_name_ok(def->name, strlen(def->name))) {
		master_conf_fail(p, "bad service name \"%s\"", def->name);
		goto bad;
	}
	if ((v = master_conf_yn(w[2], 1)) < 0) {
		master_conf_fail(p, "service %s: bad private field \"%s\" (y, n or -)", def->name, w[2]);
		goto bad;
	}
	def->private_ = v;
	if ((v = master_conf_yn(w[3], 1)) < 0) {
		master_conf_fail(p, "service %s: bad unpriv field \"%s\" (y, n or -)", def->name, w[3]);
		goto bad;
	}
	def->unpriv = v;
	if ((v = master_conf_yn(w[4], 0)) < 0) {
		master_conf_fail(p, "service %s: bad chroot field \"%s\" (y, n or -)", def->name, w[4]);
		goto bad;
	}
	def->chroot = v;
	if (strcmp(w[5], "-") == 0)
		maxproc = config_int("default_process_limit");
	else if (!master_conf_number(w[5], 100000, &maxproc)) {
		master_conf_fail(p, "service %s: bad maxproc \"%s\"", def->name, w[5]);
		goto bad;
	}
	def->maxproc = (int) maxproc;
	if (!master_conf_name_ok(w[6], strlen(w[6]))) {
		master_conf_fail(p, "service %s: bad command name \"%s\"", def->name, w[6]);
		goto bad;
	}
	def->command = mem_strdup(w[6]);
	def->path = mem_printf("%s/%s", master.daemon_dir, w[6]);
	if (access(def->path, X_OK) < 0) {
		master_conf_fail(p, "service %s: missing program %s: %s", def->name,
				 def->path, strerror(errno));
		goto bad;
	}
	for (i = 7; i < n && strcmp(w[i], "-o") == 0; i += 2) {
		if (i + 1 >= n) {
			master_conf_fail(p, "service %s: -o without name=value", def->name);
			goto bad;
		}
		if (master_conf_override(p, w[i + 1]) < 0)
			goto bad;
		opts = mem_reallocarray(opts, (size_t) nopts + 1, sizeof(char *));
		opts[nopts++] = w[i + 1];
	}
	def->opts = master_conf_strv(opts, nopts);
	mem_free(opts);
	def->args = master_conf_strv(w + i, n - i);
	def->prefork = (int) master_conf_param_int(def->opts, "process_prefork");
	if (def->maxproc > 0 && def->prefork > def->maxproc)
		def->prefork = def->maxproc;
	for (int k = 0; k < n; k++)
		buf_printf(&text, "%s%s", k ? " " : "", w[k]);
	/* The program file is part of what a reload compares: after an
	 * upgrade (make install, then mailctl reload) the service gets new
	 * processes running the new program, like any changed service. */
	if (stat(def->path, &st) == 0)
		buf_printf(&text, " [%llu:%llu:%lld.%09ld:%lld]",
			   (unsigned long long) st.st_dev, (unsigned long long) st.st_ino,
			   (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			   (long long) st.st_size);
	def->text = buf_steal(&text);
	*def_r = def;
	return 0;
bad:
	mem_free(opts);
	master_svc_def_free(&def);
	return -1;
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

static int master_conf_entry(struct master_conf_parse *p, const char *line,
			     master_conf_t *conf)
{
	char **w;
	int n = master_conf_words(line, &w);
	master_svc_def_t *def = NULL;
	int r;

	if (n == 0) {
		mem_free(w);
		return 0;
	}
	r = master_conf_service(p, w, n, &def);
	for (int i = 0; i < n; i++)
		mem_free(w[i]);
	mem_free(w);
	if (r < 0)
		return -1;
	for (int i = 0; i < conf->count; i++) {
		if (strcmp(conf->defs[i]->name, def->name) == 0) {
			master_conf_fail(p, "duplicate service %s (first on line %d)",
					 def->name, conf->defs[i]->line);
			master_svc_def_free(&def);
			return -1;
		}
	}
	conf->defs = mem_reallocarray(conf->defs, (size_t) conf->count + 1,
				      sizeof(*conf->defs));
	conf->defs[conf->count++] = def;
	return 0;
}

int master_conf_load(const char *path, master_conf_t *conf, char **err_r)
{
	struct master_conf_parse p = { "master.conf", 0, NULL };
	char *text = master_read_file(path);
	buf_t logical = BUF_INIT;
	int start = 0, r = 0;

	conf->defs = NULL;
	conf->count = 0;
	if (text == NULL) {
		*err_r = mem_printf("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	for (char *line = text, *next; r == 0 && line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		p.line++;
		if (line[strspn(line, " \t\r")] == '#')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			if (line[strspn(line, " \t\r")] == '\0')
				continue;
			if (logical.len == 0) {
				r = master_conf_fail(&p, "continuation line without a service before it");
				break;
			}
			buf_printf(&logical, " %s", line);
			continue;
		}
		if (logical.len > 0) {
			int here = p.line;

			p.line = start;
			r = master_conf_entry(&p, buf_str(&logical), conf);
			p.line = here;
		}
		buf_set(&logical, line);
		start = p.line;
	}
	if (r == 0 && logical.len > 0) {
		p.line = start;
		r = master_conf_entry(&p, buf_str(&logical), conf);
	}
	buf_release(&logical);
	mem_free(text);
	if (r < 0) {
		master_conf_free(conf);
		*err_r = p.err;
	}
	return r;
}
