/* mailctl_textmap.h - editing "KEY VALUE" text maps and recompiling
 * their FILE.db (mailctl_textmap.c): the transport map and the relay
 * credentials.
 */
#ifndef TERN_MAILCTL_TEXTMAP_H
#define TERN_MAILCTL_TEXTMAP_H

#include <sys/types.h>

typedef struct mailctl_textmap mailctl_textmap_t;

/* The map in path; a missing file is an empty map (fatal on any other
 * read error).  secret: wipe every copy of the text when done. */
mailctl_textmap_t *mailctl_textmap_load(const char *path, int secret);
void mailctl_textmap_free(mailctl_textmap_t **mp);
const char *mailctl_textmap_path(const mailctl_textmap_t *m);

/* The entries in file order: 1 with the next one (pos starts at 0), 0 at
 * the end.  line_r (unless NULL) is its line in the file. */
int mailctl_textmap_next(const mailctl_textmap_t *m, size_t *pos,
			 const char **key_r, const char **value_r, int *line_r);
/* key's value (the last entry of key wins, as in map_compile), or NULL. */
const char *mailctl_textmap_get(const mailctl_textmap_t *m, const char *key);
/* key (lower case) gets value: its first entry is rewritten in place,
 * later ones dropped; a new key is appended. */
void mailctl_textmap_set(mailctl_textmap_t *m, const char *key,
			 const char *value);
/* Replace the file and recompile FILE.db; fatal on error.  mode, uid and
 * gid as mailctl_file_replace (force: mailctl_file_replace_as). */
void mailctl_textmap_save(mailctl_textmap_t *m, mode_t mode, uid_t uid,
			  gid_t gid, int force);
/* The del command of cmd ("transport", ...): drop every entry of key and
 * save as mailctl_textmap_save; MAILCTL_OK, or MAILCTL_FAIL (logged)
 * when key had none. */
int mailctl_textmap_remove(mailctl_textmap_t *m, const char *cmd,
			   const char *key, mode_t mode, uid_t uid, gid_t gid,
			   int force);

/* The file edits go to: the first of the list parameter param (fatal
 * when the list is empty; what names the map in that message). */
char *mailctl_textmap_first(const char *param, const char *what);
/* The lock of the directory the map file path lives in (mailctl_dir_lock):
 * edits of one map do not race.  Close the descriptor when done. */
int mailctl_textmap_lock(const char *path);

#endif
