/*
 * The keys file parser: the input is a keys file's text, parsed after
 * the config's own keys (one of RELAY_KEYS, so clashes are reached too);
 * a set that parses is then matched, looked up and written back as lines.
 */
#include <stdlib.h>

#include "policy/config.h"
#include "policy/keys.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*values[SETTINGS_MAX] = { NULL };
	struct config	 cfg;
	struct keyset	 ks;
	char		 err[512], *text = fuzz_string(data, size), *line;
	size_t		 i;

	values[setting_lookup("RELAY_KEYS")] = "ops:ops-key-0123456789ab";
	if (config_build(values, &cfg, err, sizeof(err)) == -1)
		abort();
	if (keys_build(&cfg, text, "fuzz/keys", &ks, err, sizeof(err)) == 0) {
		(void)keys_match(&ks, text);
		for (i = 0; i < ks.n; i++) {
			if (keys_find(&ks, ks.entries[i].name,
			    ks.entries[i].hash) != &ks.entries[i])
				abort();
			(void)keys_model_allowed(&ks.entries[i], text);
			line = keys_line(&ks.entries[i]);
			free(line);
		}
		keys_free(&ks);
	}
	config_free(&cfg);
	free(text);
	return 0;
}
