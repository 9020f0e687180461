#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fcgi/keyring.h"
#include "fcgi/keyscli.h"
#include "fcgi/settings.h"
#include "handlers/links.h"
#include "policy/config.h"
#include "policy/keys.h"
#include "policy/xalloc.h"

#define EXIT_CONFIG	78
#define KEY_PREFIX	"rk-"

static void
usage(void)
{
	fputs("usage: relay keys [--config FILE] add NAME [--models LIST] "
	    "[--rpm N]\n"
	    "           [--tokens-per-day N] [--concurrency N] "
	    "[--surface actions]\n"
	    "       relay keys [--config FILE] list\n"
	    "       relay keys [--config FILE] revoke NAME\n", stderr);
}

/* The file's text, or "" when it does not exist yet (for add). */
static int
read_keys_text(const char *path, bool may_be_missing, char **text)
{
	char	err[512];

	if (may_be_missing && access(path, F_OK) == -1 && errno == ENOENT) {
		*text = xstrdup("");
		return 0;
	}
	if (keyring_read_file(path, text, err, sizeof(err)) == -1) {
		fprintf(stderr, "relay keys: %s\n", err);
		return -1;
	}
	return 0;
}

static void
text_free(char *text)
{
	explicit_bzero(text, strlen(text));
	free(text);
}

/* The set the relay would build from cfg and text; -1 with a message. */
static int
build_set(const struct config *cfg, const char *text, struct keyset *ks)
{
	char	err[512];

	if (keys_build(cfg, text, cfg->keys_file, ks, err, sizeof(err)) == -1) {
		fprintf(stderr, "relay keys: %s\n", err);
		return -1;
	}
	return 0;
}

/* The option words for a new key, from add's command line. */
static int
add_options(int argc, char *argv[], char *words, size_t wordsz)
{
	static const struct option longopts[] = {
		{ "models", required_argument, NULL, 'm' },
		{ "rpm", required_argument, NULL, 'r' },
		{ "tokens-per-day", required_argument, NULL, 't' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "surface", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const names[] = {
		['m'] = "models", ['r'] = "rpm", ['t'] = "tokens_per_day",
		['c'] = "concurrency", ['s'] = "surface",
	};
	size_t	o = 0;
	int	ch;

	words[0] = '\0';
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == '?' || strpbrk(optarg, " \t\r\n#") != NULL) {
			usage();
			return -1;
		}
		o += (size_t)snprintf(words + o, wordsz > o ? wordsz - o : 0,
		    " %s=%s", names[ch], optarg);
	}
	if (optind != argc || o >= wordsz) {
		usage();
		return -1;
	}
	return 0;
}

/*
 * Appends line to the file, creating it owner-only.  An existing file
 * without a final newline gets one first.
 */
static int
append_line(const char *path, const char *text, const char *line)
{
	size_t	 len = strlen(text);
	int	 fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	int	 rc = 0;

	if (fd == -1) {
		fprintf(stderr, "relay keys: cannot write %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if ((len > 0 && text[len - 1] != '\n' && write(fd, "\n", 1) != 1) ||
	    write(fd, line, strlen(line)) != (ssize_t)strlen(line) ||
	    fsync(fd) == -1) {
		fprintf(stderr, "relay keys: cannot write %s: %s\n", path,
		    strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

static int
keys_add(const struct config *cfg, int argc, char *argv[])
{
	struct keyset		 ks;
	const struct key_entry	*e;
	char			 words[2048], token[LINKS_TOKEN_LEN + 1];
	char			 key[sizeof(KEY_PREFIX) + LINKS_TOKEN_LEN];
	char			*text = NULL, *line, *candidate;
	int			 rc = EXIT_FAILURE;

	if (argc < 2 || !keys_name_valid(argv[1])) {
		fputs("relay keys add: NAME must be 1 to 64 letters, digits, "
		    "'_', '.' or '-'\n", stderr);
		return EXIT_FAILURE;
	}
	if (add_options(argc - 1, argv + 1, words, sizeof(words)) == -1 ||
	    read_keys_text(cfg->keys_file, true, &text) == -1)
		return EXIT_FAILURE;
	if (!links_token_new(token)) {
		fputs("relay keys add: no random bytes\n", stderr);
		goto out;
	}
	snprintf(key, sizeof(key), "%s%s", KEY_PREFIX, token);
	/* The file as it would be, checked whole: options, clashes. */
	candidate = xconcat(text, text[0] && text[strlen(text) - 1] != '\n' ?
	    "\n" : "", argv[1], " ", key, words, "\n", (char *)NULL);
	if (build_set(cfg, candidate, &ks) == 0) {
		e = keys_match(&ks, key);
		line = keys_line(e);
		if (append_line(cfg->keys_file, text, line) == 0) {
			printf("%s\n", key);
			rc = EXIT_SUCCESS;
		}
		free(line);
		keys_free(&ks);
	}
	text_free(candidate);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(token, sizeof(token));
	if (text != NULL)
		text_free(text);
	return rc;
}

static int
keys_list(const struct config *cfg)
{
	struct keyset	 ks;
	char		*text, options[2048];
	size_t		 i;

	if (read_keys_text(cfg->keys_file, true, &text) == -1)
		return EXIT_FAILURE;
	if (build_set(cfg, text, &ks) == -1) {
		text_free(text);
		return EXIT_FAILURE;
	}
	for (i = 0; i < ks.n; i++) {
		keys_options(&ks.entries[i], options, sizeof(options));
		printf("%-24s %s\n", ks.entries[i].name, i < cfg->nkeys ?
		    "(RELAY_KEY/RELAY_KEYS: no limits)" : options[0] ? options :
		    "(no limits)");
	}
	keys_free(&ks);
	text_free(text);
	return EXIT_SUCCESS;
}

/*
 * Writes text to path through a private file beside it and a rename,
 * so the relay reads either the old file or the new one, never half.
 */
static int
replace_file(const char *path, const char *text)
{
	char	tmp[PATH_MAX];
	int	fd;
	size_t	len = strlen(text);

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp) || (fd = mkstemp(tmp)) == -1) {
		fprintf(stderr, "relay keys: cannot write beside %s\n", path);
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || write(fd, text, len) != (ssize_t)len ||
	    fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1) {
		fprintf(stderr, "relay keys: cannot write %s: %s\n", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
keys_revoke(const struct config *cfg, int argc, char *argv[])
{
	char		*text, *kept, *p;
	size_t		 len, o = 0;
	int		 removed = 0, rc = EXIT_FAILURE;

	if (argc != 2) {
		usage();
		return EXIT_FAILURE;
	}
	if (read_keys_text(cfg->keys_file, false, &text) == -1)
		return EXIT_FAILURE;
	kept = xmalloc(strlen(text) + 1);
	for (p = text; *p != '\0'; p += len) {
		len = strcspn(p, "\n");
		len += p[len] == '\n';
		if (keys_line_names(p, argv[1])) {
			removed++;
			continue;
		}
		memcpy(kept + o, p, len);
		o += len;
	}
	kept[o] = '\0';
	if (removed == 0)
		fprintf(stderr, "relay keys revoke: no key named %s in %s\n",
		    argv[1], cfg->keys_file);
	else if (replace_file(cfg->keys_file, kept) == 0) {
		printf("revoked %s\n", argv[1]);
		rc = EXIT_SUCCESS;
	}
	text_free(kept);
	text_free(text);
	return rc;
}

int
keyscli_run(int argc, char *argv[])
{
	struct config	 cfg;
	const char	*config_path = NULL;
	char		 err[512], file_used[PATH_MAX];
	int		 rc;

	argc--;
	argv++;
	if (argc >= 2 && strcmp(argv[0], "--config") == 0) {
		config_path = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc < 1) {
		usage();
		return EXIT_FAILURE;
	}
	if (settings_load(config_path, &cfg, file_used, sizeof(file_used), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "relay keys: configuration error: %s\n", err);
		return EXIT_CONFIG;
	}
	if (cfg.keys_file[0] == '\0') {
		fputs("relay keys: RELAY_KEYS_FILE is not set\n", stderr);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (strcmp(argv[0], "add") == 0)
		rc = keys_add(&cfg, argc, argv);
	else if (strcmp(argv[0], "list") == 0 && argc == 1)
		rc = keys_list(&cfg);
	else if (strcmp(argv[0], "revoke") == 0)
		rc = keys_revoke(&cfg, argc, argv);
	else {
		usage();
		rc = EXIT_FAILURE;
	}
	config_free(&cfg);
	return rc;
}
