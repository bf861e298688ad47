/* pickup_state.c - what pickup remembers of the maildrop files it kept:
 * how many recipients are settled, the refusals waiting for the report,
 * since when the message fails (see pickup.h).
 *
 * A table in memory, looked up by the file's name: names are 32 random
 * hex digits, so the first two pick one of 256 lists evenly.  A state is
 * made for every file pickup submits and forgotten when the file is
 * removed; one whose file went away by other means (an administrator) is
 * forgotten after the next complete round that did not see it.  The
 * name's device and inode tell a file from another one under the same
 * name, which terndrop never makes but root could.
 *
 * SECURITY: the table grows with the files local users keep, each entry
 * by at most one refusal of PICKUP_TEXT_MAX octets and an address per
 * recipient (MAILDROP_MAX_RCPTS); the files themselves, each up to
 * message_size_limit, are the larger cost and within queue_minfree.
 */
#include <string.h>

#include "mem.h"
#include "pickup.h"

#define PICKUP_STATE_BUCKETS 256

static pickup_state_t *pickup_states[PICKUP_STATE_BUCKETS];

static pickup_state_t **pickup_state_bucket(const char *name)
{
	unsigned int h = 0;

	for (int i = 0; i < 2 && name[i] != '\0'; i++)
		h = h * 16 + (unsigned int) (name[i] >= 'a' ? name[i] - 'a' + 10 :
					     name[i] - '0');
	return &pickup_states[h % PICKUP_STATE_BUCKETS];
}

/* At most PICKUP_TEXT_MAX octets of text, never cut inside a UTF-8
 * sequence. */
static char *pickup_state_text(const char *text)
{
	size_t n = strlen(text);

	if (n > PICKUP_TEXT_MAX) {
		n = PICKUP_TEXT_MAX;
		while (n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80)
			n--;
	}
	return mem_strndup(text, n);
}

static void pickup_state_clear(pickup_state_t *s)
{
	pickup_state_unrefuse(s, 0);
	mem_free(s->refused);
	s->refused = NULL;
	s->refused_alloc = 0;
	s->settled = 0;
	s->failing_since = 0;
	MEM_FREE(s->problem);
}

pickup_state_t *pickup_state_get(const char *name, const struct stat *st,
				 unsigned long round)
{
	pickup_state_t **b = pickup_state_bucket(name), *s;

	for (s = *b; s != NULL; s = s->link)
		if (strcmp(s->name, name) == 0)
			break;
	if (s == NULL) {
		s = MEM_NEW(pickup_state_t);
		strncpy(s->name, name, MAILDROP_NAME_LEN);
		s->link = *b;
		*b = s;
	} else if (s->dev != st->st_dev || s->ino != st->st_ino) {
		pickup_state_clear(s);
	}
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->round = round;
	return s;
}

void pickup_state_forget(pickup_state_t **sp)
{
	pickup_state_t *s = *sp, **p;

	if (s == NULL)
		return;
	for (p = pickup_state_bucket(s->name); *p != NULL; p = &(*p)->link) {
		if (*p == s) {
			*p = s->link;
			break;
		}
	}
	pickup_state_clear(s);
	MEM_FREE(*sp);
}

void pickup_state_sweep(unsigned long round)
{
	for (size_t i = 0; i < PICKUP_STATE_BUCKETS; i++) {
		pickup_state_t **p = &pickup_states[i];

		while (*p != NULL) {
			pickup_state_t *s = *p;

			if (s->round == round) {
				p = &s->link;
				continue;
			}
			*p = s->link;
			pickup_state_clear(s);
			mem_free(s);
		}
	}
}

void pickup_state_refuse(pickup_state_t *s, const char *rcpt,
			 const char *status, const char *text)
{
	pickup_refusal_t *r;

	if (s->nrefused == s->refused_alloc) {
		s->refused_alloc = s->refused_alloc ? 2 * s->refused_alloc : 8;
		s->refused = mem_reallocarray(s->refused, s->refused_alloc,
					      sizeof(*s->refused));
	}
	r = &s->refused[s->nrefused++];
	r->rcpt = mem_strdup(rcpt);
	r->status = mem_strdup(status);
	r->text = pickup_state_text(text);
}

void pickup_state_unrefuse(pickup_state_t *s, size_t n)
{
	while (s->nrefused > n) {
		pickup_refusal_t *r = &s->refused[--s->nrefused];

		mem_free(r->rcpt);
		mem_free(r->status);
		mem_free(r->text);
	}
}

void pickup_state_settle(pickup_state_t *s, size_t n)
{
	s->settled = n;
	s->failing_since = 0;
}

void pickup_state_problem(pickup_state_t *s, const char *text)
{
	mem_free(s->problem);
	s->problem = pickup_state_text(text);
}
