/*
 * sheet_tags.c -- the tags of a tags indicator as people write them in a
 * sheet (see sheet.h): their Vietnamese labels (as the web form shows them),
 * and the matching of what an officer typed ("Mạng xã hội", "MẠNG XÃ HỘI",
 * "mang_xa_hoi", "Trực quan") to a tag of the catalog.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sheet_int.h"

/* The labels of the tags the shipped catalog lists (deploy/catalog/
 * indicators.csv, OTHER_FORMS), the same words as the web form's
 * (services/web/view.c): the catalog has codes only. */
static const struct {
    const char *tag, *vi, *en;
} LABELS[] = {
    {"mang_xa_hoi", "Mạng xã hội", "Social media"},
    {"thong_tin_co_so", "Thông tin cơ sở", "Grassroots information"},
    {"truc_quan", "Tuyên truyền trực quan", "Visual displays"},
    {"van_hoa_van_nghe", "Văn hóa, văn nghệ", "Cultural performances"},
    {"sinh_hoat_doan_the", "Sinh hoạt đoàn thể", "Mass-organisation meetings"},
    {"hop_giao_ban", "Họp giao ban", "Briefing meetings"},
    {"tiep_xuc_cu_tri", "Tiếp xúc cử tri", "Meetings with voters"},
    {"khac", "Khác", "Other"},
};

const char *sheet_tag_label(const char *tag, size_t len, sheet_lang_t lang, char *buf, size_t buflen)
{
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        if (strlen(LABELS[i].tag) == len && !memcmp(LABELS[i].tag, tag, len)) {
            snprintf(buf, buflen, "%s", lang == SHEET_LANG_EN ? LABELS[i].en : LABELS[i].vi);
            return buf;
        }
    /* a tag added to the catalog since: its code, readable */
    size_t n = len < buflen ? len : buflen - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = tag[i] == '_' ? ' ' : tag[i];
    buf[n] = '\0';
    return buf;
}

/* ---- folding ------------------------------------------------------------------ */

/* One code point of s (valid or not: a bad byte is itself); advances *s. */
static uint32_t next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = p[0];
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            n = 1;
    if (n == 2)
        c = ((c & 0x1F) << 6) | (p[1] & 0x3F);
    else if (n == 3)
        c = ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    else if (n == 4)
        c = ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    *s = p + n;
    return c;
}

/* The Vietnamese letters (lower case) by the ASCII letter they are written on. */
static const struct {
    char base;
    const char *letters;
} MARKED[] = {
    {'a', "àáảãạăằắẳẵặâầấẩẫậ"}, {'e', "èéẻẽẹêềếểễệ"}, {'i', "ìíỉĩị"},
    {'o', "òóỏõọôồốổỗộơờớởỡợ"}, {'u', "ùúủũụưừứửữự"}, {'y', "ỳýỷỹỵ"},
    {'d', "đ"},
};

static uint32_t lower_cp(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c == 0x102 || c == 0x110 || c == 0x128 || c == 0x168 || c == 0x1A0 || c == 0x1AF)
        return c + 1;
    if (c >= 0x1EA0 && c <= 0x1EF9 && c % 2 == 0)
        return c + 1;
    return c;
}

/* The ASCII letter under a Vietnamese one, or 0. */
static char base_of(uint32_t c)
{
    for (size_t i = 0; i < sizeof MARKED / sizeof MARKED[0]; i++)
        for (const unsigned char *s = (const unsigned char *)MARKED[i].letters; *s;)
            if (next_cp(&s) == c)
                return MARKED[i].base;
    return 0;
}

/* s (n bytes) as a key: lower case, without marks, every run of spaces,
 * '_', '-', '.' and ',' one '_', none at either end.  "Văn hóa, văn nghệ"
 * -> "van_hoa_van_nghe".  Returns buf. */
static const char *fold(const char *s, size_t n, char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t o = 0;
    bool gap = false;
    while (p < end && o + 2 < len) {
        uint32_t c = lower_cp(next_cp(&p));
        if (c >= 0x300 && c <= 0x36F)
            continue; /* a combining mark (text in NFD) */
        if (c == ' ' || c == '_' || c == '-' || c == '.' || c == ',' || c == '\t' || c == 0xA0) {
            gap = o > 0;
            continue;
        }
        char a = c < 0x80 ? (char)c : base_of(c);
        if (!a)
            a = '?';
        if (gap)
            buf[o++] = '_';
        gap = false;
        buf[o++] = a;
    }
    buf[o] = '\0';
    return buf;
}

int sheet__tag_match(const catalog_t *c, int ind, const char *s, size_t n)
{
    const indicator_t *in = &c->inds[ind];
    int t = catalog_tag(c, ind, s, n);
    if (t >= 0)
        return t;
    char key[512], want[512], label[256];
    fold(s, n, key, sizeof key);
    if (!*key)
        return -1;
    for (t = 0; t < in->ntags; t++) {
        size_t tl = strlen(in->tags[t]);
        if (!strcmp(key, fold(in->tags[t], tl, want, sizeof want)))
            return t;
        for (int lang = SHEET_LANG_VI; lang <= SHEET_LANG_EN; lang++) {
            sheet_tag_label(in->tags[t], tl, (sheet_lang_t)lang, label, sizeof label);
            if (!strcmp(key, fold(label, strlen(label), want, sizeof want)))
                return t;
        }
    }
    return -1;
}
