/* mailctl_check_master.c - the master.conf part of `mailctl check`.
 *
 * A light parse of the service table, field by field, as master.conf(5)
 * describes it: enough to name the line and the field that master would
 * refuse, or the program it could not run, before anyone starts master.
 * master itself remains the authority on the table; this only reports.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mailctl.h"
#include "mem.h"

#define MASTERCF_MIN_FIELDS 7

struct mailctl_mastercf {
	buf_t *problems;
	const char *daemon_dir;
	buf_t seen;		/* "\ntype/name\n..." of every service so far */
};

static int mailctl_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int mailctl_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int mailctl_number_ok(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return *s >= '0' && *s <= '9' && *end == '\0' && errno == 0 &&
		v >= lo && v <= hi;
}

/* Does value parse as the type of parameter def?  $name references are
 * only known after expansion in the daemon, so they are let through. */
static int mailctl_value_ok(const param_def_t *def, const char *value)
{
	long l;
	long long ll;
	int b;

	if (strchr(value, '$') != NULL)
		return 1;
	switch (def->type) {
	case PARAM_INT:
		return mailctl_number_ok(value, 0, __LONG_MAX__) ||
			(value[0] == '-' && mailctl_number_ok(value + 1, 0, __LONG_MAX__));
	case PARAM_BOOL:
		return config_parse_bool(value, &b) == 0;
	case PARAM_TIME:
		return config_parse_time(value, &l) == 0;
	case PARAM_SIZE:
		return config_parse_size(value, &ll) == 0;
	default:
		return 1;
	}
}

static void mailctl_mastercf_entry(struct mailctl_mastercf *mc, int lineno,
				   char **f, int nf)
{
	buf_t *p = mc->problems;
	const char *colon, *name = f[0];
	size_t namelen = strlen(f[0]);
	char *key, *prog;

	if (nf < MASTERCF_MIN_FIELDS) {
		buf_printf(p, "master.conf line %d: %d fields, need at least %d "
			   "(service type private unpriv chroot maxproc command)\n",
			   lineno, nf, MASTERCF_MIN_FIELDS);
		return;
	}
	if (strcmp(f[1], "inet") == 0) {
		colon = strrchr(f[0], ':');
		if (colon == NULL || !mailctl_number_ok(colon + 1, 1, 65535)) {
			buf_printf(p, "master.conf line %d: inet service \"%s\" is not NAME:PORT\n",
				   lineno, f[0]);
			return;
		}
		namelen = (size_t) (colon - f[0]);
	} else if (strcmp(f[1], "unix") != 0) {
		buf_printf(p, "master.conf line %d: type \"%s\" is not inet or unix\n",
			   lineno, f[1]);
		return;
	}
	if (!mailctl_name_ok(name, namelen))
		buf_printf(p, "master.conf line %d: bad service name \"%.*s\"\n",
			   lineno, (int) namelen, name);
	/* seen is "\n" followed by "type/name\n" entries. */
	key = mem_printf("\n%s/%.*s\n", f[1], (int) namelen, name);
	if (strstr(buf_str(&mc->seen), key) != NULL)
		buf_printf(p, "master.conf line %d: service %.*s defined twice\n",
			   lineno, (int) namelen, name);
	buf_puts(&mc->seen, key + 1);
	mem_free(key);
	for (int i = 2; i <= 4; i++) {
		if (strcmp(f[i], "-") != 0 && strcmp(f[i], "y") != 0 &&
		    strcmp(f[i], "n") != 0)
			buf_printf(p, "master.conf line %d: field %d is \"%s\", not -, y or n\n",
				   lineno, i + 1, f[i]);
	}
	if (strcmp(f[5], "-") != 0 && !mailctl_number_ok(f[5], 0, 1000000))
		buf_printf(p, "master.conf line %d: maxproc \"%s\" is not - or a number\n",
			   lineno, f[5]);
	if (strchr(f[6], '/') != NULL) {
		buf_printf(p, "master.conf line %d: command \"%s\" must be a program name in daemon_directory\n",
			   lineno, f[6]);
	} else {
		prog = mem_printf("%s/%s", mc->daemon_dir, f[6]);
		if (access(prog, X_OK) < 0)
			buf_printf(p, "master.conf line %d: command %s: %s\n",
				   lineno, prog, strerror(errno));
		mem_free(prog);
	}
	for (int i = 7; i < nf && strcmp(f[i], "-o") == 0; i += 2) {
		const char *eq = i + 1 < nf ? strchr(f[i + 1], '=') : NULL;
		const param_def_t *def;
		char *pname;

		if (eq == NULL) {
			buf_printf(p, "master.conf line %d: -o needs name=value\n",
				   lineno);
			break;
		}
		pname = mem_strndup(f[i + 1], (size_t) (eq - f[i + 1]));
		def = config_lookup(pname);
		if (def == NULL)
			buf_printf(p, "master.conf line %d: -o %s: unknown parameter\n",
				   lineno, pname);
		else if (!mailctl_value_ok(def, eq + 1))
			buf_printf(p, "master.conf line %d: -o %s: \"%s\" is not a valid value\n",
				   lineno, pname, eq + 1);
		mem_free(pname);
	}
}

/* Split an entry into fields and check it. */
static void mailctl_mastercf_logical(struct mailctl_mastercf *mc, int lineno,
				     char *text)
{
	char **f = NULL;
	int nf = 0;

	for (char *s = text; *s; ) {
		while (mailctl_is_space((unsigned char) *s))
			s++;
		if (*s == '\0')
			break;
		f = mem_reallocarray(f, (size_t) nf + 1, sizeof(*f));
		f[nf++] = s;
		while (*s && !mailctl_is_space((unsigned char) *s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	if (nf > 0)
		mailctl_mastercf_entry(mc, lineno, f, nf);
	mem_free(f);
}

void mailctl_check_master(buf_t *problems)
{
	struct mailctl_mastercf mc;
	char *path = mem_printf("%s/master.conf", mailctl_dir());
	buf_t text = BUF_INIT, entry = BUF_INIT;
	char *err = NULL, *line, *next;
	int lineno = 0, start = 0;

	memset(&mc, 0, sizeof(mc));
	mc.problems = problems;
	mc.daemon_dir = config_str("daemon_directory");
	buf_putc(&mc.seen, '\n');
	if (mailctl_file_read(path, &text, &err) < 0) {
		buf_printf(problems, "%s\n", err);
		mem_free(err);
		mem_free(path);
		return;
	}
	for (line = text.data; line != NULL && *line; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		/* Comment lines end nothing: they may sit inside an entry. */
		if (line[strspn(line, " \t\r")] == '#' || line[strspn(line, " \t\r")] == '\0')
			continue;
		if (mailctl_is_space((unsigned char) line[0]) && entry.len > 0) {
			buf_putc(&entry, ' ');
			buf_puts(&entry, line);
			continue;
		}
		if (mailctl_is_space((unsigned char) line[0]))
			buf_printf(problems, "master.conf line %d: continuation line without a service\n",
				   lineno);
		if (entry.len > 0)
			mailctl_mastercf_logical(&mc, start, entry.data);
		buf_reset(&entry);
		if (!mailctl_is_space((unsigned char) line[0])) {
			buf_puts(&entry, line);
			start = lineno;
		}
	}
	if (entry.len > 0)
		mailctl_mastercf_logical(&mc, start, entry.data);
	buf_release(&entry);
	buf_release(&text);
	buf_release(&mc.seen);
	mem_free(path);
}
