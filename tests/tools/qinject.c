/* qinject.c - a test tool: put a message straight into the queue, the way
 * smtpd does (lib/queue.h writer: tmp/, fsync, link into incoming/), then
 * wake qmgr.  Built beside the programs for the integration tests, never
 * installed.
 *
 *   qinject -q QUEUE_DIR -f SENDER [-a ARRIVAL] [-E ENVID] [-R FULL|HDRS]
 *           [-o ORCPT] [-N NOTIFY] [-n] RCPT... < message
 *
 * -o and -N apply to every recipient; -n skips the wake-up; -a sets the
 * arrival time (epoch seconds), to test retries and expiry.  CRLF line
 * ends in the input become LF, as smtpd stores them.  Prints the queue id.
 *
 * SECURITY: run as root, it becomes the owner of QUEUE_DIR/incoming first,
 * so the file belongs to mail_owner like one written by smtpd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "deliver_proto.h"
#include "log.h"
#include "mem.h"
#include "queue.h"
#include "sock.h"
#include "stream.h"

#define QINJECT_MAX (64 * 1024 * 1024)

static void qinject_become_owner(const char *qdir)
{
	char *inc = mem_printf("%s/incoming", qdir);
	struct stat st;

	if (geteuid() != 0)
		return;
	if (stat(inc, &st) < 0)
		log_fatal("%s: %s", inc, strerror(errno));
	if (setgid(st.st_gid) < 0 || setuid(st.st_uid) < 0)
		log_fatal("switch to the queue owner: %s", strerror(errno));
	mem_free(inc);
}

static void qinject_wakeup(const char *qdir, const char *id)
{
	char *path = mem_printf("%s/%s", qdir, QMGR_SOCKET);
	int fd = sock_connect_unix(path, 5);
	stream_t *s;
	attr_t *a, *reply;

	mem_free(path);
	if (fd < 0) {
		log_warn("wake qmgr: %s", strerror(errno));
		return;
	}
	s = stream_open(fd);
	stream_set_timeout(s, 10);
	a = attr_new();
	reply = attr_new();
	attr_add(a, "request", "wakeup");
	attr_add(a, "id", id);
	if (attr_hello_write(s, QMGR_PROTO, QMGR_VERSION) != ATTR_OK ||
	    attr_write(s, a) != ATTR_OK || attr_read(s, reply) != ATTR_OK)
		log_warn("wake qmgr: no answer");
	attr_free(&a);
	attr_free(&reply);
	stream_close(&s);
}

int main(int argc, char **argv)
{
	const char *qdir = NULL, *sender = NULL, *arrival = NULL, *envid = NULL;
	const char *ret = NULL, *orcpt = "", *notify = "";
	buf_t in = BUF_INIT, msg = BUF_INIT;
	char chunk[65536];
	queue_writer_t *w;
	attr_t *env;
	int c, wake = 1;
	ssize_t n;

	log_init("qinject");
	log_set_dest(LOG_DEST_STDERR, NULL);
	while ((c = getopt(argc, argv, "q:f:a:E:R:o:N:n")) != -1) {
		switch (c) {
		case 'q': qdir = optarg; break;
		case 'f': sender = optarg; break;
		case 'a': arrival = optarg; break;
		case 'E': envid = optarg; break;
		case 'R': ret = optarg; break;
		case 'o': orcpt = optarg; break;
		case 'N': notify = optarg; break;
		case 'n': wake = 0; break;
		default:
			log_fatal("usage: qinject -q QUEUE_DIR -f SENDER [-a ARRIVAL] "
				  "[-E ENVID] [-R RET] [-o ORCPT] [-N NOTIFY] [-n] RCPT...");
		}
	}
	if (qdir == NULL || sender == NULL || optind >= argc)
		log_fatal("need -q, -f and at least one recipient");
	while ((n = read(0, chunk, sizeof(chunk))) > 0) {
		if (in.len + (size_t) n > QINJECT_MAX)
			log_fatal("message too large");
		buf_append(&in, chunk, (size_t) n);
	}
	for (size_t i = 0; i < in.len; i++)
		if (!(in.data[i] == '\r' && i + 1 < in.len && in.data[i + 1] == '\n'))
			buf_putc(&msg, in.data[i]);
	qinject_become_owner(qdir);
	w = queue_writer_open(qdir);
	if (w == NULL)
		log_fatal("queue_writer_open %s: %s", qdir, strerror(errno));
	env = queue_writer_envelope(w);
	attr_add(env, "sender", sender);
	for (int i = optind; i < argc; i++) {
		attr_add(env, "rcpt", argv[i]);
		attr_add(env, "rcpt_orcpt", orcpt);
		attr_add(env, "rcpt_notify", notify);
	}
	if (envid)
		attr_add(env, "envid", envid);
	if (ret)
		attr_add(env, "ret", ret);
	if (arrival)
		attr_add(env, "arrival", arrival);
	else
		attr_addf(env, "arrival", "%lld", (long long) time(NULL));
	attr_add(env, "proto", "qinject");
	if (queue_writer_content(w, msg.data ? msg.data : "", msg.len) < 0 ||
	    queue_writer_commit(w) < 0)
		log_fatal("queue: %s", strerror(errno));
	printf("%s\n", queue_writer_id(w));
	fflush(stdout);
	if (wake)
		qinject_wakeup(qdir, queue_writer_id(w));
	queue_writer_free(&w);
	buf_release(&in);
	buf_release(&msg);
	return 0;
}
