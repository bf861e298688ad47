/* smtpd.c - the tern SMTP server: smtp, submission, smtps and submit.
 *
 * One binary serves every SMTP service of master.conf; what differs
 * between them comes from -o overrides on the service line (architecture §1):
 * smtpd_require_auth and smtpd_sender_login_match for submission,
 * smtpd_tls_wrappermode for smtps, smtpd_local_submit for the UNIX socket
 * public/submit.  It runs on the daemon skeleton as DAEMON_SINGLE: one
 * client per process at a time, blocking streams with deadlines.
 *
 * Before the privilege drop (as root) it loads the TLS certificate and key
 * and opens the alias databases; after it, it connects lazily to auth over
 * private/auth for logins and recipient lookups, and to anvil over
 * private/anvil for the connection limits per client address
 * (smtpd_anvil.c).  Accepted messages become
 * queue files in incoming/ (smtpd_queue.c); qmgr takes them from there.
 *
 * SECURITY: runs as mail_owner with no capabilities, optionally chrooted
 * to the queue directory.  Everything a client sends is untrusted: command
 * lines are parsed by lib/smtp_parse.c with fixed limits, message content
 * is streamed to disk and never interpreted beyond header field names.
 * Passwords pass through to auth and are never logged.  auth, anvil and
 * qmgr are trusted peers reached over the private/ sockets.  One client
 * address cannot take every process: it may hold only so many
 * connections (smtpd_anvil.c), and a session of commands that do nothing
 * ends after smtpd_junk_command_limit of them (smtpd_session.c).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "deliver_proto.h"
#include "log.h"
#include "mem.h"
#include "sock.h"
#include "smtpd.h"

smtpd_conf_t smtpd_conf;

/* TLS needs the key, which only root may read: load it before the drop
 * (lib/tls.h: the one setup every server shares). */
static void smtpd_load_tls(void)
{
	smtpd_conf.tls = tls_server_from_config("smtpd", daemon_service(),
						&smtpd_conf.tls_wrapper);
}

/* alias_maps files, each compiled into FILE.db; a missing one is only a
 * warning (mailctl newaliases makes it). */
static void smtpd_open_aliases(void)
{
	char **files = config_list("alias_maps");
	size_t n = 0;

	while (files[n] != NULL)
		n++;
	smtpd_conf.aliases = mem_reallocarray(NULL, n + 1, sizeof(map_t *));
	for (size_t i = 0; i < n; i++) {
		char *path = mem_printf("%s.db", files[i]);
		char *err = NULL;
		map_t *m = map_open(path, MAP_RDONLY, &err);

		if (m == NULL) {
			log_warn("alias map %s: %s", path, err);
			mem_free(err);
		} else {
			smtpd_conf.aliases[smtpd_conf.naliases++] = m;
		}
		mem_free(path);
	}
	config_list_free(&files);
}

static void smtpd_pre_drop(void)
{
	char *err = NULL;

	/* The time zone file is out of reach in a chroot: load it now, for
	 * the dates of Received and Date fields. */
	tzset();
	smtpd_load_tls();
	smtpd_open_aliases();
	smtpd_conf.mynetworks = cidr_parse(config_str("mynetworks"), &err);
	if (smtpd_conf.mynetworks == NULL)
		log_fatal("mynetworks: %s", err);
}

/* After the drop: everything else, and the paths as seen from here.  The
 * table's bounds (params.c) keep each value usable: timeouts from 1s,
 * smtpd_max_line_length at least 998 (RFC 5321 §4.5.3.1.6),
 * smtpd_recipient_limit at most what a queue file holds (QUEUE_MAX_RCPTS,
 * or qmgr could not read the message back). */
static void smtpd_post_drop(void)
{
	char *auth_path;

	smtpd_conf.sasl_enable = config_bool("smtpd_sasl_auth_enable");
	smtpd_conf.require_auth = config_bool("smtpd_require_auth");
	smtpd_conf.login_match = config_bool("smtpd_sender_login_match");
	smtpd_conf.add_headers = config_bool("smtpd_add_missing_headers");
	smtpd_conf.local_submit = config_bool("smtpd_local_submit");
	smtpd_conf.auth_header = config_bool("smtpd_sasl_authenticated_header");
	smtpd_conf.expn = config_bool("smtpd_expn_enable");
	smtpd_conf.plaintext = (enum auth_plaintext) config_enum("auth_plaintext");
	smtpd_conf.timeout = (int) config_time("smtpd_timeout");
	smtpd_conf.ipc_timeout = (int) config_time("ipc_timeout");
	smtpd_conf.hard_error_limit = config_int("smtpd_hard_error_limit");
	smtpd_conf.junk_limit = config_int("smtpd_junk_command_limit");
	smtpd_conf.rcpt_limit = config_int("smtpd_recipient_limit");
	smtpd_conf.hop_limit = config_int("hopcount_limit");
	smtpd_conf.size_limit = (unsigned long long) config_size("message_size_limit");
	smtpd_conf.line_max = (unsigned long long) config_size("smtpd_max_line_length");
	smtpd_conf.header_hold = (unsigned long long) config_size("header_size_limit");
	smtpd_conf.minfree = (unsigned long long) config_size("queue_minfree");
	smtpd_conf.banner = mem_strdup(config_str("smtpd_banner"));
	smtpd_conf.myhostname = mem_strdup(config_str("myhostname"));
	smtpd_conf.myorigin = mem_strdup(config_str("myorigin"));
	smtpd_conf.delimiter = mem_strdup(config_str("recipient_delimiter"));
	smtpd_conf.mydestination = config_list("mydestination");
	smtpd_conf.queue_dir = smtpd_queue_path("");
	smtpd_conf.qmgr_socket = smtpd_queue_path(QMGR_SOCKET);
	if (smtpd_conf.local_submit && smtpd_conf.tls_wrapper)
		log_fatal("service %s: smtpd_local_submit and "
			  "smtpd_tls_wrappermode exclude each other",
			  daemon_service());
	auth_path = smtpd_queue_path(AUTH_SOCKET);
	smtpd_conf.auth = auth_client_new(auth_path, smtpd_conf.ipc_timeout);
	mem_free(auth_path);
	smtpd_dkim_init();
	smtpd_anvil_init();
}

static void smtpd_serve(daemon_client_t *client)
{
	stream_t *s;
	uid_t uid = (uid_t) -1;
	pid_t pid;
	gid_t gid;
	int local = 0;

	if (smtpd_conf.local_submit) {
		/* The submitter is whoever the kernel says is on the other
		 * end; a socket without credentials is refused. */
		if (sock_peer_cred(client->fd, &pid, &uid, &gid) < 0) {
			log_warn("service %s: no peer credentials: %s; "
				 "connection refused", client->service,
				 strerror(errno));
			return;
		}
		local = 1;
	}
	s = stream_open(client->fd);
	client->fd = -1;
	stream_set_timeout(s, smtpd_conf.timeout);
	smtpd_session_run(s, client->service, client->addr, client->port, local,
			  uid);
	stream_close(&s);
}

/* An idle smtpd must not hold one of auth's connections (architecture
 * §2, auth's limits).  One that goes straight on to a waiting client
 * keeps it: a busy process holds one anyway, and a new connection and
 * hello per session cost auth more than the lookup itself. */
static void smtpd_idle(void)
{
	auth_client_release(smtpd_conf.auth);
}

int main(int argc, char **argv)
{
	static const daemon_spec_t spec = {
		.program = "smtpd",
		.mode = DAEMON_SINGLE,
		.user_param = "mail_owner",
		.pre_drop = smtpd_pre_drop,
		.post_drop = smtpd_post_drop,
		.serve = smtpd_serve,
		.on_idle = smtpd_idle,
	};

	daemon_main(argc, argv, &spec);
}
