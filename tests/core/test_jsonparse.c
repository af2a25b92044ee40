/* test_jsonparse.c: vt_jsonparse_load() returns what json_loadb() returns,
 * on the records the store holds and on every case where simdjson and
 * jansson could part: the same tree (values, key order, integer or real,
 * a real's every bit) or the same error text, line, column and position.
 * fuzz/fuzz_jsonparse.c checks the same on arbitrary bytes. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "vt_jsonparse.h"

/* jansson's own text of @v: insertion order of keys, "1" for an integer
 * and "1.0" for a real, reals to 17 digits (every bit, the sign of zero
 * too). NULL for NULL. */
static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

/* Both parsers on the @len bytes at @text with @flags: the same tree or
 * the same error, and the same error struct either way. Returns the tree
 * (NULL on error) for the caller's own checks. */
static json_t *assert_same_flags(const char *text, size_t len, size_t flags)
{
    json_error_t want_error, got_error;
    memset(&want_error, 0x55, sizeof want_error);
    memset(&got_error, 0xaa, sizeof got_error);
    json_t *want = json_loadb(text, len, flags, &want_error);
    json_t *got = vt_jsonparse_load(text, len, flags, &got_error);

    g_autofree char *want_text = dump(want);
    g_autofree char *got_text = dump(got);
    g_assert_cmpstr(got_text, ==, want_text);
    g_assert_true((want == NULL) == (got == NULL));
    g_assert_true(want == NULL || json_equal(want, got));
    g_assert_cmpstr(got_error.text, ==, want_error.text);
    g_assert_cmpstr(got_error.source, ==, want_error.source);
    g_assert_cmpint(got_error.line, ==, want_error.line);
    g_assert_cmpint(got_error.column, ==, want_error.column);
    g_assert_cmpint(got_error.position, ==, want_error.position);
    /* No error struct at all is allowed, as jansson allows it. */
    json_t *again = vt_jsonparse_load(text, len, flags, NULL);
    g_autofree char *again_text = dump(again);
    g_assert_cmpstr(again_text, ==, want_text);
    json_decref(again);
    json_decref(want);
    return got;
}

/* The same, without and with JSON_DECODE_ANY, for text without NULs. */
static json_t *assert_same(const char *text)
{
    json_decref(assert_same_flags(text, strlen(text), JSON_DECODE_ANY));
    return assert_same_flags(text, strlen(text), 0);
}

/* @text parses, with JSON_DECODE_ANY, to what jansson makes of it. */
static void assert_parses(const char *text)
{
    json_t *v = assert_same_flags(text, strlen(text), JSON_DECODE_ANY);
    g_assert_nonnull(v);
    json_decref(v);
}

/* @text is refused, with @message, by both, with and without
 * JSON_DECODE_ANY. */
static void assert_refused_len(const char *text, size_t len, const char *message)
{
    json_error_t error;
    for (int any = 0; any < 2; any++) {
        size_t flags = any ? JSON_DECODE_ANY : 0;
        g_assert_null(assert_same_flags(text, len, flags));
        g_assert_null(vt_jsonparse_load(text, len, flags, &error));
        g_assert_cmpstr(error.text, ==, message);
    }
}

static void assert_refused(const char *text, const char *message)
{
    assert_refused_len(text, strlen(text), message);
}

/* The keys of object @v, in order, joined by ",". */
static char *keys_of(const json_t *v)
{
    GString *out = g_string_new(NULL);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)v, key, value) g_string_append_printf(out, "%s%s",
                                                                        out->len ? "," : "", key);
    return g_string_free(out, FALSE);
}

/* The shapes the store holds: an asset record as vt_asset writes it, a
 * harvest record, a term count, an audit entry. */
static void test_records(void)
{
    static const char asset[] =
        "{\"v\":1,\"id\":\"0011ded370d18484\",\"department\":\"xray\",\"state\":\"ready\","
        "\"source\":\"2000.00217_0011ded370d18484_ultraviolet.tif\",\"original\":\"/srv/o/xray/"
        "2000.00217_0011ded370d18484_ultraviolet.tif\",\"sha256\":"
        "\"0011ded370d18484ac189a82b826542c7532ce5a2c07776c2b531afd49927cee\",\"size\":"
        "240123904,\"image\":\"/srv/i/0011ded370d18484.tif\",\"tiles\":null,\"thumbnail\":null,"
        "\"download\":null,\"width\":8583,\"height\":3374,\"format\":\"tiff\",\"intervention\":"
        "\"2000.00217\",\"visibility\":\"public\",\"created\":1672532069,\"updated\":1672532069,"
        "\"attempts\":1,\"next_attempt\":0,\"reason\":null,\"embedded\":{\"exif\":{\"Make\":"
        "\"Nikon\",\"FNumber\":5.6,\"Flash\":false}},\"custom\":{\"title\":[{\"value\":"
        "\"stilleven met bloemen, ultraviolet\",\"lang\":\"nl\"},{\"value\":\"nature morte aux "
        "fleurs \\u00e9t\\u00e9 \\\"\\u2013\\\" \\ud83d\\ude00\",\"lang\":\"fr\"},{\"value\":"
        "\"still life with flowers\\n\\t\\/\\\\\",\"lang\":\"en\"}],\"keywords\":[{\"value\":"
        "\"retable\"},{\"value\":\"houtworm \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"}],"
        "\"creator\":[{\"value\":\"Jan van Eyck\"}],\"material\":[]}}";
    json_t *v = assert_same(asset);
    g_assert_nonnull(v);
    g_autofree char *keys = keys_of(v);
    g_assert_cmpstr(keys, ==,
                    "v,id,department,state,source,original,sha256,size,image,tiles,thumbnail,"
                    "download,width,height,format,intervention,visibility,created,updated,"
                    "attempts,next_attempt,reason,embedded,custom");
    g_assert_true(json_is_integer(json_object_get(v, "size")));
    g_assert_true(json_is_real(json_object_get(json_object_get(json_object_get(v, "embedded"),
                                                               "exif"),
                                               "FNumber")));
    json_decref(v);

    json_decref(assert_same("{\"fields\":{\"title\":[{\"value\":\"Retable\",\"lang\":\"nl\"}],"
                            "\"date\":\"1432\",\"inventory\":\"2000.00002\"},\"fetched\":"
                            "1672531200,\"source\":\"http://cms.example/api/2000.00002\"}"));
    json_decref(assert_same("{\"count\":12,\"public\":9,\"display\":\"Anonymous\"}"));
    json_decref(assert_same("{\"time\":1672531200,\"user\":\"anna\",\"via\":\"web\",\"change\":"
                            "\"set\",\"before\":{\"title\":null},\"after\":{\"title\":[{\"value\":"
                            "\"X\",\"lang\":\"en\"}]}}"));
    /* Whitespace anywhere JSON allows it, as a hand-written record has. */
    json_decref(assert_same(" \t\r\n{ \"a\" : [ 1 , 2.5 , true , false , null , { } , [ ] ] }\n "));
}

static void test_key_order(void)
{
    json_t *v = assert_same("{\"b\":1,\"a\":2,\"c\":{\"z\":1,\"y\":2,\"x\":3},\"\":4}");
    g_autofree char *keys = keys_of(v);
    g_assert_cmpstr(keys, ==, "b,a,c,");
    g_autofree char *inner = keys_of(json_object_get(v, "c"));
    g_assert_cmpstr(inner, ==, "z,y,x");
    json_decref(v);

    /* Many keys: jansson's hash table grows while the object is built. */
    GString *big = g_string_new("{");
    for (int i = 500; i > 0; i--)
        g_string_append_printf(big, "%s\"k%d\":[%d,\"v%d\"]", i == 500 ? "" : ",", i, i, i);
    g_string_append_c(big, '}');
    json_decref(assert_same(big->str));
    g_string_free(big, TRUE);
}

/* The later of two equal keys replaces the earlier's value, in the
 * earlier's place; JSON_REJECT_DUPLICATES is jansson's alone. */
static void test_duplicates(void)
{
    const char *text = "{\"a\":1,\"b\":2,\"a\":{\"x\":1,\"x\":[3]},\"c\":3,\"b\":null}";
    json_t *v = assert_same(text);
    g_autofree char *keys = keys_of(v);
    g_assert_cmpstr(keys, ==, "a,b,c");
    g_autofree char *got = dump(v);
    g_assert_cmpstr(got, ==, "{\"a\":{\"x\":[3]},\"b\":null,\"c\":3}");
    json_decref(v);
    g_assert_null(assert_same_flags(text, strlen(text), JSON_REJECT_DUPLICATES));
    json_error_t error;
    g_assert_null(vt_jsonparse_load(text, strlen(text), JSON_REJECT_DUPLICATES, &error));
    g_assert_cmpstr(error.text, ==, "duplicate object key near '\"a\"'");
}

static void test_integers(void)
{
    static const char *const fit[] = {
        "0", "-0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808",
        "[1,-2,300000000000]",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(fit); i++)
        assert_parses(fit[i]);
    json_t *zero = vt_jsonparse_load("-0", 2, JSON_DECODE_ANY, NULL);
    g_assert_true(json_is_integer(zero));
    json_decref(zero);

    /* Past json_int_t: jansson's errors (simdjson has the first four as
     * uint64 or refuses them). */
    assert_refused("[9223372036854775808]", "too big integer near '9223372036854775808'");
    assert_refused("[18446744073709551615]", "too big integer near '18446744073709551615'");
    assert_refused("[18446744073709551616]", "too big integer near '18446744073709551616'");
    assert_refused("[-9223372036854775809]",
                   "too big negative integer near '-9223372036854775809'");
    assert_refused("[123456789012345678901234567890]",
                   "too big integer");
    json_decref(assert_same("{\"n\":99999999999999999999}"));
    /* Not numbers. */
    static const char *const bad[] = {
        "[01]", "[-]", "[1.]", "[.5]", "[+1]", "[1e]", "[1e+]", "[-01]", "[0x10]", "[NaN]",
        "[Infinity]", "[-Infinity]", "[1 2]", "[1,]", "[,1]",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_null(assert_same(bad[i]));
}

static void test_reals(void)
{
    static const char *const reals[] = {
        "0.1", "1e308", "-0.0", "-0e5", "0e999999999999999999999", "5e-324", "4e-324", "2e-324",
        "1e-400", "-1e-400", "2.2250738585072011e-308", "2.2250738585072014e-308",
        "1.7976931348623157e308", "1.0", "1e2", "1E+2", "1e-2", "100e-2", "0.30000000000000004",
        "3.141592653589793238462643383279502884197169399375105820974944592307816406286",
        "123456789012345678901234567890.5", "9007199254740993.0", "-1.5e-10",
        "0.000000000000000000000000000000000000000000000000000000000000000001",
        "[1.7976931348623157e308,-2.5]",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(reals); i++) {
        assert_parses(reals[i]);
        json_t *v = vt_jsonparse_load(reals[i], strlen(reals[i]), JSON_DECODE_ANY, NULL);
        g_assert_true(json_is_real(v) || json_is_array(v));
        json_decref(v);
    }
    /* -0.0 keeps its sign (assert_same compares jansson's text of it). */
    json_t *neg = vt_jsonparse_load("-0.0", 4, JSON_DECODE_ANY, NULL);
    g_assert_true(signbit(json_real_value(neg)));
    json_decref(neg);
    /* Overflow is jansson's error. */
    assert_refused("[1e309]", "real number overflow near '1e309'");
    assert_refused("[1.7976931348623159e308]", "real number overflow");
    assert_refused("[-1e400]", "real number overflow near '-1e400'");
}

/* A NUL in a string needs JSON_ALLOW_NUL; in a key jansson never takes it. */
static void test_nul(void)
{
    assert_refused("[\"a\\u0000b\"]",
                   "\\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'");
    assert_refused("{\"a\\u0000b\":1}",
                   "NUL byte in object key not supported near '\"a\\u0000b\"'");
    const char *text = "[\"a\\u0000b\"]";
    json_t *v = assert_same_flags(text, strlen(text), JSON_ALLOW_NUL);
    g_assert_cmpuint(json_string_length(json_array_get(v, 0)), ==, 3);
    json_decref(v);
    /* A raw NUL byte, in a string, after the text, or the whole input. */
    assert_refused_len("[\"a\0b\"]", 7, "control character 0x0 near '\"a'");
    assert_refused_len("[1]\0", 4, "end of file expected near end of file");
    g_assert_null(assert_same_flags("\0", 1, JSON_DECODE_ANY));
    g_assert_null(assert_same_flags("{}\0{}", 5, 0));
}

static void test_nesting(void)
{
    /* simdjson nests to 1024 levels, jansson to 2048: deeper text goes
     * to jansson, which takes it or gives its own error. */
    static const int depths[] = {1, 2, 100, 1023, 1024, 1025, 2047, 2048, 2049, 5000};
    for (size_t i = 0; i < G_N_ELEMENTS(depths); i++) {
        int d = depths[i];
        GString *arrays = g_string_new(NULL);
        GString *objects = g_string_new(NULL);
        for (int k = 0; k < d; k++) {
            g_string_append_c(arrays, '[');
            g_string_append(objects, "{\"k\":");
        }
        g_string_append(objects, "1");
        for (int k = 0; k < d; k++) {
            g_string_append_c(arrays, ']');
            g_string_append_c(objects, '}');
        }
        json_t *v = assert_same(arrays->str);
        g_assert_true((v != NULL) == (d <= 2048));
        json_decref(v);
        json_decref(assert_same(objects->str));
        /* Unclosed. */
        g_string_truncate(arrays, arrays->len - 1);
        g_assert_null(assert_same(arrays->str));
        g_string_free(arrays, TRUE);
        g_string_free(objects, TRUE);
    }
}

static void test_syntax(void)
{
    json_error_t error;
    g_assert_null(assert_same(""));
    g_assert_null(assert_same("   \n\t"));
    g_assert_null(vt_jsonparse_load("", 0, 0, &error));
    g_assert_cmpstr(error.text, ==, "'[' or '{' expected near end of file");
    g_assert_null(vt_jsonparse_load(NULL, 3, 0, &error));
    g_assert_cmpstr(error.text, ==, "wrong arguments");

    /* Trailing text. */
    assert_refused("{} x", "end of file expected near 'x'");
    assert_refused("{}{}", "end of file expected near '{'");
    assert_refused("[1]]", "end of file expected near ']'");
    assert_refused("[1] // note", "end of file expected near '/'");
    /* JSON_DISABLE_EOF_CHECK is jansson's alone. */
    json_decref(assert_same_flags("{\"a\":1} x", 9, JSON_DISABLE_EOF_CHECK));
    json_decref(assert_same_flags("[1,2.0]", 7, JSON_DECODE_INT_AS_REAL));

    /* A scalar at the top only with JSON_DECODE_ANY. */
    static const char *const scalars[] = {"1", "-2.5", "\"s\"", "true", "false", "null", " 7 "};
    for (size_t i = 0; i < G_N_ELEMENTS(scalars); i++) {
        g_assert_null(assert_same_flags(scalars[i], strlen(scalars[i]), 0));
        json_t *v = assert_same_flags(scalars[i], strlen(scalars[i]), JSON_DECODE_ANY);
        g_assert_nonnull(v);
        json_decref(v);
    }
    g_assert_null(vt_jsonparse_load("1", 1, 0, &error));
    g_assert_cmpstr(error.text, ==, "'[' or '{' expected near '1'");

    static const char *const bad[] = {
        "{", "[", "}", "]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1,}",
        "[tru]", "[True]", "[nul]", "[nulll]", "[\"unclosed]", "[\"a\"\"b\"]", "\xef\xbb\xbf{}",
        "[\"\\x\"]", "[\"\\u12\"]", "[\"\\u12g4\"]", "\v[]", "\f[]", "[1,\v2]", "/**/[]",
        "[\"a\tb\"]", "[\"a\nb\"]", "[\"\x1f\"]", "[\"\x7f\"]", "[\"\\U0041\"]",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        json_decref(assert_same(bad[i]));
    /* Every escape JSON has. */
    json_decref(assert_same("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\uD834\\uDD1E\"]"));
}

static void test_utf8(void)
{
    static const char *const good[] = {
        "[\"\xc3\xa9\"]", "[\"\xe2\x82\xac\"]", "[\"\xf0\x9f\x98\x80\"]", "[\"\xf4\x8f\xbf\xbf\"]",
        "[\"\xef\xbf\xbf\"]", "{\"\xc3\xa9t\xc3\xa9\":\"\xe6\x97\xa5\"}", "[\"\\ud83d\\ude00\"]",
        "[\"\\uDBFF\\uDFFF\"]",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        json_decref(assert_same(good[i]));
    static const char *const bad[] = {
        "[\"\xff\"]", "[\"\xc0\xaf\"]", "[\"\xe0\x80\xaf\"]", "[\"\xed\xa0\x80\"]",
        "[\"\xed\xbf\xbf\"]", "[\"\xf4\x90\x80\x80\"]", "[\"\xf8\x88\x80\x80\x80\"]",
        "[\"\xc3\"]", "[\"\xe2\x82\"]", "[\"a\x80\"]", "{\"\xc3\":1}", "[1]\xc3\xa9", "\xc3\xa9",
        /* Lone or reversed surrogate escapes. */
        "[\"\\ud834\"]", "[\"\\udd1e\"]", "[\"\\ud834x\"]", "[\"\\ud834\\u0041\"]",
        "[\"\\udd1e\\ud834\"]", "{\"\\ud800\":1}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_null(assert_same(bad[i]));
}

/* Generated documents, mostly valid so that simdjson takes them (the
 * fast path is where a difference would hide; blind byte mutation rarely
 * gets there), with the numbers, escapes and bytes where the parsers
 * could part, and some of them damaged afterwards. Seeded by GLib's test
 * seed (--seed to repeat one). */
static const char *const good_pieces[] = {
    "a", "key", "\\ud834\\udd1e", "\\uDBFF\\uDFFF", "\\u00e9", "\\n", "\\/", "\\\\", "\\\"", "\x7f",
    "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\xef\xbb\xbf", " ",
};
static const char *const bad_pieces[] = {
    "\\u0000", "\\ud834", "\\udd1e", "\\x", "\\u12", "\x1f", "\xc3", "\xed\xa0\x80",
    "\xf4\x90\x80\x80", "\xc0\xaf",
};
static const char *const numbers[] = {
    "0", "-0", "-0.0", "1e5", "1E+5", "1e-5", "-1e-400", "9223372036854775807",
    "-9223372036854775808", "5e-324", "2.2250738585072011e-308", "1.7976931348623157e308", "0.1",
    "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
    /* Refused by one or both. */
    "01", "1.", ".5", "1e309", "9223372036854775808", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
    "1.7976931348623159e308",
};

static void gen_digits(GString *out, int n)
{
    for (int i = 0; i < n; i++)
        g_string_append_c(out, (char)('0' + g_test_rand_int_range(0, 10)));
}

static void gen_number(GString *out)
{
    if (g_test_rand_int_range(0, 4) == 0) {
        /* The first 16 are valid everywhere; the others rarer. */
        int n = g_test_rand_int_range(0, 8) ? 16 : G_N_ELEMENTS(numbers);
        g_string_append(out, numbers[g_test_rand_int_range(0, n)]);
        return;
    }
    if (g_test_rand_bit())
        g_string_append_c(out, '-');
    /* No leading zero (refused), and mostly within int64. */
    g_string_append_c(out, (char)('1' + g_test_rand_int_range(0, 9)));
    gen_digits(out, g_test_rand_int_range(0, g_test_rand_int_range(0, 8) ? 18 : 25));
    if (g_test_rand_bit()) {
        g_string_append_c(out, '.');
        gen_digits(out, g_test_rand_int_range(1, 30));
    }
    if (g_test_rand_int_range(0, 3) == 0) {
        g_string_append(out, g_test_rand_bit() ? "e" : "E-");
        gen_digits(out, g_test_rand_int_range(1, 4));
    }
}

static void gen_string(GString *out)
{
    g_string_append_c(out, '"');
    for (int n = g_test_rand_int_range(0, 4); n > 0; n--) {
        if (g_test_rand_int_range(0, 40) == 0)
            g_string_append(out, bad_pieces[g_test_rand_int_range(0, G_N_ELEMENTS(bad_pieces))]);
        else
            g_string_append(out, good_pieces[g_test_rand_int_range(0, G_N_ELEMENTS(good_pieces))]);
    }
    g_string_append_c(out, '"');
}

static void gen_value(GString *out, int depth)
{
    /* Mostly a container at the top (a record), scalars below. */
    int kind = depth == 0 && g_test_rand_int_range(0, 10) ? g_test_rand_int_range(5, 7)
                                                          : g_test_rand_int_range(0, depth > 4 ? 5 : 7);
    if (kind == 0) {
        gen_number(out);
    } else if (kind <= 2) {
        gen_string(out);
    } else if (kind <= 4) {
        static const char *const literals[] = {"true", "false", "null"};
        g_string_append(out, literals[g_test_rand_int_range(0, 3)]);
    } else {
        bool object = kind == 5;
        g_string_append_c(out, object ? '{' : '[');
        for (int n = g_test_rand_int_range(0, 5), i = 0; i < n; i++) {
            if (i)
                g_string_append(out, g_test_rand_int_range(0, 8) ? "," : " ,\n");
            if (object) {
                /* Few distinct keys, so that some repeat. */
                if (g_test_rand_int_range(0, 4))
                    g_string_append_printf(out, "\"k%d\"", g_test_rand_int_range(0, 4));
                else
                    gen_string(out);
                g_string_append_c(out, ':');
            }
            gen_value(out, depth + 1);
        }
        g_string_append_c(out, object ? '}' : ']');
    }
}

static void test_generated(void)
{
    static const char damage[] = "{}[]:,\" \\0-.e\x80";
    for (int i = 0; i < 20000; i++) {
        GString *doc = g_string_new(NULL);
        if (g_test_rand_int_range(0, 10) == 0)
            g_string_append(doc, " \t");
        gen_value(doc, 0);
        for (int n = g_test_rand_int_range(-12, 3); n > 0 && doc->len > 0; n--) {
            gsize at = (gsize)g_test_rand_int_range(0, (gint32)doc->len);
            char c = damage[g_test_rand_int_range(0, sizeof damage - 1)];
            if (g_test_rand_bit())
                doc->str[at] = c;
            else
                g_string_insert_c(doc, (gssize)at, c);
        }
        json_decref(assert_same_flags(doc->str, doc->len, 0));
        json_decref(assert_same_flags(doc->str, doc->len, JSON_DECODE_ANY));
        g_string_free(doc, TRUE);
    }
}

/* Past VT_JSONPARSE_FAST_MAX jansson reads the text; the thread's parser
 * goes on working after that, and after errors. */
static void test_large(void)
{
    GString *big = g_string_new("[");
    while (big->len <= VT_JSONPARSE_FAST_MAX + 10)
        g_string_append(big, "\"0123456789abcdef\",1.5,");
    g_string_append(big, "null]");
    json_decref(assert_same(big->str));
    g_string_truncate(big, VT_JSONPARSE_FAST_MAX - 64);
    g_string_append(big, "null]");
    json_decref(assert_same(big->str));
    g_string_free(big, TRUE);
    g_assert_null(assert_same("[1,"));
    json_decref(assert_same("{\"after\":[1,2]}"));
}

/* Each thread has its own parser: several threads at once agree with
 * jansson. */
static gpointer parse_many(gpointer data)
{
    int seed = GPOINTER_TO_INT(data);
    for (int i = 0; i < 300; i++) {
        g_autofree char *text = g_strdup_printf(
            "{\"thread\":%d,\"i\":%d,\"pad\":\"%*s\",\"r\":%d.25}", seed, i, (i * 37) % 400, "",
            i);
        json_t *v = vt_jsonparse_load(text, strlen(text), 0, NULL);
        json_t *w = json_loadb(text, strlen(text), 0, NULL);
        g_assert_true(json_equal(v, w));
        json_decref(v);
        json_decref(w);
    }
    return NULL;
}

static void test_threads(void)
{
    GThread *threads[4];
    for (int i = 0; i < 4; i++)
        threads[i] = g_thread_new("parse", parse_many, GINT_TO_POINTER(i));
    for (int i = 0; i < 4; i++)
        g_thread_join(threads[i]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/jsonparse/records", test_records);
    g_test_add_func("/jsonparse/key-order", test_key_order);
    g_test_add_func("/jsonparse/duplicates", test_duplicates);
    g_test_add_func("/jsonparse/integers", test_integers);
    g_test_add_func("/jsonparse/reals", test_reals);
    g_test_add_func("/jsonparse/nul", test_nul);
    g_test_add_func("/jsonparse/nesting", test_nesting);
    g_test_add_func("/jsonparse/syntax", test_syntax);
    g_test_add_func("/jsonparse/utf8", test_utf8);
    g_test_add_func("/jsonparse/generated", test_generated);
    g_test_add_func("/jsonparse/large", test_large);
    g_test_add_func("/jsonparse/threads", test_threads);
    return g_test_run();
}
