/* imapd_search.h - SEARCH's keys evaluated against the selected folder
 * (imapd_search.c), for the command (imapd_cmd_search.c).
 *
 * The tree comes from lib/imap_search_parse.h.  imapd_search_prepare()
 * binds it to the view as it is when the command runs: "*" of sequence
 * and UID sets, keyword names to the folder's keyword indexes, one text
 * matcher per string key.  imapd_search_match() then answers message by
 * message, reading the file only when a key needs it and the keys that
 * need none did not decide already (and the folder's cache of ENVELOPEs
 * cannot answer instead).
 */
#ifndef TERN_IMAPD_SEARCH_H
#define TERN_IMAPD_SEARCH_H

#include <stdint.h>

#include "imap_search_parse.h"
#include "imapd_session.h"

typedef struct imapd_search {
	imapd_session_t *sess;
	imap_search_node_t *root;
	uint32_t count;		/* messages searched: sequence numbers
				 * 1..count of the view */
	unsigned long unreadable;	/* files that failed but for ENOENT */
	/* When every key that needs the file is one the ENVELOPE answers
	 * (FROM TO CC BCC SUBJECT, SENT*), the cached ENVELOPEs FETCH left
	 * are read instead, a group of messages under one lock. */
	int use_cache;
	uint32_t group_first;	/* the group read: its first sequence
				 * number, 0: none yet */
	buf_t *envelopes;	/* the group's, empty for a miss */
	imap_parser_t *parser;	/* reads one back into arguments */
} imapd_search_t;

/* Bind root (kept by the caller, freed after imapd_search_release) to
 * the selected folder.  0, or -1 after imapd_bad()/imapd_no(). */
int imapd_search_prepare(imapd_search_t *se, imapd_session_t *sess,
			 imap_search_node_t *root);
/* 1 when message seq (1..se->count) matches, else 0; a message whose
 * file is gone or unreadable does not match (RFC 3501 §7.4.1: no
 * EXPUNGE is sent during SEARCH, the message just is not found). */
int imapd_search_match(imapd_search_t *se, uint32_t seq);
/* Free what prepare bound to the tree's nodes. */
void imapd_search_release(imapd_search_t *se);

#endif
