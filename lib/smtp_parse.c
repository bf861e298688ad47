/* smtp_parse.c - SMTP command line parsing; see smtp_parse.h.
 *
 * The grammar is RFC 5321 §4.1.1-§4.1.2 with the usual leniency of real
 * servers: blanks after "FROM:"/"TO:" and runs of blanks between
 * parameters are accepted, TAB counts as a blank.  Everything that
 * reaches a queue file or a header is checked here: no control character
 * survives a parse.
 */
#include <string.h>
#include <strings.h>

#include "smtp_parse.h"
#include "utf8_strict.h"

#define SMTP_SIZE_DIGITS_MAX	20	/* size-value ::= 1*20DIGIT (RFC 1870 §4) */

static int smtp_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char smtp_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
}

static int smtp_is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

void smtp_cmd_init(smtp_cmd_t *c)
{
	buf_init(&c->verb);
	buf_init(&c->args);
}

void smtp_cmd_release(smtp_cmd_t *c)
{
	buf_release(&c->verb);
	buf_release(&c->args);
}

const char *smtp_cmd_parse(const char *line, size_t len, smtp_cmd_t *c)
{
	size_t i = 0, end;

	buf_reset(&c->verb);
	buf_reset(&c->args);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) line[i];

		if ((ch < 32 && ch != '\t') || ch == 127)
			return "500 5.5.2 Error: control character in command";
	}
	i = 0;
	while (i < len && smtp_is_blank(line[i]))
		i++;
	end = len;
	while (end > i && smtp_is_blank(line[end - 1]))
		end--;
	if (i == end)
		return "500 5.5.2 Error: bad syntax";
	for (; i < end && !smtp_is_blank(line[i]); i++) {
		char ch = line[i];

		buf_putc(&c->verb, smtp_upper(ch));
	}
	while (i < end && smtp_is_blank(line[i]))
		i++;
	buf_append(&c->args, line + i, end - i);
	return NULL;
}

int smtp_xtext_decode(const char *s, size_t len, buf_t *out)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_reset(out);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) s[i];
		const char *hi, *lo;

		if (ch == '+') {
			/* hexchar: "+" and two upper-case hex digits (§4);
			 * lower case is accepted, as senders get it wrong. */
			if (len - i < 3)
				return -1;
			hi = memchr(hex, smtp_upper(s[i + 1]), 16);
			lo = memchr(hex, smtp_upper(s[i + 2]), 16);
			if (hi == NULL || lo == NULL)
				return -1;
			buf_putc(out, (int) ((hi - hex) << 4 | (lo - hex)));
			i += 2;
		} else if (ch >= 33 && ch <= 126 && ch != '=') {
			buf_putc(out, ch);
		} else {
			return -1;
		}
	}
	return 0;
}

void smtp_xtext_encode(const char *s, size_t len, buf_t *out)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) s[i];

		if (ch >= 33 && ch <= 126 && ch != '+' && ch != '=') {
			buf_putc(out, ch);
		} else {
			buf_putc(out, '+');
			buf_putc(out, hex[ch >> 4]);
			buf_putc(out, hex[ch & 15]);
		}
	}
}

void smtp_notify_format(int notify, buf_t *out)
{
	static const struct { int bit; const char *name; } names[] = {
		{ SMTP_NOTIFY_NEVER, "NEVER" },
		{ SMTP_NOTIFY_SUCCESS, "SUCCESS" },
		{ SMTP_NOTIFY_FAILURE, "FAILURE" },
		{ SMTP_NOTIFY_DELAY, "DELAY" },
	};

	buf_reset(out);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (notify & names[i].bit) {
			if (out->len)
				buf_putc(out, ',');
			buf_puts(out, names[i].name);
		}
	}
}

/* Printable US-ASCII and space (RFC 3461 §4.2, §4.4). */
static int smtp_printable(const buf_t *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char) b->data[i] < 32 || (unsigned char) b->data[i] > 126)
			return 0;
	return 1;
}

/*
 * Take the next "keyword[=value]" from *pp: keyword into kw (upper case),
 * value into *val_r and *vlen_r (NULL without '=').  0 at the end, 1 with a
 * parameter, -1 for bad syntax (RFC 5321 §4.1.2 esmtp-param).
 */
static int smtp_next_param(const char **pp, buf_t *kw, const char **val_r,
			   size_t *vlen_r)
{
	const char *p = *pp;

	while (smtp_is_blank(*p))
		p++;
	if (*p == '\0')
		return 0;
	buf_reset(kw);
	if (!smtp_is_alnum(*p))
		return -1;
	while (smtp_is_alnum(*p) || *p == '-') {
		buf_putc(kw, smtp_upper(*p));
		p++;
	}
	*val_r = NULL;
	*vlen_r = 0;
	if (*p == '=') {
		const char *v = ++p;

		/* esmtp-value: %d33-60 / %d62-126, UTF-8 allowed (RFC 6531 §3.3) */
		while (*p != '\0' && !smtp_is_blank(*p) && *p != '=')
			p++;
		if (p == v || *p == '=')
			return -1;
		*val_r = v;
		*vlen_r = (size_t) (p - v);
	}
	if (*p != '\0' && !smtp_is_blank(*p))
		return -1;
	*pp = p;
	return 1;
}

static int smtp_value_is(const char *v, size_t len, const char *word)
{
	return v != NULL && strlen(word) == len && strncasecmp(v, word, len) == 0;
}

/* "FROM:" / "TO:" then the path; *pp is left after the path. */
static int smtp_skip_keyword(const char **pp, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(*pp, word, n) != 0)
		return -1;
	*pp += n;
	while (smtp_is_blank(**pp))
		(*pp)++;
	return 0;
}

void smtp_mail_init(smtp_mail_t *m)
{
	memset(m, 0, sizeof(*m));
	buf_init(&m->addr);
	buf_init(&m->envid);
	buf_init(&m->auth);
}

void smtp_mail_release(smtp_mail_t *m)
{
	buf_release(&m->addr);
	buf_release(&m->envid);
	buf_release(&m->auth);
}

static const char *smtp_mail_param(smtp_mail_t *m, const char *kw,
				   const char *v, size_t vlen)
{
	if (strcmp(kw, "SIZE") == 0) {
		if (m->has_size)
			return "501 5.5.4 Error: duplicate SIZE parameter";
		if (v == NULL || vlen > SMTP_SIZE_DIGITS_MAX)
			return "501 5.5.4 Error: bad SIZE parameter";
		m->has_size = 1;
		for (size_t i = 0; i < vlen; i++) {
			unsigned d = (unsigned) (v[i] - '0');

			if (d > 9)
				return "501 5.5.4 Error: bad SIZE parameter";
			m->size = m->size > (~0ULL - d) / 10 ? ~0ULL : m->size * 10 + d;
		}
	} else if (strcmp(kw, "BODY") == 0) {
		if (m->body != SMTP_BODY_NONE)
			return "501 5.5.4 Error: duplicate BODY parameter";
		if (smtp_value_is(v, vlen, "7BIT"))
			m->body = SMTP_BODY_7BIT;
		else if (smtp_value_is(v, vlen, "8BITMIME"))
			m->body = SMTP_BODY_8BITMIME;
		else if (smtp_value_is(v, vlen, "BINARYMIME"))
			return "555 5.5.4 Error: BINARYMIME is not supported";
		else
			return "501 5.5.4 Error: bad BODY parameter";
	} else if (strcmp(kw, "SMTPUTF8") == 0) {
		if (v != NULL)
			return "501 5.5.4 Error: SMTPUTF8 takes no value";
		m->smtputf8 = 1;
	} else if (strcmp(kw, "RET") == 0) {
		/* RFC 3461 §4.5: at most once */
		if (m->ret != SMTP_RET_NONE)
			return "501 5.5.4 Error: duplicate RET parameter";
		if (smtp_value_is(v, vlen, "FULL"))
			m->ret = SMTP_RET_FULL;
		else if (smtp_value_is(v, vlen, "HDRS"))
			m->ret = SMTP_RET_HDRS;
		else
			return "501 5.5.4 Error: bad RET parameter";
	} else if (strcmp(kw, "ENVID") == 0) {
		if (m->has_envid)
			return "501 5.5.4 Error: duplicate ENVID parameter";
		if (v == NULL || smtp_xtext_decode(v, vlen, &m->envid) < 0 ||
		    m->envid.len > SMTP_ENVID_MAX || !smtp_printable(&m->envid))
			return "501 5.5.4 Error: bad ENVID parameter";
		m->has_envid = 1;
	} else if (strcmp(kw, "AUTH") == 0) {
		if (m->has_auth)
			return "501 5.5.4 Error: duplicate AUTH parameter";
		if (v == NULL || smtp_xtext_decode(v, vlen, &m->auth) < 0 ||
		    m->auth.len == 0 || !smtp_printable(&m->auth))
			return "501 5.5.4 Error: bad AUTH parameter";
		m->has_auth = 1;
	} else {
		return "555 5.5.4 Error: unsupported MAIL parameter";
	}
	return NULL;
}

const char *smtp_parse_mail(const char *args, smtp_mail_t *m)
{
	const char *p = args, *err, *v;
	buf_t kw = BUF_INIT;
	size_t vlen;
	int r;

	buf_reset(&m->addr);
	buf_reset(&m->envid);
	buf_reset(&m->auth);
	m->has_size = m->smtputf8 = m->has_envid = m->has_auth = 0;
	m->size = 0;
	m->body = SMTP_BODY_NONE;
	m->ret = SMTP_RET_NONE;
	if (smtp_skip_keyword(&p, "FROM:") < 0)
		return "501 5.5.4 Syntax: MAIL FROM:<address>";
	if (addr_parse_path(p, ADDR_ALLOW_NULL | ADDR_ALLOW_UTF8, &m->addr,
			    &m->info, &p, &err) < 0)
		return "501 5.1.7 Bad sender address syntax";
	if (*p != '\0' && !smtp_is_blank(*p))
		return "501 5.1.7 Bad sender address syntax";
	err = NULL;
	while (err == NULL && (r = smtp_next_param(&p, &kw, &v, &vlen)) != 0) {
		if (r < 0)
			err = "501 5.5.4 Error: bad MAIL parameter syntax";
		else
			err = smtp_mail_param(m, buf_str(&kw), v, vlen);
	}
	buf_release(&kw);
	if (err != NULL)
		return err;
	if (m->info.utf8 && !m->smtputf8)
		return "553 5.6.7 Non-ASCII sender address needs SMTPUTF8";
	return NULL;
}

void smtp_rcpt_init(smtp_rcpt_t *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->addr);
	buf_init(&r->orcpt);
}

void smtp_rcpt_release(smtp_rcpt_t *r)
{
	buf_release(&r->addr);
	buf_release(&r->orcpt);
}

/* NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1). */
static int smtp_parse_notify(const char *v, size_t vlen)
{
	int mask = 0;
	size_t i = 0;

	while (i <= vlen) {
		size_t j = i;
		int bit;

		while (j < vlen && v[j] != ',')
			j++;
		if (smtp_value_is(v + i, j - i, "NEVER"))
			bit = SMTP_NOTIFY_NEVER;
		else if (smtp_value_is(v + i, j - i, "SUCCESS"))
			bit = SMTP_NOTIFY_SUCCESS;
		else if (smtp_value_is(v + i, j - i, "FAILURE"))
			bit = SMTP_NOTIFY_FAILURE;
		else if (smtp_value_is(v + i, j - i, "DELAY"))
			bit = SMTP_NOTIFY_DELAY;
		else
			return -1;
		if (mask & bit)
			return -1;
		mask |= bit;
		i = j + 1;
	}
	if ((mask & SMTP_NOTIFY_NEVER) && mask != SMTP_NOTIFY_NEVER)
		return -1;
	return mask;
}

/* ORCPT=addr-type;xtext (RFC 3461 §4.2), kept as "type;decoded". */
static int smtp_parse_orcpt(const char *v, size_t vlen, buf_t *out)
{
	const char *semi = memchr(v, ';', vlen);
	buf_t addr = BUF_INIT;
	int ok;

	if (semi == NULL || semi == v || vlen > SMTP_ORCPT_MAX)
		return -1;
	for (const char *p = v; p < semi; p++)
		if (!smtp_is_alnum(*p) && *p != '-')
			return -1;
	ok = smtp_xtext_decode(semi + 1, vlen - (size_t) (semi + 1 - v), &addr) == 0 &&
	     addr.len > 0;
	for (size_t i = 0; ok && i < addr.len; i++)
		if ((unsigned char) addr.data[i] < 32 || addr.data[i] == 127)
			ok = 0;
	/* RFC 3461 §4.2: an rfc822 address is ASCII; only RFC 6533's
	 * utf-8 type carries more, and then well-formed UTF-8. */
	for (size_t i = 0; ok && i < addr.len; i++)
		if ((unsigned char) addr.data[i] >= 0x80)
			ok = (size_t) (semi - v) == 5 && strncasecmp(v, "utf-8", 5) == 0 &&
				utf8_strict_valid(addr.data, addr.len);
	if (ok) {
		buf_reset(out);
		buf_append(out, v, (size_t) (semi - v) + 1);
		buf_append(out, addr.data, addr.len);
	}
	buf_release(&addr);
	return ok ? 0 : -1;
}

static const char *smtp_rcpt_param(smtp_rcpt_t *r, const char *kw,
				   const char *v, size_t vlen)
{
	if (strcmp(kw, "NOTIFY") == 0) {
		/* RFC 3461 §4.5: at most once */
		if (r->notify)
			return "501 5.5.4 Error: duplicate NOTIFY parameter";
		if (v == NULL || (r->notify = smtp_parse_notify(v, vlen)) <= 0) {
			r->notify = 0;
			return "501 5.5.4 Error: bad NOTIFY parameter";
		}
	} else if (strcmp(kw, "ORCPT") == 0) {
		if (r->has_orcpt)
			return "501 5.5.4 Error: duplicate ORCPT parameter";
		if (v == NULL || smtp_parse_orcpt(v, vlen, &r->orcpt) < 0)
			return "501 5.5.4 Error: bad ORCPT parameter";
		r->has_orcpt = 1;
	} else {
		return "555 5.5.4 Error: unsupported RCPT parameter";
	}
	return NULL;
}

const char *smtp_parse_rcpt(const char *args, int utf8, smtp_rcpt_t *r)
{
	const char *p = args, *err, *v;
	buf_t kw = BUF_INIT;
	size_t vlen;
	int n;

	buf_reset(&r->addr);
	buf_reset(&r->orcpt);
	r->notify = r->has_orcpt = 0;
	if (smtp_skip_keyword(&p, "TO:") < 0)
		return "501 5.5.4 Syntax: RCPT TO:<address>";
	if (addr_parse_path(p, ADDR_ALLOW_NODOMAIN | ADDR_ALLOW_UTF8, &r->addr,
			    &r->info, &p, &err) < 0)
		return "501 5.1.3 Bad recipient address syntax";
	if (*p != '\0' && !smtp_is_blank(*p))
		return "501 5.1.3 Bad recipient address syntax";
	/* Without a domain only <Postmaster> is allowed (RFC 5321 §4.1.1.3). */
	if (r->info.at == r->addr.len && strcasecmp(buf_str(&r->addr), "postmaster") != 0)
		return "501 5.1.3 Bad recipient address syntax: no domain";
	err = NULL;
	while (err == NULL && (n = smtp_next_param(&p, &kw, &v, &vlen)) != 0) {
		if (n < 0)
			err = "501 5.5.4 Error: bad RCPT parameter syntax";
		else
			err = smtp_rcpt_param(r, buf_str(&kw), v, vlen);
	}
	buf_release(&kw);
	if (err != NULL)
		return err;
	if (r->info.utf8 && !utf8)
		return "553 5.6.7 Non-ASCII recipient address needs SMTPUTF8";
	return NULL;
}

const char *smtp_parse_bdat(const char *args, unsigned long long *size_r,
			    int *last_r)
{
	const char *p = args;
	unsigned long long size = 0;
	size_t digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		unsigned d = (unsigned) (*p - '0');

		if (size > (~0ULL - d) / 10)
			return "501 5.5.4 Error: BDAT chunk size too large";
		size = size * 10 + d;
	}
	if (digits == 0 || (*p != '\0' && !smtp_is_blank(*p)))
		return "501 5.5.4 Syntax: BDAT chunk-size [LAST]";
	while (smtp_is_blank(*p))
		p++;
	*last_r = 0;
	if (*p != '\0') {
		if (strcasecmp(p, "LAST") != 0)
			return "501 5.5.4 Syntax: BDAT chunk-size [LAST]";
		*last_r = 1;
	}
	*size_r = size;
	return NULL;
}
