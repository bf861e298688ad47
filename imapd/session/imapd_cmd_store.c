/* imapd_cmd_store.c - STORE and UID STORE (RFC 3501 §6.4.6, §6.4.8).
 *
 *   STORE set (FLAGS | +FLAGS | -FLAGS)[.SILENT] (flag-list | flag *(SP flag))
 *
 * The flags come from imapd_flags_parse(), which adds a new keyword to
 * the folder's list for FLAGS and +FLAGS (not for -FLAGS: a keyword no
 * message has needs no removing).  Each message's file is renamed to its
 * new flag letters (mail_view_set_flags); a message whose flags already
 * are the asked ones is left alone.  The changes are made to the flags
 * the files have when the command comes (the folder is looked at first),
 * so that another session's change since this one's last look is kept.
 * FLAGS replaces the system flags
 * IMAP knows and the keywords; a letter without an IMAP flag (Maildir's
 * P, "passed") is kept, so that a flag another program set survives.
 *
 * Without .SILENT every message of the set still there gets an untagged
 * FETCH with its flags, changed or not (§6.4.6: "as if a FETCH of those
 * flags was done"), with its UID for UID STORE (§6.4.8).  A keyword new
 * to the folder is announced by FLAGS and PERMANENTFLAGS before those
 * responses, so the client knows the flag it is about to see.  A message
 * whose file is gone is left out (§7.4.1: no EXPUNGE during STORE).  A
 * read-only folder (EXAMINE) refuses with NO.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "imapd_session.h"
#include "log.h"

enum imapd_store_op { IMAPD_STORE_SET, IMAPD_STORE_ADD, IMAPD_STORE_REMOVE };

/* The store-att-flags item: op and silent.  0, or -1 when it is none. */
static int imapd_store_item(const imap_arg_t *a, enum imapd_store_op *op_r,
			    int *silent_r)
{
	const char *s = imap_arg_atom(a);

	if (s == NULL)
		return -1;
	*op_r = IMAPD_STORE_SET;
	if (*s == '+' || *s == '-')
		*op_r = *s++ == '+' ? IMAPD_STORE_ADD : IMAPD_STORE_REMOVE;
	if (strncasecmp(s, "FLAGS", 5) != 0)
		return -1;
	s += 5;
	*silent_r = strcasecmp(s, ".SILENT") == 0;
	return *s == '\0' || *silent_r ? 0 : -1;
}

/* The system flag letters IMAP names (RFC 3501 §2.3.2), as bits. */
static uint32_t imapd_store_system_mask(void)
{
	uint32_t mask = 0;

	for (char c = 'A'; c <= 'Z'; c++)
		if (mail_flag_is_system(c))
			mask |= 1u << (c - 'A');
	return mask;
}

static void imapd_store_apply(enum imapd_store_op op, const mail_flags_t *f,
			      const mail_flags_t *old, mail_flags_t *nf)
{
	*nf = *old;
	switch (op) {
	case IMAPD_STORE_SET:
		nf->upper = (old->upper & ~imapd_store_system_mask()) | f->upper;
		nf->keywords = f->keywords;
		break;
	case IMAPD_STORE_ADD:
		nf->upper |= f->upper;
		nf->keywords |= f->keywords;
		break;
	case IMAPD_STORE_REMOVE:
		nf->upper &= ~f->upper;
		nf->keywords &= ~f->keywords;
		break;
	}
}

static int imapd_store_keyword_count(const mail_view_t *v)
{
	int n = 0;

	for (int i = 0; i < MAIL_KEYWORDS_MAX; i++)
		if (v->keywords.names[i] != NULL)
			n++;
	return n;
}

void imapd_cmd_store(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imap_seqset_t set = IMAP_SEQSET_INIT;
	imap_seqset_iter_t it;
	enum imapd_store_op op;
	mail_flags_t f = { 0, 0 };
	buf_t out = BUF_INIT;
	size_t failed = 0;
	int silent;
	uint32_t seq;

	if (nargs < 3) {
		imapd_bad(sess, NULL, "STORE needs a message set, an item and flags");
		return;
	}
	if (imapd_store_item(&args[1], &op, &silent) < 0) {
		imapd_bad(sess, NULL, "STORE item must be FLAGS, +FLAGS or -FLAGS, "
			  "with .SILENT or not");
		return;
	}
	if (imapd_msgset(sess, &args[0], sess->uid, &set) < 0)
		return;
	if (sess->readonly) {
		imapd_no(sess, NULL, "The folder is read-only");
		goto end;
	}
	/* a list, or flags as atoms one by one (§9 store-att-flags) */
	for (size_t i = 2; i < nargs; i++) {
		mail_flags_t one = { 0, 0 };
		size_t count;

		if (nargs > 3 && imap_arg_list(&args[i], &count) != NULL) {
			imapd_bad(sess, NULL, "STORE takes one flag list or flags");
			goto end;
		}

		if (imapd_flags_parse(sess, &args[i], &one, op != IMAPD_STORE_REMOVE) < 0)
			goto end;
		f.upper |= one.upper;
		f.keywords |= one.keywords;
	}
	if (imapd_store_keyword_count(sess->view) > sess->keywords_announced)
		imapd_sync_flags_announce(sess);
	/* The flags as they are on disk now, not as this view last saw
	 * them: +FLAGS of one session and -FLAGS of another must both
	 * last.  What the look finds is reported after the command, as
	 * the dispatcher's own look would. */
	(void) mail_view_sync(sess->view);

	imap_seqset_iter_init(&it);
	while (imap_seqset_iter_next(&set, &it, &seq) &&
	       stream_status(sess->s) == STREAM_OK) {
		mail_view_msg_t *m;
		mail_flags_t nf;

		if (seq == 0 || seq > sess->exists)
			continue;
		m = &sess->view->msgs[seq - 1];
		if (m->expunged)
			continue;
		imapd_store_apply(op, &f, &m->flags, &nf);
		if ((nf.upper != m->flags.upper || nf.keywords != m->flags.keywords) &&
		    mail_view_set_flags(sess->view, m, &nf) < 0) {
			if (errno != ENOENT) {
				imapd_log_error(sess, "store flags on %s: %m", m->name);
				failed++;
			}
			continue;
		}
		if (silent)
			continue;
		buf_reset(&out);
		buf_printf(&out, "* %u FETCH (", seq);
		if (sess->uid)
			buf_printf(&out, "UID %u ", m->uid);
		buf_puts(&out, "FLAGS ");
		imapd_flags_write(sess, &m->flags, m->recent, &out);
		buf_puts(&out, ")\r\n");
		stream_write(sess->s, out.data, out.len);
		m->flags_changed = 0;
	}
	if (failed > 0)
		imapd_no(sess, NULL, "The flags of %zu message%s could not be stored",
			 failed, failed == 1 ? "" : "s");
	else
		imapd_ok(sess, NULL, "STORE completed");
end:
	buf_release(&out);
	imap_seqset_release(&set);
}
