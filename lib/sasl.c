/* sasl.c - splitting SASL PLAIN messages and checking LOGIN fields. */
#include <string.h>

#include "sasl.h"

int sasl_plain_parse(const char *msg, size_t len, sasl_plain_t *out)
{
	const char *end = msg + len;
	const char *nul1 = len ? memchr(msg, '\0', len) : NULL;
	const char *nul2 = nul1 ? memchr(nul1 + 1, '\0', (size_t) (end - nul1 - 1)) : NULL;

	if (nul2 == NULL || nul2 == nul1 + 1 || nul2 + 1 == end ||
	    memchr(nul2 + 1, '\0', (size_t) (end - nul2 - 1)) != NULL)
		return -1;
	out->authzid = msg;
	out->authzid_len = (size_t) (nul1 - msg);
	out->authcid = nul1 + 1;
	out->authcid_len = (size_t) (nul2 - nul1 - 1);
	out->passwd = nul2 + 1;
	out->passwd_len = (size_t) (end - nul2 - 1);
	if (out->authzid_len > SASL_FIELD_MAX || out->authcid_len > SASL_FIELD_MAX ||
	    out->passwd_len > SASL_FIELD_MAX)
		return -1;
	return 0;
}

int sasl_login_field_check(const char *field, size_t len)
{
	if (len == 0 || len > SASL_FIELD_MAX || memchr(field, '\0', len) != NULL)
		return -1;
	return 0;
}
