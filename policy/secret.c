#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "policy/secret.h"

/*
 * libcrypto 3 looks EVP_sha256() up in its providers at every digest:
 * about 2,300 instructions, a third of hashing a key on every request
 * (make bench, callgrind).  secret_init fetches it once, before the
 * threads start; without it (tools, tests) each digest looks it up.
 */
static EVP_MD	*sha256;

bool
secret_init(void)
{
	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	return sha256 != NULL;
}

void
secret_sha256(const void *data, size_t len,
    unsigned char md[SECRET_DIGEST_LEN])
{
	unsigned int	mdlen = 0;

	/* Only when libcrypto cannot allocate. */
	if (EVP_Digest(data, len, md, &mdlen, sha256 != NULL ? sha256 :
	    EVP_sha256(), NULL) != 1 || mdlen != SECRET_DIGEST_LEN)
		abort();
}

void
secret_sha256_hex(const char *s, char hex[SECRET_DIGEST_HEX])
{
	static const char	digits[] = "0123456789abcdef";
	unsigned char		md[SECRET_DIGEST_LEN];
	size_t			i;

	secret_sha256(s, strlen(s), md);
	for (i = 0; i < SECRET_DIGEST_LEN; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * SECRET_DIGEST_LEN] = '\0';
	explicit_bzero(md, sizeof(md));
}

bool
secret_token(char out[SECRET_TOKEN_LEN + 1])
{
	unsigned char	raw[32], b64[48];
	size_t		i;

	if (RAND_bytes(raw, sizeof(raw)) != 1 ||
	    EVP_EncodeBlock(b64, raw, sizeof(raw)) != 44)
		return false;
	/* base64url without its one "=" of padding. */
	for (i = 0; i < SECRET_TOKEN_LEN; i++)
		out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' :
		    (char)b64[i];
	out[SECRET_TOKEN_LEN] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return true;
}
