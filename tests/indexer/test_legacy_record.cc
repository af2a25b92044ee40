/* test_legacy_record.cc: an index written before stored records
 * (vt_record.h), whose document data is compact JSON, answers searches as
 * it did: the same labels, snippets and annotations per hit.
 *
 * C++ because it rewrites the document data through Xapian itself, as the
 * earlier vitrine wrote it; everything else goes through the C API. */
#include "vt_index.h"
#include "vt_record.h"
/* vt_file.h has no extern "C" of its own (glib.h, which it includes, came
 * with vt_index.h). */
extern "C" {
#include "vt_file.h"
}

#include <xapian.h>

#include <cstring>
#include <string>

namespace {

const char *const DOCS[] = {
    "{\"id\": \"a1\", \"department\": \"photo\", \"visibility\": \"public\", \"year\": 2019,"
    " \"label\": \"Portret van een vrouw\","
    " \"fields\": {\"title\": [{\"value\": \"Portret van een vrouw\", \"lang\": \"nl\"}],"
    "  \"creator\": [\"Rubens\"], \"keywords\": [\"vernis\", \"craquelure\"]},"
    " \"annotations\": [{\"id\": \"anno-1\", \"text\": \"craquelure in the varnish layer\","
    "  \"lang\": \"en\", \"region\": \"xywh=10,20,300,200\"},"
    "  {\"id\": \"anno-2\", \"text\": \"craquelure without region\"}],"
    " \"facets\": [\"keywords\"]}",
    "{\"id\": \"a2\", \"department\": \"xray\", \"visibility\": \"public\","
    " \"fields\": {\"description\": [\"Craquelure & <b>vernis</b> of the panel\"]}}",
};

json_t *search(vt_index *index, const char *q)
{
    json_t *request = json_pack("{s:s, s:s, s:i}", "q", q, "audience", "internal", "size", 100);
    json_t *result = nullptr;
    if (vt_index_search(index, request, &result) != VT_OK)
        g_error("vt_index_search(%s): %s", q, vt_error_message());
    json_decref(request);
    return result;
}

/* The hits of @result by id, without rank and percent (which may differ
 * slightly between the fast and the slow path). */
json_t *hits_by_id(json_t *result)
{
    json_t *by_id = json_object();
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(result, "hits"), i, hit) {
        json_t *copy = json_deep_copy(hit);
        json_object_del(copy, "rank");
        json_object_del(copy, "percent");
        json_object_set_new(by_id, json_string_value(json_object_get(hit, "id")), copy);
    }
    return by_id;
}

/* The record @data as the earlier vitrine stored it. */
std::string legacy_json(const std::string &data)
{
    g_assert_true(vt_record_is_binary(data.data(), data.size()));
    json_t *doc = json_object();
    json_t *texts = json_array();
    json_t *annos = json_array();
    json_object_set_new(doc, "label", json_string(""));
    vt_record_reader r;
    vt_record_reader_init(&r, data.data(), data.size());
    const char *v;
    size_t n;
    vt_record_kind kind;
    json_t *anno = nullptr;
    while ((kind = vt_record_next(&r, &v, &n)) != VT_RECORD_END) {
        g_assert_cmpint(kind, !=, VT_RECORD_BAD);
        json_t *s = json_stringn(v, n);
        switch (kind) {
        case VT_RECORD_ID: json_object_set_new(doc, "id", s); break;
        case VT_RECORD_LABEL: json_object_set_new(doc, "label", s); break;
        case VT_RECORD_TEXT: json_array_append_new(texts, s); break;
        case VT_RECORD_TEXT_IN: {
            /* The earlier vitrine kept the text without its language. */
            const char *tab = (const char *)memchr(v, '\t', n);
            g_assert_nonnull(tab);
            json_array_append_new(texts, json_stringn(tab + 1, n - (size_t)(tab + 1 - v)));
            json_decref(s);
            break;
        }
        case VT_RECORD_ANNOTATION_ID:
            anno = json_pack("{s:o, s:s, s:n, s:n}", "id", s, "text", "", "region", "lang");
            json_array_append_new(annos, anno);
            break;
        case VT_RECORD_ANNOTATION_TEXT: json_object_set_new(anno, "text", s); break;
        case VT_RECORD_ANNOTATION_REGION: json_object_set_new(anno, "region", s); break;
        case VT_RECORD_ANNOTATION_LANG: json_object_set_new(anno, "lang", s); break;
        default: g_error("unknown record item %d", (int)kind);
        }
    }
    json_object_set_new(doc, "text", texts);
    json_object_set_new(doc, "annotations", annos);
    char *text = json_dumps(doc, JSON_COMPACT);
    std::string out(text);
    free(text);
    json_decref(doc);
    return out;
}

void test_legacy_json_records()
{
    GError *error = nullptr;
    char *tmp = g_dir_make_tmp("vt-legacy-XXXXXX", &error);
    g_assert_no_error(error);
    char *dir = g_build_filename(tmp, "index", nullptr);
    vt_index *index = nullptr;
    g_assert_cmpint(vt_index_open(dir, true, &index), ==, VT_OK);
    for (const char *text : DOCS) {
        json_t *doc = json_loads(text, 0, nullptr);
        g_assert_nonnull(doc);
        g_assert_cmpint(vt_index_put(index, doc), ==, VT_OK);
        json_decref(doc);
    }
    g_assert_cmpint(vt_index_commit(index), ==, VT_OK);
    vt_index_close(index);

    const char *const queries[] = {"craquelure", "vernis", "varnish", "rubens", "panel"};
    json_t *before = json_object();
    g_assert_cmpint(vt_index_open(dir, false, &index), ==, VT_OK);
    for (const char *q : queries) {
        json_t *r = search(index, q);
        g_assert_cmpint(json_integer_value(json_object_get(r, "total")), >, 0);
        json_object_set_new(before, q, hits_by_id(r));
        json_decref(r);
    }
    vt_index_close(index);
    /* The records carry what the hits show. */
    json_t *a1 = json_object_get(json_object_get(before, "craquelure"), "a1");
    g_assert_cmpstr(json_string_value(json_object_get(a1, "label")), ==, "Portret van een vrouw");
    g_assert_cmpuint(json_array_size(json_object_get(a1, "annotations")), ==, 2);

    {
        Xapian::WritableDatabase db(dir, Xapian::DB_OPEN);
        for (Xapian::PostingIterator it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
            Xapian::Document doc = db.get_document(*it);
            doc.set_data(legacy_json(doc.get_data()));
            db.replace_document(*it, doc);
        }
        db.commit();
        Xapian::Document first = db.get_document(*db.postlist_begin(""));
        g_assert_cmpint(first.get_data()[0], ==, '{');
    }

    g_assert_cmpint(vt_index_open(dir, false, &index), ==, VT_OK);
    for (const char *q : queries) {
        json_t *r = search(index, q);
        json_t *hits = hits_by_id(r);
        if (!json_equal(hits, json_object_get(before, q))) {
            char *a = json_dumps(json_object_get(before, q), JSON_INDENT(1));
            char *b = json_dumps(hits, JSON_INDENT(1));
            g_error("q=%s: record hits\n%s\nJSON record hits\n%s", q, a, b);
        }
        json_decref(hits);
        json_decref(r);
    }
    vt_index_close(index);

    json_decref(before);
    g_assert_cmpint(vt_file_remove_tree(tmp), ==, VT_OK);
    g_free(dir);
    g_free(tmp);
}

}  // namespace

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, nullptr);
    g_test_add_func("/index/legacy-json-records", test_legacy_json_records);
    return g_test_run();
}
