/*
 * test_fold.c -- folding Vietnamese text for search (fold.h).
 *
 * Test names are "fold-1.N what".  The aggregator's search through it is
 * tested end to end in tests/integration/test_web.py (web-13.11).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

/* The folded text of s, in a static buffer. */
static const char *F(const char *s)
{
    static char out[4096];
    size_t n = fold_text(s, out, sizeof out);
    assert_int_equal(n, strlen(out));
    assert_true(n <= strlen(s)); /* never longer */
    return out;
}

/* The twelve vowels, each plain and with the five tones (huyền, sắc, hỏi,
 * ngã, nặng), NFC as the catalog holds them. */
static const char LOWER[] = "aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự "
                            "yỳýỷỹỵ";
static const char UPPER[] = "AÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ EÈÉẺẼẸ ÊỀẾỂỄỆ IÌÍỈĨỊ OÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ UÙÚỦŨỤ ƯỪỨỬỮỰ "
                            "YỲÝỶỸỴ";
static const char PLAIN[] = "aaaaaa aaaaaa aaaaaa eeeeee eeeeee iiiiii oooooo oooooo oooooo uuuuuu uuuuuu yyyyyy";

static void vowels_lower(void **state)
{
    assert_string_equal(F(LOWER), PLAIN);
}

static void vowels_upper(void **state)
{
    assert_string_equal(F(UPPER), PLAIN);
    assert_string_equal(F("VĨNH LẠI"), "vinh lai");
    assert_string_equal(F("Xã Vĩnh Lại"), "xa vinh lai");
    assert_string_equal(F("ABCXYZ abcxyz 0123"), "abcxyz abcxyz 0123");
}

static void d_stroke(void **state)
{
    assert_string_equal(F("Đ đ"), "d d");
    assert_string_equal(F("ĐỒ SƠN"), "do son");
    assert_string_equal(F("Văn phòng HĐND và UBND"), "van phong hdnd va ubnd");
}

/* Decomposed input (NFD: the letter, then its combining marks) folds as
 * the composed one does. */
static void decomposed(void **state)
{
    assert_string_equal(F("Vie\xcc\xa3\xcc\x82t Khe\xcc\x82"), "viet khe");     /* Việt Khê */
    assert_string_equal(F("VI\xcc\x83NH"), "vinh");                               /* VĨNH */
    assert_string_equal(F("U\xcc\x9b\xcc\x80"), "u");                             /* Ừ */
    assert_string_equal(F("a\xcc\x86\xcc\x81 o\xcc\x9b\xcc\xa3"), "a o");          /* ắ ợ */
}

/* Separators in codes and names: one space, none at either end. */
static void separators(void **state)
{
    assert_string_equal(F("HP.XA.VIET_KHE"), "hp xa viet khe");
    assert_string_equal(F("  Việt \t  Khê  "), "viet khe");
    assert_string_equal(F("a-b/c_.d"), "a b c d");
    assert_string_equal(F("Văn hóa – Xã hội"), "van hoa xa hoi");  /* en dash */
    assert_string_equal(F("Việt\xc2\xa0Khê"), "viet khe");           /* no-break space */
    assert_string_equal(F("._- "), "");
    assert_string_equal(F(""), "");
}

/* What has no plain letter is kept as it is: other scripts, symbols, bytes
 * that are not UTF-8. */
static void kept(void **state)
{
    assert_string_equal(F("Ω×ß"), "Ω×ß");
    assert_string_equal(F("số 1 😀"), "so 1 😀");
    assert_string_equal(F("a\xff" "B"), "a\xff" "b");
    assert_string_equal(F("\xe1\xba"), "\xe1\xba"); /* a sequence cut short */
    assert_string_equal(F("Ç ñ Ü é"), "c n u e");
}

/* A small buffer: the text is cut at a whole character, still terminated. */
static void cut(void **state)
{
    char out[4];
    assert_int_equal(fold_text("Việt", out, sizeof out), 3);
    assert_string_equal(out, "vie");
    assert_int_equal(fold_text("a b c", out, sizeof out), 3);
    assert_string_equal(out, "a b");
    assert_int_equal(fold_text("ab😀", out, sizeof out), 2); /* the 4 bytes do not fit */
    assert_string_equal(out, "ab");
    assert_int_equal(fold_text("xyz", out, 1), 0);
    assert_string_equal(out, "");
}

/* What a search finds: the needle folded once, the names on the fly. */
static void contains(void **state)
{
    char needle[129];
    fold_text("VĨNH", needle, sizeof needle);
    assert_true(fold_contains("Xã Vĩnh Lại", needle));
    assert_true(fold_contains("HP.XA.VINH_LAI", needle));
    fold_text("viet khe", needle, sizeof needle);
    assert_true(fold_contains("Xã Việt Khê", needle));
    assert_true(fold_contains("HP.XA.VIET_KHE.VP", needle));
    assert_false(fold_contains("Xã Vĩnh Lại", needle));
    fold_text("xa.viet", needle, sizeof needle);
    assert_true(fold_contains("HP.XA.VIET_KHE", needle));
    fold_text("Vie\xcc\xa3\xcc\x82t", needle, sizeof needle); /* NFD */
    assert_true(fold_contains("Văn phòng HĐND và UBND xã Việt Khê", needle));
    fold_text("hdnd", needle, sizeof needle);
    assert_true(fold_contains("Văn phòng HĐND và UBND xã Việt Khê", needle));
    assert_true(fold_contains("anything", ""));
    assert_false(fold_contains("", "a"));
    /* a text longer than the stack buffer */
    size_t n = FOLD_STACK_MAX * 3;
    char *big = malloc(n + 16);
    assert_non_null(big);
    memset(big, 'x', n);
    strcpy(big + n, "Ạ Đ");
    assert_true(fold_contains(big, "a d"));
    assert_false(fold_contains(big, "a e"));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("fold-1.1 every vowel with the five tones, lower case: the plain letter", vowels_lower),
        TEST("fold-1.2 capitals likewise: lower case, no marks", vowels_upper),
        TEST("fold-1.3 Đ and đ: d", d_stroke),
        TEST("fold-1.4 decomposed input (NFD) folds as composed (NFC)", decomposed),
        TEST("fold-1.5 '.', '_', '-', '/', dashes, spaces: one space, none at the ends", separators),
        TEST("fold-1.6 other scripts, symbols and bad bytes kept as they are", kept),
        TEST("fold-1.7 a small buffer: cut at a whole character, terminated", cut),
        TEST("fold-1.8 contains: VĨNH, viet khe, codes, NFD, a long text", contains),
    };
    return cmocka_run_group_tests_name("fold", tests, NULL, NULL);
}
