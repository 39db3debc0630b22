/*
 * test_users.c -- cchc-web's accounts, sessions and audit log (users.h).
 *
 * Test names are "users-G.N what": accounts (1), passwords (2), sessions
 * (3), the audit log (4), hostile input (5).  Each test has its own store in
 * a fresh mkdtemp() directory, opened at argon2id's smallest cost so that
 * the suite runs in seconds; users-2.2 checks the production cost.  Time is
 * a parameter of the API: the tests pass it.  The catalog is the shipped one,
 * from $CCHC_ROOT/deploy/catalog.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>
#include <sodium.h>

#include "catalog.h"
#include "store.h"
#include "users.h"

#define TEST(name, fn) {name, fn, setup, teardown, NULL}

#define T0 1757037600 /* 2025-09-05T09:00:00+07:00 */
#define PW "mật khẩu của A" /* 14 characters, 18 bytes */
#define PW2 "một mật khẩu mới"

typedef struct {
    char dir[64];
    users_options_t opt;
    users_t *u;
} fixture_t;

static const users_actor_t ADMIN = {"cli:root", "cli"};

static void open_store(fixture_t *f, unsigned long long ops, size_t mem)
{
    char err[256];
    users_options(NULL, &f->opt);
    f->opt.dir = f->dir;
    f->opt.opslimit = ops;
    f->opt.memlimit = mem;
    int rc = users_open(&f->opt, &f->u, err, sizeof err);
    if (rc)
        fail_msg("users_open: %s", err);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cchc-users-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    open_store(f, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    users_close(&f->u);
    users_close(&f->u); /* closing a NULL handle is harmless */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int add(fixture_t *f, const char *login, const char *name, const char *unit, unsigned roles)
{
    users_account_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.login, sizeof a.login, "%s", login);
    snprintf(a.name, sizeof a.name, "%s", name);
    snprintf(a.unit, sizeof a.unit, "%s", unit);
    a.roles = roles;
    return users_add(f->u, &a, PW, &ADMIN, T0);
}

static catalog_t *shipped_catalog(void)
{
    char path[4096];
    const char *root = getenv("CCHC_ROOT");
    snprintf(path, sizeof path, "%s/deploy/catalog", root && *root ? root : ".");
    catalog_t *cat = NULL;
    assert_int_equal(catalog_load(path, &cat, NULL, NULL), 0);
    return cat;
}

/* The bytes of the store's data file, for looking for what must not be in
 * it.  Caller frees. */
static char *data_file(const fixture_t *f, size_t *len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", f->dir);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static bool file_has(const fixture_t *f, const void *what, size_t wlen)
{
    size_t n;
    char *buf = data_file(f, &n);
    bool found = memmem(buf, n, what, wlen) != NULL;
    free(buf);
    return found;
}

static int count_one(void *ud, const users_account_t *a)
{
    (*(int *)ud)++;
    return 0;
}

static int count_users(fixture_t *f)
{
    int n = 0;
    assert_int_equal(users_each(f->u, count_one, &n), 0);
    return n;
}

/* ---- 1: accounts ---------------------------------------------------------- */

static void add_and_get(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "NguyenVanA", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    users_account_t a;
    assert_int_equal(users_get(f->u, "nguyenvana", &a), 0);
    assert_string_equal(a.login, "nguyenvana"); /* folded */
    assert_string_equal(a.name, "Nguyễn Văn A");
    assert_string_equal(a.unit, "HP.XA.VIET_KHE");
    assert_int_equal(a.roles, USERS_ROLE_REPORTER);
    assert_true(a.enabled);
    assert_int_equal(a.created, T0);
    assert_int_equal(a.changed, T0);
    assert_int_equal(a.password_changed, T0);
    assert_int_equal(users_get(f->u, "NGUYENVANA", &a), 0); /* any case */
    assert_int_equal(users_get(f->u, "nobody", &a), USERS_E_NOT_FOUND);
    /* The password is stored as an argon2id string, and only so. */
    assert_true(file_has(f, "$argon2id$", 10));
    assert_false(file_has(f, PW, strlen(PW)));
}

static void duplicate_refused(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "tranb", "Trần B", "HP.SO.Y_TE", USERS_ROLE_APPROVER), 0);
    assert_int_equal(add(f, "tranb", "Trần B khác", "HP.SO.Y_TE", USERS_ROLE_VIEWER), USERS_E_EXISTS);
    assert_int_equal(add(f, "TranB", "Trần B khác", "HP.SO.Y_TE", USERS_ROLE_VIEWER), USERS_E_EXISTS);
    users_account_t a;
    assert_int_equal(users_get(f->u, "tranb", &a), 0);
    assert_string_equal(a.name, "Trần B"); /* untouched */
    assert_int_equal(count_users(f), 1);
}

static void roles_and_units(void **state)
{
    fixture_t *f = *state;
    unsigned r;
    char buf[64];
    assert_int_equal(users_roles_parse("reporter,approver", &r), 0);
    assert_int_equal(r, USERS_ROLE_REPORTER | USERS_ROLE_APPROVER);
    assert_string_equal(users_roles_format(r, buf, sizeof buf), "reporter,approver");
    assert_int_equal(users_roles_parse("admin,viewer", &r), 0);
    assert_string_equal(users_roles_format(r, buf, sizeof buf), "viewer,admin");
    assert_int_equal(users_roles_parse("", &r), USERS_E_BAD_ROLES);
    assert_int_equal(users_roles_parse("root", &r), USERS_E_BAD_ROLES);
    assert_int_equal(users_roles_parse("reporter,", &r), 0);
    assert_int_equal(users_roles_parse("reporterx", &r), USERS_E_BAD_ROLES);

    /* An admin needs no unit; the other roles do. */
    assert_int_equal(add(f, "admin", "Quản trị", "", USERS_ROLE_ADMIN), 0);
    assert_int_equal(add(f, "r1", "Người báo cáo", "", USERS_ROLE_REPORTER), USERS_E_BAD_ROLES);
    assert_int_equal(add(f, "r1", "Người báo cáo", "HP.XA.VIET_KHE", 0), USERS_E_BAD_ROLES);
    assert_int_equal(add(f, "r1", "Người báo cáo", "HP.XA.VIET_KHE", 1u << 7), USERS_E_BAD_ROLES);
    assert_int_equal(add(f, "r1", "Người báo cáo", "HP XA", USERS_ROLE_REPORTER), USERS_E_BAD_UNIT);
    assert_int_equal(add(f, "r1", "Người báo cáo", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);

    assert_int_equal(users_set_roles(f->u, "r1", USERS_ROLE_VIEWER, "HP.XA.VIET_KHE", &ADMIN, T0 + 5), 0);
    users_account_t a;
    assert_int_equal(users_get(f->u, "r1", &a), 0);
    assert_int_equal(a.roles, USERS_ROLE_VIEWER);
    assert_int_equal(a.changed, T0 + 5);
    assert_int_equal(a.password_changed, T0);
    assert_int_equal(users_set_roles(f->u, "r1", USERS_ROLE_VIEWER, NULL, &ADMIN, T0), USERS_E_BAD_ROLES);
    assert_int_equal(users_set_roles(f->u, "nobody", USERS_ROLE_VIEWER, "HP", &ADMIN, T0), USERS_E_NOT_FOUND);
}

static void who_may_do_what(void **state)
{
    fixture_t *f = *state;
    catalog_t *cat = shipped_catalog();
    users_account_t rep = {.login = "rep", .unit = "HP.XA.VIET_KHE", .roles = USERS_ROLE_REPORTER, .enabled = true};
    users_account_t view = {.login = "view", .unit = "HP.XA.VIET_KHE", .roles = USERS_ROLE_VIEWER, .enabled = true};
    users_account_t adm = {.login = "adm", .roles = USERS_ROLE_ADMIN, .enabled = true};
    assert_true(users_allows(cat, &rep, USERS_ROLE_REPORTER, "HP.XA.VIET_KHE"));
    assert_true(users_allows(cat, &rep, USERS_ROLE_REPORTER, "HP.XA.VIET_KHE.VP")); /* a parent_submits office */
    assert_false(users_allows(cat, &rep, USERS_ROLE_REPORTER, "HP"));               /* not its parent */
    assert_false(users_allows(cat, &rep, USERS_ROLE_REPORTER, "HP.XA.HOP_TIEN"));   /* nor another commune */
    assert_false(users_allows(cat, &rep, USERS_ROLE_APPROVER, "HP.XA.VIET_KHE"));
    users_account_t head = {.login = "head", .unit = "HP.XA.VIET_KHE", .roles = USERS_ROLE_APPROVER, .enabled = true};
    assert_true(users_allows(cat, &head, USERS_ROLE_APPROVER, "HP.XA.VIET_KHE.VHXH")); /* what its reporters enter */
    assert_false(users_allows(cat, &head, USERS_ROLE_APPROVER, "HP.XA.HOP_TIEN"));
    assert_false(users_allows(cat, &head, USERS_ROLE_REPORTER, "HP.XA.VIET_KHE"));
    assert_false(users_allows(cat, &rep, USERS_ROLE_VIEWER, "HP.XA.VIET_KHE"));
    assert_true(users_allows(cat, &view, USERS_ROLE_VIEWER, "HP.XA.VIET_KHE"));
    assert_true(users_allows(cat, &view, USERS_ROLE_VIEWER, "HP.XA.VIET_KHE.VP")); /* its subtree */
    assert_false(users_allows(cat, &view, USERS_ROLE_VIEWER, "HP"));
    assert_false(users_allows(cat, &view, USERS_ROLE_VIEWER, "HP.SO.Y_TE"));
    assert_false(users_allows(cat, &view, USERS_ROLE_VIEWER, "HP.NO.SUCH_UNIT"));
    assert_true(users_allows(cat, &adm, USERS_ROLE_APPROVER, "HP.SO.Y_TE"));
    assert_true(users_allows(cat, &adm, USERS_ROLE_VIEWER, "HP"));
    adm.enabled = false;
    assert_false(users_allows(cat, &adm, USERS_ROLE_VIEWER, "HP"));
    catalog_destroy(&cat);
    (void)f;
}

static int stop_at_second(void *ud, const users_account_t *a)
{
    int *n = ud;
    return ++*n == 2 ? 42 : 0;
}

static int collect_logins(void *ud, const users_account_t *a)
{
    strcat(ud, a->login);
    strcat(ud, " ");
    return 0;
}

static void list_in_login_order(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "c.le", "Lê C", "HP", USERS_ROLE_VIEWER), 0);
    assert_int_equal(add(f, "a.pham", "Phạm A", "HP", USERS_ROLE_VIEWER), 0);
    assert_int_equal(add(f, "b_vu", "Vũ B", "HP", USERS_ROLE_VIEWER), 0);
    char seen[256] = "";
    assert_int_equal(users_each(f->u, collect_logins, seen), 0);
    assert_string_equal(seen, "a.pham b_vu c.le ");
    int n = 0;
    assert_int_equal(users_each(f->u, stop_at_second, &n), 42);
    assert_int_equal(n, 2);
}

/* ---- 2: passwords ------------------------------------------------------------ */

static void verify_right_wrong_missing(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    users_account_t a;
    memset(&a, 0, sizeof a);
    assert_int_equal(users_verify(f->u, "nguyenvana", PW, &a), 0);
    assert_string_equal(a.name, "Nguyễn Văn A");
    assert_int_equal(users_verify(f->u, "NguyenVanA", PW, NULL), 0);
    assert_int_equal(users_verify(f->u, "nguyenvana", "mật khẩu của B", &a), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_verify(f->u, "nguyenvana", "", &a), USERS_E_BAD_PASSWORD);
    /* An unknown login answers exactly as a wrong password. */
    assert_int_equal(users_verify(f->u, "nobody", PW, &a), USERS_E_BAD_PASSWORD);
}

/* CPU time of this process: the argon2id work itself, which other processes
 * on a busy machine do not stretch as they stretch the wall clock. */
static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void production_cost_and_timing(void **state)
{
    fixture_t *f = *state;
    users_close(&f->u);
    open_store(f, 0, 0); /* the defaults */
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    const char *cost = "$argon2id$v=19$m=65536,t=3,p=1$";
    assert_true(file_has(f, cost, strlen(cost)));
    assert_int_equal(users_verify(f->u, "nguyenvana", PW, NULL), 0); /* makes the dummy hash too */
    double t0 = cpu_seconds();
    assert_int_equal(users_verify(f->u, "nguyenvana", "a wrong password", NULL), USERS_E_BAD_PASSWORD);
    double t1 = cpu_seconds();
    assert_int_equal(users_verify(f->u, "nobody", "a wrong password", NULL), USERS_E_BAD_PASSWORD);
    double t2 = cpu_seconds();
    /* The missing user did the same argon2id work: not a cheap shortcut,
     * which would cost ~1000 times less (a quarter is a wide margin). */
    assert_true(t1 - t0 > 0.02);
    assert_true(t2 - t1 > 0.25 * (t1 - t0));
}

static void disabled_user_refused(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    assert_int_equal(users_set_enabled(f->u, "nguyenvana", false, &ADMIN, T0 + 1), 0);
    users_account_t a;
    assert_int_equal(users_get(f->u, "nguyenvana", &a), 0);
    assert_false(a.enabled);
    assert_int_equal(a.changed, T0 + 1);
    /* "Disabled" is said only to whoever knows the password. */
    assert_int_equal(users_verify(f->u, "nguyenvana", PW, &a), USERS_E_DISABLED);
    assert_int_equal(users_verify(f->u, "nguyenvana", "not the password", &a), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_set_enabled(f->u, "nguyenvana", true, &ADMIN, T0 + 2), 0);
    assert_int_equal(users_verify(f->u, "nguyenvana", PW, &a), 0);
    assert_int_equal(users_set_enabled(f->u, "nobody", false, &ADMIN, T0), USERS_E_NOT_FOUND);
}

static void password_change(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    assert_int_equal(users_set_password(f->u, "nguyenvana", "ngắn quá", &ADMIN, T0 + 9), USERS_E_WEAK_PASSWORD);
    assert_int_equal(users_set_password(f->u, "nguyenvana", PW2, &ADMIN, T0 + 10), 0);
    assert_int_equal(users_verify(f->u, "nguyenvana", PW, NULL), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_verify(f->u, "nguyenvana", PW2, NULL), 0);
    users_account_t a;
    assert_int_equal(users_get(f->u, "nguyenvana", &a), 0);
    assert_int_equal(a.password_changed, T0 + 10);
    assert_int_equal(users_set_password(f->u, "nobody", PW2, &ADMIN, T0), USERS_E_NOT_FOUND);
}

static void password_rules(void **state)
{
    (void)state;
    assert_int_equal(users_check_password("123456789"), USERS_E_WEAK_PASSWORD);
    assert_int_equal(users_check_password("1234567890"), 0);
    assert_int_equal(users_check_password("mật khẩu"), USERS_E_WEAK_PASSWORD); /* 8 characters, 11 bytes */
    assert_int_equal(users_check_password("mật khẩu 1"), 0);                    /* 10 characters */
    assert_int_equal(users_check_password(NULL), USERS_E_WEAK_PASSWORD);
    char big[USERS_PASSWORD_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(users_check_password(big), USERS_E_LONG_PASSWORD);
    big[USERS_PASSWORD_MAX] = '\0';
    assert_int_equal(users_check_password(big), 0);
    /* A clear sentence for the form and the CLI. */
    assert_non_null(strstr(users_strerror(USERS_E_WEAK_PASSWORD), "at least 10 characters"));
}

static void rehash_at_login(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    char token[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, token, NULL), 0);
    const char *t1 = "$argon2id$v=19$m=8,t=1,p=1$", *t2 = "$argon2id$v=19$m=8,t=2,p=1$";
    assert_true(file_has(f, t1, strlen(t1)));
    /* The store's cost is raised: the next login rehashes. */
    users_close(&f->u);
    open_store(f, 2, crypto_pwhash_MEMLIMIT_MIN);
    assert_int_equal(users_verify(f->u, "nguyenvana", "wrong password!", NULL), USERS_E_BAD_PASSWORD);
    assert_false(file_has(f, t2, strlen(t2))); /* not on a wrong password */
    assert_int_equal(users_verify(f->u, "nguyenvana", PW, NULL), 0);
    assert_true(file_has(f, t2, strlen(t2)));
    assert_int_equal(users_verify(f->u, "nguyenvana", PW, NULL), 0);
    /* A rehash is not a new password: the session lives on. */
    assert_int_equal(users_session_get(f->u, token, T0 + 60, NULL), 0);
}

/* ---- 3: sessions --------------------------------------------------------------- */

static void session_and_csrf(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    char tok[USERS_TOKEN_LEN + 1], tok2[USERS_TOKEN_LEN + 1];
    users_session_t s, s2;
    assert_int_equal(users_session_new(f->u, "NguyenVanA", T0, tok, &s), 0);
    assert_int_equal(strlen(tok), USERS_TOKEN_LEN);
    assert_int_equal(strspn(tok, "0123456789abcdef"), USERS_TOKEN_LEN);
    assert_int_equal(strlen(s.csrf), USERS_TOKEN_LEN);
    assert_string_equal(s.user.login, "nguyenvana");
    assert_int_equal(s.created, T0);

    assert_int_equal(users_session_get(f->u, tok, T0 + 100, &s2), 0);
    assert_string_equal(s2.csrf, s.csrf); /* stable for the session's life */
    assert_string_equal(s2.user.unit, "HP.XA.VIET_KHE");
    assert_int_equal(users_session_touch(f->u, tok, T0 + 200), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 300, &s2), 0);
    assert_string_equal(s2.csrf, s.csrf);
    assert_int_equal(s2.seen, T0 + 200);

    /* Another session: another token, another CSRF token. */
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, tok2, &s2), 0);
    assert_string_not_equal(tok, tok2);
    assert_string_not_equal(s.csrf, s2.csrf);

    /* The store holds the token neither in hex nor in bytes. */
    unsigned char raw[32];
    assert_int_equal(sodium_hex2bin(raw, sizeof raw, tok, USERS_TOKEN_LEN, NULL, NULL, NULL), 0);
    assert_false(file_has(f, tok, USERS_TOKEN_LEN));
    assert_false(file_has(f, raw, sizeof raw));
}

static void idle_expiry(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    char tok[USERS_TOKEN_LEN + 1];
    users_session_t s;
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, tok, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 1799, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 1800, NULL), USERS_E_EXPIRED); /* 30 min */
    /* A touch within the minute writes nothing; later, it moves the expiry. */
    assert_int_equal(users_session_touch(f->u, tok, T0 + 30), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 31, &s), 0);
    assert_int_equal(s.seen, T0);
    assert_int_equal(users_session_touch(f->u, tok, T0 + 1000), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 2799, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 2800, NULL), USERS_E_EXPIRED);
    assert_int_equal(users_session_touch(f->u, tok, T0 + 2800), USERS_E_EXPIRED); /* no revival */

    /* The idle time is configurable. */
    users_close(&f->u);
    f->opt.idle_s = 60;
    char err[256];
    assert_int_equal(users_open(&f->opt, &f->u, err, sizeof err), 0);
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, tok, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 59, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 60, NULL), USERS_E_EXPIRED);
}

static void absolute_expiry(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    char tok[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, tok, NULL), 0);
    /* Used every 20 minutes, it still ends 12 hours after it was opened. */
    int64_t t = T0;
    for (; t < T0 + 12 * 3600; t += 20 * 60)
        assert_int_equal(users_session_touch(f->u, tok, t), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 12 * 3600 - 1, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 12 * 3600, NULL), USERS_E_EXPIRED);

    /* Configurable too, from [web] session_max_s. */
    config_t *cfg = NULL;
    char err[256];
    assert_int_equal(config_load(NULL, &cfg, err, sizeof err), 0);
    assert_int_equal(config_override(cfg, "web.session_max_s=3600"), 0);
    assert_int_equal(config_override(cfg, "web.session_idle_s=600"), 0);
    users_options_t o;
    users_options(cfg, &o);
    assert_int_equal(o.absolute_s, 3600);
    assert_int_equal(o.idle_s, 600);
    assert_string_equal(o.dir, "var/web");
    config_destroy(&cfg);
    users_options(NULL, &o);
    assert_int_equal(o.absolute_s, 12 * 3600);
    assert_int_equal(o.idle_s, 30 * 60);
}

static void session_refused_after_disable(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    char tok[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, tok, NULL), 0);
    assert_int_equal(users_set_enabled(f->u, "nguyenvana", false, &ADMIN, T0 + 10), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 11, NULL), USERS_E_DISABLED); /* at once */
    assert_int_equal(users_session_touch(f->u, tok, T0 + 100), USERS_E_DISABLED);
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0 + 12, tok, NULL), USERS_E_DISABLED);
    /* Enabled again, the old session stays refused; a new one works. */
    assert_int_equal(users_set_enabled(f->u, "nguyenvana", true, &ADMIN, T0 + 20), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 21, NULL), USERS_E_REVOKED);
    char tok2[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0 + 22, tok2, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok2, T0 + 23, NULL), 0);
}

static void session_refused_after_password_change(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    assert_int_equal(add(f, "tranb", "Trần B", "HP.XA.VIET_KHE", USERS_ROLE_APPROVER), 0);
    char tok[USERS_TOKEN_LEN + 1], other[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, tok, NULL), 0);
    assert_int_equal(users_session_new(f->u, "tranb", T0, other, NULL), 0);
    assert_int_equal(users_set_password(f->u, "nguyenvana", PW2, &ADMIN, T0), 0); /* the same second */
    assert_int_equal(users_session_get(f->u, tok, T0 + 1, NULL), USERS_E_REVOKED);
    assert_int_equal(users_session_get(f->u, other, T0 + 1, NULL), 0); /* another user's */
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0 + 2, tok, NULL), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 3, NULL), 0);
    /* A change of roles ends nothing, and the session sees the new roles. */
    users_session_t s;
    assert_int_equal(users_set_roles(f->u, "nguyenvana", USERS_ROLE_VIEWER, "HP", &ADMIN, T0 + 4), 0);
    assert_int_equal(users_session_get(f->u, tok, T0 + 5, &s), 0);
    assert_int_equal(s.user.roles, USERS_ROLE_VIEWER);
    assert_string_equal(s.user.unit, "HP");
}

static void session_end_and_end_for(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    assert_int_equal(add(f, "tranb", "Trần B", "HP.XA.VIET_KHE", USERS_ROLE_APPROVER), 0);
    char a1[USERS_TOKEN_LEN + 1], a2[USERS_TOKEN_LEN + 1], a3[USERS_TOKEN_LEN + 1], b1[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, a1, NULL), 0);
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, a2, NULL), 0);
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, a3, NULL), 0);
    assert_int_equal(users_session_new(f->u, "tranb", T0, b1, NULL), 0);
    assert_int_equal(users_session_end(f->u, a1), 0);
    assert_int_equal(users_session_get(f->u, a1, T0 + 1, NULL), USERS_E_NOT_FOUND);
    assert_int_equal(users_session_end(f->u, a1), USERS_E_NOT_FOUND);
    assert_int_equal(users_session_get(f->u, a2, T0 + 1, NULL), 0);
    int n = -1;
    assert_int_equal(users_sessions_end_for(f->u, "NguyenVanA", &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(users_session_get(f->u, a2, T0 + 1, NULL), USERS_E_NOT_FOUND);
    assert_int_equal(users_session_get(f->u, a3, T0 + 1, NULL), USERS_E_NOT_FOUND);
    assert_int_equal(users_session_get(f->u, b1, T0 + 1, NULL), 0);
    assert_int_equal(users_sessions_end_for(f->u, "nobody", &n), 0);
    assert_int_equal(n, 0);
}

static void expired_sessions_purged(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    char old[USERS_TOKEN_LEN + 1], fresh[USERS_TOKEN_LEN + 1], tok[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, old, NULL), 0);
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0 + 1500, fresh, NULL), 0);
    /* A login at T0+1900 deletes the expired session, not the live one. */
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0 + 1900, tok, NULL), 0);
    int n = -1;
    assert_int_equal(users_sessions_end_for(f->u, "nguyenvana", &n), 0);
    assert_int_equal(n, 2);
}

static void session_bad_tokens(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    char tok[USERS_TOKEN_LEN + 1];
    assert_int_equal(users_session_new(f->u, "nguyenvana", T0, tok, NULL), 0);
    char longer[USERS_TOKEN_LEN + 2], upper[USERS_TOKEN_LEN + 1], bad[USERS_TOKEN_LEN + 1];
    snprintf(longer, sizeof longer, "%s0", tok);
    snprintf(bad, sizeof bad, "%s", tok);
    bad[10] = 'g';
    snprintf(upper, sizeof upper, "%s", tok);
    upper[USERS_TOKEN_LEN - 1] = upper[USERS_TOKEN_LEN - 1] == '0' ? '1' : '0'; /* a valid token, not ours */
    const char *tries[] = {NULL, "", "abc", longer, bad, upper};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        assert_int_equal(users_session_get(f->u, tries[i], T0, NULL), USERS_E_NOT_FOUND);
        assert_int_equal(users_session_touch(f->u, tries[i], T0 + 100), USERS_E_NOT_FOUND);
        assert_int_equal(users_session_end(f->u, tries[i]), USERS_E_NOT_FOUND);
    }
    assert_int_equal(users_session_get(f->u, tok, T0, NULL), 0);
    assert_int_equal(users_session_new(f->u, "nobody", T0, tok, NULL), USERS_E_NOT_FOUND);
    assert_int_equal(users_session_new(f->u, "bad login", T0, tok, NULL), USERS_E_BAD_LOGIN);
}

/* ---- 4: the audit log ---------------------------------------------------------- */

#define MAXEV 32
typedef struct {
    int n;
    uint64_t seq[MAXEV];
    char line[MAXEV][1200];
} events_t;

static int collect_event(void *ud, const users_event_t *e)
{
    events_t *ev = ud;
    if (ev->n < MAXEV) {
        ev->seq[ev->n] = e->seq;
        snprintf(ev->line[ev->n], sizeof ev->line[0], "%lld|%s|%s|%s|%s|%s", (long long)e->at, e->login, e->source,
                 e->action, e->unit, e->detail);
    }
    ev->n++;
    return 0;
}

static void append(fixture_t *f, int64_t at, const char *action, const char *unit, uint64_t *seq)
{
    users_event_t e = {.at = at, .login = "nguyenvana", .source = "10.0.0.7", .action = action, .unit = unit,
                       .detail = "CCHC_Q 2025Q3"};
    assert_int_equal(users_audit_append(f->u, &e, seq), 0);
}

static void audit_order_and_limit(void **state)
{
    fixture_t *f = *state;
    uint64_t seq = 0;
    for (int i = 1; i <= 5; i++) {
        append(f, T0 + i, i % 2 ? "submit" : "approve", "HP.XA.VIET_KHE", &seq);
        assert_int_equal(seq, (uint64_t)i);
    }
    events_t ev = {0};
    assert_int_equal(users_audit_each(f->u, NULL, NULL, 0, collect_event, &ev), 0);
    assert_int_equal(ev.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ev.seq[i], (uint64_t)(5 - i)); /* newest first */
    assert_string_equal(ev.line[0], "1757037605|nguyenvana|10.0.0.7|submit|HP.XA.VIET_KHE|CCHC_Q 2025Q3");
    memset(&ev, 0, sizeof ev);
    assert_int_equal(users_audit_each(f->u, NULL, NULL, 3, collect_event, &ev), 0);
    assert_int_equal(ev.n, 3);
    assert_int_equal(ev.seq[2], 3);
    /* The log survives a reopen and goes on from its last seq. */
    users_close(&f->u);
    open_store(f, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
    append(f, T0 + 9, "logout", "", &seq);
    assert_int_equal(seq, 6);
    users_event_t bad = {.at = T0, .action = "Submit"};
    assert_int_equal(users_audit_append(f->u, &bad, NULL), USERS_E_INVALID);
    bad.action = "";
    assert_int_equal(users_audit_append(f->u, &bad, NULL), USERS_E_INVALID);
    bad.action = NULL;
    assert_int_equal(users_audit_append(f->u, &bad, NULL), USERS_E_INVALID);
}

static void audit_by_subtree(void **state)
{
    fixture_t *f = *state;
    catalog_t *cat = shipped_catalog();
    append(f, T0 + 1, "submit", "HP.XA.VIET_KHE", NULL);
    append(f, T0 + 2, "submit", "HP.XA.VIET_KHE.VP", NULL);
    append(f, T0 + 3, "submit", "HP.SO.Y_TE", NULL);
    append(f, T0 + 4, "login", "", NULL);
    append(f, T0 + 5, "approve", "HP.XA.VIET_KHE", NULL);
    events_t ev = {0};
    assert_int_equal(users_audit_each(f->u, cat, "HP.XA.VIET_KHE", 0, collect_event, &ev), 0);
    assert_int_equal(ev.n, 3);
    assert_int_equal(ev.seq[0], 5);
    assert_int_equal(ev.seq[1], 2);
    assert_int_equal(ev.seq[2], 1);
    memset(&ev, 0, sizeof ev);
    assert_int_equal(users_audit_each(f->u, cat, "HP.XA.VIET_KHE", 2, collect_event, &ev), 0);
    assert_int_equal(ev.n, 2); /* the limit counts what is shown */
    memset(&ev, 0, sizeof ev);
    assert_int_equal(users_audit_each(f->u, cat, "HP", 0, collect_event, &ev), 0);
    assert_int_equal(ev.n, 4); /* the event without a unit is in no subtree */
    assert_int_equal(users_audit_each(f->u, cat, "HP.NO.SUCH", 0, collect_event, &ev), USERS_E_INVALID);
    assert_int_equal(users_audit_each(f->u, NULL, "HP", 0, collect_event, &ev), USERS_E_INVALID);
    catalog_destroy(&cat);
}

static void every_change_audited(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), 0);
    assert_int_equal(users_set_roles(f->u, "nguyenvana", USERS_ROLE_REPORTER | USERS_ROLE_APPROVER, "HP.XA.VIET_KHE",
                                     &ADMIN, T0 + 1),
                     0);
    assert_int_equal(users_set_roles(f->u, "nguyenvana", USERS_ROLE_REPORTER | USERS_ROLE_APPROVER, "HP.XA.VIET_KHE",
                                     &ADMIN, T0 + 2),
                     0); /* no change: no event */
    users_actor_t web = {"admin", "192.0.2.4"};
    assert_int_equal(users_set_password(f->u, "nguyenvana", PW2, &web, T0 + 3), 0);
    assert_int_equal(users_set_enabled(f->u, "nguyenvana", false, &ADMIN, T0 + 4), 0);
    assert_int_equal(users_set_enabled(f->u, "nguyenvana", false, &ADMIN, T0 + 5), 0); /* again: nothing */
    assert_int_equal(users_set_enabled(f->u, "nguyenvana", true, NULL, T0 + 6), 0);
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A", "HP.XA.VIET_KHE", USERS_ROLE_REPORTER), USERS_E_EXISTS);
    events_t ev = {0};
    assert_int_equal(users_audit_each(f->u, NULL, NULL, 0, collect_event, &ev), 0);
    assert_int_equal(ev.n, 5);
    assert_string_equal(ev.line[4], "1757037600|cli:root|cli|user_add|HP.XA.VIET_KHE|"
                                    "nguyenvana roles=reporter unit=HP.XA.VIET_KHE");
    assert_string_equal(ev.line[3], "1757037601|cli:root|cli|user_roles|HP.XA.VIET_KHE|"
                                    "nguyenvana roles=reporter,approver unit=HP.XA.VIET_KHE "
                                    "(was roles=reporter unit=HP.XA.VIET_KHE)");
    assert_string_equal(ev.line[2], "1757037603|admin|192.0.2.4|password|HP.XA.VIET_KHE|nguyenvana");
    assert_string_equal(ev.line[1], "1757037604|cli:root|cli|user_disable|HP.XA.VIET_KHE|nguyenvana");
    assert_string_equal(ev.line[0], "1757037606|||user_enable|HP.XA.VIET_KHE|nguyenvana");
    /* Neither password is anywhere in the file. */
    assert_false(file_has(f, PW, strlen(PW)));
    assert_false(file_has(f, PW2, strlen(PW2)));
}

static void audit_hostile_text(void **state)
{
    fixture_t *f = *state;
    char login[300];
    memset(login, 'a', sizeof login - 1);
    login[sizeof login - 1] = '\0';
    memcpy(login + 62, "ệ", 3); /* a 3-byte character across the 64-byte cut */
    users_event_t e = {.at = T0,
                       .login = login,
                       .source = "10.0.0.7\r\nX-Injected: 1",
                       .action = "login_failed",
                       .unit = "HP\xff\xfe",
                       .detail = "tab\there \x1b[31mred\x1b[0m \xc2\x85 \xed\xa0\x80 ok: Việt"};
    assert_int_equal(users_audit_append(f->u, &e, NULL), 0);
    events_t ev = {0};
    assert_int_equal(users_audit_each(f->u, NULL, NULL, 0, collect_event, &ev), 0);
    assert_int_equal(ev.n, 1);
    char want[1200];
    snprintf(want, sizeof want, "%lld|%.62s|10.0.0.7??X-Injected: 1|login_failed|HP??|"
                                "tab?here ?[31mred?[0m ?? ??? ok: Việt",
             (long long)T0, login);
    assert_string_equal(ev.line[0], want);
}

/* ---- 5: hostile input ------------------------------------------------------------ */

static void hostile_accounts(void **state)
{
    fixture_t *f = *state;
    char login65[66], name257[258];
    memset(login65, 'a', 65);
    login65[65] = '\0';
    memset(name257, 'x', 257);
    name257[257] = '\0';
    /* (users_account_t holds at most 64 bytes: the functions taking a login
     * as a string are the ones that meet a longer one.) */
    assert_int_equal(users_check_login(login65), USERS_E_BAD_LOGIN);
    assert_int_equal(users_set_enabled(f->u, login65, false, &ADMIN, T0), USERS_E_BAD_LOGIN);
    assert_int_equal(users_session_new(f->u, login65, T0, (char[USERS_TOKEN_LEN + 1]){0}, NULL), USERS_E_BAD_LOGIN);
    login65[64] = '\0';
    assert_int_equal(users_check_login(login65), 0); /* 64 is the most */
    login65[64] = 'a';
    const char *logins[] = {"", "nguyễn", "a b", ".hidden", "-rf", "a/b", "a\nb", "a;drop"};
    for (size_t i = 0; i < sizeof logins / sizeof logins[0]; i++)
        assert_int_equal(add(f, logins[i], "Nguyễn Văn A", "HP", USERS_ROLE_VIEWER), USERS_E_BAD_LOGIN);
    assert_int_equal(users_check_login(NULL), USERS_E_BAD_LOGIN);
    assert_int_equal(users_check_name(name257), USERS_E_BAD_NAME);
    name257[256] = '\0';
    assert_int_equal(users_check_name(name257), 0); /* 256 bytes is the most */
    const char *names[] = {"", "Nguy\xe1\xbb",    /* cut short */
                           "Nguy\xc3\x28n",              /* bad continuation */
                           "\xc0\xaf",                   /* overlong */
                           "\xed\xa0\x80",               /* surrogate */
                           "Nguyen\x01", "Nguyen\x7f", "Nguyen\xc2\x9b", "Nguy\xeate\xcc\x82n (Latin-1)"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_int_equal(add(f, "nguyenvana", names[i], "HP", USERS_ROLE_VIEWER), USERS_E_BAD_NAME);
    assert_int_equal(users_check_name(NULL), USERS_E_BAD_NAME);
    char unit65[66];
    memset(unit65, 'A', 65);
    unit65[65] = '\0';
    assert_int_equal(count_users(f), 0); /* nothing was stored */
    assert_int_equal(add(f, "nguyenvana", "Nguyễn Văn A, Phó Chủ tịch UBND xã", "HP", USERS_ROLE_VIEWER), 0);
    assert_int_equal(users_set_roles(f->u, "nguyenvana", USERS_ROLE_VIEWER, unit65, &ADMIN, T0), USERS_E_BAD_UNIT);

    /* Verify and get with hostile logins and passwords: refused, no crash. */
    char huge[USERS_PASSWORD_MAX + 100];
    memset(huge, 'p', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    users_account_t a;
    assert_int_equal(users_verify(f->u, login65, PW, &a), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_verify(f->u, "nguyenvana\n", PW, &a), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_verify(f->u, NULL, PW, &a), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_verify(f->u, "nguyenvana", NULL, &a), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_verify(f->u, "nguyenvana", huge, &a), USERS_E_BAD_PASSWORD);
    assert_int_equal(users_get(f->u, "a\xff", &a), USERS_E_BAD_LOGIN);
    assert_int_equal(users_set_password(f->u, "nguyenvana", huge, &ADMIN, T0), USERS_E_LONG_PASSWORD);
}

static void every_code_named(void **state)
{
    (void)state;
    for (int rc = USERS_E_CRYPTO; rc <= USERS_E_EXISTS; rc++) {
        const char *s = users_strerror(rc);
        assert_non_null(s);
        assert_true(strlen(s) > 10);
    }
    assert_string_equal(users_strerror(STORE_E_DAMAGED), store_strerror(STORE_E_DAMAGED));
    assert_string_equal(users_strerror(MDB_MAP_FULL), mdb_strerror(MDB_MAP_FULL));
}

/* ---- drafts ------------------------------------------------------------------- */

static void drafts_rev_and_submitted(void **state)
{
    fixture_t *f = *state;
    users_draft_t d;
    assert_int_equal(users_draft_get(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", &d), USERS_E_NOT_FOUND);
    assert_int_equal(users_draft_save(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", "{\"a\":1}", "NhapA", T0, &d), 0);
    assert_int_equal(d.rev, 1);
    assert_false(d.submitted);
    assert_string_equal(d.by, "nhapa");
    users_draft_free(&d);
    /* the same content keeps its rev; another content is rev 2 */
    assert_int_equal(users_draft_save(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", "{\"a\":1}", "nhapa", T0 + 5, &d), 0);
    assert_int_equal(d.rev, 1);
    assert_int_equal(d.at, T0 + 5);
    users_draft_free(&d);
    assert_int_equal(users_draft_save(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", "{\"a\":2}", "nhapa", T0 + 9, NULL), 0);
    /* submitted: only the rev given; it stays submitted while unchanged, and
     * the rev goes on after it (never back to 1) */
    assert_int_equal(users_draft_submitted(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", 1, 1), 0);
    assert_int_equal(users_draft_get(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", &d), 0);
    assert_false(d.submitted);
    users_draft_free(&d);
    assert_int_equal(users_draft_submitted(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", 2, 3), 0);
    assert_int_equal(users_draft_save(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", "{\"a\":2}", "nhapa", T0 + 20, &d), 0);
    assert_true(d.submitted);
    assert_int_equal(d.version, 3);
    assert_int_equal(d.rev, 2);
    assert_string_equal(d.content, "{\"a\":2}");
    users_draft_free(&d);
    assert_int_equal(users_draft_save(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q4", "{\"a\":1}", "nhapa", T0 + 30, &d), 0);
    assert_int_equal(d.rev, 3);
    assert_false(d.submitted);
    users_draft_free(&d);
    /* other reports are apart; bad codes, empty content, bad logins refused */
    assert_int_equal(users_draft_get(f->u, "HP.XA.VIET_KHE", "CCHC_Q", "2025Q3", &d), USERS_E_NOT_FOUND);
    assert_int_equal(users_draft_save(f->u, "HP/X", "CCHC_Q", "2025Q4", "{}", "nhapa", T0, NULL), USERS_E_INVALID);
    assert_int_equal(users_draft_save(f->u, "HP", "CCHC_Q", "2025Q4", "", "nhapa", T0, NULL), USERS_E_INVALID);
    assert_int_equal(users_draft_save(f->u, "HP", "CCHC_Q", "2025Q4", "{}", "bad login", T0, NULL), USERS_E_BAD_LOGIN);
    assert_int_equal(users_draft_submitted(f->u, "HP", "CCHC_Q", "2025Q4", 1, 1), USERS_E_NOT_FOUND);
    users_draft_free(&d); /* harmless twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("users-1.1 add and get: fields, login folded to lower case, password only as argon2id", add_and_get),
        TEST("users-1.2 a duplicate login is refused, in any case", duplicate_refused),
        TEST("users-1.3 roles parse and format; unit roles need a unit, admin does not", roles_and_units),
        TEST("users-1.4 who may do what: reporter one unit, viewer its subtree, admin all", who_may_do_what),
        TEST("users-1.5 list in login order; the callback can stop it", list_in_login_order),
        TEST("users-2.1 verify: right password, wrong password, missing user", verify_right_wrong_missing),
        TEST("users-2.2 production cost m=64MiB t=3; a missing user costs a verification", production_cost_and_timing),
        TEST("users-2.3 a disabled user is refused (said only with the right password)", disabled_user_refused),
        TEST("users-2.4 a new password replaces the old one; a weak one is refused", password_change),
        TEST("users-2.5 password length: 10 characters (not bytes) to 1024 bytes", password_rules),
        TEST("users-2.6 a hash of a lower cost is rehashed at the next login", rehash_at_login),
        TEST("users-3.1 session token and CSRF token; the CSRF token is stable; no token stored", session_and_csrf),
        TEST("users-3.2 idle expiry (30 min, configurable), moved by touch", idle_expiry),
        TEST("users-3.3 absolute expiry (12 h, configurable) however active", absolute_expiry),
        TEST("users-3.4 a session is refused at once after a disable, and after re-enabling",
             session_refused_after_disable),
        TEST("users-3.5 a session is refused after a password change", session_refused_after_password_change),
        TEST("users-3.6 logout ends one session; end_for ends all of one user's", session_end_and_end_for),
        TEST("users-3.7 expired sessions are deleted at the next login", expired_sessions_purged),
        TEST("users-3.8 malformed or unknown tokens are not found", session_bad_tokens),
        TEST("users-4.1 audit: newest first, limit, seq goes on after reopen; bad action", audit_order_and_limit),
        TEST("users-4.2 audit filtered by a unit's subtree", audit_by_subtree),
        TEST("users-4.3 every change of an account is audited, with its actor", every_change_audited),
        TEST("users-4.4 hostile audit text is kept as clean text, cut at a character", audit_hostile_text),
        TEST("users-5.1 hostile logins, display names, units and passwords are refused", hostile_accounts),
        TEST("users-5.2 every error code has a sentence; store errors pass through", every_code_named),
        TEST("users-6.1 drafts: rev counts content changes and never goes back; submitted marks one rev", drafts_rev_and_submitted),
    };
    return cmocka_run_group_tests_name("users", tests, NULL, NULL);
}
