/* mailctl_anvil.c - `mailctl status -v`: the counters of anvil(8), per
 * service and client address.
 *
 * mailctl asks anvil itself over queue_directory/private/anvil (as root,
 * or as the instance's user when not root), with the status request of
 * lib/anvil_client.h, and prints one row per service and address that
 * has connections open or made in the current time unit, sorted.  When
 * anvil does not answer, it says so and why; that is no error of
 * `status`, whose business is master.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anvil_client.h"
#include "attr_client.h"
#include "config.h"
#include "mailctl.h"
#include "mem.h"

struct mailctl_anvil_row {
	char service[ANVIL_NAME_MAX + 1];
	char client[ANVIL_NAME_MAX + 1];
	long count, rate;
};

static int mailctl_anvil_cmp(const void *a, const void *b)
{
	const struct mailctl_anvil_row *x = a, *y = b;
	int r = strcmp(x->service, y->service);

	return r != 0 ? r : strcmp(x->client, y->client);
}

static void mailctl_anvil_print(const attr_t *reply)
{
	size_t n = attr_count_of(reply, "entry"), rows = 0;
	struct mailctl_anvil_row *row = mem_reallocarray(NULL, n ? n : 1,
							 sizeof(*row));
	const char *unit = attr_get(reply, "rate_time_unit");
	const char *truncated = attr_get(reply, "truncated");
	int ws = (int) strlen("service"), wc = (int) strlen("client");

	for (size_t i = 0; i < n; i++) {
		struct mailctl_anvil_row *r = &row[rows];

		/* %255s: ANVIL_NAME_MAX, which anvil enforces. */
		if (sscanf(attr_get_nth(reply, "entry", i), "%255s %255s %ld %ld",
			   r->service, r->client, &r->count, &r->rate) != 4)
			continue;
		if ((int) strlen(r->service) > ws)
			ws = (int) strlen(r->service);
		if ((int) strlen(r->client) > wc)
			wc = (int) strlen(r->client);
		rows++;
	}
	qsort(row, rows, sizeof(*row), mailctl_anvil_cmp);
	printf("anvil: %zu client%s counted, rate per %ss\n", rows,
	       rows == 1 ? "" : "s", unit != NULL ? unit : "?");
	if (rows > 0)
		printf("%-*s  %-*s  %11s  %4s\n", ws, "service", wc, "client",
		       "connections", "rate");
	for (size_t i = 0; i < rows; i++)
		printf("%-*s  %-*s  %11ld  %4ld\n", ws, row[i].service, wc,
		       row[i].client, row[i].count, row[i].rate);
	if (truncated != NULL)
		printf("anvil: %s more not shown\n", truncated);
	mem_free(row);
}

void mailctl_status_anvil(void)
{
	char *path = mem_printf("%s/%s", config_str("queue_directory"),
				ANVIL_SOCKET);
	attr_client_t *c = attr_client_new(path, ANVIL_PROTO, ANVIL_VERSION,
					   (int) config_time("ipc_timeout"));
	attr_t *req = attr_new(), *reply = attr_new();
	buf_t why = BUF_INIT;

	attr_add(req, "request", "status");
	if (attr_client_request(c, req, reply, &why) < 0)
		printf("anvil: not answering (%s: %s); no per-client counters\n",
		       path, buf_str(&why));
	else if (strcmp(attr_get(reply, "status"), "ok") != 0)
		printf("anvil: status refused (%s)\n", attr_get(reply, "status"));
	else
		mailctl_anvil_print(reply);
	buf_release(&why);
	attr_free(&req);
	attr_free(&reply);
	attr_client_free(&c);
	mem_free(path);
}
