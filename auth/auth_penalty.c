/* auth_penalty.c - the failure tables of auth (see auth_penalty.h).
 *
 * Three tables of one kind: a hash table of keys (chained, seeded, so that
 * clients choosing their addresses or user names cannot pile them into one
 * chain) threaded on a list in the order of their last failure.  Since
 * times only grow, the head of a table's list is always its entry to expire
 * or, when the table is full, to evict: both are O(1), and no scan ever
 * walks a table.  An address+user entry is keyed "user address" (a user key
 * never holds a space).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/rand.h>

#include "auth_penalty.h"
#include "mem.h"
#include "users.h"

struct auth_penalty_entry {
	char *key;
	uint64_t hash;
	long failures;
	int64_t last;			/* time of the last failure */
	/* Address entries: a number of their own, never reused.  Pair
	 * entries: the number of the address entry their failures were
	 * counted in, so that a success forgives them only from that one. */
	uint64_t serial;
	struct auth_penalty_entry *chain;	/* next in the bucket */
	struct auth_penalty_entry *older, *newer;	/* the time list */
};

struct auth_penalty_tab {
	struct auth_penalty_entry **buckets;
	size_t nbuckets;		/* a power of two */
	size_t count, max;
	long window_ms;
	struct auth_penalty_entry *oldest, *newest;
};

struct auth_penalty {
	auth_penalty_limits_t lim;
	struct auth_penalty_tab addrs, pairs, users;
	uint64_t seed;
	uint64_t serial;		/* of the newest address entry */
};

static void auth_penalty_tab_init(struct auth_penalty_tab *t, size_t max,
				  long window_ms)
{
	t->max = max > 0 ? max : 1;
	t->window_ms = window_ms;
	t->nbuckets = 16;
	while (t->nbuckets < t->max && t->nbuckets < ((size_t) 1 << 24))
		t->nbuckets <<= 1;
	t->buckets = mem_reallocarray(NULL, t->nbuckets, sizeof(*t->buckets));
	memset(t->buckets, 0, t->nbuckets * sizeof(*t->buckets));
}

auth_penalty_t *auth_penalty_new(const auth_penalty_limits_t *limits)
{
	auth_penalty_t *p = MEM_NEW(auth_penalty_t);

	p->lim = *limits;
	auth_penalty_tab_init(&p->addrs, p->lim.max_entries, p->lim.window_ms);
	/* A pair serves the address (forgiveness) and the user (whether
	 * the address failed for it lately): it lives as long as either. */
	auth_penalty_tab_init(&p->pairs, p->lim.max_entries,
			      p->lim.window_ms > p->lim.user_window_ms ?
			      p->lim.window_ms : p->lim.user_window_ms);
	auth_penalty_tab_init(&p->users, p->lim.user_max_entries,
			      p->lim.user_window_ms);
	/* Without randomness the tables still work, only more predictably. */
	if (RAND_bytes((unsigned char *) &p->seed, sizeof(p->seed)) != 1)
		p->seed = 0;
	return p;
}

static uint64_t auth_penalty_hash(const auth_penalty_t *p, const char *key)
{
	uint64_t h = 14695981039346656037ULL ^ p->seed;

	for (const unsigned char *s = (const unsigned char *) key; *s; s++) {
		h ^= *s;
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static struct auth_penalty_entry **auth_penalty_slot(struct auth_penalty_tab *t,
						     const char *key,
						     uint64_t hash)
{
	struct auth_penalty_entry **ep = &t->buckets[hash & (t->nbuckets - 1)];

	while (*ep != NULL && ((*ep)->hash != hash || strcmp((*ep)->key, key) != 0))
		ep = &(*ep)->chain;
	return ep;
}

static void auth_penalty_unlink(struct auth_penalty_tab *t,
				struct auth_penalty_entry *e)
{
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		t->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		t->newest = e->older;
	e->older = e->newer = NULL;
}

static void auth_penalty_append(struct auth_penalty_tab *t,
				struct auth_penalty_entry *e)
{
	e->older = t->newest;
	e->newer = NULL;
	if (t->newest != NULL)
		t->newest->newer = e;
	else
		t->oldest = e;
	t->newest = e;
}

static void auth_penalty_remove(struct auth_penalty_tab *t,
				struct auth_penalty_entry *e)
{
	struct auth_penalty_entry **ep = auth_penalty_slot(t, e->key, e->hash);

	*ep = e->chain;
	auth_penalty_unlink(t, e);
	mem_free(e->key);
	mem_free(e);
	t->count--;
}

/* Forget what has expired at now, in every table. */
static void auth_penalty_expire(auth_penalty_t *p, int64_t now)
{
	struct auth_penalty_tab *tabs[] = { &p->addrs, &p->pairs, &p->users };

	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++)
		while (tabs[i]->oldest != NULL &&
		       now - tabs[i]->oldest->last >= tabs[i]->window_ms)
			auth_penalty_remove(tabs[i], tabs[i]->oldest);
}

static struct auth_penalty_entry *auth_penalty_get(const auth_penalty_t *p,
						   struct auth_penalty_tab *t,
						   const buf_t *key)
{
	return *auth_penalty_slot(t, buf_str(key),
				  auth_penalty_hash(p, buf_str(key)));
}

/* The entry of key, made when missing (the oldest entry making room),
 * now the newest with its last failure at now. */
static struct auth_penalty_entry *auth_penalty_touch(auth_penalty_t *p,
						     struct auth_penalty_tab *t,
						     buf_t *key, int64_t now)
{
	struct auth_penalty_entry *e = auth_penalty_get(p, t, key);

	if (e == NULL) {
		if (t->count >= t->max)
			auth_penalty_remove(t, t->oldest);
		e = MEM_NEW(struct auth_penalty_entry);
		e->hash = auth_penalty_hash(p, buf_str(key));
		e->key = buf_steal(key);
		*auth_penalty_slot(t, e->key, e->hash) = e;
		t->count++;
	} else {
		auth_penalty_unlink(t, e);
	}
	e->last = now;
	auth_penalty_append(t, e);
	return e;
}

/* One more failure, held at limit when there is one (a refused address or
 * user makes no more failures anyway), never overflowing. */
static void auth_penalty_count(struct auth_penalty_entry *e, long limit)
{
	if ((limit <= 0 || e->failures < limit) && e->failures < LONG_MAX)
		e->failures++;
}

/* The keys of addr, of user and of the pair, in the caller's buffers. */
static void auth_penalty_keys(const char *addr, const char *user,
			      buf_t *akey, buf_t *ukey, buf_t *pkey)
{
	auth_penalty_key(addr, akey);
	auth_penalty_user_key(user, ukey);
	buf_reset(pkey);
	buf_printf(pkey, "%s %s", buf_str(ukey), buf_str(akey));
}

static void auth_penalty_keys_release(buf_t *akey, buf_t *ukey, buf_t *pkey)
{
	buf_release(akey);
	buf_release(ukey);
	buf_release(pkey);
}

static void auth_penalty_tab_free(struct auth_penalty_tab *t)
{
	while (t->oldest != NULL)
		auth_penalty_remove(t, t->oldest);
	mem_free(t->buckets);
}

void auth_penalty_free(auth_penalty_t **pp)
{
	auth_penalty_t *p = *pp;

	if (p == NULL)
		return;
	auth_penalty_tab_free(&p->addrs);
	auth_penalty_tab_free(&p->pairs);
	auth_penalty_tab_free(&p->users);
	MEM_FREE(*pp);
}

enum auth_penalty_refusal auth_penalty_check(auth_penalty_t *p,
					     const char *addr,
					     const char *user, int64_t now)
{
	buf_t akey = BUF_INIT, ukey = BUF_INIT, pkey = BUF_INIT;
	struct auth_penalty_entry *a, *u, *pair;
	enum auth_penalty_refusal r = AUTH_PENALTY_NONE;

	auth_penalty_expire(p, now);
	auth_penalty_keys(addr, user, &akey, &ukey, &pkey);
	a = auth_penalty_get(p, &p->addrs, &akey);
	u = auth_penalty_get(p, &p->users, &ukey);
	if (p->lim.limit > 0 && a != NULL && a->failures >= p->lim.limit) {
		r = AUTH_PENALTY_ADDRESS;
	} else if (p->lim.user_limit > 0 && u != NULL &&
		   u->failures >= p->lim.user_limit) {
		/* Only where this address failed for the user lately: see
		 * the header for why the account itself is never locked. */
		pair = auth_penalty_get(p, &p->pairs, &pkey);
		if (pair != NULL && now - pair->last < p->lim.user_window_ms)
			r = AUTH_PENALTY_USER;
	}
	auth_penalty_keys_release(&akey, &ukey, &pkey);
	return r;
}

/* delay << (failures - 1), without overflow, capped at delay_max. */
static long auth_penalty_delay(const auth_penalty_limits_t *lim, long failures)
{
	long delay = lim->delay_ms;

	if (delay <= 0 || failures <= 0)
		return 0;
	for (long i = 1; i < failures && delay < lim->delay_max_ms; i++)
		delay = delay > lim->delay_max_ms / 2 ? lim->delay_max_ms :
			delay * 2;
	return delay < lim->delay_max_ms ? delay : lim->delay_max_ms;
}

long auth_penalty_fail(auth_penalty_t *p, const char *addr, const char *user,
		       int64_t now)
{
	buf_t akey = BUF_INIT, ukey = BUF_INIT, pkey = BUF_INIT;
	struct auth_penalty_entry *a, *u, *pair;
	long da, du;

	auth_penalty_expire(p, now);
	auth_penalty_keys(addr, user, &akey, &ukey, &pkey);
	a = auth_penalty_touch(p, &p->addrs, &akey, now);
	if (a->serial == 0)
		a->serial = ++p->serial;
	auth_penalty_count(a, p->lim.limit);
	pair = auth_penalty_touch(p, &p->pairs, &pkey, now);
	if (pair->serial != a->serial) {
		/* Failures counted in a forgotten entry of the address are
		 * no longer in its count: they must not be forgiven. */
		pair->failures = 0;
		pair->serial = a->serial;
	}
	auth_penalty_count(pair, 0);
	u = auth_penalty_touch(p, &p->users, &ukey, now);
	auth_penalty_count(u, p->lim.user_limit);
	da = auth_penalty_delay(&p->lim, a->failures);
	du = auth_penalty_delay(&p->lim, u->failures);
	auth_penalty_keys_release(&akey, &ukey, &pkey);
	return da > du ? da : du;
}

void auth_penalty_success(auth_penalty_t *p, const char *addr,
			  const char *user, int64_t now)
{
	buf_t akey = BUF_INIT, ukey = BUF_INIT, pkey = BUF_INIT;
	struct auth_penalty_entry *a, *pair;

	auth_penalty_expire(p, now);
	auth_penalty_keys(addr, user, &akey, &ukey, &pkey);
	pair = auth_penalty_get(p, &p->pairs, &pkey);
	a = auth_penalty_get(p, &p->addrs, &akey);
	if (pair != NULL) {
		if (a != NULL && a->serial == pair->serial) {
			a->failures -= pair->failures < a->failures ?
				pair->failures : a->failures;
			if (a->failures == 0)
				auth_penalty_remove(&p->addrs, a);
		}
		auth_penalty_remove(&p->pairs, pair);
	}
	auth_penalty_keys_release(&akey, &ukey, &pkey);
}

long auth_penalty_failures(auth_penalty_t *p, const char *addr, int64_t now)
{
	buf_t key = BUF_INIT;
	struct auth_penalty_entry *e;

	auth_penalty_expire(p, now);
	auth_penalty_key(addr, &key);
	e = auth_penalty_get(p, &p->addrs, &key);
	buf_release(&key);
	return e != NULL ? e->failures : 0;
}

long auth_penalty_pair_failures(auth_penalty_t *p, const char *addr,
				const char *user, int64_t now)
{
	buf_t akey = BUF_INIT, ukey = BUF_INIT, pkey = BUF_INIT;
	struct auth_penalty_entry *e;

	auth_penalty_expire(p, now);
	auth_penalty_keys(addr, user, &akey, &ukey, &pkey);
	e = auth_penalty_get(p, &p->pairs, &pkey);
	auth_penalty_keys_release(&akey, &ukey, &pkey);
	return e != NULL ? e->failures : 0;
}

long auth_penalty_user_failures(auth_penalty_t *p, const char *user,
				int64_t now)
{
	buf_t key = BUF_INIT;
	struct auth_penalty_entry *e;

	auth_penalty_expire(p, now);
	auth_penalty_user_key(user, &key);
	e = auth_penalty_get(p, &p->users, &key);
	buf_release(&key);
	return e != NULL ? e->failures : 0;
}

size_t auth_penalty_size(const auth_penalty_t *p, enum auth_penalty_table t)
{
	switch (t) {
	case AUTH_PENALTY_ADDRESSES:
		return p->addrs.count;
	case AUTH_PENALTY_PAIRS:
		return p->pairs.count;
	case AUTH_PENALTY_USERS:
		return p->users.count;
	}
	return 0;
}

void auth_penalty_key(const char *addr, buf_t *key)
{
	unsigned char a6[16];
	char text[INET6_ADDRSTRLEN];

	buf_reset(key);
	if (inet_pton(AF_INET6, addr, a6) != 1) {
		buf_puts(key, addr);
		return;
	}
	if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *) a6)) {
		inet_ntop(AF_INET, a6 + 12, text, sizeof(text));
		buf_puts(key, text);
		return;
	}
	memset(a6 + 8, 0, 8);
	inet_ntop(AF_INET6, a6, text, sizeof(text));
	buf_printf(key, "%s/64", text);
}

void auth_penalty_user_key(const char *user, buf_t *key)
{
	const char *why;

	buf_reset(key);
	/* The length check first: a long name is never copied. */
	if (strlen(user) > USERS_ADDRESS_MAX) {
		buf_puts(key, AUTH_PENALTY_NOT_A_USER);
		return;
	}
	buf_puts(key, user);
	users_address_lower(key->data);
	if (users_address_check(buf_str(key), &why) < 0) {
		/* Wipe what may be a password typed as the user name. */
		explicit_bzero(key->data, key->len);
		buf_set(key, AUTH_PENALTY_NOT_A_USER);
	}
}
