/* vt_jsonout.c: see vt_jsonout.h. The output must stay json_dumps()'s with
 * JSON_COMPACT: the site compares new files with the ones on disk, so any
 * difference would rewrite every JSON file of a site once, and golden
 * tests compare with jansson's text. */
#include "vt_jsonout.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Output is written straight into @out's buffer after one room test per
 * piece (reserve()), and NUL-terminated once at the end of a public call:
 * a piece costs a few instructions, and most pieces are a few bytes. */

/* Makes room for @n more bytes and the NUL after them; returns where they
 * go. @out->len is unchanged: the caller adds what it wrote. GLib has no
 * public reserve, so g_string_set_size() grows the buffer (doubling) and
 * the length is put back. */
static inline char *reserve(GString *out, size_t n)
{
    if (G_UNLIKELY(out->len + n >= out->allocated_len)) {
        gsize len = out->len;
        g_string_set_size(out, len + n);
        out->len = len;
    }
    return out->str + out->len;
}

static inline void put(GString *out, const char *s, size_t n)
{
    memcpy(reserve(out, n), s, n);
    out->len += n;
}

static inline void put_c(GString *out, char c)
{
    *reserve(out, 1) = c;
    out->len++;
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

/* The strings of a site's documents are short (keys and values: 13 bytes
 * on average, three quarters under 16, none over 127 in a rebuild of
 * 1,000 assets) and almost never hold a byte to escape. So the scan looks
 * at 16 bytes at once with GCC/Clang vector extensions (SSE2 on x86-64,
 * NEON on arm64, no intrinsics header) and copies them as it goes: a
 * string of 4 to 15 bytes is two overlapping halves, a longer one 16-byte
 * blocks and an overlapping last one. No load reaches past the string's
 * last byte. The table loop finds the exact byte in a block that has one,
 * and does strings under 4 bytes. Measured on that rebuild: the table loop
 * for everything under 16 bytes cost 28 million instructions more, 8-byte
 * words (SWAR) instead of vectors 24 million more. */
typedef unsigned char v16 __attribute__((vector_size(16)));
typedef uint64_t v2u64 __attribute__((vector_size(16)));

/* Whether one of the 16 bytes needs an escape: below 0x20 (no bit of
 * 0xe0 set), '"' or '\\'. */
static inline bool has_special(v16 v)
{
    v2u64 m = (v2u64)(((v & 0xe0) == 0) | (v == '"') | (v == '\\'));
    return (m[0] | m[1]) != 0;
}

/* Copies the bytes of @s[@i..@n) to @d[@i..) up to the first that needs
 * an escape; returns its index, or @n. */
static size_t copy_bytes(char *d, const char *s, size_t i, size_t n)
{
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (needs_escape[c])
            return i;
        d[i] = (char)c;
    }
    return n;
}

/* copy_clean() for @n from @w to 2 @w - 1 (@w 4 or 8): the first and last
 * @w bytes, in words that are spaces (no escape) elsewhere. */
static inline size_t copy_halves(char *d, const char *s, size_t n, size_t w)
{
    uint64_t a = 0x2020202020202020u, b = a;
    memcpy(&a, s, w);
    memcpy(&b, s + n - w, w);
    if (has_special((v16)(v2u64){a, b}))
        return copy_bytes(d, s, 0, n);
    memcpy(d, &a, w);
    memcpy(d + n - w, &b, w);
    return n;
}

/* Copies the @n bytes at @s to @d up to the first that needs an escape;
 * returns its index, or @n. */
static inline size_t copy_clean(char *d, const char *s, size_t n)
{
    if (n >= 16) {
        size_t i = 0;
        v16 v;
        for (; n - i >= 16; i += 16) {
            memcpy(&v, s + i, 16);
            if (has_special(v))
                return copy_bytes(d, s, i, n);
            memcpy(d + i, &v, 16);
        }
        if (i == n)
            return n;
        /* The bytes before @i were clean: a special one is at @i or after. */
        memcpy(&v, s + n - 16, 16);
        if (has_special(v))
            return copy_bytes(d, s, i, n);
        memcpy(d + n - 16, &v, 16);
        return n;
    }
    if (n >= 8)
        return copy_halves(d, s, n, 8);
    if (n >= 4)
        return copy_halves(d, s, n, 4);
    return copy_bytes(d, s, 0, n);
}

/* Appends @c's escape as jansson writes it: a short one, else "\\u%04X". */
static void put_escape(GString *out, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char *d = reserve(out, 6);
    d[0] = '\\';
    switch (c) {
    case '"': d[1] = '"'; break;
    case '\\': d[1] = '\\'; break;
    case '\b': d[1] = 'b'; break;
    case '\f': d[1] = 'f'; break;
    case '\n': d[1] = 'n'; break;
    case '\r': d[1] = 'r'; break;
    case '\t': d[1] = 't'; break;
    default:
        memcpy(d + 1, "u00", 3);
        d[4] = hex[c >> 4];
        d[5] = hex[c & 0xf];
        out->len += 6;
        return;
    }
    out->len += 2;
}

/* Appends @s escaped, from its byte @i, which needs an escape (or is @n). */
static void put_escaped_from(GString *out, const char *s, size_t i, size_t n)
{
    while (i < n) {
        put_escape(out, (unsigned char)s[i]);
        s += i + 1;
        n -= i + 1;
        i = copy_clean(reserve(out, n), s, n);
        out->len += i;
    }
}

void vt_jsonout_append_escaped(GString *out, const char *s, size_t n)
{
    size_t i = copy_clean(reserve(out, n), s, n);
    out->len += i;
    put_escaped_from(out, s, i, n);
    out->str[out->len] = '\0';
}

/* Appends @pre (0: none), then @s as a JSON string, then @post (0: none):
 * a key is ",\"key\":" in one piece. */
static inline void put_string(GString *out, char pre, const char *s, size_t n, char post)
{
    char *d = reserve(out, n + 4);
    if (pre)
        *d++ = pre;
    *d = '"';
    size_t i = copy_clean(d + 1, s, n);
    if (G_LIKELY(i == n)) {
        d[n + 1] = '"';
        if (post)
            d[n + 2] = post;
        out->len += (pre != 0) + n + 2 + (post != 0);
        return;
    }
    out->len += (pre != 0) + 1 + i;
    put_escaped_from(out, s, i, n);
    d = reserve(out, 2);
    d[0] = '"';
    d[1] = post;
    out->len += 1 + (post != 0);
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

/* A member of an object or array: strings, most of them, without a call. */
static inline vt_status put_member(GString *out, const json_t *v, bool sorted)
{
    if (json_is_string(v)) {
        put_string(out, 0, json_string_value(v), json_string_length(v), 0);
        return VT_OK;
    }
    return put_value(out, v, sorted);
}

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
    for (size_t i = 0; i < k && st == VT_OK; i++) {
        void *it = json_object_key_to_iter(keys[i]);
        put_string(out, i ? ',' : '{', keys[i], json_object_iter_key_len(it), ':');
        st = put_member(out, json_object_iter_value(it), true);
    }
    if (k == 0)
        put_c(out, '{');
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
        /* '{' goes with the first key, ',' with the others. */
        char pre = '{';
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            put_string(out, pre, json_object_iter_key(it), json_object_iter_key_len(it), ':');
            pre = ',';
            vt_status st = put_member(out, json_object_iter_value(it), sorted);
            if (st != VT_OK)
                return st;
        }
        if (pre == '{')
            put_c(out, '{');
        put_c(out, '}');
        return VT_OK;
    }
    case JSON_ARRAY: {
        put_c(out, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                put_c(out, ',');
            vt_status st = put_member(out, json_array_get(v, i), sorted);
            if (st != VT_OK)
                return st;
        }
        put_c(out, ']');
        return VT_OK;
    }
    case JSON_STRING:
        put_string(out, 0, json_string_value(v), json_string_length(v), 0);
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
    else
        out->str[out->len] = '\0';
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
