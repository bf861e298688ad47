/* maildrop.h - the files of $queue_directory/maildrop: messages given to
 * sendmail while tern was not running.  terndrop(8) writes them (setgid
 * terndrop, as the submitting user); pickup(8) submits them to the queue
 * once tern runs, then removes them.
 *
 * A maildrop file is
 *
 *     TERNDROP1\n
 *     envelope: an attr record (attr.h) of exactly these attributes:
 *         sender=ADDR   once; empty for the null sender
 *         rcpt=ADDR     1 to MAILDROP_MAX_RCPTS times
 *     and the blank line that ends it
 *     content: the message as sendmail prepared it, to the end of the
 *         file; lines end in LF or CRLF
 *
 * sendmail hands terndrop the same magic line and envelope on its
 * standard input, then the content in chunks: a line with the chunk's
 * length in decimal (1 to MAILDROP_CHUNK_MAX), that many octets, and so
 * on; a line "0" ends the message.  Input that ends without that mark is
 * a message cut short (sendmail stopped or was killed), and terndrop keeps
 * nothing of it.  An address is at most MAILDROP_MAX_ADDR octets and is
 * exactly one SMTP path, by the rules smtpd applies to MAIL and RCPT
 * (maildrop_addr_ok): a user cannot keep a message that smtpd would
 * refuse for its form, so pickup never provokes error replies (nor sends
 * control characters, C1 and invalid UTF-8 included, into the log).
 *
 * Everything after the first line was chosen by a local user: the format
 * is parsed strictly and within fixed limits (maildrop_parse takes bytes,
 * the caller does the I/O), and who sent a message is never read from the
 * file: it is the file's owner, which the kernel set when terndrop created
 * it (terndrop(8) explains why no user can forge it).
 *
 * Names: a finished file is MAILDROP_NAME_LEN lower-case hex digits, 128
 * random bits; terndrop writes it as MAILDROP_TMP_PREFIX + name first and
 * renames it when it is complete and on disk, so pickup never sees half a
 * message.  A live terndrop touches its temporary file at least every
 * MAILDROP_TMP_TOUCH seconds, even while sendmail's caller is slow to
 * write, so one untouched for MAILDROP_TMP_LIFETIME belongs to a terndrop
 * that died (or was stopped that long), and pickup removes it.  The same
 * lifetime bounds a finished file with a second link (terndrop_file.c's
 * link + unlink, where rename cannot refuse to replace).
 */
#ifndef TERN_MAILDROP_H
#define TERN_MAILDROP_H

#include <stddef.h>

#include "addr.h"
#include "buf.h"
#include "queue.h"

#define MAILDROP_DIR		"maildrop"
#define MAILDROP_MAGIC		"TERNDROP1\n"
#define MAILDROP_MAGIC_LEN	(sizeof(MAILDROP_MAGIC) - 1)
/* A queue file must be able to hold what pickup submits. */
#define MAILDROP_MAX_RCPTS	QUEUE_MAX_RCPTS
#define MAILDROP_MAX_ADDR	(ADDR_MAX_PATH - 2)
/* The encoded envelope, every LF counted; the magic line comes on top. */
#define MAILDROP_MAX_ENVELOPE	(4 * 1024 * 1024)
#define MAILDROP_MAX_HEAD	(MAILDROP_MAGIC_LEN + MAILDROP_MAX_ENVELOPE)

/* Owner mail_owner, group setgid_group; a file: owner the submitter,
 * group setgid_group (terndrop(8), SECURITY). */
#define MAILDROP_DIR_MODE	01730
#define MAILDROP_FILE_MODE	0404

/* terndrop's input: the largest chunk, and the end mark. */
#define MAILDROP_CHUNK_MAX	65536
#define MAILDROP_END		"0\n"

#define MAILDROP_NAME_LEN	32
#define MAILDROP_TMP_PREFIX	"tmp."
/* Seconds.  An hour is many times what terndrop needs for the largest
 * message it takes, and twelve times the touch interval; it bounds how
 * long a dead terndrop's file, at most message_size_limit, holds space. */
#define MAILDROP_TMP_LIFETIME	3600
#define MAILDROP_TMP_TOUCH	300

/*
 * pickup's own socket, private/pickup (mail_owner and root only): after
 * the hello (proto=pickup, version=1), one request, answered status=ok:
 *   request=wakeup      look in the maildrop now (mailctl queue flush)
 */
#define PICKUP_PROTO		"pickup"
#define PICKUP_VERSION		1
#define PICKUP_SOCKET		"private/pickup"

typedef struct maildrop_env {
	char *sender;		/* "" for the null sender */
	char **rcpts;
	size_t nrcpts;
} maildrop_env_t;

enum maildrop_parse_status {
	MAILDROP_OK = 0,
	MAILDROP_MORE = 1,	/* data ends before the envelope does */
	MAILDROP_BAD = -1,
};

enum maildrop_name_kind {
	MAILDROP_NAME_FINAL,
	MAILDROP_NAME_TMP,
	MAILDROP_NAME_OTHER,
};

/* May addr (len octets) stand in an envelope, as the sender (which may
 * be empty: the null sender) or a recipient?  1, or 0 with *why_r (when
 * why_r is not NULL) a static text saying why not. */
int maildrop_addr_ok(const char *addr, size_t len, int sender,
		     const char **why_r);
/* Append the magic line and the envelope to out: 0, or -1 with *err_r (a
 * static text) when an address is not acceptable, there are no or too
 * many recipients, or the envelope is over MAILDROP_MAX_ENVELOPE. */
int maildrop_encode(const char *sender, char *const *rcpts, size_t nrcpts,
		    buf_t *out, const char **err_r);
/* Parse the first len octets of a maildrop file.  MAILDROP_OK: env is
 * filled (free with maildrop_env_clear) and the content starts at
 * *content_off_r.  MAILDROP_MORE: the envelope is not complete in data,
 * which is shorter than MAILDROP_MAX_HEAD.  MAILDROP_BAD: *err_r says why
 * (a static text). */
int maildrop_parse(const char *data, size_t len, maildrop_env_t *env,
		   size_t *content_off_r, const char **err_r);
void maildrop_env_clear(maildrop_env_t *env);

/* A new random name (MAILDROP_NAME_LEN hex digits): 0, or -1 with errno
 * when the kernel gives no randomness. */
int maildrop_name_new(char out[MAILDROP_NAME_LEN + 1]);
enum maildrop_name_kind maildrop_name_kind(const char *name);

#endif
