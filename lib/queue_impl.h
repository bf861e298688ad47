/* queue_impl.h - what the queue file's writer (queue.c) and reader
 * (queue_read.c) share and nobody else uses: the header's layout, the
 * envelope's limits and rules, and the record escape.
 */
#ifndef TERN_QUEUE_IMPL_H
#define TERN_QUEUE_IMPL_H

#include "attr.h"

#define QUEUE_MAGIC "TERNQ1"
#define QUEUE_HEADER_LEN 33	/* "TERNQ1 " + 12 + " " + 12 + "\n" */

extern const attr_limits_t queue_env_limits;

/* The envelope's own rules beyond its encoding: 0, or -1 with *err_r. */
int queue_envelope_check(const attr_t *env, const char **err_r);
/* In-place unescape of a record field; -1 on a bad escape. */
int queue_unescape(char *s);

#endif
