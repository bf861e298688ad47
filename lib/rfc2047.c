/* rfc2047.c - encoded-words in header field values decoded to UTF-8; see
 * rfc2047.h. */
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "charset.h"
#include "hex.h"
#include "rfc2047.h"
#include "utf8.h"

/* A run of adjacent encoded-words in one charset, not yet converted. */
struct rfc2047_run {
	char charset[RFC2047_CHARSET_MAX + 1];
	buf_t octets;
	int active;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void q_decode(const char *s, size_t len, buf_t *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '_')
			buf_putc(out, ' ');
		else if (s[i] == '=' && i + 2 < len && hex_value((unsigned char) s[i + 1]) >= 0 &&
			 hex_value((unsigned char) s[i + 2]) >= 0) {
			buf_putc(out, hex_value((unsigned char) s[i + 1]) << 4 |
				 hex_value((unsigned char) s[i + 2]));
			i += 2;
		} else
			buf_putc(out, s[i]);
	}
}

/* 0, or -1 for an octet outside the alphabet (padding ends the text). */
static int b_decode(const char *s, size_t len, buf_t *out)
{
	unsigned quantum = 0;
	int n = 0;

	for (size_t i = 0; i < len && s[i] != '='; i++) {
		int v = base64_char_value((unsigned char) s[i]);

		if (v < 0)
			return -1;
		quantum = quantum << 6 | (unsigned) v;
		if (++n == 4) {
			buf_putc(out, (int) (quantum >> 16 & 0xFF));
			buf_putc(out, (int) (quantum >> 8 & 0xFF));
			buf_putc(out, (int) (quantum & 0xFF));
			quantum = 0;
			n = 0;
		}
	}
	/* Unpadded: the whole octets of the last quantum. */
	if (n >= 2)
		buf_putc(out, (int) (quantum >> (6 * n - 8) & 0xFF));
	if (n == 3)
		buf_putc(out, (int) (quantum >> 2 & 0xFF));
	return 0;
}

/* Where the next "?=" and the next octet no encoded-word may hold are,
 * at or after some point: both only move forward as the value is read,
 * so finding words' ends costs one pass over the value, however many
 * "=?" it has without an end. */
struct rfc2047_scan {
	size_t term, bad;
};

static size_t scan_term(const char *v, size_t len, struct rfc2047_scan *sc, size_t from)
{
	if (sc->term < from) {
		sc->term = from;
		while (sc->term + 1 < len && !(v[sc->term] == '?' && v[sc->term + 1] == '='))
			sc->term++;
		if (sc->term + 1 >= len)
			sc->term = len;
	}
	return sc->term;
}

static size_t scan_bad(const char *v, size_t len, struct rfc2047_scan *sc, size_t from)
{
	if (sc->bad < from) {
		sc->bad = from;
		while (sc->bad < len && v[sc->bad] > ' ' && v[sc->bad] < 127)
			sc->bad++;
	}
	return sc->bad;
}

/* The encoded-word at v[at..len) (it starts with "=?"): the offset just
 * past it, its charset without language in charset, its octets appended
 * to octets; 0 when it is no well-formed word (octets then unchanged). */
static size_t rfc2047_word(const char *v, size_t len, size_t at, struct rfc2047_scan *sc,
			   char charset[RFC2047_CHARSET_MAX + 1], buf_t *octets)
{
	size_t i = at + 2, cs_len, text, end;
	char enc;

	while (i < len && i - at - 2 <= RFC2047_CHARSET_MAX && v[i] != '?' &&
	       v[i] > ' ' && v[i] < 127)
		i++;
	cs_len = i - at - 2;
	if (i + 3 > len || v[i] != '?' || cs_len == 0 || cs_len > RFC2047_CHARSET_MAX)
		return 0;
	enc = v[i + 1];
	if (strchr("BbQq", enc) == NULL || v[i + 2] != '?')
		return 0;
	text = i + 3;
	end = scan_term(v, len, sc, text);
	if (end == len || scan_bad(v, len, sc, text) < end)
		return 0;
	memcpy(charset, v + at + 2, cs_len);
	charset[cs_len] = '\0';
	/* RFC 2231 §5: "charset*language". */
	if (strchr(charset, '*') != NULL)
		*strchr(charset, '*') = '\0';
	if (enc == 'B' || enc == 'b') {
		size_t before = octets->len;

		if (b_decode(v + text, end - text, octets) < 0) {
			buf_truncate(octets, before);
			return 0;
		}
	} else
		q_decode(v + text, end - text, octets);
	return end + 2;
}

/* Text outside encoded-words, unfolded (RFC 5322 §2.2.3: a line break
 * followed by a space or tab goes; others stay, so the fields of a whole
 * header block stay apart), as UTF-8. */
static void rfc2047_text(const char *p, size_t len, buf_t *out)
{
	buf_t unfolded = BUF_INIT;

	if (memchr(p, '\n', len) == NULL) {
		utf8_sanitize(p, len, out);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		size_t brk = p[i] == '\n' ? 1 :
			     p[i] == '\r' && i + 1 < len && p[i + 1] == '\n' ? 2 : 0;

		if (brk > 0 && i + brk < len && (p[i + brk] == ' ' || p[i + brk] == '\t')) {
			i += brk - 1;
			continue;
		}
		buf_putc(&unfolded, p[i]);
	}
	utf8_sanitize(buf_str(&unfolded), unfolded.len, out);
	buf_release(&unfolded);
}

static void rfc2047_run_flush(struct rfc2047_run *run, buf_t *out)
{
	if (!run->active)
		return;
	charset_to_utf8(run->charset, run->octets.data, run->octets.len, out);
	buf_reset(&run->octets);
	run->active = 0;
}

void rfc2047_decode(const char *value, size_t len, buf_t *out)
{
	struct rfc2047_run run;
	char charset[RFC2047_CHARSET_MAX + 1];
	struct rfc2047_scan scan = { 0, 0 };
	buf_t word = BUF_INIT;
	size_t i = 0, ws_from = 0, ws_to = 0;

	if (len > RFC2047_INPUT_MAX)
		len = RFC2047_INPUT_MAX;
	run.active = 0;
	buf_init(&run.octets);
	while (i < len) {
		size_t n = 0;

		if (value[i] == '=' && i + 1 < len && value[i + 1] == '?') {
			buf_reset(&word);
			n = rfc2047_word(value, len, i, &scan, charset, &word);
		}
		if (n > 0) {
			/* Whitespace between two words goes (§6.2). */
			ws_from = ws_to = 0;
			if (run.active && strcasecmp(run.charset, charset) != 0)
				rfc2047_run_flush(&run, out);
			if (!run.active) {
				memcpy(run.charset, charset, sizeof(charset));
				run.active = 1;
			}
			buf_append(&run.octets, word.data, word.len);
			i = n;
			continue;
		}
		if (run.active && ws_to == ws_from && is_ws(value[i])) {
			/* After a word: kept only if no word follows. */
			ws_from = i;
			while (i < len && is_ws(value[i]))
				i++;
			ws_to = i;
			continue;
		}
		rfc2047_run_flush(&run, out);
		rfc2047_text(value + ws_from, ws_to - ws_from, out);
		ws_from = ws_to = 0;
		/* Text up to the next possible word. */
		n = i + 1;
		while (n < len && !(value[n] == '=' && n + 1 < len && value[n + 1] == '?'))
			n++;
		rfc2047_text(value + i, n - i, out);
		i = n;
	}
	rfc2047_run_flush(&run, out);
	rfc2047_text(value + ws_from, ws_to - ws_from, out);
	buf_release(&word);
	buf_release(&run.octets);
}
