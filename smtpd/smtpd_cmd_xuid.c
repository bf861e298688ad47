/* smtpd_cmd_xuid.c - XUID, by which pickup names the user a message came
 * from (pickup(8)).
 *
 * On the local submission service smtpd records the submitting uid that
 * SO_PEERCRED reports for the connection.  A message kept in the maildrop
 * while tern was stopped is submitted later by pickup, which runs as
 * mail_owner; the submitter is the owner of the maildrop file, which
 * pickup names with "XUID uid" after EHLO.  smtpd takes the command only
 * from a peer running as its own user (mail_owner, or the instance's user
 * when not started as root) or as root, once per session and before MAIL;
 * to anyone else it is an unknown command, so a local user can never
 * claim another uid.  The named uid then goes into the Received field and
 * the envelope (submit_uid) as the peer's would, and the session is
 * pickup's: smtpd_cmd_rcpt.c accepts unknown local recipients, which the
 * queue bounces to the sender, and smtpd_hard_error_limit no longer
 * applies (smtpd_session.c).  The limit is there to be rid of a client
 * that probes or misbehaves; pickup is neither, and what it sends was
 * chosen by a local user: were a message's refused recipients to end the
 * session with 421, pickup could never submit that message, nor tell its
 * sender why.  pickup makes one session per message with at most
 * MAILDROP_MAX_RCPTS recipients, so the session still ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"

void smtpd_cmd_xuid(smtpd_session_t *sess)
{
	const char *arg = buf_str(&sess->cmd.args);
	unsigned long v;
	char *end;

	if (!sess->local ||
	    (sess->peer_uid != 0 && sess->peer_uid != geteuid())) {
		smtpd_reply(sess, "500 5.5.1 Error: command not recognized");
		return;
	}
	if (sess->pickup) {
		smtpd_reply(sess, "503 5.5.1 Error: XUID already given");
		return;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    v >= (unsigned long) (uid_t) -1) {
		smtpd_reply(sess, "501 5.5.4 Syntax: XUID uid");
		return;
	}
	sess->uid = (uid_t) v;
	sess->pickup = 1;
	log_info("%s: submitting uid %lu named by pickup", buf_str(&sess->client), v);
	smtpd_session_name(sess);
	smtpd_reply(sess, "250 2.0.0 Ok");
}
