/*
 * tag_labels.c -- the words people read for the tags of a tags indicator
 * (catalog.h catalog_tag_label()): the web form's checkboxes, the pages,
 * the Excel template and its reader all take them from here.
 */
#include <string.h>

#include "catalog.h"

/* The tags the shipped catalog lists (deploy/catalog/indicators.csv,
 * OTHER_FORMS); the catalog itself gives codes only. */
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

const char *catalog_tag_label(const char *tag, size_t len, bool en)
{
    for (size_t i = 0; i < sizeof LABELS / sizeof LABELS[0]; i++)
        if (strlen(LABELS[i].tag) == len && !memcmp(LABELS[i].tag, tag, len))
            return en ? LABELS[i].en : LABELS[i].vi;
    return NULL;
}
