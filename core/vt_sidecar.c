/* vt_sidecar.c: see vt_sidecar.h. */
#include "vt_sidecar.h"

#include <string.h>

#include "vt_meta.h"
#include "vt_name.h"
#include "vt_xmp.h"

/* Puts "sidecar NAME: " before the message the failing call set, so that
 * the person reading the log knows which file to open. */
static vt_status in_file(const char *shown_name, vt_status status)
{
    g_autofree char *message = g_strdup(vt_error_message());
    return vt_error_set(status, "sidecar %s: %s", shown_name, message);
}

static vt_status parse_json(const char *name, const char *data, size_t len,
                            json_t **ret_fields)
{
    if (len > VT_SIDECAR_MAX_JSON)
        return vt_error_set(VT_ERR_LIMIT, "sidecar %s: %zu bytes, over the limit of %u bytes",
                            name, len, VT_SIDECAR_MAX_JSON);
    size_t start = 0;
    while (start < len && g_ascii_isspace(data[start]))
        start++;
    if (start == len)
        return vt_error_set(VT_ERR_INVALID, "sidecar %s: the file is empty (expected "
                            "{\"field\": \"value\", ...})", name);

    json_error_t error;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        g_autofree char *text = vt_name_display(error.text);
        return vt_error_set(VT_ERR_INVALID, "sidecar %s: not valid JSON (line %d, column %d): "
                            "%s", name, error.line, error.column, text);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return vt_error_set(VT_ERR_INVALID, "sidecar %s: must be a JSON object {\"field\": "
                            "\"value\", ...}", name);
    }
    json_t *fields = json_object();
    vt_status status = VT_OK;
    const char *key;
    const json_t *spec;
    json_object_foreach(root, key, spec) {
        g_autofree char *field = NULL;
        g_autofree char *lang = NULL;
        status = vt_meta_parse_key(key, &field, &lang);
        if (status != VT_OK)
            break;
        json_t *values = json_object_get(fields, field);
        if (!values) {
            values = json_array();
            json_object_set_new(fields, field, values);
        }
        status = vt_meta_values_from_json(field, lang, spec, values);
        if (status != VT_OK)
            break;
    }
    json_decref(root);

    /* Blank values and empty arrays leave a field without values: it is
     * absent, as everywhere else. */
    void *tmp;
    const char *field;
    json_t *values;
    json_object_foreach_safe(fields, tmp, field, values) {
        if (json_array_size(values) == 0)
            json_object_del(fields, field);
    }
    if (status == VT_OK)
        status = vt_meta_check_custom(fields);
    if (status != VT_OK) {
        json_decref(fields);
        return in_file(name, status);
    }
    *ret_fields = fields;
    return VT_OK;
}

static vt_status parse_xmp(const char *name, const char *data, size_t len, json_t **ret_fields)
{
    json_t *xmp = NULL;
    vt_status status = vt_xmp_parse(data, len, &xmp);
    if (status != VT_OK)
        return in_file(name, status);

    /* vt_xmp keeps any language tag and longer values than ours: rebuild
     * through the forgiving way in. */
    json_t *fields = json_object();
    const char *field;
    const json_t *values;
    json_object_foreach(xmp, field, values) {
        size_t i;
        const json_t *entry;
        json_array_foreach(values, i, entry) {
            const json_t *value = json_object_get(entry, "value");
            if (!json_is_string(value))
                continue;
            status = vt_meta_add_value(fields, field, json_string_value(value),
                                       json_string_length(value),
                                       json_string_value(json_object_get(entry, "lang")));
            if (status != VT_OK)
                break;
        }
        if (status != VT_OK)
            break;
    }
    json_decref(xmp);
    if (status == VT_OK)
        status = vt_meta_check_custom(fields);
    if (status != VT_OK) {
        json_decref(fields);
        return in_file(name, status);
    }
    *ret_fields = fields;
    return VT_OK;
}

vt_status vt_sidecar_parse(const char *name, const char *data, size_t len, json_t **ret_fields)
{
    g_autofree char *shown = vt_name_display(name);
    if (!data && len > 0)
        return vt_error_set(VT_ERR_INVALID, "sidecar %s: no data", shown);
    if (!data)
        data = "";
    g_autofree char *lower = name ? g_ascii_strdown(name, -1) : NULL;
    if (lower && g_str_has_suffix(lower, ".json"))
        return parse_json(shown, data, len, ret_fields);
    if (lower && g_str_has_suffix(lower, ".xmp"))
        return parse_xmp(shown, data, len, ret_fields);
    return vt_error_set(VT_ERR_INVALID, "sidecar %s: not a .json or .xmp file", shown);
}
