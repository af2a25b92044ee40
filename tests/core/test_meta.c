/* test_meta.c: the metadata model: validation, edits, the merged view,
 * term normalisation and counts. */
#include <stdint.h>
#include <string.h>

#include "vt_meta.h"

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (!j)
        g_error("bad JSON in the test: %s: %s", text, error.text);
    return j;
}

/* @got equals the JSON @expected, members in the same order. */
static void assert_json(const json_t *got, const char *expected)
{
    char *text = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *want = parse(expected);
    char *want_text = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);
    g_assert_cmpstr(text, ==, want_text);
    free(text);
    free(want_text);
    json_decref(want);
}

/* @status is @expected and the message contains @part. */
static void assert_error(vt_status status, vt_status expected, const char *part)
{
    g_test_message("status %d: %s", status, vt_error_message());
    g_assert_cmpint(status, ==, expected);
    if (!strstr(vt_error_message(), part))
        g_error("message \"%s\" lacks \"%s\"", vt_error_message(), part);
}

static void test_names(void)
{
    static const char *const good[] = { "title", "t", "date_created", "object-name", "x9" };
    static const char *const bad[] = { "", "Title", "9x", "_x", "-x", "ti tle", "title.fr",
                                       "tïtle", "a\nb" };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        g_assert_cmpint(vt_meta_check_name(good[i]), ==, VT_OK);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_cmpint(vt_meta_check_name(bad[i]), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_meta_check_name(NULL), ==, VT_ERR_INVALID);

    char longest[VT_META_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[VT_META_NAME_MAX] = '\0';
    g_assert_cmpint(vt_meta_check_name(longest), ==, VT_OK);
    longest[VT_META_NAME_MAX] = 'a';
    longest[VT_META_NAME_MAX + 1] = '\0';
    assert_error(vt_meta_check_name(longest), VT_ERR_INVALID, "not a valid field name");

    /* A control character in a name is not echoed raw into the message. */
    vt_meta_check_name("a\nb");
    g_assert_null(strchr(vt_error_message(), '\n'));
}

static void test_langs(void)
{
    g_assert_true(vt_meta_lang_valid("nl"));
    g_assert_true(vt_meta_lang_valid("de"));
    g_assert_false(vt_meta_lang_valid("NL"));
    g_assert_false(vt_meta_lang_valid("es"));
    g_assert_false(vt_meta_lang_valid(""));
    g_assert_false(vt_meta_lang_valid(NULL));

    g_assert_cmpstr(vt_meta_lang_from_tag("nl-BE"), ==, "nl");
    g_assert_cmpstr(vt_meta_lang_from_tag("FR"), ==, "fr");
    g_assert_cmpstr(vt_meta_lang_from_tag("en_GB"), ==, "en");
    g_assert_null(vt_meta_lang_from_tag("x-default"));
    g_assert_null(vt_meta_lang_from_tag("nld"));
    g_assert_null(vt_meta_lang_from_tag("e"));
    g_assert_null(vt_meta_lang_from_tag(NULL));
}

static void test_parse_key(void)
{
    char *field = NULL, *lang = NULL;
    g_assert_cmpint(vt_meta_parse_key("title.fr", &field, &lang), ==, VT_OK);
    g_assert_cmpstr(field, ==, "title");
    g_assert_cmpstr(lang, ==, "fr");
    g_free(field);
    g_free(lang);

    g_assert_cmpint(vt_meta_parse_key("creator", &field, &lang), ==, VT_OK);
    g_assert_cmpstr(field, ==, "creator");
    g_assert_null(lang);
    g_free(field);

    field = lang = (char *)(uintptr_t)0x1;
    assert_error(vt_meta_parse_key("title.es", &field, &lang), VT_ERR_INVALID,
                 "language 'es' is not one of nl, fr, en, de");
    assert_error(vt_meta_parse_key("title.fr.x", &field, &lang), VT_ERR_INVALID,
                 "not one of");
    assert_error(vt_meta_parse_key("Title.fr", &field, &lang), VT_ERR_INVALID,
                 "'Title' is not a valid field name");
    assert_error(vt_meta_parse_key(".fr", &field, &lang), VT_ERR_INVALID, "empty");
    g_assert_true(field == (char *)(uintptr_t)0x1 && lang == (char *)(uintptr_t)0x1);
}

static void check_values_fails(const char *field, const char *values, vt_status expected,
                               const char *part)
{
    json_t *j = parse(values);
    assert_error(vt_meta_check_values(field, j), expected, part);
    json_decref(j);
}

static void test_check_values(void)
{
    json_t *ok = parse("[{\"value\": \"Portret\", \"lang\": \"nl\"}, {\"value\": \"x\"}]");
    g_assert_cmpint(vt_meta_check_values("title", ok), ==, VT_OK);
    json_decref(ok);

    check_values_fails("title", "[]", VT_ERR_INVALID, "field 'title' has no value");
    check_values_fails("title", "\"x\"", VT_ERR_INVALID, "not an array");
    check_values_fails("title", "[\"x\"]", VT_ERR_INVALID, "value 1 is not an object");
    check_values_fails("title", "[{\"value\": 3}]", VT_ERR_INVALID, "has no text");
    check_values_fails("title", "[{\"value\": \"\"}]", VT_ERR_INVALID, "empty");
    check_values_fails("title", "[{\"value\": \" x\"}]", VT_ERR_INVALID, "not trimmed");
    check_values_fails("title", "[{\"value\": \"a\\u0000b\"}]", VT_ERR_INVALID, "NUL");
    check_values_fails("title", "[{\"value\": \"x\", \"lang\": \"es\"}]", VT_ERR_INVALID,
                       "field 'title': language 'es'");
    check_values_fails("title", "[{\"value\": \"x\", \"colour\": \"red\"}]", VT_ERR_INVALID,
                       "unknown key 'colour'");
    check_values_fails("visibility", "[{\"value\": \"secret\"}]", VT_ERR_INVALID,
                       "public or internal");
    check_values_fails("visibility", "[{\"value\": \"public\"}, {\"value\": \"internal\"}]",
                       VT_ERR_INVALID, "exactly one value");
    check_values_fails("visibility", "[{\"value\": \"public\", \"lang\": \"nl\"}]",
                       VT_ERR_INVALID, "without a language");
    json_t *vis = parse("[{\"value\": \"internal\"}]");
    g_assert_cmpint(vt_meta_check_values("visibility", vis), ==, VT_OK);
    json_decref(vis);

    /* Length cap, in bytes. */
    char *text = g_strnfill(VT_META_VALUE_MAX_BYTES, 'a');
    json_t *values = json_pack("[{s:s}]", "value", text);
    g_assert_cmpint(vt_meta_check_values("description", values), ==, VT_OK);
    json_decref(values);
    g_free(text);
    text = g_strnfill(VT_META_VALUE_MAX_BYTES + 1, 'a');
    values = json_pack("[{s:s}]", "value", text);
    assert_error(vt_meta_check_values("description", values), VT_ERR_LIMIT,
                 "over the limit of 16384");
    json_decref(values);
    g_free(text);

    /* Count cap. */
    values = json_array();
    for (int i = 0; i <= VT_META_VALUES_MAX; i++) {
        char value[16];
        g_snprintf(value, sizeof value, "v%d", i);
        json_array_append_new(values, json_pack("{s:s}", "value", value));
    }
    assert_error(vt_meta_check_values("keywords", values), VT_ERR_LIMIT, "1001 values");
    json_array_remove(values, 0);
    g_assert_cmpint(vt_meta_check_values("keywords", values), ==, VT_OK);
    json_decref(values);

    /* Fields. */
    json_t *fields = parse("{\"title\": [{\"value\": \"x\"}], \"Bad\": [{\"value\": \"x\"}]}");
    assert_error(vt_meta_check_fields(fields), VT_ERR_INVALID, "'Bad'");
    json_decref(fields);
    fields = json_object();
    for (int i = 0; i <= VT_META_FIELDS_MAX; i++) {
        char name[16];
        g_snprintf(name, sizeof name, "f%d", i);
        json_object_set_new(fields, name, json_pack("[{s:s}]", "value", "x"));
    }
    assert_error(vt_meta_check_fields(fields), VT_ERR_LIMIT, "257 fields");
    json_decref(fields);
}

static void test_values_from_json(void)
{
    json_t *values = json_array();
    json_t *spec = parse("[\" Portret \", {\"value\": \"Portrait\", \"lang\": \"fr\"}, "
                         "\"Portret\", \"  \", {\"value\": \"Bildnis\"}]");
    g_assert_cmpint(vt_meta_values_from_json("title", NULL, spec, values), ==, VT_OK);
    assert_json(values, "[{\"value\": \"Portret\"}, {\"value\": \"Portrait\", \"lang\": \"fr\"},"
                        " {\"value\": \"Bildnis\"}]");
    json_decref(spec);
    json_decref(values);

    /* The key's language applies to values without their own. */
    values = json_array();
    spec = parse("[\"Bildnis\", {\"value\": \"Porträt\", \"lang\": \"de\"}]");
    g_assert_cmpint(vt_meta_values_from_json("title", "de", spec, values), ==, VT_OK);
    assert_json(values, "[{\"value\": \"Bildnis\", \"lang\": \"de\"},"
                        " {\"value\": \"Porträt\", \"lang\": \"de\"}]");
    json_decref(spec);
    json_decref(values);

    static const struct {
        const char *lang;
        const char *spec;
        const char *part;
    } bad[] = {
        { NULL, "3", "not a number" },
        { NULL, "null", "not null" },
        { NULL, "[[\"x\"]]", "not an array inside an array" },
        { NULL, "{\"text\": \"x\"}", "unknown key 'text'" },
        { NULL, "{\"lang\": \"nl\"}", "needs \"value\"" },
        { NULL, "{\"value\": \"x\", \"lang\": \"it\"}", "language 'it'" },
        { NULL, "{\"value\": \"x\", \"lang\": 1}", "not a string" },
        { "fr", "{\"value\": \"x\", \"lang\": \"nl\"}", "write it under 'title.nl'" },
        { NULL, "\"a\\u0000b\"", "NUL" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        values = json_array();
        spec = parse(bad[i].spec);
        assert_error(vt_meta_values_from_json("title", bad[i].lang, spec, values),
                     VT_ERR_INVALID, bad[i].part);
        json_decref(spec);
        json_decref(values);
    }
}

static void test_add_value(void)
{
    json_t *fields = json_object();
    g_assert_cmpint(vt_meta_add_value(fields, "title", "  Portret \n", 11, "nl-BE"), ==, VT_OK);
    g_assert_cmpint(vt_meta_add_value(fields, "title", "Portret", 7, "NL"), ==, VT_OK);
    g_assert_cmpint(vt_meta_add_value(fields, "title", "Portrait", 8, "es"), ==, VT_OK);
    g_assert_cmpint(vt_meta_add_value(fields, "title", "   ", 3, NULL), ==, VT_OK);
    /* Not NUL-terminated: only @len bytes count. */
    g_assert_cmpint(vt_meta_add_value(fields, "object", "paneelXXX", 6, NULL), ==, VT_OK);
    /* Invalid UTF-8 is repaired, a NUL ends the value. */
    g_assert_cmpint(vt_meta_add_value(fields, "creator", "Ru\xff" "bens\0junk", 12, NULL), ==,
                    VT_OK);
    g_assert_cmpint(vt_meta_add_value(fields, "empty", "", 0, NULL), ==, VT_OK);
    assert_json(fields, "{\"title\": [{\"value\": \"Portret\", \"lang\": \"nl\"},"
                        " {\"value\": \"Portrait\"}],"
                        " \"object\": [{\"value\": \"paneel\"}],"
                        " \"creator\": [{\"value\": \"Ru\xef\xbf\xbd" "bens\"}]}");
    g_assert_cmpint(vt_meta_check_fields(fields), ==, VT_OK);

    assert_error(vt_meta_add_value(fields, "Bad Name", "x", 1, NULL), VT_ERR_INVALID,
                 "not a valid field name");

    /* Cut on a character boundary: 'é' is two bytes and straddles the cap. */
    GString *text = g_string_new("a");
    while (text->len < VT_META_VALUE_MAX_BYTES + 10)
        g_string_append(text, "é");
    g_assert_cmpint(vt_meta_add_value(fields, "description", text->str, text->len, NULL), ==,
                    VT_OK);
    const char *cut = json_string_value(
        json_object_get(json_array_get(json_object_get(fields, "description"), 0), "value"));
    g_assert_cmpuint(strlen(cut), ==, VT_META_VALUE_MAX_BYTES - 1);
    g_assert_true(g_utf8_validate(cut, -1, NULL));
    g_string_free(text, TRUE);

    /* Values over the cap are dropped, not an error. */
    for (int i = 0; i < VT_META_VALUES_MAX + 50; i++) {
        char value[16];
        g_snprintf(value, sizeof value, "k%d", i);
        g_assert_cmpint(vt_meta_add_value(fields, "keywords", value, strlen(value), NULL), ==,
                        VT_OK);
    }
    g_assert_cmpuint(json_array_size(json_object_get(fields, "keywords")), ==,
                     VT_META_VALUES_MAX);
    g_assert_cmpint(vt_meta_check_fields(fields), ==, VT_OK);
    json_decref(fields);
}

static json_t *metadata_sample(void)
{
    return parse("{\"harvested\": {\"title\": [{\"value\": \"Portret van een man\", \"lang\":"
                 " \"nl\"}], \"object\": [{\"value\": \"schilderij\"}]},"
                 " \"custom\": {\"note\": [{\"value\": \"achterzijde\"}],"
                 " \"label\": [{\"value\": \"Paneel\", \"lang\": \"nl\"},"
                 " {\"value\": \"Panneau\", \"lang\": \"fr\"}]}}");
}

static vt_status edit(json_t *metadata, const char *edit_text, const char *const *harvested,
                      bool *ret_changed)
{
    json_t *e = parse(edit_text);
    vt_status status = vt_meta_apply_edit(metadata, e, harvested, ret_changed);
    json_decref(e);
    return status;
}

static void test_edit(void)
{
    json_t *m = metadata_sample();
    bool changed = false;

    /* A string replaces the whole field. */
    g_assert_cmpint(edit(m, "{\"set\": {\"note\": \" verso \"}}", NULL, &changed), ==, VT_OK);
    g_assert_true(changed);
    assert_json(json_object_get(m, "custom"),
                "{\"note\": [{\"value\": \"verso\"}], \"label\": [{\"value\": \"Paneel\","
                " \"lang\": \"nl\"}, {\"value\": \"Panneau\", \"lang\": \"fr\"}]}");

    /* FIELD.LANG replaces that language only. */
    g_assert_cmpint(edit(m, "{\"set\": {\"label.fr\": \"Tableau\"}}", NULL, &changed), ==,
                    VT_OK);
    assert_json(json_object_get(json_object_get(m, "custom"), "label"),
                "[{\"value\": \"Paneel\", \"lang\": \"nl\"},"
                " {\"value\": \"Tableau\", \"lang\": \"fr\"}]");

    /* The same again changes nothing. */
    g_assert_cmpint(edit(m, "{\"set\": {\"label.fr\": [\"Tableau\"]}}", NULL, &changed), ==,
                    VT_OK);
    g_assert_false(changed);

    /* Plain and language keys of one field together: their union. */
    g_assert_cmpint(edit(m, "{\"set\": {\"keywords.en\": \"varnish\", \"keywords\": [\"vernis\","
                            " {\"value\": \"Firnis\", \"lang\": \"de\"}]}}", NULL, &changed),
                    ==, VT_OK);
    assert_json(json_object_get(json_object_get(m, "custom"), "keywords"),
                "[{\"value\": \"varnish\", \"lang\": \"en\"}, {\"value\": \"vernis\"},"
                " {\"value\": \"Firnis\", \"lang\": \"de\"}]");

    /* Unset a language, then a whole field; unsetting nothing is fine. */
    g_assert_cmpint(edit(m, "{\"unset\": [\"keywords.de\", \"note\", \"absent\"]}", NULL,
                         &changed), ==, VT_OK);
    g_assert_true(changed);
    g_assert_null(json_object_get(json_object_get(m, "custom"), "note"));
    g_assert_cmpuint(json_array_size(json_object_get(json_object_get(m, "custom"),
                                                     "keywords")), ==, 2);
    g_assert_cmpint(edit(m, "{\"unset\": [\"label.de\"]}", NULL, &changed), ==, VT_OK);
    g_assert_false(changed);

    /* Unset runs before set. */
    g_assert_cmpint(edit(m, "{\"unset\": [\"keywords\"], \"set\": {\"keywords.nl\": \"olieverf\"}}",
                         NULL, NULL), ==, VT_OK);
    assert_json(json_object_get(json_object_get(m, "custom"), "keywords"),
                "[{\"value\": \"olieverf\", \"lang\": \"nl\"}]");

    /* Visibility. */
    g_assert_cmpint(edit(m, "{\"set\": {\"visibility\": \"internal\"}}", NULL, NULL), ==, VT_OK);
    assert_error(edit(m, "{\"set\": {\"visibility\": \"hidden\"}}", NULL, NULL), VT_ERR_INVALID,
                 "public or internal");
    assert_error(edit(m, "{\"set\": {\"visibility.nl\": \"public\"}}", NULL, NULL),
                 VT_ERR_INVALID, "without a language");
    json_decref(m);
}

static void test_edit_refused(void)
{
    json_t *m = metadata_sample();
    char *before = json_dumps(m, JSON_COMPACT);
    static const char *const configured[] = { "creator", NULL };
    static const struct {
        const char *edit;
        vt_status status;
        const char *part;
    } bad[] = {
        { "{\"set\": {\"title\": \"Mijn titel\"}}", VT_ERR_INVALID,
          "the field 'title' is harvested from the collection system and cannot be edited "
          "here; add a custom field instead" },
        { "{\"set\": {\"title.fr\": \"x\"}}", VT_ERR_INVALID, "'title' is harvested" },
        { "{\"unset\": [\"object\"]}", VT_ERR_INVALID, "'object' is harvested" },
        /* Configured as harvested, though this asset has no value yet. */
        { "{\"set\": {\"creator\": \"Rubens\"}}", VT_ERR_INVALID, "'creator' is harvested" },
        /* All or nothing: the first key is fine, the second is not. */
        { "{\"set\": {\"note\": \"x\", \"Bad\": \"y\"}}", VT_ERR_INVALID, "'Bad'" },
        { "{\"unset\": [\"note\"], \"set\": {\"label\": 3}}", VT_ERR_INVALID, "not a number" },
        { "{\"set\": {\"note\": \"  \"}}", VT_ERR_INVALID, "to remove a field, unset it" },
        { "{\"set\": {\"note\": []}}", VT_ERR_INVALID, "to remove a field, unset it" },
        { "{\"set\": {\"note.es\": \"x\"}}", VT_ERR_INVALID, "language 'es'" },
        { "{\"set\": [\"note\"]}", VT_ERR_INVALID, "\"set\" must be an object" },
        { "{\"unset\": \"note\"}", VT_ERR_INVALID, "\"unset\" must be an array" },
        { "{\"unset\": [3]}", VT_ERR_INVALID, "\"unset\" must be an array" },
        { "{\"delete\": [\"note\"]}", VT_ERR_INVALID, "unknown key 'delete'" },
        { "[]", VT_ERR_INVALID, "an edit must be an object" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        bool changed = true;
        g_test_message("edit %s", bad[i].edit);
        assert_error(edit(m, bad[i].edit, configured, &changed), bad[i].status, bad[i].part);
        g_assert_true(changed);  /* untouched */
        char *after = json_dumps(m, JSON_COMPACT);
        g_assert_cmpstr(after, ==, before);
        free(after);
    }
    free(before);

    /* Too long a value; too many values. */
    char *text = g_strnfill(VT_META_VALUE_MAX_BYTES + 1, 'x');
    json_t *e = json_pack("{s:{s:s}}", "set", "note", text);
    assert_error(vt_meta_apply_edit(m, e, NULL, NULL), VT_ERR_LIMIT, "field 'note'");
    json_decref(e);
    g_free(text);

    /* Metadata without a custom part gets one; damaged metadata is refused. */
    json_t *bare = json_object();
    bool changed = false;
    g_assert_cmpint(edit(bare, "{\"set\": {\"note\": \"x\"}}", NULL, &changed), ==, VT_OK);
    g_assert_true(changed);
    assert_json(bare, "{\"custom\": {\"note\": [{\"value\": \"x\"}]}}");
    json_decref(bare);
    json_t *damaged = parse("{\"custom\": []}");
    assert_error(edit(damaged, "{\"set\": {\"note\": \"x\"}}", NULL, NULL), VT_ERR_INVALID,
                 "custom metadata is not a JSON object");
    json_decref(damaged);
    json_decref(m);
}

static void test_args(void)
{
    const char *set[] = { "title.fr=Portrait d'un homme", "keywords=vernis",
                          "keywords=formule=E=mc2" };
    json_t *e = NULL;
    assert_error(vt_meta_edit_from_set_args(set, 0, &e), VT_ERR_INVALID, "nothing to set");
    g_assert_cmpint(vt_meta_edit_from_set_args(set, G_N_ELEMENTS(set), &e), ==, VT_OK);
    assert_json(e, "{\"set\": {\"title.fr\": [\"Portrait d'un homme\"],"
                   " \"keywords\": [\"vernis\", \"formule=E=mc2\"]}}");
    json_decref(e);
    e = NULL;

    static const struct {
        const char *arg;
        const char *part;
    } bad[] = {
        { "title", "is not FIELD=VALUE or FIELD.LANG=VALUE (e.g. title.fr=Portrait)" },
        { "Title=x", "'Title' is not a valid field name" },
        { "title.es=x", "language 'es'" },
        { "title=", "to remove a field, unset it" },
        { "visibility=hidden", "public or internal" },
        { "title=\xff", "not valid UTF-8" },
        { "=x", "empty" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *args[] = { "note=fine", bad[i].arg };
        json_t *untouched = (json_t *)(uintptr_t)0x1;
        assert_error(vt_meta_edit_from_set_args(args, 2, &untouched), VT_ERR_INVALID,
                     bad[i].part);
        g_assert_true(untouched == (json_t *)(uintptr_t)0x1);
    }

    const char *unset[] = { "title.fr", "note", "title.fr" };
    g_assert_cmpint(vt_meta_edit_from_unset_args(unset, G_N_ELEMENTS(unset), &e), ==, VT_OK);
    assert_json(e, "{\"unset\": [\"title.fr\", \"note\"]}");
    json_decref(e);
    const char *bad_unset[] = { "note", "note=x" };
    assert_error(vt_meta_edit_from_unset_args(bad_unset, 2, &e), VT_ERR_INVALID,
                 "'note=x' is not a valid field name");
    assert_error(vt_meta_edit_from_unset_args(bad_unset, 0, &e), VT_ERR_INVALID,
                 "nothing to unset");

    /* Round trip: the args' edit applies as expected. */
    json_t *m = metadata_sample();
    const char *args[] = { "label.fr=Tableau", "visibility=internal" };
    g_assert_cmpint(vt_meta_edit_from_set_args(args, 2, &e), ==, VT_OK);
    g_assert_cmpint(vt_meta_apply_edit(m, e, NULL, NULL), ==, VT_OK);
    json_decref(e);
    assert_json(json_object_get(m, "custom"),
                "{\"note\": [{\"value\": \"achterzijde\"}], \"label\": [{\"value\": \"Paneel\","
                " \"lang\": \"nl\"}, {\"value\": \"Tableau\", \"lang\": \"fr\"}],"
                " \"visibility\": [{\"value\": \"internal\"}]}");
    const char *harvested[] = { "title.nl=x" };
    g_assert_cmpint(vt_meta_edit_from_set_args(harvested, 1, &e), ==, VT_OK);
    assert_error(vt_meta_apply_edit(m, e, NULL, NULL), VT_ERR_INVALID, "'title' is harvested");
    json_decref(e);
    json_decref(m);
}

static void test_args_key_with_blanks(void)
{
    /* The key is taken as typed: " note " is not a field name. */
    const char *args[] = { " note = verso " };
    json_t *e = NULL;
    assert_error(vt_meta_edit_from_set_args(args, 1, &e), VT_ERR_INVALID,
                 "not a valid field name");
}

/* The view shares the stored strings instead of copying them: it must read
 * as the copies did (text cut at a NUL, as json_string() of the C text
 * made it; non-ASCII kept) and outlive the metadata it came from. */
static void test_merged_shared(void)
{
    json_t *custom = json_pack("{s:[{s:o, s:s}, {s:s, s:s}], s:[{s:o}]}", "title", "value",
                               json_stringn("voor\0zijde", 10), "lang", "nl", "value",
                               "Vierge \xc3\xa0 l'enfant", "lang", "fr", "note", "value",
                               json_stringn("a\0b", 3));
    json_t *m = json_pack("{s:o}", "custom", custom);
    json_t *embedded = parse("{\"title\": [{\"value\": \"voor\", \"lang\": \"nl\"},"
                             " {\"value\": \"Vierge \u00e0 l'enfant\", \"lang\": \"en\"}],"
                             " \"note\": [{\"value\": \"a\"}, {\"value\": \"b\"}]}");
    json_t *view = NULL;
    g_assert_cmpint(vt_meta_merged(m, embedded, &view), ==, VT_OK);
    json_decref(m);
    json_decref(embedded);
    assert_json(view,
                "{\"title\": [{\"value\": \"voor\", \"lang\": \"nl\", \"source\": \"custom\"},"
                " {\"value\": \"Vierge \u00e0 l'enfant\", \"lang\": \"fr\", \"source\": \"custom\"},"
                " {\"value\": \"Vierge \u00e0 l'enfant\", \"lang\": \"en\", \"source\": \"embedded\"}],"
                " \"note\": [{\"value\": \"a\", \"source\": \"custom\"},"
                " {\"value\": \"b\", \"source\": \"embedded\"}]}");
    const json_t *cut = json_object_get(json_array_get(json_object_get(view, "note"), 0), "value");
    g_assert_cmpuint(json_string_length(cut), ==, 1);
    json_decref(view);
}

static void test_merged(void)
{
    json_t *m = parse("{\"harvested\": {\"title\": [{\"value\": \"Portret\", \"lang\": \"nl\"}],"
                      " \"object\": [{\"value\": \"paneel\"}]},"
                      " \"custom\": {\"title\": [{\"value\": \"Mijn portret\"}],"
                      " \"keywords\": [{\"value\": \"vernis\"}, {\"broken\": 1}]}}");
    json_t *embedded = parse("{\"title\": [{\"value\": \"Portret\", \"lang\": \"nl\"},"
                             " {\"value\": \"IMG_0001\"}], \"camera\": [{\"value\": \"Canon\"}]}");
    json_t *view = NULL;
    g_assert_cmpint(vt_meta_merged(m, embedded, &view), ==, VT_OK);
    assert_json(view,
                "{\"title\": [{\"value\": \"Mijn portret\", \"source\": \"custom\"},"
                " {\"value\": \"Portret\", \"lang\": \"nl\", \"source\": \"harvested\"},"
                " {\"value\": \"IMG_0001\", \"source\": \"embedded\"}],"
                " \"keywords\": [{\"value\": \"vernis\", \"source\": \"custom\"}],"
                " \"object\": [{\"value\": \"paneel\", \"source\": \"harvested\"}],"
                " \"camera\": [{\"value\": \"Canon\", \"source\": \"embedded\"}]}");
    json_decref(view);

    g_assert_cmpint(vt_meta_merged(NULL, NULL, &view), ==, VT_OK);
    assert_json(view, "{}");
    json_decref(view);
    json_decref(m);
    json_decref(embedded);
}

static void test_normalise(void)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        { "Vernis", "vernis" },
        { "vernis ", "vernis" },
        { "VERNIS", "vernis" },
        { "  Vérnis\t", "vernis" },
        { "Ve\xcc\x81rnis", "vernis" },              /* NFD input */
        { "Jan   van\n Eyck", "jan van eyck" },
        { "Straße", "strasse" },
        { "\xef\xac\x81guur", "figuur" },            /* the "fi" ligature */
        { "Ŝkodā Çedilla", "skoda cedilla" },
        { "Öl\xc2\xa0" "auf Holz", "ol auf holz" },     /* a no-break space */
        { "漆", "漆" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = vt_meta_normalise_term(cases[i].in);
        g_assert_cmpstr(got, ==, cases[i].out);
        g_free(got);
    }
    g_assert_null(vt_meta_normalise_term(NULL));
    g_assert_null(vt_meta_normalise_term(""));
    g_assert_null(vt_meta_normalise_term(" \t\n"));
    g_assert_null(vt_meta_normalise_term("\xcc\x81"));  /* a lone combining mark */
    g_assert_null(vt_meta_normalise_term("bad\xff"));
}

static unsigned count_of(GHashTable *counts, const char *field, const char *term)
{
    GHashTable *terms = g_hash_table_lookup(counts, field);
    const vt_meta_term *t = terms ? g_hash_table_lookup(terms, term) : NULL;
    return t ? t->count : 0;
}

static void test_count_terms(void)
{
    GHashTable *counts = vt_meta_term_counts_new();
    json_t *a = parse("{\"custom\": {\"keywords\": [{\"value\": \"Vernis\"},"
                      " {\"value\": \"vernis \"}, {\"value\": \"Paneel\"}]},"
                      " \"harvested\": {\"keywords\": [{\"value\": \"VERNIS\"}],"
                      " \"creator\": [{\"value\": \"Rubens\"}]}}");
    json_t *b = parse("{\"custom\": {\"keywords\": [{\"value\": \"vérnis\"}]},"
                      " \"embedded\": {\"creator\": [{\"value\": \"rubens\"}]}}");
    char *long_text = g_strnfill(VT_META_TERM_MAX_BYTES + 1, 'x');
    json_t *c = json_pack("{s:{s:[{s:s}]}}", "custom", "description", "value", long_text);
    g_free(long_text);

    vt_meta_count_terms(a, +1, counts);
    vt_meta_count_terms(b, +1, counts);
    vt_meta_count_terms(c, +1, counts);
    /* Once per asset, whatever the spellings and sources. */
    g_assert_cmpuint(count_of(counts, "keywords", "vernis"), ==, 2);
    g_assert_cmpuint(count_of(counts, "keywords", "paneel"), ==, 1);
    g_assert_cmpuint(count_of(counts, "creator", "rubens"), ==, 2);
    g_assert_null(g_hash_table_lookup(counts, "description"));
    const vt_meta_term *t = g_hash_table_lookup(g_hash_table_lookup(counts, "keywords"),
                                                "vernis");
    g_assert_cmpstr(t->display, ==, "Vernis");

    vt_meta_count_terms(a, -1, counts);
    g_assert_cmpuint(count_of(counts, "keywords", "vernis"), ==, 1);
    g_assert_cmpuint(count_of(counts, "keywords", "paneel"), ==, 0);
    g_assert_false(g_hash_table_contains(g_hash_table_lookup(counts, "keywords"), "paneel"));
    vt_meta_count_terms(b, -1, counts);
    g_assert_cmpuint(g_hash_table_size(counts), ==, 0);
    /* Removing what was never counted does nothing. */
    vt_meta_count_terms(b, -1, counts);
    g_assert_cmpuint(g_hash_table_size(counts), ==, 0);

    g_hash_table_unref(counts);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_field_label(void)
{
    g_autofree char *a = vt_meta_field_label("object_type");
    g_autofree char *b = vt_meta_field_label("date-taken");
    g_autofree char *c = vt_meta_field_label("title");
    g_assert_cmpstr(a, ==, "Object type");
    g_assert_cmpstr(b, ==, "Date taken");
    g_assert_cmpstr(c, ==, "Title");
}

/* The title shown everywhere: English, else the first; none without titles. */
static void test_label(void)
{
    json_t *titles = json_pack("[{s:s, s:s}, {s:s}, {s:s, s:s}]", "value", "Recto na reiniging",
                               "lang", "nl", "value", "Recto", "value", "Recto after cleaning",
                               "lang", "en");
    g_assert_cmpstr(json_string_value(json_object_get(vt_meta_label_value(titles), "value")), ==,
                    "Recto after cleaning");
    json_array_remove(titles, 2);
    g_assert_cmpstr(json_string_value(json_object_get(vt_meta_label_value(titles), "value")), ==,
                    "Recto na reiniging");
    json_array_clear(titles);
    g_assert_null(vt_meta_label_value(titles));
    g_assert_null(vt_meta_label_value(NULL));
    json_decref(titles);
}

/* Issue 13, Medium 6: caps on a value's words and on one asset's custom
 * metadata, each refused with a message; the forgiving way in cuts. */
static void test_caps(void)
{
    GString *words = g_string_new(NULL);
    for (int i = 0; i < VT_META_VALUE_MAX_WORDS; i++)
        g_string_append(words, i ? " w" : "w");
    g_assert_cmpuint(vt_meta_count_words(words->str), ==, VT_META_VALUE_MAX_WORDS);
    g_assert_cmpuint(vt_meta_count_words("a,b;c  d-e"), ==, 5);
    json_t *values = json_pack("[{s:s}]", "value", words->str);
    g_assert_cmpint(vt_meta_check_values("note", values), ==, VT_OK);
    json_decref(values);
    g_string_append(words, " one-more");
    values = json_pack("[{s:s}]", "value", words->str);
    g_assert_cmpint(vt_meta_check_values("note", values), ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "1002 words, over the limit of 1000"));
    json_decref(values);

    /* The forgiving way in keeps the first 1000 words. */
    json_t *fields = json_object();
    g_assert_cmpint(vt_meta_add_value(fields, "note", words->str, words->len, NULL), ==, VT_OK);
    const char *kept = json_string_value(json_object_get(json_array_get(json_object_get(fields,
                                                         "note"), 0), "value"));
    g_assert_cmpuint(vt_meta_count_words(kept), ==, VT_META_VALUE_MAX_WORDS);
    g_assert_null(strstr(kept, "more"));
    json_decref(fields);
    g_string_free(words, TRUE);

    /* One asset's custom metadata: edits add up to the cap, then stop. */
    GString *big = g_string_new(NULL);
    while (big->len < 5000)
        g_string_append(big, "abcdefghijklmn ");
    g_strchomp(big->str);
    json_t *meta = json_object();
    vt_status st = VT_OK;
    int applied = 0;
    for (int i = 0; i < 6 && st == VT_OK; i++) {
        g_autofree char *field = g_strdup_printf("f%d", i);
        json_t *edit = json_pack("{s:{s:s}}", "set", field, big->str);
        st = vt_meta_apply_edit(meta, edit, NULL, NULL);
        applied += st == VT_OK;
        json_decref(edit);
    }
    g_assert_cmpint(st, ==, VT_ERR_LIMIT);
    g_assert_cmpint(applied, ==, 4);
    g_assert_nonnull(strstr(vt_error_message(), "over the limit of 20480 for one asset"));
    g_assert_cmpuint(json_object_size(json_object_get(meta, "custom")), ==, 4);
    g_assert_cmpuint(vt_meta_fields_size(json_object_get(meta, "custom")), <=,
                     VT_META_CUSTOM_MAX_BYTES);
    /* A sidecar over the cap is refused as a whole. */
    json_t *side = json_deep_copy(json_object_get(meta, "custom"));
    json_object_set_new(side, "f9", json_pack("[{s:s}]", "value", big->str));
    g_assert_cmpint(vt_meta_check_custom(side), ==, VT_ERR_LIMIT);
    g_assert_cmpint(vt_meta_check_fields(side), ==, VT_OK);
    json_decref(side);
    /* Removing is always possible. */
    json_t *unset = json_pack("{s:[s]}", "unset", "f0");
    g_assert_cmpint(vt_meta_apply_edit(meta, unset, NULL, NULL), ==, VT_OK);
    json_decref(unset);
    json_decref(meta);
    g_string_free(big, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/meta/names", test_names);
    g_test_add_func("/meta/field-label", test_field_label);
    g_test_add_func("/meta/langs", test_langs);
    g_test_add_func("/meta/parse-key", test_parse_key);
    g_test_add_func("/meta/check-values", test_check_values);
    g_test_add_func("/meta/values-from-json", test_values_from_json);
    g_test_add_func("/meta/add-value", test_add_value);
    g_test_add_func("/meta/edit", test_edit);
    g_test_add_func("/meta/edit-refused", test_edit_refused);
    g_test_add_func("/meta/args", test_args);
    g_test_add_func("/meta/args-key-with-blanks", test_args_key_with_blanks);
    g_test_add_func("/meta/merged", test_merged);
    g_test_add_func("/meta/merged-shared", test_merged_shared);
    g_test_add_func("/meta/label", test_label);
    g_test_add_func("/meta/normalise", test_normalise);
    g_test_add_func("/meta/count-terms", test_count_terms);
    g_test_add_func("/meta/caps", test_caps);
    return g_test_run();
}
