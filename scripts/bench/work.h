/*
 * work.h -- the benchmark's submissions (work.tsv from gen_catalog.py), shared
 * by loadgen.c (our pipeline and the raw ceiling) and pgload.c (PostgreSQL).
 *
 * work.tsv: phase \t office \t unit \t id \t CODE=v;CODE=v;...   (tags a|b|c)
 * Every submission is encoded once, with our codec (proto_encode), before any
 * clock starts: the collector and the raw ceiling receive the very same bytes.
 */
#ifndef CCHC_BENCH_WORK_H
#define CCHC_BENCH_WORK_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define WORK_MAX_VALUES 32

typedef struct {
    int phase;           /* 1 = first report, 2 = correction */
    int office;          /* index into work_t.offices */
    char *unit, *id;
    int nvalues;
    char *spec;          /* the values as written in work.tsv (work_values() decodes them) */
    char *buf;           /* the encoded SUBMIT */
    size_t len;
} work_item_t;

typedef struct {
    char *code;
    int first[3], count[3]; /* per phase (1, 2): the office's items are [first, first+count) */
} work_office_t;

typedef struct {
    work_item_t *items;
    int n;
    work_office_t *offices;
    int noffices;
    char dataset[65], period[8];
    char *text; /* the file, which items point into */
} work_t;

/* Reads work.tsv and encodes every SUBMIT for dataset/period.  Returns 0 or
 * -1 (message on stderr). */
int work_load(const char *path, const char *dataset, const char *period, work_t *w);
void work_free(work_t *w);

/* Decodes an item's values into vals[WORK_MAX_VALUES] (tags point into
 * *scratch, which the caller frees).  Returns the number of values or -1. */
int work_values(const work_item_t *it, proto_value_t *vals, char **scratch);

/* Prints "PROG: " and fmt (one %s argument) on stderr, exits 1. */
void bench_die(const char *prog, const char *fmt, const char *a) __attribute__((noreturn));
/* The value after `name` in argv, or def. */
const char *bench_opt(int argc, char **argv, const char *name, const char *def);

/* A query named on the command line as NAME:WHAT:NODE. */
typedef struct {
    char name[256]; /* a copy of the argument, cut at the colons */
    char *what, *node;
} bench_query_t;

/* The command line's queries one at a time: the next argument from argv[*i]
 * on that is neither an option ("--x") nor an option's value, split into *q;
 * *i moves past it.  Returns 0, or -1 when none is left; one that is not
 * NAME:WHAT:NODE ends the program (bench_die). */
int bench_next_query(const char *prog, int argc, char **argv, int *i, bench_query_t *q);

/* Monotonic and wall clocks in seconds. */
double now_mono(void);
double now_wall(void);

/* Sorts v[0..n) and returns the q-quantile (0..1), nearest rank. */
double quantile(double *v, size_t n, double q);

#endif
