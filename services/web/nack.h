/*
 * nack.h -- what the collector's refusal codes mean for a person at the
 * web form (NACK.code -> a sentence in the request's language).
 *
 * The collector's own NACK.message is English and names codes (indicator
 * codes, ids): it is for logs and machines.  Pages show nack_sentence() and
 * may add what they know better (the field a refusal concerns).  The CLI
 * has its own table (services/cli/msg.def): its sentences speak of options.
 */
#ifndef CCHC_WEB_NACK_H
#define CCHC_WEB_NACK_H

#include <stdbool.h>

/* The sentence for NACK code `code` ("E_NEGATIVE"...); a code this table
 * does not know gets a general sentence, never NULL. */
const char *nack_sentence(const char *code, bool en);

#endif
