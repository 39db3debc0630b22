/*
 * cchc keygen --unit CODE [--dir DIR] [--keyring FILE]
 * cchc keygen --server [--out FILE]
 *
 * Makes a CURVE key pair.  For a unit: writes DIR/CODE.key (mode 0600,
 * given to the unit) and adds `CODE,public` to the keyring the collector
 * reads (send it SIGHUP to pick it up).  For the collector: its own pair.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "keys.h"
#include "store.h"

int cmd_keygen(int argc, char **argv)
{
    const char *unit = NULL, *dir = "var/keys", *keyring = NULL, *out = NULL;
    int server = 0;
    static const struct option opts[] = {{"unit", required_argument, 0, 'u'},   {"dir", required_argument, 0, 'd'},
                                         {"keyring", required_argument, 0, 'k'}, {"out", required_argument, 0, 'o'},
                                         {"server", no_argument, 0, 's'},        {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'u': unit = optarg; break;
        case 'd': dir = optarg; break;
        case 'k': keyring = optarg; break;
        case 'o': out = optarg; break;
        case 's': server = 1; break;
        default: goto usage;
        }
    }
    if ((!unit && !server) || (unit && server) || optind != argc)
        goto usage;
    char path[4096], ring[4096], err[512];
    if (store_mkdirs(dir)) {
        fprintf(stderr, "cchc keygen: cannot create %s\n", dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/%s.key", dir, server ? "collector" : unit);
    if (out)
        snprintf(path, sizeof path, "%s", out);
    keypair_t kp;
    if (keys_generate(path, server ? "" : unit, &kp, err, sizeof err)) {
        fprintf(stderr, "cchc keygen: %s\n", err);
        return 1;
    }
    if (!server) {
        snprintf(ring, sizeof ring, "%s/keyring.csv", dir);
        if (keyring)
            snprintf(ring, sizeof ring, "%s", keyring);
        if (keyring_put(ring, unit, kp.public_key, err, sizeof err)) {
            fprintf(stderr, "cchc keygen: %s\n", err);
            return 1;
        }
        printf("%s %s %s\n", unit, kp.public_key, path);
    } else {
        printf("collector %s %s\n", kp.public_key, path);
    }
    return 0;
usage:
    fprintf(stderr, "usage: cchc keygen --unit CODE [--dir DIR] [--keyring FILE] [--out FILE]\n"
                    "       cchc keygen --server [--dir DIR] [--out FILE]\n");
    return 2;
}
