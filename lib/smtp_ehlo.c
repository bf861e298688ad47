/* smtp_ehlo.c - the EHLO capability parser of smtp_ehlo.h (RFC 5321
 * §4.1.1.1 and the extension RFCs named there).
 *
 * A line is split at blanks into a keyword and its parameters; the
 * keyword is looked up in a table, and only SIZE and AUTH look at their
 * parameters.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "smtp_ehlo.h"

static const struct {
	const char *name;
	unsigned bit;
} smtp_ehlo_keywords[] = {
	{ "SIZE", SMTP_EXT_SIZE },
	{ "PIPELINING", SMTP_EXT_PIPELINING },
	{ "8BITMIME", SMTP_EXT_8BITMIME },
	{ "SMTPUTF8", SMTP_EXT_SMTPUTF8 },
	{ "DSN", SMTP_EXT_DSN },
	{ "CHUNKING", SMTP_EXT_CHUNKING },
	{ "STARTTLS", SMTP_EXT_STARTTLS },
	{ "ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES },
	{ "AUTH", SMTP_EXT_AUTH },
};

static const struct {
	const char *name;
	unsigned bit;
} smtp_ehlo_mechs[] = {
	{ "PLAIN", SMTP_AUTH_PLAIN },
	{ "LOGIN", SMTP_AUTH_LOGIN },
	{ "CRAM-MD5", SMTP_AUTH_CRAM_MD5 },
	{ "SCRAM-SHA-1", SMTP_AUTH_SCRAM_SHA_1 },
	{ "SCRAM-SHA-256", SMTP_AUTH_SCRAM_SHA_256 },
};

#define SMTP_EHLO_COUNT(a) (sizeof(a) / sizeof((a)[0]))

void smtp_ehlo_init(smtp_ehlo_t *e)
{
	memset(e, 0, sizeof(*e));
}

/* The next blank-separated word of s[*pos..len): its start, its length in
 * *n (0 at the end). */
static const char *smtp_ehlo_word(const char *s, size_t len, size_t *pos,
				  size_t *n)
{
	size_t i = *pos, start;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	start = i;
	while (i < len && s[i] != ' ' && s[i] != '\t')
		i++;
	*pos = i;
	*n = i - start;
	return s + start;
}

static int smtp_ehlo_is(const char *w, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(w, name, n) == 0;
}

/* RFC 1870 §4: "SIZE" [SP 1*DIGIT]. */
static void smtp_ehlo_size(smtp_ehlo_t *e, const char *w, size_t n)
{
	unsigned long long v = 0;

	e->size_max = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned) (w[i] - '0');

		if (v > (ULLONG_MAX - d) / 10) {
			v = ULLONG_MAX;
			break;
		}
		v = v * 10 + d;
	}
	e->size_max = v;
}

static void smtp_ehlo_mech(smtp_ehlo_t *e, const char *w, size_t n)
{
	for (size_t i = 0; i < SMTP_EHLO_COUNT(smtp_ehlo_mechs); i++) {
		if (smtp_ehlo_is(w, n, smtp_ehlo_mechs[i].name)) {
			e->auth |= smtp_ehlo_mechs[i].bit;
			return;
		}
	}
	e->auth |= SMTP_AUTH_OTHER;
}

void smtp_ehlo_line(smtp_ehlo_t *e, const char *s, size_t len)
{
	size_t pos = 0, n;
	const char *w = smtp_ehlo_word(s, len, &pos, &n);
	unsigned bit = 0;

	/* The old form: "AUTH=" and the first mechanism in one word. */
	if (n > 5 && strncasecmp(w, "AUTH=", 5) == 0) {
		e->ext |= SMTP_EXT_AUTH;
		smtp_ehlo_mech(e, w + 5, n - 5);
		bit = SMTP_EXT_AUTH;
	} else {
		for (size_t i = 0; i < SMTP_EHLO_COUNT(smtp_ehlo_keywords); i++) {
			if (smtp_ehlo_is(w, n, smtp_ehlo_keywords[i].name)) {
				bit = smtp_ehlo_keywords[i].bit;
				break;
			}
		}
		if (bit == 0)
			return;
		e->ext |= bit;
	}
	if (bit == SMTP_EXT_SIZE) {
		w = smtp_ehlo_word(s, len, &pos, &n);
		smtp_ehlo_size(e, w, n);
	} else if (bit == SMTP_EXT_AUTH) {
		while (w = smtp_ehlo_word(s, len, &pos, &n), n > 0)
			smtp_ehlo_mech(e, w, n);
	}
}

void smtp_ehlo_parse(smtp_ehlo_t *e, const smtp_reply_t *r)
{
	smtp_ehlo_init(e);
	for (size_t i = 1; i < r->nlines; i++) {
		size_t n;
		const char *s = smtp_reply_line(r, i, &n);

		smtp_ehlo_line(e, s, n);
	}
}
