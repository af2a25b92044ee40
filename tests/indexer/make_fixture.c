/* make_fixture: builds a search index for black-box tests (not a test).
 *
 * Usage: vt-index-fixture INDEX_DIR FIXTURE.json
 * FIXTURE.json is {"docs": [vt_index_put documents], "synonyms": [[...]]};
 * every document is put, the synonyms set, and the index committed. Exits 0
 * on success, 1 with a message on stderr otherwise. */
#include <jansson.h>
#include <stdio.h>

#include "vt_index.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s INDEX_DIR FIXTURE.json\n", argv[0]);
        return 2;
    }
    json_error_t jerr;
    json_t *fixture = json_load_file(argv[2], 0, &jerr);
    if (!json_is_object(fixture)) {
        fprintf(stderr, "%s: %s (line %d)\n", argv[2], fixture ? "not an object" : jerr.text, jerr.line);
        json_decref(fixture);
        return 1;
    }
    vt_index *index = NULL;
    vt_status st = vt_index_open(argv[1], true, &index);
    size_t i;
    json_t *doc;
    json_array_foreach(json_object_get(fixture, "docs"), i, doc) {
        if (st == VT_OK)
            st = vt_index_put(index, doc);
    }
    json_t *synonyms = json_object_get(fixture, "synonyms");
    if (st == VT_OK && synonyms)
        st = vt_index_set_synonyms(index, synonyms);
    if (st == VT_OK)
        st = vt_index_commit(index);
    if (st != VT_OK)
        fprintf(stderr, "vt-index-fixture: %s\n", vt_error_message());
    vt_index_close(index);
    json_decref(fixture);
    return st == VT_OK ? 0 : 1;
}
