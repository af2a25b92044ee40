/* test_i18n.c: translated interface text (issue 12): the template engine's
 * {{_ text}} tag, the catalogues of po/ through sitegen/vt_i18n (glibc's
 * gettext, the build's locale/ folder), and golden pages: the home page of
 * tests/sitegen/pages/home.json rendered in nl, fr, en and de must equal
 * tests/sitegen/i18n/home.LANG.html byte for byte. VT_UPDATE_GOLDEN=1
 * rewrites the golden files (then read the diff before committing it). */
#include <string.h>

#include "vt_i18n.h"
#include "vt_template.h"

static char *source_path(const char *rel)
{
    const char *env = g_getenv("VT_SOURCE_DIR");
    return g_build_filename(env && *env ? env : VT_SOURCE_DIR_FALLBACK, rel, NULL);
}

/* A translator for the engine tests: a few fixed French texts. */
static const char *fake_french(const char *msgid, void *data)
{
    (void)data;
    static const char *const pairs[][2] = {
        {"Home", "Accueil"},
        {"Images: {count}", "Images : {count}"},
        {"{a} of {b}", "{b} dont {a}"},
        {"Broken {brace}", "Cassé {brace"},
        {"Tom & Jerry", "Tom & Jerry <b>"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++)
        if (strcmp(pairs[i][0], msgid) == 0)
            return pairs[i][1];
    return NULL;
}

static char *render_text(const char *text, const char *json, vt_template_translate_fn fn)
{
    vt_template_set *set = NULL;
    g_assert_cmpint(vt_template_set_new(&set), ==, VT_OK);
    if (vt_template_set_add(set, "t", text, NULL) != VT_OK)
        g_error("%s: %s", text, vt_error_message());
    json_t *data = json ? json_loads(json, 0, NULL) : NULL;
    GString *out = g_string_new(NULL);
    g_assert_cmpint(vt_template_render_translated(set, "t", data, fn, NULL, out), ==, VT_OK);
    json_decref(data);
    vt_template_set_free(set);
    return g_string_free(out, FALSE);
}

static void test_tag(void)
{
    static const struct {
        const char *text, *json, *untranslated, *translated;
    } cases[] = {
        {"<a>{{_ Home}}</a>", NULL, "<a>Home</a>", "<a>Accueil</a>"},
        /* Blanks inside are one space; the tag is inline, never standalone. */
        {"  {{_   Home  }}\n", NULL, "  Home\n", "  Accueil\n"},
        {"{{_ Images: {count}}}", "{\"count\": 12}", "Images: 12", "Images : 12"},
        /* Placeholders in another order, dotted, escaped values. */
        {"{{_ {a} of {b}}}", "{\"a\": \"<x>\", \"b\": {\"c\": 1}}", "&lt;x&gt; of ",
         " dont &lt;x&gt;"},
        {"{{#p}}{{_ {a} of {b}}}{{/p}}", "{\"p\": {\"a\": 1}, \"b\": 2}", "1 of 2", "2 dont 1"},
        /* A translation's brace without its pair is text; text is escaped. */
        {"{{_ Broken {brace}}}", "{\"brace\": \"B\"}", "Broken B", "Cassé {brace"},
        {"{{_ Tom & Jerry}}", NULL, "Tom &amp; Jerry", "Tom &amp; Jerry &lt;b&gt;"},
        /* A name the context lacks stays for a script to fill. */
        {"{{_ Images: {count}}}", "{\"other\": 1}", "Images: {count}", "Images : {count}"},
        {"{{_ Images: {count}}}", "{\"count\": null}", "Images: ", "Images : "},
        /* Not translated: the text as written. */
        {"{{_ Unknown text}}", NULL, "Unknown text", "Unknown text"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *plain = render_text(cases[i].text, cases[i].json, NULL);
        g_assert_cmpstr(plain, ==, cases[i].untranslated);
        g_autofree char *fr = render_text(cases[i].text, cases[i].json, fake_french);
        g_assert_cmpstr(fr, ==, cases[i].translated);
    }
}

/* A translator whose translation is the text itself, at another address:
 * the engine then scans it at render time, as it does a real translation. */
static const char *same_text(const char *msgid, void *data)
{
    (void)data;
    return g_intern_string(msgid);
}

/* Text that is not translated is compiled once into escaped text and
 * placeholders (the golden case template/translated-text); the scan of a
 * translation at render time must give the same bytes for the same text. */
static void test_compiled_text(void)
{
    g_autofree char *dir = source_path("tests/sitegen/template/translated-text");
    g_autofree char *tpl_path = g_build_filename(dir, "template.mustache", NULL);
    g_autofree char *data_path = g_build_filename(dir, "data.json", NULL);
    g_autofree char *expected_path = g_build_filename(dir, "expected.html", NULL);
    g_autofree char *tpl = NULL, *data_text = NULL, *expected = NULL;
    g_assert_true(g_file_get_contents(tpl_path, &tpl, NULL, NULL));
    g_assert_true(g_file_get_contents(data_path, &data_text, NULL, NULL));
    g_assert_true(g_file_get_contents(expected_path, &expected, NULL, NULL));

    g_autofree char *compiled = render_text(tpl, data_text, NULL);
    g_autofree char *scanned = render_text(tpl, data_text, same_text);
    g_assert_cmpstr(compiled, ==, expected);
    g_assert_cmpstr(scanned, ==, expected);
}

static void test_tag_errors(void)
{
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"{{_ Two\nlines}}", "t:1: translatable text spans lines"},
        {"{{_ a {b}", "t:1: unterminated tag"},
        {"{{_ a } b}}", "t:1: '}' without '{' in translatable text"},
        {"{{_ a {b c} d}}", "t:1: invalid name"},
        {"{{_ a {} d}}", "t:1: invalid name"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        vt_template_set *set = NULL;
        g_assert_cmpint(vt_template_set_new(&set), ==, VT_OK);
        g_assert_cmpint(vt_template_set_add(set, "t", cases[i].text, NULL), ==, VT_ERR_INVALID);
        if (!g_str_has_prefix(vt_error_message(), cases[i].message))
            g_error("%s: got '%s', want '%s...'", cases[i].text, vt_error_message(),
                    cases[i].message);
        vt_template_set_free(set);
    }
}

static void test_catalogues(void)
{
    static const struct {
        const char *lang, *search, *page, *images_one, *images_two;
    } cases[] = {
        {"nl", "Zoeken in de collectie", "Pagina niet gevonden", "Beelden: {count}", NULL},
        {"fr", "Rechercher dans la collection", "Page introuvable", "Images : {count}", NULL},
        {"de", "Sammlung durchsuchen", "Seite nicht gefunden", "Bilder: {count}", NULL},
        {"en", "Search the collection", "Page not found", "Images: {count}", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        vt_i18n *cat = NULL;
        if (vt_i18n_load(cases[i].lang, &cat) != VT_OK)
            g_error("%s: %s", cases[i].lang, vt_error_message());
        g_assert_cmpstr(vt_i18n_lang(cat), ==, cases[i].lang);
        g_assert_cmpstr(vt_i18n_gettext(cat, "Search the collection"), ==, cases[i].search);
        g_assert_cmpstr(vt_i18n_gettext(cat, "Page not found"), ==, cases[i].page);
        g_assert_cmpstr(vt_i18n_gettext(cat, "Images: {count}"), ==, cases[i].images_one);
        /* A text no catalogue has is given back as it is. */
        g_assert_cmpstr(vt_i18n_gettext(cat, "no such text 1234"), ==, "no such text 1234");
        /* Asked again, the catalogue answers from what it remembers: the
         * same translation, and for a text without one the caller's own
         * pointer (the template engine tells "untranslated" by it), not
         * the pointer of the first call. */
        for (int again = 0; again < 2; again++) {
            g_assert_cmpstr(vt_i18n_gettext(cat, "Search the collection"), ==, cases[i].search);
            char *mine = g_strdup(again ? "no such text 1234" : "Page not found");
            const char *got = vt_i18n_gettext(cat, mine);
            if (again)
                g_assert_true(got == mine);
            else
                g_assert_cmpstr(got, ==, cases[i].page);
            g_free(mine);
        }
        vt_i18n_free(cat);
    }
    /* Languages are looked up at once, each in its own domain. */
    vt_i18n *nl = NULL, *fr = NULL;
    g_assert_cmpint(vt_i18n_load("nl", &nl), ==, VT_OK);
    g_assert_cmpint(vt_i18n_load("fr", &fr), ==, VT_OK);
    g_assert_cmpstr(vt_i18n_gettext(nl, "Home"), ==, "Start");
    g_assert_cmpstr(vt_i18n_gettext(fr, "Home"), ==, "Accueil");
    g_assert_cmpstr(vt_i18n_gettext(nl, "Home"), ==, "Start");
    g_assert_cmpstr(vt_i18n_gettext(NULL, "Home"), ==, "Home");
    vt_i18n_free(nl);
    vt_i18n_free(fr);

    vt_i18n *none = NULL;
    g_assert_cmpint(vt_i18n_load("xx", &none), ==, VT_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(vt_error_message(), "no interface catalogue for language 'xx'"));
    g_assert_null(none);
    vt_i18n_free(NULL);
}

/* The home page of pages/home.json in @lang, as the generator would
 * render it with [site] languages=nl,fr,en,de. */
static char *render_home(const vt_template_set *set, const char *lang)
{
    g_autofree char *fixture = source_path("tests/sitegen/pages/home.json");
    json_error_t err;
    json_t *data = json_load_file(fixture, 0, &err);
    if (!data)
        g_error("%s:%d: %s", fixture, err.line, err.text);
    json_t *page = json_object_get(data, "page");
    json_object_set_new(page, "lang", json_string(lang));
    json_object_set_new(page, "multilingual", json_true());
    json_t *langs = json_array();
    static const char *const all[][2] = {
        {"nl", "Nederlands"}, {"fr", "Français"}, {"en", "English"}, {"de", "Deutsch"}};
    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        g_autofree char *url = g_strconcat("../", all[i][0], "/index.html", NULL);
        g_autofree char *href =
            g_strconcat("https://vitrine.example.org/", all[i][0], "/index.html", NULL);
        json_array_append_new(langs, json_pack("{s:s, s:s, s:s, s:s, s:b}", "lang", all[i][0],
                                               "name", all[i][1], "url", url, "href", href,
                                               "current", strcmp(all[i][0], lang) == 0));
    }
    json_object_set_new(page, "languages", langs);
    vt_i18n *cat = NULL;
    if (vt_i18n_load(lang, &cat) != VT_OK)
        g_error("%s: %s", lang, vt_error_message());
    GString *out = g_string_new(NULL);
    if (vt_template_render_translated(set, "home", data, vt_i18n_translate, cat, out) != VT_OK)
        g_error("%s: %s", lang, vt_error_message());
    vt_i18n_free(cat);
    json_decref(data);
    return g_string_free(out, FALSE);
}

static void test_golden_pages(void)
{
    g_autofree char *dir = source_path("templates");
    vt_template_set *set = NULL;
    g_assert_cmpint(vt_template_set_new(&set), ==, VT_OK);
    if (vt_template_set_load_dir(set, dir) != VT_OK)
        g_error("%s: %s", dir, vt_error_message());
    static const struct {
        const char *lang, *must;
    } langs[] = {{"nl", "Recent toegevoegd"}, {"fr", "Ajouts récents"},
                 {"en", "Recent additions"}, {"de", "Neu hinzugefügt"}};
    gboolean update = g_strcmp0(g_getenv("VT_UPDATE_GOLDEN"), "1") == 0;
    for (size_t i = 0; i < G_N_ELEMENTS(langs); i++) {
        g_autofree char *html = render_home(set, langs[i].lang);
        g_autofree char *name = g_strconcat("tests/sitegen/i18n/home.", langs[i].lang, ".html",
                                            NULL);
        g_autofree char *golden = source_path(name);
        g_assert_nonnull(strstr(html, langs[i].must));
        g_autofree char *lang_attr = g_strconcat("<html lang=\"", langs[i].lang, "\">", NULL);
        g_assert_nonnull(strstr(html, lang_attr));
        if (update) {
            g_assert_true(g_file_set_contents(golden, html, -1, NULL));
            continue;
        }
        g_autofree char *want = NULL;
        if (!g_file_get_contents(golden, &want, NULL, NULL))
            g_error("%s is missing: run with VT_UPDATE_GOLDEN=1", golden);
        if (strcmp(html, want) != 0)
            g_error("%s differs from the rendered page: if the change is meant, run with "
                    "VT_UPDATE_GOLDEN=1 and read the diff", golden);
    }
    vt_template_set_free(set);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* An admin's shell may set LANGUAGE: the pages' languages must not
     * follow it (gettext would look in <dir>/de/ and translate nothing). */
    g_setenv("LANGUAGE", "de:en", TRUE);
    g_test_add_func("/i18n/tag", test_tag);
    g_test_add_func("/i18n/compiled-text", test_compiled_text);
    g_test_add_func("/i18n/tag-errors", test_tag_errors);
    g_test_add_func("/i18n/catalogues", test_catalogues);
    g_test_add_func("/i18n/golden-pages", test_golden_pages);
    return g_test_run();
}
