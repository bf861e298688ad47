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
 * AUTH follows RFC 5034: an initial response is taken when given ("="
 * for an empty one); otherwise the challenge is "+ " and base64; a
 * response of "*" cancels with -ERR.  Continuation lines may be longer
 * than the 255 octets of a command (POP3D_SASL_LINE_MAX).  AUTH without a
 * mechanism lists the mechanisms (as RFC 1734 clients expect).
 *
 * SECURITY: passwords live only in buffers wiped after use; they are
 * never logged.  Whether the credentials are good is auth's decision.
 */
#include <string.h>
#include <strings.h>

#include "attr.h"
#include "base64.h"
#include "log.h"
#include "sasl.h"
#include "pop3d_login.h"

/* A SASL continuation line: PLAIN with three 255-octet fields in base64,
 * with room to spare. */
#define POP3D_SASL_LINE_MAX	2048
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

/* One SASL response: the initial one, or a line after a "+ " challenge.
 * 0 with it decoded, -1 when the exchange ended (reply sent or session
 * over). */
static int pop3d_login_sasl_response(pop3d_login_t *l, const char *initial,
				     const char *challenge, buf_t *out)
{
	buf_t line = BUF_INIT_SECRET;
	const char *p;
	size_t len;
	int status, r = -1;

	if (initial != NULL) {
		p = strcmp(initial, "=") == 0 ? "" : initial;
		len = strlen(p);
	} else {
		stream_printf(l->s, "+ %s\r\n", challenge);
		status = pop3d_read_limited(l->s, &line, POP3D_SASL_LINE_MAX);
		if (status == STREAM_TOOLONG)
			goto out;	/* answered -ERR; AUTH is over */
		if (status != STREAM_OK) {
			pop3d_login_abort(l, status);
			goto out;
		}
		p = buf_str(&line);
		len = line.len;
		if (len == 1 && p[0] == '*') {
			pop3d_err(l->s, NULL, "Authentication cancelled");
			goto out;
		}
	}
	if (base64_decode(p, len, out) < 0) {
		pop3d_err(l->s, NULL, "Invalid base64 in the SASL response");
		goto out;
	}
	r = 0;
out:
	buf_release(&line);
	return r;
}

/* PLAIN: [authzid] NUL authcid NUL passwd (RFC 4616 §2). */
static int pop3d_login_plain(pop3d_login_t *l, const char *initial, attr_t *req)
{
	buf_t msg = BUF_INIT_SECRET;
	sasl_plain_t p;
	int r = -1;

	if (pop3d_login_sasl_response(l, initial, "", &msg) < 0)
		goto out;
	if (sasl_plain_parse(msg.data ? msg.data : "", msg.len, &p) < 0) {
		pop3d_err(l->s, NULL, "Malformed PLAIN response");
		goto out;
	}
	attr_add(req, "mech", "PLAIN");
	attr_add_n(req, "user", p.authcid, p.authcid_len);
	attr_add_n(req, "password", p.passwd, p.passwd_len);
	if (p.authzid_len > 0)
		attr_add_n(req, "authzid", p.authzid, p.authzid_len);
	r = 0;
out:
	buf_release(&msg);
	return r;
}

/* One LOGIN field: text without NUL, 1 to SASL_FIELD_MAX octets. */
static int pop3d_login_login_field(pop3d_login_t *l, const char *initial,
				   const char *challenge, buf_t *out)
{
	if (pop3d_login_sasl_response(l, initial, challenge, out) < 0)
		return -1;
	if (sasl_login_field_check(out->data, out->len) < 0) {
		pop3d_err(l->s, NULL, "Malformed LOGIN response");
		return -1;
	}
	return 0;
}

/* LOGIN: "Username:" and "Password:" challenges; an initial response is
 * the user name. */
static int pop3d_login_login(pop3d_login_t *l, const char *initial, attr_t *req)
{
	buf_t user = BUF_INIT_SECRET, pass = BUF_INIT_SECRET;
	int r = -1;

	if (pop3d_login_login_field(l, initial, "VXNlcm5hbWU6", &user) < 0 ||
	    pop3d_login_login_field(l, NULL, "UGFzc3dvcmQ6", &pass) < 0)
		goto out;
	attr_add(req, "mech", "LOGIN");
	attr_add_n(req, "user", user.data, user.len);
	attr_add_n(req, "password", pass.data, pass.len);
	r = 0;
out:
	buf_release(&user);
	buf_release(&pass);
	return r;
}

void pop3d_login_cmd_auth(pop3d_login_t *l)
{
	const char *mech, *initial;
	attr_t *req;
	int r;

	if (l->cmd.nargs == 0) {
		/* RFC 1734 clients ask for the list this way. */
		pop3d_ok(l->s, "Mechanisms follow");
		if (pop3d_login_plaintext_ok(l))
			stream_puts(l->s, "PLAIN\r\nLOGIN\r\n");
		stream_puts(l->s, ".\r\n");
		return;
	}
	if (l->cmd.nargs > 2) {
		pop3d_err(l->s, NULL, "Syntax: AUTH mechanism [initial-response]");
		return;
	}
	mech = l->cmd.args[0];
	initial = l->cmd.nargs == 2 ? l->cmd.args[1] : NULL;
	if (strcasecmp(mech, "PLAIN") != 0 && strcasecmp(mech, "LOGIN") != 0) {
		pop3d_err(l->s, NULL, "Unsupported authentication mechanism");
		return;
	}
	if (pop3d_login_plaintext_refused(l))
		return;
	req = attr_new();
	if (strcasecmp(mech, "PLAIN") == 0)
		r = pop3d_login_plain(l, initial, req);
	else
		r = pop3d_login_login(l, initial, req);
	if (r == 0)
		pop3d_login_verify(l, req);
	else
		attr_wipe(req);
	attr_free(&req);
}
