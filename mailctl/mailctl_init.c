/* mailctl_init.c - `mailctl init DIR`: a self-contained instance.
 *
 * One directory holds everything an instance needs: main.conf pointing the
 * queue, the mailboxes and the log inside DIR, master.conf with the service
 * table on ports offset by a port base (so several instances and a real
 * installation can live on one machine), the users and aliases maps, a
 * self-signed TLS pair, and the queue, mail and log directories.
 *
 * main.conf is written last: a DIR holding a main.conf is a finished
 * instance, which init refuses to touch, while an init that failed half way
 * can simply be run again.  Run as root, init creates the system users of
 * architecture §2 and gives each file the owner and mode its role needs (see the
 * table in mailctl(8) and tern(7)).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mem.h"
#include "tls.h"
#include "users.h"

#define MAILCTL_PORT_BASE_DEFAULT 10000
/* The highest standard port used is 995 (pop3s). */
#define MAILCTL_PORT_BASE_MAX (65535 - 995)
#define MAILCTL_CERT_DAYS 3650

struct mailctl_init {
	char *dir;		/* absolute */
	long port_base;
	const char *domain;	/* NULL: localhost */
	uid_t mail_uid, auth_uid, vmail_uid;
	gid_t mail_gid, auth_gid, vmail_gid;
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
		"inet_interfaces = 127.0.0.1\n",
		d, d, pb, pb, pb + 25, pb + 587, pb + 465, pb + 110, pb + 995,
		pb + 143, pb + 993, d, d, buf_str(&in->daemon_dir), d);
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
	{ "imap", 143, "n       -       n       -", "imapd", "" },
	{ "imaps", 993, "n       -       n       -", "imapd",
	  "-o imapd_tls_wrappermode=yes" },
	{ "auth", 0, "-       -       n       1", "auth",
	  "-o max_use=0 -o max_idle=0" },
	/* Connection counts per client address for smtpd and pop3d. */
	{ "anvil", 0, "-       -       n       1", "anvil",
	  "-o max_use=0 -o max_idle=0" },
	{ "qmgr", 0, "-       -       n       1", "qmgr", "" },
	/* Messages sendmail kept while tern was stopped (pickup(8)). */
	{ "pickup", 0, "-       -       n       1", "pickup", "" },
	{ "local", 0, "-       n       n       -", "local", "" },
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

static const char mailctl_init_aliases[] =
	"# aliases - mail for NAME goes to each TARGET; see mailctl(8).\n"
	"# Format (aliases(5) style): \"NAME: TARGET, TARGET\"; a line starting\n"
	"# with white space continues the previous one.  After editing by\n"
	"# hand, run `mailctl newaliases`.\n"
	"postmaster: root\n";

static const char mailctl_init_users[] =
	"# users - virtual users: \"ADDRESS HASH [APOP-SECRET]\" per line.\n"
	"# Edit with `mailctl user add|passwd|apop|del`; readable by auth_owner only.\n";

/* mkdir -p for DIR's parents; DIR itself is made with its final mode. */
static void mailctl_init_parents(const char *dir)
{
	char *p = mem_strdup(dir);

	for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			log_fatal("mkdir %s: %s", p, strerror(errno));
		*s = '/';
	}
	mem_free(p);
}

/*
 * Mark dir as the top of a directory hierarchy (chattr +T), so that ext4's
 * Orlov allocator spreads the directories made in it - the queue and the
 * mail directory - over different block groups, as /var/spool and /home
 * are.  In one group, every new Maildir file would be allocated past the
 * queue's recently deleted files, which ext4 skips one by one when it looks
 * for a free inode (for a minute or more, without a journal): a cost per
 * delivery that grows with the mail rate.  Best effort: file systems
 * without the flag ignore or refuse it, which changes nothing else.
 */
static void mailctl_init_topdir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int flags;

	if (fd < 0)
		return;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && !(flags & FS_TOPDIR_FL)) {
		flags |= FS_TOPDIR_FL;
		(void) ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
}

static void mailctl_init_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	char *err = NULL;

	if (mailctl_dir_make(path, mode, uid, gid, &err) < 0)
		log_fatal("%s", err);
}

static void mailctl_init_file(const char *path, const char *text, mode_t mode,
			      uid_t uid, gid_t gid)
{
	char *err = NULL;

	if (mailctl_file_replace(path, text, strlen(text), mode, uid, gid,
				 &err) < 0)
		log_fatal("%s", err);
}

/* The role ids when root (creating missing users); -1 otherwise, which the
 * file helpers take as "leave the owner alone". */
static void mailctl_init_ids(struct mailctl_init *in)
{
	buf_t problems = BUF_INIT;

	in->mail_uid = in->auth_uid = in->vmail_uid = (uid_t) -1;
	in->mail_gid = in->auth_gid = in->vmail_gid = (gid_t) -1;
	if (geteuid() != 0)
		return;
	if (mailctl_sysuser_create() < 0)
		log_fatal("cannot create the system users");
	mailctl_sysuser_check(&problems);
	if (problems.len > 0) {
		buf_chomp(&problems);
		log_fatal("%s", buf_str(&problems));
	}
	if (mailctl_sysuser_ids("mail_owner", &in->mail_uid, &in->mail_gid) < 0 ||
	    mailctl_sysuser_ids("auth_owner", &in->auth_uid, &in->auth_gid) < 0 ||
	    mailctl_sysuser_ids("vmail_owner", &in->vmail_uid, &in->vmail_gid) < 0)
		log_panic("system user vanished after the check");
	buf_release(&problems);
}

static void mailctl_init_log(const char *file)
{
	char *dir = mem_strdup(file), *slash = strrchr(dir, '/');
	int fd;

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mailctl_init_dir(dir, 0755, 0, 0);
	}
	/* The daemons open the log as root before dropping privileges, so a
	 * root-owned file serves them all. */
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		  0640);
	if (fd < 0 || fchmod(fd, 0640) < 0)
		log_fatal("%s: %s", file, strerror(errno));
	close(fd);
	mem_free(dir);
}

static void mailctl_init_tls(void)
{
	char *cert = mem_strdup(config_str("smtpd_tls_cert_file"));
	char *key = mem_strdup(config_str("smtpd_tls_key_file"));
	char *err = NULL;
	char *dir = mem_strdup(cert), *slash = strrchr(dir, '/');

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mailctl_init_dir(dir, 0755, 0, 0);
	}
	/* The key stays root's: daemons load it before the privilege drop. */
	if (tls_make_self_signed(cert, key, config_str("myhostname"),
				 MAILCTL_CERT_DAYS, &err) < 0)
		log_fatal("%s", err);
	mem_free(dir);
	mem_free(cert);
	mem_free(key);
}

/* The instance is only as reachable as the directories above it: a DIR
 * under a private home or a mode 0700 temporary directory shuts the roles
 * out, which the administrator should hear now rather than at start. */
static void mailctl_init_warn_reach(void)
{
	buf_t problems = BUF_INIT;

	mailctl_check_roles(&problems);
	for (char *p = problems.data, *nl; p != NULL && *p; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		log_warn("%s", p);
	}
	buf_release(&problems);
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
	char *main_path, *master_path, *err = NULL, *alias_file;
	char **aliases;
	struct stat st;

	memset(&in, 0, sizeof(in));
	mailctl_init_args(argc, argv, &in);

	mailctl_init_parents(argv[optind]);
	if (mkdir(argv[optind], 0755) < 0 && errno != EEXIST)
		log_fatal("mkdir %s: %s", argv[optind], strerror(errno));
	in.dir = realpath(argv[optind], NULL);
	if (in.dir == NULL)
		log_fatal("%s: %s", argv[optind], strerror(errno));
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

	mailctl_init_ids(&in);
	mailctl_init_dir(in.dir, 0755, 0, 0);
	mailctl_init_topdir(in.dir);
	/* Root's, like every place where roles meet; master gives mail_owner
	 * the subdirectories it writes (master_dirs.c). */
	mailctl_init_dir(config_str("queue_directory"), 0755, 0, 0);
	mailctl_init_dir(config_str("mail_directory"), 0750, in.vmail_uid,
			 in.vmail_gid);
	mailctl_init_log(config_str("maillog_file"));
	mailctl_init_tls();

	aliases = config_list("alias_maps");
	alias_file = mem_strdup(aliases[0] != NULL ? aliases[0] : "");
	config_list_free(&aliases);
	mailctl_init_file(alias_file, mailctl_init_aliases, 0644, 0, 0);
	mailctl_map_compile(alias_file, 1);
	mailctl_init_file(config_str("user_database"), mailctl_init_users,
			  0600, in.auth_uid, in.auth_gid);
	mailctl_map_compile(config_str("user_database"), 0);

	mailctl_init_file(master_path, buf_str(&masterconf), 0644, 0, 0);
	mailctl_init_file(main_path, buf_str(&mainconf), 0644, 0, 0);

	log_set_dest(LOG_DEST_FILE, config_str("maillog_file"));
	log_info("created instance %s (port base %ld%s)", in.dir, in.port_base,
		 geteuid() == 0 ? ", system users and ownership set" : "");
	if (geteuid() == 0)
		mailctl_init_warn_reach();
	printf("start it with: mailctl -c %s start\n", in.dir);

	mem_free(alias_file);
	mem_free(main_path);
	mem_free(master_path);
	free(in.dir);
	buf_release(&mainconf);
	buf_release(&masterconf);
	buf_release(&in.daemon_dir);
	return MAILCTL_OK;
}
