/* smtp_out_auth.c - AUTH to a relay host (RFC 4954), with the credentials
 * of smtp_sasl_password_maps.
 *
 * The map (managed by `mailctl relay-auth`, readable by mail_owner only)
 * is looked up by lib/relay_auth.c: the session's destination as qmgr
 * names it ("[relay.example.com]:587"), then the bare host name.  A
 * destination without credentials gets no AUTH.
 *
 * Mechanisms: PLAIN with an initial response (RFC 4954 §4, RFC 4616),
 * else LOGIN.  Both send the password as it is, so they are used only
 * over TLS, or when the destination itself is a loopback address
 * literal ("[127.0.0.1]:10587": a relay on this host, as the
 * administrator wrote it); otherwise the mail is deferred rather than
 * the password shown (4.7.0).  A name that resolves to loopback does not
 * count: DNS is not the administrator, and any local user may listen on
 * a loopback port above 1023.  A server that
 * offers no AUTH gets the mail without it (it may relay for this host).
 * A refused AUTH defers too: wrong credentials are an administrator's
 * problem to fix, not a reason to bounce the mail.
 */
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "config.h"
#include "log.h"
#include "map_list.h"
#include "mem.h"
#include "relay_auth.h"
#include "smtp_out.h"
#include "sock.h"
#include "transport.h"

static map_list_t *smtp_out_auth_maps;

/* As root, before the drop: the files are mail_owner's, mode 0600. */
void smtp_out_auth_init(void)
{
	char *err = NULL;

	smtp_out_auth_maps = relay_auth_from_config(&err);
	if (smtp_out_auth_maps == NULL)
		log_fatal("smtp_sasl_password_maps: %s", err);
	/* smtp-out may chroot: see map_list_fix(). */
	map_list_fix(smtp_out_auth_maps);
}

/* The credentials for the session's destination: 1 found, 0 not, -1
 * the map cannot be read. */
static int smtp_out_auth_lookup(const smtp_out_sess_t *s, char **user_r,
				char **pass_r)
{
	transport_nexthop_t nh;
	const char *why;
	int r;

	if (transport_nexthop_parse(s->dest, &nh, &why) < 0)
		return 0;
	r = relay_auth_lookup(smtp_out_auth_maps, &nh, user_r, pass_r);
	transport_nexthop_free(&nh);
	return r;
}

/* Is the session's destination a bracketed loopback address? */
static int smtp_out_auth_local_dest(const smtp_out_sess_t *s)
{
	transport_nexthop_t nh;
	const char *why;
	int local;

	if (transport_nexthop_parse(s->dest, &nh, &why) < 0)
		return 0;
	local = !nh.mx && sock_addr_is_loopback(nh.host);
	transport_nexthop_free(&nh);
	return local;
}

static void smtp_out_auth_wipe(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		mem_free(*p);
		*p = NULL;
	}
}

static int smtp_out_auth_fail(smtp_out_sess_t *s, const char *what,
			      char *dsn_r, char **why_r)
{
	snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "4.7.0");
	if (*why_r == NULL)
		*why_r = mem_printf("SASL authentication failed: %s",
				    smtp_out_session_text(s, what));
	return -1;
}

/* Send line (a secret) and read the reply: 0 or -1 (*why_r). */
static int smtp_out_auth_send(smtp_out_sess_t *s, const buf_t *line, char **why_r)
{
	stream_set_timeout(s->s, smtp_out_conf.mail_timeout);
	if (stream_write(s->s, line->data, line->len) < 0 ||
	    stream_puts(s->s, "\r\n") < 0 || stream_flush(s->s) < 0) {
		*why_r = mem_printf("lost connection with %s during AUTH", s->label);
		s->cut = 1;
		return -1;
	}
	return smtp_out_session_reply(s, smtp_out_conf.mail_timeout, why_r);
}

static int smtp_out_auth_plain(smtp_out_sess_t *s, const char *user,
			       const char *pass, char **why_r)
{
	buf_t raw = BUF_INIT, line = BUF_INIT;
	int r;

	buf_set_secret(&raw);
	buf_set_secret(&line);
	/* authzid empty, authcid, password (RFC 4616 §2) */
	buf_append(&raw, "", 1);
	buf_append(&raw, user, strlen(user) + 1);
	buf_append(&raw, pass, strlen(pass));
	buf_puts(&line, "AUTH PLAIN ");
	base64_encode(raw.data, raw.len, &line);
	r = smtp_out_auth_send(s, &line, why_r);
	buf_release(&raw);
	buf_release(&line);
	return r;
}

static int smtp_out_auth_login(smtp_out_sess_t *s, const char *user,
			       const char *pass, char **why_r)
{
	buf_t line = BUF_INIT;
	int r;

	buf_set_secret(&line);
	buf_puts(&line, "AUTH LOGIN");
	r = smtp_out_auth_send(s, &line, why_r);
	for (int step = 0; r == 0 && step < 2 && s->reply.code == 334; step++) {
		const char *v = step == 0 ? user : pass;

		buf_reset(&line);
		base64_encode(v, strlen(v), &line);
		r = smtp_out_auth_send(s, &line, why_r);
	}
	buf_release(&line);
	return r;
}

int smtp_out_auth(smtp_out_sess_t *s, char *dsn_r, char **why_r)
{
	char *user = NULL, *pass = NULL;
	int r;

	*why_r = NULL;
	r = smtp_out_auth_lookup(s, &user, &pass);
	if (r < 0) {
		*why_r = mem_printf("cannot read the credentials for %s in "
				    "smtp_sasl_password_maps", s->dest);
		return smtp_out_auth_fail(s, "AUTH", dsn_r, why_r);
	}
	if (r == 0 || !(s->ehlo.ext & SMTP_EXT_AUTH)) {
		smtp_out_auth_wipe(&user);
		smtp_out_auth_wipe(&pass);
		return 0;
	}
	if (!s->tls && !smtp_out_auth_local_dest(s)) {
		*why_r = mem_printf("will not send the password for %s to %s "
				    "without TLS", s->dest, s->label);
		r = -1;
	} else if (s->ehlo.auth & SMTP_AUTH_PLAIN) {
		r = smtp_out_auth_plain(s, user, pass, why_r);
	} else if (s->ehlo.auth & SMTP_AUTH_LOGIN) {
		r = smtp_out_auth_login(s, user, pass, why_r);
	} else {
		*why_r = mem_printf("%s offers neither AUTH PLAIN nor LOGIN",
				    s->label);
		r = -1;
	}
	if (r == 0 && s->reply.code / 100 != 2)
		r = -1;
	if (r == 0)
		log_info("authenticated to %s as %s", s->label, user);
	smtp_out_auth_wipe(&user);
	smtp_out_auth_wipe(&pass);
	return r < 0 ? smtp_out_auth_fail(s, "AUTH", dsn_r, why_r) : 0;
}
