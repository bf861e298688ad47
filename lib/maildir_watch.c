/* maildir_watch.c - inotify on a Maildir's new/ and cur/; maildir_watch.h.
 *
 * Only the events that change which messages a directory lists are asked
 * for: a name created (link, as maildir_deliver() commits), deleted, or
 * moved in or out (a rename between new/ and cur/, a flag change in cur/).
 * A watched directory that is removed or moved away also wakes the
 * watcher, which then finds out for itself what became of the mailbox.
 */
#define _GNU_SOURCE	/* IN_* flags in older headers */
#include <errno.h>
#include <stdalign.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "maildir_watch.h"
#include "mem.h"

#define MAILDIR_WATCH_EVENTS \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)

int maildir_watch_open(const char *dir)
{
	static const char *const subs[] = { "new", "cur" };
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return -1;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char *path = mem_printf("%s/%s", dir, subs[i]);
		int r = inotify_add_watch(fd, path, MAILDIR_WATCH_EVENTS);
		int err = errno;

		mem_free(path);
		if (r < 0) {
			close(fd);
			errno = err;
			return -1;
		}
	}
	return fd;
}

int maildir_watch_drain(int fd)
{
	/* Events are whole records of variable length; the kernel never
	 * splits one across reads, so any size that holds one will do. */
	alignas(struct inotify_event) char chunk[4096];
	int seen = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n > 0) {
			seen = 1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return seen;
		return n == 0 ? seen : -1;
	}
}
