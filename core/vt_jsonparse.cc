/* vt_jsonparse.cc: simdjson reads, jansson's tree comes out (see
 * vt_jsonparse.h for the contract).
 *
 * The invariant: build() returns a tree only where json_loadb() would
 * return an equal one, and NULL (meaning "ask jansson") everywhere else.
 * Where the two parsers agree, checked against jansson 2.14's load.c and
 * simdjson 3.0.1: both take RFC 8259 JSON and refuse invalid UTF-8,
 * unescaped control characters, lone surrogate escapes, leading zeros
 * and trailing text; an integer is a number without '.', 'e' or 'E' (so
 * "-0" is the integer 0 and "1e2" a real in both); reals are correctly
 * rounded in both (simdjson's own algorithm, glibc's strtod for jansson),
 * and a real that overflows is an error in both. Where they differ, we
 * fall back: jansson refuses a NUL in a key, and in a string without
 * JSON_ALLOW_NUL; it refuses integers past json_int_t, which simdjson
 * gives as uint64; it nests to 2048 levels, simdjson to 1024 (deeper
 * text is a simdjson error, so it goes to jansson). Lose one of these
 * checks and a record that jansson refuses (or reads differently) would
 * load, silently, on the fast path only.
 *
 * Exceptions: simdjson is compiled without them (SIMDJSON_EXCEPTIONS=0:
 * error codes), and the tree is built with jansson's C functions, so
 * nothing should throw; the one extern "C" function still catches
 * everything around the parse and answers with json_loadb() instead.
 */
#include "vt_jsonparse.h"

#include <cstdio>
#include <cstring>
#include <new>

#include <simdjson.h>

#define VT_EXPORT __attribute__((visibility("default")))

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

/* One parser per thread, reused: it keeps its buffers (and its copy of
 * the input with the SIMDJSON_PADDING bytes simdjson reads past the end:
 * store values live in LMDB's read-only map, which we may not pad).
 * Past VT_JSONPARSE_FAST_MAX it refuses with CAPACITY, and jansson reads
 * that input. */
thread_local simdjson::dom::parser parser(VT_JSONPARSE_FAST_MAX);

bool has_nul(std::string_view s)
{
    return std::memchr(s.data(), '\0', s.size()) != nullptr;
}

json_t *build(element e) noexcept;

json_t *build_object(element e) noexcept
{
    simdjson::dom::object object;
    json_t *json;
    if (e.get(object) != simdjson::SUCCESS || !(json = json_object()))
        return nullptr;
    for (simdjson::dom::key_value_pair field : object) {
        json_t *value;
        /* json_object_setn_new_nocheck() is what jansson's parser calls:
         * a repeated key replaces the value in the first one's place. */
        if (has_nul(field.key) || !(value = build(field.value)) ||
            json_object_setn_new_nocheck(json, field.key.data(), field.key.size(), value) != 0) {
            json_decref(json);
            return nullptr;
        }
    }
    return json;
}

json_t *build_array(element e) noexcept
{
    simdjson::dom::array array;
    json_t *json;
    if (e.get(array) != simdjson::SUCCESS || !(json = json_array()))
        return nullptr;
    for (element item : array) {
        json_t *value = build(item);
        if (!value || json_array_append_new(json, value) != 0) {
            json_decref(json);
            return nullptr;
        }
    }
    return json;
}

/* @e as jansson reads it, or NULL where jansson's answer may differ (see
 * the top) or memory ran out. */
json_t *build(element e) noexcept
{
    switch (e.type()) {
    case element_type::OBJECT:
        return build_object(e);
    case element_type::ARRAY:
        return build_array(e);
    case element_type::STRING: {
        std::string_view s;
        if (e.get(s) != simdjson::SUCCESS || has_nul(s))
            return nullptr;
        /* simdjson validated the UTF-8 of the whole input. */
        return json_stringn_nocheck(s.data(), s.size());
    }
    case element_type::INT64: {
        int64_t i;
        return e.get(i) == simdjson::SUCCESS ? json_integer((json_int_t)i) : nullptr;
    }
    case element_type::UINT64:
        /* Only past INT64_MAX (smaller ones are INT64): too big for
         * json_int_t, an error in jansson. */
        return nullptr;
    case element_type::DOUBLE: {
        double d;
        return e.get(d) == simdjson::SUCCESS ? json_real(d) : nullptr;
    }
    case element_type::BOOL: {
        bool b;
        return e.get(b) == simdjson::SUCCESS ? json_boolean(b) : nullptr;
    }
    case element_type::NULL_VALUE:
        return json_null();
    }
    return nullptr;
}

json_t *load_fast(const char *buf, size_t len, size_t flags)
{
    element root;
    if (parser.parse(buf, len, true).get(root) != simdjson::SUCCESS)
        return nullptr;
    if (!(flags & JSON_DECODE_ANY) && root.type() != element_type::OBJECT &&
        root.type() != element_type::ARRAY)
        return nullptr;
    return build(root);
}

}  // namespace

extern "C" VT_EXPORT json_t *vt_jsonparse_load(const char *buf, size_t len, size_t flags,
                                               json_error_t *error)
{
    json_t *json = nullptr;
    if (buf && (flags & ~(size_t)JSON_DECODE_ANY) == 0) {
        try {
            json = load_fast(buf, len, flags);
        } catch (...) {
            /* Not expected (see the top); jansson answers instead. */
            json = nullptr;
        }
    }
    if (!json)
        return json_loadb(buf, len, flags, error);
    /* What json_loadb() leaves in @error on success (its
     * jsonp_error_init() and the position after the text), which jansson
     * does not export. */
    if (error) {
        error->text[0] = '\0';
        error->line = -1;
        error->column = -1;
        error->position = (int)len;
        snprintf(error->source, sizeof error->source, "%s", "<buffer>");
    }
    return json;
}
