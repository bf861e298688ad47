/* mailctl.c - the administrator's tool: options, dispatch, usage.
 *
 * `mailctl [-c DIR] COMMAND [ARGS]`: DIR is the configuration directory
 * (main.conf, master.conf, users, aliases), from -c, else $TERN_CONFIG,
 * else the installed one.  Each command group lives in its own file.
 * Messages for the administrator go to stderr and, once main.conf is read,
 * also to the suite's log (wherever maillog.h says every program logs) when
 * this user may write it, so that starts, stops and user changes are on
 * record beside what the daemons log.
 *
 * SECURITY: mailctl runs with the privileges of whoever calls it; it trusts
 * its configuration directory, which only root should be able to change in
 * an installed system.  It parses no network input.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_send.h"
#include "maillog.h"
#include "mem.h"

static const char *mailctl_config_dir;

static const struct mailctl_command {
	const char *name;
	int (*run)(int argc, char **argv);
	int needs_config;	/* main.conf is read before run() */
} mailctl_commands[] = {
	{ "init", mailctl_cmd_init, 0 },
	{ "setup", mailctl_cmd_setup, 1 },
	{ "start", mailctl_cmd_start, 1 },
	{ "stop", mailctl_cmd_stop, 1 },
	{ "reload", mailctl_cmd_reload, 1 },
	{ "status", mailctl_cmd_status, 1 },
	{ "config", mailctl_cmd_config, 1 },
	{ "check", mailctl_cmd_check, 1 },
	{ "user", mailctl_cmd_user, 1 },
	{ "alias", mailctl_cmd_alias, 1 },
	{ "newaliases", mailctl_cmd_newaliases, 1 },
	{ "send", mailctl_cmd_send, 1 },
	{ "queue", mailctl_cmd_queue, 1 },
	{ "route", mailctl_cmd_route, 1 },
	{ "transport", mailctl_cmd_transport, 1 },
	{ "tls-policy", mailctl_cmd_tls_policy, 1 },
	{ "relay-auth", mailctl_cmd_relay_auth, 1 },
	{ "dkim", mailctl_cmd_dkim, 1 },
	{ NULL, NULL, 0 },
};

static const char mailctl_usage_text[] =
	"usage: mailctl [-c DIR] COMMAND [ARGS]\n"
	"  init DIR [--port-base N] [--domain D]  create an instance in DIR\n"
	"  setup                         make what an installation needs and\n"
	"                                lacks (users, directories, TLS pair)\n"
	"  start [-f]                    start master (-f: in the foreground)\n"
	"  stop                          stop master and every service\n"
	"  reload                        re-read the configuration\n"
	"  status [-v]                   master and its services (-v: and the\n"
	"                                connections per client address)\n"
	"  config [-n] [-v] [NAME...]    effective parameter values\n"
	"  check                         configuration, files and permissions\n"
	"  user list [ADDR]              virtual users\n"
	"  user add ADDR [--password-stdin] [--no-postmaster]\n"
	"  user passwd ADDR [--password-stdin]\n"
	"  user apop ADDR [--password-stdin | --remove]\n"
	"  user del ADDR\n"
	"  alias list [NAME]             aliases\n"
	"  alias add NAME TARGET...\n"
	"  alias del NAME [TARGET...]\n"
	"  newaliases                    compile the alias files\n"
	"  send [-ti] [-f FROM] [RCPT...] submit the message on stdin\n"
	"  queue list                    the mail queue, like mailq\n"
	"  queue show ID                 a message's envelope and header\n"
	"  queue delete|hold|release ID|ALL\n"
	"  queue flush|reindex           retry deferred mail; rebuild the index\n"
	"  route DOMAIN                  the hosts and addresses mail for DOMAIN\n"
	"                                goes to, in order (by DNS)\n"
	"  transport list                routes of transport_maps\n"
	"  transport add DOMAIN ROUTE    DOMAIN or .DOMAIN; ROUTE smtp:[host]:port,\n"
	"                                smtp:host:port, smtp:, local, error:TEXT\n"
	"  transport del DOMAIN\n"
	"  transport lookup DOMAIN       the route transport_maps gives DOMAIN\n"
	"  transport compile             compile transport_maps after edits\n"
	"  tls-policy list               TLS levels per destination (smtp-out)\n"
	"  tls-policy add NEXTHOP LEVEL  NEXTHOP as in transport(5), or .DOMAIN;\n"
	"                                LEVEL none, may, encrypt or verify\n"
	"  tls-policy del NEXTHOP\n"
	"  relay-auth list               relay hosts and users (no passwords)\n"
	"  relay-auth add NEXTHOP USER [--password-stdin]\n"
	"  relay-auth del NEXTHOP\n"
	"  relay-auth compile            compile smtp_sasl_password_maps\n"
	"  dkim keygen DOMAIN [SELECTOR] [--algorithm rsa|ed25519] [--bits N]\n"
	"                                make a DKIM key, print its DNS record\n"
	"  dkim list                     DKIM keys: domain, selector, algorithm\n"
	"  dkim show DOMAIN              the DNS records of DOMAIN's keys\n"
	"DIR defaults to $TERN_CONFIG, then " TERN_SYSCONFDIR ".\n";

void mailctl_usage_error(const char *fmt, ...)
{
	buf_t msg = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	log_error("%s", buf_str(&msg));
	buf_release(&msg);
	fputs(mailctl_usage_text, stderr);
	exit(MAILCTL_USAGE);
}

int mailctl_getopt(int argc, char **argv, const char *opts,
		   const struct option *longopts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c == '?') {
		if (optopt != 0)
			mailctl_usage_error("%s: bad option or missing value: -%c",
					    argv[0], optopt);
		mailctl_usage_error("%s: bad option: %s", argv[0],
				    argv[optind - 1]);
	}
	if (c == ':')
		mailctl_usage_error("%s: option -%c needs a value", argv[0], optopt);
	return c;
}

const char *mailctl_dir(void)
{
	return mailctl_config_dir;
}

void mailctl_load_config(void)
{
	char *err = NULL;

	if (config_load(mailctl_config_dir, &err) < 0)
		log_fatal("%s", err);
	/* A log file this user may not write: stderr alone says it. */
	maillog_setup(MAILLOG_QUIET);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct mailctl_command *cmd;
	const char *name;
	int c;

	log_init("mailctl");
	log_set_dest(LOG_DEST_SYSLOG, NULL);
	log_also_stderr(LOG_SEV_INFO);
	/* Files mailctl creates are private unless a caller widens them. */
	umask(077);

	mailctl_config_dir = getenv("TERN_CONFIG");
	if (mailctl_config_dir == NULL || *mailctl_config_dir == '\0')
		mailctl_config_dir = TERN_SYSCONFDIR;
	/* Installed as sendmail, mailq and newaliases too: under those names
	 * it is `mailctl send` with sendmail's options, and its -bp and -bi
	 * (mailctl_sendmail.c). */
	name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (strcmp(name, "sendmail") == 0) {
		mailctl_load_config();
		return mailctl_cmd_send(argc, argv);
	}
	if (strcmp(name, "mailq") == 0 || strcmp(name, "newaliases") == 0) {
		mailctl_load_config();
		return mailctl_sendmail_mode(name[0] == 'm' ? 'p' : 'i');
	}

	/* Global options end at the command name ("+"). */
	while ((c = mailctl_getopt(argc, argv, "+c:h", longopts)) != -1) {
		switch (c) {
		case 'c':
			mailctl_config_dir = optarg;
			break;
		case 'h':
			fputs(mailctl_usage_text, stdout);
			return MAILCTL_OK;
		}
	}
	if (optind >= argc)
		mailctl_usage_error("no command given");
	for (cmd = mailctl_commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (cmd->name == NULL)
		mailctl_usage_error("unknown command \"%s\"", argv[optind]);
	if (cmd->needs_config)
		mailctl_load_config();
	argc -= optind;
	argv += optind;
	/* Each command parses its own options from a fresh getopt state. */
	optind = 0;
	return cmd->run(argc, argv);
}
