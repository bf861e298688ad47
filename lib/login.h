/* login.h - the login/session split of the POP3 and IMAP servers (architecture §2).
 *
 * The *login* role runs as login_user, chrooted to an empty directory, with
 * no access to any mailbox or password hash.  It speaks the protocol up to
 * a successful authentication (TLS included), asking auth to verify the
 * credentials with token=yes.  On success it hands the client to a
 * *session* process over the UNIX socket private/<service>-session, with
 * attr_send_fd() (SCM_RIGHTS): one record
 *
 *     proto=login-session version=1   (the hello, in the same record)
 *     token=T  service=S  client=ADDR  port=N  secured=yes|no
 *     [tls_version=V tls_cipher=C]  [input=BYTES]  [anvil=yes]
 *     [greeting_tag=TAG  [capabilities=WORDS]]
 *
 * where input is what the client had already sent after the
 * authentication command (pipelining), and the descriptor is the client's
 * socket.  greeting_tag and capabilities are the protocol context the
 * session needs to answer the login command itself: for IMAP the tag of
 * the LOGIN or AUTHENTICATE command and the capabilities to send in its
 * tagged OK ("TAG OK [CAPABILITY WORDS] Logged in"); POP3 sends neither
 * (its "+OK" carries nothing).  When TLS is on, the login process cannot
 * hand over the TLS state: it passes one end of a socketpair instead and
 * stays in the middle, relaying plaintext in its own event loop
 * (login_relay.h) for as long as the session lasts, a client of that
 * process counted against its login_client_limit, which master sees.  The
 * session answers "ok" or "fail reason=..." in a one-line attr record on
 * the same socket before the login side lets go.  The record is encoded
 * and checked in login_record.h.
 *
 * anvil=yes says that the login process counted the client with anvil
 * (lib/anvil_client.h) and gives that count up with the hand-off: the
 * session counts the client again, as a hand-off, for as long as it
 * serves it, so a client is counted for the whole life of its connection
 * (the TLS relay holds no count of its own).
 *
 * The session role (a process master started with exec, DAEMON_SINGLE)
 * receives the record, redeems the token with auth - never trusting the
 * login process's word for the user - and serves the user's mailbox as
 * the mailbox owner.  A forged or replayed token is refused.
 */
#ifndef TERN_LOGIN_H
#define TERN_LOGIN_H

#include "buf.h"
#include "login_record.h"
#include "stream.h"

typedef struct login_info {
	char *service;		/* "pop3", "pop3s", "imap", ... */
	char *client;		/* numeric address */
	int port;
	int secured;		/* secure enough for a plaintext password by
				 * the login service's auth_plaintext (TLS,
				 * loopback where it says so, or always), so
				 * the session answers as its login did */
	char *tls_version;	/* NULL without TLS */
	char *tls_cipher;
	char *user;		/* session side: from auth's redeem */
	int anvil;		/* counted by anvil until the hand-off */
	char *greeting_tag;	/* IMAP: the login command's tag; NULL: none */
	char *capabilities;	/* IMAP: for the tagged OK; NULL: none */
} login_info_t;

/*
 * Login side, in two steps so that an event-driven login process waits
 * for nobody.  login_handoff_start() connects to session_socket (the path
 * of private/<service>-session as reachable from the login process) and
 * sends the record with the descriptor; NULL with *err_r (static text)
 * when that failed.  The caller then watches login_handoff_fd() for
 * reading (with a timeout of its own: ipc_timeout) and calls
 * login_handoff_finish(): 0 when the session took the client - without
 * TLS *client is closed (the session holds the socket), with TLS
 * *relay_fd_r is the login side's end of the socketpair, to relay over
 * with login_relay_start() - or -1 with *err_r, and the caller still owns
 * *client to answer the protocol's error.  Either way *hp is freed;
 * login_handoff_free() abandons a hand-off (timeout, stop).
 */
typedef struct login_handoff login_handoff_t;
login_handoff_t *login_handoff_start(stream_t *client, const char *session_socket,
				     const char *token, const login_info_t *info,
				     const char **err_r);
int login_handoff_fd(const login_handoff_t *h);
int login_handoff_finish(login_handoff_t **hp, stream_t **client,
			 int *relay_fd_r, const char **err_r);
void login_handoff_free(login_handoff_t **hp);

/*
 * Session side: read the hand-off on conn (the accepted session socket),
 * redeem the token with auth (auth_socket path, timeout), and answer the
 * login process.  On success 0, a stream on the client descriptor with the
 * pending input put back, and *info filled (info->user set).  -1 with
 * *err_r on a bad record or a refused token (the client has then been
 * closed).
 */
int login_session_accept(int conn, const char *auth_socket, int timeout,
			 stream_t **client_r, login_info_t *info, const char **err_r);
void login_info_clear(login_info_t *info);

#endif
