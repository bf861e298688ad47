/* qmgr_alias.c - alias expansion of a message's recipients; see
 * qmgr_alias.h.  Keys, targets and canonical forms follow lib/alias.h.
 *
 * The recipient list grows as aliases are replaced by their targets, and
 * the loop below walks it to the end, so nested aliases are expanded in
 * the same pass.  Comparisons use a canonical form (lower case, with a
 * domain), kept beside the list, and a hash set of those forms answers
 * "does the message already have this recipient?" in constant time: a
 * list alias may bring thousands of targets to a message of thousands of
 * recipients.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "alias.h"
#include "log.h"
#include "mem.h"
#include "qmgr_alias.h"

/* A set of strings kept elsewhere, by their index in an array the caller
 * passes (so the array may move); open addressing, at most half full. */
struct qmgr_alias_set {
	size_t *slot;		/* index + 1, or 0 when empty */
	size_t nslot, count;
};

struct qmgr_alias_run {
	queue_msg_t *m;
	int fd;
	const alias_conf_t *conf;
	char **canon;		/* canonical address of each recipient */
	size_t ncanon;
	struct qmgr_alias_set known;	/* of canon */
};

static size_t qmgr_alias_hash(const char *s)
{
	size_t h = 14695981039346656037ULL & (size_t) -1;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * (1099511628211ULL & (size_t) -1);
	return h;
}

static int qmgr_alias_set_has(const struct qmgr_alias_set *set,
			      char *const *keys, const char *key)
{
	if (set->nslot == 0)
		return 0;
	for (size_t i = qmgr_alias_hash(key) & (set->nslot - 1);
	     set->slot[i] != 0; i = (i + 1) & (set->nslot - 1))
		if (strcmp(keys[set->slot[i] - 1], key) == 0)
			return 1;
	return 0;
}

static void qmgr_alias_set_put(struct qmgr_alias_set *set, char *const *keys,
			       size_t idx)
{
	size_t i = qmgr_alias_hash(keys[idx]) & (set->nslot - 1);

	while (set->slot[i] != 0)
		i = (i + 1) & (set->nslot - 1);
	set->slot[i] = idx + 1;
}

static void qmgr_alias_set_add(struct qmgr_alias_set *set, char *const *keys,
			       size_t idx)
{
	if ((set->count + 1) * 2 > set->nslot) {
		struct qmgr_alias_set bigger = {
			.nslot = set->nslot ? set->nslot * 2 : 64,
			.count = set->count,
		};

		bigger.slot = mem_zalloc(bigger.nslot * sizeof(size_t));
		for (size_t i = 0; i < set->nslot; i++)
			if (set->slot[i] != 0)
				qmgr_alias_set_put(&bigger, keys, set->slot[i] - 1);
		mem_free(set->slot);
		*set = bigger;
	}
	qmgr_alias_set_put(set, keys, idx);
	set->count++;
}

static void qmgr_alias_sync_canon(struct qmgr_alias_run *r)
{
	buf_t b = BUF_INIT;

	r->canon = mem_reallocarray(r->canon, r->m->nrcpts ? r->m->nrcpts : 1,
				    sizeof(char *));
	for (; r->ncanon < r->m->nrcpts; r->ncanon++) {
		alias_canon(r->m->rcpts[r->ncanon].addr, r->conf->origin, &b);
		r->canon[r->ncanon] = buf_steal(&b);
		qmgr_alias_set_add(&r->known, r->canon, r->ncanon);
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

static void qmgr_alias_push(queue_msg_t *m, size_t parent, const char *addr)
{
	queue_rcpt_t *n = queue_msg_add_rcpt(m, addr);
	const queue_rcpt_t *p = &m->rcpts[parent];

	n->parent = (int) parent;
	n->orcpt = p->orcpt ? mem_strdup(p->orcpt) : NULL;
	n->notify = p->notify ? mem_strdup(p->notify) : NULL;
}

/* Recipient i cannot be expanded within the limits of a queue file: it
 * fails, so the sender hears of it (RFC 3463 X.2.4: a list that could not
 * be expanded) instead of part of the list being left out. */
static int qmgr_alias_too_big(struct qmgr_alias_run *r, size_t i, size_t more)
{
	queue_rcpt_t *rc = &r->m->rcpts[i];
	char idx[32];
	char *text = mem_printf("alias expansion to %zu more recipients would "
				"exceed %d recipients per message", more,
				QUEUE_MAX_TOTAL_RCPTS);

	snprintf(idx, sizeof(idx), "%zu", i);
	log_warn("%s: alias %s: %s; not expanded, returned to the sender",
		 r->m->id, r->canon[i], text);
	if (queue_append(r->fd, 0, "fail", "rcpt", idx, "dsn", "5.2.4",
			 "text", text, NULL) < 0) {
		mem_free(text);
		return -1;
	}
	rc->state = QUEUE_RCPT_FAILED;
	mem_free(rc->dsn);
	mem_free(rc->text);
	rc->dsn = mem_strdup("5.2.4");
	rc->text = text;
	return 0;
}

/* Replace recipient i by the targets in value: first the list of new
 * ones is made, then it is written whole, or not at all when it would
 * take the message over QUEUE_MAX_TOTAL_RCPTS.  0, or -1 on a write error. */
static int qmgr_alias_replace(struct qmgr_alias_run *r, size_t i,
			      const char *value)
{
	const char *domain = addr_domain(r->canon[i]);
	buf_t addr = BUF_INIT, canon = BUF_INIT;
	char **fresh = NULL, **fresh_canon = NULL;
	struct qmgr_alias_set named = { NULL, 0, 0 };	/* of fresh_canon */
	char parent[32];
	const char *s = value;
	size_t valid = 0, nfresh = 0, room = 0;
	int ret = 0;

	snprintf(parent, sizeof(parent), "%zu", i);
	while (*s) {
		size_t n;

		s += strspn(s, ALIAS_TARGET_SEPARATORS);
		n = strcspn(s, ALIAS_TARGET_SEPARATORS);
		if (n == 0)
			break;
		if (alias_target(s, n, domain, &addr) < 0 ||
		    addr.len > QUEUE_MAX_ADDR) {
			log_warn("%s: alias %s: unusable target \"%.*s\" ignored",
				 r->m->id, r->canon[i], (int) n, s);
			s += n;
			continue;
		}
		s += n;
		valid++;
		alias_canon(buf_str(&addr), r->conf->origin, &canon);
		/* Another recipient of the message already gets it, unless
		 * it is this alias's own chain (a self-reference). */
		if (!qmgr_alias_in_chain(r, (int) i, buf_str(&canon)) &&
		    qmgr_alias_set_has(&r->known, r->canon, buf_str(&canon)))
			continue;
		if (qmgr_alias_set_has(&named, fresh_canon, buf_str(&canon)))
			continue;	/* named twice by this alias */
		if (nfresh == room) {
			room = room ? room * 2 : 16;
			fresh = mem_reallocarray(fresh, room, sizeof(char *));
			fresh_canon = mem_reallocarray(fresh_canon, room, sizeof(char *));
		}
		fresh[nfresh] = buf_steal(&addr);
		fresh_canon[nfresh] = buf_steal(&canon);
		qmgr_alias_set_add(&named, fresh_canon, nfresh++);
	}
	if (valid == 0) {
		log_warn("%s: alias %s has no usable target; delivering to "
			 "the address itself", r->m->id, r->canon[i]);
	} else if (r->m->nrcpts + nfresh > QUEUE_MAX_TOTAL_RCPTS) {
		ret = qmgr_alias_too_big(r, i, nfresh);
	} else {
		for (size_t k = 0; k < nfresh && ret == 0; k++) {
			if (queue_append(r->fd, 0, "add", "parent", parent, "addr",
					 fresh[k], "orcpt", r->m->rcpts[i].orcpt,
					 "notify", r->m->rcpts[i].notify, NULL) < 0)
				ret = -1;
			else
				qmgr_alias_push(r->m, i, fresh[k]);
		}
		qmgr_alias_sync_canon(r);
		if (ret == 0 && queue_append(r->fd, 0, "expand", "rcpt", parent,
					     NULL) < 0)
			ret = -1;
		else if (ret == 0)
			r->m->rcpts[i].state = QUEUE_RCPT_EXPANDED;
		if (ret == 0)
			log_info("%s: alias %s expanded to %zu new recipient%s",
				 r->m->id, r->canon[i], nfresh,
				 nfresh == 1 ? "" : "s");
	}
	for (size_t k = 0; k < nfresh; k++) {
		mem_free(fresh[k]);
		mem_free(fresh_canon[k]);
	}
	mem_free(fresh);
	mem_free(fresh_canon);
	mem_free(named.slot);
	buf_release(&addr);
	buf_release(&canon);
	return ret;
}

int qmgr_alias_expand(queue_msg_t *m, int fd, const alias_conf_t *conf,
		      const char **err_r)
{
	struct qmgr_alias_run r = { m, fd, conf, NULL, 0, { NULL, 0, 0 } };
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
		if (qmgr_alias_depth(m, i) >= ALIAS_MAX_DEPTH) {
			log_warn("%s: alias %s nested more than %d deep; not "
				 "expanded", m->id, r.canon[i], ALIAS_MAX_DEPTH);
			continue;
		}
		found = alias_lookup(conf, r.canon[i], &value);
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
	mem_free(r.known.slot);
	buf_release(&value);
	return ret;
}
