/* test_record.c: stored records (vt_record.h) read back what was written,
 * item by item, and a cut or lying record reads as VT_RECORD_BAD, never
 * past its end. */
#include <string.h>

#include "vt_record.h"

static void expect(vt_record_reader *r, vt_record_kind kind, const char *value, size_t len)
{
    const char *v;
    size_t n;
    g_assert_cmpint(vt_record_next(r, &v, &n), ==, kind);
    g_assert_cmpuint(n, ==, len);
    g_assert_true(len == 0 || memcmp(v, value, len) == 0);
}

static void test_round_trip(void)
{
    GString *out = g_string_new("old contents");
    vt_record_start(out);
    g_assert_true(vt_record_is_binary(out->str, out->len));
    g_assert_cmpuint(out->len, ==, 1);

    char *long_text = g_strnfill(300, 'v');   /* a two-byte length */
    static const char with_nul[] = {'a', '\0', 'b'};
    vt_record_append(out, VT_RECORD_ID, "0123456789abcdef", 16);
    vt_record_append(out, VT_RECORD_LABEL, "", 0);
    vt_record_append(out, VT_RECORD_TEXT, long_text, 300);
    vt_record_append(out, VT_RECORD_TEXT, "Röntgenaufnahme", strlen("Röntgenaufnahme"));
    vt_record_append(out, VT_RECORD_ANNOTATION_ID, "anno-1", 6);
    vt_record_append(out, VT_RECORD_ANNOTATION_TEXT, with_nul, sizeof with_nul);
    vt_record_append(out, (vt_record_kind)'z', "later", 5);   /* a kind of a later writer */

    vt_record_reader r;
    vt_record_reader_init(&r, out->str, out->len);
    expect(&r, VT_RECORD_ID, "0123456789abcdef", 16);
    expect(&r, VT_RECORD_LABEL, "", 0);
    expect(&r, VT_RECORD_TEXT, long_text, 300);
    expect(&r, VT_RECORD_TEXT, "Röntgenaufnahme", strlen("Röntgenaufnahme"));
    expect(&r, VT_RECORD_ANNOTATION_ID, "anno-1", 6);
    expect(&r, VT_RECORD_ANNOTATION_TEXT, with_nul, sizeof with_nul);
    expect(&r, (vt_record_kind)'z', "later", 5);
    expect(&r, VT_RECORD_END, NULL, 0);
    expect(&r, VT_RECORD_END, NULL, 0);

    /* Every cut of the record: the items before the cut, then BAD (or END
     * exactly at an item boundary), never a byte past the cut. */
    for (size_t cut = 1; cut < out->len; cut++) {
        char *copy = g_memdup2(out->str, cut);
        vt_record_reader_init(&r, copy, cut);
        const char *v;
        size_t n;
        vt_record_kind k;
        while ((k = vt_record_next(&r, &v, &n)) != VT_RECORD_END && k != VT_RECORD_BAD)
            g_assert_true(v >= copy && v + n <= copy + cut);
        if (k == VT_RECORD_BAD)
            expect(&r, VT_RECORD_BAD, NULL, 0);   /* and it stays so */
        g_free(copy);
    }
    g_free(long_text);
    g_string_free(out, TRUE);
}

static void test_bad(void)
{
    vt_record_reader r;
    /* Legacy JSON records are not this format. */
    const char *json = "{\"id\":\"ab\"}";
    g_assert_false(vt_record_is_binary(json, strlen(json)));
    g_assert_false(vt_record_is_binary("", 0));
    vt_record_reader_init(&r, json, strlen(json));
    expect(&r, VT_RECORD_BAD, NULL, 0);

    /* A length past the end, a length of six LEB128 bytes, kind 0. */
    static const char past[] = {VT_RECORD_MAGIC, 'i', 5, 'a', 'b'};
    vt_record_reader_init(&r, past, sizeof past);
    expect(&r, VT_RECORD_BAD, NULL, 0);
    static const char endless[] = {VT_RECORD_MAGIC, 't', '\x80', '\x80', '\x80', '\x80', '\x80', 1};
    vt_record_reader_init(&r, endless, sizeof endless);
    expect(&r, VT_RECORD_BAD, NULL, 0);
    static const char zero[] = {VT_RECORD_MAGIC, 0, 0};
    vt_record_reader_init(&r, zero, sizeof zero);
    expect(&r, VT_RECORD_BAD, NULL, 0);
    /* A length over VT_RECORD_ITEM_MAX (2^30 + 1, five bytes). */
    static const char over[] = {VT_RECORD_MAGIC, 't', '\x81', '\x80', '\x80', '\x80', 4};
    vt_record_reader_init(&r, over, sizeof over);
    expect(&r, VT_RECORD_BAD, NULL, 0);
    /* The magic byte alone: a record without items. */
    static const char empty[] = {VT_RECORD_MAGIC};
    vt_record_reader_init(&r, empty, sizeof empty);
    expect(&r, VT_RECORD_END, NULL, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/record/round-trip", test_round_trip);
    g_test_add_func("/record/bad", test_bad);
    return g_test_run();
}
