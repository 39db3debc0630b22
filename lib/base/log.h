/*
 * log.h -- one-line log records on stderr.
 *
 * A record is "2025-09-08T09:00:01+07:00 collector INFO text"; the time is the
 * real time of the machine (logs are for operators), even when the service
 * runs on a simulated clock.
 */
#ifndef CCHC_LOG_H
#define CCHC_LOG_H


typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Names the service in every record; level below `min` is dropped. */
void log_init(const char *service, log_level_t min);
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
