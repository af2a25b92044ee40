/* Tests of indexer/vt_index: the document design (fields, prefixes, boolean
 * terms, stems per language, synonyms), facets, sorting, paging, the public
 * audience, spelling, completions, annotations, replace and delete, readers
 * next to a writer, and hostile queries. */
#include "vt_index.h"
#include "vt_file.h"

#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>

/* --- helpers --- */

static json_t *parse(const char *text)
{
    json_error_t error;
    json_t *v = json_loads(text, 0, &error);
    if (!v)
        g_error("bad JSON in test: %s: %s", error.text, text);
    return v;
}

static void put(vt_index *index, const char *doc_json)
{
    json_t *doc = parse(doc_json);
    vt_status status = vt_index_put(index, doc);
    if (status != VT_OK)
        g_error("vt_index_put: %s", vt_error_message());
    json_decref(doc);
}

static vt_status try_search(vt_index *index, json_t *request, json_t **ret_result)
{
    vt_status status = vt_index_search(index, request, ret_result);
    json_decref(request);
    return status;
}

static json_t *search(vt_index *index, const char *request_json)
{
    json_t *result = NULL;
    if (try_search(index, parse(request_json), &result) != VT_OK)
        g_error("vt_index_search(%s): %s", request_json, vt_error_message());
    g_assert_nonnull(result);
    return result;
}

static int compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of the hits, comma-separated, sorted unless @ordered. */
static char *hit_ids(json_t *result, bool ordered)
{
    json_t *hits = json_object_get(result, "hits");
    GPtrArray *ids = g_ptr_array_new();
    size_t i;
    json_t *hit;
    json_array_foreach(hits, i, hit)
        g_ptr_array_add(ids, (gpointer)json_string_value(json_object_get(hit, "id")));
    if (!ordered)
        g_ptr_array_sort(ids, compare_strings);
    g_ptr_array_add(ids, NULL);
    char *joined = g_strjoinv(",", (char **)ids->pdata);
    g_ptr_array_free(ids, TRUE);
    return joined;
}

/* Searches and returns the sorted ids; the result's total must equal the
 * number of ids (all tests ask for one page of everything). */
static char *ids_of(vt_index *index, const char *request_json)
{
    json_t *result = search(index, request_json);
    char *ids = hit_ids(result, false);
    g_assert_cmpint(json_integer_value(json_object_get(result, "total")), ==,
                    json_array_size(json_object_get(result, "hits")));
    json_decref(result);
    return ids;
}

#define assert_ids(index, request, expected)                   \
    do {                                                       \
        g_autofree char *got_ = ids_of((index), (request));    \
        g_assert_cmpstr(got_, ==, (expected));                 \
    } while (0)

/* The count of @value in facet @name, or -1 if absent. */
static json_int_t facet_count(json_t *result, const char *name, const char *value)
{
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(json_object_get(result, "facets"), name), i, entry) {
        if (g_strcmp0(json_string_value(json_object_get(entry, "value")), value) == 0)
            return json_integer_value(json_object_get(entry, "count"));
    }
    return -1;
}

/* The label of @value in facet @name, or NULL if absent. */
static const char *facet_label(json_t *result, const char *name, const char *value)
{
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(json_object_get(result, "facets"), name), i, entry) {
        if (g_strcmp0(json_string_value(json_object_get(entry, "value")), value) == 0)
            return json_string_value(json_object_get(entry, "label"));
    }
    return NULL;
}

/* --- fixture: a temporary folder with an index of six assets --- */

typedef struct {
    char *tmp;
    char *dir;
    vt_index *index;
} Fixture;

static const char *const CORPUS[] = {
    "{\"id\": \"a1\", \"department\": \"photo\", \"intervention\": \"2019.12345\","
    " \"visibility\": \"public\", \"type\": \"photo\", \"year\": 2019, \"label\": \"Portret van Rubens\","
    " \"fields\": {\"title\": [{\"value\": \"Portret van een vrouw\", \"lang\": \"nl\"}],"
    "  \"creator\": [\"Peter Paul Rubens\"],"
    "  \"keywords\": [{\"value\": \"vernis\", \"lang\": \"nl\"}, {\"value\": \"Craquelure\"}],"
    "  \"material\": [\"oil\"]},"
    " \"annotations\": [{\"id\": \"anno-1\", \"text\": \"craquelure in the varnish layer\","
    "  \"lang\": \"en\", \"region\": \"xywh=10,20,300,200\"},"
    "  {\"id\": \"anno-2\", \"text\": \"a small tear\", \"lang\": \"en\", \"region\": \"xywh=1,2,3,4\"}],"
    " \"facets\": [\"keywords\", \"material\"]}",

    "{\"id\": \"a2\", \"department\": \"xray\", \"intervention\": \"2019.12345\","
    " \"visibility\": \"public\", \"type\": \"xray\", \"year\": 2020, \"label\": \"X-ray of the panel\","
    " \"fields\": {\"title\": [{\"value\": \"Röntgenaufnahme mit Firnis\", \"lang\": \"de\"}],"
    "  \"keywords\": [{\"value\": \"Firnis\", \"lang\": \"de\"}, \"panel\"],"
    "  \"material\": [\"oak\"]},"
    " \"facets\": [\"keywords\", \"material\"]}",

    "{\"id\": \"a3\", \"department\": \"photo\", \"intervention\": \"2018.00042\","
    " \"visibility\": \"internal\", \"type\": \"photo\", \"year\": 2018, \"label\": \"Secret restoration\","
    " \"fields\": {\"title\": [{\"value\": \"vernis secret\", \"lang\": \"fr\"}],"
    "  \"keywords\": [\"vernis\"]},"
    " \"facets\": [\"keywords\"]}",

    "{\"id\": \"a4\", \"department\": \"paintings\", \"intervention\": null,"
    " \"visibility\": \"public\", \"type\": null, \"year\": null, \"label\": \"Landscape with windmill\","
    " \"fields\": {\"title\": [{\"value\": \"Landscape with a windmill\", \"lang\": \"en\"}],"
    "  \"creator\": [\"Jacob van Ruisdael\"],"
    "  \"keywords\": [\"landscape\", \"craquelure \"], \"material\": [\"oil\", \"canvas\"]},"
    " \"facets\": [\"keywords\", \"material\"]}",

    "{\"id\": \"a5\", \"department\": \"photo\", \"visibility\": \"public\", \"year\": 2021,"
    " \"label\": \"Varnish removal test\","
    " \"fields\": {\"title\": [{\"value\": \"Varnish removal\", \"lang\": \"en\"}],"
    "  \"keywords\": [\"varnish\"]},"
    " \"facets\": [\"keywords\"]}",

    "{\"id\": \"a6\", \"department\": \"photo\", \"visibility\": \"public\", \"year\": 2017,"
    " \"label\": \"Fish & <b>chips</b>\", \"fields\": {}}",
};

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    GError *error = NULL;
    f->tmp = g_dir_make_tmp("vt-index-XXXXXX", &error);
    g_assert_no_error(error);
    f->dir = g_build_filename(f->tmp, "index", NULL);
    g_assert_cmpint(vt_index_open(f->dir, true, &f->index), ==, VT_OK);
    if (data) {
        for (size_t i = 0; i < G_N_ELEMENTS(CORPUS); i++)
            put(f->index, CORPUS[i]);
        g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    }
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    vt_index_close(f->index);
    g_assert_cmpint(vt_file_remove_tree(f->tmp), ==, VT_OK);
    g_free(f->dir);
    g_free(f->tmp);
}

#define INTERNAL "\"audience\": \"internal\", \"size\": 100"
#define PUBLIC "\"audience\": \"public\", \"size\": 100"

/* --- tests --- */

static void test_fields_and_words(Fixture *f, gconstpointer data)
{
    g_assert_cmpuint(vt_index_count(f->index), ==, 6);
    assert_ids(f->index, "{\"q\": \"windmill\", " PUBLIC "}", "a4");
    assert_ids(f->index, "{\"q\": \"creator:rubens\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"creator:Ruisdael\", " PUBLIC "}", "a4");
    assert_ids(f->index, "{\"q\": \"title:portret\", " PUBLIC "}", "a1");
    /* Rubens is in the label and creator, not in the title. */
    assert_ids(f->index, "{\"q\": \"title:rubens\", " PUBLIC "}", "");
    assert_ids(f->index, "{\"q\": \"label:rubens\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"material:oil\", " PUBLIC "}", "a1,a4");
    /* Phrases are positional, within one value. */
    assert_ids(f->index, "{\"q\": \"\\\"portret van een vrouw\\\"\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"\\\"vrouw een\\\"\", " PUBLIC "}", "");
    assert_ids(f->index, "{\"q\": \"title:\\\"landscape with a windmill\\\"\", " PUBLIC "}", "a4");
    /* Boolean operators; the default is AND. */
    assert_ids(f->index, "{\"q\": \"windmill OR rubens\", " PUBLIC "}", "a1,a4");
    assert_ids(f->index, "{\"q\": \"windmill rubens\", " PUBLIC "}", "");
    assert_ids(f->index, "{\"q\": \"windmill AND landscape\", " PUBLIC "}", "a4");
    assert_ids(f->index, "{\"q\": \"craquelure NOT windmill\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"craquelure -rubens\", " PUBLIC "}", "a4");
    assert_ids(f->index, "{\"q\": \"(windmill OR panel) AND NOT oak\", " PUBLIC "}", "a4");
    /* Boolean prefixes typed in the query. */
    assert_ids(f->index, "{\"q\": \"department:photo\", " PUBLIC "}", "a1,a5,a6");
    assert_ids(f->index, "{\"q\": \"department:Photo craquelure\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"type:xray\", " PUBLIC "}", "a2");
    assert_ids(f->index, "{\"q\": \"year:2020\", " PUBLIC "}", "a2");
    assert_ids(f->index, "{\"q\": \"id:a5\", " PUBLIC "}", "a5");
    /* An empty query lists everything visible. */
    assert_ids(f->index, "{" PUBLIC "}", "a1,a2,a4,a5,a6");
}

static void test_intervention(Fixture *f, gconstpointer data)
{
    /* Typed on its own, the file number finds every asset of the
     * intervention, whatever the department. */
    assert_ids(f->index, "{\"q\": \"2019.12345\", " PUBLIC "}", "a1,a2");
    assert_ids(f->index, "{\"q\": \"intervention:2019.12345\", " PUBLIC "}", "a1,a2");
    assert_ids(f->index, "{\"q\": \"intervention:2019.1234\", " PUBLIC "}", "");
    assert_ids(f->index, "{\"q\": \" 2019.12345 \", \"filters\": [\"department:xray\"], " PUBLIC "}", "a2");
    assert_ids(f->index, "{\"q\": \"2018.00042\", " INTERNAL "}", "a3");
    assert_ids(f->index, "{\"q\": \"2018.00042\", " PUBLIC "}", "");
}

static void test_facets_and_filters(Fixture *f, gconstpointer data)
{
    json_t *r = search(f->index, "{" INTERNAL ", \"facets\": [\"department\", \"keywords\", \"year\","
                                 " \"material\", \"type\", \"creator\"]}");
    g_assert_cmpint(json_integer_value(json_object_get(r, "total")), ==, 6);
    g_assert_cmpint(facet_count(r, "department", "photo"), ==, 4);
    g_assert_cmpint(facet_count(r, "department", "xray"), ==, 1);
    g_assert_cmpint(facet_count(r, "department", "paintings"), ==, 1);
    /* Multi-valued, normalised ("Craquelure", "craquelure "): exact. */
    g_assert_cmpint(facet_count(r, "keywords", "vernis"), ==, 2);
    g_assert_cmpint(facet_count(r, "keywords", "craquelure"), ==, 2);
    g_assert_cmpint(facet_count(r, "keywords", "firnis"), ==, 1);
    g_assert_cmpint(facet_count(r, "keywords", "panel"), ==, 1);
    g_assert_cmpint(facet_count(r, "keywords", "Craquelure"), ==, -1);
    g_assert_cmpint(facet_count(r, "material", "oil"), ==, 2);
    g_assert_cmpint(facet_count(r, "material", "canvas"), ==, 1);
    g_assert_cmpint(facet_count(r, "year", "2019"), ==, 1);
    g_assert_cmpint(facet_count(r, "type", "photo"), ==, 2);
    /* Values are counted normalised and shown as first written:
     * "Craquelure" (a1) before "craquelure " (a4), "Firnis", "2019". */
    g_assert_cmpstr(facet_label(r, "keywords", "craquelure"), ==, "Craquelure");
    g_assert_cmpstr(facet_label(r, "keywords", "firnis"), ==, "Firnis");
    g_assert_cmpstr(facet_label(r, "keywords", "vernis"), ==, "vernis");
    g_assert_cmpstr(facet_label(r, "year", "2019"), ==, "2019");
    g_assert_cmpstr(facet_label(r, "department", "photo"), ==, "photo");
    /* creator was not declared a facet by the documents. */
    g_assert_cmpint(json_array_size(json_object_get(json_object_get(r, "facets"), "creator")), ==, 0);
    /* Most frequent first. */
    json_t *first = json_array_get(json_object_get(json_object_get(r, "facets"), "department"), 0);
    g_assert_cmpstr(json_string_value(json_object_get(first, "value")), ==, "photo");
    json_decref(r);

    /* Counts follow the query and the audience. */
    r = search(f->index, "{\"q\": \"vernis\", " PUBLIC ", \"facets\": [\"keywords\", \"department\"]}");
    g_assert_cmpint(facet_count(r, "keywords", "vernis"), ==, 1);
    g_assert_cmpint(facet_count(r, "department", "photo"), ==, 1);
    g_assert_cmpint(facet_count(r, "department", "xray"), ==, -1);
    json_decref(r);

    /* Filters: whole normalised values; one field ORs, fields AND. */
    assert_ids(f->index, "{\"filters\": [\"keywords:Craquelure\"], " PUBLIC "}", "a1,a4");
    assert_ids(f->index, "{\"filters\": [\"keywords:vernis\", \"department:photo\"], " INTERNAL "}", "a1,a3");
    assert_ids(f->index, "{\"filters\": [\"department:xray\", \"department:paintings\"], " PUBLIC "}", "a2,a4");
    assert_ids(f->index, "{\"filters\": [\"department:photo\", \"material:oil\"], " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"filters\": [\"year:2019\"], " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"filters\": [\"material:oil on canvas\"], " PUBLIC "}", "");

    json_t *result = NULL;
    g_assert_cmpint(try_search(f->index, parse("{\"filters\": [\"nofield\"]}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("{\"filters\": [\"Bad Field:x\"]}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("{\"filters\": [42]}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("{\"facets\": \"department\"}"), &result), ==, VT_ERR_INVALID);
    g_assert_null(result);
}

static void test_sort_and_paging(Fixture *f, gconstpointer data)
{
    json_t *r = search(f->index, "{\"sort\": \"year\", " INTERNAL "}");
    g_autofree char *asc = hit_ids(r, true);
    g_assert_cmpstr(asc, ==, "a6,a3,a1,a2,a5,a4");  /* no year: last */
    json_decref(r);
    r = search(f->index, "{\"sort\": \"-year\", " INTERNAL "}");
    g_autofree char *desc = hit_ids(r, true);
    g_assert_cmpstr(desc, ==, "a5,a2,a1,a3,a6,a4");
    json_decref(r);

    r = search(f->index, "{\"sort\": \"year\", \"audience\": \"internal\", \"size\": 2, \"page\": 2}");
    g_autofree char *page2 = hit_ids(r, true);
    g_assert_cmpstr(page2, ==, "a1,a2");
    g_assert_cmpint(json_integer_value(json_object_get(r, "total")), ==, 6);
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(json_object_get(r, "hits"), 0), "rank")), ==, 3);
    json_decref(r);
    r = search(f->index, "{\"sort\": \"year\", \"audience\": \"internal\", \"size\": 4, \"page\": 2}");
    g_autofree char *last = hit_ids(r, true);
    g_assert_cmpstr(last, ==, "a5,a4");
    json_decref(r);
    r = search(f->index, "{\"sort\": \"year\", \"audience\": \"internal\", \"size\": 4, \"page\": 3}");
    g_assert_cmpint(json_array_size(json_object_get(r, "hits")), ==, 0);
    g_assert_cmpint(json_integer_value(json_object_get(r, "total")), ==, 6);
    json_decref(r);

    json_t *result = NULL;
    g_assert_cmpint(try_search(f->index, parse("{\"page\": 0}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("{\"page\": -3}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("{\"size\": 0}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("{\"size\": 1000}"), &result), ==, VT_ERR_LIMIT);
    g_assert_cmpint(try_search(f->index, parse("{\"page\": 9999999999}"), &result), ==, VT_ERR_LIMIT);
    g_assert_cmpint(try_search(f->index, parse("{\"page\": 5000, \"size\": 100}"), &result), ==, VT_ERR_LIMIT);
    g_assert_cmpint(try_search(f->index, parse("{\"page\": \"2\"}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("{\"sort\": \"-title\"}"), &result), ==, VT_ERR_INVALID);
    g_assert_null(result);
}

/* The labels of @index's hits for @request, in order, joined by "|". */
static char *hit_labels(vt_index *index, const char *request)
{
    json_t *r = search(index, request);
    GString *out = g_string_new(NULL);
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(r, "hits"), i, hit)
        g_string_append_printf(out, "%s%s", i ? "|" : "", json_string_value(json_object_get(hit, "label")));
    json_decref(r);
    return g_string_free(out, FALSE);
}

/* sort=title: A to Z by the label, case and accents folded and leading
 * punctuation left out, a document without a label last; ties by
 * relevance; the same order on the writer's slow path and a reader's fast
 * path (the facet table's title ranks), over pages too. */
static void test_sort_by_title(Fixture *f, gconstpointer data)
{
    static const char *const labels[] = {"zebra crossing", "Échafaudage", "apple tree", "(Detail) vernis",
                                         "Bleiweiß", "ZEBRA CROSSING", "éclat", NULL};
    for (size_t i = 0; i < G_N_ELEMENTS(labels); i++) {
        char id[8];
        g_snprintf(id, sizeof id, "t%zu", i);
        json_t *doc = json_pack("{s:s, s:s, s:s, s:s?, s:{s:[s]}}", "id", id, "department", "photo",
                                "visibility", "public", "label", labels[i], "fields", "description",
                                i == 5 ? "vernis vernis vernis" : "vernis");
        g_assert_cmpint(vt_index_put(f->index, doc), ==, VT_OK);
        json_decref(doc);
    }
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    /* "ZEBRA CROSSING" has vernis three times: the first of the tie. The
     * document without a label (an empty one in its hit) is last. */
    const char *expected = "apple tree|Bleiweiß|(Detail) vernis|Échafaudage|éclat|ZEBRA CROSSING|zebra crossing|";
    vt_index *both[] = {f->index, reader};
    for (size_t k = 0; k < 2; k++) {
        g_autofree char *all = hit_labels(both[k], "{\"q\": \"vernis\", \"sort\": \"title\"}");
        g_assert_cmpstr(all, ==, expected);
        g_autofree char *page2 =
            hit_labels(both[k], "{\"q\": \"vernis\", \"sort\": \"title\", \"size\": 3, \"page\": 2}");
        g_assert_cmpstr(page2, ==, "Échafaudage|éclat|ZEBRA CROSSING");
    }
    /* Relevance is another order. */
    g_autofree char *relevance = hit_labels(reader, "{\"q\": \"vernis\"}");
    g_assert_cmpstr(relevance, !=, expected);
    vt_index_close(reader);
}

static void test_public_audience(Fixture *f, gconstpointer data)
{
    assert_ids(f->index, "{\"q\": \"secret\", " INTERNAL "}", "a3");
    assert_ids(f->index, "{\"q\": \"secret\", " PUBLIC "}", "");
    /* No audience means public. */
    assert_ids(f->index, "{\"q\": \"secret\"}", "");
    assert_ids(f->index, "{\"q\": \"visibility:internal\", " PUBLIC "}", "");
    assert_ids(f->index, "{\"q\": \"secret OR visibility:internal OR visibility:public\", " PUBLIC "}",
               "a1,a2,a4,a5,a6");
    assert_ids(f->index, "{\"filters\": [\"visibility:internal\"], " PUBLIC "}", "");
    assert_ids(f->index, "{\"filters\": [\"visibility:internal\", \"visibility:public\"], " PUBLIC "}",
               "a1,a2,a4,a5,a6");
    assert_ids(f->index, "{\"q\": \"id:a3\", " PUBLIC "}", "");
    assert_ids(f->index, "{\"q\": \"NOT windmill\", " PUBLIC "}", "a1,a2,a5,a6");
    json_t *r = search(f->index, "{" PUBLIC ", \"facets\": [\"department\"]}");
    g_assert_cmpint(facet_count(r, "department", "photo"), ==, 3);
    json_decref(r);
    json_t *result = NULL;
    g_assert_cmpint(try_search(f->index, parse("{\"audience\": \"everyone\"}"), &result), ==, VT_ERR_INVALID);
}

static void test_stemming(Fixture *f, gconstpointer data)
{
    /* Dutch plural finds the Dutch singular. */
    assert_ids(f->index, "{\"q\": \"vernissen\", \"lang\": \"nl\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"vernissen\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"keywords:vernissen\", " INTERNAL "}", "a1,a3");
    /* German, capitalised as German nouns are. */
    assert_ids(f->index, "{\"q\": \"Firnisse\", \"lang\": \"de\", " PUBLIC "}", "a2");
    assert_ids(f->index, "{\"q\": \"Firnisse\", " PUBLIC "}", "a2");
    /* English. */
    assert_ids(f->index, "{\"q\": \"windmills\", \"lang\": \"en\", " PUBLIC "}", "a4");
    /* A word is stemmed in the query's language only when it has one. */
    assert_ids(f->index, "{\"q\": \"vernissen\", \"lang\": \"en\", " PUBLIC "}", "");
    /* NOT excludes every form of the word. */
    assert_ids(f->index, "{\"q\": \"vernis NOT craquelures\", " INTERNAL "}", "a3");
    assert_ids(f->index, "{\"q\": \"secret NOT vernissen\", " INTERNAL "}", "");
    json_t *result = NULL;
    g_assert_cmpint(try_search(f->index, parse("{\"lang\": \"xx\"}"), &result), ==, VT_ERR_INVALID);
}

static void test_synonyms(Fixture *f, gconstpointer data)
{
    assert_ids(f->index, "{\"q\": \"varnish\", " INTERNAL "}", "a1,a5");
    json_t *groups = parse("[[\"vernis\", \"varnish\", \"Firnis\"], [\"tear\", \"rip\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_OK);
    json_decref(groups);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);

    assert_ids(f->index, "{\"q\": \"varnish\", " INTERNAL "}", "a1,a2,a3,a5");
    assert_ids(f->index, "{\"q\": \"varnish\", \"lang\": \"en\", " PUBLIC "}", "a1,a2,a5");
    /* An inflected form reaches the group through its stem. */
    assert_ids(f->index, "{\"q\": \"vernissen\", " PUBLIC "}", "a1,a2,a5");
    /* With a field prefix, the synonyms are looked for in that field. */
    assert_ids(f->index, "{\"q\": \"keywords:firnis\", " INTERNAL "}", "a1,a2,a3,a5");
    assert_ids(f->index, "{\"q\": \"title:vernis\", " INTERNAL "}", "a2,a3,a5");
    assert_ids(f->index, "{\"q\": \"rip\", " PUBLIC "}", "a1");

    /* Replacing the synonyms drops the old ones. */
    groups = parse("[[\"panel\", \"board\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_OK);
    json_decref(groups);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    assert_ids(f->index, "{\"q\": \"varnish\", " INTERNAL "}", "a1,a5");
    assert_ids(f->index, "{\"q\": \"board\", " PUBLIC "}", "a2");

    groups = parse("[[\"one two three four five six seven eight nine\", \"x\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_ERR_LIMIT);
    json_decref(groups);
    groups = parse("[[\"- -\", \"x\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_ERR_INVALID);
    json_decref(groups);
    groups = parse("[\"vernis\"]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_ERR_INVALID);
    json_decref(groups);
    /* A failed call changed nothing. */
    assert_ids(f->index, "{\"q\": \"board\", " PUBLIC "}", "a2");
}

/* A member of several words is a phrase synonym: a word of its group
 * finds the phrase (its words adjacent, in order, in one value), and the
 * phrase, typed as one or as words in a row, finds the group's other
 * members; keyword values of the group are one facet entry; on the
 * writer's slow path and a reader's fast path alike. */
static void test_phrase_synonyms(Fixture *f, gconstpointer data)
{
    json_t *groups = parse("[[\"lead white\", \"loodwit\", \"blanc de  plomb\", \"Bleiweiß\"],"
                           " [\"vernis\", \"varnish\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_OK);
    json_decref(groups);
    put(f->index, "{\"id\": \"s1\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"fields\": {\"description\": [{\"value\": \"Traces of lead white under the paint\","
                  " \"lang\": \"en\"}], \"keywords\": [\"Lead  white\"]}, \"facets\": [\"keywords\"]}");
    put(f->index, "{\"id\": \"s2\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"fields\": {\"description\": [{\"value\": \"Loodwit in de grondlaag\", \"lang\": \"nl\"}],"
                  " \"keywords\": [\"loodwit\"]}, \"facets\": [\"keywords\"]}");
    put(f->index, "{\"id\": \"s3\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"fields\": {\"description\": [\"white paint with lead\", \"a lead\", \"white ground\"]}}");
    put(f->index, "{\"id\": \"s4\", \"department\": \"xray\", \"visibility\": \"public\","
                  " \"fields\": {\"description\": [{\"value\": \"Le blanc de plomb est visible\", \"lang\": \"fr\"}],"
                  " \"keywords\": [\"blanc de plomb\"]}, \"facets\": [\"keywords\"]}");
    put(f->index, "{\"id\": \"s5\", \"department\": \"xray\", \"visibility\": \"public\","
                  " \"fields\": {\"keywords\": [\"Bleiweiß\"]}, \"facets\": [\"keywords\"]}");
    put(f->index, "{\"id\": \"s6\", \"department\": \"xray\", \"visibility\": \"public\", \"fields\": {},"
                  " \"annotations\": [{\"id\": \"n\", \"text\": \"lead white retouching\", \"internal\": true}]}");
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    vt_index *both[] = {f->index, reader};
    for (size_t k = 0; k < 2; k++) {
        vt_index *ix = both[k];
        assert_ids(ix, "{\"q\": \"loodwit\", " PUBLIC "}", "s1,s2,s4,s5");  /* not s3: apart */
        assert_ids(ix, "{\"q\": \"loodwit\", " INTERNAL "}", "s1,s2,s4,s5,s6");
        assert_ids(ix, "{\"q\": \"Bleiweiß\", " PUBLIC "}", "s1,s2,s4,s5");
        assert_ids(ix, "{\"q\": \"\\\"lead white\\\"\", " PUBLIC "}", "s1,s2,s4,s5");
        assert_ids(ix, "{\"q\": \"\\\"blanc de plomb\\\"\", " PUBLIC "}", "s1,s2,s4,s5");
        /* Words in a row: as typed (s3 has both) or the group. */
        assert_ids(ix, "{\"q\": \"lead white\", " PUBLIC "}", "s1,s2,s3,s4,s5");
        assert_ids(ix, "{\"q\": \"lead white traces\", " PUBLIC "}", "s1");
        assert_ids(ix, "{\"q\": \"description:loodwit\", " PUBLIC "}", "s1,s2,s4");
        assert_ids(ix, "{\"q\": \"loodwit NOT department:xray\", " PUBLIC "}", "s1,s2");
        json_t *r = search(ix, "{\"q\": \"loodwit\", \"filters\": [\"department:photo\"], "
                               "\"facets\": [\"keywords\"], " PUBLIC "}");
        json_t *hit = json_array_get(json_object_get(r, "hits"), 0);
        if (strcmp(json_string_value(json_object_get(hit, "id")), "s1") != 0)
            hit = json_array_get(json_object_get(r, "hits"), 1);
        g_assert_nonnull(strstr(json_string_value(json_object_get(hit, "snippet")), "<mark>lead</mark>"));
        json_decref(r);
        /* One facet entry for the group, keyed by its first member. */
        r = search(ix, "{\"facets\": [\"keywords\"], " PUBLIC "}");
        g_assert_cmpint(json_array_size(json_object_get(json_object_get(r, "facets"), "keywords")), ==, 1);
        g_assert_cmpint(facet_count(r, "keywords", "blanc de plomb"), ==, 4);
        json_decref(r);
        assert_ids(ix, "{\"filters\": [\"keywords:blanc de plomb\"], " PUBLIC "}", "s1,s2,s4,s5");
    }
    /* Synonyms without a phrase: the phrase is gone. */
    groups = parse("[[\"vernis\", \"varnish\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_OK);
    json_decref(groups);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    g_assert_cmpint(vt_index_reopen(reader), ==, VT_OK);
    assert_ids(reader, "{\"q\": \"loodwit\", " PUBLIC "}", "s2");
    assert_ids(reader, "{\"q\": \"\\\"lead white\\\"\", " PUBLIC "}", "s1");
    vt_index_close(reader);
}

static const char *suggestion_of(json_t *result)
{
    return json_string_value(json_object_get(result, "suggestion"));
}

static void test_spelling(Fixture *f, gconstpointer data)
{
    json_t *r = search(f->index, "{\"q\": \"landscpe\", " PUBLIC "}");
    g_assert_cmpint(json_integer_value(json_object_get(r, "total")), ==, 0);
    g_assert_cmpstr(suggestion_of(r), ==, "landscape");
    json_decref(r);
    r = search(f->index, "{\"q\": \"Landscpe windmill\", " PUBLIC "}");
    g_assert_cmpstr(suggestion_of(r), ==, "landscape windmill");
    json_decref(r);
    /* Words that match something, in any language, are left alone. */
    r = search(f->index, "{\"q\": \"vernissen\", " PUBLIC "}");
    g_assert_true(json_is_null(json_object_get(r, "suggestion")));
    json_decref(r);
    r = search(f->index, "{\"q\": \"firnis\", " PUBLIC "}");
    g_assert_true(json_is_null(json_object_get(r, "suggestion")));
    json_decref(r);
    r = search(f->index, "{\"q\": \"windmill\", " PUBLIC "}");
    g_assert_true(json_is_null(json_object_get(r, "suggestion")));
    json_decref(r);
    /* Nothing close: no suggestion. */
    r = search(f->index, "{\"q\": \"zzyzzx\", " PUBLIC "}");
    g_assert_true(json_is_null(json_object_get(r, "suggestion")));
    json_decref(r);
}

static json_t *suggest(vt_index *index, const char *prefix, const char *field, int limit, bool public_only)
{
    json_t *terms = NULL;
    if (vt_index_suggest(index, prefix, field, limit, public_only, &terms) != VT_OK)
        g_error("vt_index_suggest: %s", vt_error_message());
    return terms;
}

/* The terms of vt_index_suggest_in(), "term:count" joined by ",". */
static char *suggest_in(vt_index *index, const char *id, const char *prefix, bool public_only)
{
    json_t *terms = NULL;
    if (vt_index_suggest_in(index, id, prefix, 10, public_only, &terms) != VT_OK)
        g_error("vt_index_suggest_in: %s", vt_error_message());
    GString *out = g_string_new(NULL);
    size_t i;
    json_t *t;
    json_array_foreach(terms, i, t)
        g_string_append_printf(out, "%s%s:%lld", i ? "," : "", json_string_value(json_object_get(t, "term")),
                               (long long)json_integer_value(json_object_get(t, "count")));
    json_decref(terms);
    return g_string_free(out, FALSE);
}

/* A manifest's autocomplete counts within its own annotations (IIIF
 * Content Search): two assets that use a word a different number of times
 * give different counts, a word of another asset is not offered, and a
 * public search counts no internal annotation and no internal asset. */
static void test_suggest_in_asset(Fixture *f, gconstpointer data)
{
    put(f->index, "{\"id\": \"m1\", \"department\": \"photo\", \"visibility\": \"public\", \"fields\": {},"
                  " \"annotations\": [{\"id\": \"1\", \"text\": \"Craquelure, craquelure in the sky\"},"
                  " {\"id\": \"2\", \"text\": \"craquelure near the edge\"},"
                  " {\"id\": \"3\", \"text\": \"Craquelé varnish\"},"
                  " {\"id\": \"4\", \"text\": \"craquelure, staff note\", \"internal\": true},"
                  " {\"id\": \"5\", \"text\": \"a tear\"}]}");
    put(f->index, "{\"id\": \"m2\", \"department\": \"photo\", \"visibility\": \"public\", \"fields\": {},"
                  " \"annotations\": [{\"id\": \"1\", \"text\": \"craquelure\"}, {\"id\": \"2\", \"text\": \"crack\"}]}");
    put(f->index, "{\"id\": \"m3\", \"department\": \"photo\", \"visibility\": \"internal\", \"fields\": {},"
                  " \"annotations\": [{\"id\": \"1\", \"text\": \"craquelure\"}]}");
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    static const struct {
        const char *id, *prefix;
        bool public_only;
        const char *expected;
    } cases[] = {
        {"m1", "Craq", true, "craquelure:2,craquelé:1"},
        {"m1", "craq", false, "craquelure:3,craquelé:1"},
        {"m2", "craq", true, "craquelure:1"},
        {"m2", "cra", true, "crack:1,craquelure:1"},
        {"m1", "tea", true, "tear:1"},
        {"m2", "tea", true, ""},
        {"m3", "craq", true, ""},
        {"m3", "craq", false, "craquelure:1"},
        {"nosuchasset", "craq", false, ""},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = suggest_in(reader, cases[i].id, cases[i].prefix, cases[i].public_only);
        if (strcmp(got, cases[i].expected) != 0)
            g_error("%s %s%s: %s, expected %s", cases[i].id, cases[i].prefix,
                    cases[i].public_only ? " (public)" : "", got, cases[i].expected);
    }
    json_t *terms = NULL;
    g_assert_cmpint(vt_index_suggest_in(reader, "m1", "", 10, true, &terms), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_index_suggest_in(reader, "", "c", 10, true, &terms), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_index_suggest_in(reader, "m1", "c", 0, true, &terms), ==, VT_ERR_LIMIT);
    g_assert_null(terms);
    vt_index_close(reader);
}

static void test_suggest(Fixture *f, gconstpointer data)
{
    json_t *t = suggest(f->index, "Va", NULL, 10, false);
    g_assert_cmpint(json_array_size(t), ==, 2);  /* van (a1, a4), varnish (a1, a5) */
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(t, 0), "term")), ==, "van");
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(t, 1), "term")), ==, "varnish");
    json_decref(t);
    t = suggest(f->index, "varn", NULL, 10, false);
    g_assert_cmpint(json_array_size(t), ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(t, 0), "term")), ==, "varnish");
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(t, 0), "count")), ==, 2);
    json_decref(t);

    /* Whole values of a field, most frequent first. */
    t = suggest(f->index, "V", "keywords", 10, false);
    g_assert_cmpint(json_array_size(t), ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(t, 0), "term")), ==, "vernis");
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(t, 0), "count")), ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(t, 1), "term")), ==, "varnish");
    json_decref(t);
    t = suggest(f->index, "v", "keywords", 1, false);
    g_assert_cmpint(json_array_size(t), ==, 1);
    json_decref(t);

    /* Public only: words of internal assets are not completed. */
    t = suggest(f->index, "sec", NULL, 10, false);
    g_assert_cmpint(json_array_size(t), ==, 1);
    json_decref(t);
    t = suggest(f->index, "sec", NULL, 10, true);
    g_assert_cmpint(json_array_size(t), ==, 0);
    json_decref(t);
    t = suggest(f->index, "v", "keywords", 10, true);
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(t, 0), "count")), ==, 1);
    json_decref(t);

    json_t *terms = NULL;
    g_assert_cmpint(vt_index_suggest(f->index, "", NULL, 10, false, &terms), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_index_suggest(f->index, "v", NULL, 0, false, &terms), ==, VT_ERR_LIMIT);
    g_assert_cmpint(vt_index_suggest(f->index, "v", "Bad", 5, false, &terms), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_index_suggest(f->index, "\xff", NULL, 5, false, &terms), ==, VT_ERR_INVALID);
    g_assert_null(terms);
}

static json_t *hit_by_id(json_t *result, const char *id)
{
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(result, "hits"), i, hit) {
        if (g_strcmp0(json_string_value(json_object_get(hit, "id")), id) == 0)
            return hit;
    }
    return NULL;
}

/* Puts @doc, commits, and returns (caller frees) the snippet of hit @id
 * of @request, which must find it. */
static char *snippet_after_put(vt_index *index, const char *doc, const char *request, const char *id)
{
    put(index, doc);
    g_assert_cmpint(vt_index_commit(index), ==, VT_OK);
    json_t *r = search(index, request);
    const char *s = json_string_value(json_object_get(hit_by_id(r, id), "snippet"));
    g_assert_nonnull(s);
    char *copy = g_strdup(s);
    json_decref(r);
    return copy;
}

static void test_annotations_and_snippets(Fixture *f, gconstpointer data)
{
    json_t *r = search(f->index, "{\"q\": \"craquelure\", " PUBLIC "}");
    json_t *a1 = hit_by_id(r, "a1");
    g_assert_nonnull(a1);
    json_t *annos = json_object_get(a1, "annotations");
    g_assert_cmpint(json_array_size(annos), ==, 1);
    json_t *anno = json_array_get(annos, 0);
    g_assert_cmpstr(json_string_value(json_object_get(anno, "id")), ==, "anno-1");
    g_assert_cmpstr(json_string_value(json_object_get(anno, "region")), ==, "xywh=10,20,300,200");
    g_assert_nonnull(strstr(json_string_value(json_object_get(anno, "snippet")), "<mark>craquelure</mark>"));
    json_t *a4 = hit_by_id(r, "a4");
    g_assert_cmpint(json_array_size(json_object_get(a4, "annotations")), ==, 0);
    g_assert_nonnull(strstr(json_string_value(json_object_get(a4, "snippet")), "<mark>craquelure</mark>"));
    g_assert_cmpint(json_integer_value(json_object_get(a1, "percent")), >, 0);
    json_decref(r);

    /* Annotation text is searchable, plainly and by its field. */
    assert_ids(f->index, "{\"q\": \"annotation:varnish\", " PUBLIC "}", "a1");
    assert_ids(f->index, "{\"q\": \"tear\", " PUBLIC "}", "a1");
    r = search(f->index, "{\"q\": \"tear\", " PUBLIC "}");
    annos = json_object_get(hit_by_id(r, "a1"), "annotations");
    g_assert_cmpint(json_array_size(annos), ==, 1);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(annos, 0), "id")), ==, "anno-2");
    json_decref(r);

    /* Highlights also for a field query and for stems. */
    r = search(f->index, "{\"q\": \"title:windmills\", \"lang\": \"en\", " PUBLIC "}");
    g_assert_nonnull(strstr(json_string_value(json_object_get(hit_by_id(r, "a4"), "snippet")), "<mark>windmill</mark>"));
    json_decref(r);

    /* Snippets are HTML-escaped. */
    r = search(f->index, "{\"q\": \"chips\", " PUBLIC "}");
    json_t *a6 = hit_by_id(r, "a6");
    g_assert_nonnull(a6);
    g_assert_cmpstr(json_string_value(json_object_get(a6, "label")), ==, "Fish & <b>chips</b>");
    const char *s = json_string_value(json_object_get(a6, "snippet"));
    g_assert_nonnull(strstr(s, "&amp;"));
    g_assert_null(strstr(s, "<b>"));
    g_assert_nonnull(strstr(s, "<mark>chips</mark>"));
    json_decref(r);

    /* A hit found by its intervention number alone (not in its text) still
     * gets the start of its text; stems that change a word's spelling
     * ("Maße" and "masse" are both "mass" in German) are still marked. */
    r = search(f->index, "{\"q\": \"2018.00042\", " INTERNAL "}");
    s = json_string_value(json_object_get(hit_by_id(r, "a3"), "snippet"));
    g_assert_nonnull(strstr(s, "Secret restoration"));
    g_assert_null(strstr(s, "<mark>"));
    json_decref(r);
    /* A long text so found: its start, escaped, cut at a blank with "…". */
    g_autofree char *head = snippet_after_put(
        f->index,
        "{\"id\": \"a8\", \"department\": \"photo\", \"visibility\": \"public\","
        " \"intervention\": \"2021.00777\", \"label\": \"Fish & <b>chips</b>\","
        " \"fields\": {\"description\": [\"one two three four five six seven eight nine ten"
        " eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        " twenty-one twenty-two twenty-three twenty-four twenty-five twenty-six\"]}}",
        "{\"q\": \"2021.00777\", " PUBLIC "}", "a8");
    g_assert_true(g_str_has_prefix(head, "Fish &amp; &lt;b&gt;chips&lt;/b&gt; · one two three"));
    g_assert_true(g_str_has_suffix(head, " twenty-three…") || g_str_has_suffix(head, " twenty-four…") ||
                  g_str_has_suffix(head, " twenty-two…"));
    g_assert_null(strstr(head, "twenty-six"));
    g_autofree char *stemmed = snippet_after_put(
        f->index,
        "{\"id\": \"a7\", \"department\": \"photo\", \"visibility\": \"public\","
        " \"label\": \"Altar\", \"fields\": {\"title\": [{\"value\": \"Die Maße des Altars\","
        " \"lang\": \"de\"}]}}",
        "{\"q\": \"masse\", \"lang\": \"de\", " PUBLIC "}", "a7");
    g_assert_nonnull(strstr(stemmed, "<mark>Maße</mark>"));
}

/* An internal annotation of a public asset: found by internal searches
 * (plain words and annotation:), with its region, and never by a public
 * one, whatever it asks (plain, field, phrase, wildcard), on the writer's
 * slow path and on a reader's fast path alike. */
static void test_internal_annotations(Fixture *f, gconstpointer data)
{
    put(f->index, "{\"id\": \"p1\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"label\": \"Paneel\", \"fields\": {},"
                  " \"annotations\": ["
                  "  {\"id\": \"open\", \"text\": \"Restoration vergeelde vernis\","
                  "   \"region\": \"xywh=1,2,3,4\", \"lang\": \"nl\"},"
                  "  {\"id\": \"hidden\", \"text\": \"Restoration schimmelvlekken verzekeringsclaim\","
                  "   \"region\": \"xywh=5,6,7,8\", \"internal\": true}]}");
    put(f->index, "{\"id\": \"p2\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"label\": \"Other\", \"fields\": {\"title\": [\"schimmel\"]}}");
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    vt_index *both[] = {f->index, reader};
    for (size_t k = 0; k < G_N_ELEMENTS(both); k++) {
        vt_index *ix = both[k];
        const char *none[] = {
            "{\"q\": \"schimmelvlekken\", " PUBLIC "}",
            "{\"q\": \"annotation:schimmelvlekken\", " PUBLIC "}",
            "{\"q\": \"\\\"schimmelvlekken verzekeringsclaim\\\"\", " PUBLIC "}",
            "{\"q\": \"verzekering*\", " PUBLIC "}",
            "{\"q\": \"verzekeringsclaim\"}",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(none); i++)
            assert_ids(ix, none[i], "");
        assert_ids(ix, "{\"q\": \"schimmelvlekken\", " INTERNAL "}", "p1");
        assert_ids(ix, "{\"q\": \"annotation:verzekeringsclaim\", " INTERNAL "}", "p1");
        /* A stem of an internal annotation's word, internal only. */
        assert_ids(ix, "{\"q\": \"schimmelvlek\", \"lang\": \"nl\", " INTERNAL "}", "p1");
        assert_ids(ix, "{\"q\": \"schimmelvlek\", \"lang\": \"nl\", " PUBLIC "}", "");

        /* A public hit on the public annotation shows it, never the other. */
        json_t *r = search(ix, "{\"q\": \"restoration\", " PUBLIC "}");
        json_t *annos = json_object_get(hit_by_id(r, "p1"), "annotations");
        g_assert_cmpuint(json_array_size(annos), ==, 1);
        g_assert_cmpstr(json_string_value(json_object_get(json_array_get(annos, 0), "id")), ==, "open");
        json_decref(r);
        r = search(ix, "{\"q\": \"restoration\", " INTERNAL "}");
        annos = json_object_get(hit_by_id(r, "p1"), "annotations");
        g_assert_cmpuint(json_array_size(annos), ==, 2);
        json_t *hidden = json_array_get(annos, 1);
        g_assert_cmpstr(json_string_value(json_object_get(hidden, "id")), ==, "hidden");
        g_assert_cmpstr(json_string_value(json_object_get(hidden, "region")), ==, "xywh=5,6,7,8");
        json_decref(r);
    }
    /* Spelling never suggests an internal annotation's word to the public. */
    json_t *r = search(reader, "{\"q\": \"schimmelvlekkem\", " PUBLIC "}");
    char *text = json_dumps(r, 0);
    g_assert_null(strstr(text, "schimmelvlekken"));
    free(text);
    json_decref(r);
    vt_index_close(reader);
}

/* facet_values: counted and filtered on, never words of the document nor
 * text of its hit. */
static void test_facet_values(Fixture *f, gconstpointer data)
{
    put(f->index, "{\"id\": \"v1\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"label\": \"Paneel\", \"fields\": {\"title\": [\"Paneel\"]},"
                  " \"facet_values\": {\"annotation_type\": [\"Restoration\", \"Story\"]},"
                  " \"facets\": [\"annotation_type\"]}");
    put(f->index, "{\"id\": \"v2\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"label\": \"Paneel twee\", \"fields\": {\"title\": [\"Paneel twee\"]}}");
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    json_t *r = search(f->index, "{\"q\": \"paneel\", \"facets\": [\"annotation_type\"], " PUBLIC "}");
    g_assert_cmpint(facet_count(r, "annotation_type", "restoration"), ==, 1);
    g_assert_cmpstr(facet_label(r, "annotation_type", "restoration"), ==, "Restoration");
    g_assert_null(strstr(json_string_value(json_object_get(hit_by_id(r, "v1"), "snippet")), "Restoration"));
    json_decref(r);
    assert_ids(f->index, "{\"q\": \"paneel\", \"filters\": [\"annotation_type:story\"], " PUBLIC "}", "v1");
    assert_ids(f->index, "{\"q\": \"restoration\", " PUBLIC "}", "");
    json_t *bad = parse("{\"id\": \"v3\", \"department\": \"photo\", \"visibility\": \"public\","
                        " \"facet_values\": {\"annotation_type\": \"Restoration\"}}");
    g_assert_cmpint(vt_index_put(f->index, bad), ==, VT_ERR_INVALID);
    json_decref(bad);
}

static void test_replace_and_delete(Fixture *f, gconstpointer data)
{
    put(f->index, CORPUS[3]);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    json_t *r = search(f->index, "{\"q\": \"wimdmill\"}");
    g_assert_cmpstr(suggestion_of(r), ==, "windmill");
    json_decref(r);
    put(f->index, "{\"id\": \"a4\", \"department\": \"paintings\", \"visibility\": \"public\","
                  " \"label\": \"Seascape\", \"labels\": {\"nl\": \"Zeegezicht\", \"fr\": \"Marine\"},"
                  " \"fields\": {\"title\": [\"A stormy seascape\"]}}");
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    g_assert_cmpuint(vt_index_count(f->index), ==, 1);
    assert_ids(f->index, "{\"q\": \"windmill\"}", "");
    assert_ids(f->index, "{\"q\": \"stormy\"}", "a4");
    /* The hit carries the label per language, for a page in that language. */
    r = search(f->index, "{\"q\": \"stormy\"}");
    json_t *hit = json_array_get(json_object_get(r, "hits"), 0);
    g_assert_cmpstr(json_string_value(json_object_get(hit, "label")), ==, "Seascape");
    json_t *labels = json_object_get(hit, "labels");
    g_assert_cmpuint(json_object_size(labels), ==, 2);
    g_assert_cmpstr(json_string_value(json_object_get(labels, "nl")), ==, "Zeegezicht");
    g_assert_cmpstr(json_string_value(json_object_get(labels, "fr")), ==, "Marine");
    json_decref(r);
    /* The spelling dictionary forgot the replaced words. */
    r = search(f->index, "{\"q\": \"wimdmill\"}");
    g_assert_true(json_is_null(json_object_get(r, "suggestion")));
    json_decref(r);
    r = search(f->index, "{\"q\": \"sotrmy\"}");
    g_assert_cmpstr(suggestion_of(r), ==, "stormy");
    json_decref(r);

    g_assert_cmpint(vt_index_delete(f->index, "a4"), ==, VT_OK);
    g_assert_cmpint(vt_index_delete(f->index, "nonexistent"), ==, VT_OK);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    g_assert_cmpuint(vt_index_count(f->index), ==, 0);
    assert_ids(f->index, "{\"q\": \"stormy\"}", "");
    r = search(f->index, "{\"q\": \"sotrmy\"}");
    g_assert_true(json_is_null(json_object_get(r, "suggestion")));
    json_decref(r);
}

static void test_reader_and_writer(Fixture *f, gconstpointer data)
{
    put(f->index, CORPUS[0]);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);

    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    g_assert_cmpuint(vt_index_count(reader), ==, 1);
    put(f->index, CORPUS[1]);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    /* The reader keeps its snapshot until it reopens. */
    assert_ids(reader, "{}", "a1");
    g_assert_cmpint(vt_index_reopen(reader), ==, VT_OK);
    assert_ids(reader, "{}", "a1,a2");

    /* Many commits behind: the reader still answers (reopening itself if
     * Xapian says its snapshot is gone). */
    for (size_t i = 2; i < G_N_ELEMENTS(CORPUS); i++) {
        put(f->index, CORPUS[i]);
        g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    }
    json_t *result = NULL;
    g_assert_cmpint(try_search(reader, parse("{\"q\": \"craquelure\"}"), &result), ==, VT_OK);
    json_decref(result);

    /* A reader cannot write; a second writer is refused. */
    json_t *doc = parse(CORPUS[0]);
    g_assert_cmpint(vt_index_put(reader, doc), ==, VT_ERR_INTERNAL);
    json_decref(doc);
    g_assert_cmpint(vt_index_commit(reader), ==, VT_ERR_INTERNAL);
    vt_index *second = NULL;
    g_assert_cmpint(vt_index_open(f->dir, true, &second), ==, VT_ERR_BUSY);
    g_assert_null(second);
    g_assert_nonnull(strstr(vt_error_message(), f->dir));
    vt_index_close(reader);

    g_autofree char *missing = g_build_filename(f->tmp, "missing", NULL);
    g_assert_cmpint(vt_index_open(missing, false, &reader), ==, VT_ERR_NOT_FOUND);
    vt_index_close(NULL);
}

static void test_invalid_documents(Fixture *f, gconstpointer data)
{
    static const char *const bad[] = {
        "[]",
        "{\"department\": \"photo\", \"visibility\": \"public\"}",
        "{\"id\": \"\", \"department\": \"photo\", \"visibility\": \"public\"}",
        "{\"id\": \"x\", \"visibility\": \"public\"}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"secret\"}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"year\": \"2019\"}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"fields\": {\"Title\": [\"a\"]}}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"fields\": {\"title\": [42]}}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"fields\": []}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"annotations\": [{\"id\": \"a\"}]}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"labels\": [\"Paneel\"]}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"labels\": {\"nl\": 3}}",
        "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\", \"labels\": {\"\": \"x\"}}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        json_t *doc = parse(bad[i]);
        g_assert_cmpint(vt_index_put(f->index, doc), ==, VT_ERR_INVALID);
        g_assert_cmpstr(vt_error_message(), !=, "");
        json_decref(doc);
    }
    /* Over the size of one value. */
    GString *big = g_string_new("{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\","
                                " \"fields\": {\"title\": [\"");
    for (int i = 0; i < VT_INDEX_TEXT_MAX / 4 + 1; i++)
        g_string_append(big, "abc ");
    g_string_append(big, "\"]}}");
    json_t *doc = parse(big->str);
    g_assert_cmpint(vt_index_put(f->index, doc), ==, VT_ERR_LIMIT);
    json_decref(doc);
    g_string_free(big, TRUE);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    g_assert_cmpuint(vt_index_count(f->index), ==, 0);

    /* A field named like a boolean prefix is plain text. */
    put(f->index, "{\"id\": \"x\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"fields\": {\"type\": [\"etching\"]}}");
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    assert_ids(f->index, "{\"q\": \"etching\"}", "x");
    assert_ids(f->index, "{\"q\": \"type:etching\"}", "");
}

static void test_hostile_queries(Fixture *f, gconstpointer data)
{
    static const char *const odd[] = {
        "\"portret van", "portret\"", "\"\"", "((((windmill", "windmill))))", "()",
        "AND", "OR OR OR", "NOT", "NOT NOT NOT", "- + -", "title:", "title:(", ":::", "*", "a*",
        "creator:\"", "department:", "intervention:", "year:abc", "nofield:x", "windmill NEAR/99999 oak",
        "\\", "%00", "~vernis", "x:y:z", "\"a\" \"b\" \"c", "([{<>}])", "ADJ/3", "title:(a OR (b AND c))",
        "\xc3\xa9\xc3\xa9\xc3\xa9", "\xe2\x80\x8b", "2019.12345 OR", "\t\n\r",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
        json_t *request = json_pack("{s:s, s:s, s:[s,s,s]}", "q", odd[i], "audience", "public",
                                    "facets", "department", "keywords", "year");
        g_assert_nonnull(request);
        json_t *result = NULL;
        vt_status status = try_search(f->index, request, &result);
        if (status == VT_OK) {
            g_assert_true(json_is_array(json_object_get(result, "hits")));
            g_assert_null(hit_by_id(result, "a3"));
            json_decref(result);
        } else {
            g_assert_cmpint(status, ==, VT_ERR_INVALID);
            g_assert_null(result);
        }
    }

    json_t *result = NULL;
    /* Invalid UTF-8 (jansson would refuse to build it; the CGI might not). */
    json_t *request = json_object();
    json_object_set_new(request, "q", json_stringn_nocheck("vernis \xff\xfe", 9));
    g_assert_cmpint(try_search(f->index, request, &result), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "UTF-8"));

    /* Huge. */
    GString *q = g_string_new(NULL);
    while (q->len <= VT_INDEX_QUERY_MAX)
        g_string_append(q, "windmill ");
    request = json_pack("{s:s}", "q", q->str);
    g_assert_cmpint(try_search(f->index, request, &result), ==, VT_ERR_LIMIT);
    g_string_free(q, TRUE);

    /* Too many words, under the byte limit. */
    q = g_string_new(NULL);
    for (int i = 0; i < VT_INDEX_QUERY_WORDS + 5; i++)
        g_string_append_printf(q, "w%d OR ", i);
    g_string_append(q, "x");
    request = json_pack("{s:s}", "q", q->str);
    g_assert_cmpint(try_search(f->index, request, &result), ==, VT_ERR_LIMIT);
    g_string_free(q, TRUE);

    /* Deeply nested, balanced and not. */
    q = g_string_new(NULL);
    for (int i = 0; i < 400; i++)
        g_string_append_c(q, '(');
    g_string_append(q, "windmill");
    for (int i = 0; i < 400; i++)
        g_string_append_c(q, ')');
    request = json_pack("{s:s}", "q", q->str);
    g_assert_cmpint(try_search(f->index, request, &result), ==, VT_ERR_LIMIT);
    request = json_pack("{s:s}", "q", q->str + 390);  /* unbalanced */
    vt_status status = try_search(f->index, request, &result);
    g_assert_true(status == VT_OK || status == VT_ERR_INVALID);
    json_decref(result);
    result = NULL;
    g_string_free(q, TRUE);
    /* Nested within the limit: works. */
    assert_ids(f->index, "{\"q\": \"((((((((windmill))))))))\"}", "a4");

    g_assert_cmpint(try_search(f->index, parse("{\"q\": 42}"), &result), ==, VT_ERR_INVALID);
    g_assert_cmpint(try_search(f->index, parse("[\"q\"]"), &result), ==, VT_ERR_INVALID);
    g_assert_null(result);
}

/* --- the facet table and the fast path --- */

/* A generated corpus big enough for every operator to matter. */
static void put_generated(vt_index *index, int n)
{
    static const char *const words[] = {"vernis", "varnish", "Firnis", "craquelure", "portret",
                                        "paneel", "panel", "vrouw", "van", "de", "landschap",
                                        "retable", "retabel", "doek", "canvas", "goud"};
    static const char *const langs[] = {"nl", "fr", "en", "de", NULL};
    static const char *const depts[] = {"photo", "xray", "microscopy"};
    static const char *const types[] = {"photo", "detail", "xray", "uv"};
    GRand *rand = g_rand_new_with_seed(42);
    for (int i = 0; i < n; i++) {
        GString *title = g_string_new(NULL), *desc = g_string_new(NULL);
        for (int k = g_rand_int_range(rand, 1, 4); k > 0; k--)
            g_string_append_printf(title, "%s ", words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))]);
        for (int k = g_rand_int_range(rand, 3, 12); k > 0; k--)
            g_string_append_printf(desc, "%s ", words[g_rand_int_range(rand, 0, G_N_ELEMENTS(words))]);
        const char *lang = langs[g_rand_int_range(rand, 0, 5)];
        json_t *kws = json_array();
        for (int k = g_rand_int_range(rand, 0, 3); k > 0; k--)
            json_array_append_new(kws, json_string(words[g_rand_int_range(rand, 0, 6)]));
        int year = g_rand_int_range(rand, 2015, 2025);
        char id[16];
        g_snprintf(id, sizeof id, "g%03d", i);
        json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s%, s:{s:[{s:s, s:s?}], s:[{s:s, s:s?}], s:o},"
                                " s:[s], s:[{s:s, s:s, s:s}]}",
                                "id", id,
                                "department", depts[g_rand_int_range(rand, 0, 3)],
                                "intervention", i < 3 ? "2019.00001" : "2020.00002",
                                "visibility", g_rand_int_range(rand, 0, 5) == 0 ? "internal" : "public",
                                "type", types[g_rand_int_range(rand, 0, 4)],
                                "year", i % 7 == 0 ? json_null() : json_integer(year),
                                "label", title->str, title->len,
                                "fields", "title", "value", title->str, "lang", lang,
                                "description", "value", desc->str, "lang", lang, "keywords", kws,
                                "facets", "keywords",
                                "annotations", "id", "n1", "text", desc->str, "region", "xywh=1,2,3,4");
        g_assert_nonnull(doc);
        g_assert_cmpint(vt_index_put(index, doc), ==, VT_OK);
        json_decref(doc);
        g_string_free(title, TRUE);
        g_string_free(desc, TRUE);
    }
    g_rand_free(rand);
}

/* total, facets and the sorted hit ids of @request on @index, as text. */
static char *summary(vt_index *index, const char *request)
{
    json_t *r = search(index, request);
    g_autofree char *ids = hit_ids(r, false);
    json_t *s = json_pack("{s:O, s:O, s:s}", "total", json_object_get(r, "total"), "facets",
                          json_object_get(r, "facets"), "ids", ids);
    char *text = json_dumps(s, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(s);
    json_decref(r);
    return text;
}

/* Requests for both paths: every operator the fast path evaluates, and
 * some it hands to Xapian (phrases, wildcards). Each gets all hits. */
static const char *const FAST_REQUESTS[] = {
    "{}",
    "{\"q\": \"vernis\"}",
    "{\"q\": \"Firnis\", \"lang\": \"de\"}",
    "{\"q\": \"vrouw paneel\"}",
    "{\"q\": \"vernis OR canvas\"}",
    "{\"q\": \"vernis NOT craquelure\"}",
    "{\"q\": \"vernis -goud +panel\"}",
    "{\"q\": \"vernis XOR goud\"}",
    "{\"q\": \"(vernis OR goud) AND (retable OR van)\"}",
    "{\"q\": \"title:portret\"}",
    "{\"q\": \"department:xray\"}",
    "{\"q\": \"department:photo varnish\"}",
    "{\"q\": \"NOT vernis\"}",
    "{\"q\": \"2019.00001\"}",
    "{\"q\": \"\\\"vrouw van\\\"\"}",
    "{\"q\": \"retab*\"}",
    "{\"q\": \"nothingatall\"}",
    "{\"q\": \"vernis\", \"filters\": [\"department:photo\", \"department:xray\", \"keywords:goud\"]}",
    "{\"q\": \"van\", \"filters\": [\"year:2019\"], \"sort\": \"-year\"}",
    "{\"q\": \"van\", \"sort\": \"year\"}",
    "{\"q\": \"vernis OR goud\", \"sort\": \"title\"}",
    /* Weighed only where the filters leave documents (Evaluator::filter):
     * a synonym group twice, a phrase, a filter inside the query. */
    "{\"q\": \"vernis varnish\", \"filters\": [\"year:2019\"]}",
    "{\"q\": \"\\\"vrouw van\\\" OR vernis\", \"filters\": [\"department:xray\"]}",
    "{\"q\": \"(vernis department:photo) OR goud\", \"filters\": [\"year:2019\"]}",
    "{\"q\": \"vernis OR (department:photo varnish)\", \"filters\": [\"year:2020\"]}",
};

/* Each of @requests, for both audiences, answers the same through @reader
 * (the fast path, with the facet table) as through @writer (whose searches
 * always take Xapian's matcher): totals, facets, ranked ids. */
static void assert_same_answers(vt_index *reader, vt_index *writer, const char *const *requests,
                                size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int audience = 0; audience < 2; audience++) {
            json_t *req = parse(requests[i]);
            json_object_set_new(req, "audience", json_string(audience ? "internal" : "public"));
            json_object_set_new(req, "size", json_integer(100));
            json_object_set_new(req, "facets", json_pack("[s,s,s,s]", "department", "type", "year", "keywords"));
            g_autofree char *text = json_dumps(req, JSON_COMPACT);
            json_decref(req);
            g_autofree char *fast = summary(reader, text);
            g_autofree char *slow = summary(writer, text);
            if (strcmp(fast, slow) != 0)
                g_error("%s:\n  fast: %s\n  slow: %s", text, fast, slow);
        }
    }
}

static void test_fast_path(Fixture *f, gconstpointer data)
{
    put_generated(f->index, 90);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    g_autofree char *table = g_build_filename(f->dir, "vitrine-facets.bin", NULL);
    g_assert_true(g_file_test(table, G_FILE_TEST_IS_REGULAR));

    /* The same answers with the table (a reader) and without (the writer,
     * whose searches always take Xapian's matcher). */
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    assert_same_answers(reader, f->index, FAST_REQUESTS, G_N_ELEMENTS(FAST_REQUESTS));
    /* Ranks: the fast path weighs like Xapian's BM25 (same best hit). */
    json_t *a = search(reader, "{\"q\": \"vernis\", \"size\": 1}");
    json_t *b = search(f->index, "{\"q\": \"vernis\", \"size\": 1}");
    g_autofree char *best_fast = hit_ids(a, true);
    g_autofree char *best_slow = hit_ids(b, true);
    g_assert_cmpstr(best_fast, ==, best_slow);
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(json_object_get(a, "hits"), 0), "percent")),
                    ==, 100);
    json_decref(a);
    json_decref(b);
    /* Paging: ranks continue over pages. */
    json_t *p1 = search(reader, "{\"q\": \"van\", \"size\": 9}");
    g_autofree char *all = hit_ids(p1, true);
    json_decref(p1);
    json_t *p2 = search(reader, "{\"q\": \"van\", \"size\": 3, \"page\": 2}");
    g_assert_cmpint(json_integer_value(json_object_get(json_array_get(json_object_get(p2, "hits"), 0), "rank")), ==, 4);
    g_autofree char *second = hit_ids(p2, true);
    json_decref(p2);
    g_auto(GStrv) nine = g_strsplit(all, ",", -1);
    g_autofree char *expect = g_strjoin(",", nine[3], nine[4], nine[5], NULL);
    g_assert_cmpstr(second, ==, expect);
    vt_index_close(reader);
}

/* A reader answers two-word phrases from word pairs (Builder::pairs), as
 * the writer does from positions: within one value, in order, adjacent. */
static void test_phrase_pairs(Fixture *f, gconstpointer data)
{
    put(f->index, "{\"id\": \"p1\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"label\": \"alpha beta\", \"fields\": {\"title\": [\"gamma delta\"],"
                  " \"description\": [\"beta alpha alpha beta\"]}}");
    put(f->index, "{\"id\": \"p2\", \"department\": \"xray\", \"visibility\": \"public\","
                  " \"label\": \"delta gamma\", \"fields\": {\"title\": [\"beta\"],"
                  " \"description\": [\"gamma beta\"]}}");
    put(f->index, "{\"id\": \"p3\", \"department\": \"xray\", \"visibility\": \"internal\","
                  " \"label\": \"Alpha, Beta!\", \"fields\": {}}");
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    /* In order and adjacent; punctuation and case do not matter. */
    assert_ids(reader, "{\"q\": \"\\\"alpha beta\\\"\", " INTERNAL "}", "p1,p3");
    assert_ids(reader, "{\"q\": \"\\\"alpha beta\\\"\", " PUBLIC "}", "p1");
    assert_ids(reader, "{\"q\": \"\\\"gamma beta\\\"\", " INTERNAL "}", "p2");
    /* Not across two values: "beta" ends p1's label, "gamma" starts its title. */
    assert_ids(reader, "{\"q\": \"\\\"beta gamma\\\"\", " INTERNAL "}", "");
    assert_ids(reader, "{\"q\": \"\\\"delta beta\\\"\", " INTERNAL "}", "");
    static const char *const requests[] = {
        "{\"q\": \"\\\"alpha beta\\\"\"}",
        "{\"q\": \"\\\"beta alpha\\\" gamma\"}",
        "{\"q\": \"\\\"alpha beta\\\" OR \\\"gamma beta\\\"\"}",
        "{\"q\": \"\\\"alpha beta\\\"\", \"filters\": [\"department:photo\"]}",
        "{\"q\": \"\\\"beta gamma\\\"\"}",
        "{\"q\": \"\\\"alpha alpha beta\\\"\"}",  /* three words: positions */
        "{\"q\": \"title:\\\"gamma delta\\\"\"}",  /* a field: positions */
    };
    assert_same_answers(reader, f->index, requests, G_N_ELEMENTS(requests));
    vt_index_close(reader);
}

/* The table is trusted for its own revision only. */
static void test_facet_table_revision(Fixture *f, gconstpointer data)
{
    put(f->index, CORPUS[0]);
    put(f->index, CORPUS[1]);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    g_autofree char *table = g_build_filename(f->dir, "vitrine-facets.bin", NULL);
    g_autofree char *old = NULL;
    gsize size = 0;
    g_assert_true(g_file_get_contents(table, &old, &size, NULL));

    /* Of the reader's revision: used (a value changed in the file shows). */
    static const char value[] = "department\x1fphoto";
    char *at = memmem(old, size, value, strlen(value));
    g_assert_nonnull(at);
    g_autofree char *tampered = g_memdup2(old, size);
    memcpy(tampered + (at - old) + strlen(value) - 5, "PHOTO", 5);
    g_assert_true(g_file_set_contents(table, tampered, (gssize)size, NULL));
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    json_t *r = search(reader, "{\"audience\": \"internal\", \"facets\": [\"department\"]}");
    g_assert_cmpint(facet_count(r, "department", "PHOTO"), ==, 1);
    json_decref(r);
    vt_index_close(reader);

    /* Of an older revision, or not a table at all: ignored, the answers
     * stay exact. */
    put(f->index, CORPUS[2]);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    const char *const contents[] = {old, "VTFACET1 but not a table", ""};
    for (size_t i = 0; i < G_N_ELEMENTS(contents); i++) {
        g_assert_true(g_file_set_contents(table, contents[i], i == 0 ? (gssize)size : -1, NULL));
        g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
        r = search(reader, "{\"audience\": \"internal\", \"facets\": [\"department\", \"keywords\"]}");
        g_assert_cmpint(json_integer_value(json_object_get(r, "total")), ==, 3);
        g_assert_cmpint(facet_count(r, "department", "photo"), ==, 2);
        g_assert_cmpint(facet_count(r, "department", "PHOTO"), ==, -1);
        g_assert_cmpint(facet_count(r, "keywords", "vernis"), ==, 2);
        json_decref(r);
        vt_index_close(reader);
    }
}

/* The facet table's cached postings, found by parsing the table as
 * vt_index_table.cc writes it (its layout comment): the header, then after the
 * facet data the postings and their index, each part from a multiple of 8
 * bytes. */
typedef struct {
    char magic[8];
    uint64_t revision;
    uint32_t lastdocid, n_ids, n_strings, strings_bytes, n_terms, names_bytes;
    uint64_t postings_bytes;
} TableHeader;

typedef struct {
    TableHeader h;
    size_t words;            /* 64-bit words of a bitmap */
    size_t name_offsets;     /* byte offsets in the file */
    size_t names;
    size_t termfreq;
    size_t posting_offsets;
    size_t postings;
} TableLayout;

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static TableLayout table_layout(const char *table, size_t size)
{
    TableLayout t;
    g_assert_cmpuint(size, >=, sizeof t.h);
    memcpy(&t.h, table, sizeof t.h);
    g_assert_cmpmem(t.h.magic, 8, "VTFACET3", 8);
    size_t l = t.h.lastdocid;
    t.words = (l + 64) / 64;
    size_t facets = sizeof t.h + 16 * t.words + 4 * ((l + 1) * 3 + (l + 2) + t.h.n_ids + t.h.n_strings + 1) +
                    t.h.strings_bytes;
    t.postings = pad8(facets);
    t.name_offsets = t.postings + t.h.postings_bytes;
    t.names = t.name_offsets + 4 * ((size_t)t.h.n_terms + 1);
    t.termfreq = pad8(t.names + t.h.names_bytes);
    t.posting_offsets = pad8(t.termfreq + 4 * (size_t)t.h.n_terms);
    g_assert_cmpuint(t.posting_offsets + 8 * ((size_t)t.h.n_terms + 1), ==, size);
    return t;
}

/* The offset of @term's cached bitmap in the file, or 0 if not cached. */
static size_t cached_bits(const char *table, const TableLayout *t, const char *term)
{
    for (uint32_t i = 0; i < t->h.n_terms; i++) {
        uint32_t from, to;
        uint64_t at;
        memcpy(&from, table + t->name_offsets + 4 * i, 4);
        memcpy(&to, table + t->name_offsets + 4 * (i + 1), 4);
        memcpy(&at, table + t->posting_offsets + 8 * i, 8);
        if (to - from == strlen(term) && memcmp(table + t->names + from, term, to - from) == 0)
            return t->postings + at;
    }
    return 0;
}

static json_int_t total_of(vt_index *index, const char *request)
{
    json_t *r = search(index, request);
    json_int_t total = json_integer_value(json_object_get(r, "total"));
    json_decref(r);
    return total;
}

/* The postings of frequent terms come from the facet table: the answers
 * are the writer's (Xapian's), a term with a wdf over 255 stays with
 * Xapian, the reader really reads the table (a bitmap changed in the file
 * shows), and a damaged table gives wrong answers at worst, never a read
 * outside it (the sanitizer build checks that). */
static void test_cached_postings(Fixture *f, gconstpointer data)
{
    put_generated(f->index, 90);
    GString *many = g_string_new(NULL);
    for (int i = 0; i < 300; i++)
        g_string_append(many, "craquelure ");
    json_t *doc = json_pack("{s:s, s:s, s:s, s:{s:[s]}}", "id", "w300", "department", "xray", "visibility",
                            "public", "fields", "description", many->str);
    g_string_free(many, TRUE);
    g_assert_cmpint(vt_index_put(f->index, doc), ==, VT_OK);
    json_decref(doc);
    json_t *groups = parse("[[\"vernis\", \"varnish\", \"firnis\"], [\"doek\", \"canvas\", \"leinwand\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_OK);
    json_decref(groups);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);

    g_autofree char *path = g_build_filename(f->dir, "vitrine-facets.bin", NULL);
    g_autofree char *table = NULL;
    gsize size = 0;
    g_assert_true(g_file_get_contents(path, &table, &size, NULL));
    TableLayout t = table_layout(table, size);
    /* 91 documents: every term in at least 6 of them is cached. */
    g_assert_cmpuint(cached_bits(table, &t, "vernis"), >, 0);
    g_assert_cmpuint(cached_bits(table, &t, "Zvernis"), >, 0);
    g_assert_cmpuint(cached_bits(table, &t, "XDxray"), >, 0);
    g_assert_cmpuint(cached_bits(table, &t, "craquelure"), ==, 0);   /* wdf 300 in w300 */
    g_assert_cmpuint(cached_bits(table, &t, "XI2019.00001"), ==, 0); /* in 3 documents */

    static const char *const requests[] = {
        "{\"q\": \"vernis\"}",
        "{\"q\": \"canvas NOT vernis\"}",
        "{\"q\": \"craquelure\"}",
        "{\"q\": \"craquelure OR goud\", \"sort\": \"-year\"}",
        "{\"q\": \"2019.00001 OR retable\"}",
        "{\"q\": \"\\\"vrouw van\\\" OR doek\"}",
        "{\"q\": \"van\", \"filters\": [\"department:xray\", \"keywords:vernis\"]}",
    };
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    assert_same_answers(reader, f->index, requests, G_N_ELEMENTS(requests));
    /* The document with 300 times the word ranks first on both paths. */
    json_t *r = search(reader, "{\"q\": \"craquelure\", \"size\": 1, \"audience\": \"internal\"}");
    g_autofree char *best = hit_ids(r, true);
    g_assert_cmpstr(best, ==, "w300");
    json_decref(r);
    vt_index_close(reader);

    /* XDxray's bitmap emptied in the file: the reader finds no xray. */
    const char *xray = "{\"q\": \"department:xray\", \"audience\": \"internal\"}";
    g_assert_cmpint(total_of(f->index, xray), >, 1);
    g_autofree char *changed = g_memdup2(table, size);
    memset(changed + cached_bits(table, &t, "XDxray"), 0, 8 * t.words);
    g_assert_true(g_file_set_contents(path, changed, (gssize)size, NULL));
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    g_assert_cmpint(total_of(reader, xray), ==, 0);
    vt_index_close(reader);

    /* Damaged: every bit and wdf byte set (more documents than termfreq
     * says, bits past the last docid), then offsets that do not add up
     * (the table is refused and Xapian answers, exactly). */
    memset(changed + t.postings, 0xff, (size_t)t.h.postings_bytes);
    g_assert_true(g_file_set_contents(path, changed, (gssize)size, NULL));
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    for (size_t i = 0; i < G_N_ELEMENTS(requests); i++) {
        json_t *req = parse(requests[i]);
        json_t *result = NULL;
        g_assert_cmpint(try_search(reader, req, &result), ==, VT_OK);
        g_assert_cmpint(json_integer_value(json_object_get(result, "total")), <=, 91);
        json_decref(result);
    }
    vt_index_close(reader);
    memset(changed + t.posting_offsets + 8, 0xff, 8);
    g_assert_true(g_file_set_contents(path, changed, (gssize)size, NULL));
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    g_assert_cmpint(total_of(reader, xray), ==, total_of(f->index, xray));
    vt_index_close(reader);
}

/* The entry of @value in facet @name of @result, or NULL. */
static json_t *facet_entry(json_t *result, const char *name, const char *value)
{
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(json_object_get(result, "facets"), name), i, entry) {
        if (g_strcmp0(json_string_value(json_object_get(entry, "value")), value) == 0)
            return entry;
    }
    return NULL;
}

/* Commits the writer's changes and opens a reader on them (caller closes):
 * for tests that check the writer's slow path and a reader's fast path. */
static vt_index *commit_and_read(Fixture *f)
{
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    vt_index *reader = NULL;
    g_assert_cmpint(vt_index_open(f->dir, false, &reader), ==, VT_OK);
    return reader;
}

/* Snippets in the reader's language (issue 12): the stored record keeps
 * each text's language, and a search with "hl" makes the snippet from the
 * texts in that language and those without one, or from another
 * language's texts only when the match is there (named in snippet_lang);
 * a value is never shown twice; without hl the snippet is as before. On
 * the writer's slow path and a reader's fast path alike. */
static void test_snippet_language(Fixture *f, gconstpointer data)
{
    put(f->index, "{\"id\": \"m1\", \"department\": \"photo\", \"visibility\": \"public\","
                  " \"intervention\": \"2024.00042\", \"label\": \"Panel with varnish\","
                  " \"labels\": {\"nl\": \"Paneel met vernis\", \"fr\": \"Panneau au vernis\"},"
                  " \"fields\": {\"title\": [{\"value\": \"Paneel met vernis\", \"lang\": \"nl\"},"
                  "   {\"value\": \"Panneau au vernis\", \"lang\": \"fr\"},"
                  "   {\"value\": \"Panel with varnish\", \"lang\": \"en\"}],"
                  "  \"description\": [{\"value\": \"Vergeelde vernislaag\", \"lang\": \"nl\"},"
                  "   {\"value\": \"Couche de vernis jaunie\", \"lang\": \"fr\"},"
                  "   {\"value\": \"Yellowed varnish layer\", \"lang\": \"en-GB\"}],"
                  "  \"keywords\": [{\"value\": \"vernis\", \"lang\": \"nl\"}, {\"value\": \"vernis\", \"lang\": \"fr\"},"
                  "   {\"value\": \"varnish\", \"lang\": \"en\"}],"
                  "  \"inventory\": [\"Inv. 1234\"]}}");
    vt_index *reader = commit_and_read(f);
    vt_index *both[] = {f->index, reader};
    for (size_t k = 0; k < 2; k++) {
        vt_index *ix = both[k];
        /* The match in the reader's language: its texts and the one
         * without a language, "vernis" once. */
        json_t *r = search(ix, "{\"q\": \"panneau\", \"hl\": \"fr\", " PUBLIC "}");
        json_t *hit = hit_by_id(r, "m1");
        const char *s = json_string_value(json_object_get(hit, "snippet"));
        g_assert_cmpstr(s, ==, "<mark>Panneau</mark> au vernis · Couche de vernis jaunie · vernis · Inv. 1234");
        g_assert_null(json_object_get(hit, "snippet_lang"));
        json_decref(r);
        /* A word of another language found by its synonyms would be marked
         * in the reader's texts; "yellowed" is only in the English ones
         * (en and en-GB are one language): the snippet is theirs, and says
         * so. */
        r = search(ix, "{\"q\": \"yellowed\", \"hl\": \"fr\", " PUBLIC "}");
        hit = hit_by_id(r, "m1");
        g_assert_cmpstr(json_string_value(json_object_get(hit, "snippet")), ==,
                        "Panel with varnish · <mark>Yellowed</mark> varnish layer · varnish");
        g_assert_cmpstr(json_string_value(json_object_get(hit, "snippet_lang")), ==, "en");
        json_decref(r);
        /* A reader whose language has no text: the texts without one,
         * else the language where the match is. */
        r = search(ix, "{\"q\": \"inv\", \"hl\": \"de\", " PUBLIC "}");
        hit = hit_by_id(r, "m1");
        g_assert_cmpstr(json_string_value(json_object_get(hit, "snippet")), ==, "<mark>Inv</mark>. 1234");
        g_assert_null(json_object_get(hit, "snippet_lang"));
        json_decref(r);
        r = search(ix, "{\"q\": \"vergeelde\", \"hl\": \"de\", " PUBLIC "}");
        hit = hit_by_id(r, "m1");
        g_assert_nonnull(strstr(json_string_value(json_object_get(hit, "snippet")), "<mark>Vergeelde</mark>"));
        g_assert_null(strstr(json_string_value(json_object_get(hit, "snippet")), "Couche"));
        g_assert_cmpstr(json_string_value(json_object_get(hit, "snippet_lang")), ==, "nl");
        json_decref(r);
        /* Found by its intervention number (no match in any text): the
         * start of the reader's own texts. */
        r = search(ix, "{\"q\": \"2024.00042\", \"hl\": \"nl\", " PUBLIC "}");
        hit = hit_by_id(r, "m1");
        g_assert_cmpstr(json_string_value(json_object_get(hit, "snippet")), ==,
                        "Paneel met vernis · Vergeelde vernislaag · vernis · Inv. 1234");
        g_assert_null(json_object_get(hit, "snippet_lang"));
        json_decref(r);
        /* Without hl: every text, each value once. */
        r = search(ix, "{\"q\": \"2024.00042\", " PUBLIC "}");
        s = json_string_value(json_object_get(hit_by_id(r, "m1"), "snippet"));
        g_assert_true(g_str_has_prefix(s, "Paneel met vernis · Panneau au vernis · Panel with varnish · "));
        g_assert_nonnull(strstr(s, "vernis · varnish"));
        g_assert_null(strstr(s, "vernis · vernis"));
        json_decref(r);
    }
    /* hl is a language tag, nothing else. */
    const char *bad[] = {"{\"hl\": \"n l\"}", "{\"hl\": \"nl\\tfr\"}", "{\"hl\": 3}",
                         "{\"hl\": \"abcdefghijklmnopq\"}"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        json_t *result = NULL;
        g_assert_cmpint(try_search(reader, parse(bad[i]), &result), ==, VT_ERR_INVALID);
        g_assert_null(result);
    }
    vt_index_close(reader);
}

/* Synonym groups with tagged members: one facet entry, labelled in the
 * reader's language (hl), with the labels of every language; a value in
 * no group keeps the language it was given; without hl the answer is as
 * before. The labels follow a new set of synonyms (a reader reads them
 * once per snapshot). */
static void test_group_labels(Fixture *f, gconstpointer data)
{
    json_t *groups = parse(
        "[[{\"value\": \"vernis\", \"lang\": \"nl\"}, {\"value\": \"vernis\", \"lang\": \"fr\"},"
        "  {\"value\": \"varnish\", \"lang\": \"en\"}, {\"value\": \"Firnis\", \"lang\": \"de\"}],"
        " [{\"value\": \"lead white\", \"lang\": \"en\"}, {\"value\": \"loodwit\", \"lang\": \"nl\"},"
        "  {\"value\": \"blanc de  plomb\", \"lang\": \"fr\"}, {\"value\": \"céruse\", \"lang\": \"fr\"},"
        "  {\"value\": \"Bleiweiß\", \"lang\": \"de\"}],"
        " [\"tear\", \"rip\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_OK);
    json_decref(groups);
    const char *docs[] = {
        "{\"id\": \"g1\", \"department\": \"photo\", \"visibility\": \"public\","
        " \"fields\": {\"keywords\": [\"Varnish\"]}, \"facets\": [\"keywords\"]}",
        "{\"id\": \"g2\", \"department\": \"photo\", \"visibility\": \"public\","
        " \"fields\": {\"keywords\": [{\"value\": \"Firnis\", \"lang\": \"de\"}]}, \"facets\": [\"keywords\"]}",
        "{\"id\": \"g3\", \"department\": \"photo\", \"visibility\": \"public\","
        " \"fields\": {\"keywords\": [\"Lead white\"]}, \"facets\": [\"keywords\"]}",
        "{\"id\": \"g4\", \"department\": \"photo\", \"visibility\": \"public\","
        " \"fields\": {\"keywords\": [{\"value\": \"Eik\", \"lang\": \"nl\"}]}, \"facets\": [\"keywords\"]}",
        "{\"id\": \"g5\", \"department\": \"photo\", \"visibility\": \"public\","
        " \"fields\": {\"keywords\": [\"rip\"]}, \"facets\": [\"keywords\"]}",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(docs); i++)
        put(f->index, docs[i]);
    vt_index *reader = commit_and_read(f);
    vt_index *both[] = {f->index, reader};
    for (size_t k = 0; k < 2; k++) {
        vt_index *ix = both[k];
        json_t *r = search(ix, "{\"facets\": [\"keywords\"], \"hl\": \"fr\", " PUBLIC "}");
        g_assert_cmpuint(json_array_size(json_object_get(json_object_get(r, "facets"), "keywords")), ==, 4);
        /* The group's value is its first member ("firnis"), its label the
         * French one, with every language's. */
        json_t *e = facet_entry(r, "keywords", "firnis");
        g_assert_cmpint(json_integer_value(json_object_get(e, "count")), ==, 2);
        g_assert_cmpstr(json_string_value(json_object_get(e, "label")), ==, "vernis");
        g_assert_cmpstr(json_string_value(json_object_get(e, "lang")), ==, "fr");
        json_t *labels = json_object_get(e, "labels");
        g_assert_cmpuint(json_object_size(labels), ==, 4);
        g_assert_cmpstr(json_string_value(json_object_get(labels, "nl")), ==, "vernis");
        g_assert_cmpstr(json_string_value(json_object_get(labels, "en")), ==, "varnish");
        g_assert_cmpstr(json_string_value(json_object_get(labels, "de")), ==, "Firnis");
        /* A phrase group: the first French member, blanks collapsed. */
        e = facet_entry(r, "keywords", "blanc de plomb");
        g_assert_cmpstr(json_string_value(json_object_get(e, "label")), ==, "blanc de plomb");
        g_assert_cmpstr(json_string_value(json_object_get(json_object_get(e, "labels"), "en")), ==,
                        "lead white");
        /* In no group: as given, with its language. */
        e = facet_entry(r, "keywords", "eik");
        g_assert_cmpstr(json_string_value(json_object_get(e, "label")), ==, "Eik");
        g_assert_cmpstr(json_string_value(json_object_get(e, "lang")), ==, "nl");
        g_assert_null(json_object_get(e, "labels"));
        /* A group without tags: its first spelling, no language. */
        e = facet_entry(r, "keywords", "rip");
        g_assert_cmpstr(json_string_value(json_object_get(e, "label")), ==, "rip");
        g_assert_null(json_object_get(e, "lang"));
        g_assert_null(json_object_get(e, "labels"));
        json_decref(r);

        r = search(ix, "{\"facets\": [\"keywords\"], \"hl\": \"de-CH\", " PUBLIC "}");
        g_assert_cmpstr(facet_label(r, "keywords", "firnis"), ==, "Firnis");
        g_assert_cmpstr(facet_label(r, "keywords", "blanc de plomb"), ==, "Bleiweiß");
        json_decref(r);
        /* A language without a label: the first spelling met, and its
         * language when it is one of the group's labels. */
        r = search(ix, "{\"facets\": [\"keywords\"], \"hl\": \"es\", " PUBLIC "}");
        e = facet_entry(r, "keywords", "firnis");
        g_assert_cmpstr(json_string_value(json_object_get(e, "label")), ==, "Varnish");
        g_assert_cmpstr(json_string_value(json_object_get(e, "lang")), ==, "en");
        g_assert_cmpuint(json_object_size(json_object_get(e, "labels")), ==, 4);
        json_decref(r);
        /* Without hl: the answer of before (first spelling, nothing else). */
        r = search(ix, "{\"facets\": [\"keywords\"], " PUBLIC "}");
        e = facet_entry(r, "keywords", "firnis");
        g_assert_cmpstr(json_string_value(json_object_get(e, "label")), ==, "Varnish");
        g_assert_null(json_object_get(e, "labels"));
        g_assert_null(json_object_get(facet_entry(r, "keywords", "eik"), "lang"));
        json_decref(r);
    }
    /* Tags that are not language tags are refused, and change nothing. */
    const char *bad[] = {"[[{\"value\": \"x\", \"lang\": \"n l\"}, \"y\"]]",
                         "[[{\"value\": \"x\", \"lang\": 3}, \"y\"]]",
                         "[[{\"value\": \"x\", \"lang\": \"\"}, \"y\"]]",
                         "[[{\"value\": 3, \"lang\": \"nl\"}, \"y\"]]"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        groups = parse(bad[i]);
        g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_ERR_INVALID);
        json_decref(groups);
    }
    /* Synonyms without tags: a reader on the new snapshot has no labels. */
    groups = parse("[[\"vernis\", \"varnish\", \"Firnis\"]]");
    g_assert_cmpint(vt_index_set_synonyms(f->index, groups), ==, VT_OK);
    json_decref(groups);
    g_assert_cmpint(vt_index_commit(f->index), ==, VT_OK);
    g_assert_cmpint(vt_index_reopen(reader), ==, VT_OK);
    json_t *r = search(reader, "{\"facets\": [\"keywords\"], \"hl\": \"fr\", " PUBLIC "}");
    json_t *e = facet_entry(r, "keywords", "firnis");
    g_assert_cmpstr(json_string_value(json_object_get(e, "label")), ==, "Varnish");
    g_assert_null(json_object_get(e, "labels"));
    json_decref(r);
    vt_index_close(reader);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const int corpus = 1;
#define ADD(path, fn, data) \
    g_test_add(path, Fixture, data, fixture_set_up, fn, fixture_tear_down)
    ADD("/index/fields-and-words", test_fields_and_words, &corpus);
    ADD("/index/intervention", test_intervention, &corpus);
    ADD("/index/phrase-pairs", test_phrase_pairs, NULL);
    ADD("/index/facets-and-filters", test_facets_and_filters, &corpus);
    ADD("/index/sort-and-paging", test_sort_and_paging, &corpus);
    ADD("/index/sort-by-title", test_sort_by_title, NULL);
    ADD("/index/public-audience", test_public_audience, &corpus);
    ADD("/index/stemming", test_stemming, &corpus);
    ADD("/index/synonyms", test_synonyms, &corpus);
    ADD("/index/phrase-synonyms", test_phrase_synonyms, NULL);
    ADD("/index/spelling", test_spelling, &corpus);
    ADD("/index/suggest", test_suggest, &corpus);
    ADD("/index/suggest-in-asset", test_suggest_in_asset, NULL);
    ADD("/index/annotations-and-snippets", test_annotations_and_snippets, &corpus);
    ADD("/index/internal-annotations", test_internal_annotations, NULL);
    ADD("/index/facet-values", test_facet_values, NULL);
    ADD("/index/replace-and-delete", test_replace_and_delete, NULL);
    ADD("/index/reader-and-writer", test_reader_and_writer, NULL);
    ADD("/index/invalid-documents", test_invalid_documents, NULL);
    ADD("/index/hostile-queries", test_hostile_queries, &corpus);
    ADD("/index/fast-path", test_fast_path, NULL);
    ADD("/index/facet-table-revision", test_facet_table_revision, NULL);
    ADD("/index/cached-postings", test_cached_postings, NULL);
    ADD("/index/snippet-language", test_snippet_language, NULL);
    ADD("/index/group-labels", test_group_labels, NULL);
    return g_test_run();
}
