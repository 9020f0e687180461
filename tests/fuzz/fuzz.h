/*
 * Fuzz drivers: one per parser on the request path.  Each file defines
 * LLVMFuzzerTestOneInput; built with -fsanitize=fuzzer by `make fuzz`,
 * and with replay.c's main() by `make check`, which replays the saved
 * corpus (every crash found becomes a corpus file).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a fresh NUL-terminated string (embedded NULs cut it short). */
char	*fuzz_string(const uint8_t *data, size_t size);

#endif
