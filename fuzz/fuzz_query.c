/* fuzz_query.c: vt_index_search, vt_index_suggest and vt_index_suggest_in
 * on arbitrary query strings (the search CGI passes "q", "f", "suggest" and
 * a manifest's autocomplete q from the URL).
 *
 * The input is split at the first two NUL bytes into q, a filter and a
 * completion prefix. A small index (one public, one internal asset, a
 * synonym group with language tags and a phrase synonym group) is built
 * once in a temporary folder, removed at exit. Each query is also asked
 * with a display language (hl: snippets and group labels in it).
 * Besides "no crash, no leak, no hang" it checks what callers rely on: a
 * status from the documented set, a result only on success, and the
 * internal asset never in a public answer. Violations abort(). */
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vt_index *index_ = NULL;
static char *tmp = NULL;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR))
                remove_tree(child);
            else
                g_unlink(child);
            g_free(child);
        }
        g_dir_close(dir);
    }
    g_rmdir(path);
}

static void clean_up(void)
{
    vt_index_close(index_);
    if (tmp)
        remove_tree(tmp);
    g_free(tmp);
}

static void put(const char *text)
{
    json_t *doc = json_loads(text, 0, NULL);
    check(doc && vt_index_put(index_, doc) == VT_OK);
    json_decref(doc);
}

static void set_up(void)
{
    tmp = g_dir_make_tmp("vt-fuzz-query-XXXXXX", NULL);
    check(tmp != NULL);
    char *dir = g_build_filename(tmp, "index", NULL);
    check(vt_index_open(dir, true, &index_) == VT_OK);
    g_free(dir);
    /* Before the documents: their keywords then join the groups' facet
     * entries. */
    json_t *groups = json_loads("[[{\"value\": \"vernis\", \"lang\": \"nl\"}, {\"value\": \"varnish\", \"lang\": \"en\"},"
                                " \"firnis\"],"
                                " [\"lead white\", \"loodwit\", \"blanc de plomb\"]]", 0, NULL);
    check(vt_index_set_synonyms(index_, groups) == VT_OK);
    json_decref(groups);
    put("{\"id\": \"pub\", \"department\": \"photo\", \"intervention\": \"2019.12345\","
        " \"visibility\": \"public\", \"type\": \"photo\", \"year\": 2019, \"label\": \"Portret\","
        " \"fields\": {\"title\": [{\"value\": \"Portret van een vrouw\", \"lang\": \"nl\"}],"
        " \"description\": [{\"value\": \"Vernis jauni\", \"lang\": \"fr\"},"
        "  {\"value\": \"Yellowed varnish\", \"lang\": \"en\"}],"
        " \"keywords\": [\"vernis\", \"craquelure\", {\"value\": \"eik\", \"lang\": \"nl\"}]},"
        " \"annotations\": [{\"id\": \"n1\", \"text\": \"craquelure\", \"region\": \"xywh=1,2,3,4\"}],"
        " \"facets\": [\"keywords\"]}");
    put("{\"id\": \"int\", \"department\": \"xray\", \"intervention\": \"2019.12345\","
        " \"visibility\": \"internal\", \"label\": \"Geheim\","
        " \"fields\": {\"title\": [{\"value\": \"Firnis geheim\", \"lang\": \"de\"}]}}");
    check(vt_index_commit(index_) == VT_OK);
    atexit(clean_up);
}

static bool documented(vt_status status)
{
    return status == VT_OK || status == VT_ERR_INVALID || status == VT_ERR_LIMIT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!index_)
        set_up();
    /* Up to three NUL-separated parts: q, filter, completion prefix. */
    const char *parts[3] = {"", "", ""};
    size_t lens[3] = {0, 0, 0};
    size_t part = 0, start = 0;
    for (size_t i = 0; i <= size && part < 3; i++) {
        if (i == size || data[i] == '\0') {
            parts[part] = (const char *)data + start;
            lens[part] = i - start;
            part++;
            start = i + 1;
        }
    }
    char *q = g_strndup(parts[0], lens[0]);
    char *filter = g_strndup(parts[1], lens[1]);
    char *prefix = g_strndup(parts[2], lens[2]);

    /* jansson refuses invalid UTF-8; a CGI may hand it over anyway. */
    json_t *request = json_object();
    json_object_set_new(request, "q", json_stringn_nocheck(q, strlen(q)));
    json_object_set_new(request, "audience", json_string("public"));
    json_object_set_new(request, "facets", json_pack("[s,s,s]", "department", "keywords", "year"));
    if (*filter)
        json_object_set_new(request, "filters",
                            json_pack("[o]", json_stringn_nocheck(filter, strlen(filter))));
    json_t *result = NULL;
    vt_status status = vt_index_search(index_, request, &result);
    check(documented(status));
    check((status == VT_OK) == (result != NULL));
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(result, "hits"), i, hit)
        check(strcmp(json_string_value(json_object_get(hit, "id")), "int") != 0);
    json_decref(result);

    /* The same query with a language and sorted by year. */
    json_object_set_new(request, "lang", json_string("de"));
    json_object_set_new(request, "sort", json_string("-year"));
    result = NULL;
    status = vt_index_search(index_, request, &result);
    check(documented(status));
    json_decref(result);
    /* And by title. */
    json_object_set_new(request, "sort", json_string("title"));
    result = NULL;
    status = vt_index_search(index_, request, &result);
    check(documented(status));
    json_decref(result);
    /* And for a French reader, without lang. */
    json_object_del(request, "lang");
    json_object_set_new(request, "hl", json_string("fr"));
    result = NULL;
    status = vt_index_search(index_, request, &result);
    check(documented(status));
    json_array_foreach(json_object_get(result, "hits"), i, hit)
        check(strcmp(json_string_value(json_object_get(hit, "id")), "int") != 0);
    json_decref(result);
    json_decref(request);

    json_t *terms = NULL;
    status = vt_index_suggest(index_, prefix, NULL, 10, true, &terms);
    check(documented(status) && (status == VT_OK) == (terms != NULL));
    json_decref(terms);
    terms = NULL;
    status = vt_index_suggest(index_, prefix, "keywords", 10, true, &terms);
    check(documented(status) && (status == VT_OK) == (terms != NULL));
    json_decref(terms);
    /* A manifest's autocomplete: the public asset's annotations. */
    terms = NULL;
    status = vt_index_suggest_in(index_, "pub", prefix, 10, true, &terms);
    check(documented(status) && (status == VT_OK) == (terms != NULL));
    json_decref(terms);

    g_free(q);
    g_free(filter);
    g_free(prefix);
    return 0;
}
