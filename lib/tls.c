/* tls.c - OpenSSL contexts with tern's policy, and the demo certificate.
 *
 * Policy lives here so that every daemon speaks TLS the same way: TLS 1.2
 * or later, forward-secret AEAD suites for TLS 1.2 (a server parameter may
 * widen that for old clients), no renegotiation, and a peer
 * that closes without close_notify is an ordinary end of input (mail
 * protocols mark their own ends, and many clients just hang up).  stream.c
 * does the I/O; it only borrows the SSL_CTX.
 *
 * tls_make_self_signed() serves `mailctl init`: a fresh RSA key and a
 * certificate naming the host and localhost, written by temp file + rename
 * so a reader never sees half a key, with the key never readable by others.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "tls.h"

struct tls_ctx {
	SSL_CTX *ssl_ctx;
};

/* "what: first OpenSSL error; next error", emptying the error queue. */
static char *tls_error(const char *what)
{
	buf_t msg = BUF_INIT;
	char line[256];		/* ERR_error_string_n wants a fixed buffer */
	unsigned long e;

	buf_puts(&msg, what);
	if ((e = ERR_get_error()) == 0) {
		buf_printf(&msg, ": %s", errno ? strerror(errno) : "unknown error");
	} else {
		const char *sep = ": ";

		do {
			ERR_error_string_n(e, line, sizeof(line));
			buf_printf(&msg, "%s%s", sep, line);
			sep = "; ";
		} while ((e = ERR_get_error()) != 0);
	}
	return buf_steal(&msg);
}

static tls_ctx_t *tls_ctx_new(const SSL_METHOD *method, char **err_r)
{
	tls_ctx_t *ctx;
	SSL_CTX *ssl_ctx;

	ERR_clear_error();
	ssl_ctx = SSL_CTX_new(method);
	if (ssl_ctx == NULL) {
		*err_r = tls_error("SSL_CTX_new");
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION)) {
		*err_r = tls_error("TLS minimum version");
		SSL_CTX_free(ssl_ctx);
		return NULL;
	}
	SSL_CTX_set_options(ssl_ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* OpenSSL decrypts records in place and would keep the plaintext (a
	 * password, in a login process) until the buffer is reused. */
	SSL_CTX_set_options(ssl_ctx, SSL_OP_CLEANSE_PLAINTEXT);
	ctx = MEM_NEW(tls_ctx_t);
	ctx->ssl_ctx = ssl_ctx;
	return ctx;
}

tls_ctx_t *tls_server_ctx(const char *cert_file, const char *key_file,
			  const char *cipherlist, char **err_r)
{
	tls_ctx_t *ctx = tls_ctx_new(TLS_server_method(), err_r);
	char *what = NULL;

	if (ctx == NULL)
		return NULL;
	if (cipherlist == NULL)
		cipherlist = TLS_SERVER_CIPHERLIST;
	errno = 0;
	if (SSL_CTX_set_cipher_list(ctx->ssl_ctx, cipherlist) != 1)
		what = mem_printf("tls_server_cipherlist \"%s\"", cipherlist);
	else if (SSL_CTX_use_certificate_chain_file(ctx->ssl_ctx, cert_file) != 1)
		what = mem_printf("certificate %s", cert_file);
	else if (SSL_CTX_use_PrivateKey_file(ctx->ssl_ctx, key_file, SSL_FILETYPE_PEM) != 1)
		what = mem_printf("private key %s", key_file);
	else if (SSL_CTX_check_private_key(ctx->ssl_ctx) != 1)
		what = mem_printf("private key %s does not match certificate %s",
				  key_file, cert_file);
	if (what != NULL) {
		*err_r = tls_error(what);
		mem_free(what);
		tls_ctx_free(&ctx);
	}
	return ctx;
}

tls_ctx_t *tls_client_ctx_ca(const char *cafile, char **err_r)
{
	tls_ctx_t *ctx = tls_ctx_new(TLS_client_method(), err_r);
	int ok;

	if (ctx == NULL)
		return NULL;
	if (cafile != NULL && *cafile != '\0')
		ok = SSL_CTX_load_verify_locations(ctx->ssl_ctx, cafile, NULL) == 1;
	else
		ok = SSL_CTX_set_default_verify_paths(ctx->ssl_ctx) == 1;
	if (!ok) {
		char *what = cafile && *cafile ?
			mem_printf("loading the certificates of %s", cafile) :
			mem_strdup("loading the system's trusted certificates");

		*err_r = tls_error(what);
		mem_free(what);
		tls_ctx_free(&ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

tls_ctx_t *tls_client_ctx(int verify, char **err_r)
{
	tls_ctx_t *ctx;

	if (verify)
		return tls_client_ctx_ca(NULL, err_r);
	if ((ctx = tls_ctx_new(TLS_client_method(), err_r)) != NULL)
		SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

void tls_ctx_free(tls_ctx_t **ctxp)
{
	if (*ctxp == NULL)
		return;
	SSL_CTX_free((*ctxp)->ssl_ctx);
	MEM_FREE(*ctxp);
}

void *tls_ctx_ssl_ctx(tls_ctx_t *ctx)
{
	return ctx->ssl_ctx;
}

/* A host name is all that may go into the certificate's names. */
static int tls_valid_hostname(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 253)
		return 0;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return 0;
	}
	return 1;
}

static int tls_add_dns_name(GENERAL_NAMES *names, const char *name)
{
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	if (gn == NULL || ia5 == NULL || !ASN1_STRING_set(ia5, name, -1)) {
		GENERAL_NAME_free(gn);
		ASN1_IA5STRING_free(ia5);
		return 0;
	}
	GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	if (!sk_GENERAL_NAME_push(names, gn)) {
		GENERAL_NAME_free(gn);
		return 0;
	}
	return 1;
}

/* subjectAltName DNS:cn, DNS:localhost: clients check these, not the CN. */
static int tls_add_alt_names(X509 *x509, const char *cn)
{
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	int ok;

	ok = names != NULL && tls_add_dns_name(names, cn) &&
		(strcasecmp(cn, "localhost") == 0 || tls_add_dns_name(names, "localhost")) &&
		X509_add1_ext_i2d(x509, NID_subject_alt_name, names, 0, 0) == 1;
	GENERAL_NAMES_free(names);
	return ok;
}

static X509 *tls_make_cert(EVP_PKEY *pkey, const char *cn, int days)
{
	X509 *x509 = X509_new();
	X509_NAME *name;
	BIGNUM *serial = BN_new();
	int ok;

	ok = x509 != NULL && serial != NULL &&
		X509_set_version(x509, 2) &&	/* v3, for extensions */
		BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) != NULL &&
		X509_gmtime_adj(X509_getm_notBefore(x509), 0) != NULL &&
		X509_time_adj_ex(X509_getm_notAfter(x509), days, 0, NULL) != NULL &&
		X509_set_pubkey(x509, pkey) &&
		(name = X509_get_subject_name(x509)) != NULL &&
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					   (const unsigned char *) cn, -1, -1, 0) &&
		X509_set_issuer_name(x509, name) &&
		tls_add_alt_names(x509, cn) &&
		X509_sign(x509, pkey, EVP_sha256()) > 0;
	BN_free(serial);
	if (!ok) {
		X509_free(x509);
		return NULL;
	}
	return x509;
}

/*
 * Write one PEM file under a temporary name, synced, with exactly `mode`
 * (umask could only narrow it, but fchmod makes it exact).  0 or -1 with
 * *err_r; the temporary name is returned in tmp for the rename.
 */
static int tls_write_pem(const char *path, int mode, EVP_PKEY *pkey, X509 *x509,
			 buf_t *tmp, char **err_r)
{
	FILE *fp;
	int fd, ok;

	buf_reset(tmp);
	buf_printf(tmp, "%s.tmp.%ld", path, (long) getpid());
	fd = open(buf_str(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  (mode_t) mode);
	if (fd < 0) {
		*err_r = mem_printf("create %s: %s", buf_str(tmp), strerror(errno));
		return -1;
	}
	if (fchmod(fd, (mode_t) mode) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		*err_r = mem_printf("%s: %s", buf_str(tmp), strerror(errno));
		close(fd);
		unlink(buf_str(tmp));
		return -1;
	}
	ERR_clear_error();
	if (pkey != NULL)
		ok = PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_X509(fp, x509);
	errno = 0;
	if (!ok || fflush(fp) != 0 || fsync(fileno(fp)) < 0) {
		char *what = mem_printf("write %s", buf_str(tmp));

		*err_r = tls_error(what);
		mem_free(what);
		fclose(fp);
		unlink(buf_str(tmp));
		return -1;
	}
	if (fclose(fp) != 0) {
		*err_r = mem_printf("write %s: %s", buf_str(tmp), strerror(errno));
		unlink(buf_str(tmp));
		return -1;
	}
	return 0;
}

int tls_make_self_signed(const char *cert_file, const char *key_file,
			 const char *cn, int days, char **err_r)
{
	buf_t key_tmp = BUF_INIT, cert_tmp = BUF_INIT;
	EVP_PKEY *pkey = NULL;
	X509 *x509 = NULL;
	int ret = -1;

	if (!tls_valid_hostname(cn)) {
		*err_r = mem_printf("not a host name: \"%s\"", cn);
		return -1;
	}
	if (days <= 0) {
		*err_r = mem_printf("certificate lifetime must be positive, not %d days", days);
		return -1;
	}
	ERR_clear_error();
	/* RSA rather than ECDSA: every client still in use can talk to it. */
	if ((pkey = EVP_RSA_gen(2048)) == NULL) {
		*err_r = tls_error("generating an RSA key");
		goto out;
	}
	if ((x509 = tls_make_cert(pkey, cn, days)) == NULL) {
		*err_r = tls_error("making the certificate");
		goto out;
	}
	if (tls_write_pem(key_file, 0600, pkey, NULL, &key_tmp, err_r) < 0)
		goto out;
	if (tls_write_pem(cert_file, 0644, NULL, x509, &cert_tmp, err_r) < 0) {
		unlink(buf_str(&key_tmp));
		goto out;
	}
	if (rename(buf_str(&key_tmp), key_file) < 0) {
		*err_r = mem_printf("rename %s: %s", buf_str(&key_tmp), strerror(errno));
		unlink(buf_str(&key_tmp));
		unlink(buf_str(&cert_tmp));
		goto out;
	}
	if (rename(buf_str(&cert_tmp), cert_file) < 0) {
		*err_r = mem_printf("rename %s: %s", buf_str(&cert_tmp), strerror(errno));
		unlink(buf_str(&cert_tmp));
		goto out;
	}
	ret = 0;
out:
	X509_free(x509);
	EVP_PKEY_free(pkey);
	buf_release(&key_tmp);
	buf_release(&cert_tmp);
	return ret;
}

int tls_cert_self_signed(const char *cert_file, char **err_r)
{
	FILE *f = fopen(cert_file, "re");
	X509 *x509;
	EVP_PKEY *pkey;
	int self;

	if (f == NULL) {
		*err_r = mem_printf("%s: %s", cert_file, strerror(errno));
		return -1;
	}
	ERR_clear_error();
	x509 = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x509 == NULL) {
		*err_r = tls_error(cert_file);
		return -1;
	}
	pkey = X509_get0_pubkey(x509);
	self = X509_NAME_cmp(X509_get_issuer_name(x509),
			     X509_get_subject_name(x509)) == 0 &&
		pkey != NULL && X509_verify(x509, pkey) == 1;
	ERR_clear_error();
	X509_free(x509);
	return self;
}

tls_ctx_t *tls_server_from_config(const char *prefix, const char *service,
				  int *wrapper_r)
{
	char *cert_param = mem_printf("%s_tls_cert_file", prefix);
	char *key_param = mem_printf("%s_tls_key_file", prefix);
	char *wrap_param = mem_printf("%s_tls_wrappermode", prefix);
	const char *cert = config_str(cert_param);
	const char *key = config_str(key_param);
	tls_ctx_t *ctx = NULL;
	char *err = NULL;

	*wrapper_r = config_bool(wrap_param);
	if (cert[0] == '\0' || key[0] == '\0') {
		if (*wrapper_r)
			log_fatal("service %s: %s needs %s and %s", service,
				  wrap_param, cert_param, key_param);
		goto out;
	}
	ctx = tls_server_ctx(cert, key, config_str("tls_server_cipherlist"), &err);
	if (ctx == NULL) {
		if (*wrapper_r)
			log_fatal("service %s: TLS: %s", service, err);
		log_warn("service %s: STARTTLS not offered: %s", service, err);
		mem_free(err);
	}
out:
	mem_free(cert_param);
	mem_free(key_param);
	mem_free(wrap_param);
	return ctx;
}
