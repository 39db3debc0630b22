#include "table.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

int utf8_width(const char *s)
{
    int w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        int n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
        for (int i = 1; i < n && p[i]; i++)
            cp = (cp << 6) | (p[i] & 0x3f);
        /* Combining diacritics (decomposed Vietnamese) take no column. */
        if (!(cp >= 0x300 && cp <= 0x36f))
            w++;
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return w;
}

int table_init(table_t *t, int ncols, const char **head)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->head = head;
    t->right = calloc((size_t)ncols, sizeof *t->right);
    return t->right ? 0 : -1;
}

int table_add(table_t *t, const char **cells)
{
    if (t->nrows == t->caprows) {
        int cap = t->caprows ? t->caprows * 2 : 64;
        char **nc = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof *nc);
        if (!nc)
            return -1;
        t->cells = nc;
        t->caprows = cap;
    }
    for (int i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = strdup(cells[i] ? cells[i] : "");
    t->nrows++;
    return 0;
}

static void pad(FILE *out, int n)
{
    while (n-- > 0)
        fputc(' ', out);
}

void table_print(const table_t *t, out_format_t f, FILE *out)
{
    if (f == FMT_CSV) {
        for (int r = -1; r < t->nrows; r++) {
            for (int c = 0; c < t->ncols; c++) {
                const char *s = r < 0 ? t->head[c] : t->cells[r * t->ncols + c];
                if (c)
                    fputc(',', out);
                csv_fwrite(out, s, strlen(s));
            }
            fputc('\n', out);
        }
        return;
    }
    int *w = calloc((size_t)t->ncols, sizeof *w);
    if (!w)
        return;
    for (int c = 0; c < t->ncols; c++) {
        w[c] = utf8_width(t->head[c]);
        for (int r = 0; r < t->nrows; r++) {
            int x = utf8_width(t->cells[r * t->ncols + c]);
            if (x > w[c])
                w[c] = x;
        }
    }
    for (int r = -1; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *s = r < 0 ? t->head[c] : t->cells[r * t->ncols + c];
            int x = utf8_width(s);
            if (c)
                fputs("  ", out);
            if (t->right[c] && r >= 0) {
                pad(out, w[c] - x);
                fputs(s, out);
            } else {
                fputs(s, out);
                if (c + 1 < t->ncols)
                    pad(out, w[c] - x);
            }
        }
        fputc('\n', out);
        if (r < 0) {
            for (int c = 0; c < t->ncols; c++) {
                if (c)
                    fputs("  ", out);
                for (int i = 0; i < w[c]; i++)
                    fputc('-', out);
            }
            fputc('\n', out);
        }
    }
    free(w);
}

void table_free(table_t *t)
{
    for (int i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->right);
    memset(t, 0, sizeof *t);
}

int parse_format(const char *s, out_format_t *f)
{
    if (!strcmp(s, "table"))
        *f = FMT_TABLE;
    else if (!strcmp(s, "csv"))
        *f = FMT_CSV;
    else if (!strcmp(s, "json"))
        *f = FMT_JSON;
    else
        return -1;
    return 0;
}
