#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "civil.h"

static const char *log_service = "cchc";
static log_level_t log_min = LOG_INFO;

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
