/* imapd_cmd_fetch.c - FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8,
 * §7.4.2).
 *
 * The items come from imapd_fetch_parse.c, the set from imapd_msgset();
 * each message gets one untagged FETCH with the items in the order asked
 * (UID first for UID FETCH when not asked).  What needs no file comes
 * from the view: UID, FLAGS, INTERNALDATE (the arrival time the view
 * keeps: the file's mtime, or the time in its name), RFC822.SIZE (the
 * wire size the name or a measure gave).  ENVELOPE, BODY and
 * BODYSTRUCTURE come from the folder's cache (lib/mail_index.h), under
 * these field letters of this file's own:
 *
 *   'E'  ENVELOPE        the response's text after "ENVELOPE "
 *   'B'  BODY            the text after "BODY "
 *   'S'  BODYSTRUCTURE   the text after "BODYSTRUCTURE "
 *
 * each as written for a client without UTF8=ACCEPT (a session that
 * enabled it neither reads nor writes them, since its quoting differs).
 * A miss opens the message (imapd_msgfile.c), parses it and stores what
 * was computed, so a second `UID FETCH 1:* (ENVELOPE BODYSTRUCTURE)`
 * opens no file.  The cache is read group by group: one shared lock per
 * IMAPD_FETCH_GROUP messages, taken and left before any of them is
 * written to the client, and what was computed is stored under one
 * exclusive lock after the group; so no lock is ever held while a slow
 * client is being written to.
 *
 * A message whose file is gone (expunged by another session, not yet
 * reported) is left out: RFC 3501 §7.4.1 allows no EXPUNGE during FETCH,
 * and the dispatcher reports it at the next command that may.  BODY[],
 * BODY[TEXT] and the other non-PEEK sections, RFC822 and RFC822.TEXT set
 * \Seen at once unless the folder is read-only (§6.4.5), before the
 * response is written, and a message whose flags changed so carries
 * FLAGS in its response even when not asked.
 */
#include <errno.h>
#include <string.h>

#include "imap_bodystructure.h"
#include "imap_date.h"
#include "imap_envelope.h"
#include "imap_quote.h"
#include "imapd_fetch.h"
#include "log.h"
#include "mem.h"

#define IMAPD_FETCH_GROUP 512	/* messages per look into the cache */

/* The cached items: their kinds and field letters. */
static const struct {
	enum imapd_fetch_kind kind;
	char field;
} imapd_fetch_cached[] = {
	{ IMAPD_FETCH_ENVELOPE, IMAPD_CACHE_ENVELOPE },
	{ IMAPD_FETCH_BODY, 'B' },
	{ IMAPD_FETCH_BODYSTRUCTURE, 'S' },
};
#define IMAPD_FETCH_NCACHED \
	(sizeof(imapd_fetch_cached) / sizeof(imapd_fetch_cached[0]))

/* A message of the group: its cached texts. */
typedef struct imapd_fetch_msg {
	uint32_t seq;
	buf_t cached[IMAPD_FETCH_NCACHED];
	unsigned have;		/* bit i: cached[i] came from the cache */
	unsigned computed;	/* bit i: cached[i] is new, to be stored */
} imapd_fetch_msg_t;

typedef struct imapd_fetch_ctx {
	imapd_session_t *sess;
	const imapd_fetch_t *f;
	int qflags;		/* lib/imap_quote.h flags for this client */
	int use_cache;
	imapd_fetch_msg_t group[IMAPD_FETCH_GROUP];
	size_t ngroup;
	size_t failed;		/* messages that could not be read */
	uint64_t sent;
	buf_t out;		/* one message's response, reused */
} imapd_fetch_ctx_t;

/* The index of kind in imapd_fetch_cached, or -1. */
static int imapd_fetch_cache_slot(enum imapd_fetch_kind kind)
{
	for (size_t i = 0; i < IMAPD_FETCH_NCACHED; i++)
		if (imapd_fetch_cached[i].kind == kind)
			return (int) i;
	return -1;
}

/* Look up the cached items of the group under one shared lock. */
static void imapd_fetch_cache_read(imapd_fetch_ctx_t *ctx)
{
	mail_view_t *v = ctx->sess->view;

	if (mail_index_begin(ctx->sess->index, 0) < 0) {
		mail_index_end(ctx->sess->index);
		return;
	}
	for (size_t g = 0; g < ctx->ngroup; g++) {
		imapd_fetch_msg_t *fm = &ctx->group[g];
		const mail_view_msg_t *m = &v->msgs[fm->seq - 1];

		for (size_t i = 0; i < IMAPD_FETCH_NCACHED; i++) {
			if (!(ctx->f->kinds & IMAPD_FETCH_BIT(imapd_fetch_cached[i].kind)))
				continue;
			if (mail_index_get(ctx->sess->index, m->uid,
					   imapd_fetch_cached[i].field,
					   &fm->cached[i]) == 1)
				fm->have |= 1u << i;
		}
	}
	mail_index_end(ctx->sess->index);
}

/* Store what the group computed under one exclusive lock. */
static void imapd_fetch_cache_write(imapd_fetch_ctx_t *ctx)
{
	mail_view_t *v = ctx->sess->view;
	size_t g;

	for (g = 0; g < ctx->ngroup; g++)
		if (ctx->group[g].computed != 0)
			break;
	if (g == ctx->ngroup)
		return;
	if (mail_index_begin(ctx->sess->index, 1) < 0) {
		mail_index_end(ctx->sess->index);
		return;
	}
	for (; g < ctx->ngroup; g++) {
		imapd_fetch_msg_t *fm = &ctx->group[g];

		for (size_t i = 0; i < IMAPD_FETCH_NCACHED; i++) {
			if (!(fm->computed & (1u << i)))
				continue;
			(void) mail_index_put(ctx->sess->index,
					      v->msgs[fm->seq - 1].uid,
					      imapd_fetch_cached[i].field,
					      fm->cached[i].data, fm->cached[i].len);
		}
	}
	mail_index_end(ctx->sess->index);
}

/* The text of a cached kind for fm, from the cache or computed from the
 * message (opened by the caller). */
static const buf_t *imapd_fetch_structure(imapd_fetch_ctx_t *ctx,
					  imapd_fetch_msg_t *fm,
					  imapd_msgfile_t *mf,
					  enum imapd_fetch_kind kind)
{
	int i = imapd_fetch_cache_slot(kind);
	buf_t *out = &fm->cached[i];
	const mime_part_t *root;
	const char *msg = mf->data != NULL ? mf->data : "";

	if (fm->have & (1u << i))
		return out;
	buf_reset(out);
	if (kind == IMAPD_FETCH_ENVELOPE) {
		imap_envelope_write(out, msg, imapd_msgfile_header(mf), ctx->qflags);
	} else {
		root = imapd_msgfile_mime(mf);
		imap_bodystructure_write(out, msg, root,
					 kind == IMAPD_FETCH_BODYSTRUCTURE,
					 ctx->qflags);
	}
	fm->have |= 1u << i;
	if (ctx->use_cache)
		fm->computed |= 1u << i;
	return out;
}

/* Does the message's response need its file? */
static int imapd_fetch_needs_file(const imapd_fetch_ctx_t *ctx,
				  const imapd_fetch_msg_t *fm)
{
	if (ctx->f->kinds & IMAPD_FETCH_BIT(IMAPD_FETCH_SECTION))
		return 1;
	for (size_t i = 0; i < IMAPD_FETCH_NCACHED; i++)
		if ((ctx->f->kinds & IMAPD_FETCH_BIT(imapd_fetch_cached[i].kind)) &&
		    !(fm->have & (1u << i)))
			return 1;
	return 0;
}

/* Set \Seen for a non-PEEK section fetch (§6.4.5): 1 when the flags
 * changed. */
static int imapd_fetch_set_seen(imapd_fetch_ctx_t *ctx, mail_view_msg_t *m)
{
	const uint32_t seen = 1u << ('S' - 'A');
	mail_flags_t nf = m->flags;

	if (!ctx->f->sets_seen || ctx->sess->readonly || (m->flags.upper & seen))
		return 0;
	nf.upper |= seen;
	if (mail_view_set_flags(ctx->sess->view, m, &nf) < 0) {
		if (errno != ENOENT)
			imapd_log_error(ctx->sess, "set \\Seen on %s: %m", m->name);
		return 0;
	}
	return 1;
}

static void imapd_fetch_flags(imapd_session_t *sess, mail_view_msg_t *m,
			      buf_t *out)
{
	buf_puts(out, "FLAGS ");
	imapd_flags_write(sess, &m->flags, m->recent, out);
	/* the client has the flags now: no later FETCH for an older change */
	m->flags_changed = 0;
}

/* The untagged FETCH of one message. */
static void imapd_fetch_one(imapd_fetch_ctx_t *ctx, imapd_fetch_msg_t *fm)
{
	imapd_session_t *sess = ctx->sess;
	mail_view_msg_t *m = &sess->view->msgs[fm->seq - 1];
	imapd_msgfile_t mf;
	buf_t *out = &ctx->out;
	int opened = 0, seen_now;

	if (m->expunged)
		return;
	memset(&mf, 0, sizeof(mf));
	if (imapd_fetch_needs_file(ctx, fm)) {
		if (imapd_msgfile_open(sess, m, &mf) < 0) {
			if (errno != ENOENT) {
				imapd_log_error(sess, "read message %s: %m", m->name);
				ctx->failed++;
			}
			return;
		}
		opened = 1;
	}
	seen_now = imapd_fetch_set_seen(ctx, m);

	buf_reset(out);
	buf_printf(out, "* %u FETCH (", fm->seq);
	for (size_t i = 0; i < ctx->f->n; i++) {
		const imapd_fetch_item_t *item = &ctx->f->items[i];

		if (i > 0)
			buf_putc(out, ' ');
		switch (item->kind) {
		case IMAPD_FETCH_UID:
			buf_printf(out, "UID %u", m->uid);
			break;
		case IMAPD_FETCH_FLAGS:
			imapd_fetch_flags(sess, m, out);
			break;
		case IMAPD_FETCH_INTERNALDATE:
			buf_puts(out, "INTERNALDATE \"");
			imap_date_time_format(m->mtime, imap_date_local_zone(m->mtime),
					      out);
			buf_putc(out, '"');
			break;
		case IMAPD_FETCH_RFC822_SIZE:
			buf_printf(out, "RFC822.SIZE %lld", m->wsize);
			break;
		case IMAPD_FETCH_ENVELOPE:
		case IMAPD_FETCH_BODY:
		case IMAPD_FETCH_BODYSTRUCTURE: {
			const buf_t *text = imapd_fetch_structure(ctx, fm, &mf,
								  item->kind);

			buf_printf(out, "%s ", item->label);
			buf_append(out, text->data, text->len);
			break;
		}
		case IMAPD_FETCH_SECTION:
			ctx->sent += imapd_fetch_body_write(sess, &mf, item, out);
			break;
		}
	}
	if (seen_now && !(ctx->f->kinds & IMAPD_FETCH_BIT(IMAPD_FETCH_FLAGS))) {
		buf_putc(out, ' ');
		imapd_fetch_flags(sess, m, out);
	}
	buf_puts(out, ")\r\n");
	stream_write(sess->s, out->data, out->len);
	ctx->sent += out->len;
	if (opened)
		imapd_msgfile_close(&mf);
}

/* The messages of the group, then what they added to the cache. */
static void imapd_fetch_group(imapd_fetch_ctx_t *ctx)
{
	if (ctx->use_cache)
		imapd_fetch_cache_read(ctx);
	for (size_t g = 0; g < ctx->ngroup && stream_status(ctx->sess->s) == STREAM_OK; g++)
		imapd_fetch_one(ctx, &ctx->group[g]);
	if (ctx->use_cache)
		imapd_fetch_cache_write(ctx);
	for (size_t g = 0; g < ctx->ngroup; g++) {
		imapd_fetch_msg_t *fm = &ctx->group[g];

		for (size_t i = 0; i < IMAPD_FETCH_NCACHED; i++)
			buf_reset(&fm->cached[i]);
		fm->have = fm->computed = 0;
	}
	ctx->ngroup = 0;
}

void imapd_cmd_fetch(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imap_seqset_t set = IMAP_SEQSET_INIT;
	imap_seqset_iter_t it;
	imapd_fetch_t f;
	imapd_fetch_ctx_t *ctx;
	const char *error;
	uint32_t seq;

	if (nargs < 2) {
		imapd_bad(sess, NULL, "FETCH needs a message set and items");
		return;
	}
	if (imapd_fetch_parse(args + 1, nargs - 1, sess->uid, &f, &error) < 0) {
		imapd_bad(sess, NULL, "%s", error);
		return;
	}
	if (imapd_msgset(sess, &args[0], sess->uid, &set) < 0) {
		imapd_fetch_free(&f);
		return;
	}
	ctx = MEM_NEW(imapd_fetch_ctx_t);
	ctx->sess = sess;
	ctx->f = &f;
	ctx->qflags = (sess->enabled & IMAPD_ENABLED_UTF8) ? IMAP_QUOTE_UTF8 : 0;
	ctx->use_cache = sess->index != NULL && ctx->qflags == 0 &&
		(f.kinds & (IMAPD_FETCH_BIT(IMAPD_FETCH_ENVELOPE) |
			    IMAPD_FETCH_BIT(IMAPD_FETCH_BODY) |
			    IMAPD_FETCH_BIT(IMAPD_FETCH_BODYSTRUCTURE))) != 0;
	/* \Seen is added to the flags on disk now (as STORE does) */
	if (f.sets_seen && !sess->readonly)
		(void) mail_view_sync(sess->view);
	imap_seqset_iter_init(&it);
	while (imap_seqset_iter_next(&set, &it, &seq) &&
	       stream_status(sess->s) == STREAM_OK) {
		if (seq == 0 || seq > sess->exists)
			continue;
		ctx->group[ctx->ngroup++].seq = seq;
		if (ctx->ngroup == IMAPD_FETCH_GROUP)
			imapd_fetch_group(ctx);
	}
	if (ctx->ngroup > 0)
		imapd_fetch_group(ctx);
	sess->sent_octets += (long long) ctx->sent;

	if (ctx->failed > 0)
		imapd_no(sess, NULL, "%zu message%s could not be read", ctx->failed,
			 ctx->failed == 1 ? "" : "s");
	else
		imapd_ok(sess, NULL, "FETCH completed");
	for (size_t g = 0; g < IMAPD_FETCH_GROUP; g++)
		for (size_t i = 0; i < IMAPD_FETCH_NCACHED; i++)
			buf_release(&ctx->group[g].cached[i]);
	buf_release(&ctx->out);
	mem_free(ctx);
	imap_seqset_release(&set);
	imapd_fetch_free(&f);
}
