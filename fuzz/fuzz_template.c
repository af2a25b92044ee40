/* fuzz_template.c: the template engine on arbitrary templates.
 *
 * The input is compiled twice: as given (so the UTF-8, NUL and size checks
 * are exercised) and made valid UTF-8 (so the parser sees every input). It
 * is also registered as the partial "self", so inputs can recurse; the
 * partial depth and step limits must stop them. Each compiled template is
 * rendered against a small fixed data set and checked. Nothing may crash,
 * leak or trip a sanitizer. */
#include <stdint.h>
#include <string.h>

#include "vt_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DATA_JSON[] =
    "{\"title\": \"<b>\\\"x\\\" & 'y'</b>\", \"n\": 42, \"r\": 1.5, \"t\": true, \"f\": false,"
    " \"z\": null, \"e\": [], \"o\": {\"a\": {\"b\": \"deep\"}, \"name\": \"inner\"},"
    " \"items\": [{\"name\": \"one\", \"items\": [1, 2]}, {\"name\": \"two\"}, \"three\", 4,"
    " [5, [6]]], \"name\": \"root\"}";

static const json_t *fixed_data(void)
{
    static json_t *value;
    if (!value)
        value = json_loads(DATA_JSON, 0, NULL);
    return value;
}

static const char *no_translation(const char *msgid, void *data)
{
    (void)msgid;
    (void)data;
    return NULL;
}

static void exercise(const char *text)
{
    vt_template_set *set = NULL;
    if (vt_template_set_new(&set) != VT_OK)
        return;
    vt_template_set_add(set, "item", "  <li>{{name}}{{#items}}{{>item}}{{/items}}</li>\n", NULL);
    if (vt_template_set_add(set, "t", text, "fuzz.mustache") == VT_OK &&
        vt_template_set_add(set, "self", text, "self.mustache") == VT_OK) {
        GString *out = g_string_new("prefix");
        vt_status st = vt_template_render(set, "t", fixed_data(), out);
        if (st != VT_OK && strcmp(out->str, "prefix") != 0)
            __builtin_trap();  /* a failed render must leave @out as it was */
        /* A translator without translations renders node by node, not in
         * the rows of text joined for renders without one: the same. */
        GString *by_node = g_string_new("prefix");
        if (vt_template_render_translated(set, "t", fixed_data(), no_translation, NULL, by_node) !=
                st ||
            !g_string_equal(out, by_node))
            __builtin_trap();
        g_string_free(by_node, TRUE);
        vt_template_render(set, "t", NULL, out);
        vt_template_set_check(set);
        g_string_free(out, TRUE);
    }
    vt_template_set_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A bit over the limit still tests the limit; far over is a waste. */
    if (size > VT_TEMPLATE_MAX_SIZE + 16)
        return 0;
    char *raw = g_strndup((const char *)data, size);
    exercise(raw);
    g_free(raw);

    char *valid = g_utf8_make_valid((const char *)data, (gssize)size);
    exercise(valid);
    g_free(valid);
    vt_error_clear();
    return 0;
}
