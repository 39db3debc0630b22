/*
 * cmd_proto.c -- `cchc proto spec` and `cchc proto decode [--hex] FILE|-`.
 *
 * `spec` prints the field and error tables generated from messages.def (the
 * generated part of docs/protocol.md; scripts/check-docs.sh compares them).
 *
 * `decode` reads one message (the bytes of one ZeroMQ frame) from FILE or
 * standard input, decodes it exactly as a service would, and prints it as
 * JSON on stdout: "v" and "type" first, then the fields present in the
 * message in definition order, RECORDs of a BATCH as objects, RESULT.data
 * as it came.
 * With --hex the input is hexadecimal text (whitespace ignored), as in the
 * examples of docs/protocol.md.  A message that does not decode prints
 * "E_CODE: sentence" and exits 1.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "answer.h"
#include "proto.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cchc proto spec                     print the protocol's field and error tables (Markdown)\n"
            "       cchc proto decode [--hex] FILE|-    decode one message and print it as JSON\n");
}

/* ------------------------------------------------------------------------
 * Input
 * ------------------------------------------------------------------------ */

/* Reads all of f, at most `limit` bytes (one more is read to notice). */
static char *read_all(FILE *f, size_t limit, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        if (n == cap) {
            if (cap > limit) {
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Turns hexadecimal text into bytes in place; -1 on a stray character or an
 * odd number of digits. */
static int unhex(char *buf, size_t *len)
{
    size_t o = 0;
    int hi = -1;
    for (size_t i = 0; i < *len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (isspace(c))
            continue;
        int v = hexval(c);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            buf[o++] = (char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        return -1;
    *len = o;
    return 0;
}

/* ------------------------------------------------------------------------
 * JSON output
 * ------------------------------------------------------------------------ */

static void put_json_str(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out); /* decoded strings are valid UTF-8 */
        }
    }
    fputc('"', out);
}

static void indent_to(FILE *out, int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("  ", out);
}

/* A msgpack value of any shape (RESULT.data), on one line.  Strings that
 * are not UTF-8 come out with their bytes escaped as \u00XX, bin as a hex
 * string "0x...", non-string map keys as their JSON text in a string. */
static void put_object(FILE *out, const msgpack_object *o);

static void put_key(FILE *out, const msgpack_object *k)
{
    if (k->type == MSGPACK_OBJECT_STR) {
        put_json_str(out, k->via.str.ptr, k->via.str.size);
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m) {
        fputs("\"?\"", out);
        return;
    }
    put_object(m, k);
    fclose(m);
    put_json_str(out, text, len);
    free(text);
}

static void put_object(FILE *out, const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: fputs("null", out); break;
    case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", out); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(out, "%llu", (unsigned long long)o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(out, "%lld", (long long)o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: fprintf(out, "%.17g", o->via.f64); break;
    case MSGPACK_OBJECT_STR: put_json_str(out, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN:
        fputs("\"0x", out);
        for (uint32_t i = 0; i < o->via.bin.size; i++)
            fprintf(out, "%02x", (unsigned char)o->via.bin.ptr[i]);
        fputc('"', out);
        break;
    case MSGPACK_OBJECT_ARRAY:
        fputc('[', out);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i)
                fputs(", ", out);
            put_object(out, &o->via.array.ptr[i]);
        }
        fputc(']', out);
        break;
    case MSGPACK_OBJECT_MAP:
        fputc('{', out);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i)
                fputs(", ", out);
            put_key(out, &o->via.map.ptr[i].key);
            fputs(": ", out);
            put_object(out, &o->via.map.ptr[i].val);
        }
        fputc('}', out);
        break;
    default: fputs("\"(ext)\"", out); break;
    }
}

/* Each field on its own line: `"name": value`. */
typedef struct {
    FILE *out;
    int depth;
    bool first;
} pr_t;

static void pr_key(pr_t *p, const char *name)
{
    fputs(p->first ? "\n" : ",\n", p->out);
    p->first = false;
    indent_to(p->out, p->depth);
    put_json_str(p->out, name, strlen(name));
    fputs(": ", p->out);
}

static void pr_STR(pr_t *p, const char *name, const void *v)
{
    pr_key(p, name);
    put_json_str(p->out, v, strlen(v));
}

static void pr_UINT(pr_t *p, const char *name, const void *v)
{
    pr_key(p, name);
    fprintf(p->out, "%llu", (unsigned long long)*(const uint64_t *)v);
}

static void pr_INT(pr_t *p, const char *name, const void *v)
{
    pr_key(p, name);
    fprintf(p->out, "%lld", (long long)*(const int64_t *)v);
}

static void pr_BOOL(pr_t *p, const char *name, const void *v)
{
    pr_key(p, name);
    fputs(*(const bool *)v ? "true" : "false", p->out);
}

static void pr_VALUES(pr_t *p, const char *name, const void *v)
{
    const proto_values_t *vals = v;
    pr_key(p, name);
    fputc('{', p->out);
    for (uint32_t i = 0; i < vals->n; i++) {
        proto_value_t pv;
        if (proto_values_at(vals, i, &pv))
            break;
        fputs(i ? ", " : "", p->out);
        put_json_str(p->out, pv.code, strlen(pv.code));
        fputs(": ", p->out);
        if (pv.kind == PV_INT) {
            fprintf(p->out, "%lld", (long long)pv.i);
        } else if (pv.kind == PV_BOOL) {
            fputs(pv.i ? "true" : "false", p->out);
        } else {
            fputc('[', p->out);
            for (uint32_t t = 0; t < pv.ntags; t++) {
                fputs(t ? ", " : "", p->out);
                put_json_str(p->out, pv.tags[t].ptr, pv.tags[t].len);
            }
            fputc(']', p->out);
        }
    }
    fputc('}', p->out);
}

static void print_record(pr_t *p, const proto_record_t *s);

static void pr_LIST(pr_t *p, const char *name, const void *v)
{
    const proto_list_t *l = v;
    pr_key(p, name);
    fputc('[', p->out);
    for (uint32_t i = 0; i < l->n; i++) {
        proto_record_t rec;
        proto_error_t err;
        fputs(i ? ",\n" : "\n", p->out);
        indent_to(p->out, p->depth + 1);
        if (proto_record_at(l, i, &rec, &err)) {
            put_json_str(p->out, err.message, strlen(err.message));
            continue;
        }
        pr_t sub = {p->out, p->depth + 2, true};
        fputc('{', p->out);
        print_record(&sub, &rec);
        fputc('\n', p->out);
        indent_to(p->out, p->depth + 1);
        fputc('}', p->out);
    }
    if (l->n) {
        fputc('\n', p->out);
        indent_to(p->out, p->depth);
    }
    fputc(']', p->out);
}

static void pr_STRMAP(pr_t *p, const char *name, const void *v)
{
    const proto_strmap_t *m = v;
    pr_key(p, name);
    fputc('{', p->out);
    proto_strpair_t e;
    for (uint32_t i = 0; i < m->n && proto_strmap_at(m, i, &e) == 0; i++) {
        fputs(i ? ", " : "", p->out);
        put_json_str(p->out, e.code.ptr, e.code.len);
        fputs(": ", p->out);
        put_json_str(p->out, e.text.ptr, e.text.len);
    }
    fputc('}', p->out);
}

static void pr_ANY(pr_t *p, const char *name, const void *v)
{
    const proto_any_t *a = v;
    pr_key(p, name);
    if (a->obj)
        put_object(p->out, a->obj);
    else
        fputs("null", p->out);
}

/* One printer per message type, expanded from messages.def: the fields that
 * were in the message, in definition order. */
#define PF(kind, field, cs, mn, mx, pres, doc)                                                                     \
    if (s->present & (1u << j))                                                                                    \
        pr_##kind(p, #field, &s->field);                                                                           \
    j++;
#define PDEF(NAME, name, maxb, doc)                                                                                \
    static void print_##name(pr_t *p, const proto_##name##_t *s)                                                  \
    {                                                                                                              \
        int j = 0;                                                                                                 \
        PROTO_FIELDS_##NAME(PF)                                                                                    \
    }
PROTO_MESSAGES(PDEF)
PROTO_NESTED(PDEF)
#undef PDEF
#undef PF

static void print_msg(FILE *out, const proto_msg_t *m)
{
    pr_t p = {out, 1, true};
    fputc('{', out);
    pr_key(&p, "v");
    fprintf(out, "%d", PROTO_VERSION);
    pr_key(&p, "type");
    const char *tn = proto_type_name(m->type);
    put_json_str(out, tn, strlen(tn));
    switch (m->type) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        print_##name(&p, &m->u.name);                                                                              \
        break;
        PROTO_MESSAGES(C)
#undef C
    default: break;
    }
    fputs("\n}\n", out);
}

/* ------------------------------------------------------------------------ */

static int do_decode(const char *path, bool hex)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "cchc proto: %s: %s\n", path, strerror(errno));
        return 1;
    }
    /* hex text takes two characters (and some spaces) per byte */
    size_t limit = hex ? (size_t)PROTO_MAX_FRAME * 3 : (size_t)PROTO_MAX_FRAME;
    size_t len = 0;
    char *buf = read_all(f, limit, &len);
    int rd_errno = errno;
    if (f != stdin)
        fclose(f);
    if (!buf) {
        fprintf(stderr, "cchc proto: %s: %s\n", path, strerror(rd_errno));
        return 1;
    }
    if (hex && unhex(buf, &len)) {
        fprintf(stderr, "cchc proto: %s: not hexadecimal text (digits 0-9a-f in pairs, spaces allowed)\n", path);
        free(buf);
        return 1;
    }
    proto_msg_t m;
    proto_error_t err;
    int rc = proto_decode(buf, len, &m, &err);
    if (rc) {
        printf("%s: %s\n", proto_err_code(rc), err.message);
    } else {
        print_msg(stdout, &m);
    }
    proto_msg_free(&m);
    free(buf);
    return rc ? 1 : 0;
}

int cmd_proto(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "spec")) {
        proto_spec_markdown(stdout);
        ans_spec_markdown(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    if (argc >= 3 && !strcmp(argv[1], "decode")) {
        bool hex = false;
        int i = 2;
        if (!strcmp(argv[i], "--hex")) {
            hex = true;
            i++;
        }
        if (i + 1 == argc)
            return do_decode(argv[i], hex);
    }
    if (argc >= 2 && strcmp(argv[1], "spec") && strcmp(argv[1], "decode"))
        fprintf(stderr, "cchc proto: unknown action '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
