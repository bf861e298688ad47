/* smtp_out_session.c - one SMTP session with one server, up to the point
 * where a mail transaction can begin.
 *
 * RFC 5321 §3.1 (the greeting: a 554 means "no service here", and §5.1
 * has the client try the next server), §4.1.1.1 (EHLO, and HELO when the
 * server does not know EHLO), §4.5.3.2 (the timeouts, which are
 * Postfix's defaults here), RFC 3207 (STARTTLS, smtp_out_tls.c) and
 * RFC 4954 (AUTH, smtp_out_auth.c).  Replies are read a line at a time
 * (each at most SMTP_REPLY_LINE_MAX octets) into lib/smtp_reply.c, which
 * judges them; a reply it finds malformed ends the session.
 *
 * Texts for results and logs name the server as Postfix does,
 * "host[addr]:port", so an administrator reading a bounce knows which
 * of several MX hosts said what.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "mem.h"
#include "smtp_out.h"
#include "sock.h"

static char *smtp_out_label(const char *host, const dns_addr_t *a, int port)
{
	return mem_printf("%s[%s]:%d", host, a->text, port);
}

static int smtp_out_tcp_connect(const dns_addr_t *a, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *) &ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t) port);
		memcpy(&in->sin_addr, a->bytes, 4);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t) port);
		memcpy(&in6->sin6_addr, a->bytes, 16);
		len = sizeof(*in6);
	}
	return sock_connect_sockaddr((struct sockaddr *) &ss, len,
				     smtp_out_limit(smtp_out_conf.connect_timeout));
}

int smtp_out_session_reply(smtp_out_sess_t *s, int timeout, char **why_r)
{
	enum smtp_reply_status st = SMTP_REPLY_MORE;
	int64_t deadline = event_now_ms() + (int64_t) smtp_out_limit(timeout) * 1000;
	buf_t line = BUF_INIT;

	/* The timeout bounds the whole reply, not each line: a server that
	 * drips a long multi-line reply cannot hold the process longer. */
	while (st == SMTP_REPLY_MORE) {
		int64_t left = deadline - event_now_ms();
		int r;

		stream_set_timeout(s->s, left > 0 ? (int) ((left + 999) / 1000) : 1);
		r = left > 0 ? stream_read_line(s->s, &line) : STREAM_TIMEOUT;
		if (r == STREAM_TOOLONG) {
			st = SMTP_REPLY_BAD;
			s->reply.error = "reply line too long";
			break;
		}
		if (r != STREAM_OK) {
			*why_r = mem_printf("%s with %s", r == STREAM_TIMEOUT ?
					    "conversation timed out" :
					    r == STREAM_EOF ? "lost connection" :
					    stream_strerror(s->s), s->label);
			s->cut = 1;
			buf_release(&line);
			return -1;
		}
		/* One whole line: a reply that ends ends with it, so the
		 * parser uses all of it. */
		smtp_reply_feed(&s->reply, line.data, line.len, &st);
	}
	buf_release(&line);
	if (st == SMTP_REPLY_BAD) {
		*why_r = mem_printf("malformed reply from %s: %s", s->label,
				    s->reply.error);
		s->cut = 1;
		return -1;
	}
	return 0;
}

const char *smtp_out_session_said(smtp_out_sess_t *s)
{
	static buf_t said;

	buf_reset(&said);
	smtp_reply_summary(&s->reply, &said);
	return buf_str(&said);
}

const char *smtp_out_session_failure(smtp_out_sess_t *s)
{
	int c = s->reply.code / 100;

	if (c == 4 || c == 5)
		return smtp_reply_dsn(&s->reply);
	/* 2xx or 3xx where a failure was answered: the server is out of
	 * step with the protocol; nothing may count as done. */
	s->cut = 1;
	return "4.5.0";
}

char *smtp_out_session_text(smtp_out_sess_t *s, const char *what)
{
	return mem_printf("host %s said: %s (in reply to %s)", s->label,
			  smtp_out_session_said(s), what);
}

/* Send one command line and read its reply: 0 or -1 (cut, *why_r). */
static int smtp_out_session_command(smtp_out_sess_t *s, const char *line,
				    int timeout, char **why_r)
{
	stream_set_timeout(s->s, smtp_out_limit(timeout));
	if (stream_printf(s->s, "%s\r\n", line) < 0 || stream_flush(s->s) < 0) {
		*why_r = mem_printf("lost connection with %s while sending %s",
				    s->label, line);
		s->cut = 1;
		return -1;
	}
	return smtp_out_session_reply(s, timeout, why_r);
}

/* The first word of the reply's first line: the server's name. */
static int smtp_out_session_loops(smtp_out_sess_t *s)
{
	size_t len, n = 0;
	const char *l = smtp_reply_line(&s->reply, 0, &len);
	char name[256];

	while (n < len && n < sizeof(name) - 1 && l[n] != ' ')
		n++;
	memcpy(name, l, n);
	name[n] = '\0';
	return smtp_out_route_is_me(name);
}

/* EHLO, or HELO when the server does not know it.  0 or -1. */
int smtp_out_session_hello(smtp_out_sess_t *s, char *dsn_r, char **why_r)
{
	char *cmd = mem_printf("EHLO %s", smtp_out_conf.helo_name);
	int r = smtp_out_session_command(s, cmd, smtp_out_conf.helo_timeout, why_r);

	mem_free(cmd);
	if (r < 0)
		goto temporary;
	smtp_ehlo_init(&s->ehlo);
	if (s->reply.code / 100 == 2) {
		smtp_ehlo_parse(&s->ehlo, &s->reply);
		s->esmtp = 1;
	} else if (s->reply.code / 100 == 5) {
		cmd = mem_printf("HELO %s", smtp_out_conf.helo_name);
		r = smtp_out_session_command(s, cmd, smtp_out_conf.helo_timeout, why_r);
		mem_free(cmd);
		if (r < 0)
			goto temporary;
		if (s->reply.code / 100 != 2) {
			*why_r = smtp_out_session_text(s, "HELO");
			goto refused;
		}
		s->esmtp = 0;
	} else {
		*why_r = smtp_out_session_text(s, "EHLO");
		goto refused;
	}
	if (smtp_out_session_loops(s)) {
		snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "5.4.6");
		*why_r = mem_printf("mail for %s loops back to myself (%s "
				    "answers with my name)", s->dest, s->label);
		return -1;
	}
	smtp_reply_set_enhanced(&s->reply,
				(s->ehlo.ext & SMTP_EXT_ENHANCEDSTATUSCODES) != 0);
	return 0;
refused:
	snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "%s",
		 smtp_out_session_failure(s));
	return -1;
temporary:
	snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "4.4.2");
	return -1;
}

static void smtp_out_session_free(smtp_out_sess_t *s)
{
	if (s->s != NULL)
		stream_close(&s->s);
	smtp_reply_release(&s->reply);
	mem_free(s->dest);
	mem_free(s->host);
	mem_free(s->label);
	mem_free(s);
}

/* One connection to t: the session, or NULL with *retry_r set when the
 * server should be tried again without STARTTLS. */
static smtp_out_sess_t *smtp_out_session_try(const smtp_out_target_t *t,
					     const char *dest, int plaintext,
					     char *dsn_r, char **why_r,
					     int *retry_r)
{
	smtp_out_sess_t *s;
	int r;
	int fd = smtp_out_tcp_connect(&t->addr, t->port);
	char *label = smtp_out_label(t->host, &t->addr, t->port);

	/* Every connection is logged: the tests' loopback check reads it. */
	log_info("connect to %s%s%s", label, fd < 0 ? ": " : "",
		 fd < 0 ? strerror(errno) : "");
	if (fd < 0) {
		snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "4.4.1");
		*why_r = mem_printf("connect to %s: %s", label, strerror(errno));
		mem_free(label);
		return NULL;
	}
	s = MEM_NEW(smtp_out_sess_t);
	s->s = stream_open(fd);
	stream_set_line_limit(s->s, SMTP_REPLY_LINE_MAX);
	s->dest = mem_strdup(dest);
	s->host = mem_strdup(t->host);
	s->addr = t->addr;
	s->port = t->port;
	s->label = label;
	s->born = time(NULL);
	s->plaintext = plaintext;
	smtp_reply_init(&s->reply, 0, 0);
	if (smtp_out_session_reply(s, smtp_out_conf.helo_timeout, why_r) < 0) {
		snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "4.4.2");
		goto fail;
	}
	if (s->reply.code / 100 != 2) {
		/* RFC 5321 §3.1, §5.1: try the next server. */
		snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "%s",
			 smtp_out_session_failure(s));
		*why_r = smtp_out_session_text(s, "the initial greeting");
		goto fail;
	}
	if (smtp_out_session_loops(s)) {
		snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "5.4.6");
		*why_r = mem_printf("mail for %s loops back to myself (%s greets "
				    "with my name)", dest, s->label);
		goto fail;
	}
	if (smtp_out_session_hello(s, dsn_r, why_r) < 0)
		goto fail;
	if ((r = smtp_out_tls_start(s, t, dsn_r, why_r)) < 0) {
		*retry_r = r == SMTP_OUT_TLS_RETRY_PLAIN;
		goto fail;
	}
	if (smtp_out_auth(s, dsn_r, why_r) < 0)
		goto fail;
	return s;
fail:
	smtp_out_session_close(&s, 0);
	return NULL;
}

smtp_out_sess_t *smtp_out_session_open(const smtp_out_target_t *t,
				       const char *dest, char *dsn_r, char **why_r)
{
	int retry = 0;
	smtp_out_sess_t *s = smtp_out_session_try(t, dest, 0, dsn_r, why_r, &retry);

	if (s == NULL && retry && !smtp_out_expired()) {
		log_info("%s; trying again without TLS", *why_r);
		mem_free(*why_r);
		*why_r = NULL;
		retry = 0;
		s = smtp_out_session_try(t, dest, 1, dsn_r, why_r, &retry);
	}
	return s;
}



void smtp_out_session_close(smtp_out_sess_t **sp, int wait)
{
	smtp_out_sess_t *s = *sp;
	char *why = NULL;

	if (s == NULL)
		return;
	*sp = NULL;
	/* QUIT is a courtesy (RFC 5321 §4.1.1.10): its reply changes
	 * nothing, so it is waited for only where no one waits on us. */
	if (!s->cut) {
		if (wait) {
			if (smtp_out_session_command(s, "QUIT",
						     smtp_out_conf.quit_timeout, &why) < 0)
				mem_free(why);
		} else {
			stream_set_timeout(s->s, 1);
			if (stream_puts(s->s, "QUIT\r\n") == 0)
				(void) stream_flush(s->s);
		}
	}
	smtp_out_session_free(s);
}
