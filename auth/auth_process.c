/* auth_process.c - a failure budget per login process; see auth_process.h.
 *
 * A count per pid, restarted when `window` has passed since the first
 * failure it holds: a fixed window is enough here, since the budget only
 * has to bound a process's rate, not to judge a user.  The table is a
 * small array searched linearly: there are at most as many entries as
 * login processes (max_entries bounds a pid-recycling flood).
 */
#include "auth_process.h"
#include "mem.h"

struct auth_process_entry {
	pid_t pid;
	long count;
	int64_t first_ms;	/* start of the current window */
	int64_t last_ms;	/* for eviction */
};

struct auth_process {
	long limit;
	long window_ms;
	size_t max, n;
	struct auth_process_entry *e;
};

auth_process_t *auth_process_new(long limit, long window_ms, size_t max_entries)
{
	auth_process_t *p = MEM_NEW(auth_process_t);

	p->limit = limit;
	p->window_ms = window_ms;
	p->max = max_entries > 0 ? max_entries : 1;
	p->e = mem_reallocarray(NULL, p->max, sizeof(*p->e));
	return p;
}

void auth_process_free(auth_process_t **pp)
{
	if (*pp == NULL)
		return;
	mem_free((*pp)->e);
	MEM_FREE(*pp);
}

static struct auth_process_entry *auth_process_find(auth_process_t *p, pid_t pid,
						    int64_t now)
{
	for (size_t i = 0; i < p->n; i++) {
		struct auth_process_entry *e = &p->e[i];

		if (e->pid != pid)
			continue;
		if (now - e->first_ms >= p->window_ms) {
			e->count = 0;
			e->first_ms = now;
		}
		return e;
	}
	return NULL;
}

int auth_process_over(auth_process_t *p, pid_t pid, int64_t now)
{
	struct auth_process_entry *e;

	if (p->limit <= 0)
		return 0;
	e = auth_process_find(p, pid, now);
	return e != NULL && e->count >= p->limit;
}

long auth_process_spend(auth_process_t *p, pid_t pid, int64_t now)
{
	struct auth_process_entry *e = auth_process_find(p, pid, now);

	if (e == NULL) {
		if (p->n < p->max) {
			e = &p->e[p->n++];
		} else {
			e = &p->e[0];
			for (size_t i = 1; i < p->n; i++)
				if (p->e[i].last_ms < e->last_ms)
					e = &p->e[i];
		}
		e->pid = pid;
		e->count = 0;
		e->first_ms = now;
	}
	e->last_ms = now;
	return ++e->count;
}
