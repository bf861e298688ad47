/* cidr.c - network lists and matching; see cidr.h. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "mem.h"

struct cidr_net {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

struct cidr_list {
	struct cidr_net *nets;
	size_t count;
};

/* Parse "a.b.c.d", "x::y" or "[x::y]" into 16 bytes; the family or 0. */
static int cidr_parse_addr(const char *s, unsigned char out[16])
{
	char tmp[64];
	size_t len = strlen(s);

	if (len >= sizeof(tmp))
		return 0;
	if (s[0] == '[' && len > 2 && s[len - 1] == ']') {
		memcpy(tmp, s + 1, len - 2);
		tmp[len - 2] = '\0';
	} else {
		memcpy(tmp, s, len + 1);
	}
	memset(out, 0, 16);
	if (inet_pton(AF_INET, tmp, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, tmp, out) == 1) {
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};

		if (memcmp(out, mapped, 12) == 0) {
			memmove(out, out + 12, 4);
			memset(out + 4, 0, 12);
			return AF_INET;
		}
		return AF_INET6;
	}
	return 0;
}

cidr_list_t *cidr_parse(const char *text, char **err_r)
{
	cidr_list_t *l = MEM_NEW(cidr_list_t);
	char *copy = mem_strdup(text);
	char *save = NULL;

	for (char *tok = strtok_r(copy, " \t\r\n,", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n,", &save)) {
		struct cidr_net net;
		char *slash = strrchr(tok, '/');
		int max;

		if (slash)
			*slash = '\0';
		net.family = cidr_parse_addr(tok, net.addr);
		max = net.family == AF_INET ? 32 : 128;
		net.bits = max;
		if (net.family && slash) {
			char *end;
			long bits = strtol(slash + 1, &end, 10);

			if (slash[1] == '\0' || *end != '\0' || bits < 0 || bits > max)
				net.family = 0;
			else
				net.bits = (int) bits;
		}
		if (net.family == 0) {
			if (slash)
				*slash = '/';
			*err_r = mem_printf("bad network address \"%s\"", tok);
			mem_free(copy);
			cidr_free(&l);
			return NULL;
		}
		l->nets = mem_reallocarray(l->nets, l->count + 1, sizeof(*l->nets));
		l->nets[l->count++] = net;
	}
	mem_free(copy);
	return l;
}

void cidr_free(cidr_list_t **lp)
{
	if (*lp == NULL)
		return;
	mem_free((*lp)->nets);
	MEM_FREE(*lp);
}

static int cidr_net_match(const struct cidr_net *net, const unsigned char a[16])
{
	int full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, a, (size_t) full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	unsigned char mask = (unsigned char) (0xff << (8 - rest));

	return (net->addr[full] & mask) == (a[full] & mask);
}

int cidr_match(const cidr_list_t *l, const char *addr)
{
	unsigned char a[16];
	int family = cidr_parse_addr(addr, a);

	if (family == 0 || l == NULL)
		return 0;
	for (size_t i = 0; i < l->count; i++)
		if (l->nets[i].family == family && cidr_net_match(&l->nets[i], a))
			return 1;
	return 0;
}
