/*
 * Short-lived public links: bytes an answer cannot carry (an image for
 * a GPT, a file too big for an Action's 100,000 characters) kept in the
 * state store (handlers/state.h) for RELAY_ACTIONS_LINK_TTL seconds
 * behind an unguessable URL that needs no key, since ChatGPT fetches
 * images without one.  The store is the one every process and host of
 * the relay shares, so any of them serves a link any of them made.
 *
 * A link is 256 random bits from OpenSSL, base64url (43 characters);
 * the store keys it by its SHA-256, so reading the store does not yield
 * live links.  The bytes behind links count towards
 * RELAY_ACTIONS_LINKS_MAX.
 */
#ifndef HANDLERS_LINKS_H
#define HANDLERS_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/error.h"
#include "policy/secret.h"

struct exchange;
struct state;

/* The route links are served under; the token follows. */
#define LINKS_PATH		"/v1/actions/links/"
/* A token's length: 32 random bytes in base64url without padding. */
#define LINKS_TOKEN_LEN		SECRET_TOKEN_LEN

/*
 * A fresh token: 32 bytes from OpenSSL's CSPRNG as base64url without
 * padding (also the random part of a new relay key, `relay keys add`).
 * False if the CSPRNG fails.
 */
bool links_token_new(char token[LINKS_TOKEN_LEN + 1]);
/* Enough for any link URL the relay makes. */
#define LINKS_URL_MAX		512

/*
 * Keeps bytes[0..len) with its content_type (a Content-Type value the
 * link is served with) and writes the link's absolute URL into url:
 * RELAY_PUBLIC_URL, else the origin the request came to (as the OpenAPI
 * documents name it), then LINKS_PATH and the token.  *expires_at, when
 * not NULL, receives when the link stops working (Unix seconds).
 * Returns RERR_OK; RERR_LINKS_FULL (507) when the links would hold more
 * than RELAY_ACTIONS_LINKS_MAX bytes; RERR_LINKS_UNAVAILABLE (503) when
 * the store cannot be used; RERR_INTERNAL for a content_type that is
 * not a clean header value or a url buffer under LINKS_URL_MAX.
 */
enum rerr links_put(struct exchange *ex, const void *bytes, size_t len,
    const char *content_type, char *url, size_t urlsz,
    long long *expires_at);

/*
 * The layer below, with the store, the settings and the clock passed
 * in, so that tests can move time.  links_store keeps a link made at
 * now for ttl_s seconds, within max_bytes held in all, and writes its
 * token (LINKS_TOKEN_LEN characters and a NUL); same results as
 * links_put.
 */
enum rerr links_store(struct state *st, long ttl_s, long long max_bytes,
    const void *bytes, size_t len, const char *content_type,
    long long now, char token[LINKS_TOKEN_LEN + 1]);

/*
 * What token holds at now: RERR_OK with the bytes (*bytes, caller frees;
 * NUL-terminated, *len bytes before it), its type (*content_type, caller
 * frees) and *expires_at; RERR_LINK_NOT_FOUND for a token that is
 * malformed, unknown or expired; RERR_LINKS_UNAVAILABLE.
 */
enum rerr links_fetch(struct state *st, const char *token, long long now,
    char **bytes, size_t *len, char **content_type, long long *expires_at);

#endif
