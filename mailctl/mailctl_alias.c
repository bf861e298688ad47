/* mailctl_alias.c - `mailctl alias list|add|del` and `mailctl newaliases`.
 *
 * The aliases file (the first file of alias_maps) is aliases(5) style:
 * "name: target, target", a line starting with white space continues the
 * entry above, '#' starts a comment line.  Targets are addresses or local
 * names; qmgr expands them (architecture §3).  Names are stored in lower case.
 * `alias add` creates an entry or adds targets to an existing one; `alias
 * del NAME` removes the entry, `alias del NAME TARGET...` only those
 * targets (and the entry when none is left).  Edits keep the rest of the
 * file as written and recompile FILE.db; newaliases compiles every file of
 * alias_maps.
 *
 * mailctl_alias_postmaster() is how `user add` gives postmaster (and root)
 * to the first user while they reach no mailbox (mailctl_postmaster.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"
#include "users.h"

/* A piece of the file: an entry, or lines kept verbatim (entry == 0). */
struct mailctl_alias_chunk {
	int entry;
	int changed;		/* re-render from name/targets */
	int deleted;
	char *raw;		/* the lines as they were, newline-terminated */
	char *name;
	char **targets;
	size_t ntargets;
};

struct mailctl_aliases {
	char *path;
	struct mailctl_alias_chunk *chunks;
	size_t count;
};

static int mailctl_alias_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void mailctl_alias_add_target(struct mailctl_alias_chunk *c,
				     const char *t, size_t n)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (strlen(c->targets[i]) == n && strncmp(c->targets[i], t, n) == 0)
			return;
	c->targets = mem_reallocarray(c->targets, c->ntargets + 1,
				      sizeof(*c->targets));
	c->targets[c->ntargets++] = mem_strndup(t, n);
}

/* Targets are separated by commas and/or white space. */
static void mailctl_alias_split(struct mailctl_alias_chunk *c, const char *s)
{
	while (*s) {
		size_t n;

		while (*s == ',' || mailctl_alias_space((unsigned char) *s) ||
		       *s == '\n')
			s++;
		n = strcspn(s, ", \t\r\f\v\n");
		if (n > 0)
			mailctl_alias_add_target(c, s, n);
		s += n;
	}
}

static struct mailctl_alias_chunk *mailctl_alias_new_chunk(struct mailctl_aliases *a)
{
	struct mailctl_alias_chunk *c;

	a->chunks = mem_reallocarray(a->chunks, a->count + 1, sizeof(*a->chunks));
	c = &a->chunks[a->count++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* Turn the raw text of an entry into name and targets; -1 when it has no
 * "name:" at its start (then it is kept verbatim). */
static int mailctl_alias_parse(struct mailctl_alias_chunk *c)
{
	const char *colon = strchr(c->raw, ':');
	size_t n;

	if (colon == NULL)
		return -1;
	n = (size_t) (colon - c->raw);
	while (n > 0 && mailctl_alias_space((unsigned char) c->raw[n - 1]))
		n--;
	if (n == 0 || strcspn(c->raw, " \t") < n)
		return -1;
	c->name = mem_strndup(c->raw, n);
	users_address_lower(c->name);
	mailctl_alias_split(c, colon + 1);
	return 0;
}

static void mailctl_aliases_load(struct mailctl_aliases *a)
{
	char **maps = config_list("alias_maps");
	buf_t text = BUF_INIT;
	char *err = NULL;
	const char *p, *nl;
	struct mailctl_alias_chunk *cur = NULL;
	int lineno = 0;

	memset(a, 0, sizeof(*a));
	if (maps[0] == NULL)
		log_fatal("alias_maps is empty: no aliases file to edit");
	a->path = mem_strdup(maps[0]);
	config_list_free(&maps);
	if (mailctl_file_read(a->path, &text, &err) < 0)
		log_fatal("%s", err);
	for (p = buf_str(&text); *p; p = nl) {
		const char *end = strchr(p, '\n');
		size_t skip = strspn(p, " \t\r");
		int blank_or_comment = p[skip] == '\n' || p[skip] == '\0' ||
			p[skip] == '#';
		char *line;

		nl = end != NULL ? end + 1 : p + strlen(p);
		line = mem_strndup(p, (size_t) (nl - p));
		lineno++;
		if (!blank_or_comment && skip > 0 && cur != NULL && cur->entry) {
			buf_t joined = BUF_INIT;

			buf_puts(&joined, cur->raw);
			buf_puts(&joined, line);
			mem_free(cur->raw);
			cur->raw = buf_steal(&joined);
			mem_free(line);
			continue;
		}
		cur = mailctl_alias_new_chunk(a);
		cur->entry = !blank_or_comment && skip == 0;
		cur->raw = line;
		if (end == NULL) {
			/* Keep the file well-formed for the next append. */
			cur->raw = mem_printf("%s\n", line);
			mem_free(line);
		}
		if (!cur->entry && !blank_or_comment)
			log_warn("%s line %d: continuation line without an entry",
				 a->path, lineno);
	}
	/* Entries are parsed once whole, continuation lines included. */
	for (size_t i = 0; i < a->count; i++) {
		struct mailctl_alias_chunk *c = &a->chunks[i];

		if (c->entry && mailctl_alias_parse(c) < 0) {
			log_warn("%s: entry without \"name:\" kept as it is: %.60s",
				 a->path, c->raw);
			c->entry = 0;
		}
	}
	buf_release(&text);
}

static void mailctl_aliases_free(struct mailctl_aliases *a)
{
	for (size_t i = 0; i < a->count; i++) {
		struct mailctl_alias_chunk *c = &a->chunks[i];

		for (size_t j = 0; j < c->ntargets; j++)
			mem_free(c->targets[j]);
		mem_free(c->targets);
		mem_free(c->raw);
		mem_free(c->name);
	}
	mem_free(a->chunks);
	mem_free(a->path);
}

static struct mailctl_alias_chunk *mailctl_alias_find(struct mailctl_aliases *a,
						      const char *name)
{
	for (size_t i = 0; i < a->count; i++)
		if (a->chunks[i].entry && !a->chunks[i].deleted &&
		    strcmp(a->chunks[i].name, name) == 0)
			return &a->chunks[i];
	return NULL;
}

static void mailctl_alias_render(const struct mailctl_alias_chunk *c, buf_t *out)
{
	buf_printf(out, "%s: ", c->name);
	for (size_t i = 0; i < c->ntargets; i++)
		buf_printf(out, "%s%s", i ? ", " : "", c->targets[i]);
	buf_putc(out, '\n');
}

static void mailctl_aliases_save(struct mailctl_aliases *a)
{
	buf_t out = BUF_INIT;
	char *err = NULL;

	for (size_t i = 0; i < a->count; i++) {
		const struct mailctl_alias_chunk *c = &a->chunks[i];

		if (c->deleted)
			continue;
		if (c->changed)
			mailctl_alias_render(c, &out);
		else
			buf_puts(&out, c->raw);
	}
	if (mailctl_file_replace(a->path, buf_str(&out), out.len, 0644, 0, 0,
				 &err) < 0)
		log_fatal("%s", err);
	mailctl_map_compile(a->path, 1);
	buf_release(&out);
}

/* A name or target: an address, or a local name, as users.c allows. */
static void mailctl_alias_check_word(const char *what, const char *w)
{
	char *addr = strchr(w, '@') != NULL ? mem_strdup(w) :
		mem_printf("%s@localhost", w);
	const char *why;

	if (users_address_check(addr, &why) < 0)
		mailctl_usage_error("alias: bad %s \"%s\": %s", what, w, why);
	mem_free(addr);
}

static int mailctl_alias_list(struct mailctl_aliases *a, const char *name)
{
	buf_t out = BUF_INIT;
	int found = 0;

	for (size_t i = 0; i < a->count; i++) {
		const struct mailctl_alias_chunk *c = &a->chunks[i];

		if (!c->entry || (name != NULL && strcmp(c->name, name) != 0))
			continue;
		buf_reset(&out);
		mailctl_alias_render(c, &out);
		fputs(buf_str(&out), stdout);
		found = 1;
	}
	buf_release(&out);
	if (name != NULL && !found) {
		log_error("no alias %s", name);
		return MAILCTL_FAIL;
	}
	return MAILCTL_OK;
}

static int mailctl_alias_edit(struct mailctl_aliases *a, int add, char *name,
			      int ntargets, char **targets)
{
	struct mailctl_alias_chunk *c = mailctl_alias_find(a, name);
	struct mailctl_alias_chunk given;
	int created = 0;

	memset(&given, 0, sizeof(given));
	for (int i = 0; i < ntargets; i++)
		mailctl_alias_split(&given, targets[i]);
	for (size_t i = 0; i < given.ntargets; i++)
		mailctl_alias_check_word("target", given.targets[i]);
	if (add && c == NULL) {
		c = mailctl_alias_new_chunk(a);
		c->entry = 1;
		c->name = mem_strdup(name);
		created = 1;
	} else if (c == NULL) {
		log_error("no alias %s", name);
		return MAILCTL_FAIL;
	}
	for (size_t i = 0; i < given.ntargets; i++) {
		if (add) {
			mailctl_alias_add_target(c, given.targets[i],
						 strlen(given.targets[i]));
			continue;
		}
		for (size_t j = 0; j < c->ntargets; j++) {
			if (strcmp(c->targets[j], given.targets[i]) == 0) {
				mem_free(c->targets[j]);
				memmove(&c->targets[j], &c->targets[j + 1],
					(c->ntargets - j - 1) * sizeof(*c->targets));
				c->ntargets--;
				break;
			}
		}
	}
	c->changed = 1;
	if (!add && (ntargets == 0 || c->ntargets == 0))
		c->deleted = 1;
	for (size_t i = 0; i < given.ntargets; i++)
		mem_free(given.targets[i]);
	mem_free(given.targets);
	mailctl_aliases_save(a);
	log_info("alias %s: %s", name, c->deleted ? "deleted" :
		 created ? "added" : "updated");
	return MAILCTL_OK;
}

void mailctl_alias_postmaster(const char *address)
{
	static const char *const names[] = { "postmaster", "root", NULL };
	const char *domain = addr_domain(address);
	struct mailctl_aliases a;
	int lock = mailctl_dir_lock(mailctl_dir());

	mailctl_aliases_load(&a);
	for (const char *const *n = names; *n != NULL; n++) {
		char *who = mem_printf("%s@%s", *n, domain);
		struct mailctl_alias_chunk *c;

		if (mailctl_postmaster_reaches(who, NULL) == 0) {
			c = mailctl_alias_find(&a, *n);
			if (c == NULL) {
				c = mailctl_alias_new_chunk(&a);
				c->entry = 1;
				c->name = mem_strdup(*n);
			}
			for (size_t i = 0; i < c->ntargets; i++)
				mem_free(c->targets[i]);
			c->ntargets = 0;
			mailctl_alias_add_target(c, address, strlen(address));
			c->changed = 1;
			log_info("alias %s: now %s, which has a mailbox "
				 "(--no-postmaster leaves it alone)", *n, address);
		}
		mem_free(who);
	}
	mailctl_aliases_save(&a);
	mailctl_aliases_free(&a);
	close(lock);
}

int mailctl_cmd_alias(int argc, char **argv)
{
	struct mailctl_aliases a;
	const char *sub;
	char *name = NULL;
	int n, lock = -1, r;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind >= argc)
		mailctl_usage_error("alias: give list, add or del");
	sub = argv[optind];
	n = argc - optind - 1;
	if (strcmp(sub, "list") == 0 && n > 1)
		mailctl_usage_error("alias list: at most one name");
	if (strcmp(sub, "add") == 0 && n < 2)
		mailctl_usage_error("alias add: give a name and at least one target");
	if (strcmp(sub, "del") == 0 && n < 1)
		mailctl_usage_error("alias del: give a name");
	if (strcmp(sub, "list") != 0 && strcmp(sub, "add") != 0 &&
	    strcmp(sub, "del") != 0)
		mailctl_usage_error("alias: unknown subcommand \"%s\"", sub);
	if (n > 0) {
		name = mem_strdup(argv[optind + 1]);
		users_address_lower(name);
		mailctl_alias_check_word("name", name);
	}
	if (strcmp(sub, "list") != 0)
		lock = mailctl_dir_lock(mailctl_dir());
	mailctl_aliases_load(&a);
	if (strcmp(sub, "list") == 0)
		r = mailctl_alias_list(&a, name);
	else
		r = mailctl_alias_edit(&a, strcmp(sub, "add") == 0, name, n - 1,
				       argv + optind + 2);
	mailctl_aliases_free(&a);
	if (lock >= 0)
		close(lock);
	mem_free(name);
	return r;
}

int mailctl_cmd_newaliases(int argc, char **argv)
{
	char **maps;
	int lock, n;

	if (mailctl_getopt(argc, argv, "", NULL) != -1 || optind != argc)
		mailctl_usage_error("newaliases takes no arguments");
	lock = mailctl_dir_lock(mailctl_dir());
	maps = config_list("alias_maps");
	for (size_t i = 0; maps[i] != NULL; i++) {
		n = mailctl_map_compile(maps[i], 1);
		log_info("%s: %d alias%s", maps[i], n, n == 1 ? "" : "es");
	}
	config_list_free(&maps);
	close(lock);
	return MAILCTL_OK;
}
