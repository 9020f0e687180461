/*
 * Gathering settings from where an operator can put them: defaults, then
 * the config file, then the environment (which wins), then secret files.
 * The config file exists because suexec on shared hosts strips the
 * environment; secret files keep keys out of both.
 */
#ifndef FCGI_SETTINGS_H
#define FCGI_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct config;

/*
 * Loads and validates the configuration.  The file is explicit_path
 * (--config) when given, else $RELAY_CONFIG, else relay.conf beside the
 * real binary if it exists.  On success returns 0, fills *cfg (the caller
 * frees it with config_free) and names the file used in file_used ("" for
 * none).  On failure returns -1 with a one-line reason in err.
 */
int settings_load(const char *explicit_path, struct config *cfg,
    char *file_used, size_t file_usedsz, char *err, size_t errsz);

/*
 * The same from a config file already open as fp, named path in
 * messages (and, through its directory, the base of relative *_FILE
 * paths); with fp NULL, from the environment and defaults alone.  The
 * config fuzz driver feeds it a memory stream.
 */
int settings_load_stream(FILE *fp, const char *path, struct config *cfg,
    char *err, size_t errsz);

/*
 * Whether a file the relay takes settings or keys from may be trusted:
 * fd is open on it, path names it (and, through its directory, where it
 * lives), what says what it is in messages ("config file", or the
 * setting that names it).  It must be a regular file that neither group
 * nor others can write, in a directory they cannot write either unless
 * it is sticky (as /tmp is): whoever can change or replace the file can
 * point OPENAI_API_BASE elsewhere and receive the key, or add a client
 * key.  With secret, they must not read it either.  Only the file's own
 * directory is looked at, not those above it.  Returns 0, or -1 with a
 * one-line reason naming path in err.
 */
int settings_check_file(int fd, const char *path, const char *what,
    bool secret, char *err, size_t errsz);

#endif
