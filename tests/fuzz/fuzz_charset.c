/* fuzz_charset.c - libFuzzer target for the charset converter
 * (lib/charset.c): stored mail names the charset and supplies the
 * octets, so iconv's decoders for every multibyte and stateful charset
 * see anyone's input.
 *
 * The first octet picks a charset and a piece size, the rest is the
 * text.  Checked: no crash or leak; the output is well-formed UTF-8;
 * pieces of that size give the same output as the whole text at once;
 * and a converter reused after charset_conv_finish() gives the same
 * again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "utf8.h"

static const char *const names[] = {
	"utf-8", "us-ascii", "x-unknown", "iso-8859-1", "windows-1252", "koi8-r",
	"shift_jis", "euc-jp", "iso-2022-jp", "iso-2022-jp-2", "iso-2022-kr",
	"iso-2022-cn", "gb2312", "gb18030", "big5", "euc-kr", "utf-7",
	"utf-16", "utf-16le", "utf-32", "hz-gb-2312", "tis-620", "viscii",
	"iso-8859-8-i", "macintosh", "cp437", "tscii", "utf-8//IGNORE",
	"euc-tw", "johab", "ibm1047", "iso-2022-cn-ext",
};

static void convert(struct charset_conv *conv, const char *in, size_t len, size_t step,
		    buf_t *out)
{
	for (size_t off = 0; off < len; off += step)
		charset_conv_feed(conv, in + off, len - off < step ? len - off : step, out);
	charset_conv_finish(conv, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t whole = BUF_INIT, pieces = BUF_INIT, check = BUF_INIT;
	struct charset_conv *conv;
	const char *in = (const char *) data + 1;
	size_t len, step;

	if (size < 1 || size > 65536)
		return 0;
	len = size - 1;
	conv = charset_conv_new(names[data[0] % (sizeof(names) / sizeof(names[0]))]);
	step = (size_t) (data[0] / (sizeof(names) / sizeof(names[0]))) + 1;
	convert(conv, in, len, len > 0 ? len : 1, &whole);
	if (utf8_sanitize(buf_str(&whole), whole.len, &check) != 0)
		abort();
	convert(conv, in, len, step, &pieces);
	if (pieces.len != whole.len || (whole.len > 0 && memcmp(pieces.data, whole.data, whole.len) != 0))
		abort();
	buf_reset(&pieces);
	convert(conv, in, len, len > 0 ? len : 1, &pieces);
	if (pieces.len != whole.len || (whole.len > 0 && memcmp(pieces.data, whole.data, whole.len) != 0))
		abort();
	charset_conv_free(&conv);
	buf_release(&whole);
	buf_release(&pieces);
	buf_release(&check);
	return 0;
}
