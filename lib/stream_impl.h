/* stream_impl.h - what stream.c, stream_read.c and stream_tls.c share;
 * nobody else.
 *
 * The stream is split so that a program that never does TLS itself (the
 * session roles of pop3d and imapd, which get their clients from a login
 * process that keeps the TLS end) does not link OpenSSL and so never maps
 * libcrypto: its relocated tables would cost every such process about half
 * a megabyte of private memory.  stream.c knows TLS only through the
 * operations a TLS layer installs on the stream (stream_tls.c); a program
 * that never calls stream_tls_accept() or stream_tls_connect() pulls in
 * neither that file nor the library.
 */
#ifndef TERN_STREAM_IMPL_H
#define TERN_STREAM_IMPL_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "stream.h"

#define STREAM_CHUNK		65536	/* bytes asked of one read(2) */

/* A TLS layer on a stream.  recv/send follow stream_recv(): bytes, 0 when
 * the caller must wait for *wait_r (POLLIN/POLLOUT), or a status. */
typedef struct stream_tls_ops {
	ssize_t (*recv)(stream_t *s, void *data, size_t len, short *wait_r);
	ssize_t (*send)(stream_t *s, const void *data, size_t len, short *wait_r);
	int (*pending)(const stream_t *s);	/* decrypted bytes held */
	void (*shutdown)(stream_t *s);		/* send close_notify */
	void (*free)(stream_t *s);
	const char *(*version)(const stream_t *s);
	const char *(*cipher)(const stream_t *s);
} stream_tls_ops_t;

struct stream {
	int fd;
	int fd_flags;		/* F_GETFL at open, restored on release */
	size_t chunk;		/* bytes asked of one read: STREAM_CHUNK or
				 * stream_set_read_chunk() */
	int timeout;
	size_t line_limit;
	buf_t in;
	size_t in_off;		/* consumed bytes at the front of in */
	size_t scanned;		/* pending bytes known to hold no LF */
	int skipping;		/* discarding the rest of a too-long line */
	int eof;		/* the descriptor reached end of input */
	buf_t out;
	int not_socket;		/* send() said ENOTSOCK: use write() */
	const stream_tls_ops_t *tls_ops;	/* NULL: plain */
	void *tls;		/* the layer's state (an SSL *) */
	int status;		/* sticky: STREAM_OK or the first failure */
	char *error;
};

int64_t stream_deadline(const stream_t *s);
int stream_fail(stream_t *s, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Wait until the descriptor is ready for events or the deadline passes. */
int stream_wait(stream_t *s, short events, int64_t deadline);
/* One read without waiting (stream_read.c): bytes (> 0), 0 when the
 * caller must wait for *wait_r, or STREAM_EOF / STREAM_ERROR. */
ssize_t stream_recv(stream_t *s, void *data, size_t len, short *wait_r);
/* write(2) that cannot raise SIGPIPE on a socket: bytes, or -1 with errno. */
ssize_t stream_sys_write(stream_t *s, const void *data, size_t len);
/* Write all buffered output; the deadline moves with every byte written. */
int stream_flush_until(stream_t *s, int64_t deadline);

#endif
