/* imapd_session.h - the session role's own declarations: the session, the
 * command handlers and what they share.
 *
 * One process serves one logged-in client (DAEMON_SINGLE).  The reader
 * (imapd_read.c) feeds lines and literals to lib/imap_parse.h; a whole
 * command goes to the dispatcher (imapd_session.c), which checks the
 * state, calls the handler, then reports what changed in the selected
 * folder (imapd_sync.c) at the moment RFC 3501 §5.2 and §7.4.1 allow, and
 * only then writes the tagged status the handler left in sess->result.
 * Handlers write untagged data with stream_write()/imapd_untagged() on
 * sess->s and set the tagged result with imapd_ok/imapd_no/imapd_bad;
 * they never write a tagged line themselves.
 *
 * Files (one concern each):
 *   imapd_session.c      serve(), the loop, the command table, dispatch
 *   imapd_read.c         lines and literals from the client, timeouts
 *   imapd_sync.c         untagged EXISTS/RECENT/EXPUNGE/FETCH FLAGS
 *   imapd_cmd_any.c      CAPABILITY NOOP LOGOUT ID ENABLE, the refusals
 *   imapd_cmd_select.c   SELECT EXAMINE CLOSE UNSELECT EXPUNGE CHECK
 *   imapd_cmd_idle.c     IDLE
 *   imapd_msgset.c       sequence sets and UID sets against the view
 *   imapd_flags.c        flag lists in and out
 *   imapd_folder.c       a folder named by the client: its directory
 *   imapd_cmd_folder.c   CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE
 *   imapd_cmd_list.c     LIST LSUB (LIST-EXTENDED, LIST-STATUS) NAMESPACE
 *   imapd_cmd_status.c   STATUS
 *   imapd_msgfile.c      a message's octets and MIME tree for FETCH/SEARCH
 *   imapd_cmd_fetch.c    FETCH
 *   imapd_cmd_store.c    STORE
 *   imapd_search*.c      SEARCH
 *   imapd_cmd_append.c   APPEND (the literal streamed to disk)
 *   imapd_cmd_copy.c     COPY MOVE
 *   imapd_target.c       the folder APPEND, COPY and MOVE write into
 *
 * SECURITY: runs as the mailbox owner, never as root, with no capability;
 * the user comes from auth's redeem of the token, never from the login
 * process.  Every folder is reached by a name that lib/mail_folder.h
 * checked, relative to the user's Maildir descriptor.
 */
#ifndef TERN_IMAPD_SESSION_H
#define TERN_IMAPD_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "../imapd.h"
#include "buf.h"
#include "imap_parse.h"
#include "imap_seqset.h"
#include "log.h"
#include "login.h"
#include "mail_folder.h"
#include "mail_flags.h"
#include "mail_index.h"
#include "mail_view.h"
#include "mime_parse.h"
#include "stream.h"

enum imapd_state {
	IMAPD_AUTHENTICATED,	/* RFC 3501 §3.2 */
	IMAPD_SELECTED,		/* §3.3 */
	IMAPD_LOGOUT,		/* §3.4: the session ends after this command */
};

/* ENABLE'd extensions (RFC 5161). */
#define IMAPD_ENABLED_UTF8	0x01	/* UTF8=ACCEPT: not offered yet */

/* The tagged result a handler leaves for the dispatcher. */
typedef struct imapd_result {
	const char *status;	/* "OK", "NO", "BAD"; NULL: none set yet */
	buf_t code;		/* response code without brackets; may be "" */
	buf_t text;
} imapd_result_t;

typedef struct imapd_session {
	stream_t *s;
	login_info_t info;
	buf_t client;		/* its name in log lines */
	enum imapd_state state;

	/* the user's Maildir (INBOX) */
	char *root;
	int root_fd;

	/* the selected folder (state SELECTED) */
	mail_view_t *view;
	mail_index_t *index;
	char *sel_name;		/* wire name, canonical */
	char *sel_dir;		/* directory relative to root ("" for INBOX) */
	int readonly;		/* EXAMINE, or SELECT of a read-only folder */
	int watch_fd;		/* inotify on new/ and cur/, -1: none */
	uint32_t exists;	/* EXISTS as last reported */
	size_t recent;		/* RECENT as last reported */
	int keywords_announced;	/* keyword count in the last FLAGS */

	/* the command being served */
	imap_parser_t *parser;
	const imap_cmd_t *cmd;
	const char *tag;
	int uid;		/* the command came after "UID" */
	imapd_result_t result;
	/* APPEND: the message literal taken to disk (imapd_cmd_append.c) */
	void *append;

	unsigned enabled;	/* IMAPD_ENABLED_* */
	long nbad;		/* bad commands in a row */
	long junk;		/* do-nothing commands in a row */
	long ncommands;
	long long sent_octets;
	int anvil_held;		/* counted per address (lib/login_anvil.h) */
	int user_held;		/* counted per user */
} imapd_session_t;

/* A command handler: the arguments after the command name (after "UID
 * <name>" for a UID command, sess->uid then set). */
typedef void imapd_handler_t(imapd_session_t *sess, const imap_arg_t *args,
			     size_t nargs);

/* imapd_session.c */
void imapd_session_serve(daemon_client_t *client);
/* The tagged result: at most one per command; a later call replaces an
 * earlier one.  code may be NULL. */
void imapd_ok(imapd_session_t *sess, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void imapd_no(imapd_session_t *sess, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void imapd_bad(imapd_session_t *sess, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An untagged line "* " fmt CRLF (the caller supplies no CRLF). */
void imapd_untagged(imapd_session_t *sess, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Log with the user and client in front. */
#define imapd_log_info(sess, fmt, ...) \
	log_info("user=<%s>, client=%s: " fmt, (sess)->info.user, \
		 buf_str(&(sess)->client), ##__VA_ARGS__)
#define imapd_log_error(sess, fmt, ...) \
	log_error("user=<%s>, client=%s: " fmt, (sess)->info.user, \
		  buf_str(&(sess)->client), ##__VA_ARGS__)

/* imapd_read.c: flush, then wait for the next line within the idle
 * timeout (and the daemon's stop).  STREAM_OK with the line (CRLF kept),
 * STREAM_TOOLONG (the rest of the line was skipped), STREAM_TIMEOUT,
 * STREAM_EOF, STREAM_ERROR, or IMAPD_SHUTDOWN. */
int imapd_read_line(imapd_session_t *sess, buf_t *line, size_t limit);
/* Read exactly len octets (a literal) into out, within the idle timeout
 * for each piece: STREAM_OK or an error as above. */
int imapd_read_exact(imapd_session_t *sess, buf_t *out, size_t len);
/* Read len octets in pieces, each handed to cb (which may fail: its -1
 * ends the reading, the rest of the literal is still consumed and
 * STREAM_OK returned with *cb_failed set). */
int imapd_read_stream(imapd_session_t *sess, uint64_t len,
		      int (*cb)(const char *p, size_t n, void *ctx), void *ctx,
		      int *cb_failed);

/* imapd_cmd_select.c: leave the selected folder (no expunge), if any. */
void imapd_select_close(imapd_session_t *sess);

/* imapd_sync.c: look at the selected folder's disk again and write the
 * untagged responses for what changed: new messages (EXISTS, RECENT),
 * flag changes (FETCH (UID n FLAGS (...)) - the UID since a client may
 * have no other way to tie it to its cache), and, when expunges is set,
 * EXPUNGE.  new keywords in the folder give a FLAGS and a PERMANENTFLAGS
 * first.  0, or -1 when the folder is gone (then the session answered
 * BYE and is in state LOGOUT). */
int imapd_sync(imapd_session_t *sess, int expunges);
/* The FLAGS and PERMANENTFLAGS responses of the selected folder. */
void imapd_sync_flags_announce(imapd_session_t *sess);

/* imapd_msgset.c: the sequence set (or UID set, with uid) in text into
 * set, as sequence numbers of the view.  RFC 3501 §6.4.8: a UID set
 * names the messages whose UIDs fall inside, a range with no message is
 * no error.  A sequence number above the view's count is an error.
 * 0, or -1 after imapd_bad() with the reason. */
int imapd_msgset(imapd_session_t *sess, const imap_arg_t *arg, int uid,
		 imap_seqset_t *set);

/* imapd_flags.c: an IMAP flag list (a list, or one atom for APPEND and
 * STORE) into *f; keywords not yet in the folder's list are added when
 * add_keywords is set (under the folder's lock; full: [LIMIT]).  \Recent
 * is refused (it cannot be set), unknown system flags too.  0, or -1
 * after imapd_bad()/imapd_no(). */
int imapd_flags_parse(imapd_session_t *sess, const imap_arg_t *arg,
		      mail_flags_t *f, int add_keywords);
/* The same for any folder (APPEND's target): keywords go into kw, the
 * list of a folder whose lock the caller holds (full: [LIMIT]); kw NULL:
 * only checked, no keyword bit set. */
int imapd_flags_parse_kw(imapd_session_t *sess, const imap_arg_t *arg,
			 mail_flags_t *f, mail_keywords_t *kw);
/* "(\Seen \Answered kw ...)" of a message into out, \Recent included
 * when recent. */
void imapd_flags_write(imapd_session_t *sess, const mail_flags_t *f,
		       int recent, buf_t *out);

/* imapd_folder.c: the folder a client names (an astring argument) into
 * name_r (canonical wire name) and dir_r (relative to the user's Maildir;
 * "" for INBOX).  0, or -1 after imapd_no()/imapd_bad() with the reason
 * (RFC 3501 §5.1: a bad name is NO, not BAD). */
int imapd_folder_arg(imapd_session_t *sess, const imap_arg_t *arg,
		     buf_t *name_r, buf_t *dir_r);
/* Does the folder's directory exist (with cur/)?  1, 0. */
int imapd_folder_exists(imapd_session_t *sess, const char *dir);
/* The directory's path for mail_view_open() (mem-allocated). */
char *imapd_folder_path(imapd_session_t *sess, const char *dir);

/* imapd_msgfile.c: a message's octets and MIME tree, for FETCH and
 * SEARCH.  The stored form (LF line ends, lib/mime_wire.h); mime is parsed
 * on first use.  Opening a message whose file is gone fails with ENOENT
 * (the caller then leaves it out: RFC 3501 §7.4.1 allows no EXPUNGE here). */
typedef struct imapd_msgfile {
	char *data;		/* mmap'ed or read; NULL for an empty file */
	size_t len;
	int mapped;
	mime_part_t *mime;	/* NULL until imapd_msgfile_mime() */
} imapd_msgfile_t;
int imapd_msgfile_open(imapd_session_t *sess, mail_view_msg_t *m,
		       imapd_msgfile_t *mf);
const mime_part_t *imapd_msgfile_mime(imapd_msgfile_t *mf);
/* The octets of the message's header with its empty line (the root's
 * body_off), found without parsing the rest: ENVELOPE and the header
 * sections of a large message read only its first pages. */
size_t imapd_msgfile_header(const imapd_msgfile_t *mf);
void imapd_msgfile_close(imapd_msgfile_t *mf);

/* The commands, by file (imapd_session.c holds the table). */
imapd_handler_t imapd_cmd_capability, imapd_cmd_noop, imapd_cmd_logout,
	imapd_cmd_id, imapd_cmd_enable, imapd_cmd_not_now;
imapd_handler_t imapd_cmd_select, imapd_cmd_examine, imapd_cmd_close,
	imapd_cmd_unselect, imapd_cmd_expunge, imapd_cmd_check;
imapd_handler_t imapd_cmd_idle;
imapd_handler_t imapd_cmd_create, imapd_cmd_delete, imapd_cmd_rename,
	imapd_cmd_subscribe, imapd_cmd_unsubscribe;
imapd_handler_t imapd_cmd_list, imapd_cmd_lsub, imapd_cmd_namespace;
imapd_handler_t imapd_cmd_status;
imapd_handler_t imapd_cmd_fetch, imapd_cmd_store;
imapd_handler_t imapd_cmd_search;
imapd_handler_t imapd_cmd_append, imapd_cmd_copy, imapd_cmd_move;

/* imapd_cmd_append.c: the reader met a literal at the top level of an
 * APPEND (the message).  Returns 1 when it took the literal (it read its
 * octets to disk itself; the session then tells the parser
 * imap_parse_literal_taken), 0 when it refuses it (it set the tagged NO,
 * e.g. [TOOBIG]: the parser is told imap_parse_literal_refuse), or the
 * reader's status (STREAM_EOF, STREAM_TIMEOUT, IMAPD_SHUTDOWN, ...: all
 * negative) when the connection failed while reading.  For a synchronizing literal it
 * sends the "+" continuation itself when it accepts. */
int imapd_append_literal(imapd_session_t *sess, const imap_cmd_t *cmd);
/* Drop a message taken but not saved (the command failed later). */
void imapd_append_abort(imapd_session_t *sess);

/* imapd_target.c: the folder APPEND, COPY and MOVE put messages into.
 * Use: open (the client's name: NO [TRYCREATE] when it does not exist),
 * lock (its keyword list and UID list are then read afresh and only this
 * session writes them), add keywords to t->keywords and save them before
 * any file names them, link the files into cur/, assign their UIDs in
 * order, done (unlock; the selected view takes the n new ones in), close.
 * The int functions give 0, or -1 after imapd_no(). */
typedef struct imapd_target {
	buf_t name;		/* canonical wire name */
	buf_t dir;		/* relative to the user's Maildir */
	int fd;			/* the folder's directory */
	int lock_fd;		/* MAIL_VIEW_LOCK_FILE held, -1: not */
	int selected;		/* it is the selected folder */
	mail_keywords_t keywords;	/* read under the lock */
	mail_uidlist_t uidlist;		/* read under the lock */
} imapd_target_t;
int imapd_target_open(imapd_session_t *sess, const imap_arg_t *arg,
		      imapd_target_t *t);
int imapd_target_lock(imapd_session_t *sess, imapd_target_t *t);
void imapd_target_unlock(imapd_target_t *t);
int imapd_target_save_keywords(imapd_session_t *sess, imapd_target_t *t);
/* The files names[0..n) (in cur/) get the next UIDs in that order, into
 * uids_r. */
int imapd_target_assign(imapd_session_t *sess, imapd_target_t *t,
			const char *const *names, size_t n, uint32_t *uids_r);
void imapd_target_done(imapd_session_t *sess, imapd_target_t *t, size_t n);
void imapd_target_close(imapd_target_t *t);
/* UIDVALIDITY after an assign. */
uint32_t imapd_target_validity(const imapd_target_t *t);

#endif
