/* imapd_login_auth.c - LOGIN (RFC 3501 §6.2.3) and AUTHENTICATE (§6.2.2)
 * with PLAIN (RFC 4616) and LOGIN, and SASL-IR's initial response (RFC
 * 4959).
 *
 * Both carry the password in the clear: outside TLS they are refused with
 * NO [PRIVACYREQUIRED] (RFC 5530) unless auth_plaintext allows them on
 * this connection (a loopback client counts as secure by default,
 * architecture §7); the capabilities then say LOGINDISABLED and list no
 * AUTH= mechanism (imapd_capa.c), so no client is invited to send one.
 *
 * AUTHENTICATE follows lib/sasl.h's exchange, framed here: the initial
 * response, when given, is the command's second argument ("=" for an
 * empty one, RFC 4959 §3); each challenge goes out as "+ " and base64,
 * and the client's answer is a line of its own (state SASL, read by
 * imapd_login_read.c), which "*" makes a cancellation answered BAD
 * (RFC 3501 §6.2.2).  A finished exchange, like LOGIN's two astrings,
 * goes to auth; its verdict is answered in imapd_login_verify.c.
 *
 * SECURITY: passwords live only in buffers wiped after use; they are
 * never logged.  Whether the credentials are good is auth's decision.
 */
#include <string.h>

#include "imapd_login.h"
#include "sasl.h"
#include "secret.h"

static int imapd_login_plaintext_refused(imapd_login_t *l)
{
	if (imapd_login_plaintext_ok(l))
		return 0;
	imapd_status(l->s, buf_str(&l->tag), "NO", "PRIVACYREQUIRED",
		     "Plaintext authentication disallowed on non-secure "
		     "connections%s",
		     imapd_login_starttls_ok(l) ? " (use STARTTLS)" : "");
	return 1;
}

void imapd_login_cmd_login(imapd_login_t *l, const imap_arg_t *args,
			   size_t nargs)
{
	const char *user, *pass;
	size_t ulen = 0, plen = 0;
	attr_t *req;

	if (imapd_login_plaintext_refused(l))
		return;
	user = nargs == 2 ? imap_arg_astring(&args[0], &ulen) : NULL;
	pass = nargs == 2 ? imap_arg_astring(&args[1], &plen) : NULL;
	if (user == NULL || pass == NULL || ulen == 0 || plen == 0 ||
	    ulen > SASL_FIELD_MAX || plen > SASL_FIELD_MAX) {
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "Syntax: LOGIN user password");
		imapd_login_bad(l);
		return;
	}
	req = attr_new();
	attr_add(req, "mech", "PLAIN");
	attr_add(req, "user", user);
	attr_add(req, "password", pass);
	imapd_login_verify(l, req);
	attr_free(&req);
}

/* The exchange is over without credentials: say why. */
static void imapd_login_sasl_end(imapd_login_t *l, int r)
{
	const char *mech = sasl_mech_name(sasl_server_mech(l->sasl));

	switch (r) {
	case SASL_CANCELLED:
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "Authentication cancelled");
		break;
	case SASL_BAD_BASE64:
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "Invalid base64 in the SASL response");
		break;
	default:
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "Malformed %s response", mech);
		break;
	}
	sasl_server_free(&l->sasl);
	imapd_login_set_state(l, IMAPD_LOGIN_COMMAND);
}

/* After a step of the exchange: a challenge, the verify, or the end. */
static void imapd_login_sasl_next(imapd_login_t *l, int r, const buf_t *challenge)
{
	attr_t *req;

	if (r == SASL_CONTINUE) {
		stream_printf(l->s, "+ %s\r\n", buf_str(challenge));
		imapd_login_set_state(l, IMAPD_LOGIN_SASL);
		return;
	}
	if (r != SASL_DONE) {
		imapd_login_sasl_end(l, r);
		return;
	}
	req = attr_new();
	attr_add(req, "mech", sasl_mech_name(sasl_server_mech(l->sasl)));
	attr_add(req, "user", sasl_server_authcid(l->sasl));
	attr_add(req, "password", sasl_server_passwd(l->sasl));
	if (sasl_server_authzid(l->sasl)[0] != '\0')
		attr_add(req, "authzid", sasl_server_authzid(l->sasl));
	sasl_server_free(&l->sasl);
	imapd_login_set_state(l, IMAPD_LOGIN_COMMAND);
	imapd_login_verify(l, req);
	attr_free(&req);
}

void imapd_login_sasl_line(imapd_login_t *l)
{
	buf_t challenge = BUF_INIT;
	int r = sasl_server_feed(l->sasl, buf_str(&l->line), l->line.len,
				 &challenge);

	secret_wipe(l->s, NULL, &l->line, NULL);
	imapd_login_sasl_next(l, r, &challenge);
	buf_release(&challenge);
}

void imapd_login_cmd_authenticate(imapd_login_t *l, const imap_arg_t *args,
				  size_t nargs)
{
	const char *name = nargs >= 1 ? imap_arg_atom(&args[0]) : NULL;
	const char *initial = nargs == 2 ? imap_arg_atom(&args[1]) : NULL;
	const sasl_mech_t *mech;
	buf_t challenge = BUF_INIT;
	int r;

	if (name == NULL || nargs > 2 || (nargs == 2 && initial == NULL)) {
		imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
			     "Syntax: AUTHENTICATE mechanism [initial-response]");
		imapd_login_bad(l);
		return;
	}
	mech = sasl_mech_find(name);
	if (mech == NULL) {
		imapd_status(l->s, buf_str(&l->tag), "NO", NULL,
			     "Unsupported authentication mechanism");
		return;
	}
	if (sasl_mech_plaintext(mech) && imapd_login_plaintext_refused(l))
		return;
	l->sasl = sasl_server_new(mech);
	r = sasl_server_start(l->sasl, initial, &challenge);
	imapd_login_sasl_next(l, r, &challenge);
	buf_release(&challenge);
}
