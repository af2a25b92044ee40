/* fuzz_selection.c: vt_selection_parse on arbitrary query strings (the
 * search CGI's ?selection=), then the manifest of the parsed ids (from a
 * tree that has none of them), and vt_selection_etag_matches on the input
 * as an If-None-Match header.
 *
 * The input is cut at its first NUL byte (as an environment variable would
 * be). Besides "no crash, no leak, no hang" it checks what the CGI relies
 * on: a status from the documented set, the out-parameter set only on
 * success, 1..VT_SELECTION_MAX distinct valid ids, and a manifest without
 * canvases whose summary names every id. Violations abort(). */
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_selection.h"
#include "vt_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vt_config *config = NULL;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void clean_up(void)
{
    vt_config_free(config);
}

static void set_up(void)
{
    static const char *text =
        "[vitrine]\nstate-dir=/var/lib/vitrine\noriginals-dir=/srv/o\nquarantine-dir=/srv/q\n"
        "spool-dir=/var/spool/vitrine\n[images]\nserver=cantaloupe\ndir=/srv/iiif\n"
        "base-url=https://iiif.example.org/iiif\n[site]\ndir=/srv/site\n"
        "base-url=https://collection.example.org\n"
        "[department:photo]\nhotfolder=/srv/hot/photo\nlabel=Photo\n";
    check(vt_config_load_data(text, "fuzz", NULL, &config) == VT_OK);
    atexit(clean_up);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!config)
        set_up();
    char *query = g_strndup((const char *)data, size);

    char **ids = (char **)&config;   /* a sentinel: must stay untouched on failure */
    vt_status st = vt_selection_parse(query, &ids);
    check(st == VT_OK || st == VT_ERR_INVALID || st == VT_ERR_LIMIT);
    if (st != VT_OK) {
        check(ids == (char **)&config);
    } else {
        guint n = g_strv_length(ids);
        check(n >= 1 && n <= VT_SELECTION_MAX);
        for (guint i = 0; i < n; i++) {
            check(vt_url_id_valid(ids[i]));
            for (guint k = 0; k < i; k++)
                check(strcmp(ids[i], ids[k]) != 0);
        }
        json_t *m = NULL;
        size_t found = 99;
        check(vt_selection_manifest(config, "/nonexistent/vitrine-fuzz", (const char *const *)ids,
                                    &m, &found) == VT_OK);
        check(found == 0 && json_array_size(json_object_get(m, "items")) == 0);
        const char *summary =
            json_string_value(json_array_get(json_object_get(json_object_get(m, "summary"), "en"), 0));
        check(summary != NULL);
        for (guint i = 0; i < n; i++)
            check(strstr(summary, ids[i]) != NULL);
        char *text = json_dumps(m, 0);
        check(text != NULL);
        free(text);
        json_decref(m);
        g_strfreev(ids);
    }

    (void)vt_selection_etag_matches(query, "\"0123456789abcdef\"");
    g_free(query);
    return 0;
}
