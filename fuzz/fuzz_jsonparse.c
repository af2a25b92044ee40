/* fuzz_jsonparse.c: vt_jsonparse_load() against json_loadb() on arbitrary
 * bytes, without and with JSON_DECODE_ANY (a damaged store record; the
 * fast path must never read text differently from jansson).
 *
 * Either both return a tree, json_equal() and written by jansson to the
 * same text (json_dumps() walks keys in insertion order and writes an
 * integer as "1", a real as "1.0" and to 17 digits, so the text compares
 * key order, types and every bit of a real, the sign of zero included), or
 * both fail with the same error text, line, column and position.
 * Violations abort(), so that the replay under ctest fails as loudly as
 * libFuzzer would. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_jsonparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void one(const char *text, size_t size, size_t flags)
{
    json_error_t want_error, got_error;
    json_t *want = json_loadb(text, size, flags, &want_error);
    json_t *got = vt_jsonparse_load(text, size, flags, &got_error);
    check((want == NULL) == (got == NULL));
    if (want) {
        check(json_equal(want, got));
        char *want_text = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
        char *got_text = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
        check(want_text && got_text && strcmp(want_text, got_text) == 0);
        free(want_text);
        free(got_text);
    }
    check(strcmp(want_error.text, got_error.text) == 0);
    check(strcmp(want_error.source, got_error.source) == 0);
    check(want_error.line == got_error.line && want_error.column == got_error.column &&
          want_error.position == got_error.position);
    json_decref(want);
    json_decref(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one((const char *)data, size, 0);
    one((const char *)data, size, JSON_DECODE_ANY);
    return 0;
}
