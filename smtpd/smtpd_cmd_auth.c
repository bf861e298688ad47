/* smtpd_cmd_auth.c - AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN
 * mechanisms, verified by the auth service.
 *
 * AUTH is allowed after EHLO, outside a mail transaction, once per
 * session (§4: 503 otherwise).  Both mechanisms send the password in the
 * clear, so outside TLS they are refused with 538 5.7.11 unless
 * auth_plaintext allows it on this connection (loopback clients count as
 * secure by default, architecture §7); EHLO does not offer what would be
 * refused.  A response line of "*" cancels (501 5.7.0), undecodable
 * base64 is 501 5.5.2, a response longer than 12288 octets 500 5.5.6
 * (§4).  The verdict is auth's (which also slows down repeated failures):
 * 235 2.7.0, 535 5.7.8, or 454 4.7.0 when auth is unreachable (§6).
 *
 * SECURITY: passwords are only decoded into buffers that are wiped after
 * use, and never logged; auth alone reads the password database.
 */
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "log.h"
#include "sasl.h"
#include "smtpd.h"

#define SMTPD_AUTH_LINE_MAX	(12288 + 2)	/* RFC 4954 §4, with CRLF */

/* A SASL response: the initial one, or a line read after a 334
 * challenge.  0 with the decoded response, -1 when the exchange ended
 * (a reply was sent or the session is over). */
static int smtpd_auth_response(smtpd_session_t *sess, const char *initial,
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
		smtpd_reply(sess, "334 %s", challenge);
		status = smtpd_read_line(sess, &line, SMTPD_AUTH_LINE_MAX);
		if (status == STREAM_TOOLONG) {
			smtpd_reply(sess, "500 5.5.6 Authentication exchange line "
				    "is too long");
			goto out;
		}
		if (status != STREAM_OK) {
			smtpd_session_abort(sess, status);
			goto out;
		}
		stream_wipe_consumed(sess->s);
		buf_chomp(&line);
		p = line.data;
		len = line.len;
		if (len == 1 && p[0] == '*') {
			smtpd_reply(sess, "501 5.7.0 Authentication aborted");
			goto out;
		}
	}
	if (base64_decode(p, len, out) < 0) {
		smtpd_reply(sess, "501 5.5.2 Error: cannot decode response");
		goto out;
	}
	r = 0;
out:
	buf_release(&line);
	return r;
}

/* PLAIN: [authzid] NUL authcid NUL passwd (RFC 4616 §2). */
static int smtpd_auth_plain(smtpd_session_t *sess, const char *initial,
			    buf_t *authzid, buf_t *user, buf_t *pass)
{
	buf_t msg = BUF_INIT_SECRET;
	sasl_plain_t p;
	int r = -1;

	if (smtpd_auth_response(sess, initial, "", &msg) < 0)
		goto out;
	if (sasl_plain_parse(msg.data ? msg.data : "", msg.len, &p) < 0) {
		smtpd_reply(sess, "501 5.5.2 Error: malformed PLAIN response");
		goto out;
	}
	buf_append(authzid, p.authzid, p.authzid_len);
	buf_append(user, p.authcid, p.authcid_len);
	buf_append(pass, p.passwd, p.passwd_len);
	r = 0;
out:
	buf_release(&msg);
	return r;
}

/* One LOGIN field: text without NUL, at most SASL_FIELD_MAX. */
static int smtpd_auth_login_field(smtpd_session_t *sess, const char *initial,
				  const char *challenge, buf_t *out)
{
	if (smtpd_auth_response(sess, initial, challenge, out) < 0)
		return -1;
	if (sasl_login_field_check(out->data, out->len) < 0) {
		smtpd_reply(sess, "501 5.5.2 Error: malformed LOGIN response");
		return -1;
	}
	return 0;
}

/* LOGIN: "Username:" and "Password:" challenges (base64 below); an
 * initial response is taken as the user name. */
static int smtpd_auth_login(smtpd_session_t *sess, const char *initial,
			    buf_t *user, buf_t *pass)
{
	if (smtpd_auth_login_field(sess, initial, "VXNlcm5hbWU6", user) < 0)
		return -1;
	return smtpd_auth_login_field(sess, NULL, "UGFzc3dvcmQ6", pass);
}

static int smtpd_auth_refused(smtpd_session_t *sess, const char *mech)
{
	if (!smtpd_conf.sasl_enable || sess->local)
		smtpd_reply(sess, "503 5.5.1 Error: authentication not enabled");
	else if (!sess->esmtp)
		smtpd_reply(sess, "503 5.5.1 Error: send EHLO first");
	else if (sess->auth_user.len > 0)
		smtpd_reply(sess, "503 5.5.1 Error: already authenticated");
	else if (mech[0] == '\0')
		smtpd_reply(sess, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
	else if (strcasecmp(mech, "PLAIN") != 0 && strcasecmp(mech, "LOGIN") != 0)
		smtpd_reply(sess, "504 5.5.4 Unrecognized authentication type");
	else if (!smtpd_plaintext_ok(sess))
		smtpd_reply(sess, "538 5.7.11 Encryption required for requested "
			    "authentication mechanism");
	else
		return 0;
	return 1;
}

void smtpd_cmd_auth(smtpd_session_t *sess)
{
	buf_t mech = BUF_INIT, authzid = BUF_INIT, user = BUF_INIT;
	buf_t pass = BUF_INIT_SECRET, canon = BUF_INIT, reason = BUF_INIT;
	const char *args = buf_str(&sess->cmd.args);
	const char *sp = strchr(args, ' ');
	const char *initial = NULL;
	int r;

	buf_append(&mech, args, sp ? (size_t) (sp - args) : strlen(args));
	if (sp != NULL) {
		initial = sp + 1;
		while (*initial == ' ')
			initial++;
	}
	for (size_t i = 0; i < mech.len; i++)
		if (mech.data[i] >= 'a' && mech.data[i] <= 'z')
			mech.data[i] = (char) (mech.data[i] - 'a' + 'A');
	if (smtpd_auth_refused(sess, buf_str(&mech)))
		goto out;
	if (strcmp(mech.data, "PLAIN") == 0)
		r = smtpd_auth_plain(sess, initial, &authzid, &user, &pass);
	else
		r = smtpd_auth_login(sess, initial, &user, &pass);
	if (r < 0)
		goto out;
	r = auth_client_verify(smtpd_conf.auth, mech.data, buf_str(&user),
			       buf_str(&pass), buf_str(&authzid), sess->addr,
			       sess->service, &canon, &reason);
	if (r == AUTH_OK) {
		buf_set(&sess->auth_user, buf_str(&canon));
		log_info("client=%s, sasl_method=%s, sasl_username=%s",
			 buf_str(&sess->client), mech.data, buf_str(&canon));
		smtpd_reply(sess, "235 2.7.0 Authentication successful");
	} else if (r == AUTH_FAIL) {
		log_warn("%s: SASL %s authentication failed: %s",
			 buf_str(&sess->client), mech.data, buf_str(&reason));
		smtpd_reply(sess, "535 5.7.8 Error: authentication credentials invalid");
	} else {
		log_warn("%s: SASL %s authentication not possible: %s",
			 buf_str(&sess->client), mech.data, buf_str(&reason));
		smtpd_reply(sess, "454 4.7.0 Temporary authentication failure");
	}
out:
	/* The command line (AUTH PLAIN <response>) held the password too. */
	buf_wipe(&sess->line);
	buf_wipe(&sess->cmd.args);
	stream_wipe_consumed(sess->s);
	buf_release(&pass);
	buf_release(&mech);
	buf_release(&authzid);
	buf_release(&user);
	buf_release(&canon);
	buf_release(&reason);
}
