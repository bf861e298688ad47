/* fuzz_sasl.c - libFuzzer target for the SASL PLAIN splitter: accepted
 * fields must lie inside the message and hold no NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

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
	return 0;
}
