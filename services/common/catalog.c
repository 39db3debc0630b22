/*
 * catalog.c -- loads and validates the catalog directory.
 *
 * Each of the five CSV files is read whole (at most 64 MiB), cut into
 * physical lines and fed to libcsv one line at a time, so that every record
 * knows the line it starts on even when a quoted field spans lines.  The bytes
 * of every accepted field are copied into one string pool per file; the pool
 * becomes part of the catalog and every string of the catalog points into it,
 * so a 100,000-unit catalog costs a handful of allocations instead of a
 * million, and catalog_destroy() frees five pools rather than walking strings.
 *
 * Validation never stops at the first problem: a central office fixes a
 * spreadsheet in one pass only if it sees every mistake at once.  A row whose
 * code is usable is kept even when its other fields are wrong, so that rows
 * referring to it do not raise a cascade of "unknown unit" reports.  A file
 * that cannot be read at all switches off the reference checks against it
 * for the same reason.
 *
 * Trees can be as deep as they are long (a national benchmark nests 100,000
 * units), so depth, pre-order and cycle detection use explicit stacks.
 */
#include "catalog.h"
#include "hindex.h"
#include "proto.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define FIELD_MAX 4096
#define FILE_MAX ((size_t)64 << 20)
#define MSG_MAX 1024

/* Unit kinds.  unit_t.kind and dataset_t.kinds point at these strings. */
static const char *const unit_kinds[] = {
    "quoc_gia", "tinh", "thanh_pho", "so", "co_quan", "xa",
    "phuong", "dac_khu", "phong", "don_vi", "to_chuc",
};
#define NKINDS ((int)(sizeof unit_kinds / sizeof unit_kinds[0]))

enum { F_UNITS, F_INDS, F_DATASETS, F_TARGETS, F_HOLIDAYS, NFILES };
static const char *const file_names[NFILES] = {
    "units.csv", "indicators.csv", "datasets.csv", "targets.csv", "holidays.csv",
};

/* ---- columns of each file -------------------------------------------- */

typedef struct {
    const char *name;
    bool required;
} column_t;

enum { U_CODE, U_NAME, U_KIND, U_PARENT, U_OPENED, U_CLOSED, U_EMAIL, U_WEBHOOK, U_PSUB, U_NCOLS };
static const column_t unit_cols[U_NCOLS] = {
    {"code", true}, {"name", true}, {"kind", true}, {"parent", true}, {"opened", false},
    {"closed", false}, {"email", false}, {"webhook", false}, {"parent_submits", false},
};

enum { I_CODE, I_NAME_VI, I_NAME_EN, I_KIND, I_NUM, I_DEN, I_UNITS, I_TIME, I_TAGS, I_MAX, I_NCOLS };
static const column_t ind_cols[I_NCOLS] = {
    {"code", true}, {"name_vi", true}, {"name_en", false}, {"kind", true},
    {"numerator", false}, {"denominator", false}, {"across_units", false},
    {"across_time", false}, {"tags", false}, {"max", false},
};

enum { D_CODE, D_NAME, D_PTYPE, D_INDS, D_DUE, D_ROLL, D_KINDS, D_UNITS, D_OPTIONAL, D_NCOLS };
static const column_t ds_cols[D_NCOLS] = {
    {"code", true}, {"name", true}, {"period_type", true}, {"indicators", true},
    {"due_day", true}, {"roll_forward", false}, {"kinds", false}, {"units", false},
    {"optional", false},
};

enum { T_UNIT, T_IND, T_PTYPE, T_MIN, T_MAX, T_FROM, T_TO, T_NOTE, T_NCOLS };
static const column_t tgt_cols[T_NCOLS] = {
    {"unit", true}, {"indicator", true}, {"period_type", true}, {"min", false},
    {"max", false}, {"from", false}, {"to", false}, {"note", false},
};

enum { H_DATE, H_NAME, H_WORKING, H_NCOLS };
static const column_t hol_cols[H_NCOLS] = {
    {"date", true}, {"name", true}, {"working", false},
};

#define SCHEMA_MAX 10

/* ---- private part of the catalog ------------------------------------ */

struct catalog_index {
    hindex_t units, inds, datasets;
    int *child_pool;    /* unit_t.children point into it */
    int *submit_top;    /* highest unit reachable from u by parent_submits links */
    char *pool[NFILES]; /* the strings of the catalog */
};

/* ---- diagnostics ------------------------------------------------------ */

/* Problems are collected and handed to the caller at the end, sorted by file
 * and line: the loader finds them in several passes (quoting while reading,
 * references after every file is read), the reader wants them in file order. */
typedef struct {
    int file;       /* index in file_names, NFILES for none */
    int line;
    int seq;        /* keeps the finding order within a line */
    char *msg;
} problem_t;

typedef struct {
    catalog_diag_fn diag;
    void *ud;
    int nerr;
    problem_t *list;
    int n, cap;
} loader_t;

static int file_index(const char *file)
{
    for (int f = 0; f < NFILES; f++)
        if (strcmp(file, file_names[f]) == 0)
            return f;
    return NFILES;
}

__attribute__((format(printf, 4, 5)))
static void report(loader_t *ld, const char *file, int line, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ld->nerr++;
    if (ld->diag == NULL)
        return;
    if (ld->n == ld->cap) {
        int cap = ld->cap ? ld->cap * 2 : 16;
        problem_t *l = realloc(ld->list, (size_t)cap * sizeof *l);
        if (l) {
            ld->list = l;
            ld->cap = cap;
        }
    }
    char *copy = ld->n < ld->cap ? strdup(msg) : NULL;
    if (copy == NULL) { /* no memory to sort: say it now rather than never */
        ld->diag(ld->ud, file, line, msg);
        return;
    }
    ld->list[ld->n] = (problem_t){file_index(file), line, ld->n, copy};
    ld->n++;
}

static int cmp_problem(const void *a, const void *b)
{
    const problem_t *x = a, *y = b;
    if (x->file != y->file)
        return x->file - y->file;
    if (x->line != y->line)
        return x->line - y->line;
    return x->seq - y->seq;
}

static void flush_problems(loader_t *ld)
{
    if (ld->n > 0)
        qsort(ld->list, (size_t)ld->n, sizeof *ld->list, cmp_problem);
    for (int i = 0; i < ld->n; i++) {
        problem_t *p = &ld->list[i];
        ld->diag(ld->ud, p->file < NFILES ? file_names[p->file] : "catalog", p->line, p->msg);
        free(p->msg);
    }
    free(ld->list);
    ld->list = NULL;
    ld->n = ld->cap = 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A user value made safe to print inside a message: quoted, cut at 60 bytes,
 * bytes that are not printable UTF-8 written as \xNN. */
static const char *show(char *buf, size_t size, const char *s)
{
    size_t o = 0, n = strlen(s);
    buf[o++] = '\'';
    for (size_t i = 0; i < n && o + 8 < size;) {
        const unsigned char *u = (const unsigned char *)s + i;
        size_t k = utf8_seq(u, n - i);
        if (i >= 60) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (k == 0 || (k == 1 && (u[0] < 0x20 || u[0] == 0x7f))) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", u[0]);
            i++;
        } else {
            memcpy(buf + o, u, k);
            o += k;
            i += k;
        }
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}
#define SHOWBUF 300
#define SHOW(s) show((char[SHOWBUF]){0}, SHOWBUF, (s))

/* ---- reading one CSV file --------------------------------------------- */

typedef struct {
    const char *file;        /* base name, for messages */
    const column_t *schema;
    int nschema;
    bool ok;                 /* read, and every required column is present */
    char *pool;              /* field bytes, each NUL-terminated */
    size_t pool_len, pool_cap;
    int ncols;               /* columns in the header */
    int map[SCHEMA_MAX];     /* schema column -> header column, -1 absent */
    size_t *cells;           /* pool offsets, ncols per row */
    int *lines;              /* first line of each row */
    int nrows, rows_cap;
    size_t head[64];         /* header cells (at most 64 columns) */
} table_t;

/* State of one libcsv run over a file. */
typedef struct {
    loader_t *ld;
    table_t *t;
    size_t *rec;             /* pool offsets of the current record's fields */
    int nrec, rec_cap;
    int nfields;             /* fields seen in the current record */
    int nonempty;            /* of which non-empty */
    size_t rec_start;        /* pool length when the record began */
    bool rec_bad;            /* a field of this record was rejected */
    bool in_record;
    int line;                /* physical line being fed */
    int rec_line;            /* line the current record started on */
    bool have_header;
    bool oom;
} parse_t;

static int pool_add(table_t *t, const char *s, size_t len, size_t *off)
{
    if (t->pool_len + len + 1 > t->pool_cap) {
        size_t cap = t->pool_cap ? t->pool_cap : 4096;
        while (cap < t->pool_len + len + 1)
            cap *= 2;
        char *p = realloc(t->pool, cap);
        if (p == NULL)
            return -1;
        t->pool = p;
        t->pool_cap = cap;
    }
    memcpy(t->pool + t->pool_len, s, len);
    t->pool[t->pool_len + len] = '\0';
    *off = t->pool_len;
    t->pool_len += len + 1;
    return 0;
}

static void record_reset(parse_t *ps)
{
    ps->t->pool_len = ps->rec_start;
    ps->nrec = ps->nfields = ps->nonempty = 0;
    ps->rec_bad = false;
    ps->in_record = false;
}

static void on_field(void *field, size_t len, void *data)
{
    parse_t *ps = data;
    int n = ++ps->nfields;
    if (!ps->in_record) { /* a record that began in the middle of a line */
        ps->in_record = true;
        ps->rec_line = ps->line;
    }
    if (len > 0)
        ps->nonempty++;
    if (ps->rec_bad || ps->oom)
        return;
    if (len > FIELD_MAX) {
        report(ps->ld, ps->t->file, ps->rec_line, "field %d is longer than %d bytes", n, FIELD_MAX);
        ps->rec_bad = true;
        return;
    }
    if (len > 0 && memchr(field, '\0', len) != NULL) {
        report(ps->ld, ps->t->file, ps->rec_line, "field %d contains a NUL byte", n);
        ps->rec_bad = true;
        return;
    }
    if (ps->nrec == ps->rec_cap) {
        int cap = ps->rec_cap ? ps->rec_cap * 2 : 16;
        size_t *r = realloc(ps->rec, (size_t)cap * sizeof *r);
        if (r == NULL) {
            ps->oom = true;
            return;
        }
        ps->rec = r;
        ps->rec_cap = cap;
    }
    if (pool_add(ps->t, len ? field : "", len, &ps->rec[ps->nrec]) < 0) {
        ps->oom = true;
        return;
    }
    ps->nrec++;
}

static void take_header(parse_t *ps)
{
    table_t *t = ps->t;
    if (ps->rec_bad)
        return; /* already reported; t->ok stays false */
    if (ps->nrec > (int)(sizeof t->head / sizeof t->head[0])) {
        report(ps->ld, t->file, ps->rec_line, "header has %d columns; at most %d are allowed",
               ps->nrec, (int)(sizeof t->head / sizeof t->head[0]));
        return;
    }
    memcpy(t->head, ps->rec, (size_t)ps->nrec * sizeof *ps->rec);
    t->ncols = ps->nrec;
    t->ok = true;
    for (int i = 0; i < t->nschema; i++)
        t->map[i] = -1;
    for (int c = 0; c < t->ncols; c++) {
        const char *name = t->pool + t->head[c];
        int s;
        if (*name == '\0') {
            report(ps->ld, t->file, ps->rec_line, "column %d of the header has no name", c + 1);
            continue;
        }
        for (s = 0; s < t->nschema; s++)
            if (strcasecmp(name, t->schema[s].name) == 0)
                break;
        if (s == t->nschema) {
            char list[512];
            size_t o = 0;
            for (int k = 0; k < t->nschema; k++)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", k ? ", " : "", t->schema[k].name);
            report(ps->ld, t->file, ps->rec_line, "unknown column %s (expected %s)", SHOW(name), list);
        } else if (t->map[s] >= 0) {
            report(ps->ld, t->file, ps->rec_line, "column '%s' appears twice in the header", t->schema[s].name);
        } else {
            t->map[s] = c;
        }
    }
    for (int s = 0; s < t->nschema; s++)
        if (t->map[s] < 0 && t->schema[s].required) {
            report(ps->ld, t->file, ps->rec_line, "missing column '%s' in the header", t->schema[s].name);
            t->ok = false;
        }
}

static void on_record(int c, void *data)
{
    parse_t *ps = data;
    table_t *t = ps->t;
    (void)c;
    if (ps->oom)
        return;
    if (ps->nonempty == 0 && !ps->rec_bad) {
        /* ",,,," -- a row a spreadsheet left behind: a blank line */
        record_reset(ps);
        return;
    }
    if (!ps->have_header) {
        ps->have_header = true;
        take_header(ps);
        ps->rec_start = t->pool_len; /* keep the header's bytes */
        record_reset(ps);
        return;
    }
    if (!ps->rec_bad && ps->nfields != t->ncols) {
        report(ps->ld, t->file, ps->rec_line, "expected %d fields as in the header, found %d",
               t->ncols, ps->nfields);
        ps->rec_bad = true;
    }
    if (ps->rec_bad) {
        record_reset(ps);
        return;
    }
    if (t->nrows == t->rows_cap) {
        int cap = t->rows_cap ? t->rows_cap * 2 : 64;
        size_t *cells = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof *cells);
        if (cells)
            t->cells = cells;
        int *lines = realloc(t->lines, (size_t)cap * sizeof *lines);
        if (lines)
            t->lines = lines;
        if (!cells || !lines) {
            ps->oom = true;
            return;
        }
        t->rows_cap = cap;
    }
    memcpy(t->cells + (size_t)t->nrows * (size_t)t->ncols, ps->rec, (size_t)t->ncols * sizeof *ps->rec);
    t->lines[t->nrows++] = ps->rec_line;
    ps->rec_start = t->pool_len;
    ps->nrec = ps->nfields = ps->nonempty = 0;
    ps->rec_bad = false;
    ps->in_record = false;
}

/* Reads the whole file into memory.  Returns the buffer (caller frees) or
 * NULL after reporting why not. */
static char *slurp(loader_t *ld, const char *dir, const char *file, size_t *len)
{
    char path[4096];
    struct stat st;
    char *buf = NULL;
    FILE *f;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
        report(ld, file, 0, "directory path too long");
        return NULL;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT)
            report(ld, file, 0, "missing file (%s not found)", path);
        else
            report(ld, file, 0, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        report(ld, file, 0, "%s is not a regular file", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > FILE_MAX) {
        report(ld, file, 0, "file is larger than 64 MiB");
        goto fail;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        report(ld, file, 0, "out of memory");
        goto fail;
    }
    /* read one byte more than stat said, to notice a file that grew */
    *len = fread(buf, 1, (size_t)st.st_size + 1, f);
    if (ferror(f) || *len > (size_t)st.st_size) {
        report(ld, file, 0, ferror(f) ? "read error" : "file changed while being read");
        goto fail;
    }
    fclose(f);
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

static bool blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

static void read_table(loader_t *ld, const char *dir, table_t *t)
{
    const unsigned char opts = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;
    struct csv_parser p;
    parse_t ps = {.ld = ld, .t = t};
    size_t len = 0, pos = 0;
    int nerr0 = ld->nerr;
    char *buf = slurp(ld, dir, t->file, &len);
    if (buf == NULL)
        return;
    if (csv_init(&p, opts) != 0) {
        report(ld, t->file, 0, "out of memory");
        free(buf);
        return;
    }
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        pos = 3; /* a BOM, as spreadsheets write it */
    /* One physical line per csv_parse() call: the parser then tells which
     * line a record started on and where a quoting error is. */
    while (pos < len && !ps.oom) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
        ps.line++;
        if (!ps.in_record) {
            if (blank_line(buf + pos, n)) {
                pos += n;
                continue;
            }
            ps.in_record = true;
            ps.rec_line = ps.line;
        }
        if (csv_parse(&p, buf + pos, n, on_field, on_record, &ps) != n) {
            if (csv_error(&p) == CSV_EPARSE) {
                report(ld, t->file, ps.line,
                       "bad quoting: a quote inside an unquoted field or text after a closing quote");
            } else {
                ps.oom = true;
                break;
            }
            /* libcsv cannot resume after an error: start afresh on the next line */
            csv_free(&p);
            if (csv_init(&p, opts) != 0) {
                ps.oom = true;
                break;
            }
            record_reset(&ps);
        }
        pos += n;
    }
    if (!ps.oom && csv_fini(&p, on_field, on_record, &ps) != 0) {
        report(ld, t->file, ps.rec_line, "unterminated quoted field");
        record_reset(&ps);
    }
    if (ps.oom)
        report(ld, t->file, 0, "out of memory");
    else if (!ps.have_header && ld->nerr == nerr0)
        report(ld, t->file, 0, "empty file: no header row");
    if (ps.oom)
        t->ok = false;
    csv_free(&p);
    free(ps.rec);
    free(buf);
}

static const char *cell(const table_t *t, int row, int col)
{
    int c = t->map[col];
    if (c < 0)
        return "";
    /* the pool no longer moves once the file is read */
    return t->pool + t->cells[(size_t)row * (size_t)t->ncols + (size_t)c];
}

/* The same cell, writable: lists are split in place in the pool, which the
 * catalog keeps and which nothing reads as a whole afterwards. */
static char *cell_mut(table_t *t, int row, int col)
{
    return (char *)cell(t, row, col);
}

static void table_free(table_t *t)
{
    free(t->pool);
    free(t->cells);
    free(t->lines);
    t->pool = NULL;
    t->cells = NULL;
    t->lines = NULL;
}

/* ---- field checks ----------------------------------------------------- */

typedef struct {
    loader_t *ld;
    catalog_t *c;
    table_t t[NFILES];
} load_t;

static bool code_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!proto_code_char((unsigned char)s[n]))
            return false;
    return n > 0 && n <= CATALOG_CODE_MAX;
}

/* Checks a code column; reports and returns false when it is unusable. */
static bool check_code(load_t *L, const table_t *t, int row, const char *what, const char *s)
{
    if (*s == '\0') {
        report(L->ld, t->file, t->lines[row], "empty %s", what);
        return false;
    }
    if (!code_ok(s)) {
        report(L->ld, t->file, t->lines[row],
               "%s %s: use only A-Z a-z 0-9 . _ - : and at most %d bytes", what, SHOW(s), CATALOG_CODE_MAX);
        return false;
    }
    return true;
}

/* How check_text() judges a text field. */
enum {
    TEXT_REQUIRED = 1, /* must not be empty */
    TEXT_FREE = 2,     /* a note: any length, line breaks and tabs allowed */
};

/* Checks human text: valid UTF-8, no control characters (a name ends up in
 * tab-separated listings and one-line messages), not too long. */
static void check_text(load_t *L, const table_t *t, int row, const char *what, const char *s, int flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    if (n == 0) {
        if (flags & TEXT_REQUIRED)
            report(L->ld, t->file, t->lines[row], "empty %s", what);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (k == 0) {
            report(L->ld, t->file, t->lines[row], "invalid UTF-8 in %s at byte %zu (save the file as UTF-8)",
                   what, i + 1);
            return;
        }
        if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f) &&
            !((flags & TEXT_FREE) && (u[i] == '\n' || u[i] == '\r' || u[i] == '\t'))) {
            report(L->ld, t->file, t->lines[row], "control character in %s at byte %zu", what, i + 1);
            return;
        }
        i += k;
    }
    if (n > CATALOG_NAME_MAX && !(flags & TEXT_FREE))
        report(L->ld, t->file, t->lines[row], "%s is %zu bytes long; at most %d are allowed", what, n,
               CATALOG_NAME_MAX);
}

/* yes / no / empty (= no), any letter case.  Returns 0 or -1 after a report. */
static int parse_yes_no(load_t *L, const table_t *t, int row, const char *col, const char *s, bool *out)
{
    if (*s == '\0' || strcasecmp(s, "no") == 0) {
        *out = false;
        return 0;
    }
    if (strcasecmp(s, "yes") == 0) {
        *out = true;
        return 0;
    }
    report(L->ld, t->file, t->lines[row], "%s must be yes or no, not %s", col, SHOW(s));
    return -1;
}

/* A plain decimal integer (optional sign), nothing else. */
static int parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (*s == '\0' || *s == ' ' || *s == '+')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    double v;
    const char *p = s;
    if (*p == '-')
        p++;
    if (!((*p >= '0' && *p <= '9') || *p == '.'))
        return -1; /* refuses "", " 1", "inf", "nan", "0x10" is caught below */
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end != '\0' || strpbrk(s, "xXpP") != NULL)
        return -1;
    *out = v;
    return 0;
}

static int parse_date_cell(load_t *L, const table_t *t, int row, const char *col, const char *s, int32_t *day)
{
    *day = CATALOG_DAY_NONE;
    if (*s == '\0')
        return 0;
    if (date_parse(s, day) != 0) {
        report(L->ld, t->file, t->lines[row], "bad date in %s: %s (expected YYYY-MM-DD)", col, SHOW(s));
        *day = CATALOG_DAY_NONE;
        return -1;
    }
    return 0;
}

static const char *find_kind(const char *s)
{
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(s, unit_kinds[i]) == 0)
            return unit_kinds[i];
    return NULL;
}

static const char *kinds_list(void)
{
    return "quoc_gia, tinh, thanh_pho, so, co_quan, xa, phuong, dac_khu, phong, don_vi or to_chuc";
}

/* Splits a `|`-separated list in place, trimming spaces around items.
 * Returns the number of items written to out (at most max), or -1 when an
 * item is empty ("a||b", a trailing bar). *count gets the real number. */
static int split_list(char *s, char **out, int max, int *count)
{
    int n = 0;
    *count = 0;
    if (*s == '\0')
        return 0;
    for (;;) {
        char *bar = strchr(s, '|');
        char *end = bar ? bar : s + strlen(s);
        while (*s == ' ')
            s++;
        while (end > s && end[-1] == ' ')
            end--;
        if (end == s)
            return -1;
        if (bar)
            *bar = '\0';
        *end = '\0';
        if (n < max)
            out[n] = s;
        n++;
        if (!bar)
            break;
        s = bar + 1;
    }
    *count = n;
    return n < max ? n : max;
}

static int count_items(const char *s)
{
    int n = *s ? 1 : 0;
    for (; *s; s++)
        n += *s == '|';
    return n;
}

/* ---- units ------------------------------------------------------------ */

/* An address the notifier can hand to a mail server: local@domain.tld, printable
 * ASCII, none of the characters that would need quoting.  NULL when empty. */
static char *check_email(load_t *L, const table_t *t, int r, const char *s)
{
    if (*s == '\0')
        return NULL;
    const char *at = strchr(s, '@');
    bool bad = at == NULL || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
               s[strlen(s) - 1] == '.';
    for (const char *q = s; !bad && *q; q++)
        bad = (unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f || strchr("<>,;\"()[]\\", *q);
    if (bad)
        report(L->ld, t->file, t->lines[r], "bad e-mail address %s", SHOW(s));
    return (char *)s;
}

/* An http(s) URL without spaces or non-ASCII bytes.  NULL when empty. */
static char *check_webhook(load_t *L, const table_t *t, int r, const char *s)
{
    if (*s == '\0')
        return NULL;
    bool bad = strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0;
    for (const char *q = s; !bad && *q; q++)
        bad = (unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f;
    if (bad)
        report(L->ld, t->file, t->lines[r], "bad webhook %s (expected an http:// or https:// URL)", SHOW(s));
    return (char *)s;
}

static void load_units_rows(load_t *L, const char **pcode)
{
    table_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    for (int r = 0; r < t->nrows; r++) {
        const char *code = cell(t, r, U_CODE);
        const char *s;
        if (!check_code(L, t, r, "code", code))
            continue;
        int dup = hindex_add(&c->index->units, code);
        if (dup >= 0) {
            report(L->ld, t->file, t->lines[r], "duplicate code %s (first on line %d)", SHOW(code),
                   t->lines[c->units[dup].subtree_first]);
            continue;
        }
        unit_t *u = &c->units[c->nunits];
        memset(u, 0, sizeof *u);
        u->code = (char *)code;
        u->parent = -1;
        u->subtree_first = r; /* the row, until the tree is built */
        u->name = cell_mut(t, r, U_NAME);
        check_text(L, t, r, "name", u->name, TEXT_REQUIRED);
        s = cell(t, r, U_KIND);
        u->kind = (char *)find_kind(s);
        if (u->kind == NULL) {
            report(L->ld, t->file, t->lines[r], "unknown kind %s (expected %s)", SHOW(s), kinds_list());
            u->kind = (char *)unit_kinds[0];
        }
        parse_date_cell(L, t, r, "opened", cell(t, r, U_OPENED), &u->opened);
        parse_date_cell(L, t, r, "closed", cell(t, r, U_CLOSED), &u->closed);
        if (u->opened != CATALOG_DAY_NONE && u->closed != CATALOG_DAY_NONE && u->closed <= u->opened)
            report(L->ld, t->file, t->lines[r], "closed %s is not after opened %s", cell(t, r, U_CLOSED),
                   cell(t, r, U_OPENED));
        u->email = check_email(L, t, r, cell(t, r, U_EMAIL));
        u->webhook = check_webhook(L, t, r, cell(t, r, U_WEBHOOK));
        parse_yes_no(L, t, r, "parent_submits", cell(t, r, U_PSUB), &u->parent_submits);
        pcode[c->nunits] = cell(t, r, U_PARENT);
        c->nunits++;
    }
}

static void resolve_parents(load_t *L, const char **pcode, const int *row)
{
    table_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    for (int i = 0; i < c->nunits; i++) {
        unit_t *u = &c->units[i];
        int line = t->lines[row[i]];
        if (*pcode[i] == '\0') {
            if (u->parent_submits)
                report(L->ld, t->file, line, "parent_submits is yes but the unit has no parent");
            continue;
        }
        u->parent = catalog_unit(c, pcode[i]);
        if (u->parent < 0)
            report(L->ld, t->file, line, "unknown parent %s", SHOW(pcode[i]));
    }
}

/* Reports each cycle of parents once, at the line of its first unit in the
 * file.  Called only for units no root reaches. */
static void report_cycles(load_t *L, const bool *seen, const int *row)
{
    catalog_t *c = L->c;
    table_t *t = &L->t[F_UNITS];
    int *mark = calloc((size_t)c->nunits, sizeof *mark);
    if (mark == NULL) {
        report(L->ld, t->file, 0, "out of memory");
        return;
    }
    for (int i = 0; i < c->nunits; i++) {
        if (seen[i] || mark[i])
            continue;
        int u = i;
        while (u >= 0 && !mark[u] && !seen[u]) {
            mark[u] = i + 1; /* walk number */
            u = c->units[u].parent;
        }
        if (u < 0 || seen[u] || mark[u] != i + 1)
            continue; /* hangs below a cycle already reported */
        /* u is on a new cycle: name it from its first unit in file order */
        int first = u;
        for (int v = c->units[u].parent; v != u; v = c->units[v].parent)
            if (row[v] < row[first])
                first = v;
        char msg[MSG_MAX];
        size_t o = 0;
        int k = 0, v = first;
        do {
            o += (size_t)snprintf(msg + o, sizeof msg - o, "%s -> ", c->units[v].code);
            v = c->units[v].parent;
        } while (v != first && ++k < 6 && o < sizeof msg - 200);
        snprintf(msg + o, sizeof msg - o, "%s%s", v == first ? "" : "... -> ", c->units[first].code);
        report(L->ld, t->file, t->lines[row[first]], "cycle of parents (unit -> its parent): %s", msg);
    }
    free(mark);
}

/* Children arrays, depth, pre-order and subtree bounds, without recursion. */
static int build_tree(load_t *L, const int *row)
{
    catalog_t *c = L->c;
    int n = c->nunits;
    int *fill = calloc((size_t)n + 1, sizeof *fill);
    int *stack = malloc(((size_t)n + 1) * sizeof *stack);
    int *next = calloc((size_t)n + 1, sizeof *next);
    bool *seen = calloc((size_t)n + 1, sizeof *seen);
    int *pool = malloc(((size_t)n + 1) * sizeof *pool);
    int pos = 0, rc = -1;
    c->preorder = malloc(((size_t)n + 1) * sizeof *c->preorder);
    c->index->submit_top = malloc(((size_t)n + 1) * sizeof *c->index->submit_top);
    if (!fill || !stack || !next || !seen || !pool || !c->preorder || !c->index->submit_top)
        goto cleanup;
    c->index->child_pool = pool;
    pool = NULL;
    for (int i = 0; i < n; i++)
        if (c->units[i].parent >= 0)
            c->units[c->units[i].parent].nchildren++;
    for (int i = 0, off = 0; i < n; i++) {
        c->units[i].children = c->index->child_pool + off;
        off += c->units[i].nchildren;
    }
    for (int i = 0; i < n; i++) { /* children in file order */
        int p = c->units[i].parent;
        if (p >= 0)
            c->units[p].children[fill[p]++] = i;
    }
    for (int r = 0; r < n; r++) {
        if (c->units[r].parent >= 0)
            continue;
        int sp = 0;
        stack[sp++] = r;
        seen[r] = true;
        c->units[r].depth = 0;
        c->units[r].subtree_first = pos;
        c->preorder[pos++] = r;
        while (sp > 0) {
            unit_t *u = &c->units[stack[sp - 1]];
            if (next[stack[sp - 1]] < u->nchildren) {
                int v = u->children[next[stack[sp - 1]]++];
                seen[v] = true;
                c->units[v].depth = u->depth + 1;
                c->units[v].subtree_first = pos;
                c->preorder[pos++] = v;
                stack[sp++] = v;
            } else {
                u->subtree_end = pos;
                sp--;
            }
        }
    }
    if (pos < n) {
        report_cycles(L, seen, row);
    } else {
        int *top = c->index->submit_top;
        for (int k = 0; k < n; k++) { /* parents come first in pre-order */
            int u = c->preorder[k];
            int p = c->units[u].parent;
            top[u] = (p >= 0 && c->units[u].parent_submits) ? top[p] : u;
        }
    }
    rc = 0;
cleanup:
    if (rc != 0)
        report(L->ld, "units.csv", 0, "out of memory");
    free(fill);
    free(stack);
    free(next);
    free(seen);
    free(pool);
    return rc;
}

static void load_units(load_t *L)
{
    table_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    const char **pcode = malloc(((size_t)t->nrows + 1) * sizeof *pcode);
    int *row = malloc(((size_t)t->nrows + 1) * sizeof *row);
    c->units = calloc((size_t)t->nrows + 1, sizeof *c->units);
    if (!pcode || !row || !c->units || hindex_init(&c->index->units, t->nrows) != 0) {
        report(L->ld, t->file, 0, "out of memory");
        goto cleanup;
    }
    load_units_rows(L, pcode);
    /* subtree_first held the row of each unit until now */
    for (int i = 0; i < c->nunits; i++) {
        row[i] = c->units[i].subtree_first;
        c->units[i].subtree_first = 0;
    }
    resolve_parents(L, pcode, row);
    build_tree(L, row);
cleanup:
    free(pcode);
    free(row);
}

/* ---- indicators ------------------------------------------------------- */

static const char *const kind_names[] = {"", "count", "stock", "bool", "tags", "rate"};
static const char *const units_names[] = {"", "sum", "count_yes", "count_tags", "ratio"};
static const char *const time_names[] = {"", "sum", "last", "any", "union", "ratio"};

const char *ind_kind_name(ind_kind_t k)
{
    return (k >= IND_COUNT && k <= IND_RATE) ? kind_names[k] : "?";
}

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 1; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return 0;
}

/* The aggregation each kind allows: across units (one), across time (a set). */
static const struct {
    agg_units_t units;
    unsigned time_mask;
    agg_time_t time_default;
    const char *time_list;
} agg_rule[] = {
    [IND_COUNT] = {AGG_UNITS_SUM, 1u << AGG_TIME_SUM, AGG_TIME_SUM, "sum"},
    [IND_STOCK] = {AGG_UNITS_SUM, 1u << AGG_TIME_LAST, AGG_TIME_LAST, "last"},
    [IND_BOOL] = {AGG_UNITS_COUNT_YES, 1u << AGG_TIME_ANY | 1u << AGG_TIME_LAST, AGG_TIME_LAST, "any or last"},
    [IND_TAGS] = {AGG_UNITS_COUNT_TAGS, 1u << AGG_TIME_UNION, AGG_TIME_UNION, "union"},
    [IND_RATE] = {AGG_UNITS_RATIO, 1u << AGG_TIME_RATIO, AGG_TIME_RATIO, "ratio"},
};

static void load_ind_aggregation(load_t *L, const table_t *t, int r, indicator_t *ind)
{
    const char *su = cell(t, r, I_UNITS), *st = cell(t, r, I_TIME);
    int k = ind->kind;
    ind->across_units = agg_rule[k].units;
    ind->across_time = agg_rule[k].time_default;
    if (*su) {
        int v = name_index(units_names, 5, su);
        if (v == 0)
            report(L->ld, t->file, t->lines[r], "unknown across_units %s (expected sum, count_yes, count_tags or ratio)",
                   SHOW(su));
        else if (v != (int)agg_rule[k].units)
            report(L->ld, t->file, t->lines[r], "across_units '%s' does not fit a %s indicator (expected %s)",
                   units_names[v], kind_names[k], units_names[agg_rule[k].units]);
        else
            ind->across_units = (agg_units_t)v;
    }
    if (*st) {
        int v = name_index(time_names, 6, st);
        if (v == 0)
            report(L->ld, t->file, t->lines[r], "unknown across_time %s (expected sum, last, any, union or ratio)",
                   SHOW(st));
        else if (!(agg_rule[k].time_mask & 1u << v))
            report(L->ld, t->file, t->lines[r], "across_time '%s' does not fit a %s indicator (expected %s)",
                   time_names[v], kind_names[k], agg_rule[k].time_list);
        else
            ind->across_time = (agg_time_t)v;
    }
}

static void load_ind_tags(load_t *L, table_t *t, int r, indicator_t *ind)
{
    char *s = cell_mut(t, r, I_TAGS);
    char *items[CATALOG_TAGS_MAX];
    int count;
    if (ind->kind != IND_TAGS) {
        if (*s)
            report(L->ld, t->file, t->lines[r], "only a tags indicator lists tags");
        return;
    }
    if (*s == '\0') {
        report(L->ld, t->file, t->lines[r], "a tags indicator needs its allowed tags in the tags column (a|b|c)");
        return;
    }
    int n = split_list(s, items, CATALOG_TAGS_MAX, &count);
    if (n < 0) {
        report(L->ld, t->file, t->lines[r], "empty tag in the tags list");
        return;
    }
    if (count > CATALOG_TAGS_MAX) {
        report(L->ld, t->file, t->lines[r], "%d tags listed; at most %d are allowed", count, CATALOG_TAGS_MAX);
        return;
    }
    ind->tags = malloc((size_t)n * sizeof *ind->tags);
    if (ind->tags == NULL) {
        report(L->ld, t->file, t->lines[r], "out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!code_ok(items[i]))
            report(L->ld, t->file, t->lines[r], "tag %s: use only A-Z a-z 0-9 . _ - : and at most %d bytes",
                   SHOW(items[i]), CATALOG_CODE_MAX);
        for (int j = 0; j < i; j++)
            if (strcmp(items[i], items[j]) == 0)
                report(L->ld, t->file, t->lines[r], "tag %s listed twice", SHOW(items[i]));
        ind->tags[i] = items[i];
    }
    ind->ntags = n;
}

static void load_ind_max(load_t *L, const table_t *t, int r, indicator_t *ind)
{
    const char *s = cell(t, r, I_MAX);
    int64_t v;
    ind->max = INT64_MAX;
    if (*s == '\0')
        return;
    if (ind->kind != IND_COUNT && ind->kind != IND_STOCK)
        report(L->ld, t->file, t->lines[r], "max applies only to count and stock indicators");
    else if (parse_int64(s, &v) != 0 || v < 0)
        report(L->ld, t->file, t->lines[r], "max must be a whole number >= 0, not %s", SHOW(s));
    else
        ind->max = v;
}

/* A rate's numerator and denominator: known count or stock indicators. */
static void resolve_rate(load_t *L, const table_t *t, int r, indicator_t *ind)
{
    static const int cols[2] = {I_NUM, I_DEN};
    static const char *const what[2] = {"numerator", "denominator"};
    int *dst[2] = {&ind->num, &ind->den};
    for (int k = 0; k < 2; k++) {
        const char *s = cell(t, r, cols[k]);
        if (ind->kind != IND_RATE) {
            if (*s)
                report(L->ld, t->file, t->lines[r], "only a rate has a %s", what[k]);
            continue;
        }
        if (*s == '\0') {
            report(L->ld, t->file, t->lines[r], "a rate needs a %s", what[k]);
            continue;
        }
        int i = catalog_indicator(L->c, s);
        if (i < 0) {
            report(L->ld, t->file, t->lines[r], "unknown %s %s", what[k], SHOW(s));
        } else if (L->c->inds[i].kind != IND_COUNT && L->c->inds[i].kind != IND_STOCK && L->c->inds[i].kind != 0) {
            report(L->ld, t->file, t->lines[r], "%s %s is a %s indicator; a rate needs a count or a stock", what[k],
                   SHOW(s), kind_names[L->c->inds[i].kind]);
        } else {
            *dst[k] = i;
        }
    }
}

static void load_indicators(load_t *L)
{
    table_t *t = &L->t[F_INDS];
    catalog_t *c = L->c;
    int *row = malloc(((size_t)t->nrows + 1) * sizeof *row);
    c->inds = calloc((size_t)t->nrows + 1, sizeof *c->inds);
    if (!row || !c->inds || hindex_init(&c->index->inds, t->nrows) != 0) {
        report(L->ld, t->file, 0, "out of memory");
        free(row);
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        const char *code = cell(t, r, I_CODE), *s;
        if (!check_code(L, t, r, "code", code))
            continue;
        int dup = hindex_add(&c->index->inds, code);
        if (dup >= 0) {
            report(L->ld, t->file, t->lines[r], "duplicate code %s (first on line %d)", SHOW(code),
                   t->lines[row[dup]]);
            continue;
        }
        indicator_t *ind = &c->inds[c->ninds];
        row[c->ninds++] = r;
        ind->code = (char *)code;
        ind->num = ind->den = -1;
        ind->name_vi = cell_mut(t, r, I_NAME_VI);
        ind->name_en = cell_mut(t, r, I_NAME_EN);
        check_text(L, t, r, "name_vi", ind->name_vi, TEXT_REQUIRED);
        check_text(L, t, r, "name_en", ind->name_en, 0);
        s = cell(t, r, I_KIND);
        ind->kind = (ind_kind_t)name_index(kind_names, 6, s);
        if (ind->kind == 0) {
            report(L->ld, t->file, t->lines[r], "unknown kind %s (expected count, stock, bool, tags or rate)",
                   SHOW(s));
            continue; /* kind 0 until the end: its other columns cannot be judged */
        }
        load_ind_aggregation(L, t, r, ind);
        load_ind_tags(L, t, r, ind);
        load_ind_max(L, t, r, ind);
    }
    /* second pass: a rate may name indicators defined below it */
    for (int i = 0; i < c->ninds; i++)
        if (c->inds[i].kind != 0)
            resolve_rate(L, t, row[i], &c->inds[i]);
    for (int i = 0; i < c->ninds; i++)
        if (c->inds[i].kind == 0) {
            c->inds[i].kind = IND_COUNT;
            c->inds[i].max = INT64_MAX;
        }
    free(row);
}

/* ---- datasets --------------------------------------------------------- */

static void load_ds_indicators(load_t *L, table_t *t, int r, dataset_t *ds, bool check)
{
    char *s = cell_mut(t, r, D_INDS);
    int count = count_items(s), n;
    char **items = malloc(((size_t)count + 1) * sizeof *items);
    ds->inds = malloc(((size_t)count + 1) * sizeof *ds->inds);
    if (!items || !ds->inds) {
        report(L->ld, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    n = split_list(s, items, count + 1, &count);
    if (n < 0)
        report(L->ld, t->file, t->lines[r], "empty item in the indicators list");
    else if (n == 0)
        report(L->ld, t->file, t->lines[r], "a dataset needs at least one indicator");
    for (int i = 0; i < n; i++) {
        int k = catalog_indicator(L->c, items[i]);
        if (k < 0) {
            if (check)
                report(L->ld, t->file, t->lines[r], "unknown indicator %s", SHOW(items[i]));
            continue;
        }
        if (catalog_dataset_has(L->c, (int)(ds - L->c->datasets), k)) {
            report(L->ld, t->file, t->lines[r], "indicator %s listed twice", SHOW(items[i]));
            continue;
        }
        ds->inds[ds->ninds++] = k;
    }
    /* a rate is computed from its parts: they must be collected too */
    for (int i = 0; i < ds->ninds; i++) {
        const indicator_t *ind = &L->c->inds[ds->inds[i]];
        if (ind->kind != IND_RATE)
            continue;
        int parts[2] = {ind->num, ind->den};
        for (int k = 0; k < 2; k++)
            if (parts[k] >= 0 && !catalog_dataset_has(L->c, (int)(ds - L->c->datasets), parts[k]))
                report(L->ld, t->file, t->lines[r], "rate %s needs its %s %s in the dataset too", ind->code,
                       k ? "denominator" : "numerator", L->c->inds[parts[k]].code);
    }
    free(items);
}

/* Which indicators a report must carry: all but the rates (computed, never
 * submitted) and those the `optional` column lists. */
static void load_ds_required(load_t *L, table_t *t, int r, dataset_t *ds)
{
    char *s = cell_mut(t, r, D_OPTIONAL);
    int count = count_items(s), n;
    char **items = malloc(((size_t)count + 1) * sizeof *items);
    ds->required = malloc(((size_t)ds->ninds + 1) * sizeof *ds->required);
    if (!items || !ds->required) {
        report(L->ld, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    for (int i = 0; i < ds->ninds; i++)
        ds->required[i] = L->c->inds[ds->inds[i]].kind != IND_RATE;
    n = split_list(s, items, count + 1, &count);
    if (n < 0)
        report(L->ld, t->file, t->lines[r], "empty item in the optional list");
    for (int i = 0; i < n; i++) {
        int k = catalog_indicator(L->c, items[i]), at = -1;
        for (int j = 0; k >= 0 && j < ds->ninds; j++)
            if (ds->inds[j] == k)
                at = j;
        if (at < 0)
            report(L->ld, t->file, t->lines[r], "optional indicator %s is not in the dataset's indicators",
                   SHOW(items[i]));
        else
            ds->required[at] = false;
    }
    free(items);
}

static void load_ds_who(load_t *L, table_t *t, int r, dataset_t *ds, bool check_units)
{
    char *ks = cell_mut(t, r, D_KINDS), *us = cell_mut(t, r, D_UNITS);
    int nk = count_items(ks), nu = count_items(us), n, count;
    char **items = malloc(((size_t)(nk > nu ? nk : nu) + 1) * sizeof *items);
    ds->kinds = malloc(((size_t)nk + 1) * sizeof *ds->kinds);
    ds->units = malloc(((size_t)nu + 1) * sizeof *ds->units);
    if (!items || !ds->kinds || !ds->units) {
        report(L->ld, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    n = split_list(ks, items, nk + 1, &count);
    if (n < 0)
        report(L->ld, t->file, t->lines[r], "empty item in the kinds list");
    for (int i = 0; i < n; i++) {
        const char *k = find_kind(items[i]);
        if (k == NULL)
            report(L->ld, t->file, t->lines[r], "unknown kind %s (expected %s)", SHOW(items[i]), kinds_list());
        else
            ds->kinds[ds->nkinds++] = (char *)k;
    }
    n = split_list(us, items, nu + 1, &count);
    if (n < 0)
        report(L->ld, t->file, t->lines[r], "empty item in the units list");
    for (int i = 0; i < n; i++) {
        int u = catalog_unit(L->c, items[i]);
        if (u >= 0)
            ds->units[ds->nunits++] = u;
        else if (check_units)
            report(L->ld, t->file, t->lines[r], "unknown unit %s", SHOW(items[i]));
    }
    if (*ks == '\0' && *us == '\0')
        report(L->ld, t->file, t->lines[r], "a dataset needs kinds or units: who reports it");
    free(items);
}

static void load_datasets(load_t *L)
{
    table_t *t = &L->t[F_DATASETS];
    catalog_t *c = L->c;
    int *row = malloc(((size_t)t->nrows + 1) * sizeof *row);
    c->datasets = calloc((size_t)t->nrows + 1, sizeof *c->datasets);
    if (!row || !c->datasets || hindex_init(&c->index->datasets, t->nrows) != 0) {
        report(L->ld, t->file, 0, "out of memory");
        free(row);
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        const char *code = cell(t, r, D_CODE), *s;
        int64_t v;
        if (!check_code(L, t, r, "code", code))
            continue;
        int dup = hindex_add(&c->index->datasets, code);
        if (dup >= 0) {
            report(L->ld, t->file, t->lines[r], "duplicate code %s (first on line %d)", SHOW(code),
                   t->lines[row[dup]]);
            continue;
        }
        dataset_t *ds = &c->datasets[c->ndatasets];
        row[c->ndatasets++] = r;
        ds->code = (char *)code;
        ds->name = cell_mut(t, r, D_NAME);
        check_text(L, t, r, "name", ds->name, TEXT_REQUIRED);
        s = cell(t, r, D_PTYPE);
        ds->ptype = period_type_parse(s);
        if (ds->ptype == PERIOD_NONE)
            report(L->ld, t->file, t->lines[r], "unknown period type %s (expected month, quarter, half or year)",
                   SHOW(s));
        s = cell(t, r, D_DUE);
        if (parse_int64(s, &v) != 0 || v < 1 || v > 28)
            report(L->ld, t->file, t->lines[r], "due_day must be a whole number from 1 to 28, not %s", SHOW(s));
        else
            ds->due_day = (int)v;
        parse_yes_no(L, t, r, "roll_forward", cell(t, r, D_ROLL), &ds->roll_forward);
        load_ds_indicators(L, t, r, ds, L->t[F_INDS].ok);
        load_ds_required(L, t, r, ds);
        load_ds_who(L, t, r, ds, L->t[F_UNITS].ok);
    }
    free(row);
}

/* ---- targets ---------------------------------------------------------- */

static bool bounds_within(const target_t *tg, double lo, double hi)
{
    return !(tg->has_min && (tg->min < lo || tg->min > hi)) && !(tg->has_max && (tg->max < lo || tg->max > hi));
}

static void load_target_bounds(load_t *L, const table_t *t, int r, target_t *tg, const indicator_t *ind)
{
    const char *smin = cell(t, r, T_MIN), *smax = cell(t, r, T_MAX);
    bool bad = false;
    if (*smin && parse_number(smin, &tg->min) != 0) {
        report(L->ld, t->file, t->lines[r], "min must be a number, not %s", SHOW(smin));
        bad = true;
    } else {
        tg->has_min = *smin != '\0';
    }
    if (*smax && parse_number(smax, &tg->max) != 0) {
        report(L->ld, t->file, t->lines[r], "max must be a number, not %s", SHOW(smax));
        bad = true;
    } else {
        tg->has_max = *smax != '\0';
    }
    if (bad)
        return;
    if (!tg->has_min && !tg->has_max) {
        report(L->ld, t->file, t->lines[r], "a target needs a min or a max");
        return;
    }
    if (tg->has_min && tg->has_max && tg->min > tg->max)
        report(L->ld, t->file, t->lines[r], "min %s is greater than max %s", smin, smax);
    if (ind == NULL)
        return;
    if (ind->kind == IND_RATE) {
        if (!bounds_within(tg, 0, 100))
            report(L->ld, t->file, t->lines[r], "a target on the rate %s is a percent from 0 to 100", ind->code);
    } else if (ind->kind == IND_BOOL) {
        if (!bounds_within(tg, 0, 1))
            report(L->ld, t->file, t->lines[r], "a target on the yes/no indicator %s is 0 or 1", ind->code);
    } else if (!bounds_within(tg, 0, INFINITY)) {
        report(L->ld, t->file, t->lines[r], "a target on %s must not be negative", ind->code);
    } else if (ind->max != INT64_MAX && !bounds_within(tg, 0, (double)ind->max)) {
        report(L->ld, t->file, t->lines[r], "target above the max of %s (%lld)", ind->code, (long long)ind->max);
    }
}

static void load_target_span(load_t *L, const table_t *t, int r, target_t *tg)
{
    const char *sf = cell(t, r, T_FROM), *st = cell(t, r, T_TO);
    if (*sf) {
        if (period_parse(sf, &tg->from) != 0)
            report(L->ld, t->file, t->lines[r], "bad period in from: %s (expected 2025, 2025S2, 2025Q3 or 202509)",
                   SHOW(sf));
        else
            tg->has_from = true;
    }
    if (*st) {
        if (period_parse(st, &tg->to) != 0)
            report(L->ld, t->file, t->lines[r], "bad period in to: %s (expected 2025, 2025S2, 2025Q3 or 202509)",
                   SHOW(st));
        else
            tg->has_to = true;
    }
    if (tg->has_from && tg->has_to && period_first_day(tg->from) > period_last_day(tg->to))
        report(L->ld, t->file, t->lines[r], "from %s is after to %s", sf, st);
}

static void load_targets(load_t *L)
{
    table_t *t = &L->t[F_TARGETS];
    catalog_t *c = L->c;
    c->targets = calloc((size_t)t->nrows + 1, sizeof *c->targets);
    if (c->targets == NULL) {
        report(L->ld, t->file, 0, "out of memory");
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        target_t *tg = &c->targets[c->ntargets++];
        const char *su = cell(t, r, T_UNIT), *si = cell(t, r, T_IND), *sp = cell(t, r, T_PTYPE);
        const indicator_t *ind = NULL;
        tg->unit = catalog_unit(c, su);
        tg->ind = catalog_indicator(c, si);
        if (*su == '\0')
            report(L->ld, t->file, t->lines[r], "empty unit");
        else if (tg->unit < 0 && L->t[F_UNITS].ok)
            report(L->ld, t->file, t->lines[r], "unknown unit %s", SHOW(su));
        if (*si == '\0')
            report(L->ld, t->file, t->lines[r], "empty indicator");
        else if (tg->ind < 0 && L->t[F_INDS].ok)
            report(L->ld, t->file, t->lines[r], "unknown indicator %s", SHOW(si));
        if (tg->ind >= 0) {
            ind = &c->inds[tg->ind];
            if (ind->kind == IND_TAGS) {
                report(L->ld, t->file, t->lines[r], "%s is a tags indicator; targets apply to counts, stocks, "
                       "yes/no and rates", ind->code);
                ind = NULL;
            }
        }
        tg->ptype = period_type_parse(sp);
        if (tg->ptype == PERIOD_NONE)
            report(L->ld, t->file, t->lines[r], "unknown period type %s (expected month, quarter, half or year)",
                   SHOW(sp));
        load_target_bounds(L, t, r, tg, ind);
        load_target_span(L, t, r, tg);
        tg->note = cell_mut(t, r, T_NOTE);
        check_text(L, t, r, "note", tg->note, TEXT_FREE);
    }
}

/* ---- holidays --------------------------------------------------------- */

typedef struct {
    int32_t day;
    int row;
} dayrow_t;

static int cmp_dayrow(const void *a, const void *b)
{
    const dayrow_t *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->row - y->row;
}

static void load_holidays(load_t *L)
{
    table_t *t = &L->t[F_HOLIDAYS];
    catalog_t *c = L->c;
    dayrow_t *dr = malloc(((size_t)t->nrows + 1) * sizeof *dr);
    int ndr = 0;
    c->holidays = calloc((size_t)t->nrows + 1, sizeof *c->holidays);
    if (!dr || !c->holidays) {
        report(L->ld, t->file, 0, "out of memory");
        free(dr);
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        const char *s = cell(t, r, H_DATE);
        holiday_t *h = &c->holidays[c->nholidays];
        if (*s == '\0') {
            report(L->ld, t->file, t->lines[r], "empty date");
            continue;
        }
        if (date_parse(s, &h->day) != 0) {
            report(L->ld, t->file, t->lines[r], "bad date %s (expected YYYY-MM-DD)", SHOW(s));
            continue;
        }
        h->name = cell_mut(t, r, H_NAME);
        check_text(L, t, r, "name", h->name, TEXT_REQUIRED);
        if (parse_yes_no(L, t, r, "working", cell(t, r, H_WORKING), &h->working) == 0 && h->working &&
            date_weekday(h->day) < 5)
            report(L->ld, t->file, t->lines[r], "%s is a weekday: only a Saturday or Sunday can be a make-up working day",
                   s);
        dr[ndr].day = h->day;
        dr[ndr++].row = r;
        c->nholidays++;
    }
    qsort(dr, (size_t)ndr, sizeof *dr, cmp_dayrow);
    for (int i = 1; i < ndr; i++)
        if (dr[i].day == dr[i - 1].day)
            report(L->ld, t->file, t->lines[dr[i].row], "duplicate date %s (first on line %d)",
                   cell(t, dr[i].row, H_DATE), t->lines[dr[i - 1].row]);
    free(dr);
    c->calendar = calendar_new();
    if (c->calendar == NULL) {
        report(L->ld, t->file, 0, "out of memory");
        return;
    }
    for (int i = 0; i < c->nholidays; i++)
        if (calendar_set(c->calendar, c->holidays[i].day, c->holidays[i].working) != 0) {
            report(L->ld, t->file, 0, "out of memory");
            return;
        }
}

/* ---- load / destroy --------------------------------------------------- */

int catalog_load(const char *dir, catalog_t **out, catalog_diag_fn diag, void *ud)
{
    static const struct {
        const column_t *cols;
        int n;
    } schemas[NFILES] = {
        {unit_cols, U_NCOLS}, {ind_cols, I_NCOLS}, {ds_cols, D_NCOLS}, {tgt_cols, T_NCOLS}, {hol_cols, H_NCOLS},
    };
    loader_t ld = {.diag = diag, .ud = ud};
    load_t L = {.ld = &ld};
    catalog_t *c = NULL;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL || (c->index = calloc(1, sizeof *c->index)) == NULL || (c->dir = strdup(dir)) == NULL) {
        report(&ld, "catalog", 0, "out of memory");
        goto cleanup;
    }
    L.c = c;
    for (int f = 0; f < NFILES; f++) {
        table_t *t = &L.t[f];
        t->file = file_names[f];
        t->schema = schemas[f].cols;
        t->nschema = schemas[f].n;
        read_table(&ld, dir, t);
        if (!t->ok)
            t->nrows = 0; /* rows of a file without its key columns mean nothing */
    }
    /* the order matters: each file refers to the ones loaded before it */
    load_units(&L);
    load_indicators(&L);
    load_datasets(&L);
    load_targets(&L);
    load_holidays(&L);

cleanup:
    for (int f = 0; f < NFILES; f++) {
        /* the catalog keeps the pools: its strings live there */
        if (c && c->index)
            c->index->pool[f] = L.t[f].pool;
        else
            free(L.t[f].pool);
        L.t[f].pool = NULL;
        table_free(&L.t[f]);
    }
    flush_problems(&ld);
    if (ld.nerr > 0) {
        catalog_destroy(&c);
        return ld.nerr;
    }
    *out = c;
    return 0;
}

void catalog_destroy(catalog_t **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    catalog_t *c = *self_p;
    if (c->inds)
        for (int i = 0; i < c->ninds; i++)
            free(c->inds[i].tags);
    if (c->datasets)
        for (int i = 0; i < c->ndatasets; i++) {
            free(c->datasets[i].inds);
            free(c->datasets[i].required);
            free(c->datasets[i].kinds);
            free(c->datasets[i].units);
        }
    free(c->units);
    free(c->inds);
    free(c->datasets);
    free(c->targets);
    free(c->holidays);
    free(c->preorder);
    calendar_destroy(&c->calendar);
    if (c->index) {
        hindex_free(&c->index->units);
        hindex_free(&c->index->inds);
        hindex_free(&c->index->datasets);
        free(c->index->child_pool);
        free(c->index->submit_top);
        for (int f = 0; f < NFILES; f++)
            free(c->index->pool[f]);
        free(c->index);
    }
    free(c->dir);
    free(c);
    *self_p = NULL;
}

/* ---- queries ---------------------------------------------------------- */

int catalog_unit_n(const catalog_t *c, const char *code, size_t len)
{
    return (c && c->index && code) ? hindex_find(&c->index->units, code, len) : -1;
}

int catalog_indicator_n(const catalog_t *c, const char *code, size_t len)
{
    return (c && c->index && code) ? hindex_find(&c->index->inds, code, len) : -1;
}

int catalog_dataset_n(const catalog_t *c, const char *code, size_t len)
{
    return (c && c->index && code) ? hindex_find(&c->index->datasets, code, len) : -1;
}

int catalog_unit(const catalog_t *c, const char *code)
{
    return code ? catalog_unit_n(c, code, strlen(code)) : -1;
}

int catalog_indicator(const catalog_t *c, const char *code)
{
    return code ? catalog_indicator_n(c, code, strlen(code)) : -1;
}

int catalog_dataset(const catalog_t *c, const char *code)
{
    return code ? catalog_dataset_n(c, code, strlen(code)) : -1;
}

int catalog_tag(const catalog_t *c, int ind, const char *tag, size_t len)
{
    if (c == NULL || tag == NULL || ind < 0 || ind >= c->ninds)
        return -1;
    const indicator_t *in = &c->inds[ind];
    for (int i = 0; i < in->ntags; i++)
        if (strlen(in->tags[i]) == len && memcmp(in->tags[i], tag, len) == 0)
            return i;
    return -1;
}

bool catalog_dataset_has(const catalog_t *c, int ds, int ind)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets)
        return false;
    const dataset_t *d = &c->datasets[ds];
    for (int i = 0; i < d->ninds; i++)
        if (d->inds[i] == ind)
            return true;
    return false;
}

bool catalog_required(const catalog_t *c, int ds, int ind)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets)
        return false;
    const dataset_t *d = &c->datasets[ds];
    for (int i = 0; i < d->ninds; i++)
        if (d->inds[i] == ind)
            return d->required != NULL && d->required[i];
    return false;
}

bool catalog_must_report(const catalog_t *c, int ds, int unit)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets || unit < 0 || unit >= c->nunits)
        return false;
    const dataset_t *d = &c->datasets[ds];
    /* kinds point at the interned strings of unit_kinds: compare pointers */
    for (int i = 0; i < d->nkinds; i++)
        if (d->kinds[i] == c->units[unit].kind || strcmp(d->kinds[i], c->units[unit].kind) == 0)
            return true;
    for (int i = 0; i < d->nunits; i++)
        if (d->units[i] == unit)
            return true;
    return false;
}

bool catalog_open_in(const catalog_t *c, int unit, period_t p)
{
    if (c == NULL || unit < 0 || unit >= c->nunits || !period_valid(p))
        return false;
    const unit_t *u = &c->units[unit];
    if (u->opened != CATALOG_DAY_NONE && u->opened > period_last_day(p))
        return false;
    if (u->closed != CATALOG_DAY_NONE && u->closed <= period_first_day(p))
        return false;
    return true;
}

bool catalog_is_ancestor(const catalog_t *c, int ancestor, int unit)
{
    if (c == NULL || ancestor < 0 || ancestor >= c->nunits || unit < 0 || unit >= c->nunits)
        return false;
    const unit_t *a = &c->units[ancestor];
    int pos = c->units[unit].subtree_first;
    return a->subtree_first <= pos && pos < a->subtree_end;
}

bool catalog_may_submit_for(const catalog_t *c, int submitter, int unit)
{
    if (c == NULL || submitter < 0 || submitter >= c->nunits || unit < 0 || unit >= c->nunits)
        return false;
    if (submitter == unit)
        return true;
    if (c->index == NULL || c->index->submit_top == NULL)
        return false;
    /* the units that may submit for `unit` are exactly its ancestors from
     * itself up to submit_top[unit]: an ancestor at that depth or below */
    int top = c->index->submit_top[unit];
    return catalog_is_ancestor(c, submitter, unit) && c->units[submitter].depth >= c->units[top].depth;
}

int64_t catalog_deadline(const catalog_t *c, int ds, period_t p)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets)
        return 0;
    const dataset_t *d = &c->datasets[ds];
    return calendar_deadline(c->calendar, p, d->due_day, d->roll_forward);
}
