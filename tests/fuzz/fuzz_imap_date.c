/* fuzz_imap_date.c - libFuzzer target for the IMAP date parsers
 * (lib/imap_date.c): APPEND's date-time, SEARCH's date, and the Date:
 * header of every message searched or sorted by date.
 *
 * Each parser gets the input.  A time one accepts must format as a
 * date-time that parses back to the same time and zone, and its day
 * must be the day of that time.
 */
#include <stdint.h>
#include <stdlib.h>

#include "imap_date.h"

static void fuzz_back(time_t t, int zone)
{
	buf_t out = BUF_INIT;
	time_t t2;
	int z2;

	imap_date_time_format(t, zone, &out);
	if (imap_date_time_parse(out.data, out.len, &t2, &z2) != 0 ||
	    t2 != t || z2 != zone)
		abort();
	buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	time_t t;
	int zone;
	int64_t day;

	if (size > 1024)
		return 0;
	if (imap_date_time_parse(s, size, &t, &zone) == 0)
		fuzz_back(t, zone);
	if (imap_date_parse(s, size, &day) == 0 &&
	    imap_date_day((time_t) (day * 86400 + 43200), 0) != day)
		abort();
	if (imap_date_rfc5322_parse(s, size, &t, &zone) == 0)
		fuzz_back(t, zone);
	return 0;
}
