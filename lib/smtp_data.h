/* smtp_data.h - the SMTP message body decoders, without I/O.
 *
 * smtpd reads DATA and BDAT input from the client and feeds it here in
 * whatever pieces the stream gives (one byte at a time works as well as
 * 64 KiB); what comes out is the message content with LF line ends.  Being
 * free of I/O, the decoders are unit-tested (tests/unit/test_smtp_data.c)
 * and fuzzed (tests/fuzz/fuzz_smtp_data.c) on their own.
 *
 * DATA (RFC 5321 §4.1.1.4, §4.5.2): dot-stuffing removed, CRLF turned
 * into LF, and the end of data found.  Line ends, decided once here:
 *   - CRLF is a line end; it is stored as LF.
 *   - A bare CR is content and is kept as it is.
 *   - A bare LF is stored as LF, so it ends a line of the stored message,
 *     but it is never part of an SMTP line end: the end of data is only
 *     CRLF "." CRLF, and dot-stuffing is only undone at the start of a
 *     line that follows CRLF.  So "\n.\n", "\r.\n", "\n.\r\n" and
 *     "\r\n.\n" inside DATA are all message content (SMTP smuggling).
 * The data starts at the start of a line (after the CRLF of the DATA
 * command), so a message that is only "." CRLF is empty.
 *
 * BDAT (RFC 3030 §2): only CRLF -> LF, also across chunk boundaries: a CR
 * that ends a chunk waits for the next one, and the last chunk's trailing
 * CR is content.
 */
#ifndef TERN_SMTP_DATA_H
#define TERN_SMTP_DATA_H

#include <stddef.h>

#include "buf.h"

typedef struct smtp_data {
	int state;		/* where in a line the decoder is */
	int done;		/* CRLF "." CRLF was seen */
} smtp_data_t;

void smtp_data_init(smtp_data_t *d);
/* Decode in[0..len), appending the content to out; returns the octets
 * used.  Once the end of data is seen, smtp_data_done() is 1 and the
 * octets after it are not used (they belong to the next command). */
size_t smtp_data_decode(smtp_data_t *d, const char *in, size_t len, buf_t *out);
int smtp_data_done(const smtp_data_t *d);

typedef struct smtp_bdat {
	int cr_pending;		/* the last chunk ended in CR */
} smtp_bdat_t;

void smtp_bdat_init(smtp_bdat_t *b);
/* Decode the octets of a chunk (all of them are content), appending to
 * out. */
void smtp_bdat_decode(smtp_bdat_t *b, const char *in, size_t len, buf_t *out);
/* After the last chunk (BDAT ... LAST): a CR still held back is content. */
void smtp_bdat_finish(smtp_bdat_t *b, buf_t *out);

#endif
