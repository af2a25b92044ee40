/* vt_site_pages.c: the HTML pages (templates/README.md gives their data)
 * and each asset's documents (JSON record, IIIF manifest). */
#include "vt_site_private.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "vt_audit.h"
#include "vt_jsonbuild.h"
#include "vt_jsonout.h"
#include "vt_manifest.h"
#include "vt_meta.h"
#include "vt_staff.h"
#include "vt_url.h"

/* ------------------------------------------------------------ rendering */

static json_t *departments_json(const vt_site_tree *t, vt_txn *txn, const char *root,
                               bool with_counts)
{
    json_t *list = json_array();
    for (size_t i = 0; i < t->view.n_departments; i++) {
        const vt_department *d = &t->view.departments[i];
        if (!vt__site_department_shown(t, d))
            continue;
        g_autofree char *url = g_strconcat(root, "departments/", d->id, "/index.html", NULL);
        json_t *dep = json_pack("{s:s, s:s, s:s}", "id", d->id, "label", d->label, "url", url);
        /* Counts only where the page is rewritten with every change. */
        if (with_counts)
            json_object_set_new(dep, "count", json_integer((json_int_t)vt_publog_count(
                                                  txn, d->id, t->audience)));
        json_array_append_new(list, dep);
    }
    return list;
}

/* The language's own name, for the language switch. */
static const char *language_name(const char *lang)
{
    static const char *const names[][2] = {
        {"nl", "Nederlands"}, {"fr", "Français"}, {"en", "English"}, {"de", "Deutsch"},
        {"it", "Italiano"}, {"es", "Español"}, {"pt", "Português"}, {"la", "Latina"}};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(names[i][0], lang) == 0)
            return names[i][1];
    return lang;
}

/* Sets @key of the copy of @node in *@copy (made on first use, shallow):
 * @value stolen; NULL (bad UTF-8) leaves the key as it was. */
static void set_in_copy(json_t **copy, json_t *node, const char *key, json_t *value)
{
    if (!value)
        return;
    if (!*copy)
        *copy = json_copy(node);
    json_object_set_new(*copy, key, value);
}

/* A "values" list ([{value, lang}]) in the page's language: the values in
 * @lang first, then those without a language, then the others, each of
 * those a copy marked "other": true (the page shows its language); a value
 * whose text was already shown is dropped, so the same word never stands
 * there once per language. New array. */
static json_t *values_in_lang(json_t *values, const char *lang)
{
    json_t *sorted = json_array();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (int pass = 0; pass < 3; pass++) {
        size_t i;
        json_t *e;
        json_array_foreach(values, i, e) {
            const char *l = json_string_value(json_object_get(e, "lang"));
            const char *text = json_string_value(json_object_get(e, "value"));
            int rank = !l ? 1 : strcmp(l, lang) == 0 ? 0 : 2;
            if (rank != pass || (text && g_hash_table_contains(seen, text)))
                continue;
            if (text)
                g_hash_table_add(seen, (gpointer)text);
            json_t *copy = json_copy(e);
            if (rank == 2)
                json_object_set_new(copy, "other", json_true());
            json_array_append_new(sorted, copy);
        }
    }
    g_hash_table_destroy(seen);
    return sorted;
}

/* @node in the page's language @lang: every "values" list of it in that
 * language (values_in_lang), metadata field labels translated by @cat, and
 * a title in the language ({labels: {lang: title}}) as the label. New
 * reference: @node itself where nothing changes, else a copy of the
 * objects and arrays on the way to a change that shares the rest, so that
 * the page's data stays as it is for its other languages (a deep copy of
 * it per language cost more than rendering the page). */
static json_t *localised(json_t *node, const char *lang, const vt_i18n *cat)
{
    json_t *copy = NULL;
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v) {
            json_t *l = localised(v, lang, cat);
            if (l != v && !copy) {
                copy = json_array();
                for (size_t k = 0; k < i; k++)
                    json_array_append(copy, json_array_get(node, k));
            }
            if (copy)
                json_array_append_new(copy, l);
            else
                json_decref(l);
        }
        return copy ? copy : json_incref(node);
    }
    if (!json_is_object(node))
        return json_incref(node);
    /* A metadata field's label, made from its name ("Keywords"), in the
     * page's language where the catalogue has it (po/field-labels). */
    const char *field_label = json_string_value(json_object_get(node, "label"));
    if (field_label && json_is_string(json_object_get(node, "name")) &&
        (json_object_get(node, "values") || json_object_get(node, "kind"))) {
        const char *translated = vt_i18n_gettext(cat, field_label);
        if (strcmp(translated, field_label) != 0)
            set_in_copy(&copy, node, "label", json_string(translated));
    }
    const char *own = json_string_value(json_object_get(json_object_get(node, "labels"), lang));
    if (own) {
        set_in_copy(&copy, node, "label", json_string(own));
        set_in_copy(&copy, node, "lang", json_string(lang));
    }
    /* Over the copy if there is one already (its label is final), else over
     * @node, copying it at the first change below. */
    json_t *current = copy ? copy : node;
    const char *key;
    json_t *v;
    json_object_foreach(current, key, v) {
        json_t *l = strcmp(key, "values") == 0 && json_is_array(v) ? values_in_lang(v, lang)
                                                                    : localised(v, lang, cat);
        if (l == v)
            json_decref(l);
        else
            set_in_copy(&copy, node, key, l);
    }
    return copy ? copy : json_incref(node);
}

char *vt__site_page_prefix(const vt_site *s, size_t i)
{
    if (s->n_languages < 2)
        return g_strdup("");
    return g_strconcat(vt_i18n_lang(s->catalogues[i]), "/", NULL);
}

unsigned vt__site_remove_page(const vt_site *s, const vt_site_tree *t, const char *rel)
{
    unsigned n = 0;
    for (size_t i = 0; i < MAX(s->n_languages, 1); i++) {
        g_autofree char *prefix = vt__site_page_prefix(s, i);
        g_autofree char *path = g_strconcat(prefix, rel, NULL);
        n += vt__site_remove(t, path);
    }
    return n;
}

/* [{lang, name, url (from this page), href (absolute), current}] of page
 * @rel, @shared being the way from it to the tree's root. */
static json_t *languages_json(const vt_site *s, const vt_site_tree *t, const char *kind,
                              const char *shared, const char *rel, size_t current)
{
    json_t *list = json_array();
    /* The 404 page is served at any address: its switch goes home. */
    const char *target = strcmp(kind, "notfound") == 0 ? "index.html" : rel;
    for (size_t i = 0; i < s->n_languages; i++) {
        const char *lang = vt_i18n_lang(s->catalogues[i]);
        g_autofree char *url = g_strconcat(shared, lang, "/", target, NULL);
        g_autofree char *href = g_strconcat(t->view.site_base_url, "/", lang, "/", target, NULL);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:b}", "lang", lang, "name",
                                              language_name(lang), "url", url, "href", href,
                                              "current", i == current));
    }
    return list;
}

/* The way from a page @root away from its folder to the tree's root: the
 * same with one language; with more, the language's folder is one level
 * further down, and the shared files (static/, iiif/, assets/ID.json,
 * terms.json) are one folder up. Caller frees. */
static char *shared_root(const vt_site *s, const char *root)
{
    bool absolute = strstr(root, "://") != NULL;
    return s->n_languages < 2 || absolute ? g_strdup(root) : g_strconcat(root, "../", NULL);
}

/* The pages' "site" object (templates/README.md) for a page @root away
 * from the tree's root (new reference). */
static json_t *site_json(const vt_site *s, const vt_site_tree *t, vt_txn *txn, const char *root)
{
    g_autofree char *search = vt_url_search(&t->view);
    g_autofree char *shared = shared_root(s, root);
    g_autofree char *terms = g_strconcat(shared, "terms.json", NULL);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:o}", "title",
                     t->view.site_title, "root", shared, "pages", root, "base",
                     t->view.site_base_url, "audience", vt_audience_name(t->audience),
                     "internal", t->audience == VT_AUDIENCE_INTERNAL, "search_url", search,
                     "terms_url", terms, "departments", departments_json(t, txn, root, false));
}

/* The roots of nearly every page (home, assets/ and interventions/,
 * departments/D/): their "site" objects are made once per tree. */
static const char *const site_roots[] = {"", "../", "../../"};
G_STATIC_ASSERT(G_N_ELEMENTS(site_roots) == VT_SITE_ROOTS);

/* True when @text is NULL or valid UTF-8, by jansson's own check (the one
 * json_string() makes). */
static bool utf8_or_null(const char *text)
{
    if (!text)
        return true;
    json_t *probe = json_string(text);
    bool valid = probe != NULL;
    json_decref(probe);
    return valid;
}

void vt__site_tree_contexts(const vt_site *s, vt_site_tree *t)
{
    const vt_config *c = &t->view;
    t->urls_utf8 = utf8_or_null(c->site_base_url) && utf8_or_null(c->images_base_url) &&
                   utf8_or_null(c->images_internal_base_url) &&
                   utf8_or_null(c->site_originals_base_url);
    for (size_t i = 0; i < VT_SITE_ROOTS; i++)
        t->site_json[i] = site_json(s, t, NULL, site_roots[i]);
}

/* The fixed pages' titles are interface text; the others' are data. */
static bool title_is_text(const char *kind)
{
    static const char *const kinds[] = {"search", "favourites", "compare", "story", "notfound"};
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
        if (strcmp(kinds[i], kind) == 0)
            return true;
    return false;
}

vt_status vt__site_render(const vt_site *s, const vt_site_tree *t, vt_txn *txn, const char *name,
                          const char *kind, const char *title, const char *root, json_t *extra,
                          const char *rel)
{
    json_t *base = extra ? extra : json_object();
    vt_status st = VT_OK;
    bool absolute = strstr(root, "://") != NULL;
    g_autofree char *shared = shared_root(s, root);
    json_t *made = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(t->site_json) && !made; i++)
        if (t->site_json[i] && strcmp(site_roots[i], root) == 0)
            made = json_incref(t->site_json[i]);
    json_object_set_new(base, "site", made ? made : site_json(s, t, txn, root));
    for (size_t i = 0; i < MAX(s->n_languages, 1) && st == VT_OK; i++) {
        const vt_i18n *cat = s->n_languages ? s->catalogues[i] : NULL;
        const char *lang = cat ? vt_i18n_lang(cat) : "en";
        g_autofree char *prefix = vt__site_page_prefix(s, i);
        g_autofree char *path = g_strconcat(prefix, rel, NULL);
        json_t *ctx = s->n_languages ? localised(base, lang, cat) : json_incref(base);
        if (s->n_languages) {
            /* "page" is set below, in this language's context only. */
            if (ctx == base) {
                json_decref(ctx);
                ctx = json_copy(base);
            }
            if (absolute) {
                g_autofree char *pages = g_strconcat(root, prefix, NULL);
                json_t *site = json_copy(json_object_get(ctx, "site"));
                json_object_set_new(site, "pages", json_string(pages));
                json_object_set_new(site, "departments", departments_json(t, txn, pages, false));
                json_object_set_new(ctx, "site", site);
            }
        }
        const char *own = json_string_value(
            json_object_get(json_object_get(ctx, "asset"), "label"));
        /* An asset's title in the page's language (localised). */
        const char *page_title = strcmp(kind, "asset") == 0 && own ? own : title;
        /* The kind is our literal; the title is from the store, the
         * catalogue or the config, the language from the config (checked). */
        json_t *page = vt_jsonbuild_object(
            "kind", vt_jsonbuild_text(kind), "title",
            vt_jsonbuild_string(title_is_text(kind) ? vt_i18n_gettext(cat, page_title) : page_title),
            "lang", vt_jsonbuild_string(lang), NULL);
        if (s->n_languages > 1) {
            json_object_set_new(page, "multilingual", json_true());
            json_object_set_new(page, "languages",
                                languages_json(s, t, kind, shared, rel, i));
        }
        json_object_set_new(ctx, "page", page);
        GString *out = vt__site_text_buffer();
        st = vt_template_render_translated(s->templates, name, ctx,
                                           cat ? vt_i18n_translate : NULL, (void *)cat, out);
        if (st == VT_OK)
            st = vt__site_write(t, path, out->str, out->len);
        /* The web servers answer any missing address with <tree>/404.html
         * (docs/web): the default language's. */
        if (st == VT_OK && i == 0 && *prefix && strcmp(kind, "notfound") == 0)
            st = vt__site_write(t, rel, out->str, out->len);
        json_decref(ctx);
    }
    json_decref(base);
    return st;
}

/* ------------------------------------------------------------ asset */

/* {harvested: [field], custom: [field], embedded: [field]} from the view;
 * title, description and visibility are shown elsewhere or not at all. A
 * field's "values" are the view's own entries ({value, lang?, source}),
 * shared rather than copied without their "source" (a new object per value
 * was most of this): the pages read value and lang, never source, and
 * nothing changes them. */
static json_t *metadata_json(const json_t *view)
{
    static const char *const sources[] = {"harvested", "custom", "embedded"};
    json_t *groups[G_N_ELEMENTS(sources)];
    for (size_t k = 0; k < G_N_ELEMENTS(sources); k++)
        groups[k] = json_array();
    /* The groups stay ours to fill (borrowed) once the object holds them. */
    json_t *out = vt_jsonbuild_object(sources[0], groups[0], sources[1], groups[1], sources[2],
                                      groups[2], NULL);
    if (!out)
        return NULL;
    const char *name;
    const json_t *values;
    json_object_foreach((json_t *)view, name, values) {
        if (strcmp(name, "title") == 0 || strcmp(name, "description") == 0 ||
            strcmp(name, "visibility") == 0)
            continue;
        json_t *lists[G_N_ELEMENTS(sources)] = {NULL};
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v) {
            const char *source = json_string_value(json_object_get(v, "source"));
            for (size_t k = 0; k < G_N_ELEMENTS(sources); k++) {
                if (g_strcmp0(source, sources[k]) == 0) {
                    if (!lists[k])
                        lists[k] = json_array();
                    json_array_append(lists[k], v);
                    break;
                }
            }
        }
        g_autofree char *label = NULL;
        for (size_t k = 0; k < G_N_ELEMENTS(sources); k++) {
            if (!lists[k])
                continue;
            if (!label)
                label = vt_meta_field_label(name);
            /* The field's name is a key of the view (the store's text);
             * its label may come from a catalogue: checked. */
            json_array_append_new(groups[k],
                                  vt_jsonbuild_object("name", vt_jsonbuild_text(name), "label",
                                                      vt_jsonbuild_string(label), "values",
                                                      lists[k], NULL));
        }
    }
    return out;
}

/* A JSON string of @url, made of a base URL of @t's config and of ASCII
 * (ids, escaped text, our literals): unchecked when vt__site_tree_contexts
 * found the bases valid UTF-8, else checked (bad UTF-8 then fails the
 * document, as before). */
static json_t *url_json(const vt_site_tree *t, const char *url)
{
    return t->urls_utf8 ? vt_jsonbuild_text(url) : vt_jsonbuild_string(url);
}

/* @v in decimal in @buf, NUL-terminated: vt_jsonout_integer() writes it at
 * the end of its VT_JSONOUT_INTEGER_MAX bytes, and the byte after ends it
 * (g_strdup_printf was a tenth of building an asset page's data). */
static const char *decimal(json_int_t v, char buf[VT_JSONOUT_INTEGER_MAX + 1])
{
    size_t len;
    buf[VT_JSONOUT_INTEGER_MAX] = '\0';
    return vt_jsonout_integer(v, buf, &len);
}

/* "@before@mark<a>@sep<b>@after" (NULL for a NULL @before). Caller
 * frees. */
static char *with_numbers(const char *before, const char *mark, json_int_t a, const char *sep,
                          json_int_t b, const char *after)
{
    char ad[VT_JSONOUT_INTEGER_MAX + 1], bd[VT_JSONOUT_INTEGER_MAX + 1];
    return g_strconcat(before, mark, decimal(a, ad), sep, decimal(b, bd), after, NULL);
}

/* [@text] (stolen), or NULL for NULL. */
static json_t *one_text(json_t *text)
{
    if (!text)
        return NULL;
    json_t *list = json_array();
    json_array_append_new(list, text);
    return list;
}

static json_t *image_json(const vt_site_tree *t, const vt_asset *a)
{
    const vt_config *c = &t->view;
    g_autofree char *service = vt_url_image_service(c, a->id, a->visibility);
    g_autofree char *info = g_strconcat(service, "/info.json", NULL);
    int version = c->server == VT_SERVER_IIPSRV ? 2 : 3;
    int level = c->server == VT_SERVER_STATIC ? 0 : c->server == VT_SERVER_IIPSRV ? 1 : 2;
    return vt_jsonbuild_object("service", url_json(t, service), "info", url_json(t, info),
                               "version", json_integer(version), "level", json_integer(level),
                               NULL);
}

/* Sized JPEGs: the download derivative's size (static: listed in info.json,
 * the largest size there), else the server scales to fit. */
static json_t *downloads_json(const vt_site_tree *t, const vt_asset *a)
{
    const vt_config *c = &t->view;
    g_autofree char *service = vt_url_image_service(c, a->id, a->visibility);
    /* download-size=0: no download JPEG was made; the server makes the
     * whole image (a static tree always has its download). */
    int size = c->download_size > 0 ? c->download_size : MAX(a->width, a->height);
    int side = MIN(size, MAX(a->width, a->height));
    int w, h;
    vt_url_fit(a->width, a->height, size, &w, &h);
    g_autofree char *url = c->server == VT_SERVER_STATIC
                               ? vt_url_image_size(service, false, w, h)
                               : vt_url_image_size(service, true, side, side);
    g_autofree char *label = with_numbers("JPEG, ", "", w, " x ", h, " pixels");
    json_t *list = json_array();
    json_array_append_new(list, vt_jsonbuild_object("label", vt_jsonbuild_text(label), "url",
                                                    url_json(t, url), "width", json_integer(w),
                                                    "height", json_integer(h), NULL));
    return json_array_size(list) ? list : (json_decref(list), NULL);
}

static json_t *original_json(const vt_site_tree *t, const vt_asset *a)
{
    const vt_config *c = &t->view;
    const char *name = vt_asset_file_name(a);
    g_autofree char *url = NULL;
    size_t n = strlen(c->originals_dir);
    if (c->site_originals_base_url && a->original &&
        strncmp(a->original, c->originals_dir, n) == 0 && a->original[n] == '/') {
        g_autofree char *rel = g_uri_escape_string(a->original + n + 1, "/", FALSE);
        url = g_strconcat(c->site_originals_base_url, "/", rel, NULL);
    }
    /* The file's name and digest are the store's text; the URL is the
     * config's originals-base-url and an escaped path. */
    return vt_jsonbuild_object("name", vt_jsonbuild_text(name), "size",
                               json_integer((json_int_t)a->size), "sha256",
                               vt_jsonbuild_text(a->sha256), "url", url_json(t, url), NULL);
}

static json_t *viewers_json(const char *manifest)
{
    /* g_uri_escape_string() leaves only ASCII: the URLs need no check. */
    g_autofree char *m = g_uri_escape_string(manifest, NULL, FALSE);
    g_autofree char *mirador = g_strconcat("https://projectmirador.org/embed/?iiif-content=", m,
                                           NULL);
    g_autofree char *uv = g_strconcat("https://uv-v4.netlify.app/#?manifest=", m, NULL);
    json_t *list = json_array();
    json_array_append_new(list, vt_jsonbuild_object("name", vt_jsonbuild_text("Mirador"), "url",
                                                    vt_jsonbuild_text(mirador), NULL));
    json_array_append_new(list, vt_jsonbuild_object("name", vt_jsonbuild_text("Universal Viewer"),
                                                    "url", vt_jsonbuild_text(uv), NULL));
    return json_array_size(list) == 2 ? list : (json_decref(list), NULL);
}

/* The object the image shows, as the collection records name it, for the
 * asset page's context line: the harvested "object_title" (the demo's
 * mapping), else a harvested "title" that is not already the page's
 * heading (a custom title took its place). NULL when there is none.
 * {"label", "label_lang"?}: its own key names, so that a template section
 * never picks up the page's lang. */
static json_t *object_context(const vt_site_item *item)
{
    const char *fields[] = {"object_title", "title"};
    for (size_t f = 0; f < G_N_ELEMENTS(fields); f++) {
        json_t *harvested = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(item->view, fields[f]), i, v)
            if (g_strcmp0(json_string_value(json_object_get(v, "source")), "harvested") == 0)
                json_array_append(harvested, v);
        const json_t *chosen = vt_meta_label_value(harvested);
        const char *label = chosen ? json_string_value(json_object_get(chosen, "value")) : NULL;
        const char *lang = chosen ? json_string_value(json_object_get(chosen, "lang")) : NULL;
        json_t *out = NULL;
        if (label && (f == 0 || g_strcmp0(label, item->label) != 0)) {
            out = json_pack("{s:s}", "label", label);
            if (lang)
                json_object_set_new(out, "label_lang", json_string(lang));
        }
        json_decref(harvested);
        if (out)
            return out;
    }
    return NULL;
}

/* What an asset's page and record hold the same in both trees: made once,
 * by the first tree's vt__site_asset_write(), and shared by reference
 * (building them again for the second tree and freeing them twice was a
 * third of building a page's data). Only the thread that loaded the item
 * writes its asset pages, one tree after the other, so only that thread
 * touches these; nothing changes them once made. The URLs of a tree's own
 * documents (manifest, page, viewers) are not here. */
struct vt_site_asset_parts {
    json_t *label, *lang, *summary;
    json_t *created, *updated;  /* ISO 8601 */
    json_t *image;              /* image_json(): in the record and on the page */
    json_t *downloads;
    json_t *original;           /* original_json(), made for the internal tree */
    json_t *intervention;       /* {number, url} from assets/, or json_null() */
    json_t *object;             /* object_context(), or NULL */
    json_t *metadata;           /* metadata_json() */
};

void vt__site_asset_parts_clear(vt_site_item *item)
{
    vt_site_asset_parts *p = item->parts;
    if (!p)
        return;
    json_t *all[] = {p->label, p->lang, p->summary, p->created, p->updated, p->image,
                     p->downloads, p->original, p->intervention, p->object, p->metadata};
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
        json_decref(all[i]);
    g_free(p);
    item->parts = NULL;
}

/* ISO 8601 of @unix_seconds as a JSON string (ASCII: no check). */
static json_t *iso_time_json(int64_t unix_seconds)
{
    g_autofree char *text = vt__site_iso_time(unix_seconds);
    return vt_jsonbuild_text(text);
}

/* The parts of @item's documents, made on first use (by the item's own
 * thread, see above). Any part may be NULL (bad UTF-8 in the config): the
 * documents holding it then fail, as when each made its own. */
static vt_site_asset_parts *asset_parts(const vt_site_tree *t, const vt_site_item *item)
{
    vt_site_item *cache = (vt_site_item *)item;
    vt_site_asset_parts *p = cache->parts;
    const vt_asset *a = item->a;
    if (!p) {
        p = cache->parts = g_new0(vt_site_asset_parts, 1);
        p->label = vt_jsonbuild_text(item->label);
        p->lang = vt_jsonbuild_text(item->label_lang);
        /* The first description's text: the view's string itself
         * (vt_meta_merged: checked, without NUL). */
        json_t *summary = json_object_get(
            json_array_get(json_object_get(item->view, "description"), 0), "value");
        p->summary = json_is_string(summary) ? json_incref(summary) : json_null();
        p->created = iso_time_json(a->created);
        p->updated = iso_time_json(a->updated);
        /* The image server's URLs name the asset's own visibility, not the
         * tree's: the same in both. */
        p->image = image_json(t, a);
        p->downloads = downloads_json(t, a);
        p->intervention = json_null();
        if (a->intervention && vt_manifest_intervention_valid(a->intervention)) {
            g_autofree char *url = g_strconcat("../interventions/", a->intervention, ".html",
                                               NULL);
            p->intervention = vt_jsonbuild_object("number", vt_jsonbuild_text(a->intervention),
                                                  "url", vt_jsonbuild_text(url), NULL);
        }
        p->object = object_context(item);
        p->metadata = metadata_json(item->view);
    }
    if (!p->original && t->audience == VT_AUDIENCE_INTERNAL)
        p->original = original_json(t, a);
    return p;
}

/* The asset's JSON record (the manifest's seeAlso): what the pages show,
 * nothing of the server's paths. */
static json_t *record_json(const vt_site_tree *t, const vt_site_item *item,
                           const vt_site_asset_parts *p, const char *manifest)
{
    const vt_asset *a = item->a;
    g_autofree char *page = vt_url_page(&t->view, a->id);
    /* Without json_pack(): the store's text and our times unchecked, the
     * URLs (the config's base URL) as url_json() says; see vt_jsonbuild.h. */
    json_t *rec = vt_jsonbuild_object(
        "id", vt_jsonbuild_text(a->id), "label", json_incref(p->label), "department",
        vt_jsonbuild_text(a->department), "intervention", vt_jsonbuild_text(a->intervention),
        "width", json_integer(a->width), "height", json_integer(a->height), "created",
        json_incref(p->created), "updated", json_incref(p->updated), "manifest",
        url_json(t, manifest), "page", url_json(t, page), "metadata", json_incref(item->view),
        "image", json_incref(p->image), NULL);
    if (t->audience == VT_AUDIENCE_INTERNAL)
        json_object_set(rec, "original", p->original);
    return rec;
}

static char *subcollection_rel(const vt_department *d, uint64_t page);
static char *subcollection_label(const vt_department *d, uint64_t page);

/* The department collection lists its page sub-collections, not assets:
 * an asset manifest's partOf names the sub-collection that lists it, as
 * that one labels itself. */
static void part_of_subcollection(const vt_site_tree *t, const vt_site_item *item,
                                  json_t *manifest)
{
    const vt_department *d = vt_config_department(&t->view, item->a->department);
    if (!d || item->position == 0)
        return;
    g_autofree char *dept_url = vt_manifest_url_department(&t->view, d->id);
    uint64_t page = vt_publog_page_of(item->position);
    g_autofree char *rel = subcollection_rel(d, page);
    g_autofree char *url = g_strconcat(t->view.site_base_url, "/", rel, NULL);
    g_autofree char *label = subcollection_label(d, page);
    json_t *part_of = json_object_get(manifest, "partOf");
    size_t i;
    json_t *ref;
    json_array_foreach(part_of, i, ref) {
        if (g_strcmp0(json_string_value(json_object_get(ref, "id")), dept_url) == 0) {
            /* The label holds the department's (the config's): checked. */
            json_object_set_new_nocheck(ref, "id", url_json(t, url));
            json_object_set_new_nocheck(
                ref, "label",
                vt_jsonbuild_object("en", one_text(vt_jsonbuild_string(label)), NULL));
        }
    }
}

/* "a, b (fr)" for a values array, "" for none. */
static char *values_text(const json_t *values)
{
    GString *out = g_string_new(NULL);
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v) {
        if (i)
            g_string_append(out, ", ");
        g_string_append(out, json_string_value(json_object_get(v, "value")) ?: "");
        const char *lang = json_string_value(json_object_get(v, "lang"));
        if (lang)
            g_string_append_printf(out, " (%s)", lang);
    }
    return g_string_free(out, FALSE);
}

/* The staff part of an internal asset page (the metadata form, the audit
 * trail): {version, edit_url, fields: [{name, label, kind}], history:
 * [{time, user, via, changes: [{field, before, after}]}] newest first, at
 * most 50}. NULL when [staff] cannot be read (the page is still written). */
static json_t *staff_json(const vt_site *s, const vt_site_tree *t, vt_txn *txn, const vt_asset *a)
{
    const vt_staff *staff = s->staff;
    if (!staff)
        return NULL;
    g_autofree char *version = vt_staff_version(a->custom);
    g_autofree char *edit_url = g_strconcat(t->view.site_base_url, "/cgi-bin/vitrine-edit.cgi",
                                            NULL);
    json_t *history = json_array();
    json_t *entries = vt_audit_list(txn, a->id);
    for (size_t i = json_array_size(entries); i-- > 0 && json_array_size(history) < 50;) {
        const json_t *e = json_array_get(entries, i);
        const json_t *before = json_object_get(e, "before"), *after = json_object_get(e, "after");
        json_t *changes = json_array();
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)before, key, v) {
            if (json_equal(v, json_object_get(after, key)))
                continue;
            g_autofree char *b = values_text(v), *n = values_text(json_object_get(after, key));
            json_array_append_new(changes, json_pack("{s:s, s:s, s:s}", "field", key, "before", b,
                                                     "after", n));
        }
        json_object_foreach((json_t *)after, key, v) {
            if (json_object_get(before, key))
                continue;
            g_autofree char *n = values_text(v);
            json_array_append_new(changes, json_pack("{s:s, s:s, s:s}", "field", key, "before", "",
                                                     "after", n));
        }
        g_autofree char *when = vt__site_iso_time(json_integer_value(json_object_get(e, "time")));
        json_array_append_new(history, json_pack("{s:s, s:s, s:s, s:o}", "time", when, "user",
                                                 json_string_value(json_object_get(e, "user")) ?: "",
                                                 "via", json_string_value(json_object_get(e, "via")) ?: "",
                                                 "changes", changes));
    }
    json_decref(entries);
    /* Without json_pack(): the version is hex, the visibility's name our
     * literal; the edit URL is the tree's base URL's. */
    return vt_jsonbuild_object("version", vt_jsonbuild_text(version), "edit_url",
                               url_json(t, edit_url), "fields",
                               vt_staff_fields(staff, a->department), "history", history,
                               "visibility", vt_jsonbuild_text(vt_visibility_name(a->visibility)),
                               NULL);
}

vt_status vt__site_asset_write(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                               const vt_site_item *item)
{
    const vt_asset *a = item->a;
    const vt_config *c = &t->view;
    const char *audience = vt_audience_name(t->audience);

    json_t *manifest = vt_manifest_asset(c, a, item->harvested, audience);
    if (!manifest)
        return VT_ERR_INVALID;
    part_of_subcollection(t, item, manifest);
    json_t *annotations = NULL;   /* vt_site_annotations.c: the file, the canvas's reference */
    vt_status ast = vt__site_annotations_write(s, t, txn, item, manifest, &annotations);
    if (ast != VT_OK) {
        json_decref(manifest);
        return ast;
    }
    /* The rights the manifest states (the asset's own, else [site]
     * rights), shown on the page too: the manifest's string itself (the
     * manifest is written as JSON, so vt_manifest made it valid UTF-8). */
    json_t *rights = json_object_get(manifest, "rights");
    rights = json_is_string(rights) ? json_incref(rights) : NULL;
    g_autofree char *manifest_rel = g_strconcat("iiif/", a->id, "/manifest.json", NULL);
    vt_status st = vt__site_write_json(t, manifest_rel, manifest);
    json_decref(manifest);
    if (st != VT_OK) {
        json_decref(annotations);
        json_decref(rights);
        return st;
    }

    const vt_site_asset_parts *p = asset_parts(t, item);
    g_autofree char *manifest_url = vt_url_manifest(c, a->id);
    json_t *rec = record_json(t, item, p, manifest_url);
    g_autofree char *json_rel = g_strconcat("assets/", a->id, ".json", NULL);
    /* From assets/ID.html, or from LANG/assets/ID.html. */
    g_autofree char *json_url = s->n_languages > 1 ? g_strconcat("../../", json_rel, NULL)
                                                   : g_strdup(g_strrstr(json_rel, "/") + 1);
    st = vt__site_write_json(t, json_rel, rec);
    json_decref(rec);
    if (st != VT_OK) {
        json_decref(annotations);
        json_decref(rights);
        return st;
    }

    const vt_department *d = vt_config_department(c, a->department);
    /* A department's id is ASCII (the config's rule). */
    g_autofree char *dept_url = d && vt__site_department_shown(t, d)
                                    ? g_strconcat("../departments/", d->id, "/index.html", NULL)
                                    : NULL;
    /* Without json_pack() (two pages per asset): the store's text, our
     * literals and what is made of them go in unchecked, the URLs of the
     * config's bases as url_json() says, a department's label checked (see
     * vt_jsonbuild.h); what both trees show the same is shared (parts). */
    json_t *asset = vt_jsonbuild_object(
        "id", vt_jsonbuild_text(a->id), "label", json_incref(p->label), "lang",
        json_incref(p->lang), "summary", json_incref(p->summary), "department",
        vt_jsonbuild_object("id", vt_jsonbuild_text(a->department), "label",
                            d ? vt_jsonbuild_string(d->label) : vt_jsonbuild_text(a->department),
                            "url", vt_jsonbuild_text(dept_url), NULL),
        "intervention", json_incref(p->intervention), "width", json_integer(a->width), "height",
        json_integer(a->height), "image", json_incref(p->image), "thumbnail",
        json_incref(item->thumbnail_json), "manifest", url_json(t, manifest_url), "json",
        vt_jsonbuild_text(json_url), "viewers", viewers_json(manifest_url), "downloads",
        json_incref(p->downloads), "original",
        t->audience == VT_AUDIENCE_INTERNAL ? json_incref(p->original) : json_null(), "metadata",
        json_incref(p->metadata), "created", json_incref(p->created), NULL);
    if (!asset) {
        json_decref(annotations);
        json_decref(rights);
        return vt_error_set(VT_ERR_NOMEM, "site: cannot build the page of %s", a->id);
    }
    json_object_set_new(asset, "annotations", annotations);
    if (p->object)
        json_object_set(asset, "object", p->object);
    if (t->audience == VT_AUDIENCE_INTERNAL) {
        json_t *staff = staff_json(s, t, txn, a);
        if (staff) {
            /* The annotation workspace (static/workspace.js): the types and
             * the tree's AnnotationPage, which may not exist yet. */
            g_autofree char *page_url = vt_url_annotations(c, a->id);
            json_object_set_new(staff, "workspace",
                                vt_jsonbuild_object("types",
                                                    json_incref(s->annotation_types_text),
                                                    "annotations_url",
                                                    url_json(t, page_url ? page_url : ""),
                                                    "width", json_integer(a->width), "height",
                                                    json_integer(a->height), NULL));
            json_object_set_new(asset, "staff", staff);
        }
    }
    if (rights || (c->site_attribution && *c->site_attribution))
        json_object_set_new(asset, "rights",
                            vt_jsonbuild_object("uri", rights ? rights : json_null(),
                                                "attribution",
                                                vt_jsonbuild_string(c->site_attribution), NULL));
    if (item->labels && json_object_size(item->labels) > 1)
        json_object_set(asset, "labels", item->labels);
    g_autofree char *rel = g_strconcat("assets/", a->id, ".html", NULL);
    return vt__site_render(s, t, txn, "asset", "asset", item->label, "../",
                           vt_jsonbuild_object("asset", asset, NULL), rel);
}

unsigned vt__site_asset_remove(const vt_site *s, const vt_site_tree *t, const char *id)
{
    static const char *const forms[][2] = {
        {"assets/", ".json"}, {"iiif/", "/manifest.json"}, {"iiif/", "/annotations.json"}};
    g_autofree char *page = g_strconcat("assets/", id, ".html", NULL);
    unsigned n = vt__site_remove_page(s, t, page);
    for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_autofree char *rel = g_strconcat(forms[i][0], id, forms[i][1], NULL);
        n += vt__site_remove(t, rel);
    }
    g_autofree char *dir = g_strdup_printf("%s/iiif/%s", t->dir, id);
    (void)rmdir(dir);
    return n;
}

/* ------------------------------------------------------------ intervention */

typedef struct {
    vt_txn *txn;
    const vt_config *c;
    GPtrArray *items;
} collect_ctx;

static bool collect_intervention(const char *key, size_t key_len, const void *val, size_t len,
                                 void *data)
{
    collect_ctx *ctx = data;
    const char *sep = memchr(key, '\x1f', key_len);
    vt_site_item *item = NULL;
    if (sep && vt__site_item_load(ctx->txn, ctx->c, sep + 1, &item) == VT_OK)
        g_ptr_array_add(ctx->items, item);
    return true;
}

static size_t department_index(const vt_config *c, const char *id)
{
    for (size_t i = 0; i < c->n_departments; i++)
        if (strcmp(c->departments[i].id, id) == 0)
            return i;
    return c->n_departments;
}

/* Department (config order), then arrival (position), then id. */
static gint by_department_position(gconstpointer pa, gconstpointer pb, gpointer config)
{
    const vt_site_item *a = *(vt_site_item *const *)pa, *b = *(vt_site_item *const *)pb;
    size_t da = department_index(config, a->a->department);
    size_t db = department_index(config, b->a->department);
    if (da != db)
        return da < db ? -1 : 1;
    if (a->position != b->position)
        return a->position < b->position ? -1 : 1;
    return strcmp(a->a->id, b->a->id);
}

/* The card of @item, the @i-th of a page's items, from a page @root away:
 * cards[@i], made on first use. A card is the same in every tree (its
 * department's label is the config's, its links relative), so the trees'
 * pages share it rather than each building and freeing its own. Borrowed
 * (NULL if it could not be made). */
static json_t *card_of(json_t **cards, size_t i, const vt_site_tree *t,
                       const vt_site_item *item, const char *root)
{
    if (!cards[i])
        cards[i] = vt__site_card(t, item, root);
    return cards[i];
}

static void cards_free(json_t **cards, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(cards[i]);
    g_free(cards);
}

/* @cards: the cards of @all (card_of). */
static vt_status intervention_tree(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                                   const char *number, GPtrArray *all, json_t **cards)
{
    g_autofree char *page_rel = g_strconcat("interventions/", number, ".html", NULL);
    g_autofree char *manifest_rel =
        g_strconcat("iiif/intervention/", number, "/manifest.json", NULL);
    g_autofree char *coll_rel = g_strconcat("iiif/collection/intervention/", number, ".json", NULL);

    g_autoptr(GPtrArray) items = g_ptr_array_new();
    g_autoptr(GArray) places = g_array_new(FALSE, FALSE, sizeof(guint)); /* in @all */
    for (guint i = 0; i < all->len; i++) {
        vt_site_item *item = g_ptr_array_index(all, i);
        if (vt_publog_visible(item->a, t->audience)) {
            g_ptr_array_add(items, item);
            g_array_append_val(places, i);
        }
    }
    if (items->len == 0) {
        vt__site_remove_page(s, t, page_rel);
        vt__site_remove(t, manifest_rel);
        vt__site_remove(t, coll_rel);
        return VT_OK;
    }
    const char *audience = vt_audience_name(t->audience);
    const vt_asset **assets = g_new(const vt_asset *, items->len);
    const json_t **harvested = g_new(const json_t *, items->len);
    for (guint i = 0; i < items->len; i++) {
        vt_site_item *item = g_ptr_array_index(items, i);
        assets[i] = item->a;
        harvested[i] = item->harvested;
    }
    vt_status st = VT_OK;
    json_t *manifest = vt_manifest_intervention(&t->view, number, assets, harvested, items->len,
                                                audience);
    json_t *coll = manifest ? vt_manifest_collection_intervention(&t->view, number, assets,
                                                                  harvested, items->len, audience)
                            : NULL;
    if (!manifest || !coll)
        st = VT_ERR_INVALID;
    if (st == VT_OK)
        st = vt__site_write_json(t, manifest_rel, manifest);
    if (st == VT_OK)
        st = vt__site_write_json(t, coll_rel, coll);
    g_autofree char *title = NULL;
    if (st == VT_OK) {
        json_t *label = json_object_get(manifest, "label");
        json_t *en = json_object_get(label, "en");
        if (!en) {
            const char *k;
            json_t *v;
            json_object_foreach(label, k, v) {
                en = v;
                break;
            }
        }
        title = g_strdup(json_string_value(json_array_get(en, 0)));
    }
    json_decref(manifest);
    json_decref(coll);
    g_free(assets);
    g_free(harvested);
    if (st != VT_OK)
        return st;

    json_t *groups = json_array();
    json_t *group = NULL, *group_cards = NULL;
    const char *group_dept = NULL;
    for (guint i = 0; i < items->len; i++) {
        vt_site_item *item = g_ptr_array_index(items, i);
        if (!group || strcmp(group_dept, item->a->department) != 0) {
            const vt_department *d = vt_config_department(&t->view, item->a->department);
            group_dept = item->a->department;
            g_autofree char *url = d && vt__site_department_shown(t, d)
                                       ? g_strconcat("../departments/", d->id, "/index.html", NULL)
                                       : NULL;
            /* Without json_pack(): the department's id is the store's text,
             * its label the config's (checked), the URL ASCII. */
            group_cards = json_array();
            group = vt_jsonbuild_object(
                "department",
                vt_jsonbuild_object("id", vt_jsonbuild_text(group_dept), "label",
                                    d ? vt_jsonbuild_string(d->label)
                                      : vt_jsonbuild_text(group_dept),
                                    "url", vt_jsonbuild_text(url), NULL),
                "cards", group_cards, NULL);
            if (!group)
                group_cards = NULL; /* freed with it */
            json_array_append_new(groups, group);
        }
        json_array_append(group_cards,
                          card_of(cards, g_array_index(places, guint, i), t, item, "../"));
    }
    g_autofree char *manifest_url = vt_manifest_url_intervention(&t->view, number);
    g_autofree char *coll_url = vt_manifest_url_intervention_collection(&t->view, number);
    /* The number is valid (vt_manifest_intervention made its manifest):
     * ASCII, as are the URLs made of it and the base URL (url_json); the
     * title is the manifest's label. */
    json_t *extra = vt_jsonbuild_object(
        "intervention",
        vt_jsonbuild_object("number", vt_jsonbuild_text(number), "label",
                            vt_jsonbuild_text(title ? title : number), "manifest",
                            url_json(t, manifest_url), "collection", url_json(t, coll_url),
                            "count", json_integer((json_int_t)items->len), "groups", groups,
                            NULL),
        NULL);
    return vt__site_render(s, t, txn, "intervention", "intervention", title ? title : number, "../",
                           extra, page_rel);
}

/* Intervention @number's files in every tree, from all its @items. */
static vt_status intervention_render(const vt_site *s, const vt_site_tree *const *trees,
                                     size_t n_trees, vt_txn *txn, const char *number,
                                     GPtrArray *items)
{
    g_ptr_array_sort_with_data(items, by_department_position, (gpointer)&trees[0]->view);
    vt_site_views views;
    vt__site_views_set(&views, (vt_site_item *const *)items->pdata, items->len);
    vt_status st = VT_OK;
    json_t **cards = g_new0(json_t *, items->len);
    for (size_t i = 0; i < n_trees && st == VT_OK; i++)
        st = intervention_tree(s, trees[i], txn, number, items, cards);
    cards_free(cards, items->len);
    vt__site_views_clear(&views);
    return st;
}

vt_status vt__site_intervention(const vt_site *s, const vt_site_tree *const *trees, size_t n_trees,
                                vt_txn *txn, const char *number)
{
    if (!vt_manifest_intervention_valid(number))
        return VT_OK;  /* no page for a number that cannot be a path */
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)vt__site_item_free);
    g_autofree char *prefix = g_strconcat(number, "\x1f", NULL);
    collect_ctx ctx = {txn, &trees[0]->view, items};
    vt_txn_foreach(txn, VT_TABLE_INTERVENTIONS, prefix, collect_intervention, &ctx);
    return intervention_render(s, trees, n_trees, txn, number, items);
}

/* ------------------------------------------------------------ gathering */

/* Most items held for interventions not complete yet: beyond it, an
 * intervention met for the first time is left to its own work item (which
 * loads its assets again), so that memory stays bounded whatever the order
 * of the listing pages. The rebuild takes the departments' pages in step,
 * so that an intervention's assets, which usually arrive together, are
 * loaded close together: a few pages' worth are held at a time. */
#define GATHER_HELD_MAX 2000

struct vt_site_gather {
    GMutex lock;
    GHashTable *open;   /* number -> gathering: some of its items loaded */
    GHashTable *done;   /* numbers rendered, or claimed by their work item */
    guint held;         /* items in open */
};

typedef struct {
    char *number;
    GPtrArray *items;   /* references */
    guint needed;       /* its entries in the interventions table */
} gathering;

static void gathering_free(gpointer p)
{
    gathering *g = p;
    if (!g)
        return;
    g_ptr_array_unref(g->items);
    g_free(g->number);
    g_free(g);
}

vt_site_gather *vt__site_gather_new(void)
{
    vt_site_gather *gather = g_new0(vt_site_gather, 1);
    g_mutex_init(&gather->lock);
    gather->open = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, gathering_free);
    gather->done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return gather;
}

void vt__site_gather_free(vt_site_gather *gather)
{
    if (!gather)
        return;
    g_hash_table_destroy(gather->open);
    g_hash_table_destroy(gather->done);
    g_mutex_clear(&gather->lock);
    g_free(gather);
}

bool vt__site_gather_claim(vt_site_gather *gather, const char *number)
{
    if (!gather)
        return true;
    g_mutex_lock(&gather->lock);
    bool mine = !g_hash_table_contains(gather->done, number);
    if (mine) {
        gathering *g = g_hash_table_lookup(gather->open, number);
        if (g)
            gather->held -= g->items->len;
        g_hash_table_remove(gather->open, number);
        g_hash_table_add(gather->done, g_strdup(number));
    }
    g_mutex_unlock(&gather->lock);
    return mine;
}

static bool count_entry(const char *key, size_t key_len, const void *val, size_t len,
                        void *data)
{
    (void)key, (void)key_len, (void)val, (void)len;
    (*(guint *)data)++;
    return true;
}

/* Adds @item to its intervention's gathering; returns the gathering when
 * that made it complete (the caller renders and frees it), else NULL. */
static gathering *gather_add(vt_site_gather *gather, vt_txn *txn, vt_site_item *item)
{
    const char *number = item->a->intervention;
    if (!gather || !number || !vt_manifest_intervention_valid(number))
        return NULL;
    /* Only an asset the interventions table lists under the number, as
     * its own work item would load it. */
    g_autofree char *key = g_strconcat(number, "\x1f", item->a->id, NULL);
    const void *val;
    size_t len;
    if (!vt_txn_get(txn, VT_TABLE_INTERVENTIONS, key, &val, &len))
        return NULL;
    g_mutex_lock(&gather->lock);
    gathering *g = NULL, *complete = NULL;
    if (!g_hash_table_contains(gather->done, number)) {
        g = g_hash_table_lookup(gather->open, number);
        if (!g && gather->held < GATHER_HELD_MAX) {
            g = g_new0(gathering, 1);
            g->number = g_strdup(number);
            g->items = g_ptr_array_new_with_free_func((GDestroyNotify)vt__site_item_free);
            g_autofree char *prefix = g_strconcat(number, "\x1f", NULL);
            vt_txn_foreach(txn, VT_TABLE_INTERVENTIONS, prefix, count_entry, &g->needed);
            g_hash_table_insert(gather->open, g->number, g);
        }
    }
    if (g) {
        g_ptr_array_add(g->items, vt__site_item_ref(item));
        gather->held++;
        if (g->items->len >= g->needed) {
            g_hash_table_steal(gather->open, number);
            g_hash_table_add(gather->done, g_strdup(number));
            gather->held -= g->items->len;
            complete = g;
        }
    }
    g_mutex_unlock(&gather->lock);
    return complete;
}

/* ------------------------------------------------------------ departments */

/* The sub-collection of listing page @page of @d: its path in the tree
 * (the URL is the tree's base URL, '/', this) and its label. Made for
 * every asset manifest's partOf: g_strconcat, not g_strdup_printf. */
static char *subcollection_rel(const vt_department *d, uint64_t page)
{
    char digits[VT_JSONOUT_INTEGER_MAX + 1];
    return g_strconcat("iiif/collection/department/", d->id, "/",
                       decimal((json_int_t)page, digits), ".json", NULL);
}

static char *subcollection_label(const vt_department *d, uint64_t page)
{
    return with_numbers(d->label, ", ", (json_int_t)((page - 1) * VT_PUBLOG_PAGE + 1), "-",
                        (json_int_t)(page * VT_PUBLOG_PAGE), "");
}

static char *page_name(uint64_t page)
{
    return g_strdup_printf("page-%" PRIu64 ".html", page);
}

/* @cards: the cards of @items (card_of). */
static vt_status department_page_tree(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                                      const vt_department *d, uint64_t page, GPtrArray *items,
                                      json_t **cards)
{
    uint64_t pages = vt_publog_pages(txn, d->id);
    g_autofree char *coll_rel = subcollection_rel(d, page);
    g_autoptr(GPtrArray) shown = g_ptr_array_new();
    json_t *card_list = json_array();
    for (guint i = items->len; i-- > 0;) {  /* newest first */
        vt_site_item *item = g_ptr_array_index(items, i);
        if (vt_publog_visible(item->a, t->audience)) {
            g_ptr_array_add(shown, item);
            json_array_append(card_list, card_of(cards, i, t, item, "../../"));
        }
    }

    /* The sub-collection: this page's manifests, oldest first like the
     * positions (IIIF viewers list them in order). */
    const char *audience = vt_audience_name(t->audience);
    const vt_asset **assets = g_new(const vt_asset *, shown->len + 1);
    const json_t **harvested = g_new(const json_t *, shown->len + 1);
    for (guint i = 0; i < shown->len; i++) {
        vt_site_item *item = g_ptr_array_index(shown, shown->len - 1 - i);
        assets[i] = item->a;
        harvested[i] = item->harvested;
    }
    json_t *coll = vt_manifest_collection_department(&t->view, d, assets, harvested, shown->len,
                                                     audience);
    g_free(assets);
    g_free(harvested);
    if (!coll) {
        json_decref(card_list);
        return VT_ERR_INVALID;
    }
    g_autofree char *coll_url = g_strconcat(t->view.site_base_url, "/", coll_rel, NULL);
    g_autofree char *dept_url = vt_manifest_url_department(&t->view, d->id);
    g_autofree char *label = subcollection_label(d, page);
    json_object_set_new(coll, "id", json_string(coll_url));
    json_object_set_new(coll, "label", json_pack("{s:[s]}", "en", label));
    json_object_set_new(coll, "partOf", json_pack("[{s:s, s:s}]", "id", dept_url, "type",
                                                  "Collection"));
    vt_status st = vt__site_write_json(t, coll_rel, coll);
    json_decref(coll);
    if (st != VT_OK) {
        json_decref(card_list);
        return st;
    }

    /* A page-N file shows nothing that changes when other pages change
     * (how many pages, how many images): it is only rewritten when one of
     * its own assets changes. index.html, the newest page, is rewritten with
     * every change of that page and shows the totals. */
    g_autofree char *newer = page < pages ? page_name(page + 1) : NULL;
    g_autofree char *older = page > 1 ? page_name(page - 1) : NULL;
    g_autofree char *first = page_name(1);
    g_autofree char *title = g_strdup_printf("%s, page %" PRIu64, d->label, page);
    json_t *extra = json_pack("{s:{s:s, s:s}, s:o, s:{s:I, s:s?, s:s?, s:s, s:s}}", "department",
                              "id", d->id, "label", d->label, "cards", card_list, "pager", "page",
                              (json_int_t)page, "newer", newer, "older", older, "first", first,
                              "newest", "index.html");
    g_autofree char *name = page_name(page);
    g_autofree char *rel = g_strconcat("departments/", d->id, "/", name, NULL);
    json_t *extra2 = NULL;
    if (page == pages) {
        /* The same with the totals: copies of the objects that gain them,
         * the rest (the cards) shared, not copied deep. */
        extra2 = json_copy(extra);
        json_t *dept = json_copy(json_object_get(extra, "department"));
        json_t *pager = json_copy(json_object_get(extra, "pager"));
        json_object_set_new(dept, "count",
                            json_integer((json_int_t)vt_publog_count(txn, d->id, t->audience)));
        json_object_set_new(pager, "pages", json_integer((json_int_t)pages));
        json_object_set_new(extra2, "department", dept);
        json_object_set_new(extra2, "pager", pager);
    }
    st = vt__site_render(s, t, txn, "department", "department", title, "../../", extra, rel);
    if (st == VT_OK && extra2) {
        g_autofree char *index_rel = g_strconcat("departments/", d->id, "/index.html", NULL);
        return vt__site_render(s, t, txn, "department", "department", d->label, "../../", extra2,
                               index_rel);
    }
    json_decref(extra2);
    return st;
}

vt_status vt__site_department_page(const vt_site *s, const vt_site_tree *const *trees,
                                   size_t n_trees, vt_txn *txn, const vt_department *d,
                                   uint64_t page, bool write_assets, unsigned *ret_assets)
{
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(vt_publog_entry));
    vt_publog_range(txn, d->id, (page - 1) * VT_PUBLOG_PAGE + 1, page * VT_PUBLOG_PAGE, entries);
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)vt__site_item_free);
    for (guint i = 0; i < entries->len; i++) {
        const vt_publog_entry *e = &g_array_index(entries, vt_publog_entry, i);
        if (!e->ready)
            continue;
        vt_site_item *item = NULL;
        if (vt__site_item_load(txn, &trees[0]->view, e->id, &item) != VT_OK)
            continue;  /* gone since the listing was read, or unreadable: skipped */
        vt__site_place_add(trees[0]->places, item->a);
        g_ptr_array_add(items, item);
    }
    /* Interventions whose last asset this page loaded (a rebuild). */
    g_autoptr(GPtrArray) complete = g_ptr_array_new_with_free_func(gathering_free);
    for (guint i = 0; write_assets && i < items->len; i++) {
        gathering *g = gather_add(trees[0]->gather, txn, g_ptr_array_index(items, i));
        if (g)
            g_ptr_array_add(complete, g);
    }
    vt_status st = VT_OK;
    vt_site_views views;
    vt__site_views_set(&views, (vt_site_item *const *)items->pdata, items->len);
    json_t **cards = g_new0(json_t *, items->len);
    for (size_t k = 0; k < n_trees && st == VT_OK; k++) {
        const vt_site_tree *t = trees[k];
        if (write_assets)
            for (guint i = 0; i < items->len && st == VT_OK; i++) {
                vt_site_item *item = g_ptr_array_index(items, i);
                if (vt_publog_visible(item->a, t->audience))
                    st = vt__site_asset_write(s, t, txn, item);
            }
        if (st == VT_OK && vt__site_department_shown(t, d))
            st = department_page_tree(s, t, txn, d, page, items, cards);
    }
    cards_free(cards, items->len);
    vt__site_views_clear(&views);
    /* Done with the asset pages: what an intervention held here does not
     * need their parts (only this thread ever touches them). */
    for (guint i = 0; i < items->len; i++)
        vt__site_asset_parts_clear(g_ptr_array_index(items, i));
    for (guint i = 0; i < complete->len && st == VT_OK; i++) {
        gathering *g = g_ptr_array_index(complete, i);
        st = intervention_render(s, trees, n_trees, txn, g->number, g->items);
    }
    if (ret_assets)
        *ret_assets = items->len;
    return st;
}

vt_status vt__site_department_index(const vt_site *s, const vt_site_tree *t, vt_txn *txn,
                                    const vt_department *d)
{
    (void)s;
    if (!vt__site_department_shown(t, d))
        return VT_OK;
    /* The department collection lists its pages: rewritten when a page is
     * added, never for a change within one. */
    uint64_t pages = vt_publog_pages(txn, d->id);
    g_autofree char *url = vt_manifest_url_department(&t->view, d->id);
    g_autofree char *top = vt_manifest_url_top(&t->view);
    json_t *items = json_array();
    for (uint64_t p = 1; p <= pages; p++) {
        g_autofree char *rel = subcollection_rel(d, p);
        g_autofree char *id = g_strconcat(t->view.site_base_url, "/", rel, NULL);
        g_autofree char *label = subcollection_label(d, p);
        json_array_append_new(items, json_pack("{s:s, s:s, s:{s:[s]}}", "id", id, "type",
                                               "Collection", "label", "en", label));
    }
    json_t *coll = json_pack("{s:s, s:s, s:s, s:{s:[s]}, s:o, s:[{s:s, s:s}]}", "@context",
                             VT_MANIFEST_CONTEXT, "id", url, "type", "Collection", "label", "en",
                             d->label, "items", items, "partOf", "id", top, "type", "Collection");
    g_autofree char *rel = g_strconcat("iiif/collection/department/", d->id, ".json", NULL);
    vt_status st = vt__site_write_json(t, rel, coll);
    json_decref(coll);
    return st;
}

/* ------------------------------------------------------------ home */

static gint by_created_desc(gconstpointer pa, gconstpointer pb)
{
    const vt_site_item *a = *(vt_site_item *const *)pa, *b = *(vt_site_item *const *)pb;
    if (a->a->created != b->a->created)
        return a->a->created > b->a->created ? -1 : 1;
    return strcmp(a->a->id, b->a->id);
}

vt_status vt__site_home(const vt_site *s, const vt_site_tree *t, vt_txn *txn)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)vt__site_item_free);
    for (size_t i = 0; i < t->view.n_departments; i++) {
        const vt_department *d = &t->view.departments[i];
        uint64_t last = vt_publog_last_position(txn, d->id);
        unsigned found = 0;
        /* Newest first, at most three pages back: bounded work, whatever
         * the collection's size. */
        for (uint64_t hi = last; hi > 0 && found < VT_SITE_RECENT &&
                                 last - hi < 3 * VT_PUBLOG_PAGE;) {
            uint64_t lo = hi > VT_PUBLOG_PAGE ? hi - VT_PUBLOG_PAGE + 1 : 1;
            g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(vt_publog_entry));
            vt_publog_range(txn, d->id, lo, hi, entries);
            for (guint k = entries->len; k-- > 0 && found < VT_SITE_RECENT;) {
                const vt_publog_entry *e = &g_array_index(entries, vt_publog_entry, k);
                if (!e->ready || (t->audience == VT_AUDIENCE_PUBLIC && !e->is_public))
                    continue;
                vt_site_item *item = NULL;
                if (vt__site_item_load(txn, &t->view, e->id, &item) != VT_OK)
                    continue;
                g_ptr_array_add(items, item);
                found++;
            }
            hi = lo - 1;
        }
    }
    g_ptr_array_sort(items, by_created_desc);
    json_t *recent = json_array();
    for (guint i = 0; i < items->len && i < VT_SITE_RECENT; i++)
        json_array_append_new(recent, vt__site_card(t, g_ptr_array_index(items, i), ""));
    return vt__site_render(s, t, txn, "home", "home", t->view.site_title, "",
                           json_pack("{s:o, s:o}", "recent", recent, "departments",
                                     departments_json(t, txn, "", true)),
                           "index.html");
}

/* With a folder per language, the tree's index.html: where a web server
 * without the Accept-Language redirect of docs/web (or file://) lands. It
 * goes on to the default language at once and lists the others. */
static vt_status language_root(const vt_site *s, const vt_site_tree *t)
{
    const char *first = vt_i18n_lang(s->catalogues[0]);
    g_autofree char *title = g_markup_escape_text(t->view.site_title, -1);
    GString *html = g_string_new(NULL);
    g_string_append_printf(html,
                           "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                           "<title>%s</title>\n"
                           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                           "<meta http-equiv=\"refresh\" content=\"0; url=%s/index.html\">\n",
                           first, title, first);
    for (size_t i = 0; i < s->n_languages; i++)
        g_string_append_printf(html, "<link rel=\"alternate\" hreflang=\"%s\" href=\"%s/%s/\">\n",
                               vt_i18n_lang(s->catalogues[i]), t->view.site_base_url,
                               vt_i18n_lang(s->catalogues[i]));
    g_string_append_printf(html, "</head>\n<body>\n<main>\n<h1>%s</h1>\n<ul>\n", title);
    for (size_t i = 0; i < s->n_languages; i++) {
        const char *lang = vt_i18n_lang(s->catalogues[i]);
        g_string_append_printf(html,
                               "<li><a href=\"%s/index.html\" hreflang=\"%s\" lang=\"%s\">%s</a></li>\n",
                               lang, lang, lang, language_name(lang));
    }
    g_string_append(html, "</ul>\n</main>\n</body>\n</html>\n");
    vt_status st = vt__site_write(t, "index.html", html->str, html->len);
    g_string_free(html, TRUE);
    return st;
}

/* static/lang/LANG.html, the texts of the static Mirador and Universal
 * Viewer pages (templates/viewer-strings.html) in each language, and in
 * English always (a page opened without ?lang=, or with one the site does
 * not have). static/ is one folder that every language's pages link to, so
 * its pages cannot be rendered per language: open-in.js fetches the file of
 * the language it is given. */
static vt_status viewer_strings(const vt_site *s, const vt_site_tree *t)
{
    vt_status st = VT_OK;
    bool english = false;
    for (size_t i = 0; i <= s->n_languages && st == VT_OK; i++) {
        const vt_i18n *cat = i < s->n_languages ? s->catalogues[i] : NULL;
        const char *lang = cat ? vt_i18n_lang(cat) : "en";
        if (!cat && english)
            break;
        english = english || strcmp(lang, "en") == 0;
        json_t *ctx = json_pack("{s:{s:s}}", "page", "lang", lang);
        GString *out = vt__site_text_buffer();
        st = vt_template_render_translated(s->templates, "viewer-strings", ctx, vt_i18n_translate,
                                           (void *)cat, out);
        json_decref(ctx);
        g_autofree char *rel = g_strconcat("static/lang/", lang, ".html", NULL);
        if (st == VT_OK)
            st = vt__site_write(t, rel, out->str, out->len);
    }
    return st;
}

vt_status vt__site_fixed_pages(const vt_site *s, const vt_site_tree *t, vt_txn *txn)
{
    vt_status st = vt__site_render(s, t, txn, "search", "search", "Search", "", NULL,
                                   "search.html");
    if (st == VT_OK)
        st = vt__site_render(s, t, txn, "favourites", "favourites", "Favourites", "", NULL,
                             "favourites.html");
    /* The research viewers (issue 10): their scripts read the ids from the
     * address and each asset from its published manifest. */
    if (st == VT_OK && vt_template_set_has(s->templates, "compare"))
        st = vt__site_render(s, t, txn, "compare", "compare", "Compare images", "", NULL,
                             "compare.html");
    if (st == VT_OK && vt_template_set_has(s->templates, "story"))
        st = vt__site_render(s, t, txn, "story", "story", "Story", "", NULL, "story.html");
    /* The page the web server answers a missing address with (404.html,
     * docs/web): served at any depth, so its links are absolute. */
    if (st == VT_OK && vt_template_set_has(s->templates, "notfound")) {
        g_autofree char *root = g_strconcat(t->view.site_base_url, "/", NULL);
        st = vt__site_render(s, t, txn, "notfound", "notfound", "Page not found", root, NULL,
                             "404.html");
    }
    if (st == VT_OK && s->n_languages > 1)
        st = language_root(s, t);
    if (st == VT_OK && vt_template_set_has(s->templates, "viewer-strings"))
        st = viewer_strings(s, t);
    return st;
}
