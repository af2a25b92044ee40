/* vt_annotation_types.c: see vt_annotation_types.h. */
#include "vt_annotation_types.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 40
#define TYPES_MAX 64
#define FIELDS_MAX 32
#define CHOICES_MAX 200
#define CHOICE_MAX_BYTES 120

struct vt_annotation_types {
    GPtrArray *types;   /* vt_annotation_type*, built-ins first */
};

static const char *const kind_names[] = {
    [VT_AFIELD_TEXT] = "text",     [VT_AFIELD_TERM] = "term",     [VT_AFIELD_TERMS] = "terms",
    [VT_AFIELD_URL] = "url",       [VT_AFIELD_DATE] = "date",     [VT_AFIELD_NUMBER] = "number",
    [VT_AFIELD_CHOICE] = "choice", [VT_AFIELD_PERSON] = "person", [VT_AFIELD_LANGUAGE] = "language",
};

const char *vt_annotation_field_kind_name(vt_annotation_field_kind kind)
{
    return (unsigned)kind < G_N_ELEMENTS(kind_names) ? kind_names[kind] : "?";
}

/* The built-in types, in the field-spec syntax of the configuration. */
static const struct {
    const char *name, *label, *colour, *fields;
} builtin[] = {
    {"descriptive", "Description", "#1f77b4", "text:text, language:language"},
    {"tag", "Tags", "#2ca02c", "terms:terms"},
    {"link", "Link", "#9467bd", "url:url, label:text"},
    {"story", "Story", "#ff7f0e", "title:text, text:text, order:number"},
    {"sample", "Sample", "#17becf",
     "sample-id:text, location:text, analysis:term, laboratory:term, date:date"},
    {"restoration", "Restoration", "#d62728",
     "treatment:term, material:term, damage:choice, date:date, conservator:person"},
};
static const char *const default_damage = "varnish, flaking, loss, abrasion, retouching";

static void type_free(gpointer data)
{
    vt_annotation_type *t = data;
    for (size_t i = 0; i < t->n_fields; i++) {
        g_free(t->fields[i].name);
        g_strfreev(t->fields[i].choices);
    }
    g_free(t->fields);
    g_free(t->name);
    g_free(t->label);
    g_free(t->colour);
    g_free(t);
}

void vt_annotation_types_free(vt_annotation_types *types)
{
    if (!types)
        return;
    g_ptr_array_free(types->types, TRUE);
    g_free(types);
}

static bool name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(g_ascii_islower(s[i]) || g_ascii_isdigit(s[i]) || s[i] == '-'))
            return false;
    return true;
}

static bool colour_valid(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#')
        return false;
    for (int i = 1; i < 7; i++)
        if (!g_ascii_isxdigit(s[i]))
            return false;
    return true;
}

/* "a, b|c" -> trimmed, non-empty items split at any of @seps. */
static char **split_list(const char *text, const char *seps)
{
    char **parts = g_strsplit_set(text, seps, -1);
    GPtrArray *out = g_ptr_array_new();
    for (size_t i = 0; parts[i]; i++) {
        char *p = g_strstrip(parts[i]);
        if (*p)
            g_ptr_array_add(out, g_strdup(p));
    }
    g_strfreev(parts);
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* Parses "name:kind, name:choice(a|b), ..." into @t's fields. @damage is
 * the list a bare "choice" takes (the damage types). Problems go to @problems. */
static void parse_fields(vt_annotation_type *t, const char *spec, char **damage,
                         GString *problems)
{
    /* Split at commas outside parentheses. */
    GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
    int depth = 0;
    const char *start = spec;
    for (const char *c = spec;; c++) {
        if (*c == '(')
            depth++;
        else if (*c == ')')
            depth--;
        if (*c == '\0' || (*c == ',' && depth == 0)) {
            char *item = g_strstrip(g_strndup(start, (gsize)(c - start)));
            if (*item)
                g_ptr_array_add(items, item);
            else
                g_free(item);
            if (!*c)
                break;
            start = c + 1;
        }
    }
    if (items->len == 0 || items->len > FIELDS_MAX)
        g_string_append_printf(problems, "[annotation-type:%s] fields: 1 to %d fields are needed,"
                               " written name:kind, ...\n", t->name, FIELDS_MAX);
    t->fields = g_new0(vt_annotation_field, items->len ? items->len : 1);
    for (guint i = 0; i < items->len && i < FIELDS_MAX; i++) {
        const char *item = g_ptr_array_index(items, i);
        const char *colon = strchr(item, ':');
        g_autofree char *name = g_strstrip(g_strndup(item, colon ? (gsize)(colon - item)
                                                                 : strlen(item)));
        g_autofree char *kind = g_strstrip(g_strdup(colon ? colon + 1 : "text"));
        char *paren = strchr(kind, '(');
        char **choices = NULL;
        if (paren) {
            size_t klen = strlen(kind);
            if (kind[klen - 1] != ')') {
                g_string_append_printf(problems, "[annotation-type:%s] fields: '%s' has no"
                                       " closing parenthesis\n", t->name, item);
                continue;
            }
            kind[klen - 1] = '\0';
            choices = split_list(paren + 1, "|");
            *paren = '\0';
            g_strstrip(kind);
        }
        int k = -1;
        for (size_t n = 0; n < G_N_ELEMENTS(kind_names); n++)
            if (strcmp(kind, kind_names[n]) == 0)
                k = (int)n;
        if (!name_valid(name) || k < 0) {
            g_string_append_printf(problems, "[annotation-type:%s] fields: '%s' is not name:kind"
                                   " (a name of a-z, 0-9, '-'; kinds text, term, terms, url,"
                                   " date, number, choice(a|b|...), person, language)\n",
                                   t->name, item);
            g_strfreev(choices);
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < t->n_fields; j++)
            dup |= strcmp(t->fields[j].name, name) == 0;
        if (dup) {
            g_string_append_printf(problems, "[annotation-type:%s] fields: '%s' is given twice\n",
                                   t->name, name);
            g_strfreev(choices);
            continue;
        }
        if (k == VT_AFIELD_CHOICE && !choices)
            choices = g_strdupv(damage);
        if (k != VT_AFIELD_CHOICE && choices) {
            g_string_append_printf(problems, "[annotation-type:%s] fields: only a choice field"
                                   " has a list ('%s')\n", t->name, item);
            g_clear_pointer(&choices, g_strfreev);
        }
        if (choices && (!choices[0] || g_strv_length(choices) > CHOICES_MAX)) {
            g_string_append_printf(problems, "[annotation-type:%s] fields: '%s' needs 1 to %d"
                                   " choices\n", t->name, name, CHOICES_MAX);
        }
        vt_annotation_field *f = &t->fields[t->n_fields++];
        f->name = g_steal_pointer(&name);
        f->kind = (vt_annotation_field_kind)k;
        f->choices = choices;
    }
    g_ptr_array_free(items, TRUE);
}

static vt_annotation_type *find_type(GPtrArray *types, const char *name)
{
    for (guint i = 0; i < types->len; i++) {
        vt_annotation_type *t = g_ptr_array_index(types, i);
        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

static char *raw(GKeyFile *kf, const char *group, const char *key)
{
    char *v = g_key_file_get_value(kf, group, key, NULL);
    if (!v)
        return NULL;
    /* The configuration's inline comments: white space, then '#'. A
     * colour's '#' follows no blank, so it stays. */
    for (char *c = v; *c; c++)
        if (*c == '#' && c > v && g_ascii_isspace(c[-1])) {
            *c = '\0';
            break;
        }
    return g_strstrip(v);
}

#define TYPE_PREFIX "annotation-type:"

vt_status vt_annotation_types_load(GKeyFile *kf, vt_annotation_types **ret_types)
{
    GString *problems = g_string_new(NULL);
    g_auto(GStrv) damage = NULL;
    if (kf && g_key_file_has_group(kf, "annotations")) {
        g_auto(GStrv) keys = g_key_file_get_keys(kf, "annotations", NULL, NULL);
        for (size_t i = 0; keys && keys[i]; i++)
            if (strcmp(keys[i], "damage-types") != 0)
                g_string_append_printf(problems, "[annotations] %s: unknown key (known:"
                                       " damage-types)\n", keys[i]);
        g_autofree char *d = raw(kf, "annotations", "damage-types");
        if (d)
            damage = split_list(d, ",");
        if (d && (!damage[0] || g_strv_length(damage) > CHOICES_MAX))
            g_string_append_printf(problems, "[annotations] damage-types: 1 to %d names,"
                                   " separated by commas\n", CHOICES_MAX);
    }
    if (!damage)
        damage = split_list(default_damage, ",");
    for (size_t i = 0; damage[i]; i++)
        if (strlen(damage[i]) > CHOICE_MAX_BYTES)
            g_string_append_printf(problems, "[annotations] damage-types: '%s' is longer than %d"
                                   " bytes\n", damage[i], CHOICE_MAX_BYTES);

    GPtrArray *types = g_ptr_array_new_with_free_func(type_free);
    for (size_t i = 0; i < G_N_ELEMENTS(builtin); i++) {
        vt_annotation_type *t = g_new0(vt_annotation_type, 1);
        t->name = g_strdup(builtin[i].name);
        t->label = g_strdup(builtin[i].label);
        t->colour = g_strdup(builtin[i].colour);
        parse_fields(t, builtin[i].fields, damage, problems);
        g_ptr_array_add(types, t);
    }

    g_auto(GStrv) groups = kf ? g_key_file_get_groups(kf, NULL) : NULL;
    for (size_t i = 0; groups && groups[i]; i++) {
        const char *g = groups[i];
        if (!g_str_has_prefix(g, TYPE_PREFIX))
            continue;
        const char *name = g + strlen(TYPE_PREFIX);
        if (!name_valid(name)) {
            g_string_append_printf(problems, "[%s]: a type name is 1-%d characters of a-z, 0-9,"
                                   " '-'\n", g, NAME_MAX_LEN);
            continue;
        }
        g_auto(GStrv) keys = g_key_file_get_keys(kf, g, NULL, NULL);
        for (size_t k = 0; keys && keys[k]; k++)
            if (strcmp(keys[k], "label") && strcmp(keys[k], "colour") &&
                strcmp(keys[k], "fields"))
                g_string_append_printf(problems, "[%s] %s: unknown key (known: label, colour,"
                                       " fields)\n", g, keys[k]);
        vt_annotation_type *t = find_type(types, name);
        g_autofree char *fields = raw(kf, g, "fields");
        if (!t) {
            if (types->len >= TYPES_MAX) {
                g_string_append_printf(problems, "[%s]: more than %d annotation types\n", g,
                                       TYPES_MAX);
                continue;
            }
            if (!fields) {
                g_string_append_printf(problems, "[%s] fields: missing: a new type needs its"
                                       " fields (name:kind, ...)\n", g);
                continue;
            }
            t = g_new0(vt_annotation_type, 1);
            t->name = g_strdup(name);
            t->label = g_strdup(name);
            t->colour = g_strdup("#595959");
            g_ptr_array_add(types, t);
        }
        g_autofree char *label = raw(kf, g, "label");
        if (label && *label) {
            g_free(t->label);
            t->label = g_steal_pointer(&label);
        }
        g_autofree char *colour = raw(kf, g, "colour");
        if (colour) {
            if (!colour_valid(colour))
                g_string_append_printf(problems, "[%s] colour: '%s' is not #rrggbb\n", g, colour);
            g_free(t->colour);
            t->colour = g_steal_pointer(&colour);
        }
        if (fields) {
            for (size_t f = 0; f < t->n_fields; f++) {
                g_free(t->fields[f].name);
                g_strfreev(t->fields[f].choices);
            }
            g_free(t->fields);
            t->fields = NULL;
            t->n_fields = 0;
            parse_fields(t, fields, damage, problems);
        }
    }
    if (problems->len) {
        g_ptr_array_free(types, TRUE);
        g_strchomp(problems->str);
        vt_status s = vt_error_set(VT_ERR_CONFIG, "annotation types: %s", problems->str);
        g_string_free(problems, TRUE);
        return s;
    }
    g_string_free(problems, TRUE);
    vt_annotation_types *out = g_new0(vt_annotation_types, 1);
    out->types = types;
    *ret_types = out;
    return VT_OK;
}

size_t vt_annotation_types_count(const vt_annotation_types *types)
{
    return types->types->len;
}

const vt_annotation_type *vt_annotation_types_nth(const vt_annotation_types *types, size_t i)
{
    return i < types->types->len ? g_ptr_array_index(types->types, i) : NULL;
}

const vt_annotation_type *vt_annotation_types_get(const vt_annotation_types *types,
                                                  const char *name)
{
    return name ? find_type(types->types, name) : NULL;
}

json_t *vt_annotation_types_json(const vt_annotation_types *types)
{
    json_t *list = json_array();
    for (guint i = 0; i < types->types->len; i++) {
        const vt_annotation_type *t = g_ptr_array_index(types->types, i);
        json_t *fields = json_array();
        for (size_t f = 0; f < t->n_fields; f++) {
            json_t *o = json_pack("{s:s, s:s}", "name", t->fields[f].name, "kind",
                                  kind_names[t->fields[f].kind]);
            if (t->fields[f].choices) {
                json_t *c = json_array();
                for (size_t k = 0; t->fields[f].choices[k]; k++)
                    json_array_append_new(c, json_string(t->fields[f].choices[k]));
                json_object_set_new(o, "choices", c);
            }
            json_array_append_new(fields, o);
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o}", "name", t->name, "label",
                                              t->label, "colour", t->colour, "fields", fields));
    }
    return list;
}
