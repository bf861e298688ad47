/* pickup.c - the maildrop service: messages sendmail kept while tern was
 * not running go into the queue.
 *
 * One resident process (master.conf maxproc 1; max_idle and max_use are 0
 * for it, whatever main.conf says for other daemons).  It makes a round
 * over $queue_directory/maildrop when it starts, every pickup_interval,
 * and when asked over its socket private/pickup (lib/maildrop.h:
 * request=wakeup, sent by `mailctl queue flush`); pickup_scan.c does the
 * work, at most PICKUP_BATCH entries per turn of the event loop, so
 * signals and wake-ups are served between.  A wake-up during a round
 * asks for another one right after it, since the round may have passed
 * the new file by.
 *
 * Each message goes to the queue through smtpd's submit service
 * (pickup_submit.c), like any local submission, with the file owner's uid
 * named by XUID: Received, Date, Message-ID and the queue file are
 * smtpd's, in one place for every way in.
 *
 * SECURITY: runs as mail_owner with no capabilities.  The maildrop files
 * are written by local users through terndrop: untrusted input, parsed
 * strictly (lib/maildrop.c) and opened without following links, never
 * blocking; a file that is not what terndrop writes is logged and
 * removed.  The submitter is the file's owner as the kernel reports it.
 * private/pickup takes mail_owner and root only (daemon_spec_t
 * peer_users); a request can only cause a scan.
 */
#include <string.h>

#include "attr.h"
#include "config.h"
#include "daemon.h"
#include "event.h"
#include "log.h"
#include "mem.h"
#include "pickup.h"
#include "stream.h"
#include "submit.h"

struct pickup_conf pickup_conf;

static event_timer_id pickup_timer;
static int pickup_again;	/* a wake-up came during the round */

static void pickup_run(void *ctx)
{
	int more;

	(void) ctx;
	pickup_timer = 0;
	if (daemon_stopping())
		return;
	more = pickup_scan();
	if (!more && pickup_again) {
		pickup_again = 0;
		more = 1;
	}
	if (!daemon_stopping())
		pickup_timer = event_add_timer(more ? 0 : pickup_conf.interval *
					       1000, pickup_run, NULL);
}

static void pickup_wakeup(void)
{
	if (pickup_scan_busy())
		pickup_again = 1;
	if (pickup_timer != 0)
		event_cancel_timer(pickup_timer);
	pickup_timer = event_add_timer(0, pickup_run, NULL);
}

/* private/pickup: one short request from a trusted peer (mail_owner or
 * root), read within ipc_timeout. */
static void pickup_accept(const daemon_client_t *client)
{
	stream_t *s = stream_open(client->fd);
	attr_t *req = attr_new(), *reply = attr_new();
	const char *what;

	stream_set_timeout(s, pickup_conf.ipc_timeout);
	if (attr_hello_check(s, PICKUP_PROTO, PICKUP_VERSION) != ATTR_OK ||
	    attr_read(s, req) != ATTR_OK) {
		log_warn("private/pickup: bad hello or request; disconnecting");
	} else {
		what = attr_get(req, "request");
		if (what != NULL && strcmp(what, "wakeup") == 0) {
			attr_add(reply, "status", "ok");
			pickup_wakeup();
		} else {
			log_warn("private/pickup: unknown request \"%s\"",
				 what ? what : "");
			attr_add(reply, "status", "error");
			attr_add(reply, "reason", "unknown request");
		}
		attr_write(s, reply);
	}
	attr_free(&req);
	attr_free(&reply);
	stream_close(&s);
	daemon_client_done();
}

/* Paths as this process sees them (a chroot makes the queue "/"). */
static char *pickup_path(const char *sub)
{
	if (daemon_chrooted())
		return mem_printf("/%s", sub);
	return mem_printf("%s/%s", config_str("queue_directory"), sub);
}

/* Bounds (pickup_interval at least 1s, ipc_timeout at most 1h) are the
 * table's (params.c). */
static void pickup_post_drop(void)
{
	pickup_conf.maildrop = pickup_path(MAILDROP_DIR);
	pickup_conf.submit = pickup_path(SUBMIT_SOCKET);
	pickup_conf.myhostname = mem_strdup(config_str("myhostname"));
	pickup_conf.interval = config_time("pickup_interval");
	pickup_conf.retry_lifetime = config_time("pickup_retry_lifetime");
	pickup_conf.ipc_timeout = (int) config_time("ipc_timeout");
	/* What waited while tern was stopped goes first. */
	pickup_timer = event_add_timer(0, pickup_run, NULL);
}

int main(int argc, char **argv)
{
	static const char *const peers[] = { "mail_owner", NULL };
	static const daemon_spec_t spec = {
		.program = "pickup",
		.mode = DAEMON_MULTI,
		.user_param = "mail_owner",
		.peer_users = peers,
		.post_drop = pickup_post_drop,
		.accept_client = pickup_accept,
		.resident = 1,
	};

	daemon_main(argc, argv, &spec);
}
