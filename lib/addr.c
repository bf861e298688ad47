/* addr.c - SMTP paths and address parts; see addr.h.
 *
 * The grammar is RFC 5321 §4.1.2.  Octets >= 0x80 are allowed in atoms and
 * quoted strings only with ADDR_ALLOW_UTF8 (RFC 6531 §3.3 extends atext and
 * qtext with UTF-8), and then only as well-formed UTF-8 (RFC 3629: no
 * overlong forms, surrogates or code points past U+10FFFF); control
 * characters never, the C1 ones (U+0080..U+009F) included: an address is
 * logged and shown, and a terminal takes C1 octets as commands.
 */
#include <ctype.h>
#include <string.h>

#include "addr.h"

static int addr_is_atext(unsigned char c, int utf8)
{
	if (c >= 0x80)
		return utf8;
	if (isalnum(c))
		return 1;
	return strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL && c != '\0';
}

/* Is s[0..len) well-formed UTF-8 without C1 controls? */
static int addr_utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		unsigned int cp, min;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		/* The lead octet: how many follow, and the smallest code
		 * point that needs that many (anything less is overlong). */
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, min = 0x10000;
		else
			return 0;	/* continuation, C0/C1 (overlong), F5..FF */
		cp = c & (0x3f >> n);
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* U+0080..U+009F are the C1 controls. */
		if (cp < min || cp <= 0x9f || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Domain = sub-domain *("." sub-domain), or an address literal "[...]". */
static const char *addr_scan_domain(const char *p, int utf8, const char **err_r)
{
	const char *start = p;

	if (*p == '[') {
		for (p++; *p != ']'; p++) {
			unsigned char c = (unsigned char) *p;

			/* dtext: %d33-90 / %d94-126 (RFC 5321 §4.1.3) */
			if (c < 33 || c > 126 || c == '[' || c == '\\') {
				*err_r = "bad address literal";
				return NULL;
			}
		}
		if (p - start < 2) {
			*err_r = "empty address literal";
			return NULL;
		}
		return p + 1;
	}
	for (;;) {
		const char *label = p;

		while (isalnum((unsigned char) *p) || *p == '-' ||
		       (utf8 && (unsigned char) *p >= 0x80))
			p++;
		if (p == label || label[0] == '-' || p[-1] == '-') {
			*err_r = "bad domain name";
			return NULL;
		}
		if (*p != '.')
			break;
		p++;
	}
	if (p - start > ADDR_MAX_DOMAIN) {
		*err_r = "domain name too long";
		return NULL;
	}
	return p;
}

/* Local-part = Dot-string / Quoted-string; raw gets the unquoted text. */
static const char *addr_scan_local(const char *p, int utf8, buf_t *raw,
				   int *quoted_r, const char **err_r)
{
	*quoted_r = 0;
	if (*p == '"') {
		*quoted_r = 1;
		for (p++; *p != '"'; p++) {
			unsigned char c = (unsigned char) *p;

			if (c == '\\') {
				c = (unsigned char) *++p;
				if (c < 32 || c > 126) {
					*err_r = "bad quoted pair in local part";
					return NULL;
				}
			} else if (c == '\0') {
				*err_r = "unterminated quoted local part";
				return NULL;
			} else if ((c < 32 || c == 127) || (c >= 0x80 && !utf8)) {
				*err_r = "bad character in local part";
				return NULL;
			}
			buf_putc(raw, c);
		}
		return p + 1;
	}
	for (;;) {
		const char *atom = p;

		while (addr_is_atext((unsigned char) *p, utf8))
			p++;
		if (p == atom) {
			*err_r = "bad local part";
			return NULL;
		}
		buf_append(raw, atom, (size_t) (p - atom));
		if (*p != '.')
			break;
		buf_putc(raw, '.');
		p++;
	}
	return p;
}

int addr_parse_path(const char *s, int flags, buf_t *addr_r, addr_info_t *info_r,
		    const char **end_r, const char **err_r)
{
	int utf8 = (flags & ADDR_ALLOW_UTF8) != 0;
	buf_t raw = BUF_INIT;
	addr_info_t info;
	const char *p = s;
	const char *q;
	int quoted;

	memset(&info, 0, sizeof(info));
	buf_reset(addr_r);
	if (*p++ != '<') {
		*err_r = "path must be enclosed in <>";
		return -1;
	}
	if (*p == '>') {
		if (!(flags & ADDR_ALLOW_NULL)) {
			*err_r = "null path not allowed here";
			return -1;
		}
		info.null = 1;
		if (info_r)
			*info_r = info;
		*end_r = p + 1;
		return 0;
	}
	/* A-d-l ":" - a source route: accepted, then ignored (Appendix C). */
	if (*p == '@') {
		for (;;) {
			p = addr_scan_domain(p + 1, utf8, err_r);
			if (p == NULL)
				return -1;
			if (*p == ':')
				break;
			if (p[0] != ',' || p[1] != '@') {
				*err_r = "bad source route";
				return -1;
			}
			p++;
		}
		p++;
	}
	p = addr_scan_local(p, utf8, &raw, &quoted, err_r);
	if (p == NULL)
		goto bad;
	if (raw.len > ADDR_MAX_LOCAL) {
		*err_r = "local part too long";
		goto bad;
	}
	addr_quote_local(buf_str(&raw), raw.len, addr_r);
	info.quoted = addr_r->data[0] == '"';
	info.route_hack = !quoted && strpbrk(buf_str(&raw), "%!") != NULL;
	info.at = addr_r->len;
	if (*p == '@') {
		q = addr_scan_domain(p + 1, utf8, err_r);
		if (q == NULL)
			goto bad;
		buf_append(addr_r, p, (size_t) (q - p));
		p = q;
	} else if (!(flags & ADDR_ALLOW_NODOMAIN)) {
		*err_r = "address has no domain";
		goto bad;
	}
	if (*p != '>') {
		*err_r = "junk after address";
		goto bad;
	}
	if (p + 1 - s > ADDR_MAX_PATH) {
		*err_r = "path too long";
		goto bad;
	}
	for (q = addr_r->data; *q; q++)
		if ((unsigned char) *q >= 0x80)
			info.utf8 = 1;
	/* The whole path, the source route that is dropped included. */
	if (utf8 && !addr_utf8_ok((const unsigned char *) s, (size_t) (p + 1 - s))) {
		*err_r = "address is not well-formed UTF-8, or holds a control "
			"character";
		goto bad;
	}
	buf_release(&raw);
	if (info_r)
		*info_r = info;
	*end_r = p + 1;
	return 0;
bad:
	buf_release(&raw);
	buf_reset(addr_r);
	return -1;
}

size_t addr_at(const char *addr)
{
	const char *p = addr;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p == '"')
			p++;
	}
	p = strrchr(p, '@');
	return p ? (size_t) (p - addr) : strlen(addr);
}

const char *addr_domain(const char *addr)
{
	size_t at = addr_at(addr);

	return addr[at] == '@' ? addr + at + 1 : "";
}

void addr_local_unquoted(const char *addr, buf_t *out)
{
	size_t at = addr_at(addr);

	buf_reset(out);
	if (addr[0] != '"') {
		buf_append(out, addr, at);
		return;
	}
	for (size_t i = 1; i < at && addr[i] != '"'; i++) {
		if (addr[i] == '\\' && i + 1 < at)
			i++;
		buf_putc(out, addr[i]);
	}
}

void addr_quote_local(const char *local, size_t len, buf_t *out)
{
	int need = len == 0 || local[0] == '.' || local[len - 1] == '.';

	for (size_t i = 0; i < len && !need; i++) {
		unsigned char c = (unsigned char) local[i];

		if (c == '.' ? local[i + 1] == '.' : !addr_is_atext(c, 1))
			need = 1;
	}
	if (!need) {
		buf_append(out, local, len);
		return;
	}
	buf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (local[i] == '"' || local[i] == '\\')
			buf_putc(out, '\\');
		buf_putc(out, local[i]);
	}
	buf_putc(out, '"');
}

void addr_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char) (*s - 'A' + 'a');
}

void addr_strip_extension(const char *local, const char *delimiters, buf_t *out)
{
	size_t n = strlen(local);

	buf_reset(out);
	if (delimiters && *delimiters) {
		size_t cut = strcspn(local, delimiters);

		/* A local part that starts with the delimiter has no base. */
		if (cut > 0)
			n = cut;
	}
	buf_append(out, local, n);
}

int addr_domain_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

int addr_domain_in(const char *domain, char *const *list)
{
	for (; list && *list; list++)
		if (addr_domain_eq(domain, *list))
			return 1;
	return 0;
}
