/* test_imap_date.c - unit tests for lib/imap_date.c: IMAP date-time and
 * date, and RFC 5322 Date: values with their obsolete forms, each against
 * a time computed with timegm().
 */
#define _GNU_SOURCE	/* timegm */
#include <string.h>
#include <time.h>

#include "../../lib/buf.h"
#include "../../lib/imap_date.h"
#include "test.h"

/* The time of a UTC civil date, by the C library. */
static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static int dt(const char *s, time_t *t, int *zone)
{
	return imap_date_time_parse(s, strlen(s), t, zone);
}

static void test_imap_date_time(void)
{
	time_t t = 0;
	int zone = 1;

	test_begin("imap_date: date-time parsed");
	test_assert_int(dt(" 7-Feb-1994 21:52:25 -0800", &t, &zone), 0);
	test_assert_int(t, utc(1994, 2, 8, 5, 52, 25));
	test_assert_int(zone, -480);
	test_assert_int(dt("07-feb-1994 21:52:25 +0130", &t, &zone), 0);
	test_assert_int(t, utc(1994, 2, 7, 20, 22, 25));
	test_assert_int(zone, 90);
	test_assert_int(dt("29-Feb-2000 00:00:00 +0000", &t, NULL), 0);
	test_assert_int(t, utc(2000, 2, 29, 0, 0, 0));
	test_assert_int(dt("31-Dec-1969 23:59:59 +0000", &t, NULL), 0);
	test_assert_int(t, -1);
	test_assert_int(dt("01-Jan-1900 00:00:00 +0000", &t, NULL), 0);
	test_assert_int(t, utc(1900, 1, 1, 0, 0, 0));
	test_assert_int(dt("31-Dec-9999 23:59:59 -9959", &t, NULL), 0);
	test_assert_int(t, utc(9999, 12, 31, 23, 59, 59) + 99 * 3600 + 59 * 60);
	test_assert_int(dt("30-Jun-2016 23:59:60 +0000", &t, NULL), 0);
	test_assert_int(t, utc(2016, 7, 1, 0, 0, 0));
	/* refused */
	test_assert_int(dt("7-Feb-1994 21:52:25 -0800", &t, NULL), -1);
	test_assert_int(dt(" 7-Feb-1994 21:52:25 -0800 ", &t, NULL), -1);
	test_assert_int(dt("\"7-Feb-1994 21:52:25 -0800\"", &t, NULL), -1);
	test_assert_int(dt("29-Feb-1900 00:00:00 +0000", &t, NULL), -1);
	test_assert_int(dt("31-Apr-2020 00:00:00 +0000", &t, NULL), -1);
	test_assert_int(dt("00-Apr-2020 00:00:00 +0000", &t, NULL), -1);
	test_assert_int(dt("01-Foo-2020 00:00:00 +0000", &t, NULL), -1);
	test_assert_int(dt("01-Jan-2020 24:00:00 +0000", &t, NULL), -1);
	test_assert_int(dt("01-Jan-2020 23:60:00 +0000", &t, NULL), -1);
	test_assert_int(dt("01-Jan-2020 23:00:61 +0000", &t, NULL), -1);
	test_assert_int(dt("01-Jan-2020 23:00:00 +0060", &t, NULL), -1);
	test_assert_int(dt("01-Jan-2020 23:00:00 0000 ", &t, NULL), -1);
	test_assert_int(dt("01-Jan-2020 23:00:00 +00a0", &t, NULL), -1);
	test_assert_int(dt("01-Jan-20x0 23:00:00 +0000", &t, NULL), -1);
	test_assert_int(dt("01-Jan-2020T23:00:00 +0000", &t, NULL), -1);
	test_assert_int(dt(" x-Jan-2020 23:00:00 +0000", &t, NULL), -1);
	test_end();
}

static void test_imap_date_format(void)
{
	buf_t out = BUF_INIT;
	time_t t;

	test_begin("imap_date: date-time formatted, and parsed back");
	imap_date_time_format(utc(1994, 2, 8, 5, 52, 25), -480, &out);
	test_assert_str(buf_str(&out), " 7-Feb-1994 21:52:25 -0800");
	buf_reset(&out);
	imap_date_time_format(utc(2026, 12, 31, 23, 30, 0), 90, &out);
	test_assert_str(buf_str(&out), " 1-Jan-2027 01:00:00 +0130");
	buf_reset(&out);
	imap_date_time_format(0, 0, &out);
	test_assert_str(buf_str(&out), " 1-Jan-1970 00:00:00 +0000");
	buf_reset(&out);
	imap_date_time_format(-1, -1, &out);
	test_assert_str(buf_str(&out), "31-Dec-1969 23:58:59 -0001");
	for (time_t x = -5000000000; x < 5000000000; x += 98765431) {
		int zone = (int) (x % 600), z2;

		buf_reset(&out);
		imap_date_time_format(x, zone, &out);
		test_assert_int(imap_date_time_parse(out.data, out.len, &t, &z2), 0);
		test_assert_int(t, x);
		test_assert_int(z2, zone);
	}
	buf_release(&out);
	test_end();
}

static void test_imap_date_date(void)
{
	int64_t day = 0;

	test_begin("imap_date: SEARCH dates and the day of a time");
	test_assert_int(imap_date_parse("1-Feb-1994", 10, &day), 0);
	test_assert_int(day, utc(1994, 2, 1, 0, 0, 0) / 86400);
	test_assert_int(imap_date_parse("01-FEB-1994", 11, &day), 0);
	test_assert_int(day, utc(1994, 2, 1, 0, 0, 0) / 86400);
	test_assert_int(imap_date_parse("1-Jan-1970", 10, &day), 0);
	test_assert_int(day, 0);
	test_assert_int(imap_date_parse("31-Dec-1969", 11, &day), 0);
	test_assert_int(day, -1);
	test_assert_int(imap_date_parse("29-Feb-2024", 11, &day), 0);
	test_assert_int(day, utc(2024, 2, 29, 0, 0, 0) / 86400);
	test_assert_int(imap_date_parse("29-Feb-2023", 11, &day), -1);
	test_assert_int(imap_date_parse(" 1-Feb-1994", 11, &day), -1);
	test_assert_int(imap_date_parse("001-Feb-1994", 12, &day), -1);
	test_assert_int(imap_date_parse("1-Feb-94", 8, &day), -1);
	test_assert_int(imap_date_parse("1 Feb 1994", 10, &day), -1);
	test_assert_int(imap_date_parse("", 0, &day), -1);
	test_assert_int(imap_date_parse("1", 1, &day), -1);
	test_assert_int(imap_date_day(utc(1994, 2, 1, 23, 0, 0), 0),
			utc(1994, 2, 1, 0, 0, 0) / 86400);
	test_assert_int(imap_date_day(utc(1994, 2, 1, 23, 0, 0), 60),
			utc(1994, 2, 2, 0, 0, 0) / 86400);
	test_assert_int(imap_date_day(utc(1994, 2, 1, 0, 30, 0), -60),
			utc(1994, 1, 31, 0, 0, 0) / 86400);
	test_assert_int(imap_date_day(-1, 0), -1);
	test_assert_int(imap_date_day(-86400, 0), -1);
	test_assert_int(imap_date_day(-86401, 0), -2);
	test_end();
}

static int hd(const char *s, time_t *t, int *zone)
{
	return imap_date_rfc5322_parse(s, strlen(s), t, zone);
}

static void test_imap_date_rfc5322(void)
{
	static const struct {
		const char *text;
		int y, mo, d, h, mi, s, zone;
	} good[] = {
		{ "Fri, 21 Nov 1997 09:55:06 -0600", 1997, 11, 21, 9, 55, 6, -360 },
		{ "21 Nov 1997 09:55:06 +0000", 1997, 11, 21, 9, 55, 6, 0 },
		{ "Tue, 1 Jul 2003 10:52:37 +0200", 2003, 7, 1, 10, 52, 37, 120 },
		{ "Thu,\r\n 13\r\n   Feb\r\n     1969\r\n 23:32\r\n  -0330 (Newfoundland Time)",
		  1969, 2, 13, 23, 32, 0, -210 },
		{ "Fri, 21 Nov 97 09:55:06 GMT", 1997, 11, 21, 9, 55, 6, 0 },
		{ "21 Nov 49 09:55:06 UT", 2049, 11, 21, 9, 55, 6, 0 },
		{ "21 Nov 50 09:55:06 UT", 1950, 11, 21, 9, 55, 6, 0 },
		{ "21 Nov 105 09:55:06 UT", 2005, 11, 21, 9, 55, 6, 0 },
		{ "Mon, 3 Jan 2000 1:02 EST", 2000, 1, 3, 1, 2, 0, -300 },
		{ "3 Jan 2000 10:00 EDT", 2000, 1, 3, 10, 0, 0, -240 },
		{ "3 jan 2000 10:00:00 pst", 2000, 1, 3, 10, 0, 0, -480 },
		{ "3 Jan 2000 10:00:00 PDT", 2000, 1, 3, 10, 0, 0, -420 },
		{ "3 Jan 2000 10:00:00 CST", 2000, 1, 3, 10, 0, 0, -360 },
		{ "3 Jan 2000 10:00:00 MDT", 2000, 1, 3, 10, 0, 0, -360 },
		{ "3 Jan 2000 10:00:00 Z", 2000, 1, 3, 10, 0, 0, 0 },
		{ "3 Jan 2000 10:00:00 CEST", 2000, 1, 3, 10, 0, 0, 0 },
		{ "3 Jan 2000 10:00:00", 2000, 1, 3, 10, 0, 0, 0 },
		{ "3 Jan 2000 10:00:00 +0000 (UTC)", 2000, 1, 3, 10, 0, 0, 0 },
		{ "Mon, 3 Jan 2000 10:00:00 -0500 EST", 2000, 1, 3, 10, 0, 0, -300 },
		{ "(x (y) \\) z) Mon (a) , (b) 3 (c) Jan 2000 10 : 00 : 00 +0100 (d)",
		  2000, 1, 3, 10, 0, 0, 60 },
		{ "Mon 3 Jan 2000 10:00:00 +0100", 2000, 1, 3, 10, 0, 0, 60 },
		{ "29 Feb 2000 10:00:60 +0000", 2000, 2, 29, 10, 1, 0, 0 },
		{ "3 Jan 2000 10:00:00 +0000 (unterminated", 2000, 1, 3, 10, 0, 0, 0 },
		{ NULL, 0, 0, 0, 0, 0, 0, 0 },
	};
	static const char *const bad[] = {
		"", "Mon,", "3 Jan", "3 Jan 2000", "3 Jan 2000 10", "3 Jan 2000 10:",
		"32 Jan 2000 10:00:00 +0000", "29 Feb 1900 10:00:00 +0000",
		"3 Foo 2000 10:00:00 +0000", "3 Jan 2000 25:00:00 +0000",
		"3 Jan 2000 10:00:00 +000", "3 Jan 2000 10:00:00 +00000",
		"3 Jan 2000 10:00:00 +0060", "3 Jan 2000 10:00:00 +0000 x y",
		"3 Jan 2000 10:00:00 +0000 1", "3 Jan 2 10:00:00 +0000",
		"3 Jan 20000 10:00:00 +0000", "3-Jan-2000 10:00:00 +0000",
		"123 Jan 2000 10:00:00 +0000", "3 Jan 2000 10:00:00 EST EDT",
		"3 Jan 2000 10.00.00 +0000",
		"((((((((((((((((((((x)))))))))))))))))))) 3 Jan 2000 10:00 +0000",
		NULL,
	};
	time_t t;
	int zone;

	test_begin("imap_date: RFC 5322 Date: values, obsolete forms too");
	for (size_t i = 0; good[i].text != NULL; i++) {
		int r = hd(good[i].text, &t, &zone);

		test_assert_int(r, 0);
		if (r != 0) {
			printf("  refused \"%s\"\n", good[i].text);
			continue;
		}
		test_assert_int(t, utc(good[i].y, good[i].mo, good[i].d, good[i].h,
				       good[i].mi, good[i].s) - good[i].zone * 60);
		test_assert_int(zone, good[i].zone);
	}
	for (size_t i = 0; bad[i] != NULL; i++) {
		int r = hd(bad[i], &t, &zone);

		test_assert_int(r, -1);
		if (r != -1)
			printf("  accepted \"%s\"\n", bad[i]);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_imap_date_time,
		test_imap_date_format,
		test_imap_date_date,
		test_imap_date_rfc5322,
		NULL,
	};

	return test_main(tests);
}
