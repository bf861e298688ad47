/* dkim_sign_request.c - one signing request (lib/dkim_proto.h), checked
 * and answered.
 *
 * The request comes from smtpd, whose input comes from the network, so
 * everything is checked before use: the domain is a host name, bh is the
 * base64 of a SHA-256 hash, every field is in relaxed form (lib/dkim_sig.h
 * refuses others), one of them is the From field and its address
 * is in the domain asked for.  A peer that passes all this can at worst
 * have a message signed for a domain whose From it carries, which is
 * what the service is for; it never sees a key.
 */
#include <string.h>
#include <time.h>

#include "dkim_msg.h"
#include "dkim_proto.h"
#include "dkim_sign.h"
#include "dkim_sig.h"
#include "log.h"
#include "mem.h"
#include "queue.h"

/* bh: 44 base64 characters of 32 octets. */
static int dkim_sign_bh_ok(const char *bh)
{
	size_t n = strlen(bh);

	if (n != 44 || bh[43] != '=' || bh[42] == '=')
		return 0;
	for (size_t i = 0; i < 43; i++) {
		char c = bh[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return 0;
	}
	return 1;
}

/* The From fields among the request's: exactly one, in domain. */
static const char *dkim_sign_from_check(const attr_t *req, const char *domain)
{
	size_t n = attr_count_of(req, "field"), froms = 0;
	buf_t d = BUF_INIT, v = BUF_INIT;
	const char *why = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *f = attr_get_nth(req, "field", i);

		if (strncmp(f, "from:", 5) != 0)
			continue;
		froms++;
		buf_set(&v, f + 5);
		buf_chomp(&v);
		if (dkim_from_domain(buf_str(&v), &d) < 0 ||
		    strcmp(buf_str(&d), domain) != 0)
			why = "the From address is not in the domain";
	}
	if (froms != 1)
		why = "not exactly one From field";
	buf_release(&d);
	buf_release(&v);
	return why;
}

static const char *dkim_sign_check(const attr_t *req, const char **domain_r,
				   const char **bh_r)
{
	const char *id = attr_get(req, "id");
	size_t n = attr_count_of(req, "field");

	*domain_r = attr_get(req, "domain");
	*bh_r = attr_get(req, "bh");
	if (attr_get(req, "request") == NULL ||
	    strcmp(attr_get(req, "request"), "sign") != 0)
		return "unknown request";
	if (id == NULL || !queue_id_valid(id))
		return "missing or bad queue id";
	if (*domain_r == NULL || !dkim_domain_ok(*domain_r))
		return "missing or bad domain";
	for (const char *p = *domain_r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return "domain not in lower case";
	if (*bh_r == NULL || !dkim_sign_bh_ok(*bh_r))
		return "missing or bad body hash";
	if (n == 0 || n > DKIM_MAX_FIELDS)
		return "no fields, or too many";
	for (size_t i = 0; i < n; i++)
		if (strlen(attr_get_nth(req, "field", i)) > DKIM_MAX_FIELD)
			return "a field is too long";
	return dkim_sign_from_check(req, *domain_r);
}

void dkim_sign_request(const attr_t *req, attr_t *reply)
{
	const char *domain, *bh, *err = NULL, *id = attr_get(req, "id");
	const char *why = dkim_sign_check(req, &domain, &bh);
	const dkim_sign_key_t *k;
	size_t nk, nf = attr_count_of(req, "field");
	const char **fields;
	size_t *lens;
	buf_t sig = BUF_INIT;

	if (why != NULL) {
		log_warn("%s: refused a signing request: %s",
			 id && queue_id_valid(id) ? id : "NOQUEUE", why);
		attr_add(reply, "status", "error");
		attr_add(reply, "reason", why);
		return;
	}
	if ((nk = dkim_sign_keys_of(domain, &k)) == 0) {
		attr_add(reply, "status", "nokey");
		return;
	}
	fields = mem_alloc(nf * sizeof(*fields));
	lens = mem_alloc(nf * sizeof(*lens));
	for (size_t i = 0; i < nf; i++) {
		fields[i] = attr_get_nth(req, "field", i);
		lens[i] = strlen(fields[i]);
	}
	attr_add(reply, "status", "ok");
	for (size_t i = 0; i < nk; i++) {
		dkim_sig_input_t in = {
			domain, k[i].selector, time(NULL), bh, fields, lens, nf,
		};

		buf_reset(&sig);
		if (dkim_sig_field(k[i].pkey, &in, &sig, &err) < 0) {
			log_warn("%s: d=%s s=%s: %s", id, domain, k[i].selector, err);
			continue;
		}
		attr_add(reply, "signature", buf_str(&sig));
		log_info("%s: signed d=%s s=%s a=%s", id, domain, k[i].selector,
			 dkim_alg_sig_name(k[i].alg));
	}
	buf_release(&sig);
	mem_free(fields);
	mem_free(lens);
}
