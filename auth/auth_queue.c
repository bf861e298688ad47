/* auth_queue.c - verify requests taking turns by client address; see
 * auth_queue.h.
 *
 * A ring of keys, each with a FIFO of items.  The head key's first item
 * goes next; the key then moves to the tail, or leaves the ring when it
 * has nothing more.  Lengths are bounded by auth's connections, so the
 * linear searches (a key on add, an item on remove) stay short.
 */
#include <string.h>

#include "auth_queue.h"
#include "mem.h"

struct auth_queue_item {
	void *item;
	struct auth_queue_item *next;
};

struct auth_queue_key {
	char *key;
	struct auth_queue_item *head, *tail;
	struct auth_queue_key *next;
};

struct auth_queue {
	struct auth_queue_key *head, *tail;	/* the ring, head's turn */
	size_t count;
};

auth_queue_t *auth_queue_new(void)
{
	return MEM_NEW(auth_queue_t);
}

static void auth_queue_key_free(struct auth_queue_key *k)
{
	while (k->head != NULL) {
		struct auth_queue_item *i = k->head;

		k->head = i->next;
		mem_free(i);
	}
	mem_free(k->key);
	mem_free(k);
}

void auth_queue_free(auth_queue_t **qp)
{
	auth_queue_t *q = *qp;

	if (q == NULL)
		return;
	while (q->head != NULL) {
		struct auth_queue_key *k = q->head;

		q->head = k->next;
		auth_queue_key_free(k);
	}
	MEM_FREE(*qp);
}

void auth_queue_add(auth_queue_t *q, const char *key, void *item)
{
	struct auth_queue_key *k;
	struct auth_queue_item *i = MEM_NEW(struct auth_queue_item);

	for (k = q->head; k != NULL; k = k->next)
		if (strcmp(k->key, key) == 0)
			break;
	if (k == NULL) {
		/* A new address takes its turn after those already waiting. */
		k = MEM_NEW(struct auth_queue_key);
		k->key = mem_strdup(key);
		if (q->tail != NULL)
			q->tail->next = k;
		else
			q->head = k;
		q->tail = k;
	}
	i->item = item;
	if (k->tail != NULL)
		k->tail->next = i;
	else
		k->head = i;
	k->tail = i;
	q->count++;
}

/* Unlink k (whose predecessor is prev, NULL for the head) from the ring. */
static void auth_queue_unlink(auth_queue_t *q, struct auth_queue_key *prev,
			      struct auth_queue_key *k)
{
	if (prev != NULL)
		prev->next = k->next;
	else
		q->head = k->next;
	if (q->tail == k)
		q->tail = prev;
	k->next = NULL;
}

void *auth_queue_next(auth_queue_t *q)
{
	struct auth_queue_key *k = q->head;
	struct auth_queue_item *i;
	void *item;

	if (k == NULL)
		return NULL;
	i = k->head;
	k->head = i->next;
	if (k->head == NULL)
		k->tail = NULL;
	item = i->item;
	mem_free(i);
	q->count--;
	auth_queue_unlink(q, NULL, k);
	if (k->head == NULL) {
		auth_queue_key_free(k);
	} else {
		/* to the back of the line */
		if (q->tail != NULL)
			q->tail->next = k;
		else
			q->head = k;
		q->tail = k;
	}
	return item;
}

int auth_queue_remove(auth_queue_t *q, void *item)
{
	struct auth_queue_key *prev = NULL;

	for (struct auth_queue_key *k = q->head; k != NULL; prev = k, k = k->next) {
		struct auth_queue_item *ip = NULL;

		for (struct auth_queue_item *i = k->head; i != NULL; ip = i, i = i->next) {
			if (i->item != item)
				continue;
			if (ip != NULL)
				ip->next = i->next;
			else
				k->head = i->next;
			if (k->tail == i)
				k->tail = ip;
			mem_free(i);
			q->count--;
			if (k->head == NULL) {
				auth_queue_unlink(q, prev, k);
				auth_queue_key_free(k);
			}
			return 1;
		}
	}
	return 0;
}

size_t auth_queue_count(const auth_queue_t *q)
{
	return q->count;
}
