/*
 * keys.h -- CURVE key files and the keyring.
 *
 * A key file holds one key pair in INI form (`unit = CODE`, `public = Z85`,
 * `secret = Z85`); the collector's own pair has no unit.  The keyring is a
 * CSV file `unit,public_key,role` (header row; the role column may be left
 * out) listing every unit's public key; the collector maps a connecting
 * client's key to its unit through it.  A key of role `gateway` (cchc-web's)
 * submits on behalf of the users of a program, for any unit of its unit's
 * subtree.  Keys are 40-character Z85 strings (zmq_curve_keypair).
 */
#ifndef CCHC_KEYS_H
#define CCHC_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define KEY_Z85_LEN 40

typedef struct {
    char unit[65];                   /* empty for a server key */
    char public_key[KEY_Z85_LEN + 1];
    char secret_key[KEY_Z85_LEN + 1];
} keypair_t;

/* Reads a key file.  Returns 0, or -1 with a sentence in err. */
int keys_read(const char *path, keypair_t *kp /* OUT */, char *err, size_t errlen);

/* Generates a fresh pair (for `unit`, may be "" for a server) and writes it
 * to `path` with mode 0600, refusing to overwrite an existing file.
 * Returns 0, or -1 with a sentence in err. */
int keys_generate(const char *path, const char *unit, keypair_t *kp /* OUT */, char *err, size_t errlen);

typedef struct keyring keyring_t;

/* Loads a keyring CSV.  Returns 0 and *out (caller destroys), or -1 with
 * "FILE:LINE: sentence" in err.  A missing file is an empty keyring only when
 * missing_ok is set. */
int keyring_load(const char *path, int missing_ok, keyring_t **out /* OUT */, char *err, size_t errlen);
void keyring_destroy(keyring_t **self_p);

/* The unit of a public key (Z85), or NULL.  Owned by the keyring.
 * *gateway (may be NULL) is set when the key is a gateway's. */
const char *keyring_lookup(const keyring_t *kr, const char *public_z85, bool *gateway /* OUT */);
const char *keyring_unit(const keyring_t *kr, const char *public_z85);
int keyring_size(const keyring_t *kr);

/* Appends `unit,public,role` to the keyring file (creating it with a
 * header, and replacing an older line of the same unit and role: a new key
 * revokes the one it replaces).  Returns 0 or -1 with err. */
int keyring_put(const char *path, const char *unit, const char *public_z85, bool gateway, char *err,
                size_t errlen);

#endif
