/* smtp_out_tls.c - STARTTLS by policy (RFC 3207).
 *
 * smtp_tls_security_level says what a session must have:
 *   none     never STARTTLS;
 *   may      STARTTLS when the server offers it, any certificate; a
 *            server that offers it and then refuses the command is used
 *            in plaintext, as opportunistic TLS allows (RFC 3207 §4.1);
 *   encrypt  TLS or no mail: a server without STARTTLS is skipped and
 *            the mail deferred (4.7.4), any certificate;
 *   verify   TLS with a certificate that chains to the system's trusted
 *            CAs (or smtp_tls_CAfile) and names the server's host name,
 *            the MX host or relayhost as routed (RFC 7817 §3: the
 *            reference identity; no partial-label wildcards, RFC 6125).
 * A handshake that fails ends the session with this server.  At may the
 * same server is then tried once more without STARTTLS, as Postfix does:
 * a server with a broken TLS stack still gets its mail, as it would from
 * a client that never tried TLS (RFC 3207 §4.1 leaves that choice to the
 * client).  At encrypt and verify the next server of the route is tried.  smtp_tls_policy_maps sets the level per
 * destination (transport(5) has the format): a map that cannot be read
 * gives encrypt or stronger, never a weaker level than configured, and
 * an entry with an unknown level gives verify.
 *
 * After TLS, the server's capabilities are asked for again (RFC 3207
 * §4.2: the client must discard what it knew before), and enhanced
 * status codes are off until the new EHLO says (smtp_reply.h).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "config.h"
#include "log.h"
#include "map_list.h"
#include "mem.h"
#include "params.h"
#include "smtp_out.h"
#include "tls.h"

static void smtp_out_tls_policy_init(void);

void smtp_out_tls_init(void)
{
	const char *cafile = config_str("smtp_tls_CAfile");
	char *err = NULL;

	smtp_out_conf.tls_level = (enum smtp_tls_level)
		config_enum("smtp_tls_security_level");
	smtp_out_tls_policy_init();
	smtp_out_conf.tls_any = tls_client_ctx(0, &err);
	if (smtp_out_conf.tls_any == NULL)
		log_fatal("TLS client: %s", err);
	/* The CA store is read now, as root, before any chroot. */
	smtp_out_conf.tls_verify = tls_client_ctx_ca(cafile, &err);
	if (smtp_out_conf.tls_verify == NULL) {
		log_warn("TLS client: %s; servers cannot be verified", err);
		mem_free(err);
	}
}

static const char *smtp_out_tls_level_name(enum smtp_tls_level l)
{
	static const char *const names[] = { "none", "may", "encrypt", "verify" };

	return names[l];
}

/* The session stays usable for QUIT (RFC 5321 §4.1.1.10: no close without
 * it) unless the exchange itself broke, which marks it cut. */
static int smtp_out_tls_fail(const char *dsn, char *why, char *dsn_r,
			     char **why_r)
{
	snprintf(dsn_r, SMTP_REPLY_ENHANCED_MAX + 1, "%s", dsn);
	*why_r = why;
	return -1;
}

int smtp_out_tls_start(smtp_out_sess_t *s, const smtp_out_target_t *t,
		       char *dsn_r, char **why_r)
{
	enum smtp_tls_level level = smtp_out_tls_policy(s->dest);
	int required = level >= SMTP_TLS_ENCRYPT;
	struct tls_ctx *ctx;
	char *why = NULL;

	if (level == SMTP_TLS_NONE || s->plaintext)
		return 0;
	if (!(s->ehlo.ext & SMTP_EXT_STARTTLS)) {
		if (!required)
			return 0;
		return smtp_out_tls_fail("4.7.4", mem_printf(
			"TLS is required (%s), but %s does not offer STARTTLS",
			smtp_out_tls_level_name(level), s->label), dsn_r, why_r);
	}
	ctx = level == SMTP_TLS_VERIFY ? smtp_out_conf.tls_verify :
		smtp_out_conf.tls_any;
	if (ctx == NULL)
		return smtp_out_tls_fail("4.7.5", mem_printf(
			"TLS is required (verify), but no trusted certificates "
			"could be loaded"), dsn_r, why_r);
	stream_set_timeout(s->s, smtp_out_limit(smtp_out_conf.starttls_timeout));
	if (stream_puts(s->s, "STARTTLS\r\n") < 0 || stream_flush(s->s) < 0 ||
	    smtp_out_session_reply(s, smtp_out_conf.starttls_timeout, &why) < 0) {
		s->cut = 1;
		return smtp_out_tls_fail("4.4.2", why ? why : mem_printf(
			"lost connection with %s while sending STARTTLS", s->label),
			dsn_r, why_r);
	}
	if (s->reply.code / 100 != 2) {
		if (!required) {
			log_info("%s refused STARTTLS (%s); going on without TLS",
				 s->label, smtp_out_session_said(s));
			return 0;
		}
		return smtp_out_tls_fail("4.7.4",
					 smtp_out_session_text(s, "STARTTLS"),
					 dsn_r, why_r);
	}
	if (stream_tls_connect(s->s, ctx, t->host) != STREAM_OK) {
		s->cut = 1;
		(void) smtp_out_tls_fail(level == SMTP_TLS_VERIFY ? "4.7.5" :
					 "4.4.2", mem_printf(
			"TLS handshake with %s failed: %s", s->label,
			stream_strerror(s->s)), dsn_r, why_r);
		return required ? -1 : SMTP_OUT_TLS_RETRY_PLAIN;
	}
	log_info("%s TLS connection established to %s: %s with cipher %s",
		 level == SMTP_TLS_VERIFY ? "Verified" : "Untrusted", s->label,
		 stream_tls_version(s->s), stream_tls_cipher(s->s));
	s->tls = 1;
	smtp_reply_set_enhanced(&s->reply, 0);
	return smtp_out_session_hello(s, dsn_r, why_r);
}

/* ---- smtp_tls_policy_maps ---- */

static map_list_t *smtp_out_tls_policy_db;

static void smtp_out_tls_policy_init(void)
{
	char **files = config_list("smtp_tls_policy_maps");
	char *err = NULL;

	if (files[0] != NULL &&
	    (smtp_out_tls_policy_db = map_list_open(files, &err)) == NULL)
		log_fatal("smtp_tls_policy_maps: %s", err);
	if (smtp_out_tls_policy_db != NULL)
		map_list_fix(smtp_out_tls_policy_db);
	config_list_free(&files);
}

/* The level named by the map for key: 1 found, 0 not. */
static int smtp_out_tls_policy_get(const char *key, enum smtp_tls_level *level_r)
{
	static const char *const words[] = { "none", "may", "encrypt", "verify" };
	buf_t v = BUF_INIT;
	int r = map_list_get(smtp_out_tls_policy_db, key, &v, NULL);

	if (r > 0) {
		for (size_t i = 0; i < 4; i++)
			if (strcasecmp(buf_str(&v), words[i]) == 0) {
				*level_r = (enum smtp_tls_level) i;
				buf_release(&v);
				return 1;
			}
		/* An entry that cannot be read may have meant the
		 * strictest level: it gets that one. */
		log_warn("smtp_tls_policy_maps: %s: unknown level \"%s\"; "
			 "using verify", key, buf_str(&v));
		*level_r = SMTP_TLS_VERIFY;
	} else if (r < 0) {
		/* A map that cannot be read must not weaken the policy. */
		*level_r = smtp_out_conf.tls_level > SMTP_TLS_ENCRYPT ?
			smtp_out_conf.tls_level : SMTP_TLS_ENCRYPT;
		r = 1;
	}
	buf_release(&v);
	return r != 0;
}

/* Keys, most specific first: the nexthop as qmgr names it
 * ("[mx.example.com]:2525"), its host ("mx.example.com"), then each
 * parent domain as ".example.com", as transport(5) matches. */
enum smtp_tls_level smtp_out_tls_policy(const char *dest)
{
	enum smtp_tls_level level = smtp_out_conf.tls_level;
	buf_t host = BUF_INIT;
	const char *h, *dot;
	size_t n;

	if (smtp_out_tls_policy_db == NULL)
		return level;
	if (smtp_out_tls_policy_get(dest, &level))
		return level;
	h = dest + (*dest == '[');
	n = strcspn(h, *dest == '[' ? "]" : ":");
	buf_append(&host, h, n);
	addr_lower(host.data);
	if (smtp_out_tls_policy_get(buf_str(&host), &level)) {
		buf_release(&host);
		return level;
	}
	for (dot = strchr(buf_str(&host), '.'); dot != NULL;
	     dot = strchr(dot + 1, '.'))
		if (smtp_out_tls_policy_get(dot, &level))
			break;
	buf_release(&host);
	return level;
}
