/* mailctl_send_rcpt.c - envelope addresses from RFC 5322 address lists.
 *
 * `mailctl send -t` takes its recipients from the To, Cc and Bcc fields,
 * and every recipient argument may be written the same way ("Joe
 * <joe@example.org>, ann").  A small scanner splits the list at commas
 * outside quoted strings, comments and angle brackets (RFC 5322 §3.4):
 * an element's address is what stands in angle brackets, else the element
 * itself without comments and white space; a group's name ("team:") and
 * end (";") only delimit.  Quoted local parts are kept quoted, which is
 * also how SMTP wants them.
 */
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "log.h"
#include "mailctl_send.h"
#include "mem.h"

static int mailctl_rcpts_add(mailctl_rcpts_t *r, const char *addr,
			     size_t len, const char *origin)
{
	buf_t a = BUF_INIT;

	/* An obsolete source route ("@relay:user@x") is dropped. */
	if (len > 0 && addr[0] == '@') {
		const char *colon = memchr(addr, ':', len);

		if (colon != NULL) {
			len -= (size_t) (colon + 1 - addr);
			addr = colon + 1;
		}
	}
	if (len == 0)
		return 0;
	buf_append(&a, addr, len);
	if (addr_at(buf_str(&a)) == a.len)
		buf_printf(&a, "@%s", origin);
	if (a.len > ADDR_MAX_PATH - 2) {
		log_error("recipient %.40s...: address too long; left out",
			  buf_str(&a));
		buf_release(&a);
		return 1;
	}
	for (size_t i = 0; i < r->count; i++) {
		if (strcasecmp(r->addr[i], buf_str(&a)) == 0) {
			buf_release(&a);
			return 0;
		}
	}
	if (r->count == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 8;
		r->addr = mem_reallocarray(r->addr, r->alloc, sizeof(char *));
	}
	r->addr[r->count++] = buf_steal(&a);
	return 0;
}

/* The scanner's state over one element of the list. */
struct mailctl_rcpt_scan {
	buf_t plain;		/* the element outside <>, comments removed */
	buf_t angle;		/* inside <> */
	int has_angle;
};

static int mailctl_rcpt_flush(mailctl_rcpts_t *r, struct mailctl_rcpt_scan *sc,
			      const char *origin)
{
	buf_t *b = sc->has_angle ? &sc->angle : &sc->plain;
	buf_t word = BUF_INIT;
	int dropped;

	/* White space outside quotes is no part of an address. */
	for (size_t i = 0, q = 0; i < b->len; i++) {
		char c = b->data[i];

		if (c == '"' && (i == 0 || b->data[i - 1] != '\\'))
			q = !q;
		if (q || (c != ' ' && c != '\t' && c != '\r' && c != '\n'))
			buf_putc(&word, c);
	}
	dropped = mailctl_rcpts_add(r, word.data, word.len, origin);
	buf_release(&word);
	buf_reset(&sc->plain);
	buf_reset(&sc->angle);
	sc->has_angle = 0;
	return dropped;
}

int mailctl_rcpts_add_list(mailctl_rcpts_t *r, const char *list,
			   const char *origin)
{
	struct mailctl_rcpt_scan sc = { BUF_INIT, BUF_INIT, 0 };
	int in_angle = 0, in_quote = 0, comment = 0, dropped = 0;

	for (const char *p = list; ; p++) {
		char c = *p;
		buf_t *out = in_angle ? &sc.angle : &sc.plain;

		if (c == '\0') {
			dropped += mailctl_rcpt_flush(r, &sc, origin);
			break;
		}
		if (c == '\\' && p[1] != '\0' && (in_quote || comment)) {
			if (!comment) {
				buf_putc(out, c);
				buf_putc(out, p[1]);
			}
			p++;
			continue;
		}
		if (comment) {
			comment += c == '(' ? 1 : c == ')' ? -1 : 0;
			continue;
		}
		if (in_quote) {
			buf_putc(out, c);
			in_quote = c != '"';
			continue;
		}
		switch (c) {
		case '"':
			in_quote = 1;
			buf_putc(out, c);
			break;
		case '(':
			comment = 1;
			break;
		case '<':
			/* A new angle address replaces any earlier one. */
			in_angle = 1;
			sc.has_angle = 1;
			buf_reset(&sc.angle);
			break;
		case '>':
			in_angle = 0;
			break;
		case ':':
			if (in_angle)
				buf_putc(out, c);
			else	/* a group's display name */
				buf_reset(&sc.plain);
			break;
		case ',':
		case ';':
			if (in_angle) {
				buf_putc(out, c);
				break;
			}
			dropped += mailctl_rcpt_flush(r, &sc, origin);
			break;
		default:
			buf_putc(out, c);
		}
	}
	buf_release(&sc.plain);
	buf_release(&sc.angle);
	return dropped;
}

void mailctl_rcpts_free(mailctl_rcpts_t *r)
{
	for (size_t i = 0; i < r->count; i++)
		mem_free(r->addr[i]);
	MEM_FREE(r->addr);
	r->count = r->alloc = 0;
}
