/* test_harvest_map.c: harvest configuration, URLs, and the mapping of JSON
 * and XML answers (fixtures in tests/core/harvest/). */
#include <stdint.h>
#include <string.h>

#include "vt_harvest_map.h"
#include "vt_meta.h"

#define JSON_CONFIG                                                      \
    "[harvest]\n"                                                        \
    "url=https://collection.example.org/api/interventions/{intervention}   # the API\n" \
    "format=json                     # json | xml\n"                     \
    "timeout-seconds=5\n"                                                \
    "[harvest-fields]\n"                                                 \
    "title=/title\n"                                                     \
    "title.fr=/titles/fr\n"                                              \
    "title.en=/titles/en   # trimmed\n"                                  \
    "title.de=/titles/de\n"                                              \
    "object=/object/name\n"                                              \
    "creator=/object/creator\n"                                          \
    "inventory=/object/number\n"                                         \
    "height=/object/dimensions/height_cm\n"                              \
    "date=/object/date\n"                                                \
    "restored=/object/restored\n"                                        \
    "dimensions=/object/dimensions\n"                                    \
    "materials=/materials\n"                                             \
    "slash=/a~1b\n"                                                      \
    "tilde=/m~0n\n"                                                      \
    "conservator=/conservators/0/name\n"                                 \
    "conservator-2=/conservators/01/name\n"                              \
    "missing=/nope/x\n"                                                  \
    "keywords=/keywords\n"

#define XML_CONFIG                                                       \
    "[harvest]\n"                                                        \
    "url=http://127.0.0.1:8080/record?id={intervention}&full=1\n"        \
    "format=xml\n"                                                       \
    "refresh-hours=0\n"                                                  \
    "[harvest-namespaces]\n"                                             \
    "i=http://collection.example.org/ns/intervention\n"                  \
    "[harvest-fields]\n"                                                 \
    "title.nl=/i:intervention/i:title[@xml:lang='nl']\n"                 \
    "title.fr=/i:intervention/i:title[@xml:lang='fr']\n"                 \
    "title.en=/i:intervention/i:title[@xml:lang='en']\n"                 \
    "object=/i:intervention/i:object/i:name\n"                           \
    "creator=//i:creator\n"                                              \
    "role=//i:creator/@role\n"                                           \
    "intervention=/i:intervention/@number\n"                             \
    "inventory=number(/i:intervention/i:object/i:number)\n"              \
    "materials-count=count(//i:material)\n"                              \
    "summary=concat(//i:object/i:name, ' (', /i:intervention/@number, ')')\n" \
    "note=//i:note\n"                                                    \
    "materials=//i:material\n"                                           \
    "flag=boolean(//i:material)\n"                                       \
    "nothing=number('x')\n"                                              \
    "unprefixed=/intervention/title\n"

static vt_harvest_config *load(const char *text)
{
    GKeyFile *kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, NULL));
    vt_harvest_config *config = NULL;
    vt_status status = vt_harvest_config_load(kf, &config);
    if (status != VT_OK)
        g_error("config refused: %s", vt_error_message());
    g_key_file_free(kf);
    return config;
}

/* Loads @text, which must fail; returns the message (caller frees). */
static char *load_fails(const char *text)
{
    GKeyFile *kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, NULL));
    vt_harvest_config *config = (vt_harvest_config *)(uintptr_t)0x1;
    vt_status status = vt_harvest_config_load(kf, &config);
    g_test_message("%s", vt_error_message());
    g_assert_cmpint(status, ==, VT_ERR_CONFIG);
    g_assert_true(config == (vt_harvest_config *)(uintptr_t)0x1);
    g_key_file_free(kf);
    return g_strdup(vt_error_message());
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        g_error("\"%s\" lacks \"%s\"", text, part);
}

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

static char *fixture(const char *name, gsize *ret_len)
{
    const char *source = g_getenv("VT_SOURCE_DIR");
    if (!source)
        return NULL;
    char *path = g_build_filename(source, "tests", "core", "harvest", name, NULL);
    char *data = NULL;
    GError *error = NULL;
    if (!g_file_get_contents(path, &data, ret_len, &error))
        g_error("%s", error->message);
    g_free(path);
    return data;
}

static void map_fails(const vt_harvest_config *config, const char *body, size_t len,
                      vt_status expected, const char *part)
{
    json_t *fields = (json_t *)(uintptr_t)0x1;
    vt_error_clear();
    vt_status status = vt_harvest_map(config, body, len, &fields);
    g_test_message("status %d: %s", status, vt_error_message());
    g_assert_cmpint(status, ==, expected);
    g_assert_true(fields == (json_t *)(uintptr_t)0x1);
    assert_contains(vt_error_message(), part);
}

/* ---- configuration ------------------------------------------------------ */

static void test_config(void)
{
    vt_harvest_config *config = load(JSON_CONFIG);
    g_assert_cmpint(vt_harvest_config_format(config), ==, VT_HARVEST_JSON);
    g_assert_cmpint(vt_harvest_config_timeout_seconds(config), ==, 5);
    g_assert_cmpint(vt_harvest_config_refresh_hours(config), ==, 24);
    const char *const *fields = vt_harvest_config_fields(config);
    g_assert_cmpstr(fields[0], ==, "title");
    g_assert_cmpstr(fields[1], ==, "object");  /* title.fr, title.en: the same field */
    g_assert_cmpuint(g_strv_length((char **)fields), ==, 15);

    /* The inline comment is not part of the URL. */
    char *url = NULL;
    g_assert_cmpint(vt_harvest_url(config, "2019.12345", &url), ==, VT_OK);
    g_assert_cmpstr(url, ==, "https://collection.example.org/api/interventions/2019.12345");
    g_free(url);
    g_assert_cmpint(vt_harvest_url(config, "a b/c?d=é", &url), ==, VT_OK);
    g_assert_cmpstr(url, ==,
                    "https://collection.example.org/api/interventions/a%20b%2Fc%3Fd%3D%C3%A9");
    g_free(url);
    url = (char *)(uintptr_t)0x1;
    g_assert_cmpint(vt_harvest_url(config, "", &url), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_harvest_url(config, "\xff", &url), ==, VT_ERR_INVALID);
    char *long_number = g_strnfill(VT_HARVEST_MAX_INTERVENTION + 1, '1');
    g_assert_cmpint(vt_harvest_url(config, long_number, &url), ==, VT_ERR_INVALID);
    g_free(long_number);
    g_assert_true(url == (char *)(uintptr_t)0x1);
    vt_harvest_config_free(config);

    config = load(XML_CONFIG);
    g_assert_cmpint(vt_harvest_config_format(config), ==, VT_HARVEST_XML);
    g_assert_cmpint(vt_harvest_config_timeout_seconds(config), ==, 10);
    g_assert_cmpint(vt_harvest_config_refresh_hours(config), ==, 0);
    g_assert_cmpint(vt_harvest_url(config, "7", &url), ==, VT_OK);
    g_assert_cmpstr(url, ==, "http://127.0.0.1:8080/record?id=7&full=1");
    g_free(url);
    vt_harvest_config_free(config);
    vt_harvest_config_free(NULL);

    /* No [harvest]: harvest is off. */
    GKeyFile *kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_data(kf, "[vitrine]\nworkers=2\n", (gsize)-1, 0, NULL));
    config = (vt_harvest_config *)(uintptr_t)0x1;
    g_assert_cmpint(vt_harvest_config_load(kf, &config), ==, VT_OK);
    g_assert_null(config);
    g_key_file_free(kf);
}

static void test_config_problems(void)
{
    char *message = load_fails("[harvest]\n"
                               "url=ftp://collection.example.org/{intervention}\n"
                               "format=yaml\n"
                               "timeout-seconds=0\n"
                               "refresh-hours=daily\n"
                               "retries=3\n"
                               "[harvest-namespaces]\n"
                               "x=http://example.org/x\n"
                               "[harvest-fields]\n"
                               "Title=/title\n"
                               "title.es=/title\n"
                               "object=object/name\n"
                               "creator=/a~2b\n"
                               "visibility=/public\n"
                               "date=\n");
    assert_contains(message, "12 problems in the harvest configuration");
    assert_contains(message, "[harvest] url: 'ftp://collection.example.org/{intervention}' is "
                             "not an http:// or https:// URL");
    assert_contains(message, "[harvest] format: 'yaml' is neither json nor xml");
    assert_contains(message, "[harvest] timeout-seconds: '0' is not a whole number from 1 to 300");
    assert_contains(message, "[harvest] refresh-hours: 'daily'");
    assert_contains(message, "[harvest] retries: unknown key");
    assert_contains(message, "[harvest-namespaces]: only used with format=xml");
    assert_contains(message, "[harvest-fields] Title: 'Title' is not a valid field name");
    assert_contains(message, "[harvest-fields] title.es: field 'title': language 'es'");
    assert_contains(message, "[harvest-fields] object: 'object/name' is not a JSON pointer");
    assert_contains(message, "[harvest-fields] creator: '/a~2b': '~' must be followed by 0");
    assert_contains(message, "[harvest-fields] visibility: visibility is set by staff");
    /* One problem per line. */
    char **lines = g_strsplit(message, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 13);
    g_strfreev(lines);
    g_free(message);

    message = load_fails("[harvest]\nurl=https://example.org/api/record\n"
                         "[harvest-fields]\ntitle=/title\n");
    assert_contains(message, "[harvest] url: has no {intervention}");
    g_free(message);
    message = load_fails("[harvest]\nurl=https:///{intervention}\n[harvest-fields]\nt=/t\n");
    assert_contains(message, "[harvest] url: has no host name");
    g_free(message);
    message = load_fails("[harvest]\nurl=https://example.org/a b/{intervention}\n"
                         "[harvest-fields]\nt=/t\n");
    assert_contains(message, "contains a blank");
    g_free(message);
    message = load_fails("[harvest]\n[harvest-fields]\nt=/t\n");
    assert_contains(message, "[harvest] url: missing");
    g_free(message);
    message = load_fails("[harvest]\nurl=https://example.org/{intervention}\n");
    assert_contains(message, "[harvest-fields]: no mapping: nothing to harvest");
    g_free(message);
    message = load_fails("[harvest-fields]\ntitle=/title\n");
    assert_contains(message, "[harvest]: missing");
    g_free(message);

    message = load_fails("[harvest]\nurl=https://example.org/{intervention}\nformat=xml\n"
                         "[harvest-namespaces]\n"
                         "i=http://example.org/i\n"
                         "9x=http://example.org/9\n"
                         "e=\n"
                         "[harvest-fields]\n"
                         "title=/i:record/i:title[\n"
                         "object=/lido:record/lido:object\n"
                         "creator=frobnicate(/i:record)\n"
                         "date=//i:date\n");
    assert_contains(message, "5 problems");
    assert_contains(message, "[harvest-namespaces] 9x: not a valid XML namespace prefix");
    assert_contains(message, "[harvest-namespaces] e: missing: the namespace URI");
    assert_contains(message, "[harvest-fields] title: '/i:record/i:title[' is not a valid XPath");
    assert_contains(message, "[harvest-fields] object: '/lido:record/lido:object' uses a "
                             "namespace prefix that [harvest-namespaces] does not declare");
    assert_contains(message, "[harvest-fields] creator: 'frobnicate(/i:record)' cannot be "
                             "evaluated");
    g_free(message);
}

/* ---- JSON --------------------------------------------------------------- */

static void test_json_record(void)
{
    gsize len;
    char *body = fixture("record.json", &len);
    if (!body) {
        g_test_skip("VT_SOURCE_DIR is not set");
        return;
    }
    vt_harvest_config *config = load(JSON_CONFIG);
    json_t *fields = NULL;
    g_assert_cmpint(vt_harvest_map_json(config, body, len, &fields), ==, VT_OK);
    assert_json(fields,
                "{\"title\": [{\"value\": \"Portret van een man\"},"
                " {\"value\": \"Portrait d'un homme\", \"lang\": \"fr\"},"
                " {\"value\": \"Portrait of a man\", \"lang\": \"en\"}],"
                " \"object\": [{\"value\": \"schilderij\"}],"
                " \"creator\": [{\"value\": \"Peter Paul Rubens\"},"
                " {\"value\": \"Atelier van Rubens\"}],"
                " \"inventory\": [{\"value\": \"12345\"}],"
                " \"height\": [{\"value\": \"64.5\"}],"
                " \"materials\": [{\"value\": \"olieverf\"}, {\"value\": \"paneel\"},"
                " {\"value\": \"vernis\"}, {\"value\": \"3\"}],"
                " \"slash\": [{\"value\": \"slash in a key\"}],"
                " \"tilde\": [{\"value\": \"tilde in a key\"}],"
                " \"conservator\": [{\"value\": \"An Peeters\"}]}");
    g_assert_cmpint(vt_meta_check_fields(fields), ==, VT_OK);
    json_decref(fields);

    /* The same through the dispatcher, and after a byte order mark. */
    GString *bom = g_string_new("\xef\xbb\xbf");
    g_string_append_len(bom, body, (gssize)len);
    g_assert_cmpint(vt_harvest_map(config, bom->str, bom->len, &fields), ==, VT_OK);
    g_assert_cmpuint(json_object_size(fields), ==, 9);
    json_decref(fields);
    g_string_free(bom, TRUE);

    /* A record with nothing we map gives {}. */
    g_assert_cmpint(vt_harvest_map_json(config, "{\"error\": \"not found\"}", 22, &fields), ==,
                    VT_OK);
    assert_json(fields, "{}");
    json_decref(fields);
    /* Not NUL-terminated: only @len bytes are read. */
    g_assert_cmpint(vt_harvest_map_json(config, "{\"title\": \"A\"}XXXX", 14, &fields), ==,
                    VT_OK);
    assert_json(fields, "{\"title\": [{\"value\": \"A\"}]}");
    json_decref(fields);
    /* An array at the top works with index pointers; pointers into a
     * string give nothing. */
    vt_harvest_config *arrays = load("[harvest]\nurl=https://x.org/{intervention}\n"
                                     "[harvest-fields]\ntitle=/0/title\nobject=/0/title/x\n");
    g_assert_cmpint(vt_harvest_map_json(arrays, "[{\"title\": \"T\"}]", 16, &fields), ==, VT_OK);
    assert_json(fields, "{\"title\": [{\"value\": \"T\"}]}");
    json_decref(fields);
    vt_harvest_config_free(arrays);

    g_free(body);
    vt_harvest_config_free(config);
}

static void test_json_hostile(void)
{
    vt_harvest_config *config = load(JSON_CONFIG);
    static const struct {
        const char *file;
        vt_status status;
        const char *part;
    } cases[] = {
        { "empty.json", VT_ERR_INVALID, "the answer is empty" },
        { "blank.json", VT_ERR_INVALID, "the answer is empty" },
        { "error.html", VT_ERR_INVALID, "not JSON but HTML or XML" },
        { "record.xml", VT_ERR_INVALID, "not JSON but HTML or XML" },
        { "garbage.bin", VT_ERR_INVALID, "not valid JSON (line 1" },
        { "truncated.json", VT_ERR_INVALID, "not valid JSON" },
        { "deep.json", VT_ERR_LIMIT, "nested deeper than 64 levels" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        gsize len;
        char *body = fixture(cases[i].file, &len);
        if (!body) {
            g_test_skip("VT_SOURCE_DIR is not set");
            break;
        }
        g_test_message("%s", cases[i].file);
        map_fails(config, body, len, cases[i].status, cases[i].part);
        g_free(body);
    }
    map_fails(config, NULL, 0, VT_ERR_INVALID, "empty");
    map_fails(config, "\"just a string\"", 15, VT_ERR_INVALID, "not valid JSON");
    map_fails(config, "{\"title\": \"a\\u0000b\"}", 21, VT_ERR_INVALID, "not valid JSON");

    /* Nesting within the cap is fine. */
    gsize len;
    char *body = fixture("deep-ok.json", &len);
    json_t *fields = NULL;
    if (body) {
        g_assert_cmpint(vt_harvest_map_json(config, body, len, &fields), ==, VT_OK);
        json_decref(fields);
        g_free(body);
    }

    /* Many values in a field: the first VT_META_VALUES_MAX are kept. */
    body = fixture("huge-array.json", &len);
    if (body) {
        g_assert_cmpint(vt_harvest_map_json(config, body, len, &fields), ==, VT_OK);
        json_t *keywords = json_object_get(fields, "keywords");
        g_assert_cmpuint(json_array_size(keywords), ==, VT_META_VALUES_MAX);
        g_assert_cmpstr(json_string_value(json_object_get(json_array_get(keywords, 0), "value")),
                        ==, "k0");
        json_decref(fields);
        g_free(body);
    }

    /* Too many values in all, and too large: refused before parsing. */
    GString *many = g_string_new("[");
    for (int i = 0; i <= VT_HARVEST_MAX_JSON_VALUES; i++)
        g_string_append(many, "0,");
    g_string_append(many, "0]");
    map_fails(config, many->str, many->len, VT_ERR_LIMIT, "more than 200000 values");
    g_string_free(many, TRUE);
    /* Brackets inside strings are not nesting. */
    GString *quoted = g_string_new("{\"title\": \"");
    for (int i = 0; i < 500; i++)
        g_string_append(quoted, "[{\\\"");
    g_string_append(quoted, "\"}");
    g_assert_cmpint(vt_harvest_map_json(config, quoted->str, quoted->len, &fields), ==, VT_OK);
    g_assert_cmpuint(json_array_size(json_object_get(fields, "title")), ==, 1);
    json_decref(fields);
    g_string_free(quoted, TRUE);

    char *huge = g_malloc0(VT_HARVEST_MAX_BODY + 1);
    map_fails(config, huge, VT_HARVEST_MAX_BODY + 1, VT_ERR_LIMIT, "over the limit");
    g_free(huge);
    vt_harvest_config_free(config);
}

/* ---- XML ---------------------------------------------------------------- */

static void test_xml_record(void)
{
    gsize len;
    char *body = fixture("record.xml", &len);
    if (!body) {
        g_test_skip("VT_SOURCE_DIR is not set");
        return;
    }
    vt_harvest_config *config = load(XML_CONFIG);
    json_t *fields = NULL;
    g_assert_cmpint(vt_harvest_map(config, body, len, &fields), ==, VT_OK);
    assert_json(fields,
                "{\"title\": [{\"value\": \"Portret van een man\", \"lang\": \"nl\"},"
                " {\"value\": \"Portrait d'un homme\", \"lang\": \"fr\"},"
                " {\"value\": \"Portrait of a man\", \"lang\": \"en\"}],"
                " \"object\": [{\"value\": \"schilderij\"}],"
                " \"creator\": [{\"value\": \"Peter Paul Rubens\"},"
                " {\"value\": \"Atelier van Rubens\"}],"
                " \"role\": [{\"value\": \"painter\"}, {\"value\": \"workshop\"}],"
                " \"intervention\": [{\"value\": \"2019.12345\"}],"
                " \"inventory\": [{\"value\": \"12345\"}],"
                " \"materials-count\": [{\"value\": \"3\"}],"
                " \"summary\": [{\"value\": \"schilderij (2019.12345)\"}],"
                " \"note\": [{\"value\": \"Paneel & lijst\"}],"
                " \"materials\": [{\"value\": \"olieverf\"}, {\"value\": \"paneel\"}]}");
    g_assert_cmpint(vt_meta_check_fields(fields), ==, VT_OK);
    json_decref(fields);

    /* Unprefixed steps match elements without a namespace only; string and
     * number expressions always give their value. */
    const char plain[] = "<intervention><title>Zonder namespace</title></intervention>";
    g_assert_cmpint(vt_harvest_map_xml(config, plain, sizeof plain - 1, &fields), ==, VT_OK);
    assert_json(fields, "{\"materials-count\": [{\"value\": \"0\"}],"
                        " \"summary\": [{\"value\": \"()\"}],"
                        " \"unprefixed\": [{\"value\": \"Zonder namespace\"}]}");
    json_decref(fields);

    /* Encodings other than UTF-8 come out as UTF-8. */
    const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                          "<intervention><title>Caf\xe9</title></intervention>";
    g_assert_cmpint(vt_harvest_map_xml(config, latin1, sizeof latin1 - 1, &fields), ==, VT_OK);
    assert_json(json_object_get(fields, "unprefixed"), "[{\"value\": \"Caf\xc3\xa9\"}]");
    json_decref(fields);

    g_free(body);
    vt_harvest_config_free(config);
}

static void test_xml_hostile(void)
{
    vt_harvest_config *config = load(XML_CONFIG);
    static const struct {
        const char *file;
        vt_status status;
        const char *part;
    } cases[] = {
        { "empty.json", VT_ERR_INVALID, "the answer is empty" },
        { "blank.json", VT_ERR_INVALID, "the answer is empty" },
        { "error.html", VT_ERR_INVALID, "has a DOCTYPE (an HTML page?)" },
        { "login.xhtml", VT_ERR_INVALID, "an HTML page, not a record" },
        { "garbage.bin", VT_ERR_INVALID, "not well-formed XML (line" },
        { "record.json", VT_ERR_INVALID, "not well-formed XML" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        gsize len;
        char *body = fixture(cases[i].file, &len);
        if (!body) {
            g_test_skip("VT_SOURCE_DIR is not set");
            break;
        }
        g_test_message("%s", cases[i].file);
        map_fails(config, body, len, cases[i].status, cases[i].part);
        g_free(body);
    }

    const char laughs[] = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\">"
                          "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><r>&b;</r>";
    map_fails(config, laughs, sizeof laughs - 1, VT_ERR_INVALID, "DOCTYPE");
    const char xxe[] = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>";
    map_fails(config, xxe, sizeof xxe - 1, VT_ERR_INVALID, "DOCTYPE");
    const char undeclared[] = "<r>&nbsp;</r>";
    map_fails(config, undeclared, sizeof undeclared - 1, VT_ERR_INVALID, "nbsp");
    const char truncated[] = "<intervention><title>Portret</tit";
    map_fails(config, truncated, sizeof truncated - 1, VT_ERR_INVALID, "not well-formed");
    const char two_roots[] = "<a/><b/>";
    map_fails(config, two_roots, sizeof two_roots - 1, VT_ERR_INVALID, "not well-formed");

    /* libxml2's depth limit (256) holds: no XML_PARSE_HUGE. */
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 300; i++)
        g_string_append(deep, "<a>");
    for (int i = 0; i < 300; i++)
        g_string_append(deep, "</a>");
    map_fails(config, deep->str, deep->len, VT_ERR_INVALID, "not well-formed");
    g_string_free(deep, TRUE);

    /* Many nodes: the first VT_META_VALUES_MAX values are kept. */
    GString *many = g_string_new("<r xmlns=\"http://collection.example.org/ns/intervention\">");
    for (int i = 0; i < 3000; i++)
        g_string_append_printf(many, "<material>m%d</material>", i);
    g_string_append(many, "</r>");
    json_t *fields = NULL;
    g_assert_cmpint(vt_harvest_map_xml(config, many->str, many->len, &fields), ==, VT_OK);
    g_assert_cmpuint(json_array_size(json_object_get(fields, "materials")), ==,
                     VT_META_VALUES_MAX);
    assert_json(json_object_get(fields, "materials-count"), "[{\"value\": \"3000\"}]");
    json_decref(fields);
    g_string_free(many, TRUE);

    char *huge = g_malloc0(VT_HARVEST_MAX_BODY + 1);
    map_fails(config, huge, VT_HARVEST_MAX_BODY + 1, VT_ERR_LIMIT, "over the limit");
    g_free(huge);
    vt_harvest_config_free(config);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/harvest/config", test_config);
    g_test_add_func("/harvest/config-problems", test_config_problems);
    g_test_add_func("/harvest/json-record", test_json_record);
    g_test_add_func("/harvest/json-hostile", test_json_hostile);
    g_test_add_func("/harvest/xml-record", test_xml_record);
    g_test_add_func("/harvest/xml-hostile", test_xml_hostile);
    return g_test_run();
}
