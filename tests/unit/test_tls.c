/* test_tls.c - unit tests for lib/tls.c and the TLS side of lib/stream.c.
 *
 * A certificate is made with tls_make_self_signed() in a mkdtemp()
 * directory; client and server are a forked child and this process, joined
 * by a socketpair.  The child reports failure through its exit status, which
 * the parent asserts on.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "../../lib/stream.h"
#include "../../lib/tls.h"
#include "test.h"

static char tmpdir[] = "/tmp/tern-test-tls.XXXXXX";
static char *cert_file, *key_file;

static int child_status(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		printf("  child killed by signal %d\n", WTERMSIG(status));
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_self_signed(void)
{
	struct stat st;
	char *err = NULL;
	X509 *x509 = NULL;
	FILE *fp;
	int has_cn = 0, has_localhost = 0;

	test_begin("tls self-signed certificate: files, key mode, names");
	cert_file = mem_printf("%s/cert.pem", tmpdir);
	key_file = mem_printf("%s/key.pem", tmpdir);
	test_assert_int(tls_make_self_signed(cert_file, key_file, "mail.example.org", 30, &err), 0);
	test_assert(err == NULL);
	test_assert(stat(key_file, &st) == 0 && (st.st_mode & 07777) == 0600);
	test_assert(stat(cert_file, &st) == 0 && S_ISREG(st.st_mode));
	if ((fp = fopen(cert_file, "r")) != NULL) {
		x509 = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
	}
	test_assert(x509 != NULL);
	if (x509 != NULL) {
		GENERAL_NAMES *names = X509_get_ext_d2i(x509, NID_subject_alt_name, NULL, NULL);

		for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
			GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
			const char *dns = (const char *) ASN1_STRING_get0_data(gn->d.dNSName);

			test_assert_int(gn->type, GEN_DNS);
			has_cn |= strcmp(dns, "mail.example.org") == 0;
			has_localhost |= strcmp(dns, "localhost") == 0;
		}
		GENERAL_NAMES_free(names);
		test_assert(X509_check_host(x509, "mail.example.org", 0, 0, NULL) == 1);
		test_assert(X509_check_host(x509, "other.example.org", 0, 0, NULL) != 1);
		X509_free(x509);
	}
	test_assert(has_cn && has_localhost);
	test_end();
}

static void test_bad_input(void)
{
	char *err = NULL;
	char *other_cert = mem_printf("%s/other-cert.pem", tmpdir);
	char *other_key = mem_printf("%s/other-key.pem", tmpdir);
	char *missing = mem_printf("%s/missing.pem", tmpdir);
	tls_ctx_t *ctx;

	test_begin("tls refuses bad names, missing files, a key of another cert");
	test_assert_int(tls_make_self_signed(other_cert, other_key, "a,DNS:evil", 1, &err), -1);
	test_assert(err != NULL && strstr(err, "host name") != NULL);
	MEM_FREE(err);
	test_assert(access(other_key, F_OK) < 0);

	ctx = tls_server_ctx(missing, key_file, NULL, &err);
	test_assert(ctx == NULL);
	test_assert(err != NULL && strstr(err, missing) != NULL);
	MEM_FREE(err);

	test_assert_int(tls_make_self_signed(other_cert, other_key, "localhost", 1, &err), 0);
	ctx = tls_server_ctx(cert_file, other_key, NULL, &err);
	test_assert(ctx == NULL);
	test_assert(err != NULL && strstr(err, "mismatch") != NULL);
	MEM_FREE(err);

	ctx = tls_server_ctx(cert_file, key_file, NULL, &err);
	test_assert(ctx != NULL && err == NULL);
	tls_ctx_free(&ctx);
	test_assert(ctx == NULL);
	unlink(other_cert);
	unlink(other_key);
	mem_free(other_cert);
	mem_free(other_key);
	mem_free(missing);
	test_end();
}

/* The client half of the handshake test; exit status says where it failed. */
static void run_client(int fd, int verify)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_client_ctx(verify, &err);
	stream_t *s = stream_open(fd);
	buf_t line = BUF_INIT;

	if (ctx == NULL)
		_exit(10);
	stream_set_timeout(s, 10);
	if (stream_tls_connect(s, ctx, "localhost") != STREAM_OK)
		_exit(verify ? 0 : 11);
	if (verify)
		_exit(12);
	if (!stream_is_tls(s) || stream_tls_version(s) == NULL)
		_exit(13);
	stream_puts(s, "hello over tls\r\n");
	if (stream_flush(s) != STREAM_OK)
		_exit(14);
	if (stream_read_line(s, &line) != STREAM_OK || strcmp(buf_str(&line), "welcome\r\n") != 0)
		_exit(15);
	if (stream_read_line(s, &line) != STREAM_EOF)
		_exit(16);
	stream_close(&s);
	tls_ctx_free(&ctx);
	_exit(0);
}

/* Fork run_client() on one end of a socketpair; sv[0] is the server's
 * end.  The child's pid, or -1. */
static pid_t client_start(int sv[2])
{
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		run_client(sv[1], 0);
	}
	close(sv[1]);
	return pid;
}

static void test_handshake(void)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_server_ctx(cert_file, key_file, NULL, &err);
	buf_t line = BUF_INIT;
	stream_t *s;
	int sv[2];
	pid_t pid;

	test_begin("tls handshake between forked client and server, data both ways");
	test_assert(ctx != NULL);
	if (ctx == NULL || (pid = client_start(sv)) < 0) {
		test_end();
		return;
	}
	s = stream_open(sv[0]);
	stream_set_timeout(s, 10);
	test_assert(!stream_is_tls(s));
	test_assert(stream_tls_version(s) == NULL && stream_tls_cipher(s) == NULL);
	test_assert_int(stream_tls_accept(s, ctx), STREAM_OK);
	test_assert(stream_is_tls(s));
	test_assert_str(stream_tls_version(s), "TLSv1.3");
	test_assert(stream_tls_cipher(s) != NULL && strncmp(stream_tls_cipher(s), "TLS_", 4) == 0);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "hello over tls\r\n");
	test_assert_int(stream_puts(s, "welcome\r\n"), STREAM_OK);
	stream_close(&s);
	test_assert_int(child_status(pid), 0);
	tls_ctx_free(&ctx);
	buf_release(&line);
	test_end();
}

/* The server side without waiting: accept_start and accept_step, polled
 * as an event loop would, then try_flush and trim on the TLS stream; and
 * a peer that is no TLS client fails the step. */
static void test_handshake_steps(void)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_server_ctx(cert_file, key_file, NULL, &err);
	stream_tls_handshake_t *h;
	buf_t line = BUF_INIT;
	stream_t *s;
	int sv[2], st = 1, steps = 0;
	short wait = 0;
	pid_t pid;

	test_begin("tls accept without waiting: steps, then a TLS stream");
	if (ctx == NULL || (pid = client_start(sv)) < 0) {
		test_assert(0);
		test_end();
		return;
	}
	s = stream_open(sv[0]);
	stream_set_timeout(s, 10);
	h = stream_tls_accept_start(s, ctx);
	test_assert(h != NULL);
	while (h != NULL && (st = stream_tls_accept_step(&h, &wait)) == 1 && steps++ < 100) {
		struct pollfd pfd = { .fd = stream_fd(s), .events = wait };

		test_assert(wait == POLLIN || wait == POLLOUT);
		poll(&pfd, 1, 5000);
	}
	test_assert_int(st, STREAM_OK);
	test_assert(h == NULL);
	test_assert(steps >= 1);		/* it did have to wait */
	test_assert(stream_is_tls(s));
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "hello over tls\r\n");
	stream_trim(s);
	test_assert_int(stream_pending(s), 0);
	test_assert_int(stream_puts(s, "welcome\r\n"), STREAM_OK);
	test_assert_int(stream_out_pending(s), 9);
	test_assert_int(stream_try_flush(s, &wait), STREAM_OK);
	test_assert_int(stream_out_pending(s), 0);
	stream_close(&s);
	test_assert_int(child_status(pid), 0);
	test_end();

	test_begin("tls accept without waiting: a peer that speaks no TLS fails");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
		s = stream_open(sv[0]);
		test_assert_int((int) write(sv[1], "USER a\r\nPASS b\r\n", 16), 16);
		h = stream_tls_accept_start(s, ctx);
		st = stream_tls_accept_step(&h, &wait);
		test_assert(st < 0);
		test_assert(h == NULL);
		test_assert(stream_status(s) == STREAM_ERROR);
		stream_close(&s);
		close(sv[1]);
	}
	test_end();
	tls_ctx_free(&ctx);
	buf_release(&line);
}

static void test_verify_fails(void)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_server_ctx(cert_file, key_file, NULL, &err);
	stream_t *s;
	int sv[2];
	pid_t pid;

	test_begin("tls verifying client refuses a self-signed certificate");
	if (ctx == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		test_assert(0);
		test_end();
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		run_client(sv[1], 1);
	}
	close(sv[1]);
	s = stream_open(sv[0]);
	stream_set_timeout(s, 10);
	test_assert_int(stream_tls_accept(s, ctx), STREAM_ERROR);
	test_assert_int(stream_status(s), STREAM_ERROR);
	test_assert(!stream_is_tls(s));
	test_assert(strstr(stream_strerror(s), "TLS handshake") != NULL);
	stream_close(&s);
	test_assert_int(child_status(pid), 0);
	tls_ctx_free(&ctx);
	test_end();
}

/* A client that trusts cert_file as its CA and expects name: exit 0
 * when the handshake worked, 1 when it failed. */
static void run_ca_client(int fd, const char *name)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_client_ctx_ca(cert_file, &err);
	stream_t *s = stream_open(fd);

	if (ctx == NULL)
		_exit(10);
	stream_set_timeout(s, 10);
	_exit(stream_tls_connect(s, ctx, name) == STREAM_OK ? 0 : 1);
}

/* One handshake against a client of run_ca_client(name): its status. */
static int ca_handshake(tls_ctx_t *ctx, const char *name)
{
	stream_t *s;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		run_ca_client(sv[1], name);
	}
	close(sv[1]);
	s = stream_open(sv[0]);
	stream_set_timeout(s, 10);
	(void) stream_tls_accept(s, ctx);
	stream_close(&s);
	return child_status(pid);
}

/* smtp-out's verify level: the CA file is the trust, the name must match
 * (partial-label wildcards never do, RFC 6125 §6.4.3). */
static void test_verify_cafile(void)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_server_ctx(cert_file, key_file, NULL, &err);

	test_begin("tls client with a CA file: the right name passes, others fail");
	test_assert(ctx != NULL);
	if (ctx != NULL) {
		test_assert_int(ca_handshake(ctx, "localhost"), 0);
		test_assert_int(ca_handshake(ctx, "other.example"), 1);
		test_assert_int(ca_handshake(ctx, "localhost.evil.example"), 1);
	}
	test_assert(tls_client_ctx_ca("/nonexistent/ca.pem", &err) == NULL &&
		    err != NULL && strstr(err, "/nonexistent/ca.pem") != NULL);
	MEM_FREE(err);
	tls_ctx_free(&ctx);
	test_end();
}

/*
 * The STARTTLS injection of RFC 3207 §4.2 / CVE-2011-0411: a client sends a
 * command pipelined behind STARTTLS in the same packet.  The server must not
 * execute it as if it had arrived over TLS.
 */
static void run_injecting_client(int fd)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_client_ctx(0, &err);
	stream_t *s = stream_open(fd);
	buf_t line = BUF_INIT;

	stream_set_timeout(s, 10);
	stream_puts(s, "STARTTLS\r\nRCPT TO:<injected@example.org>\r\n");
	if (stream_flush(s) != STREAM_OK)
		_exit(20);
	if (stream_read_line(s, &line) != STREAM_OK || strcmp(buf_str(&line), "220 go ahead\r\n") != 0)
		_exit(21);
	if (stream_tls_connect(s, ctx, NULL) != STREAM_OK)
		_exit(22);
	stream_puts(s, "EHLO after.tls\r\n");
	if (stream_flush(s) != STREAM_OK)
		_exit(23);
	if (stream_read_line(s, &line) != STREAM_EOF)
		_exit(24);
	stream_close(&s);
	tls_ctx_free(&ctx);
	_exit(0);
}

static void test_starttls_injection(void)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_server_ctx(cert_file, key_file, NULL, &err);
	buf_t line = BUF_INIT;
	stream_t *s;
	int sv[2];
	pid_t pid;

	test_begin("tls upgrade discards plaintext pipelined behind STARTTLS");
	if (ctx == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		test_assert(0);
		test_end();
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		run_injecting_client(sv[1]);
	}
	close(sv[1]);
	s = stream_open(sv[0]);
	stream_set_timeout(s, 10);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "STARTTLS\r\n");
	/* The injected command arrived in the same write, so it is buffered. */
	test_assert_int(stream_pending(s), 32);
	test_assert(strncmp(stream_pending_data(s), "RCPT TO:", 8) == 0);
	test_assert_int(stream_puts(s, "220 go ahead\r\n"), STREAM_OK);
	test_assert_int(stream_tls_accept(s, ctx), STREAM_OK);
	test_assert_int(stream_pending(s), 0);
	test_assert_int(stream_read_line(s, &line), STREAM_OK);
	test_assert_str(buf_str(&line), "EHLO after.tls\r\n");
	stream_close(&s);
	test_assert_int(child_status(pid), 0);
	tls_ctx_free(&ctx);
	buf_release(&line);
	test_end();
}

/* Reads a megabyte over TLS, checks it, then hangs up without a word. */
static void run_bulk_client(int fd)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_client_ctx(0, &err);
	stream_t *s = stream_open(fd);
	buf_t data = BUF_INIT;

	stream_set_timeout(s, 10);
	if (stream_tls_connect(s, ctx, "localhost") != STREAM_OK)
		_exit(30);
	if (stream_read_exact(s, &data, 1 << 20) != STREAM_OK)
		_exit(31);
	for (size_t i = 0; i < data.len; i++)
		if (data.data[i] != (char) (i % 253))
			_exit(32);
	_exit(0);
}

static void test_bulk_and_hangup(void)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_server_ctx(cert_file, key_file, NULL, &err);
	buf_t data = BUF_INIT;
	stream_t *s;
	int sv[2], status = STREAM_OK;
	pid_t pid;

	test_begin("tls 1 MB transfer, then a peer hang-up is an error, not SIGPIPE");
	if (ctx == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		test_assert(0);
		test_end();
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		run_bulk_client(sv[1]);
	}
	close(sv[1]);
	s = stream_open(sv[0]);
	stream_set_timeout(s, 10);
	for (size_t i = 0; i < (1 << 20); i++)
		buf_putc(&data, (char) (i % 253));
	test_assert_int(stream_tls_accept(s, ctx), STREAM_OK);
	test_assert_int(stream_write(s, data.data, data.len), STREAM_OK);
	test_assert_int(stream_flush(s), STREAM_OK);
	test_assert_int(child_status(pid), 0);
	for (int i = 0; i < 8 && status == STREAM_OK; i++) {
		status = stream_write(s, data.data, 65536);
		if (status == STREAM_OK)
			status = stream_flush(s);
	}
	test_assert_int(status, STREAM_ERROR);
	stream_close(&s);
	tls_ctx_free(&ctx);
	buf_release(&data);
	test_end();
}

static void test_handshake_timeout(void)
{
	char *err = NULL;
	tls_ctx_t *ctx = tls_server_ctx(cert_file, key_file, NULL, &err);
	stream_t *s;
	int sv[2];

	test_begin("tls handshake with a silent peer times out");
	if (ctx == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		test_assert(0);
		test_end();
		return;
	}
	s = stream_open(sv[0]);
	stream_set_timeout(s, 1);
	test_assert_int(stream_tls_accept(s, ctx), STREAM_TIMEOUT);
	test_assert_int(stream_status(s), STREAM_TIMEOUT);
	stream_close(&s);
	close(sv[1]);
	tls_ctx_free(&ctx);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_self_signed, test_bad_input, test_handshake,
		test_verify_cafile,
		test_handshake_steps,
		test_verify_fails, test_starttls_injection,
		test_bulk_and_hangup, test_handshake_timeout, NULL,
	};
	int ret;

	signal(SIGPIPE, SIG_DFL);
	alarm(120);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	ret = test_main(tests);
	unlink(cert_file);
	unlink(key_file);
	rmdir(tmpdir);
	mem_free(cert_file);
	mem_free(key_file);
	return ret;
}
