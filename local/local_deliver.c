/* local_deliver.c - one recipient into its Maildir, in the delivery child.
 *
 * Before anything is written the message's own header is searched for a
 * Delivered-To: equal to this recipient: then the message has been here
 * before and went round in a forwarding loop (5.4.6).  Otherwise the
 * message is written behind a Return-Path: (the envelope sender) and a
 * Delivered-To: header by maildir_deliver(), which reports success only
 * after fsync of the file, the link into new/ and fsync of new/ - only
 * then does qmgr hear 2.0.0.  A delivery killed half way leaves a file in
 * tmp/; a later delivery to that Maildir removes it once the process
 * named in it (the P<pid> of the Maildir name, on this host) is gone: the
 * first one by each local process, and then one a second at most
 * (LOCAL_CLEAN_TMP_MS).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "header.h"
#include "local.h"
#include "maildir.h"
#include "mem.h"

/* Most of the message read to find the end of its header. */
#define LOCAL_HEADER_MAX (1024 * 1024)

int local_deliver_header(const local_req_t *req, buf_t *hdr)
{
	size_t want = req->length < LOCAL_HEADER_MAX ? req->length : LOCAL_HEADER_MAX;
	header_field_t f;
	size_t pos = 0;

	buf_reset(hdr);
	buf_reserve(hdr, want + 1);
	while (hdr->len < want) {
		ssize_t n = pread(req->fd, hdr->data + hdr->len, want - hdr->len,
				  req->offset + (off_t) hdr->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		hdr->len += (size_t) n;
	}
	hdr->data[hdr->len] = '\0';
	while (header_next(hdr->data, hdr->len, &pos, &f) == 1)
		;
	buf_truncate(hdr, pos);
	return 0;
}

/* Does the header hold "Delivered-To: addr" (any case, <> optional)? */
static int local_deliver_loop(const buf_t *hdr, const char *addr)
{
	header_field_t f;
	buf_t v = BUF_INIT;
	size_t pos = 0;
	int found = 0;

	while (!found && header_next(hdr->data, hdr->len, &pos, &f) == 1) {
		const char *s;
		size_t n;

		if (!header_is(&f, "Delivered-To"))
			continue;
		header_value(&f, &v);
		addr_lower(v.data);
		s = v.data;
		n = v.len;
		if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
			s++;
			n -= 2;
		}
		found = n == strlen(addr) && memcmp(s, addr, n) == 0;
	}
	buf_release(&v);
	return found;
}

/* Is pid gone?  A zombie (killed, not yet reaped) is gone too. */
static int local_deliver_pid_gone(pid_t pid)
{
	char *path, state = 0;
	char buf[256];
	ssize_t n;
	int fd;

	if (kill(pid, 0) < 0)
		return errno == ESRCH;
	path = mem_printf("/proc/%ld/stat", (long) pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	mem_free(path);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		char *paren;

		buf[n] = '\0';
		paren = strrchr(buf, ')');
		if (paren != NULL && paren[1] == ' ')
			state = paren[2];
	}
	return state == 'Z';
}

/* Is tmp/name a file a delivery process of this host left behind? */
static int local_deliver_abandoned(const char *name, const char *host)
{
	const char *p = strchr(name, 'P'), *q, *h;
	char *end;
	long pid;

	if (p == NULL || (q = strchr(p, 'Q')) == NULL ||
	    (h = strchr(q, '.')) == NULL || strcmp(h + 1, host) != 0)
		return 0;
	pid = strtol(p + 1, &end, 10);
	if (end != q || pid <= 0)
		return 0;
	return local_deliver_pid_gone((pid_t) pid);
}

/* How often one process looks through the tmp/ of the same Maildir.  A
 * look costs a readdir, which holds the directory against every delivery
 * creating or removing its file there, and a liveness check of every
 * sibling's file found: at hundreds of deliveries a second into one
 * Maildir that was the largest cost of a delivery after the fsyncs.  Files
 * left behind are rare (a killed delivery) and harmless until removed. */
#define LOCAL_CLEAN_TMP_MS 1000

static int local_deliver_clean_due(const char *mailbox)
{
	static char *last;
	static int64_t last_ms;
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (last != NULL && strcmp(last, mailbox) == 0 &&
	    now - last_ms < LOCAL_CLEAN_TMP_MS)
		return 0;
	mem_free(last);
	last = mem_strdup(mailbox);
	last_ms = now;
	return 1;
}

static void local_deliver_clean_tmp(const char *mailbox)
{
	char *tmp;
	DIR *d;
	struct dirent *de;
	const char *host = maildir_host();

	if (!local_deliver_clean_due(mailbox))
		return;
	tmp = mem_printf("%s/tmp", mailbox);
	d = opendir(tmp);
	while (d != NULL && (de = readdir(d)) != NULL) {
		char *path;

		if (de->d_name[0] == '.' || !local_deliver_abandoned(de->d_name, host))
			continue;
		path = mem_printf("%s/%s", tmp, de->d_name);
		unlink(path);
		mem_free(path);
	}
	if (d != NULL)
		closedir(d);
	mem_free(tmp);
}

void local_deliver_one(const local_req_t *req, local_rcpt_t *r,
		       const buf_t *hdr)
{
	buf_t prefix = BUF_INIT, name = BUF_INIT;
	char *err = NULL;

	if (local_deliver_loop(hdr, r->lower)) {
		buf_set(&r->dsn, "5.4.6");
		buf_set(&r->text, "mail forwarding loop for ");
		buf_puts(&r->text, r->lower);
		return;
	}
	local_deliver_clean_tmp(r->mailbox);
	buf_printf(&prefix, "Return-Path: <%s>\nDelivered-To: %s\n", req->sender,
		   r->lower);
	if (maildir_deliver(r->mailbox, prefix.data, prefix.len, req->fd,
			    req->offset, req->length, &name, &err) == 0) {
		buf_set(&r->dsn, "2.0.0");
		buf_set(&r->text, "delivered to maildir");
	} else {
		buf_set(&r->dsn, errno == EDQUOT ? "4.2.2" :
			errno == ENOSPC ? "4.3.1" : "4.3.0");
		buf_set(&r->text, err);
		mem_free(err);
	}
	buf_release(&prefix);
	buf_release(&name);
}
