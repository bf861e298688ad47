/* fuzz_cidr.c - libFuzzer target for network lists (lib/cidr.c), which
 * smtpd parses from mynetworks and anvil from its exception list.
 *
 * The input up to its first NUL is the list; what follows is an address
 * to match against it.  A refusal names the bad entry; a list that parses
 * matches the address of each of its own entries (a network contains
 * its own address), and matching anything never fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cidr.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data, *nul;
	buf_t text = BUF_INIT, addr = BUF_INIT;
	cidr_list_t *l;
	char *err = NULL;

	if (size > 4096)
		return 0;
	nul = memchr(in, '\0', size);
	buf_append(&text, in, nul ? (size_t) (nul - in) : size);
	if (nul != NULL)
		buf_append(&addr, nul + 1, size - (size_t) (nul + 1 - in));
	l = cidr_parse(buf_str(&text), &err);
	if (l == NULL) {
		if (err == NULL || strstr(err, "bad network address") == NULL)
			abort();
		mem_free(err);
	} else {
		char *copy = mem_strdup(buf_str(&text)), *save = NULL;

		for (char *tok = strtok_r(copy, " \t\r\n,", &save); tok != NULL;
		     tok = strtok_r(NULL, " \t\r\n,", &save)) {
			char *slash = strrchr(tok, '/');

			if (slash != NULL)
				*slash = '\0';
			if (cidr_match(l, tok) != 1)
				abort();
		}
		mem_free(copy);
		(void) cidr_match(l, buf_str(&addr));
		cidr_free(&l);
	}
	buf_release(&text);
	buf_release(&addr);
	return 0;
}
