/* smtp_out_request.c - qmgr's delivery request, checked, and the answer.
 *
 * The request is lib/deliver_proto.h's with what only an SMTP client
 * needs: the nexthop, the message's SMTPUTF8 flag and each recipient's
 * DSN parameters (RFC 3461 §4.1, §4.2), passed on to servers that offer
 * DSN, and the header fields smtpd recorded to go before the content
 * (its DKIM signatures).  Everything in it is checked before use, since a request that
 * names octets outside the file, or addresses that would break the
 * command line, must be refused rather than sent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mem.h"
#include "queue.h"
#include "smtp_out.h"

static int smtp_out_number(const char *s, long long *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* Text that may go into an SMTP command line: no control characters
 * (a quoted local part may hold a space), at most QUEUE_MAX_ADDR octets.
 * 8-bit octets pass (SMTPUTF8 addresses); smtp_out_content.c decides
 * whether the server may see them.  ENVID and ORCPT are sent as xtext,
 * which can carry any octet. */
static int smtp_out_word_ok(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char) *s < ' ' || *s == 0x7f)
			return 0;
	return n <= QUEUE_MAX_ADDR;
}

static const char *smtp_out_rcpts_check(const attr_t *a, smtp_out_req_t *req)
{
	size_t n = attr_count_of(a, "rcpt");

	if (n == 0 || attr_count_of(a, "rcpt_index") != n ||
	    attr_count_of(a, "rcpt_orcpt") != n ||
	    attr_count_of(a, "rcpt_notify") != n)
		return "recipient lists do not match";
	req->nrcpt = n;
	req->rcpt = mem_zalloc(n * sizeof(*req->rcpt));
	for (size_t i = 0; i < n; i++) {
		smtp_out_rcpt_t *r = &req->rcpt[i];
		const char *orcpt = attr_get_nth(a, "rcpt_orcpt", i);
		const char *notify = attr_get_nth(a, "rcpt_notify", i);

		r->addr = attr_get_nth(a, "rcpt", i);
		r->index = attr_get_nth(a, "rcpt_index", i);
		r->orcpt = *orcpt ? orcpt : NULL;
		r->notify = *notify ? notify : NULL;
		if (!smtp_out_word_ok(r->addr) || *r->addr == '\0' ||
		    (r->orcpt && !smtp_out_word_ok(r->orcpt)) ||
		    (r->notify && !smtp_out_word_ok(r->notify)))
			return "bad recipient";
	}
	return NULL;
}

/* The DKIM signatures smtpd recorded ("prepend" records, queue.h), read
 * once per request: every attempt sends the same fields. */
static const char *smtp_out_prepend_load(const attr_t *a, smtp_out_req_t *req,
					 const struct stat *st)
{
	long long off, len;

	if (attr_get(a, "prepend_offset") == NULL &&
	    attr_get(a, "prepend_length") == NULL)
		return NULL;
	if (smtp_out_number(attr_get(a, "prepend_offset"), &off) < 0 ||
	    smtp_out_number(attr_get(a, "prepend_length"), &len) < 0 ||
	    off > (long long) st->st_size || len > (long long) st->st_size - off ||
	    queue_prepend_read(req->fd, (off_t) off, (size_t) len, &req->prepend) < 0) {
		buf_release(&req->prepend);
		return "bad prepend records";
	}
	return NULL;
}

const char *smtp_out_request_check(const attr_t *a, int qfd, smtp_out_req_t *req)
{
	long long off, len;
	const char *body, *why;
	struct stat st;

	req->fd = -1;
	req->id = attr_get(a, "id");
	req->sender = attr_get(a, "sender");
	req->nexthop = attr_get(a, "nexthop");
	req->envid = attr_get(a, "envid");
	req->ret = attr_get(a, "ret");
	body = attr_get(a, "body");
	if (req->id == NULL || !queue_id_valid(req->id))
		return "missing or bad queue id";
	if (req->sender == NULL || !smtp_out_word_ok(req->sender))
		return "missing or bad sender";
	if (req->nexthop == NULL || *req->nexthop == '\0' ||
	    !smtp_out_word_ok(req->nexthop))
		return "missing or bad nexthop";
	if ((req->envid && !smtp_out_word_ok(req->envid)) ||
	    (req->ret && strcmp(req->ret, "FULL") != 0 &&
	     strcmp(req->ret, "HDRS") != 0))
		return "bad DSN parameters";
	req->body_8bit = body != NULL && strcmp(body, "8BITMIME") == 0;
	req->smtputf8 = attr_get(a, "smtputf8") != NULL &&
		strcmp(attr_get(a, "smtputf8"), "yes") == 0;
	if (smtp_out_number(attr_get(a, "offset"), &off) < 0 ||
	    smtp_out_number(attr_get(a, "length"), &len) < 0)
		return "bad offset or length";
	if (qfd < 0 || fstat(qfd, &st) < 0 || !S_ISREG(st.st_mode))
		return "no usable queue file descriptor";
	if (off > (long long) st.st_size || len > (long long) st.st_size - off)
		return "offset and length beyond the queue file";
	req->fd = qfd;
	req->offset = (off_t) off;
	req->length = (size_t) len;
	req->arrival = attr_get(a, "arrival") ? strtod(attr_get(a, "arrival"), NULL) : 0;
	if ((why = smtp_out_rcpts_check(a, req)) != NULL)
		return why;
	return smtp_out_prepend_load(a, req, &st);
}

void smtp_out_rcpt_set(smtp_out_rcpt_t *r, const char *dsn, const char *text)
{
	if (r->dsn.len != 0)
		return;
	buf_set(&r->dsn, dsn);
	buf_set(&r->text, text);
}

void smtp_out_rcpt_set_all(smtp_out_req_t *req, const char *dsn, const char *text)
{
	for (size_t i = 0; i < req->nrcpt; i++)
		smtp_out_rcpt_set(&req->rcpt[i], dsn, text);
}

void smtp_out_request_reply(smtp_out_req_t *req, attr_t *reply)
{
	attr_add(reply, "status", "ok");
	if (req->unreachable)
		attr_add(reply, "unreachable", "yes");
	for (size_t i = 0; i < req->nrcpt; i++) {
		smtp_out_rcpt_t *r = &req->rcpt[i];

		/* Every path sets a result; this is the rule if one did not. */
		smtp_out_rcpt_set(r, "4.3.0", "no result from the SMTP client");
		attr_add(reply, "rcpt_index", r->index);
		attr_add(reply, "dsn", buf_str(&r->dsn));
		attr_add(reply, "text", buf_str(&r->text));
		/* RFC 3461 §6.2: who reports success from here on. */
		attr_add(reply, "dsn_relay", r->dsn.data[0] != '2' ? "none" :
			 r->dsn_passed ? "passed" : "relayed");
	}
	smtp_out_request_release(req);
}

void smtp_out_request_release(smtp_out_req_t *req)
{
	for (size_t i = 0; req->rcpt != NULL && i < req->nrcpt; i++) {
		buf_release(&req->rcpt[i].dsn);
		buf_release(&req->rcpt[i].text);
	}
	mem_free(req->rcpt);
	req->rcpt = NULL;
	buf_release(&req->prepend);
}
