/* login_record.c - encoding and checking the hand-off record; see
 * login_record.h.
 *
 * SECURITY: the record comes from the unprivileged login process, which
 * parses network input, so the session treats it as untrusted: every field
 * is length-checked and must occur once, and nothing in it says who the
 * user is (only auth's redeem of the token does, in login.c).
 */
#include <string.h>

#include "login_record.h"

void login_record_encode(const login_record_t *r, attr_t *rec)
{
	attr_add(rec, "proto", LOGIN_PROTO);
	attr_add_long(rec, "version", LOGIN_VERSION);
	attr_add(rec, "token", r->token);
	attr_add(rec, "service", r->service);
	attr_add(rec, "client", r->client);
	attr_add_long(rec, "port", r->port);
	attr_add(rec, "secured", r->secured ? "yes" : "no");
	if (r->anvil)
		attr_add(rec, "anvil", "yes");
	if (r->tls_version != NULL) {
		attr_add(rec, "tls_version", r->tls_version);
		attr_add(rec, "tls_cipher", r->tls_cipher);
	}
	if (r->input_len > 0)
		attr_add_n(rec, "input", r->input, r->input_len);
	if (r->greeting_tag != NULL) {
		attr_add(rec, "greeting_tag", r->greeting_tag);
		if (r->capabilities != NULL)
			attr_add(rec, "capabilities", r->capabilities);
	}
}

/* RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">; ASTRING-CHAR is a
 * CHAR (1-127) but no control, space, "(", ")", "{", "%", "*", <"> or
 * "\\", and "]" is allowed. */
static int login_record_tag_ok(const char *tag)
{
	for (const char *p = tag; *p; p++)
		if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f ||
		    strchr("(){%*\"\\+", *p) != NULL)
			return 0;
	return *tag != '\0';
}

/* Words of printable ASCII (no controls, no space inside) separated by
 * single spaces, at most LOGIN_CAPABILITIES_MAX octets. */
static int login_record_caps_ok(const char *caps, size_t len)
{
	if (len == 0 || len > LOGIN_CAPABILITIES_MAX || caps[0] == ' ' ||
	    caps[len - 1] == ' ' || strstr(caps, "  ") != NULL)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) caps[i] < 0x20 || (unsigned char) caps[i] >= 0x7f)
			return 0;
	return 1;
}

/* A short printable field of the record: present once, no NUL or control
 * characters, at most LOGIN_FIELD_MAX.  NULL otherwise. */
static const char *login_record_field(const attr_t *a, const char *name)
{
	const char *v = attr_get(a, name);
	size_t len;

	if (v == NULL || attr_count_of(a, name) != 1)
		return NULL;
	len = strlen(v);
	if (len == 0 || len > LOGIN_FIELD_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f)
			return NULL;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->names[i], name) == 0 && a->values_len[i] != len)
			return NULL;
	return v;
}

int login_record_parse(const attr_t *rec, login_record_t *r, const char **err_r)
{
	const char *v, *secured, *anvil;
	int ok;

	memset(r, 0, sizeof(*r));
	if ((v = attr_get(rec, "proto")) == NULL || strcmp(v, LOGIN_PROTO) != 0 ||
	    attr_get_long(rec, "version", &ok) != LOGIN_VERSION || !ok) {
		*err_r = "hand-off record of the wrong protocol or version";
		return -1;
	}
	r->token = login_record_field(rec, "token");
	r->service = login_record_field(rec, "service");
	r->client = login_record_field(rec, "client");
	secured = login_record_field(rec, "secured");
	r->port = attr_get_long(rec, "port", &ok);
	if (r->token == NULL || r->service == NULL || r->client == NULL ||
	    secured == NULL || !ok || r->port < 0 || r->port > 65535 ||
	    (strcmp(secured, "yes") != 0 && strcmp(secured, "no") != 0)) {
		*err_r = "malformed hand-off record";
		return -1;
	}
	r->secured = strcmp(secured, "yes") == 0;
	if (attr_get(rec, "anvil") != NULL) {
		if ((anvil = login_record_field(rec, "anvil")) == NULL ||
		    strcmp(anvil, "yes") != 0) {
			*err_r = "malformed anvil flag in the hand-off record";
			return -1;
		}
		r->anvil = 1;
	}
	if (attr_get(rec, "tls_version") != NULL &&
	    ((r->tls_version = login_record_field(rec, "tls_version")) == NULL ||
	     (r->tls_cipher = login_record_field(rec, "tls_cipher")) == NULL)) {
		*err_r = "malformed TLS facts in the hand-off record";
		return -1;
	}
	if (attr_count_of(rec, "input") > 1) {
		*err_r = "malformed pipelined input in the hand-off record";
		return -1;
	}
	for (size_t i = 0; i < rec->count; i++) {
		if (strcmp(rec->names[i], "input") == 0) {
			r->input = rec->values[i];
			r->input_len = rec->values_len[i];
		}
	}
	if (r->input_len > LOGIN_INPUT_MAX) {
		*err_r = "malformed pipelined input in the hand-off record";
		return -1;
	}
	if (attr_get(rec, "greeting_tag") != NULL &&
	    ((r->greeting_tag = login_record_field(rec, "greeting_tag")) == NULL ||
	     !login_record_tag_ok(r->greeting_tag))) {
		*err_r = "malformed greeting tag in the hand-off record";
		return -1;
	}
	if (attr_get(rec, "capabilities") != NULL) {
		size_t at = rec->count;

		for (size_t i = 0; i < rec->count; i++)
			if (strcmp(rec->names[i], "capabilities") == 0)
				at = i;
		if (r->greeting_tag == NULL ||
		    attr_count_of(rec, "capabilities") != 1 ||
		    rec->values_len[at] != strlen(rec->values[at]) ||
		    !login_record_caps_ok(rec->values[at], rec->values_len[at])) {
			*err_r = "malformed capabilities in the hand-off record";
			return -1;
		}
		r->capabilities = rec->values[at];
	}
	return 0;
}
