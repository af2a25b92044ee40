/* vt_meta.c: see vt_meta.h.
 *
 * The invariant every function here keeps for what it produces: a fields
 * object passes vt_meta_check_fields(). The indexer, the site generator and
 * the term counts read stored metadata without re-checking much, so a value
 * that is not a trimmed, non-empty string of bounded length must never get
 * in.
 */
#include "vt_meta.h"

#include <string.h>

#include "vt_name.h"

static const char *const langs[] = { "nl", "fr", "en", "de" };

/* Keeps messages readable whatever was typed or sent: printable UTF-8, at
 * most this many bytes of it. */
#define SHOWN_MAX 80

/* ---- helpers ------------------------------------------------------------ */

/* The largest length <= @max that does not split a UTF-8 character of @s
 * (@s valid UTF-8 of at least @max bytes). */
static size_t utf8_cut(const char *s, size_t max)
{
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* A version of outside text fit for a message. Caller frees. */
static char *shown(const char *text)
{
    char *display = vt_name_display(text);
    size_t len = strlen(display);
    if (len > SHOWN_MAX) {
        display[utf8_cut(display, SHOWN_MAX)] = '\0';
        char *cut = g_strconcat(display, "…", NULL);
        g_free(display);
        return cut;
    }
    return display;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* @text (@len bytes) without surrounding ASCII blanks, as a new string. */
static char *trimmed(const char *text, size_t len)
{
    while (len > 0 && is_blank(text[0])) {
        text++;
        len--;
    }
    while (len > 0 && is_blank(text[len - 1]))
        len--;
    return g_strndup(text, len);
}

static bool same_lang(const char *a, const char *b)
{
    return g_strcmp0(a, b) == 0;
}

/* True when the values array @values already has (@value, @lang). */
static bool has_value(const json_t *values, const char *value, const char *lang)
{
    size_t i;
    const json_t *entry;
    json_array_foreach(values, i, entry) {
        /* The language only for the same text: merging asks for every value. */
        const char *v = json_string_value(json_object_get(entry, "value"));
        if (v && strcmp(v, value) == 0
            && same_lang(json_string_value(json_object_get(entry, "lang")), lang))
            return true;
    }
    return false;
}

static json_t *value_new(const char *value, const char *lang)
{
    /* json_pack("{s:s}") parsed its format and checked the key's UTF-8 for
     * every value (2% of a site rebuild, which merges every asset's
     * metadata): the text is still checked (it comes from sidecars, XMP and
     * edits too), the keys are ours. */
    json_t *text = value ? json_string(value) : NULL;
    json_t *entry = text ? json_object() : NULL;
    if (!entry || json_object_set_new_nocheck(entry, "value", text) != 0) {
        if (!entry)
            json_decref(text);
        json_decref(entry);
        return NULL;
    }
    if (lang && json_object_set_new_nocheck(entry, "lang", json_string(lang)) != 0) {
        json_decref(entry);
        return NULL;
    }
    return entry;
}

/* Appends (@value, @lang) to @values unless it is there. */
static vt_status append_value(json_t *values, const char *value, const char *lang)
{
    if (has_value(values, value, lang))
        return VT_OK;
    if (json_array_append_new(values, value_new(value, lang)) != 0)
        return vt_error_set(VT_ERR_NOMEM, "out of memory adding a metadata value");
    return VT_OK;
}

static bool in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

/* ---- names, languages, values ------------------------------------------ */

bool vt_meta_lang_valid(const char *lang)
{
    if (!lang)
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(langs); i++)
        if (strcmp(lang, langs[i]) == 0)
            return true;
    return false;
}

const char *vt_meta_lang_from_tag(const char *tag)
{
    if (!tag)
        return NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(langs); i++) {
        if (g_ascii_strncasecmp(tag, langs[i], 2) == 0 && (tag[2] == '\0' || tag[2] == '-'
                                                           || tag[2] == '_'))
            return langs[i];
    }
    return NULL;
}

vt_status vt_meta_check_name(const char *name)
{
    if (!name || !name[0])
        return vt_error_set(VT_ERR_INVALID, "a field name is empty");
    size_t len = strlen(name);
    bool ok = len <= VT_META_NAME_MAX && g_ascii_islower(name[0]);
    for (size_t i = 1; ok && i < len; i++)
        ok = g_ascii_islower(name[i]) || g_ascii_isdigit(name[i]) || name[i] == '-'
             || name[i] == '_';
    if (!ok) {
        g_autofree char *s = shown(name);
        return vt_error_set(VT_ERR_INVALID,
                            "'%s' is not a valid field name (a lowercase letter, then lowercase "
                            "letters, digits, '-' or '_'; at most %d bytes)",
                            s, VT_META_NAME_MAX);
    }
    return VT_OK;
}

static vt_status check_lang(const char *field, const char *lang)
{
    if (vt_meta_lang_valid(lang))
        return VT_OK;
    g_autofree char *s = shown(lang ? lang : "");
    return vt_error_set(VT_ERR_INVALID,
                        "field '%s': language '%s' is not one of nl, fr, en, de", field, s);
}

vt_status vt_meta_parse_key(const char *key, char **ret_field, char **ret_lang)
{
    if (!key)
        return vt_error_set(VT_ERR_INVALID, "a field name is empty");
    const char *dot = strchr(key, '.');
    g_autofree char *field = dot ? g_strndup(key, (size_t)(dot - key)) : g_strdup(key);
    vt_status status = vt_meta_check_name(field);
    if (status != VT_OK)
        return status;
    if (dot) {
        status = check_lang(field, dot + 1);
        if (status != VT_OK)
            return status;
    }
    *ret_lang = dot ? g_strdup(dot + 1) : NULL;
    *ret_field = g_steal_pointer(&field);
    return VT_OK;
}

static vt_status check_visibility(const json_t *values)
{
    const json_t *entry = json_array_get(values, 0);
    const char *value = json_string_value(json_object_get(entry, "value"));
    if (json_array_size(values) != 1 || json_object_get(entry, "lang")
        || (strcmp(value, "public") != 0 && strcmp(value, "internal") != 0))
        return vt_error_set(VT_ERR_INVALID,
                            "field 'visibility' takes exactly one value, public or internal, "
                            "without a language");
    return VT_OK;
}

/* The byte offset just after word number @max of @text, or its length
 * when it has fewer words. */
static size_t words_end(const char *text, size_t max)
{
    size_t words = 0;
    bool in_word = false;
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        bool alnum = g_unichar_isalnum(g_utf8_get_char(p));
        if (alnum && !in_word && ++words > max)
            return (size_t)(p - text);
        in_word = alnum;
    }
    return strlen(text);
}

size_t vt_meta_count_words(const char *text)
{
    size_t words = 0;
    bool in_word = false;
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        bool alnum = g_unichar_isalnum(g_utf8_get_char(p));
        words += alnum && !in_word;
        in_word = alnum;
    }
    return words;
}

size_t vt_meta_fields_size(const json_t *fields)
{
    size_t size = 0;
    const char *field;
    const json_t *values;
    json_object_foreach((json_t *)fields, field, values) {
        size += strlen(field);
        size_t i;
        const json_t *v;
        json_array_foreach(values, i, v) {
            size += json_string_length(json_object_get(v, "value"));
            size += json_string_length(json_object_get(v, "lang"));
        }
    }
    return size;
}

vt_status vt_meta_check_values(const char *field, const json_t *values)
{
    vt_status status = vt_meta_check_name(field);
    if (status != VT_OK)
        return status;
    if (!json_is_array(values))
        return vt_error_set(VT_ERR_INVALID, "field '%s': the values are not an array", field);
    size_t n = json_array_size(values);
    if (n == 0)
        return vt_error_set(VT_ERR_INVALID, "field '%s' has no value", field);
    if (n > VT_META_VALUES_MAX)
        return vt_error_set(VT_ERR_LIMIT, "field '%s' has %zu values, over the limit of %d",
                            field, n, VT_META_VALUES_MAX);
    size_t i;
    const json_t *entry;
    json_array_foreach(values, i, entry) {
        if (!json_is_object(entry))
            return vt_error_set(VT_ERR_INVALID, "field '%s': value %zu is not an object",
                                field, i + 1);
        const char *key;
        const json_t *member;
        json_object_foreach((json_t *)entry, key, member) {
            if (strcmp(key, "value") != 0 && strcmp(key, "lang") != 0) {
                g_autofree char *s = shown(key);
                return vt_error_set(VT_ERR_INVALID,
                                    "field '%s': unknown key '%s' in value %zu (only \"value\" "
                                    "and \"lang\")", field, s, i + 1);
            }
        }
        const json_t *value = json_object_get(entry, "value");
        if (!json_is_string(value))
            return vt_error_set(VT_ERR_INVALID, "field '%s': value %zu has no text", field,
                                i + 1);
        const char *text = json_string_value(value);
        size_t len = json_string_length(value);
        if (len > VT_META_VALUE_MAX_BYTES)
            return vt_error_set(VT_ERR_LIMIT,
                                "field '%s': value %zu has %zu bytes, over the limit of %u",
                                field, i + 1, len, VT_META_VALUE_MAX_BYTES);
        if (strlen(text) != len)
            return vt_error_set(VT_ERR_INVALID, "field '%s': value %zu contains a NUL character",
                                field, i + 1);
        if (len > VT_META_VALUE_MAX_WORDS) {   /* a word takes at least one byte */
            size_t words = vt_meta_count_words(text);
            if (words > VT_META_VALUE_MAX_WORDS)
                return vt_error_set(VT_ERR_LIMIT,
                                    "field '%s': value %zu has %zu words, over the limit of %d"
                                    " (split it, or shorten it)",
                                    field, i + 1, words, VT_META_VALUE_MAX_WORDS);
        }
        if (len == 0 || is_blank(text[0]) || is_blank(text[len - 1]))
            return vt_error_set(VT_ERR_INVALID, "field '%s': value %zu is empty or not trimmed",
                                field, i + 1);
        const json_t *lang = json_object_get(entry, "lang");
        if (lang) {
            if (!json_is_string(lang))
                return vt_error_set(VT_ERR_INVALID,
                                    "field '%s': the language of value %zu is not a string",
                                    field, i + 1);
            status = check_lang(field, json_string_value(lang));
            if (status != VT_OK)
                return status;
        }
    }
    if (strcmp(field, "visibility") == 0)
        return check_visibility(values);
    return VT_OK;
}

vt_status vt_meta_check_fields(const json_t *fields)
{
    if (!json_is_object(fields))
        return vt_error_set(VT_ERR_INVALID, "the fields are not a JSON object");
    if (json_object_size(fields) > VT_META_FIELDS_MAX)
        return vt_error_set(VT_ERR_LIMIT, "%zu fields, over the limit of %d",
                            json_object_size(fields), VT_META_FIELDS_MAX);
    const char *field;
    const json_t *values;
    json_object_foreach((json_t *)fields, field, values) {
        vt_status status = vt_meta_check_values(field, values);
        if (status != VT_OK)
            return status;
    }
    return VT_OK;
}

vt_status vt_meta_check_custom(const json_t *fields)
{
    vt_status status = vt_meta_check_fields(fields);
    if (status != VT_OK)
        return status;
    size_t size = vt_meta_fields_size(fields);
    if (size > VT_META_CUSTOM_MAX_BYTES)
        return vt_error_set(VT_ERR_LIMIT, "%zu bytes of metadata, over the limit of %u for one"
                            " asset", size, VT_META_CUSTOM_MAX_BYTES);
    return VT_OK;
}

/* One element of a spec: a string or a {"value", "lang"} object. */
static vt_status value_from_json(const char *field, const char *lang, const json_t *spec,
                                 json_t *values)
{
    const json_t *text = spec;
    const char *value_lang = lang;

    if (json_is_object(spec)) {
        const char *key;
        const json_t *member;
        json_object_foreach((json_t *)spec, key, member) {
            if (strcmp(key, "value") != 0 && strcmp(key, "lang") != 0) {
                g_autofree char *s = shown(key);
                return vt_error_set(VT_ERR_INVALID,
                                    "field '%s': unknown key '%s' in a value (only \"value\" "
                                    "and \"lang\")", field, s);
            }
        }
        text = json_object_get(spec, "value");
        if (!json_is_string(text))
            return vt_error_set(VT_ERR_INVALID,
                                "field '%s': a value object needs \"value\": \"text\"", field);
        const json_t *l = json_object_get(spec, "lang");
        if (l) {
            if (!json_is_string(l))
                return vt_error_set(VT_ERR_INVALID, "field '%s': \"lang\" is not a string",
                                    field);
            value_lang = json_string_value(l);
            vt_status status = check_lang(field, value_lang);
            if (status != VT_OK)
                return status;
            if (lang && strcmp(lang, value_lang) != 0)
                return vt_error_set(VT_ERR_INVALID,
                                    "field '%s.%s': a value has \"lang\": \"%s\"; write it "
                                    "under '%s.%s' or '%s'", field, lang, value_lang, field,
                                    value_lang, field);
        }
    } else if (!json_is_string(spec)) {
        static const char *const names[] = {
            [JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array inside an array",
            [JSON_STRING] = "a string", [JSON_INTEGER] = "a number", [JSON_REAL] = "a number",
            [JSON_TRUE] = "true", [JSON_FALSE] = "false", [JSON_NULL] = "null",
        };
        return vt_error_set(VT_ERR_INVALID,
                            "field '%s': a value must be a string or {\"value\": ..., \"lang\": "
                            "...}, not %s", field, names[json_typeof(spec)]);
    }
    if (strlen(json_string_value(text)) != json_string_length(text))
        return vt_error_set(VT_ERR_INVALID, "field '%s': a value contains a NUL character",
                            field);
    /* Lengths are vt_meta_check_values()'s to report: the text is kept whole. */
    g_autofree char *value = trimmed(json_string_value(text), json_string_length(text));
    if (!value[0])
        return VT_OK;
    return append_value(values, value, value_lang);
}

vt_status vt_meta_values_from_json(const char *field, const char *lang, const json_t *spec,
                                   json_t *values)
{
    if (!json_is_array(spec))
        return value_from_json(field, lang, spec, values);
    size_t i;
    const json_t *element;
    json_array_foreach(spec, i, element) {
        /* Bounded by the caller's input cap; without this an array of a
         * million "a"s would cost a million duplicate scans. */
        if (json_array_size(values) > VT_META_VALUES_MAX)
            return vt_error_set(VT_ERR_LIMIT, "field '%s' has more than %d values, the limit",
                                field, VT_META_VALUES_MAX);
        vt_status status = value_from_json(field, lang, element, values);
        if (status != VT_OK)
            return status;
    }
    return VT_OK;
}

vt_status vt_meta_add_value(json_t *fields, const char *field, const char *text, size_t len,
                            const char *lang)
{
    vt_status status = vt_meta_check_name(field);
    if (status != VT_OK)
        return status;
    const char *nul = memchr(text, '\0', len);
    if (nul)
        len = (size_t)(nul - text);
    g_autofree char *valid = g_utf8_make_valid(text, (gssize)len);
    g_autofree char *value = trimmed(valid, strlen(valid));
    size_t vlen = strlen(value);
    if (vlen > VT_META_VALUE_MAX_BYTES) {
        value[utf8_cut(value, VT_META_VALUE_MAX_BYTES)] = '\0';
        g_strchomp(value);
    }
    if (strlen(value) > VT_META_VALUE_MAX_WORDS) {
        value[words_end(value, VT_META_VALUE_MAX_WORDS)] = '\0';
        g_strchomp(value);
    }
    if (!value[0])
        return VT_OK;

    json_t *values = json_object_get(fields, field);
    if (!values) {
        if (json_object_size(fields) >= VT_META_FIELDS_MAX)
            return VT_OK;
        values = json_array();
        if (json_object_set_new(fields, field, values) != 0)
            return vt_error_set(VT_ERR_NOMEM, "out of memory adding field '%s'", field);
    }
    if (json_array_size(values) >= VT_META_VALUES_MAX)
        return VT_OK;
    return append_value(values, value, vt_meta_lang_from_tag(lang));
}

/* ---- edits -------------------------------------------------------------- */

static vt_status check_not_harvested(const json_t *harvested, const char *const *harvested_fields,
                                     const char *field)
{
    if (json_object_get(harvested, field) || in_list(harvested_fields, field))
        return vt_error_set(VT_ERR_INVALID,
                            "the field '%s' is harvested from the collection system and cannot "
                            "be edited here; add a custom field instead", field);
    return VT_OK;
}

/* Removes the values of @custom's @field in @lang (all of them: NULL). */
static void remove_values(json_t *custom, const char *field, const char *lang)
{
    json_t *values = json_object_get(custom, field);
    if (!values)
        return;
    if (lang) {
        for (size_t i = json_array_size(values); i-- > 0;) {
            const char *l = json_string_value(json_object_get(json_array_get(values, i), "lang"));
            if (same_lang(l, lang))
                json_array_remove(values, i);
        }
    }
    if (!lang || json_array_size(values) == 0)
        json_object_del(custom, field);
}

/* What "set" does to one field. */
typedef struct {
    bool all;          /* a plain "FIELD" key: every old value goes */
    GPtrArray *langs;  /* languages of "FIELD.LANG" keys: those old values go */
    json_t *values;    /* the new values, in key order */
} field_plan;

static void field_plan_free(gpointer data)
{
    field_plan *plan = data;
    g_ptr_array_unref(plan->langs);
    json_decref(plan->values);
    g_free(plan);
}

static bool lang_replaced(const field_plan *plan, const char *lang)
{
    if (plan->all)
        return true;
    for (guint i = 0; i < plan->langs->len; i++)
        if (same_lang(plan->langs->pdata[i], lang))
            return true;
    return false;
}

/* The new values of a field: the old ones not replaced, then the plan's. */
static vt_status apply_plan(json_t *custom, const char *field, const field_plan *plan)
{
    json_t *result = json_array();
    const json_t *old = json_object_get(custom, field);
    size_t i;
    const json_t *entry;
    vt_status status = VT_OK;

    json_array_foreach(old, i, entry) {
        const char *lang = json_string_value(json_object_get(entry, "lang"));
        if (!lang_replaced(plan, lang))
            json_array_append(result, (json_t *)entry);
    }
    json_array_foreach(plan->values, i, entry) {
        status = append_value(result, json_string_value(json_object_get(entry, "value")),
                              json_string_value(json_object_get(entry, "lang")));
        if (status != VT_OK)
            break;
    }
    if (status == VT_OK)
        status = vt_meta_check_values(field, result);
    if (status == VT_OK)
        json_object_set(custom, field, result);
    json_decref(result);
    return status;
}

static vt_status edit_unset(json_t *custom, const json_t *harvested,
                            const char *const *harvested_fields, const json_t *unset)
{
    if (!json_is_array(unset))
        return vt_error_set(VT_ERR_INVALID, "\"unset\" must be an array of field names");
    size_t i;
    const json_t *key;
    json_array_foreach(unset, i, key) {
        if (!json_is_string(key))
            return vt_error_set(VT_ERR_INVALID, "\"unset\" must be an array of field names");
        g_autofree char *field = NULL;
        g_autofree char *lang = NULL;
        vt_status status = vt_meta_parse_key(json_string_value(key), &field, &lang);
        if (status == VT_OK)
            status = check_not_harvested(harvested, harvested_fields, field);
        if (status != VT_OK)
            return status;
        remove_values(custom, field, lang);
    }
    return VT_OK;
}

static vt_status edit_set(json_t *custom, const json_t *harvested,
                          const char *const *harvested_fields, const json_t *set)
{
    if (!json_is_object(set))
        return vt_error_set(VT_ERR_INVALID,
                            "\"set\" must be an object {\"field\": values, \"field.lang\": "
                            "values}");
    if (json_object_size(set) > 4 * VT_META_FIELDS_MAX)
        return vt_error_set(VT_ERR_LIMIT, "an edit sets %zu keys, over the limit of %d",
                            json_object_size(set), 4 * VT_META_FIELDS_MAX);
    GHashTable *plans = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, field_plan_free);
    GPtrArray *order = g_ptr_array_new();  /* field names, borrowed from plans */
    vt_status status = VT_OK;
    const char *key;
    const json_t *spec;

    json_object_foreach((json_t *)set, key, spec) {
        g_autofree char *field = NULL;
        g_autofree char *lang = NULL;
        status = vt_meta_parse_key(key, &field, &lang);
        if (status != VT_OK)
            break;
        gpointer name = NULL, found = NULL;
        field_plan *plan;
        if (g_hash_table_lookup_extended(plans, field, &name, &found)) {
            plan = found;
        } else {
            plan = g_new0(field_plan, 1);
            plan->langs = g_ptr_array_new_with_free_func(g_free);
            plan->values = json_array();
            name = g_steal_pointer(&field);
            g_hash_table_insert(plans, name, plan);
            g_ptr_array_add(order, name);
        }
        status = check_not_harvested(harvested, harvested_fields, name);
        if (status != VT_OK)
            break;
        size_t before = json_array_size(plan->values);
        status = vt_meta_values_from_json(name, lang, spec, plan->values);
        if (status != VT_OK)
            break;
        if (json_array_size(plan->values) == before) {
            g_autofree char *s = shown(key);
            status = vt_error_set(VT_ERR_INVALID,
                                  "'%s' is set to nothing; to remove a field, unset it", s);
            break;
        }
        if (lang)
            g_ptr_array_add(plan->langs, g_steal_pointer(&lang));
        else
            plan->all = true;
    }
    for (guint i = 0; status == VT_OK && i < order->len; i++)
        status = apply_plan(custom, order->pdata[i], g_hash_table_lookup(plans, order->pdata[i]));
    g_ptr_array_unref(order);
    g_hash_table_destroy(plans);
    return status;
}

vt_status vt_meta_apply_edit(json_t *metadata, const json_t *edit,
                             const char *const *harvested_fields, bool *ret_changed)
{
    if (!json_is_object(metadata))
        return vt_error_set(VT_ERR_INVALID, "the asset's metadata is not a JSON object");
    if (!json_is_object(edit))
        return vt_error_set(VT_ERR_INVALID,
                            "an edit must be an object {\"set\": {...}, \"unset\": [...]}");
    const char *key;
    const json_t *member;
    json_object_foreach((json_t *)edit, key, member) {
        if (strcmp(key, "set") != 0 && strcmp(key, "unset") != 0) {
            g_autofree char *s = shown(key);
            return vt_error_set(VT_ERR_INVALID,
                                "unknown key '%s' in an edit (only \"set\" and \"unset\")", s);
        }
    }
    const json_t *custom = json_object_get(metadata, "custom");
    if (custom && !json_is_object(custom))
        return vt_error_set(VT_ERR_INVALID, "the asset's custom metadata is not a JSON object");
    const json_t *harvested = json_object_get(metadata, "harvested");
    json_t *result = custom ? json_deep_copy(custom) : json_object();
    if (!result)
        return vt_error_set(VT_ERR_NOMEM, "out of memory editing metadata");

    vt_status status = VT_OK;
    const json_t *unset = json_object_get(edit, "unset");
    const json_t *set = json_object_get(edit, "set");
    if (unset)
        status = edit_unset(result, harvested, harvested_fields, unset);
    if (status == VT_OK && set)
        status = edit_set(result, harvested, harvested_fields, set);
    if (status == VT_OK && json_object_size(result) > VT_META_FIELDS_MAX)
        status = vt_error_set(VT_ERR_LIMIT, "the edit makes %zu custom fields, over the limit "
                              "of %d", json_object_size(result), VT_META_FIELDS_MAX);
    if (status == VT_OK) {
        /* An asset already over the cap (from before it) may still shrink. */
        size_t size = vt_meta_fields_size(result);
        if (size > VT_META_CUSTOM_MAX_BYTES && size > (custom ? vt_meta_fields_size(custom) : 0))
            status = vt_error_set(VT_ERR_LIMIT, "the edit makes %zu bytes of custom metadata,"
                                  " over the limit of %u for one asset", size,
                                  VT_META_CUSTOM_MAX_BYTES);
    }
    if (status != VT_OK) {
        json_decref(result);
        return status;
    }
    bool changed = !custom ? json_object_size(result) > 0 : !json_equal((json_t *)custom, result);
    if (json_object_set_new(metadata, "custom", result) != 0)
        return vt_error_set(VT_ERR_NOMEM, "out of memory editing metadata");
    if (ret_changed)
        *ret_changed = changed;
    return VT_OK;
}

vt_status vt_meta_edit_from_set_args(const char *const *args, size_t n_args, json_t **ret_edit)
{
    if (n_args == 0)
        return vt_error_set(VT_ERR_INVALID, "nothing to set: give FIELD=VALUE or "
                            "FIELD.LANG=VALUE (e.g. title.fr=Portrait)");
    json_t *set = json_object();
    vt_status status = VT_OK;

    for (size_t i = 0; status == VT_OK && i < n_args; i++) {
        const char *arg = args[i];
        const char *eq = strchr(arg, '=');
        if (!g_utf8_validate(arg, -1, NULL)) {
            g_autofree char *s = shown(arg);
            status = vt_error_set(VT_ERR_INVALID, "'%s' is not valid UTF-8", s);
            break;
        }
        if (!eq) {
            g_autofree char *s = shown(arg);
            status = vt_error_set(VT_ERR_INVALID, "'%s' is not FIELD=VALUE or FIELD.LANG=VALUE "
                                  "(e.g. title.fr=Portrait)", s);
            break;
        }
        g_autofree char *key = g_strndup(arg, (size_t)(eq - arg));
        g_autofree char *field = NULL;
        g_autofree char *lang = NULL;
        status = vt_meta_parse_key(key, &field, &lang);
        if (status != VT_OK)
            break;
        g_autofree char *value = trimmed(eq + 1, strlen(eq + 1));
        if (!value[0]) {
            status = vt_error_set(VT_ERR_INVALID,
                                  "'%s' is set to nothing; to remove a field, unset it", key);
            break;
        }
        json_t *values = json_object_get(set, key);
        if (!values) {
            values = json_array();
            json_object_set_new(set, key, values);
        }
        json_array_append_new(values, json_string(value));
        /* Check now, as the daemon will, so that a mistake is reported
         * while the person is still at the keyboard. */
        json_t *scratch = json_array();
        status = vt_meta_values_from_json(field, lang, values, scratch);
        if (status == VT_OK)
            status = vt_meta_check_values(field, scratch);
        json_decref(scratch);
    }
    if (status != VT_OK) {
        json_decref(set);
        return status;
    }
    *ret_edit = json_pack("{s:o}", "set", set);
    return *ret_edit ? VT_OK : vt_error_set(VT_ERR_NOMEM, "out of memory building an edit");
}

vt_status vt_meta_edit_from_unset_args(const char *const *args, size_t n_args,
                                       json_t **ret_edit)
{
    if (n_args == 0)
        return vt_error_set(VT_ERR_INVALID, "nothing to unset: give FIELD or FIELD.LANG");
    json_t *unset = json_array();
    for (size_t i = 0; i < n_args; i++) {
        g_autofree char *field = NULL;
        g_autofree char *lang = NULL;
        vt_status status = vt_meta_parse_key(args[i], &field, &lang);
        if (status != VT_OK) {
            json_decref(unset);
            return status;
        }
        bool seen = false;
        size_t j;
        const json_t *key;
        json_array_foreach(unset, j, key)
            seen = seen || strcmp(json_string_value(key), args[i]) == 0;
        if (!seen)
            json_array_append_new(unset, json_string(args[i]));
    }
    *ret_edit = json_pack("{s:o}", "unset", unset);
    return *ret_edit ? VT_OK : vt_error_set(VT_ERR_NOMEM, "out of memory building an edit");
}

/* ---- reading ------------------------------------------------------------ */

/* True when @entry is a value as stored: {"value": non-empty string,
 * "lang"?: string}; gives its jansson strings. */
static bool entry_parts(const json_t *entry, json_t **ret_value, json_t **ret_lang)
{
    json_t *value = json_object_get(entry, "value");
    json_t *lang = json_object_get(entry, "lang");
    const char *text = json_string_value(value);
    if (!text || !text[0] || (lang && !json_is_string(lang)))
        return false;
    *ret_value = value;
    *ret_lang = lang;
    return true;
}

/* The same, as text. */
static bool entry_ok(const json_t *entry, const char **ret_value, const char **ret_lang)
{
    json_t *value, *lang;
    if (!entry_parts(entry, &value, &lang))
        return false;
    *ret_value = json_string_value(value);
    *ret_lang = json_string_value(lang);
    return true;
}

/* The jansson string @s for one more owner, @s itself: a string is never
 * changed once in a fields object, and jansson checked its UTF-8 when it
 * was made (copies with json_string() were a third of merging, which a site
 * rebuild does for every asset). Text holding a NUL (never in fields that
 * passed vt_meta_check_fields()) is copied cut there, as json_string() of
 * the C string did. NULL for NULL. */
static json_t *text_shared(json_t *s)
{
    if (!s)
        return NULL;
    const char *text = json_string_value(s);
    return strlen(text) == json_string_length(s) ? json_incref(s) : json_string(text);
}

/* A view entry {"value", "lang"?, "source"} of a stored entry's strings,
 * all three shared (keys ours: no UTF-8 check). NULL when out of memory. */
static json_t *view_entry_new(json_t *value, json_t *lang, json_t *source)
{
    json_t *e = json_object();
    if (!e || json_object_set_new_nocheck(e, "value", text_shared(value)) != 0
        || (lang && json_object_set_new_nocheck(e, "lang", text_shared(lang)) != 0)
        || json_object_set_nocheck(e, "source", source) != 0) {
        json_decref(e);
        return NULL;
    }
    return e;
}

vt_status vt_meta_merged(const json_t *metadata, const json_t *embedded, json_t **ret_view)
{
    const struct {
        const json_t *fields;
        const char *source;
    } parts[] = {
        { json_object_get(metadata, "custom"), "custom" },
        { json_object_get(metadata, "harvested"), "harvested" },
        { embedded, "embedded" },
    };
    json_t *view = json_object();
    if (!view)
        return vt_error_set(VT_ERR_NOMEM, "out of memory merging metadata");

    bool ok = true;
    for (size_t p = 0; ok && p < G_N_ELEMENTS(parts); p++) {
        if (!json_is_object(parts[p].fields))
            continue;
        /* One "source" string for all the part's entries. */
        json_t *source = json_string_nocheck(parts[p].source);
        ok = source != NULL;
        const char *field;
        const json_t *values;
        json_object_foreach((json_t *)parts[p].fields, field, values) {
            if (!ok)
                break;
            json_t *shown_values = NULL;
            size_t i;
            const json_t *entry;
            json_array_foreach(values, i, entry) {
                json_t *value, *lang;
                if (!entry_parts(entry, &value, &lang))
                    continue;
                if (!shown_values)
                    shown_values = json_object_get(view, field);
                if (!shown_values) {
                    /* @field is a key of a jansson object: valid UTF-8. */
                    shown_values = json_array();
                    if (json_object_set_new_nocheck(view, field, shown_values) != 0) {
                        ok = false;
                        break;
                    }
                }
                if (has_value(shown_values, json_string_value(value), json_string_value(lang)))
                    continue;
                if (json_array_append_new(shown_values, view_entry_new(value, lang, source)) != 0) {
                    ok = false;
                    break;
                }
            }
        }
        json_decref(source);
    }
    if (!ok) {
        json_decref(view);
        return vt_error_set(VT_ERR_NOMEM, "out of memory merging metadata");
    }
    *ret_view = view;
    return VT_OK;
}

const json_t *vt_meta_label_value(const json_t *titles)
{
    const json_t *chosen = NULL;
    size_t i;
    const json_t *v;
    json_array_foreach(titles, i, v) {
        if (!json_is_string(json_object_get(v, "value")))
            continue;
        if (!chosen)
            chosen = v;
        if (g_strcmp0(json_string_value(json_object_get(v, "lang")), "en") == 0)
            return v;
    }
    return chosen;
}

char *vt_meta_normalise_term(const char *value)
{
    if (!value || !g_utf8_validate(value, -1, NULL))
        return NULL;
    g_autofree char *folded = g_utf8_casefold(value, -1);
    g_autofree char *decomposed = g_utf8_normalize(folded, -1, G_NORMALIZE_ALL);
    if (!decomposed)
        return NULL;
    GString *out = g_string_sized_new(strlen(decomposed));
    bool pending_space = false;
    for (const char *p = decomposed; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_ismark(c))
            continue;
        if (g_unichar_isspace(c)) {
            pending_space = out->len > 0;
            continue;
        }
        if (pending_space)
            g_string_append_c(out, ' ');
        pending_space = false;
        g_string_append_unichar(out, c);
    }
    char *result = NULL;
    if (out->len > 0)
        result = g_utf8_normalize(out->str, (gssize)out->len, G_NORMALIZE_ALL_COMPOSE);
    g_string_free(out, TRUE);
    return result;
}

static void term_free(gpointer data)
{
    vt_meta_term *term = data;
    g_free(term->display);
    g_free(term);
}

static GHashTable *terms_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, term_free);
}

GHashTable *vt_meta_term_counts_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify)g_hash_table_unref);
}

/* Adds every term of @fields to @seen: field -> (normalised -> spelling). */
static void collect_terms(const json_t *fields, GHashTable *seen)
{
    const char *field;
    const json_t *values;
    json_object_foreach((json_t *)fields, field, values) {
        size_t i;
        const json_t *entry;
        json_array_foreach(values, i, entry) {
            const char *value, *lang;
            if (!entry_ok(entry, &value, &lang) || strlen(value) > VT_META_TERM_MAX_BYTES)
                continue;
            char *term = vt_meta_normalise_term(value);
            if (!term)
                continue;
            GHashTable *terms = g_hash_table_lookup(seen, field);
            if (!terms) {
                terms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
                g_hash_table_insert(seen, g_strdup(field), terms);
            }
            if (g_hash_table_contains(terms, term))
                g_free(term);
            else
                g_hash_table_insert(terms, term, (gpointer)value);
        }
    }
}

void vt_meta_count_terms(const json_t *metadata, int delta, GHashTable *counts)
{
    static const char *const parts[] = { "custom", "harvested", "embedded" };
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)g_hash_table_unref);
    for (size_t p = 0; p < G_N_ELEMENTS(parts); p++) {
        const json_t *fields = json_object_get(metadata, parts[p]);
        if (json_is_object(fields))
            collect_terms(fields, seen);
    }

    GHashTableIter fi;
    gpointer field, terms_seen;
    g_hash_table_iter_init(&fi, seen);
    while (g_hash_table_iter_next(&fi, &field, &terms_seen)) {
        GHashTable *terms = g_hash_table_lookup(counts, field);
        if (!terms && delta > 0) {
            terms = terms_new();
            g_hash_table_insert(counts, g_strdup(field), terms);
        }
        if (!terms)
            continue;
        GHashTableIter ti;
        gpointer key, spelling;
        g_hash_table_iter_init(&ti, terms_seen);
        while (g_hash_table_iter_next(&ti, &key, &spelling)) {
            vt_meta_term *term = g_hash_table_lookup(terms, key);
            if (delta > 0) {
                if (!term) {
                    term = g_new0(vt_meta_term, 1);
                    term->display = g_strdup(spelling);
                    g_hash_table_insert(terms, g_strdup(key), term);
                }
                term->count++;
            } else if (delta < 0 && term && --term->count == 0) {
                g_hash_table_remove(terms, key);
            }
        }
        if (g_hash_table_size(terms) == 0)
            g_hash_table_remove(counts, field);
    }
    g_hash_table_destroy(seen);
}

char *vt_meta_field_label(const char *name)
{
    char *label = g_strdup(name);
    for (char *p = label; *p; p++)
        if (*p == '_' || *p == '-')
            *p = ' ';
    label[0] = g_ascii_toupper(label[0]);
    return label;
}
