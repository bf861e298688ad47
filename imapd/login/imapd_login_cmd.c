/* imapd_login_cmd.c - CAPABILITY, NOOP, LOGOUT, ID and STARTTLS before
 * login (RFC 3501 §6.1, §6.2.1; RFC 2971), and the refusal of the
 * commands of later states.
 *
 * STARTTLS (RFC 3501 §6.2.1): offered when a certificate is loaded and
 * TLS is not yet on.  Once the tagged OK went out, the stream discards
 * whatever the client sent behind the command - plaintext pipelined
 * before the handshake must never count as coming over TLS (the STARTTLS
 * command injection) - and the handshake runs as events within
 * ipc_timeout.  Then the state starts over: the client must ask for the
 * capabilities again (they change: no STARTTLS, and the mechanisms that
 * need TLS), as RFC 3501 §6.2.1 requires of it.  A failed handshake ends
 * the connection.
 *
 * ID (RFC 2971): the client's list is checked (§3.3: string fields of at
 * most 30 octets, values nstrings of at most 1024, at most 30 pairs) but
 * not used; the answer names the server and nothing more, so as not to
 * tell a stranger the version.
 *
 * A command of the authenticated or selected state is answered BAD: it
 * is valid, but not in this state (RFC 3501 §6).
 */
#include <poll.h>

#include "imapd_login.h"
#include "log.h"

/* RFC 2971 §3.3. */
#define IMAPD_ID_PAIRS_MAX	30
#define IMAPD_ID_FIELD_MAX	30
#define IMAPD_ID_VALUE_MAX	1024

static void imapd_login_tls_on_io(int fd, int events, void *ctx)
{
	(void) fd;
	(void) events;
	imapd_login_tls_step(ctx);
}

static void imapd_login_tls_on_timeout(void *ctx)
{
	imapd_login_t *l = ctx;

	l->timer = 0;
	log_info("TLS handshake failed for %s: timeout", buf_str(&l->client));
	imapd_login_free(l);
}

/* Commands that take no argument say so here: 1 when there were some
 * (answered BAD). */
static int imapd_login_extra_args(imapd_login_t *l, const char *name,
				  size_t nargs)
{
	if (nargs == 0)
		return 0;
	imapd_status(l->s, buf_str(&l->tag), "BAD", NULL, "Syntax: %s", name);
	imapd_login_bad(l);
	return 1;
}

void imapd_login_cmd_capability(imapd_login_t *l, const imap_arg_t *args,
				size_t nargs)
{
	buf_t capa = BUF_INIT;

	(void) args;
	if (imapd_login_extra_args(l, "CAPABILITY", nargs))
		return;
	imapd_login_capabilities(l, &capa);
	stream_printf(l->s, "* CAPABILITY %s\r\n", buf_str(&capa));
	imapd_status(l->s, buf_str(&l->tag), "OK", NULL, "CAPABILITY completed");
	buf_release(&capa);
}

void imapd_login_cmd_noop(imapd_login_t *l, const imap_arg_t *args,
			  size_t nargs)
{
	(void) args;
	if (imapd_login_extra_args(l, "NOOP", nargs))
		return;
	imapd_status(l->s, buf_str(&l->tag), "OK", NULL, "NOOP completed");
}

void imapd_login_cmd_logout(imapd_login_t *l, const imap_arg_t *args,
			    size_t nargs)
{
	(void) args;
	if (imapd_login_extra_args(l, "LOGOUT", nargs))
		return;
	/* RFC 3501 §6.1.3: the untagged BYE first. */
	imapd_status(l->s, NULL, "BYE", NULL, "Logging out");
	imapd_status(l->s, buf_str(&l->tag), "OK", NULL, "LOGOUT completed");
	imapd_login_finish(l);
}

/* RFC 2971 §3.3: NIL, or a list of field/value pairs. */
static int imapd_login_id_ok(const imap_arg_t *arg)
{
	const imap_arg_t *items;
	size_t n, len;

	if (arg->type == IMAP_ARG_NIL)
		return 1;
	items = imap_arg_list(arg, &n);
	if (items == NULL || n % 2 != 0 || n / 2 > IMAPD_ID_PAIRS_MAX)
		return 0;
	for (size_t i = 0; i < n; i += 2) {
		if (imap_arg_string(&items[i], 0, &len) == NULL ||
		    len > IMAPD_ID_FIELD_MAX)
			return 0;
		if (items[i + 1].type == IMAP_ARG_NIL)
			continue;
		if (imap_arg_string(&items[i + 1], 0, &len) == NULL ||
		    len > IMAPD_ID_VALUE_MAX)
			return 0;
	}
	return 1;
}

void imapd_login_cmd_id(imapd_login_t *l, const imap_arg_t *args, size_t nargs)
{
	if (nargs != 1 || !imapd_login_id_ok(&args[0])) {
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "Syntax: ID NIL or ID (\"field\" \"value\" ...)");
		imapd_login_bad(l);
		return;
	}
	stream_puts(l->s, "* ID (\"name\" \"tern\")\r\n");
	imapd_status(l->s, buf_str(&l->tag), "OK", NULL, "ID completed");
}

void imapd_login_cmd_starttls(imapd_login_t *l, const imap_arg_t *args,
			      size_t nargs)
{
	(void) args;
	if (imapd_login_extra_args(l, "STARTTLS", nargs))
		return;
	if (imapd_login_conf.tls == NULL) {
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "STARTTLS not available");
		imapd_login_bad(l);
		return;
	}
	if (stream_is_tls(l->s)) {
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "TLS already active");
		imapd_login_bad(l);
		return;
	}
	imapd_status(l->s, buf_str(&l->tag), "OK", NULL,
		     "Begin TLS negotiation now");
	/* The handshake starts once the OK went out (imapd_login.c). */
	l->starttls = 1;
}

void imapd_login_cmd_noauth(imapd_login_t *l, const imap_arg_t *args,
			    size_t nargs)
{
	(void) args;
	(void) nargs;
	imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
		     "%s not valid in this state: log in first", l->last_cmd);
}

void imapd_login_tls_step(imapd_login_t *l)
{
	short wait = 0;
	int st = stream_tls_accept_step(&l->tls, &wait);

	if (st == 1) {
		event_add_fd(stream_fd(l->s), wait == POLLIN ? EVENT_READ :
			     EVENT_WRITE, imapd_login_tls_on_io, l);
		if (!l->timer)
			l->timer = event_add_timer(imapd_conf.ipc_timeout * 1000L,
						   imapd_login_tls_on_timeout, l);
		return;
	}
	if (st != STREAM_OK) {
		log_info("TLS handshake failed for %s: %s", buf_str(&l->client),
			 stream_strerror(l->s));
		imapd_login_free(l);
		return;
	}
	log_info("%s: TLS established: %s with cipher %s", buf_str(&l->client),
		 stream_tls_version(l->s), stream_tls_cipher(l->s));
	/* Nothing said before the handshake carries over. */
	imap_parser_wipe(l->parser);
	l->skip = 0;
	l->literal_on = 0;
	if (!l->greeted)
		imapd_login_greet(l);		/* imaps */
	else
		imapd_login_set_state(l, IMAPD_LOGIN_COMMAND);
	imapd_login_run(l);
}
