#include "work.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)ceil(q * (double)n);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

/* CODE=v;CODE=v...; v: integer, true/false, or tags a|b|c */
static int parse_values(char *s, proto_value_t *vals, int *n)
{
    *n = 0;
    for (char *tok = strtok(s, ";"); tok; tok = strtok(NULL, ";")) {
        char *eq = strchr(tok, '=');
        if (!eq || *n == WORK_MAX_VALUES)
            return -1;
        *eq = '\0';
        proto_value_t *v = &vals[(*n)++];
        memset(v, 0, sizeof *v);
        snprintf(v->code, sizeof v->code, "%s", tok);
        char *x = eq + 1;
        if (!strcmp(x, "true") || !strcmp(x, "false")) {
            v->kind = PV_BOOL;
            v->i = x[0] == 't';
        } else if ((x[0] >= '0' && x[0] <= '9') || x[0] == '-') {
            v->kind = PV_INT;
            v->i = strtoll(x, NULL, 10);
        } else {
            v->kind = PV_TAGS;
            char *p = x;
            while (*p && v->ntags < PROTO_TAGS_MAX) {
                char *bar = strchr(p, '|');
                size_t l = bar ? (size_t)(bar - p) : strlen(p);
                v->tags[v->ntags].ptr = p;
                v->tags[v->ntags++].len = (uint32_t)l;
                if (!bar)
                    break;
                p = bar + 1;
            }
        }
    }
    return 0;
}

static int office_index(work_t *w, const char *code, int *cap)
{
    /* items come grouped by office: the last one is almost always it */
    for (int i = w->noffices - 1; i >= 0 && i >= w->noffices - 2; i--)
        if (!strcmp(w->offices[i].code, code))
            return i;
    if (w->noffices == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        w->offices = realloc(w->offices, (size_t)*cap * sizeof *w->offices);
    }
    work_office_t *o = &w->offices[w->noffices];
    memset(o, 0, sizeof *o);
    o->code = strdup(code);
    return w->noffices++;
}

int work_load(const char *path, const char *dataset, const char *period, work_t *w)
{
    memset(w, 0, sizeof *w);
    snprintf(w->dataset, sizeof w->dataset, "%s", dataset);
    snprintf(w->period, sizeof w->period, "%s", period);
    size_t len;
    w->text = slurp(path, &len);
    if (!w->text) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += w->text[i] == '\n';
    w->items = calloc((size_t)lines + 1, sizeof *w->items);
    int ocap = 0;
    /* offices are looked up by a linear scan of the last two plus a map for
     * phase 2 (grouped again, in the same order) */
    char *save = NULL;
    for (char *line = strtok_r(w->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[5];
        int nf = 0;
        char *p = line;
        while (nf < 5) {
            f[nf++] = p;
            char *t = strchr(p, '\t');
            if (!t)
                break;
            *t = '\0';
            p = t + 1;
        }
        if (nf != 5) {
            fprintf(stderr, "%s:%d: expected 5 fields\n", path, w->n + 1);
            return -1;
        }
        work_item_t *it = &w->items[w->n];
        it->phase = atoi(f[0]);
        if (it->phase < 1 || it->phase > 2) {
            fprintf(stderr, "%s:%d: bad phase\n", path, w->n + 1);
            return -1;
        }
        int o = -1;
        if (it->phase == 1) {
            o = office_index(w, f[1], &ocap);
        } else {
            for (int i = w->noffices - 1; i >= 0; i--) /* phase 2 is small: a plain scan */
                if (!strcmp(w->offices[i].code, f[1])) {
                    o = i;
                    break;
                }
            if (o < 0) /* a slice of the work whose first reports were in another slice */
                o = office_index(w, f[1], &ocap);
        }
        it->office = o;
        work_office_t *of = &w->offices[o];
        if (of->count[it->phase] == 0)
            of->first[it->phase] = w->n;
        else if (of->first[it->phase] + of->count[it->phase] != w->n) {
            fprintf(stderr, "%s:%d: items of office %s are not contiguous\n", path, w->n + 1, f[1]);
            return -1;
        }
        of->count[it->phase]++;
        it->unit = f[2];
        it->id = f[3];
        static proto_value_t vals[WORK_MAX_VALUES];
        it->spec = strdup(f[4]);
        if (parse_values(f[4], vals, &it->nvalues)) {
            fprintf(stderr, "%s:%d: bad values\n", path, w->n + 1);
            return -1;
        }
        proto_msg_t m;
        memset(&m, 0, sizeof m);
        m.type = PROTO_SUBMIT;
        snprintf(m.u.submit.id, sizeof m.u.submit.id, "%s", it->id);
        snprintf(m.u.submit.unit, sizeof m.u.submit.unit, "%s", it->unit);
        snprintf(m.u.submit.dataset, sizeof m.u.submit.dataset, "%s", dataset);
        snprintf(m.u.submit.period, sizeof m.u.submit.period, "%s", period);
        m.u.submit.values.n = (uint32_t)it->nvalues;
        m.u.submit.values.items = vals;
        proto_error_t err;
        if (proto_encode(&m, &it->buf, &it->len, &err)) {
            fprintf(stderr, "%s:%d: cannot encode: %s\n", path, w->n + 1, err.message);
            return -1;
        }
        w->n++;
    }
    return 0;
}

void work_free(work_t *w)
{
    for (int i = 0; i < w->n; i++) {
        free(w->items[i].buf);
        free(w->items[i].spec);
    }
    for (int i = 0; i < w->noffices; i++)
        free(w->offices[i].code);
    free(w->items);
    free(w->offices);
    free(w->text);
    memset(w, 0, sizeof *w);
}

int work_values(const work_item_t *it, proto_value_t *vals, char **scratch)
{
    int n;
    *scratch = strdup(it->spec);
    if (!*scratch || parse_values(*scratch, vals, &n))
        return -1;
    return n;
}

void bench_die(const char *prog, const char *fmt, const char *a)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(1);
}

const char *bench_opt(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 0; i + 1 < argc; i++)
        if (!strcmp(argv[i], name))
            return argv[i + 1];
    return def;
}

int bench_next_query(const char *prog, int argc, char **argv, int *i, bench_query_t *q)
{
    for (; *i < argc; (*i)++) {
        if (!strncmp(argv[*i], "--", 2)) {
            (*i)++;
            continue;
        }
        snprintf(q->name, sizeof q->name, "%s", argv[*i]);
        q->what = strchr(q->name, ':');
        q->node = q->what ? strchr(q->what + 1, ':') : NULL;
        if (!q->node)
            bench_die(prog, "bad spec %s (NAME:WHAT:NODE)", argv[*i]);
        *q->what++ = '\0';
        *q->node++ = '\0';
        (*i)++;
        return 0;
    }
    return -1;
}
