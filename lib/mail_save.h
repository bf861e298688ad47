/* mail_save.h - putting a message into a folder: APPEND's stream and
 * COPY's hard link (architecture §3).
 *
 * A saved message is written to tmp/ as it arrives (never held in
 * memory), with the client's CRLF line ends made LF as every message is
 * stored, fsynced, given the internal date as its modification time and
 * as the time part of its unique name (where lib/mailbox.c reads it), and
 * linked into cur/ as "<unique>,S=<size>,W=<wire size>:2,<flags>" before
 * cur/ is fsynced: only then is it there (a crash before leaves at most a
 * file in tmp/).  The wire size counts what IMAP will send: each LF and
 * each bare CR as CRLF.  A copy is a hard link of the source file under
 * a new unique name with the source's time part (a folder never holds
 * one base name twice; the internal date stays), so it
 * costs no data (and one fsync per COPY, not per message).  UIDs are
 * given by the caller (mail_view, mail_uidlist) once the file is in
 * place.
 */
#ifndef TERN_MAIL_SAVE_H
#define TERN_MAIL_SAVE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "mail_flags.h"

typedef struct mail_save mail_save_t;

/* Start a message in the folder whose directory is folder_fd (the
 * descriptor is duplicated).  NULL with errno. */
mail_save_t *mail_save_begin(int folder_fd);
/* Append wire octets (CRLF line ends).  0, or -1 with errno (sticky). */
int mail_save_write(mail_save_t *s, const char *data, size_t len);
/* Octets stored so far. */
unsigned long long mail_save_size(const mail_save_t *s);
/* Put it in place with flags f and internal date (0: now); its file
 * name into name_r.  The save is freed either way.  0, or -1 with errno
 * (nothing left behind). */
int mail_save_finish(mail_save_t **sp, const mail_flags_t *f, time_t date,
		     buf_t *name_r);
/* Give up: the temporary file goes. */
void mail_save_abort(mail_save_t **sp);

/* Files a save left in tmp/ once its process died (a session killed
 * mid-APPEND): regular files of the folder's tmp/ whose mtime and ctime
 * are both more than MAIL_SAVE_TMP_MAX_AGE seconds before now are removed,
 * as Maildir readers do.  A save in progress is never that old: writing
 * and dating a file (futimens) both make its ctime new.  The number
 * removed, or -1 with errno. */
#define MAIL_SAVE_TMP_MAX_AGE	(36 * 3600)
int mail_save_clean_tmp(int folder_fd, time_t now);

/* Link src_name (in the directory src_dir_fd: a folder's cur/ or new/)
 * into the folder dst_folder_fd's cur/ under a new unique base name with
 * flags f; the new name into name_r.  0, or -1 with errno.  The links are
 * durable once mail_save_copy_sync() succeeded after the last of them (one
 * fsync of cur/ for a whole COPY). */
int mail_save_copy(int src_dir_fd, const char *src_name, int dst_folder_fd,
		   const mail_flags_t *f, buf_t *name_r);
int mail_save_copy_sync(int dst_folder_fd);

#endif
