/* config_impl.h - what the parts of the configuration module share;
 * nobody else.
 *
 * config.h is served by three files over one set of current values:
 * config.c keeps those values, finds a name in them and expands $name
 * references (config_str); config_load.c is where values come from
 * (main.conf, its parser, config_set for -o, config_reset); config_typed.c
 * reads a value as its type and checks it against the table's type,
 * bounds, words and relations.  Only these files include this header.
 */
#ifndef TERN_CONFIG_IMPL_H
#define TERN_CONFIG_IMPL_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "config.h"

struct config_entry {
	char *name;		/* unknown names only; table entries use config_params */
	char *value;		/* as written, NULL while not set */
	char *expanded;		/* config_str() cache, NULL until read */
};

struct config_state {
	struct config_entry *known;	/* one per config_params entry */
	struct config_entry *unknown;
	size_t unknown_count;
	buf_t unknown_names;		/* each name once, '\n'-terminated */
};

struct config_ref {
	const param_def_t *def;		/* NULL for an unknown name */
	struct config_entry *ent;
};

/* The values every reader sees; a load replaces them as a whole. */
extern struct config_state config_cur;

/* The number of entries of config_params. */
size_t config_count(void);
/* A set of values with every table entry unset (so at its default). */
void config_state_init(struct config_state *st);
void config_state_free(struct config_state *st);
/* The current values, set up with defaults on first use. */
struct config_state *config_state(void);
/* Forget every expanded value: a value changed. */
void config_cache_clear(struct config_state *st);
/* ASCII only: names must not change meaning with the locale. */
int config_is_name_char(int c);
/* The index of name (len bytes, not NUL-terminated) in config_params,
 * or -1. */
ssize_t config_index(const char *name, size_t len);
/* 1 with *r filled when name is in the table or was set as an unknown name. */
int config_find(struct config_state *st, const char *name, size_t len,
		struct config_ref *r);
/* The table entry of name, *r filled; a name not in the table is a bug. */
const param_def_t *config_need(const char *name, struct config_ref *r);

#endif
