/* maildrop.c - the maildrop file format (see maildrop.h): encoding for
 * sendmail and terndrop, the strict parser pickup and terndrop use, and
 * the file names.
 *
 * SECURITY: maildrop_parse reads what a local user wrote.  It looks at
 * no more than MAILDROP_MAX_HEAD octets, decodes the envelope with limits
 * of its own (attr_decode_limited), and accepts only the two attribute
 * names, each address checked by maildrop_addr_ok with the parser smtpd
 * uses for MAIL and RCPT (lib/addr.c), so that pickup never sends smtpd
 * a path it would refuse as such; anything else is MAILDROP_BAD, never a
 * guess.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "attr.h"
#include "maildrop.h"
#include "mem.h"

/* The longest line is "rcpt=" and an address every octet of which is
 * written as %XX. */
static const attr_limits_t maildrop_limits = {
	.max_line = 5 + 3 * MAILDROP_MAX_ADDR,
	.max_count = MAILDROP_MAX_RCPTS + 1,
	.max_record = MAILDROP_MAX_ENVELOPE,
};

/* Why addr (len octets, no NUL) is no path smtpd would take as the
 * sender or a recipient, or NULL: it is read as smtpd reads "MAIL
 * FROM:<...>" or "RCPT TO:<...>" (lib/smtp_parse.c), and nothing may
 * follow the path. */
static const char *maildrop_path_why(const char *addr, size_t len, int sender)
{
	buf_t path = BUF_INIT, canon = BUF_INIT;
	addr_info_t info;
	const char *end, *why = NULL;

	buf_putc(&path, '<');
	buf_append(&path, addr, len);
	buf_putc(&path, '>');
	if (addr_parse_path(buf_str(&path), ADDR_ALLOW_UTF8 |
			    (sender ? 0 : ADDR_ALLOW_NODOMAIN), &canon, &info,
			    &end, &why) == 0) {
		if (*end != '\0')
			why = "not one SMTP path";
		else if (!sender && info.at == canon.len &&
			 strcasecmp(buf_str(&canon), "postmaster") != 0)
			why = "address has no domain";
	}
	buf_release(&path);
	buf_release(&canon);
	return why;
}

int maildrop_addr_ok(const char *addr, size_t len, int sender,
		     const char **why_r)
{
	const char *why;

	if (len == 0)
		why = sender ? NULL : "empty address";
	else if (len > MAILDROP_MAX_ADDR)
		why = "address too long";
	else if (memchr(addr, '\0', len) != NULL)
		why = "NUL in address";
	else
		why = maildrop_path_why(addr, len, sender);
	if (why_r != NULL)
		*why_r = why;
	return why == NULL;
}

int maildrop_encode(const char *sender, char *const *rcpts, size_t nrcpts,
		    buf_t *out, const char **err_r)
{
	attr_t *a;
	int r;

	if (!maildrop_addr_ok(sender, strlen(sender), 1, NULL)) {
		*err_r = "the sender address is not a valid SMTP path";
		return -1;
	}
	if (nrcpts == 0 || nrcpts > MAILDROP_MAX_RCPTS) {
		*err_r = nrcpts ? "too many recipients" : "no recipients";
		return -1;
	}
	a = attr_new();
	attr_add(a, "sender", sender);
	for (size_t i = 0; i < nrcpts; i++) {
		if (!maildrop_addr_ok(rcpts[i], strlen(rcpts[i]), 0, NULL)) {
			attr_free(&a);
			*err_r = "a recipient address is not a valid SMTP path";
			return -1;
		}
		attr_add(a, "rcpt", rcpts[i]);
	}
	buf_puts(out, MAILDROP_MAGIC);
	r = attr_encode_limited(a, out, &maildrop_limits);
	attr_free(&a);
	if (r != ATTR_OK) {
		*err_r = "the envelope is too large";
		return -1;
	}
	return 0;
}

void maildrop_env_clear(maildrop_env_t *env)
{
	mem_free(env->sender);
	for (size_t i = 0; i < env->nrcpts; i++)
		mem_free(env->rcpts[i]);
	mem_free(env->rcpts);
	memset(env, 0, sizeof(*env));
}

/* The envelope in a, checked and copied into env. */
static int maildrop_env_take(const attr_t *a, maildrop_env_t *env,
			     const char **err_r)
{
	size_t nsender = 0, nrcpt = 0;

	for (size_t i = 0; i < a->count; i++) {
		int is_sender = strcmp(a->names[i], "sender") == 0;

		if (!is_sender && strcmp(a->names[i], "rcpt") != 0) {
			*err_r = "unknown envelope attribute";
			return -1;
		}
		if (!maildrop_addr_ok(a->values[i], a->values_len[i], is_sender,
				      NULL)) {
			*err_r = is_sender ? "bad sender address" :
				"bad recipient address";
			return -1;
		}
		if (is_sender)
			nsender++;
		else
			nrcpt++;
	}
	if (nsender != 1) {
		*err_r = nsender ? "more than one sender" : "no sender";
		return -1;
	}
	if (nrcpt == 0 || nrcpt > MAILDROP_MAX_RCPTS) {
		*err_r = nrcpt ? "too many recipients" : "no recipients";
		return -1;
	}
	env->rcpts = mem_reallocarray(NULL, nrcpt, sizeof(char *));
	for (size_t i = 0; i < a->count; i++) {
		if (a->names[i][0] == 's')
			env->sender = mem_strdup(a->values[i]);
		else
			env->rcpts[env->nrcpts++] = mem_strdup(a->values[i]);
	}
	return 0;
}

int maildrop_parse(const char *data, size_t len, maildrop_env_t *env,
		   size_t *content_off_r, const char **err_r)
{
	const size_t m = MAILDROP_MAGIC_LEN;
	const char *end;
	size_t rec_len;
	attr_t *a;
	int r;

	memset(env, 0, sizeof(*env));
	if (len == 0)
		return MAILDROP_MORE;
	if (memcmp(data, MAILDROP_MAGIC, len < m ? len : m) != 0) {
		*err_r = "not a maildrop file";
		return MAILDROP_BAD;
	}
	if (len < m)
		return MAILDROP_MORE;
	/* The envelope's blank line: an LF right after the magic line's, or
	 * two in a row (values never hold a raw LF). */
	if (len > m && data[m] == '\n') {
		*err_r = "empty envelope";
		return MAILDROP_BAD;
	}
	end = len > m ? memmem(data + m, len - m, "\n\n", 2) : NULL;
	if (end == NULL) {
		if (len - m >= MAILDROP_MAX_ENVELOPE) {
			*err_r = "envelope too large";
			return MAILDROP_BAD;
		}
		return MAILDROP_MORE;
	}
	rec_len = (size_t) (end - (data + m)) + 2;
	if (rec_len > MAILDROP_MAX_ENVELOPE) {
		*err_r = "envelope too large";
		return MAILDROP_BAD;
	}
	a = attr_new();
	r = attr_decode_limited(data + m, rec_len, a, &maildrop_limits);
	if (r != ATTR_OK) {
		*err_r = "malformed envelope";
		attr_free(&a);
		return MAILDROP_BAD;
	}
	r = maildrop_env_take(a, env, err_r);
	attr_free(&a);
	if (r < 0) {
		maildrop_env_clear(env);
		return MAILDROP_BAD;
	}
	*content_off_r = m + rec_len;
	return MAILDROP_OK;
}

int maildrop_name_new(char out[MAILDROP_NAME_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[MAILDROP_NAME_LEN / 2];
	size_t got = 0;

	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t) n;
	}
	for (size_t i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[MAILDROP_NAME_LEN] = '\0';
	return 0;
}

static int maildrop_name_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == MAILDROP_NAME_LEN;
}

enum maildrop_name_kind maildrop_name_kind(const char *name)
{
	const size_t p = sizeof(MAILDROP_TMP_PREFIX) - 1;

	if (maildrop_name_hex(name))
		return MAILDROP_NAME_FINAL;
	if (strncmp(name, MAILDROP_TMP_PREFIX, p) == 0 &&
	    maildrop_name_hex(name + p))
		return MAILDROP_NAME_TMP;
	return MAILDROP_NAME_OTHER;
}
