/* imapd_cmd_search.c - SEARCH and UID SEARCH (RFC 3501 §6.4.4, §6.4.8).
 *
 * The keys are parsed by lib/imap_search_parse.c, bound to the selected
 * folder and judged message by message by imapd_search.c; the matches go
 * out as one untagged "* SEARCH n n ..." (UIDs after UID SEARCH) in
 * ascending order, written to the stream as they are found, so a result
 * of a whole large folder is never held in memory.  The response is
 * written even when nothing matched ("* SEARCH" alone, §7.2.5).
 */
#include "imapd_search.h"
#include "imapd_session.h"

void imapd_cmd_search(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imap_search_node_t *root = NULL;
	imapd_search_t se;
	buf_t err = BUF_INIT;
	int st;

	switch (imap_search_parse(args, nargs, &root, &err)) {
	case IMAP_SEARCH_BADCHARSET:
		imapd_no(sess, "BADCHARSET (UTF-8 US-ASCII)",
			 "Charset not supported");
		goto done;
	case IMAP_SEARCH_BAD:
		imapd_bad(sess, NULL, "%s", buf_str(&err));
		goto done;
	case IMAP_SEARCH_PARSED:
		break;
	}
	if (imapd_search_prepare(&se, sess, root) < 0)
		goto done;
	st = stream_puts(sess->s, "* SEARCH");
	for (uint32_t seq = 1; seq <= se.count && st == STREAM_OK; seq++)
		if (imapd_search_match(&se, seq))
			st = stream_printf(sess->s, " %u", sess->uid ?
					   sess->view->msgs[seq - 1].uid : seq);
	if (st == STREAM_OK)
		st = stream_puts(sess->s, "\r\n");
	imapd_search_release(&se);
	if (st == STREAM_OK)
		imapd_ok(sess, NULL, "%sSEARCH completed", sess->uid ? "UID " : "");
	else
		imapd_no(sess, NULL, "SEARCH failed");
done:
	imap_search_free(&root);
	buf_release(&err);
}
