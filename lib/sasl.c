/* sasl.c - the server side of a SASL exchange: the mechanism table, the
 * state of one exchange, and the PLAIN and LOGIN messages (see sasl.h).
 *
 * SECURITY: every buffer that holds a decoded response is secret
 * (buf_set_secret) and wiped when the exchange is freed; the caller wipes
 * its own copy of the line it fed (it is still base64).
 */
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "mem.h"
#include "sasl.h"

/* One step of a mechanism: response is the decoded client message (NULL
 * when the exchange starts without an initial response). */
typedef int sasl_step_fn(sasl_server_t *x, const buf_t *response,
			 buf_t *challenge_r);

struct sasl_mech {
	const char *name;
	int plaintext;
	sasl_step_fn *step;
};

struct sasl_server {
	const sasl_mech_t *mech;
	int step;			/* steps taken so far */
	int done;
	buf_t authcid, passwd, authzid;	/* secret */
	buf_t decoded;			/* secret */
};

int sasl_plain_parse(const char *msg, size_t len, sasl_plain_t *out)
{
	const char *end = msg + len;
	const char *nul1 = len ? memchr(msg, '\0', len) : NULL;
	const char *nul2 = nul1 ? memchr(nul1 + 1, '\0', (size_t) (end - nul1 - 1)) : NULL;

	if (nul2 == NULL || nul2 == nul1 + 1 || nul2 + 1 == end ||
	    memchr(nul2 + 1, '\0', (size_t) (end - nul2 - 1)) != NULL)
		return -1;
	out->authzid = msg;
	out->authzid_len = (size_t) (nul1 - msg);
	out->authcid = nul1 + 1;
	out->authcid_len = (size_t) (nul2 - nul1 - 1);
	out->passwd = nul2 + 1;
	out->passwd_len = (size_t) (end - nul2 - 1);
	if (out->authzid_len > SASL_FIELD_MAX || out->authcid_len > SASL_FIELD_MAX ||
	    out->passwd_len > SASL_FIELD_MAX)
		return -1;
	return 0;
}

int sasl_login_field_check(const char *field, size_t len)
{
	if (len == 0 || len > SASL_FIELD_MAX || memchr(field, '\0', len) != NULL)
		return -1;
	return 0;
}

/* ---- mechanisms ---------------------------------------------------------- */

/* PLAIN (RFC 4616): one message, after an empty challenge when the command
 * had no initial response. */
static int sasl_plain_step(sasl_server_t *x, const buf_t *response,
			   buf_t *challenge_r)
{
	sasl_plain_t p;

	(void) challenge_r;
	if (response == NULL)
		return SASL_CONTINUE;
	if (sasl_plain_parse(response->data ? response->data : "", response->len,
			     &p) < 0)
		return SASL_MALFORMED;
	buf_append(&x->authzid, p.authzid, p.authzid_len);
	buf_append(&x->authcid, p.authcid, p.authcid_len);
	buf_append(&x->passwd, p.passwd, p.passwd_len);
	return SASL_DONE;
}

/* LOGIN (draft-murchison-sasl-login): "Username:" then "Password:"; an
 * initial response is the user name. */
static int sasl_login_step(sasl_server_t *x, const buf_t *response,
			   buf_t *challenge_r)
{
	buf_t *field;

	if (response == NULL) {
		buf_puts(challenge_r, "VXNlcm5hbWU6");	/* "Username:" */
		return SASL_CONTINUE;
	}
	if (sasl_login_field_check(response->data, response->len) < 0)
		return SASL_MALFORMED;
	field = x->authcid.len == 0 ? &x->authcid : &x->passwd;
	buf_append(field, response->data, response->len);
	if (field == &x->passwd)
		return SASL_DONE;
	buf_puts(challenge_r, "UGFzc3dvcmQ6");		/* "Password:" */
	return SASL_CONTINUE;
}

static const sasl_mech_t sasl_mechs[] = {
	{ "PLAIN", 1, sasl_plain_step },
	{ "LOGIN", 1, sasl_login_step },
};
#define SASL_NMECHS (sizeof(sasl_mechs) / sizeof(sasl_mechs[0]))

const sasl_mech_t *sasl_mech_find(const char *name)
{
	for (size_t i = 0; i < SASL_NMECHS; i++)
		if (strcasecmp(sasl_mechs[i].name, name) == 0)
			return &sasl_mechs[i];
	return NULL;
}

const char *sasl_mech_name(const sasl_mech_t *m)
{
	return m->name;
}

int sasl_mech_plaintext(const sasl_mech_t *m)
{
	return m->plaintext;
}

void sasl_mech_list(buf_t *out, const char *sep, int plaintext_ok)
{
	int first = 1;

	for (size_t i = 0; i < SASL_NMECHS; i++) {
		if (sasl_mechs[i].plaintext && !plaintext_ok)
			continue;
		if (!first)
			buf_puts(out, sep);
		buf_puts(out, sasl_mechs[i].name);
		first = 0;
	}
}

/* ---- the exchange -------------------------------------------------------- */

sasl_server_t *sasl_server_new(const sasl_mech_t *mech)
{
	sasl_server_t *x = MEM_NEW(sasl_server_t);

	x->mech = mech;
	buf_init(&x->authcid);
	buf_init(&x->passwd);
	buf_init(&x->authzid);
	buf_init(&x->decoded);
	buf_set_secret(&x->authcid);
	buf_set_secret(&x->passwd);
	buf_set_secret(&x->authzid);
	buf_set_secret(&x->decoded);
	return x;
}

/* Decode one response and run the mechanism's next step. */
static int sasl_server_step(sasl_server_t *x, const char *b64, size_t len,
			    buf_t *challenge_r)
{
	int r;

	if (x->done)
		return SASL_MALFORMED;
	if (b64 != NULL && base64_decode(b64, len, &x->decoded) < 0) {
		buf_wipe(&x->decoded);
		x->done = 1;
		return SASL_BAD_BASE64;
	}
	x->step++;
	r = x->mech->step(x, b64 != NULL ? &x->decoded : NULL, challenge_r);
	buf_wipe(&x->decoded);
	if (r != SASL_CONTINUE)
		x->done = 1;
	return r;
}

int sasl_server_start(sasl_server_t *x, const char *initial, buf_t *challenge_r)
{
	buf_reset(challenge_r);
	if (initial == NULL)
		return sasl_server_step(x, NULL, 0, challenge_r);
	if (strcmp(initial, "=") == 0)
		initial = "";
	return sasl_server_step(x, initial, strlen(initial), challenge_r);
}

int sasl_server_feed(sasl_server_t *x, const char *line, size_t len,
		     buf_t *challenge_r)
{
	buf_reset(challenge_r);
	/* RFC 4954 §4, RFC 5034 §4, RFC 3501 §6.2.2: "*" cancels. */
	if (len == 1 && line[0] == '*') {
		x->done = 1;
		return SASL_CANCELLED;
	}
	return sasl_server_step(x, line, len, challenge_r);
}

const char *sasl_server_authcid(const sasl_server_t *x)
{
	return buf_str(&x->authcid);
}

const char *sasl_server_passwd(const sasl_server_t *x)
{
	return buf_str(&x->passwd);
}

const char *sasl_server_authzid(const sasl_server_t *x)
{
	return buf_str(&x->authzid);
}

const sasl_mech_t *sasl_server_mech(const sasl_server_t *x)
{
	return x->mech;
}

void sasl_server_free(sasl_server_t **xp)
{
	sasl_server_t *x = *xp;

	if (x == NULL)
		return;
	buf_release(&x->authcid);
	buf_release(&x->passwd);
	buf_release(&x->authzid);
	buf_release(&x->decoded);
	mem_free(x);
	*xp = NULL;
}
