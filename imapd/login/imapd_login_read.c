/* imapd_login_read.c - command input of the login role: lines and
 * literals through lib/imap_parse.h, and the command table.
 *
 * The client's bytes are taken as they arrive (the event loop of
 * imapd_login.c fills the stream); nothing here waits.  A command line
 * ending in a literal announcement (RFC 3501 §4.3) is followed by the
 * literal: a synchronizing one ({n}) gets the "+ OK" continuation first,
 * a non-synchronizing one ({n+}, RFC 7888) is simply read, within the
 * parser's LITERAL+ or LITERAL- rule (imapd_parse_options()).  Before
 * login nothing needs a large argument: a literal over
 * IMAPD_LOGIN_LITERAL_MAX is refused with BAD (its octets skipped when the
 * client sends them anyway), and a line over IMAPD_LOGIN_LINE_MAX (or
 * imapd_max_line_length, if lower) ends the connection with BYE, since
 * what follows could no longer be told apart from commands.  A failed
 * command's remaining lines and literals are skipped as the parser says.
 *
 * Commands come from the table below, one handler each; the commands of
 * the authenticated and selected states are answered BAD, as are unknown
 * ones, each counting as a bad command (imapd_login_bad()).
 *
 * SECURITY: the input may hold passwords (LOGIN's arguments, as atoms,
 * quoted strings or literals): the line buffer and the parser's texts are
 * wiped after every command (imap_parser_wipe()).
 */
#include <string.h>

#include "imapd_login.h"
#include "log.h"

/* A login command has a few short arguments; ID at most 30 pairs in one
 * list (RFC 2971 §3.3). */
static const imap_parse_limits_t imapd_login_limits = {
	.max_args = 128,
	.max_depth = 4,
	.max_octets = 2 * IMAPD_LOGIN_LINE_MAX,
	.max_literal = IMAPD_LOGIN_LITERAL_MAX,
};

#define JUNK 1	/* counts against imapd_junk_command_limit */

static const struct imapd_login_command {
	const char *name;
	imapd_login_handler_t *handle;
	int junk;
} imapd_login_commands[] = {
	{ "CAPABILITY", imapd_login_cmd_capability, JUNK },
	{ "NOOP", imapd_login_cmd_noop, JUNK },
	{ "LOGOUT", imapd_login_cmd_logout, 0 },
	{ "ID", imapd_login_cmd_id, 0 },
	{ "STARTTLS", imapd_login_cmd_starttls, 0 },
	{ "LOGIN", imapd_login_cmd_login, 0 },
	{ "AUTHENTICATE", imapd_login_cmd_authenticate, 0 },
	/* The authenticated and selected states (RFC 3501 §6.3, §6.4) and
	 * the extensions valid there: not yet. */
	{ "SELECT", imapd_login_cmd_noauth, 0 },
	{ "EXAMINE", imapd_login_cmd_noauth, 0 },
	{ "CREATE", imapd_login_cmd_noauth, 0 },
	{ "DELETE", imapd_login_cmd_noauth, 0 },
	{ "RENAME", imapd_login_cmd_noauth, 0 },
	{ "SUBSCRIBE", imapd_login_cmd_noauth, 0 },
	{ "UNSUBSCRIBE", imapd_login_cmd_noauth, 0 },
	{ "LIST", imapd_login_cmd_noauth, 0 },
	{ "LSUB", imapd_login_cmd_noauth, 0 },
	{ "STATUS", imapd_login_cmd_noauth, 0 },
	{ "APPEND", imapd_login_cmd_noauth, 0 },
	{ "NAMESPACE", imapd_login_cmd_noauth, 0 },
	{ "ENABLE", imapd_login_cmd_noauth, 0 },
	{ "IDLE", imapd_login_cmd_noauth, 0 },
	{ "CHECK", imapd_login_cmd_noauth, 0 },
	{ "CLOSE", imapd_login_cmd_noauth, 0 },
	{ "UNSELECT", imapd_login_cmd_noauth, 0 },
	{ "EXPUNGE", imapd_login_cmd_noauth, 0 },
	{ "SEARCH", imapd_login_cmd_noauth, 0 },
	{ "FETCH", imapd_login_cmd_noauth, 0 },
	{ "STORE", imapd_login_cmd_noauth, 0 },
	{ "COPY", imapd_login_cmd_noauth, 0 },
	{ "MOVE", imapd_login_cmd_noauth, 0 },
	{ "UID", imapd_login_cmd_noauth, 0 },
	{ NULL, NULL, 0 },
};

imap_parser_t *imapd_login_parser_new(void)
{
	return imap_parser_new(&imapd_login_limits,
			       imapd_parse_options() | IMAP_PARSE_SECRET);
}

/* A whole command: find it in the table and run its handler. */
static void imapd_login_dispatch(imapd_login_t *l)
{
	const imap_cmd_t *cmd = imap_parser_cmd(l->parser);
	const struct imapd_login_command *c;

	buf_set(&l->tag, cmd->tag);
	for (c = imapd_login_commands; c->name != NULL; c++)
		if (strcmp(c->name, cmd->name) == 0)
			break;
	if (c->name == NULL) {
		imapd_status(l->s, cmd->tag, "BAD", NULL, "Unknown command");
		imapd_login_bad(l);
		return;
	}
	l->last_cmd = c->name;
	if (c->junk && imapd_conf.junk_limit > 0 &&
	    ++l->junk > imapd_conf.junk_limit) {
		log_info("too many junk commands after %s from %s", c->name,
			 buf_str(&l->client));
		imapd_login_bye(l, NULL, "Too many junk commands");
		return;
	}
	/* Junk counts in a row: a command that does something ends it. */
	if (!c->junk && c->handle != imapd_login_cmd_noauth)
		l->junk = 0;
	c->handle(l, cmd->args, cmd->nargs);
	if (c->handle == imapd_login_cmd_noauth)
		imapd_login_bad(l);
}

/* A command failed: the octets the client sends anyway are skipped, and
 * its remaining lines too (the parser ignores them).  Its texts go now
 * unless the parser still reads it; then they go when it ends (the
 * parser is IMAP_PARSE_SECRET). */
static void imapd_login_skip(imapd_login_t *l)
{
	l->skip = imap_parser_cmd(l->parser)->skip;
	if (l->skip == 0)
		imap_parser_wipe(l->parser);
}

/* What the parser said about a line or a literal. */
static void imapd_login_parsed(imapd_login_t *l, enum imap_parse_result r)
{
	const imap_cmd_t *cmd = imap_parser_cmd(l->parser);

	switch (r) {
	case IMAP_PARSE_DONE:
		imapd_login_dispatch(l);
		/* The handlers copied what they keep; passwords go now. */
		imap_parser_wipe(l->parser);
		break;
	case IMAP_PARSE_LITERAL:
		if (cmd->literal_size > IMAPD_LOGIN_LITERAL_MAX ||
		    !cmd->literal_fits) {
			buf_set(&l->tag, cmd->tag != NULL ? cmd->tag : "*");
			/* IGNORE, with the octets to skip when the client
			 * sends them anyway ({n+}). */
			imap_parse_literal_refuse(l->parser);
			imapd_status(l->s, buf_str(&l->tag), "BAD", "TOOBIG",
				     "Literal too large before login (at most "
				     "%d octets)", IMAPD_LOGIN_LITERAL_MAX);
			imapd_login_skip(l);
			imapd_login_bad(l);
			break;
		}
		if (cmd->literal_sync)
			stream_puts(l->s, "+ OK\r\n");
		l->literal = cmd->literal_size;
		l->literal_on = 1;
		break;
	case IMAP_PARSE_ERROR:
		imapd_status(l->s, cmd->tag, "BAD", NULL, "%s", cmd->error);
		imapd_login_skip(l);
		imapd_login_bad(l);
		break;
	case IMAP_PARSE_IGNORE:
		imapd_login_skip(l);
		break;
	case IMAP_PARSE_MORE:
		break;
	}
}

/* Octets to skip or an awaited literal: 1 when the loop may go on, 0
 * when more input must come, or a stream status. */
static int imapd_login_take_octets(imapd_login_t *l)
{
	size_t have = stream_pending(l->s);

	if (l->skip > 0) {
		size_t n = have < l->skip ? have : l->skip;

		stream_consume(l->s, n);
		l->skip -= (uint32_t) n;
		if (l->skip == 0)
			return 1;
	} else if (have >= l->literal) {
		enum imap_parse_result r =
			imap_parse_literal_keep(l->parser, stream_pending_data(l->s),
						l->literal);

		stream_consume(l->s, l->literal);
		l->literal_on = 0;
		imapd_login_parsed(l, r);
		return 1;
	}
	if (stream_status(l->s) != STREAM_OK)
		return stream_status(l->s);
	return l->input_end ? STREAM_EOF : 0;
}

int imapd_login_take_input(imapd_login_t *l)
{
	while ((l->state == IMAPD_LOGIN_COMMAND || l->state == IMAPD_LOGIN_SASL) &&
	       !l->starttls && stream_out_pending(l->s) < IMAPD_LOGIN_OUT_MAX) {
		size_t limit = l->state == IMAPD_LOGIN_SASL ? IMAPD_SASL_LINE_MAX :
			imapd_login_conf.line_max;
		int st;

		if (l->state == IMAPD_LOGIN_COMMAND && (l->skip > 0 || l->literal_on)) {
			st = imapd_login_take_octets(l);
			if (st != 1)
				return st;
			continue;
		}
		stream_set_line_limit(l->s, limit);
		st = stream_try_line(l->s, &l->line);
		if (st == STREAM_TIMEOUT && stream_status(l->s) == STREAM_OK)
			return 0;		/* no whole line yet */
		if (l->timer) {
			event_cancel_timer(l->timer);	/* a new wait starts */
			l->timer = 0;
		}
		if (st == STREAM_TOOLONG && l->state == IMAPD_LOGIN_SASL) {
			buf_wipe(&l->line);
			imapd_status(l->s, buf_str(&l->tag), "BAD", NULL,
				     "Response too long");
			sasl_server_free(&l->sasl);
			imapd_login_set_state(l, IMAPD_LOGIN_COMMAND);
			continue;
		}
		if (st == STREAM_TOOLONG) {
			buf_wipe(&l->line);
			return STREAM_TOOLONG;
		}
		if (st != STREAM_OK || l->line.len == 0 ||
		    l->line.data[l->line.len - 1] != '\n') {
			/* An unterminated last line is no command. */
			buf_wipe(&l->line);
			return st == STREAM_OK ? STREAM_EOF : st;
		}
		if (l->state == IMAPD_LOGIN_SASL) {
			buf_chomp(&l->line);
			imapd_login_sasl_line(l);
		} else {
			imapd_login_parsed(l, imap_parse_line(l->parser, l->line.data,
							      l->line.len));
		}
		buf_wipe(&l->line);
	}
	return 0;
}
