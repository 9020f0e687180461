/*
 * The keys a running relay accepts (policy/keys.h), kept up to date with
 * the keys file: under mod_fcgid nobody restarts anything, so a change to
 * RELAY_KEYS_FILE is noticed within KEYRING_CHECK_S seconds.  A file that
 * no longer parses (or can no longer be trusted) is logged with its line
 * and the last good keys stay; a missing file at start is an error, as
 * is a bad one.
 *
 * A request holds the set it started with (keyring_acquire) until it
 * ends, so a reload never frees an entry a request points at.  Every
 * thread of a process shares one keyring.
 */
#ifndef FCGI_KEYRING_H
#define FCGI_KEYRING_H

#include <stddef.h>

#define KEYRING_CHECK_S	2

struct config;
struct keyring;
struct keyset;

/*
 * Reads cfg's keys and its keys file, if it names one.  Returns the
 * keyring (never NULL then; it borrows cfg), or NULL with a one-line
 * reason in err ("path:line: reason" for a bad line).
 */
struct keyring *keyring_open(const struct config *cfg, char *err,
    size_t errsz);

/*
 * The current keys, after looking at the file if KEYRING_CHECK_S have
 * passed; valid until keyring_release(kr, it).
 */
const struct keyset *keyring_acquire(struct keyring *kr);
void keyring_release(struct keyring *kr, const struct keyset *ks);

/* Frees the keyring; no set may still be held. */
void keyring_close(struct keyring *kr);

/*
 * Reads the keys file at path, which must be owner-only (it may hold
 * keys in clear), into a fresh NUL-terminated string (*text, which the
 * caller frees).  Returns 0, or -1 with a reason naming path in err.
 */
int keyring_read_file(const char *path, char **text, char *err,
    size_t errsz);

#endif
