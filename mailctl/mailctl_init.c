/* mailctl_init.c - `mailctl init DIR`: a self-contained instance.
 *
 * One directory holds everything an instance needs: main.conf pointing the
 * queue, the mailboxes and the log inside DIR, master.conf with the service
 * table on ports offset by a port base (so several instances and a real
 * installation can live on one machine), the users and aliases maps, a
 * self-signed TLS pair, and the queue, mail and log directories.  Its
 * outbound mail is confined to the machine: dns_nameservers names a
 * loopback port where no nameserver answers, until main.conf says else.
 *
 * main.conf is written last: a DIR holding a main.conf is a finished
 * instance, which init refuses to touch, while an init that failed half way
 * can simply be run again.  Run as root, init creates the system users of
 * architecture §2 and gives each file the owner and mode its role needs (see the
 * table in mailctl(8) and tern(7)).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"
#include "users.h"

#define MAILCTL_PORT_BASE_DEFAULT 10000
/* The nameserver of an instance, where no answer comes: tests and demos
 * never ask the system's resolver, which could send them off loopback
 * (issue 13).  Port 9 is discard: nothing listens there, and a discard
 * service that does never answers either. */
#define MAILCTL_INIT_NAMESERVER "127.0.0.1:9"
/* The highest standard port used is 995 (pop3s). */
#define MAILCTL_PORT_BASE_MAX (65535 - 995)

struct mailctl_init {
	char *dir;		/* absolute */
	long port_base;
	const char *domain;	/* NULL: localhost */
	mailctl_ids_t ids;
	buf_t daemon_dir;
};

/* An instance made from a build tree runs the programs built beside this
 * mailctl; an installed mailctl uses the installed ones. */
static void mailctl_init_daemon_dir(buf_t *out)
{
	char self[PATH_MAX], *slash, *master;
	ssize_t n;

	buf_set(out, TERN_LIBEXECDIR);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return;
	*slash = '\0';
	master = mem_printf("%s/master", self);
	if (access(master, X_OK) == 0)
		buf_set(out, self);
	mem_free(master);
}

static void mailctl_init_mainconf(const struct mailctl_init *in, buf_t *out)
{
	const char *d = in->dir;
	long pb = in->port_base;

	buf_printf(out,
		"# main.conf - the tern instance in %s, made by `mailctl init`.\n"
		"# Every parameter is described in main.conf(5); the effective\n"
		"# values are shown by `mailctl -c %s config`.\n"
		"#\n"
		"# Port base %ld: the services of master.conf listen on 127.0.0.1 at\n"
		"# %ld + the standard port: smtp %ld, submission %ld, smtps %ld,\n"
		"# pop3 %ld, pop3s %ld, imap %ld, imaps %ld.\n"
		"\n"
		"queue_directory = %s/queue\n"
		"mail_directory = %s/mail\n"
		"daemon_directory = %s\n"
		"maillog_file = %s/log/maillog\n"
		"\n"
		"inet_interfaces = 127.0.0.1\n"
		"\n"
		"# Outbound mail stays on this machine: the only nameserver asked\n"
		"# is the discard port of loopback, where none answers, so mail\n"
		"# for remote domains waits in the queue.  Name your own\n"
		"# nameservers (or a relayhost) here to send it out.\n"
		"dns_nameservers = %s\n",
		d, d, pb, pb, pb + 25, pb + 587, pb + 465, pb + 110, pb + 995,
		pb + 143, pb + 993, d, d, buf_str(&in->daemon_dir), d,
		MAILCTL_INIT_NAMESERVER);
	if (in->domain != NULL)
		buf_printf(out, "mydomain = %s\n", in->domain);
	if (in->domain != NULL && strcasecmp(in->domain, "localhost") != 0)
		buf_printf(out, "mydestination = %s, $myhostname, localhost\n",
			   in->domain);
	else
		buf_puts(out, "mydestination = localhost, $myhostname\n");
	buf_puts(out,
		"\n"
		"smtpd_tls_cert_file = $config_directory/tls/cert.pem\n"
		"smtpd_tls_key_file = $config_directory/tls/key.pem\n");
}

/* The services of a complete suite.  A line is enabled only when its
 * program is in daemon_directory: nothing may pretend to serve a protocol
 * that is not implemented.  What sets the SMTP services apart are their
 * -o overrides (smtpd(8)), never the port. */
static const struct mailctl_init_service {
	const char *name;
	int port;		/* standard port; 0: a unix service */
	const char *cols;	/* private unpriv chroot maxproc */
	const char *program;
	const char *options;	/* -o overrides, or "" */
} mailctl_init_services[] = {
	{ "smtp", 25, "n       -       n       -", "smtpd", "" },
	{ "submission", 587, "n       -       n       -", "smtpd",
	  "-o smtpd_require_auth=yes -o smtpd_sender_login_match=yes\n"
	  "\t-o smtpd_add_missing_headers=yes" },
	{ "smtps", 465, "n       -       n       -", "smtpd",
	  "-o smtpd_tls_wrappermode=yes -o smtpd_require_auth=yes\n"
	  "\t-o smtpd_sender_login_match=yes -o smtpd_add_missing_headers=yes" },
	{ "submit", 0, "n       -       n       -", "smtpd",
	  "-o smtpd_local_submit=yes" },
	/* POP3: chrooted login processes, the session program behind them. */
	{ "pop3", 110, "n       -       y       -", "pop3d", "" },
	{ "pop3s", 995, "n       -       y       -", "pop3d",
	  "-o pop3d_tls_wrappermode=yes" },
	{ "pop3-session", 0, "-       -       n       -", "pop3d-session", "" },
	/* IMAP: the same split as POP3. */
	{ "imap", 143, "n       -       y       -", "imapd", "" },
	{ "imaps", 993, "n       -       y       -", "imapd",
	  "-o imapd_tls_wrappermode=yes" },
	{ "imap-session", 0, "-       -       n       -", "imapd-session", "" },
	{ "auth", 0, "-       -       n       1", "auth",
	  "-o max_use=0 -o max_idle=0" },
	/* Connection counts per client address for smtpd, pop3d and imapd. */
	{ "anvil", 0, "-       -       n       1", "anvil",
	  "-o max_use=0 -o max_idle=0" },
	{ "qmgr", 0, "-       -       n       1", "qmgr", "" },
	/* Messages sendmail kept while tern was stopped (pickup(8)). */
	{ "pickup", 0, "-       -       n       1", "pickup", "" },
	{ "local", 0, "-       n       n       -", "local", "" },
	{ "smtp-out", 0, "-       -       y       -", "smtp-out", "" },
	/* DKIM signatures for smtpd; the only reader of the keys. */
	{ "dkim-sign", 0, "-       -       n       -", "dkim-sign", "" },
	{ NULL, 0, NULL, NULL, NULL },
};

static void mailctl_init_masterconf(const struct mailctl_init *in, buf_t *out)
{
	const struct mailctl_init_service *sv;
	char *field;

	buf_printf(out,
		"# master.conf - the services master runs; see master.conf(5).\n"
		"#\n"
		"# One service per line; a line starting with white space continues\n"
		"# the previous one.  Columns:\n"
		"#   service  inet: NAME:PORT, on every address of inet_interfaces;\n"
		"#            unix: NAME, the socket queue_directory/private/NAME\n"
		"#            (private y) or queue_directory/public/NAME (private n)\n"
		"#   type     inet or unix\n"
		"#   private  y or n (- : y)\n"
		"#   unpriv   y or n (- : y); n runs as root (local delivery only)\n"
		"#   chroot   y or n (- : n)\n"
		"#   maxproc  most processes (- : default_process_limit)\n"
		"#   command  a program in daemon_directory, then -o name=value\n"
		"#            overrides of main.conf, then its arguments\n"
		"#\n"
		"# Port base %ld.  A service is commented out when its program is\n"
		"# not in daemon_directory: nothing here may pretend to serve a\n"
		"# protocol that is not implemented.\n"
		"#\n"
		"#service          type  private unpriv  chroot  maxproc command\n",
		in->port_base);
	for (sv = mailctl_init_services; sv->name != NULL; sv++) {
		char *prog = mem_printf("%s/%s", buf_str(&in->daemon_dir), sv->program);
		const char *off = access(prog, X_OK) == 0 ? "" : "#";
		buf_t opts = BUF_INIT;

		field = sv->port ? mem_printf("%s:%ld", sv->name,
					       in->port_base + sv->port) :
			mem_strdup(sv->name);
		/* continuation lines of a disabled service are commented too */
		for (const char *o = sv->options; *o; o++) {
			buf_putc(&opts, *o);
			if (*o == '\n')
				buf_puts(&opts, off);
		}
		buf_printf(out, "%s%-16s %s  %s  %s%s%s\n", off, field,
			   sv->port ? "inet" : "unix", sv->cols, sv->program,
			   *sv->options ? " " : "", buf_str(&opts));
		buf_release(&opts);
		mem_free(field);
		mem_free(prog);
	}
}

/* The instance is only as reachable as the directories above it: a DIR
 * under a private home or a mode 0700 temporary directory shuts the roles
 * out, which the administrator should hear now rather than at start. */
static void mailctl_init_warn_reach(void)
{
	mailctl_check_t c = { BUF_INIT, BUF_INIT };

	mailctl_check_roles(&c);
	buf_puts(&c.warnings, buf_str(&c.errors));
	for (char *p = c.warnings.data, *nl; p != NULL && *p; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		log_warn("%s", p);
	}
	buf_release(&c.warnings);
	buf_release(&c.errors);
}

static void mailctl_init_args(int argc, char **argv, struct mailctl_init *in)
{
	static const struct option longopts[] = {
		{ "port-base", required_argument, NULL, 'p' },
		{ "domain", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *why;
	char *end, *addr;
	int c;

	in->port_base = MAILCTL_PORT_BASE_DEFAULT;
	while ((c = mailctl_getopt(argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			in->port_base = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || in->port_base < 0 ||
			    in->port_base > MAILCTL_PORT_BASE_MAX)
				mailctl_usage_error("init: --port-base must be 0..%d",
						    MAILCTL_PORT_BASE_MAX);
			break;
		case 'd':
			addr = mem_printf("postmaster@%s", optarg);
			if (users_address_check(addr, &why) < 0)
				mailctl_usage_error("init: bad --domain \"%s\": %s",
						    optarg, why);
			mem_free(addr);
			in->domain = optarg;
			break;
		}
	}
	if (optind != argc - 1)
		mailctl_usage_error("init: give one directory");
	if (strpbrk(argv[optind], "$\n\r\t") != NULL)
		mailctl_usage_error("init: the directory name may not hold '$' or control characters");
}

int mailctl_cmd_init(int argc, char **argv)
{
	struct mailctl_init in;
	buf_t mainconf = BUF_INIT, masterconf = BUF_INIT;
	char *main_path, *master_path, *err = NULL;
	struct stat st;

	memset(&in, 0, sizeof(in));
	mailctl_init_args(argc, argv, &in);

	mailctl_setup_parents(argv[optind]);
	if (mkdir(argv[optind], 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %s", argv[optind], strerror(errno));
	in.dir = realpath(argv[optind], NULL);
	if (in.dir == NULL)
		log_fatal("%s: %s", argv[optind], strerror(errno));
	/* As root, never build on a directory a user made first: whatever
	 * they put in it would become the instance's. */
	if (geteuid() == 0 && (stat(in.dir, &st) < 0 || st.st_uid != 0))
		log_fatal("%s belongs to uid %ld: as root, init makes an instance "
			  "only in a directory of root's", in.dir,
			  (long) st.st_uid);
	main_path = mem_printf("%s/main.conf", in.dir);
	master_path = mem_printf("%s/master.conf", in.dir);
	if (lstat(main_path, &st) == 0)
		log_fatal("%s already holds a main.conf; not touching it", in.dir);

	mailctl_init_daemon_dir(&in.daemon_dir);
	mailctl_init_mainconf(&in, &mainconf);
	mailctl_init_masterconf(&in, &masterconf);
	/* Build everything from the configuration just written, so the files
	 * are where the daemons will look for them. */
	if (config_load_text(mainconf.data, mainconf.len, main_path, &err) < 0 ||
	    config_set("config_directory", in.dir, &err) < 0)
		log_panic("generated main.conf does not load: %s", err);

	mailctl_setup_ids(&in.ids);
	if (mailctl_dir_make(in.dir, 0755, 0, 0, &err) < 0)
		log_fatal("%s", err);
	mailctl_setup_topdir(in.dir);
	mailctl_setup_files(&in.ids);

	if (mailctl_file_replace(master_path, masterconf.data, masterconf.len,
				 0644, 0, 0, &err) < 0 ||
	    mailctl_file_replace(main_path, mainconf.data, mainconf.len,
				 0644, 0, 0, &err) < 0)
		log_fatal("%s", err);

	log_set_dest(LOG_DEST_FILE, config_str("maillog_file"));
	log_info("created instance %s (port base %ld%s)", in.dir, in.port_base,
		 geteuid() == 0 ? ", system users and ownership set" : "");
	if (geteuid() == 0)
		mailctl_init_warn_reach();
	printf("start it with: mailctl -c %s start\n", in.dir);

	mem_free(main_path);
	mem_free(master_path);
	free(in.dir);
	buf_release(&mainconf);
	buf_release(&masterconf);
	buf_release(&in.daemon_dir);
	return MAILCTL_OK;
}
