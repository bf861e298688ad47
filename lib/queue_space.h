/* queue_space.h - whether the queue's file system has room for more mail
 * (queue_minfree).
 *
 * One rule for every way into the queue: smtpd before it takes a message
 * (MAIL, DATA, BDAT: 452 4.3.1 otherwise), terndrop before and while it
 * keeps one in the maildrop (EX_TEMPFAIL otherwise), so that a local user
 * cannot fill the file system past the point where smtpd stops taking
 * mail.  The caller does the statvfs (on the queue directory, or on any
 * descriptor in that file system); this only judges its result.
 */
#ifndef TERN_QUEUE_SPACE_H
#define TERN_QUEUE_SPACE_H

#include <sys/statvfs.h>

/* The free space the queue must keep: minfree (queue_minfree), or 1.5 x
 * size_limit (message_size_limit) when minfree is 0. */
unsigned long long queue_space_need(unsigned long long minfree,
				    unsigned long long size_limit);
/* Does st (what statvfs reported for the queue's file system) have size
 * octets free on top of queue_space_need()?  Only the space an
 * unprivileged writer may use counts (f_bavail). */
int queue_space_ok(const struct statvfs *st, unsigned long long minfree,
		   unsigned long long size_limit, unsigned long long size);

#endif
