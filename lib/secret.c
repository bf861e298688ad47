/* secret.c - one call to wipe the traces of a credential (see secret.h). */
#include <stdarg.h>

#include "secret.h"

void secret_wipe(stream_t *s, attr_t *rec, ...)
{
	va_list ap;
	buf_t *b;

	if (s != NULL)
		stream_wipe_consumed(s);
	if (rec != NULL)
		attr_wipe(rec);
	va_start(ap, rec);
	while ((b = va_arg(ap, buf_t *)) != NULL)
		buf_wipe(b);
	va_end(ap);
}
