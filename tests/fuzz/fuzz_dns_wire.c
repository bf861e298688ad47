/* fuzz_dns_wire.c - libFuzzer target for the DNS record-data parser
 * (lib/dns_wire.c), which reads what nameservers on the Internet send.
 *
 * The first byte chooses what the rest is: MX, A or AAAA record data, or
 * a domain name as text (dns_name_check).  A parse either fails with a
 * reason or gives a value that holds: an MX host is the root or a name
 * dns_name_check accepts (so what routing passes on is always a host
 * name), an address has its text form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns_wire.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	buf_t host = BUF_INIT;
	unsigned char *copy;
	dns_addr_t addr;
	unsigned pref;
	int rc;

	if (size < 1 || size > 4096)
		return 0;
	/* an exact copy: a read past the record is a read past the heap block */
	copy = mem_alloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		rc = dns_wire_mx(copy, size - 1, &pref, &host, &why);
		if (rc < 0 ? why == NULL : pref > 65535 ||
		    (strcmp(buf_str(&host), ".") != 0 &&
		     dns_name_check(buf_str(&host), &why) != 0))
			abort();
		break;
	case 1:
	case 2:
		rc = dns_wire_addr(data[0] % 4 == 1 ? DNS_TYPE_A : DNS_TYPE_AAAA,
				   copy, size - 1, &addr, &why);
		if (rc < 0 ? why == NULL : addr.text[0] == '\0')
			abort();
		break;
	default: {
		char *text = mem_strndup((const char *) data + 1, size - 1);

		if (dns_name_check(text, &why) < 0 && why == NULL)
			abort();
		mem_free(text);
		break;
	}
	}
	mem_free(copy);
	buf_release(&host);
	return 0;
}
