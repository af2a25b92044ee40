/* test_jsonout.c: vt_jsonout_append() writes what json_dumps(JSON_COMPACT)
 * writes, and vt_jsonout_append_sorted() what it writes with
 * JSON_SORT_KEYS, byte for byte (the site compares files with the ones on disk,
 * and golden tests hold jansson's text); vt_jsonout_append_escaped() a
 * string's text between its quotes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    g_test_add_func("/jsonout/containers", test_containers);
    g_test_add_func("/jsonout/null", test_null);
    return g_test_run();
}
