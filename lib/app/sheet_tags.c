/*
 * sheet_tags.c -- the tags of a tags indicator as people write them in a
 * sheet (see sheet.h): their Vietnamese labels (as the web form shows them),
 * and the matching of what an officer typed ("Mạng xã hội", "MẠNG XÃ HỘI",
 * "mang_xa_hoi", "Trực quan") to a tag of the catalog.
 */
#include <stdio.h>
#include <string.h>

#include "fold.h"
#include "sheet_int.h"

const char *sheet_tag_label(const char *tag, size_t len, sheet_lang_t lang, char *buf, size_t buflen)
{
    const char *label = catalog_tag_label(tag, len, lang == SHEET_LANG_EN);
    if (label) {
        snprintf(buf, buflen, "%s", label);
        return buf;
    }
    /* a tag added to the catalog since: its code, readable */
    size_t n = len < buflen ? len : buflen - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = tag[i] == '_' ? ' ' : tag[i];
    buf[n] = '\0';
    return buf;
}

/* s (n bytes) folded as a search folds it (fold.h: case, marks and the
 * separators between words aside): "Trực quan" and "truc_quan" alike.
 * Returns buf. */
static const char *fold(const char *s, size_t n, char *buf, size_t len)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%.*s", (int)(n < sizeof copy ? n : sizeof copy - 1), s);
    fold_text(copy, buf, len);
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
