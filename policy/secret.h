/*
 * The relay's secrets: SHA-256, its one digest (of keys, which the keys
 * file and the state store hold only so, of link tokens and of PKCE
 * verifiers), and the random tokens it issues (links, OAuth codes and
 * tokens, client ids).
 */
#ifndef POLICY_SECRET_H
#define POLICY_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_DIGEST_LEN	32
#define SECRET_DIGEST_HEX	65	/* lower-case hex and its NUL */
#define SECRET_TOKEN_LEN	43	/* 32 random bytes in base64url */

/*
 * Fetches SHA-256 from libcrypto once, so digests skip that lookup; call
 * it before any thread starts.  False if libcrypto has no SHA-256.
 */
bool secret_init(void);

void secret_sha256(const void *data, size_t len,
    unsigned char md[SECRET_DIGEST_LEN]);

/* The SHA-256 of the string s, in lower-case hex. */
void secret_sha256_hex(const char *s, char hex[SECRET_DIGEST_HEX]);

/*
 * 32 bytes from libcrypto's generator in base64url without padding,
 * NUL-terminated; false if the generator fails (it is not seeded).
 */
bool secret_token(char out[SECRET_TOKEN_LEN + 1]);

#endif
