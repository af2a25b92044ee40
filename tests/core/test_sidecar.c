/* test_sidecar.c: NAME.json and NAME.xmp sidecars. */
#include <stdint.h>
#include <string.h>

#include "vt_meta.h"
#include "vt_sidecar.h"

static void assert_json(const json_t *got, const char *expected)
{
    char *text = json_dumps(got, JSON_COMPACT);
    json_t *want = json_loads(expected, 0, NULL);
    g_assert_nonnull(want);
    char *want_text = json_dumps(want, JSON_COMPACT);
    g_assert_cmpstr(text, ==, want_text);
    free(text);
    free(want_text);
    json_decref(want);
}

static json_t *parse_ok(const char *name, const char *data, size_t len)
{
    json_t *fields = NULL;
    vt_status status = vt_sidecar_parse(name, data, len, &fields);
    if (status != VT_OK)
        g_error("%s refused: %s", name, vt_error_message());
    g_assert_cmpint(vt_meta_check_fields(fields), ==, VT_OK);
    return fields;
}

static void parse_fails(const char *name, const char *data, size_t len, vt_status expected,
                        const char *part)
{
    json_t *fields = (json_t *)(uintptr_t)0x1;
    vt_error_clear();
    vt_status status = vt_sidecar_parse(name, data, len, &fields);
    g_test_message("status %d: %s", status, vt_error_message());
    g_assert_cmpint(status, ==, expected);
    g_assert_true(fields == (json_t *)(uintptr_t)0x1);
    char *prefix = g_strdup_printf("sidecar %s: ", name);
    g_assert_true(g_str_has_prefix(vt_error_message(), prefix));
    g_free(prefix);
    if (!strstr(vt_error_message(), part))
        g_error("message \"%s\" lacks \"%s\"", vt_error_message(), part);
}

static void test_json(void)
{
    static const char text[] =
        "{\n"
        "  \"title\": \"Portret van een man\",\n"
        "  \"title.fr\": \"Portrait d'un homme\",\n"
        "  \"keywords\": [\"vernis\", \" paneel \", \"vernis\", \"\"],\n"
        "  \"creator\": {\"value\": \"Rubens\"},\n"
        "  \"description\": [{\"value\": \"Achterzijde\", \"lang\": \"nl\"},"
        " {\"value\": \"Verso\", \"lang\": \"fr\"}],\n"
        "  \"description.en\": \"Back\",\n"
        "  \"visibility\": \"internal\",\n"
        "  \"empty\": [],\n"
        "  \"blank\": \"   \"\n"
        "}\n";
    json_t *fields = parse_ok("IMG_0001.json", text, sizeof text - 1);
    assert_json(fields,
                "{\"title\": [{\"value\": \"Portret van een man\"},"
                " {\"value\": \"Portrait d'un homme\", \"lang\": \"fr\"}],"
                " \"keywords\": [{\"value\": \"vernis\"}, {\"value\": \"paneel\"}],"
                " \"creator\": [{\"value\": \"Rubens\"}],"
                " \"description\": [{\"value\": \"Achterzijde\", \"lang\": \"nl\"},"
                " {\"value\": \"Verso\", \"lang\": \"fr\"}, {\"value\": \"Back\", \"lang\": \"en\"}],"
                " \"visibility\": [{\"value\": \"internal\"}]}");
    json_decref(fields);

    /* Any case of extension, a path, no NUL terminator, an empty object. */
    fields = parse_ok("/hot/folder/IMG_0001.JSON", "{}garbage", 2);
    assert_json(fields, "{}");
    json_decref(fields);
}

static void test_json_refused(void)
{
    static const struct {
        const char *text;
        vt_status status;
        const char *part;
    } bad[] = {
        { "", VT_ERR_INVALID, "the file is empty" },
        { " \n", VT_ERR_INVALID, "the file is empty" },
        { "[\"title\"]", VT_ERR_INVALID, "must be a JSON object" },
        { "{\"title\": \"x\",}", VT_ERR_INVALID, "not valid JSON (line 1, column" },
        { "{\"title\": \"a\", \"title\": \"b\"}", VT_ERR_INVALID, "duplicate" },
        { "{\"Title\": \"x\"}", VT_ERR_INVALID, "'Title' is not a valid field name" },
        { "{\"title.es\": \"x\"}", VT_ERR_INVALID, "field 'title': language 'es'" },
        { "{\"title\": {\"value\": \"x\", \"lang\": \"it\"}}", VT_ERR_INVALID, "language 'it'" },
        { "{\"title.fr\": {\"value\": \"x\", \"lang\": \"nl\"}}", VT_ERR_INVALID,
          "write it under 'title.nl' or 'title'" },
        { "{\"title\": null}", VT_ERR_INVALID, "field 'title': a value must be a string" },
        { "{\"year\": 1620}", VT_ERR_INVALID, "not a number" },
        { "{\"title\": [[\"x\"]]}", VT_ERR_INVALID, "an array inside an array" },
        { "{\"visibility\": \"secret\"}", VT_ERR_INVALID, "public or internal" },
        { "{\"visibility\": [\"public\", \"internal\"]}", VT_ERR_INVALID, "exactly one value" },
        { "\xff\xfe{}", VT_ERR_INVALID, "not valid JSON" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        parse_fails("a.json", bad[i].text, strlen(bad[i].text), bad[i].status, bad[i].part);

    /* Limits: value length, values per field, fields, file size. */
    char *value = g_strnfill(VT_META_VALUE_MAX_BYTES + 1, 'x');
    char *text = g_strdup_printf("{\"description\": \"%s\"}", value);
    parse_fails("long.json", text, strlen(text), VT_ERR_LIMIT, "field 'description'");
    g_free(text);
    g_free(value);

    GString *many = g_string_new("{\"keywords\": [");
    for (int i = 0; i <= VT_META_VALUES_MAX; i++)
        g_string_append_printf(many, "%s\"k%d\"", i ? "," : "", i);
    g_string_append(many, "]}");
    parse_fails("many.json", many->str, many->len, VT_ERR_LIMIT, "field 'keywords'");
    g_string_free(many, TRUE);

    GString *wide = g_string_new("{");
    for (int i = 0; i <= VT_META_FIELDS_MAX; i++)
        g_string_append_printf(wide, "%s\"f%d\": \"x\"", i ? "," : "", i);
    g_string_append(wide, "}");
    parse_fails("wide.json", wide->str, wide->len, VT_ERR_LIMIT, "257 fields");
    g_string_free(wide, TRUE);

    char *huge = g_malloc0(VT_SIDECAR_MAX_JSON + 1);
    parse_fails("huge.json", huge, VT_SIDECAR_MAX_JSON + 1, VT_ERR_LIMIT, "over the limit");
    g_free(huge);

    parse_fails("a.txt", "{}", 2, VT_ERR_INVALID, "not a .json or .xmp file");
    parse_fails("json", "{}", 2, VT_ERR_INVALID, "not a .json or .xmp file");

    /* A hostile name is shown safely. */
    json_t *fields = NULL;
    g_assert_cmpint(vt_sidecar_parse("evil\n.json", "[]", 2, &fields), ==, VT_ERR_INVALID);
    g_assert_null(strchr(vt_error_message(), '\n'));
    g_assert_cmpint(vt_sidecar_parse(NULL, "{}", 2, &fields), ==, VT_ERR_INVALID);
}

#define XMP(body)                                                                       \
    "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"                            \
    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF"                                    \
    " xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"                       \
    "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\""     \
    " xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\">" body                     \
    "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"

static void test_xmp(void)
{
    static const char text[] = XMP(
        "<dc:title><rdf:Alt>"
        "<rdf:li xml:lang=\"x-default\">Het Lam Gods</rdf:li>"
        "<rdf:li xml:lang=\"nl-BE\">Het Lam Gods</rdf:li>"
        "<rdf:li xml:lang=\"FR\">L'Agneau mystique</rdf:li>"
        "<rdf:li xml:lang=\"es\">El Cordero Místico</rdf:li>"
        "</rdf:Alt></dc:title>"
        "<dc:subject><rdf:Bag><rdf:li>altaarstuk</rdf:li><rdf:li>Van Eyck</rdf:li>"
        "</rdf:Bag></dc:subject>"
        "<photoshop:City>Gent</photoshop:City>");
    json_t *fields = parse_ok("IMG_0001.xmp", text, sizeof text - 1);
    assert_json(fields,
                "{\"title\": [{\"value\": \"Het Lam Gods\"},"
                " {\"value\": \"Het Lam Gods\", \"lang\": \"nl\"},"
                " {\"value\": \"L'Agneau mystique\", \"lang\": \"fr\"},"
                " {\"value\": \"El Cordero Místico\"}],"
                " \"keywords\": [{\"value\": \"altaarstuk\"}, {\"value\": \"Van Eyck\"}],"
                " \"city\": [{\"value\": \"Gent\"}]}");
    json_decref(fields);

    /* XMP allows longer values than we keep: cut, not refused. */
    GString *long_xmp = g_string_new(NULL);
    char *value = g_strnfill(VT_META_VALUE_MAX_BYTES * 2, 'x');
    g_string_printf(long_xmp, XMP("<photoshop:City>%s</photoshop:City>"), value);
    g_free(value);
    fields = parse_ok("long.XMP", long_xmp->str, long_xmp->len);
    const char *city = json_string_value(
        json_object_get(json_array_get(json_object_get(fields, "city"), 0), "value"));
    g_assert_cmpuint(strlen(city), ==, VT_META_VALUE_MAX_BYTES);
    json_decref(fields);
    g_string_free(long_xmp, TRUE);

    static const char broken[] = XMP("<dc:title>unclosed");
    parse_fails("IMG_0002.xmp", broken, sizeof broken - 1, VT_ERR_INVALID,
                "XMP packet is not well-formed XML");
    parse_fails("IMG_0003.xmp", "", 0, VT_ERR_INVALID, "XMP packet is empty");
    static const char doctype[] = "<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>";
    parse_fails("IMG_0004.xmp", doctype, sizeof doctype - 1, VT_ERR_INVALID, "DOCTYPE");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sidecar/json", test_json);
    g_test_add_func("/sidecar/json-refused", test_json_refused);
    g_test_add_func("/sidecar/xmp", test_xmp);
    return g_test_run();
}
