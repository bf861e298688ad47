/* pop3d_uidl.c - the POP3 unique-id of a message (RFC 1939 §7).
 *
 * The unique-id is the Maildir base name (architecture §3): it stays the same
 * across sessions, flag changes and the move from new/ to cur/.  RFC 1939
 * allows 1 to 70 characters in the range 0x21..0x7E.  `local` names are
 * "<sec>.M<usec>P<pid>Q<n>.<host>": about 35 characters plus the host
 * name, which may be up to 64 characters long, and files put into a
 * Maildir by other programs may carry any byte.  A base name that does
 * not fit is given a stable form of exactly 70 characters instead: its
 * first 53 characters with anything outside 0x21..0x7E (and '~') turned
 * into '_', then '~' and the 64-bit FNV-1a hash of the whole base name in
 * 16 hex digits.  It depends on the base name alone, so it is as stable as
 * the base name; the unique part of a Maildir name (time, pid, counter)
 * comes first, and the hash tells apart names that share their first 53
 * characters.  A derived form contains '~' at offset 53; a base name that
 * is itself 70 valid characters with '~' there is used as it is, and could
 * only collide with a derived one on a 64-bit hash match.
 */
#include <stdint.h>

#include "pop3d_session.h"

#define POP3D_UIDL_KEEP (POP3D_UIDL_MAX - 17)

static int pop3d_uidl_char_ok(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

void pop3d_uidl(const char *base, buf_t *out)
{
	const unsigned char *p = (const unsigned char *) base;
	uint64_t h = 14695981039346656037ULL;
	size_t len = 0;
	int ok = 1;

	buf_reset(out);
	for (; p[len] != '\0'; len++)
		if (!pop3d_uidl_char_ok(p[len]))
			ok = 0;
	if (ok && len >= 1 && len <= POP3D_UIDL_MAX) {
		buf_append(out, base, len);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	for (size_t i = 0; i < len && i < POP3D_UIDL_KEEP; i++)
		buf_putc(out, pop3d_uidl_char_ok(p[i]) && p[i] != '~' ? p[i] : '_');
	while (out->len < POP3D_UIDL_KEEP)
		buf_putc(out, '_');
	buf_printf(out, "~%016llx", (unsigned long long) h);
}
