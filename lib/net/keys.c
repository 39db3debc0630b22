#include "fnv.h"
#include "keys.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "config.h"

static int valid_z85_key(const char *s)
{
    uint8_t bin[32];
    return s && strlen(s) == KEY_Z85_LEN && zmq_z85_decode(bin, s) != NULL;
}

int keys_read(const char *path, keypair_t *kp, char *err, size_t errlen)
{
    config_t *c;
    char cerr[512];
    memset(kp, 0, sizeof *kp);
    if (config_load(path, &c, cerr, sizeof cerr)) {
        snprintf(err, errlen, "%s", cerr);
        return -1;
    }
    const char *unit = config_get(c, "", "unit", "");
    const char *pub = config_get(c, "", "public", NULL);
    const char *sec = config_get(c, "", "secret", NULL);
    int rc = -1;
    if (!valid_z85_key(pub))
        snprintf(err, errlen, "%s: 'public' is missing or not a 40-character Z85 CURVE key", path);
    else if (sec && !valid_z85_key(sec))
        snprintf(err, errlen, "%s: 'secret' is not a 40-character Z85 CURVE key", path);
    else if (strlen(unit) >= sizeof kp->unit)
        snprintf(err, errlen, "%s: unit code too long", path);
    else {
        snprintf(kp->unit, sizeof kp->unit, "%s", unit);
        snprintf(kp->public_key, sizeof kp->public_key, "%s", pub);
        if (sec)
            snprintf(kp->secret_key, sizeof kp->secret_key, "%s", sec);
        rc = 0;
    }
    config_destroy(&c);
    return rc;
}

int keys_generate(const char *path, const char *unit, keypair_t *kp, char *err, size_t errlen)
{
    memset(kp, 0, sizeof *kp);
    if (zmq_curve_keypair(kp->public_key, kp->secret_key) != 0) {
        snprintf(err, errlen, "this libzmq cannot make CURVE keys: %s", zmq_strerror(errno));
        return -1;
    }
    snprintf(kp->unit, sizeof kp->unit, "%s", unit ? unit : "");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, errno == EEXIST ? "already exists (remove it to make a new key)" : strerror(errno));
        return -1;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# CURVE key pair%s%s. Keep this file secret (mode 0600).\n", *kp->unit ? " of unit " : " of the collector",
            kp->unit);
    if (*kp->unit)
        fprintf(f, "unit = %s\n", kp->unit);
    fprintf(f, "public = %s\nsecret = %s\n", kp->public_key, kp->secret_key);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- keyring ----------------------------------------------------------- */

typedef struct {
    char unit[65];
    char key[KEY_Z85_LEN + 1];
    bool gateway; /* role `gateway`: submits for the users of a program */
} kr_entry_t;

struct keyring {
    kr_entry_t *e;
    int n, cap;
    /* open-addressing index on the key */
    int *slots;
    size_t nslots;
};

typedef struct {
    keyring_t *kr;
    const char *path;
    char *err;
    size_t errlen;
    int line, field, failed;
    char f[3][128];
    size_t flen[3];
} kr_parse_t;

static uint64_t hash_str(const char *s)
{
    return fnv1a(FNV1A_INIT, s, strlen(s));
}

static void kr_field(void *s, size_t len, void *ud)
{
    kr_parse_t *p = ud;
    if (p->field < 3) {
        size_t n = len < sizeof p->f[0] - 1 ? len : sizeof p->f[0] - 1;
        memcpy(p->f[p->field], s, n);
        p->f[p->field][n] = '\0';
        p->flen[p->field] = len;
    }
    p->field++;
}

static void kr_row(int c, void *ud)
{
    kr_parse_t *p = ud;
    int nf = p->field;
    p->field = 0;
    p->line++;
    if (p->failed)
        return;
    if (p->line == 1) {
        if (nf < 2 || nf > 3 || strcmp(p->f[0], "unit") || strcmp(p->f[1], "public_key") ||
            (nf == 3 && strcmp(p->f[2], "role"))) {
            snprintf(p->err, p->errlen, "%s:1: header must be 'unit,public_key,role' (role may be left out)",
                     p->path);
            p->failed = 1;
        }
        return;
    }
    if (nf == 1 && p->flen[0] == 0)
        return; /* blank line */
    bool gateway = nf == 3 && !strcmp(p->f[2], "gateway");
    if (nf < 2 || nf > 3 || p->flen[0] == 0 || p->flen[0] > 64 || !valid_z85_key(p->f[1]) ||
        (nf == 3 && p->flen[2] && !gateway)) {
        snprintf(p->err, p->errlen,
                 "%s:%d: expected 'UNIT,KEY' or 'UNIT,KEY,gateway' with a 40-character Z85 public key", p->path,
                 p->line);
        p->failed = 1;
        return;
    }
    keyring_t *kr = p->kr;
    if (kr->n == kr->cap) {
        int cap = kr->cap ? kr->cap * 2 : 64;
        kr_entry_t *ne = realloc(kr->e, (size_t)cap * sizeof *ne);
        if (!ne) {
            snprintf(p->err, p->errlen, "out of memory");
            p->failed = 1;
            return;
        }
        kr->e = ne;
        kr->cap = cap;
    }
    memcpy(kr->e[kr->n].unit, p->f[0], p->flen[0] + 1); /* length checked above */
    memcpy(kr->e[kr->n].key, p->f[1], KEY_Z85_LEN + 1);
    kr->e[kr->n].gateway = gateway;
    kr->n++;
    (void)c;
}

static int kr_index(keyring_t *kr)
{
    kr->nslots = 16;
    while (kr->nslots < (size_t)kr->n * 2)
        kr->nslots *= 2;
    kr->slots = malloc(kr->nslots * sizeof *kr->slots);
    if (!kr->slots)
        return -1;
    for (size_t i = 0; i < kr->nslots; i++)
        kr->slots[i] = -1;
    for (int i = 0; i < kr->n; i++) {
        size_t s = hash_str(kr->e[i].key) & (kr->nslots - 1);
        while (kr->slots[s] >= 0 && strcmp(kr->e[kr->slots[s]].key, kr->e[i].key))
            s = (s + 1) & (kr->nslots - 1);
        kr->slots[s] = i; /* a later line for the same key wins */
    }
    return 0;
}

int keyring_load(const char *path, int missing_ok, keyring_t **out, char *err, size_t errlen)
{
    *out = NULL;
    keyring_t *kr = calloc(1, sizeof *kr);
    if (!kr) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f && !(errno == ENOENT && missing_ok)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        keyring_destroy(&kr);
        return -1;
    }
    if (f) {
        struct csv_parser csv;
        kr_parse_t p = {.kr = kr, .path = path, .err = err, .errlen = errlen};
        csv_init(&csv, CSV_APPEND_NULL);
        char buf[8192];
        size_t n;
        while (!p.failed && (n = fread(buf, 1, sizeof buf, f)) > 0)
            if (csv_parse(&csv, buf, n, kr_field, kr_row, &p) != n) {
                snprintf(err, errlen, "%s:%d: %s", path, p.line + 1, csv_strerror(csv_error(&csv)));
                p.failed = 1;
            }
        if (!p.failed)
            csv_fini(&csv, kr_field, kr_row, &p);
        csv_free(&csv);
        fclose(f);
        if (p.failed) {
            keyring_destroy(&kr);
            return -1;
        }
    }
    if (kr_index(kr)) {
        snprintf(err, errlen, "out of memory");
        keyring_destroy(&kr);
        return -1;
    }
    *out = kr;
    return 0;
}

void keyring_destroy(keyring_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->e);
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}

const char *keyring_lookup(const keyring_t *kr, const char *public_z85, bool *gateway)
{
    if (gateway)
        *gateway = false;
    if (!kr || !kr->slots)
        return NULL;
    size_t s = hash_str(public_z85) & (kr->nslots - 1);
    while (kr->slots[s] >= 0) {
        const kr_entry_t *e = &kr->e[kr->slots[s]];
        if (!strcmp(e->key, public_z85)) {
            if (gateway)
                *gateway = e->gateway;
            return e->unit;
        }
        s = (s + 1) & (kr->nslots - 1);
    }
    return NULL;
}

const char *keyring_unit(const keyring_t *kr, const char *public_z85)
{
    return keyring_lookup(kr, public_z85, NULL);
}

int keyring_size(const keyring_t *kr) { return kr ? kr->n : 0; }

int keyring_put(const char *path, const char *unit, const char *public_z85, bool gateway, char *err, size_t errlen)
{
    keyring_t *kr;
    if (keyring_load(path, 1, &kr, err, errlen))
        return -1;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        keyring_destroy(&kr);
        return -1;
    }
    fprintf(f, "unit,public_key,role\n");
    for (int i = 0; i < kr->n; i++)
        if (strcmp(kr->e[i].unit, unit) || kr->e[i].gateway != gateway)
            fprintf(f, "%s,%s,%s\n", kr->e[i].unit, kr->e[i].key, kr->e[i].gateway ? "gateway" : "");
    fprintf(f, "%s,%s,%s\n", unit, public_z85, gateway ? "gateway" : "");
    keyring_destroy(&kr);
    /* Write then rename, so a reader never sees half a keyring. */
    if (fflush(f) || fsync(fileno(f)) || fclose(f) || rename(tmp, path)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
