/* imap_search_parse.h - the search keys of IMAP SEARCH (RFC 3501 §6.4.4)
 * parsed from the command's argument tree (imap_arg.h) into a tree of
 * their own, without I/O and without a session.
 *
 * imapd's SEARCH hands the arguments after "SEARCH" here and evaluates
 * the tree against the selected folder (imapd/session/imapd_search.c).
 * What the parser decides:
 *   - an optional "CHARSET name" first: UTF-8 and US-ASCII are accepted
 *     (strings are then taken as UTF-8, which US-ASCII is a subset of, as
 *     are strings sent without CHARSET); any other name gives
 *     IMAP_SEARCH_BADCHARSET, which the caller answers with
 *     NO [BADCHARSET (UTF-8 US-ASCII)] (RFC 3501 §6.4.4, §7.1);
 *   - the keys that follow are ANDed; a parenthesised list is the AND of
 *     its keys, one key alone in a list is that key;
 *   - BCC, CC, FROM, SUBJECT and TO are HEADER keys with the field name
 *     given; the "UN" keys, OLD and UNKEYWORD are kept as their own
 *     nodes (a flag that must be clear), so that the tree writes back as
 *     it was sent, nesting included;
 *   - strings are astrings (atom, quoted string or literal; a literal8 is
 *     refused), dates an atom or a quoted string in the date-text form
 *     (imap_date.h), numbers up to 2^63-1 (RFC 9051's number64 for
 *     LARGER and SMALLER), keywords atoms (mail_flags.h's rule), sequence
 *     sets as imap_seqset.h parses them, left unresolved ("*" needs the
 *     folder); "$" (RFC 5182, SEARCHRES) is not offered and refused;
 *   - more than IMAP_SEARCH_TEXT_MAX keys that match text (HEADER,
 *     BCC CC FROM SUBJECT TO, BODY, TEXT) are refused: each may read
 *     every message through, so their number bounds a SEARCH's work
 *     (audit i14-03);
 *   - nesting (lists, NOT, OR) deeper than IMAP_SEARCH_DEPTH_MAX is
 *     refused, so neither the parser's nor an evaluator's recursion can
 *     grow with the input; every node takes one argument at least, so
 *     the tree is bounded by the argument count (imap_parse.h).
 */
#ifndef TERN_IMAP_SEARCH_PARSE_H
#define TERN_IMAP_SEARCH_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_arg.h"
#include "imap_seqset.h"

/* Levels of nesting: a key inside a list, or the operand of NOT or OR,
 * is one level below it; the top-level keys are at level 1. */
#define IMAP_SEARCH_DEPTH_MAX	100
/* Keys that match text in one SEARCH. */
#define IMAP_SEARCH_TEXT_MAX	64

enum imap_search_type {
	IMAP_SEARCH_ALL,
	IMAP_SEARCH_AND,	/* every child (a list, or the top level) */
	IMAP_SEARCH_OR,		/* either of two children */
	IMAP_SEARCH_NOT,	/* not its one child */
	IMAP_SEARCH_FLAG,	/* letter set (set 1) or clear (set 0) */
	IMAP_SEARCH_KEYWORD,	/* text set (KEYWORD) or clear (UNKEYWORD) */
	IMAP_SEARCH_RECENT,	/* \Recent (set 1, RECENT) or not (OLD) */
	IMAP_SEARCH_NEW,	/* \Recent and not \Seen */
	IMAP_SEARCH_LARGER,	/* RFC822.SIZE > number */
	IMAP_SEARCH_SMALLER,	/* RFC822.SIZE < number */
	IMAP_SEARCH_BEFORE,	/* internal date's day < day */
	IMAP_SEARCH_ON,
	IMAP_SEARCH_SINCE,	/* >= day */
	IMAP_SEARCH_SENTBEFORE,	/* the Date: field's day */
	IMAP_SEARCH_SENTON,
	IMAP_SEARCH_SENTSINCE,
	IMAP_SEARCH_HEADER,	/* field contains text */
	IMAP_SEARCH_BODY,	/* the body's decoded text contains text */
	IMAP_SEARCH_TEXT,	/* the header's or the body's */
	IMAP_SEARCH_SEQSET,	/* message sequence numbers */
	IMAP_SEARCH_UID,	/* UIDs */
};

typedef struct imap_search_node {
	enum imap_search_type type;
	struct imap_search_node *children;	/* AND, OR, NOT: the first */
	struct imap_search_node *next;		/* the following sibling */
	char letter;		/* FLAG: the Maildir letter (mail_flags.h) */
	int set;		/* FLAG, KEYWORD, RECENT: 1 set, 0 clear */
	uint64_t number;	/* LARGER, SMALLER */
	int64_t day;		/* the date keys: days since 1970-01-01 */
	char *field;		/* HEADER: the field name as sent ("FROM"
				 * for FROM ...) */
	char *text;		/* HEADER, BODY, TEXT: the string (UTF-8
				 * expected, no NUL); KEYWORD: the name */
	size_t text_len;
	imap_seqset_t set_nums;	/* SEQSET, UID: unresolved when "*" */
	void *context;		/* the evaluator's, never touched here */
} imap_search_node_t;

enum imap_search_result {
	IMAP_SEARCH_PARSED,
	IMAP_SEARCH_BAD,	/* a BAD: the reason in err */
	IMAP_SEARCH_BADCHARSET,	/* CHARSET other than UTF-8 or US-ASCII */
};

/* Parse n arguments (those after SEARCH) into *root_r (the caller frees
 * it with imap_search_free()).  On BAD the reason goes to err (reset
 * first) and *root_r is NULL; so it is on BADCHARSET. */
enum imap_search_result imap_search_parse(const imap_arg_t *args, size_t n,
					  imap_search_node_t **root_r,
					  buf_t *err);

/* Free a tree (not the contexts: the evaluator frees those first); sets
 * *rootp NULL. */
void imap_search_free(imap_search_node_t **rootp);

/* Append the keys of the tree in wire form, which parses back to the
 * same tree: strings as imap_quote.h writes them (literals with CRLF), a
 * root AND as its keys one after the other. */
void imap_search_write(const imap_search_node_t *root, buf_t *out);

/* 1 when the trees are equal (contexts aside). */
int imap_search_equal(const imap_search_node_t *a, const imap_search_node_t *b);

#endif
