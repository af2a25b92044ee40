/* vt_manifest.c: see vt_manifest.h.
 *
 * Documents are built bottom-up with vt_jsonbuild (json_pack() is left for
 * the static and iipsrv image services, made once per known asset and batch),
 * which keeps json_pack()'s rules without its format parser: "o" arguments
 * are stolen even when packing fails, so a NULL from any helper makes the
 * whole document NULL without a leak, and the public functions turn that
 * into VT_ERR_NOMEM. Everything that can fail for another reason (ids, sizes,
 * audience) is checked before building starts, so NULL then really means
 * out of memory. Outside text goes through text_new() so that one bad byte
 * in a label cannot fail a document.
 */
#include "vt_manifest.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt_jsonbuild.h"
#include "vt_meta.h"
#include "vt_url.h"

#define IMAGE_FORMAT "image/jpeg"
/* Longest rights URI taken over (the real ones are under 60 bytes). */
#define RIGHTS_MAX 256
/* Largest width or height believed from an info.json "sizes" entry. */
#define SIZE_DIMENSION_MAX 1000000

/* ------------------------------------------------------------------ */
/* Known views (vt_manifest_views_set) */

/* What a known asset's documents take from its view alone, the same for
 * every audience: made by the first document that needs it, shared by the
 * others (the site writes each asset in two trees). */
enum { PART_LABEL, PART_METADATA, PART_SUMMARY, PART_INTERVENTION_LABEL, PART__COUNT };

/* What a known asset's image gives its canvases (image_parts_get()). */
typedef struct {
    json_t *body;       /* the painting annotation's body; NULL until made */
    json_t *thumbnail;  /* NULL: none */
} image_parts;

/* The config's images settings, which image_parts depend on: all but the
 * site's base URL, the one thing in which the audiences' views differ. */
typedef struct {
    bool set;
    vt_image_server server;
    int thumbnail_size;
    char *base_url[2];  /* public, internal */
    char *dir[2];
} image_settings;

/* Views the caller already computed (vt_manifest_views_set), this thread. */
static __thread struct {
    const vt_asset *const *assets;
    const json_t *const *harvested;
    const json_t *const *views;
    size_t n;
    json_t **parts;    /* [i * PART__COUNT + part]: NULL until made; json_null() for none */
    /* The known harvested fields -> their titles (intervention_titles()):
     * NULL until made, json_null() for none. Shared by the assets of an
     * intervention, which merging again and again was 2% of a rebuild. */
    GHashTable *titles;
    /* What many documents of the batch hold alike, made once and shared
     * (never changed): our literals as JSON strings, by address, and
     * values by a text key (shared_get). */
    GHashTable *literals;
    GHashTable *shared;
    image_parts *images;      /* [i], for the config with .settings */
    image_settings settings;  /* unset until an image part is made */
} known_views;

/* A JSON string of @text, a string literal of ours (ASCII), shared while
 * views are known. New reference. */
static json_t *literal(const char *text)
{
    if (!known_views.literals)
        return vt_jsonbuild_text(text);
    json_t *value = g_hash_table_lookup(known_views.literals, text);
    if (!value) {
        if (!(value = json_string_nocheck(text)))
            return NULL;
        g_hash_table_insert(known_views.literals, (gpointer)text, value);
    }
    return json_incref(value);
}

/* The value kept under @key while views are known (new reference), or
 * NULL: then make it and pass it to shared_keep(). */
static json_t *shared_get(const char *key)
{
    return known_views.shared ? json_incref(g_hash_table_lookup(known_views.shared, key)) : NULL;
}

/* Keeps @value (a new reference, returned) under @key while views are
 * known. */
static json_t *shared_keep(const char *key, json_t *value)
{
    if (known_views.shared && value)
        g_hash_table_insert(known_views.shared, g_strdup(key), json_incref(value));
    return value;
}

/* ------------------------------------------------------------------ */
/* Small builders */

/* A JSON string of @text, repaired to valid UTF-8 if it is not (jansson
 * refuses such text). NULL only without memory. */
static json_t *text_new(const char *text)
{
    /* Checked once: json_string() would check it again. */
    if (g_utf8_validate(text, -1, NULL))
        return json_string_nocheck(text);
    g_autofree char *valid = g_utf8_make_valid(text, -1);
    return json_string_nocheck(valid);
}

/* [@value] (stolen), or NULL for NULL: json_pack's "[o]". */
static json_t *one_of(json_t *value)
{
    if (!value)
        return NULL;
    json_t *list = json_array();
    if (json_array_append_new(list, value) != 0) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* {"@lang": ["text"]}: a language map of one value. */
static json_t *lang_map_one(const char *lang, const char *text)
{
    /* @lang is ours ("en", "none") or a language tag of the store. */
    return vt_jsonbuild_object(lang, one_of(text_new(text)), NULL);
}

/* Appends string @value (stolen) to the @lang ("none" when NULL) list of
 * language map @map. */
static int lang_map_add(json_t *map, const char *lang, json_t *value)
{
    const char *key = lang && *lang ? lang : "none";
    json_t *list = json_object_get(map, key);
    if (!list) {
        list = json_array();
        if (json_object_set_new(map, key, list) != 0) {
            json_decref(value);
            return -1;
        }
    }
    return json_array_append_new(list, value);
}

/* A value where IIIF allows HTML (metadata values, summary) that holds
 * markup characters: viewers render such values as (sanitised) HTML, and
 * Presentation 3 reads a value that starts with '<' and ends with '>' as
 * HTML. Escaped inside a <span>, it is HTML that shows the text exactly as
 * written: a "<script>" or an "onerror=" in the archive stays text. */
static char *html_safe_text(const char *text)
{
    if (!strpbrk(text, "<>&"))
        return NULL;
    g_autofree char *valid = g_utf8_validate(text, -1, NULL) ? NULL : g_utf8_make_valid(text, -1);
    g_autofree char *escaped = g_markup_escape_text(valid ? valid : text, -1);
    return g_strconcat("<span>", escaped, "</span>", NULL);
}

/* Adds display value @v ({value, lang?, source}, vt_meta_merged()) to the
 * language map *@map, made at the first value; values without text are
 * left out. -1 without memory (*@map is then freed and NULL). @html: the
 * property allows HTML (see html_safe_text); labels do not. */
static int lang_map_put(json_t **map, const json_t *v, bool html)
{
    json_t *value = json_object_get(v, "value");
    const char *text = json_string_value(value);
    if (!text)
        return 0;
    if (!*map && !(*map = json_object()))
        return -1;
    g_autofree char *safe = html ? html_safe_text(text) : NULL;
    /* The store's string itself when it goes in as it is (jansson checked
     * it), shared rather than copied. */
    if (lang_map_add(*map, json_string_value(json_object_get(v, "lang")),
                     safe ? text_new(safe) : json_incref(value)) != 0) {
        g_clear_pointer(map, json_decref);
        return -1;
    }
    return 0;
}

/* The language map of the display values @values (see lang_map_put). NULL
 * when none has text (or without memory). */
static json_t *lang_map_from_values(const json_t *values, bool html)
{
    json_t *map = NULL;
    size_t i;
    const json_t *v;
    json_array_foreach(values, i, v) {
        if (lang_map_put(&map, v, html) != 0)
            return NULL;
    }
    return map;
}

/* A reference {id, type, label?} (partOf entries, collection items); @id
 * and @label are stolen (the caller checks a URL of the config's or not,
 * see vt_jsonbuild.h), @type is a literal of ours. */
static json_t *ref_new(json_t *id, const char *type, json_t *label)
{
    json_t *ref = vt_jsonbuild_object("id", id, "type", literal(type), NULL);
    vt_jsonbuild_set(&ref, "label", label, true);
    return ref;
}

/* ------------------------------------------------------------------ */
/* Checks done before building */

static vt_status check_audience(const char *audience, const vt_asset *const *assets, size_t n)
{
    vt_visibility who;
    if (!audience || !vt_visibility_parse(audience, &who))
        return vt_error_set(VT_ERR_INVALID,
                            "manifest: unknown audience \"%.40s\" (public or internal)",
                            audience ? audience : "(null)");
    for (size_t i = 0; i < n; i++)
        if (who == VT_VISIBILITY_PUBLIC && assets[i]->visibility == VT_VISIBILITY_INTERNAL)
            return vt_error_set(VT_ERR_INVALID,
                                "manifest: asset %s is internal and cannot be published for the "
                                "public audience",
                                assets[i]->id);
    return VT_OK;
}

/* An asset a canvas can be made of: a valid id and known dimensions. */
static vt_status check_asset(const vt_asset *a)
{
    if (!a)
        return vt_error_set(VT_ERR_INVALID, "manifest: no asset given");
    if (!vt_url_id_valid(a->id))
        return vt_error_set(VT_ERR_INVALID, "manifest: \"%.80s\" is not an asset id",
                            a->id ? a->id : "(null)");
    if (a->width <= 0 || a->height <= 0)
        return vt_error_set(VT_ERR_INVALID,
                            "manifest: asset %s has no dimensions (%dx%d): not converted yet",
                            a->id, a->width, a->height);
    return VT_OK;
}

static vt_status check_intervention(const char *number)
{
    if (vt_manifest_intervention_valid(number))
        return VT_OK;
    return vt_error_set(VT_ERR_INVALID,
                        "manifest: \"%.80s\" is not an intervention number usable in a URL "
                        "(1 to %d of [A-Za-z0-9._-], not starting with '.')",
                        number ? number : "(null)", VT_MANIFEST_INTERVENTION_MAX);
}

/* Department ids come from the config ([a-z0-9_-]); checked again because
 * they become a path on the site. */
static bool department_id_valid(const char *id)
{
    if (!id || !*id || strlen(id) > 128)
        return false;
    for (const char *p = id; *p; p++)
        if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '_' && *p != '-')
            return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* URLs */

bool vt_manifest_intervention_valid(const char *number)
{
    if (!number || !*number || *number == '.')
        return false;
    size_t n = 0;
    for (const char *p = number; *p; p++, n++)
        if (n >= VT_MANIFEST_INTERVENTION_MAX ||
            !(g_ascii_isalnum(*p) || *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

char *vt_manifest_url_top(const vt_config *c)
{
    return g_strconcat(c->site_base_url, "/iiif/collection/top.json", NULL);
}

char *vt_manifest_url_department(const vt_config *c, const char *department_id)
{
    if (!department_id_valid(department_id)) {
        vt_error_set(VT_ERR_INVALID, "manifest: \"%.80s\" is not a department id",
                     department_id ? department_id : "(null)");
        return NULL;
    }
    return g_strconcat(c->site_base_url, "/iiif/collection/department/", department_id, ".json",
                       NULL);
}

char *vt_manifest_url_intervention(const vt_config *c, const char *number)
{
    if (check_intervention(number) != VT_OK)
        return NULL;
    return g_strconcat(c->site_base_url, "/iiif/intervention/", number, "/manifest.json", NULL);
}

char *vt_manifest_url_intervention_collection(const vt_config *c, const char *number)
{
    if (check_intervention(number) != VT_OK)
        return NULL;
    return g_strconcat(c->site_base_url, "/iiif/collection/intervention/", number, ".json", NULL);
}

static char *asset_json_url(const vt_config *c, const char *id)
{
    return g_strconcat(c->site_base_url, "/assets/", id, ".json", NULL);
}

/* ------------------------------------------------------------------ */
/* Metadata */


void vt_manifest_views_set(const vt_asset *const *assets, const json_t *const *harvested,
                           const json_t *const *views, size_t n)
{
    vt_manifest_views_clear();
    known_views.assets = assets;
    known_views.harvested = harvested;
    known_views.views = views;
    known_views.n = n;
    known_views.parts = g_new0(json_t *, n * PART__COUNT + 1);
    known_views.images = g_new0(image_parts, n + 1);
    known_views.titles = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                               (GDestroyNotify)json_decref);
    for (size_t i = 0; i < n; i++)
        if (harvested[i])
            g_hash_table_insert(known_views.titles, (gpointer)harvested[i], NULL);
    known_views.literals = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                 (GDestroyNotify)json_decref);
    known_views.shared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify)json_decref);
}

void vt_manifest_views_clear(void)
{
    for (size_t i = 0; known_views.parts && i < known_views.n * PART__COUNT; i++)
        json_decref(known_views.parts[i]);
    g_free(known_views.parts);
    for (size_t i = 0; known_views.images && i < known_views.n; i++) {
        json_decref(known_views.images[i].body);
        json_decref(known_views.images[i].thumbnail);
    }
    g_free(known_views.images);
    for (size_t i = 0; i < 2; i++) {
        g_free(known_views.settings.base_url[i]);
        g_free(known_views.settings.dir[i]);
    }
    if (known_views.titles)
        g_hash_table_destroy(known_views.titles);
    if (known_views.literals)
        g_hash_table_destroy(known_views.literals);
    if (known_views.shared)
        g_hash_table_destroy(known_views.shared);
    memset(&known_views, 0, sizeof known_views);
}

/* The index of @a (with @harvested) in the known views, or n. */
static size_t known_index(const vt_asset *a, const json_t *harvested)
{
    for (size_t i = 0; a && i < known_views.n; i++)
        if (known_views.assets[i] == a && known_views.harvested[i] == harvested)
            return i;
    return known_views.n;
}

/* Part @part of known asset @k (new reference, or NULL for none), made by
 * @make(@a, @view) the first time. Not known (@k == n): made each time. */
static json_t *known_part(size_t k, int part,
                          json_t *(*make)(const vt_asset *a, const json_t *view),
                          const vt_asset *a, const json_t *view)
{
    if (k >= known_views.n)
        return make(a, view);
    json_t **slot = &known_views.parts[k * PART__COUNT + part];
    if (!*slot) {
        json_t *made = make(a, view);
        *slot = made ? made : json_null();
    }
    return json_is_null(*slot) ? NULL : json_incref(*slot);
}

/* The display view (vt_meta_merged) of an asset's custom, harvested and
 * embedded metadata. @a may be NULL for harvested fields alone. */
static vt_status merged_view(const vt_asset *a, const json_t *harvested, json_t **ret_view)
{
    size_t k = known_index(a, harvested);
    if (k < known_views.n) {
        *ret_view = json_incref((json_t *)known_views.views[k]);
        return VT_OK;
    }
    json_t *metadata = json_object();
    if (!metadata)
        return vt_error_set(VT_ERR_NOMEM, "manifest: out of memory");
    /* jansson is not const-correct: json_object_set() only takes a
     * reference, it changes nothing in the value. */
    if ((harvested && json_object_set(metadata, "harvested", (json_t *)harvested) != 0) ||
        (a && a->custom && json_object_set(metadata, "custom", a->custom) != 0)) {
        json_decref(metadata);
        return vt_error_set(VT_ERR_NOMEM, "manifest: out of memory");
    }
    vt_status status = vt_meta_merged(metadata, a ? a->embedded : NULL, ret_view);
    json_decref(metadata);
    return status;
}

/* The asset's label: its titles, else its file name, else its id. */
static json_t *asset_label(const vt_asset *a, const json_t *view)
{
    json_t *map = lang_map_from_values(json_object_get(view, "title"), false);
    if (map)
        return map;
    const char *name = vt_asset_file_name(a);
    return lang_map_one("none", name ? name : a->id);
}

/* The metadata array (see the header for what is left out and how sources
 * are told apart). */
static json_t *metadata_new(const vt_asset *a, const json_t *view)
{
    (void)a;
    /* Each source's label suffix. */
    static const char *const sources[][2] = {
        { "custom", "" },
        { "harvested", " (collection system)" },
        { "embedded", " (from the file)" },
    };
    json_t *md = json_array();
    if (!md)
        return NULL;
    const char *field;
    json_t *values;
    json_object_foreach((json_t *)view, field, values) {
        if (strcmp(field, "title") == 0 || strcmp(field, "description") == 0 ||
            strcmp(field, "visibility") == 0)
            continue;
        /* One pass over the values, a map per source. */
        json_t *maps[G_N_ELEMENTS(sources)] = { NULL };
        bool failed = false;
        size_t i;
        const json_t *v;
        json_array_foreach(values, i, v) {
            const char *source = json_string_value(json_object_get(v, "source"));
            for (size_t s = 0; source && s < G_N_ELEMENTS(sources); s++)
                if (strcmp(source, sources[s][0]) == 0) {
                    failed = failed || lang_map_put(&maps[s], v, true) != 0;
                    break;
                }
        }
        g_autofree char *plain = vt_meta_field_label(field);
        for (size_t s = 0; s < G_N_ELEMENTS(sources); s++) {
            if (!maps[s] || failed) {
                json_decref(maps[s]);
                continue;
            }
            /* The label, alike for every asset with the field. */
            g_autofree char *text = g_strconcat(plain, sources[s][1], NULL);
            g_autofree char *key = g_strconcat("metadata label\n", text, NULL);
            json_t *label = shared_get(key);
            if (!label)
                label = shared_keep(key, lang_map_one("en", text));
            /* Both stolen, also on failure. */
            failed = json_array_append_new(md, vt_jsonbuild_object("label", label, "value",
                                                                   maps[s], NULL)) != 0;
        }
        if (failed) {
            json_decref(md);
            return NULL;
        }
    }
    return md;
}

/* The summary: the "description" values as a language map (NULL: none). */
static json_t *summary_new(const vt_asset *a, const json_t *view)
{
    (void)a;
    return lang_map_from_values(json_object_get(view, "description"), true);
}

/* [a-zA-Z0-9._~/-] and %XX only: the characters of the CC and
 * RightsStatements.org URIs, all valid in a URI path. */
static bool rights_chars_ok(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (g_ascii_isalnum(*p) || strchr("._~/-", *p))
            continue;
        if (*p == '%' && g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
            p += 2;
            continue;
        }
        return false;
    }
    return true;
}

/* The first "rights" value that the schema accepts as `rights`, in the
 * http form the vocabularies define, or NULL. */
static char *rights_uri(const json_t *view)
{
    static const char *const vocabularies[] = {
        "creativecommons.org/licenses/",
        "creativecommons.org/publicdomain/",
        "rightsstatements.org/vocab/",
    };
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(view, "rights"), i, v) {
        const char *text = json_string_value(json_object_get(v, "value"));
        if (!text || strlen(text) > RIGHTS_MAX)
            continue;
        const char *rest = NULL;
        if (g_str_has_prefix(text, "http://"))
            rest = text + strlen("http://");
        else if (g_str_has_prefix(text, "https://"))
            rest = text + strlen("https://");
        if (!rest || !rights_chars_ok(rest))
            continue;
        for (size_t k = 0; k < G_N_ELEMENTS(vocabularies); k++)
            if (g_str_has_prefix(rest, vocabularies[k]) && strlen(rest) > strlen(vocabularies[k]))
                return g_strdup_printf("http://%s", rest);
    }
    return NULL;
}

/* "Attribution": [site] attribution when set, else the labels given (one
 * value each, "none" language). A value may be HTML in IIIF: markup
 * characters are escaped inside a <span> (html_safe_text). */
static json_t *attribution_new(const vt_config *c, const char *const *labels, size_t n)
{
    json_t *values = json_array();
    const char *site = c->site_attribution && *c->site_attribution ? c->site_attribution : NULL;
    for (size_t i = 0; i < (site ? 1 : n); i++) {
        const char *text = site ? site : labels[i];
        g_autofree char *safe = html_safe_text(text);
        json_array_append_new(values, text_new(safe ? safe : text));
    }
    return vt_jsonbuild_object("label",
                               vt_jsonbuild_object("en", one_of(literal("Attribution")),
                                                   NULL),
                               "value", vt_jsonbuild_object("none", values, NULL), NULL);
}

/* attribution_new() of the one label @label, alike for the assets of a
 * department: shared while views are known. */
static json_t *attribution_shared(const vt_config *c, const char *label)
{
    const char *site = c->site_attribution && *c->site_attribution ? c->site_attribution : NULL;
    g_autofree char *key = site ? g_strconcat("attribution of the site\n", site, NULL)
                                : g_strconcat("attribution\n", label, NULL);
    json_t *value = shared_get(key);
    return value ? value : shared_keep(key, attribution_new(c, &label, 1));
}

static const char *department_label(const vt_config *c, const char *department_id)
{
    const vt_department *d = vt_config_department(c, department_id);
    if (d && d->label && *d->label)
        return d->label;
    return department_id ? department_id : "";
}

/* ------------------------------------------------------------------ */
/* Image: service, sizes, canvas, thumbnail */

/* The "sizes" of <root>/<id>/info.json (the root of the asset's visibility),
 * as [{width, height}], or NULL when there is no such file or nothing usable
 * in it: the manifest then simply goes without them. */
static json_t *static_sizes(const vt_config *c, const vt_asset *a)
{
    g_autofree char *path = g_build_filename(vt_config_images_dir(c, a->visibility), a->id,
                                             "info.json", NULL);
    GStatBuf st;
    /* Checked before reading: a stray huge file must not be loaded whole. */
    if (g_stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > VT_URL_INFO_MAX)
        return NULL;
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL) || len > VT_URL_INFO_MAX)
        return NULL;
    json_t *info = json_loadb(data, len, 0, NULL);
    json_t *sizes = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(info, "sizes"), i, s) {
        json_int_t w = json_integer_value(json_object_get(s, "width"));
        json_int_t h = json_integer_value(json_object_get(s, "height"));
        if (w <= 0 || h <= 0 || w > SIZE_DIMENSION_MAX || h > SIZE_DIMENSION_MAX)
            continue;
        if (json_array_size(sizes) >= VT_MANIFEST_SIZES_MAX)
            break;
        json_array_append_new(sizes, json_pack("{s:I, s:I}", "width", w, "height", h));
    }
    json_decref(info);
    if (json_array_size(sizes) == 0) {
        json_decref(sizes);
        return NULL;
    }
    return sizes;
}

/* Most entries of <images.dir>/<id>/full/ looked at (vitrine writes six). */
#define WHOLE_IMAGES_MAX 64

/* The largest whole image a static level-0 server has for asset @a: the
 * largest <images.dir>/<id>/full/W,H/0/default.jpg (vitrine writes the
 * download there, which "sizes" may leave out so that viewers do not take
 * it for a level). False when there is none. */
static bool static_largest_whole(const vt_config *c, const vt_asset *a, int *ret_width,
                                 int *ret_height)
{
    g_autofree char *dir_path = g_build_filename(vt_config_images_dir(c, a->visibility), a->id, "full", NULL);
    GDir *dir = g_dir_open(dir_path, 0, NULL);
    if (!dir)
        return false;
    long best_w = 0, best_h = 0;
    const char *name;
    for (int n = 0; n < WHOLE_IMAGES_MAX && (name = g_dir_read_name(dir)); n++) {
        char *end = NULL;
        errno = 0;
        long w = strtol(name, &end, 10);
        if (errno || end == name || *end != ',' || !g_ascii_isdigit(end[1]))
            continue;
        const char *rest = end + 1;
        long h = strtol(rest, &end, 10);
        if (errno || *end || w <= 0 || h <= 0 || w > a->width || h > a->height ||
            w * h <= best_w * best_h)
            continue;
        g_autofree char *file = g_build_filename(dir_path, name, "0", "default.jpg", NULL);
        if (!g_file_test(file, G_FILE_TEST_IS_REGULAR))
            continue;
        best_w = w;
        best_h = h;
    }
    g_dir_close(dir);
    if (best_w == 0)
        return false;
    *ret_width = (int)best_w;
    *ret_height = (int)best_h;
    return true;
}

/* The largest entry of @sizes (by area). */
static void largest_size(const json_t *sizes, int *ret_width, int *ret_height)
{
    json_int_t best_w = 0, best_h = 0;
    size_t i;
    const json_t *s;
    json_array_foreach(sizes, i, s) {
        json_int_t w = json_integer_value(json_object_get(s, "width"));
        json_int_t h = json_integer_value(json_object_get(s, "height"));
        if (w * h > best_w * best_h) {
            best_w = w;
            best_h = h;
        }
    }
    *ret_width = (int)best_w;
    *ret_height = (int)best_h;
}

static vt_status base_url_not_utf8(const vt_asset *a)
{
    return vt_error_set(VT_ERR_INVALID, "manifest of %s: the image or site base URL is not UTF-8",
                        a->id);
}

/* Everything image-related about one asset, computed once and shared by
 * its image body and its thumbnail. */
typedef struct {
    char *service_url;
    json_t *service;   /* the image service object */
    json_t *sizes;     /* static only, may be NULL */
} image_info;

static void image_info_clear(image_info *im)
{
    g_free(im->service_url);
    json_decref(im->service);
    json_decref(im->sizes);
    memset(im, 0, sizeof *im);
}

static vt_status image_info_init(const vt_config *c, const vt_asset *a, image_info *im)
{
    memset(im, 0, sizeof *im);
    im->service_url = vt_url_image_service(c, a->id, a->visibility);
    if (!im->service_url)
        return VT_ERR_INVALID;  /* vt_url set the message */
    /* Checked once here (it holds the config's base URL, which nothing
     * checked): the image body and the thumbnail then take it and the URLs
     * made of it unchecked (vt_jsonbuild_text). Bad UTF-8 failed the
     * manifest in json_pack() before, as it does here. */
    if (!g_utf8_validate(im->service_url, -1, NULL)) {
        image_info_clear(im);
        return base_url_not_utf8(a);
    }
    switch (c->server) {
    case VT_SERVER_CANTALOUPE:
        im->service = vt_jsonbuild_object("id", vt_jsonbuild_text(im->service_url), "type",
                                          literal("ImageService3"), "profile",
                                          literal("level2"), NULL);
        break;
    case VT_SERVER_STATIC:
        /* libvips writes no "sizes"; the ones vitrine adds (thumbnail and
         * download) are the only whole-image sizes a level-0 server has. */
        im->sizes = static_sizes(c, a);
        im->service = json_pack("{s:s, s:s, s:s, s:O*}", "id", im->service_url, "type",
                                "ImageService3", "profile", "level0", "sizes", im->sizes);
        break;
    case VT_SERVER_IIPSRV:
        /* Debian's iipsrv speaks Image API 2.1 only: a version 2 service,
         * with the JSON-LD keys of that version. */
        im->service = json_pack("{s:s, s:s, s:s}", "@id", im->service_url, "@type",
                                "ImageService2", "profile",
                                "http://iiif.io/api/image/2/level1.json");
        break;
    }
    if (!im->service) {
        image_info_clear(im);
        return vt_error_set(VT_ERR_NOMEM, "manifest: out of memory");
    }
    return VT_OK;
}

/* The painting annotation's body: the whole image at the largest size the
 * server can give. */
static json_t *image_body_new(const vt_config *c, const vt_asset *a, const image_info *im)
{
    int w = a->width, h = a->height;
    g_autofree char *url = NULL;
    switch (c->server) {
    case VT_SERVER_CANTALOUPE:
        url = g_strconcat(im->service_url, "/full/max/0/default.jpg", NULL);
        break;
    case VT_SERVER_IIPSRV:
        url = g_strconcat(im->service_url, "/full/full/0/default.jpg", NULL);
        break;
    case VT_SERVER_STATIC:
        /* A level-0 server has only the whole images it wrote: the
         * largest (the download), else the largest size listed; without
         * either "max" is the best guess left. */
        if (static_largest_whole(c, a, &w, &h)) {
            url = g_strdup_printf("%s/full/%d,%d/0/default.jpg", im->service_url, w, h);
        } else if (im->sizes) {
            largest_size(im->sizes, &w, &h);
            url = g_strdup_printf("%s/full/%d,%d/0/default.jpg", im->service_url, w, h);
        } else {
            url = g_strconcat(im->service_url, "/full/max/0/default.jpg", NULL);
        }
        break;
    }
    return vt_jsonbuild_object("id", vt_jsonbuild_text(url), "type", literal("Image"),
                               "format", literal(IMAGE_FORMAT), "width",
                               json_integer(w), "height", json_integer(h), "service",
                               one_of(json_incref(im->service)), NULL);
}

/* The asset's only canvas at @canvas_url (canvas_url_new()), with its own
 * thumbnail (Universal Viewer asks the image service for a size a level-0
 * server lacks otherwise): @body, @label and @thumbnail (image_parts, the
 * thumbnail may be NULL) are stolen. */
static json_t *canvas_new(const vt_asset *a, const char *canvas_url, json_t *body, json_t *label,
                          json_t *thumbnail)
{
    g_autofree char *page = g_strconcat(canvas_url, "/page/1", NULL);
    g_autofree char *annotation = g_strconcat(canvas_url, "/annotation/1", NULL);
    /* Without json_pack(): two canvases per asset, and the URLs are
     * canvas_url_new()'s, checked there. */
    json_t *painting = vt_jsonbuild_object(
        "id", vt_jsonbuild_text(annotation), "type", literal("Annotation"),
        "motivation", literal("painting"), "body", body, "target",
        vt_jsonbuild_text(canvas_url), NULL);
    json_t *canvas = vt_jsonbuild_object("id", vt_jsonbuild_text(canvas_url), "type",
                                         literal("Canvas"), "label", label, "width",
                                         json_integer(a->width), "height",
                                         json_integer(a->height), NULL);
    if (canvas && thumbnail)
        json_object_set_new_nocheck(canvas, "thumbnail", thumbnail);
    else
        json_decref(thumbnail);
    json_t *items = one_of(vt_jsonbuild_object("id", vt_jsonbuild_text(page), "type",
                                               literal("AnnotationPage"), "items",
                                               one_of(painting), NULL));
    if (canvas && items && json_object_set_new_nocheck(canvas, "items", items) == 0)
        return canvas;
    if (canvas)
        json_decref(canvas);
    else
        json_decref(items);
    return NULL;
}

/* The thumbnail array, or NULL when there is none to give (static without
 * an info.json: a level-0 server has no other size to offer). */
static json_t *thumbnail_new(const vt_config *c, const vt_asset *a, const image_info *im)
{
    int w, h;
    if (c->server == VT_SERVER_STATIC) {
        if (!im->sizes || vt_url_static_thumbnail_size(c, a->id, a->visibility, &w, &h) != VT_OK)
            return NULL;
    } else {
        /* "!T,T": scaled to fit T x T, never up. */
        vt_url_fit(a->width, a->height, c->thumbnail_size > 0 ? c->thumbnail_size : 1, &w, &h);
    }
    g_autofree char *url = vt_url_thumbnail(c, a->id, a->visibility, w, h);
    if (!url)
        return NULL;
    /* The images base URL in it was checked by image_info_init(). */
    return one_of(vt_jsonbuild_object("id", vt_jsonbuild_text(url), "type",
                                      literal("Image"), "format",
                                      literal(IMAGE_FORMAT), "width", json_integer(w),
                                      "height", json_integer(h), "service",
                                      one_of(json_incref(im->service)), NULL));
}

/* The URL of @a's canvas, checked to be UTF-8 (it holds the site's base
 * URL, which nothing checked), or NULL with the message set. */
static char *canvas_url_new(const vt_config *c, const vt_asset *a)
{
    char *url = vt_url_canvas(c, a->id);
    if (url && !g_utf8_validate(url, -1, NULL)) {
        base_url_not_utf8(a);
        g_clear_pointer(&url, g_free);
    }
    return url;
}

/* True when @c has images settings @s; @s takes @c's when it has none. */
static bool image_settings_match(image_settings *s, const vt_config *c)
{
    if (!s->set) {
        *s = (image_settings){ true, c->server, c->thumbnail_size,
                               { g_strdup(c->images_base_url),
                                 g_strdup(c->images_internal_base_url) },
                               { g_strdup(c->images_dir), g_strdup(c->images_internal_dir) } };
        return true;
    }
    return s->server == c->server && s->thumbnail_size == c->thumbnail_size &&
           g_strcmp0(s->base_url[0], c->images_base_url) == 0 &&
           g_strcmp0(s->base_url[1], c->images_internal_base_url) == 0 &&
           g_strcmp0(s->dir[0], c->images_dir) == 0 &&
           g_strcmp0(s->dir[1], c->images_internal_dir) == 0;
}

/* Asset @a's painting body and thumbnail (*@ret_thumbnail NULL: none), new
 * references; @k is its known index (known_index()). Made once per batch
 * for a known asset, while the config's images settings stay those of the
 * first document that made them: the canvases of the asset's manifests and
 * of the intervention manifests, in both audiences, then share them (they
 * were a third of an intervention manifest). The canvas itself is the
 * document's own: its id holds the audience's base URL, and the site sets
 * its annotations. */
static vt_status image_parts_get(const vt_config *c, const vt_asset *a, size_t k,
                                 json_t **ret_body, json_t **ret_thumbnail)
{
    image_parts *slot = k < known_views.n && image_settings_match(&known_views.settings, c)
                            ? &known_views.images[k]
                            : NULL;
    if (slot && slot->body) {
        *ret_body = json_incref(slot->body);
        *ret_thumbnail = json_incref(slot->thumbnail);
        return VT_OK;
    }
    image_info im;
    vt_status st = image_info_init(c, a, &im);
    if (st != VT_OK)
        return st;
    json_t *body = image_body_new(c, a, &im);
    json_t *thumbnail = body ? thumbnail_new(c, a, &im) : NULL;
    image_info_clear(&im);
    if (!body)
        return vt_error_set(VT_ERR_NOMEM, "manifest: out of memory");
    if (slot) {
        slot->body = json_incref(body);
        slot->thumbnail = json_incref(thumbnail);
    }
    *ret_body = body;
    *ret_thumbnail = thumbnail;
    return VT_OK;
}

/* ------------------------------------------------------------------ */
/* Manifests */

/* A context array: Content Search's before Presentation's, which must be
 * last (both specifications say so). */
static json_t *context_with_search(void)
{
    json_t *list = shared_get("@context");
    if (list)
        return list;
    list = json_array();
    if (json_array_append_new(list, literal(VT_MANIFEST_SEARCH_CONTEXT)) != 0 ||
        json_array_append_new(list, literal(VT_MANIFEST_CONTEXT)) != 0)
        g_clear_pointer(&list, json_decref);
    return shared_keep("@context", list);
}

/* Content Search on asset @id, as two services: Search 2 (the current
 * API) and Search 1 (the only one Mirador 4 recognises, by its profile;
 * Universal Viewer reads it too). Their ids are paths (the CGI reads
 * PATH_INFO), so that a client can append "?q=word". */
static json_t *search_service_new(const vt_config *c, const char *id)
{
    g_autofree char *search = vt_url_search(c);
    g_autofree char *url2 = g_strconcat(search, "/manifest/", id, NULL);
    g_autofree char *auto2 = g_strconcat(search, "/autocomplete/", id, NULL);
    g_autofree char *url1 = g_strconcat(url2, "/v1", NULL);
    g_autofree char *auto1 = g_strconcat(auto2, "/v1", NULL);
    /* Without json_pack() (one per asset manifest): the URLs hold the
     * site's base URL, which the caller checked (canvas_url_new()), and
     * the asset id; the rest are our literals. */
    json_t *search2 = vt_jsonbuild_object(
        "id", vt_jsonbuild_text(url2), "type", literal("SearchService2"), "service",
        one_of(vt_jsonbuild_object("id", vt_jsonbuild_text(auto2), "type",
                                   literal("AutoCompleteService2"), NULL)),
        NULL);
    json_t *search1 = vt_jsonbuild_object(
        "@context", literal(VT_MANIFEST_SEARCH1_CONTEXT), "@id",
        vt_jsonbuild_text(url1), "@type", literal("SearchService1"), "profile",
        literal(VT_MANIFEST_SEARCH1_PROFILE), "service",
        one_of(vt_jsonbuild_object("@id", vt_jsonbuild_text(auto1), "@type",
                                   literal("AutoCompleteService1"), "profile",
                                   literal(VT_MANIFEST_AUTOCOMPLETE1_PROFILE), NULL)),
        NULL);
    json_t *list = one_of(search2);
    if (!list || !search1) {
        json_decref(list);
        json_decref(search1);
        return NULL;
    }
    if (json_array_append_new(list, search1) != 0)
        g_clear_pointer(&list, json_decref); /* jansson freed search1 */
    return list;
}

static json_t *done(json_t *doc, const char *what, const char *name)
{
    if (!doc)
        vt_error_set(VT_ERR_NOMEM, "manifest: out of memory building the %s of %s", what, name);
    return doc;
}

static json_t *intervention_label(const char *number, const json_t *titles);
static json_t *intervention_titles(const json_t *const *harvested, size_t n);

/* The label of @a's intervention as its collection labels itself, from
 * @harvested (its harvested fields, in known_part()'s view argument): the
 * same in both trees, so made once (merging the harvested fields again was
 * 2.6% of a rebuild). */
static json_t *asset_intervention_label(const vt_asset *a, const json_t *harvested)
{
    json_t *titles = intervention_titles(&harvested, 1);
    json_t *label = intervention_label(a->intervention, titles);
    json_decref(titles);
    return label;
}

json_t *vt_manifest_asset(const vt_config *c, const vt_asset *a, const json_t *harvested_fields,
                          const char *audience)
{
    if (check_asset(a) != VT_OK || check_audience(audience, &a, 1) != VT_OK)
        return NULL;
    json_t *view = NULL;
    if (merged_view(a, harvested_fields, &view) != VT_OK)
        return NULL;
    size_t k = known_index(a, harvested_fields);
    json_t *body = NULL, *thumbnail = NULL;
    g_autofree char *canvas_url = canvas_url_new(c, a);
    if (!canvas_url || image_parts_get(c, a, k, &body, &thumbnail) != VT_OK) {
        json_decref(view);
        return NULL;
    }

    g_autofree char *id = vt_url_manifest(c, a->id);
    g_autofree char *page = vt_url_page(c, a->id);
    g_autofree char *see_also = asset_json_url(c, a->id);
    g_autofree char *rights = rights_uri(view);
    if (!rights && c->site_rights && vt_config_rights_valid(c->site_rights))
        rights = g_strdup(c->site_rights);
    g_autofree char *department = department_id_valid(a->department)
                                      ? vt_manifest_url_department(c, a->department)
                                      : NULL;
    /* An intervention number that cannot be a URL has no collection (see
     * vt_manifest_intervention_valid); the asset is published all the same. */
    g_autofree char *intervention = vt_manifest_intervention_valid(a->intervention)
                                        ? vt_manifest_url_intervention_collection(c,
                                                                                  a->intervention)
                                        : NULL;
    const char *dept_label = department_label(c, a->department);

    /* Each reference labelled as the document it names labels itself. */
    json_t *part_of = json_array();
    if (intervention)
        json_array_append_new(part_of,
                              ref_new(vt_jsonbuild_text(intervention), "Collection",
                                      known_part(k, PART_INTERVENTION_LABEL,
                                                 asset_intervention_label, a, harvested_fields)));
    if (department)
        json_array_append_new(part_of,
                              ref_new(vt_jsonbuild_text(department), "Collection",
                                      lang_map_one("en", dept_label)));

    /* One label in three places (the manifest, its canvas, its homepage),
     * and with the metadata and summary in the other audience's manifest
     * (known_part): jansson values may be shared, documents are only
     * written out. */
    json_t *label = known_part(k, PART_LABEL, asset_label, a, view);
    /* Without json_pack() (two manifests per asset): the URLs are the
     * site's base URL, which canvas_url_new() checked, with the asset
     * id, a department id, an intervention number or a language tag (all
     * ASCII, checked), so they go in unchecked; the rest are our literals.
     * Keys in json_pack()'s order, "o*" ones left out. */
    json_t *doc = vt_jsonbuild_object("@context", context_with_search(), "id",
                                      vt_jsonbuild_text(id), "type",
                                      literal("Manifest"), "label", json_incref(label),
                                      NULL);
    vt_jsonbuild_set(&doc, "summary", known_part(k, PART_SUMMARY, summary_new, a, view), true);
    vt_jsonbuild_set(&doc, "metadata", known_part(k, PART_METADATA, metadata_new, a, view),
                     false);
    vt_jsonbuild_set(&doc, "requiredStatement", attribution_shared(c, dept_label), false);
    /* "s*": left out when there are none, bad UTF-8 fails the document. */
    vt_jsonbuild_set(&doc, "rights", rights ? vt_jsonbuild_string(rights) : NULL, !rights);
    /* The same thumbnail on the manifest and its canvas. */
    vt_jsonbuild_set(&doc, "thumbnail", json_incref(thumbnail), true);
    vt_jsonbuild_set(&doc, "items",
                     one_of(canvas_new(a, canvas_url, body, json_incref(label), thumbnail)),
                     false);
    vt_jsonbuild_set(&doc, "seeAlso",
                     one_of(vt_jsonbuild_object("id", vt_jsonbuild_text(see_also), "type",
                                                literal("Dataset"), "format",
                                                literal("application/json"), NULL)),
                     false);
    vt_jsonbuild_set(&doc, "homepage",
                     one_of(vt_jsonbuild_object("id", vt_jsonbuild_text(page), "type",
                                                literal("Text"), "label", label,
                                                "format", literal("text/html"), NULL)),
                     false);
    vt_jsonbuild_set(&doc, "partOf", part_of, false);
    vt_jsonbuild_set(&doc, "service", search_service_new(c, a->id), false);
    json_decref(view);
    return done(doc, "manifest", a->id);
}

/* "Intervention N" in every language of @titles (a language map), with
 * ": title" appended; "Intervention N" alone ("none") without titles. */
static json_t *intervention_label(const char *number, const json_t *titles)
{
    json_t *map = json_object();
    const char *lang;
    json_t *list;
    json_object_foreach((json_t *)titles, lang, list) {
        size_t i;
        json_t *t;
        json_array_foreach(list, i, t) {
            g_autofree char *text =
                g_strdup_printf("Intervention %s: %s", number, json_string_value(t));
            lang_map_add(map, lang, text_new(text));
        }
    }
    if (json_object_size(map) == 0) {
        g_autofree char *text = g_strdup_printf("Intervention %s", number);
        lang_map_add(map, "none", text_new(text));
    }
    return map;
}

/* The titles of harvested fields @harvested (a language map, new
 * reference), or NULL; made once for known ones (vt_manifest_views_set). */
static json_t *harvested_titles(const json_t *harvested)
{
    gpointer made = NULL;
    bool known = known_views.titles &&
                 g_hash_table_lookup_extended(known_views.titles, harvested, NULL, &made);
    if (made)
        return json_is_null((json_t *)made) ? NULL : json_incref(made);
    json_t *view = NULL;
    if (merged_view(NULL, harvested, &view) != VT_OK)
        return NULL;
    json_t *map = lang_map_from_values(json_object_get(view, "title"), false);
    json_decref(view);
    if (known)
        g_hash_table_insert(known_views.titles, (gpointer)harvested,
                            map ? json_incref(map) : json_null());
    return map;
}

/* The titles of the first harvested record that has one (a language map),
 * or NULL. All assets of an intervention normally share one record. */
static json_t *intervention_titles(const json_t *const *harvested, size_t n)
{
    for (size_t i = 0; harvested && i < n; i++) {
        json_t *map = harvested[i] ? harvested_titles(harvested[i]) : NULL;
        if (map)
            return map;
    }
    return NULL;
}

/* Checks shared by the functions that take a list of assets. */
static vt_status check_assets(const vt_asset *const *assets, size_t n, const char *intervention,
                              const char *department, const char *audience)
{
    if (n > 0 && !assets)
        return vt_error_set(VT_ERR_INVALID, "manifest: no assets given");
    for (size_t i = 0; i < n; i++) {
        vt_status status = check_asset(assets[i]);
        if (status != VT_OK)
            return status;
        if (intervention && g_strcmp0(assets[i]->intervention, intervention) != 0)
            return vt_error_set(VT_ERR_INVALID,
                                "manifest: asset %s belongs to intervention %s, not %s",
                                assets[i]->id,
                                assets[i]->intervention ? assets[i]->intervention : "(none)",
                                intervention);
        if (department && g_strcmp0(assets[i]->department, department) != 0)
            return vt_error_set(VT_ERR_INVALID,
                                "manifest: asset %s belongs to department %s, not %s",
                                assets[i]->id,
                                assets[i]->department ? assets[i]->department : "(none)",
                                department);
    }
    return check_audience(audience, assets, n);
}

json_t *vt_manifest_intervention(const vt_config *c, const char *number,
                                 const vt_asset *const *assets, const json_t *const *harvested,
                                 size_t n_assets, const char *audience)
{
    if (check_intervention(number) != VT_OK ||
        check_assets(assets, n_assets, number, NULL, audience) != VT_OK)
        return NULL;
    if (n_assets == 0) {
        vt_error_set(VT_ERR_INVALID, "manifest: intervention %s has no asset to show", number);
        return NULL;
    }

    json_t *canvases = json_array();
    json_t *thumbnail = NULL;
    /* Department labels, once each, in the order met. */
    g_autoptr(GPtrArray) labels = g_ptr_array_new();
    for (size_t i = 0; i < n_assets; i++) {
        const vt_asset *a = assets[i];
        const json_t *h = harvested ? harvested[i] : NULL;
        size_t known = known_index(a, h);
        json_t *view = NULL, *body = NULL, *canvas_thumbnail = NULL;
        g_autofree char *canvas_url = NULL;
        if (merged_view(a, h, &view) != VT_OK || !(canvas_url = canvas_url_new(c, a)) ||
            image_parts_get(c, a, known, &body, &canvas_thumbnail) != VT_OK) {
            json_decref(view);
            json_decref(canvases);
            json_decref(thumbnail);
            return NULL;
        }
        /* The manifest's thumbnail is the first canvas's that has one. */
        if (!thumbnail && canvas_thumbnail)
            thumbnail = json_incref(canvas_thumbnail);
        json_array_append_new(canvases,
                              canvas_new(a, canvas_url, body,
                                         known_part(known, PART_LABEL, asset_label, a, view),
                                         canvas_thumbnail));
        json_decref(view);

        const char *label = department_label(c, a->department);
        bool seen = false;
        for (guint k = 0; k < labels->len && !seen; k++)
            seen = strcmp(labels->pdata[k], label) == 0;
        if (!seen)
            g_ptr_array_add(labels, (gpointer)label);
    }

    g_autofree char *id = vt_manifest_url_intervention(c, number);
    g_autofree char *collection = vt_manifest_url_intervention_collection(c, number);
    json_t *titles = intervention_titles(harvested, n_assets);
    /* One label in three places: documents are only written out. */
    json_t *label = intervention_label(number, titles);
    json_decref(titles);
    /* The intervention's page on the site (sitegen/vt_site.h). */
    g_autofree char *page = g_strconcat(c->site_base_url, "/interventions/", number, ".html", NULL);
    /* Without json_pack(), keys in its order: the URLs hold the site's base
     * URL, which canvas_url_new() checked, and the number (ASCII,
     * checked). */
    json_t *doc = vt_jsonbuild_object(
        "@context", literal(VT_MANIFEST_CONTEXT), "id", vt_jsonbuild_text(id), "type",
        literal("Manifest"), "label", json_incref(label), "requiredStatement",
        attribution_new(c, (const char *const *)labels->pdata, labels->len), NULL);
    vt_jsonbuild_set(&doc, "thumbnail", thumbnail, true);
    vt_jsonbuild_set(&doc, "partOf",
                     one_of(ref_new(vt_jsonbuild_text(collection), "Collection",
                                    json_incref(label))),
                     false);
    vt_jsonbuild_set(&doc, "items", canvases, false);
    vt_jsonbuild_set(&doc, "homepage",
                     one_of(vt_jsonbuild_object("id", vt_jsonbuild_text(page), "type",
                                                literal("Text"), "label", label, "format",
                                                literal("text/html"), NULL)),
                     false);
    /* Each canvas's own rights are in its asset's manifest; the whole
     * states the institution's default. */
    if (c->site_rights && vt_config_rights_valid(c->site_rights))
        vt_jsonbuild_set(&doc, "rights", vt_jsonbuild_string(c->site_rights), true);
    return done(doc, "intervention manifest", number);
}

/* ------------------------------------------------------------------ */
/* Collections */

/* {"@context", id, type Collection, label, ...}; @label and @items are
 * stolen, @part_of (a URL, may be NULL) is the parent collection. */
static json_t *collection_new(const char *id, json_t *label, json_t *items, const char *part_of)
{
    /* Without json_pack(), keys in its order. The URLs hold the site's
     * base URL, which nothing checked here. */
    json_t *doc = vt_jsonbuild_object("@context", literal(VT_MANIFEST_CONTEXT), "id",
                                      vt_jsonbuild_string(id), "type", literal("Collection"),
                                      "label", label, NULL);
    if (part_of)
        vt_jsonbuild_set(&doc, "partOf",
                         one_of(ref_new(vt_jsonbuild_string(part_of), "Collection", NULL)),
                         false);
    vt_jsonbuild_set(&doc, "items", items, false);
    return doc;
}

/* A Manifest reference per asset, labelled with its title. */
static json_t *manifest_refs_new(const vt_config *c, const vt_asset *const *assets,
                                 const json_t *const *harvested, size_t n)
{
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *view = NULL;
        if (merged_view(assets[i], harvested ? harvested[i] : NULL, &view) != VT_OK) {
            json_decref(items);
            return NULL;
        }
        g_autofree char *url = vt_url_manifest(c, assets[i]->id);
        size_t k = known_index(assets[i], harvested ? harvested[i] : NULL);
        json_array_append_new(items, ref_new(vt_jsonbuild_string(url), "Manifest",
                                             known_part(k, PART_LABEL, asset_label, assets[i],
                                                        view)));
        json_decref(view);
    }
    return items;
}

json_t *vt_manifest_collection_top(const vt_config *c, const vt_department *const *departments,
                                   size_t n_departments)
{
    json_t *items = json_array();
    for (size_t i = 0; i < n_departments; i++) {
        const vt_department *d = departments[i];
        g_autofree char *url = vt_manifest_url_department(c, d ? d->id : NULL);
        if (!url) {
            json_decref(items);
            return NULL;
        }
        json_array_append_new(items, ref_new(vt_jsonbuild_string(url), "Collection",
                                             lang_map_one("en", department_label(c, d->id))));
    }
    g_autofree char *id = vt_manifest_url_top(c);
    return done(collection_new(id, lang_map_one("en", "All departments"), items, NULL),
                "collection", "all departments");
}

json_t *vt_manifest_collection_department(const vt_config *c, const vt_department *d,
                                          const vt_asset *const *assets,
                                          const json_t *const *harvested, size_t n_assets,
                                          const char *audience)
{
    g_autofree char *id = vt_manifest_url_department(c, d ? d->id : NULL);
    if (!id || check_assets(assets, n_assets, NULL, d->id, audience) != VT_OK)
        return NULL;
    json_t *items = manifest_refs_new(c, assets, harvested, n_assets);
    if (!items)
        return NULL;
    g_autofree char *top = vt_manifest_url_top(c);
    const char *label = department_label(c, d->id);
    json_t *doc = collection_new(id, lang_map_one("en", label), items, top);
    if (doc && json_object_set_new(doc, "requiredStatement", attribution_new(c, &label, 1)) != 0)
        g_clear_pointer(&doc, json_decref);
    return done(doc, "collection", d->id);
}

json_t *vt_manifest_collection_intervention(const vt_config *c, const char *number,
                                            const vt_asset *const *assets,
                                            const json_t *const *harvested, size_t n_assets,
                                            const char *audience)
{
    if (check_intervention(number) != VT_OK ||
        check_assets(assets, n_assets, number, NULL, audience) != VT_OK)
        return NULL;
    json_t *titles = intervention_titles(harvested, n_assets);
    /* One label in two places: documents are only written out. */
    json_t *label = intervention_label(number, titles);
    json_decref(titles);
    json_t *items = json_array();
    if (n_assets > 0) {
        g_autofree char *manifest = vt_manifest_url_intervention(c, number);
        json_array_append_new(items, ref_new(vt_jsonbuild_string(manifest), "Manifest",
                                             json_incref(label)));
    }
    json_t *refs = manifest_refs_new(c, assets, harvested, n_assets);
    if (!refs) {
        json_decref(items);
        json_decref(label);
        return NULL;  /* the message is set */
    }
    int rc = json_array_extend(items, refs);
    json_decref(refs);
    if (rc != 0) {
        json_decref(items);
        json_decref(label);
        return done(NULL, "collection of intervention", number);
    }
    g_autofree char *id = vt_manifest_url_intervention_collection(c, number);
    return done(collection_new(id, label, items, NULL), "collection of intervention", number);
}
