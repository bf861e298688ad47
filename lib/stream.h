/* stream.h - the one buffered stream type: plain or TLS, with deadlines.
 *
 * Protocol code never touches read(2)/write(2) on a client descriptor; it
 * reads lines and blocks through a stream_t.  Every read and write waits at
 * most `timeout` seconds (poll(2) on a non-blocking descriptor), and line
 * reads never return more than `line_limit` bytes.  The same stream is
 * upgraded to TLS in place for STARTTLS/STLS; the upgrade discards input
 * the peer sent before the handshake, so pipelined plaintext can never be
 * taken as if it had come over TLS (command injection, RFC 3207 §4.2).
 *
 * Errors are sticky: after a timeout or I/O error every later call fails
 * the same way, so a protocol loop may check once per command.
 */
#ifndef TERN_STREAM_H
#define TERN_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

typedef struct stream stream_t;
struct tls_ctx;

enum stream_status {
	STREAM_OK = 0,
	STREAM_EOF = -1,	/* orderly end of input */
	STREAM_TIMEOUT = -2,	/* the deadline passed */
	STREAM_ERROR = -3,	/* I/O or TLS error (see stream_strerror) */
	STREAM_TOOLONG = -4,	/* a line exceeded the limit (not sticky) */
};

/* Wrap fd (made non-blocking).  The stream owns fd and closes it. */
stream_t *stream_open(int fd);
/* Close the descriptor and free the stream; sets *sp to NULL. */
void stream_close(stream_t **sp);
/* Free the stream but leave the descriptor open (handing it on). */
int stream_release_fd(stream_t **sp);

/* Close the descriptor and free the stream without a flush, a TLS
 * close_notify or any change to the descriptor's flags: for a process that
 * forked and leaves the connection (and its TLS state) to the child. */
void stream_forget(stream_t **sp);

int stream_fd(const stream_t *s);
void stream_set_timeout(stream_t *s, int seconds);	/* 0 = no wait */
void stream_set_line_limit(stream_t *s, size_t max);	/* default 8192 */

/*
 * Read one line into line (reset first), including its terminating LF (and
 * the CR before it, if any).  At EOF a final unterminated line is returned
 * as STREAM_OK; the next call returns STREAM_EOF.  A line longer than the
 * limit returns STREAM_TOOLONG with the first `limit` bytes in line; the
 * rest of that line up to and including its LF is skipped, so the caller can
 * answer an error and go on reading the next line.
 */
int stream_read_line(stream_t *s, buf_t *line);

/* Like stream_read_line, but never blocks: STREAM_OK with a line,
 * STREAM_TIMEOUT when no whole line is buffered yet (event-driven readers
 * call stream_fill() when the descriptor is readable). */
int stream_try_line(stream_t *s, buf_t *line);
/* Read what the descriptor has now into the input buffer without waiting.
 * Returns bytes read (>0), 0 if nothing was ready, or STREAM_EOF/ERROR. */
ssize_t stream_fill(stream_t *s);

/* Up to len bytes (at least 1 unless EOF/error); returns count or status. */
ssize_t stream_read(stream_t *s, void *data, size_t len);
/* Exactly len bytes appended to out, or a status (EOF is an error here). */
int stream_read_exact(stream_t *s, buf_t *out, size_t len);

/* Buffered output; stream_flush() writes it all within the deadline. */
int stream_write(stream_t *s, const void *data, size_t len);
int stream_puts(stream_t *s, const char *str);
int stream_printf(stream_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int stream_flush(stream_t *s);

/* Bytes received but not yet consumed (pipelining checks, hand-over). */
size_t stream_pending(const stream_t *s);
/* Whether the next read can proceed without the descriptor becoming
 * readable: input buffered here or decrypted in the TLS layer, end of
 * input already seen, or a sticky error.  A wait for input (event_wait.h)
 * asks this first, since poll(2) cannot see what is already buffered. */
int stream_input_ready(const stream_t *s);
const char *stream_pending_data(const stream_t *s);
void stream_discard_input(stream_t *s);
/* Bytes asked of one read (default 64 KiB; the input buffer grows by as
 * much): an event-driven server holding many streams asks for less. */
void stream_set_read_chunk(stream_t *s, size_t n);
/* Free the input and output buffers while they hold nothing (wiped first
 * when secret), so an idle stream costs no buffer memory: a login process
 * relaying many idle TLS connections. */
void stream_trim(stream_t *s);
/* Drop the first n pending bytes (n <= stream_pending()): a relay that
 * passed that much on. */
void stream_consume(stream_t *s, size_t n);
/* Output buffered and not yet written. */
size_t stream_out_pending(const stream_t *s);
/* Event-driven writers: write what the descriptor takes now, never
 * waiting.  STREAM_OK when nothing is left, 1 when some is (wait until
 * the descriptor is ready for *wait_r: POLLOUT, or POLLIN when TLS must
 * read first), or the failure status. */
int stream_try_flush(stream_t *s, short *wait_r);
/* A stream that carries secrets (auth's connections, a login process's
 * client before login): every byte consumed from its buffers, and every
 * copy a buffer leaves when it grows or moves, is wiped. */
void stream_set_secret(stream_t *s);
/* Zero the input already consumed (and any stale copy left by moving the
 * pending part), so a line that carried a password leaves no trace in the
 * buffer.  Call right after such a line was used. */
void stream_wipe_consumed(stream_t *s);
/* Put bytes in front of the input, as if they had just been read (a session
 * process gets the input its login process had already buffered). */
void stream_unread(stream_t *s, const void *data, size_t len);

/* TLS: upgrade in place.  Both discard buffered input first. */
int stream_tls_accept(stream_t *s, struct tls_ctx *ctx);
int stream_tls_connect(stream_t *s, struct tls_ctx *ctx, const char *sni);
/* The same without waiting, for event-driven servers (the POP3 login
 * process): start flushes nothing (the caller has written its "+OK"
 * already: stream_try_flush), discards buffered input and returns the
 * handshake, or NULL with the stream failed.  Step drives it when the
 * descriptor is ready: STREAM_OK when the stream is now TLS, 1 when it
 * must wait for *wait_r (POLLIN or POLLOUT), or a failure status; *hp is
 * freed and set to NULL unless 1 is returned. */
typedef struct stream_tls_handshake stream_tls_handshake_t;
stream_tls_handshake_t *stream_tls_accept_start(stream_t *s, struct tls_ctx *ctx);
int stream_tls_accept_step(stream_tls_handshake_t **hp, short *wait_r);
void stream_tls_handshake_free(stream_tls_handshake_t **hp);
int stream_is_tls(const stream_t *s);
const char *stream_tls_version(const stream_t *s);	/* "TLSv1.3" or NULL */
const char *stream_tls_cipher(const stream_t *s);	/* or NULL */

/* Sticky state: STREAM_OK or the first fatal status; and a description. */
int stream_status(const stream_t *s);
const char *stream_strerror(const stream_t *s);

#endif
