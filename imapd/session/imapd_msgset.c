/* imapd_msgset.c - the message set of FETCH, STORE, SEARCH, COPY, MOVE
 * and UID EXPUNGE, as sequence numbers of the session's view.
 *
 * Sequence numbers are resolved against what the client was last told
 * (sess->exists): a message that arrived since has no number for it yet.
 * RFC 3501 §6.4.8: a UID set names the messages whose UIDs it holds, and
 * a UID or range with no message is no error; "*" is the highest UID in
 * use.  A sequence number above the count is an error (§9 seq-number),
 * and so is "*" in an empty folder.
 */
#include "imapd_session.h"

int imapd_msgset(imapd_session_t *sess, const imap_arg_t *arg, int uid,
		 imap_seqset_t *set)
{
	const char *text = imap_arg_atom(arg);
	mail_view_t *v = sess->view;
	imap_seqset_t uids;
	uint32_t n = sess->exists;

	imap_seqset_init(set);
	if (text == NULL || imap_seqset_parse(set, text, arg->len) < 0 ||
	    set->saved) {
		imapd_bad(sess, NULL, "Invalid %s set", uid ? "UID" : "sequence");
		return -1;
	}
	if (!uid) {
		if ((set->star && n == 0) || set->max_explicit > n) {
			imapd_bad(sess, NULL, "Invalid message sequence number");
			imap_seqset_release(set);
			return -1;
		}
		imap_seqset_resolve(set, n);
		return 0;
	}
	uids = *set;
	imap_seqset_init(set);
	imap_seqset_resolve(&uids, n > 0 ? v->msgs[n - 1].uid : 0);
	for (uint32_t seq = 1; seq <= n; seq++)
		if (imap_seqset_contains(&uids, v->msgs[seq - 1].uid))
			imap_seqset_add(set, seq, seq);
	imap_seqset_release(&uids);
	imap_seqset_resolve(set, n);
	return 0;
}
