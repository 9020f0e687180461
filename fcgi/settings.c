#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcgi/settings.h"
#include "policy/config.h"
#include "policy/xalloc.h"

#define SECRET_FILE_MAX	4096

/* Raw values by setting id, each owned and wiped when freed. */
struct raw {
	char	*values[SETTINGS_MAX];
	bool	 from_file[SETTINGS_MAX];	/* else from the environment */
	char	 file_dir[PATH_MAX];		/* the config file's directory */
};

static void
raw_free(struct raw *raw)
{
	int	i;

	for (i = 0; i < (int)settings_count; i++) {
		if (raw->values[i] != NULL)
			explicit_bzero(raw->values[i], strlen(raw->values[i]));
		free(raw->values[i]);
	}
}

static void
raw_set(struct raw *raw, int id, const char *value, size_t len)
{
	if (raw->values[id] != NULL) {
		explicit_bzero(raw->values[id], strlen(raw->values[id]));
		free(raw->values[id]);
	}
	raw->values[id] = xstrndup(value, len);
}

static char *
trim(char *s)
{
	char	*end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
		*--end = '\0';
	return s;
}

/*
 * Reads KEY = value lines from fp, named path in messages.  '#' starts a
 * comment line; a value may be wrapped in matching quotes.  Unknown keys
 * and keys given twice are errors, as is a file others can change or
 * replace, or one holding a secret that others can read (a stream with no
 * file behind it has no mode to check).
 */
static int
read_config_file(FILE *fp, const char *path, struct raw *raw, char *err,
    size_t errsz)
{
	char		 line[4096], *key, *value, *eq;
	bool		 set[SETTINGS_MAX] = { false };
	bool		 holds_secret = false;
	int		 lineno = 0, id, rc = -1;
	size_t		 len;

	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errsz, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, errsz, "%s:%d: expected KEY = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		id = setting_lookup(key);
		if (id < 0) {
			snprintf(err, errsz, "%s:%d: unknown setting '%.64s'",
			    path, lineno, key);
			goto out;
		}
		if (set[id]) {
			snprintf(err, errsz, "%s:%d: %s is set twice", path,
			    lineno, key);
			goto out;
		}
		set[id] = true;
		len = strlen(value);
		if (len >= 2 && (value[0] == '"' || value[0] == '\'') &&
		    value[len - 1] == value[0]) {
			value++;
			len -= 2;
		}
		raw_set(raw, id, value, len);
		raw->from_file[id] = true;
		if (setting_is_secret(setting_get(id)))
			holds_secret = true;
	}
	if (fileno(fp) >= 0 && settings_check_file(fileno(fp), path,
	    "config file", holds_secret, err, errsz) == -1)
		goto out;
	rc = 0;
out:
	explicit_bzero(line, sizeof(line));
	return rc;
}

/*
 * Reads a secret file: a private regular file holding one line.  A
 * relative path given in the config file is taken from the file's own
 * directory, so relay.conf and its key files can be moved together.
 */
static int
read_secret_file(const char *setting, const char *path, struct raw *raw,
    int id, char *err, size_t errsz)
{
	char		 buf[SECRET_FILE_MAX + 1], full[PATH_MAX];
	ssize_t		 n;
	int		 fd, target = setting_lookup(setting_get(id)->file_for);
	char		*value;

	if (path[0] != '/' && raw->from_file[id]) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s",
		    raw->file_dir, path) >= sizeof(full)) {
			snprintf(err, errsz, "%s: path too long", setting);
			return -1;
		}
		path = full;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		snprintf(err, errsz, "%s: cannot open %s: %s", setting, path,
		    strerror(errno));
		return -1;
	}
	if (settings_check_file(fd, path, setting, true, err, errsz) == -1) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n > SECRET_FILE_MAX) {
		snprintf(err, errsz, "%s: %s is unreadable or larger than %d "
		    "bytes", setting, path, SECRET_FILE_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	buf[n] = '\0';
	value = trim(buf);
	if (*value == '\0' || strpbrk(value, "\r\n") != NULL) {
		snprintf(err, errsz, "%s: %s must hold exactly one non-empty "
		    "line", setting, path);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	raw_set(raw, target, value, strlen(value));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static bool
is_set(const char *v)
{
	return v != NULL && v[strspn(v, " \t")] != '\0';
}

/* Cuts path down to its directory ("." for a bare file name). */
static void
dir_of(char *path)
{
	char	*slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(path, 2, ".");
	else if (slash == path)
		path[1] = '\0';
	else
		*slash = '\0';
}

int
settings_check_file(int fd, const char *path, const char *what,
    bool secret, char *err, size_t errsz)
{
	char		 dir[PATH_MAX];
	struct stat	 st;
	unsigned	 mode;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s %s is not a regular file", what, path);
		return -1;
	}
	mode = (unsigned)(st.st_mode & 07777);
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errsz, "%s %s holds a key and group or others "
		    "can read or change it (mode %03o): chmod 600 it", what,
		    path, mode);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errsz, "%s %s: group or others can change it "
		    "(mode %03o): chmod go-w it", what, path, mode);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dir_of(dir);
	if (stat(dir, &st) == -1) {
		snprintf(err, errsz, "%s %s: cannot look at its directory: %s",
		    what, path, strerror(errno));
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		snprintf(err, errsz, "%s %s is in a directory that group or "
		    "others can write (%s, mode %03o), so they can replace it: "
		    "chmod go-w %s", what, path, dir,
		    (unsigned)(st.st_mode & 07777), dir);
		return -1;
	}
	return 0;
}

/* The directory of the real (symlink-resolved) binary. */
static bool
binary_dir(char *buf, size_t bufsz)
{
	ssize_t	n;

	if (bufsz < 2)
		return false;
	n = readlink("/proc/self/exe", buf, bufsz - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (strchr(buf, '/') == NULL)
		return false;
	dir_of(buf);
	return true;
}

/* relay.conf beside the binary. */
static bool
default_config_path(char *buf, size_t bufsz)
{
	char	dir[PATH_MAX];

	if (!binary_dir(dir, sizeof(dir)) ||
	    (size_t)snprintf(buf, bufsz, "%s/relay.conf", dir) >= bufsz)
		return false;
	return access(buf, F_OK) == 0;
}

/*
 * RELAY_KEYS_FILE: a relative path given in the config file is taken
 * from the file's directory, like the secret files, so the relay and its
 * `relay keys` find the same file from anywhere.
 */
static int
resolve_keys_file(struct raw *raw, char *err, size_t errsz)
{
	char		 full[PATH_MAX];
	int		 id = setting_lookup("RELAY_KEYS_FILE");
	const char	*v = raw->values[id];

	if (!is_set(v) || v[0] == '/' || !raw->from_file[id])
		return 0;
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", raw->file_dir, v) >=
	    sizeof(full)) {
		snprintf(err, errsz, "RELAY_KEYS_FILE: path too long");
		return -1;
	}
	raw_set(raw, id, full, strlen(full));
	return 0;
}

/*
 * RELAY_STATE: a relative SQLite path given in the config file is taken
 * from the file's directory, like the secret files; unset, the store is
 * relay-state.db beside the keys file, else beside the config file, else
 * beside the binary.
 */
static int
resolve_state(struct raw *raw, char *err, size_t errsz)
{
	char		 dir[PATH_MAX], spec[PATH_MAX + 32];
	int		 id = setting_lookup("RELAY_STATE");
	const char	*v = raw->values[id];
	const char	*keys = raw->values[setting_lookup("RELAY_KEYS_FILE")];

	if (is_set(v) && (strncmp(v, "sqlite:", 7) != 0 || v[7] == '/' ||
	    v[7] == '\0' || !raw->from_file[id]))
		return 0;
	if (!is_set(v) && is_set(keys)) {
		snprintf(dir, sizeof(dir), "%s", keys);
		dir_of(dir);
	} else if (raw->file_dir[0] != '\0')
		snprintf(dir, sizeof(dir), "%s", raw->file_dir);
	else if (!binary_dir(dir, sizeof(dir)))
		snprintf(dir, sizeof(dir), ".");
	if ((size_t)snprintf(spec, sizeof(spec), "sqlite:%s/%s", dir,
	    is_set(v) ? v + 7 : "relay-state.db") >= sizeof(spec)) {
		snprintf(err, errsz, "RELAY_STATE: path too long");
		return -1;
	}
	raw_set(raw, id, spec, strlen(spec));
	return 0;
}

int
settings_load(const char *explicit_path, struct config *cfg,
    char *file_used, size_t file_usedsz, char *err, size_t errsz)
{
	char	 path[PATH_MAX];
	FILE	*fp;
	int	 rc;

	file_used[0] = '\0';
	if (explicit_path == NULL && is_set(getenv("RELAY_CONFIG")))
		explicit_path = getenv("RELAY_CONFIG");
	if (explicit_path != NULL)
		snprintf(path, sizeof(path), "%s", explicit_path);
	else if (!default_config_path(path, sizeof(path)))
		return settings_load_stream(NULL, NULL, cfg, err, errsz);
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "cannot read config file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = settings_load_stream(fp, path, cfg, err, errsz);
	fclose(fp);
	snprintf(file_used, file_usedsz, "%s", path);
	return rc;
}

int
settings_load_stream(FILE *fp, const char *path, struct config *cfg,
    char *err, size_t errsz)
{
	struct raw		 raw;
	const struct setting	*s;
	const char		*env;
	int			 i, rc = -1;

	memset(&raw, 0, sizeof(raw));
	if (fp != NULL) {
		if (read_config_file(fp, path, &raw, err, errsz) == -1)
			goto out;
		snprintf(raw.file_dir, sizeof(raw.file_dir), "%s", path);
		dir_of(raw.file_dir);
	}

	for (i = 0; i < (int)settings_count; i++) {
		env = getenv(setting_get(i)->name);
		if (is_set(env)) {
			raw_set(&raw, i, env, strlen(env));
			raw.from_file[i] = false;
		}
	}

	for (i = 0; i < (int)settings_count; i++) {
		s = setting_get(i);
		if (s->type != SETTING_SECRET_FILE || !is_set(raw.values[i]))
			continue;
		if (is_set(raw.values[setting_lookup(s->file_for)])) {
			snprintf(err, errsz, "set %s or %s, not both",
			    s->file_for, s->name);
			goto out;
		}
		if (read_secret_file(s->name, raw.values[i], &raw, i, err,
		    errsz) == -1)
			goto out;
	}
	if (resolve_keys_file(&raw, err, errsz) == -1 ||
	    resolve_state(&raw, err, errsz) == -1)
		goto out;
	rc = config_build((const char *const *)raw.values, cfg, err, errsz);
out:
	raw_free(&raw);
	return rc;
}
