/* imapd_cmd_copy.c - COPY and MOVE, and their UID forms (RFC 3501
 * §6.4.7, RFC 4315 §3 COPYUID, RFC 6851 MOVE).
 *
 * A copy is a hard link of the message's file into the target's cur/
 * under a new name (lib/mail_save.h): no data is read or written, and the
 * internal date (the file's mtime) comes along.  Flags are kept, keywords
 * by name (the target has its own keyword list), \Recent is not a stored
 * flag and the target's first session sees the copy as recent.  The whole
 * set is linked under the target's lock and given UIDs in source order;
 * if anything fails, the links made so far are removed, so the command
 * copies everything or nothing (RFC 3501 §6.4.7).  MOVE is that copy, then
 * the sources removed and reported as expunged (RFC 6851 §3.3).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "imapd_session.h"
#include "log.h"
#include "mail_save.h"
#include "mem.h"

/* One message of the set, taken out of the view before anything changes
 * it (a sync may move the view's array). */
typedef struct imapd_copy_msg {
	uint32_t uid;
	mail_flags_t flags;	/* keyword bits in the target's list */
	char *dst;		/* the new file's name in the target */
} imapd_copy_msg_t;

typedef struct imapd_copy {
	imapd_target_t target;
	imapd_copy_msg_t *v;
	size_t n;
	uint32_t *dst_uids;
	int cur_fd, new_fd;	/* the selected folder's cur/ and new/ */
} imapd_copy_t;

/* The view's messages of the set, with flags in the target's terms.  The
 * source's keyword list is read afresh: a file may carry a letter newer
 * than the view's list.  0, or -1 after imapd_no(). */
static int imapd_copy_collect(imapd_session_t *sess, const imap_seqset_t *set,
			      imapd_copy_t *c)
{
	mail_view_t *v = sess->view;
	mail_keywords_t src_kw;
	imap_seqset_iter_t it;
	uint32_t seq;
	int r = 0;

	memset(&src_kw, 0, sizeof(src_kw));
	if (mail_keywords_load(mailbox_dir_fd(v->mb), &src_kw) < 0) {
		imapd_no(sess, "SERVERBUG", "Cannot read the keyword list");
		return -1;
	}
	c->v = mem_reallocarray(NULL, (size_t) imap_seqset_count(set) + 1,
				sizeof(*c->v));
	imap_seqset_iter_init(&it);
	while (r == 0 && imap_seqset_iter_next(set, &it, &seq)) {
		mail_view_msg_t *m;
		imapd_copy_msg_t *cm;

		if (seq == 0 || seq > v->n)
			continue;
		m = &v->msgs[seq - 1];
		if (m->expunged) {
			/* RFC 5530: some of them are gone already. */
			imapd_no(sess, "EXPUNGEISSUED",
				 "Some of the messages no longer exist");
			r = -1;
			break;
		}
		cm = &c->v[c->n++];
		memset(cm, 0, sizeof(*cm));
		cm->uid = m->uid;
		cm->flags.upper = m->flags.upper;
		for (int i = 0; i < MAIL_KEYWORDS_MAX; i++) {
			int k;

			if (!(m->flags.keywords & (1u << i)) || src_kw.names[i] == NULL)
				continue;
			k = mail_keywords_add(&c->target.keywords, src_kw.names[i]);
			if (k < 0) {
				imapd_no(sess, "LIMIT",
					 "Too many keywords in the target mailbox");
				r = -1;
				break;
			}
			cm->flags.keywords |= 1u << k;
		}
	}
	mail_keywords_free(&src_kw);
	return r;
}

/* Link one message; a file renamed by another session (its flags) is
 * looked up again once.  0, or -1 with errno. */
static int imapd_copy_link(imapd_session_t *sess, imapd_copy_t *c,
			   imapd_copy_msg_t *cm)
{
	mail_view_t *v = sess->view;
	buf_t name = BUF_INIT;
	int r = -1;

	for (int tries = 0; r < 0 && tries < 2; tries++) {
		mail_view_msg_t *m = mail_view_find_uid(v, cm->uid, NULL);
		int fd;

		if (m == NULL || m->expunged) {
			errno = ENOENT;
			break;
		}
		if (tries > 0) {
			/* The lookup renames the view's entry, or marks it
			 * expunged. */
			fd = mail_view_msg_open(v, m, NULL);
			if (fd < 0)
				break;
			close(fd);
		}
		buf_reset(&name);
		r = mail_save_copy(m->in_new ? c->new_fd : c->cur_fd, m->name,
				   c->target.fd, &cm->flags, &name);
		if (r < 0 && errno != ENOENT)
			break;
	}
	if (r == 0)
		cm->dst = buf_steal(&name);
	buf_release(&name);
	return r;
}

/* Remove the links made: the command copies nothing after all. */
static void imapd_copy_undo(imapd_copy_t *c)
{
	int cur = openat(c->target.fd, "cur", O_RDONLY | O_DIRECTORY |
			 O_NOFOLLOW | O_CLOEXEC);

	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].dst != NULL && cur >= 0)
			(void) unlinkat(cur, c->v[i].dst, 0);
		mem_free(c->v[i].dst);
		c->v[i].dst = NULL;
	}
	if (cur >= 0) {
		(void) fsync(cur);
		close(cur);
	}
}

/* Link the set and give the links UIDs, under the target's lock. */
static int imapd_copy_run(imapd_session_t *sess, imapd_copy_t *c)
{
	const char **names;
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->n; i++) {
		if (imapd_copy_link(sess, c, &c->v[i]) < 0) {
			imapd_log_info(sess, "%s: copy of UID %u failed: %s",
				       buf_str(&c->target.name), c->v[i].uid,
				       strerror(errno));
			if (errno == ENOENT)
				imapd_no(sess, "EXPUNGEISSUED",
					 "Some of the messages no longer exist");
			else if (errno == EDQUOT || errno == ENOSPC)
				imapd_no(sess, "OVERQUOTA", "Not enough space");
			else
				imapd_no(sess, "SERVERBUG", "Cannot copy the messages");
			r = -1;
		}
	}
	if (r == 0 && mail_save_copy_sync(c->target.fd) < 0) {
		imapd_log_error(sess, "%s: cannot sync its cur/: %s",
				buf_str(&c->target.name), strerror(errno));
		imapd_no(sess, "SERVERBUG", "Cannot copy the messages");
		r = -1;
	}
	if (r == 0) {
		names = mem_reallocarray(NULL, c->n + 1, sizeof(*names));
		for (size_t i = 0; i < c->n; i++)
			names[i] = c->v[i].dst;
		c->dst_uids = mem_reallocarray(NULL, c->n + 1, sizeof(*c->dst_uids));
		r = imapd_target_assign(sess, &c->target, names, c->n, c->dst_uids);
		mem_free(names);
	}
	if (r < 0)
		imapd_copy_undo(c);
	return r;
}

static void imapd_copy_free(imapd_copy_t *c)
{
	for (size_t i = 0; i < c->n; i++)
		mem_free(c->v[i].dst);
	mem_free(c->v);
	mem_free(c->dst_uids);
	if (c->cur_fd >= 0)
		close(c->cur_fd);
	if (c->new_fd >= 0)
		close(c->new_fd);
	imapd_target_close(&c->target);
}

/* RFC 4315 §3: "COPYUID <validity> <source UIDs> <new UIDs>"; both sets
 * ascend, so their compact forms still pair up in order. */
static void imapd_copy_code(imapd_copy_t *c, buf_t *out)
{
	imap_seqset_t src = IMAP_SEQSET_INIT, dst = IMAP_SEQSET_INIT;

	for (size_t i = 0; i < c->n; i++) {
		imap_seqset_add(&src, c->v[i].uid, c->v[i].uid);
		imap_seqset_add(&dst, c->dst_uids[i], c->dst_uids[i]);
	}
	buf_printf(out, "COPYUID %u ", imapd_target_validity(&c->target));
	imap_seqset_format(&src, out);
	buf_putc(out, ' ');
	imap_seqset_format(&dst, out);
	imap_seqset_release(&src);
	imap_seqset_release(&dst);
}

/* RFC 6851 §3.3: the sources go, each reported as expunged after the
 * untagged COPYUID. */
static void imapd_move_expunge(imapd_session_t *sess, imapd_copy_t *c)
{
	mail_view_t *v = sess->view;
	size_t failed = 0;

	for (size_t i = 0; i < c->n; i++) {
		mail_view_msg_t *m = mail_view_find_uid(v, c->v[i].uid, NULL);

		if (m != NULL && !m->expunged && mail_view_remove(v, m) < 0 &&
		    errno != ENOENT) {
			imapd_log_error(sess, "cannot remove UID %u after its move: %s",
					c->v[i].uid, strerror(errno));
			failed++;
		}
	}
	if (mailbox_sync(v->mb) < 0)
		imapd_log_error(sess, "cannot sync the mailbox after a move: %s",
				strerror(errno));
	if (imapd_sync(sess, 1) < 0)
		return;
	if (failed)
		imapd_no(sess, "SERVERBUG", "%zu messages copied but not removed",
			 failed);
	else
		imapd_ok(sess, NULL, "MOVE completed");
}

static void imapd_copy_move(imapd_session_t *sess, const imap_arg_t *args,
			    size_t nargs, int move)
{
	imap_seqset_t set = IMAP_SEQSET_INIT;
	imapd_copy_t c;
	buf_t code = BUF_INIT;
	int dfd;

	memset(&c, 0, sizeof(c));
	c.cur_fd = c.new_fd = -1;
	c.target.fd = c.target.lock_fd = -1;
	if (nargs != 2) {
		imapd_bad(sess, NULL, "%s needs a message set and a mailbox",
			  move ? "MOVE" : "COPY");
		return;
	}
	if (move && sess->readonly) {
		imapd_no(sess, NULL, "The mailbox is read-only");
		return;
	}
	if (imapd_msgset(sess, &args[0], sess->uid, &set) < 0)
		return;
	if (imapd_target_open(sess, &args[1], &c.target) < 0)
		goto out;
	if (imap_seqset_count(&set) == 0) {
		/* RFC 3501 §6.4.8: a UID set naming no message is no error. */
		imapd_ok(sess, NULL, "No messages");
		goto out;
	}
	dfd = mailbox_dir_fd(sess->view->mb);
	c.cur_fd = openat(dfd, "cur", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	c.new_fd = openat(dfd, "new", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.cur_fd < 0 || c.new_fd < 0) {
		imapd_no(sess, "SERVERBUG", "Cannot read the selected mailbox");
		goto out;
	}
	if (imapd_target_lock(sess, &c.target) < 0)
		goto out;
	if (imapd_copy_collect(sess, &set, &c) < 0 ||
	    imapd_target_save_keywords(sess, &c.target) < 0 ||
	    imapd_copy_run(sess, &c) < 0) {
		imapd_target_unlock(&c.target);
		goto out;
	}
	imapd_target_done(sess, &c.target, c.n);
	imapd_copy_code(&c, &code);
	if (move) {
		imapd_untagged(sess, "OK [%s] Moved", buf_str(&code));
		imapd_move_expunge(sess, &c);
	} else {
		imapd_ok(sess, buf_str(&code), "COPY completed");
	}
out:
	buf_release(&code);
	imap_seqset_release(&set);
	imapd_copy_free(&c);
}

void imapd_cmd_copy(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_copy_move(sess, args, nargs, 0);
}

void imapd_cmd_move(imapd_session_t *sess, const imap_arg_t *args, size_t nargs)
{
	imapd_copy_move(sess, args, nargs, 1);
}
