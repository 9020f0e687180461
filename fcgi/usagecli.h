/*
 * relay usage [--config FILE] [--day YYYY-MM-DD] [--since YYYY-MM-DD]
 * [--key NAME] [--json]: the usage the relay recorded (handlers/state.h),
 * by key, model and UTC day, from the store the config names.
 */
#ifndef FCGI_USAGECLI_H
#define FCGI_USAGECLI_H

/*
 * argv[0] is "usage".  Returns the exit status: 0, 1 for bad arguments
 * or a store that cannot be read, 78 for a bad config.
 */
int usagecli_run(int argc, char *argv[]);

#endif
