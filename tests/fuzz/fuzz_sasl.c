/* fuzz_sasl.c - libFuzzer target for lib/sasl.c: the PLAIN splitter
 * (accepted fields must lie inside the message and hold no NUL), and the
 * exchange fed the input as the command's initial response and then as
 * continuation lines, for each mechanism: it must end in a known result,
 * and a finished one must give NUL-free credentials within the limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

static void fuzz_exchange(const char *mech, const char *m, size_t size)
{
	sasl_server_t *x = sasl_server_new(sasl_mech_find(mech));
	buf_t ch = BUF_INIT, first = BUF_INIT;
	const char *nl = memchr(m, '\n', size);
	size_t off;
	int r;

	buf_append(&first, m, nl ? (size_t) (nl - m) : size);
	r = sasl_server_start(x, size > 0 && m[0] == '!' ? NULL : buf_str(&first), &ch);
	off = nl ? (size_t) (nl - m) + 1 : size;
	while (r == SASL_CONTINUE && off < size) {
		const char *end = memchr(m + off, '\n', size - off);
		size_t len = end ? (size_t) (end - m - off) : size - off;

		r = sasl_server_feed(x, m + off, len, &ch);
		off += len + 1;
	}
	if (r < SASL_CONTINUE || r > SASL_MALFORMED)
		abort();
	if (r == SASL_DONE &&
	    (strlen(sasl_server_authcid(x)) == 0 ||
	     strlen(sasl_server_authcid(x)) > SASL_FIELD_MAX ||
	     strlen(sasl_server_passwd(x)) == 0 ||
	     strlen(sasl_server_passwd(x)) > SASL_FIELD_MAX))
		abort();
	sasl_server_free(&x);
	buf_release(&ch);
	buf_release(&first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *m = (const char *) data;
	sasl_plain_t p;

	if (sasl_plain_parse(m, size, &p) == 0) {
		if (p.authzid_len + p.authcid_len + p.passwd_len + 2 != size ||
		    memchr(p.authcid, '\0', p.authcid_len) != NULL ||
		    memchr(p.passwd, '\0', p.passwd_len) != NULL ||
		    p.passwd + p.passwd_len != m + size)
			abort();
	}
	sasl_login_field_check(m, size);
	fuzz_exchange("PLAIN", m, size);
	fuzz_exchange("LOGIN", m, size);
	return 0;
}
