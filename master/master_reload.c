/* master_reload.c - re-reading main.conf and master.conf (SIGHUP, mailctl).
 *
 * The rule: a service whose master.conf line is unchanged, while main.conf
 * is unchanged too, keeps its listeners and processes.  Any other service
 * of the new table gets a new generation: a service that kept its listen
 * address takes the old listeners over (no moment without a listener),
 * one with a new address binds it first.  Services that were removed or
 * replaced are retired: master closes its copy of their listeners and
 * sends their processes SIGHUP, on which they stop accepting, finish the
 * clients they have and exit (daemon.h).  So established connections are
 * never cut, and an old port refuses clients as soon as no process of the
 * old generation holds it.
 *
 * A new certificate or key (the files of smtpd_tls_cert_file,
 * smtpd_tls_key_file, pop3d's and imapd's pairs) counts as a change of
 * main.conf: the documented way to install one is to replace the files
 * and reload.  So does a change of
 * the DKIM keys (`mailctl dkim keygen`, dkim-sign(8)): the key directory
 * and each domain's directory in it are stamped, since a key added or
 * removed changes the time of the directory that holds it, and the new
 * dkim-sign processes load the keys as they are now.  So does a new
 * database of smtp_tls_policy_maps or smtp_sasl_password_maps, which
 * smtp-out opens once before its chroot (`mailctl tls-policy add`, then
 * reload).
 *
 * A main.conf with errors (bad syntax, a value of the wrong type, out of
 * its bounds or not one of its words) changes nothing: master keeps the
 * values it had (config_load_valid).  A master.conf with errors (or
 * a failed user check) leaves every service and process as it was, though
 * processes started later read the new main.conf, as they always do.  A
 * listener that cannot be bound leaves that one service as it was and is
 * reported.
 *
 * SECURITY: runs as root; the same checks as at start (users, -o names).
 */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "mem.h"
#include "master.h"

/* Append the identity of file (device, inode, modification time, size). */
static void master_settings_stamp(buf_t *b, const char *file)
{
	struct stat st;

	if (stat(file, &st) == 0)
		buf_printf(b, "\n[%s %llu:%llu:%lld.%09ld:%lld]", file,
			   (unsigned long long) st.st_dev,
			   (unsigned long long) st.st_ino,
			   (long long) st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			   (long long) st.st_size);
}

/* The stamps of the DKIM key directory and of its domains' directories
 * (dkim-sign(8)): at most this many, which is far more than tern signs
 * for. */
#define MASTER_DKIM_DIRS_MAX 10000

static void master_settings_stamp_dkim(buf_t *b, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	master_settings_stamp(b, dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n++ < MASTER_DKIM_DIRS_MAX) {
		char *sub;

		if (e->d_name[0] == '.')
			continue;
		sub = mem_printf("%s/%s", dir, e->d_name);
		master_settings_stamp(b, sub);
		mem_free(sub);
	}
	closedir(d);
}

/* Append the identity of each FILE.db of a list of maps. */
static void master_settings_stamp_maps(buf_t *b, const char *param)
{
	char **files = config_list(param);

	for (size_t i = 0; files[i] != NULL; i++) {
		char *db = mem_printf("%s.db", files[i]);

		master_settings_stamp(b, db);
		mem_free(db);
	}
	config_list_free(&files);
}

char *master_settings_text(void)
{
	char *path = mem_printf("%s/main.conf", master.config_dir);
	char *text = master_read_file(path, NULL);
	buf_t b = BUF_INIT;

	buf_puts(&b, text != NULL ? text : "");
	master_settings_stamp(&b, config_str("smtpd_tls_cert_file"));
	master_settings_stamp(&b, config_str("smtpd_tls_key_file"));
	master_settings_stamp(&b, config_str("pop3d_tls_cert_file"));
	master_settings_stamp(&b, config_str("pop3d_tls_key_file"));
	master_settings_stamp(&b, config_str("imapd_tls_cert_file"));
	master_settings_stamp(&b, config_str("imapd_tls_key_file"));
	master_settings_stamp_dkim(&b, config_str("dkim_key_directory"));
	/* smtp-out keeps these open from its start (it chroots, map_list.h),
	 * so an edit takes new processes, as a new certificate does. */
	master_settings_stamp_maps(&b, "smtp_tls_policy_maps");
	master_settings_stamp_maps(&b, "smtp_sasl_password_maps");
	mem_free(text);
	mem_free(path);
	return buf_steal(&b);
}

/* Take s out of the list it is on; NULL when not found. */
static master_service_t *master_reload_take(master_service_t **list, const char *name)
{
	for (master_service_t **sp = list; *sp != NULL; sp = &(*sp)->next) {
		master_service_t *s = *sp;

		if (strcmp(s->def->name, name) == 0) {
			*sp = s->next;
			s->next = NULL;
			return s;
		}
	}
	return NULL;
}

static void master_reload_take_listeners(master_service_t *to, master_service_t *from)
{
	if (from->watching)
		master_listen_watch(from, 0);
	to->fds = from->fds;
	to->nfds = from->nfds;
	to->listen_desc = from->listen_desc;
	to->unix_path = from->unix_path;
	from->fds = NULL;
	from->nfds = 0;
	from->listen_desc = NULL;
	from->unix_path = NULL;
}

/* Build the new service list from conf; what stays in *old is retired. */
static void master_reload_apply(master_conf_t *conf, int main_changed,
				master_service_t **old, buf_t *errors,
				int counts[3])
{
	master_service_t *list = NULL, **tail = &list;

	master.gen++;
	for (int i = 0; i < conf->count; i++) {
		master_svc_def_t *def = conf->defs[i];
		master_service_t *prev = master_reload_take(old, def->name);
		master_service_t *s;
		char *err = NULL;

		if (prev != NULL && !main_changed && strcmp(prev->def->text, def->text) == 0) {
			master_svc_def_free(&conf->defs[i]);
			*tail = prev;
			tail = &prev->next;
			counts[0]++;
			continue;
		}
		conf->defs[i] = NULL;
		s = master_service_new(def, master.gen);
		if (prev != NULL && strcmp(prev->listen_key, s->listen_key) == 0) {
			master_reload_take_listeners(s, prev);
		} else if (master_listen_open(s, &err) < 0) {
			buf_printf(errors, "%s%s", errors->len ? "; " : "", err);
			mem_free(err);
			master_service_retire(s);
			if (prev != NULL) {
				*tail = prev;
				tail = &prev->next;
			}
			continue;
		}
		if (prev != NULL) {
			/* Replaced: retire it now, while it is off both lists. */
			master_service_retire(prev);
			counts[2]++;
		}
		*tail = s;
		tail = &s->next;
		counts[1]++;
	}
	/* Whatever is left of the old list was removed from master.conf. */
	while (*old != NULL) {
		master_service_t *s = *old;

		*old = s->next;
		s->next = NULL;
		master_service_retire(s);
		counts[2]++;
	}
	*old = list;
}

int master_reload(char **err_r)
{
	master_conf_t conf;
	buf_t errors = BUF_INIT;
	char *err = NULL, *path, *text;
	int counts[3] = { 0, 0, 0 };	/* kept, started, retired */
	int main_changed;

	if (config_load_valid(master.config_dir, &err) < 0) {
		*err_r = err;
		return -1;
	}
	master_log_setup();
	if (strcmp(config_str("queue_directory"), master.queue_dir) != 0)
		log_warn("queue_directory changed; master keeps using %s "
			 "until it is restarted", master.queue_dir);
	if (master.root && master_users_check(&err) < 0) {
		*err_r = err;
		return -1;
	}
	/* Re-checked as at start: nothing found in the tree since then is
	 * trusted, and a login_directory that became a link is refused. */
	if (master_dirs_open(&err) < 0) {
		log_error("reload refused: %s", err);
		*err_r = err;
		return -1;
	}
	mem_free(master.daemon_dir);
	master.daemon_dir = mem_strdup(config_str("daemon_directory"));
	path = mem_printf("%s/master.conf", master.config_dir);
	if (master_conf_load(path, &conf, &err) < 0) {
		mem_free(path);
		*err_r = err;
		return -1;
	}
	mem_free(path);
	text = master_settings_text();
	main_changed = strcmp(text, master.main_conf_text) != 0;
	mem_free(master.main_conf_text);
	master.main_conf_text = text;
	master_env_build();

	master_reload_apply(&conf, main_changed, &master.services, &errors, counts);
	master_conf_free(&conf);
	master_login_links();
	log_info("reloaded: %d service%s kept, %d started, %d retired",
		 counts[0], counts[0] == 1 ? "" : "s", counts[1], counts[2]);
	master_service_adjust_all();
	master_check_started();
	if (errors.len > 0) {
		*err_r = buf_steal(&errors);
		return -1;
	}
	buf_release(&errors);
	return 0;
}
