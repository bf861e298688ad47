/* fuzz_users.c - libFuzzer target for the users file line parser
 * (lib/users.c), which mailctl and auth both run on the users file.
 *
 * The input up to its first NUL is one line.  An entry the parser takes
 * has a lower-case address that users_address_check() accepts and a
 * hash and APOP secret without white space, and its users.db value
 * ("hash [apop]") parses back to the same entry; a refusal says why; a
 * line taken as blank or a comment has no first word, or one that starts
 * with '#'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "users.h"

static int word_ok(const char *w)
{
	return w != NULL && *w != '\0' && strpbrk(w, " \t\r\f\v\n") == NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf_t line = BUF_INIT, value = BUF_INIT;
	users_entry_t e, back;
	const char *why = NULL, *l;
	int r;

	if (size > 4096)
		return 0;
	buf_append(&line, data, size);
	l = buf_str(&line);
	r = users_parse_line(l, &e, &why);
	if (r == 1) {
		if (users_address_check(e.address, &why) < 0 ||
		    strpbrk(e.address, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL ||
		    !word_ok(e.hash) || (e.apop != NULL && !word_ok(e.apop)))
			abort();
		buf_puts(&value, e.hash);
		if (e.apop != NULL) {
			buf_putc(&value, ' ');
			buf_puts(&value, e.apop);
		}
		if (users_parse_value(e.address, value.data, value.len, &back, &why) != 1 ||
		    strcmp(back.address, e.address) != 0 || strcmp(back.hash, e.hash) != 0 ||
		    (e.apop == NULL) != (back.apop == NULL) ||
		    (e.apop != NULL && strcmp(e.apop, back.apop) != 0))
			abort();
		users_entry_clear(&back);
		users_entry_clear(&e);
	} else if (r == -1) {
		if (why == NULL)
			abort();
	} else if (r == 0) {
		l += strspn(l, " \t\r\f\v");
		if (*l != '\0' && *l != '#')
			abort();
	} else {
		abort();
	}
	buf_release(&line);
	buf_release(&value);
	return 0;
}
