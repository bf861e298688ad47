/* qmgr_alias.c - alias expansion of a message's recipients; see
 * qmgr_alias.h.
 *
 * The recipient list grows as aliases are replaced by their targets, and
 * the loop below walks it to the end, so nested aliases are expanded in
 * the same pass.  Comparisons use a canonical form (lower case, with a
 * domain), kept beside the list.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "mem.h"
#include "qmgr_alias.h"

struct qmgr_alias_run {
	queue_msg_t *m;
	int fd;
	const qmgr_alias_conf_t *conf;
	char **canon;		/* canonical address of each recipient */
	size_t ncanon;
};

void qmgr_alias_canon(const char *addr, const char *origin, buf_t *out)
{
	buf_set(out, addr);
	if (addr[addr_at(addr)] != '@' && origin != NULL && *origin)
		buf_printf(out, "@%s", origin);
	addr_lower(out->data);
}

static void qmgr_alias_sync_canon(struct qmgr_alias_run *r)
{
	buf_t b = BUF_INIT;

	r->canon = mem_reallocarray(r->canon, r->m->nrcpts ? r->m->nrcpts : 1,
				    sizeof(char *));
	for (; r->ncanon < r->m->nrcpts; r->ncanon++) {
		qmgr_alias_canon(r->m->rcpts[r->ncanon].addr, r->conf->origin, &b);
		r->canon[r->ncanon] = buf_steal(&b);
	}
	buf_release(&b);
}

/* Is canon the address of i or of one of i's ancestors? */
static int qmgr_alias_in_chain(const struct qmgr_alias_run *r, int i,
			       const char *canon)
{
	for (; i >= 0; i = r->m->rcpts[i].parent)
		if (strcmp(r->canon[i], canon) == 0)
			return 1;
	return 0;
}

static int qmgr_alias_depth(const queue_msg_t *m, size_t i)
{
	int d = 0;

	for (int p = m->rcpts[i].parent; p >= 0; p = m->rcpts[p].parent)
		d++;
	return d;
}

/* Look i up under each of its keys; the result of the first hit. */
static int qmgr_alias_lookup(struct qmgr_alias_run *r, size_t i, buf_t *value)
{
	const char *canon = r->canon[i];
	size_t at = addr_at(canon);
	const char *domain = canon[at] == '@' ? canon + at + 1 : "";
	char *local = mem_strndup(canon, at);
	buf_t base = BUF_INIT, key = BUF_INIT;
	int found = 0, local_domain = addr_domain_in(domain, r->conf->local_domains);

	addr_strip_extension(local, r->conf->delimiter, &base);
	for (int k = 0; k < 4 && found == 0; k++) {
		const char *lp = k % 2 == 0 ? local : buf_str(&base);

		if (k % 2 == 1 && strcmp(lp, local) == 0)
			continue;	/* no extension to strip */
		if (k >= 2 && !local_domain)
			break;
		buf_set(&key, lp);
		if (k < 2)
			buf_printf(&key, "@%s", domain);
		found = r->conf->lookup(buf_str(&key), value, r->conf->ctx);
	}
	mem_free(local);
	buf_release(&base);
	buf_release(&key);
	return found;
}

static void qmgr_alias_push(queue_msg_t *m, size_t parent, const char *addr)
{
	queue_rcpt_t *n = queue_msg_add_rcpt(m, addr);
	const queue_rcpt_t *p = &m->rcpts[parent];

	n->parent = (int) parent;
	n->orcpt = p->orcpt ? mem_strdup(p->orcpt) : NULL;
	n->notify = p->notify ? mem_strdup(p->notify) : NULL;
}

/* One target of an alias: "<addr>" and "addr" forms; a bare local part
 * takes the alias's domain.  0 with the address in out, -1 if unusable. */
static int qmgr_alias_target(const char *t, size_t n, const char *domain,
			     buf_t *out)
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

/* Replace recipient i by the targets in value.  0, or -1 on a write error. */
static int qmgr_alias_replace(struct qmgr_alias_run *r, size_t i,
			      const char *value)
{
	const char *domain = addr_domain(r->canon[i]);
	buf_t addr = BUF_INIT, canon = BUF_INIT;
	char parent[32];
	const char *s = value;
	size_t valid = 0, added = 0;
	int ret = 0;

	snprintf(parent, sizeof(parent), "%zu", i);
	while (*s && ret == 0) {
		size_t n;

		s += strspn(s, ", \t\r\n");
		n = strcspn(s, ", \t\r\n");
		if (n == 0)
			break;
		if (qmgr_alias_target(s, n, domain, &addr) < 0) {
			log_warn("%s: alias %s: unusable target \"%.*s\" ignored",
				 r->m->id, r->canon[i], (int) n, s);
			s += n;
			continue;
		}
		s += n;
		valid++;
		qmgr_alias_canon(buf_str(&addr), r->conf->origin, &canon);
		/* Another recipient of the message already gets it, unless
		 * it is this alias's own chain (a self-reference). */
		if (!qmgr_alias_in_chain(r, (int) i, buf_str(&canon))) {
			size_t k;

			for (k = 0; k < r->ncanon; k++)
				if (strcmp(r->canon[k], buf_str(&canon)) == 0)
					break;
			if (k < r->ncanon)
				continue;
		}
		if (r->m->nrcpts >= QMGR_ALIAS_MAX_RCPTS) {
			log_warn("%s: alias %s: more than %d recipients; the "
				 "rest is ignored", r->m->id, r->canon[i],
				 QMGR_ALIAS_MAX_RCPTS);
			break;
		}
		if (queue_append(r->fd, 0, "add", "parent", parent, "addr",
				 buf_str(&addr), "orcpt", r->m->rcpts[i].orcpt,
				 "notify", r->m->rcpts[i].notify, NULL) < 0) {
			ret = -1;
			break;
		}
		qmgr_alias_push(r->m, i, buf_str(&addr));
		qmgr_alias_sync_canon(r);
		added++;
	}
	if (ret == 0 && valid == 0) {
		log_warn("%s: alias %s has no usable target; delivering to "
			 "the address itself", r->m->id, r->canon[i]);
	} else if (ret == 0) {
		if (queue_append(r->fd, 0, "expand", "rcpt", parent, NULL) < 0)
			ret = -1;
		else
			r->m->rcpts[i].state = QUEUE_RCPT_EXPANDED;
		log_info("%s: alias %s expanded to %zu new recipient%s",
			 r->m->id, r->canon[i], added, added == 1 ? "" : "s");
	}
	buf_release(&addr);
	buf_release(&canon);
	return ret;
}

int qmgr_alias_expand(queue_msg_t *m, int fd, const qmgr_alias_conf_t *conf,
		      const char **err_r)
{
	struct qmgr_alias_run r = { m, fd, conf, NULL, 0 };
	buf_t value = BUF_INIT;
	int ret = 0;

	qmgr_alias_sync_canon(&r);
	for (size_t i = 0; i < m->nrcpts && ret == 0; i++) {
		queue_rcpt_t *rc = &m->rcpts[i];
		int found;

		if (rc->state != QUEUE_RCPT_PENDING &&
		    rc->state != QUEUE_RCPT_DEFERRED)
			continue;
		/* Reached again through its own aliases: the user itself. */
		if (rc->parent >= 0 && qmgr_alias_in_chain(&r, rc->parent, r.canon[i]))
			continue;
		if (qmgr_alias_depth(m, i) >= QMGR_ALIAS_MAX_DEPTH) {
			log_warn("%s: alias %s nested more than %d deep; not "
				 "expanded", m->id, r.canon[i], QMGR_ALIAS_MAX_DEPTH);
			continue;
		}
		found = qmgr_alias_lookup(&r, i, &value);
		if (found < 0) {
			*err_r = "alias database lookup failed";
			ret = -1;
		} else if (found > 0 && qmgr_alias_replace(&r, i, buf_str(&value)) < 0) {
			*err_r = "cannot append to the queue file";
			ret = -1;
		}
	}
	for (size_t k = 0; k < r.ncanon; k++)
		mem_free(r.canon[k]);
	mem_free(r.canon);
	buf_release(&value);
	return ret;
}
