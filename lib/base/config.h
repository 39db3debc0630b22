/*
 * config.h -- the INI configuration shared by every program (libinih).
 *
 * One file, one section per program ([collector], [aggregator], [client],
 * [notifier], [web]) plus [catalog]; see deploy/cchc.example.ini.  Values are
 * looked up by section and key with a default, so a missing file section
 * simply means "defaults".
 */
#ifndef CCHC_CONFIG_H
#define CCHC_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct config config_t;

/* Loads `path` (NULL: an empty configuration).  Returns 0 and *out, or -1
 * with a sentence in errbuf ("FILE:LINE: ...").  Caller destroys *out. */
int config_load(const char *path, config_t **out /* OUT */, char *errbuf, int errlen);
void config_destroy(config_t **self_p);

/* Sets (or overrides) a value, e.g. from a command-line flag.  Returns 0, or
 * -1 when out of memory. */
int config_set(config_t *c, const char *section, const char *key, const char *value);

/* Applies one documented override "SECTION.KEY=VALUE" (the argument of
 * --set; the value may be empty and may hold '=' and '.').  Returns 0, -1
 * when out of memory, or CONFIG_E_SYNTAX when the assignment is not of that
 * form (no '.' before the first '=', or an empty section or key). */
#define CONFIG_E_SYNTAX (-2)
int config_override(config_t *c, const char *assignment);

/* The value, or `def` when absent.  The string is owned by the config. */
const char *config_get(const config_t *c, const char *section, const char *key, const char *def);
int64_t config_int(const config_t *c, const char *section, const char *key, int64_t def);
bool config_bool(const config_t *c, const char *section, const char *key, bool def);

#endif
