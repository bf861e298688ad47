/* imap_date.c - IMAP date-time and date, RFC 5322 Date: values
 * (imap_date.h).
 *
 * Calendar arithmetic is done here, on the proleptic Gregorian calendar
 * (a day count from the civil date by eras of 400 years), so that
 * parsing needs neither timegm() nor the process's time zone.
 */
#include <string.h>
#include <strings.h>

#include "imap_date.h"

static const char *const imap_date_months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static int imap_date_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int imap_date_mdays(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && imap_date_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (m 1-12).  The year is counted from
 * March, so the leap day ends a year; 400-year eras repeat exactly
 * (146097 days); 719468 days lie from 0000-03-01 to 1970-01-01. */
static int64_t imap_date_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Month 1-12 from its three-letter name in any case; 0 if none. */
static int imap_date_month(const char *s, size_t len)
{
	if (len != 3)
		return 0;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(s, imap_date_months[i], 3) == 0)
			return i + 1;
	return 0;
}

/* Exactly n digits at s as a number, or -1. */
static int imap_date_digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int imap_date_valid(int64_t y, int m, int d, int h, int mi, int s)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= imap_date_mdays(y, m) &&
		h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

static time_t imap_date_time(int64_t y, int m, int d, int h, int mi, int s,
			     int zone)
{
	return (time_t) (imap_date_days(y, m, d) * 86400 + h * 3600 + mi * 60 +
			 s - (int64_t) zone * 60);
}

int imap_date_time_parse(const char *s, size_t len, time_t *t_r, int *zone_r)
{
	int d, m, y, h, mi, sec, zh, zm, zone;

	/* "dd-Mon-yyyy hh:mm:ss +zzzz" */
	if (len != 26 || s[2] != '-' || s[6] != '-' || s[11] != ' ' ||
	    s[14] != ':' || s[17] != ':' || s[20] != ' ' ||
	    (s[21] != '+' && s[21] != '-'))
		return -1;
	d = s[0] == ' ' ? imap_date_digits(s + 1, 1) : imap_date_digits(s, 2);
	m = imap_date_month(s + 3, 3);
	y = imap_date_digits(s + 7, 4);
	h = imap_date_digits(s + 12, 2);
	mi = imap_date_digits(s + 15, 2);
	sec = imap_date_digits(s + 18, 2);
	zh = imap_date_digits(s + 22, 2);
	zm = imap_date_digits(s + 24, 2);
	if (d < 0 || y < 0 || zh < 0 || zm < 0 || zm > 59 ||
	    !imap_date_valid(y, m, d, h, mi, sec))
		return -1;
	zone = (zh * 60 + zm) * (s[21] == '-' ? -1 : 1);
	*t_r = imap_date_time(y, m, d, h, mi, sec, zone);
	if (zone_r != NULL)
		*zone_r = zone;
	return 0;
}

void imap_date_time_format(time_t t, int zone, buf_t *out)
{
	time_t local = t + (time_t) zone * 60;
	int az = zone < 0 ? -zone : zone;
	struct tm tm;

	/* gmtime_r is pure arithmetic: no time zone is consulted. */
	if (gmtime_r(&local, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	buf_printf(out, "%2d-%s-%04d %02d:%02d:%02d %c%02d%02d", tm.tm_mday,
		   imap_date_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		   tm.tm_min, tm.tm_sec, zone < 0 ? '-' : '+', az / 60, az % 60);
}

int imap_date_parse(const char *s, size_t len, int64_t *day_r)
{
	size_t dl = len > 0 && len >= 2 && s[1] == '-' ? 1 : 2;
	int d, m, y;

	/* "d-Mon-yyyy" or "dd-Mon-yyyy" */
	if (len != dl + 9 || s[dl] != '-' || s[dl + 4] != '-')
		return -1;
	d = imap_date_digits(s, dl);
	m = imap_date_month(s + dl + 1, 3);
	y = imap_date_digits(s + dl + 5, 4);
	if (d < 0 || y < 0 || !imap_date_valid(y, m, d, 0, 0, 0))
		return -1;
	*day_r = imap_date_days(y, m, d);
	return 0;
}

int64_t imap_date_day(time_t t, int zone)
{
	int64_t secs = (int64_t) t + (int64_t) zone * 60;

	return secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
}

/* One token of an RFC 5322 date: a run of digits ('0'), of letters
 * ('a'), or one other character (itself); 0 at the end of the input,
 * -1 for a comment nested too deeply. */
struct imap_date_tok {
	const char *s;
	size_t len;
	int kind;
};

/* The next token after white space and comments (RFC 5322 CFWS; a
 * comment nests and may quote with "\\").  An unterminated comment
 * ends the input. */
static void imap_date_token(const char **pp, const char *end,
			    struct imap_date_tok *t)
{
	const char *p = *pp;
	int depth = 0;

	t->s = p;
	t->len = 0;
	t->kind = 0;
	for (; p < end; p++) {
		if (depth == 0 && *p != '(' && *p != ' ' && *p != '\t' &&
		    *p != '\r' && *p != '\n')
			break;
		if (*p == '(' && ++depth > IMAP_DATE_COMMENT_DEPTH_MAX) {
			t->kind = -1;
			*pp = end;
			return;
		}
		if (depth > 0 && *p == ')')
			depth--;
		else if (depth > 0 && *p == '\\' && p + 1 < end)
			p++;
	}
	if (p == end) {
		*pp = end;
		return;
	}
	t->s = p;
	if (*p >= '0' && *p <= '9') {
		t->kind = '0';
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
		t->kind = 'a';
		while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			p++;
	} else {
		t->kind = (unsigned char) *p++;
	}
	t->len = (size_t) (p - t->s);
	*pp = p;
}

/* A number token of min..max digits, or -1. */
static int imap_date_tok_num(const struct imap_date_tok *t, size_t min,
			     size_t max)
{
	if (t->kind != '0' || t->len < min || t->len > max)
		return -1;
	return imap_date_digits(t->s, t->len);
}

/* RFC 5322 §4.3 obs-zone: the US zones by name; UT, GMT, military
 * letters and names not known are -0000, that is 0. */
static int imap_date_zone_name(const struct imap_date_tok *t)
{
	static const struct { const char *name; int hours; } zones[] = {
		{ "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
		{ "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (t->len == 3 && strncasecmp(t->s, zones[i].name, 3) == 0)
			return zones[i].hours * 60;
	return 0;
}

int imap_date_rfc5322_parse(const char *s, size_t len, time_t *t_r,
			    int *zone_r)
{
	const char *p = s, *end = s + len;
	struct imap_date_tok t;
	int d, m, y, h, mi, sec = 0, zone = 0;

	imap_date_token(&p, end, &t);
	if (t.kind == 'a') {
		/* [day-of-week ","]: the name is not checked against the
		 * date, and a missing comma is forgiven */
		imap_date_token(&p, end, &t);
		if (t.kind == ',')
			imap_date_token(&p, end, &t);
	}
	d = imap_date_tok_num(&t, 1, 2);
	imap_date_token(&p, end, &t);
	m = t.kind == 'a' ? imap_date_month(t.s, t.len) : 0;
	imap_date_token(&p, end, &t);
	y = imap_date_tok_num(&t, 2, 4);
	if (y >= 0 && t.len == 2)
		y += y < 50 ? 2000 : 1900;
	else if (y >= 0 && t.len == 3)
		y += 1900;
	imap_date_token(&p, end, &t);
	h = imap_date_tok_num(&t, 1, 2);
	imap_date_token(&p, end, &t);
	if (t.kind != ':')
		return -1;
	imap_date_token(&p, end, &t);
	mi = imap_date_tok_num(&t, 1, 2);
	imap_date_token(&p, end, &t);
	if (t.kind == ':') {
		imap_date_token(&p, end, &t);
		sec = imap_date_tok_num(&t, 1, 2);
		imap_date_token(&p, end, &t);
	}
	if (d < 0 || y < 0 || h < 0 || mi < 0 || sec < 0 ||
	    !imap_date_valid(y, m, d, h, mi, sec))
		return -1;
	if (t.kind == '+' || t.kind == '-') {
		int sign = t.kind == '-' ? -1 : 1, z;

		imap_date_token(&p, end, &t);
		if ((z = imap_date_tok_num(&t, 4, 4)) < 0 || z % 100 > 59)
			return -1;
		zone = sign * (z / 100 * 60 + z % 100);
		imap_date_token(&p, end, &t);
		if (t.kind == 'a')	/* "+0000 UTC" */
			imap_date_token(&p, end, &t);
	} else if (t.kind == 'a') {
		zone = imap_date_zone_name(&t);
		imap_date_token(&p, end, &t);
	}
	if (t.kind != 0)
		return -1;
	*t_r = imap_date_time(y, m, d, h, mi, sec, zone);
	if (zone_r != NULL)
		*zone_r = zone;
	return 0;
}

int imap_date_local_zone(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int) (tm.tm_gmtoff / 60);
}
