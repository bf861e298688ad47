/* smtp_out_cache.c - a session kept open for the next message.
 *
 * Opening a session costs a TCP handshake, the greeting, EHLO and often
 * a TLS handshake; a busy destination gets many messages in a row.  So
 * after a transaction the session stays open, and the next request for
 * the same destination uses it (qmgr gives such a request to the
 * process whose last request had that destination, qmgr_deliver.c).
 * One session is kept per process, within three limits:
 *   smtp_connection_cache_time_limit   idle time between requests;
 *   smtp_connection_reuse_count_limit  transactions per session;
 *   smtp_connection_reuse_time_limit   the session's age.
 * A kept session that the server closes, or that says anything while
 * idle (a 421 before it closes), is dropped at once (smtp_out.c watches
 * it while waiting for qmgr).
 */
#include <poll.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "log.h"
#include "smtp_out.h"

static smtp_out_sess_t *smtp_out_cached;
static int64_t smtp_out_cached_since;	/* event_now_ms() */

/* Has the server sent anything (or closed) since the last reply? */
static int smtp_out_cache_spoke(const smtp_out_sess_t *s)
{
	struct pollfd p = { .fd = stream_fd(s->s), .events = POLLIN };

	return stream_input_ready(s->s) || poll(&p, 1, 0) != 0;
}

static int smtp_out_cache_usable(const smtp_out_sess_t *s)
{
	if (smtp_out_conf.reuse_count > 0 && s->uses >= smtp_out_conf.reuse_count)
		return 0;
	return time(NULL) - s->born < smtp_out_conf.reuse_time;
}

/* A session that may not be kept, closed once qmgr has its answer. */
static smtp_out_sess_t *smtp_out_spent;

void smtp_out_cache_put(smtp_out_sess_t *s)
{
	smtp_out_cache_drop();
	if (smtp_out_conf.cache_idle <= 0 || !smtp_out_cache_usable(s)) {
		smtp_out_session_close(&smtp_out_spent, 0);
		smtp_out_spent = s;
		return;
	}
	smtp_out_cached = s;
	smtp_out_cached_since = event_now_ms();
}

void smtp_out_cache_settle(void)
{
	smtp_out_session_close(&smtp_out_spent, 1);
}

smtp_out_sess_t *smtp_out_cache_take(const char *dest)
{
	smtp_out_sess_t *s = smtp_out_cached;

	if (s == NULL)
		return NULL;
	if (strcmp(s->dest, dest) != 0 || !smtp_out_cache_usable(s) ||
	    smtp_out_cache_idle_ms() == 0) {
		smtp_out_cache_drop();
		return NULL;
	}
	/* The server may have closed it since smtp_out.c last looked. */
	if (smtp_out_cache_spoke(s)) {
		smtp_out_cache_drop();
		return NULL;
	}
	smtp_out_cached = NULL;
	log_info("reusing the session with %s (%d transactions so far)",
		 s->label, s->uses);
	return s;
}

int smtp_out_cache_fd(void)
{
	return smtp_out_cached ? stream_fd(smtp_out_cached->s) : -1;
}

long smtp_out_cache_idle_ms(void)
{
	int64_t left;

	if (smtp_out_cached == NULL)
		return -1;
	left = smtp_out_cached_since + smtp_out_conf.cache_idle * 1000 - event_now_ms();
	return left > 0 ? (long) left : 0;
}

void smtp_out_cache_drop(void)
{
	smtp_out_sess_t *s = smtp_out_cached;

	if (s == NULL)
		return;
	smtp_out_cached = NULL;
	/* Something arrived while idle: the server is closing or out of
	 * step; no QUIT.  Otherwise QUIT, without waiting for its reply: a
	 * request may be waiting (a server that never answers QUIT must not
	 * hold it up). */
	if (smtp_out_cache_spoke(s))
		s->cut = 1;
	smtp_out_session_close(&s, 0);
}
