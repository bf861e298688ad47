/* charset.c - MIME charsets to UTF-8 through iconv, U+FFFD for what does
 * not convert; see charset.h. */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "charset.h"
#include "mem.h"
#include "utf8.h"

/* Input octets given to iconv at a time: at 4 code points of output per
 * octet at most (TSCII's worst), the output fits a 4096-octet chunk. */
#define CHARSET_SLICE 256

struct charset_conv {
	char name[CHARSET_NAME_MAX + 1];	/* lower-cased */
	int known;
	iconv_t cd;			/* (iconv_t) -1: read as UTF-8 here */
	unsigned char pend[CHARSET_PENDING_MAX];
	size_t npend;
	size_t replaced;
};

/* Labels mail uses that iconv does not know, or that mean a superset
 * (charset.h says why), and the iconv name to open for them. */
static const struct {
	const char *label, *iconv_name;
} charset_aliases[] = {
	{ "iso-8859-1", "CP1252" }, { "iso8859-1", "CP1252" },
	{ "iso_8859-1", "CP1252" }, { "latin1", "CP1252" }, { "l1", "CP1252" },
	{ "iso_8859-1:1987", "CP1252" }, { "us-ascii", NULL }, { "ascii", NULL },
	{ "utf-8", NULL }, { "utf8", NULL },
	{ "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" },
	{ "x-sjis", "CP932" }, { "ms_kanji", "CP932" }, { "windows-31j", "CP932" },
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "euc-cn", "GB18030" }, { "cp936", "GB18030" },
	{ "euc-kr", "CP949" }, { "ks_c_5601-1987", "CP949" }, { "ks_c_5601", "CP949" },
	{ "windows-949", "CP949" },
	{ "big5", "BIG5-HKSCS" }, { "x-x-big5", "BIG5-HKSCS" },
	{ "iso-8859-8-i", "ISO-8859-8" }, { "iso-8859-8-e", "ISO-8859-8" },
	{ "iso-8859-6-i", "ISO-8859-6" }, { "iso-8859-6-e", "ISO-8859-6" },
	{ "tis-620", "CP874" }, { "iso-8859-11", "CP874" },
	{ "unicode-1-1-utf-7", "UTF-7" }, { "x-mac-roman", "MACINTOSH" },
};

/* Lower-case name into lower; 0, or -1 when it is too long or has an
 * octet no charset name has (so "//TRANSLIT" and paths never reach
 * iconv_open). */
static int charset_name_lower(const char *name, char lower[CHARSET_NAME_MAX + 1])
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];

		if (i == CHARSET_NAME_MAX)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c = (char) (c + 32);
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   strchr("._:+-", c) != NULL))
			return -1;
		lower[i] = c;
	}
	lower[i] = '\0';
	return 0;
}

/* Charsets left to the UTF-8 reader although iconv has them: glibc's
 * ISO-2022-CN-EXT decoder fails after taking a shift octet that ends its
 * input, so its output depends on how the text was cut (found by
 * fuzz_charset), and no mail uses it.  Compared without punctuation, as
 * iconv_open() compares names. */
static int charset_refused(const char *lower)
{
	char compact[CHARSET_NAME_MAX + 1];
	size_t n = 0;

	for (; *lower != '\0'; lower++)
		if ((*lower >= 'a' && *lower <= 'z') || (*lower >= '0' && *lower <= '9'))
			compact[n++] = *lower;
	compact[n] = '\0';
	return strcmp(compact, "iso2022cnext") == 0;
}

/* Open the iconv descriptor for a lower-cased name: 1 for UTF-8 read here
 * (utf-8, us-ascii), 0 with *cd_r for iconv, -1 for unknown. */
static int charset_open(const char *lower, iconv_t *cd_r)
{
	const char *iconv_name = lower;

	if (lower[0] == '\0')
		return 1;
	for (size_t i = 0; i < sizeof(charset_aliases) / sizeof(charset_aliases[0]); i++)
		if (strcmp(lower, charset_aliases[i].label) == 0) {
			if (charset_aliases[i].iconv_name == NULL)
				return 1;
			iconv_name = charset_aliases[i].iconv_name;
			break;
		}
	if (charset_refused(iconv_name))
		return -1;
	*cd_r = iconv_open("UTF-8", iconv_name);
	return *cd_r == (iconv_t) -1 ? -1 : 0;
}

struct charset_conv *charset_conv_new(const char *name)
{
	struct charset_conv *conv = MEM_NEW(struct charset_conv);
	int r = -1;

	conv->cd = (iconv_t) -1;
	if (name == NULL)
		name = "";
	if (charset_name_lower(name, conv->name) == 0)
		r = charset_open(conv->name, &conv->cd);
	else
		conv->name[0] = '\0';
	conv->known = r >= 0;
	return conv;
}

void charset_conv_free(struct charset_conv **convp)
{
	struct charset_conv *conv = *convp;

	if (conv == NULL)
		return;
	if (conv->cd != (iconv_t) -1)
		iconv_close(conv->cd);
	MEM_FREE(*convp);
}

int charset_conv_known(const struct charset_conv *conv)
{
	return conv->known;
}

const char *charset_conv_name(const struct charset_conv *conv)
{
	return conv->name;
}

size_t charset_conv_replaced(const struct charset_conv *conv)
{
	return conv->replaced;
}

static void charset_replace(struct charset_conv *conv, buf_t *out)
{
	utf8_put(out, UTF8_REPLACEMENT);
	conv->replaced++;
}

/* Convert what can be of in[0..len) and return the octets taken; the
 * rest (at most CHARSET_PENDING_MAX octets) is a sequence cut short that
 * waits for more input, unless final.  Well-formed UTF-8 for the
 * UTF-8 reader; iconv otherwise. */
static size_t charset_convert(struct charset_conv *conv, const unsigned char *in,
			      size_t len, int final, buf_t *out)
{
	size_t i = 0;

	if (conv->cd == (iconv_t) -1) {
		while (i < len) {
			size_t start = i, n;
			uint32_t cp;

			while (i < len && in[i] < 0x80)
				i++;
			buf_append(out, in + start, i - start);
			if (i == len)
				break;
			n = final ? utf8_decode_end(in + i, len - i, &cp) :
				    utf8_decode(in + i, len - i, &cp);
			if (n == 0)
				break;
			if (cp == UTF8_REPLACEMENT && !(n == 3 && in[i] == 0xEF))
				charset_replace(conv, out);
			else
				buf_append(out, in + i, n);
			i += n;
		}
		return i;
	}
	while (i < len) {
		/* Input in slices so small that their output always fits the
		 * chunk: glibc's TSCII decoder loses a character when it runs
		 * out of output room (E2BIG; found by fuzz_charset). */
		char chunk[4096], *op = chunk;
		size_t end = len - i < CHARSET_SLICE ? len : i + CHARSET_SLICE;
		char *ip = (char *) (uintptr_t) (in + i);
		size_t ileft = end - i, oleft = sizeof(chunk), taken;
		size_t r = iconv(conv->cd, &ip, &ileft, &op, &oleft);
		int err = errno;

		buf_append(out, chunk, sizeof(chunk) - oleft);
		taken = end - i - ileft;
		i += taken;
		if (r != (size_t) -1 || err == E2BIG)
			continue;
		if (err == EINVAL) {
			/* Cut by the slice: the next one starts with it. */
			if (end < len && taken > 0)
				continue;
			/* Cut by the piece: it waits for the next piece. */
			if (end == len && !final && ileft <= CHARSET_PENDING_MAX)
				break;
		}
		/* EILSEQ, or a cut sequence that cannot be completed: one
		 * U+FFFD, and on from the next octet.  (glibc's ISO-2022-CN-EXT
		 * can fail having taken all its input.) */
		charset_replace(conv, out);
		if (i < len)
			i++;
	}
	return i;
}

void charset_conv_feed(struct charset_conv *conv, const char *in, size_t len, buf_t *out)
{
	const unsigned char *p = (const unsigned char *) in;
	size_t i = 0;

	while (i < len) {
		unsigned char seq[2 * CHARSET_PENDING_MAX];
		size_t k, taken;

		if (conv->npend == 0) {
			taken = charset_convert(conv, p + i, len - i, 0, out);
			memcpy(conv->pend, p + i + taken, len - i - taken);
			conv->npend = len - i - taken;
			return;
		}
		/* A cut sequence first, with enough new octets to end it. */
		k = len - i < CHARSET_PENDING_MAX ? len - i : CHARSET_PENDING_MAX;
		memcpy(seq, conv->pend, conv->npend);
		memcpy(seq + conv->npend, p + i, k);
		taken = charset_convert(conv, seq, conv->npend + k, 0, out);
		if (taken >= conv->npend) {
			/* Done with it: the rest of the piece as usual. */
			i += taken - conv->npend;
			conv->npend = 0;
		} else {
			/* Still cut short: all of it waits. */
			memmove(conv->pend, seq + taken, conv->npend + k - taken);
			conv->npend = conv->npend + k - taken;
			i += k;
		}
	}
}

void charset_conv_finish(struct charset_conv *conv, buf_t *out)
{
	charset_convert(conv, conv->pend, conv->npend, 1, out);
	conv->npend = 0;
	if (conv->cd != (iconv_t) -1)
		iconv(conv->cd, NULL, NULL, NULL, NULL);
}

long charset_to_utf8(const char *name, const char *in, size_t len, buf_t *out)
{
	struct charset_conv *conv = charset_conv_new(name);
	long r;

	charset_conv_feed(conv, in, len, out);
	charset_conv_finish(conv, out);
	r = conv->known ? (long) conv->replaced : -1;
	charset_conv_free(&conv);
	return r;
}

int charset_search_supported(const char *name)
{
	struct charset_conv *conv;
	int known;

	if (name == NULL || name[0] == '\0')
		return 0;
	conv = charset_conv_new(name);
	known = conv->known;
	charset_conv_free(&conv);
	return known;
}
