/* mailctl_send.h - what the two files of `mailctl send` share.
 *
 * mailctl_send.c reads the message and submits it over SMTP;
 * mailctl_send_rcpt.c finds the addresses in RFC 5322 address lists (the
 * To/Cc/Bcc fields of -t, and the command line's recipients).
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

#endif
