/* terndrop.h - what the files of terndrop share.
 *
 * terndrop.c is the program: a clean process, the input (the envelope and
 * the chunked message from sendmail), the limits; terndrop_config.c
 * decides which configuration a caller may name; terndrop_file.c opens
 * and checks the maildrop directory and writes the one file.
 */
#ifndef TERN_TERNDROP_H
#define TERN_TERNDROP_H

#include <stddef.h>

/* Log the error, remove an unfinished file, and exit with status
 * (sysexits.h). */
void terndrop_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* The configuration directory to read: requested (from -c or
 * TERN_CONFIG, or NULL), the installed one, or, when terndrop gained its
 * group, one that root owns throughout.  Exits (EX_NOPERM) when the
 * caller names one it may not use. */
const char *terndrop_config_dir(const char *requested, int privileged);

/* Open $queue_directory/maildrop and create the temporary file in it;
 * when privileged, the directory must be the real maildrop (mail_owner's,
 * group setgid_group, mode 1730), and in any case its file system must
 * keep queue_minfree free.  Exits on failure. */
void terndrop_file_create(int privileged);
/* Append to the file, when the queue's file system keeps queue_minfree
 * free besides; exits on failure (EX_TEMPFAIL for want of space). */
void terndrop_file_write(const void *data, size_t len);
/* Mark the file as written by a live terndrop (its time now), so that
 * pickup does not take it for a dead one's; exits on failure. */
void terndrop_file_touch(void);
/* fsync, rename to the final name, make the name durable; exits on
 * failure.  Returns the final name. */
const char *terndrop_file_commit(void);
/* Remove the temporary file, if one was made and not committed. */
void terndrop_file_discard(void);

#endif
