/* qmgr.c - the queue manager: start-up, timers and private/qmgr.
 *
 * qmgr is the one resident process that owns the queue (architecture §1, §4).
 * At start it removes abandoned files from tmp/, rebuilds the queue index,
 * continues every message a crash left in active/, and takes what waits in
 * incoming/ and deferred/.  After that it works from wake-ups on
 * private/qmgr (smtpd after each commit, mailctl to flush) and from a
 * timer every queue_run_delay, so a lost wake-up only delays a message.
 *
 * private/qmgr (lib/deliver_proto.h): hello, then requests, each
 * answered with status=ok; a client may keep its connection for more
 * (smtpd does), and one idle for ipc_timeout is closed:
 *     request=wakeup [id=ID]  a new file is in incoming/: ID is taken at
 *                             once (no scan), else incoming/ is scanned
 *     request=flush [domain=D] retry every deferred message now (with
 *                             D: those with a recipient in D)
 *     request=reindex         rebuild index/queue.db from the files
 *
 * On stop, qmgr waits a little for the deliveries it started, so that
 * their results are recorded rather than repeated after the restart.
 *
 * SECURITY: runs as mail_owner with no capabilities, in queue_directory.
 * It trusts the queue files (written by smtpd and itself) and main.conf;
 * requests on private/qmgr (mode 0700, mail_owner's) only cause scans.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "config.h"
#include "daemon.h"
#include "deliver_proto.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "qmgr.h"
#include "stream.h"

/* How long a stopping qmgr waits for the answers of running deliveries. */
#define QMGR_DRAIN_MS 10000

struct qmgr_conf qmgr_conf;

typedef struct qmgr_client {
	stream_t *s;
	attr_t *rec;
	int hello;
	event_timer_id timer;
} qmgr_client_t;

static int qmgr_stop;
static event_timer_id qmgr_wake_timer;

int qmgr_stopping(void)
{
	return qmgr_stop || daemon_stopping();
}

static void qmgr_wake(void *ctx)
{
	(void) ctx;
	qmgr_wake_timer = 0;
	qmgr_scan_resume();
}

void qmgr_wakeup(void)
{
	if (qmgr_wake_timer == 0 && !qmgr_stopping())
		qmgr_wake_timer = event_add_timer(0, qmgr_wake, NULL);
}

/* Queue ids named by wake-ups, taken from a timer: the client has its
 * answer before qmgr reads the file. */
#define QMGR_TAKE_MAX 1024
static char *qmgr_take_ids[QMGR_TAKE_MAX];
static size_t qmgr_take_count;
static event_timer_id qmgr_take_timer;

static void qmgr_take(void *ctx)
{
	(void) ctx;
	qmgr_take_timer = 0;
	for (size_t i = 0; i < qmgr_take_count; i++) {
		if (!qmgr_stopping())
			qmgr_scan_incoming_id(qmgr_take_ids[i]);
		mem_free(qmgr_take_ids[i]);
	}
	qmgr_take_count = 0;
}

static void qmgr_wakeup_id(const char *id)
{
	if (qmgr_take_count == QMGR_TAKE_MAX) {
		qmgr_wakeup();	/* so many: the scan finds them */
		return;
	}
	qmgr_take_ids[qmgr_take_count++] = mem_strdup(id);
	if (qmgr_take_timer == 0)
		qmgr_take_timer = event_add_timer(0, qmgr_take, NULL);
}

static void qmgr_periodic(void *ctx)
{
	(void) ctx;
	if (qmgr_stopping())
		return;
	qmgr_scan_tmp();
	qmgr_scan_incoming();
	qmgr_scan_deferred(0);
	qmgr_index_sync();
	qmgr_dest_sweep();
	event_add_timer(qmgr_conf.run_delay * 1000, qmgr_periodic, NULL);
}

/* ---- private/qmgr ---- */

static void qmgr_client_close(qmgr_client_t *c)
{
	event_del_fd(stream_fd(c->s));
	if (c->timer)
		event_cancel_timer(c->timer);
	stream_close(&c->s);
	attr_free(&c->rec);
	mem_free(c);
	daemon_client_done();
}

static void qmgr_client_timeout(void *ctx)
{
	qmgr_client_t *c = ctx;

	c->timer = 0;
	/* Silence after a hello and requests is a kept connection going idle. */
	if (!c->hello)
		log_warn("private/qmgr: client timed out");
	qmgr_client_close(c);
}

/* One request; the answer's status. */
static const char *qmgr_client_request(const attr_t *rec)
{
	const char *req = attr_get(rec, "request");

	if (req == NULL)
		return NULL;
	if (strcmp(req, "wakeup") == 0) {
		const char *id = attr_get(rec, "id");

		if (id != NULL && queue_id_valid(id))
			qmgr_wakeup_id(id);
		else
			qmgr_wakeup();
	} else if (strcmp(req, "flush") == 0) {
		const char *domain = attr_get(rec, "domain");

		if (domain != NULL && *domain != '\0') {
			char *rcpt = mem_printf("postmaster@%s", domain);
			qmgr_route_t route;

			log_info("flush requested: retrying the mail for %s", domain);
			qmgr_route_find(rcpt, &route);
			if (route.kind == QMGR_ROUTE_DELIVER && route.nexthop)
				qmgr_dest_revive(route.nexthop);
			qmgr_route_free(&route);
			mem_free(rcpt);
			qmgr_scan_deferred_domain(domain);
			return "ok";
		}
		log_info("flush requested: retrying every deferred message");
		qmgr_dest_revive(NULL);
		qmgr_scan_deferred(1);
		qmgr_wakeup();
	} else if (strcmp(req, "reindex") == 0) {
		qmgr_index_rebuild();
	} else {
		return NULL;
	}
	return "ok";
}

static void qmgr_client_readable(int fd, int events, void *ctx)
{
	qmgr_client_t *c = ctx;
	ssize_t got;
	int r;

	(void) fd;
	(void) events;
	got = stream_fill(c->s);
	while ((r = attr_try_read(c->s, c->rec)) == ATTR_OK) {
		const char *status;
		attr_t *reply;

		if (!c->hello) {
			const char *p = attr_get(c->rec, "proto");

			if (p == NULL || strcmp(p, QMGR_PROTO) != 0 ||
			    attr_get_long(c->rec, "version", NULL) != QMGR_VERSION) {
				log_warn("private/qmgr: bad hello; disconnecting");
				qmgr_client_close(c);
				return;
			}
			c->hello = 1;
			continue;
		}
		status = qmgr_client_request(c->rec);
		reply = attr_new();
		if (status != NULL) {
			attr_add(reply, "status", status);
		} else {
			log_warn("private/qmgr: unknown request \"%s\"",
				 attr_get(c->rec, "request") ?
				 attr_get(c->rec, "request") : "");
			attr_add(reply, "status", "error");
			attr_add(reply, "reason", "unknown request");
		}
		r = attr_write(c->s, reply);
		attr_free(&reply);
		if (r != ATTR_OK) {
			qmgr_client_close(c);
			return;
		}
		/* The connection may carry more requests: idle time restarts. */
		event_cancel_timer(c->timer);
		c->timer = event_add_timer(qmgr_conf.ipc_timeout * 1000,
					   qmgr_client_timeout, c);
	}
	if (r != ATTR_AGAIN || got == STREAM_EOF || got == STREAM_ERROR) {
		if (r == ATTR_BAD)
			log_warn("private/qmgr: malformed record; disconnecting");
		qmgr_client_close(c);
	}
}

static void qmgr_accept(const daemon_client_t *client)
{
	qmgr_client_t *c = MEM_NEW(qmgr_client_t);

	c->s = stream_open(client->fd);
	stream_set_timeout(c->s, (int) qmgr_conf.ipc_timeout);
	c->rec = attr_new();
	event_add_fd(client->fd, EVENT_READ, qmgr_client_readable, c);
	c->timer = event_add_timer(qmgr_conf.ipc_timeout * 1000,
				   qmgr_client_timeout, c);
}

/* ---- start and stop ---- */

static void qmgr_drain(void)
{
	int64_t deadline = event_now_ms() + QMGR_DRAIN_MS;

	qmgr_stop = 1;
	while (qmgr_dest_running() > 0 && event_now_ms() < deadline)
		event_run_once(100);
	qmgr_index_close();
}

static void qmgr_read_conf(void)
{
	struct qmgr_conf *c = &qmgr_conf;

	c->mydestination = config_list("mydestination");
	c->myhostname = mem_strdup(config_str("myhostname"));
	c->myorigin = mem_strdup(config_str("myorigin"));
	c->delimiter = mem_strdup(config_str("recipient_delimiter"));
	c->min_backoff = config_time("minimal_backoff_time");
	c->max_backoff = config_time("maximal_backoff_time");
	c->lifetime = config_time("maximal_queue_lifetime");
	c->warn_time = config_time("delay_warning_time");
	c->run_delay = config_time("queue_run_delay");
	c->active_limit = config_int("qmgr_message_active_limit");
	c->delivery_timeout = config_time("qmgr_delivery_timeout");
	c->ipc_timeout = config_time("ipc_timeout");
	c->concurrency = config_int("local_destination_concurrency_limit");
	c->rcpt_limit = config_int("local_destination_recipient_limit");
	c->smtp_concurrency = config_int("smtp_destination_concurrency_limit");
	c->smtp_initial = config_int("smtp_initial_destination_concurrency");
	if (c->smtp_initial > c->smtp_concurrency)
		c->smtp_initial = c->smtp_concurrency;
	c->smtp_rcpt_limit = config_int("smtp_destination_recipient_limit");
	c->smtp_process_limit = config_int("smtp_process_limit");
	c->smtp_rate_delay = config_time("smtp_destination_rate_delay");
	c->smtp_probe_time = config_time("smtp_destination_probe_time");
	c->bounce_size_limit = config_size("bounce_size_limit");
	c->queue_dir = mem_strdup(config_str("queue_directory"));
}

static void qmgr_post_drop(void)
{
	const char *dir = config_str("queue_directory");

	if (chdir(dir) < 0)
		log_fatal("chdir %s: %s", dir, strerror(errno));
	qmgr_read_conf();
	qmgr_aliasdb_init();
	qmgr_route_init();
	atexit(qmgr_drain);
	qmgr_scan_tmp();
	qmgr_index_rebuild();
	qmgr_scan_active();
	qmgr_scan_incoming();
	qmgr_scan_deferred(0);
	event_add_timer(qmgr_conf.run_delay * 1000, qmgr_periodic, NULL);
}

int main(int argc, char **argv)
{
	static const char *const peers[] = { "mail_owner", NULL };
	static const daemon_spec_t spec = {
		.program = "qmgr",
		.mode = DAEMON_MULTI,
		.user_param = "mail_owner",
		.peer_users = peers,
		.post_drop = qmgr_post_drop,
		.accept_client = qmgr_accept,
		.resident = 1,
	};

	daemon_main(argc, argv, &spec);
}
