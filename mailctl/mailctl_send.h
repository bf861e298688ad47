/* mailctl_send.h - what the files of `mailctl send` (sendmail) share.
 *
 * mailctl_send.c reads the message and submits it over SMTP;
 * mailctl_send_rcpt.c finds the addresses in RFC 5322 address lists (the
 * To/Cc/Bcc fields of -t, and the command line's recipients);
 * mailctl_send_drop.c hands the message to terndrop when tern is not
 * running; mailctl_sendmail.c has sendmail's other modes (-bi, -bp, -q).
 */
#ifndef TERN_MAILCTL_SEND_H
#define TERN_MAILCTL_SEND_H

#include <stddef.h>

/* A list of envelope addresses, without duplicates (case-insensitive). */
typedef struct mailctl_rcpts {
	char **addr;
	size_t count, alloc;
} mailctl_rcpts_t;

/* Add each address of an RFC 5322 address list ("A <a@x>, b@y, group:
 * c@z;"): display names, comments and group names are dropped; an address
 * without a domain gets "@origin".  Returns the number of addresses that
 * were too long to be a path and were left out (each also logged). */
int mailctl_rcpts_add_list(mailctl_rcpts_t *r, const char *list,
			   const char *origin);
void mailctl_rcpts_free(mailctl_rcpts_t *r);

/* terndrop, fed the maildrop file format on its standard input. */
typedef struct mailctl_drop mailctl_drop_t;
/* Leave out (logged) the recipients that are no valid SMTP path, which
 * smtpd would refuse; the number left out. */
size_t mailctl_drop_check_rcpts(mailctl_rcpts_t *r);
/* Start terndrop and give it the envelope; NULL (logged) with the exit
 * status for sendmail in *status_r. */
mailctl_drop_t *mailctl_drop_open(const char *sender,
				  const mailctl_rcpts_t *rcpts, int *status_r);
/* Message content, as it is to be sent. */
void mailctl_drop_write(mailctl_drop_t *d, const char *data, size_t len);
/* terndrop stopped reading: it will fail, and its status says why. */
int mailctl_drop_broken(const mailctl_drop_t *d);
/* End the input and wait for terndrop: 0 when the message is kept, else
 * an exit status (sysexits.h) for sendmail. */
int mailctl_drop_close(mailctl_drop_t **dp);

/* The sendmail modes other than sending, by their -b letter ('i', 'p')
 * or 'q': they need root (or the instance's owner).  An exit status. */
int mailctl_sendmail_mode(int mode);

#endif
