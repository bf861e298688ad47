/* config.h - main.conf: every parameter, its default, and its value.
 *
 * main.conf is `name = value` lines; a line starting with white space
 * continues the previous one; `#` starts a comment line; a later line
 * overrides an earlier one.  `$name` and `${name}` in a value expand to that
 * parameter's value when it is read (so `queue_directory = $config_directory/
 * queue` follows later changes).  Every parameter is declared once in
 * params.c, with its type, default and the values it allows (bounds of a
 * number, the words of an enumeration); main.conf(5) documents that table.
 * A value outside them is an error, never clamped: `mailctl check` names it,
 * master refuses to start or reload with it, and a program that reads it
 * stops.  Unknown names are warned about, never fatal.
 *
 * Daemons get master.conf `-o name=value` overrides through config_set(),
 * applied after main.conf was read.
 *
 * Errors come back as mem-allocated strings in *err_r, freed by the caller.
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include "buf.h"

enum param_type {
	PARAM_STR,	/* free text */
	PARAM_INT,	/* decimal integer */
	PARAM_BOOL,	/* yes|no (also true/false, on/off, 1/0) */
	PARAM_TIME,	/* seconds; suffix s, m, h, d, w allowed: "5d", "300s" */
	PARAM_SIZE,	/* bytes; suffix k, m, g allowed (binary) */
	PARAM_LIST,	/* comma and/or white-space separated words */
	PARAM_ENUM,	/* one of the entry's words, in any case (ASCII) */
};

typedef struct param_def {
	const char *name;
	enum param_type type;
	const char *def;	/* default, before $name expansion */
	const char *summary;	/* one line, shown by `mailctl config -v` */
	/* PARAM_INT, PARAM_TIME, PARAM_SIZE: the least and the greatest
	 * value allowed, written as in main.conf ("1s", "64m"). */
	const char *min, *max;
	/* PARAM_ENUM: the words allowed, NULL-terminated; config_enum()
	 * gives a value's index in it.  Words match in any case, as boolean
	 * words do, so "Always" means the same to every program. */
	const char *const *words;
} param_def_t;

/* The table in params.c, ended by a NULL name. */
extern const param_def_t config_params[];

/* A rule between two numeric parameters of one type: less must be
 * strictly below more.  The table in params.c ends with a NULL less. */
typedef struct param_relation {
	const char *less, *more;
	const char *why;	/* shown with the error */
} param_relation_t;
extern const param_relation_t config_relations[];

/* Read dir/main.conf (config_directory becomes dir).  Returns 0, or -1 with
 * *err_r naming the file, line and cause (unreadable file, bad syntax).
 * Unknown parameter names are collected and logged as warnings.  The file
 * replaces every earlier value, config_set() ones included; on error the
 * earlier values stay, so a bad reload leaves a running daemon as it was. */
int config_load(const char *dir, char **err_r);
/* The same for main.conf text already in memory (tests, the fuzzer);
 * origin names it in messages.  text need not be NUL-terminated. */
int config_load_text(const char *text, size_t len, const char *origin,
		     char **err_r);
/* config_load, then config_validate: on any problem the earlier values
 * are put back and -1 returned with *err_r listing every problem ("; "
 * between them).  master uses it at start and on reload, so a main.conf
 * with a value out of bounds is refused and the running master keeps the
 * configuration it had. */
int config_load_valid(const char *dir, char **err_r);
/* Set a value as if it had come last in main.conf (-o overrides, tests).
 * -1 with *err_r for an unknown name. */
int config_set(const char *name, const char *value, char **err_r);
/* Forget all values (back to the defaults). */
void config_reset(void);

/* Typed access with $name expansion.  Asking for a name that is not in the
 * table, or for a type other than the table's (config_str reads any type),
 * is a bug (log_panic).  A value that does not parse as its type, lies
 * outside its bounds, is not one of its words, or whose expansion fails, is
 * fatal, with the parameter named.  The string from
 * config_str stays valid until the next config_load, config_set or
 * config_reset; copy it to keep it longer. */
const char *config_str(const char *name);		/* never NULL */
long config_int(const char *name);
int config_bool(const char *name);
long config_time(const char *name);			/* seconds */
long long config_size(const char *name);		/* bytes */
int config_enum(const char *name);	/* index of the value in the words */
/* Split a PARAM_LIST value; returns a NULL-terminated mem-allocated array
 * of mem-allocated strings, freed with config_list_free(). */
char **config_list(const char *name);
void config_list_free(char ***listp);
/* Expand name's value into out (reset first).  -1 with *err_r when a $name
 * is undefined or malformed, or references loop; config_str turns that
 * into a fatal error, mailctl check and the fuzzer report it instead. */
int config_expand(const char *name, buf_t *out, char **err_r);

/* 1 when name was set in main.conf or by config_set(); any name. */
int config_is_set(const char *name);
const param_def_t *config_lookup(const char *name);
/* Is value (already expanded) allowed for d: does it parse as its type,
 * lie within its bounds, name one of its words?  0, or -1 with *err_r
 * saying why ("\"0\" is out of range: from 1s to 1d"), without the
 * parameter's name.  master.conf's -o values are held to it too. */
int config_check_value(const param_def_t *d, const char *value, char **err_r);
/* Check every value with config_check_value, then the relations between
 * values that are each valid; each problem appended to errors as one line
 * naming the parameters.  Returns the number of problems (mailctl check,
 * config_load_valid, so also master's start and reload). */
int config_validate(buf_t *errors);
/* Unknown names seen by the last config_load, each on its own line ("" if
 * none).  Their values still serve $name references, like helper names. */
const char *config_unknown_names(void);

/* Parse helpers, also used for -o values and by mailctl. */
int config_parse_time(const char *s, long *out);
int config_parse_size(const char *s, long long *out);
int config_parse_bool(const char *s, int *out);

#endif
