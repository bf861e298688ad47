/* imapd_cmd_list.c - LIST (RFC 3501 §6.3.8, LIST-EXTENDED RFC 5258,
 * LIST-STATUS RFC 5819, CHILDREN RFC 3348, SPECIAL-USE RFC 6154), LSUB
 * (RFC 3501 §6.3.9) and NAMESPACE (RFC 2342).
 *
 * One personal namespace, prefix "" and delimiter '/'.  The names come
 * from lib/mail_folder.h's listing of the Maildir (which adds the parents
 * that only children imply, as Maildir++ needs no parent directory) and
 * lib/mail_subscribe.h's file; they are sent as they are kept, in
 * modified UTF-7 (RFC 3501 §5.1.3), and patterns are matched against that
 * form.  The candidates are kept sorted, so a name's descendants are one
 * run of the array ("a/" and above), found by binary search.
 *
 * Which names a LIST returns (RFC 5258 §3.3, §3.5):
 *   - a name matching a pattern that meets the selection criteria: it
 *     exists (no selection option), is subscribed (SUBSCRIBED), has a
 *     special use (SPECIAL-USE), all that were given;
 *   - with RECURSIVEMATCH, also a name matching a pattern that has a
 *     descendant meeting the criteria but matching no pattern: it gets
 *     the CHILDINFO data item;
 *   - without selection options, a name that is no folder but the parent
 *     of one that matches no pattern ("%" over "a/b" gives "a"): \Noselect
 *     (RFC 3501 §6.3.8), \NonExistent in an extended LIST, \HasChildren.
 * \HasChildren/\HasNoChildren are always given (RFC 3348 allows it), the
 * special uses of existing folders too (RFC 6154 §2 allows it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imap_quote.h"
#include "imapd_folder_ops.h"
#include "imapd_session.h"
#include "log.h"
#include "mail_folder.h"
#include "mail_subscribe.h"
#include "mem.h"

/* Selection options (RFC 5258 §3.1, RFC 6154 §4). */
#define LIST_SEL_SUBSCRIBED	0x01
#define LIST_SEL_SPECIAL_USE	0x02
#define LIST_SEL_RECURSIVE	0x04
/* Return options (RFC 5258 §3.2, RFC 6154 §4, RFC 5819). */
#define LIST_RET_SUBSCRIBED	0x01
#define LIST_RET_STATUS		0x02

typedef struct list_cand {
	const char *name;
	unsigned exists:1;	/* has its directory */
	unsigned children:1;	/* a folder is below it */
	unsigned subscribed:1;
	unsigned uses_read:1;
	unsigned uses;		/* special uses, once uses_read */
} list_cand_t;

typedef struct imapd_list {
	imapd_session_t *sess;
	int extended;		/* any RFC 5258 syntax was used */
	unsigned sel, ret, status_items;
	const char **patterns;	/* reference + pattern, canonical */
	char **owned;		/* the concatenations made */
	size_t npatterns;
	mail_folder_list_t folders;
	mail_subscriptions_t subs;
	list_cand_t *v;		/* sorted by strcmp */
	size_t n;
	char **parents;		/* names made for parents of subscribed ones */
	size_t nparents;
} imapd_list_t;

/* A LIST or LSUB argument's text: an atom (which may hold '%' and '*',
 * RFC 3501 list-mailbox), NIL as a name, a string or a literal. */
static const char *imapd_list_text(const imap_arg_t *a)
{
	const char *s = imap_arg_atom(a);

	if (s != NULL)
		return s;
	if (a->type == IMAP_ARG_NIL)
		return a->text;
	return imap_arg_string(a, 0, NULL);
}

static void imapd_list_add_pattern(imapd_list_t *l, const char *ref,
				   const char *pattern)
{
	char *p = mem_printf("%s%s", ref, pattern);

	l->patterns = mem_reallocarray(l->patterns, l->npatterns + 1, sizeof(*l->patterns));
	l->owned = mem_reallocarray(l->owned, l->npatterns + 1, sizeof(*l->owned));
	l->patterns[l->npatterns] = p;
	l->owned[l->npatterns] = p;
	l->npatterns++;
}

static int imapd_list_match(const imapd_list_t *l, const char *name)
{
	for (size_t i = 0; i < l->npatterns; i++)
		if (*l->patterns[i] != '\0' && mail_folder_match(l->patterns[i], name))
			return 1;
	return 0;
}

static void imapd_list_release(imapd_list_t *l)
{
	for (size_t i = 0; i < l->npatterns; i++)
		mem_free(l->owned[i]);
	mem_free(l->owned);
	mem_free(l->patterns);
	mem_free(l->v);
	for (size_t i = 0; i < l->nparents; i++)
		mem_free(l->parents[i]);
	mem_free(l->parents);
	mail_folder_list_free(&l->folders);
	mail_subscribe_free(&l->subs);
}

static int imapd_list_cand_cmp(const void *a, const void *b)
{
	return strcmp(((const list_cand_t *) a)->name, ((const list_cand_t *) b)->name);
}

static list_cand_t *imapd_list_find(imapd_list_t *l, size_t n, const char *name)
{
	list_cand_t key = { .name = name };

	return bsearch(&key, l->v, n, sizeof(*l->v), imapd_list_cand_cmp);
}

/* A name that is no folder: subscribed, or a parent of one. */
static void imapd_list_add(imapd_list_t *l, size_t *cap, const char *name,
			   int subscribed)
{
	list_cand_t *c;

	if (l->n == *cap) {
		*cap *= 2;
		l->v = mem_reallocarray(l->v, *cap, sizeof(*l->v));
	}
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->subscribed = subscribed;
}

/* The candidates: every folder and implied parent, and with subscribed
 * names wanted, every subscribed name.  0, or -1 after imapd_no(). */
static int imapd_list_gather(imapd_list_t *l, int with_subs)
{
	imapd_session_t *sess = l->sess;
	size_t cap;

	if (mail_folder_list(sess->root_fd, &l->folders) < 0) {
		imapd_log_error(sess, "list folders: %s", strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot list the mailboxes");
		return -1;
	}
	if (with_subs && mail_subscribe_load(sess->root_fd, &l->subs) < 0) {
		imapd_log_error(sess, "load subscriptions: %s", strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot read the subscriptions");
		return -1;
	}
	cap = l->folders.n + 1;
	l->v = mem_reallocarray(NULL, cap, sizeof(*l->v));
	for (size_t i = 0; i < l->folders.n; i++) {
		list_cand_t *c = &l->v[l->n++];

		memset(c, 0, sizeof(*c));
		c->name = l->folders.v[i].name;
		c->exists = l->folders.v[i].exists;
		c->children = l->folders.v[i].children;
		c->subscribed = with_subs && mail_subscribe_has(&l->subs, c->name);
	}
	qsort(l->v, l->n, sizeof(*l->v), imapd_list_cand_cmp);
	if (l->sel & LIST_SEL_SUBSCRIBED) {
		size_t real = l->n;

		for (size_t i = 0; i < l->subs.n; i++) {
			const char *s = l->subs.names[i];

			if (imapd_list_find(l, real, s) == NULL)
				imapd_list_add(l, &cap, s, 1);
			/* Its parents too, which RECURSIVEMATCH may return. */
			for (const char *slash = strchr(s, '/'); slash;
			     slash = strchr(slash + 1, '/')) {
				char *parent = mem_strndup(s, (size_t) (slash - s));

				if (imapd_list_find(l, real, parent) == NULL &&
				    !mail_subscribe_has(&l->subs, parent)) {
					l->parents = mem_reallocarray(l->parents, l->nparents + 1,
								      sizeof(*l->parents));
					l->parents[l->nparents++] = parent;
					imapd_list_add(l, &cap, parent, 0);
				} else {
					mem_free(parent);
				}
			}
		}
		qsort(l->v, l->n, sizeof(*l->v), imapd_list_cand_cmp);
		/* A parent of several subscribed names was added once each. */
		real = 0;
		for (size_t i = 0; i < l->n; i++)
			if (real == 0 || strcmp(l->v[real - 1].name, l->v[i].name) != 0)
				l->v[real++] = l->v[i];
		l->n = real;
	}
	return 0;
}

static unsigned imapd_list_uses(imapd_list_t *l, list_cand_t *c)
{
	buf_t name = BUF_INIT, dir = BUF_INIT;
	const char *why;

	if (!c->uses_read) {
		c->uses_read = 1;
		if (c->exists && mail_folder_dir(c->name, &name, &dir, &why) == 0)
			c->uses = imapd_special_use_get(l->sess->root_fd, buf_str(&dir));
		buf_release(&name);
		buf_release(&dir);
	}
	return c->uses;
}

/* Does c meet the selection criteria? */
static int imapd_list_meets(imapd_list_t *l, list_cand_t *c)
{
	if ((l->sel & LIST_SEL_SUBSCRIBED) ? !c->subscribed : !c->exists)
		return 0;
	return !(l->sel & LIST_SEL_SPECIAL_USE) || imapd_list_uses(l, c) != 0;
}

/* Has the candidate i a descendant that matches no pattern and meets the
 * selection criteria (exists_only 0) or exists (exists_only 1)? */
static int imapd_list_hidden_child(imapd_list_t *l, size_t i, int exists_only)
{
	char *prefix = mem_printf("%s/", l->v[i].name);
	size_t plen = strlen(prefix), lo = 0, hi = l->n;
	int found = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(l->v[mid].name, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && !found && strncmp(l->v[lo].name, prefix, plen) == 0; lo++) {
		list_cand_t *d = &l->v[lo];

		if (imapd_list_match(l, d->name))
			continue;
		found = exists_only ? d->exists : imapd_list_meets(l, d);
	}
	mem_free(prefix);
	return found;
}

static void imapd_list_emit(imapd_list_t *l, list_cand_t *c, int childinfo)
{
	imapd_session_t *sess = l->sess;
	buf_t line = BUF_INIT;
	size_t start;

	buf_puts(&line, "* LIST (");
	start = line.len;
	if (!c->exists)
		buf_puts(&line, l->extended ? " \\NonExistent" : " \\Noselect");
	buf_puts(&line, c->children ? " \\HasChildren" : " \\HasNoChildren");
	if ((l->ret & LIST_RET_SUBSCRIBED) && c->subscribed)
		buf_puts(&line, " \\Subscribed");
	if (c->exists)
		imapd_special_use_write(imapd_list_uses(l, c), &line);
	/* The attributes were written with a space in front of each. */
	memmove(line.data + start, line.data + start + 1, line.len - start - 1);
	buf_truncate(&line, line.len - 1);
	buf_puts(&line, ") \"/\" ");
	imap_quote_string(&line, c->name, strlen(c->name), 0);
	if (childinfo) {
		const char *sep = "";

		buf_puts(&line, " (\"CHILDINFO\" (");
		if (l->sel & LIST_SEL_SUBSCRIBED) {
			buf_puts(&line, "\"SUBSCRIBED\"");
			sep = " ";
		}
		if (l->sel & LIST_SEL_SPECIAL_USE)
			buf_printf(&line, "%s\"SPECIAL-USE\"", sep);
		buf_puts(&line, "))");
	}
	buf_puts(&line, "\r\n");
	stream_write(sess->s, line.data, line.len);
	buf_release(&line);
	/* RFC 5819: the STATUS of a selectable mailbox follows its LIST. */
	if ((l->ret & LIST_RET_STATUS) && c->exists) {
		buf_t name = BUF_INIT, dir = BUF_INIT;
		const char *why;

		if (mail_folder_dir(c->name, &name, &dir, &why) == 0)
			(void) imapd_status_send(sess, c->name, buf_str(&dir), l->status_items);
		buf_release(&name);
		buf_release(&dir);
	}
}

static void imapd_list_one(imapd_list_t *l, size_t i)
{
	list_cand_t *c = &l->v[i];
	int childinfo, implied;

	if (!imapd_list_match(l, c->name))
		return;
	childinfo = (l->sel & LIST_SEL_RECURSIVE) && imapd_list_hidden_child(l, i, 0);
	implied = l->sel == 0 && !c->exists && imapd_list_hidden_child(l, i, 1);
	if (imapd_list_meets(l, c) || childinfo || implied)
		imapd_list_emit(l, c, childinfo);
}

/* The selection options (a list) into l->sel: 0, or -1 after BAD. */
static int imapd_list_selection(imapd_session_t *sess, imapd_list_t *l,
				const imap_arg_t *arg)
{
	size_t n;
	const imap_arg_t *v = imap_arg_list(arg, &n);

	for (size_t i = 0; i < n; i++) {
		if (imap_arg_atom_is(&v[i], "SUBSCRIBED"))
			l->sel |= LIST_SEL_SUBSCRIBED;
		else if (imap_arg_atom_is(&v[i], "SPECIAL-USE"))
			l->sel |= LIST_SEL_SPECIAL_USE;
		else if (imap_arg_atom_is(&v[i], "RECURSIVEMATCH"))
			l->sel |= LIST_SEL_RECURSIVE;
		else if (!imap_arg_atom_is(&v[i], "REMOTE")) {
			imapd_bad(sess, NULL, "Unknown LIST selection option");
			return -1;
		}
	}
	if (l->sel == LIST_SEL_RECURSIVE) {
		imapd_bad(sess, NULL, "RECURSIVEMATCH needs another selection option");
		return -1;
	}
	/* RFC 5258 §3.1: SUBSCRIBED selects and returns. */
	if (l->sel & LIST_SEL_SUBSCRIBED)
		l->ret |= LIST_RET_SUBSCRIBED;
	return 0;
}

/* The return options (RETURN (...)) into l->ret: 0, or -1 after BAD. */
static int imapd_list_return(imapd_session_t *sess, imapd_list_t *l,
			     const imap_arg_t *arg)
{
	size_t n;
	const imap_arg_t *v = imap_arg_list(arg, &n);

	if (v == NULL) {
		imapd_bad(sess, NULL, "RETURN needs a list of options");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (imap_arg_atom_is(&v[i], "SUBSCRIBED")) {
			l->ret |= LIST_RET_SUBSCRIBED;
		} else if (imap_arg_atom_is(&v[i], "STATUS")) {
			if (i + 1 == n || imapd_status_items(sess, &v[i + 1], &l->status_items) < 0) {
				if (i + 1 == n)
					imapd_bad(sess, NULL, "STATUS needs a list of items");
				return -1;
			}
			l->ret |= LIST_RET_STATUS;
			i++;
		} else if (!imap_arg_atom_is(&v[i], "CHILDREN") &&
			   !imap_arg_atom_is(&v[i], "SPECIAL-USE")) {
			imapd_bad(sess, NULL, "Unknown LIST return option");
			return -1;
		}
	}
	return 0;
}

/* The reference and the patterns: 0, or -1 after BAD. */
static int imapd_list_patterns(imapd_session_t *sess, imapd_list_t *l,
			       const imap_arg_t *ref_arg, const imap_arg_t *pat_arg)
{
	const char *ref = imapd_list_text(ref_arg), *p;
	const imap_arg_t *v;
	size_t n;

	if (ref == NULL) {
		imapd_bad(sess, NULL, "Invalid reference name");
		return -1;
	}
	if ((v = imap_arg_list(pat_arg, &n)) != NULL) {
		l->extended = 1;
		for (size_t i = 0; i < n; i++) {
			if ((p = imapd_list_text(&v[i])) == NULL) {
				imapd_bad(sess, NULL, "Invalid mailbox pattern");
				return -1;
			}
			/* RFC 5258 §3: an empty pattern is ignored here. */
			if (*p != '\0')
				imapd_list_add_pattern(l, ref, p);
		}
		if (n == 0) {
			imapd_bad(sess, NULL, "Empty list of mailbox patterns");
			return -1;
		}
		return 0;
	}
	if ((p = imapd_list_text(pat_arg)) == NULL) {
		imapd_bad(sess, NULL, "Invalid mailbox pattern");
		return -1;
	}
	imapd_list_add_pattern(l, *p ? ref : "", p);
	return 0;
}

void imapd_cmd_list(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_list_t l;
	size_t i = 0;

	memset(&l, 0, sizeof(l));
	l.sess = sess;
	if (nargs > 0 && args[0].type == IMAP_ARG_LIST) {
		l.extended = 1;
		if (imapd_list_selection(sess, &l, &args[0]) < 0)
			goto out;
		i = 1;
	}
	if (nargs != i + 2 && nargs != i + 4) {
		imapd_bad(sess, NULL, "LIST needs a reference and a mailbox pattern");
		goto out;
	}
	if (nargs == i + 4) {
		l.extended = 1;
		if (!imap_arg_atom_is(&args[i + 2], "RETURN")) {
			imapd_bad(sess, NULL, "Expected RETURN");
			goto out;
		}
		if (imapd_list_return(sess, &l, &args[i + 3]) < 0)
			goto out;
	}
	if (imapd_list_patterns(sess, &l, &args[i], &args[i + 1]) < 0)
		goto out;
	/* RFC 3501 §6.3.8: "" asks for the delimiter and the root. */
	if (!l.extended && l.npatterns == 1 && *l.patterns[0] == '\0') {
		imapd_untagged(sess, "LIST (\\Noselect) \"/\" \"\"");
		imapd_ok(sess, NULL, "List completed");
		goto out;
	}
	if (imapd_list_gather(&l, (l.sel & LIST_SEL_SUBSCRIBED) ||
			      (l.ret & LIST_RET_SUBSCRIBED)) < 0)
		goto out;
	/* INBOX first, as clients expect; then in name order. */
	for (size_t k = 0; k < l.n; k++)
		if (strcmp(l.v[k].name, "INBOX") == 0)
			imapd_list_one(&l, k);
	for (size_t k = 0; k < l.n; k++)
		if (strcmp(l.v[k].name, "INBOX") != 0)
			imapd_list_one(&l, k);
	imapd_ok(sess, NULL, "List completed");
out:
	imapd_list_release(&l);
}

typedef struct lsub_entry {
	const char *name;
	int noselect;
} lsub_entry_t;

static int imapd_lsub_cmp(const void *a, const void *b)
{
	const lsub_entry_t *x = a, *y = b;
	int xi = strcmp(x->name, "INBOX") == 0, yi = strcmp(y->name, "INBOX") == 0;
	int c;

	if (xi != yi)
		return yi - xi;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->noselect - y->noselect;
}

void imapd_cmd_lsub(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_list_t l;
	lsub_entry_t *e = NULL;
	char **parents = NULL;
	size_t ne = 0, np = 0, count;
	buf_t line = BUF_INIT;

	memset(&l, 0, sizeof(l));
	l.sess = sess;
	if (nargs != 2) {
		imapd_bad(sess, NULL, "LSUB needs a reference and a mailbox pattern");
		goto out;
	}
	if (imap_arg_list(&args[1], &count) != NULL) {
		imapd_bad(sess, NULL, "Invalid mailbox pattern");
		goto out;
	}
	if (imapd_list_patterns(sess, &l, &args[0], &args[1]) < 0)
		goto out;
	if (*l.patterns[0] == '\0') {
		imapd_untagged(sess, "LSUB (\\Noselect) \"/\" \"\"");
		imapd_ok(sess, NULL, "Lsub completed");
		goto out;
	}
	if (mail_subscribe_load(sess->root_fd, &l.subs) < 0) {
		imapd_log_error(sess, "load subscriptions: %s", strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot read the subscriptions");
		goto out;
	}
	for (size_t i = 0; i < l.subs.n; i++) {
		const char *s = l.subs.names[i];

		if (imapd_list_match(&l, s)) {
			e = mem_reallocarray(e, ne + 1, sizeof(*e));
			e[ne++] = (lsub_entry_t) { s, 0 };
			continue;
		}
		/* RFC 3501 §6.3.9: "%" stops at a level that is not
		 * subscribed itself; that level is returned \Noselect. */
		for (const char *slash = strchr(s, '/'); slash; slash = strchr(slash + 1, '/')) {
			char *parent = mem_strndup(s, (size_t) (slash - s));

			if (!mail_subscribe_has(&l.subs, parent) && imapd_list_match(&l, parent)) {
				parents = mem_reallocarray(parents, np + 1, sizeof(*parents));
				parents[np++] = parent;
				e = mem_reallocarray(e, ne + 1, sizeof(*e));
				e[ne++] = (lsub_entry_t) { parent, 1 };
			} else {
				mem_free(parent);
			}
		}
	}
	qsort(e, ne, sizeof(*e), imapd_lsub_cmp);
	for (size_t i = 0; i < ne; i++) {
		if (i > 0 && strcmp(e[i - 1].name, e[i].name) == 0)
			continue;
		buf_reset(&line);
		buf_printf(&line, "* LSUB (%s) \"/\" ", e[i].noselect ? "\\Noselect" : "");
		imap_quote_string(&line, e[i].name, strlen(e[i].name), 0);
		buf_puts(&line, "\r\n");
		stream_write(sess->s, line.data, line.len);
	}
	imapd_ok(sess, NULL, "Lsub completed");
out:
	for (size_t i = 0; i < np; i++)
		mem_free(parents[i]);
	mem_free(parents);
	mem_free(e);
	buf_release(&line);
	imapd_list_release(&l);
}

void imapd_cmd_namespace(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "NAMESPACE takes no arguments");
		return;
	}
	/* RFC 2342 §5: one personal namespace, no others. */
	imapd_untagged(sess, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imapd_ok(sess, NULL, "Namespace completed");
}
