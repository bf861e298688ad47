/* testd.c - a test-only daemon on the skeleton (built, never installed).
 *
 * It lets the master and skeleton tests watch real processes: a line echo
 * server that answers "echo: LINE"; "pid" answers the serving pid, "sleep N"
 * holds the connection (and the process busy) N seconds, "quit" closes;
 * "report PID KIND GEN" writes a status record about PID into the status
 * channel, as a taken-over child could (t_master_status_forged).
 * DAEMON_SINGLE waits for each line as the protocol servers do
 * (daemon_wait() on the skeleton's stop descriptor: the watchdog is off
 * while idle and on for each line), so that t_watchdog can prove both: an idle
 * client is not killed, a "sleep" longer than daemon_timeout is; on a stop
 * request an idle client gets "stopping" at once.
 * Its free arguments from master.conf pick a behaviour:
 *     testd          DAEMON_SINGLE, one client at a time
 *     testd multi    DAEMON_MULTI: many clients through the event loop
 *     testd crash    exits with status 2 before it is ready (throttle test)
 *     testd restricted  UNIX clients other than root, vmail_owner and
 *                    itself are refused (daemon_spec_t.peer_users)
 *
 * SECURITY: runs as mail_owner with no capabilities; trusts nothing a
 * client sends beyond the line limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "daemon.h"
#include "event.h"
#include "event_wait.h"
#include "log.h"
#include "master_proto.h"
#include "mem.h"
#include "stream.h"

#define TESTD_TIMEOUT		30
#define TESTD_LINE_LIMIT	1024

/* One command line; returns 0 when the client asked to quit. */
static int testd_answer(stream_t *s, buf_t *line)
{
	buf_chomp(line);
	if (strcmp(buf_str(line), "quit") == 0) {
		stream_puts(s, "bye\n");
		return 0;
	}
	if (strcmp(buf_str(line), "pid") == 0) {
		stream_printf(s, "%ld\n", (long) getpid());
	} else if (strncmp(buf_str(line), "report ", 7) == 0) {
		struct master_status st = { 0 };
		long pid = 0;
		int kind = 0;
		unsigned gen = 0;

		if (sscanf(buf_str(line) + 7, "%ld %d %u", &pid, &kind, &gen) == 3) {
			st.pid = (pid_t) pid;
			st.kind = kind;
			st.gen = gen;
			stream_printf(s, "wrote %zd\n", write(MASTER_STATUS_FD,
							       &st, sizeof(st)));
		} else {
			stream_puts(s, "usage: report PID KIND GEN\n");
		}
	} else if (strncmp(buf_str(line), "sleep ", 6) == 0) {
		int secs = atoi(buf_str(line) + 6);

		sleep((unsigned) (secs > 0 && secs < 600 ? secs : 0));
		stream_printf(s, "slept %d\n", secs);
	} else {
		stream_printf(s, "echo: %s\n", buf_str(line));
	}
	return 1;
}

static void testd_serve(daemon_client_t *client)
{
	stream_t *s = stream_open(client->fd);
	buf_t line = BUF_INIT;

	client->fd = -1;	/* the stream owns it now */
	stream_set_timeout(s, TESTD_TIMEOUT);
	stream_set_line_limit(s, TESTD_LINE_LIMIT);
	for (;;) {
		event_wait_t w = EVENT_WAIT_INIT;
		event_wake_t wake;
		int more;

		w.stream = s;
		w.stop_fd = daemon_stop_fd();
		w.timeout_ms = TESTD_TIMEOUT * 1000L;
		wake = daemon_wait(&w);
		if (wake == EVENT_WAKE_STOP)
			stream_puts(s, "stopping\n");
		if (wake != EVENT_WAKE_INPUT || stream_read_line(s, &line) != STREAM_OK)
			break;
		more = testd_answer(s, &line);
		if (stream_flush(s) != STREAM_OK || !more)
			break;
	}
	buf_release(&line);
	stream_close(&s);
}

/* DAEMON_MULTI: one stream per client, driven by readability. */
static void testd_multi_read(int fd, int events, void *ctx)
{
	stream_t *s = ctx;
	buf_t line = BUF_INIT;
	int more = 1;
	ssize_t n;

	(void) events;
	n = stream_fill(s);
	while (more && stream_try_line(s, &line) == STREAM_OK) {
		more = testd_answer(s, &line);
		if (stream_flush(s) != STREAM_OK)
			more = 0;
	}
	buf_release(&line);
	if (!more || n < 0) {
		event_del_fd(fd);
		stream_close(&s);
		daemon_client_done();
	}
}

static void testd_accept(const daemon_client_t *client)
{
	stream_t *s = stream_open(client->fd);

	stream_set_timeout(s, TESTD_TIMEOUT);
	stream_set_line_limit(s, TESTD_LINE_LIMIT);
	event_add_fd(client->fd, EVENT_READ, testd_multi_read, s);
}

static void testd_post_drop(void)
{
	int argc;
	char **argv = daemon_args(&argc);

	if (argc > 0 && strcmp(argv[0], "crash") == 0) {
		log_warn("crashing on purpose (testd crash)");
		exit(2);
	}
}

/* The first free argument, found the way daemon_main() parses options. */
static const char *testd_first_arg(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (argv[i][0] != '-')
			return argv[i];
		if (strchr("cntlgoL", argv[i][1]) != NULL)
			i++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = testd_first_arg(argc, argv);

	daemon_spec_t spec = {
		.program = "testd",
		.mode = DAEMON_SINGLE,
		.user_param = "mail_owner",
		.post_drop = testd_post_drop,
		.serve = testd_serve,
		.accept_client = testd_accept,
	};

	static const char *const restricted_peers[] = { "vmail_owner", NULL };

	/* The mode must be known before daemon_main() runs. */
	if (mode != NULL && strcmp(mode, "multi") == 0)
		spec.mode = DAEMON_MULTI;
	if (mode != NULL && strcmp(mode, "restricted") == 0)
		spec.peer_users = restricted_peers;
	daemon_main(argc, argv, &spec);
}
