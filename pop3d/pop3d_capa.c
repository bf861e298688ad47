/* pop3d_capa.c - the CAPA answer (RFC 2449 §5), one list for both roles.
 *
 * RFC 2449 §5 lets the list differ between AUTHORIZATION and TRANSACTION;
 * tern keeps it the same apart from STLS, which makes sense only before
 * login (RFC 2595 §4).  USER and SASL stay listed after login as well:
 * RFC 2449 §6.3 and RFC 5034 §6 describe them without forbidding it, and
 * a client that caches the list sees one answer.  Both are left out
 * whenever auth_plaintext refuses plaintext passwords on this connection
 * (architecture §7), so no client is invited to send one in the clear.
 * EXPIRE NEVER: tern never deletes mail by itself (RFC 2449 §6.7).
 * LOGIN-DELAY is not announced: there is no fixed delay, auth slows
 * repeated failures instead.
 */
#include "pop3d.h"
#include "sasl.h"

void pop3d_capa(stream_t *s, int transaction, int stls_offered, int plaintext_ok)
{
	buf_t mechs = BUF_INIT;

	pop3d_ok(s, "Capability list follows");
	stream_puts(s, "TOP\r\n");
	stream_puts(s, "UIDL\r\n");
	stream_puts(s, "PIPELINING\r\n");
	stream_puts(s, "RESP-CODES\r\n");
	stream_puts(s, "AUTH-RESP-CODE\r\n");
	stream_puts(s, "EXPIRE NEVER\r\n");
	if (plaintext_ok)
		stream_puts(s, "USER\r\n");
	/* lib/sasl.c's table: what needs no plaintext would stay. */
	sasl_mech_list(&mechs, " ", plaintext_ok);
	if (mechs.len > 0)
		stream_printf(s, "SASL %s\r\n", buf_str(&mechs));
	buf_release(&mechs);
	if (!transaction && stls_offered)
		stream_puts(s, "STLS\r\n");
	stream_puts(s, "IMPLEMENTATION tern\r\n");
	stream_puts(s, ".\r\n");
}
