/* mail_subscribe.h - a user's IMAP subscriptions (RFC 3501 §6.3.6, §6.3.9).
 *
 * The file "subscriptions" in the user's Maildir, written as Dovecot 2.2
 * and later write theirs, so that a tree Dovecot served keeps its
 * subscriptions: a first line "V<TAB>2", an empty line, then one mailbox
 * per line with TAB where the name has its hierarchy delimiter.  A file
 * without that first line is read as one wire name per line (Dovecot's
 * older format, Courier's).  Names are kept as given, whether or not the
 * folder exists (RFC 3501 §6.3.6 allows subscribing to what is not
 * there).  Replaced by a temporary file and rename on each change.
 */
#ifndef TERN_MAIL_SUBSCRIBE_H
#define TERN_MAIL_SUBSCRIBE_H

#include <stddef.h>

#define MAIL_SUBSCRIBE_FILE	"subscriptions"
#define MAIL_SUBSCRIBE_MAX	10000	/* names kept per user */

typedef struct mail_subscriptions {
	char **names;		/* sorted, wire form ('/' delimiter) */
	size_t n;
} mail_subscriptions_t;

/* Load the subscriptions of the Maildir root_fd (none when there is no
 * file).  0, or -1 with errno. */
int mail_subscribe_load(int root_fd, mail_subscriptions_t *subs);
void mail_subscribe_free(mail_subscriptions_t *subs);
/* Is name subscribed? */
int mail_subscribe_has(const mail_subscriptions_t *subs, const char *name);
/* Subscribe (on = 1) or unsubscribe name and save the file: 0, or -1
 * with errno (ENOSPC: MAIL_SUBSCRIBE_MAX reached).  A name that is
 * already so changes nothing. */
int mail_subscribe_set(int root_fd, mail_subscriptions_t *subs,
		       const char *name, int on);

#endif
