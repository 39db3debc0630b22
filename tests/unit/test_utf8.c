/*
 * test_utf8.c -- UTF-8 sequences (utf8.h).
 *
 * Test names are "utf8-1.N what".  The catalog's tests check how a name
 * with bad bytes is reported (catalog-2.7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "utf8.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

#define SEQ(bytes) utf8_seq((const unsigned char *)(bytes), sizeof(bytes) - 1)

static void valid_lengths(void **state)
{
    assert_int_equal(SEQ("A"), 1);
    assert_int_equal(SEQ("\xc3\xa0"), 2);             /* a-grave, as in Cam Giang */
    assert_int_equal(SEQ("\xe1\xba\xa1"), 3);         /* a with dot below */
    assert_int_equal(SEQ("\xf0\x9f\x98\x80"), 4);     /* U+1F600 */
    assert_int_equal(SEQ("\xf4\x8f\xbf\xbf"), 4);     /* U+10FFFF, the last */
    assert_int_equal(SEQ("\xc3\xa0xyz"), 2);          /* only the first sequence */
}

static void invalid_sequences(void **state)
{
    assert_int_equal(SEQ("\x80"), 0);                 /* a continuation byte alone */
    assert_int_equal(SEQ("\xc0\xaf"), 0);             /* overlong '/' */
    assert_int_equal(SEQ("\xe0\x80\xaf"), 0);         /* overlong, 3 bytes */
    assert_int_equal(SEQ("\xed\xa0\x80"), 0);         /* surrogate U+D800 */
    assert_int_equal(SEQ("\xf4\x90\x80\x80"), 0);     /* above U+10FFFF */
    assert_int_equal(SEQ("\xc3" "A"), 0);                /* not a continuation */
    assert_int_equal(SEQ("\xe1\xba"), 0);             /* cut short by n */
    assert_int_equal(SEQ("\xff"), 0);
}

static void trims(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"  12 ", "12"},      {"\t\r\nGhi chú\r\n", "Ghi chú"}, {"\xC2\xA0" "1.234\xC2\xA0", "1.234"},
        {"", ""},             {" \xC2\xA0 \t", ""},             {"a b", "a b"},
        {"Đà Nẵng\xC2\xA0", "Đà Nẵng"}, {"xà", "xà"}, /* "à" ends in 0xA0 too, after 0xC3: kept */
        {"xà\xC2", "xà\xC2"}, /* a lone 0xC2 is not a blank */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        const char *s = utf8_trim(cases[i].in, &n);
        assert_int_equal(n, strlen(cases[i].out));
        assert_memory_equal(s, cases[i].out, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("utf8-1.1 lengths of valid sequences", valid_lengths),
        TEST("utf8-1.2 overlong, surrogate, out of range, cut short: 0", invalid_sequences),
        TEST("utf8-2.1 blanks around typed text, the no-break space too", trims),
    };
    return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
