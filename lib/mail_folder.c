/* mail_folder.c - IMAP mailbox names and Maildir++ folder directories;
 * see mail_folder.h.
 *
 * Everything works through the descriptor of the user's Maildir and
 * names relative to it (openat, mkdirat, renameat2), never following a
 * symbolic link, so a name can only ever reach one directory level below
 * the Maildir, and only a directory whose name starts with '.'.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail_folder.h"
#include "mem.h"

#define MAIL_FOLDER_TRASH	"..tern-deleted."

static int mail_folder_char_ok(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '%' && c != '*' && c != '.';
}

int mail_folder_dir(const char *name, buf_t *name_r, buf_t *dir_r,
		    const char **why_r)
{
	size_t len = strlen(name), comp = 0;

	buf_reset(name_r);
	buf_reset(dir_r);
	if (strcasecmp(name, "INBOX") == 0) {
		buf_puts(name_r, "INBOX");
		return 0;
	}
	if (len == 0 || len > MAIL_FOLDER_NAME_MAX) {
		*why_r = len ? "Mailbox name too long" : "Empty mailbox name";
		return -1;
	}
	if (name[0] == '~') {
		*why_r = "Mailbox name may not start with ~";
		return -1;
	}
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char) name[i];

		if (c == '/' || c == '\0') {
			if (comp == 0) {
				*why_r = "Empty part in the mailbox name";
				return -1;
			}
			comp = 0;
			continue;
		}
		if (!mail_folder_char_ok(c)) {
			*why_r = c == '.' ? "Character not allowed in a mailbox name: '.'" :
				c == '%' || c == '*' ? "Wildcards are not allowed in a mailbox name" :
				"Character not allowed in a mailbox name";
			return -1;
		}
		comp++;
	}
	/* INBOX as the first part is INBOX itself, whatever its case. */
	if (strncasecmp(name, "INBOX/", 6) == 0) {
		buf_puts(name_r, "INBOX");
		buf_puts(name_r, name + 5);
	} else {
		buf_puts(name_r, name);
	}
	buf_putc(dir_r, '.');
	for (const char *c = buf_str(name_r); *c; c++)
		buf_putc(dir_r, *c == '/' ? '.' : *c);
	return 0;
}

int mail_folder_name_of(const char *entry, buf_t *name_r)
{
	buf_t canon = BUF_INIT, dir = BUF_INIT;
	const char *why;
	int ok;

	buf_reset(name_r);
	if (entry[0] != '.' || entry[1] == '\0')
		return 0;
	for (const char *c = entry + 1; *c; c++)
		buf_putc(name_r, *c == '.' ? '/' : *c);
	/* One spelling per folder: the name must map back to this entry. */
	ok = mail_folder_dir(buf_str(name_r), &canon, &dir, &why) == 0 &&
		strcmp(buf_str(&dir), entry) == 0 &&
		strcasecmp(buf_str(name_r), "INBOX") != 0;
	buf_release(&canon);
	buf_release(&dir);
	return ok;
}

void mail_folder_list_free(mail_folder_list_t *list)
{
	for (size_t i = 0; i < list->n; i++)
		mem_free(list->v[i].name);
	mem_free(list->v);
	list->v = NULL;
	list->n = 0;
}

static int mail_folder_cmp(const void *a, const void *b)
{
	const mail_folder_info_t *x = a, *y = b;
	int xi = strcmp(x->name, "INBOX") == 0, yi = strcmp(y->name, "INBOX") == 0;

	if (xi != yi)
		return yi - xi;
	return strcmp(x->name, y->name);
}

static mail_folder_info_t *mail_folder_find(mail_folder_list_t *list,
					    char *name)
{
	mail_folder_info_t key = { .name = name };

	return bsearch(&key, list->v, list->n, sizeof(*list->v), mail_folder_cmp);
}

static void mail_folder_add(mail_folder_list_t *list, size_t *cap,
			    const char *name, size_t len, int exists)
{
	if (list->n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		list->v = mem_reallocarray(list->v, *cap, sizeof(*list->v));
	}
	list->v[list->n].name = mem_memdup(name, len + 1);
	list->v[list->n].name[len] = '\0';
	list->v[list->n].exists = exists;
	list->v[list->n].children = 0;
	list->n++;
}

/* Remove what a deletion left when it was cut short. */
static void mail_folder_remove_tree(int parent_fd, const char *name, int depth)
{
	int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		(void) unlinkat(parent_fd, name, 0);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0 && errno == EISDIR && depth < 3)
			mail_folder_remove_tree(fd, e->d_name, depth + 1);
	}
	closedir(d);
	(void) unlinkat(parent_fd, name, AT_REMOVEDIR);
}

static int mail_folder_is_dir(int root_fd, const struct dirent *e)
{
	struct stat st;

	if (e->d_type == DT_DIR)
		return 1;
	if (e->d_type != DT_UNKNOWN)
		return 0;
	return fstatat(root_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		S_ISDIR(st.st_mode);
}

int mail_folder_list(int root_fd, mail_folder_list_t *list)
{
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	buf_t name = BUF_INIT;
	struct dirent *e;
	size_t cap = 0, real;

	list->v = NULL;
	list->n = 0;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	mail_folder_add(list, &cap, "INBOX", 5, 1);
	while ((e = readdir(d)) != NULL && list->n < MAIL_FOLDER_MAX) {
		if (strncmp(e->d_name, MAIL_FOLDER_TRASH, strlen(MAIL_FOLDER_TRASH)) == 0) {
			mail_folder_remove_tree(root_fd, e->d_name, 0);
			continue;
		}
		if (mail_folder_name_of(e->d_name, &name) && mail_folder_is_dir(root_fd, e))
			mail_folder_add(list, &cap, buf_str(&name), name.len, 1);
	}
	closedir(d);
	buf_release(&name);
	/* The parents that only their children imply: added, then the
	 * doubles (a parent of several children) dropped. */
	if (list->n > 1)
		qsort(list->v, list->n, sizeof(*list->v), mail_folder_cmp);
	real = list->n;
	for (size_t i = 0; i < real; i++) {
		const char *n = list->v[i].name;

		for (const char *slash = strchr(n, '/'); slash != NULL;
		     slash = strchr(slash + 1, '/')) {
			mail_folder_info_t key = { .name = mem_memdup(n, (size_t) (slash - n) + 1) };

			key.name[slash - n] = '\0';
			if (bsearch(&key, list->v, real, sizeof(*list->v),
				    mail_folder_cmp) == NULL)
				mail_folder_add(list, &cap, key.name, strlen(key.name), 0);
			mem_free(key.name);
			n = list->v[i].name;	/* the array may have moved */
		}
	}
	if (list->n > 1)
		qsort(list->v, list->n, sizeof(*list->v), mail_folder_cmp);
	real = 0;
	for (size_t i = 0; i < list->n; i++) {
		if (real > 0 && strcmp(list->v[real - 1].name, list->v[i].name) == 0) {
			mem_free(list->v[i].name);
			continue;
		}
		list->v[real++] = list->v[i];
	}
	list->n = real;
	for (size_t i = 0; i < list->n; i++) {
		const char *n = list->v[i].name, *slash = strrchr(n, '/');

		if (slash != NULL) {
			char *parent = mem_memdup(n, (size_t) (slash - n) + 1);
			mail_folder_info_t *p;

			parent[slash - n] = '\0';
			if ((p = mail_folder_find(list, parent)) != NULL)
				p->children = 1;
			mem_free(parent);
		}
	}
	return 0;
}

int mail_folder_match(const char *pattern, const char *name)
{
	size_t pl = strlen(pattern), nl = strlen(name);
	unsigned char *cur = mem_zalloc(nl + 1), *next = mem_zalloc(nl + 1);
	char *p = mem_strdup(pattern);
	int r;

	/* INBOX matches whatever the case the pattern gives it. */
	if ((strcmp(name, "INBOX") == 0 || strncmp(name, "INBOX/", 6) == 0) &&
	    strncasecmp(p, "INBOX", 5) == 0 && (p[5] == '\0' || p[5] == '/'))
		memcpy(p, "INBOX", 5);
	/* cur[j]: the pattern so far matches name[0..j). */
	cur[0] = 1;
	for (size_t i = 0; i < pl; i++) {
		memset(next, 0, nl + 1);
		for (size_t j = 0; j <= nl; j++) {
			if (!cur[j])
				continue;
			if (p[i] == '*' || p[i] == '%') {
				next[j] = 1;
				for (size_t k = j; k < nl && (p[i] == '*' || name[k] != '/'); k++)
					next[k + 1] = 1;
				break;	/* later j are covered by this one */
			}
			if (j < nl && name[j] == p[i])
				next[j + 1] = 1;
		}
		memcpy(cur, next, nl + 1);
	}
	r = cur[nl];
	mem_free(cur);
	mem_free(next);
	mem_free(p);
	return r;
}

int mail_folder_create(int root_fd, const char *dir)
{
	static const char *const sub[] = { "tmp", "new", "cur" };
	int fd, mark;

	if (mkdirat(root_fd, dir, 0700) < 0)
		return -1;
	fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (mkdirat(fd, sub[i], 0700) < 0 && errno != EEXIST) {
			close(fd);
			return -1;
		}
	}
	mark = openat(fd, "maildirfolder", O_WRONLY | O_CREAT | O_NOFOLLOW |
		      O_CLOEXEC, 0600);
	if (mark >= 0)
		close(mark);
	if (mark < 0 || fsync(fd) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return fsync(root_fd);
}

int mail_folder_delete(int root_fd, const char *dir)
{
	char trash[300];

	if (snprintf(trash, sizeof(trash), "%s%ld%s", MAIL_FOLDER_TRASH,
		     (long) getpid(), dir) >= (int) sizeof(trash)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (renameat2(root_fd, dir, root_fd, trash, RENAME_NOREPLACE) < 0)
		return -1;
	(void) fsync(root_fd);
	mail_folder_remove_tree(root_fd, trash, 0);
	return 0;
}

int mail_folder_rename(int root_fd, const char *dir, const char *new_dir)
{
	size_t dl = strlen(dir), n = 0, cap = 0, done = 0;
	int fd = openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **from = NULL;
	struct dirent *e;
	struct stat st;
	int r = 0, err = 0;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (strncmp(new_dir, dir, dl) == 0 && new_dir[dl] == '.') {
		closedir(d);
		errno = EINVAL;	/* under its own child */
		return -1;
	}
	/* The folder and its children: dir itself and "dir.*". */
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, dir, dl) != 0 ||
		    (e->d_name[dl] != '\0' && e->d_name[dl] != '.'))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			from = mem_reallocarray(from, cap, sizeof(*from));
		}
		from[n++] = mem_strdup(e->d_name);
	}
	closedir(d);
	if (fstatat(root_fd, dir, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
		r = -1;
		err = ENOENT;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char *to = mem_printf("%s%s", new_dir, from[i] + dl);

		if (strlen(to) > 255 || fstatat(root_fd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			r = -1;
			err = strlen(to) > 255 ? ENAMETOOLONG : EEXIST;
		}
		mem_free(to);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char *to = mem_printf("%s%s", new_dir, from[i] + dl);

		if (renameat2(root_fd, from[i], root_fd, to, RENAME_NOREPLACE) < 0) {
			r = -1;
			err = errno;
		} else {
			done++;
		}
		mem_free(to);
	}
	/* Undo a rename cut short, so the tree stays as it was. */
	for (size_t i = 0; r < 0 && i < done; i++) {
		char *to = mem_printf("%s%s", new_dir, from[i] + dl);

		(void) renameat2(root_fd, to, root_fd, from[i], RENAME_NOREPLACE);
		mem_free(to);
	}
	for (size_t i = 0; i < n; i++)
		mem_free(from[i]);
	mem_free(from);
	if (r == 0)
		return fsync(root_fd);
	errno = err;
	return -1;
}
