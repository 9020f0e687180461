/*
 * relay keys add|list|revoke: managing the keys file (RELAY_KEYS_FILE)
 * from the command line, found through the config the way the relay
 * finds it.  A running relay notices the change within seconds
 * (fcgi/keyring.h).
 */
#ifndef FCGI_KEYSCLI_H
#define FCGI_KEYSCLI_H

/*
 * argv[0] is "keys".  Returns the process's exit status: 0, 1 for a
 * refused command (with a message on stderr), 78 for a bad config.
 */
int keyscli_run(int argc, char *argv[]);

#endif
