/* imapd_search.c - SEARCH keys evaluated per message; see imapd_search.h.
 *
 * Each message is first judged from what the view holds (flags, \Recent,
 * sizes, UID, sequence number, the internal date): every key answers
 * yes, no or "needs the file", and AND, OR and NOT combine the three
 * (an AND with one "no" is no whatever its other keys would say).  Only
 * when the answer still needs the file is it opened (imapd_msgfile.c),
 * and the tree judged again with it; its MIME tree is parsed only for
 * BODY and TEXT.  So "SEARCH UNSEEN SUBJECT x" reads only the unseen
 * messages, and "SEARCH DELETED" no file at all.
 *
 * The text keys (RFC 3501 §6.4.4) go through lib/search_text.h: header
 * keys match the field's value with its encoded-words decoded (RFC
 * 2047), and an address field also as its addresses read without
 * comments (FROM is "the envelope structure's FROM field"); BODY matches the text parts of the body (and, inside an
 * attached message/rfc822, its header and text parts), TEXT the header
 * block and the same; both after their transfer encoding is undone and
 * their charset converted to UTF-8.  Parts of other types (images,
 * archives) are not read: their decoded octets are no text.
 *
 * Dates: BEFORE, ON and SINCE compare the internal date's day in the
 * server's local zone; SENTBEFORE, SENTON and SENTSINCE the Date: field's
 * day in its own zone ("disregarding time and timezone"); a message
 * without a Date: field that parses matches none of the three.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "imap_address.h"
#include "imap_date.h"
#include "imapd_fetch.h"
#include "imapd_search.h"
#include "log.h"
#include "mem.h"
#include "mime_field.h"
#include "search_text.h"

enum { SEARCH_NO, SEARCH_YES, SEARCH_FILE };

#define IMAPD_SEARCH_GROUP 512	/* messages per look into the cache */

/* ENVELOPE's items (RFC 3501 §7.4.2) that SEARCH reads. */
enum { ENV_DATE, ENV_SUBJECT, ENV_FROM, ENV_SENDER, ENV_REPLY_TO, ENV_TO,
	ENV_CC, ENV_BCC, ENV_IN_REPLY_TO, ENV_MESSAGE_ID, ENV_ITEMS };

/* What prepare binds to a node (node->context). */
typedef struct search_bind {
	struct search_text *st;	/* HEADER, BODY, TEXT */
	int keyword;		/* KEYWORD: index in the folder, -1: none */
} search_bind_t;

/* One message being judged. */
typedef struct search_msg {
	imapd_search_t *se;
	mail_view_msg_t *m;
	uint32_t seq;
	int64_t day;		/* internal date's day, once computed */
	int have_day;
	imapd_msgfile_t *mf;	/* NULL while the file is not open */
	const imap_arg_t *env;	/* else its cached ENVELOPE's items */
	const char *data;	/* its octets ("" for an empty file) */
	size_t hdr_len;		/* the header block, once found */
	int have_hdr;
	int64_t sent_day;	/* the Date: field's day, once looked at */
	int sent_state;		/* 0: not looked, 1: found, -1: none */
} search_msg_t;

static int search_bind(imapd_search_t *se, imap_search_node_t *node)
{
	mail_view_t *v = se->sess->view;
	search_bind_t *b;

	for (imap_search_node_t *c = node->children; c != NULL; c = c->next)
		if (search_bind(se, c) < 0)
			return -1;
	switch (node->type) {
	case IMAP_SEARCH_SEQSET:
		/* as for every command (imapd_msgset.c): a number above the
		 * count, or "*" in an empty folder, is an error */
		if ((node->set_nums.star && se->count == 0) ||
		    node->set_nums.max_explicit > se->count) {
			imapd_bad(se->sess, NULL, "Invalid message sequence number");
			return -1;
		}
		imap_seqset_resolve(&node->set_nums, se->count);
		return 0;
	case IMAP_SEARCH_UID:
		/* RFC 3501 §6.4.8: "*" is the largest UID in use */
		imap_seqset_resolve(&node->set_nums,
				    se->count > 0 ? v->msgs[se->count - 1].uid : 0);
		return 0;
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_HEADER:
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
		break;
	default:
		return 0;
	}
	b = mem_zalloc(sizeof(*b));
	node->context = b;
	if (node->type == IMAP_SEARCH_KEYWORD) {
		b->keyword = mail_keywords_find(&v->keywords, node->text);
		return 0;
	}
	b->st = search_text_new(node->text, node->text_len);
	if (b->st == NULL) {
		imapd_bad(se->sess, NULL, "Search string too long");
		return -1;
	}
	return 0;
}

static void search_unbind(imap_search_node_t *node)
{
	search_bind_t *b = node->context;

	for (imap_search_node_t *c = node->children; c != NULL; c = c->next)
		search_unbind(c);
	if (b != NULL) {
		search_text_free(&b->st);
		mem_free(b);
		node->context = NULL;
	}
}

/* The ENVELOPE item of a header key's field, or -1. */
static int search_env_item(const char *field)
{
	static const struct {
		const char *field;
		int item;
	} items[] = {
		{ "SUBJECT", ENV_SUBJECT }, { "FROM", ENV_FROM }, { "TO", ENV_TO },
		{ "CC", ENV_CC }, { "BCC", ENV_BCC },
	};

	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		if (strcasecmp(items[i].field, field) == 0)
			return items[i].item;
	return -1;
}

/* Can a cached ENVELOPE answer every key of the tree that needs the
 * file?  Not BODY or TEXT, nor a header key for a field it lacks, nor
 * HEADER's "is there such a field" (an empty field is NIL there). */
static int search_cache_answers(const imap_search_node_t *node)
{
	for (const imap_search_node_t *c = node->children; c != NULL; c = c->next)
		if (!search_cache_answers(c))
			return 0;
	switch (node->type) {
	case IMAP_SEARCH_BODY:
	case IMAP_SEARCH_TEXT:
		return 0;
	case IMAP_SEARCH_HEADER:
		return node->text_len > 0 && search_env_item(node->field) >= 0;
	default:
		return 1;
	}
}

int imapd_search_prepare(imapd_search_t *se, imapd_session_t *sess,
			 imap_search_node_t *root)
{
	memset(se, 0, sizeof(*se));
	se->sess = sess;
	se->root = root;
	/* the messages the client has been told of (EXISTS); the view may
	 * already hold newer ones, announced after the command */
	se->count = sess->view->n < sess->exists ? (uint32_t) sess->view->n
		: sess->exists;
	if (search_bind(se, root) < 0) {
		imapd_search_release(se);
		return -1;
	}
	/* the cache holds ENVELOPEs as written without UTF8=ACCEPT */
	se->use_cache = sess->index != NULL &&
		!(sess->enabled & IMAPD_ENABLED_UTF8) && search_cache_answers(root);
	return 0;
}

void imapd_search_release(imapd_search_t *se)
{
	if (se->root != NULL)
		search_unbind(se->root);
	se->root = NULL;
	if (se->envelopes != NULL) {
		for (size_t i = 0; i < IMAPD_SEARCH_GROUP; i++)
			buf_release(&se->envelopes[i]);
		mem_free(se->envelopes);
		se->envelopes = NULL;
	}
	imap_parser_free(&se->parser);
}

static int search_bool(int yes)
{
	return yes ? SEARCH_YES : SEARCH_NO;
}

static int64_t search_internal_day(search_msg_t *sm)
{
	if (!sm->have_day) {
		time_t t = sm->m->mtime;

		sm->day = imap_date_day(t, imap_date_local_zone(t));
		sm->have_day = 1;
	}
	return sm->day;
}

/* The header block's length (its empty line included). */
static size_t search_header_len(search_msg_t *sm)
{
	if (!sm->have_hdr) {
		mime_field_t f;
		size_t pos = 0;

		while (mime_field_next(sm->data, sm->mf->len, &pos, &f))
			;
		sm->hdr_len = pos;
		sm->have_hdr = 1;
	}
	return sm->hdr_len;
}

/* The fields whose value is an address list (RFC 5322 §3.6.2, §3.6.3,
 * §3.6.6). */
static int search_address_field(const char *name)
{
	static const char *const fields[] = {
		"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Resent-From",
		"Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc",
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcasecmp(fields[i], name) == 0)
			return 1;
	return 0;
}

/* One address of an address list as the reader sees it, appended to
 * text: "Name <mailbox@host>, ", a group's name as "name: " (host NULL,
 * mailbox the name), nothing for a group's end (all NULL). */
static void search_address_add(buf_t *text, const char *name,
			       const char *mailbox, const char *host)
{
	if (host == NULL) {
		if (mailbox != NULL)
			buf_printf(text, "%s: ", mailbox);
		return;
	}
	if (name != NULL)
		buf_printf(text, "%s ", name);
	/* a name alone ("undisclosed recipients") has no mailbox */
	if (mailbox != NULL && strcmp(mailbox, IMAP_ADDRESS_NO_MAILBOX) != 0) {
		if (strcmp(host, IMAP_ADDRESS_NO_HOST) == 0)
			buf_printf(text, "<%s>", mailbox);
		else
			buf_printf(text, "<%s@%s>", mailbox, host);
	}
	buf_puts(text, ", ");
}

/* An address field matched as its addresses read, comments, quoting and
 * folding gone: "Name <mailbox@host>, group: ..." (the name's
 * encoded-words are decoded by the match).  FROM "user@host" then finds
 * "<user (comment)@ host>" too, and the cached ENVELOPE (which holds
 * the same addresses) answers as the file does. */
static int search_addresses(const mime_field_t *f, struct search_text *st)
{
	imap_address_t *addrs;
	unsigned n = imap_address_parse(f->value, f->value_len, &addrs);
	buf_t text = BUF_INIT;
	int r;

	for (unsigned i = 0; i < n; i++)
		search_address_add(&text, addrs[i].name, addrs[i].mailbox,
				   addrs[i].host);
	r = search_text_header(st, text.data != NULL ? text.data : "", text.len);
	imap_address_free(&addrs, n);
	buf_release(&text);
	return r;
}

/* Does a field named name (the message's own header) contain the
 * needle: its value with encoded-words decoded, or for an address field
 * its addresses (above)?  An empty needle: is there such a field
 * (§6.4.4 HEADER). */
static int search_header(search_msg_t *sm, const char *name, struct search_text *st,
			 size_t needle_len)
{
	int addresses = search_address_field(name);
	mime_field_t f;
	size_t pos = 0, len = search_header_len(sm);

	while (mime_field_next(sm->data, len, &pos, &f)) {
		if (!mime_field_is(&f, name))
			continue;
		if (needle_len == 0 ||
		    (addresses ? search_addresses(&f, st) :
		     search_text_header(st, f.value, f.value_len)))
			return 1;
	}
	return 0;
}

/* The Date: field's day in its own zone: 1, or 0 when there is none
 * that parses (the first Date: field counts). */
static int search_sent_day(search_msg_t *sm, int64_t *day_r)
{
	if (sm->sent_state == 0) {
		mime_field_t f;
		size_t pos = 0, len = search_header_len(sm);
		time_t t;
		int zone;

		sm->sent_state = -1;
		while (mime_field_next(sm->data, len, &pos, &f)) {
			if (!mime_field_is(&f, "Date"))
				continue;
			if (imap_date_rfc5322_parse(f.value, f.value_len, &t, &zone) == 0) {
				sm->sent_day = imap_date_day(t, zone);
				sm->sent_state = 1;
			}
			break;
		}
	}
	*day_r = sm->sent_day;
	return sm->sent_state == 1;
}

static const char *search_charset(const mime_part_t *part)
{
	for (unsigned i = 0; i < part->nparams; i++)
		if (strcasecmp(part->params[i].name, "charset") == 0)
			return part->params[i].value;
	return NULL;
}

/* The decoded text of a part's body: its text leaves and, inside an
 * attached message, that message's header too.  Recursion follows the
 * MIME tree, whose depth lib/mime_parse bounds (MIME_MAX_DEPTH). */
static int search_body_part(search_msg_t *sm, const mime_part_t *part,
			    struct search_text *st)
{
	const char *data = sm->data;

	if (part->flags & MIME_PART_OPAQUE)
		return 0;
	if (part->flags & MIME_PART_MULTIPART) {
		for (const mime_part_t *c = part->children; c != NULL; c = c->next)
			if (search_body_part(sm, c, st))
				return 1;
		return 0;
	}
	if (part->flags & MIME_PART_RFC822) {
		const mime_part_t *msg = part->children;

		if (msg == NULL)
			return 0;
		if (search_text_header(st, data + msg->hdr_off, msg->body_off - msg->hdr_off))
			return 1;
		return search_body_part(sm, msg, st);
	}
	if (!mime_part_is(part, "text", NULL))
		return 0;
	return search_text_body(st, part->encoding, search_charset(part),
				data + part->body_off, part->end - part->body_off);
}

static int search_body(search_msg_t *sm, struct search_text *st)
{
	const mime_part_t *root = imapd_msgfile_mime(sm->mf);

	return root != NULL && search_body_part(sm, root, st);
}

static int search_sent(const imap_search_node_t *node, int64_t day)
{
	if (node->type == IMAP_SEARCH_SENTBEFORE)
		return search_bool(day < node->day);
	if (node->type == IMAP_SEARCH_SENTON)
		return search_bool(day == node->day);
	return search_bool(day >= node->day);
}

/* An nstring of the ENVELOPE: its text, or NULL for NIL. */
static const char *search_env_string(const imap_arg_t *a, size_t *len_r)
{
	return a->type == IMAP_ARG_NIL ? NULL : imap_arg_string(a, 0, len_r);
}

/* A header or SENT key answered from the cached ENVELOPE, as the file
 * would answer it (the same address text, the first Date: field). */
static int search_env_eval(const search_msg_t *sm, const imap_search_node_t *node,
			   const search_bind_t *b)
{
	const imap_arg_t *env = sm->env, *addrs;
	const char *text;
	size_t len, n;
	buf_t list = BUF_INIT;
	time_t t;
	int zone, item, r;

	switch (node->type) {
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		text = search_env_string(&env[ENV_DATE], &len);
		if (text == NULL || imap_date_rfc5322_parse(text, len, &t, &zone) < 0)
			return SEARCH_NO;
		return search_sent(node, imap_date_day(t, zone));
	case IMAP_SEARCH_HEADER:
		item = search_env_item(node->field);
		if (item == ENV_SUBJECT) {
			text = search_env_string(&env[item], &len);
			return search_bool(text != NULL && search_text_header(b->st, text, len));
		}
		addrs = imap_arg_list(&env[item], &n);
		if (addrs == NULL)
			return SEARCH_NO;
		for (size_t i = 0; i < n; i++) {
			const imap_arg_t *a = imap_arg_list(&addrs[i], &len);

			if (a != NULL && len == 4)
				search_address_add(&list, search_env_string(&a[0], NULL),
						   search_env_string(&a[2], NULL),
						   search_env_string(&a[3], NULL));
		}
		r = search_text_header(b->st, list.data != NULL ? list.data : "", list.len);
		buf_release(&list);
		return search_bool(r);
	default:
		return SEARCH_NO;
	}
}

static int search_eval(search_msg_t *sm, const imap_search_node_t *node)
{
	const mail_view_msg_t *m = sm->m;
	search_bind_t *b = node->context;
	const imap_search_node_t *c;
	int r, any_file = 0;
	int64_t day;

	switch (node->type) {
	case IMAP_SEARCH_ALL:
		return SEARCH_YES;
	case IMAP_SEARCH_AND:
		for (c = node->children; c != NULL; c = c->next) {
			r = search_eval(sm, c);
			if (r == SEARCH_NO)
				return SEARCH_NO;
			any_file |= r == SEARCH_FILE;
		}
		return any_file ? SEARCH_FILE : SEARCH_YES;
	case IMAP_SEARCH_OR:
		for (c = node->children; c != NULL; c = c->next) {
			r = search_eval(sm, c);
			if (r == SEARCH_YES)
				return SEARCH_YES;
			any_file |= r == SEARCH_FILE;
		}
		return any_file ? SEARCH_FILE : SEARCH_NO;
	case IMAP_SEARCH_NOT:
		r = search_eval(sm, node->children);
		return r == SEARCH_FILE ? r : search_bool(r == SEARCH_NO);
	case IMAP_SEARCH_FLAG:
		return search_bool(((m->flags.upper >> (node->letter - 'A')) & 1) ==
				   (uint32_t) node->set);
	case IMAP_SEARCH_KEYWORD:
		return search_bool((b->keyword >= 0 &&
				    ((m->flags.keywords >> b->keyword) & 1)) == node->set);
	case IMAP_SEARCH_RECENT:
		return search_bool(m->recent == (unsigned) node->set);
	case IMAP_SEARCH_NEW:
		return search_bool(m->recent && !(m->flags.upper & (1u << ('S' - 'A'))));
	case IMAP_SEARCH_LARGER:
		return search_bool(m->wsize >= 0 && (uint64_t) m->wsize > node->number);
	case IMAP_SEARCH_SMALLER:
		return search_bool(m->wsize >= 0 && (uint64_t) m->wsize < node->number);
	case IMAP_SEARCH_BEFORE:
		return search_bool(search_internal_day(sm) < node->day);
	case IMAP_SEARCH_ON:
		return search_bool(search_internal_day(sm) == node->day);
	case IMAP_SEARCH_SINCE:
		return search_bool(search_internal_day(sm) >= node->day);
	case IMAP_SEARCH_SEQSET:
		return search_bool(imap_seqset_contains(&node->set_nums, sm->seq));
	case IMAP_SEARCH_UID:
		return search_bool(imap_seqset_contains(&node->set_nums, m->uid));
	default:
		break;
	}
	if (sm->env != NULL)
		return search_env_eval(sm, node, b);
	if (sm->mf == NULL)
		return SEARCH_FILE;
	switch (node->type) {
	case IMAP_SEARCH_SENTBEFORE:
	case IMAP_SEARCH_SENTON:
	case IMAP_SEARCH_SENTSINCE:
		if (!search_sent_day(sm, &day))
			return SEARCH_NO;
		return search_sent(node, day);
	case IMAP_SEARCH_HEADER:
		return search_bool(search_header(sm, node->field, b->st, node->text_len));
	case IMAP_SEARCH_TEXT:
		if (search_text_header(b->st, sm->data, search_header_len(sm)))
			return SEARCH_YES;
		return search_bool(search_body(sm, b->st));
	case IMAP_SEARCH_BODY:
		return search_bool(search_body(sm, b->st));
	default:
		break;
	}
	return SEARCH_NO;
}

/* Read the cached ENVELOPEs of the group of messages from seq on, under
 * one shared lock, left before any of them is judged. */
static void search_cache_read(imapd_search_t *se, uint32_t seq)
{
	mail_index_t *ix = se->sess->index;
	mail_view_t *v = se->sess->view;

	if (se->envelopes == NULL)
		se->envelopes = mem_zalloc(IMAPD_SEARCH_GROUP * sizeof(*se->envelopes));
	for (size_t i = 0; i < IMAPD_SEARCH_GROUP; i++)
		buf_reset(&se->envelopes[i]);
	se->group_first = seq;
	if (mail_index_begin(ix, 0) == 0) {
		for (size_t i = 0; i < IMAPD_SEARCH_GROUP && seq + i <= se->count; i++) {
			const mail_view_msg_t *m = &v->msgs[seq + i - 1];

			if (m->expunged ||
			    mail_index_get(ix, m->uid, IMAPD_CACHE_ENVELOPE,
					   &se->envelopes[i]) != 1)
				buf_reset(&se->envelopes[i]);
		}
	}
	mail_index_end(ix);
}

/* The items of message seq's cached ENVELOPE, read back with the
 * command parser (its strings may be literals), or NULL when it is not
 * cached (or not as expected). */
static const imap_arg_t *search_cached_envelope(imapd_search_t *se, uint32_t seq)
{
	enum imap_parse_result r = IMAP_PARSE_ERROR;
	const imap_arg_t *items = NULL;
	const imap_cmd_t *cmd;
	const buf_t *env;
	buf_t text = BUF_INIT;
	size_t pos = 0, n;

	if (se->group_first == 0 || seq < se->group_first ||
	    seq - se->group_first >= IMAPD_SEARCH_GROUP)
		search_cache_read(se, seq);
	env = &se->envelopes[seq - se->group_first];
	if (env->len == 0)
		return NULL;
	if (se->parser == NULL)
		se->parser = imap_parser_new(NULL, 0);
	buf_puts(&text, "e ENVELOPE ");
	buf_append(&text, env->data, env->len);
	buf_puts(&text, "\r\n");
	while (pos < text.len) {
		const char *nl = memchr(text.data + pos, '\n', text.len - pos);
		size_t l = nl != NULL ? (size_t) (nl - (text.data + pos)) + 1 : text.len - pos;

		r = imap_parse_line(se->parser, text.data + pos, l);
		pos += l;
		if (r == IMAP_PARSE_LITERAL) {
			l = imap_parser_cmd(se->parser)->literal_size;
			if (l > text.len - pos) {
				imap_parser_reset(se->parser);
				r = IMAP_PARSE_ERROR;
				break;
			}
			r = imap_parse_literal_keep(se->parser, text.data + pos, l);
			pos += l;
		}
		if (r != IMAP_PARSE_MORE)
			break;
	}
	buf_release(&text);
	if (r != IMAP_PARSE_DONE) {
		imap_parser_reset(se->parser);
		return NULL;
	}
	cmd = imap_parser_cmd(se->parser);
	if (cmd->nargs == 1)
		items = imap_arg_list(&cmd->args[0], &n);
	return items != NULL && n == ENV_ITEMS ? items : NULL;
}

int imapd_search_match(imapd_search_t *se, uint32_t seq)
{
	search_msg_t sm;
	imapd_msgfile_t mf;
	int r;

	memset(&sm, 0, sizeof(sm));
	sm.se = se;
	sm.seq = seq;
	sm.m = &se->sess->view->msgs[seq - 1];
	if (sm.m->expunged)
		return 0;
	r = search_eval(&sm, se->root);
	if (r != SEARCH_FILE)
		return r == SEARCH_YES;
	if (se->use_cache && (sm.env = search_cached_envelope(se, seq)) != NULL)
		return search_eval(&sm, se->root) == SEARCH_YES;
	memset(&mf, 0, sizeof(mf));
	if (imapd_msgfile_open(se->sess, sm.m, &mf) < 0) {
		int err = errno;

		if (err != ENOENT && se->unreadable++ == 0)
			imapd_log_error(se->sess, "SEARCH: cannot read message UID %u: %s",
					sm.m->uid, strerror(err));
		return 0;
	}
	sm.mf = &mf;
	sm.data = mf.data != NULL ? mf.data : "";
	r = search_eval(&sm, se->root);
	imapd_msgfile_close(&mf);
	return r == SEARCH_YES;
}
