/* tls.h - OpenSSL contexts for servers and clients.
 *
 * A tls_ctx wraps an SSL_CTX with tern's policy (TLS 1.2 and later; for
 * TLS 1.2 only forward-secret AEAD suites unless tls_server_cipherlist
 * widens the list; TLS 1.3's suites are all of that kind already).  Servers load the certificate and key
 * in the daemon skeleton's pre-drop hook, while they can still read the key
 * file.  tls_make_self_signed() is what `mailctl init` uses to make a demo
 * pair with OpenSSL's API, never by running the openssl command.
 */
#ifndef TERN_TLS_H
#define TERN_TLS_H

typedef struct tls_ctx tls_ctx_t;

/* The TLS 1.2 cipher list servers use by default (OpenSSL syntax): ECDHE
 * key exchange, AES-GCM or ChaCha20-Poly1305, so no static-RSA exchange
 * and no CBC. */
#define TLS_SERVER_CIPHERLIST "ECDHE+AESGCM:ECDHE+CHACHA20"

/* NULL with *err_r set (mem-allocated) when the files or the cipher list
 * (NULL: TLS_SERVER_CIPHERLIST) cannot be used. */
tls_ctx_t *tls_server_ctx(const char *cert_file, const char *key_file,
			  const char *cipherlist, char **err_r);
/* A server's TLS from the configuration, the one way every server sets it
 * up (call in the pre-drop hook, as root): the files of the parameters
 * PREFIX_tls_cert_file and PREFIX_tls_key_file (pop3d's default to
 * smtpd's, main.conf(5)), tls_server_cipherlist, and whether the service
 * is TLS from the first byte (PREFIX_tls_wrappermode, into *wrapper_r).
 * Without a certificate, or when it cannot be loaded, NULL: a warning
 * says STARTTLS is not offered - or, for a wrapper-mode service, which
 * cannot work at all, a fatal error naming the service. */
tls_ctx_t *tls_server_from_config(const char *prefix, const char *service,
				  int *wrapper_r);
/* A client context; verify = 0 accepts any certificate (tests, opportunistic). */
tls_ctx_t *tls_client_ctx(int verify, char **err_r);
/* A client context that verifies the server's certificate against the
 * certificates of cafile (PEM), or the system's store when cafile is NULL
 * or empty; the host name is checked by stream_tls_connect(). */
tls_ctx_t *tls_client_ctx_ca(const char *cafile, char **err_r);
void tls_ctx_free(tls_ctx_t **ctxp);
/* The underlying SSL_CTX *, for stream.c. */
void *tls_ctx_ssl_ctx(tls_ctx_t *ctx);

/* Write a self-signed certificate for cn (and "localhost") valid for
 * `days`, with a fresh key (key file mode 0600).  0 or -1 with *err_r. */
int tls_make_self_signed(const char *cert_file, const char *key_file,
			 const char *cn, int days, char **err_r);
/* Is the first certificate in cert_file self-signed: its issuer is its
 * subject and its own key verifies its signature?  1 yes, 0 no, -1 with
 * *err_r when it cannot be read. */
int tls_cert_self_signed(const char *cert_file, char **err_r);

#endif
