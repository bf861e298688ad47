/* fuzz_addr.c - libFuzzer target for addr_parse_path (SMTP paths).
 *
 * Whatever parses must come out canonical: parsing the canonical form
 * again gives the same address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = mem_strndup((const char *) data, size);
	buf_t a = BUF_INIT, again = BUF_INIT, wrapped = BUF_INIT;
	const char *end, *err;
	addr_info_t info;
	int flags = size ? data[0] & 7 : 0;

	if (addr_parse_path(s, flags, &a, &info, &end, &err) == 0 && !info.null) {
		buf_printf(&wrapped, "<%s>", buf_str(&a));
		if (addr_parse_path(buf_str(&wrapped), flags, &again, NULL, &end, &err) == 0 &&
		    strcmp(buf_str(&a), buf_str(&again)) != 0)
			abort();
		addr_domain(buf_str(&a));
		addr_local_unquoted(buf_str(&a), &again);
	}
	buf_release(&a);
	buf_release(&again);
	buf_release(&wrapped);
	mem_free(s);
	return 0;
}
