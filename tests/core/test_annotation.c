/* test_annotation.c: the annotation model: types from the configuration,
 * reading W3C annotations in every selector form, validation, IIIF export
 * and the ANNOTATIONS table. */
#include <string.h>

#include "vt_annotation.h"
#include "vt_config.h"
#include "vt_file.h"
#include "vt_store.h"

static const vt_annotation_target public_target = {"0123456789abcdef", 4000, 3000, true};
static const vt_annotation_target internal_target = {"0123456789abcdef", 4000, 3000, false};

static vt_annotation_types *types_from(const char *ini)
{
    GKeyFile *kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_data(kf, ini, (gsize)-1, G_KEY_FILE_NONE, NULL));
    vt_annotation_types *types = NULL;
    vt_status s = vt_annotation_types_load(kf, &types);
    g_key_file_free(kf);
    if (s != VT_OK)
        g_error("types: %s", vt_error_message());
    return types;
}

static vt_annotation_types *builtin(void)
{
    vt_annotation_types *types = NULL;
    g_assert_cmpint(vt_annotation_types_load(NULL, &types), ==, VT_OK);
    return types;
}

static json_t *from_w3c_text(const vt_annotation_types *types, const vt_annotation_target *target,
                             const char *text)
{
    json_error_t err;
    json_t *w3c = json_loads(text, 0, &err);
    if (!w3c)
        g_error("test JSON: %s: %s", err.text, text);
    json_t *ann = NULL;
    vt_status s = vt_annotation_from_w3c(types, target, w3c, "importer", 1765000000, &ann);
    json_decref(w3c);
    if (s != VT_OK)
        g_error("refused: %s", vt_error_message());
    return ann;
}

static void refused(const vt_annotation_types *types, const vt_annotation_target *target,
                    const char *text, vt_status expected, const char *part)
{
    json_t *w3c = json_loads(text, 0, NULL);
    g_assert_nonnull(w3c);
    json_t *ann = (json_t *)(uintptr_t)1;
    vt_error_clear();
    vt_status s = vt_annotation_from_w3c(types, target, w3c, NULL, 1, &ann);
    json_decref(w3c);
    g_test_message("%d: %s", s, vt_error_message());
    g_assert_cmpint(s, ==, expected);
    g_assert_true(ann == (json_t *)(uintptr_t)1);
    if (!strstr(vt_error_message(), part))
        g_error("message '%s' lacks '%s'", vt_error_message(), part);
}

static void assert_shape(const json_t *ann, const char *expected)
{
    char *got = json_dumps(json_object_get(ann, "shape"), JSON_COMPACT | JSON_SORT_KEYS);
    g_assert_cmpstr(got, ==, expected);
    free(got);
}

static void test_types(void)
{
    vt_annotation_types *types = builtin();
    const char *names[] = {"descriptive", "tag", "link", "story", "sample", "restoration"};
    g_assert_cmpuint(vt_annotation_types_count(types), ==, G_N_ELEMENTS(names));
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        g_assert_cmpstr(vt_annotation_types_nth(types, i)->name, ==, names[i]);
    const vt_annotation_type *r = vt_annotation_types_get(types, "restoration");
    g_assert_nonnull(r);
    bool damage = false;
    for (size_t i = 0; i < r->n_fields; i++)
        if (strcmp(r->fields[i].name, "damage") == 0) {
            damage = true;
            g_assert_cmpint(r->fields[i].kind, ==, VT_AFIELD_CHOICE);
            g_assert_cmpstr(r->fields[i].choices[1], ==, "flaking");
        }
    g_assert_true(damage);
    vt_annotation_types_free(types);

    types = types_from("[annotations]\ndamage-types = blister, stain  # ours\n"
                       "[annotation-type:inscription]\nlabel = Inscription\ncolour = #8a3ffc\n"
                       "fields = text:text, script:choice(latin|greek), seen:date\n"
                       "[annotation-type:tag]\ncolour = #000000\n");
    g_assert_cmpuint(vt_annotation_types_count(types), ==, 7);
    const vt_annotation_type *t = vt_annotation_types_get(types, "inscription");
    g_assert_cmpstr(t->label, ==, "Inscription");
    g_assert_cmpstr(t->colour, ==, "#8a3ffc");
    g_assert_cmpuint(t->n_fields, ==, 3);
    g_assert_cmpstr(t->fields[1].choices[1], ==, "greek");
    g_assert_cmpstr(vt_annotation_types_get(types, "tag")->colour, ==, "#000000");
    r = vt_annotation_types_get(types, "restoration");
    for (size_t i = 0; i < r->n_fields; i++)
        if (r->fields[i].kind == VT_AFIELD_CHOICE) {
            g_assert_cmpstr(r->fields[i].choices[0], ==, "blister");
            g_assert_null(r->fields[i].choices[2]);
        }
    json_t *j = vt_annotation_types_json(types);
    g_assert_cmpuint(json_array_size(j), ==, 7);
    json_decref(j);
    vt_annotation_types_free(types);

    /* Mistakes are all named. */
    GKeyFile *kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_data(kf,
        "[annotation-type:x]\nfields = a:colourful, b\ncolour = red\nshape = round\n"
        "[annotation-type:Bad Name]\nfields = a:text\n[annotation-type:y]\nlabel = Y\n",
        (gsize)-1, G_KEY_FILE_NONE, NULL));
    vt_annotation_types *none = NULL;
    g_assert_cmpint(vt_annotation_types_load(kf, &none), ==, VT_ERR_CONFIG);
    g_assert_null(none);
    const char *m = vt_error_message();
    g_assert_nonnull(strstr(m, "'a:colourful' is not name:kind"));
    g_assert_nonnull(strstr(m, "colour: 'red' is not #rrggbb"));
    g_assert_nonnull(strstr(m, "shape: unknown key"));
    g_assert_nonnull(strstr(m, "[annotation-type:Bad Name]"));
    g_assert_nonnull(strstr(m, "[annotation-type:y] fields: missing"));
    g_key_file_free(kf);
}

/* The configuration file accepts the groups, and check-config names a mistake. */
static void test_config(void)
{
    const char *dept = "[department:photo]\nhotfolder=/hot/photo\n";
    g_autofree char *good = g_strconcat(dept, "[annotations]\ndamage-types = a, b\n"
                                        "[annotation-type:note]\nfields = text:text\n", NULL);
    vt_config *c = NULL;
    if (vt_config_load_data(good, "t.conf", NULL, &c) != VT_OK)
        g_error("%s", vt_error_message());
    vt_annotation_types *types = NULL;
    g_assert_cmpint(vt_annotation_types_load(c->keyfile, &types), ==, VT_OK);
    g_assert_nonnull(vt_annotation_types_get(types, "note"));
    vt_annotation_types_free(types);
    vt_config_free(c);
    g_autofree char *bad = g_strconcat(dept, "[annotation-type:note]\nfields = text:prose\n", NULL);
    c = NULL;
    g_assert_cmpint(vt_config_load_data(bad, "t.conf", NULL, &c), ==, VT_ERR_CONFIG);
    g_assert_nonnull(strstr(vt_error_message(), "[annotation-type:note] fields: 'text:prose'"));
}

static void test_selectors(void)
{
    vt_annotation_types *types = builtin();
    struct {
        const char *target, *shape;
    } cases[] = {
        /* FragmentSelector in its three units, and a bare target URL. */
        {"{\"source\":\"x\",\"selector\":{\"type\":\"FragmentSelector\",\"value\":\"xywh=10,20,300,200\"}}",
         "{\"h\":200,\"w\":300,\"x\":10,\"y\":20}"},
        {"{\"source\":\"x\",\"selector\":{\"type\":\"FragmentSelector\",\"conformsTo\":\"http://www.w3.org/TR/media-frags/\",\"value\":\"xywh=pixel:10.4,20,300,199.6\"}}",
         "{\"h\":200,\"w\":300,\"x\":10,\"y\":20}"},
        {"{\"source\":\"x\",\"selector\":{\"type\":\"FragmentSelector\",\"value\":\"xywh=percent:50,50,25,10\"}}",
         "{\"h\":300,\"w\":1000,\"x\":2000,\"y\":1500}"},
        {"\"https://elsewhere.example/canvas/1#xywh=1,2,3,4\"",
         "{\"h\":4,\"w\":3,\"x\":1,\"y\":2}"},
        /* SvgSelector: polygon (Annotorious), path (Mirador), rect; closed
         * outlines lose their repeated first point. */
        {"{\"selector\":{\"type\":\"SvgSelector\",\"value\":\"<svg><polygon points='100,100 200,100 150,180'/></svg>\"}}",
         "{\"points\":[[100,100],[200,100],[150,180]]}"},
        {"{\"selector\":{\"type\":\"SvgSelector\",\"value\":\"<svg xmlns='http://www.w3.org/2000/svg'><g><path d='M10,10 h100 v50 l-50,25 z' fill='none'/></g></svg>\"}}",
         "{\"points\":[[10,10],[110,10],[110,60],[60,85]]}"},
        {"{\"selector\":{\"type\":\"SvgSelector\",\"value\":\"<svg><path d='M 0 0 L 10 0 C 20 0 20 10 10 10 L 0 0'/></svg>\"}}",
         "{\"points\":[[0,0],[10,0],[10,10]]}"},
        {"{\"selector\":{\"type\":\"SvgSelector\",\"value\":\"<svg><rect x='5' y='6' width='7' height='8'/></svg>\"}}",
         "{\"h\":8,\"w\":7,\"x\":5,\"y\":6}"},
        /* Mirador 3's pair: the SVG outline wins over its bounding box. */
        {"{\"selector\":[{\"type\":\"FragmentSelector\",\"value\":\"xywh=0,0,50,50\"},{\"type\":\"SvgSelector\",\"value\":\"<svg><polygon points='0,0 50,0 0,50'/></svg>\"}]}",
         "{\"points\":[[0,0],[50,0],[0,50]]}"},
        {"{\"selector\":{\"type\":\"Choice\",\"items\":[{\"type\":\"FragmentSelector\",\"value\":\"xywh=1,1,2,2\"}]}}",
         "{\"h\":2,\"w\":2,\"x\":1,\"y\":1}"},
        /* A rounding overhang of under a pixel is moved onto the edge. */
        {"{\"selector\":{\"type\":\"FragmentSelector\",\"value\":\"xywh=3900,2900,100.4,100.4\"}}",
         "{\"h\":100,\"w\":100,\"x\":3900,\"y\":2900}"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = g_strdup_printf(
            "{\"type\":\"Annotation\",\"body\":{\"type\":\"TextualBody\",\"value\":\"craquelure\"},"
            "\"target\":%s}", cases[i].target);
        json_t *ann = from_w3c_text(types, &public_target, text);
        assert_shape(ann, cases[i].shape);
        json_decref(ann);
    }
    vt_annotation_types_free(types);
}

static void test_bodies_and_defaults(void)
{
    vt_annotation_types *types = builtin();
    /* Annotorious' export: a comment and two tags, its own id and creator. */
    json_t *ann = from_w3c_text(types, &public_target,
        "{\"@context\":\"http://www.w3.org/ns/anno.jsonld\",\"id\":\"#a1b2-c3\",\"type\":\"Annotation\","
        "\"body\":[{\"type\":\"TextualBody\",\"purpose\":\"tagging\",\"value\":\"vernis\"},"
        "{\"type\":\"TextualBody\",\"purpose\":\"tagging\",\"value\":\"craquelure\"}],"
        "\"creator\":{\"type\":\"Person\",\"name\":\"jdoe\"},\"created\":\"2025-03-01T10:00:00Z\","
        "\"target\":{\"source\":\"http://other/canvas\",\"selector\":{\"type\":\"FragmentSelector\","
        "\"value\":\"xywh=pixel:1,2,3,4\"}}}");
    g_assert_cmpstr(json_string_value(json_object_get(ann, "id")), ==, "a1b2-c3");
    g_assert_cmpstr(json_string_value(json_object_get(ann, "type")), ==, "tag");
    g_assert_cmpstr(json_string_value(json_object_get(ann, "creator")), ==, "jdoe");
    g_assert_cmpstr(json_string_value(json_object_get(ann, "visibility")), ==, "internal");
    g_assert_cmpint(json_integer_value(json_object_get(ann, "created")), ==, 1740823200);
    json_t *terms = json_object_get(json_object_get(ann, "fields"), "terms");
    g_assert_cmpuint(json_array_size(terms), ==, 2);
    g_assert_cmpstr(json_string_value(json_array_get(terms, 1)), ==, "craquelure");
    json_decref(ann);

    /* A description with a language; no id: one derived from the content,
     * the same every time. */
    const char *desc = "{\"body\":{\"type\":\"TextualBody\",\"value\":\"Oude retouche\","
                       "\"language\":\"nl-BE\"},\"target\":\"c#xywh=0,0,10,10\"}";
    json_t *a = from_w3c_text(types, &public_target, desc);
    json_t *b = from_w3c_text(types, &public_target, desc);
    g_assert_cmpstr(json_string_value(json_object_get(a, "id")), ==,
                    json_string_value(json_object_get(b, "id")));
    g_assert_true(vt_annotation_id_valid(json_string_value(json_object_get(a, "id"))));
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(a, "fields"), "language")),
                    ==, "nl");
    g_assert_cmpstr(json_string_value(json_object_get(a, "creator")), ==, "importer");
    json_decref(a);
    json_decref(b);

    /* A link: {id: URL, purpose: linking}. */
    ann = from_w3c_text(types, &public_target,
        "{\"body\":{\"id\":\"https://rkd.nl/x\",\"purpose\":\"linking\",\"label\":\"RKD\"},"
        "\"target\":\"c#xywh=0,0,10,10\"}");
    g_assert_cmpstr(json_string_value(json_object_get(ann, "type")), ==, "link");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(ann, "fields"), "url")), ==,
                    "https://rkd.nl/x");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(ann, "fields"), "label")),
                    ==, "RKD");
    json_decref(ann);
    vt_annotation_types_free(types);
}

static void test_refusals(void)
{
    vt_annotation_types *types = builtin();
    const char *t = "\"target\":\"c#xywh=0,0,10,10\"";
    g_autofree char *unknown_type = g_strdup_printf(
        "{\"vitrine:type\":\"gossip\",\"body\":{\"value\":\"x\"},%s}", t);
    refused(types, &public_target, unknown_type, VT_ERR_INVALID, "unknown type 'gossip'");
    g_autofree char *unknown_field = g_strdup_printf(
        "{\"vitrine:type\":\"sample\",\"body\":{\"value\":\"x\",\"vitrine:field\":\"colour\"},%s}",
        t);
    refused(types, &public_target, unknown_field, VT_ERR_INVALID, "unknown field 'colour'");
    GString *long_text = g_string_new("{\"body\":{\"value\":\"");
    for (unsigned i = 0; i < VT_ANNOTATION_VALUE_MAX_BYTES + 1; i++)
        g_string_append_c(long_text, 'a');
    g_string_append_printf(long_text, "\"},%s}", t);
    refused(types, &public_target, long_text->str, VT_ERR_LIMIT, "over the limit");
    g_string_free(long_text, TRUE);
    refused(types, &public_target,
            "{\"body\":{\"value\":\"x\"},\"target\":\"c#xywh=3990,10,20,20\"}", VT_ERR_INVALID,
            "outside the image (4000 x 3000)");
    refused(types, &public_target,
            "{\"body\":{\"value\":\"x\"},\"target\":{\"selector\":{\"type\":\"SvgSelector\","
            "\"value\":\"<svg><polygon points='0,0 10,0 10,-50'/></svg>\"}}}",
            VT_ERR_INVALID, "outside the image");
    GString *many = g_string_new("{\"body\":{\"value\":\"x\"},\"target\":{\"selector\":{\"type\":"
                                 "\"SvgSelector\",\"value\":\"<svg><polygon points='");
    for (int i = 0; i < VT_ANNOTATION_POINTS_MAX + 5; i++)
        g_string_append_printf(many, "%d,%d ", i % 100, i % 77);
    g_string_append(many, "'/></svg>\"}}}");
    refused(types, &public_target, many->str, VT_ERR_LIMIT, "more than");
    g_string_free(many, TRUE);
    g_autofree char *js = g_strdup_printf(
        "{\"body\":{\"id\":\"javascript:alert(1)\",\"purpose\":\"linking\"},%s}", t);
    refused(types, &public_target, js, VT_ERR_INVALID, "not an http:// or https:// URL");
    g_autofree char *pub = g_strdup_printf(
        "{\"vitrine:visibility\":\"public\",\"body\":{\"value\":\"x\"},%s}", t);
    refused(types, &internal_target, pub, VT_ERR_INVALID, "only on a public asset");
    g_autofree char *choice = g_strdup_printf(
        "{\"vitrine:type\":\"restoration\",\"body\":{\"value\":\"mould\",\"vitrine:field\":"
        "\"damage\"},%s}", t);
    refused(types, &public_target, choice, VT_ERR_INVALID, "'mould' is not one of varnish");
    refused(types, &public_target, "{\"body\":{\"value\":\"x\"},\"target\":{\"selector\":{"
            "\"type\":\"SvgSelector\",\"value\":\"<!DOCTYPE svg [<!ENTITY a 'b'>]><svg/>\"}}}",
            VT_ERR_INVALID, "DOCTYPE");
    refused(types, &public_target, "{\"body\":{\"value\":\"x\"}}", VT_ERR_INVALID, "no target");
    /* A script is text: kept as it is, never refused or changed. */
    g_autofree char *script = g_strdup_printf(
        "{\"body\":{\"value\":\"<script>alert(1)</script>\"},%s}", t);
    json_t *ann = from_w3c_text(types, &public_target, script);
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(ann, "fields"), "text")),
                    ==, "<script>alert(1)</script>");
    json_decref(ann);
    vt_annotation_types_free(types);
}

static void test_export(void)
{
    vt_annotation_types *types = builtin();
    json_t *rect = from_w3c_text(types, &public_target,
        "{\"id\":\"r1\",\"vitrine:type\":\"restoration\",\"vitrine:visibility\":\"public\","
        "\"body\":[{\"value\":\"vernis verwijderd\",\"vitrine:field\":\"treatment\"},"
        "{\"value\":\"flaking\",\"vitrine:field\":\"damage\"}],"
        "\"target\":\"c#xywh=pixel:10,20,30,40\"}");
    json_t *w3c = vt_annotation_to_w3c(types, rect, "https://s/iiif/a/annotation/r1",
                                       "https://s/iiif/a/canvas");
    const json_t *target = json_object_get(w3c, "target");
    g_assert_cmpstr(json_string_value(json_object_get(target, "source")), ==,
                    "https://s/iiif/a/canvas");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(target, "selector"),
                                                      "value")), ==, "xywh=10,20,30,40");
    g_assert_cmpstr(json_string_value(json_object_get(w3c, "motivation")), ==, "commenting");
    const json_t *bodies = json_object_get(w3c, "body");
    g_assert_cmpuint(json_array_size(bodies), ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(bodies, 1), "vitrine:field")),
                    ==, "damage");
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(bodies, 0), "purpose")),
                    ==, "describing");

    /* Reading the export again gives the same annotation. */
    json_t *again = NULL;
    g_assert_cmpint(vt_annotation_from_w3c(types, &public_target, w3c, NULL, 5, &again), ==,
                    VT_OK);
    g_assert_true(json_equal(again, rect));
    json_decref(again);
    json_decref(w3c);

    json_t *poly = from_w3c_text(types, &public_target,
        "{\"id\":\"p1\",\"vitrine:type\":\"story\",\"vitrine:order\":3,\"body\":[{\"value\":\"Step\","
        "\"vitrine:field\":\"title\"}],\"target\":{\"selector\":{\"type\":\"SvgSelector\","
        "\"value\":\"<svg><polygon points='1,2 30,2 15,40'/></svg>\"}}}");
    w3c = vt_annotation_to_w3c(types, poly, "https://s/iiif/a/annotation/p1", "c");
    const json_t *sel = json_object_get(json_object_get(w3c, "target"), "selector");
    g_assert_cmpstr(json_string_value(json_object_get(sel, "type")), ==, "SvgSelector");
    g_assert_cmpstr(json_string_value(json_object_get(sel, "value")), ==,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"M1,2 L30,2 L15,40 Z\"/></svg>");
    g_assert_cmpint(json_integer_value(json_object_get(w3c, "vitrine:order")), ==, 3);
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(poly, "fields"), "order")),
                    ==, 3);
    g_assert_true(vt_annotation_from_w3c(types, &public_target, w3c, NULL, 5, &again) == VT_OK);
    if (!json_equal(again, poly))
        g_error("%s\n%s", json_dumps(again, JSON_SORT_KEYS), json_dumps(poly, JSON_SORT_KEYS));
    json_decref(again);
    int x, y, w, h;
    vt_annotation_bounds(poly, &x, &y, &w, &h);
    g_assert_cmpint(x, ==, 1);
    g_assert_cmpint(y, ==, 2);
    g_assert_cmpint(w, ==, 29);
    g_assert_cmpint(h, ==, 38);
    json_decref(w3c);

    g_assert_true(vt_annotation_is_public(rect, true));
    g_assert_false(vt_annotation_is_public(rect, false));
    g_assert_false(vt_annotation_is_public(poly, true));
    g_autofree char *text = vt_annotation_text(types, rect);
    g_assert_cmpstr(text, ==, "vernis verwijderd flaking");
    json_decref(rect);
    json_decref(poly);
    vt_annotation_types_free(types);
}

static void test_page(void)
{
    vt_annotation_types *types = builtin();
    const char *page = "{\"type\":\"AnnotationPage\",\"items\":["
                       "{\"id\":\"a\",\"body\":{\"value\":\"one\"},\"target\":\"c#xywh=0,0,1,1\"},"
                       "{\"id\":\"b\",\"body\":{\"value\":\"two\"},\"target\":\"c#xywh=0,0,2,2\"}]}";
    json_t *list = NULL;
    g_assert_cmpint(vt_annotation_parse_page(types, &public_target, "p", page, strlen(page), NULL,
                                             1, &list), ==, VT_OK);
    g_assert_cmpuint(json_array_size(list), ==, 2);
    json_decref(list);

    /* One annotation alone, and an AnnotationCollection with its first page. */
    const char *one = "{\"id\":\"x\",\"body\":{\"value\":\"one\"},\"target\":\"c#xywh=0,0,1,1\"}";
    g_assert_cmpint(vt_annotation_parse_page(types, &public_target, "p", one, strlen(one), NULL,
                                             1, &list), ==, VT_OK);
    g_assert_cmpuint(json_array_size(list), ==, 1);
    json_decref(list);
    const char *coll = "{\"type\":\"AnnotationCollection\",\"first\":{\"items\":["
                       "{\"id\":\"y\",\"body\":{\"value\":\"one\"},\"target\":\"c#xywh=0,0,1,1\"}]}}";
    g_assert_cmpint(vt_annotation_parse_page(types, &public_target, "p", coll, strlen(coll), NULL,
                                             1, &list), ==, VT_OK);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "id")), ==, "y");
    json_decref(list);

    const char *dup = "[{\"id\":\"a\",\"body\":{\"value\":\"one\"},\"target\":\"c#xywh=0,0,1,1\"},"
                      "{\"id\":\"a\",\"body\":{\"value\":\"two\"},\"target\":\"c#xywh=0,0,2,2\"}]";
    list = NULL;
    g_assert_cmpint(vt_annotation_parse_page(types, &public_target, "p", dup, strlen(dup), NULL,
                                             1, &list), ==, VT_ERR_INVALID);
    g_assert_null(list);
    g_assert_nonnull(strstr(vt_error_message(), "p: item 2: annotation a is given twice"));

    const char *bad = "{\"items\": [{\"body\":{\"value\":\"one\"},\"target\":\"c#xywh=0,0,1,1\"},"
                      "{\"body\":{\"value\":\"x\"},\"target\":\"c#xywh=9000,0,1,1\"}]}";
    g_assert_cmpint(vt_annotation_parse_page(types, &public_target, "s.annotations.json", bad,
                                             strlen(bad), NULL, 1, &list), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "s.annotations.json: item 2: "));
    g_assert_cmpint(vt_annotation_parse_page(types, &public_target, "p", "{", 1, NULL, 1, &list),
                    ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_annotation_parse_page(types, &public_target, "p", "{\"items\":3}", 11, NULL,
                                             1, &list), ==, VT_ERR_INVALID);
    vt_annotation_types_free(types);
}

typedef struct {
    vt_annotation_types *types;
    json_t *list;
} store_ctx;

static vt_status put_fn(vt_txn *txn, void *data)
{
    store_ctx *c = data;
    size_t i;
    json_t *a;
    json_array_foreach(c->list, i, a)
        vt_annotation_put(txn, public_target.asset_id, a);
    /* Another asset's, which must not mix in. */
    vt_annotation_put(txn, "0123456789abcdef0", json_array_get(c->list, 0));
    return vt_txn_status(txn);
}

static vt_status check_fn(vt_txn *txn, void *data)
{
    (void)data;
    json_t *list = vt_annotation_list(txn, public_target.asset_id);
    g_assert_cmpuint(json_array_size(list), ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(list, 0), "id")), ==, "a");
    json_decref(list);
    json_t *b = vt_annotation_get(txn, public_target.asset_id, "b");
    g_assert_nonnull(b);
    json_decref(b);
    g_assert_null(vt_annotation_get(txn, public_target.asset_id, "zz"));
    return vt_txn_status(txn);
}

static vt_status del_fn(vt_txn *txn, void *data)
{
    unsigned *n = data;
    vt_annotation_del(txn, public_target.asset_id, "a", &n[0]);
    vt_annotation_del(txn, public_target.asset_id, "a", &n[1]);
    vt_annotation_del(txn, public_target.asset_id, NULL, &n[2]);
    json_t *other = vt_annotation_list(txn, "0123456789abcdef0");
    n[3] = (unsigned)json_array_size(other);
    json_decref(other);
    return vt_txn_status(txn);
}

static void test_store(void)
{
    g_autofree char *tmp = g_dir_make_tmp("vt-annot-XXXXXX", NULL);
    vt_store *store = NULL;
    g_assert_cmpint(vt_store_open(tmp, 0, &store), ==, VT_OK);
    store_ctx c = {builtin(), NULL};
    const char *page = "[{\"id\":\"b\",\"body\":{\"value\":\"two\"},\"target\":\"c#xywh=0,0,2,2\"},"
                       "{\"id\":\"a\",\"body\":{\"value\":\"one\"},\"target\":\"c#xywh=0,0,1,1\"}]";
    g_assert_cmpint(vt_annotation_parse_page(c.types, &public_target, "p", page, strlen(page),
                                             NULL, 1, &c.list), ==, VT_OK);
    g_assert_cmpint(vt_store_write(store, put_fn, &c), ==, VT_OK);
    g_assert_cmpint(vt_store_read(store, check_fn, NULL), ==, VT_OK);
    unsigned n[4] = {0};
    g_assert_cmpint(vt_store_write(store, del_fn, n), ==, VT_OK);
    g_assert_cmpuint(n[0], ==, 1);
    g_assert_cmpuint(n[1], ==, 0);
    g_assert_cmpuint(n[2], ==, 1);
    g_assert_cmpuint(n[3], ==, 1);
    json_decref(c.list);
    vt_annotation_types_free(c.types);
    vt_store_close(store);
    g_assert_cmpint(vt_file_remove_tree(tmp), ==, VT_OK);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/annotation/types", test_types);
    g_test_add_func("/annotation/config", test_config);
    g_test_add_func("/annotation/selectors", test_selectors);
    g_test_add_func("/annotation/bodies-and-defaults", test_bodies_and_defaults);
    g_test_add_func("/annotation/refusals", test_refusals);
    g_test_add_func("/annotation/export", test_export);
    g_test_add_func("/annotation/page", test_page);
    g_test_add_func("/annotation/store", test_store);
    return g_test_run();
}
