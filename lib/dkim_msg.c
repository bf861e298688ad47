/* dkim_msg.c - the header fields and the body hash a DKIM signature
 * covers, taken from a streaming message; see dkim_msg.h.
 */
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base64.h"
#include "dkim_msg.h"
#include "log.h"
#include "mem.h"

/* RFC 6376 §5.4.1's list, without what is added or changed on the way
 * (Received, Return-Path) or rarely useful. */
const char *const dkim_msg_signed[] = {
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", NULL,
};

#define DKIM_HASH_PIECE 65536	/* canonical octets hashed at once */

void dkim_msg_init(dkim_msg_t *m, size_t max_header)
{
	memset(m, 0, sizeof(*m));
	m->in_header = 1;
	m->after_eol = 1;
	m->max_header = max_header;
	buf_init(&m->header);
	buf_init(&m->canon);
	dkim_body_init(&m->body);
	m->sha = EVP_MD_CTX_new();
	if (m->sha == NULL || EVP_DigestInit_ex(m->sha, EVP_sha256(), NULL) != 1)
		log_fatal("dkim: cannot set up SHA-256");
}

static void dkim_msg_hash(dkim_msg_t *m)
{
	if (m->canon.len > 0)
		EVP_DigestUpdate(m->sha, m->canon.data, m->canon.len);
	buf_reset(&m->canon);
}

void dkim_msg_update(dkim_msg_t *m, const char *in, size_t len)
{
	size_t i = 0;

	for (; m->in_header && i < len; i++) {
		int eol = in[i] == '\r' || in[i] == '\n';

		if (eol && m->after_eol) {
			m->in_header = 0;	/* the empty line */
			i++;
			break;
		}
		m->after_eol = eol;
		if (m->header.len < m->max_header)
			buf_putc(&m->header, in[i]);
		else
			m->too_big = 1;
	}
	if (i < len) {
		dkim_body_update(&m->body, in + i, len - i, &m->canon);
		if (m->canon.len >= DKIM_HASH_PIECE)
			dkim_msg_hash(m);
	}
}

int dkim_msg_finish(dkim_msg_t *m, buf_t *bh_r)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	dkim_body_finish(&m->body, &m->canon);
	dkim_msg_hash(m);
	EVP_DigestFinal_ex(m->sha, md, &mdlen);
	buf_reset(bh_r);
	base64_encode(md, mdlen, bh_r);
	return m->too_big ? -1 : 0;
}

/* The fields of the kept header: a field starts at a line that does not
 * start with white space (each CR and LF ends a line); fn gets each,
 * with its line ends, top-down. */
static void dkim_msg_split(const dkim_msg_t *m,
			   void (*fn)(void *arg, const char *f, size_t len),
			   void *arg)
{
	const char *h = m->header.data;
	size_t len = m->header.len, start = 0;

	for (size_t i = 0; i < len; i++) {
		int bol = i == 0 || h[i - 1] == '\r' || h[i - 1] == '\n';

		if (bol && i > start && h[i] != ' ' && h[i] != '\t') {
			fn(arg, h + start, i - start);
			start = i;
		}
	}
	if (len > start)
		fn(arg, h + start, len - start);
}

typedef struct dkim_field_list {
	const char **start;
	size_t *len;
	size_t n, room;
} dkim_field_list_t;

static void dkim_msg_collect(void *arg, const char *f, size_t len)
{
	dkim_field_list_t *l = arg;

	if (l->n == l->room) {
		l->room = l->room ? 2 * l->room : 16;
		l->start = mem_reallocarray(l->start, l->room, sizeof(*l->start));
		l->len = mem_reallocarray(l->len, l->room, sizeof(*l->len));
	}
	l->start[l->n] = f;
	l->len[l->n++] = len;
}

/* Does field f carry one of the names signed?  Its name is before the
 * colon, white space before the colon allowed (RFC 5322 §4.5). */
static int dkim_msg_is(const char *f, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(f, name, n) != 0)
		return 0;
	for (size_t i = n; i < len; i++) {
		if (f[i] == ':')
			return 1;
		if (f[i] != ' ' && f[i] != '\t')
			return 0;
	}
	return 0;
}

static int dkim_msg_wanted(const char *f, size_t len)
{
	for (size_t i = 0; dkim_msg_signed[i] != NULL; i++)
		if (dkim_msg_is(f, len, dkim_msg_signed[i]))
			return 1;
	return 0;
}

size_t dkim_msg_fields(const dkim_msg_t *m,
		       void (*fn)(void *arg, const char *canon, size_t len),
		       void *arg)
{
	dkim_field_list_t l = { NULL, NULL, 0, 0 };
	buf_t c = BUF_INIT;
	size_t given = 0;

	dkim_msg_split(m, dkim_msg_collect, &l);
	for (size_t i = l.n; i-- > 0;) {
		if (!dkim_msg_wanted(l.start[i], l.len[i]))
			continue;
		buf_reset(&c);
		dkim_canon_header(l.start[i], l.len[i], &c);
		fn(arg, c.data, c.len);
		given++;
	}
	buf_release(&c);
	mem_free(l.start);
	mem_free(l.len);
	return given;
}

int dkim_domain_ok(const char *d)
{
	size_t label = 0, n = 0;

	for (; d[n]; n++) {
		char c = d[n];

		if (c == '.') {
			if (label == 0 || d[n - 1] == '-')
				return 0;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return n > 0 && n <= 253 && label > 0 && d[n - 1] != '-' &&
		strchr(d, '.') != NULL;
}

/* The address of a From value (unfolded): inside <...> when there are
 * angle brackets, else the value without comments; exactly one address
 * (a list of authors is not signed: which domain would d= name?). */
static int dkim_msg_from_addr(const char *v, buf_t *addr_r)
{
	const char *lt = strchr(v, '<');
	int depth = 0, quoted = 0;

	buf_reset(addr_r);
	if (lt != NULL) {
		const char *gt = strchr(lt, '>');

		if (gt == NULL || strchr(gt + 1, '<') != NULL ||
		    strchr(gt + 1, '@') != NULL)
			return -1;
		buf_append(addr_r, lt + 1, (size_t) (gt - lt - 1));
		return 0;
	}
	for (const char *p = v; *p; p++) {
		if (quoted) {
			if (*p == '\\' && p[1])
				buf_putc(addr_r, *p++);
			else if (*p == '"')
				quoted = 0;
			buf_putc(addr_r, *p);
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && depth > 0) {
			depth--;
		} else if (depth == 0 && *p == ',') {
			return -1;
		} else if (depth == 0 && *p != ' ' && *p != '\t') {
			if (*p == '"')
				quoted = 1;
			buf_putc(addr_r, *p);
		}
	}
	return 0;
}

typedef struct dkim_from {
	int count;
	buf_t value;
} dkim_from_t;

static void dkim_msg_from_field(void *arg, const char *f, size_t len)
{
	dkim_from_t *from = arg;

	if (!dkim_msg_is(f, len, "From"))
		return;
	from->count++;
	buf_reset(&from->value);
	for (const char *p = (const char *) memchr(f, ':', len) + 1; p < f + len; p++)
		if (*p != '\r' && *p != '\n')
			buf_putc(&from->value, *p);
}

int dkim_from_domain(const char *value, buf_t *domain_r)
{
	buf_t addr = BUF_INIT;
	const char *at;
	int r = -1;

	if (dkim_msg_from_addr(value, &addr) == 0 &&
	    (at = strrchr(buf_str(&addr), '@')) != NULL && dkim_domain_ok(at + 1)) {
		buf_set(domain_r, at + 1);
		for (size_t i = 0; i < domain_r->len; i++)
			if (domain_r->data[i] >= 'A' && domain_r->data[i] <= 'Z')
				domain_r->data[i] += 'a' - 'A';
		r = 0;
	}
	buf_release(&addr);
	return r;
}

int dkim_msg_from_domain(const dkim_msg_t *m, buf_t *domain_r)
{
	dkim_from_t from = { 0, BUF_INIT };
	int r = -1;

	dkim_msg_split(m, dkim_msg_from_field, &from);
	if (from.count == 1)
		r = dkim_from_domain(buf_str(&from.value), domain_r);
	buf_release(&from.value);
	return r;
}

void dkim_msg_release(dkim_msg_t *m)
{
	buf_release(&m->header);
	buf_release(&m->canon);
	EVP_MD_CTX_free(m->sha);
	m->sha = NULL;
}
