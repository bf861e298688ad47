/* imap_date.h - the dates of IMAP: date-time and date (RFC 3501 §9) and
 * the RFC 5322 §3.3 Date: header value, parsed into times, and
 * date-time formatted.
 *
 * APPEND takes a date-time for INTERNALDATE and FETCH INTERNALDATE gives
 * one back; SEARCH BEFORE/ON/SINCE take a date, compared with the
 * internal date's day; SENTBEFORE/SENTON/SENTSINCE, and SORT (DATE)
 * later, read the Date: header, obsolete forms included as RFC 5322 §4.3
 * asks (two-digit years, named zones, no seconds, comments).  Times are
 * time_t (seconds since the epoch, UTC); a zone is minutes east of UTC.
 * Pure arithmetic, no locale or time zone database, except
 * imap_date_local_zone().  RFC 5322 dates for headers tern writes come
 * from the writers' own code (lib/dsn.c, smtpd's Received): a different
 * format in local time.
 */
#ifndef TERN_IMAP_DATE_H
#define TERN_IMAP_DATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

/* Nesting of comments in a Date: value that is followed. */
#define IMAP_DATE_COMMENT_DEPTH_MAX	16

/* RFC 3501 date-time without its quotes (the parser removed them):
 * "dd-Mon-yyyy hh:mm:ss +zzzz", the day two digits or space and digit,
 * the month's name in any case.  Sets *t_r and *zone_r (minutes east;
 * may be NULL); 0, or -1 for anything else or an impossible date. */
int imap_date_time_parse(const char *s, size_t len, time_t *t_r, int *zone_r);

/* Append t as seen in zone (minutes east) as a date-time without quotes:
 * " 7-Feb-1994 21:52:25 -0800" (RFC 3501 date-day-fixed: a space before
 * a one-digit day).  Years 0-9999. */
void imap_date_time_format(time_t t, int zone, buf_t *out);

/* RFC 3501 date-text "d-Mon-yyyy" (day of one or two digits): its day
 * number (days since 1970-01-01, negative before) in *day_r; 0 or -1. */
int imap_date_parse(const char *s, size_t len, int64_t *day_r);

/* The day number of t as seen in zone: what SEARCH ON compares
 * ("disregarding time and timezone", RFC 3501 §6.4.4). */
int64_t imap_date_day(time_t t, int zone);

/* An RFC 5322 §3.3 date-time (the Date: field's value, unfolded or
 * not), obsolete syntax of §4.3 accepted: comments and white space
 * between the parts, a two- or three-digit year (below 50: 20xx, else
 * 19xx), a missing seconds field, the zones UT, GMT, EST/EDT, CST/CDT,
 * MST/MDT, PST/PDT, military letters and unknown names (-0000, as §4.3
 * says), and, beyond the RFC, a missing zone (-0000) and a zone name
 * after a numeric one ("+0000 UTC").  Sets *t_r and *zone_r (may be
 * NULL); 0, or -1 when it is no date. */
int imap_date_rfc5322_parse(const char *s, size_t len, time_t *t_r,
			    int *zone_r);

/* Minutes east of UTC of the local time zone at t (0 when unknown, as
 * in a chroot without the zone files). */
int imap_date_local_zone(time_t t);

#endif
