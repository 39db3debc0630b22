/*
 * svg.h -- inline SVG charts drawn by the server (no script, no external
 * resource).
 */
#ifndef CCHC_WEB_SVG_H
#define CCHC_WEB_SVG_H

#include <stdbool.h>

#include "buf.h"

#define SVG_SERIES_MAX 8

typedef struct {
    char label[48];             /* under the bar (escaped when drawn) */
    double v;
    bool has;                   /* false: no data, drawn as "–" */
} svg_point_t;

/* A bar chart of n points with the given element id and title (escaped);
 * pct: values are shares 0..1 shown as percentages; numbers in the
 * reader's format (en). */
void svg_bars(buf_t *b, const char *id, const char *title, const svg_point_t *pts, int n, bool pct, bool en);
/* One bar of a stacked bar chart. */
typedef struct {
    const char *label;          /* left of the bar (escaped when drawn) */
    long long total;            /* the bar's full width; shown after the label */
    long long count[SVG_SERIES_MAX]; /* the segments, by series */
} svg_stack_t;

/* Horizontal bars, one per row, each split into nseries segments (colors
 * and legend labels by series), with a legend below.  id and title as for
 * svg_bars(). */
void svg_stacked(buf_t *b, const char *id, const char *title, const svg_stack_t *rows, int n,
                 const char *const *series, const char *const *colors, int nseries, bool en);
/* A horizontal bar filled to `share` (0..1) with the percentage beside it. */
void svg_share(buf_t *b, double share, bool en);

#endif
