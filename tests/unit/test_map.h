/* test_map.h - for the unit tests of maps (test_map_list, test_transport,
 * test_relay_auth): a text map written and compiled as mailctl does. */
#ifndef TERN_TEST_MAP_H
#define TERN_TEST_MAP_H

#include <stdio.h>
#include <stdlib.h>

#include "../../lib/map.h"
#include "../../lib/mem.h"

/* Write text as dir/name and compile it into dir/name.db; the source
 * path, mem-allocated.  Ends the test program when that fails. */
static inline char *test_map_make(const char *dir, const char *name,
				  const char *text)
{
	char *src = mem_printf("%s/%s", dir, name);
	char *db = mem_printf("%s.db", src), *err = NULL;
	FILE *fp = fopen(src, "w");

	if (fp == NULL) {
		printf("  cannot write %s\n", src);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	if (map_compile(src, db, 0, 1, &err) < 0) {
		printf("  %s\n", err);
		exit(1);
	}
	mem_free(db);
	return src;
}

#endif
