/*
 * fold.h -- folding Vietnamese text for a search that finds what people type.
 *
 * An officer looking for "Việt Khê" may type "VIỆT KHÊ", "viet khe" or the
 * code's "VIET_KHE"; all of them must find the unit.  Both sides of a search
 * are folded the same way and then compared byte for byte:
 *
 *   - letters lose case and diacritics: the Vietnamese vowels with their
 *     marks (a ă â e ê i o ô ơ u ư y, each with the five tones) and the rest
 *     of Latin-1 become a..z; đ and Đ become d;
 *   - combining marks (U+0300..U+036F) are dropped, so text typed in NFD
 *     (decomposed, as some keyboards and macOS send it) folds as NFC does;
 *   - separators -- space, tab, '_', '.', '-', '/', no-break space, en and
 *     em dash (as in "Văn hóa – Xã hội") -- become one space, a
 *     run of them one space, none at either end: "HP.XA.VIET_KHE" folds to
 *     "hp xa viet khe", which "viet khe" and "xa viet" are part of;
 *   - anything else (digits, other scripts, bytes that are not UTF-8) is
 *     kept as it is.
 *
 * The folded text is never longer than the text, and folding allocates
 * nothing: a search folds its needle once and each name into a buffer on
 * the stack.
 */
#ifndef CCHC_FOLD_H
#define CCHC_FOLD_H

#include <stdbool.h>
#include <stddef.h>

/* Folds `s` into `out` (`size` > 0 bytes), always terminated; text that
 * does not fit is cut at a whole character.  Returns the folded length. */
size_t fold_text(const char *s, char *out, size_t size);

/* True when the folded `hay` contains `needle`, which is already folded
 * (fold_text()); an empty needle is in every text.  No allocation for a
 * hay under FOLD_STACK_MAX bytes (a catalog's names and codes are). */
#define FOLD_STACK_MAX 1024
bool fold_contains(const char *hay, const char *needle);

#endif
