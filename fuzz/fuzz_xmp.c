/* fuzz_xmp.c: vt_xmp_parse on arbitrary bytes (an embedded packet or a
 * sidecar comes from whoever made the image).
 *
 * Besides "no crash, no leak, no hang", it checks the shape of the result
 * that callers rely on; violations abort(). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_xmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_fields(const json_t *fields)
{
    check(json_is_object(fields));
    size_t total = 0;
    const char *key;
    const json_t *array;
    json_object_foreach((json_t *)fields, key, array) {
        check(json_is_array(array) && json_array_size(array) > 0);
        size_t i;
        const json_t *entry;
        json_array_foreach(array, i, entry) {
            check(json_is_object(entry));
            const char *value = json_string_value(json_object_get(entry, "value"));
            check(value && value[0]);
            check(strlen(value) <= VT_XMP_MAX_VALUE_BYTES);
            /* Trimmed. */
            check(!g_ascii_isspace(value[0]) && !g_ascii_isspace(value[strlen(value) - 1]));
            const json_t *lang = json_object_get(entry, "lang");
            if (lang) {
                const char *text = json_string_value(lang);
                check(text && text[0] && strcmp(text, "x-default") != 0);
                for (const char *p = text; *p; p++)
                    check(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '-');
            }
            check(json_object_size(entry) == (lang ? 2u : 1u));
            total++;
        }
    }
    check(total <= VT_XMP_MAX_VALUES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *fields = NULL;
    vt_status status = vt_xmp_parse((const char *)data, size, &fields);

    if (status == VT_OK) {
        check_fields(fields);
        json_decref(fields);
    } else {
        check(fields == NULL);
        check(status == VT_ERR_INVALID || status == VT_ERR_LIMIT || status == VT_ERR_NOMEM);
    }
    vt_error_clear();
    return 0;
}
