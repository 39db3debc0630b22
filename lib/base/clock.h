/*
 * clock.h -- the service clock: the real time, or a simulated one.
 *
 * Everything a service decides by the time (timeliness, deadlines, waits)
 * asks this clock, so that `--now TIME` moves all of it at once; tests and
 * the demo use that to stand before or after a deadline.  Log records do not
 * use it: they carry the machine's real time (see log.h).
 */
#ifndef CCHC_CLOCK_H
#define CCHC_CLOCK_H

#include <stdint.h>

/* The current time in Unix seconds (rounded down, also before 1970). */
int64_t clock_now(void);

/* The current time in Unix milliseconds. */
int64_t clock_now_ms(void);

/* Moves the clock: from now on it starts at `t` (Unix seconds) and advances
 * with real time.  Logs a warning, since production never does this. */
void clock_simulate(int64_t t);

/* 1 once clock_simulate() was called, 0 otherwise. */
int clock_is_simulated(void);

#endif
