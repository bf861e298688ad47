/* hex.h - hexadecimal digits, for the decoders that meet them: xtext
 * (attr records, the queue file, ORCPT), quoted-printable and RFC 2047's
 * Q encoding.
 */
#ifndef TERN_HEX_H
#define TERN_HEX_H

/* The value of a hex digit (either case), or -1. */
int hex_value(int c);

#endif
