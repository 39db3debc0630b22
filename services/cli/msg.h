/*
 * msg.h -- what the `cchc` tool says to people, in Vietnamese or English.
 *
 * The tool speaks to the officers of Hải Phòng's units: Vietnamese by
 * default, English when the locale asks for it (LC_ALL, else LC_MESSAGES,
 * else LANG beginning with "en") or with `--lang en` anywhere on the command
 * line.  Every sentence is one entry of msg.def -- an id, the Vietnamese
 * text and the English text, with the same printf conversions in the same
 * order -- so a sentence is never written twice and never chosen by an `if`
 * at the place it is printed.  The protocol's error codes are entries too,
 * named by the code itself (E_NEGATIVE), so that a refusal is explained in
 * the officer's language beside the server's own sentence, which is English.
 */
#ifndef CCHC_CLI_MSG_H
#define CCHC_CLI_MSG_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
#define X(id, vi, en) MSG_##id,
#include "msg.def"
#undef X
    MSG_COUNT
} msg_id_t;

typedef enum { LANG_VI, LANG_EN } lang_t;

/* Chooses the language from the environment, then takes every `--lang L` or
 * `--lang=L` (L: vi or en) out of argv[1..argc-1] (up to a `--`), shrinking
 * *argc.  Returns 0, or 2 after saying that L is not a language we speak. */
int msg_init(int *argc, char **argv);

lang_t msg_lang(void);

/* The text of `id` in the chosen language (a printf format for the entries
 * that take arguments).  Never NULL. */
const char *msg(msg_id_t id);

/* The explanation of a protocol error code ("E_NEGATIVE") in the chosen
 * language; for a code this program does not know, a sentence saying so. */
const char *msg_explain(const char *code);

/* printf of `id` into buf; returns buf. */
char *msg_format(char *buf, size_t len, msg_id_t id, ...);

/* printf of `id` to f, followed by a newline. */
void msg_line(FILE *f, msg_id_t id, ...);

/* "cchc CMD: " and `id` on stderr, followed by a newline. */
void msg_fail(const char *cmd, msg_id_t id, ...);

/* "cchc CMD: " and a sentence already in the chosen language. */
void msg_fail_text(const char *cmd, const char *text);

#endif
