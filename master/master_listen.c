/* master_listen.c - binding the listeners of one service.
 *
 * master binds every listener itself, so children never need privilege to
 * bind (architecture §1).  inet services listen on each address of
 * inet_interfaces ("all" means every IPv4 and every IPv6 address); unix
 * services on queue_directory/private/NAME or public/NAME.  The sockets
 * are close-on-exec here; master_spawn.c clears that only in the child.
 *
 * The POP3/IMAP login roles are chrooted to login_directory, which holds
 * nothing but hard links to the sockets of the unix services named by
 * login_sockets (auth and the session services): master_login_links()
 * makes them after every bind, at start and on reload, and removes
 * everything else there.  A hard link to a socket reaches the same
 * listener, so a process in the chroot connects to "/auth".
 *
 * SECURITY: runs as root.  Everything happens relative to the directory
 * descriptors master_dirs.c opened and checked (private/, public/,
 * login_directory, all root's), never by resolving a path again.  Socket
 * files are born mode 0666 (a umask at bind) in a directory that cannot be
 * listed (private/ is 0711); each server checks the peer's uid against the
 * users allowed to use it (daemon_spec_t.peer_users), so a link in
 * login_directory grants nothing the socket does not; each client checks
 * that master made the socket (sock_connect_unix).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "master.h"
#include "sock.h"

#define MASTER_BACKLOG	128

static char *master_listen_path(const master_svc_def_t *def)
{
	return mem_printf("%s/%s/%s", master.queue_dir,
			  def->private_ ? "private" : "public", def->name);
}

static int master_listen_dirfd(const master_svc_def_t *def)
{
	return def->private_ ? master.private_fd : master.public_fd;
}

/* The addresses of an inet service, as sock_listen_inet() takes them. */
static char **master_listen_addrs(void)
{
	char **list = config_list("inet_interfaces");
	char **out = NULL;
	size_t n = 0;

	for (char **a = list; *a; a++) {
		const char *add[2] = { *a, NULL };

		if (strcmp(*a, "all") == 0) {
			add[0] = "*";
			add[1] = "[::]";
		}
		for (int k = 0; k < 2 && add[k]; k++) {
			out = mem_reallocarray(out, n + 2, sizeof(char *));
			out[n++] = mem_strdup(add[k]);
		}
	}
	config_list_free(&list);
	out = mem_reallocarray(out, n + 1, sizeof(char *));
	out[n] = NULL;
	return out;
}

static void master_listen_addrs_free(char **addrs)
{
	for (char **a = addrs; *a; a++)
		mem_free(*a);
	mem_free(addrs);
}

/* "[::1]:25" for IPv6, "127.0.0.1:25" otherwise; comma-separated, so the
 * list stays one word in `mailctl status`. */
static void master_listen_describe(buf_t *b, const char *addr, int port)
{
	if (b->len)
		buf_putc(b, ',');
	if (addr[0] != '[' && strchr(addr, ':') != NULL)
		buf_printf(b, "[%s]:%d", addr, port);
	else
		buf_printf(b, "%s:%d", addr, port);
}

char *master_listen_key(const master_svc_def_t *def)
{
	buf_t b = BUF_INIT;

	if (def->type == MASTER_UNIX) {
		char *path = master_listen_path(def);

		buf_printf(&b, "unix %s", path);
		mem_free(path);
	} else {
		char **addrs = master_listen_addrs();

		buf_puts(&b, "inet");
		for (char **a = addrs; *a; a++)
			buf_printf(&b, " %s", *a);
		buf_printf(&b, " port %d", def->port);
		master_listen_addrs_free(addrs);
	}
	return buf_steal(&b);
}

static void master_listen_add(master_service_t *s, int fd)
{
	s->fds = mem_reallocarray(s->fds, (size_t) s->nfds + 1, sizeof(int));
	s->fds[s->nfds++] = fd;
}

int master_listen_open(master_service_t *s, char **err_r)
{
	const master_svc_def_t *def = s->def;
	buf_t desc = BUF_INIT;
	char *err = NULL;
	int fd;

	if (def->type == MASTER_UNIX) {
		char *path = master_listen_path(def);

		fd = sock_listen_unix_at(master_listen_dirfd(def), def->name,
					 0666, MASTER_BACKLOG, &err);
		if (fd < 0) {
			*err_r = mem_printf("service %s: listen on %s: %s",
					    def->name, path, err);
			mem_free(err);
			mem_free(path);
			return -1;
		}
		master_listen_add(s, fd);
		buf_puts(&desc, path);
		s->unix_path = path;
	} else {
		char **addrs = master_listen_addrs();

		if (addrs[0] == NULL) {
			*err_r = mem_printf("service %s: inet_interfaces is empty",
					    def->name);
			master_listen_addrs_free(addrs);
			return -1;
		}
		for (char **a = addrs; *a; a++) {
			fd = sock_listen_inet(*a, def->port, MASTER_BACKLOG, &err);
			if (fd < 0) {
				*err_r = mem_printf("service %s: listen on %s port %d: %s",
						    def->name, *a, def->port, err);
				mem_free(err);
				master_listen_addrs_free(addrs);
				buf_release(&desc);
				master_listen_close(s, 0);
				return -1;
			}
			master_listen_add(s, fd);
			master_listen_describe(&desc, *a, def->port);
		}
		master_listen_addrs_free(addrs);
	}
	s->listen_desc = buf_steal(&desc);
	return 0;
}

void master_listen_close(master_service_t *s, int unlink_path)
{
	for (int i = 0; i < s->nfds; i++) {
		if (s->watching)
			event_del_fd(s->fds[i]);
		close(s->fds[i]);
	}
	s->watching = 0;
	MEM_FREE(s->fds);
	s->nfds = 0;
	if (s->unix_path != NULL && unlink_path &&
	    unlinkat(master_listen_dirfd(s->def), s->def->name, 0) < 0 &&
	    errno != ENOENT)
		log_warn("remove %s: %s", s->unix_path, strerror(errno));
	MEM_FREE(s->unix_path);
}

static const master_service_t *master_login_service(const char *name)
{
	for (const master_service_t *s = master.services; s != NULL; s = s->next)
		if (strcmp(s->def->name, name) == 0 && s->def->type == MASTER_UNIX &&
		    s->def->private_ && s->unix_path != NULL)
			return s;
	return NULL;
}

/* Remove what does not belong in login_directory: anything but the links
 * just made (never a directory: the administrator's, if any). */
static void master_login_prune(const char *dir, char **names)
{
	int fd = dup(master.login_fd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (d == NULL) {
		log_warn("open %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		int keep = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
		struct stat st;

		for (char **n = names; !keep && *n; n++)
			keep = strcmp(*n, e->d_name) == 0 &&
				master_login_service(*n) != NULL;
		if (keep)
			continue;
		if (fstatat(master.login_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode) &&
		    unlinkat(master.login_fd, e->d_name, 0) < 0 && errno != ENOENT)
			log_warn("remove %s/%s: %s", dir, e->d_name, strerror(errno));
	}
	closedir(d);
}

void master_login_links(void)
{
	const char *dir = config_str("login_directory");
	char **names = config_list("login_sockets");

	if (master.login_fd < 0) {
		config_list_free(&names);
		return;
	}
	for (char **n = names; *n; n++) {
		const master_service_t *s = master_login_service(*n);
		char *tmp;

		if (s == NULL || strchr(*n, '/') != NULL || (*n)[0] == '.')
			continue;
		tmp = mem_printf(".%s.new", *n);
		/* link + rename: the old link stays usable until the new
		 * one replaces it. */
		if ((unlinkat(master.login_fd, tmp, 0) < 0 && errno != ENOENT) ||
		    linkat(master.private_fd, s->def->name, master.login_fd, tmp, 0) < 0 ||
		    renameat(master.login_fd, tmp, master.login_fd, *n) < 0) {
			log_warn("link %s to %s/%s: %s", s->unix_path, dir, *n,
				 strerror(errno));
			unlinkat(master.login_fd, tmp, 0);
		}
		mem_free(tmp);
	}
	master_login_prune(dir, names);
	config_list_free(&names);
}
