/*
 * Small things every layer needs once: the element count of an array
 * and a monotonic clock in milliseconds.
 */
#ifndef POLICY_UTIL_H
#define POLICY_UTIL_H

/* The number of elements of array a (not a pointer). */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Milliseconds on the monotonic clock: for durations and deadlines. */
double now_ms(void);

#endif
