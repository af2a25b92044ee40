/* test_jsonout.c: vt_jsonout_append() writes what json_dumps(JSON_COMPACT)
 * writes, and vt_jsonout_append_sorted() what it writes with
 * JSON_SORT_KEYS, byte for byte (the site compares files with the ones on disk,
 * and golden tests hold jansson's text); vt_jsonout_append_escaped() a
 * string's text between its quotes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vt_jsonout.h"

/* One encoder against json_dumps() with @flags on @v: exactly the same. */
static void assert_same_as(const json_t *v, size_t flags,
                           vt_status (*append)(GString *, const json_t *))
{
    char *expected = json_dumps(v, flags | JSON_COMPACT | JSON_ENCODE_ANY);
    g_assert_nonnull(expected);
    GString *out = g_string_new("prefix:");
    g_assert_cmpint(append(out, v), ==, VT_OK);
    g_assert_cmpstr(out->str + strlen("prefix:"), ==, expected);
    g_assert_cmpuint(out->len, ==, strlen("prefix:") + strlen(expected));
    g_string_free(out, TRUE);
    free(expected);
}

/* Both encoders on @v, in insertion order and sorted (JSON_SORT_KEYS, what
 * core/vt_staff.c's versions hash); they must agree exactly. */
static void assert_same(const json_t *v)
{
    assert_same_as(v, 0, vt_jsonout_append);
    assert_same_as(v, JSON_SORT_KEYS, vt_jsonout_append_sorted);
}

static void test_scalars(void)
{
    static const json_int_t ints[] = {0, 1, -1, 9, 10, 42, -1234567, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < G_N_ELEMENTS(ints); i++) {
        json_t *v = json_integer(ints[i]);
        assert_same(v);
        json_decref(v);
    }
    static const double reals[] = {0.0, 1.0, -2.5, 1.21, 1e300, 3.14159265358979, 1e-7};
    for (size_t i = 0; i < G_N_ELEMENTS(reals); i++) {
        json_t *v = json_real(reals[i]);
        assert_same(v);
        json_decref(v);
    }
    assert_same(json_true());
    assert_same(json_false());
    assert_same(json_null());
}

static void test_strings(void)
{
    static const char *const texts[] = {
        "", "plain", "quote \" and backslash \\ and slash /", "tab\tnewline\nreturn\rff\fbs\b",
        "\x01\x02\x1f\x7f end", "UTF-8: é ü ß – 日本 😀", "<span>&amp;</span>",
        "http://127.0.0.1:8080/iiif/0123456789abcdef/manifest.json",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        json_t *v = json_string(texts[i]);
        assert_same(v);
        json_decref(v);
    }
    /* Every control character, and a NUL inside the string. */
    char all[33];
    for (int c = 1; c < 32; c++)
        all[c - 1] = (char)c;
    all[31] = '\0';
    json_t *v = json_string(all);
    assert_same(v);
    json_decref(v);
    v = json_stringn("a\0b", 3);
    assert_same(v);
    json_decref(v);
}

/* The escaped content of @n bytes at @s, written whole and in two pieces
 * split at every byte (the activity pages escape a base URL apart from
 * what follows it): json_dumps()'s string without its quotes each time. */
static void assert_escaped(const char *s, size_t n)
{
    json_t *v = json_stringn_nocheck(s, n);
    char *dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    g_assert_nonnull(dumped);
    size_t len = strlen(dumped);
    g_assert_cmpuint(len, >=, 2);
    g_autofree char *expected = g_strndup(dumped + 1, len - 2);
    for (size_t cut = 0; cut <= n; cut++) {
        GString *out = g_string_new("prefix:");
        vt_jsonout_append_escaped(out, s, cut);
        vt_jsonout_append_escaped(out, s + cut, n - cut);
        g_assert_cmpstr(out->str + strlen("prefix:"), ==, expected);
        g_assert_cmpuint(out->len, ==, strlen("prefix:") + len - 2);
        g_string_free(out, TRUE);
    }
    free(dumped);
    json_decref(v);
}

static void test_escaped(void)
{
    static const char *const texts[] = {
        "", "plain", "\"", "\\", "quote \" and backslash \\ and slash /",
        "tab\tnewline\nreturn\rff\fbs\b", "\x01\x02\x1f\x7f end",
        "UTF-8: é ü ß – 日本 😀", "</script><!--", "http://127.0.0.1:8080/a\"b/activity",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
        assert_escaped(texts[i], strlen(texts[i]));
    char all[32];
    for (int c = 0; c < 32; c++)
        all[c] = (char)c;
    assert_escaped(all, sizeof all);
    assert_escaped("a\0b", 3);
    /* Bytes past @n are not read. */
    GString *out = g_string_new(NULL);
    vt_jsonout_append_escaped(out, "ab\"", 2);
    g_assert_cmpstr(out->str, ==, "ab");
    g_string_free(out, TRUE);
}

/* @s (@n bytes, valid UTF-8) as a string value, as an object's only key
 * (in both orders) and escaped without its quotes: json_dumps()'s text
 * each time. */
static void assert_string_everywhere(const char *s, size_t n, bool split)
{
    json_t *v = json_stringn(s, n);
    g_assert_nonnull(v);
    assert_same(v);
    json_t *obj = json_object();
    g_assert_cmpint(json_object_setn_new(obj, s, n, v), ==, 0);
    json_object_set_new(obj, "z", json_stringn(s, n));
    assert_same(obj);
    json_decref(obj);
    if (split) {
        assert_escaped(s, n);
    } else {
        GString *out = g_string_new(NULL);
        vt_jsonout_append_escaped(out, s, n);
        json_t *alone = json_stringn(s, n);
        char *dumped = json_dumps(alone, JSON_COMPACT | JSON_ENCODE_ANY);
        g_assert_cmpuint(out->len, ==, strlen(dumped) - 2);
        g_assert_cmpmem(out->str, out->len, dumped + 1, strlen(dumped) - 2);
        g_assert_cmpint(out->str[out->len], ==, '\0');
        free(dumped);
        json_decref(alone);
        g_string_free(out, TRUE);
    }
}

/* The scan looks at 16 bytes at once (two overlapping halves under 16, an
 * overlapping last block above): every length from 0 to 40 with each byte
 * that needs an escape, and a few that do not, at every position, then
 * with a second one at every later position (a block after an escape, the
 * last block over bytes already escaped). */
static void test_every_position(void)
{
    static const char fillers[][3] = {"a", "\x7f", "\xc3\xa9"}; /* é: two bytes */
    char specials[36];
    size_t n_specials = 0;
    for (int c = 0; c < 0x20; c++)
        specials[n_specials++] = (char)c;
    specials[n_specials++] = '"';
    specials[n_specials++] = '\\';
    specials[n_specials++] = ' ';  /* 0x20, the first byte not escaped */
    specials[n_specials++] = '/';  /* not escaped without JSON_ESCAPE_SLASH */
    char s[48];
    for (size_t f = 0; f < G_N_ELEMENTS(fillers); f++) {
        size_t flen = strlen(fillers[f]);
        for (size_t n = 0; n <= 40; n++) {
            /* @n bytes of filler (whole characters: é's two bytes stay
             * together, so @n is rounded down for it). */
            size_t len = n - n % flen;
            for (size_t i = 0; i < len; i += flen)
                memcpy(s + i, fillers[f], flen);
            assert_string_everywhere(s, len, true);
            for (size_t at = 0; at < len; at += flen) {
                for (size_t k = 0; k < n_specials; k++) {
                    char t[48];
                    memcpy(t, s, len);
                    /* One byte replaces a character of @flen bytes: the
                     * string gets shorter by @flen - 1 and stays UTF-8. */
                    t[at] = specials[k];
                    memmove(t + at + 1, s + at + flen, len - at - flen);
                    size_t tlen = len - flen + 1;
                    assert_string_everywhere(t, tlen, f == 0 && k % 8 == 0);
                    for (size_t at2 = at + 1; k % 7 == 0 && at2 < tlen; at2++) {
                        if ((unsigned char)t[at2] >= 0x80)
                            continue; /* inside é */
                        char u[48];
                        memcpy(u, t, tlen);
                        u[at2] = k % 2 ? '\n' : '"';
                        assert_string_everywhere(u, tlen, false);
                    }
                }
            }
        }
    }
}

/* Random strings of random lengths over an alphabet weighted towards what
 * needs an escape, with multi-byte UTF-8 (2, 3 and 4 bytes), as values,
 * keys and escaped text. Seeded by g_test (--seed to replay). */
static void test_random_strings(void)
{
    static const char *const pieces[] = {
        "a", "Z", "0", " ", "/", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "\0",
        "é", "–", "日", "😀", "</script>", "\\u0000",
    };
    for (int round = 0; round < 3000; round++) {
        GString *s = g_string_new(NULL);
        int count = g_test_rand_int_range(0, 40);
        for (int i = 0; i < count; i++) {
            const char *p = pieces[g_test_rand_int_range(0, G_N_ELEMENTS(pieces))];
            g_string_append_len(s, p, p[0] ? (gssize)strlen(p) : 1);
        }
        assert_string_everywhere(s->str, s->len, round % 10 == 0);
        g_string_free(s, TRUE);
    }
}

/* Output that crosses the end of the GString's buffer at every point:
 * the room test before each piece grows it, what was written before
 * stays, and the NUL after the text is inside the buffer. */
static void assert_appended(GString *out, size_t prefix, const char *expected)
{
    g_assert_cmpuint(out->len, ==, prefix + strlen(expected));
    g_assert_cmpuint(out->len, <, out->allocated_len);
    g_assert_cmpstr(out->str + prefix, ==, expected);
    for (size_t i = 0; i < prefix; i++)
        g_assert_cmpint(out->str[i], ==, 'p');
}

static void test_growth(void)
{
    json_t *doc = json_pack("{s:s, s:[s, i, {}, []], s:{s:s}, s:s}", "id",
                            "http://127.0.0.1:8080/iiif/0123456789abcdef/manifest.json", "items",
                            "a\"b", 12345, "obj", "k", "nested\nvalue", "label",
                            "Intervention 2019.00012: é – 日本");
    g_assert_nonnull(doc);
    char *expected = json_dumps(doc, JSON_COMPACT);
    for (size_t prefix = 0; prefix < 300; prefix++) {
        GString *out = g_string_sized_new(0);
        for (size_t i = 0; i < prefix; i++)
            g_string_append_c(out, 'p');
        g_assert_cmpint(vt_jsonout_append(out, doc), ==, VT_OK);
        assert_appended(out, prefix, expected);
        g_string_free(out, TRUE);

        out = g_string_sized_new(0);
        for (size_t i = 0; i < prefix; i++)
            g_string_append_c(out, 'p');
        vt_jsonout_append_escaped(out, "0123456789abcdef\"0123456789abcdef", 33);
        assert_appended(out, prefix, "0123456789abcdef\\\"0123456789abcdef");
        g_string_free(out, TRUE);
    }
    free(expected);
    json_decref(doc);
}

/* No load reaches past a string's last byte: strings that end where an
 * unreadable page begins, of every length up to 40, clean and with a byte
 * to escape at the end. */
static void test_no_overread(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpint(mprotect(map + page, page, PROT_NONE), ==, 0);
    for (size_t n = 0; n <= 40; n++) {
        for (int last = 0; last < 2; last++) {
            char *s = map + page - n;
            memset(s, 'a', n);
            if (last && n > 0)
                s[n - 1] = '"';
            GString *out = g_string_new(NULL);
            vt_jsonout_append_escaped(out, s, n);
            g_assert_cmpuint(out->len, ==, n + (last && n > 0));
            g_string_free(out, TRUE);
        }
    }
    munmap(map, 2 * page);
}

static void test_containers(void)
{
    json_t *doc = json_pack(
        "{s:[s, s], s:s, s:{}, s:[], s:{s:[{s:s, s:i}, {s:b, s:n}]}, s:f, s:{s:[s]}}",
        "@context", "http://iiif.io/api/search/2/context.json",
        "http://iiif.io/api/presentation/3/context.json", "id", "x\"y", "empty", "list",
        "nested", "items", "k\n", "v", "n", -3, "t", 1, "z", "real", 2.0, "label", "none",
        "Intervention 2019.00012: Retable \\ triptyque");
    g_assert_nonnull(doc);
    /* Keys in insertion order, as jansson writes them; one of them with a
     * character to escape. */
    json_object_set_new(doc, "b\tkey", json_integer(1));
    json_object_set_new(doc, "a", json_integer(2));
    json_object_del(doc, "empty");
    json_object_set_new(doc, "empty", json_object());
    assert_same(doc);
    json_decref(doc);

    /* Sorting: keys that are prefixes of others, upper before lower case,
     * bytes above 127 last, a NUL inside a key, nested objects and objects
     * inside arrays sorted too. */
    json_t *keys = json_pack("{s:i, s:i, s:i, s:i, s:i, s:[{s:i, s:i}], s:{s:i, s:i}}", "ab", 1,
                             "a", 2, "é", 3, "B", 4, "", 5, "list", "z", 1, "y", 2, "obj", "q",
                             1, "p", 2);
    g_assert_nonnull(keys);
    json_object_setn_new(keys, "a\0b", 3, json_integer(6));
    assert_same(keys);
    GString *sorted = g_string_new(NULL);
    g_assert_cmpint(vt_jsonout_append_sorted(sorted, keys), ==, VT_OK);
    g_assert_cmpstr(sorted->str, ==,
                    "{\"\":5,\"B\":4,\"a\":2,\"a\\u0000b\":6,\"ab\":1,\"list\":[{\"y\":2,\"z\":1}],"
                    "\"obj\":{\"p\":2,\"q\":1},\"é\":3}");
    g_string_free(sorted, TRUE);
    json_decref(keys);

    /* Empty objects and arrays, nested and at the top. */
    json_t *empties = json_pack("{s:{}, s:[], s:[{}], s:[[]], s:{s:{s:[]}}, s:[[], {}, []]}", "a",
                                "b", "c", "d", "e", "f", "g", "h");
    g_assert_nonnull(empties);
    assert_same(empties);
    json_t *empty = json_object();
    assert_same(empty);
    json_decref(empty);
    empty = json_array();
    assert_same(empty);
    json_decref(empty);
    json_decref(empties);

    /* Sorted keys that are prefixes of each other, some needing escapes. */
    json_t *prefixes = json_object();
    static const char *const names[] = {"key", "ke", "k", "key2", "key\"", "ke\n", "", "key10", "key1"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        json_object_set_new(prefixes, names[i], json_integer((json_int_t)i));
    json_object_setn_new(prefixes, "key\0", 4, json_integer(99));
    assert_same(prefixes);
    json_decref(prefixes);

    /* A larger document: many keys (jansson's hash table grows). */
    json_t *big = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < 500; i++) {
        char key[32];
        g_snprintf(key, sizeof key, "key-%d", i);
        json_object_set_new(big, key, json_sprintf("value %d é", i));
        json_array_append_new(arr, json_integer(i * 7919));
    }
    json_object_set_new(big, "array", arr);
    assert_same(big);
    json_decref(big);
}

static void test_null(void)
{
    GString *out = g_string_new("kept");
    g_assert_cmpint(vt_jsonout_append(out, NULL), ==, VT_ERR_INVALID);
    g_assert_cmpstr(out->str, ==, "kept");
    g_string_free(out, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/jsonout/scalars", test_scalars);
    g_test_add_func("/jsonout/strings", test_strings);
    g_test_add_func("/jsonout/escaped", test_escaped);
    g_test_add_func("/jsonout/every-position", test_every_position);
    g_test_add_func("/jsonout/random-strings", test_random_strings);
    g_test_add_func("/jsonout/growth", test_growth);
    g_test_add_func("/jsonout/no-overread", test_no_overread);
    g_test_add_func("/jsonout/containers", test_containers);
    g_test_add_func("/jsonout/null", test_null);
    return g_test_run();
}
