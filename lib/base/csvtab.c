/*
 * csvtab.c -- reads one CSV file with libcsv.
 *
 * The file is read whole (at most 64 MiB), cut into physical lines and fed
 * to libcsv one line at a time, so that every record knows the line it
 * starts on even when a quoted field spans lines.  The bytes of every
 * accepted field are copied into one string pool per file; a caller may keep
 * the pool (csvtab_take_pool()) and point into it, so that a 100,000-row
 * file costs a handful of allocations instead of a million.
 */
#include "csvtab.h"

#include <assert.h>
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "utf8.h"

#define FIELD_MAX 4096
#define FILE_MAX ((size_t)64 << 20)
#define MSG_MAX 1024

/* ---- diagnostics ------------------------------------------------------ */

/* Problems are collected and handed over at the end, sorted by file and
 * line: a loader finds them in several passes (quoting while reading,
 * references after every file is read), a person wants them in file order. */
struct csvtab_problem {
    int file;           /* index in d->files, d->nfiles for another name */
    const char *name;   /* the name as reported */
    int line;
    int seq;            /* keeps the finding order within a line */
    char *msg;
};

static int file_index(const csvtab_diag_t *d, const char *file)
{
    for (int f = 0; f < d->nfiles; f++)
        if (strcmp(file, d->files[f]) == 0)
            return f;
    return d->nfiles;
}

void csvtab_report(csvtab_diag_t *d, const char *file, int line, const char *fmt, ...)
{
    char msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->nerr++;
    if (d->fn == NULL)
        return;
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 16;
        csvtab_problem_t *l = realloc(d->list, (size_t)cap * sizeof *l);
        if (l) {
            d->list = l;
            d->cap = cap;
        }
    }
    char *copy = d->n < d->cap ? strdup(msg) : NULL;
    if (copy == NULL) { /* no memory to sort: say it now rather than never */
        d->fn(d->ud, file, line, msg);
        return;
    }
    d->list[d->n] = (csvtab_problem_t){file_index(d, file), file, line, d->n, copy};
    d->n++;
}

static int cmp_problem(const void *a, const void *b)
{
    const csvtab_problem_t *x = a, *y = b;
    if (x->file != y->file)
        return x->file - y->file;
    if (x->line != y->line)
        return x->line - y->line;
    return x->seq - y->seq;
}

void csvtab_flush(csvtab_diag_t *d)
{
    if (d->n > 0)
        qsort(d->list, (size_t)d->n, sizeof *d->list, cmp_problem);
    for (int i = 0; i < d->n; i++) {
        csvtab_problem_t *p = &d->list[i];
        d->fn(d->ud, p->name, p->line, p->msg);
        free(p->msg);
    }
    free(d->list);
    d->list = NULL;
    d->n = d->cap = 0;
}

const char *csvtab_show(char *buf, size_t size, const char *s)
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

/* ---- reading one CSV file --------------------------------------------- */

/* State of one libcsv run over a file. */
typedef struct {
    csvtab_diag_t *d;
    csvtab_t *t;
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

static int pool_add(csvtab_t *t, const char *s, size_t len, size_t *off)
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
        csvtab_report(ps->d, ps->t->file, ps->rec_line, "field %d is longer than %d bytes", n, FIELD_MAX);
        ps->rec_bad = true;
        return;
    }
    if (len > 0 && memchr(field, '\0', len) != NULL) {
        csvtab_report(ps->d, ps->t->file, ps->rec_line, "field %d contains a NUL byte", n);
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
    csvtab_t *t = ps->t;
    if (ps->rec_bad)
        return; /* already reported; t->ok stays false */
    if (ps->nrec > CSVTAB_HEAD_MAX) {
        csvtab_report(ps->d, t->file, ps->rec_line, "header has %d columns; at most %d are allowed",
                      ps->nrec, CSVTAB_HEAD_MAX);
        return;
    }
    memcpy(t->head, ps->rec, (size_t)ps->nrec * sizeof *ps->rec);
    t->ncols = ps->nrec;
    t->ok = true;
    bool others = false; /* a "*" column: the file may have others, ignored */
    for (int i = 0; i < t->nschema; i++) {
        t->map[i] = -1;
        others |= !strcmp(t->schema[i].name, CSVTAB_OTHERS);
    }
    for (int c = 0; c < t->ncols; c++) {
        const char *name = t->pool + t->head[c];
        int s;
        if (others && (*name == '\0' || !strcmp(name, CSVTAB_OTHERS)))
            continue;
        if (*name == '\0') {
            csvtab_report(ps->d, t->file, ps->rec_line, "column %d of the header has no name", c + 1);
            continue;
        }
        for (s = 0; s < t->nschema; s++)
            if (strcasecmp(name, t->schema[s].name) == 0)
                break;
        if (s == t->nschema && others) {
            continue;
        } else if (s == t->nschema) {
            char list[512];
            size_t o = 0;
            for (int k = 0; k < t->nschema; k++)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", k ? ", " : "", t->schema[k].name);
            csvtab_report(ps->d, t->file, ps->rec_line, "unknown column %s (expected %s)", CSVTAB_SHOW(name), list);
        } else if (t->map[s] >= 0) {
            csvtab_report(ps->d, t->file, ps->rec_line, "column '%s' appears twice in the header", t->schema[s].name);
        } else {
            t->map[s] = c;
        }
    }
    for (int s = 0; s < t->nschema; s++)
        if (t->map[s] < 0 && t->schema[s].required) {
            csvtab_report(ps->d, t->file, ps->rec_line, "missing column '%s' in the header", t->schema[s].name);
            t->ok = false;
        }
}

static void on_record(int c, void *data)
{
    parse_t *ps = data;
    csvtab_t *t = ps->t;
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
        csvtab_report(ps->d, t->file, ps->rec_line, "expected %d fields as in the header, found %d",
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
static char *slurp(csvtab_diag_t *d, const char *dir, const char *file, size_t *len)
{
    char path[4096];
    struct stat st;
    char *buf = NULL;
    FILE *f;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
        csvtab_report(d, file, 0, "directory path too long");
        return NULL;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT)
            csvtab_report(d, file, 0, "missing file (%s not found)", path);
        else
            csvtab_report(d, file, 0, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        csvtab_report(d, file, 0, "%s is not a regular file", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > FILE_MAX) {
        csvtab_report(d, file, 0, "file is larger than 64 MiB");
        goto fail;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        csvtab_report(d, file, 0, "out of memory");
        goto fail;
    }
    /* read one byte more than stat said, to notice a file that grew */
    *len = fread(buf, 1, (size_t)st.st_size + 1, f);
    if (ferror(f) || *len > (size_t)st.st_size) {
        csvtab_report(d, file, 0, ferror(f) ? "read error" : "file changed while being read");
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

static void read_file(csvtab_t *t, csvtab_diag_t *d, const char *dir)
{
    const unsigned char opts = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;
    struct csv_parser p;
    parse_t ps = {.d = d, .t = t};
    size_t len = 0, pos = 0;
    int nerr0 = d->nerr;
    char *buf = slurp(d, dir, t->file, &len);
    if (buf == NULL)
        return;
    if (csv_init(&p, opts) != 0) {
        csvtab_report(d, t->file, 0, "out of memory");
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
                csvtab_report(d, t->file, ps.line,
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
        csvtab_report(d, t->file, ps.rec_line, "unterminated quoted field");
        record_reset(&ps);
    }
    if (ps.oom)
        csvtab_report(d, t->file, 0, "out of memory");
    else if (!ps.have_header && d->nerr == nerr0)
        csvtab_report(d, t->file, 0, "empty file: no header row");
    if (ps.oom)
        t->ok = false;
    csv_free(&p);
    free(ps.rec);
    free(buf);
}

void csvtab_read(csvtab_t *t, csvtab_diag_t *d, const char *dir, const char *file,
                 const csvtab_column_t *schema, int nschema)
{
    assert(nschema <= CSVTAB_SCHEMA_MAX);
    memset(t, 0, sizeof *t);
    t->file = file;
    t->schema = schema;
    t->nschema = nschema;
    read_file(t, d, dir);
    if (!t->ok)
        t->nrows = 0; /* rows of a file without its key columns mean nothing */
}

const char *csvtab_cell(const csvtab_t *t, int row, int col)
{
    int c = t->map[col];
    if (c < 0)
        return "";
    /* the pool no longer moves once the file is read */
    return t->pool + t->cells[(size_t)row * (size_t)t->ncols + (size_t)c];
}

/* Writable because the pool is the table's own copy, which nothing reads
 * as a whole afterwards. */
char *csvtab_cell_mut(csvtab_t *t, int row, int col)
{
    return (char *)csvtab_cell(t, row, col);
}

char *csvtab_take_pool(csvtab_t *t)
{
    char *pool = t->pool;
    t->pool = NULL;
    return pool;
}

void csvtab_free(csvtab_t *t)
{
    free(t->pool);
    free(t->cells);
    free(t->lines);
    t->pool = NULL;
    t->cells = NULL;
    t->lines = NULL;
}

void csvtab_write_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
