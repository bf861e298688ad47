/* imap_arg.h - the argument tree of an IMAP command (RFC 3501 §9).
 *
 * lib/imap_parse.c builds it from a client's lines and literals; the
 * command handlers of imapd read it through the accessors below and check
 * each argument's own syntax (a sequence set, a date, a search key) with
 * the module for it.  The tree is a tokenizer's view: an atom is any run
 * of atom characters the parser accepts (flags like \Seen and \*,
 * sequence sets with '*', ':' and ',', LIST patterns with '%' and '*',
 * and FETCH items whose bracketed section may hold spaces and
 * parentheses: BODY.PEEK[HEADER.FIELDS (Subject From)]<0.1024> is one
 * atom).  Composing the wire form (imap_args_write) gives the text that
 * parses back to the same tree; the fuzz target checks that.
 */
#ifndef TERN_IMAP_ARG_H
#define TERN_IMAP_ARG_H

#include <stddef.h>

#include "buf.h"

enum imap_arg_type {
	IMAP_ARG_ATOM,		/* text: the atom as sent (case kept) */
	IMAP_ARG_NIL,		/* text: "NIL" as sent (any case) */
	IMAP_ARG_STRING,	/* text: a quoted string, escapes removed */
	IMAP_ARG_LITERAL,	/* text: a literal's octets, kept in memory */
	IMAP_ARG_LITERAL_TAKEN,	/* a literal the caller consumed itself
				 * (APPEND streams it to disk); no text,
				 * len is its announced size */
	IMAP_ARG_LIST,		/* list/count: a parenthesised list */
};

typedef struct imap_arg {
	enum imap_arg_type type;
	int literal8;		/* LITERAL, LITERAL_TAKEN: sent as ~{n}
				 * (RFC 3516), so it may hold NUL */
	char *text;		/* NUL-terminated after len octets;
				 * NULL for LIST and LITERAL_TAKEN */
	size_t len;		/* octets of text (TAKEN: of the literal) */
	struct imap_arg *list;	/* LIST: its items */
	size_t count;		/* LIST: how many */
	size_t alloc;		/* LIST: room in list (the parser's) */
} imap_arg_t;

/* The atom's text, or NULL when a is no atom. */
const char *imap_arg_atom(const imap_arg_t *a);

/* 1 when a is an atom equal to word ignoring ASCII case, else 0. */
int imap_arg_atom_is(const imap_arg_t *a, const char *word);

/* RFC 3501 astring: an atom of ASTRING-CHARs only (no '%', '*', '\',
 * bracket group or space), NIL taken as the name "NIL", a quoted string
 * or a literal (not literal8).  Returns the text (NUL-terminated, no NUL
 * inside) and its length in *len_r (may be NULL), or NULL. */
const char *imap_arg_astring(const imap_arg_t *a, size_t *len_r);

/* RFC 3501 string: a quoted string or a literal (literal8 too when
 * allow8; its text may then hold NUL, use *len_r).  NULL otherwise. */
const char *imap_arg_string(const imap_arg_t *a, int allow8, size_t *len_r);

/* A list's items and their count in *count_r; NULL (count 0) when a is
 * no list.  An empty list gives a non-NULL pointer and count 0. */
const imap_arg_t *imap_arg_list(const imap_arg_t *a, size_t *count_r);

/* 1 when the trees are equal: types, texts, literal8 marks, sizes. */
int imap_arg_equal(const imap_arg_t *a, const imap_arg_t *b);
int imap_args_equal(const imap_arg_t *a, size_t na,
		    const imap_arg_t *b, size_t nb);

/* Append the wire form of n arguments to out, separated by one space:
 * atoms and NIL as sent, strings quoted with \ and " escaped, literals
 * as {n}CRLF octets (~{n} for literal8).  A TAKEN literal has no octets
 * left to write: it is written as its announcement alone, which suits a
 * log line but does not parse back. */
void imap_args_write(const imap_arg_t *args, size_t n, buf_t *out);

/* Free what n arguments hold (texts and lists, recursively), not the
 * array itself. */
void imap_args_release(imap_arg_t *args, size_t n);

#endif
