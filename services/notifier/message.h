/*
 * message.h -- the text of a digest and its encodings (pure: no I/O).
 *
 * Subject and body are Vietnamese (UTF-8), written for the officer who has
 * to act: which reports (by name, never by code), for which period, by when,
 * what is still missing, where to submit (web_url) and whom to ask
 * (contact).  Figures are written the Vietnamese way (4.200; 91,5%).  An
 * English part follows only for a recipient whose language is English.
 *
 * The e-mail is RFC 5322 + MIME: a UTF-8 subject as RFC 2047 encoded-words,
 * a text/plain UTF-8 body in base64, and a Message-ID derived from the
 * digest id (a repeated send has the same Message-ID, so a mail client can
 * fold it).
 */
#ifndef CCHC_NOTIFIER_MESSAGE_H
#define CCHC_NOTIFIER_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "digest.h"
#include "policy.h"

#define MESSAGE_SUBJECT_MAX 512

typedef struct {
    char subject[MESSAGE_SUBJECT_MAX];
    char *body; /* owned */
} message_t;

/* Lines about unit's targets that are behind in (ds, p), already formatted
 * ("- ...\n" each, message_target_line), or NULL. */
typedef const char *(*message_notes_fn)(void *ud, int unit, int ds, period_t p);

typedef struct {
    const char *web_url;    /* where units submit; NULL or "": no link */
    const char *contact;    /* whom to ask; NULL or "": the parent unit's name and e-mail */
    bool english;           /* the recipient reads English: add the English part */
    message_notes_fn notes; /* may be NULL */
    void *ud;
    const char *approve_url; /* the web's approval page; NULL or "": no link */
} message_opts_t;

/* Writes the subject and body of digest d at instant now (cancelled items
 * left out).  Returns 0 or -1 on allocation failure.  Free with
 * message_free(). */
int message_compose(const catalog_t *c, const digest_t *d, const message_opts_t *o, int64_t now,
                    message_t *m /* OUT */);
void message_free(message_t *m);

/* "quý 3/2025", "tháng 9/2025", "6 tháng đầu năm 2025", "năm 2025". */
const char *message_period_vi(period_t p, char *buf, size_t len);
/* "Q3 2025", "September 2025", "H1 2025", "2025". */
const char *message_period_en(period_t p, char *buf, size_t len);

/* A number as Vietnamese readers write it: "4.200", "12,5"; with percent,
 * "91,5%" (one decimal at most, trailing ",0" dropped). */
const char *message_number(double v, bool percent, char *buf, size_t len);

/* One line about a target that is behind, ending in "\n":
 * "- NAME: đạt 5, cần ít nhất 15 đến hết quý 3/2025, còn thiếu 10"; for a
 * rate (ind is a rate indicator of c), percentages and no difference. */
void message_target_line(const catalog_t *c, int ind, const char *name_vi, double actual, double expected,
                         period_t p, char *buf, size_t len);

/* Base64 (RFC 4648) of n bytes; with line_len > 0 inserts CRLF every
 * line_len output characters.  Caller frees. */
char *message_base64(const void *data, size_t n, int line_len);

/* The subject as RFC 2047 encoded-words (=?UTF-8?B?...?=, each at most 75
 * characters, split on UTF-8 character boundaries, folded with CRLF SP).
 * Caller frees. */
char *message_encode_header(const char *text);

/* The whole e-mail (headers + CRLF + base64 body), CRLF line ends; `items`
 * (digest_items(), may be NULL) goes in an X-CCHC-Items header for mail
 * filters.  Caller frees. */
char *message_email(const char *from, const char *to, const char *id, const char *items, const message_t *m,
                    int64_t date);

/* The webhook body: id, unit, unit_name, subject, body and `items` (each
 * with dataset, dataset_name, period, stage, deadline, deadline_unix,
 * overdue, escalation, late_units, missing_periods); dataset, period,
 * stage, deadline, deadline_unix and late_units of the first item are
 * repeated at the top.  Caller owns the reference. */
json_t *message_json(const catalog_t *c, const digest_t *d, const message_t *m);

/* The REMINDER message id of an item: UNIT:DATASET:PERIOD:STAGE when it
 * fits in 64 bytes, else a hash.  buf at least 65 bytes. */
const char *message_proto_id(const catalog_t *c, const reminder_t *r, char *buf, size_t len);

uint64_t message_hash(const char *s);

#endif
