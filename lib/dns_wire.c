/* dns_wire.c - MX, A and AAAA record data from wire format (dns_wire.h).
 *
 * A parser without I/O: it takes the bytes libunbound stored and checks
 * every length against what is left before reading, so any input, the
 * fuzzer's included (tests/fuzz/fuzz_dns_wire.c), ends in a value or a
 * refusal.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "dns_wire.h"

static int dns_wire_host_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int dns_wire_name(const unsigned char *p, size_t len, size_t *used_r,
		  buf_t *out, const char **why_r)
{
	size_t off = 0;

	buf_reset(out);
	for (;;) {
		unsigned char n;

		if (off >= len) {
			*why_r = "name runs past the record";
			return -1;
		}
		n = p[off++];
		if (n == 0)
			break;
		if (n > DNS_LABEL_MAX) {
			/* 0xc0: a compression pointer; 0x40, 0x80: the
			 * extended label types of RFC 6891, obsolete */
			*why_r = (n & 0xc0) == 0xc0 ? "compressed name in stored data" :
				 "bad label type";
			return -1;
		}
		if (n > len - off) {
			*why_r = "label runs past the record";
			return -1;
		}
		if (out->len + (out->len > 0) + n > DNS_NAME_MAX) {
			*why_r = "name longer than 253 bytes";
			return -1;
		}
		if (out->len > 0)
			buf_putc(out, '.');
		for (size_t i = 0; i < n; i++) {
			unsigned char c = p[off + i];

			if (!dns_wire_host_byte(c)) {
				*why_r = "name is no host name";
				return -1;
			}
			buf_putc(out, c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
		off += n;
	}
	if (out->len == 0)
		buf_putc(out, '.');
	*used_r = off;
	return 0;
}

int dns_wire_mx(const unsigned char *rdata, size_t len, unsigned *pref_r,
		buf_t *host_r, const char **why_r)
{
	size_t used;

	if (len < 3) {
		*why_r = "MX record too short";
		return -1;
	}
	if (dns_wire_name(rdata + 2, len - 2, &used, host_r, why_r) < 0)
		return -1;
	if (used != len - 2) {
		*why_r = "bytes after the MX name";
		return -1;
	}
	*pref_r = (unsigned) rdata[0] << 8 | rdata[1];
	return 0;
}

int dns_wire_addr(enum dns_type type, const unsigned char *rdata,
		  size_t len, dns_addr_t *out, const char **why_r)
{
	size_t want = type == DNS_TYPE_A ? 4 : 16;

	if (type != DNS_TYPE_A && type != DNS_TYPE_AAAA) {
		*why_r = "not an address record";
		return -1;
	}
	if (len != want) {
		*why_r = type == DNS_TYPE_A ? "A record is not 4 bytes" :
			 "AAAA record is not 16 bytes";
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->family = type == DNS_TYPE_A ? AF_INET : AF_INET6;
	memcpy(out->bytes, rdata, want);
	if (inet_ntop(out->family, out->bytes, out->text, sizeof(out->text)) == NULL) {
		*why_r = "address has no text form";
		return -1;
	}
	return 0;
}

int dns_name_check(const char *text, const char **why_r)
{
	size_t len = strlen(text), label = 0;

	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len == 0) {
		*why_r = "empty domain name";
		return -1;
	}
	if (len > DNS_NAME_MAX) {
		*why_r = "domain name longer than 253 bytes";
		return -1;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i == len || text[i] == '.') {
			if (label == 0) {
				*why_r = "empty label in domain name";
				return -1;
			}
			if (label > DNS_LABEL_MAX) {
				*why_r = "label longer than 63 bytes";
				return -1;
			}
			label = 0;
		} else if (!dns_wire_host_byte((unsigned char) text[i])) {
			*why_r = "domain name holds a byte no host name has";
			return -1;
		} else {
			label++;
		}
	}
	return 0;
}
