/* imapd_msgfile.c - a message's octets and MIME tree, for FETCH and
 * SEARCH; see imapd_session.h.
 *
 * A large file is mapped, not read: BODY[] of a 30 MB message then costs
 * address space, not memory, the page cache serves a message fetched
 * twice, and ENVELOPE or a header section touches its first pages only.
 * Maildir files never change once delivered (a flag change is a rename),
 * so the mapping stays the message's content.  A small file is read:
 * mapping and unmapping thousands of 4 KiB messages (a cold metadata
 * FETCH 1:*) costs more in page faults and TLB flushes than copying
 * them.  When mmap(2) fails (a file system without it) the file is read
 * too.  The MIME tree is built on first use only: FLAGS, UID,
 * RFC822.SIZE and BODY[] need none, ENVELOPE and the header sections
 * only the header's end.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "imapd_session.h"
#include "mem.h"
#include "mime_wire.h"

#define IMAPD_MSGFILE_MAP_MIN (256 * 1024)	/* smaller files are read */

/* Read the whole file the slow way: size octets from fd. */
static int imapd_msgfile_read(int fd, size_t size, imapd_msgfile_t *mf)
{
	size_t got = 0;

	mf->data = mem_alloc(size);
	while (got < size) {
		ssize_t n = pread(fd, mf->data + got, size - got, (off_t) got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			MEM_FREE(mf->data);
			errno = err;
			return -1;
		}
		got += (size_t) n;
	}
	mf->len = size;
	return 0;
}

int imapd_msgfile_open(imapd_session_t *sess, mail_view_msg_t *m,
		       imapd_msgfile_t *mf)
{
	off_t size = 0;
	int fd, err, r = 0;

	memset(mf, 0, sizeof(*mf));
	fd = mail_view_msg_open(sess->view, m, &size);
	if (fd < 0)
		return -1;
	if (size > 0) {
		void *p = size < IMAPD_MSGFILE_MAP_MIN ? MAP_FAILED :
			mmap(NULL, (size_t) size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p != MAP_FAILED) {
			mf->data = p;
			mf->len = (size_t) size;
			mf->mapped = 1;
			/* FETCH reads a message from start to end */
			(void) madvise(p, (size_t) size, MADV_SEQUENTIAL);
		} else {
			r = imapd_msgfile_read(fd, (size_t) size, mf);
		}
	}
	err = errno;
	close(fd);
	errno = err;
	return r;
}

const mime_part_t *imapd_msgfile_mime(imapd_msgfile_t *mf)
{
	if (mf->mime == NULL)
		mf->mime = mime_parse(mf->data != NULL ? mf->data : "", mf->len);
	return mf->mime;
}

/* mime_parse.h's rule: lines end at every CR and every LF (the wire
 * form's lines), and the header ends with the first empty one. */
size_t imapd_msgfile_header(const imapd_msgfile_t *mf)
{
	size_t i = 0, run;

	if (mf->mime != NULL)
		return mf->mime->body_off;
	while (i < mf->len) {
		run = mime_wire_eol(mf->data + i, mf->len - i);
		if (run == 0)
			return i + 1;
		i += run + 1;
	}
	return mf->len;
}

void imapd_msgfile_close(imapd_msgfile_t *mf)
{
	if (mf->mime != NULL)
		mime_part_free(&mf->mime);
	if (mf->mapped)
		(void) munmap(mf->data, mf->len);
	else
		mem_free(mf->data);
	memset(mf, 0, sizeof(*mf));
}
