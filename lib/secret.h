/* secret.h - wiping what carried a password or a token (architecture §2,
 * Secrets).
 *
 * After a command that carried a credential (SMTP AUTH, POP3 PASS and
 * AUTH, an auth request), its protocol wipes the same things: the
 * stream's input already consumed, the command line and the buffers
 * parsed from it, and the attr record sent to auth.  One call does all of
 * that, so no protocol keeps its own list.
 */
#ifndef TERN_SECRET_H
#define TERN_SECRET_H

#include "attr.h"
#include "buf.h"
#include "stream.h"

/* Wipe s's consumed input (s may be NULL), every value of rec (may be
 * NULL), and each buffer that follows, up to a NULL. */
void secret_wipe(stream_t *s, attr_t *rec, ...) __attribute__((sentinel));

#endif
