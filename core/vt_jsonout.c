/* vt_jsonout.c: see vt_jsonout.h. The output must stay json_dumps()'s with
 * JSON_COMPACT: the site compares new files with the ones on disk, so any
 * difference would rewrite every JSON file of a site once, and golden
 * tests compare with jansson's text. */
#include "vt_jsonout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Appends without g_string_append_len()'s general case (it allows @s to
 * lie inside @out): most pieces are short and fit. */
static inline void put(GString *out, const char *s, size_t n)
{
    if (out->len + n < out->allocated_len) {
        memcpy(out->str + out->len, s, n);
        out->len += n;
        out->str[out->len] = '\0';
        return;
    }
    g_string_append_len(out, s, (gssize)n);
}

static inline void put_c(GString *out, char c)
{
    if (out->len + 1 < out->allocated_len) {
        out->str[out->len++] = c;
        out->str[out->len] = '\0';
        return;
    }
    g_string_append_c(out, c);
}

/* Bytes jansson escapes in a string (JSON_COMPACT, no JSON_ENSURE_ASCII,
 * no JSON_ESCAPE_SLASH): '"', '\\' and the control characters. */
static const char needs_escape[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

void vt_jsonout_append_escaped(GString *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape[c])
            continue;
        put(out, s + run, i - run);
        run = i + 1;
        char seq[6] = {'\\', 0, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"': seq[1] = '"'; break;
        case '\\': seq[1] = '\\'; break;
        case '\b': seq[1] = 'b'; break;
        case '\f': seq[1] = 'f'; break;
        case '\n': seq[1] = 'n'; break;
        case '\r': seq[1] = 'r'; break;
        case '\t': seq[1] = 't'; break;
        default:
            /* jansson: "\\u%04X" */
            seq[1] = 'u';
            seq[2] = '0';
            seq[3] = '0';
            seq[4] = hex[c >> 4];
            seq[5] = hex[c & 0xf];
            len = 6;
            break;
        }
        put(out, seq, len);
    }
    put(out, s + run, n - run);
}

static void put_string(GString *out, const char *s, size_t n)
{
    put_c(out, '"');
    vt_jsonout_append_escaped(out, s, n);
    put_c(out, '"');
}

const char *vt_jsonout_integer(json_int_t v, char buf[VT_JSONOUT_INTEGER_MAX], size_t *ret_len)
{
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    char *end = buf + VT_JSONOUT_INTEGER_MAX, *q = end;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--q = '-';
    *ret_len = (size_t)(end - q);
    return q;
}

static void put_integer(GString *out, json_int_t v)
{
    char buf[VT_JSONOUT_INTEGER_MAX];
    size_t len;
    const char *text = vt_jsonout_integer(v, buf, &len);
    put(out, text, len);
}

/* jansson's order for JSON_SORT_KEYS: the bytes, then the length. */
static int compare_keys(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    size_t la = json_object_iter_key_len(json_object_key_to_iter(a));
    size_t lb = json_object_iter_key_len(json_object_key_to_iter(b));
    int c = memcmp(a, b, MIN(la, lb));
    return c ? c : (la > lb) - (la < lb);
}

static vt_status put_value(GString *out, const json_t *v, bool sorted);

/* An object with its keys sorted (JSON_SORT_KEYS). */
static vt_status put_sorted_object(GString *out, const json_t *v)
{
    size_t n = json_object_size(v);
    const char *small[16];
    const char **keys = n <= G_N_ELEMENTS(small) ? small : g_new(const char *, n);
    size_t k = 0;
    for (void *it = json_object_iter((json_t *)v); it && k < n;
         it = json_object_iter_next((json_t *)v, it))
        keys[k++] = json_object_iter_key(it);
    qsort(keys, k, sizeof *keys, compare_keys);
    vt_status st = VT_OK;
    put_c(out, '{');
    for (size_t i = 0; i < k && st == VT_OK; i++) {
        void *it = json_object_key_to_iter(keys[i]);
        if (i > 0)
            put_c(out, ',');
        put_string(out, keys[i], json_object_iter_key_len(it));
        put_c(out, ':');
        st = put_value(out, json_object_iter_value(it), true);
    }
    put_c(out, '}');
    if (keys != small)
        g_free(keys);
    return st;
}

static vt_status put_value(GString *out, const json_t *v, bool sorted)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (sorted)
            return put_sorted_object(out, v);
        put_c(out, '{');
        bool first = true;
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (!first)
                put_c(out, ',');
            first = false;
            put_string(out, json_object_iter_key(it), json_object_iter_key_len(it));
            put_c(out, ':');
            vt_status st = put_value(out, json_object_iter_value(it), sorted);
            if (st != VT_OK)
                return st;
        }
        put_c(out, '}');
        return VT_OK;
    }
    case JSON_ARRAY: {
        put_c(out, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                put_c(out, ',');
            vt_status st = put_value(out, json_array_get(v, i), sorted);
            if (st != VT_OK)
                return st;
        }
        put_c(out, ']');
        return VT_OK;
    }
    case JSON_STRING:
        put_string(out, json_string_value(v), json_string_length(v));
        return VT_OK;
    case JSON_INTEGER:
        put_integer(out, json_integer_value(v));
        return VT_OK;
    case JSON_REAL: {
        /* Rare in the site's documents: jansson's own formatting (%.17g,
         * then ".0" or not), rather than a copy of it. */
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return vt_error_set(VT_ERR_INVALID, "cannot write the number %g as JSON",
                                json_real_value(v));
        put(out, text, strlen(text));
        free(text);
        return VT_OK;
    }
    case JSON_TRUE:
        put(out, "true", 4);
        return VT_OK;
    case JSON_FALSE:
        put(out, "false", 5);
        return VT_OK;
    case JSON_NULL:
        put(out, "null", 4);
        return VT_OK;
    }
    return vt_error_set(VT_ERR_INVALID, "not a JSON value");
}

static vt_status append(GString *out, const json_t *value, bool sorted)
{
    if (!value)
        return vt_error_set(VT_ERR_INVALID, "no JSON value to write");
    gsize start = out->len;
    vt_status st = put_value(out, value, sorted);
    if (st != VT_OK)
        g_string_truncate(out, start);
    return st;
}

vt_status vt_jsonout_append(GString *out, const json_t *value)
{
    return append(out, value, false);
}

vt_status vt_jsonout_append_sorted(GString *out, const json_t *value)
{
    return append(out, value, true);
}
