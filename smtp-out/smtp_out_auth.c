/* smtp_out_auth.c - AUTH to a relay host (RFC 4954), with the credentials
 * of smtp_sasl_password_maps.
 *
 * The map (managed by `mailctl relay-auth`, readable by mail_owner only)
 * is looked up with the session's destination as qmgr names it
 * ("[relay.example.com]:587"), then with the bare host name; its value
 * is "user:password".  A destination without credentials gets no AUTH.
 *
 * Mechanisms: PLAIN with an initial response (RFC 4954 §4, RFC 4616),
 * else LOGIN.  Both send the password as it is, so they are used only
 * over TLS or to a loopback address; otherwise the mail is deferred
 * rather than the password shown to the network (4.7.0).  A server that
 * offers no AUTH gets the mail without it (it may relay for this host).
 * A refused AUTH defers too: wrong credentials are an administrator's
 * problem to fix, not a reason to bounce the mail.
 */
#include <stdio.h>
#include <string.h>

#include "alias_db.h"
#include "base64.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "smtp_out.h"
#include "sock.h"

static alias_db_t *smtp_out_auth_db;

void smtp_out_auth_init(void)
{
	char **files = config_list("smtp_sasl_password_maps");

	if (files[0] != NULL)
		smtp_out_auth_db = alias_db_new(files);
	config_list_free(&files);
}

/* "user:password" for the session into secret; 1 found, 0 not, -1 the
 * map cannot be read. */
static int smtp_out_auth_lookup(const smtp_out_sess_t *s, buf_t *secret)
{
	int r;

	if (smtp_out_auth_db == NULL)
		return 0;
	r = alias_db_lookup(s->dest, secret, smtp_out_auth_db);
	if (r == 0)
		r = alias_db_lookup(s->host, secret, smtp_out_auth_db);
	return r;
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
	buf_t secret = BUF_INIT;
	char *colon;
	int r;

	buf_set_secret(&secret);
	r = smtp_out_auth_lookup(s, &secret);
	if (r <= 0 || !(s->ehlo.ext & SMTP_EXT_AUTH)) {
		buf_release(&secret);
		if (r < 0) {
			*why_r = mem_printf("cannot read smtp_sasl_password_maps "
					    "for %s", s->dest);
			return smtp_out_auth_fail(s, "AUTH", dsn_r, why_r);
		}
		return 0;
	}
	*why_r = NULL;
	colon = strchr(buf_str(&secret), ':');
	if (colon == NULL) {
		*why_r = mem_printf("smtp_sasl_password_maps: the entry for %s "
				    "is not user:password", s->dest);
		r = -1;
	} else if (!s->tls && !sock_addr_is_loopback(s->addr.text)) {
		*why_r = mem_printf("will not send the password for %s to %s "
				    "without TLS", s->dest, s->label);
		r = -1;
	} else {
		*colon = '\0';
		if (s->ehlo.auth & SMTP_AUTH_PLAIN)
			r = smtp_out_auth_plain(s, buf_str(&secret), colon + 1, why_r);
		else if (s->ehlo.auth & SMTP_AUTH_LOGIN)
			r = smtp_out_auth_login(s, buf_str(&secret), colon + 1, why_r);
		else
			*why_r = mem_printf("%s offers neither AUTH PLAIN nor "
					    "LOGIN", s->label);
		if (r == 0 && *why_r == NULL && s->reply.code / 100 != 2)
			r = -1;
		else if (r == 0 && *why_r == NULL)
			log_info("authenticated to %s as %s", s->label,
				 buf_str(&secret));
		else
			r = -1;
	}
	buf_release(&secret);
	return r < 0 ? smtp_out_auth_fail(s, "AUTH", dsn_r, why_r) : 0;
}
