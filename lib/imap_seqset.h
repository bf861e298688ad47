/* imap_seqset.h - IMAP sequence sets (RFC 3501 §9 sequence-set, RFC 9051
 * §9) as sorted, merged ranges of 32-bit numbers.
 *
 * imapd parses the sequence-set argument of FETCH, STORE, COPY, MOVE,
 * SEARCH, UID EXPUNGE with imap_seqset_parse(); "*" stands for the
 * largest number in use, which the handler knows only later (the UIDNEXT
 * side for UIDs, the message count for sequence numbers), so a set with
 * "*" is resolved with imap_seqset_resolve() before it is read.  Ranges
 * may come reversed ("5:2" is 2:5, and for UIDs "559:*" includes the
 * last UID even when it is below 559: RFC 3501 §6.4.8).  The same type
 * collects the UIDs of APPENDUID and COPYUID and formats them compactly
 * (RFC 4315 §3).  RFC 5182's "$" (the saved search result) is recognised
 * and reported, so SEARCHRES needs no new parser.
 *
 * A set owns its array; release with imap_seqset_release().
 */
#ifndef TERN_IMAP_SEQSET_H
#define TERN_IMAP_SEQSET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Numbers and ranges one parsed set may hold (each costs 8 octets). */
#define IMAP_SEQSET_ITEMS_MAX	65536

typedef struct imap_range {
	uint32_t lo, hi;	/* lo <= hi once resolved */
} imap_range_t;

typedef struct imap_seqset {
	imap_range_t *ranges;	/* resolved: ascending, disjoint, and
				 * never adjacent (1:3,4 is 1:4) */
	size_t count;
	size_t alloc;
	int resolved;		/* 0 while a "*" awaits imap_seqset_resolve */
	int saved;		/* the set was "$" (RFC 5182): no ranges;
				 * the caller substitutes its saved result */
	int star;		/* a "*" was written (with a message count
				 * of 0 it names no message: BAD) */
	uint32_t max_explicit;	/* largest number written (not "*"): a
				 * message number above the count is BAD */
} imap_seqset_t;

typedef struct imap_seqset_iter {
	size_t i;		/* range */
	uint64_t next;		/* number within it */
} imap_seqset_iter_t;

#define IMAP_SEQSET_INIT { NULL, 0, 0, 1, 0, 0, 0 }

/* An empty, resolved set, as IMAP_SEQSET_INIT gives. */
void imap_seqset_init(imap_seqset_t *s);
/* Free the ranges; the set is empty (and resolved) again. */
void imap_seqset_release(imap_seqset_t *s);

/* Parse len octets of text into s (emptied first): seq-number or
 * seq-range items separated by ",", numbers 1..4294967295 without
 * leading zeros, or "$" alone.  0, or -1 on bad syntax or more than
 * IMAP_SEQSET_ITEMS_MAX items (s is then empty).  Without "*" the set is
 * resolved at once. */
int imap_seqset_parse(imap_seqset_t *s, const char *text, size_t len);

/* Put max for every "*" and sort and merge: the set can be read.  max 0
 * (an empty mailbox) makes "*" 0, which no message has. */
void imap_seqset_resolve(imap_seqset_t *s, uint32_t max);

/* Add lo:hi (either order; 0 is allowed) to a resolved set. */
void imap_seqset_add(imap_seqset_t *s, uint32_t lo, uint32_t hi);

/* Keep only the numbers within lo..hi of a resolved set. */
void imap_seqset_clamp(imap_seqset_t *s, uint32_t lo, uint32_t hi);

/* On resolved sets (an unresolved one is a bug: log_panic): */
/* 1 when n is in s. */
int imap_seqset_contains(const imap_seqset_t *s, uint32_t n);
/* How many numbers s holds (up to 2^32). */
uint64_t imap_seqset_count(const imap_seqset_t *s);
/* Ascending iteration: init, then next() gives 1 and a number in *n_r
 * until it gives 0. */
void imap_seqset_iter_init(imap_seqset_iter_t *it);
int imap_seqset_iter_next(const imap_seqset_t *s, imap_seqset_iter_t *it,
			  uint32_t *n_r);
/* Append the compact form to out: "1:3,5,7:9" (RFC 4315 §3 uid-set),
 * nothing for an empty set. */
void imap_seqset_format(const imap_seqset_t *s, buf_t *out);

#endif
