/* anvil_table.c - anvil's counters (see anvil_table.h).
 *
 * A hash table of entries keyed by "service client" (neither contains a
 * space: the protocol forbids it), chained and seeded, so that clients
 * choosing their addresses cannot pile them into one chain.  Entries
 * without open connections are also threaded on the idle list, in the
 * order they became idle.  An entry's time unit began at or before its
 * last connection, which came before it became idle; so an entry idle for
 * a whole unit has no rate left, and the head of the idle list is always
 * the next to expire or, when the table is full, to give up its place:
 * both O(1), and no request ever walks the table (status does).
 *
 * An owner keeps a small array of what it holds (entry, connections); a
 * held entry has open connections and is never removed, so the pointers
 * stay valid.  A server holds one connection at a time, an event-driven
 * login process a few hundred: the linear search is fine.
 */
#include <string.h>
#include <sys/random.h>

#include "anvil_table.h"
#include "mem.h"

struct anvil_entry {
	char *key;			/* "service client" */
	size_t service_len;
	uint64_t hash;
	long count;			/* open connections */
	long rate;			/* connections in the unit from window */
	int64_t window;			/* start of the current time unit */
	int64_t idle_since;		/* when count last fell to 0 */
	struct anvil_entry *chain;	/* next in the bucket */
	struct anvil_entry *older, *newer;	/* the idle list */
	int idle;			/* on the idle list */
};

struct anvil_hold {
	struct anvil_entry *e;
	long n;
};

struct anvil_owner {
	struct anvil_hold *holds;
	size_t nholds, alloc;
	long held;
};

struct anvil_table {
	long unit_ms;
	size_t max_entries;
	struct anvil_entry **buckets;
	size_t nbuckets;		/* a power of two */
	size_t count;
	struct anvil_entry *idle_oldest, *idle_newest;
	uint64_t seed;
	long owners;
};

anvil_table_t *anvil_table_new(long unit_ms, size_t max_entries)
{
	anvil_table_t *t = MEM_NEW(anvil_table_t);

	t->unit_ms = unit_ms > 0 ? unit_ms : 1;
	t->max_entries = max_entries > 0 ? max_entries : 1;
	t->nbuckets = 16;
	while (t->nbuckets < t->max_entries && t->nbuckets < ((size_t) 1 << 24))
		t->nbuckets <<= 1;
	t->buckets = mem_reallocarray(NULL, t->nbuckets, sizeof(*t->buckets));
	memset(t->buckets, 0, t->nbuckets * sizeof(*t->buckets));
	/* Without randomness the table still works, only more predictably. */
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) !=
	    (ssize_t) sizeof(t->seed))
		t->seed = 0;
	return t;
}

static uint64_t anvil_table_hash(const anvil_table_t *t, const char *key)
{
	uint64_t h = 14695981039346656037ULL ^ t->seed;

	for (const unsigned char *s = (const unsigned char *) key; *s; s++) {
		h ^= *s;
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static struct anvil_entry **anvil_table_slot(anvil_table_t *t, const char *key,
					     uint64_t hash)
{
	struct anvil_entry **ep = &t->buckets[hash & (t->nbuckets - 1)];

	while (*ep != NULL && ((*ep)->hash != hash || strcmp((*ep)->key, key) != 0))
		ep = &(*ep)->chain;
	return ep;
}

static void anvil_idle_unlink(anvil_table_t *t, struct anvil_entry *e)
{
	if (!e->idle)
		return;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		t->idle_oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		t->idle_newest = e->older;
	e->older = e->newer = NULL;
	e->idle = 0;
}

static void anvil_idle_append(anvil_table_t *t, struct anvil_entry *e, int64_t now)
{
	e->idle_since = now;
	e->older = t->idle_newest;
	e->newer = NULL;
	if (t->idle_newest != NULL)
		t->idle_newest->newer = e;
	else
		t->idle_oldest = e;
	t->idle_newest = e;
	e->idle = 1;
}

static void anvil_table_remove(anvil_table_t *t, struct anvil_entry *e)
{
	struct anvil_entry **ep = anvil_table_slot(t, e->key, e->hash);

	*ep = e->chain;
	anvil_idle_unlink(t, e);
	mem_free(e->key);
	mem_free(e);
	t->count--;
}

/* Forget idle entries whose time unit is over. */
static void anvil_table_expire(anvil_table_t *t, int64_t now)
{
	while (t->idle_oldest != NULL &&
	       now - t->idle_oldest->idle_since >= t->unit_ms)
		anvil_table_remove(t, t->idle_oldest);
}

static struct anvil_entry *anvil_table_find(anvil_table_t *t,
					    const char *service,
					    const char *client, int64_t now)
{
	char *key = mem_printf("%s %s", service, client);
	struct anvil_entry *e;

	anvil_table_expire(t, now);
	e = *anvil_table_slot(t, key, anvil_table_hash(t, key));
	mem_free(key);
	return e;
}

/* The rate of e at now: 0 once its time unit is over. */
static long anvil_entry_rate(const anvil_table_t *t,
			     const struct anvil_entry *e, int64_t now)
{
	return now - e->window < t->unit_ms ? e->rate : 0;
}

void anvil_table_free(anvil_table_t **tp)
{
	anvil_table_t *t = *tp;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		while (t->buckets[i] != NULL)
			anvil_table_remove(t, t->buckets[i]);
	}
	mem_free(t->buckets);
	MEM_FREE(*tp);
}

anvil_owner_t *anvil_owner_new(anvil_table_t *t)
{
	t->owners++;
	return MEM_NEW(anvil_owner_t);
}

long anvil_owner_held(const anvil_owner_t *o)
{
	return o->held;
}

/* n connections of e fewer. */
static void anvil_entry_release(anvil_table_t *t, struct anvil_entry *e,
				long n, int64_t now)
{
	e->count -= n;
	if (e->count <= 0 && !e->idle) {
		e->count = 0;
		anvil_idle_append(t, e, now);
	}
}

long anvil_owner_free(anvil_table_t *t, anvil_owner_t **op, int64_t now)
{
	anvil_owner_t *o = *op;
	long held;

	if (o == NULL)
		return 0;
	held = o->held;
	for (size_t i = 0; i < o->nholds; i++)
		anvil_entry_release(t, o->holds[i].e, o->holds[i].n, now);
	mem_free(o->holds);
	MEM_FREE(*op);
	t->owners--;
	anvil_table_expire(t, now);
	return held;
}

static struct anvil_hold *anvil_owner_find(anvil_owner_t *o,
					   const struct anvil_entry *e)
{
	for (size_t i = 0; i < o->nholds; i++)
		if (o->holds[i].e == e)
			return &o->holds[i];
	return NULL;
}

int anvil_table_connect(anvil_table_t *t, anvil_owner_t *o,
			const char *service, const char *client, int handoff,
			int64_t now, long *count_r, long *rate_r)
{
	struct anvil_entry *e = anvil_table_find(t, service, client, now);
	struct anvil_hold *h;

	if (e == NULL) {
		struct anvil_entry **ep;

		if (t->count >= t->max_entries) {
			if (t->idle_oldest == NULL)
				return -1;
			anvil_table_remove(t, t->idle_oldest);
		}
		e = MEM_NEW(struct anvil_entry);
		e->key = mem_printf("%s %s", service, client);
		e->service_len = strlen(service);
		e->hash = anvil_table_hash(t, e->key);
		e->window = now;
		ep = anvil_table_slot(t, e->key, e->hash);
		*ep = e;
		t->count++;
	}
	anvil_idle_unlink(t, e);
	if (!handoff) {
		if (anvil_entry_rate(t, e, now) == 0) {
			e->window = now;
			e->rate = 0;
		}
		e->rate++;
	}
	e->count++;
	h = anvil_owner_find(o, e);
	if (h == NULL) {
		if (o->nholds == o->alloc) {
			o->alloc = o->alloc ? o->alloc * 2 : 4;
			o->holds = mem_reallocarray(o->holds, o->alloc,
						    sizeof(*o->holds));
		}
		h = &o->holds[o->nholds++];
		h->e = e;
		h->n = 0;
	}
	h->n++;
	o->held++;
	*count_r = e->count;
	*rate_r = anvil_entry_rate(t, e, now);
	return 0;
}

int anvil_table_disconnect(anvil_table_t *t, anvil_owner_t *o,
			   const char *service, const char *client,
			   int64_t now)
{
	struct anvil_entry *e = anvil_table_find(t, service, client, now);
	struct anvil_hold *h = e != NULL ? anvil_owner_find(o, e) : NULL;

	if (h == NULL)
		return -1;
	if (--h->n == 0)
		*h = o->holds[--o->nholds];
	o->held--;
	anvil_entry_release(t, e, 1, now);
	return 0;
}

void anvil_table_lookup(anvil_table_t *t, const char *service,
			const char *client, int64_t now, long *count_r,
			long *rate_r)
{
	struct anvil_entry *e = anvil_table_find(t, service, client, now);

	*count_r = e != NULL ? e->count : 0;
	*rate_r = e != NULL ? anvil_entry_rate(t, e, now) : 0;
}

size_t anvil_table_walk(anvil_table_t *t, int64_t now, anvil_table_walk_fn fn,
			void *ctx)
{
	size_t calls = 0;

	anvil_table_expire(t, now);
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct anvil_entry *e = t->buckets[i]; e != NULL; e = e->chain) {
			long rate = anvil_entry_rate(t, e, now);
			char *service;

			if (e->count == 0 && rate == 0)
				continue;
			service = mem_strndup(e->key, e->service_len);
			fn(service, e->key + e->service_len + 1, e->count, rate, ctx);
			mem_free(service);
			calls++;
		}
	}
	return calls;
}

size_t anvil_table_size(anvil_table_t *t, int64_t now)
{
	anvil_table_expire(t, now);
	return t->count;
}
