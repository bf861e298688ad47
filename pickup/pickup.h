/* pickup.h - what the files of pickup share.
 *
 * pickup.c is the resident process: its configuration, the timer that
 * scans every pickup_interval, and wake-ups on private/pickup;
 * pickup_scan.c goes through the maildrop and judges each file;
 * pickup_submit.c hands one message to smtpd's submit service.
 */
#ifndef TERN_PICKUP_H
#define TERN_PICKUP_H

#include <sys/types.h>

#include "maildrop.h"

struct pickup_conf {
	char *maildrop;		/* the directory, as this process sees it */
	char *submit;		/* the submit socket */
	char *myhostname;	/* for EHLO */
	long interval;		/* pickup_interval, seconds */
	int ipc_timeout;
};

extern struct pickup_conf pickup_conf;

/* pickup_scan.c: one pass over the maildrop, at most PICKUP_BATCH
 * messages.  1 when messages are left for another pass right away. */
#define PICKUP_BATCH 100
int pickup_scan(void);

/* pickup_submit.c */
enum pickup_result {
	PICKUP_QUEUED,		/* smtpd took it: remove the file */
	PICKUP_RETRY,		/* a temporary failure: keep it, try later */
	PICKUP_REFUSED,		/* refused for good (logged): remove it */
};
/* Submit the message of the maildrop file fd (name for the log) as uid:
 * its envelope env, its content from offset off to the end. */
enum pickup_result pickup_submit(const char *name, uid_t uid,
				 const maildrop_env_t *env, int fd, off_t off);

#endif
