/* imapd_capa.c - the capability list, one for both roles (RFC 3501
 * §6.1.1, §7.2.1).
 *
 * Before login the list says how to log in; after it, every extension the
 * session implements.  Clients read the list in the greeting, again after
 * STARTTLS (RFC 3501 §6.2.1: it may change) and from the tagged OK of the
 * login command, so both lists come from here and the parser options
 * (literals) follow the same parameter.
 */
#include "imap_parse.h"
#include "imapd.h"

void imapd_capabilities(buf_t *out, int authenticated, int starttls,
			int plaintext_ok)
{
	buf_puts(out, "IMAP4rev1 ");
	/* RFC 7888 §5: never both LITERAL+ and LITERAL-. */
	buf_puts(out, imapd_conf.literal_minus ? "LITERAL-" : "LITERAL+");
	buf_puts(out, " ID ENABLE IDLE SASL-IR");
	if (!authenticated) {
		if (starttls)
			buf_puts(out, " STARTTLS");
		/* RFC 3501 §6.2.3: LOGINDISABLED where plaintext passwords
		 * are refused on this connection. */
		buf_puts(out, plaintext_ok ? " AUTH=PLAIN AUTH=LOGIN" :
			 " LOGINDISABLED");
		return;
	}
	buf_puts(out, " NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN"
		 " SPECIAL-USE CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS"
		 " STATUS=SIZE");
	/* RFC 7889 §3: without a value the limit is per folder (STATUS
	 * APPENDLIMIT, NIL: none); "=0" would forbid every APPEND. */
	if (imapd_conf.message_size_limit != 0)
		buf_printf(out, " APPENDLIMIT=%llu", imapd_conf.message_size_limit);
	else
		buf_puts(out, " APPENDLIMIT");
}

unsigned imapd_parse_options(void)
{
	return imapd_conf.literal_minus ? IMAP_PARSE_LITERAL_MINUS :
		IMAP_PARSE_LITERAL_PLUS;
}
