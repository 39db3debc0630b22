/*
 * msg.c -- the message table (msg.def) and the choice of language.
 */
#include "msg.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name; /* the id as written in msg.def: "E_NEGATIVE" */
    const char *text[2];
} table[MSG_COUNT] = {
#define X(id, vi, en) [MSG_##id] = {#id, {vi, en}},
#include "msg.def"
#undef X
};

static lang_t lang = LANG_VI;

/* A locale name or --lang value: English when it begins with "en" (en,
 * en_US.UTF-8, en_GB), Vietnamese otherwise -- the C locale included, since
 * the officers are the tool's readers. */
static lang_t lang_of(const char *s)
{
    return strncmp(s, "en", 2) == 0 ? LANG_EN : LANG_VI;
}

/* POSIX precedence: the first of LC_ALL, LC_MESSAGES, LANG that is set. */
static lang_t lang_from_env(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return lang_of(v);
    }
    return LANG_VI;
}

/* The value of a --lang at argv[i] (and how many arguments it takes), or
 * NULL when argv[i] is not one. */
static const char *lang_option(int argc, char **argv, int i, int *taken)
{
    if (strncmp(argv[i], "--lang=", 7) == 0) {
        *taken = 1;
        return argv[i] + 7;
    }
    if (strcmp(argv[i], "--lang") == 0) {
        *taken = i + 1 < argc ? 2 : 1;
        return i + 1 < argc ? argv[i + 1] : "";
    }
    return NULL;
}

int msg_init(int *argc, char **argv)
{
    lang = lang_from_env();
    for (int i = 1; i < *argc && strcmp(argv[i], "--") != 0;) {
        int taken;
        const char *v = lang_option(*argc, argv, i, &taken);
        if (!v) {
            i++;
            continue;
        }
        if (strcmp(v, "vi") != 0 && strcmp(v, "en") != 0) {
            msg_line(stderr, MSG_BAD_LANG, v);
            return 2;
        }
        lang = lang_of(v);
        memmove(&argv[i], &argv[i + taken], (size_t)(*argc - i - taken + 1) * sizeof *argv);
        *argc -= taken;
    }
    return 0;
}

lang_t msg_lang(void)
{
    return lang;
}

const char *msg(msg_id_t id)
{
    return id < MSG_COUNT && table[id].name ? table[id].text[lang] : "?";
}

const char *msg_explain(const char *code)
{
    /* Codes are few (about 25): a scan is cheap and keeps one table. */
    if (strncmp(code, "E_", 2) == 0)
        for (int i = 0; i < MSG_COUNT; i++)
            if (table[i].name && strcmp(table[i].name, code) == 0)
                return table[i].text[lang];
    return msg(MSG_CODE_UNKNOWN);
}

char *msg_format(char *buf, size_t len, msg_id_t id, ...)
{
    va_list ap;
    va_start(ap, id);
    vsnprintf(buf, len, msg(id), ap);
    va_end(ap);
    return buf;
}

void msg_line(FILE *f, msg_id_t id, ...)
{
    va_list ap;
    va_start(ap, id);
    vfprintf(f, msg(id), ap);
    va_end(ap);
    fputc('\n', f);
}

void msg_fail(const char *cmd, msg_id_t id, ...)
{
    va_list ap;
    fprintf(stderr, "cchc %s: ", cmd);
    va_start(ap, id);
    vfprintf(stderr, msg(id), ap);
    va_end(ap);
    fputc('\n', stderr);
}

void msg_fail_text(const char *cmd, const char *text)
{
    fprintf(stderr, "cchc %s: %s\n", cmd, text);
}
