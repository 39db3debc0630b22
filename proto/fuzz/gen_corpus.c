/*
 * gen_corpus.c -- seeds for the decoder fuzzer, and its dictionary.
 *
 *   gen_corpus DIR [DICT]
 *
 * Writes into DIR one valid encoding of every message type with every field
 * at its upper limit (valid-TYPE-max), one with the optional fields absent
 * (valid-TYPE-min), a realistic SUBMIT and BATCH, and invalid inputs that
 * reach each of the decoder's refusals (invalid-*).  With DICT, also writes a
 * libFuzzer dictionary of the message and field names as msgpack strings and
 * of interesting msgpack headers.  The fills are expanded from messages.def,
 * so a new message or field is seeded without editing this file.
 *
 * Built and run by scripts/fuzz.sh; the files in proto/fuzz/corpus/ were
 * written by it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static const char *outdir;
static int nfiles;

static void write_file(const char *name, const void *buf, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    nfiles++;
}

/* ---- fills expanded from messages.def ---------------------------------- */

enum { V_MAX, V_MIN };
enum { C_NONE, C_CODE, C_TEXT };

static proto_value_t sample[8];
static uint32_t nsample;
static char tags[PROTO_TAGS_MAX][PROTO_TAG_MAX + 1];
static msgpack_sbuffer list_sb, any_sb;

static proto_value_t *add_value(const char *code, int kind, int64_t i)
{
    proto_value_t *v = &sample[nsample++];
    memset(v, 0, sizeof *v);
    snprintf(v->code, sizeof v->code, "%s", code);
    v->kind = (uint8_t)kind;
    v->i = i;
    return v;
}

static void init_samples(void)
{
    add_value("visits", PV_INT, 1234);
    add_value("adjust", PV_INT, -7);
    add_value("max", PV_INT, INT64_MAX);
    add_value("has_lab", PV_BOOL, 1);
    add_value("closed", PV_BOOL, 0);
    proto_value_t *v = add_value("services", PV_TAGS, 0);
    for (int t = 0; t < PROTO_TAGS_MAX; t++) {
        snprintf(tags[t], sizeof tags[t], "tag-%d", t);
        v->tags[t].ptr = tags[t];
        v->tags[t].len = (uint32_t)strlen(tags[t]);
    }
    v->ntags = PROTO_TAGS_MAX;
    add_value("none", PV_TAGS, 0);
}

static void fill_STR(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    char *s = dst;
    size_t len = var == V_MAX ? (size_t)mx : (size_t)mn;
    if (len > 200 && var == V_MAX)
        len = 200; /* long enough; keeps the seeds small */
    static const char *const text[] = {"a", "\xc3\xa9", "\xe1\xbb\x87", "\xf0\x9f\x98\x80"};
    size_t i = 0;
    for (int u = 0; i < len; u = (u + 1) % 4) {
        const char *piece = cs == C_CODE ? &"Aa0._:-"[u] : text[u];
        size_t pl = cs == C_CODE ? 1 : strlen(piece);
        if (i + pl > len)
            piece = "a", pl = 1;
        memcpy(s + i, piece, pl);
        i += pl;
    }
    s[len] = '\0';
}

static void fill_UINT(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    *(uint64_t *)dst = var == V_MAX ? mx : (uint64_t)mn;
}

static void fill_INT(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    *(int64_t *)dst = var == V_MAX ? (int64_t)mx : mn;
}

static void fill_BOOL(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    *(bool *)dst = var == V_MAX;
}

static void fill_VALUES(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    proto_values_t *v = dst;
    memset(v, 0, sizeof *v);
    if (var == V_MAX) {
        v->n = nsample;
        v->items = sample;
    }
}

static void fill_STRMAP(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    static const proto_strpair_t pairs[2] = {{{"PORTAL_POSTS", 12}, {"g\xe1\xbb\x93m 3 tin", 11}},
                                             {{"X", 1}, {"x", 1}}};
    proto_strmap_t *m = dst;
    memset(m, 0, sizeof *m);
    if (var == V_MAX) {
        m->n = 2;
        m->items = pairs;
    }
}

static void fill_record(proto_record_t *s, int var);

static void fill_LIST(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    proto_list_t *l = dst;
    memset(l, 0, sizeof *l);
    if (var != V_MAX)
        return;
    msgpack_sbuffer_clear(&list_sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &list_sb, msgpack_sbuffer_write);
    proto_record_t r;
    fill_record(&r, V_MAX);
    proto_pack_record(&pk, &r, NULL);
    fill_record(&r, V_MIN);
    proto_pack_record(&pk, &r, NULL);
    l->n = 2;
    l->raw = list_sb.data;
    l->rawlen = list_sb.size;
}

static void fill_ANY(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    proto_any_t *a = dst;
    memset(a, 0, sizeof *a);
    if (var != V_MAX)
        return;
    msgpack_sbuffer_clear(&any_sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &any_sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "rows", 4);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "node", 4);
    msgpack_pack_str_with_body(&pk, "HN", 2);
    msgpack_pack_str_with_body(&pk, "ratio", 5);
    msgpack_pack_double(&pk, 0.25);
    msgpack_pack_str_with_body(&pk, "bin", 3);
    msgpack_pack_bin_with_body(&pk, "\x01\x02", 2);
    msgpack_pack_int64(&pk, -5);
    msgpack_pack_nil(&pk);
    a->raw = any_sb.data;
    a->rawlen = any_sb.size;
}

#define FILL(kind, field, cs, mn, mx, pres, doc) fill_##kind(&s->field, C_##cs, (int64_t)(mn), (uint64_t)(mx), var);
#define FILLDEF(NAME, name, maxb, doc)                                                                             \
    static void fill_##name(proto_##name##_t *s, int var)                                                         \
    {                                                                                                              \
        memset(s, 0, sizeof *s);                                                                                   \
        PROTO_FIELDS_##NAME(FILL)                                                                                  \
    }
PROTO_MESSAGES(FILLDEF)
PROTO_NESTED(FILLDEF)
#undef FILLDEF

static void encode_to(const char *name, const proto_msg_t *m)
{
    char *buf;
    size_t len;
    proto_error_t err;
    int rc = proto_encode(m, &buf, &len, &err);
    if (rc) {
        fprintf(stderr, "gen_corpus: %s: %s %s\n", name, proto_err_code(rc), err.message);
        exit(1);
    }
    write_file(name, buf, len);
    free(buf);
}

static void valid_seeds(void)
{
    static const struct {
        proto_type_t t;
        const char *name;
    } types[] = {
#define T(NAME, name, maxb, doc) {PROTO_##NAME, #NAME},
        PROTO_MESSAGES(T)
#undef T
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        for (int var = V_MAX; var <= V_MIN; var++) {
            proto_msg_t m;
            memset(&m, 0, sizeof m);
            m.type = types[i].t;
            switch (m.type) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        fill_##name(&m.u.name, var);                                                                               \
        break;
                PROTO_MESSAGES(C)
#undef C
            default: break;
            }
            char fname[64];
            snprintf(fname, sizeof fname, "valid-%s-%s", types[i].name, var == V_MAX ? "max" : "min");
            encode_to(fname, &m);
        }
    }
}

/* ---- invalid seeds -------------------------------------------------------- */

static msgpack_sbuffer sb;
static msgpack_packer pk;

static void begin(void)
{
    msgpack_sbuffer_clear(&sb);
}

static void str(const char *s)
{
    msgpack_pack_str_with_body(&pk, s, strlen(s));
}

static void kv(const char *k, const char *v)
{
    str(k);
    str(v);
}

/* A SUBMIT header: v, type and the four code fields (6 entries), then the
 * caller adds `values` and anything else. */
static void submit_head(uint32_t extra)
{
    msgpack_pack_map(&pk, 6 + extra);
    str("v");
    msgpack_pack_uint8(&pk, 1);
    kv("type", "SUBMIT");
    kv("id", "s1");
    kv("unit", "HN01");
    kv("dataset", "CCHC_Q");
    kv("period", "2025Q3");
}

static void done(const char *name)
{
    write_file(name, sb.data, sb.size);
}

static void raw(const char *name, const char *bytes, size_t len)
{
    write_file(name, bytes, len);
}

static void invalid_seeds(void)
{
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);

    /* a realistic SUBMIT, valid, then cut and padded */
    begin();
    submit_head(2);
    str("values");
    msgpack_pack_map(&pk, 3);
    str("visits");
    msgpack_pack_int64(&pk, 1234);
    str("has_lab");
    msgpack_pack_true(&pk);
    str("services");
    msgpack_pack_array(&pk, 2);
    str("vaccination");
    str("antenatal");
    kv("note", "B\xc3\xa1o c\xc3\xa1o qu\xc3\xbd 3");
    done("valid-SUBMIT-real");
    write_file("invalid-truncated", sb.data, sb.size - 3);
    msgpack_pack_nil(&pk);
    done("invalid-trailing-byte");

    begin();
    submit_head(1);
    str("values");
    msgpack_pack_map(&pk, 1);
    str("cases");
    msgpack_pack_double(&pk, 1.5);
    done("invalid-float-value");

    begin();
    submit_head(1);
    str("values");
    msgpack_pack_map(&pk, 2);
    str("a");
    msgpack_pack_int64(&pk, 1);
    str("a");
    msgpack_pack_int64(&pk, 2);
    done("invalid-duplicate-indicator");

    begin();
    submit_head(1);
    str("values");
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "a\0b", 3);
    msgpack_pack_int64(&pk, 1);
    done("invalid-nul-in-indicator");

    begin();
    submit_head(1);
    str("values");
    msgpack_pack_map(&pk, 1);
    str("svc");
    msgpack_pack_array(&pk, PROTO_TAGS_MAX + 1);
    for (int i = 0; i <= PROTO_TAGS_MAX; i++)
        str("t");
    done("invalid-too-many-tags");

    begin();
    submit_head(2);
    str("values");
    msgpack_pack_map(&pk, 0);
    str("note");
    msgpack_pack_str_with_body(&pk, "\xed\xa0\x80", 3);
    done("invalid-utf8-surrogate");

    begin();
    submit_head(2);
    str("values");
    msgpack_pack_map(&pk, 0);
    str("values");
    msgpack_pack_map(&pk, 0);
    done("invalid-duplicate-field");

    begin();
    submit_head(2);
    str("values");
    msgpack_pack_map(&pk, 0);
    str("x_deep");
    for (int i = 0; i < PROTO_MAX_DEPTH; i++)
        msgpack_pack_array(&pk, 1);
    msgpack_pack_nil(&pk);
    done("invalid-too-deep");

    begin();
    submit_head(0); /* no values */
    done("invalid-missing-values");

    begin();
    msgpack_pack_map(&pk, 4);
    str("v");
    msgpack_pack_uint8(&pk, 2);
    kv("type", "FETCH");
    str("after");
    msgpack_pack_uint8(&pk, 0);
    str("max");
    msgpack_pack_uint8(&pk, 10);
    done("invalid-version-2");

    begin();
    msgpack_pack_map(&pk, 5);
    str("v");
    msgpack_pack_uint8(&pk, 1);
    kv("type", "FETCH");
    str("after");
    msgpack_pack_uint8(&pk, 0);
    str("max");
    msgpack_pack_uint8(&pk, 10);
    kv("type", "ACK");
    done("invalid-type-twice");

    begin();
    msgpack_pack_map(&pk, 2);
    str("v");
    msgpack_pack_uint8(&pk, 1);
    kv("type", "RECORD");
    done("invalid-type-record");

    begin();
    msgpack_pack_map(&pk, 5);
    str("v");
    msgpack_pack_uint8(&pk, 1);
    kv("type", "BATCH");
    str("after");
    msgpack_pack_uint8(&pk, 0);
    str("head");
    msgpack_pack_uint8(&pk, 1);
    str("records");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 1);
    str("seq");
    msgpack_pack_uint8(&pk, 1);
    done("invalid-batch-bad-record");

    raw("invalid-map32-lie", "\xdf\xff\xff\xff\xff\xa1v\x01", 8);
    raw("invalid-array32-lie", "\xdd\xff\xff\xff\xff\x01", 6);
    raw("invalid-str32-lie", "\x81\xa1v\xdb\x7f\xff\xff\xff" "abc", 11);
    raw("invalid-not-a-map", "\x92\x01\xa6SUBMIT", 9);
    raw("invalid-ext", "\x81\xa1v\xd4\x01\x00", 6);
    msgpack_sbuffer_destroy(&sb);
}

/* ---- dictionary --------------------------------------------------------- */

static void dict_entry(FILE *f, const char *s, size_t n, bool with_header)
{
    fputc('"', f);
    if (with_header)
        fprintf(f, "\\x%02x", 0xa0 | (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
    fputs("\"\n", f);
}

static void write_dict(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    dict_entry(f, "v", 1, true);
    dict_entry(f, "type", 4, true);
#define T(NAME, name, maxb, doc) dict_entry(f, #NAME, strlen(#NAME), true);
    PROTO_MESSAGES(T)
    PROTO_NESTED(T)
#undef T
#define F(kind, field, cs, mn, mx, pres, doc) dict_entry(f, #field, strlen(#field), true);
#define M(NAME, name, maxb, doc) PROTO_FIELDS_##NAME(F)
    PROTO_MESSAGES(M)
    PROTO_NESTED(M)
#undef M
#undef F
    static const struct {
        const char *b;
        size_t n;
    } hdr[] = {
        {"\xdf\xff\xff\xff\xff", 5}, {"\xdd\xff\xff\xff\xff", 5}, {"\xde\x01\x00", 3}, {"\xdc\x01\x00", 3},
        {"\xdb\x00\x01\x00\x00", 5}, {"\xda\x01\x00", 3},         {"\xd9\x40", 2},     {"\xc4\x04", 2},
        {"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00", 9},              {"\xca\x3f\xc0\x00\x00", 5},
        {"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9},              {"\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 9},
        {"\xce\xff\xff\xff\xff", 5}, {"\xd0\x80", 2},             {"\xc0", 1},         {"\xc2", 1},
        {"\xc3", 1},                 {"\xed\xa0\x80", 3},         {"\xf4\x90\x80\x80", 4}, {"\xc0\x80", 2},
        /* cut UTF-8 sequences, to put at the end of a string */
        {"\xe2\x82", 2},             {"\xf0\x9f\x98", 3},
    };
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
        dict_entry(f, hdr[i].b, hdr[i].n, false);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gen_corpus DIR [DICT]\n");
        return 2;
    }
    outdir = argv[1];
    msgpack_sbuffer_init(&list_sb);
    msgpack_sbuffer_init(&any_sb);
    init_samples();
    valid_seeds();
    invalid_seeds();
    if (argc == 3)
        write_dict(argv[2]);
    msgpack_sbuffer_destroy(&list_sb);
    msgpack_sbuffer_destroy(&any_sb);
    printf("gen_corpus: %d files in %s\n", nfiles, outdir);
    return 0;
}
