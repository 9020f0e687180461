/*
 * Settings: validation (policy/config.c) and gathering from file,
 * environment and secret files (fcgi/settings.c).  Check forks each test,
 * so environment changes stay inside it.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcgi/settings.h"
#include "policy/config.h"
#include "policy/strlist.h"
#include "tests/unit/suites.h"

static struct config	cfg;
static char		err[512];

static int
build_one(const char *name, const char *value)
{
	const char	*values[SETTINGS_MAX] = { NULL };

	ck_assert_int_ge(setting_lookup(name), 0);
	values[setting_lookup(name)] = value;
	return config_build(values, &cfg, err, sizeof(err));
}

START_TEST(defaults)
{
	const char	*values[SETTINGS_MAX] = { NULL };

	ck_assert_int_eq(config_build(values, &cfg, err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.openai_api_base, "https://api.openai.com");
	ck_assert(cfg.auth_enabled);
	ck_assert_int_eq(cfg.timeout_s, 120);
	ck_assert_int_eq(cfg.connect_timeout_s, 10);
	ck_assert_int_eq(cfg.max_requests, 0);
	ck_assert_uint_eq(cfg.nkeys, 0);
	ck_assert_str_eq(cfg.openai_api_key, "");
	config_free(&cfg);
}
END_TEST

static const struct {
	const char	*in;
	const char	*out;	/* NULL: rejected */
} bases[] = {
	{ "https://api.openai.com", "https://api.openai.com" },
	{ "https://api.openai.com/", "https://api.openai.com" },
	{ "https://api.openai.com/v1", "https://api.openai.com" },
	{ "https://api.openai.com/v1/", "https://api.openai.com" },
	{ "http://127.0.0.1:8099", "http://127.0.0.1:8099" },
	{ "https://gw.example/openai/v1", "https://gw.example/openai" },
	{ "https://v1", "https://v1" },
	{ "ftp://api.openai.com", NULL },
	{ "api.openai.com", NULL },
	{ "https://", NULL },
	{ "https:///v1", NULL },
	{ "https://user:pw@api.openai.com", NULL },
	{ "https://api.openai.com/v1?x=1", NULL },
	{ "https://api.openai.com/#x", NULL },
	{ "https://api.openai.com/\r\nX: y", NULL },
};

START_TEST(base_url_normalised)
{
	int	rc = build_one("OPENAI_API_BASE", bases[_i].in);

	if (bases[_i].out == NULL) {
		ck_assert_msg(rc == -1, "%s accepted", bases[_i].in);
		ck_assert_ptr_nonnull(strstr(err, "OPENAI_API_BASE"));
		return;
	}
	ck_assert_msg(rc == 0, "%s: %s", bases[_i].in, err);
	ck_assert_str_eq(cfg.openai_api_base, bases[_i].out);
	config_free(&cfg);
}
END_TEST

static const struct {
	const char	*name;
	const char	*value;
	int		 ok;
} values[] = {
	{ "RELAY_AUTH_ENABLED", "true", 1 },
	{ "RELAY_AUTH_ENABLED", "OFF", 1 },
	{ "RELAY_AUTH_ENABLED", "0", 1 },
	{ "RELAY_AUTH_ENABLED", "maybe", 0 },
	{ "RELAY_TIMEOUT", "30", 1 },
	{ "RELAY_TIMEOUT", "0", 0 },
	{ "RELAY_TIMEOUT", "30s", 0 },
	{ "RELAY_TIMEOUT", "99999999999999999999", 0 },
	{ "RELAY_THREADS", "4097", 0 },
	{ "RELAY_MIN_THREADS", "0", 0 },
	{ "RELAY_SPARE_THREADS", "0", 0 },
	{ "RELAY_SPARE_THREADS", "4096", 1 },
	{ "RELAY_THREAD_IDLE_TIMEOUT", "0", 1 },
	{ "RELAY_THREAD_IDLE_TIMEOUT", "-1", 0 },
	{ "RELAY_MAX_JSON_BODY", "100", 0 },
	{ "RELAY_KEY", "0123456789abcdef", 1 },
	{ "RELAY_KEY", "short", 0 },
	{ "RELAY_KEY", "has a space in it ok?", 0 },
	{ "RELAY_KEYS", "a:0123456789abcdef,b-2:fedcba9876543210", 1 },
	{ "RELAY_KEYS", "a:0123456789abcdef,a:fedcba9876543210", 0 },
	{ "RELAY_KEYS", "0123456789abcdef", 0 },
	{ "RELAY_KEYS", "bad name:0123456789abcdef", 0 },
	{ "RELAY_KEYS", "a:short", 0 },
	{ "OPENAI_ORGANIZATION", "org-123", 1 },
	{ "OPENAI_ORGANIZATION", "org\r\nX-Evil: 1", 0 },
	{ "RELAY_NAME", "", 1 },
	{ "RELAY_MAX_REQUESTS", "0", 1 },
	{ "RELAY_MAX_REQUESTS", "5000", 1 },
	{ "RELAY_MAX_REQUESTS", "-1", 0 },
	{ "RELAY_MAX_REQUESTS", "1e3", 0 },
};

START_TEST(values_validated)
{
	int	rc = build_one(values[_i].name, values[_i].value);

	ck_assert_msg((rc == 0) == values[_i].ok, "%s=%s: %s",
	    values[_i].name, values[_i].value, err);
	if (rc == 0)
		config_free(&cfg);
	else
		ck_assert_ptr_nonnull(strstr(err, values[_i].name));
}
END_TEST

START_TEST(errors_never_echo_secrets)
{
	ck_assert_int_eq(build_one("RELAY_KEY", "zqxjzqxj"), -1);
	ck_assert_ptr_null(strstr(err, "zqxj"));
	ck_assert_int_eq(build_one("RELAY_KEYS", "n:zqxjzqxj"), -1);
	ck_assert_ptr_null(strstr(err, "zqxj"));
}
END_TEST

START_TEST(every_setting_documented)
{
	int	i;

	for (i = 0; i < (int)settings_count; i++) {
		ck_assert_ptr_nonnull(setting_get(i)->name);
		ck_assert_int_eq(setting_lookup(setting_get(i)->name), i);
		ck_assert_msg(strlen(setting_get(i)->help) > 10, "%s",
		    setting_get(i)->name);
	}
	ck_assert_int_eq(setting_lookup("NO_SUCH_SETTING"), -1);
}
END_TEST

/* The README's configuration table is checked against the real one. */
START_TEST(readme_documents_every_setting)
{
	static char	readme[131072];
	char		row[96], *table;
	FILE		*fp = fopen("README.md", "r");
	size_t		n;
	int		i;

	ck_assert_msg(fp != NULL, "run from the repository root");
	n = fread(readme, 1, sizeof(readme) - 1, fp);
	fclose(fp);
	readme[n] = '\0';
	for (i = 0; i < (int)settings_count; i++) {
		snprintf(row, sizeof(row), "| `%s` |", setting_get(i)->name);
		ck_assert_msg(strstr(readme, row) != NULL,
		    "README.md has no row for %s", setting_get(i)->name);
	}
	/* The whole table, word for word and in order: relay --help-config. */
	table = config_table();
	ck_assert_msg(strstr(readme, table) != NULL, "README.md's settings "
	    "table differs from ./relay --help-config:\n%s", table);
	free(table);
}
END_TEST

/* One parser and one matcher for every list setting. */
START_TEST(lists_trim_and_match_alike)
{
	const struct strlist	*l;
	char			 joined[128];

	ck_assert_int_eq(build_one("RELAY_VIDEO_MODELS",
	    " sora-2, sora-2-pro ,,"), 0);
	l = config_list(&cfg, "RELAY_VIDEO_MODELS");
	ck_assert_ptr_eq(l, &cfg.video_models);
	ck_assert_uint_eq(l->n, 2);
	ck_assert(strlist_match(l, "sora-2"));
	ck_assert(strlist_match(l, "sora-2-pro"));
	ck_assert(!strlist_match(l, " sora-2-pro"));
	ck_assert(!strlist_match(l, "sora"));
	strlist_join(l, ", ", joined, sizeof(joined));
	ck_assert_str_eq(joined, "sora-2, sora-2-pro");
	strlist_join(l, ", ", joined, 10);
	ck_assert_str_eq(joined, "sora-2");
	ck_assert_ptr_null(config_list(&cfg, "RELAY_NAME"));
	ck_assert_ptr_null(config_list(&cfg, "NO_SUCH_SETTING"));
	config_free(&cfg);

	ck_assert_int_eq(build_one("RELAY_REALTIME_MODELS",
	    "gpt-realtime*,   gpt-4o-realtime-preview"), 0);
	ck_assert(strlist_match(&cfg.realtime_models, "gpt-realtime-mini"));
	ck_assert(strlist_match(&cfg.realtime_models,
	    "gpt-4o-realtime-preview"));
	ck_assert(!strlist_match(&cfg.realtime_models,
	    "gpt-4o-realtime-preview-x"));
	config_free(&cfg);

	/* Hosts: any case, kept lower; nothing but host[:port]. */
	ck_assert_int_eq(build_one("RELAY_FETCH_HOSTS",
	    "Files.Example.COM, localhost:8443"), 0);
	ck_assert_str_eq(cfg.fetch_hosts.items[0], "files.example.com");
	ck_assert_str_eq(cfg.fetch_hosts.items[1], "localhost:8443");
	config_free(&cfg);
	ck_assert_int_eq(build_one("RELAY_FETCH_HOSTS", "files.*"), -1);
	ck_assert_ptr_nonnull(strstr(err, "RELAY_FETCH_HOSTS"));
	ck_assert_int_eq(build_one("RELAY_FETCH_HOSTS", "a.example b.example"),
	    -1);
}
END_TEST

static char	tmpdir[64];

static void
tmpdir_create(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/relay-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
tmpdir_remove(void)
{
	nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Writes a file in this test's temp dir with the given mode. */
static char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char	path[128];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

static int
load(const char *path)
{
	char	used[4096];

	return settings_load(path, &cfg, used, sizeof(used), err,
	    sizeof(err));
}

START_TEST(file_then_environment)
{
	char	*path = write_file("relay.conf",
	    "# comment\n\n  RELAY_TIMEOUT = 30 \n"
	    "RELAY_NAME = \"My relay\"\n"
	    "OPENAI_API_BASE=http://127.0.0.1:1/v1\n", 0644);

	ck_assert_int_eq(load(path), 0);
	ck_assert_int_eq(cfg.timeout_s, 30);
	ck_assert_str_eq(cfg.relay_name, "My relay");
	ck_assert_str_eq(cfg.openai_api_base, "http://127.0.0.1:1");
	config_free(&cfg);

	setenv("RELAY_TIMEOUT", "45", 1);
	ck_assert_int_eq(load(path), 0);
	ck_assert_int_eq(cfg.timeout_s, 45);
	config_free(&cfg);
}
END_TEST

START_TEST(relay_config_variable)
{
	char	*path = write_file("other.conf", "RELAY_TIMEOUT = 7\n", 0600);

	setenv("RELAY_CONFIG", path, 1);
	ck_assert_int_eq(load(NULL), 0);
	ck_assert_int_eq(cfg.timeout_s, 7);
	config_free(&cfg);
}
END_TEST

START_TEST(file_errors)
{
	ck_assert_int_eq(load(write_file("a.conf", "NOPE = 1\n", 0600)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1: unknown setting"));
	ck_assert_int_eq(load(write_file("b.conf", "RELAY_TIMEOUT 5\n",
	    0600)), -1);
	ck_assert_ptr_nonnull(strstr(err, "expected KEY = value"));
	ck_assert_int_eq(load(write_file("c.conf",
	    "RELAY_TIMEOUT = 5\nRELAY_TIMEOUT = 6\n", 0600)), -1);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	ck_assert_int_eq(load("/nonexistent/relay.conf"), -1);
	ck_assert_int_eq(load(write_file("d.conf",
	    "RELAY_KEY = 0123456789abcdefXYZ\n", 0644)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(strstr(err, "0123456789abcdef"));
}
END_TEST

START_TEST(secret_files)
{
	char	conf[256], keyfile[128];

	snprintf(keyfile, sizeof(keyfile), "%s",
	    write_file("openai.key", "sk-test-123\n", 0600));

	snprintf(conf, sizeof(conf), "OPENAI_API_KEY_FILE = %s\n", keyfile);
	ck_assert_int_eq(load(write_file("e.conf", conf, 0644)), 0);
	ck_assert_str_eq(cfg.openai_api_key, "sk-test-123");
	config_free(&cfg);

	setenv("OPENAI_API_KEY", "sk-other", 1);
	ck_assert_int_eq(load(write_file("e.conf", conf, 0644)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not both"));
	unsetenv("OPENAI_API_KEY");

	/* A relative path in the file is taken from the file's directory. */
	ck_assert_int_eq(load(write_file("f.conf",
	    "OPENAI_API_KEY_FILE = openai.key\n", 0644)), 0);
	ck_assert_str_eq(cfg.openai_api_key, "sk-test-123");
	config_free(&cfg);

	chmod(keyfile, 0640);
	ck_assert_int_eq(load(write_file("e.conf", conf, 0644)), -1);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(strstr(err, "sk-test"));
}
END_TEST

/*
 * A file others can change is refused whatever it holds: with only
 * *_FILE lines (no secret in it) anyone who can write it could still
 * point OPENAI_API_BASE elsewhere and receive the key.
 */
START_TEST(writable_files_refused)
{
	static const mode_t	 modes[] = { 0620, 0602, 0664, 0666 };
	char			 keyfile[128], *path;
	size_t			 i;

	snprintf(keyfile, sizeof(keyfile), "%s",
	    write_file("openai.key", "sk-test-123\n", 0600));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		path = write_file("relay.conf",
		    "OPENAI_API_KEY_FILE = openai.key\n", modes[i]);
		ck_assert_int_eq(load(path), -1);
		ck_assert_msg(strstr(err, path) != NULL, "%s", err);
		ck_assert_msg(strstr(err, "chmod go-w") != NULL, "%s", err);
		path = write_file("plain.conf", "RELAY_TIMEOUT = 5\n",
		    modes[i]);
		ck_assert_int_eq(load(path), -1);
		ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	}
	/* Readable by others but not writable: fine without a secret. */
	ck_assert_int_eq(load(write_file("relay.conf",
	    "OPENAI_API_KEY_FILE = openai.key\n", 0644)), 0);
	config_free(&cfg);

	/* A key file others can write but not read. */
	chmod(keyfile, 0602);
	ck_assert_int_eq(load(write_file("relay.conf",
	    "OPENAI_API_KEY_FILE = openai.key\n", 0600)), -1);
	ck_assert_msg(strstr(err, keyfile) != NULL, "%s", err);
	ck_assert_ptr_nonnull(strstr(err, "chmod 600"));
	ck_assert_ptr_null(strstr(err, "sk-test"));
}
END_TEST

/* Whoever can write the directory can replace the file in it. */
START_TEST(writable_directory_refused)
{
	char	*path;

	write_file("openai.key", "sk-test-123\n", 0600);
	path = write_file("relay.conf", "OPENAI_API_KEY_FILE = openai.key\n",
	    0600);
	chmod(tmpdir, 0770);
	ck_assert_int_eq(load(path), -1);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "directory") != NULL, "%s", err);
	/* Sticky, as /tmp: others cannot replace what is not theirs. */
	chmod(tmpdir, 01777);
	ck_assert_int_eq(load(path), 0);
	config_free(&cfg);
	chmod(tmpdir, 0700);
}
END_TEST

/* The check other file readers use (RELAY_KEYS_FILE). */
START_TEST(check_file_directly)
{
	char	*path = write_file("keys", "a:0123456789abcdef\n", 0600);
	int	 fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(settings_check_file(fd, path, "RELAY_KEYS_FILE", true,
	    err, sizeof(err)), 0);
	fchmod(fd, 0640);
	ck_assert_int_eq(settings_check_file(fd, path, "RELAY_KEYS_FILE", true,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "RELAY_KEYS_FILE"));
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_int_eq(settings_check_file(fd, path, "config file", false,
	    err, sizeof(err)), 0);
	close(fd);
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(settings_check_file(fd, tmpdir, "config file", false,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	close(fd);
}
END_TEST

Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("build");

	tcase_add_test(tc, defaults);
	tcase_add_loop_test(tc, base_url_normalised, 0,
	    (int)(sizeof(bases) / sizeof(bases[0])));
	tcase_add_loop_test(tc, values_validated, 0,
	    (int)(sizeof(values) / sizeof(values[0])));
	tcase_add_test(tc, errors_never_echo_secrets);
	tcase_add_test(tc, every_setting_documented);
	tcase_add_test(tc, readme_documents_every_setting);
	tcase_add_test(tc, lists_trim_and_match_alike);
	suite_add_tcase(s, tc);
	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, tmpdir_create, tmpdir_remove);
	tcase_add_test(tc, file_then_environment);
	tcase_add_test(tc, relay_config_variable);
	tcase_add_test(tc, file_errors);
	tcase_add_test(tc, secret_files);
	tcase_add_test(tc, writable_files_refused);
	tcase_add_test(tc, writable_directory_refused);
	tcase_add_test(tc, check_file_directly);
	suite_add_tcase(s, tc);
	return s;
}
