/* imapd_fetch.h - FETCH's pieces, shared by its files:
 *
 *   imapd_fetch_parse.c  the item list (RFC 3501 §6.4.5, §9 fetch-att)
 *                        into an imapd_fetch_t; no I/O, unit-tested
 *   imapd_fetch_body.c   BODY[section]<partial> and the RFC822 items of
 *                        one message: a literal streamed in pieces
 *   imapd_cmd_fetch.c    the command: the messages, the cache, \Seen
 */
#ifndef TERN_IMAPD_FETCH_H
#define TERN_IMAPD_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_arg.h"
#include "imapd_session.h"
#include "mime_section.h"

enum imapd_fetch_kind {
	IMAPD_FETCH_UID,
	IMAPD_FETCH_FLAGS,
	IMAPD_FETCH_INTERNALDATE,
	IMAPD_FETCH_RFC822_SIZE,
	IMAPD_FETCH_ENVELOPE,
	IMAPD_FETCH_BODY,		/* BODY: the structure without extensions */
	IMAPD_FETCH_BODYSTRUCTURE,
	IMAPD_FETCH_SECTION,		/* BODY[...], BODY.PEEK[...], RFC822,
					 * RFC822.HEADER, RFC822.TEXT */
};
#define IMAPD_FETCH_BIT(kind)	(1u << (kind))

/* The folder cache's field (lib/mail_index.h) of the ENVELOPE text, as
 * FETCH writes it (no UTF8=ACCEPT); SEARCH reads it too. */
#define IMAPD_CACHE_ENVELOPE	'E'

typedef struct imapd_fetch_item {
	enum imapd_fetch_kind kind;
	/* IMAPD_FETCH_SECTION */
	int peek;			/* leaves \Seen alone */
	mime_section_spec_t spec;	/* spec.fields points to names */
	char **names;			/* HEADER.FIELDS [.NOT] names */
	unsigned int nnames;
	int partial;			/* <start.len> given */
	uint32_t start, len;
	char *label;			/* the response's name for it: "UID",
					 * "BODY[1.HEADER.FIELDS (To)]<0>",
					 * "RFC822.TEXT" */
} imapd_fetch_item_t;

typedef struct imapd_fetch {
	imapd_fetch_item_t *items;	/* in the order asked, no repeats of
					 * the items without a section */
	size_t n;
	unsigned kinds;			/* IMAPD_FETCH_BIT of every kind asked */
	int sets_seen;			/* a section item without PEEK */
} imapd_fetch_t;

/*
 * The FETCH argument after the sequence set: a macro (ALL, FAST, FULL),
 * one fetch-att, or a non-empty list of them (RFC 3501 §9: macros only
 * alone).  uid: the command is UID FETCH, whose responses always carry
 * the UID (§6.4.8): it is put first when not asked.  0, or -1 with a
 * text for the BAD in *error_r.  Free with imapd_fetch_free().
 */
int imapd_fetch_parse(const imap_arg_t *args, size_t nargs, int uid,
		      imapd_fetch_t *f, const char **error_r);
void imapd_fetch_free(imapd_fetch_t *f);

/*
 * imapd_fetch_body.c: append " label content" of a section item of the
 * message mf to out; the content as a literal, its octets written to
 * sess->s in pieces after out (which is then written and emptied).  The
 * whole message (BODY[], RFC822) needs no MIME tree.  Returns the
 * octets of content sent.
 */
uint64_t imapd_fetch_body_write(imapd_session_t *sess, imapd_msgfile_t *mf,
				const imapd_fetch_item_t *item, buf_t *out);

#endif
