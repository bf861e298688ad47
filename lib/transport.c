/* transport.c - the route and next-hop syntax of transport_maps values
 * and relayhost; see transport.h.  Pure parsing: text in, structures out.
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dns_wire.h"
#include "mem.h"
#include "transport.h"

static int transport_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void transport_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char) (*s - 'A' + 'a');
}

/* "1" to "65535" (leading zeros allowed, at most 5 digits). */
static int transport_port_parse(const char *s, int *port_r,
				const char **err_r)
{
	long v = 0;
	size_t n = strlen(s);

	if (n == 0) {
		*err_r = "empty port after ':'";
		return -1;
	}
	if (n > 5 || strspn(s, "0123456789") != n) {
		*err_r = "port is not a number from 1 to 65535";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	if (v < 1 || v > 65535) {
		*err_r = "port is not a number from 1 to 65535";
		return -1;
	}
	*port_r = (int) v;
	return 0;
}

/* An IPv4 address as inet_pton takes it: four decimal numbers. */
static int transport_ipv4(const char *s, buf_t *canon)
{
	struct in_addr a;
	char text[INET_ADDRSTRLEN];

	if (inet_pton(AF_INET, s, &a) != 1 ||
	    inet_ntop(AF_INET, &a, text, sizeof(text)) == NULL)
		return 0;
	buf_set(canon, text);
	return 1;
}

static int transport_ipv6(const char *s, buf_t *canon)
{
	struct in6_addr a;
	char text[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET6, s, &a) != 1 ||
	    inet_ntop(AF_INET6, &a, text, sizeof(text)) == NULL)
		return 0;
	buf_set(canon, text);
	return 1;
}

/* A host name: dns_name_check's rules, a final dot dropped, and no
 * all-digit last label (no top-level domain is one: it is a mistyped
 * address, RFC 3696 §2). */
static int transport_name(const char *s, buf_t *canon, const char **err_r)
{
	const char *last;
	size_t len;

	if (dns_name_check(s, err_r) < 0)
		return -1;
	len = strlen(s);
	if (s[len - 1] == '.')
		len--;
	buf_reset(canon);
	buf_append(canon, s, len);
	transport_lower(canon->data);
	last = strrchr(buf_str(canon), '.');
	last = last != NULL ? last + 1 : buf_str(canon);
	if (strspn(last, "0123456789") == strlen(last)) {
		*err_r = "host is neither a host name nor an IP address";
		return -1;
	}
	return 0;
}

/* The host part of a next hop into canon: inside brackets a name or an
 * IP address ("IPv6:" before an IPv6 one allowed), outside a name. */
static int transport_host(const char *s, int bracketed, buf_t *canon,
			  const char **err_r)
{
	if (*s == '\0') {
		*err_r = "empty host name";
		return -1;
	}
	if (bracketed && strncasecmp(s, "ipv6:", 5) == 0) {
		if (!transport_ipv6(s + 5, canon)) {
			*err_r = "not an IPv6 address after \"IPv6:\"";
			return -1;
		}
		return 0;
	}
	if (strchr(s, ':') != NULL) {
		if (!bracketed) {
			*err_r = "an IPv6 address goes in brackets, as [2001:db8::1]";
			return -1;
		}
		if (!transport_ipv6(s, canon)) {
			*err_r = "not an IPv6 address inside the brackets";
			return -1;
		}
		return 0;
	}
	if (transport_ipv4(s, canon)) {
		if (!bracketed) {
			*err_r = "an IP address goes in brackets, as [192.0.2.1]";
			return -1;
		}
		return 0;
	}
	return transport_name(s, canon, err_r);
}

int transport_nexthop_parse(const char *text, transport_nexthop_t *out,
			    const char **err_r)
{
	buf_t canon = BUF_INIT;
	char *host = NULL;
	const char *port = NULL;
	int bracketed = text[0] == '[';

	memset(out, 0, sizeof(*out));
	if (bracketed) {
		const char *close = strchr(text, ']');

		if (close == NULL) {
			*err_r = "'[' without ']'";
			return -1;
		}
		if (close[1] != '\0' && close[1] != ':') {
			*err_r = "after ']' only \":port\" may follow";
			return -1;
		}
		host = mem_strndup(text + 1, (size_t) (close - text - 1));
		if (close[1] == ':')
			port = close + 2;
	} else {
		const char *colon = strchr(text, ':');

		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			*err_r = "an IPv6 address goes in brackets, as [2001:db8::1]";
			return -1;
		}
		host = colon != NULL ? mem_strndup(text, (size_t) (colon - text)) :
			mem_strdup(text);
		if (colon != NULL)
			port = colon + 1;
	}
	if (transport_host(host, bracketed, &canon, err_r) < 0 ||
	    (port != NULL && transport_port_parse(port, &out->port, err_r) < 0)) {
		mem_free(host);
		buf_release(&canon);
		out->port = 0;
		return -1;
	}
	mem_free(host);
	out->host = buf_steal(&canon);
	out->mx = !bracketed;
	return 0;
}

void transport_nexthop_free(transport_nexthop_t *nh)
{
	MEM_FREE(nh->host);
	nh->port = 0;
	nh->mx = 0;
}

char *transport_nexthop_format(const transport_nexthop_t *nh)
{
	buf_t out = BUF_INIT;

	if (nh->mx)
		buf_puts(&out, nh->host);
	else
		buf_printf(&out, "[%s]", nh->host);
	if (nh->port != 0)
		buf_printf(&out, ":%d", nh->port);
	return buf_steal(&out);
}

int transport_relayhost_parse(const char *text, transport_nexthop_t *out,
			      const char **err_r)
{
	memset(out, 0, sizeof(*out));
	if (*text == '\0')
		return 0;
	return transport_nexthop_parse(text, out, err_r) < 0 ? -1 : 1;
}

/* An enhanced status code of class 4 or 5 at the start of s, followed by
 * a space or the end (RFC 3463: class.subject.detail, 1-3 digits each):
 * its length, or 0. */
static size_t transport_dsn_len(const char *s)
{
	size_t i = 2;

	if (!transport_is_digit(s[0]) || s[1] != '.')
		return 0;
	for (int part = 0; part < 2; part++) {
		size_t start = i;

		while (transport_is_digit(s[i]) && i - start < 4)
			i++;
		if (i == start || i - start > 3)
			return 0;
		if (part == 0 && s[i++] != '.')
			return 0;
	}
	return s[i] == ' ' || s[i] == '\0' ? i : 0;
}

static int transport_error_parse(const char *text, transport_route_t *r,
				 const char **err_r)
{
	size_t n;

	while (*text == ' ' || *text == '\t')
		text++;
	n = transport_dsn_len(text);
	if (n > 0 && text[0] != '4' && text[0] != '5') {
		*err_r = "the status code of error: must be 4.x.y or 5.x.y";
		return -1;
	}
	memcpy(r->dsn, n > 0 ? text : "5.0.0", n > 0 ? n : 5);
	r->dsn[n > 0 ? n : 5] = '\0';
	r->temporary = r->dsn[0] == '4';
	text += n;
	while (*text == ' ' || *text == '\t')
		text++;
	if (strlen(text) > TRANSPORT_TEXT_MAX) {
		*err_r = "the text of error: is longer than 400 bytes";
		return -1;
	}
	/* The text ends up in SMTP replies and bounces: printable ASCII. */
	for (const char *c = text; *c; c++) {
		if ((unsigned char) *c < 0x20 || (unsigned char) *c > 0x7e) {
			*err_r = "the text of error: holds a byte that is not "
				 "printable ASCII";
			return -1;
		}
	}
	r->text = mem_strdup(*text ? text :
			     "delivery refused by the transport map");
	return 0;
}

/* value starts with word (any case), then ':' or its end: what follows,
 * or NULL. */
static const char *transport_word(const char *value, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(value, word, n) != 0)
		return NULL;
	if (value[n] == '\0')
		return value + n;
	return value[n] == ':' ? value + n + 1 : NULL;
}

int transport_route_parse(const char *value, transport_route_t *r,
			  const char **err_r)
{
	transport_nexthop_t nh;
	const char *rest;

	memset(r, 0, sizeof(*r));
	if ((rest = transport_word(value, "smtp")) != NULL) {
		r->kind = TRANSPORT_SMTP;
		if (*rest == '\0')
			return 0;
		if (transport_nexthop_parse(rest, &nh, err_r) < 0)
			return -1;
		r->nexthop = transport_nexthop_format(&nh);
		transport_nexthop_free(&nh);
		return 0;
	}
	if ((rest = transport_word(value, "local")) != NULL) {
		if (*rest != '\0') {
			*err_r = "local takes no next hop";
			return -1;
		}
		r->kind = TRANSPORT_LOCAL;
		return 0;
	}
	if ((rest = transport_word(value, "error")) != NULL) {
		r->kind = TRANSPORT_ERROR;
		if (transport_error_parse(rest, r, err_r) < 0) {
			transport_route_free(r);
			return -1;
		}
		return 0;
	}
	*err_r = "not a route: smtp:[host]:port, smtp:host:port, smtp:, "
		 "local or error:TEXT";
	return -1;
}

void transport_route_free(transport_route_t *r)
{
	mem_free(r->nexthop);
	mem_free(r->text);
	mem_free(r->key);
	memset(r, 0, sizeof(*r));
}

char *transport_route_format(const transport_route_t *r)
{
	switch (r->kind) {
	case TRANSPORT_SMTP:
		return mem_printf("smtp:%s", r->nexthop ? r->nexthop : "");
	case TRANSPORT_LOCAL:
		return mem_strdup("local");
	case TRANSPORT_ERROR:
		break;
	}
	return mem_printf("error:%s %s", r->dsn, r->text);
}

int transport_key_check(const char *key, const char **err_r)
{
	const char *name = key[0] == '.' ? key + 1 : key;
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.') {
		*err_r = "a key ends without a dot";
		return -1;
	}
	return dns_name_check(name, err_r);
}
