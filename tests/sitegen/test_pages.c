/* test_pages.c: the site's own templates (the .html files of templates/), rendered with
 * the fixtures of tests/sitegen/pages/ and checked as HTML.
 *
 * Each page template NAME.html has a fixture pages/NAME.json holding the
 * whole context the generator gives it (templates/README.md), with hostile
 * metadata in labels and values: <script>alert(1)</script> and
 * "><img src=x onerror=alert(1)>, right-to-left and accented text, values
 * in nl, fr, en, de. pages/asset-internal.json is the asset page of the
 * internal tree (with the original file). The rendered pages are parsed
 * with libxml2's HTML parser and checked for what must hold on every page
 * (the payloads only as text, an alt on every <img>, <html lang>, no
 * inline script or event handler, landmarks, headings in order, unique
 * ids, the site's own scripts and styles present in templates/static/),
 * then page by page (lang attributes on values, the original file only in
 * the internal tree, what the scripts need).
 *
 * The source tree comes from $VT_SOURCE_DIR (ctest sets it), else from the
 * VT_SOURCE_DIR compile definition, else from this file's path. */
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <string.h>

#include "vt_template.h"

#define PAYLOAD_SCRIPT "<script>alert(1)</script>"
#define PAYLOAD_ATTR "\"><img src=x onerror=alert(1)>"
#define ORIGINAL_SHA256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define ORIGINAL_URL "https://originals.example.org/photo/IMG_0001.tif"

static const char *const page_templates[] = {"home", "search", "favourites", "asset",
                                             "intervention", "department", "compare", "story",
                                             "notfound",
                                             NULL};
static const char *const partials[] = {"header", "footer", "card", NULL};
/* Templates that are not pages: static/lang/LANG.html, the texts of the
 * static Mirador and Universal Viewer pages (test_viewer_strings). */
static const char *const not_pages[] = {"viewer-strings", NULL};

/* ------------------------------------------------------------------ */
/* Helpers */

static char *source_dir(void)
{
    const char *env = g_getenv("VT_SOURCE_DIR");
    if (env && *env)
        return g_strdup(env);
#ifdef VT_SOURCE_DIR
    return g_strdup(VT_SOURCE_DIR);
#else
    /* Run by hand: this file is tests/sitegen/test_pages.c. */
    g_autofree char *here = g_path_get_dirname(__FILE__);
    return g_build_filename(here, "..", "..", NULL);
#endif
}

static char *source_path(const char *first, ...) G_GNUC_NULL_TERMINATED;

static char *source_path(const char *first, ...)
{
    g_autofree char *root = source_dir();
    GString *path = g_string_new(root);
    va_list ap;
    va_start(ap, first);
    for (const char *part = first; part; part = va_arg(ap, const char *)) {
        g_string_append_c(path, G_DIR_SEPARATOR);
        g_string_append(path, part);
    }
    va_end(ap);
    return g_string_free(path, FALSE);
}

static vt_template_set *load_templates(void)
{
    g_autofree char *dir = source_path("templates", NULL);
    vt_template_set *set = NULL;
    g_assert_cmpint(vt_template_set_new(&set), ==, VT_OK);
    vt_status st = vt_template_set_load_dir(set, dir);
    if (st != VT_OK)
        g_error("loading %s: %s", dir, vt_error_message());
    st = vt_template_set_check(set);
    if (st != VT_OK)
        g_error("checking %s: %s", dir, vt_error_message());
    return set;
}

static json_t *load_fixture(const char *name)
{
    g_autofree char *file = g_strconcat(name, ".json", NULL);
    g_autofree char *path = source_path("tests", "sitegen", "pages", file, NULL);
    json_error_t err;
    json_t *data = json_load_file(path, 0, &err);
    if (!data)
        g_error("%s:%d: %s", path, err.line, err.text);
    return data;
}

/* Renders template @name with @data; the page as a string (caller frees). */
static char *render(const vt_template_set *set, const char *name, const json_t *data)
{
    GString *out = g_string_new(NULL);
    vt_status st = vt_template_render(set, name, data, out);
    if (st != VT_OK)
        g_error("rendering %s: %s", name, vt_error_message());
    return g_string_free(out, FALSE);
}

static char *render_fixture(const vt_template_set *set, const char *tpl, const char *fixture)
{
    json_t *data = load_fixture(fixture);
    char *html = render(set, tpl, data);
    json_decref(data);
    return html;
}

static htmlDocPtr parse_html(const char *html)
{
    htmlDocPtr doc = htmlReadMemory(html, (int)strlen(html), "page.html", "UTF-8",
                                    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    g_assert_nonnull(doc);
    return doc;
}

static gboolean is_element(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && g_ascii_strcasecmp((const char *)node->name, name) == 0;
}

/* The attribute's value (caller frees), or NULL. */
static char *attr(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    if (!value)
        return NULL;
    char *copy = g_strdup((const char *)value);
    xmlFree(value);
    return copy;
}

static char *text_of(const xmlNode *node)
{
    xmlChar *value = xmlNodeGetContent(node);
    char *copy = g_strdup(value ? (const char *)value : "");
    xmlFree(value);
    return copy;
}

/* Every element of the document, in document order. */
static void collect(xmlNode *node, GPtrArray *out)
{
    for (; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE)
            g_ptr_array_add(out, node);
        collect(node->children, out);
    }
}

static GPtrArray *elements(htmlDocPtr doc)
{
    GPtrArray *all = g_ptr_array_new();
    collect(xmlDocGetRootElement(doc), all);
    return all;
}

/* The first element named @name whose attribute @key is @value (or any, if
 * @key is NULL). */
static xmlNode *find(GPtrArray *all, const char *name, const char *key, const char *value)
{
    for (guint i = 0; i < all->len; i++) {
        xmlNode *n = g_ptr_array_index(all, i);
        if (!is_element(n, name))
            continue;
        if (!key)
            return n;
        g_autofree char *v = attr(n, key);
        if (v && strcmp(v, value) == 0)
            return n;
    }
    return NULL;
}

/* The first element named @name whose text contains @text. */
static xmlNode *find_text(GPtrArray *all, const char *name, const char *text)
{
    for (guint i = 0; i < all->len; i++) {
        xmlNode *n = g_ptr_array_index(all, i);
        if (!is_element(n, name))
            continue;
        g_autofree char *t = text_of(n);
        if (strstr(t, text))
            return n;
    }
    return NULL;
}

static xmlNode *find_id(GPtrArray *all, const char *id)
{
    for (guint i = 0; i < all->len; i++) {
        xmlNode *n = g_ptr_array_index(all, i);
        g_autofree char *v = attr(n, "id");
        if (v && strcmp(v, id) == 0)
            return n;
    }
    return NULL;
}

static void assert_attr(const xmlNode *node, const char *key, const char *expected)
{
    g_assert_nonnull(node);
    g_autofree char *v = attr(node, key);
    g_assert_cmpstr(v, ==, expected);
}

/* Does any text or attribute value of the document contain @needle? */
static gboolean doc_has_text(GPtrArray *all, const char *needle)
{
    for (guint i = 0; i < all->len; i++) {
        xmlNode *n = g_ptr_array_index(all, i);
        for (xmlAttr *a = n->properties; a; a = a->next) {
            g_autofree char *v = attr(n, (const char *)a->name);
            if (v && strstr(v, needle))
                return TRUE;
        }
        for (xmlNode *c = n->children; c; c = c->next)
            if (c->type == XML_TEXT_NODE && c->content && strstr((const char *)c->content, needle))
                return TRUE;
    }
    return FALSE;
}

/* ------------------------------------------------------------------ */
/* What holds on every page */

static void check_static_file(const char *url, const char *root)
{
    /* The site's own files, referenced as ROOT + "static/...", must exist in
     * templates/static/ (vendor/ comes from npm, copied by the generator). */
    g_autofree char *prefix = g_strconcat(root, "static/", NULL);
    if (!g_str_has_prefix(url, prefix))
        return;
    const char *rel = url + strlen(prefix);
    if (g_str_has_prefix(rel, "vendor/"))
        return;
    g_autofree char *clean = g_strndup(rel, strcspn(rel, "?#"));
    g_autofree char *path = source_path("templates", "static", clean, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        g_error("%s is referenced but missing", path);
}

static void check_common(const char *name, const char *html, const json_t *data)
{
    /* The payloads never appear as markup. */
    g_assert_null(strstr(html, PAYLOAD_SCRIPT));
    g_assert_null(strstr(html, "<img src=x"));
    g_assert_null(strstr(html, "onerror=alert(1)>"));

    const char *root = json_string_value(json_object_get(json_object_get(data, "site"), "root"));
    g_assert_nonnull(root);

    htmlDocPtr doc = parse_html(html);
    GPtrArray *all = elements(doc);

    xmlNode *top = xmlDocGetRootElement(doc);
    g_assert_true(is_element(top, "html"));
    assert_attr(top, "lang", "en");
    g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>\n"));

    int h1 = 0, last_level = 0;
    gboolean has_main = FALSE, has_header = FALSE, has_footer = FALSE, has_nav = FALSE;
    g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < all->len; i++) {
        xmlNode *n = g_ptr_array_index(all, i);
        const char *tag = (const char *)n->name;

        for (xmlAttr *a = n->properties; a; a = a->next) {
            const char *key = (const char *)a->name;
            /* No event handler attribute, from a payload or otherwise. */
            if (g_ascii_strncasecmp(key, "on", 2) == 0)
                g_error("%s: <%s %s=...>", name, tag, key);
            g_autofree char *v = attr(n, key);
            if ((strcmp(key, "href") == 0 || strcmp(key, "src") == 0) && v) {
                g_autofree char *lower = g_ascii_strdown(g_strstrip(v), -1);
                g_assert_false(g_str_has_prefix(lower, "javascript:"));
                check_static_file(v, root);
            }
            if (strcmp(key, "id") == 0 && v) {
                if (g_hash_table_contains(ids, v))
                    g_error("%s: id \"%s\" is used twice", name, v);
                g_hash_table_add(ids, g_strdup(v));
            }
        }

        if (is_element(n, "img")) {
            g_autofree char *alt = attr(n, "alt");
            g_autofree char *src = attr(n, "src");
            if (!alt || !*alt)
                g_error("%s: <img src=\"%s\"> without alt text", name, src ? src : "");
            g_assert_cmpstr(src, !=, "x");
        } else if (is_element(n, "script")) {
            /* Scripts are files: nothing inline (a Content-Security-Policy
             * may forbid inline scripts). */
            g_autofree char *src = attr(n, "src");
            g_autofree char *body = text_of(n);
            if (!src)
                g_error("%s: inline <script>%s</script>", name, body);
            g_assert_cmpstr(g_strstrip(body), ==, "");
        } else if (is_element(n, "main")) {
            has_main = TRUE;
            assert_attr(n, "id", "main");
        } else if (is_element(n, "header")) {
            has_header = TRUE;
        } else if (is_element(n, "footer")) {
            has_footer = TRUE;
        } else if (is_element(n, "nav")) {
            has_nav = TRUE;
        }

        /* Headings go down one level at a time, starting with one h1. */
        if (tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6' && tag[2] == '\0') {
            int level = tag[1] - '0';
            if (level == 1)
                h1++;
            if (last_level == 0 && level != 1)
                g_error("%s: the first heading is h%d", name, level);
            if (level > last_level + 1)
                g_error("%s: h%d after h%d", name, level, last_level);
            last_level = level;
        }
    }
    g_assert_cmpint(h1, ==, 1);
    g_assert_true(has_main && has_header && has_footer && has_nav);

    /* The skip link is the first link and leads to <main>. */
    xmlNode *first_link = find(all, "a", NULL, NULL);
    assert_attr(first_link, "href", "#main");

    /* The body tells the scripts where things are. */
    const json_t *site = json_object_get(data, "site");
    xmlNode *body = find(all, "body", NULL, NULL);
    assert_attr(body, "data-root", root);
    assert_attr(body, "data-search-url", json_string_value(json_object_get(site, "search_url")));
    assert_attr(body, "data-terms-url", json_string_value(json_object_get(site, "terms_url")));

    /* The search box is an ARIA combobox over its list. */
    xmlNode *input = find(all, "input", "id", "site-search");
    assert_attr(input, "role", "combobox");
    assert_attr(input, "aria-controls", "site-search-list");
    assert_attr(input, "aria-expanded", "false");
    assert_attr(find(all, "ul", "id", "site-search-list"), "role", "listbox");

    /* The department labels, hostile ones included, arrive as text. */
    g_assert_true(doc_has_text(all, "X-radiography " PAYLOAD_SCRIPT));
    g_assert_true(doc_has_text(all, "Microscopie " PAYLOAD_ATTR));

    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);
}

/* ------------------------------------------------------------------ */
/* Tests */

static void test_every_page_template_has_a_fixture(void)
{
    g_autofree char *dir = source_path("templates", NULL);
    GDir *d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    const char *entry;
    int pages = 0;
    while ((entry = g_dir_read_name(d)) != NULL) {
        if (!g_str_has_suffix(entry, ".html"))
            continue;
        g_autofree char *base = g_strndup(entry, strlen(entry) - strlen(".html"));
        if (g_strv_contains(partials, base) || g_strv_contains(not_pages, base))
            continue;
        if (!g_strv_contains(page_templates, base))
            g_error("templates/%s has no fixture in tests/sitegen/pages/", entry);
        pages++;
    }
    g_dir_close(d);
    g_assert_cmpint(pages, ==, (int)g_strv_length((char **)page_templates));
}

static void test_all_pages(void)
{
    vt_template_set *set = load_templates();
    for (size_t i = 0; page_templates[i]; i++) {
        json_t *data = load_fixture(page_templates[i]);
        g_autofree char *html = render(set, page_templates[i], data);
        g_test_message("checking %s", page_templates[i]);
        check_common(page_templates[i], html, data);
        json_decref(data);
    }
    json_t *data = load_fixture("asset-internal");
    g_autofree char *html = render(set, "asset", data);
    check_common("asset-internal", html, data);
    json_decref(data);
    vt_template_set_free(set);
}

static void test_asset_values_and_langs(void)
{
    vt_template_set *set = load_templates();
    g_autofree char *html = render_fixture(set, "asset", "asset");
    htmlDocPtr doc = parse_html(html);
    GPtrArray *all = elements(doc);

    /* The label: the heading, in its language, the payload as text. */
    xmlNode *h1 = find(all, "h1", NULL, NULL);
    assert_attr(h1, "lang", "nl");
    g_autofree char *title = text_of(h1);
    g_assert_cmpstr(title, ==, "Portret van een vrouw " PAYLOAD_SCRIPT);
    g_autofree char *page_title = text_of(find(all, "title", NULL, NULL));
    g_assert_cmpstr(page_title, ==, "Portret van een vrouw " PAYLOAD_SCRIPT " | Atelier & Vitrine");

    /* Every value carries its own language; none is guessed. */
    static const struct {
        const char *text, *lang;
    } values[] = {
        {"vernis", "nl"},
        {"vernis jauni", "fr"},
        {"Firnis", "de"},
        {"varnish", "en"},
        {"Œuvre restaurée à l'atelier, côté gauche", "fr"},
        {"Craquelure in de vernislaag " PAYLOAD_ATTR, "nl"},
        {"© Atelier, Brüssel", "de"},
        {"שימור ציור השמן", "he"},
        {"Rubens, Peter Paul", NULL},
        {PAYLOAD_SCRIPT, NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
        xmlNode *dd = NULL;
        for (guint k = 0; k < all->len && !dd; k++) {
            xmlNode *n = g_ptr_array_index(all, k);
            g_autofree char *t = is_element(n, "dd") ? text_of(n) : NULL;
            if (t && strcmp(t, values[i].text) == 0)
                dd = n;
        }
        if (!dd)
            g_error("no <dd> holds \"%s\"", values[i].text);
        assert_attr(dd, "lang", values[i].lang);
        assert_attr(dd, "dir", "auto");
    }

    /* The three kinds of metadata are told apart. */
    g_assert_nonnull(find(all, "section", "class", "metadata-group metadata-group--harvested"));
    g_assert_nonnull(find(all, "section", "class", "metadata-group metadata-group--custom"));
    g_assert_nonnull(find(all, "section", "class", "metadata-group metadata-group--embedded"));
    g_assert_nonnull(find_text(all, "dt", "Inscription"));

    /* The viewer opens the image service; the thumbnail is its fallback. */
    xmlNode *viewer = find(all, "div", "id", "viewer");
    assert_attr(viewer, "data-info", "https://vitrine.example.org/iiif/p1a/info.json");
    assert_attr(viewer, "data-images", "../static/vendor/openseadragon/images/");
    xmlNode *img = find(all, "img", "class", "viewer__fallback");
    assert_attr(img, "alt", "Portret van een vrouw " PAYLOAD_SCRIPT);
    assert_attr(img, "src", "https://vitrine.example.org/iiif/p1a/full/300,400/0/default.jpg");
    g_assert_nonnull(find(all, "script", "src", "../static/vendor/openseadragon/openseadragon.min.js"));
    g_assert_nonnull(find(all, "script", "src", "../static/viewer.js"));

    /* Controls are buttons; the favourite toggle is a toggle button. */
    xmlNode *toggle = find(all, "button", "class", "favourite-toggle");
    assert_attr(toggle, "aria-pressed", "false");
    assert_attr(toggle, "data-id", "p1a");
    assert_attr(toggle, "data-label", "Portret van een vrouw " PAYLOAD_SCRIPT);
    g_assert_nonnull(find(all, "button", "data-action", "zoom-in"));

    /* Links: intervention, department, manifest, Mirador, downloads. */
    g_assert_nonnull(find(all, "a", "href", "../interventions/2019.12345.html"));
    g_assert_nonnull(find(all, "a", "href", "../departments/photo/index.html"));
    g_assert_nonnull(find(all, "a", "href", "https://vitrine.example.org/iiif/p1a/manifest.json"));
    g_assert_nonnull(find(all, "a", "href", "../static/mirador.html?manifest=../iiif/p1a/manifest.json&lang=en"));
    g_assert_nonnull(find(all, "a", "href",
                          "https://vitrine.example.org/iiif/p1a/full/1500,2000/0/default.jpg"));
    g_assert_nonnull(find(all, "a", "href", "p1a.json"));

    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);
    vt_template_set_free(set);
}

static void assert_no_original(const char *html)
{
    g_assert_null(strstr(html, ORIGINAL_SHA256));
    g_assert_null(strstr(html, ORIGINAL_URL));
    g_assert_null(strstr(html, "IMG_0001"));
    g_assert_null(strstr(html, "Original file"));
}

static void test_original_only_internal(void)
{
    vt_template_set *set = load_templates();

    /* The public tree: original is null. */
    g_autofree char *pub = render_fixture(set, "asset", "asset");
    assert_no_original(pub);

    /* The internal tree shows it, its name as text. */
    json_t *data = load_fixture("asset-internal");
    g_autofree char *internal = render(set, "asset", data);
    g_assert_nonnull(strstr(internal, ORIGINAL_SHA256));
    g_assert_nonnull(strstr(internal, "Original file"));
    htmlDocPtr doc = parse_html(internal);
    GPtrArray *all = elements(doc);
    xmlNode *link = find(all, "a", "href", ORIGINAL_URL);
    g_autofree char *name = text_of(link);
    g_assert_cmpstr(name, ==, "IMG_0001 " PAYLOAD_ATTR ".tif");
    g_assert_nonnull(find_text(all, "span", "Internal"));
    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);

    /* Without a URL, the name is shown but not linked. */
    json_object_set_new(json_object_get(json_object_get(data, "asset"), "original"), "url",
                        json_null());
    g_autofree char *unlinked = render(set, "asset", data);
    g_assert_nonnull(strstr(unlinked, ORIGINAL_SHA256));
    g_assert_null(strstr(unlinked, ORIGINAL_URL));

    /* An original handed to a public page by mistake stays hidden: the
     * template itself checks site.internal. */
    json_t *site = json_object_get(data, "site");
    json_object_set_new(site, "internal", json_false());
    json_object_set_new(site, "audience", json_string("public"));
    json_object_set_new(json_object_get(json_object_get(data, "asset"), "original"), "url",
                        json_string(ORIGINAL_URL));
    g_autofree char *leaked = render(set, "asset", data);
    assert_no_original(leaked);
    g_assert_null(strstr(leaked, "audience-badge"));

    json_decref(data);
    vt_template_set_free(set);
}

static void test_cards(void)
{
    vt_template_set *set = load_templates();
    g_autofree char *html = render_fixture(set, "home", "home");
    htmlDocPtr doc = parse_html(html);
    GPtrArray *all = elements(doc);

    int cards = 0, images = 0;
    for (guint i = 0; i < all->len; i++) {
        xmlNode *n = g_ptr_array_index(all, i);
        g_autofree char *cls = attr(n, "class");
        if (is_element(n, "li") && g_strcmp0(cls, "card") == 0)
            cards++;
        if (is_element(n, "img"))
            images++;
    }
    g_assert_cmpint(cards, ==, 7);
    g_assert_cmpint(images, ==, 6);  /* one card has no thumbnail yet */

    /* A card: its image's alt is the label, in the label's language. */
    xmlNode *img = find(all, "img", "alt", "Paysage d'hiver, église à l'horizon");
    assert_attr(img, "lang", "fr");
    assert_attr(img, "width", "400");
    xmlNode *label = find_text(all, "span", "Paysage d'hiver, église à l'horizon");
    assert_attr(label, "lang", "fr");
    assert_attr(find(all, "img", "alt", "שימור ציור השמן"), "lang", "he");
    assert_attr(find(all, "img", "alt", "Röntgenopname van het portret " PAYLOAD_ATTR), "lang", "nl");
    /* A label of unknown language gets no lang attribute. */
    xmlNode *unknown = find_text(all, "span", "Nog niet verwerkt");
    g_autofree char *unknown_lang = attr(unknown, "lang");
    g_assert_null(unknown_lang);
    g_assert_nonnull(find(all, "a", "href", "assets/p1a.html"));
    g_assert_nonnull(find_text(all, "span", "Intervention 2019.12345"));

    /* The departments, with their counts, link to their listing. */
    g_assert_nonnull(find(all, "a", "href", "departments/xray/index.html"));
    g_assert_nonnull(find_text(all, "span", "Images: 6"));

    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);
    vt_template_set_free(set);
}

static void test_intervention_and_department(void)
{
    vt_template_set *set = load_templates();

    g_autofree char *iv = render_fixture(set, "intervention", "intervention");
    htmlDocPtr doc = parse_html(iv);
    GPtrArray *all = elements(doc);
    /* One section per department, the department linked when it has a page. */
    g_autofree char *h2_photo = text_of(find(all, "h2", "id", "group-photo"));
    g_assert_cmpstr(h2_photo, ==, "Photography");
    g_assert_nonnull(find(all, "a", "href", "../departments/photo/index.html"));
    xmlNode *h2_xray = find(all, "h2", "id", "group-xray");
    g_autofree char *xray = text_of(h2_xray);
    g_assert_cmpstr(xray, ==, "X-radiography " PAYLOAD_SCRIPT);
    g_assert_true(h2_xray->children && h2_xray->children->type == XML_TEXT_NODE);
    g_assert_nonnull(find(all, "a", "href", "../static/mirador.html?manifest=../iiif/intervention/2019.12345/manifest.json&lang=en"));
    g_assert_nonnull(find(all, "a", "href", "https://vitrine.example.org/iiif/collection/intervention/2019.12345.json"));
    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);

    g_autofree char *dep = render_fixture(set, "department", "department");
    doc = parse_html(dep);
    all = elements(doc);
    g_autofree char *h1 = text_of(find(all, "h1", NULL, NULL));
    g_assert_cmpstr(h1, ==, "Microscopie " PAYLOAD_ATTR);
    g_assert_nonnull(find(all, "a", "href", "page-3.html"));
    g_assert_nonnull(find(all, "a", "href", "page-1.html"));
    g_assert_nonnull(find(all, "a", "href", "index.html"));
    g_assert_nonnull(find_text(all, "p", "Images: 130."));
    g_assert_nonnull(find(all, "a", "rel", "prev"));
    g_assert_nonnull(find(all, "a", "rel", "next"));
    g_assert_nonnull(find_text(all, "span", "Page 2 of 3"));
    g_assert_nonnull(find(all, "a", "href", "../../assets/f1a.html"));
    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);

    /* The newest page: no "newer" links. */
    json_t *data = load_fixture("department");
    json_t *pager = json_object_get(data, "pager");
    json_object_set_new(pager, "page", json_integer(3));
    json_object_set_new(pager, "newer", json_null());
    json_object_set_new(pager, "older", json_string("page-2.html"));
    g_autofree char *newest = render(set, "department", data);
    g_assert_null(strstr(newest, "rel=\"prev\""));
    g_assert_nonnull(strstr(newest, "rel=\"next\""));
    g_assert_nonnull(strstr(newest, "Page 3 of 3"));

    /* A page-<n>.html: no totals (they would go stale), and none shown. */
    json_object_del(json_object_get(data, "department"), "count");
    json_object_del(pager, "pages");
    g_autofree char *numbered = render(set, "department", data);
    check_common("department page-3", numbered, data);
    g_assert_nonnull(strstr(numbered, "Page 3<"));
    g_assert_null(strstr(numbered, "Page 3 of"));
    g_assert_null(strstr(numbered, "130"));
    json_decref(data);
    vt_template_set_free(set);
}

static void test_script_pages(void)
{
    vt_template_set *set = load_templates();
    g_autofree char *search = render_fixture(set, "search", "search");
    htmlDocPtr doc = parse_html(search);
    GPtrArray *all = elements(doc);
    static const char *const ids[] = {"search-status", "search-hits", "search-facets", "facet-groups",
                                      "search-pager", "search-filters", "search-suggestion"};
    for (size_t i = 0; i < G_N_ELEMENTS(ids); i++)
        if (!find_id(all, ids[i]))
            g_error("search.html: no element #%s for search.js", ids[i]);
    assert_attr(find(all, "p", "id", "search-status"), "role", "status");
    g_assert_nonnull(find(all, "script", "src", "static/search.js"));
    /* The department labels search.js shows for facet values. */
    g_assert_nonnull(find(all, "a", "data-department", "xray"));
    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);

    g_autofree char *fav = render_fixture(set, "favourites", "favourites");
    doc = parse_html(fav);
    all = elements(doc);
    g_assert_nonnull(find(all, "ul", "id", "favourites-list"));
    g_assert_nonnull(find(all, "script", "src", "static/favourites.js"));
    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);
    vt_template_set_free(set);
}

/* viewer-strings.html: the page's language, and the texts open-in.js,
 * mirador-page.js and uv-page.js ask for in a <template class="vt-strings">,
 * their {placeholders} left for the scripts. */
static void test_viewer_strings(void)
{
    vt_template_set *set = load_templates();
    json_t *data = json_pack("{s:{s:s}}", "page", "lang", "fr");
    g_autofree char *html = render(set, "viewer-strings", data);
    json_decref(data);
    htmlDocPtr doc = parse_html(html);
    GPtrArray *all = elements(doc);
    assert_attr(find(all, "html", NULL, NULL), "lang", "fr");
    g_assert_nonnull(find(all, "template", "class", "vt-strings"));
    g_assert_nonnull(strstr(html, "<span data-k=\"vw-skip\">Skip to the viewer</span>"));
    g_assert_nonnull(strstr(html, "<span data-k=\"vw-back\">"));
    g_assert_nonnull(strstr(html, "open {name} from an image"));
    g_assert_nonnull(strstr(html, "<span data-k=\"vw-not-installed\">{name} is not installed on this "
                                  "site. The IIIF manifest is at {url}.</span>"));
    g_ptr_array_free(all, TRUE);
    xmlFreeDoc(doc);
    vt_template_set_free(set);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    LIBXML_TEST_VERSION
    g_test_add_func("/pages/every-template-has-a-fixture", test_every_page_template_has_a_fixture);
    g_test_add_func("/pages/all", test_all_pages);
    g_test_add_func("/pages/asset-values-and-langs", test_asset_values_and_langs);
    g_test_add_func("/pages/original-only-internal", test_original_only_internal);
    g_test_add_func("/pages/cards", test_cards);
    g_test_add_func("/pages/intervention-and-department", test_intervention_and_department);
    g_test_add_func("/pages/script-pages", test_script_pages);
    g_test_add_func("/pages/viewer-strings", test_viewer_strings);
    int rc = g_test_run();
    xmlCleanupParser();
    return rc;
}
