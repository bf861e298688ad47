/* master_conf_load.c - loading master.conf for master: the file is read, parsed
 * by lib/master_conf.c (the parser `mailctl check` uses too) and each
 * service's program is checked, before master acts on any of it; so a bad
 * file stops a start, and leaves a running master as it was on reload.
 *
 * Every problem is reported, each as "master.conf, line N: ...", in one
 * message (separated by "; ") that master logs and hands to mailctl.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "mem.h"
#include "master.h"

/* The program file is part of what a reload compares: after an upgrade
 * (make install, then mailctl reload) the service gets new processes
 * running the new program, like any changed service. */
static void master_conf_stamp(master_svc_def_t *def)
{
	struct stat st;
	char *text;

	if (stat(def->path, &st) < 0)
		return;
	text = mem_printf("%s [%llu:%llu:%lld.%09ld:%lld]", def->text,
			  (unsigned long long) st.st_dev,
			  (unsigned long long) st.st_ino,
			  (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			  (long long) st.st_size);
	mem_free(def->text);
	def->text = text;
}

int master_conf_load(const char *path, master_conf_t *conf, char **err_r)
{
	size_t len;
	char *text = master_read_file(path, &len);
	buf_t problems = BUF_INIT;

	conf->defs = NULL;
	conf->count = 0;
	if (text == NULL) {
		*err_r = mem_printf("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	master_conf_parse(text, len, master.daemon_dir, conf, &problems);
	mem_free(text);
	master_conf_check_programs(conf, &problems);
	if (problems.len > 0) {
		buf_t msg = BUF_INIT;

		/* One line per problem becomes one message. */
		for (char *line = problems.data, *nl; *line; line = nl) {
			nl = strchr(line, '\n');
			*nl++ = '\0';
			buf_printf(&msg, "%s%s", msg.len ? "; " : "", line);
		}
		buf_release(&problems);
		master_conf_free(conf);
		*err_r = buf_steal(&msg);
		return -1;
	}
	buf_release(&problems);
	for (int i = 0; i < conf->count; i++)
		master_conf_stamp(conf->defs[i]);
	return 0;
}
