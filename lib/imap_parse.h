/* imap_parse.h - IMAP command input, line by line and literal by literal,
 * without I/O (RFC 3501 §2.2, §4, §7.5, §9; RFC 7888; RFC 3516 literal8;
 * RFC 6855 §3).
 *
 * The imapd session reads a line with stream_read_line() (its line limit
 * is the reader's) and hands it here with its CRLF; each call returns
 *
 *   IMAP_PARSE_DONE     a whole command: imap_parser_cmd() has the tag,
 *                       the upper-cased command name and the argument
 *                       tree (imap_arg.h), valid until the next call
 *   IMAP_PARSE_LITERAL  the line ended with a literal announcement:
 *                       {n} (synchronizing: the client waits for a "+"
 *                       continuation), {n+} (non-synchronizing, RFC 7888)
 *                       or ~{n} (literal8).  The command so far is in
 *                       imap_parser_cmd() (literal_depth 0 means a
 *                       top-level argument: the message of APPEND).  The
 *                       caller then does one of
 *                         imap_parse_literal_keep()   the octets, held
 *                         imap_parse_literal_taken()  it read them itself
 *                         imap_parse_literal_refuse() it will not take
 *                                                     them (too large)
 *                       and goes on with the next line (MORE)
 *   IMAP_PARSE_ERROR    a BAD to answer: cmd->error is the text, cmd->tag
 *                       the tag when one was found (else answer "* BAD")
 *   IMAP_PARSE_IGNORE   nothing to answer (a failed command goes on)
 *   IMAP_PARSE_MORE     (after a literal) feed the next line
 *
 * After ERROR and IGNORE the caller discards cmd->skip octets that the
 * client sends anyway (a non-synchronizing literal announced on a failed
 * line, or one refused), then feeds the next line as always: when it
 * still belongs to the failed command the parser says IGNORE (with its
 * own skip) until the command's last line has gone by.
 *
 * SECURITY: the login role runs this on unauthenticated input.  Memory
 * is bounded by the limits below (each exceeded gives ERROR with a text);
 * nothing here recurses on the input (lists are kept on an explicit
 * stack of at most max_depth entries).
 */
#ifndef TERN_IMAP_PARSE_H
#define TERN_IMAP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "imap_arg.h"

/* Default limits; imap_parser_new() takes others. */
#define IMAP_PARSE_ARGS_MAX	10000	/* arguments, lists included */
#define IMAP_PARSE_DEPTH_MAX	64	/* nesting of parenthesised lists */
#define IMAP_PARSE_OCTETS_MAX	(1024 * 1024)	/* text and kept literals */
#define IMAP_PARSE_LITERAL_MAX	(64 * 1024)	/* one literal kept */
/* RFC 7888 §5: with LITERAL- a non-synchronizing literal is at most this. */
#define IMAP_LITERAL_MINUS_MAX	4096

typedef struct imap_parse_limits {
	size_t max_args;	/* arguments in one command, all depths */
	size_t max_depth;	/* list nesting; at most IMAP_PARSE_DEPTH_MAX
				 * is advised (the tree's users recurse) */
	size_t max_octets;	/* argument text and kept literals */
	size_t max_literal;	/* one literal given to literal_keep */
} imap_parse_limits_t;

/* Options (a bit set; set again after ENABLE or STARTTLS). */
#define IMAP_PARSE_LITERAL_PLUS	0x01	/* {n+} accepted (RFC 7888 §3) */
#define IMAP_PARSE_LITERAL_MINUS 0x02	/* {n+} up to 4096 octets (§5);
					 * never with LITERAL_PLUS */
#define IMAP_PARSE_LITERAL8	0x04	/* ~{n} accepted (RFC 3516) */
#define IMAP_PARSE_UTF8		0x08	/* 8-bit UTF-8 in quoted strings
					 * (RFC 6855 §3, UTF8=ACCEPT) */
#define IMAP_PARSE_BARE_LF	0x10	/* a line may end in LF alone
					 * (RFC 3501 §2.2 says CRLF) */
#define IMAP_PARSE_SECRET	0x20	/* the input may carry passwords
					 * (the login role): a command's
					 * texts are zeroed whenever the
					 * parser lets them go, and the
					 * buffer that unescapes quoted
					 * strings when it grows */

enum imap_parse_result {
	IMAP_PARSE_DONE,
	IMAP_PARSE_LITERAL,
	IMAP_PARSE_ERROR,
	IMAP_PARSE_IGNORE,
	IMAP_PARSE_MORE,
};

typedef struct imap_parser imap_parser_t;

/* The command being parsed, as far as it got; owned by the parser. */
typedef struct imap_cmd {
	const char *tag;	/* NULL until a valid tag was read */
	const char *name;	/* upper-cased; NULL until read */
	const imap_arg_t *args;	/* top-level arguments so far */
	size_t nargs;
	/* IMAP_PARSE_LITERAL: the literal announced */
	uint32_t literal_size;
	int literal_sync;	/* 1: {n}, the client waits for "+ " */
	int literal8;		/* 1: ~{n} */
	size_t literal_depth;	/* open lists around it (0: top level) */
	int literal_fits;	/* 1: within the limits of literal_keep
				 * (else refuse it, or take it yourself) */
	/* IMAP_PARSE_ERROR */
	const char *error;	/* text for the BAD, no CRLF */
	/* IMAP_PARSE_ERROR, IMAP_PARSE_IGNORE: octets to discard */
	uint32_t skip;
} imap_cmd_t;

/* A parser with limits (NULL: the defaults above) and options. */
imap_parser_t *imap_parser_new(const imap_parse_limits_t *limits,
			       unsigned options);
/* Frees the parser and the tree; sets *pp to NULL. */
void imap_parser_free(imap_parser_t **pp);
/* Options for the commands from the next line on. */
void imap_parser_set_options(imap_parser_t *p, unsigned options);
/* Drop the command in progress (and its tree): the next line starts a
 * new one.  For a caller that answered a synchronizing literal itself. */
void imap_parser_reset(imap_parser_t *p);

/* As imap_parser_reset(), but every text of the command (arguments,
 * literals, the quoted string being unescaped) is zeroed before it is
 * freed, whatever the options: a LOGIN's password leaves no copy in a
 * process that serves other clients. */
void imap_parser_wipe(imap_parser_t *p);

/* One line as read, with its CRLF (len octets; may hold NUL).  Not
 * while a literal is pending (that is a bug: log_panic). */
enum imap_parse_result imap_parse_line(imap_parser_t *p,
				       const char *line, size_t len);

/* The announced literal's octets (len == cmd->literal_size, else
 * log_panic), copied into the tree.  MORE, or ERROR: larger than
 * max_literal or max_octets, or a NUL outside literal8 (RFC 3501 §9
 * CHAR8).  The rest of the command follows either way. */
enum imap_parse_result imap_parse_literal_keep(imap_parser_t *p,
					       const void *data, size_t len);
/* The caller consumed the literal's octets itself (and checked them): a
 * LITERAL_TAKEN argument stands in for them.  Returns MORE. */
enum imap_parse_result imap_parse_literal_taken(imap_parser_t *p);
/* The caller refuses the literal and answers the command itself (e.g.
 * NO [TOOBIG]).  Returns IGNORE: cmd->skip is the literal's size when
 * the client sends it anyway (non-synchronizing), then the command's
 * remaining lines are ignored; for {n}, skip 0 and the command ends. */
enum imap_parse_result imap_parse_literal_refuse(imap_parser_t *p);

/* The command as far as parsed (see imap_cmd_t). */
const imap_cmd_t *imap_parser_cmd(const imap_parser_t *p);

#endif
