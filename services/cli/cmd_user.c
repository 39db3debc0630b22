/*
 * cchc user add LOGIN --name NAME --role ROLE[,ROLE...] [--unit CODE]
 * cchc user passwd LOGIN
 * cchc user disable|enable LOGIN
 * cchc user roles LOGIN --role ROLE[,ROLE...] [--unit CODE]
 * cchc user list [--format table|csv|json]
 * cchc user audit [--limit N] [--unit CODE] [--format table|csv|json]
 *   (each with --config FILE and --set SECTION.KEY=VALUE)
 *
 * Manages cchc-web's accounts in the store of [web] users_dir
 * (lib/store/users.h); the first admin is made here.  A unit must be in the
 * catalog ([catalog] dir).  A password is read from standard input when it
 * is not a terminal (one line), else asked twice without echo; it is never
 * printed, logged or passed as an argument (where `ps` would show it).
 * Every change is written to the audit log by the store itself, with
 * "cli:<the operator's system user>" as who and "cli" as where.
 */
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "civil.h"
#include "cli.h"
#include "clock.h"
#include "table.h"
#include "users.h"

static const char usage_text[] =
    "cchc user add LOGIN --name NAME --role ROLE[,ROLE...] [--unit CODE]\n"
    "       cchc user passwd LOGIN\n"
    "       cchc user disable|enable LOGIN\n"
    "       cchc user roles LOGIN --role ROLE[,ROLE...] [--unit CODE]\n"
    "       cchc user list [--format table|csv|json]\n"
    "       cchc user audit [--limit N] [--unit CODE] [--format table|csv|json]\n"
    "  (each with [--config FILE] [--set SECTION.KEY=VALUE ...])";

enum { OPT_NAME = 1, OPT_UNIT, OPT_ROLE, OPT_FORMAT, OPT_LIMIT, OPT_HELP };
#define O(x) (1u << (x))

typedef struct {
    cli_config_args_t conf;
    const char *login, *name, *unit, *role, *format;
    long limit;
    out_format_t fmt;
    config_t *cfg;
    users_t *u;
    users_actor_t by;
    char by_login[64];
} user_ctx_t;

typedef struct {
    const char *name;
    int (*fn)(user_ctx_t *c);
    bool login;     /* takes LOGIN */
    unsigned opts;  /* O(OPT_...) it takes besides --config, --set, --help */
} action_t;

/* ---- messages ----------------------------------------------------------------- */

/* Says what a users_* error means for `login`, in the chosen language. */
static void user_fail(int rc, const char *login)
{
    switch (rc) {
    case USERS_E_EXISTS: msg_fail("user", MSG_USER_EXISTS, login); break;
    case USERS_E_NOT_FOUND: msg_fail("user", MSG_USER_NOT_FOUND, login); break;
    case USERS_E_WEAK_PASSWORD: msg_fail("user", MSG_PASSWORD_WEAK, USERS_PASSWORD_MIN); break;
    case USERS_E_LONG_PASSWORD: msg_fail("user", MSG_PASSWORD_LONG, USERS_PASSWORD_MAX); break;
    case USERS_E_BAD_LOGIN: msg_fail("user", MSG_USER_BAD_LOGIN, login); break;
    case USERS_E_BAD_NAME: msg_fail("user", MSG_USER_BAD_NAME, USERS_NAME_MAX); break;
    default: msg_fail("user", MSG_USERS_FAILED, users_strerror(rc)); break;
    }
}

/* ---- the password -------------------------------------------------------------- */

/* One line of standard input into buf (len bytes), without its line end;
 * without echo when it is a terminal, after `prompt` on stderr.  Returns 0,
 * USERS_E_LONG_PASSWORD, or -1 at the end of the input. */
static int read_line(const char *prompt, char *buf, size_t len)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        /* Echo off before the prompt, and without flushing: what is typed
         * (or pasted) as soon as the prompt shows is neither shown nor lost. */
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        fputs(prompt, stderr);
        fflush(stderr);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return -1;
    size_t n = strlen(buf);
    bool whole = n > 0 && buf[n - 1] == '\n';
    if (!whole && n == len - 1)
        return USERS_E_LONG_PASSWORD; /* the line goes on */
    buf[n -= whole] = '\0';
    if (n > 0 && buf[n - 1] == '\r')
        buf[n - 1] = '\0';
    return 0;
}

/* The new password of login into pw (USERS_PASSWORD_MAX + 3 bytes): from a
 * pipe as it is, from a terminal typed twice.  Checked for length before
 * anything is hashed.  Returns 0, or 1 after saying why not. */
static int new_password(const char *login, char *pw, size_t len)
{
    char prompt[256], again[USERS_PASSWORD_MAX + 3];
    int rc = read_line(msg_format(prompt, sizeof prompt, MSG_PASSWORD_PROMPT, login), pw, len);
    if (rc == 0 && isatty(STDIN_FILENO)) {
        rc = read_line(msg(MSG_PASSWORD_AGAIN), again, sizeof again);
        if (rc == 0 && strcmp(pw, again) != 0) {
            msg_fail("user", MSG_PASSWORD_MISMATCH);
            rc = 1;
        }
        sodium_memzero(again, sizeof again);
    }
    if (rc == -1)
        msg_fail("user", MSG_PASSWORD_NONE);
    if (rc == 0)
        rc = users_check_password(pw);
    if (rc < -1)
        user_fail(rc, login);
    return rc ? 1 : 0;
}

/* ---- checks of the arguments ----------------------------------------------------- */

/* --role and --unit into *roles.  A unit must be in the catalog.  Returns 0,
 * 1 (the catalog cannot be read, or lacks the unit) or 2 (a usage error),
 * after saying why. */
static int check_roles(user_ctx_t *c, unsigned *roles)
{
    if (!c->role)
        return cli_missing("user", "--role", MSG_WHAT_ROLE, usage_text);
    if (users_roles_parse(c->role, roles)) {
        msg_fail("user", MSG_USER_BAD_ROLES, c->role);
        return 2;
    }
    if ((*roles & USERS_ROLES_UNIT) && !c->unit) {
        msg_fail("user", MSG_USER_NEEDS_UNIT, c->role);
        return 2;
    }
    if (!c->unit)
        return 0;
    const char *dir = cli_catalog_dir(c->cfg);
    catalog_t *cat = cli_catalog("user", dir, false);
    if (!cat)
        return 1;
    int rc = catalog_unit(cat, c->unit) < 0;
    if (rc)
        msg_fail("user", MSG_UNIT_NOT_IN_CATALOG, c->unit, dir);
    catalog_destroy(&cat);
    return rc;
}

/* 0 when login names a user; 1 after saying it does not (or the store failed). */
static int existing(user_ctx_t *c, users_account_t *a)
{
    int rc = users_get(c->u, c->login, a);
    if (rc)
        user_fail(rc, c->login);
    return rc ? 1 : 0;
}

/* ---- the actions ------------------------------------------------------------------ */

static int do_add(user_ctx_t *c)
{
    users_account_t a;
    memset(&a, 0, sizeof a);
    unsigned roles;
    int rc = users_check_login(c->login);
    if (rc) {
        user_fail(rc, c->login);
        return 2;
    }
    if (!c->name)
        return cli_missing("user", "--name", MSG_WHAT_NAME, usage_text);
    if (users_check_name(c->name)) {
        user_fail(USERS_E_BAD_NAME, c->login);
        return 2;
    }
    if ((rc = check_roles(c, &roles)))
        return rc;
    /* Before the password is asked, so that nobody types it for nothing. */
    if ((rc = users_get(c->u, c->login, &a)) != USERS_E_NOT_FOUND) {
        user_fail(rc ? rc : USERS_E_EXISTS, c->login);
        return 1;
    }
    snprintf(a.login, sizeof a.login, "%s", c->login);
    snprintf(a.name, sizeof a.name, "%s", c->name);
    snprintf(a.unit, sizeof a.unit, "%s", c->unit ? c->unit : "");
    a.roles = roles;
    char pw[USERS_PASSWORD_MAX + 3], rtext[64];
    if (new_password(a.login, pw, sizeof pw))
        return 1;
    rc = users_add(c->u, &a, pw, &c->by, clock_now());
    sodium_memzero(pw, sizeof pw);
    if (rc) {
        user_fail(rc, c->login);
        return 1;
    }
    users_get(c->u, c->login, &a);
    msg_line(stdout, MSG_USER_ADDED, a.login, a.name, users_roles_format(a.roles, rtext, sizeof rtext),
             *a.unit ? a.unit : "—");
    return 0;
}

static int do_passwd(user_ctx_t *c)
{
    users_account_t a;
    char pw[USERS_PASSWORD_MAX + 3];
    if (existing(c, &a) || new_password(a.login, pw, sizeof pw))
        return 1;
    int rc = users_set_password(c->u, a.login, pw, &c->by, clock_now());
    sodium_memzero(pw, sizeof pw);
    if (rc) {
        user_fail(rc, a.login);
        return 1;
    }
    msg_line(stdout, MSG_USER_PASSWORD_SET, a.login);
    return 0;
}

static int set_enabled(user_ctx_t *c, bool enabled)
{
    users_account_t a;
    if (existing(c, &a))
        return 1;
    int rc = users_set_enabled(c->u, a.login, enabled, &c->by, clock_now());
    if (rc) {
        user_fail(rc, a.login);
        return 1;
    }
    msg_line(stdout, enabled ? MSG_USER_ENABLED : MSG_USER_DISABLED, a.login);
    return 0;
}

static int do_disable(user_ctx_t *c)
{
    return set_enabled(c, false);
}

static int do_enable(user_ctx_t *c)
{
    return set_enabled(c, true);
}

static int do_roles(user_ctx_t *c)
{
    users_account_t a;
    unsigned roles;
    char rtext[64];
    int rc = check_roles(c, &roles);
    if (rc)
        return rc;
    if (existing(c, &a))
        return 1;
    if ((rc = users_set_roles(c->u, a.login, roles, c->unit, &c->by, clock_now()))) {
        user_fail(rc, a.login);
        return 1;
    }
    msg_line(stdout, MSG_USER_ROLES_SET, a.login, users_roles_format(roles, rtext, sizeof rtext),
             c->unit ? c->unit : "—");
    return 0;
}

/* ---- list and audit ------------------------------------------------------------------ */

/* What list and audit gather: the rows of the table, or the JSON array. */
typedef struct {
    table_t t;
    json_t *all;
} rows_t;

static void rows_init(rows_t *r, const msg_id_t *ids, const char **head, int n)
{
    for (int i = 0; i < n; i++)
        head[i] = msg(ids[i]);
    table_init(&r->t, n, head);
    r->all = json_array();
}

/* Prints what was gathered in format f and frees it. */
static void rows_print(rows_t *r, out_format_t f)
{
    if (f == FMT_JSON) {
        json_dumpf(r->all, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else {
        table_print(&r->t, f, stdout);
    }
    json_decref(r->all);
    table_free(&r->t);
}

static int list_one(void *ud, const users_account_t *a)
{
    rows_t *r = ud;
    char roles[64], changed[32], created[32], pwc[32];
    users_roles_format(a->roles, roles, sizeof roles);
    time_format_iso(a->changed, changed, sizeof changed);
    const char *cells[] = {a->login, a->name, a->unit, roles, msg(a->enabled ? MSG_STATE_ENABLED : MSG_STATE_DISABLED),
                           changed};
    table_add(&r->t, cells);
    json_t *rl = json_array();
    for (unsigned bit = 1; bit <= USERS_ROLE_ADMIN; bit <<= 1)
        if (a->roles & bit)
            json_array_append_new(rl, json_string(users_roles_format(bit, roles, sizeof roles)));
    json_array_append_new(r->all, json_pack("{s:s, s:s, s:s, s:o, s:b, s:s, s:s, s:s}", "login", a->login, "name",
                                            a->name, "unit", a->unit, "roles", rl, "enabled", a->enabled, "created",
                                            time_format_iso(a->created, created, sizeof created), "changed", changed,
                                            "password_changed",
                                            time_format_iso(a->password_changed, pwc, sizeof pwc)));
    return 0;
}

static int do_list(user_ctx_t *c)
{
    static const msg_id_t ids[] = {MSG_H_LOGIN, MSG_H_NAME,  MSG_H_UNIT,
                                   MSG_H_ROLES, MSG_H_STATE, MSG_H_CHANGED};
    const char *head[6];
    rows_t r;
    rows_init(&r, ids, head, 6);
    int rc = users_each(c->u, list_one, &r);
    if (rc)
        user_fail(rc, "");
    else if (r.t.nrows == 0)
        msg_fail("user", MSG_USERS_NONE);
    rows_print(&r, c->fmt);
    return rc ? 1 : 0;
}

static int audit_one(void *ud, const users_event_t *e)
{
    rows_t *r = ud;
    char seq[24], at[32];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)e->seq);
    time_format_iso(e->at, at, sizeof at);
    const char *cells[] = {seq, at, e->login, e->source, e->action, e->unit, e->detail};
    table_add(&r->t, cells);
    json_array_append_new(r->all, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq, "at",
                                            at, "login", e->login, "source", e->source, "action", e->action, "unit",
                                            e->unit, "detail", e->detail));
    return 0;
}

static int do_audit(user_ctx_t *c)
{
    static const msg_id_t ids[] = {MSG_H_SEQ,    MSG_H_TIME, MSG_H_LOGIN, MSG_H_SOURCE,
                                   MSG_H_ACTION, MSG_H_UNIT, MSG_H_DETAIL};
    const char *head[7], *dir = cli_catalog_dir(c->cfg);
    catalog_t *cat = NULL;
    if (c->unit && !(cat = cli_catalog("user", dir, false)))
        return 1;
    if (c->unit && catalog_unit(cat, c->unit) < 0) {
        msg_fail("user", MSG_UNIT_NOT_IN_CATALOG, c->unit, dir);
        catalog_destroy(&cat);
        return 1;
    }
    rows_t r;
    rows_init(&r, ids, head, 7);
    r.t.right[0] = 1;
    int rc = users_audit_each(c->u, cat, c->unit, (size_t)c->limit, audit_one, &r);
    if (rc)
        user_fail(rc, "");
    rows_print(&r, c->fmt);
    catalog_destroy(&cat);
    return rc ? 1 : 0;
}

static const action_t actions[] = {
    {"add", do_add, true, O(OPT_NAME) | O(OPT_UNIT) | O(OPT_ROLE)},
    {"passwd", do_passwd, true, 0},
    {"disable", do_disable, true, 0},
    {"enable", do_enable, true, 0},
    {"roles", do_roles, true, O(OPT_UNIT) | O(OPT_ROLE)},
    {"list", do_list, false, O(OPT_FORMAT)},
    {"audit", do_audit, false, O(OPT_UNIT) | O(OPT_FORMAT) | O(OPT_LIMIT)},
};

/* ---- arguments --------------------------------------------------------------------- */

/* argv[0] is the action.  Returns 0, 1 after --help, or 2 after a usage
 * error (said). */
static int parse_args(int argc, char **argv, const action_t *act, user_ctx_t *c)
{
    static const struct option opts[] = {CLI_CONFIG_OPTIONS,          {"name", 1, 0, OPT_NAME},
                                         {"unit", 1, 0, OPT_UNIT},     {"role", 1, 0, OPT_ROLE},
                                         {"format", 1, 0, OPT_FORMAT}, {"limit", 1, 0, OPT_LIMIT},
                                         {"help", 0, 0, OPT_HELP},     {0, 0, 0, 0}};
    int ch, idx = 0;
    char *end, name[32];
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
        if (ch >= OPT_NAME && ch <= OPT_LIMIT && !(act->opts & O(ch))) {
            /* An option of another action: named as written, not by its value. */
            snprintf(name, sizeof name, "--%s", opts[idx].name);
            msg_fail("user", MSG_OPTION_UNKNOWN, name);
            cli_usage(stderr, usage_text);
            return 2;
        }
        switch (ch) {
        case CLI_OPT_CONFIG:
        case CLI_OPT_SET:
            if (cli_config_option("user", &c->conf, ch, optarg))
                return 2;
            break;
        case OPT_NAME: c->name = optarg; break;
        case OPT_UNIT: c->unit = optarg; break;
        case OPT_ROLE: c->role = optarg; break;
        case OPT_FORMAT: c->format = optarg; break;
        case OPT_LIMIT:
            c->limit = strtol(optarg, &end, 10);
            if (*end || c->limit <= 0) {
                msg_fail("user", MSG_LIMIT_INVALID, optarg);
                return 2;
            }
            break;
        case OPT_HELP: return 1;
        default: return cli_bad_option("user", ch, argv, usage_text);
        }
    }
    if (act->login && optind < argc)
        c->login = argv[optind++];
    if (optind < argc) {
        msg_fail("user", MSG_ARGUMENT_UNEXPECTED, argv[optind]);
        cli_usage(stderr, usage_text);
        return 2;
    }
    if (act->login && !c->login)
        return cli_missing("user", "LOGIN", MSG_WHAT_LOGIN, usage_text);
    if (parse_format(c->format, &c->fmt)) {
        msg_fail("user", MSG_FORMAT_INVALID, c->format, "table, csv, json");
        return 2;
    }
    return 0;
}

static void help(void)
{
    cli_usage(stdout, usage_text);
    fputc('\n', stdout);
    msg_line(stdout, MSG_USER_HELP, USERS_PASSWORD_MIN);
}

int cmd_user(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stderr, usage_text);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        help();
        return 0;
    }
    const action_t *act = NULL;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (!strcmp(argv[1], actions[i].name))
            act = &actions[i];
    if (!act) {
        msg_fail("user", MSG_ACTION_UNKNOWN, argv[1]);
        cli_usage(stderr, usage_text);
        return 2;
    }
    user_ctx_t c = {.format = "table", .limit = 100};
    int rc = parse_args(argc - 1, argv + 1, act, &c);
    if (rc == 1)
        help();
    if (rc)
        return rc == 1 ? 0 : rc;
    if ((rc = cli_config_load("user", &c.conf, &c.cfg)))
        return rc;
    users_options_t opt;
    char err[512];
    users_options(c.cfg, &opt);
    if (users_open(&opt, &c.u, err, sizeof err)) {
        msg_fail("user", MSG_USERS_STORE, opt.dir, err);
        config_destroy(&c.cfg);
        return 1;
    }
    struct passwd *pw = getpwuid(geteuid());
    snprintf(c.by_login, sizeof c.by_login, "cli:%s", pw ? pw->pw_name : "?");
    c.by = (users_actor_t){c.by_login, "cli"};
    rc = act->fn(&c);
    users_close(&c.u);
    config_destroy(&c.cfg);
    return rc;
}
