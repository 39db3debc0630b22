/*
 * message.h -- the text of a reminder and its encodings (pure: no I/O).
 *
 * Subject and body are Vietnamese (UTF-8) with one English line.  The e-mail
 * is RFC 5322 + MIME: a UTF-8 subject as RFC 2047 encoded-words, a text/plain
 * UTF-8 body in base64, and a Message-ID derived from the reminder id (a
 * repeated send has the same Message-ID, so a mail client can fold it).
 */
#ifndef CCHC_NOTIFIER_MESSAGE_H
#define CCHC_NOTIFIER_MESSAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "policy.h"

#define MESSAGE_SUBJECT_MAX 512

/* notes[u] (may be NULL, or notes may be NULL): lines about unit u's targets
 * that are behind, already formatted ("- ...\n" each). */
typedef struct {
    char subject[MESSAGE_SUBJECT_MAX];
    char *body; /* owned */
} message_t;

/* Writes the subject and body of reminder r at instant now.  Returns 0 or
 * -1 on allocation failure.  Free with message_free(). */
int message_compose(const catalog_t *c, const reminder_t *r, char *const *notes, int64_t now, message_t *m /* OUT */);
void message_free(message_t *m);

/* "quý 3/2025", "tháng 9/2025", "6 tháng đầu năm 2025", "năm 2025". */
const char *message_period_vi(period_t p, char *buf, size_t len);
/* "Q3 2025", "September 2025", "H1 2025", "2025". */
const char *message_period_en(period_t p, char *buf, size_t len);

/* Base64 (RFC 4648) of n bytes; with line_len > 0 inserts CRLF every
 * line_len output characters.  Caller frees. */
char *message_base64(const void *data, size_t n, int line_len);

/* The subject as RFC 2047 encoded-words (=?UTF-8?B?...?=, each at most 75
 * characters, split on UTF-8 character boundaries, folded with CRLF SP).
 * Caller frees. */
char *message_encode_header(const char *text);

/* The whole e-mail (headers + CRLF + base64 body), CRLF line ends. Caller frees. */
char *message_email(const char *from, const char *to, const char *id, const message_t *m, int64_t date);

/* The webhook body (JSON object).  Caller owns the reference. */
json_t *message_json(const catalog_t *c, const reminder_t *r, const message_t *m);

/* The REMINDER message id: UNIT:DATASET:PERIOD:STAGE when it fits in 64
 * bytes, else a hash.  buf at least 65 bytes. */
const char *message_proto_id(const catalog_t *c, const reminder_t *r, char *buf, size_t len);

uint64_t message_hash(const char *s);

#endif
