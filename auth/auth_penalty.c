/* auth_penalty.c - the failure table of auth (see auth_penalty.h).
 *
 * A hash table of addresses (chained, seeded, so that clients choosing
 * their addresses cannot pile them into one chain) threaded on a list in
 * the order of their last failure.  Since times only grow, the head of the
 * list is always the entry to expire or, when the table is full, to evict:
 * both are O(1), and no scan ever walks the table.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <openssl/rand.h>

#include "auth_penalty.h"
#include "mem.h"

struct auth_penalty_entry {
	char *key;
	uint64_t hash;
	long failures;
	int64_t last;			/* time of the last failure */
	struct auth_penalty_entry *chain;	/* next in the bucket */
	struct auth_penalty_entry *older, *newer;	/* the time list */
};

struct auth_penalty {
	auth_penalty_limits_t lim;
	struct auth_penalty_entry **buckets;
	size_t nbuckets;		/* a power of two */
	size_t count;
	struct auth_penalty_entry *oldest, *newest;
	uint64_t seed;
};

auth_penalty_t *auth_penalty_new(const auth_penalty_limits_t *limits)
{
	auth_penalty_t *p = MEM_NEW(auth_penalty_t);

	p->lim = *limits;
	if (p->lim.max_entries == 0)
		p->lim.max_entries = 1;
	p->nbuckets = 16;
	while (p->nbuckets < p->lim.max_entries && p->nbuckets < ((size_t) 1 << 24))
		p->nbuckets <<= 1;
	p->buckets = mem_reallocarray(NULL, p->nbuckets, sizeof(*p->buckets));
	memset(p->buckets, 0, p->nbuckets * sizeof(*p->buckets));
	/* Without randomness the table still works, only more predictably. */
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

static struct auth_penalty_entry **auth_penalty_slot(auth_penalty_t *p,
						     const char *key,
						     uint64_t hash)
{
	struct auth_penalty_entry **ep = &p->buckets[hash & (p->nbuckets - 1)];

	while (*ep != NULL && ((*ep)->hash != hash || strcmp((*ep)->key, key) != 0))
		ep = &(*ep)->chain;
	return ep;
}

static void auth_penalty_unlink(auth_penalty_t *p, struct auth_penalty_entry *e)
{
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		p->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		p->newest = e->older;
	e->older = e->newer = NULL;
}

static void auth_penalty_append(auth_penalty_t *p, struct auth_penalty_entry *e)
{
	e->older = p->newest;
	e->newer = NULL;
	if (p->newest != NULL)
		p->newest->newer = e;
	else
		p->oldest = e;
	p->newest = e;
}

static void auth_penalty_remove(auth_penalty_t *p, struct auth_penalty_entry *e)
{
	struct auth_penalty_entry **ep = auth_penalty_slot(p, e->key, e->hash);

	*ep = e->chain;
	auth_penalty_unlink(p, e);
	mem_free(e->key);
	mem_free(e);
	p->count--;
}

/* Forget failures older than the window. */
static void auth_penalty_expire(auth_penalty_t *p, int64_t now)
{
	while (p->oldest != NULL && now - p->oldest->last >= p->lim.window_ms)
		auth_penalty_remove(p, p->oldest);
}

static struct auth_penalty_entry *auth_penalty_lookup(auth_penalty_t *p,
						      const char *addr)
{
	buf_t key = BUF_INIT;
	struct auth_penalty_entry *e;

	auth_penalty_key(addr, &key);
	e = *auth_penalty_slot(p, buf_str(&key),
			       auth_penalty_hash(p, buf_str(&key)));
	buf_release(&key);
	return e;
}

/* The entry of addr after forgetting what has expired at now. */
static struct auth_penalty_entry *auth_penalty_find(auth_penalty_t *p,
						    const char *addr,
						    int64_t now)
{
	auth_penalty_expire(p, now);
	return auth_penalty_lookup(p, addr);
}

void auth_penalty_free(auth_penalty_t **pp)
{
	auth_penalty_t *p = *pp;

	if (p == NULL)
		return;
	while (p->oldest != NULL)
		auth_penalty_remove(p, p->oldest);
	mem_free(p->buckets);
	MEM_FREE(*pp);
}

int auth_penalty_blocked(auth_penalty_t *p, const char *addr, int64_t now)
{
	struct auth_penalty_entry *e = auth_penalty_find(p, addr, now);

	return p->lim.limit > 0 && e != NULL && e->failures >= p->lim.limit;
}

long auth_penalty_failures(auth_penalty_t *p, const char *addr, int64_t now)
{
	struct auth_penalty_entry *e = auth_penalty_find(p, addr, now);

	return e != NULL ? e->failures : 0;
}

long auth_penalty_fail(auth_penalty_t *p, const char *addr, int64_t now)
{
	struct auth_penalty_entry *e = auth_penalty_find(p, addr, now);
	long delay = p->lim.delay_ms;

	if (e == NULL) {
		buf_t key = BUF_INIT;
		struct auth_penalty_entry **ep;

		if (p->count >= p->lim.max_entries)
			auth_penalty_remove(p, p->oldest);
		auth_penalty_key(addr, &key);
		e = MEM_NEW(struct auth_penalty_entry);
		e->hash = auth_penalty_hash(p, buf_str(&key));
		e->key = buf_steal(&key);
		ep = auth_penalty_slot(p, e->key, e->hash);
		*ep = e;
		p->count++;
	} else {
		auth_penalty_unlink(p, e);
	}
	if (e->failures < p->lim.limit || p->lim.limit == 0)
		e->failures++;
	e->last = now;
	auth_penalty_append(p, e);

	/* delay << (failures - 1), without overflow, capped. */
	if (delay <= 0)
		return 0;
	for (long i = 1; i < e->failures && delay < p->lim.delay_max_ms; i++)
		delay = delay > p->lim.delay_max_ms / 2 ? p->lim.delay_max_ms :
			delay * 2;
	return delay < p->lim.delay_max_ms ? delay : p->lim.delay_max_ms;
}

void auth_penalty_success(auth_penalty_t *p, const char *addr)
{
	struct auth_penalty_entry *e = auth_penalty_lookup(p, addr);

	if (e != NULL)
		auth_penalty_remove(p, e);
}

size_t auth_penalty_size(const auth_penalty_t *p)
{
	return p->count;
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
