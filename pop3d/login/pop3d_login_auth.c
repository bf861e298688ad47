/* pop3d_login_auth.c - USER/PASS and APOP (RFC 1939 §7), AUTH (RFC 5034)
 * with PLAIN (RFC 4616) and LOGIN.
 *
 * USER, PASS and both SASL mechanisms carry the password in the clear:
 * outside TLS they are refused with -ERR [AUTH] unless auth_plaintext
 * allows them on this connection (a loopback client counts as secure by
 * default, architecture §7), and CAPA then does not offer them.  APOP sends only
 * an MD5 digest, but of a secret stored in the clear, and the digest can
 * be attacked offline by whoever sees it: it is off by default
 * (pop3d_apop) and, when on, follows the same plaintext rule as USER/PASS.
 *
 * AUTH follows RFC 5034 through lib/sasl.h's exchange, framed here with
 * "+ ": an initial response is taken when given ("=" for an empty one); a
 * response of "*" cancels with -ERR.  The client's continuation lines
 * arrive as events (state SASL, pop3d_login.c), and may be longer than
 * the 255 octets of a command.  AUTH without a mechanism lists the
 * mechanisms (as RFC 1734 clients expect).
 *
 * SECURITY: passwords live only in buffers wiped after use; they are
 * never logged.  Whether the credentials are good is auth's decision.
 */
#include <string.h>
#include <strings.h>

#include "attr.h"
#include "log.h"
#include "pop3d_login.h"
#include "sasl.h"
#include "secret.h"

#define POP3D_APOP_DIGEST	32		/* hex MD5 */

static int pop3d_login_plaintext_refused(pop3d_login_t *l)
{
	if (pop3d_login_plaintext_ok(l))
		return 0;
	pop3d_err(l->s, POP3D_RC_AUTH, "Plaintext authentication disallowed "
		  "on non-secure connections%s",
		  pop3d_login_stls_ok(l) ? " (use STLS)" : "");
	return 1;
}

void pop3d_login_cmd_user(pop3d_login_t *l)
{
	if (pop3d_login_plaintext_refused(l))
		return;
	if (l->cmd.nargs != 1 || strlen(l->cmd.args[0]) > SASL_FIELD_MAX) {
		pop3d_err(l->s, NULL, "Syntax: USER name");
		return;
	}
	buf_set(&l->user, l->cmd.args[0]);
	l->user_pending = 1;
	pop3d_ok(l->s, "Send your password");
}

void pop3d_login_cmd_pass(pop3d_login_t *l)
{
	attr_t *req;

	if (pop3d_login_plaintext_refused(l))
		return;
	if (!l->user_pending || l->user.len == 0) {
		pop3d_err(l->s, NULL, "No user name given: USER first");
		return;
	}
	l->user_pending = 0;
	/* RFC 1939 §7: spaces may be part of the password. */
	if (l->cmd.rest[0] == '\0' || strlen(l->cmd.rest) > SASL_FIELD_MAX) {
		pop3d_err(l->s, NULL, "Syntax: PASS password");
		buf_reset(&l->user);
		return;
	}
	req = attr_new();
	attr_add(req, "mech", "PLAIN");
	attr_add(req, "user", buf_str(&l->user));
	attr_add(req, "password", l->cmd.rest);
	buf_reset(&l->user);
	pop3d_login_verify(l, req);
	attr_free(&req);
}

void pop3d_login_cmd_apop(pop3d_login_t *l)
{
	const char *digest;
	attr_t *req;

	if (l->stamp.len == 0) {
		pop3d_err(l->s, NULL, "APOP not offered");
		return;
	}
	if (pop3d_login_plaintext_refused(l))
		return;
	if (l->cmd.nargs != 2 || strlen(l->cmd.args[0]) > SASL_FIELD_MAX ||
	    strlen(l->cmd.args[1]) != POP3D_APOP_DIGEST ||
	    strspn(l->cmd.args[1], "0123456789abcdefABCDEF") != POP3D_APOP_DIGEST) {
		pop3d_err(l->s, NULL, "Syntax: APOP name digest");
		return;
	}
	digest = l->cmd.args[1];
	req = attr_new();
	attr_add(req, "mech", "APOP");
	attr_add(req, "user", l->cmd.args[0]);
	attr_add(req, "challenge", buf_str(&l->stamp));
	attr_add(req, "digest", digest);
	pop3d_login_verify(l, req);
	attr_free(&req);
}

/* The exchange is over without credentials: say why. */
static void pop3d_login_sasl_end(pop3d_login_t *l, int r)
{
	const char *mech = sasl_mech_name(sasl_server_mech(l->sasl));

	switch (r) {
	case SASL_CANCELLED:
		pop3d_err(l->s, NULL, "Authentication cancelled");
		break;
	case SASL_BAD_BASE64:
		pop3d_err(l->s, NULL, "Invalid base64 in the SASL response");
		break;
	default:
		pop3d_err(l->s, NULL, "Malformed %s response", mech);
		break;
	}
	sasl_server_free(&l->sasl);
	pop3d_login_set_state(l, POP3D_LOGIN_COMMAND);
}

/* After a step of the exchange: a challenge, the verify, or the end. */
static void pop3d_login_sasl_next(pop3d_login_t *l, int r, const buf_t *challenge)
{
	attr_t *req;

	if (r == SASL_CONTINUE) {
		stream_printf(l->s, "+ %s\r\n", buf_str(challenge));
		pop3d_login_set_state(l, POP3D_LOGIN_SASL);
		return;
	}
	if (r != SASL_DONE) {
		pop3d_login_sasl_end(l, r);
		return;
	}
	req = attr_new();
	attr_add(req, "mech", sasl_mech_name(sasl_server_mech(l->sasl)));
	attr_add(req, "user", sasl_server_authcid(l->sasl));
	attr_add(req, "password", sasl_server_passwd(l->sasl));
	if (sasl_server_authzid(l->sasl)[0] != '\0')
		attr_add(req, "authzid", sasl_server_authzid(l->sasl));
	sasl_server_free(&l->sasl);
	pop3d_login_set_state(l, POP3D_LOGIN_COMMAND);
	pop3d_login_verify(l, req);
	attr_free(&req);
}

void pop3d_login_sasl_line(pop3d_login_t *l)
{
	buf_t challenge = BUF_INIT;
	int r = sasl_server_feed(l->sasl, buf_str(&l->line), l->line.len,
				 &challenge);

	secret_wipe(l->s, NULL, &l->line, NULL);
	pop3d_login_sasl_next(l, r, &challenge);
	buf_release(&challenge);
}

void pop3d_login_cmd_auth(pop3d_login_t *l)
{
	const sasl_mech_t *mech;
	buf_t challenge = BUF_INIT;
	int r;

	if (l->cmd.nargs == 0) {
		buf_t list = BUF_INIT;

		/* RFC 1734 clients ask for the list this way. */
		pop3d_ok(l->s, "Mechanisms follow");
		sasl_mech_list(&list, "\r\n", pop3d_login_plaintext_ok(l));
		if (list.len > 0)
			stream_printf(l->s, "%s\r\n", buf_str(&list));
		stream_puts(l->s, ".\r\n");
		buf_release(&list);
		return;
	}
	if (l->cmd.nargs > 2) {
		pop3d_err(l->s, NULL, "Syntax: AUTH mechanism [initial-response]");
		return;
	}
	mech = sasl_mech_find(l->cmd.args[0]);
	if (mech == NULL) {
		pop3d_err(l->s, NULL, "Unsupported authentication mechanism");
		return;
	}
	if (sasl_mech_plaintext(mech) && pop3d_login_plaintext_refused(l))
		return;
	l->sasl = sasl_server_new(mech);
	r = sasl_server_start(l->sasl, l->cmd.nargs == 2 ? l->cmd.args[1] : NULL,
			      &challenge);
	/* An initial response held the password. */
	secret_wipe(l->s, NULL, &l->line, NULL);
	pop3d_login_sasl_next(l, r, &challenge);
	buf_release(&challenge);
}
