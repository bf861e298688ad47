/* test_auth_token.c - unit tests for auth/auth_token.c, the one-time
 * session tokens: issue, redeem once, expiry, binding, bounds.
 */
#include "../../auth/auth_token.h"
#include "../../lib/buf.h"
#include "../../lib/mem.h"
#include "test.h"

static int is_token(const buf_t *t)
{
	if (t->len != 2 * AUTH_TOKEN_BYTES)
		return 0;
	for (size_t i = 0; i < t->len; i++)
		if (!strchr("0123456789abcdef", t->data[i]))
			return 0;
	return 1;
}

static void test_token_once(void)
{
	auth_tokens_t *t = auth_tokens_new(30000, 100);
	buf_t tok = BUF_INIT, tok2 = BUF_INIT, user = BUF_INIT;
	const char *why = NULL;

	test_begin("a token is 64 hex digits and redeems exactly once");
	test_assert_int(auth_token_issue(t, "a@x", "pop3", "192.0.2.1", 0, &tok,
					 &why), 0);
	test_assert(is_token(&tok));
	test_assert_int(auth_token_issue(t, "b@x", "pop3", "192.0.2.1", 0, &tok2,
					 &why), 0);
	test_assert(strcmp(buf_str(&tok), buf_str(&tok2)) != 0);
	test_assert_int(auth_tokens_count(t, 0), 2);
	test_assert_int(auth_token_redeem(t, buf_str(&tok), "pop3", "192.0.2.1",
					  10, &user, &why), 1);
	test_assert_str(buf_str(&user), "a@x");
	test_assert_int(auth_token_redeem(t, buf_str(&tok), "pop3", "192.0.2.1",
					  11, &user, &why), 0);
	test_assert_str(why, "unknown, used or expired token");
	/* Upper-case hex is the same token. */
	for (size_t i = 0; i < tok2.len; i++)
		if (tok2.data[i] >= 'a')
			tok2.data[i] = (char) (tok2.data[i] - 'a' + 'A');
	test_assert_int(auth_token_redeem(t, buf_str(&tok2), "pop3", "192.0.2.1",
					  12, &user, &why), 1);
	test_assert_str(buf_str(&user), "b@x");
	test_assert_int(auth_tokens_count(t, 12), 0);
	auth_tokens_free(&t);
	test_assert(t == NULL);
	buf_release(&tok);
	buf_release(&tok2);
	buf_release(&user);
	test_end();
}

static void test_token_forged(void)
{
	auth_tokens_t *t = auth_tokens_new(30000, 100);
	buf_t tok = BUF_INIT, user = BUF_INIT;
	const char *why = NULL;
	char *forged;

	test_begin("forged and malformed tokens fail");
	auth_token_issue(t, "a@x", "imap", "::1", 0, &tok, &why);
	forged = mem_strdup(buf_str(&tok));
	forged[10] = forged[10] == '0' ? '1' : '0';
	test_assert_int(auth_token_redeem(t, forged, "imap", "::1", 1, &user,
					  &why), 0);
	test_assert_int(auth_token_redeem(t, "", "imap", "::1", 1, &user, &why), 0);
	test_assert_str(why, "malformed token");
	test_assert_int(auth_token_redeem(t, "abc", "imap", "::1", 1, &user,
					  &why), 0);
	forged[0] = 'g';
	test_assert_int(auth_token_redeem(t, forged, "imap", "::1", 1, &user,
					  &why), 0);
	test_assert_str(why, "malformed token");
	/* A forgery does not use up the real token. */
	test_assert_int(auth_token_redeem(t, buf_str(&tok), "imap", "::1", 2,
					  &user, &why), 1);
	test_assert(user.len == 3);
	mem_free(forged);
	auth_tokens_free(&t);
	buf_release(&tok);
	buf_release(&user);
	test_end();
}

static void test_token_expiry(void)
{
	auth_tokens_t *t = auth_tokens_new(30000, 100);
	buf_t a = BUF_INIT, b = BUF_INIT, user = BUF_INIT;
	const char *why = NULL;

	test_begin("a token expires ttl after it was issued");
	auth_token_issue(t, "a@x", "pop3", "::1", 0, &a, &why);
	auth_token_issue(t, "b@x", "pop3", "::1", 1, &b, &why);
	test_assert_int(auth_token_redeem(t, buf_str(&a), "pop3", "::1", 30000,
					  &user, &why), 0);
	test_assert_int(auth_token_redeem(t, buf_str(&b), "pop3", "::1", 30000,
					  &user, &why), 1);
	test_assert_str(buf_str(&user), "b@x");
	auth_tokens_free(&t);
	buf_release(&a);
	buf_release(&b);
	buf_release(&user);
	test_end();
}

static void test_token_binding(void)
{
	auth_tokens_t *t = auth_tokens_new(30000, 100);
	buf_t tok = BUF_INIT, user = BUF_INIT;
	const char *why = NULL;

	test_begin("a token presented for another service or client is burnt");
	auth_token_issue(t, "a@x", "pop3", "192.0.2.1", 0, &tok, &why);
	test_assert_int(auth_token_redeem(t, buf_str(&tok), "imap", "192.0.2.1",
					  1, &user, &why), 0);
	test_assert_str(why, "token issued for another service");
	test_assert_int(auth_token_redeem(t, buf_str(&tok), "pop3", "192.0.2.1",
					  2, &user, &why), 0);
	auth_token_issue(t, "a@x", "pop3", "192.0.2.1", 3, &tok, &why);
	test_assert_int(auth_token_redeem(t, buf_str(&tok), "pop3", "192.0.2.2",
					  4, &user, &why), 0);
	test_assert_str(why, "token issued for another client address");
	test_assert_int(auth_token_redeem(t, buf_str(&tok), "pop3", "192.0.2.1",
					  5, &user, &why), 0);
	test_assert_int(user.len, 0);
	auth_tokens_free(&t);
	buf_release(&tok);
	buf_release(&user);
	test_end();
}

static void test_token_bounded(void)
{
	auth_tokens_t *t = auth_tokens_new(1000, 3);
	buf_t tok[4] = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT };
	buf_t user = BUF_INIT;
	const char *why = NULL;

	test_begin("outstanding tokens are bounded; the list stays consistent");
	for (int i = 0; i < 3; i++)
		test_assert_int(auth_token_issue(t, "u@x", "pop3", "::1", i,
						 &tok[i], &why), 0);
	test_assert_int(auth_token_issue(t, "u@x", "pop3", "::1", 3, &tok[3],
					 &why), -1);
	test_assert_str(why, "too many outstanding tokens");
	/* Redeem the newest (the tail), then issue again: the tail moved. */
	test_assert_int(auth_token_redeem(t, buf_str(&tok[2]), "pop3", "::1", 4,
					  &user, &why), 1);
	test_assert_int(auth_token_issue(t, "v@x", "pop3", "::1", 5, &tok[3],
					 &why), 0);
	test_assert_int(auth_token_redeem(t, buf_str(&tok[1]), "pop3", "::1", 6,
					  &user, &why), 1);
	test_assert_int(auth_token_redeem(t, buf_str(&tok[3]), "pop3", "::1", 7,
					  &user, &why), 1);
	test_assert_str(buf_str(&user), "v@x");
	test_assert_int(auth_tokens_count(t, 7), 1);
	/* Once the first has expired there is room again. */
	test_assert_int(auth_token_issue(t, "w@x", "pop3", "::1", 1000, &tok[0],
					 &why), 0);
	test_assert_int(auth_tokens_count(t, 1000), 1);
	auth_tokens_free(&t);
	for (int i = 0; i < 4; i++)
		buf_release(&tok[i]);
	buf_release(&user);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_token_once, test_token_forged, test_token_expiry,
		test_token_binding, test_token_bounded, NULL,
	};

	return test_main(tests);
}
