/* fuzz_imap_check.h - what every IMAP structure tern writes must be, for
 * the fuzz targets of the MIME and IMAP modules: quoted strings closed
 * and free of CR, LF and NUL (and of 8-bit octets unless utf8), escapes
 * only before '"' and '\', literals whose length is right and that hold
 * no NUL, no CR or LF outside literals, parentheses balanced. */
#ifndef TERN_FUZZ_IMAP_CHECK_H
#define TERN_FUZZ_IMAP_CHECK_H

#include <stddef.h>

/* 1 when s[0..n) is well formed as above. */
static inline int fuzz_imap_check(const char *s, size_t n, int utf8)
{
	long depth = 0;
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char) s[i];

		if (c == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				c = (unsigned char) s[i];
				if (c == '\\') {
					if (++i >= n || (s[i] != '"' && s[i] != '\\'))
						return 0;
				} else if (c == '\r' || c == '\n' || c == 0 ||
					   (c >= 0x80 && !utf8)) {
					return 0;
				}
			}
			if (i >= n)
				return 0;
			i++;
		} else if (c == '{') {
			size_t len = 0, digits = 0;

			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
				len = len * 10 + (size_t) (s[i] - '0');
			if (digits == 0 || i + 3 > n || s[i] != '}' || s[i + 1] != '\r' ||
			    s[i + 2] != '\n' || n - (i + 3) < len)
				return 0;
			i += 3;
			for (size_t k = 0; k < len; k++)
				if (s[i + k] == '\0')
					return 0;
			i += len;
		} else if (c == '(') {
			depth++;
			i++;
		} else if (c == ')') {
			if (--depth < 0)
				return 0;
			i++;
		} else if (c == '\r' || c == '\n' || c == 0) {
			return 0;
		} else {
			i++;
		}
	}
	return depth == 0;
}

#endif
