/* dkim_sign.c - the dkim-sign service: main, the daemon spec and the
 * connection loop (dkim-sign(8), lib/dkim_proto.h).
 *
 * smtpd computes what a DKIM signature covers while it receives a message
 * (lib/dkim_msg.h) and sends it here at the end of DATA; this service
 * holds the private keys and returns the DKIM-Signature fields, which
 * smtpd records in the queue file before it commits.  So the keys never
 * enter a process that talks to the network.
 *
 * DAEMON_SINGLE: one connection at a time, a request takes a millisecond
 * or two of CPU, and master starts more processes when smtpd processes
 * ask at once.  smtpd closes its connection after each message, so a
 * process is never held by an idle SMTP session.  The keys are read once
 * per process (dkim_sign_keys.c); a reload starts new processes.
 *
 * SECURITY: runs as dkim_owner with no capabilities, the only user that
 * may read dkim_key_directory; only mail_owner (smtpd) may connect.  The
 * requests carry network data: dkim_sign_request.c checks every field.
 */
#include <string.h>

#include "attr.h"
#include "config.h"
#include "daemon.h"
#include "dkim_proto.h"
#include "dkim_sign.h"
#include "event_wait.h"
#include "log.h"
#include "stream.h"

static int dkim_sign_ipc_timeout;

static void dkim_sign_post_drop(void)
{
	dkim_sign_ipc_timeout = (int) config_time("ipc_timeout");
	dkim_sign_keys_load(config_str("dkim_key_directory"));
}

/* The next request on a kept connection: 1 when one is there. */
static int dkim_sign_wait(stream_t *s)
{
	event_wait_t w = EVENT_WAIT_INIT;

	w.stream = s;
	w.stop_fd = daemon_retire_fd();
	w.timeout_ms = dkim_sign_ipc_timeout * 1000L;
	return daemon_wait(&w) == EVENT_WAKE_INPUT;
}

static void dkim_sign_serve(daemon_client_t *client)
{
	stream_t *s = stream_open(client->fd);
	attr_t *req = attr_new(), *reply = attr_new();

	stream_set_timeout(s, dkim_sign_ipc_timeout);
	if (attr_hello_write(s, DKIM_PROTO, DKIM_VERSION) != ATTR_OK ||
	    attr_hello_check(s, DKIM_PROTO, DKIM_VERSION) != ATTR_OK) {
		log_warn("bad or missing hello from a client; disconnecting");
		goto out;
	}
	for (;;) {
		attr_clear(req);
		attr_clear(reply);
		if (attr_read(s, req) != ATTR_OK)
			break;	/* the client is done, or out of step */
		dkim_sign_request(req, reply);
		if (attr_write(s, reply) != ATTR_OK || !dkim_sign_wait(s))
			break;
	}
out:
	attr_free(&req);
	attr_free(&reply);
	stream_release_fd(&s);
}

/* smtpd; root (mailctl) and dkim_owner itself always may. */
static const char *const dkim_sign_peers[] = { "mail_owner", NULL };

static const daemon_spec_t dkim_sign_spec = {
	.program = "dkim-sign",
	.mode = DAEMON_SINGLE,
	.user_param = "dkim_owner",
	.post_drop = dkim_sign_post_drop,
	.serve = dkim_sign_serve,
	.peer_users = dkim_sign_peers,
};

int main(int argc, char **argv)
{
	daemon_main(argc, argv, &dkim_sign_spec);
}
