/* imapd_cmd_any.c - the commands valid in every state after login
 * (RFC 3501 §6.1; RFC 2971 ID; RFC 5161 ENABLE), and the answer to the
 * commands that belong before it.
 *
 * NOOP does nothing itself: the dispatcher reports what changed in the
 * selected folder after every command, and that is NOOP's purpose
 * (§6.1.2: polling for new messages).
 */
#include "imapd_session.h"

void imapd_cmd_capability(imapd_session_t *sess, const imap_arg_t *args,
			  size_t nargs)
{
	buf_t capa = BUF_INIT;

	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "CAPABILITY takes no arguments");
		return;
	}
	imapd_capabilities(&capa, 1, 0, 0);
	imapd_untagged(sess, "CAPABILITY %s", buf_str(&capa));
	buf_release(&capa);
	imapd_ok(sess, NULL, "Capability completed");
}

void imapd_cmd_noop(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "NOOP takes no arguments");
		return;
	}
	imapd_ok(sess, NULL, "NOOP completed");
}

void imapd_cmd_logout(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	(void) args;
	if (nargs != 0) {
		imapd_bad(sess, NULL, "LOGOUT takes no arguments");
		return;
	}
	/* §6.1.3: BYE first, then the tagged OK. */
	imapd_untagged(sess, "BYE Logging out");
	imapd_ok(sess, NULL, "Logout completed");
	sess->state = IMAPD_LOGOUT;
}

/* RFC 2971 §3.3: NIL or a list of at most 30 field-value pairs, fields at
 * most 30 octets, values at most 1024. */
static int imapd_id_valid(const imap_arg_t *arg)
{
	const imap_arg_t *items;
	size_t n, len;

	if (arg->type == IMAP_ARG_NIL)
		return 1;
	if ((items = imap_arg_list(arg, &n)) == NULL || n % 2 != 0 || n > 60)
		return 0;
	for (size_t i = 0; i < n; i += 2) {
		if (imap_arg_string(&items[i], 0, &len) == NULL || len > 30)
			return 0;
		if (items[i + 1].type != IMAP_ARG_NIL &&
		    (imap_arg_string(&items[i + 1], 0, &len) == NULL || len > 1024))
			return 0;
	}
	return 1;
}

void imapd_cmd_id(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	if (nargs != 1 || !imapd_id_valid(&args[0])) {
		imapd_bad(sess, NULL, "ID takes NIL or a list of field-value pairs");
		return;
	}
	imapd_untagged(sess, "ID (\"name\" \"tern\")");
	imapd_ok(sess, NULL, "ID completed");
}

/* RFC 5161 §3.1: names of extensions to enable; none that this server
 * offers needs enabling yet, so the answer lists none, and unknown names
 * are ignored as §3.1 says. */
void imapd_cmd_enable(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	if (nargs == 0) {
		imapd_bad(sess, NULL, "ENABLE needs capability names");
		return;
	}
	for (size_t i = 0; i < nargs; i++)
		if (imap_arg_atom(&args[i]) == NULL) {
			imapd_bad(sess, NULL, "ENABLE takes capability names");
			return;
		}
	imapd_untagged(sess, "ENABLED");
	imapd_ok(sess, NULL, "ENABLE completed");
}

/* LOGIN, AUTHENTICATE and STARTTLS after login (RFC 3501 §6.2: valid only
 * in the not-authenticated state). */
void imapd_cmd_not_now(imapd_session_t *sess, const imap_arg_t *args,
		       size_t nargs)
{
	(void) args;
	(void) nargs;
	imapd_bad(sess, NULL, "Already logged in");
}
