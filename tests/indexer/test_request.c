/* Tests of indexer/vt_request: the query string parser (decoding, defaults,
 * repeated f, every hostile case with its message), the [search] settings,
 * and the answers (links per hit, IIIF Content Search 1 and 2 shapes,
 * autocomplete, errors). */
#include "vt_request.h"

#include <glib/gstdio.h>
#include <string.h>

static const char *config_text =
    "[vitrine]\nstate-dir=/var/lib/vitrine\noriginals-dir=/srv/o\n"
    "quarantine-dir=/srv/q\nspool-dir=/var/spool/vitrine\n"
    "[images]\nserver=cantaloupe\ndir=/srv/iiif\nbase-url=https://iiif.example.org/iiif/3\n"
    "[site]\ndir=/srv/site\nbase-url=https://collection.example.org\n"
    "[department:photo]\nhotfolder=/srv/hot/photo\nlabel=Photo\n";

static vt_config *load_config(const char *extra)
{
    g_autofree char *text = g_strconcat(config_text, extra, NULL);
    vt_config *c = NULL;
    if (vt_config_load_data(text, "test", "/etc/vitrine", &c) != VT_OK)
        g_error("config: %s", vt_error_message());
    return c;
}

static vt_request_settings *public_settings(void)
{
    vt_config *c = load_config("");
    vt_request_settings *s = NULL;
    g_assert_cmpint(vt_request_settings_load(c, &s), ==, VT_OK);
    vt_config_free(c);
    return s;
}

static vt_request *parse_ok(const char *qs)
{
    vt_request_settings *s = public_settings();
    vt_request *r = NULL;
    vt_status st = vt_request_parse(qs, s, &r);
    if (st != VT_OK)
        g_error("parse '%s': %s", qs, vt_error_message());
    vt_request_settings_free(s);
    return r;
}

/* Parses @qs, which must fail with @status and a message containing
 * @words; the out-parameter stays untouched. */
static void parse_fails(const char *qs, vt_status status, const char *words)
{
    vt_request_settings *s = public_settings();
    vt_request *r = (vt_request *)&r; /* a marker: must stay as it is */
    vt_request *marker = r;
    vt_status st = vt_request_parse(qs, s, &r);
    if (st != status || !strstr(vt_error_message(), words))
        g_error("parse '%.200s': expected status %d with '%s', got %d: '%s'", qs, status, words, st,
                vt_error_message());
    g_assert_true(r == marker);
    vt_request_settings_free(s);
}

static char *search_json(const vt_request *r)
{
    g_assert_nonnull(r->search);
    return json_dumps(r->search, JSON_SORT_KEYS | JSON_COMPACT);
}

/* --- settings --- */

static void test_settings(void)
{
    vt_request_settings *s = public_settings();
    g_assert_false(s->internal);
    g_assert_cmpstr(s->index_dir, ==, "/var/lib/vitrine/index");
    g_assert_cmpuint(g_strv_length(s->facets), ==, 6);
    g_assert_cmpstr(s->facets[0], ==, "department");
    g_assert_cmpstr(s->facets[3], ==, "keywords");
    g_assert_cmpstr(s->facets[4], ==, "annotation_type");
    vt_request_settings_free(s);

    vt_config *c = load_config("[search]\naudience=internal   # staff only\n"
                               "synonyms=/etc/vitrine/synonyms.txt\n"
                               "facets= department , material ,,year  # trimmed\n"
                               "index=/srv/x/../idx\n");
    s = NULL;
    g_assert_cmpint(vt_request_settings_load(c, &s), ==, VT_OK);
    g_assert_true(s->internal);
    g_assert_cmpuint(g_strv_length(s->facets), ==, 3);
    g_assert_cmpstr(s->facets[1], ==, "material");
    g_assert_cmpstr(s->index_dir, ==, "/srv/idx");
    vt_request_settings_free(s);
    vt_config_free(c);

    /* A relative index is relative to the config file's folder. */
    g_autofree char *tmp = g_dir_make_tmp("vt-test-request-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(tmp, "vitrine.conf", NULL);
    g_autofree char *text = g_strconcat(config_text, "[search]\nindex=idx   # comment\n", NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_assert_cmpint(vt_config_load(path, &c), ==, VT_OK);
    s = NULL;
    g_assert_cmpint(vt_request_settings_load(c, &s), ==, VT_OK);
    g_autofree char *expected = g_build_filename(tmp, "idx", NULL);
    g_assert_cmpstr(s->index_dir, ==, expected);
    vt_request_settings_free(s);
    vt_config_free(c);
    g_unlink(path);
    g_rmdir(tmp);

    /* An empty facets list is allowed: no facets. */
    c = load_config("[search]\nfacets=\n");
    s = NULL;
    g_assert_cmpint(vt_request_settings_load(c, &s), ==, VT_OK);
    g_assert_cmpuint(g_strv_length(s->facets), ==, 0);
    vt_request_settings_free(s);
    vt_config_free(c);

    /* vt_config checks [search] when it loads the file: a bad value never
     * reaches the CGI. */
    const char *bad[][2] = {{"[search]\naudience=everyone\n", "audience"},
                            {"[search]\nfacets=department,Bad Name\n", "facets"},
                            {"[search]\nsort=year\n", "unknown key"}};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *bad_text = g_strconcat(config_text, bad[i][0], NULL);
        c = NULL;
        g_assert_cmpint(vt_config_load_data(bad_text, "test.conf", NULL, &c), ==, VT_ERR_CONFIG);
        g_assert_null(c);
        g_assert_nonnull(strstr(vt_error_message(), bad[i][1]));
    }
    vt_request_settings_free(NULL);
}

/* --- parsing --- */

static void test_defaults(void)
{
    const char *empty[] = {NULL, "", "&", "&&&"};
    for (size_t i = 0; i < G_N_ELEMENTS(empty); i++) {
        vt_request *r = parse_ok(empty[i]);
        g_assert_cmpint(r->kind, ==, VT_REQUEST_SEARCH);
        g_autofree char *j = search_json(r);
        g_assert_cmpstr(j, ==,
                        "{\"audience\":\"public\",\"facets\":[\"department\",\"type\",\"year\",\"keywords\","
                        "\"annotation_type\",\"damage_type\"],"
                        "\"page\":1,\"size\":20}");
        vt_request_free(r);
    }
    vt_request_free(NULL);
}

static void test_search(void)
{
    vt_request *r = parse_ok("q=creator%3ARubens+%22een+vrouw%22&page=3&size=50&sort=-year&lang=nl"
                             "&f=department:photo&f=keywords%3Avarnish+layer&f=year:2019");
    g_assert_cmpint(r->kind, ==, VT_REQUEST_SEARCH);
    g_autofree char *j = search_json(r);
    g_assert_cmpstr(j, ==,
                    "{\"audience\":\"public\",\"facets\":[\"department\",\"type\",\"year\",\"keywords\","
                    "\"annotation_type\",\"damage_type\"],"
                    "\"filters\":[\"department:photo\",\"keywords:varnish layer\",\"year:2019\"],"
                    "\"lang\":\"nl\",\"page\":3,\"q\":\"creator:Rubens \\\"een vrouw\\\"\","
                    "\"size\":50,\"sort\":\"-year\"}");
    vt_request_free(r);

    /* Decoding: %-escapes in either case, UTF-8, '+' and %2B, '=' in values,
     * a name without '='. */
    r = parse_ok("q=caf%C3%A9+%2b%2B+a%3db=c");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "q")), ==, "café ++ a=b=c");
    vt_request_free(r);
    r = parse_ok("q");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "q")), ==, "");
    vt_request_free(r);
    /* Percent-encoded names. */
    r = parse_ok("%71=x&%66=type%3Aphoto");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "q")), ==, "x");
    g_assert_cmpstr(json_string_value(json_array_get(json_object_get(r->search, "filters"), 0)), ==,
                    "type:photo");
    vt_request_free(r);
    /* The limits themselves pass. */
    r = parse_ok("page=500&size=20");
    vt_request_free(r);
    r = parse_ok("page=1&size=100&sort=relevance&lang=de");
    vt_request_free(r);
    /* The display language is apart from lang (which stems the query):
     * any language tag a site may have, nl or pt-BR. */
    r = parse_ok("q=vernis&lang=fr&hl=nl");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "hl")), ==, "nl");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "lang")), ==, "fr");
    vt_request_free(r);
    r = parse_ok("hl=pt-BR");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "hl")), ==, "pt-BR");
    vt_request_free(r);
}

static void test_audience(void)
{
    /* The audience comes from the settings; the URL cannot change it. */
    parse_fails("audience=internal", VT_ERR_INVALID, "unknown parameter 'audience'");
    parse_fails("facets=x", VT_ERR_INVALID, "unknown parameter 'facets'");
    vt_request *r = parse_ok("f=visibility:internal&q=visibility:internal");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "audience")), ==, "public");
    vt_request_free(r);

    vt_config *c = load_config("[search]\naudience=internal\nfacets=year\n");
    vt_request_settings *s = NULL;
    g_assert_cmpint(vt_request_settings_load(c, &s), ==, VT_OK);
    r = NULL;
    g_assert_cmpint(vt_request_parse("q=x", s, &r), ==, VT_OK);
    g_autofree char *j = search_json(r);
    g_assert_cmpstr(j, ==, "{\"audience\":\"internal\",\"facets\":[\"year\"],\"page\":1,\"q\":\"x\",\"size\":20}");
    vt_request_free(r);
    r = NULL;
    g_assert_cmpint(vt_request_parse("manifest=ab12&q=x", s, &r), ==, VT_OK);
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "audience")), ==, "internal");
    vt_request_free(r);
    vt_request_settings_free(s);
    vt_config_free(c);
}

static void test_suggest(void)
{
    vt_request *r = parse_ok("suggest=Vern");
    g_assert_cmpint(r->kind, ==, VT_REQUEST_SUGGEST);
    g_assert_cmpstr(r->prefix, ==, "Vern");
    g_assert_null(r->field);
    g_assert_cmpint(r->limit, ==, VT_REQUEST_SUGGEST_DEFAULT);
    g_assert_null(r->search);
    vt_request_free(r);
    r = parse_ok("suggest=ver+n&field=keywords&size=5");
    g_assert_cmpstr(r->prefix, ==, "ver n");
    g_assert_cmpstr(r->field, ==, "keywords");
    g_assert_cmpint(r->limit, ==, 5);
    vt_request_free(r);
    parse_fails("suggest=", VT_ERR_INVALID, "suggest must not be empty");
    parse_fails("suggest=v&q=x", VT_ERR_INVALID, "parameter q cannot be used with suggest");
    parse_fails("suggest=v&f=type:photo", VT_ERR_INVALID, "parameter f cannot be used with suggest");
    parse_fails("suggest=v&field=Bad", VT_ERR_INVALID, "field must be a field name");
    parse_fails("suggest=v&size=101", VT_ERR_INVALID, "size must be a whole number from 1 to 100");
    parse_fails("field=keywords&q=x", VT_ERR_INVALID, "field is only used with suggest");
    g_autofree char *long_prefix = g_strdup_printf("suggest=%0*d", VT_INDEX_VALUE_MAX + 1, 0);
    parse_fails(long_prefix, VT_ERR_LIMIT, "suggest is longer than");
}

static void test_manifest(void)
{
    vt_request *r = parse_ok("manifest=ab12&q=vernis+laag");
    g_assert_cmpint(r->kind, ==, VT_REQUEST_CONTENT_SEARCH);
    g_assert_cmpstr(r->manifest, ==, "ab12");
    g_assert_cmpstr(r->q, ==, "vernis laag");
    g_assert_cmpint(r->iiif_version, ==, 2);
    g_autofree char *j = search_json(r);
    g_assert_cmpstr(j, ==, "{\"audience\":\"public\",\"filters\":[\"id:ab12\"],\"q\":\"vernis laag\",\"size\":1}");
    vt_request_free(r);

    r = parse_ok("manifest=ab12&q=x&v=1&lang=fr&motivation=painting&date=x&user=y");
    g_assert_cmpint(r->iiif_version, ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "lang")), ==, "fr");
    vt_request_free(r);

    r = parse_ok("manifest=ab12&q=ver&autocomplete=1&v=1&min=1");
    g_assert_cmpint(r->kind, ==, VT_REQUEST_AUTOCOMPLETE);
    g_assert_cmpstr(r->prefix, ==, "ver");
    g_assert_cmpint(r->iiif_version, ==, 1);
    g_assert_null(r->search);
    vt_request_free(r);

    /* The bare service id: a valid empty answer, nothing to search. */
    r = parse_ok("manifest=ab12");
    g_assert_cmpint(r->kind, ==, VT_REQUEST_CONTENT_SEARCH);
    g_assert_cmpstr(r->q, ==, "");
    g_assert_null(r->search);
    vt_request_free(r);
    r = parse_ok("manifest=ab12&autocomplete=1&v=1");
    g_assert_cmpint(r->kind, ==, VT_REQUEST_AUTOCOMPLETE);
    g_assert_null(r->prefix);
    g_assert_cmpint(r->iiif_version, ==, 1);
    vt_request_free(r);

    parse_fails("manifest=..%2Fetc&q=x", VT_ERR_INVALID, "manifest must be an asset id");
    parse_fails("manifest=AB&q=x", VT_ERR_INVALID, "manifest must be an asset id");
    parse_fails("manifest=&q=x", VT_ERR_INVALID, "manifest must be an asset id");
    parse_fails("manifest=ab12&q=x&v=3", VT_ERR_INVALID, "v must be 1 or 2");
    parse_fails("manifest=ab12&q=x&autocomplete=yes", VT_ERR_INVALID, "autocomplete must be 1 or 0");
    parse_fails("manifest=ab12&q=&autocomplete=1", VT_ERR_INVALID, "q must not be empty");
    parse_fails("manifest=ab12&q=x&page=2", VT_ERR_INVALID, "parameter page cannot be used with manifest");
    parse_fails("manifest=ab12&q=x&f=a:b", VT_ERR_INVALID, "parameter f cannot be used with manifest");
    parse_fails("q=x&v=1", VT_ERR_INVALID, "parameter v cannot be used with a search");
    parse_fails("q=x&motivation=painting", VT_ERR_INVALID, "parameter motivation cannot be used");
}

/* Path-style service ids (PATH_INFO) become the query string they stand for. */
static void test_path_query(void)
{
    static const struct {
        const char *path, *query, *want;
    } good[] = {
        {"/manifest/ab12", "q=vernis", "manifest=ab12&q=vernis"},
        {"/manifest/ab12", NULL, "manifest=ab12"},
        {"/manifest/ab12", "", "manifest=ab12"},
        {"/manifest/ab12/v1", "q=x", "manifest=ab12&v=1&q=x"},
        {"/autocomplete/ab12", "q=ver", "manifest=ab12&autocomplete=1&q=ver"},
        {"/autocomplete/ab12/v1", "q=ver", "manifest=ab12&autocomplete=1&v=1&q=ver"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autofree char *q = NULL;
        g_assert_cmpint(vt_request_path_query(good[i].path, good[i].query, &q), ==, VT_OK);
        g_assert_cmpstr(q, ==, good[i].want);
    }
    /* Parsed as the query it stands for: a search restricted to the asset. */
    g_autofree char *qs = NULL;
    g_assert_cmpint(vt_request_path_query("/manifest/ab12", "q=vernis", &qs), ==, VT_OK);
    vt_request *r = parse_ok(qs);
    g_assert_cmpint(r->kind, ==, VT_REQUEST_CONTENT_SEARCH);
    g_assert_cmpstr(r->manifest, ==, "ab12");
    vt_request_free(r);

    static const char *const bad[] = {"/", "/manifest/", "/manifest/AB", "/manifest/../x",
                                      "/manifest/ab12/v2", "/manifest/ab12/", "/search/ab12",
                                      "/manifest/ab12/v1/x", "manifest/ab12"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *q = NULL;
        g_assert_cmpint(vt_request_path_query(bad[i], "q=x", &q), ==, VT_ERR_INVALID);
        g_assert_null(q);
        g_assert_nonnull(strstr(vt_error_message(), "/manifest/ID"));
    }
}

static void test_hostile_encoding(void)
{
    parse_fails("q=%G1", VT_ERR_INVALID, "bad percent-encoding in parameter q");
    parse_fails("q=%4", VT_ERR_INVALID, "bad percent-encoding");
    parse_fails("q=abc%", VT_ERR_INVALID, "bad percent-encoding");
    parse_fails("q=%%41", VT_ERR_INVALID, "bad percent-encoding");
    parse_fails("%zz=1", VT_ERR_INVALID, "bad percent-encoding in a parameter name");
    parse_fails("q=a%00b", VT_ERR_INVALID, "parameter q contains a NUL byte");
    parse_fails("q%00=1", VT_ERR_INVALID, "a parameter name contains a NUL byte");
    parse_fails("q=a%1Bb", VT_ERR_INVALID, "control character");
    parse_fails("q=a%7F", VT_ERR_INVALID, "control character");
    parse_fails("q=%FF", VT_ERR_INVALID, "parameter q is not valid UTF-8");
    parse_fails("q=%C3%28", VT_ERR_INVALID, "not valid UTF-8");
    parse_fails("q=%ED%A0%80", VT_ERR_INVALID, "not valid UTF-8");       /* a surrogate */
    parse_fails("q=%C0%AF", VT_ERR_INVALID, "not valid UTF-8");          /* overlong '/' */
    parse_fails("q=caf%C3", VT_ERR_INVALID, "not valid UTF-8");          /* truncated */
    parse_fails("f=%FF%FE", VT_ERR_INVALID, "parameter f is not valid UTF-8");
    /* Raw (unencoded) invalid bytes, as a careless client sends them. */
    parse_fails("q=\xff\xfe", VT_ERR_INVALID, "not valid UTF-8");
    /* Tab, CR and LF are ordinary blanks in a query. */
    vt_request *r = parse_ok("q=a%09b%0D%0Ac");
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "q")), ==, "a\tb\r\nc");
    vt_request_free(r);
}

static void test_hostile_params(void)
{
    parse_fails("x=1", VT_ERR_INVALID, "unknown parameter 'x'");
    parse_fails("=1", VT_ERR_INVALID, "unknown parameter ''");
    parse_fails("Q=1", VT_ERR_INVALID, "unknown parameter 'Q'");
    parse_fails("callback=alert", VT_ERR_INVALID, "JSONP is not supported");
    parse_fails("q=a&q=b", VT_ERR_INVALID, "parameter q is given more than once");
    parse_fails("page=1&page=1", VT_ERR_INVALID, "parameter page is given more than once");
    parse_fails("suggest=a&suggest=b", VT_ERR_INVALID, "more than once");
    parse_fails("manifest=ab&manifest=cd&q=x", VT_ERR_INVALID, "more than once");

    /* Numbers: plain digits within range only. */
    const char *bad_pages[] = {"page=-1", "page=0", "page=", "page=abc", "page=1.5", "page=+1",
                               "page=%2B1", "page=0x10", "page=1e3", "page=10001",
                               "page=99999999999999999999", "page=1%20"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad_pages); i++)
        parse_fails(bad_pages[i], VT_ERR_INVALID, "page must be a whole number from 1 to 10000");
    const char *bad_sizes[] = {"size=0", "size=-5", "size=100000", "size=101", "size=x"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad_sizes); i++)
        parse_fails(bad_sizes[i], VT_ERR_INVALID, "size must be a whole number from 1 to 100");
    parse_fails("page=10000&size=2", VT_ERR_INVALID, "past the first 10000 results");
    parse_fails("sort=date", VT_ERR_INVALID, "sort must be relevance, year, -year or title");
    parse_fails("sort=", VT_ERR_INVALID, "sort must be");
    parse_fails("lang=es", VT_ERR_INVALID, "lang must be nl, fr, en or de");
    const char *bad_hls[] = {"hl=", "hl=n", "hl=NL", "hl=nl-", "hl=nl_BE", "hl=nl-be", "hl=dutch",
                             "hl=nl%0A", "hl=%3Cscript%3E", "hl=nl-BE-x", "hl=../fr"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad_hls); i++)
        parse_fails(bad_hls[i], VT_ERR_INVALID, "hl must be a language such as nl or pt-BR");
    parse_fails("hl=nl&hl=fr", VT_ERR_INVALID, "more than once");
    parse_fails("manifest=ab12&q=x&hl=nl", VT_ERR_INVALID, "hl");
    parse_fails("suggest=ver&hl=nl", VT_ERR_INVALID, "hl");

    /* Filters. */
    parse_fails("f=photo", VT_ERR_INVALID, "f must be field:value");
    parse_fails("f=", VT_ERR_INVALID, "f must be field:value");
    parse_fails("f=:photo", VT_ERR_INVALID, "f must be field:value");
    parse_fails("f=department:", VT_ERR_INVALID, "f must be field:value");
    parse_fails("f=Department:photo", VT_ERR_INVALID, "f must be field:value");
    g_autofree char *long_filter = g_strdup_printf("f=keywords:%0*d", VT_INDEX_VALUE_MAX + 1, 0);
    parse_fails(long_filter, VT_ERR_LIMIT, "f value is longer");
    GString *many = g_string_new(NULL);
    for (int i = 0; i < VT_INDEX_FILTERS_MAX; i++)
        g_string_append_printf(many, "%sf=year:%d", i ? "&" : "", 1900 + i);
    vt_request *r = parse_ok(many->str);
    g_assert_cmpuint(json_array_size(json_object_get(r->search, "filters")), ==, VT_INDEX_FILTERS_MAX);
    vt_request_free(r);
    g_string_append(many, "&f=year:2000");
    parse_fails(many->str, VT_ERR_LIMIT, "more than 32 f filters");
    g_string_free(many, TRUE);

    /* Parameter count (empty pairs do not count). */
    GString *pairs = g_string_new("q=x");
    for (int i = 1; i < VT_REQUEST_PARAMS_MAX; i++)
        g_string_append(pairs, "&&f=a:b");
    vt_request_settings *s = public_settings();
    r = NULL;
    /* 64 pairs: over the f limit, not over the pair limit; 65: the pair
     * limit is checked first. */
    g_assert_cmpint(vt_request_parse(pairs->str, s, &r), ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "f filters"));
    g_string_append(pairs, "&q=y");
    g_assert_cmpint(vt_request_parse(pairs->str, s, &r), ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "more than 64 parameters"));
    g_assert_null(r);
    vt_request_settings_free(s);
    g_string_free(pairs, TRUE);

    /* A long unknown name is quoted, but cut short. */
    g_autofree char *long_name = g_strnfill(500, 'z');
    parse_fails(long_name, VT_ERR_INVALID, "unknown parameter 'zzzz");
    g_assert_cmpuint(strlen(vt_error_message()), <, 100);
}

static void test_hostile_sizes(void)
{
    /* q over the index's limit, a query string over the CGI's. */
    g_autofree char *a_lot = g_strnfill(VT_REQUEST_QUERY_MAX, 'a');
    g_autofree char *big_q = g_strdup_printf("q=%.*s", VT_INDEX_QUERY_MAX + 1, a_lot);
    parse_fails(big_q, VT_ERR_LIMIT, "q is too long");
    g_autofree char *ok_q = g_strdup_printf("q=%0*d", VT_INDEX_QUERY_MAX, 7);
    vt_request *r = parse_ok(ok_q);
    vt_request_free(r);
    g_autofree char *huge = g_strdup_printf("q=%s", a_lot);
    parse_fails(huge, VT_ERR_LIMIT, "the query string is too long");
    /* Nesting: 16 levels pass, 17 do not; quoted parentheses do not count. */
    GString *deep = g_string_new("q=");
    for (int i = 0; i < VT_INDEX_QUERY_DEPTH; i++)
        g_string_append(deep, "(");
    g_string_append(deep, "a");
    r = parse_ok(deep->str);
    vt_request_free(r);
    g_string_append(deep, "+%28b");
    parse_fails(deep->str, VT_ERR_LIMIT, "q nests parentheses deeper than 16");
    g_string_free(deep, TRUE);
    r = parse_ok("q=%22((((((((((((((((((((%22");
    vt_request_free(r);
    parse_fails("manifest=ab12&q=(((((((((((((((((x", VT_ERR_LIMIT, "deeper than");
}

/* --- answers --- */

static json_t *parse_json(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v)
        g_error("bad JSON in test: %s", e.text);
    return v;
}

static void test_search_answer(void)
{
    vt_config *c = load_config("");
    json_t *result = parse_json("{\"total\": 2, \"hits\": [{\"id\": \"ab12\", \"label\": \"A\"},"
                                " {\"id\": \"../bad\", \"label\": \"B\"}], \"facets\": {}}");
    json_t *answer = vt_request_search_answer(c, result);
    json_t *hit = json_array_get(json_object_get(answer, "hits"), 0);
    g_assert_cmpstr(json_string_value(json_object_get(hit, "thumbnail")), ==,
                    "https://iiif.example.org/iiif/3/ab12/full/!400,400/0/default.jpg");
    g_assert_cmpstr(json_string_value(json_object_get(hit, "manifest")), ==,
                    "https://collection.example.org/iiif/ab12/manifest.json");
    g_assert_cmpstr(json_string_value(json_object_get(hit, "page")), ==,
                    "https://collection.example.org/assets/ab12.html");
    g_assert_cmpstr(json_string_value(json_object_get(hit, "label")), ==, "A");
    hit = json_array_get(json_object_get(answer, "hits"), 1);
    g_assert_true(json_is_null(json_object_get(hit, "page")));
    g_assert_true(json_is_null(json_object_get(hit, "thumbnail")));
    g_assert_cmpint(json_integer_value(json_object_get(answer, "total")), ==, 2);
    json_decref(answer);
    vt_config_free(c);

    /* Static: the thumbnail size comes from info.json; none, no thumbnail. */
    g_autofree char *tmp = g_dir_make_tmp("vt-test-request-XXXXXX", NULL);
    g_autofree char *text = g_strdup_printf(
        "[vitrine]\nstate-dir=/var/lib/vitrine\noriginals-dir=/srv/o\nquarantine-dir=/srv/q\n"
        "spool-dir=/var/spool/vitrine\n[images]\nserver=static\ndir=%s\nbase-url=https://i.example.org/iiif\n"
        "[site]\ndir=/srv/site\nbase-url=https://c.example.org\n"
        "[department:photo]\nhotfolder=/srv/hot/photo\nlabel=Photo\n",
        tmp);
    g_assert_cmpint(vt_config_load_data(text, "static", NULL, &c), ==, VT_OK);
    g_autofree char *dir = g_build_filename(tmp, "ab12", NULL);
    g_autofree char *info = g_build_filename(dir, "info.json", NULL);
    g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(info, "{\"sizes\": [{\"width\": 400, \"height\": 266}]}", -1, NULL));
    answer = vt_request_search_answer(
        c, parse_json("{\"hits\": [{\"id\": \"ab12\"}, {\"id\": \"cd34\"}]}"));
    hit = json_array_get(json_object_get(answer, "hits"), 0);
    g_assert_cmpstr(json_string_value(json_object_get(hit, "thumbnail")), ==,
                    "https://i.example.org/iiif/ab12/full/400,266/0/default.jpg");
    hit = json_array_get(json_object_get(answer, "hits"), 1);
    g_assert_true(json_is_null(json_object_get(hit, "thumbnail")));
    g_assert_cmpstr(json_string_value(json_object_get(hit, "page")), ==, "https://c.example.org/assets/cd34.html");
    json_decref(answer);
    g_unlink(info);
    g_rmdir(dir);
    g_rmdir(tmp);
    vt_config_free(c);
}

static const char *content_result =
    "{\"total\": 1, \"hits\": [{\"id\": \"ab12\", \"annotations\": ["
    " {\"id\": \"n 1\", \"region\": \"xywh=10,20,30,40\", \"snippet\": \"old <mark>varnish</mark> &amp; dirt\"},"
    " {\"id\": \"n2\", \"region\": null, \"snippet\": \"<mark>varnish</mark>\"}]},"
    " {\"id\": \"other\", \"annotations\": [{\"id\": \"x\", \"snippet\": \"<mark>varnish</mark>\"}]}]}";

static void test_content_answer(void)
{
    vt_config *c = load_config("");
    vt_request *r = parse_ok("manifest=ab12&q=varnish+%26");
    json_t *result = parse_json(content_result);
    json_t *a = vt_request_content_answer(c, r, result);
    g_assert_cmpstr(json_string_value(json_object_get(a, "@context")), ==,
                    "http://iiif.io/api/search/2/context.json");
    g_assert_cmpstr(json_string_value(json_object_get(a, "type")), ==, "AnnotationPage");
    g_assert_cmpstr(json_string_value(json_object_get(a, "id")), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi?manifest=ab12&q=varnish%20%26");
    json_t *items = json_object_get(a, "items");
    g_assert_cmpuint(json_array_size(items), ==, 2); /* not the other asset's */
    json_t *item = json_array_get(items, 0);
    g_assert_cmpstr(json_string_value(json_object_get(item, "type")), ==, "Annotation");
    g_assert_cmpstr(json_string_value(json_object_get(item, "id")), ==,
                    "https://collection.example.org/iiif/ab12/canvas/1/annotation/n%201");
    g_assert_cmpstr(json_string_value(json_object_get(item, "target")), ==,
                    "https://collection.example.org/iiif/ab12/canvas/1#xywh=10,20,30,40");
    json_t *body = json_object_get(item, "body");
    g_assert_cmpstr(json_string_value(json_object_get(body, "type")), ==, "TextualBody");
    g_assert_cmpstr(json_string_value(json_object_get(body, "value")), ==, "old <mark>varnish</mark> &amp; dirt");
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(items, 1), "target")), ==,
                    "https://collection.example.org/iiif/ab12/canvas/1");
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(json_object_get(a, "partOf"), 0), "id")),
                    ==, "https://collection.example.org/iiif/ab12/manifest.json");
    json_decref(a);
    vt_request_free(r);

    r = parse_ok("manifest=ab12&q=varnish&v=1");
    a = vt_request_content_answer(c, r, result);
    g_assert_cmpstr(json_string_value(json_object_get(a, "@type")), ==, "sc:AnnotationList");
    g_assert_cmpstr(json_string_value(json_object_get(a, "@id")), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi?manifest=ab12&q=varnish&v=1");
    g_assert_true(json_is_array(json_object_get(a, "@context")));
    json_t *res = json_object_get(a, "resources");
    g_assert_cmpuint(json_array_size(res), ==, 2);
    item = json_array_get(res, 0);
    g_assert_cmpstr(json_string_value(json_object_get(item, "@type")), ==, "oa:Annotation");
    g_assert_cmpstr(json_string_value(json_object_get(item, "on")), ==,
                    "https://collection.example.org/iiif/ab12/canvas/1#xywh=10,20,30,40");
    g_assert_cmpstr(json_string_value(json_object_get(json_object_get(item, "resource"), "chars")), ==,
                    "old varnish & dirt");
    g_assert_cmpint(json_integer_value(json_object_get(json_object_get(a, "within"), "total")), ==, 2);
    json_decref(a);
    vt_request_free(r);

    /* No hit (e.g. an internal asset asked of a public CGI): empty items. */
    r = parse_ok("manifest=zz99&q=varnish");
    a = vt_request_content_answer(c, r, result);
    g_assert_cmpuint(json_array_size(json_object_get(a, "items")), ==, 0);
    json_decref(a);
    vt_request_free(r);
    json_decref(result);
    vt_config_free(c);
}

static void test_autocomplete_answer(void)
{
    vt_config *c = load_config("");
    json_t *terms = parse_json("[{\"term\": \"vernis\", \"count\": 3}, {\"term\": \"verf laag\", \"count\": 1}]");
    vt_request *r = parse_ok("manifest=ab12&q=ver&autocomplete=1");
    json_t *a = vt_request_autocomplete_answer(c, r, terms);
    g_assert_cmpstr(json_string_value(json_object_get(a, "type")), ==, "TermPage");
    g_assert_cmpstr(json_string_value(json_object_get(a, "id")), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi?manifest=ab12&autocomplete=1&q=ver");
    json_t *item = json_array_get(json_object_get(a, "items"), 1);
    g_assert_cmpstr(json_string_value(json_object_get(item, "value")), ==, "verf laag");
    g_assert_cmpint(json_integer_value(json_object_get(item, "total")), ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(json_object_get(item, "service"), 0), "id")),
                    ==, "https://collection.example.org/cgi-bin/vitrine-search.cgi?manifest=ab12&q=verf%20laag");
    json_decref(a);
    vt_request_free(r);

    r = parse_ok("manifest=ab12&q=ver&autocomplete=1&v=1");
    a = vt_request_autocomplete_answer(c, r, terms);
    g_assert_cmpstr(json_string_value(json_object_get(a, "@type")), ==, "search:TermList");
    item = json_array_get(json_object_get(a, "terms"), 0);
    g_assert_cmpstr(json_string_value(json_object_get(item, "match")), ==, "vernis");
    g_assert_cmpint(json_integer_value(json_object_get(item, "count")), ==, 3);
    g_assert_cmpstr(json_string_value(json_object_get(item, "url")), ==,
                    "https://collection.example.org/cgi-bin/vitrine-search.cgi?manifest=ab12&q=vernis&v=1");
    json_decref(a);
    vt_request_free(r);
    json_decref(terms);

    r = parse_ok("suggest=ver&field=keywords");
    a = vt_request_suggest_answer(r, parse_json("[{\"term\": \"vernis\", \"count\": 2}]"));
    g_autofree char *s = json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT);
    g_assert_cmpstr(s, ==, "{\"field\":\"keywords\",\"prefix\":\"ver\",\"terms\":[{\"count\":2,\"term\":\"vernis\"}]}");
    json_decref(a);
    vt_request_free(r);
    vt_config_free(c);
}

static void test_errors(void)
{
    json_t *e = vt_request_error_answer(400, "unknown parameter 'x'");
    g_autofree char *s = json_dumps(e, JSON_SORT_KEYS | JSON_COMPACT);
    g_assert_cmpstr(s, ==, "{\"error\":\"unknown parameter 'x'\",\"status\":400}");
    json_decref(e);
    /* A quoted value cut in the middle of a character still gives JSON. */
    g_autofree char *a99 = g_strnfill(99, 'a');
    g_autofree char *sort = g_strdup_printf("sort=%s%%C3%%A9", a99);
    parse_fails(sort, VT_ERR_INVALID, "sort must be");
    g_assert_false(g_utf8_validate(vt_error_message(), -1, NULL));
    e = vt_request_error_answer(400, vt_error_message());
    g_assert_nonnull(e);
    g_assert_true(g_str_has_prefix(json_string_value(json_object_get(e, "error")), "sort must be"));
    json_decref(e);
    g_assert_cmpint(vt_request_http_status(VT_ERR_INVALID), ==, 400);
    g_assert_cmpint(vt_request_http_status(VT_ERR_LIMIT), ==, 400);
    g_assert_cmpint(vt_request_http_status(VT_ERR_NOT_FOUND), ==, 503);
    g_assert_cmpint(vt_request_http_status(VT_ERR_STORE), ==, 500);
    g_assert_cmpint(vt_request_http_status(VT_OK), ==, 200);
}

/* VITRINE_AUDIENCE's value (from the web server) over [search] audience. */
static void test_audience_override(void)
{
    vt_request_settings *s = public_settings();
    g_assert_false(s->internal);
    g_assert_cmpint(vt_request_settings_set_audience(s, NULL), ==, VT_OK);
    g_assert_false(s->internal);
    g_assert_cmpint(vt_request_settings_set_audience(s, "internal"), ==, VT_OK);
    g_assert_true(s->internal);
    vt_request *r = NULL;
    g_assert_cmpint(vt_request_parse("q=x", s, &r), ==, VT_OK);
    g_assert_cmpstr(json_string_value(json_object_get(r->search, "audience")), ==, "internal");
    vt_request_free(r);
    /* Invalid values leave the settings as they were. */
    const char *const bad[] = {"", "Internal", "internal ", "private", "public\n"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(vt_request_settings_set_audience(s, bad[i]), ==, VT_ERR_CONFIG);
        g_assert_nonnull(strstr(vt_error_message(), "VITRINE_AUDIENCE"));
        g_assert_true(s->internal);
    }
    g_assert_cmpint(vt_request_settings_set_audience(s, "public"), ==, VT_OK);
    g_assert_false(s->internal);
    vt_request_settings_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/request/settings", test_settings);
    g_test_add_func("/request/defaults", test_defaults);
    g_test_add_func("/request/search", test_search);
    g_test_add_func("/request/audience", test_audience);
    g_test_add_func("/request/audience-override", test_audience_override);
    g_test_add_func("/request/suggest", test_suggest);
    g_test_add_func("/request/manifest", test_manifest);
    g_test_add_func("/request/path-query", test_path_query);
    g_test_add_func("/request/hostile-encoding", test_hostile_encoding);
    g_test_add_func("/request/hostile-params", test_hostile_params);
    g_test_add_func("/request/hostile-sizes", test_hostile_sizes);
    g_test_add_func("/answer/search", test_search_answer);
    g_test_add_func("/answer/content", test_content_answer);
    g_test_add_func("/answer/autocomplete", test_autocomplete_answer);
    g_test_add_func("/answer/errors", test_errors);
    return g_test_run();
}
