/*
 * catalog_check.c -- what a single cell of the catalog may hold.
 *
 * These checks judge one cell's syntax, whatever file it is in; what a row
 * means and whether the codes it names exist is the loaders' job.  Every
 * problem is reported at the row's line, and a check goes on returning
 * something usable so the loader can go on looking for more problems.
 */
#include "catalog_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "period.h"
#include "proto.h"
#include "utf8.h"

const char *const catalog__unit_kinds[] = {
    "quoc_gia", "tinh", "thanh_pho", "so", "co_quan", "xa",
    "phuong", "dac_khu", "phong", "don_vi", "to_chuc",
};
#define NKINDS ((int)(sizeof catalog__unit_kinds / sizeof catalog__unit_kinds[0]))

bool catalog__code_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!proto_code_char((unsigned char)s[n]))
            return false;
    return n > 0 && n <= CATALOG_CODE_MAX;
}

static bool check_code(load_t *L, const csvtab_t *t, int row, const char *what, const char *s)
{
    if (*s == '\0') {
        csvtab_report(L->diag, t->file, t->lines[row], "empty %s", what);
        return false;
    }
    if (!catalog__code_ok(s)) {
        csvtab_report(L->diag, t->file, t->lines[row], "%s %s: use only A-Z a-z 0-9 . _ - : and at most %d bytes", what,
                      CSVTAB_SHOW(s), CATALOG_CODE_MAX);
        return false;
    }
    return true;
}

void catalog__check_text(load_t *L, const csvtab_t *t, int row, const char *what, const char *s, int flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    if (n == 0) {
        if (flags & TEXT_REQUIRED)
            csvtab_report(L->diag, t->file, t->lines[row], "empty %s", what);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (k == 0) {
            csvtab_report(L->diag, t->file, t->lines[row], "invalid UTF-8 in %s at byte %zu (save the file as UTF-8)",
                          what, i + 1);
            return;
        }
        if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f) &&
            !((flags & TEXT_FREE) && (u[i] == '\n' || u[i] == '\r' || u[i] == '\t'))) {
            csvtab_report(L->diag, t->file, t->lines[row], "control character in %s at byte %zu", what, i + 1);
            return;
        }
        i += k;
    }
    if (n > CATALOG_NAME_MAX && !(flags & TEXT_FREE))
        csvtab_report(L->diag, t->file, t->lines[row], "%s is %zu bytes long; at most %d are allowed", what, n,
                      CATALOG_NAME_MAX);
}

bool catalog__add_code(load_t *L, const csvtab_t *t, int row, const char *code, hindex_t *h, const int *rows)
{
    if (!check_code(L, t, row, "code", code))
        return false;
    int dup = hindex_add(h, code);
    if (dup >= 0) {
        csvtab_report(L->diag, t->file, t->lines[row], "duplicate code %s (first on line %d)", CSVTAB_SHOW(code),
                      t->lines[rows[dup]]);
        return false;
    }
    return true;
}

int catalog__parse_yes_no(load_t *L, const csvtab_t *t, int row, const char *col, const char *s, bool *out)
{
    if (*s == '\0' || strcasecmp(s, "no") == 0) {
        *out = false;
        return 0;
    }
    if (strcasecmp(s, "yes") == 0) {
        *out = true;
        return 0;
    }
    csvtab_report(L->diag, t->file, t->lines[row], "%s must be yes or no, not %s", col, CSVTAB_SHOW(s));
    return -1;
}

int catalog__parse_int64(const char *s, int64_t *out)
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

int catalog__parse_number(const char *s, double *out)
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

int catalog__parse_date(load_t *L, const csvtab_t *t, int row, const char *col, const char *s, int32_t *day)
{
    *day = CATALOG_DAY_NONE;
    if (*s == '\0')
        return 0;
    if (date_parse(s, day) != 0) {
        csvtab_report(L->diag, t->file, t->lines[row], "bad date in %s: %s (expected YYYY-MM-DD)", col, CSVTAB_SHOW(s));
        *day = CATALOG_DAY_NONE;
        return -1;
    }
    return 0;
}

const char *catalog__find_kind(const char *s)
{
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(s, catalog__unit_kinds[i]) == 0)
            return catalog__unit_kinds[i];
    return NULL;
}

const char *catalog__kinds_list(void)
{
    return "quoc_gia, tinh, thanh_pho, so, co_quan, xa, phuong, dac_khu, phong, don_vi or to_chuc";
}

/* local@domain.tld, printable ASCII, none of the characters that would need
 * quoting in a mail header. */
char *catalog__check_email(load_t *L, const csvtab_t *t, int row, const char *s)
{
    if (*s == '\0')
        return NULL;
    const char *at = strchr(s, '@');
    bool bad = at == NULL || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
               s[strlen(s) - 1] == '.';
    for (const char *q = s; !bad && *q; q++)
        bad = (unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f || strchr("<>,;\"()[]\\", *q);
    if (bad)
        csvtab_report(L->diag, t->file, t->lines[row], "bad e-mail address %s", CSVTAB_SHOW(s));
    return (char *)s;
}

/* An http(s) URL without spaces or non-ASCII bytes. */
char *catalog__check_webhook(load_t *L, const csvtab_t *t, int row, const char *s)
{
    if (*s == '\0')
        return NULL;
    bool bad = strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0;
    for (const char *q = s; !bad && *q; q++)
        bad = (unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f;
    if (bad)
        csvtab_report(L->diag, t->file, t->lines[row], "bad webhook %s (expected an http:// or https:// URL)",
                      CSVTAB_SHOW(s));
    return (char *)s;
}

int catalog__split_list(char *s, char **out, int max, int *count)
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

int catalog__split_cell(load_t *L, csvtab_t *t, int row, int col, const char *what, char ***items)
{
    char *s = csvtab_cell_mut(t, row, col);
    int count = count_items(s);
    *items = malloc(((size_t)count + 1) * sizeof **items);
    if (*items == NULL)
        return -1;
    int n = catalog__split_list(s, *items, count + 1, &count);
    if (n < 0) {
        csvtab_report(L->diag, t->file, t->lines[row], "empty item in the %s list", what);
        return 0;
    }
    return n;
}
