/* smtpd_dkim.c - DKIM signatures for the mail of authenticated clients
 * and local submission (dkim-sign(8), lib/dkim_proto.h).
 *
 * While a message streams into its queue file, smtpd_data.c feeds every
 * content octet (the Received field smtpd writes first is not among them,
 * so it is not signed) to lib/dkim_msg.c, which keeps the header and
 * hashes the relaxed body.  At the end, before the commit, the From
 * field's domain, the relaxed fields and the body hash go to the
 * dkim-sign service, which alone holds the keys; the DKIM-Signature
 * fields it returns are written as "prepend" records right after the
 * content (lib/queue.h), so they are in the file when it is fsynced and
 * committed, and smtp-out sends them before the content on every
 * attempt.  Nothing here ever refuses mail: no key, no service, a slow
 * service (dkim_sign_timeout) or a message it cannot sign is logged and
 * the message is queued unsigned.
 *
 * One connection per message, closed after the answer: a dkim-sign
 * process (DAEMON_SINGLE) is never held by an idle SMTP session.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "attr_client.h"
#include "config.h"
#include "dkim_msg.h"
#include "dkim_proto.h"
#include "log.h"
#include "mem.h"
#include "smtpd.h"

static attr_client_t *smtpd_dkim_client;

void smtpd_dkim_init(void)
{
	char *path = smtpd_queue_path(DKIM_SIGN_SOCKET);

	smtpd_dkim_client = attr_client_new(path, DKIM_PROTO, DKIM_VERSION,
					    (int) config_time("dkim_sign_timeout"));
	mem_free(path);
}

int smtpd_dkim_wanted(const smtpd_session_t *sess)
{
	return sess->auth_user.len > 0 || sess->local;
}

typedef struct smtpd_dkim_fields {
	attr_t *req;
	int too_long;
} smtpd_dkim_fields_t;

static void smtpd_dkim_field(void *arg, const char *canon, size_t len)
{
	smtpd_dkim_fields_t *f = arg;

	if (len > DKIM_MAX_FIELD || memchr(canon, '\0', len) != NULL)
		f->too_long = 1;
	else
		attr_add_n(f->req, "field", canon, len);
}

/* A signature as dkim-sign must return one: a DKIM-Signature field in
 * the stored form, every line but the first a continuation, so that
 * nothing it holds can end the header or add another field. */
static int smtpd_dkim_field_ok(const char *sig)
{
	size_t len = strlen(sig);

	if (len < 16 || len > DKIM_MAX_FIELD ||
	    strncasecmp(sig, "DKIM-Signature:", 15) != 0 || sig[len - 1] != '\n' ||
	    strchr(sig, '\r') != NULL)
		return 0;
	for (const char *nl = strchr(sig, '\n'); nl != sig + len - 1;
	     nl = strchr(nl + 1, '\n'))
		if (nl[1] != ' ' && nl[1] != '\t')
			return 0;
	return 1;
}

/* The request for d, or NULL (logged) when the message cannot be signed. */
static attr_t *smtpd_dkim_request(dkim_msg_t *d, const char *id)
{
	smtpd_dkim_fields_t f = { attr_new(), 0 };
	buf_t bh = BUF_INIT, domain = BUF_INIT;
	size_t n;

	if (dkim_msg_finish(d, &bh) < 0) {
		log_info("%s: not DKIM-signed: header longer than "
			 "header_size_limit", id);
	} else if (dkim_msg_from_domain(d, &domain) < 0) {
		log_info("%s: not DKIM-signed: no single From address with a "
			 "domain name", id);
	} else {
		attr_add(f.req, "request", "sign");
		attr_add(f.req, "id", id);
		attr_add(f.req, "domain", buf_str(&domain));
		attr_add(f.req, "bh", buf_str(&bh));
		n = dkim_msg_fields(d, smtpd_dkim_field, &f);
		if (f.too_long || n > DKIM_MAX_FIELDS)
			log_info("%s: not DKIM-signed: header fields too long "
				 "or too many", id);
		else
			goto out;
	}
	attr_free(&f.req);
out:
	buf_release(&bh);
	buf_release(&domain);
	return f.req;
}

void smtpd_dkim_sign(dkim_msg_t *d, queue_writer_t *w)
{
	const char *id = queue_writer_id(w);
	attr_t *req = smtpd_dkim_request(d, id), *reply;
	buf_t why = BUF_INIT;
	const char *status;
	size_t n;

	if (req == NULL)
		return;
	reply = attr_new();
	if (attr_client_request(smtpd_dkim_client, req, reply, &why) < 0) {
		log_warn("%s: not DKIM-signed: dkim-sign via %s: %s", id,
			 attr_client_path(smtpd_dkim_client), buf_str(&why));
		goto out;
	}
	status = attr_get(reply, "status");
	n = attr_count_of(reply, "signature");
	if (strcmp(status, "nokey") == 0)
		goto out;	/* a domain without a key: nothing to say */
	if (strcmp(status, "ok") != 0 || n == 0) {
		log_warn("%s: not DKIM-signed: dkim-sign: %s%s%s", id, status,
			 attr_get(reply, "reason") ? ": " : "",
			 attr_get(reply, "reason") ? attr_get(reply, "reason") : "");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *sig = attr_get_nth(reply, "signature", i);

		if (!smtpd_dkim_field_ok(sig))
			log_warn("%s: dkim-sign returned a malformed signature; "
				 "not recorded", id);
		else if (queue_writer_prepend(w, sig) < 0)
			log_warn("%s: DKIM signature not recorded: %s", id,
				 strerror(errno));
	}
out:
	attr_client_disconnect(smtpd_dkim_client);
	attr_free(&req);
	attr_free(&reply);
	buf_release(&why);
}
