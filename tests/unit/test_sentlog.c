/*
 * test_sentlog.c -- the notifier's LMDB sent-log (lib/store/sentlog.c):
 * single and batched records, tries, what counts as done.
 *
 * Test names are "sentlog-N what".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sentlog.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

static char dir[256];

static sentlog_t *open_fresh(void)
{
    snprintf(dir, sizeof dir, "/tmp/cchc-sentlog-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    sentlog_t *s = NULL;
    char err[256];
    assert_int_equal(sentlog_open(dir, false, &s, err, sizeof err), 0);
    return s;
}

static void close_and_remove(sentlog_t **s)
{
    sentlog_close(s);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* One batch of three outcomes in one transaction: each is there, with its
 * status; a failed one is not done until max_tries. */
static void t_batch(void **state)
{
    (void)state;
    sentlog_t *s = open_fresh();
    const char *ids[] = {"HP.SO.A/2025-09-08/email", "HP.SO.B/2025-09-08/webhook", "HP.XA.C/2025-09-08/email"};
    sentlog_entry_t e[] = {{"sent", 100, 1, "a@hp.example", NULL},
                           {"rejected", 101, 1, "http://hook", "HTTP 400"},
                           {"failed", 102, 4, "c@hp.example", "connection refused"}};
    assert_int_equal(sentlog_record_batch(s, ids, e, 3), 0);
    assert_true(sentlog_done(s, ids[0], 5));
    assert_true(sentlog_done(s, ids[1], 5));
    assert_false(sentlog_done(s, ids[2], 5));
    assert_true(sentlog_done(s, ids[2], 1));
    assert_false(sentlog_done(s, "HP/2025-09-08/email", 5));
    sentlog_counts_t n;
    assert_int_equal(sentlog_count(s, &n), 0);
    assert_int_equal(n.sent, 1);
    assert_int_equal(n.rejected, 1);
    assert_int_equal(n.failed, 1);
    close_and_remove(&s);
}

/* tries count across records, single or batched, and within one batch. */
static void t_tries(void **state)
{
    (void)state;
    sentlog_t *s = open_fresh();
    const char *id = "HP.XA.C/2025-09-08/email";
    sentlog_entry_t f = {"failed", 1, 1, "c@hp.example", "timeout"};
    assert_int_equal(sentlog_record(s, id, &f), 0);
    const char *ids[] = {id, id};
    sentlog_entry_t e[] = {f, f};
    assert_int_equal(sentlog_record_batch(s, ids, e, 2), 0);
    assert_false(sentlog_done(s, id, 4));
    assert_true(sentlog_done(s, id, 3)); /* three failures recorded */
    sentlog_entry_t ok = {"sent", 2, 1, "c@hp.example", NULL};
    assert_int_equal(sentlog_record_batch(s, &id, &ok, 1), 0);
    assert_true(sentlog_done(s, id, 100));
    assert_int_equal(sentlog_record_batch(s, NULL, NULL, 0), 0); /* an empty batch commits nothing */
    close_and_remove(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("sentlog-1 a batch of outcomes in one transaction: sent, rejected, failed", t_batch),
        TEST("sentlog-2 tries counted across single and batched records", t_tries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
