/*
 * test_hindex.c -- the string-to-entry hash index (hindex.h).
 *
 * Test names are "hindex-1.N what": adding and finding keys.  The catalog's
 * tests exercise the index at scale (catalog-3.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hindex.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

static void finds_what_it_added(void **state)
{
    enum { N = 1000 };
    static char keys[N][16];
    hindex_t h;
    assert_int_equal(hindex_init(&h, N), 0);
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "K%d", i);
        assert_int_equal(hindex_add(&h, keys[i]), -1);
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(hindex_find(&h, keys[i], strlen(keys[i])), i);
    assert_int_equal(hindex_find(&h, "K1000", 5), -1);
    assert_int_equal(hindex_find(&h, "", 0), -1);
    hindex_free(&h);
}

static void duplicate_names_the_first(void **state)
{
    hindex_t h;
    assert_int_equal(hindex_init(&h, 3), 0);
    assert_int_equal(hindex_add(&h, "HP"), -1);
    assert_int_equal(hindex_add(&h, "HP.XA1"), -1);
    assert_int_equal(hindex_add(&h, "HP"), 0);       /* nothing added */
    assert_int_equal(hindex_add(&h, "HP.XA2"), -1);  /* so it is entry 2 */
    assert_int_equal(hindex_find(&h, "HP.XA2", 6), 2);
    hindex_free(&h);
}

static void length_not_terminator(void **state)
{
    hindex_t h;
    const char *text = "HP.XA1,HP";
    assert_int_equal(hindex_init(&h, 2), 0);
    assert_int_equal(hindex_add(&h, "HP"), -1);
    assert_int_equal(hindex_add(&h, "HP.XA1"), -1);
    assert_int_equal(hindex_find(&h, text, 6), 1);
    assert_int_equal(hindex_find(&h, text, 2), 0);
    assert_int_equal(hindex_find(&h, text, 3), -1); /* "HP." */
    assert_int_equal(hindex_find(&h, text + 7, 2), 0);
    hindex_free(&h);
}

static void empty_and_zeroed(void **state)
{
    hindex_t h, z;
    memset(&z, 0, sizeof z);
    assert_int_equal(hindex_find(&z, "HP", 2), -1);
    hindex_free(&z);
    assert_int_equal(hindex_init(&h, 0), 0);
    assert_int_equal(hindex_find(&h, "HP", 2), -1);
    hindex_free(&h);
    assert_null(h.slot); /* freed and zeroed: freeing again is a no-op */
    hindex_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("hindex-1.1 finds every key added, by its entry number", finds_what_it_added),
        TEST("hindex-1.2 a duplicate key names the first entry and adds nothing", duplicate_names_the_first),
        TEST("hindex-1.3 a key is its length in bytes, not up to a NUL", length_not_terminator),
        TEST("hindex-1.4 an empty or zeroed index finds nothing, frees safely", empty_and_zeroed),
    };
    return cmocka_run_group_tests_name("hindex", tests, NULL, NULL);
}
