/* params.c - the one table of main.conf parameters (architecture §8).
 *
 * Every parameter any tern program reads is declared here, once, with its
 * type, default and a one-line summary; config.c serves the values and
 * main.conf(5) documents each entry (tests/unit/test_config.c fails when a
 * name is missing from the man page).  To add a parameter, add a line to the
 * group it belongs to and a matching entry to man/man5/main.conf.5.
 *
 * Defaults are written as they would be in main.conf, $name references
 * included.  An empty myhostname or mydomain is computed at read time from
 * the system host name (see config.c).
 *
 * Every integer, time and size parameter has bounds, RANGE(min, max),
 * written as in main.conf: a value outside them would break something (a
 * zero timeout, a limit a queue file or a delivery request cannot hold, a
 * millisecond count that overflows), and it is refused, never clamped
 * (config.h).  The unit test holds every such entry to having bounds that
 * contain its default, and main.conf(5) to stating them.  An enumerated
 * parameter lists its words with ONE_OF; params.h names them for C.
 */
#include <stddef.h>

#include "config.h"
#include "params.h"
#include "tls.h"

/* The Makefile passes the installed paths; these match its own defaults for
 * builds that bypass it (the fuzz targets). */
#ifndef TERN_SYSCONFDIR
#define TERN_SYSCONFDIR "/usr/local/etc/tern"
#endif
#ifndef TERN_LIBEXECDIR
#define TERN_LIBEXECDIR "/usr/local/libexec/tern"
#endif
#ifndef TERN_QUEUEDIR
#define TERN_QUEUEDIR "/var/spool/tern"
#endif
#ifndef TERN_MAILBOXDIR
#define TERN_MAILBOXDIR "/var/lib/tern/mail"
#endif
#ifndef TERN_LOGDIR
#define TERN_LOGDIR "/var/log"
#endif

#define RANGE(lo, hi)	.min = (lo), .max = (hi)
#define ONE_OF(w)	.words = (w)

/* In the order of enum auth_plaintext. */
static const char *const auth_plaintext_words[] = {
	"never", "loopback", "always", NULL,
};

int auth_plaintext_allowed(enum auth_plaintext mode, int tls, int loopback)
{
	switch (mode) {
	case AUTH_PLAINTEXT_ALWAYS:
		return 1;
	case AUTH_PLAINTEXT_LOOPBACK:
		/* A loopback client counts as secure, as in Dovecot. */
		return tls || loopback;
	case AUTH_PLAINTEXT_NEVER:
		break;
	}
	return tls;
}

/* In the order of enum smtp_tls_level. */
static const char *const smtp_tls_level_words[] = {
	"none", "may", "encrypt", "verify", NULL,
};

/* Entries of types without bounds or words leave those fields out. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const param_def_t config_params[] = {
	/* Where things are. */
	{ "config_directory", PARAM_STR, TERN_SYSCONFDIR,
	  "directory of main.conf, master.conf and the map files" },
	{ "daemon_directory", PARAM_STR, TERN_LIBEXECDIR,
	  "directory where master finds the tern programs" },
	{ "queue_directory", PARAM_STR, TERN_QUEUEDIR,
	  "top of the mail queue and of the internal sockets" },
	{ "mail_directory", PARAM_STR, TERN_MAILBOXDIR,
	  "top of the virtual mailboxes, one folder per domain" },

	/* Logging. */
	{ "maillog_file", PARAM_STR, "",
	  "file every program logs to; empty: syslog when it runs, else "
	  "maillog_fallback_file" },
	{ "maillog_fallback_file", PARAM_STR, TERN_LOGDIR "/tern.log",
	  "file every program logs to when maillog_file is empty and no "
	  "syslog daemon listens on /dev/log" },
	{ "syslog_name", PARAM_STR, "tern",
	  "first part of the program name in each log line" },

	/* Names of this system and the mail it is the final destination for. */
	{ "myhostname", PARAM_STR, "",
	  "fully qualified host name; empty: the system host name" },
	{ "mydomain", PARAM_STR, "",
	  "local domain; empty: myhostname without its first label" },
	{ "myorigin", PARAM_STR, "$myhostname",
	  "domain added to locally submitted addresses without one" },
	{ "mydestination", PARAM_LIST, "$myhostname, localhost.$mydomain, localhost",
	  "domains delivered locally" },
	{ "mynetworks", PARAM_LIST, "127.0.0.0/8 [::1]/128",
	  "client networks allowed to relay without authentication" },
	{ "inet_interfaces", PARAM_LIST, "127.0.0.1",
	  "addresses the TCP services listen on" },
	{ "relayhost", PARAM_STR, "",
	  "next hop of remote mail without a transport_maps entry: "
	  "[host]:port, [host] (no MX lookup), host:port or host; empty: "
	  "the recipient domain's MX" },
	/* Routes and relay credentials (lib/transport.h, lib/relay_auth.h). */
	{ "transport_maps", PARAM_LIST, "$config_directory/transport",
	  "route per domain, each file compiled into FILE.db; empty: none" },
	{ "smtp_sasl_password_maps", PARAM_LIST,
	  "$config_directory/relay_passwd",
	  "user:password per relay host for AUTH, each file compiled into "
	  "FILE.db, mail_owner's alone" },
	/* Outbound routing by DNS (lib/dns.c, lib/dns_route.c). */
	{ "dns_nameservers", PARAM_LIST, "",
	  "address[:port] list of the only nameservers asked; empty: the "
	  "system's resolver (resolv.conf, hosts)" },
	{ "dns_timeout", PARAM_TIME, "10s",
	  "longest wait for the answer to one DNS lookup",
	  RANGE("1s", "10m") },
	{ "smtp_tcp_port", PARAM_INT, "25",
	  "port of a remote SMTP server when the route names none",
	  RANGE("1", "65535") },
	{ "smtp_mx_address_limit", PARAM_INT, "5",
	  "most addresses of MX hosts a route holds, in order; 0: no limit",
	  RANGE("0", "1000") },

	/* System users the roles run as (architecture §2). */
	{ "mail_owner", PARAM_STR, "tern",
	  "owner of the queue; user of smtpd, qmgr and smtp-out" },
	{ "auth_owner", PARAM_STR, "ternauth",
	  "user of the auth service, the only reader of password hashes" },
	{ "login_user", PARAM_STR, "ternnull",
	  "unprivileged user of the POP3/IMAP login processes" },
	{ "vmail_owner", PARAM_STR, "vmail",
	  "owner of the virtual mailboxes" },
	{ "dkim_owner", PARAM_STR, "terndkim",
	  "user of the dkim-sign service, the only reader of DKIM keys" },
	{ "setgid_group", PARAM_STR, "terndrop",
	  "group of terndrop and of the maildrop directory; no members" },

	/* Process management by master. */
	{ "default_process_limit", PARAM_INT, "100",
	  "most processes of one service when master.conf says -",
	  RANGE("0", "100000") },
	{ "max_idle", PARAM_TIME, "100s",
	  "how long an idle daemon process waits for work before exiting",
	  RANGE("0", "1w") },
	{ "max_use", PARAM_INT, "1000",
	  "clients a daemon process serves before exiting",
	  RANGE("0", "1000000") },
	{ "ipc_timeout", PARAM_TIME, "60s",
	  "deadline of each read or write on an internal socket",
	  RANGE("1s", "1h") },
	{ "daemon_timeout", PARAM_TIME, "18000s",
	  "longest time a daemon process may spend on one request",
	  RANGE("1s", "1w") },
	{ "service_throttle_time", PARAM_TIME, "60s",
	  "pause before a service that keeps crashing is started again",
	  RANGE("1s", "1d") },
	{ "master_start_timeout", PARAM_TIME, "30s",
	  "how long mailctl start waits for every service to be ready",
	  RANGE("1s", "1h") },
	{ "master_stop_timeout", PARAM_TIME, "30s",
	  "how long master waits for children to exit on stop",
	  RANGE("1s", "1h") },
	/* master's process pool and children's environment (master(8)). */
	{ "process_prefork", PARAM_INT, "1",
	  "processes master keeps started per service (-o per service)",
	  RANGE("0", "1000") },
	{ "import_environment", PARAM_LIST,
	  "TZ LANG ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TERN_SAN_LOG_DIR",
	  "environment variables master passes to its children" },

	/* SMTP server and TLS. */
	{ "smtpd_tls_cert_file", PARAM_STR, "$config_directory/tls/cert.pem",
	  "PEM certificate chain of the TLS servers" },
	{ "smtpd_tls_key_file", PARAM_STR, "$config_directory/tls/key.pem",
	  "PEM private key of the TLS servers" },
	{ "tls_server_cipherlist", PARAM_STR, TLS_SERVER_CIPHERLIST,
	  "TLS 1.2 cipher suites of every server (OpenSSL syntax)" },
	{ "message_size_limit", PARAM_SIZE, "52428800",
	  "largest message accepted, in bytes",
	  RANGE("0", "1024g") },
	/* smtpd(8); the services differ by -o overrides in master.conf. */
	{ "smtpd_banner", PARAM_STR, "$myhostname ESMTP tern",
	  "text of the SMTP greeting, after the 220" },
	{ "smtpd_timeout", PARAM_TIME, "300s",
	  "how long smtpd waits for a client command or message data",
	  RANGE("1s", "1d") },
	{ "smtpd_hard_error_limit", PARAM_INT, "20",
	  "error replies after which smtpd disconnects a client",
	  RANGE("1", "1000000") },
	{ "smtpd_recipient_limit", PARAM_INT, "1000",
	  "most recipients of one message (more: 452 4.5.3)",
	  RANGE("1", "10000") },
	{ "smtpd_max_line_length", PARAM_SIZE, "1m",
	  "longest text line of a message; longer: message refused",
	  RANGE("998", "64m") },
	{ "header_size_limit", PARAM_SIZE, "1m",
	  "most header octets smtpd holds to add missing Date/Message-ID",
	  RANGE("1k", "64m") },
	{ "hopcount_limit", PARAM_INT, "50",
	  "most Received fields a message may have; more: 554 5.4.6",
	  RANGE("1", "1000") },
	{ "queue_minfree", PARAM_SIZE, "0",
	  "free queue space needed to accept mail; 0: 1.5 x message_size_limit",
	  RANGE("0", "1048576g") },
	{ "smtpd_expn_enable", PARAM_BOOL, "no",
	  "answer EXPN with the targets of local aliases" },
	{ "smtpd_tls_wrappermode", PARAM_BOOL, "no",
	  "TLS from the first byte (smtps, port 465)" },
	{ "smtpd_sasl_auth_enable", PARAM_BOOL, "yes",
	  "offer AUTH PLAIN LOGIN (as auth_plaintext allows)" },
	{ "smtpd_require_auth", PARAM_BOOL, "no",
	  "MAIL only after AUTH, even from mynetworks (submission)" },
	{ "smtpd_sender_login_match", PARAM_BOOL, "no",
	  "MAIL FROM must be the login or an alias of it (submission)" },
	{ "smtpd_add_missing_headers", PARAM_BOOL, "no",
	  "add Date and Message-ID when a message lacks them (submission)" },
	{ "smtpd_local_submit", PARAM_BOOL, "no",
	  "local submission over a UNIX socket, sender's uid recorded (submit)" },
	{ "smtpd_sasl_authenticated_header", PARAM_BOOL, "no",
	  "name the authenticated user in the Received header" },
	/* Limits per client address, counted by anvil(8). */
	{ "smtpd_client_connection_count_limit", PARAM_INT, "50",
	  "most connections one client address has open to a service; 0: no limit",
	  RANGE("0", "1000000") },
	{ "smtpd_client_connection_rate_limit", PARAM_INT, "0",
	  "most connections from one address per anvil_rate_time_unit; 0: no limit",
	  RANGE("0", "1000000") },
	{ "smtpd_client_event_limit_exceptions", PARAM_LIST, "$mynetworks",
	  "client networks the connection count and rate limits do not apply to" },
	{ "smtpd_junk_command_limit", PARAM_INT, "100",
	  "NOOP, RSET, VRFY, EXPN and HELP commands per message; 0: no limit",
	  RANGE("0", "1000000") },

	/* POP3 server (pop3d(8)): a login and a session program, architecture §2. */
	{ "pop3d_tls_wrappermode", PARAM_BOOL, "no",
	  "TLS from the first byte (pop3s, port 995)" },
	{ "pop3d_idle_timeout", PARAM_TIME, "10m",
	  "how long pop3d waits for a client command (RFC 1939 autologout)",
	  RANGE("1s", "1d") },
	{ "pop3d_login_failures", PARAM_INT, "3",
	  "failed logins after which pop3d closes the connection",
	  RANGE("1", "1000") },
	{ "pop3d_session_socket", PARAM_STR, "pop3-session",
	  "UNIX service (in private/) of the POP3 session role" },
	{ "pop3d_apop", PARAM_BOOL, "no",
	  "offer APOP: an RFC 1939 timestamp in the greeting" },
	{ "pop3d_client_connection_count_limit", PARAM_INT, "20",
	  "most connections one client address has open to a service; 0: no limit",
	  RANGE("0", "1000000") },
	{ "pop3d_client_connection_rate_limit", PARAM_INT, "0",
	  "most connections from one address per anvil_rate_time_unit; 0: no limit",
	  RANGE("0", "1000000") },
	{ "pop3d_client_event_limit_exceptions", PARAM_LIST,
	  "$smtpd_client_event_limit_exceptions",
	  "client networks the POP3 connection limits do not apply to" },
	{ "pop3d_junk_command_limit", PARAM_INT, "100",
	  "CAPA, NOOP, RSET after which pop3d disconnects; 0: no limit",
	  RANGE("0", "1000000") },
	{ "pop3d_tls_cert_file", PARAM_STR, "$smtpd_tls_cert_file",
	  "certificate (PEM chain) of STLS and pop3s" },
	{ "pop3d_tls_key_file", PARAM_STR, "$smtpd_tls_key_file",
	  "private key of STLS and pop3s" },
	/* IMAP server (imapd(8)): a login and a session program, architecture §2. */
	{ "imapd_tls_wrappermode", PARAM_BOOL, "no",
	  "TLS from the first byte (imaps, port 993)" },
	{ "imapd_idle_timeout", PARAM_TIME, "30m",
	  "how long imapd waits for a client command, IDLE included (RFC 3501 §5.4)",
	  RANGE("1s", "1d") },
	{ "imapd_max_line_length", PARAM_INT, "65536",
	  "longest IMAP command line, literals apart",
	  RANGE("1024", "1048576") },
	{ "imapd_literal_minus", PARAM_BOOL, "no",
	  "offer LITERAL- (non-synchronizing literals up to 4096 octets) instead of LITERAL+" },
	{ "imapd_login_failures", PARAM_INT, "3",
	  "failed logins after which imapd closes the connection",
	  RANGE("1", "1000") },
	{ "imapd_session_socket", PARAM_STR, "imap-session",
	  "UNIX service (in private/) of the IMAP session role" },
	{ "imapd_client_connection_count_limit", PARAM_INT, "20",
	  "most connections one client address has open to an IMAP service; 0: no limit",
	  RANGE("0", "1000000") },
	{ "imapd_client_connection_rate_limit", PARAM_INT, "0",
	  "most IMAP connections from one address per anvil_rate_time_unit; 0: no limit",
	  RANGE("0", "1000000") },
	{ "imapd_client_event_limit_exceptions", PARAM_LIST,
	  "$smtpd_client_event_limit_exceptions",
	  "client networks the IMAP connection limits do not apply to" },
	{ "imapd_user_session_limit", PARAM_INT, "20",
	  "most IMAP sessions one user has open at once, over every address; 0: no limit",
	  RANGE("0", "100000") },
	{ "imapd_junk_command_limit", PARAM_INT, "1000",
	  "NOOP, CAPABILITY, CHECK and bad commands in a row after which imapd disconnects; 0: no limit",
	  RANGE("0", "1000000") },
	{ "imapd_tls_cert_file", PARAM_STR, "$smtpd_tls_cert_file",
	  "certificate (PEM chain) of STARTTLS and imaps" },
	{ "imapd_tls_key_file", PARAM_STR, "$smtpd_tls_key_file",
	  "private key of STARTTLS and imaps" },
	/* The login roles of POP3 and IMAP (architecture §2). */
	{ "login_client_limit", PARAM_INT, "100",
	  "clients one login process serves at once, TLS relays included; "
	  "1: one process per client",
	  RANGE("1", "100000") },
	{ "login_timeout", PARAM_TIME, "3m",
	  "time a client has from its connection to log in; then it is "
	  "disconnected, however busy",
	  RANGE("1s", "1d") },
	/* Where the chrooted login roles find their sockets (master(8)). */
	{ "login_directory", PARAM_STR, "$queue_directory/login",
	  "chroot of the POP3/IMAP login roles, holding links to their sockets" },
	{ "login_sockets", PARAM_LIST, "auth anvil pop3-session imap-session",
	  "unix services master links into login_directory" },

	/* Queue manager (architecture §4). */
	{ "minimal_backoff_time", PARAM_TIME, "300s",
	  "first retry delay of a deferred message",
	  RANGE("1s", "1w") },
	{ "maximal_backoff_time", PARAM_TIME, "4000s",
	  "longest retry delay of a deferred message",
	  RANGE("1s", "1w") },
	{ "delay_warning_time", PARAM_TIME, "4h",
	  "age at which the sender is warned of a delay; 0: never",
	  RANGE("0", "100d") },
	{ "maximal_queue_lifetime", PARAM_TIME, "5d",
	  "age at which an undeliverable message is bounced",
	  RANGE("0", "100d") },
	{ "queue_run_delay", PARAM_TIME, "300s",
	  "how often qmgr scans incoming/ and deferred/ for work",
	  RANGE("1s", "1d") },
	{ "qmgr_message_active_limit", PARAM_INT, "1000",
	  "most messages qmgr keeps in active/ at once",
	  RANGE("1", "1000000") },
	{ "qmgr_delivery_timeout", PARAM_TIME, "1000s",
	  "longest wait for a delivery agent's answer to one request",
	  RANGE("1s", "1d") },
	{ "local_destination_concurrency_limit", PARAM_INT, "20",
	  "most parallel delivery requests qmgr sends to local",
	  RANGE("1", "100000") },
	{ "local_destination_recipient_limit", PARAM_INT, "50",
	  "most recipients of one message in one request to local",
	  RANGE("1", "338") },
	{ "bounce_size_limit", PARAM_SIZE, "50000",
	  "largest original message returned whole in a bounce",
	  RANGE("0", "1024g") },
	{ "pickup_interval", PARAM_TIME, "60s",
	  "how often pickup looks for messages in the maildrop",
	  RANGE("1s", "1d") },
	{ "pickup_retry_lifetime", PARAM_TIME, "1d",
	  "how long pickup retries a maildrop message smtpd refuses for now",
	  RANGE("0", "100d") },

	/* Outbound SMTP: qmgr's scheduling of smtp-out (qmgr(8)). */
	{ "smtp_destination_concurrency_limit", PARAM_INT, "20",
	  "most parallel deliveries qmgr sends to one remote destination",
	  RANGE("1", "10000") },
	{ "smtp_initial_destination_concurrency", PARAM_INT, "5",
	  "parallel deliveries to a destination before one has succeeded",
	  RANGE("1", "10000") },
	{ "smtp_destination_recipient_limit", PARAM_INT, "50",
	  "most recipients of one message in one request to smtp-out",
	  RANGE("1", "200") },
	{ "smtp_destination_rate_delay", PARAM_TIME, "0",
	  "pause between deliveries to one destination; 0: none",
	  RANGE("0", "1h") },
	{ "smtp_destination_probe_time", PARAM_TIME, "60s",
	  "wait for a new destination's first answer before its queue is deferred",
	  RANGE("1s", "1h") },
	{ "smtp_process_limit", PARAM_INT, "100",
	  "most delivery requests qmgr has in flight to smtp-out at once",
	  RANGE("1", "100000") },
	/* The SMTP client, smtp-out(8); the timeouts are Postfix's. */
	{ "smtp_helo_name", PARAM_STR, "$myhostname",
	  "name smtp-out sends with EHLO and HELO" },
	{ "smtp_connect_timeout", PARAM_TIME, "30s",
	  "longest wait for a TCP connection to a server",
	  RANGE("1s", "1h") },
	{ "smtp_helo_timeout", PARAM_TIME, "300s",
	  "longest wait for the greeting and for the reply to EHLO or HELO",
	  RANGE("1s", "1h") },
	{ "smtp_starttls_timeout", PARAM_TIME, "300s",
	  "longest wait for the reply to STARTTLS and for the handshake",
	  RANGE("1s", "1h") },
	{ "smtp_mail_timeout", PARAM_TIME, "300s",
	  "longest wait for the reply to MAIL FROM (and to AUTH)",
	  RANGE("1s", "1h") },
	{ "smtp_rcpt_timeout", PARAM_TIME, "300s",
	  "longest wait for the reply to RCPT TO",
	  RANGE("1s", "1h") },
	{ "smtp_data_init_timeout", PARAM_TIME, "120s",
	  "longest wait for the reply to DATA",
	  RANGE("1s", "1h") },
	{ "smtp_data_xfer_timeout", PARAM_TIME, "180s",
	  "longest stall while sending the message content",
	  RANGE("1s", "1h") },
	{ "smtp_data_done_timeout", PARAM_TIME, "600s",
	  "longest wait for the reply after the message content",
	  RANGE("1s", "1h") },
	{ "smtp_rset_timeout", PARAM_TIME, "20s",
	  "longest wait for the reply to RSET",
	  RANGE("1s", "1h") },
	{ "smtp_quit_timeout", PARAM_TIME, "300s",
	  "longest wait for the reply to QUIT",
	  RANGE("1s", "1h") },
	{ "smtp_bdat_chunk_size", PARAM_SIZE, "1m",
	  "octets of message content in one BDAT command",
	  RANGE("1k", "1g") },
	{ "smtp_tls_security_level", PARAM_ENUM, "may",
	  "TLS to servers: none, may, encrypt or verify",
	  ONE_OF(smtp_tls_level_words) },
	{ "smtp_tls_CAfile", PARAM_STR, "",
	  "PEM file of the CAs that verify servers; empty: the system's" },
	{ "smtp_tls_policy_maps", PARAM_LIST, "$config_directory/tls_policy",
	  "files of per-destination TLS levels, each compiled into FILE.db" },
	{ "smtp_connection_cache_time_limit", PARAM_TIME, "2s",
	  "how long an idle session is kept for the next message; 0: never",
	  RANGE("0", "1h") },
	{ "smtp_connection_reuse_count_limit", PARAM_INT, "100",
	  "most messages one session carries; 0: no limit",
	  RANGE("0", "1000000") },
	{ "smtp_connection_reuse_time_limit", PARAM_TIME, "300s",
	  "age after which a session is not used for another message",
	  RANGE("1s", "1d") },

	/* Addresses, users and mailboxes (architecture §3). */
	{ "recipient_delimiter", PARAM_STR, "+",
	  "separator of user and extension in local parts" },
	{ "alias_maps", PARAM_LIST, "$config_directory/aliases",
	  "alias files, each compiled into FILE.db" },
	{ "dkim_key_directory", PARAM_STR, "$config_directory/dkim",
	  "DKIM private keys, DOMAIN/SELECTOR.key, dkim_owner's alone" },
	{ "dkim_sign_timeout", PARAM_TIME, "10s",
	  "longest wait of smtpd for the dkim-sign service's signatures",
	  RANGE("1s", "10m") },
	{ "user_database", PARAM_STR, "$config_directory/users",
	  "virtual users file, compiled into FILE.db" },
	{ "system_accounts", PARAM_BOOL, "no",
	  "also deliver to system accounts in ~/Maildir" },
	{ "auth_plaintext", PARAM_ENUM, "loopback",
	  "plaintext passwords outside TLS: never, loopback or always",
	  ONE_OF(auth_plaintext_words) },

	/* The auth service (auth(8)). */
	{ "auth_address_wait_limit", PARAM_INT, "10",
	  "verifications from one client address that may wait at once; "
	  "0: no limit",
	  RANGE("0", "100000") },
	{ "auth_failure_delay", PARAM_TIME, "1s",
	  "delay of the first failed login's reply; doubles per failure",
	  RANGE("0", "1h") },
	{ "auth_failure_delay_max", PARAM_TIME, "8s",
	  "longest delay of a failed login's reply",
	  RANGE("0", "1h") },
	{ "auth_failure_limit", PARAM_INT, "10",
	  "failures after which a client address is refused; 0: no limit",
	  RANGE("0", "1000000") },
	{ "auth_failure_window", PARAM_TIME, "10m",
	  "how long auth remembers a client address's last failure",
	  RANGE("1s", "1w") },
	{ "auth_failure_table_size", PARAM_INT, "10000",
	  "client addresses, and address-user pairs, auth remembers at most",
	  RANGE("1", "10000000") },
	{ "auth_failure_user_limit", PARAM_INT, "20",
	  "failures at a user that lock it out where it failed; 0: no limit",
	  RANGE("0", "1000000") },
	{ "auth_failure_user_window", PARAM_TIME, "5m",
	  "how long auth remembers a user's last failure; bounds its lockout",
	  RANGE("1s", "1w") },
	{ "auth_failure_user_table_size", PARAM_INT, "10000",
	  "user names whose failures auth remembers at most",
	  RANGE("1", "10000000") },
	{ "auth_token_ttl", PARAM_TIME, "30s",
	  "lifetime of a one-time session token",
	  RANGE("1s", "1h") },
	{ "auth_token_limit", PARAM_INT, "10000",
	  "most session tokens outstanding at once",
	  RANGE("1", "10000000") },
	{ "auth_max_clients", PARAM_INT, "500",
	  "most connections the auth process serves at once",
	  RANGE("1", "100000") },
	{ "auth_process_failure_limit", PARAM_INT, "50",
	  "failed logins one smtpd or login process may cause in "
	  "auth_process_failure_window",
	  RANGE("0", "1000000") },
	{ "auth_process_failure_window", PARAM_TIME, "1m",
	  "the window of auth_process_failure_limit",
	  RANGE("1s", "1d") },
	{ "auth_reserved_clients", PARAM_INT, "50",
	  "auth connections kept from smtpd and login processes",
	  RANGE("0", "100000") },
	{ "auth_idle_timeout", PARAM_TIME, "300s",
	  "auth closes a connection without a request for this long",
	  RANGE("1s", "1d") },

	/* The anvil service (anvil(8)). */
	{ "anvil_rate_time_unit", PARAM_TIME, "60s",
	  "time unit of the connection rate limits",
	  RANGE("1s", "1d") },
	{ "anvil_table_size", PARAM_INT, "50000",
	  "pairs of service and client address anvil keeps counts of at most",
	  RANGE("1", "10000000") },
	{ "anvil_max_clients", PARAM_INT, "1000",
	  "most server connections the anvil process serves at once",
	  RANGE("1", "100000") },

	{ NULL, PARAM_STR, NULL, NULL },
};
#pragma GCC diagnostic pop

const param_relation_t config_relations[] = {
	{ "auth_reserved_clients", "auth_max_clients",
	  "the reserved connections are a part of all auth serves" },
	{ "auth_failure_delay_max", "ipc_timeout",
	  "a failed login's delayed reply must reach its client before "
	  "the client's deadline" },
	{ NULL, NULL, NULL },
};
