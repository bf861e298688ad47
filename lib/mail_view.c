/* mail_view.c - a session's view of a folder; see mail_view.h.
 *
 * A sync costs one listing of new/ and cur/ (lib/mailbox.c), a read of
 * what was appended to the UID list, and a merge of two UID-sorted
 * arrays; the lock is taken only when a file has no UID yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_util.h"
#include "log.h"
#include "mail_view.h"
#include "maildir.h"
#include "mem.h"

typedef struct mail_view_pair {
	uint32_t uid;
	const mailbox_msg_t *m;
} mail_view_pair_t;

static void mail_view_msg_free(mail_view_msg_t *m)
{
	mem_free(m->name);
	m->name = NULL;
}

void mail_view_close(mail_view_t **vp)
{
	mail_view_t *v = *vp;

	if (v == NULL)
		return;
	mail_view_unlock(v);
	for (size_t i = 0; i < v->n; i++)
		mail_view_msg_free(&v->msgs[i]);
	mem_free(v->msgs);
	mail_uidlist_free(&v->uidlist);
	mail_keywords_free(&v->keywords);
	mailbox_close(&v->mb);
	mem_free(v->dir);
	mem_free(v);
	*vp = NULL;
}

mail_view_t *mail_view_open(const char *dir, int readonly, char **err_r)
{
	mail_view_t *v = MEM_NEW(mail_view_t);

	v->lock_fd = -1;
	v->readonly = readonly;
	v->dir = mem_strdup(dir);
	mail_uidlist_init(&v->uidlist, v->dir);
	v->mb = mailbox_open(dir, err_r);
	if (v->mb == NULL) {
		mail_view_close(&v);
		return NULL;
	}
	if (mail_view_sync(v) < 0) {
		*err_r = mem_printf("%s: %s", dir, strerror(errno));
		mail_view_close(&v);
		return NULL;
	}
	return v;
}

int mail_view_lock(mail_view_t *v)
{
	if (v->lock_fd >= 0)
		return 0;
	v->lock_fd = file_lock_at(mailbox_dir_fd(v->mb), MAIL_VIEW_LOCK_FILE, 1);
	return v->lock_fd < 0 ? -1 : 0;
}

void mail_view_unlock(mail_view_t *v)
{
	if (v->lock_fd < 0)
		return;
	close(v->lock_fd);
	v->lock_fd = -1;
}

static int mail_view_pair_cmp(const void *a, const void *b)
{
	const mail_view_pair_t *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Give UIDs to the listed files that have none, under the lock; *gave_r
 * is set when it gave some. */
static int mail_view_assign(mail_view_t *v, const mailbox_msg_t *disk, size_t nd,
			    int *gave_r)
{
	const char **bases = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < nd; i++)
		if (mail_uidlist_find(&v->uidlist, disk[i].base) == 0)
			n++;
	/* An empty folder without a list still needs its UIDVALIDITY
	 * (RFC 3501 §9: a nz-number) and UIDNEXT: the list is made now. */
	if (n == 0 && v->uidlist.validity != 0)
		return 0;
	if (mail_view_lock(v) < 0)
		return -1;
	if (mail_uidlist_refresh(mailbox_dir_fd(v->mb), &v->uidlist) < 0) {
		mail_view_unlock(v);
		return -1;
	}
	bases = mem_reallocarray(NULL, n ? n : 1, sizeof(*bases));
	n = 0;
	/* disk is in arrival order: so are the UIDs (RFC 3501 §2.3.1.1). */
	for (size_t i = 0; i < nd; i++)
		if (mail_uidlist_find(&v->uidlist, disk[i].base) == 0)
			bases[n++] = disk[i].base;
	r = n || v->uidlist.validity == 0 ?
		mail_uidlist_append(mailbox_dir_fd(v->mb), &v->uidlist, bases, n,
				    v->validity ? v->validity + 1 : 0) : 0;
	if (r < 0)
		log_error("%s: cannot give UIDs to %zu new messages: %s", v->dir,
			  n, strerror(errno));
	mail_view_unlock(v);
	mem_free(bases);
	if (n > 0 && r == 0)
		*gave_r = 1;
	return r;
}

uint32_t mail_view_first_recent(int dirfd)
{
	int fd = openat(dirfd, MAIL_VIEW_RECENT_FILE, O_RDONLY | O_NOFOLLOW |
			O_CLOEXEC);
	char text[32];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return (uint32_t) strtoul(text, NULL, 10);
}

/* The messages added from index from on: those no session was told of
 * yet are \Recent here (RFC 3501 §2.3.2).  A read-write view claims them
 * for itself by moving the folder's first recent UID past them, under
 * the lock; so does a read-only view for the UIDs it gave; any other
 * read-only view sees them as recent and leaves them to the next session
 * (§6.3.2: EXAMINE must not make messages lose \Recent). */
static void mail_view_claim(mail_view_t *v, size_t from, int gave)
{
	int dfd = mailbox_dir_fd(v->mb);
	uint32_t first, hi;
	char text[32];
	int len;

	if (from >= v->n)
		return;
	hi = v->msgs[v->n - 1].uid;
	if (hi < (first = mail_view_first_recent(dfd)))
		return;
	if (!v->readonly || gave) {
		if (mail_view_lock(v) < 0)
			return;
		first = mail_view_first_recent(dfd);
		len = snprintf(text, sizeof(text), "%u\n", hi + 1);
		if (hi >= first && file_replace_at(dfd, MAIL_VIEW_RECENT_FILE, text,
						   (size_t) len, 0600) < 0) {
			/* Unrecorded, a claim could be made twice. */
			log_error("%s: cannot write %s: %s", v->dir,
				  MAIL_VIEW_RECENT_FILE, strerror(errno));
			first = hi + 1;
		}
		mail_view_unlock(v);
	}
	for (size_t i = from; i < v->n; i++) {
		mail_view_msg_t *m = &v->msgs[i];

		if (m->uid >= first && !m->recent && !m->expunged) {
			m->recent = 1;
			v->recent++;
		}
	}
}

static void mail_view_fill(mail_view_msg_t *m, const mailbox_msg_t *d)
{
	mail_flags_t f;

	if (m->name == NULL || strcmp(m->name, d->name) != 0) {
		mem_free(m->name);
		m->name = mem_strdup(d->name);
	}
	m->in_new = d->in_new;
	mail_flags_from_name(d->name, &f);
	if (f.upper != m->flags.upper || f.keywords != m->flags.keywords) {
		m->flags = f;
		m->flags_changed = 1;
	}
	m->size = d->size;
	m->wsize = d->wsize;
	m->mtime = d->mtime;
}

static void mail_view_add(mail_view_t *v, uint32_t uid, const mailbox_msg_t *d)
{
	mail_view_msg_t *m;

	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->msgs = mem_reallocarray(v->msgs, v->cap, sizeof(*v->msgs));
	}
	m = &v->msgs[v->n++];
	memset(m, 0, sizeof(*m));
	m->uid = uid;
	mail_view_fill(m, d);
	m->flags_changed = 0;	/* new: reported whole, not as a change */
}

/* Is every UID of the list between lo and hi (exclusive) among pairs? */
static int mail_view_complete(const mail_view_t *v, const mail_view_pair_t *p,
			      size_t np, uint32_t lo, uint32_t hi)
{
	size_t j = 0;

	for (size_t i = 0; i < v->uidlist.n; i++) {
		uint32_t uid = v->uidlist.v[i].uid;

		if (uid <= lo || uid >= hi)
			continue;
		while (j < np && p[j].uid < uid)
			j++;
		if (j == np || p[j].uid != uid)
			return 0;
	}
	return 1;
}

/* Move this view's new arrivals from new/ to cur/ (RFC 3501 gives no
 * meaning to new/; Maildir readers take it as "not yet seen by a
 * reader"), keeping their flags. */
static void mail_view_to_cur(mail_view_t *v, size_t from)
{
	for (size_t i = from; i < v->n; i++) {
		mail_view_msg_t *m = &v->msgs[i];

		if (m->in_new && !m->expunged)
			(void) mail_view_set_flags(v, m, &m->flags);
	}
}

int mail_view_sync(mail_view_t *v)
{
	int dfd = mailbox_dir_fd(v->mb);
	mailbox_msg_t *disk;
	mail_view_pair_t *p = NULL;
	size_t nd, np, i, j, old_n;
	uint32_t max = v->n ? v->msgs[v->n - 1].uid : 0;
	int relisted = 0, gave = 0;

again:
	if (mailbox_list(v->mb, &disk, &nd) < 0 ||
	    mail_uidlist_refresh(dfd, &v->uidlist) < 0 ||
	    mail_view_assign(v, disk, nd, &gave) < 0) {
		mem_free(p);
		return -1;
	}
	if (v->validity != 0 && v->uidlist.validity != v->validity) {
		/* The UIDs this view knows mean nothing now. */
		log_error("%s: UIDVALIDITY changed from %u to %u", v->dir,
			  v->validity, v->uidlist.validity);
		errno = ESTALE;
		mem_free(p);
		return -1;
	}
	v->validity = v->uidlist.validity;
	(void) mail_keywords_load(dfd, &v->keywords);
	p = mem_reallocarray(p, nd ? nd : 1, sizeof(*p));
	np = 0;
	for (i = 0; i < nd; i++) {
		uint32_t uid = mail_uidlist_find(&v->uidlist, disk[i].base);

		if (uid != 0) {
			p[np].uid = uid;
			p[np++].m = &disk[i];
		}
	}
	qsort(p, np, sizeof(*p), mail_view_pair_cmp);
	/* A UID given after our listing: list once more before adding. */
	if (!relisted && np > 0 && p[np - 1].uid > max &&
	    !mail_view_complete(v, p, np, max, p[np - 1].uid)) {
		relisted = 1;
		goto again;
	}
	for (i = 0, j = 0; i < v->n; i++) {
		mail_view_msg_t *m = &v->msgs[i];

		while (j < np && p[j].uid < m->uid)
			j++;
		if (j < np && p[j].uid == m->uid) {
			if (!m->expunged)
				mail_view_fill(m, p[j].m);
		} else if (!m->expunged) {
			m->expunged = 1;
			v->expunges++;
		}
	}
	old_n = v->n;
	for (j = 0; j < np; j++)
		if (p[j].uid > max)
			mail_view_add(v, p[j].uid, p[j].m);
	v->next_uid = v->uidlist.next;
	mem_free(p);
	mail_view_claim(v, old_n, gave);
	if (!v->readonly)
		mail_view_to_cur(v, old_n);
	return 0;
}

void mail_view_take_expunges(mail_view_t *v,
			     void (*cb)(uint32_t seq, void *ctx), void *ctx)
{
	size_t out = 0;

	if (v->expunges == 0)
		return;
	for (size_t i = v->n; i-- > 0;)
		if (v->msgs[i].expunged)
			cb((uint32_t) i + 1, ctx);
	for (size_t i = 0; i < v->n; i++) {
		if (v->msgs[i].expunged) {
			v->recent -= v->msgs[i].recent;
			mail_view_msg_free(&v->msgs[i]);
			continue;
		}
		v->msgs[out++] = v->msgs[i];
	}
	v->n = out;
	v->expunges = 0;
}

void mail_view_take_flag_changes(mail_view_t *v,
				 void (*cb)(uint32_t seq, void *ctx), void *ctx)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->msgs[i].flags_changed && !v->msgs[i].expunged) {
			v->msgs[i].flags_changed = 0;
			cb((uint32_t) i + 1, ctx);
		}
	}
}

mail_view_msg_t *mail_view_find_uid(mail_view_t *v, uint32_t uid, uint32_t *seq_r)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->msgs[mid].uid == uid) {
			if (seq_r != NULL)
				*seq_r = (uint32_t) mid + 1;
			return &v->msgs[mid];
		}
		if (v->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A copy in lib/mailbox.h's terms, for its file operations. */
static void mail_view_as_mailbox_msg(const mail_view_msg_t *m, mailbox_msg_t *mm)
{
	memset(mm, 0, sizeof(*mm));
	mm->name = mem_strdup(m->name);
	/* the base as mailbox.c keys it (up to ',' or ':'), so that its
	 * rescan finds a file another session renamed */
	mm->base = mem_strndup(m->name, maildir_name_base_len(m->name));
	mm->in_new = m->in_new;
	mm->size = m->size;
	mm->wsize = m->wsize;
	mm->mtime = m->mtime;
}

static void mail_view_gone(mail_view_t *v, mail_view_msg_t *m)
{
	if (!m->expunged) {
		m->expunged = 1;
		v->expunges++;
	}
}

int mail_view_set_flags(mail_view_t *v, mail_view_msg_t *m, const mail_flags_t *f)
{
	mailbox_msg_t mm;
	buf_t letters = BUF_INIT;
	const char *info;
	int r;

	mail_view_as_mailbox_msg(m, &mm);
	mail_flags_name("", f, &letters);
	info = buf_str(&letters) + 3;	/* after ":2," */
	r = mailbox_msg_set_flags(v->mb, &mm, info);
	if (r == 0) {
		mem_free(m->name);
		m->name = mm.name;
		mm.name = NULL;
		m->in_new = 0;
		m->flags = *f;
	} else if (errno == ENOENT) {
		mail_view_gone(v, m);
	}
	mem_free(mm.name);
	mem_free(mm.base);
	buf_release(&letters);
	return r;
}

int mail_view_remove(mail_view_t *v, mail_view_msg_t *m)
{
	mailbox_msg_t mm;
	int r;

	mail_view_as_mailbox_msg(m, &mm);
	r = mailbox_msg_delete(v->mb, &mm);
	if (r == 0 || errno == ENOENT)
		mail_view_gone(v, m);
	mem_free(mm.name);
	mem_free(mm.base);
	return r;
}

int mail_view_msg_open(mail_view_t *v, mail_view_msg_t *m, off_t *size_r)
{
	mailbox_msg_t mm;
	int fd;

	mail_view_as_mailbox_msg(m, &mm);
	fd = mailbox_msg_open(v->mb, &mm, size_r);
	if (fd >= 0 && strcmp(mm.name, m->name) != 0) {
		mem_free(m->name);
		m->name = mm.name;
		mm.name = NULL;
		m->in_new = mm.in_new;
	} else if (fd < 0 && errno == ENOENT) {
		mail_view_gone(v, m);
	}
	mem_free(mm.name);
	mem_free(mm.base);
	return fd;
}
