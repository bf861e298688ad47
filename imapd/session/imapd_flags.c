/* imapd_flags.c - flag lists in and out (RFC 3501 §2.3.2, §9 flag-list).
 *
 * System flags map to the Maildir letters of lib/mail_flags.h; keywords
 * to the folder's keyword list, which is shared with every other session
 * on the folder (and with Dovecot, same file): a new keyword is added
 * under the folder's lock, after reading the list again, so two sessions
 * adding keywords at once do not lose one.  \Recent cannot be set or
 * cleared by a client (§2.3.2): in a flag list it is an error, as any
 * other unknown \flag is.
 */
#include <string.h>

#include "imapd_session.h"
#include "mailbox.h"

/* Add name to the folder's keyword list: its index, or -1 (full or an
 * I/O error, answered). */
static int imapd_keyword_add(imapd_session_t *sess, const char *name)
{
	mail_view_t *v = sess->view;
	int dfd = mailbox_dir_fd(v->mb), i = -1;

	if (mail_view_lock(v) < 0) {
		imapd_log_error(sess, "lock %s: %m", sess->sel_name);
		imapd_no(sess, "SERVERBUG", "Cannot lock the mailbox");
		return -1;
	}
	(void) mail_keywords_load(dfd, &v->keywords);
	if ((i = mail_keywords_find(&v->keywords, name)) < 0) {
		if ((i = mail_keywords_add(&v->keywords, name)) < 0)
			imapd_no(sess, "LIMIT", "Too many keywords in this mailbox");
		else if (mail_keywords_save(dfd, &v->keywords) < 0) {
			imapd_log_error(sess, "save keywords of %s: %m", sess->sel_name);
			imapd_no(sess, "SERVERBUG", "Cannot save the keyword list");
			(void) mail_keywords_load(dfd, &v->keywords);
			i = -1;
		}
	}
	mail_view_unlock(v);
	return i;
}

/* A flag's syntax: a system flag, set in f (1); a
 * valid keyword, for the caller (0); or -1 after imapd_bad(). */
static int imapd_flag_check(imapd_session_t *sess, const imap_arg_t *a,
			    mail_flags_t *f, const char **name_r)
{
	/* NIL is an atom here: the keyword "NIL" (flag-keyword = atom). */
	const char *name = a->type == IMAP_ARG_NIL ? a->text : imap_arg_atom(a);

	*name_r = name;
	if (name == NULL) {
		imapd_bad(sess, NULL, "Flags are atoms");
		return -1;
	}
	if (name[0] == '\\') {
		char letter = mail_flag_letter(name);

		if (letter != 0) {
			f->upper |= 1u << (letter - 'A');
			return 1;
		}
		if (strcasecmp(name, "\\Recent") == 0)
			imapd_bad(sess, NULL, "\\Recent cannot be changed");
		else
			imapd_bad(sess, NULL, "Unknown system flag %.40s", name);
		return -1;
	}
	if (!mail_keyword_valid(name)) {
		imapd_bad(sess, NULL, "Invalid keyword");
		return -1;
	}
	return 0;
}

static int imapd_flag_one(imapd_session_t *sess, const imap_arg_t *a,
			  mail_flags_t *f, int add_keywords)
{
	const char *name;
	int i = imapd_flag_check(sess, a, f, &name);

	if (i != 0)
		return i < 0 ? -1 : 0;
	if (sess->view == NULL)
		return 0;
	if ((i = mail_keywords_find(&sess->view->keywords, name)) < 0 && add_keywords)
		i = imapd_keyword_add(sess, name);
	if (i >= 0)
		f->keywords |= 1u << i;
	else if (add_keywords)
		return -1;
	return 0;
}

int imapd_flags_parse(imapd_session_t *sess, const imap_arg_t *arg,
		      mail_flags_t *f, int add_keywords)
{
	const imap_arg_t *items;
	size_t n;

	memset(f, 0, sizeof(*f));
	if ((items = imap_arg_list(arg, &n)) == NULL)
		return imapd_flag_one(sess, arg, f, add_keywords);
	for (size_t i = 0; i < n; i++)
		if (imapd_flag_one(sess, &items[i], f, add_keywords) < 0)
			return -1;
	return 0;
}

int imapd_flags_parse_kw(imapd_session_t *sess, const imap_arg_t *arg,
			 mail_flags_t *f, mail_keywords_t *kw)
{
	const imap_arg_t *items;
	const char *name;
	size_t n;
	int i;

	memset(f, 0, sizeof(*f));
	if ((items = imap_arg_list(arg, &n)) == NULL) {
		items = arg;
		n = 1;
	}
	for (size_t j = 0; j < n; j++) {
		if ((i = imapd_flag_check(sess, &items[j], f, &name)) < 0)
			return -1;
		if (i > 0 || kw == NULL)
			continue;
		if ((i = mail_keywords_add(kw, name)) < 0) {
			imapd_no(sess, "LIMIT", "Too many keywords in this mailbox");
			return -1;
		}
		f->keywords |= 1u << i;
	}
	return 0;
}

void imapd_flags_write(imapd_session_t *sess, const mail_flags_t *f,
		       int recent, buf_t *out)
{
	static const char order[] = "RFTSD";	/* as FLAGS lists them */
	const char *sep = "";

	buf_putc(out, '(');
	for (const char *l = order; *l != '\0'; l++)
		if (f->upper & (1u << (*l - 'A'))) {
			buf_printf(out, "%s%s", sep, mail_flag_imap(*l));
			sep = " ";
		}
	if (sess->view != NULL)
		for (int i = 0; i < MAIL_KEYWORDS_MAX; i++)
			if ((f->keywords & (1u << i)) &&
			    sess->view->keywords.names[i] != NULL) {
				buf_printf(out, "%s%s", sep,
					   sess->view->keywords.names[i]);
				sep = " ";
			}
	if (recent)
		buf_printf(out, "%s\\Recent", sep);
	buf_putc(out, ')');
}
