#include "config.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *section, *key, *value;
} entry_t;

struct config {
    entry_t *e;
    int n, cap;
};

int config_set(config_t *c, const char *section, const char *key, const char *value)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key)) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free(c->e[i].value);
            c->e[i].value = v;
            return 0;
        }
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 32;
        entry_t *ne = realloc(c->e, (size_t)cap * sizeof *ne);
        if (!ne)
            return -1;
        c->e = ne;
        c->cap = cap;
    }
    entry_t *e = &c->e[c->n];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    if (!e->section || !e->key || !e->value) {
        free(e->section), free(e->key), free(e->value);
        return -1;
    }
    c->n++;
    return 0;
}

int config_override(config_t *c, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    const char *dot = eq ? memchr(assignment, '.', (size_t)(eq - assignment)) : NULL;
    if (!dot || dot == assignment || dot + 1 == eq)
        return CONFIG_E_SYNTAX;
    char *section = strndup(assignment, (size_t)(dot - assignment));
    char *key = strndup(dot + 1, (size_t)(eq - dot - 1));
    int rc = section && key ? config_set(c, section, key, eq + 1) : -1;
    free(section);
    free(key);
    return rc;
}

static int on_entry(void *ud, const char *section, const char *name, const char *value)
{
    return config_set(ud, section, name, value) == 0; /* inih: nonzero = ok */
}

int config_load(const char *path, config_t **out, char *errbuf, int errlen)
{
    config_t *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) {
        snprintf(errbuf, errlen, "out of memory");
        return -1;
    }
    if (path) {
        int rc = ini_parse(path, on_entry, c);
        if (rc != 0) {
            if (rc == -1)
                snprintf(errbuf, errlen, "%s: cannot open the configuration file", path);
            else if (rc == -2)
                snprintf(errbuf, errlen, "%s: out of memory", path);
            else
                snprintf(errbuf, errlen, "%s:%d: not a valid INI line", path, rc);
            config_destroy(&c);
            return -1;
        }
    }
    *out = c;
    return 0;
}

void config_destroy(config_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    config_t *c = *self_p;
    for (int i = 0; i < c->n; i++)
        free(c->e[i].section), free(c->e[i].key), free(c->e[i].value);
    free(c->e);
    free(c);
    *self_p = NULL;
}

const char *config_get(const config_t *c, const char *section, const char *key, const char *def)
{
    if (c)
        for (int i = 0; i < c->n; i++)
            if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key))
                return c->e[i].value;
    return def;
}

int64_t config_int(const config_t *c, const char *section, const char *key, int64_t def)
{
    const char *v = config_get(c, section, key, NULL);
    if (!v || !*v)
        return def;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *end ? def : n;
}

bool config_bool(const config_t *c, const char *section, const char *key, bool def)
{
    const char *v = config_get(c, section, key, NULL);
    if (!v || !*v)
        return def;
    return !strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on");
}
