/* mail_flags.h - message flags as Maildir file names carry them, and the
 * keyword names of a folder (architecture §3: the names are the truth).
 *
 * A name's info part ":2,<letters>" holds one letter per flag, sorted:
 * upper case for the system flags (D draft, F flagged, P passed, R
 * replied, S seen, T trashed; IMAP's \Draft \Flagged \Answered \Seen
 * \Deleted, RFC 3501 §2.3.2; P has no IMAP flag and is kept as it is),
 * lower case a-z for keywords 0-25 of the folder's keyword list.  The
 * list is the file "dovecot-keywords" in the folder ("<index> <name>"
 * lines), the same file and letters as Dovecot's Maildir, so that a tree
 * either server wrote means the same to the other; a folder holds at most
 * 26 keywords, as there.  \Recent is never stored (a session's notion).
 */
#ifndef TERN_MAIL_FLAGS_H
#define TERN_MAIL_FLAGS_H

#include <stdint.h>

#include "buf.h"

#define MAIL_KEYWORDS_MAX	26
#define MAIL_KEYWORD_LEN_MAX	128	/* octets of one keyword name */
#define MAIL_KEYWORDS_FILE	"dovecot-keywords"

/* The flags of one message: the system flag letters and keyword bits. */
typedef struct mail_flags {
	uint32_t upper;		/* bit n: letter 'A' + n */
	uint32_t keywords;	/* bit n: letter 'a' + n, keyword n */
} mail_flags_t;

/* The flags of a file name's info part (after ":2,"; none without it). */
void mail_flags_from_name(const char *name, mail_flags_t *f);
/* The name with its info part replaced by f's letters: base + ":2," +
 * sorted letters, appended to out.  base is the name up to its ':'. */
void mail_flags_name(const char *name, const mail_flags_t *f, buf_t *out);

/* The Maildir letter of an IMAP system flag (case-insensitive, with its
 * backslash), or 0 when flag is not one (\Recent included). */
char mail_flag_letter(const char *flag);
/* The IMAP name of a letter that has one ("\\Seen"), else NULL. */
const char *mail_flag_imap(char letter);
/* Is c a letter that an IMAP system flag has? */
int mail_flag_is_system(char letter);

/* A folder's keyword list, loaded from its keyword file. */
typedef struct mail_keywords {
	char *names[MAIL_KEYWORDS_MAX];
	int changed;		/* added to since loading */
} mail_keywords_t;

/* Load the list from the folder whose directory descriptor is dirfd (a
 * missing file is an empty list; malformed lines are skipped) into kw,
 * which is empty (zeroed) or a list loaded before, whose names are freed.
 * 0, or -1 with errno on a read error. */
int mail_keywords_load(int dirfd, mail_keywords_t *kw);
/* Write it by a temporary file, fsync and rename.  0 or -1 with errno. */
int mail_keywords_save(int dirfd, const mail_keywords_t *kw);
void mail_keywords_free(mail_keywords_t *kw);
/* A keyword's index (names compare case-insensitively, RFC 3501 §2.3.2),
 * or -1. */
int mail_keywords_find(const mail_keywords_t *kw, const char *name);
/* The index of name, added when new: -1 when the list is full. */
int mail_keywords_add(mail_keywords_t *kw, const char *name);
/* Is name a valid keyword: an IMAP atom (RFC 3501 §9 flag-keyword), not
 * starting with a backslash, at most MAIL_KEYWORD_LEN_MAX octets? */
int mail_keyword_valid(const char *name);

#endif
