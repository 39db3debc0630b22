/*
 * answer_json.h -- a typed QUERY answer (proto/answer.h) as JSON, rendered
 * from the same field tables that pack and read it: the web's /api/ and the
 * CLI's --format json show exactly the fields answers.def defines.
 *
 * NIL fields become null, OPT fields that do not apply are left out, NUM is
 * an integer, a real or null, VALUES map each indicator to its integer,
 * true/false or list of tags.
 */
#ifndef CCHC_ANSWER_JSON_H
#define CCHC_ANSWER_JSON_H

#include <jansson.h>

#include "answer.h"

/* The answer v of shape d as a JSON object.  Caller owns the result
 * (json_decref); NULL only when out of memory. */
json_t *answer_json(const ans_obj_t *d, const void *v);

#endif
