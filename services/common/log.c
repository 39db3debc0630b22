#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "period.h"

static const char *log_service = "cchc";
static log_level_t log_min = LOG_INFO;
static int64_t clock_offset_ms; /* simulated minus real, in ms */
static int clock_sim;

void log_init(const char *service, log_level_t min)
{
    log_service = service;
    log_min = min;
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (level < log_min)
        return;
    char ts[40], line[2048];
    time_format_iso((int64_t)time(NULL), ts, sizeof ts);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per record, so records from threads do not interleave. */
    fprintf(stderr, "%s %s %s %s\n", ts, log_service, names[level], line);
}

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
