#include "clock.h"

#include <time.h>

#include "log.h"
#include "civil.h"

/* A simulated clock is the real one plus a fixed offset: it keeps advancing
 * at the real pace, so timeouts and waits behave as in production. */
static int64_t clock_offset_ms; /* simulated minus real, in ms */
static int clock_sim;

static int64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void) { return real_ms() + clock_offset_ms; }
int64_t clock_now(void)
{
    int64_t ms = clock_now_ms();
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

void clock_simulate(int64_t t)
{
    clock_offset_ms = t * 1000 - real_ms();
    clock_sim = 1;
    char buf[40];
    log_warn("SIMULATED CLOCK: this process believes it is %s (offset %+lld s from the real time); "
             "never use --now in production",
             time_format_iso(t, buf, sizeof buf), (long long)(clock_offset_ms / 1000));
}

int clock_is_simulated(void) { return clock_sim; }
