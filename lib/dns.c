/* dns.c - the resolver context and one lookup with a deadline (dns.h).
 *
 * A lookup is started with ub_resolve_async and waited for with poll(2)
 * on the context's descriptor until the deadline; then it is cancelled.
 * libunbound runs its resolver in a thread of this process
 * (ub_ctx_async), never in a forked child that would outlive a daemon's
 * supervision; the thread takes no signals.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>

#include "config.h"
#include "dns.h"
#include "log.h"
#include "mem.h"

#define DNS_DEFAULT_PORT 53

struct dns_ctx {
	struct ub_ctx *ub;
	long timeout;		/* seconds per lookup */
	FILE *log;		/* where libunbound's own messages go */
	int started;		/* libunbound's thread runs */
};

int dns_nameserver_parse(const char *text, buf_t *out, char **err_r)
{
	const char *host = text, *port = NULL, *close;
	unsigned char bin[16];
	char *addr, *end;
	int family = AF_INET;
	long num = DNS_DEFAULT_PORT;

	if (*text == '[') {
		close = strchr(text, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			*err_r = mem_printf("bad nameserver \"%s\": use [IPv6]:port", text);
			return -1;
		}
		addr = mem_strndup(text + 1, (size_t) (close - text - 1));
		if (close[1] == ':')
			port = close + 2;
		family = AF_INET6;
	} else if (strchr(text, ':') != strrchr(text, ':')) {
		/* two colons or more: a bare IPv6 address, without a port */
		addr = mem_strdup(text);
		family = AF_INET6;
	} else {
		const char *colon = strchr(host, ':');

		addr = colon ? mem_strndup(host, (size_t) (colon - host)) :
			mem_strdup(host);
		if (colon != NULL)
			port = colon + 1;
	}
	if (inet_pton(family, addr, bin) != 1) {
		*err_r = mem_printf("bad nameserver \"%s\": not an %s address",
				    text, family == AF_INET ? "IPv4" : "IPv6");
		mem_free(addr);
		return -1;
	}
	if (port != NULL) {
		errno = 0;
		num = strtol(port, &end, 10);
		if (errno != 0 || end == port || *end != '\0' || *port == '-' ||
		    *port == '+' || num < 1 || num > 65535) {
			*err_r = mem_printf("bad nameserver \"%s\": the port must "
					    "be 1..65535", text);
			mem_free(addr);
			return -1;
		}
	}
	buf_reset(out);
	buf_printf(out, "%s@%ld", addr, num);
	mem_free(addr);
	return 0;
}

static int dns_ctx_setup(dns_ctx_t *ctx, char *const *nameservers, char **err_r)
{
	buf_t fwd = BUF_INIT;
	int rc, n = 0;

	/* Loopback nameservers are normal here (tests, a local cache);
	 * libunbound's default would refuse to query them. */
	rc = ub_ctx_set_option(ctx->ub, "do-not-query-localhost:", "no");
	if (rc == 0)
		rc = ub_ctx_async(ctx->ub, 1);
	for (; rc == 0 && nameservers != NULL && nameservers[n] != NULL; n++) {
		if (dns_nameserver_parse(nameservers[n], &fwd, err_r) < 0) {
			buf_release(&fwd);
			return -1;
		}
		/* Each call adds an address to the forward zone of ".",
		 * whose forward-first stays off: these are asked, nothing
		 * else, and when none answers the lookup fails. */
		rc = ub_ctx_set_fwd(ctx->ub, buf_str(&fwd));
	}
	buf_release(&fwd);
	if (rc == 0 && n == 0) {
		/* The system's resolver: forwarding to resolv.conf's
		 * nameservers (127.0.0.1 when it names none, as resolv.conf(5)
		 * says), /etc/hosts answered locally. */
		rc = ub_ctx_resolvconf(ctx->ub, NULL);
		if (rc == 0 && ub_ctx_hosts(ctx->ub, NULL) != 0)
			log_warn("dns: /etc/hosts not read; names are looked up "
				 "through the nameservers only");
	}
	if (rc != 0) {
		*err_r = mem_printf("dns: resolver setup: %s%s%s", ub_strerror(rc),
				    rc == UB_READFILE ? ": /etc/resolv.conf: " : "",
				    rc == UB_READFILE ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

dns_ctx_t *dns_ctx_create(char *const *nameservers, long timeout, char **err_r)
{
	dns_ctx_t *ctx = mem_zalloc(sizeof(*ctx));

	ctx->timeout = timeout;
	ctx->ub = ub_ctx_create();
	if (ctx->ub == NULL) {
		*err_r = mem_printf("dns: cannot make a resolver context");
		mem_free(ctx);
		return NULL;
	}
	/* libunbound writes its errors (a refused UDP packet, a server
	 * marked down) to stderr; what matters reaches the caller as a
	 * lookup's reason, so they go nowhere. */
	ctx->log = fopen("/dev/null", "we");
	if (ctx->log != NULL)
		ub_ctx_debugout(ctx->ub, ctx->log);
	if (dns_ctx_setup(ctx, nameservers, err_r) < 0) {
		dns_ctx_free(&ctx);
		return NULL;
	}
	return ctx;
}

dns_ctx_t *dns_ctx_from_config(char **err_r)
{
	char **servers = config_list("dns_nameservers");
	dns_ctx_t *ctx = dns_ctx_create(servers, config_time("dns_timeout"), err_r);

	config_list_free(&servers);
	return ctx;
}

void dns_ctx_free(dns_ctx_t **ctxp)
{
	dns_ctx_t *ctx = *ctxp;

	if (ctx == NULL)
		return;
	if (ctx->ub != NULL)
		ub_ctx_delete(ctx->ub);
	if (ctx->log != NULL)
		fclose(ctx->log);
	mem_free(ctx);
	*ctxp = NULL;
}

struct dns_wait {
	enum dns_type type;
	dns_result_t *r;
	int done;
};

static void dns_lookup_done(void *arg, int err, struct ub_result *ub)
{
	struct dns_wait *w = arg;

	dns_result_from_unbound(w->type, err, ub, w->r);
	if (ub != NULL)
		ub_resolve_free(ub);
	w->done = 1;
}

static long dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void dns_tempfail(dns_result_t *r, const char *fmt, const char *what)
{
	memset(r, 0, sizeof(*r));
	r->status = DNS_TEMPFAIL;
	r->reason = mem_printf(fmt, what);
}

enum dns_status dns_lookup(dns_ctx_t *ctx, const char *name,
			   enum dns_type type, dns_result_t *r)
{
	struct dns_wait w = { type, r, 0 };
	long deadline = dns_now_ms() + ctx->timeout * 1000;
	int id, rc;

	memset(r, 0, sizeof(*r));
	if (!ctx->started) {
		sigset_t all, old;

		/* The first lookup starts libunbound's thread, which inherits
		 * this mask: with every signal blocked there, the process's
		 * handlers (the skeleton's SIGTERM, SIGHUP, the watchdog's
		 * SIGALRM) run in the process's own thread, never in the
		 * resolver's. */
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		rc = ub_resolve_async(ctx->ub, name, (int) type, 1 /* IN */, &w,
				      dns_lookup_done, &id);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		ctx->started = 1;
	} else {
		rc = ub_resolve_async(ctx->ub, name, (int) type, 1 /* IN */, &w,
				      dns_lookup_done, &id);
	}
	if (rc != 0) {
		dns_tempfail(r, "resolver: %s", ub_strerror(rc));
		return r->status;
	}
	while (!w.done) {
		struct pollfd pfd = { ub_fd(ctx->ub), POLLIN, 0 };
		long left = deadline - dns_now_ms();

		if (left <= 0) {
			ub_cancel(ctx->ub, id);
			r->status = DNS_TEMPFAIL;
			r->reason = mem_printf("no answer within %lds", ctx->timeout);
			break;
		}
		if (poll(&pfd, 1, (int) left) < 0 && errno != EINTR) {
			ub_cancel(ctx->ub, id);
			dns_tempfail(r, "poll: %s", strerror(errno));
			break;
		}
		if (pfd.revents != 0 && (rc = ub_process(ctx->ub)) != 0) {
			ub_cancel(ctx->ub, id);
			dns_tempfail(r, "resolver: %s", ub_strerror(rc));
			break;
		}
	}
	return r->status;
}

void dns_result_free(dns_result_t *r)
{
	for (size_t i = 0; r->mx != NULL && i < r->count; i++)
		mem_free(r->mx[i].host);
	mem_free(r->mx);
	mem_free(r->addr);
	mem_free(r->reason);
	memset(r, 0, sizeof(*r));
}
