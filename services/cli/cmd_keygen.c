/*
 * cchc keygen --unit CODE [--gateway] [--config FILE [--set S.K=V ...] | --catalog DIR] [--dir DIR]
 *             [--keyring FILE] [--out FILE]
 * cchc keygen --server [--dir DIR] [--out FILE]
 *
 * Makes a CURVE key pair.  For a unit: writes DIR/CODE.key (mode 0600,
 * given to the unit) and adds `CODE,public` to the keyring the collector
 * reads (send it SIGHUP to pick it up).  With --gateway, the key of a
 * program that submits for the users of any unit under CODE (cchc-web):
 * DIR/CODE.gateway.key and `CODE,public,gateway`; a new gateway key replaces
 * (revokes) the previous one.  For the collector: its own pair.
 *
 * The collector refuses a key whose unit is not in its catalog, and does so
 * silently (the unit only sees a timeout).  So when a catalog is at hand --
 * --catalog DIR, or the [catalog] dir of --config -- a unit it does not have
 * is refused here, before a useless key is handed out; without one, keygen
 * says that the unit was not checked.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "keys.h"
#include "store.h"

static const char usage_text[] =
    "cchc keygen --unit CODE [--gateway] [--config FILE [--set S.K=V ...] | --catalog DIR] [--dir DIR] [--keyring FILE] [--out FILE]\n"
    "       cchc keygen --server [--dir DIR] [--out FILE]";

typedef struct {
    cli_config_args_t conf;
    const char *unit, *dir, *keyring, *out, *catalog;
    bool server, gateway;
} keygen_args_t;

enum { OPT_UNIT = 1, OPT_DIR, OPT_KEYRING, OPT_OUT, OPT_SERVER, OPT_CATALOG, OPT_GATEWAY, OPT_HELP };

/* Returns 0, 1 after --help, or 2 after a usage error (said). */
static int parse_args(int argc, char **argv, keygen_args_t *a)
{
    static const struct option opts[] = {CLI_CONFIG_OPTIONS,           {"unit", 1, 0, OPT_UNIT},
                                         {"dir", 1, 0, OPT_DIR},       {"keyring", 1, 0, OPT_KEYRING},
                                         {"out", 1, 0, OPT_OUT},       {"server", 0, 0, OPT_SERVER},
                                         {"catalog", 1, 0, OPT_CATALOG}, {"gateway", 0, 0, OPT_GATEWAY},
                                         {"help", 0, 0, OPT_HELP},
                                         {0, 0, 0, 0}};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case CLI_OPT_CONFIG:
        case CLI_OPT_SET:
            if (cli_config_option("keygen", &a->conf, ch, optarg))
                return 2;
            break;
        case OPT_UNIT: a->unit = optarg; break;
        case OPT_DIR: a->dir = optarg; break;
        case OPT_KEYRING: a->keyring = optarg; break;
        case OPT_OUT: a->out = optarg; break;
        case OPT_SERVER: a->server = true; break;
        case OPT_GATEWAY: a->gateway = true; break;
        case OPT_CATALOG: a->catalog = optarg; break;
        case OPT_HELP: cli_usage(stdout, usage_text); return 1;
        default: return cli_bad_option("keygen", ch, argv, usage_text);
        }
    }
    if (optind < argc) {
        msg_fail("keygen", MSG_ARGUMENT_UNEXPECTED, argv[optind]);
        cli_usage(stderr, usage_text);
        return 2;
    }
    if (!a->unit && !a->server)
        return cli_missing("keygen", "--unit", MSG_WHAT_UNIT, usage_text);
    if (a->unit ? a->server : a->gateway) {
        msg_fail("keygen", MSG_KEYGEN_UNIT_OR_SERVER);
        cli_usage(stderr, usage_text);
        return 2;
    }
    return 0;
}

/* 0 when the unit may have a key: it is in the catalog at hand, or there is
 * no catalog at hand (said).  1 after saying why not. */
static int check_unit(const keygen_args_t *a)
{
    const char *dir = a->catalog;
    config_t *cfg = NULL;
    if (!dir && a->conf.path) {
        if (cli_config_load("keygen", &a->conf, &cfg))
            return 1;
        dir = cli_catalog_dir(cfg);
    }
    int rc = 0;
    catalog_t *cat = NULL;
    if (!dir)
        msg_fail("keygen", MSG_KEYGEN_UNCHECKED, a->unit);
    else if (!(cat = cli_catalog("keygen", dir, false)))
        rc = 1;
    else if (catalog_unit(cat, a->unit) < 0) {
        msg_fail("keygen", MSG_UNIT_NOT_IN_CATALOG, a->unit, dir);
        rc = 1;
    }
    catalog_destroy(&cat);
    config_destroy(&cfg);
    return rc;
}

int cmd_keygen(int argc, char **argv)
{
    keygen_args_t a = {.dir = "var/keys"};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (a.unit && check_unit(&a))
        return 1;
    char path[4096], ring[4096], err[512];
    if (store_mkdirs(a.dir)) {
        msg_fail("keygen", MSG_DIR_UNUSABLE, a.dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/%s%s.key", a.dir, a.server ? "collector" : a.unit, a.gateway ? ".gateway" : "");
    if (a.out)
        snprintf(path, sizeof path, "%s", a.out);
    keypair_t kp;
    if (keys_generate(path, a.server ? "" : a.unit, &kp, err, sizeof err)) {
        msg_fail("keygen", MSG_KEY_FAILED, err);
        return 1;
    }
    if (a.server) {
        printf("collector %s %s\n", kp.public_key, path);
        return 0;
    }
    snprintf(ring, sizeof ring, "%s/keyring.csv", a.dir);
    if (a.keyring)
        snprintf(ring, sizeof ring, "%s", a.keyring);
    if (keyring_put(ring, a.unit, kp.public_key, a.gateway, err, sizeof err)) {
        msg_fail("keygen", MSG_KEY_FAILED, err);
        return 1;
    }
    printf("%s %s %s\n", a.unit, kp.public_key, path);
    return 0;
}
