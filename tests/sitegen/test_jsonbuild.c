/* test_jsonbuild.c: vt_jsonbuild builds what json_pack() builds (same keys
 * in the same order, same text) and keeps its failure rules: a NULL value
 * (bad UTF-8 from json_string()) makes the object NULL, and every value
 * given is stolen, also after a failure. */
#include <stdlib.h>
#include <string.h>

#include "vt_jsonbuild.h"

/* Compact text of @v (caller frees): the order of keys shows. */
static char *text_of(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void test_like_pack(void)
{
    json_t *shared = json_pack("[s]", "x");
    json_t *built = vt_jsonbuild_object(
        "id", vt_jsonbuild_text("a1"), "label", vt_jsonbuild_text("é \"q\""), "lang",
        vt_jsonbuild_text(NULL), "url", vt_jsonbuild_string("https://example.org/ü"), "none",
        vt_jsonbuild_string(NULL), "n", json_integer(7), "list", json_incref(shared), "sub",
        vt_jsonbuild_object("k", vt_jsonbuild_text("v"), NULL), NULL);
    json_t *packed = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:i, s:O, s:{s:s}}", "id", "a1",
                               "label", "é \"q\"", "lang", NULL, "url", "https://example.org/ü",
                               "none", NULL, "n", 7, "list", shared, "sub", "k", "v");
    g_assert_nonnull(built);
    g_assert_nonnull(packed);
    char *a = text_of(built), *b = text_of(packed);
    g_assert_cmpstr(a, ==, b);
    free(a);
    free(b);
    json_decref(built);
    json_decref(packed);
    g_assert_cmpuint(shared->refcount, ==, 1);
    json_decref(shared);

    /* "o*": left out when NULL, set when given; "o": NULL fails. */
    json_t *obj = vt_jsonbuild_object("a", json_integer(1), NULL);
    vt_jsonbuild_set(&obj, "b", NULL, true);
    vt_jsonbuild_set(&obj, "c", vt_jsonbuild_text("z"), true);
    char *t = text_of(obj);
    g_assert_cmpstr(t, ==, "{\"a\":1,\"c\":\"z\"}");
    free(t);
    vt_jsonbuild_set(&obj, "d", NULL, false);
    g_assert_null(obj);
    /* Once failed, later values are freed and the object stays NULL. */
    json_t *later = json_pack("{}");
    json_incref(later);
    vt_jsonbuild_set(&obj, "e", later, false);
    g_assert_null(obj);
    g_assert_cmpuint(later->refcount, ==, 1);
    json_decref(later);
}

static void test_failures(void)
{
    /* Config text that is not UTF-8 fails the object, as json_pack does. */
    g_assert_null(vt_jsonbuild_string("bad \xff byte"));
    json_t *kept = json_pack("[i]", 1);
    json_t *obj = vt_jsonbuild_object("a", json_incref(kept), "b",
                                      vt_jsonbuild_string("bad \xff byte"), "c",
                                      json_incref(kept), NULL);
    g_assert_null(obj);
    /* Both references given (before and after the failure) were dropped. */
    g_assert_cmpuint(kept->refcount, ==, 1);
    json_decref(kept);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/jsonbuild/like-pack", test_like_pack);
    g_test_add_func("/jsonbuild/failures", test_failures);
    return g_test_run();
}
