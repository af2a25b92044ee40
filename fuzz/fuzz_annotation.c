/* fuzz_annotation.c: vt_annotation_parse_page on arbitrary bytes, as a
 * NAME.annotations.json sidecar dropped into a hotfolder would be read
 * (W3C JSON, selectors in every form, SVG through libxml2).
 *
 * Besides "no crash, no leak, no hang", it checks what callers rely on:
 * every annotation of a result passes vt_annotation_check() against the
 * same image and survives the IIIF export and re-import unchanged; a failure
 * leaves the result alone and is a documented code; violations abort(). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "vt_annotation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vt_annotation_types *types;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!types && vt_annotation_types_load(NULL, &types) != VT_OK)
        abort();
    static const vt_annotation_target target = {"0123456789abcdef", 2000, 1500, true};
    json_t *list = (json_t *)(uintptr_t)0x1;
    vt_status status = vt_annotation_parse_page(types, &target, "fuzz.annotations.json",
                                                (const char *)data, size, NULL, 1000, &list);
    if (status == VT_OK) {
        size_t i;
        json_t *ann;
        json_array_foreach(list, i, ann) {
            if (vt_annotation_check(types, &target, ann) != VT_OK)
                abort();
            char url[128];
            snprintf(url, sizeof url, "https://s/iiif/x/annotation/%s",
                     json_string_value(json_object_get(ann, "id")));
            json_t *w3c = vt_annotation_to_w3c(types, ann, url, "https://s/canvas");
            json_t *again = NULL;
            if (!w3c || vt_annotation_from_w3c(types, &target, w3c, NULL, 5, &again) != VT_OK ||
                !json_equal(again, ann))
                abort();
            json_decref(again);
            json_decref(w3c);
            free(vt_annotation_text(types, ann));
        }
        json_decref(list);
    } else if (list != (json_t *)(uintptr_t)0x1 ||
               (status != VT_ERR_INVALID && status != VT_ERR_LIMIT && status != VT_ERR_NOMEM)) {
        abort();
    }
    vt_error_clear();
    return 0;
}
