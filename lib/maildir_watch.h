/* maildir_watch.h - notice changes in a Maildir without looking again.
 *
 * A session that waits for its client (IMAP IDLE, NOOP) learns of new
 * mail, and of messages another session moved or expunged, from inotify
 * watches on the Maildir's new/ and cur/ (architecture §3): a delivery
 * links its file into new/, a reader renames between new/ and cur/ or
 * unlinks from cur/.  tmp/ is not watched, so a delivery still being
 * written wakes nobody.  The descriptor goes into event_wait()'s
 * change_fd; after it fired, maildir_watch_drain() consumes the events,
 * and the caller rescans the directories it cares about (inotify says
 * that something changed, the directory says what).
 */
#ifndef TERN_MAILDIR_WATCH_H
#define TERN_MAILDIR_WATCH_H

/* Watch dir/new and dir/cur (never following a symbolic link): a
 * non-blocking, close-on-exec descriptor, or -1 with errno.  close() it. */
int maildir_watch_open(const char *dir);

/* Consume every event queued on fd without waiting: 1 when there was at
 * least one (something changed, or so many that the kernel dropped some),
 * 0 when none, -1 on a read error (errno). */
int maildir_watch_drain(int fd);

#endif
