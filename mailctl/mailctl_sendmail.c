/* mailctl_sendmail.c - sendmail's modes other than sending: -bi
 * (newaliases), -bp (mailq) and -q, also reached through the names
 * newaliases and mailq (mailctl.c).
 *
 * They are `mailctl newaliases`, `mailctl queue list` and `mailctl queue
 * flush`, which write the alias database, read the queue (mail_owner's,
 * mode 0700) and ask qmgr over private/qmgr: root's work, or on an
 * instance an ordinary user runs, that user's, who owns its queue
 * directory.  Anyone else is told that it needs root, with EX_NOPERM
 * (77), before anything is tried.  There is deliberately no public way to
 * list the queue: a listing shows who mails whom.
 */
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mailctl.h"
#include "mailctl_send.h"

int mailctl_sendmail_mode(int mode)
{
	const char *what = mode == 'i' ? "newaliases (sendmail -bi)" :
		mode == 'p' ? "mailq (sendmail -bp)" : "sendmail -q";
	char *argv[3];
	struct stat st;
	int argc = 0;

	if (geteuid() != 0 &&
	    (stat(config_str("queue_directory"), &st) < 0 ||
	     st.st_uid != geteuid())) {
		log_error("%s needs root: the alias database and the mail queue "
			  "are not open to other users", what);
		return EX_NOPERM;
	}
	/* The commands' argv, as mailctl's dispatch would pass it. */
	if (mode == 'i') {
		argv[argc++] = "newaliases";
	} else {
		argv[argc++] = "queue";
		argv[argc++] = mode == 'p' ? "list" : "flush";
	}
	argv[argc] = NULL;
	optind = 0;
	if (mode == 'i')
		return mailctl_cmd_newaliases(argc, argv);
	return mailctl_cmd_queue(argc, argv);
}
