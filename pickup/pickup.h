/* pickup.h - what the files of pickup share.
 *
 * pickup.c is the resident process: its configuration, the timer that
 * starts a round over the maildrop every pickup_interval, and wake-ups on
 * private/pickup; pickup_scan.c goes through the maildrop and judges each
 * file and decides its fate; pickup_state.c remembers, between rounds,
 * how far each kept message got; pickup_submit.c hands a message to
 * smtpd's submit service, and pickup_bounce.c tells its sender what was
 * refused.
 */
#ifndef TERN_PICKUP_H
#define TERN_PICKUP_H

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "maildrop.h"
#include "submit.h"

struct pickup_conf {
	char *maildrop;		/* the directory, as this process sees it */
	char *submit;		/* the submit socket */
	char *myhostname;	/* for EHLO and the reports */
	long interval;		/* pickup_interval, seconds */
	long retry_lifetime;	/* pickup_retry_lifetime, seconds */
	int ipc_timeout;
};

extern struct pickup_conf pickup_conf;

/* pickup_scan.c: the next batch of a round over the maildrop, at most
 * PICKUP_BATCH entries, starting a round when none is under way.  1 when
 * the round goes on (call again right away), 0 when it ended. */
#define PICKUP_BATCH 100
int pickup_scan(void);
/* Read fd from offset base + out->len until out holds want octets or the
 * file ends; -1 on a read error. */
int pickup_read_at(int fd, off_t base, size_t want, buf_t *out);
/* Is a round under way? */
int pickup_scan_busy(void);

/* pickup_state.c: a maildrop file, as far as pickup got with it.  Its
 * recipients are settled in order: those before `settled` were queued or
 * refused for good, and the refused ones wait in `refused` for the
 * report to the sender.  Kept in memory only (the file is the submitter's
 * and never written): a restart of pickup submits a message that was half
 * done again from its first recipient, as a crash after smtpd's 250 does
 * - at most a duplicate, never a loss. */
typedef struct pickup_refusal {
	char *rcpt;
	char *status;		/* X.Y.Z (RFC 3463) */
	char *text;		/* why: smtpd's reply, or pickup's words */
} pickup_refusal_t;

typedef struct pickup_state {
	char name[MAILDROP_NAME_LEN + 1];
	dev_t dev;
	ino_t ino;
	size_t settled;
	pickup_refusal_t *refused;
	size_t nrefused, refused_alloc;
	time_t failing_since;	/* first temporary failure since the last
				 * progress, or 0 */
	char *problem;		/* the last temporary failure */
	unsigned long round;	/* the last round that saw the file */
	struct pickup_state *link;
} pickup_state_t;

/* The state of the file name (st its fstat), made when there is none or
 * when the name now holds another file; marked seen in round. */
pickup_state_t *pickup_state_get(const char *name, const struct stat *st,
				 unsigned long round);
/* The file is gone: forget its state; sets *sp to NULL. */
void pickup_state_forget(pickup_state_t **sp);
/* After a complete round: forget every file it did not see. */
void pickup_state_sweep(unsigned long round);
/* Recipient rcpt refused for good, with status and text (copied; the
 * text is cut at PICKUP_TEXT_MAX octets). */
#define PICKUP_TEXT_MAX 400
void pickup_state_refuse(pickup_state_t *s, const char *rcpt,
			 const char *status, const char *text);
/* Undo the refusals after the first n (a transaction that failed). */
void pickup_state_unrefuse(pickup_state_t *s, size_t n);
/* Recipients before n are settled: progress, so failing_since is 0. */
void pickup_state_settle(pickup_state_t *s, size_t n);
/* A temporary failure, text (copied) saying what it was. */
void pickup_state_problem(pickup_state_t *s, const char *text);

/* One maildrop message being dealt with. */
typedef struct pickup_msg {
	const char *name;
	uid_t uid;		/* the submitter: the file's owner */
	int fd;
	off_t off;		/* where the content starts */
	time_t arrival;		/* when terndrop kept it (the file's mtime) */
	const maildrop_env_t *env;
	pickup_state_t *state;
} pickup_msg_t;

enum pickup_result {
	PICKUP_DONE,		/* every recipient settled, or the report
				 * sent (or refused for good) */
	PICKUP_RETRY,		/* this message failed for now: keep it, go
				 * on with the next */
	PICKUP_DOWN,		/* the submit service failed: keep it, end
				 * the round */
};

/* pickup_submit.c: submit the recipients of m that are not settled yet,
 * in as many transactions as smtpd wants (452 4.5.3), as the file's
 * owner (XUID). */
enum pickup_result pickup_submit(pickup_msg_t *m);
/* A session with the submit service, after EHLO, and XUID m->uid when
 * as_owner; NULL when the service failed (logged, PICKUP_DOWN). */
submit_t *pickup_connect(const pickup_msg_t *m, int as_owner);
/* A reply other than the one hoped for, 4xx or none, to what: logged,
 * noted as m's problem; PICKUP_RETRY. */
enum pickup_result pickup_retry(pickup_msg_t *m, submit_t *sub,
				const char *what);

/* pickup_bounce.c: the non-delivery report on m's refused recipients to
 * its sender (not the null sender). */
enum pickup_result pickup_bounce(pickup_msg_t *m);

#endif
