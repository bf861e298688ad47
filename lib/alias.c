/* alias.c - alias keys, targets and resolution; see alias.h.
 *
 * The rules live here once, so that the expansion qmgr records for a
 * message and the answer `mailctl check` gives about an address are made
 * by the same code.
 */
#include <string.h>

#include "addr.h"
#include "alias.h"
#include "mem.h"

void alias_canon(const char *addr, const char *origin, buf_t *out)
{
	buf_set(out, addr);
	if (addr[addr_at(addr)] != '@' && origin != NULL && *origin)
		buf_printf(out, "@%s", origin);
	addr_lower(out->data);
}

int alias_lookup(const alias_conf_t *conf, const char *canon, buf_t *value_r)
{
	size_t at = addr_at(canon);
	const char *domain = canon[at] == '@' ? canon + at + 1 : "";
	char *local = mem_strndup(canon, at);
	buf_t base = BUF_INIT, key = BUF_INIT;
	int found = 0, local_domain = addr_domain_in(domain, conf->local_domains);

	addr_strip_extension(local, conf->delimiter, &base);
	for (int k = 0; k < 4 && found == 0; k++) {
		const char *lp = k % 2 == 0 ? local : buf_str(&base);

		if (k % 2 == 1 && strcmp(lp, local) == 0)
			continue;	/* no extension to strip */
		if (k >= 2 && !local_domain)
			break;
		buf_set(&key, lp);
		if (k < 2)
			buf_printf(&key, "@%s", domain);
		found = conf->lookup(buf_str(&key), value_r, conf->ctx);
	}
	mem_free(local);
	buf_release(&base);
	buf_release(&key);
	return found;
}

int alias_target(const char *t, size_t n, const char *domain, buf_t *out)
{
	buf_t path = BUF_INIT;
	addr_info_t info;
	const char *end, *err;
	int r;

	if (n >= 2 && t[0] == '<' && t[n - 1] == '>') {
		t++;
		n -= 2;
	}
	buf_putc(&path, '<');
	buf_append(&path, t, n);
	buf_putc(&path, '>');
	r = addr_parse_path(path.data, ADDR_ALLOW_NODOMAIN | ADDR_ALLOW_UTF8,
			    out, &info, &end, &err);
	if (r == 0 && (*end != '\0' || info.null || out->len == 0))
		r = -1;
	if (r == 0 && out->data[info.at] != '@' && *domain)
		buf_printf(out, "@%s", domain);
	buf_release(&path);
	return r;
}

struct alias_walk {
	const alias_conf_t *conf;
	void (*final)(const char *canon, void *ctx);
	void *ctx;
	const char *chain[ALIAS_MAX_DEPTH];	/* the aliases on the way */
	int depth;
	char **seen;		/* every address met, each followed once */
	size_t nseen;
};

static int alias_walk_seen(struct alias_walk *w, const char *canon)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i], canon) == 0)
			return 1;
	w->seen = mem_reallocarray(w->seen, w->nseen + 1, sizeof(char *));
	w->seen[w->nseen++] = mem_strdup(canon);
	return 0;
}

static int alias_walk(struct alias_walk *w, const char *canon)
{
	buf_t value = BUF_INIT, target = BUF_INIT, next = BUF_INIT;
	const char *s;
	int found, valid = 0, ret = 0;

	for (int i = 0; i < w->depth; i++) {
		if (strcmp(w->chain[i], canon) == 0) {
			w->final(canon, w->ctx);	/* itself, through its aliases */
			return 0;
		}
	}
	if (alias_walk_seen(w, canon))
		return 0;
	if (w->depth >= ALIAS_MAX_DEPTH) {
		w->final(canon, w->ctx);
		return 0;
	}
	found = alias_lookup(w->conf, canon, &value);
	if (found <= 0) {
		if (found == 0)
			w->final(canon, w->ctx);
		buf_release(&value);
		return found;
	}
	w->chain[w->depth++] = canon;
	for (s = buf_str(&value); *s && ret == 0; ) {
		size_t n;

		s += strspn(s, ALIAS_TARGET_SEPARATORS);
		n = strcspn(s, ALIAS_TARGET_SEPARATORS);
		if (n == 0)
			break;
		if (alias_target(s, n, addr_domain(canon), &target) == 0) {
			valid++;
			alias_canon(buf_str(&target), w->conf->origin, &next);
			ret = alias_walk(w, buf_str(&next));
		}
		s += n;
	}
	w->depth--;
	if (ret == 0 && valid == 0)
		w->final(canon, w->ctx);
	buf_release(&value);
	buf_release(&target);
	buf_release(&next);
	return ret;
}

int alias_resolve(const alias_conf_t *conf, const char *addr,
		  void (*final)(const char *canon, void *ctx), void *ctx)
{
	struct alias_walk w = { .conf = conf, .final = final, .ctx = ctx };
	buf_t canon = BUF_INIT;
	int r;

	alias_canon(addr, conf->origin, &canon);
	r = alias_walk(&w, buf_str(&canon));
	for (size_t i = 0; i < w.nseen; i++)
		mem_free(w.seen[i]);
	mem_free(w.seen);
	buf_release(&canon);
	return r;
}
