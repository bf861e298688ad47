/* stream_tls.c - the TLS layer of a stream: STARTTLS/STLS and implicit TLS.
 *
 * stream_tls_accept()/stream_tls_connect() put an OpenSSL connection on a
 * stream in place and install the operations stream.c calls for every read
 * and write (stream_impl.h).  Only programs that call them link OpenSSL.
 *
 * OpenSSL's own socket BIO writes with write(2), so a peer that hangs up
 * mid-TLS would kill the daemon with SIGPIPE; TLS records go through a
 * small BIO of ours on the stream's descriptor instead, which sends with
 * MSG_NOSIGNAL like the plain path.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "stream.h"
#include "stream_impl.h"
#include "tls.h"

/* OpenSSL's error queue as one line, emptying the queue. */
static int stream_tls_fail(stream_t *s, const char *what)
{
	int saved_errno = errno;
	buf_t msg = BUF_INIT;
	char line[256];		/* ERR_error_string_n wants a fixed buffer */
	unsigned long e;
	int status;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, line, sizeof(line));
		buf_printf(&msg, "%s%s", msg.len ? "; " : "", line);
	}
	if (msg.len == 0)
		buf_puts(&msg, saved_errno ? strerror(saved_errno) : "protocol error");
	status = stream_fail(s, STREAM_ERROR, "%s: %s", what, buf_str(&msg));
	buf_release(&msg);
	return status;
}

static ssize_t stream_tls_recv(stream_t *s, void *data, size_t len, short *wait_r)
{
	SSL *ssl = s->tls;
	int r;

	*wait_r = POLLIN;
	ERR_clear_error();
	errno = 0;
	r = SSL_read(ssl, data, len > INT_MAX ? INT_MAX : (int) len);
	if (r > 0)
		return r;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return 0;
	case SSL_ERROR_WANT_WRITE:
		*wait_r = POLLOUT;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		return STREAM_EOF;
	default:
		return stream_tls_fail(s, "TLS read");
	}
}

static ssize_t stream_tls_send(stream_t *s, const void *data, size_t len, short *wait_r)
{
	SSL *ssl = s->tls;
	int r;

	*wait_r = POLLOUT;
	ERR_clear_error();
	errno = 0;
	r = SSL_write(ssl, data, len > INT_MAX ? INT_MAX : (int) len);
	if (r > 0)
		return r;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*wait_r = POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		return 0;
	default:
		return stream_tls_fail(s, "TLS write");
	}
}

static int stream_tls_pending(const stream_t *s)
{
	return SSL_pending(s->tls);
}

/* A close_notify is a courtesy; waiting for the peer's is not needed. */
static void stream_tls_shutdown(stream_t *s)
{
	ERR_clear_error();
	SSL_shutdown(s->tls);
	ERR_clear_error();
}

static void stream_tls_free(stream_t *s)
{
	SSL_free(s->tls);
	s->tls = NULL;
	s->tls_ops = NULL;
}

static const char *stream_tls_get_version(const stream_t *s)
{
	return SSL_get_version(s->tls);
}

static const char *stream_tls_get_cipher(const stream_t *s)
{
	return SSL_get_cipher_name(s->tls);
}

static const stream_tls_ops_t stream_tls_ops = {
	.recv = stream_tls_recv,
	.send = stream_tls_send,
	.pending = stream_tls_pending,
	.shutdown = stream_tls_shutdown,
	.free = stream_tls_free,
	.version = stream_tls_get_version,
	.cipher = stream_tls_get_cipher,
};

static int stream_bio_write(BIO *bio, const char *data, int len)
{
	ssize_t n = stream_sys_write(BIO_get_data(bio), data, (size_t) len);

	BIO_clear_retry_flags(bio);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(bio);
	return (int) n;
}

static int stream_bio_read(BIO *bio, char *data, int len)
{
	stream_t *s = BIO_get_data(bio);
	ssize_t n = read(s->fd, data, (size_t) len);

	BIO_clear_retry_flags(bio);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(bio);
	return (int) n;
}

static long stream_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	stream_t *s = BIO_get_data(bio);

	(void) num;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;	/* nothing is buffered in this BIO */
	case BIO_C_GET_FD:
		if (ptr != NULL)
			*(int *) ptr = s->fd;
		return s->fd;
	default:
		return 0;
	}
}

static BIO *stream_bio_new(stream_t *s)
{
	static BIO_METHOD *method;
	BIO *bio;

	if (method == NULL) {
		method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
				      BIO_TYPE_DESCRIPTOR, "tern stream");
		if (method == NULL || !BIO_meth_set_write(method, stream_bio_write) ||
		    !BIO_meth_set_read(method, stream_bio_read) ||
		    !BIO_meth_set_ctrl(method, stream_bio_ctrl))
			log_fatal("cannot set up the TLS I/O method");
	}
	if ((bio = BIO_new(method)) == NULL)
		return NULL;
	BIO_set_data(bio, s);
	BIO_set_init(bio, 1);
	return bio;
}

/* Our BIO under ssl.  A connection's record buffers are let go while it
 * is idle (SSL_MODE_RELEASE_BUFFERS): a login process that relays many
 * idle TLS connections would otherwise keep some 70 KiB for each; they
 * are cleansed first (SSL_OP_CLEANSE_PLAINTEXT, lib/tls.c). */
static int stream_tls_prepare(stream_t *s, SSL *ssl)
{
	BIO *bio;

	SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
		     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
		     SSL_MODE_RELEASE_BUFFERS);
	if ((bio = stream_bio_new(s)) == NULL)
		return stream_tls_fail(s, "TLS setup");
	SSL_set_bio(ssl, bio, bio);
	return STREAM_OK;
}

/* Drive the handshake on ssl to completion within the deadline. */
static int stream_tls_handshake(stream_t *s, SSL *ssl, const char *sni, int server,
				int64_t deadline)
{
	int status;

	if ((status = stream_tls_prepare(s, ssl)) != STREAM_OK)
		return status;
	if (!server && sni != NULL) {
		if (!SSL_set_tlsext_host_name(ssl, sni))
			return stream_tls_fail(s, "TLS server name");
		/* RFC 6125 §6.4.3 (RFC 7817 §3 for mail): a wildcard
		 * stands for a whole left-most label, never part of one. */
		if (SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE) {
			SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (!SSL_set1_host(ssl, sni))
				return stream_tls_fail(s, "TLS host check");
		}
	}
	for (;;) {
		int r;

		ERR_clear_error();
		errno = 0;
		r = server ? SSL_accept(ssl) : SSL_connect(ssl);
		if (r == 1)
			return STREAM_OK;
		switch (SSL_get_error(ssl, r)) {
		case SSL_ERROR_WANT_READ:
			status = stream_wait(s, POLLIN, deadline);
			break;
		case SSL_ERROR_WANT_WRITE:
			status = stream_wait(s, POLLOUT, deadline);
			break;
		default:
			return stream_tls_fail(s, "TLS handshake");
		}
		if (status != STREAM_OK)
			return status;
	}
}

/*
 * Common part of accept and connect.  Plaintext output (the "220 ready"
 * reply) goes out first; plaintext input is thrown away so nothing the peer
 * pipelined behind STARTTLS is read as if it came over TLS.
 */
static int stream_tls_start(stream_t *s, tls_ctx_t *ctx, const char *sni, int server)
{
	int64_t deadline = stream_deadline(s);
	SSL *ssl;
	int status;

	if (s->status != STREAM_OK)
		return s->status;
	if (s->tls_ops)
		return stream_fail(s, STREAM_ERROR, "TLS is already active");
	if ((status = stream_flush_until(s, deadline)) != STREAM_OK)
		return status;
	stream_discard_input(s);
	s->skipping = 0;
	ERR_clear_error();
	if ((ssl = SSL_new(tls_ctx_ssl_ctx(ctx))) == NULL)
		return stream_tls_fail(s, "TLS setup");
	status = stream_tls_handshake(s, ssl, sni, server, deadline);
	if (status != STREAM_OK) {
		SSL_free(ssl);
		return status;
	}
	s->tls = ssl;
	s->tls_ops = &stream_tls_ops;
	return STREAM_OK;
}

int stream_tls_accept(stream_t *s, struct tls_ctx *ctx)
{
	return stream_tls_start(s, ctx, NULL, 1);
}

int stream_tls_connect(stream_t *s, struct tls_ctx *ctx, const char *sni)
{
	return stream_tls_start(s, ctx, sni, 0);
}

/* ---- without waiting ----------------------------------------------------- */

struct stream_tls_handshake {
	stream_t *s;
	SSL *ssl;
};

stream_tls_handshake_t *stream_tls_accept_start(stream_t *s, struct tls_ctx *ctx)
{
	stream_tls_handshake_t *h;
	SSL *ssl;

	if (s->status != STREAM_OK)
		return NULL;
	if (s->tls_ops) {
		stream_fail(s, STREAM_ERROR, "TLS is already active");
		return NULL;
	}
	stream_discard_input(s);
	s->skipping = 0;
	ERR_clear_error();
	if ((ssl = SSL_new(tls_ctx_ssl_ctx(ctx))) == NULL) {
		stream_tls_fail(s, "TLS setup");
		return NULL;
	}
	if (stream_tls_prepare(s, ssl) != STREAM_OK) {
		SSL_free(ssl);
		return NULL;
	}
	h = mem_alloc(sizeof(*h));
	h->s = s;
	h->ssl = ssl;
	return h;
}

void stream_tls_handshake_free(stream_tls_handshake_t **hp)
{
	if (*hp == NULL)
		return;
	SSL_free((*hp)->ssl);
	mem_free(*hp);
	*hp = NULL;
}

int stream_tls_accept_step(stream_tls_handshake_t **hp, short *wait_r)
{
	stream_tls_handshake_t *h = *hp;
	stream_t *s = h->s;
	int r, status;

	ERR_clear_error();
	errno = 0;
	r = SSL_accept(h->ssl);
	if (r == 1) {
		s->tls = h->ssl;
		s->tls_ops = &stream_tls_ops;
		mem_free(h);
		*hp = NULL;
		return STREAM_OK;
	}
	switch (SSL_get_error(h->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*wait_r = POLLIN;
		return 1;
	case SSL_ERROR_WANT_WRITE:
		*wait_r = POLLOUT;
		return 1;
	default:
		status = stream_tls_fail(s, "TLS handshake");
		stream_tls_handshake_free(hp);
		return status;
	}
}
