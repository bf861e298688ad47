/* imap_envelope.c - ENVELOPE from a header; see imap_envelope.h.  One
 * pass over the fields finds the first of each of the ten names; the
 * address fields are then parsed by imap_address. */
#include <string.h>

#include "imap_address.h"
#include "imap_envelope.h"
#include "imap_quote.h"
#include "mem.h"
#include "mime_field.h"

enum imap_env_field {
	ENV_DATE, ENV_SUBJECT, ENV_FROM, ENV_SENDER, ENV_REPLY_TO, ENV_TO,
	ENV_CC, ENV_BCC, ENV_IN_REPLY_TO, ENV_MESSAGE_ID, ENV_COUNT
};

static const char *const imap_env_names[ENV_COUNT] = {
	"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
	"in-reply-to", "message-id"
};

static void imap_env_string(buf_t *out, const mime_field_t *f, int flags)
{
	char *v;

	if (f->start == NULL) {
		buf_append(out, "NIL", 3);
		return;
	}
	v = mime_field_unfold(f, IMAP_ENVELOPE_MAX_VALUE);
	imap_quote_nstr(out, v, flags);
	mem_free(v);
}

/* An address field; returns 0 when it gave no address (absent or
 * empty: nothing appended). */
static int imap_env_addresses(buf_t *out, const mime_field_t *f, int flags)
{
	imap_address_t *addrs;
	unsigned int n;

	if (f->start == NULL)
		return 0;
	n = imap_address_parse(f->value, f->value_len, &addrs);
	if (n > 0)
		imap_address_write(out, addrs, n, flags);
	imap_address_free(&addrs, n);
	return n > 0;
}

void imap_envelope_write(buf_t *out, const char *hdr, size_t len, int flags)
{
	mime_field_t fields[ENV_COUNT], f;
	size_t pos = 0, from_start, from_len;
	int i;

	memset(fields, 0, sizeof(fields));
	while (mime_field_next(hdr, len, &pos, &f)) {
		for (i = 0; i < ENV_COUNT; i++)
			if (fields[i].start == NULL && mime_field_is(&f, imap_env_names[i]))
				fields[i] = f;
	}
	buf_putc(out, '(');
	imap_env_string(out, &fields[ENV_DATE], flags);
	buf_putc(out, ' ');
	imap_env_string(out, &fields[ENV_SUBJECT], flags);
	buf_putc(out, ' ');
	from_start = out->len;
	if (!imap_env_addresses(out, &fields[ENV_FROM], flags))
		buf_append(out, "NIL", 3);
	from_len = out->len - from_start;
	for (i = ENV_SENDER; i <= ENV_REPLY_TO; i++) {
		buf_putc(out, ' ');
		if (!imap_env_addresses(out, &fields[i], flags)) {
			/* out may move as it grows: copy from an offset */
			buf_reserve(out, from_len);
			buf_append(out, out->data + from_start, from_len);
		}
	}
	for (i = ENV_TO; i <= ENV_BCC; i++) {
		buf_putc(out, ' ');
		if (!imap_env_addresses(out, &fields[i], flags))
			buf_append(out, "NIL", 3);
	}
	buf_putc(out, ' ');
	imap_env_string(out, &fields[ENV_IN_REPLY_TO], flags);
	buf_putc(out, ' ');
	imap_env_string(out, &fields[ENV_MESSAGE_ID], flags);
	buf_putc(out, ')');
}
