/* test_template.c: the template engine, by golden cases and through its API.
 *
 * Golden cases live in tests/sitegen/template/<case>/: template.mustache,
 * data.json (optional), partials/NAME.mustache (optional) and either
 * expected.html (compared byte for byte) or expected_error.txt (text the
 * error message must contain). Adding a folder adds a test. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vt_template.h"
#include "vt_file.h"

/* ------------------------------------------------------------------ */
/* Helpers */

static char *source_dir(void)
{
    const char *env = g_getenv("VT_SOURCE_DIR");
    if (env)
        return g_strdup(env);
    /* Run by hand from the build tree: this file is tests/sitegen/. */
    g_autofree char *here = g_path_get_dirname(__FILE__);
    return g_build_filename(here, "..", "..", NULL);
}

static char *read_file_or_null(const char *path, gsize *ret_len)
{
    char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, NULL))
        return NULL;
    if (ret_len)
        *ret_len = len;
    return text;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static json_t *parse_json(const char *text)
{
    json_error_t err;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &err);
    if (!value)
        g_error("bad test JSON: %s: %s", err.text, text);
    return value;
}

/* Renders @tpl (plus partials given as name, text pairs, NULL-terminated)
 * with @data_json; returns the output, or NULL with *ret_status set. */
static char *render_text(const char *tpl, const char *data_json, vt_status *ret_status, ...)
{
    vt_template_set *set = NULL;
    g_assert_cmpint(vt_template_set_new(&set), ==, VT_OK);

    va_list ap;
    va_start(ap, ret_status);
    const char *name;
    vt_status st = VT_OK;
    while (st == VT_OK && (name = va_arg(ap, const char *)) != NULL)
        st = vt_template_set_add(set, name, va_arg(ap, const char *), NULL);
    va_end(ap);

    json_t *data = data_json ? parse_json(data_json) : NULL;
    GString *out = g_string_new(NULL);
    if (st == VT_OK)
        st = vt_template_set_add(set, "main", tpl, "main.mustache");
    if (st == VT_OK)
        st = vt_template_render(set, "main", data, out);
    json_decref(data);
    vt_template_set_free(set);
    if (ret_status)
        *ret_status = st;
    if (st != VT_OK) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

static void assert_renders(const char *tpl, const char *data_json, const char *expected)
{
    vt_status st;
    g_autofree char *got = render_text(tpl, data_json, &st, NULL);
    if (!got)
        g_error("render of %s failed: %s", tpl, vt_error_message());
    g_assert_cmpstr(got, ==, expected);
}

static void assert_fails(const char *tpl, vt_status expected_status, const char *message_part)
{
    vt_status st;
    g_autofree char *got = render_text(tpl, "{}", &st, NULL);
    g_assert_null(got);
    g_assert_cmpint(st, ==, expected_status);
    if (!strstr(vt_error_message(), message_part))
        g_error("message \"%s\" lacks \"%s\"", vt_error_message(), message_part);
}

/* ------------------------------------------------------------------ */
/* Golden cases */

/* A translator that gives @data for every text (NULL: no translation). */
static const char *translate_to(const char *msgid, void *data)
{
    (void)msgid;
    return data;
}

static void test_golden(gconstpointer user_data)
{
    const char *dir = user_data;
    g_autofree char *tpl_path = g_build_filename(dir, "template.mustache", NULL);
    g_autofree char *data_path = g_build_filename(dir, "data.json", NULL);
    g_autofree char *partials = g_build_filename(dir, "partials", NULL);
    g_autofree char *expected_path = g_build_filename(dir, "expected.html", NULL);
    g_autofree char *error_path = g_build_filename(dir, "expected_error.txt", NULL);

    g_autofree char *tpl = read_file_or_null(tpl_path, NULL);
    g_assert_nonnull(tpl);
    gsize expected_len = 0;
    g_autofree char *expected = read_file_or_null(expected_path, &expected_len);
    g_autofree char *expected_error = read_file_or_null(error_path, NULL);
    g_assert_true((expected != NULL) != (expected_error != NULL));

    json_t *data = NULL;
    if (g_file_test(data_path, G_FILE_TEST_EXISTS)) {
        json_error_t err;
        data = json_load_file(data_path, JSON_DECODE_ANY, &err);
        if (!data)
            g_error("%s:%d: %s", data_path, err.line, err.text);
    }

    vt_template_set *set = NULL;
    g_assert_cmpint(vt_template_set_new(&set), ==, VT_OK);
    vt_status st = VT_OK;
    if (g_file_test(partials, G_FILE_TEST_IS_DIR))
        st = vt_template_set_load_dir(set, partials);
    if (st == VT_OK)
        st = vt_template_set_add(set, "template", tpl, tpl_path);
    GString *out = g_string_new(NULL);
    if (st == VT_OK)
        st = vt_template_render(set, "template", data, out);

    if (expected) {
        if (st != VT_OK)
            g_error("%s: %s", dir, vt_error_message());
        g_assert_cmpstr(out->str, ==, expected);
        g_assert_cmpuint(out->len, ==, expected_len);
        /* A translator without translations: interface text is rendered
         * node by node, not in the rows joined for renders without one. */
        g_string_truncate(out, 0);
        g_assert_cmpint(vt_template_render_translated(set, "template", data, translate_to, NULL,
                                                      out), ==, VT_OK);
        g_assert_cmpstr(out->str, ==, expected);
    } else {
        g_strchomp(expected_error);
        g_assert_cmpint(st, !=, VT_OK);
        if (!strstr(vt_error_message(), expected_error))
            g_error("%s: message \"%s\" lacks \"%s\"", dir, vt_error_message(), expected_error);
        /* A failed render leaves nothing behind. */
        g_assert_cmpuint(out->len, ==, 0);
    }
    g_string_free(out, TRUE);
    json_decref(data);
    vt_template_set_free(set);
}

/* g_ptr_array_sort passes pointers to the elements. */
static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Registers one test per case folder; returns the folder names to free
 * after the run. */
static GPtrArray *add_golden_tests(void)
{
    g_autofree char *src = source_dir();
    g_autofree char *root = g_build_filename(src, "tests", "sitegen", "template", NULL);
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *dir = g_dir_open(root, 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(root, names->pdata[i], NULL);
        g_autofree char *test_path = g_strdup_printf("/template/golden/%s",
                                                     (const char *)names->pdata[i]);
        g_ptr_array_add(dirs, g_steal_pointer(&path));
        g_test_add_data_func(test_path, dirs->pdata[dirs->len - 1], test_golden);
    }
    /* At least the cases the brief asks for. */
    g_assert_cmpuint(dirs->len, >=, 20);
    g_ptr_array_free(names, TRUE);
    return dirs;
}

/* ------------------------------------------------------------------ */
/* Cases from the Mustache spec (specs/{sections,partials}.yml) whose
 * whitespace rules are easy to get wrong, and our reading of the textual
 * indentation rule. */

typedef struct {
    const char *what;
    const char *tpl;
    const char *data;
    const char *partial_a;  /* the partial "a", or NULL */
    const char *partial_b;  /* the partial "b", or NULL */
    const char *expected;
} spec_case;

static const spec_case spec_cases[] = {
    { "standalone indentation", "\\\n {{>a}}\n/\n", "{\"content\": \"<\\n->\"}",
      "|\n{{{content}}}\n|\n", NULL, "\\\n |\n <\n->\n |\n/\n" },
    { "standalone partial without previous line", "  {{>a}}\n>", "{}", ">\n>", NULL,
      "  >\n  >>" },
    { "standalone partial without newline", ">\n  {{>a}}", "{}", ">\n>", NULL, ">\n  >\n  >" },
    { "inline partial is not indented", "  {{data}}  {{> a}}\n", "{\"data\": \"|\"}", ">\n>",
      NULL, "  |  >\n>\n" },
    { "standalone partial, CRLF", "|\r\n{{>a}}\r\n|", "{}", ">", NULL, "|\r\n>|" },
    { "partial surrounding whitespace", "| {{>a}} |", "{}", "\t|\t", NULL, "| \t|\t |" },
    { "partial padding", "|{{> a }}|", "{}", "[]", NULL, "|[]|" },
    { "section internal whitespace", " | {{#b}} {{! Important Whitespace }}\n {{/b}} | \n",
      "{\"b\": true}", NULL, NULL, " |  \n  | \n" },
    { "indented inline sections", " {{#b}}YES{{/b}}\n {{#b}}GOOD{{/b}}\n", "{\"b\": true}", NULL,
      NULL, " YES\n GOOD\n" },
    { "doubled sections", "{{#bool}}\n* first\n{{/bool}}\n* {{two}}\n{{#bool}}\n* third\n{{/bool}}\n",
      "{\"bool\": true, \"two\": \"second\"}", NULL, NULL, "* first\n* second\n* third\n" },
    { "section padding", "|{{# boolean }}={{/ boolean }}|", "{\"boolean\": true}", NULL, NULL,
      "|=|" },
    { "list contexts",
      "{{#tops}}{{#middles}}{{tname.lower}}{{mname}}.{{#bottoms}}{{tname.upper}}{{mname}}{{bname}}."
      "{{/bottoms}}{{/middles}}{{/tops}}",
      "{\"tops\": [{\"tname\": {\"upper\": \"A\", \"lower\": \"a\"}, \"middles\": [{\"mname\": \"1\","
      " \"bottoms\": [{\"bname\": \"x\"}, {\"bname\": \"y\"}]}]}]}",
      NULL, NULL, "a1.A1x.A1y." },
    { "deeply nested contexts",
      "{{#a}}\n{{one}}\n{{#b}}\n{{one}}{{two}}{{one}}\n{{#c}}\n{{one}}{{two}}{{three}}{{two}}{{one}}\n"
      "{{#d}}\n{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n{{#five}}\n"
      "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n"
      "{{one}}{{two}}{{three}}{{four}}{{.}}6{{.}}{{four}}{{three}}{{two}}{{one}}\n"
      "{{one}}{{two}}{{three}}{{four}}{{five}}{{four}}{{three}}{{two}}{{one}}\n{{/five}}\n"
      "{{one}}{{two}}{{three}}{{four}}{{three}}{{two}}{{one}}\n{{/d}}\n"
      "{{one}}{{two}}{{three}}{{two}}{{one}}\n{{/c}}\n{{one}}{{two}}{{one}}\n{{/b}}\n{{one}}\n{{/a}}\n",
      "{\"a\": {\"one\": 1}, \"b\": {\"two\": 2}, \"c\": {\"three\": 3, \"d\": {\"four\": 4,"
      " \"five\": 5}}}",
      NULL, NULL,
      "1\n121\n12321\n1234321\n123454321\n12345654321\n123454321\n1234321\n12321\n121\n1\n" },
    /* The indentation goes before each line of the partial's *source*: the
     * second pass of a loop whose tag opens the line gets none. */
    { "indentation follows source lines", "  {{>a}}\n", "{\"l\": [1, 2]}", "{{#l}}x\n{{/l}}",
      NULL, "  x\nx\n" },
    { "inline partial inside a standalone one", "  {{>a}}\n", "{}", "[{{>b}}]\n", "1\n2",
      "  [1\n2]\n" },
    { "standalone partial inside an inline one", "x{{>a}}", "{}", "\n  {{>b}}\n", "1\n2\n",
      "x\n  1\n  2\n" },
    { "nested standalone partials add up", "  {{>a}}\n", "{}", "<\n  {{>b}}\n>\n", "1\n2\n",
      "  <\n    1\n    2\n  >\n" },
    { "indented standalone line inside an indented partial", "\t{{>a}}\n", "{\"v\": true}",
      "a\n  {{#v}}\n  b\n  {{/v}}\nc", NULL, "\ta\n\t  b\n\tc" },
};

static void test_spec_cases(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(spec_cases); i++) {
        const spec_case *c = &spec_cases[i];
        vt_status st;
        g_test_message("spec case: %s", c->what);
        g_autofree char *got = NULL;
        if (c->partial_a && c->partial_b)
            got = render_text(c->tpl, c->data, &st, "a", c->partial_a, "b", c->partial_b, NULL);
        else if (c->partial_a)
            got = render_text(c->tpl, c->data, &st, "a", c->partial_a, NULL);
        else
            got = render_text(c->tpl, c->data, &st, NULL);
        if (!got)
            g_error("%s: %s", c->what, vt_error_message());
        g_assert_cmpstr(got, ==, c->expected);
    }
}

/* ------------------------------------------------------------------ */
/* The API */

static void test_override_dir(void)
{
    g_autofree char *base = g_dir_make_tmp("vt-template-XXXXXX", NULL);
    g_autofree char *inst = g_dir_make_tmp("vt-template-XXXXXX", NULL);
    g_assert_nonnull(base);
    g_assert_nonnull(inst);
    write_file(base, "page.mustache", "{{>header}}\n<main>{{x}}</main>\n{{>footer}}\n");
    write_file(base, "header.mustache", "<h1>Base</h1>\n");
    write_file(base, "footer.html", "<footer>base</footer>\n");
    write_file(base, "style.css", "{{#broken");           /* not a template */
    write_file(base, ".hidden.mustache", "{{#broken");    /* skipped */
    g_autofree char *subdir = g_build_filename(base, "sub.mustache", NULL);
    g_assert_cmpint(g_mkdir(subdir, 0700), ==, 0);         /* not a file */
    write_file(inst, "header.html", "<h1>{{name}}</h1>\n");

    vt_template_set *set = NULL;
    g_assert_cmpint(vt_template_set_new(&set), ==, VT_OK);
    json_t *data = parse_json("{\"x\": 1, \"name\": \"Musée & Co\"}");
    GString *out = g_string_new(NULL);

    g_assert_cmpint(vt_template_set_load_dir(set, base), ==, VT_OK);
    g_assert_true(vt_template_set_has(set, "page"));
    g_assert_true(vt_template_set_has(set, "footer"));
    g_assert_false(vt_template_set_has(set, "style"));
    g_assert_false(vt_template_set_has(set, ".hidden"));
    g_assert_false(vt_template_set_has(set, "sub"));
    g_assert_cmpint(vt_template_set_check(set), ==, VT_OK);
    g_assert_cmpint(vt_template_render(set, "page", data, out), ==, VT_OK);
    g_assert_cmpstr(out->str, ==, "<h1>Base</h1>\n<main>1</main>\n<footer>base</footer>\n");

    /* The institute's header replaces the installed one, in every page. */
    g_assert_cmpint(vt_template_set_load_dir(set, inst), ==, VT_OK);
    g_string_truncate(out, 0);
    g_assert_cmpint(vt_template_render(set, "page", data, out), ==, VT_OK);
    g_assert_cmpstr(out->str, ==,
                    "<h1>Musée &amp; Co</h1>\n<main>1</main>\n<footer>base</footer>\n");

    g_string_free(out, TRUE);
    json_decref(data);
    vt_template_set_free(set);
    g_assert_cmpint(vt_file_remove_tree(base), ==, VT_OK);
    g_assert_cmpint(vt_file_remove_tree(inst), ==, VT_OK);
}

static void test_load_dir_all_or_nothing(void)
{
    g_autofree char *dir = g_dir_make_tmp("vt-template-XXXXXX", NULL);
    write_file(dir, "a-good.mustache", "fine\n");
    write_file(dir, "b-bad.mustache", "fine\n\n{{#open}}\n");
    write_file(dir, "c-good.mustache", "fine\n");

    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    g_assert_cmpint(vt_template_set_add(set, "a-good", "old", NULL), ==, VT_OK);
    g_assert_cmpint(vt_template_set_load_dir(set, dir), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "b-bad.mustache:3: unclosed section 'open'"));
    g_assert_nonnull(strstr(vt_error_message(), dir));
    g_assert_false(vt_template_set_has(set, "c-good"));
    GString *out = g_string_new(NULL);
    g_assert_cmpint(vt_template_render(set, "a-good", NULL, out), ==, VT_OK);
    g_assert_cmpstr(out->str, ==, "old");
    g_string_free(out, TRUE);

    /* Two files for one name. */
    g_autofree char *bad = g_build_filename(dir, "b-bad.mustache", NULL);
    g_assert_cmpint(g_unlink(bad), ==, 0);
    write_file(dir, "a-good.html", "twin\n");
    g_assert_cmpint(vt_template_set_load_dir(set, dir), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "template 'a-good' is already defined"));

    /* A name that {{>name}} could never use. */
    g_autofree char *twin = g_build_filename(dir, "a-good.html", NULL);
    g_assert_cmpint(g_unlink(twin), ==, 0);
    write_file(dir, "my page.html", "x");
    g_assert_cmpint(vt_template_set_load_dir(set, dir), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "'my page' is not a usable template name"));

    vt_template_set_free(set);
    g_assert_cmpint(vt_file_remove_tree(dir), ==, VT_OK);
}

static void test_load_dir_errors(void)
{
    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    g_autofree char *dir = g_dir_make_tmp("vt-template-XXXXXX", NULL);
    g_autofree char *missing = g_build_filename(dir, "nope", NULL);

    g_assert_cmpint(vt_template_set_load_dir(set, missing), ==, VT_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(vt_error_message(), missing));

    /* One byte over the size limit; exactly at it is fine. */
    char *big = g_malloc(VT_TEMPLATE_MAX_SIZE + 2);
    memset(big, 'x', VT_TEMPLATE_MAX_SIZE + 1);
    big[VT_TEMPLATE_MAX_SIZE + 1] = '\0';
    write_file(dir, "big.mustache", big);
    g_assert_cmpint(vt_template_set_load_dir(set, dir), ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "big.mustache"));
    g_assert_cmpint(vt_template_set_add(set, "big", big, NULL), ==, VT_ERR_LIMIT);
    big[VT_TEMPLATE_MAX_SIZE] = '\0';
    write_file(dir, "big.mustache", big);
    g_assert_cmpint(vt_template_set_load_dir(set, dir), ==, VT_OK);
    g_assert_cmpint(vt_template_set_add(set, "big", big, NULL), ==, VT_OK);
    g_free(big);

    /* Not text. */
    g_autofree char *nul_path = g_build_filename(dir, "nul.mustache", NULL);
    g_assert_true(g_file_set_contents(nul_path, "a\0b", 3, NULL));
    g_assert_cmpint(vt_template_set_load_dir(set, dir), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "nul.mustache: not UTF-8"));
    g_assert_true(g_file_set_contents(nul_path, "caf\xe9", 4, NULL));
    g_assert_cmpint(vt_template_set_load_dir(set, dir), ==, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "nul.mustache: not UTF-8"));
    g_assert_cmpint(vt_template_set_add(set, "latin1", "caf\xe9", "latin1.txt"), ==,
                    VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "latin1.txt: not UTF-8"));

    vt_template_set_free(set);
    g_assert_cmpint(vt_file_remove_tree(dir), ==, VT_OK);
}

static void test_add(void)
{
    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    GString *out = g_string_new(NULL);

    static const char *const bad_names[] = { "", "a b", "{x}", "tab\there", "line\n" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad_names); i++) {
        g_assert_cmpint(vt_template_set_add(set, bad_names[i], "x", NULL), ==, VT_ERR_INVALID);
        g_assert_nonnull(strstr(vt_error_message(), "not a usable template name"));
    }
    char long_name[300];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    g_assert_cmpint(vt_template_set_add(set, long_name, "x", NULL), ==, VT_ERR_INVALID);

    /* Without an origin, messages name the template. */
    g_assert_cmpint(vt_template_set_add(set, "snippet", "\n{{#a}}", NULL), ==, VT_ERR_INVALID);
    g_assert_cmpstr(vt_error_message(), ==, "snippet:2: unclosed section 'a'");

    /* A failed add keeps the previous template of that name. */
    g_assert_cmpint(vt_template_set_add(set, "t", "one {{x}}", NULL), ==, VT_OK);
    g_assert_cmpint(vt_template_set_add(set, "t", "two {{", NULL), ==, VT_ERR_INVALID);
    g_assert_cmpint(vt_template_render(set, "t", NULL, out), ==, VT_OK);
    g_assert_cmpstr(out->str, ==, "one ");
    /* A successful one replaces it. */
    g_assert_cmpint(vt_template_set_add(set, "t", "three", NULL), ==, VT_OK);
    g_string_truncate(out, 0);
    g_assert_cmpint(vt_template_render(set, "t", NULL, out), ==, VT_OK);
    g_assert_cmpstr(out->str, ==, "three");

    /* Names a site might use. */
    g_assert_cmpint(vt_template_set_add(set, "asset.page-2", "{{>layout/header}}", NULL), ==,
                    VT_OK);
    g_assert_cmpint(vt_template_set_add(set, "layout/header", "h", NULL), ==, VT_OK);
    g_string_truncate(out, 0);
    g_assert_cmpint(vt_template_render(set, "asset.page-2", NULL, out), ==, VT_OK);
    g_assert_cmpstr(out->str, ==, "h");

    g_string_free(out, TRUE);
    vt_template_set_free(set);
    vt_template_set_free(NULL);
}

static void test_render_errors(void)
{
    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    GString *out = g_string_new("kept");

    g_assert_cmpint(vt_template_render(set, "nothing", NULL, out), ==, VT_ERR_NOT_FOUND);
    g_assert_nonnull(strstr(vt_error_message(), "no template 'nothing'"));

    /* Output before the error is taken back; what was there stays. */
    g_assert_cmpint(vt_template_set_add(set, "t", "abc\n{{#x}}\n{{>gone}}\n{{/x}}\n", "t.html"), ==,
                    VT_OK);
    json_t *data = parse_json("{\"x\": [1]}");
    g_assert_cmpint(vt_template_render(set, "t", data, out), ==, VT_ERR_INVALID);
    g_assert_cmpstr(vt_error_message(), ==, "t.html:3: no template 'gone' for this partial");
    g_assert_cmpstr(out->str, ==, "kept");

    /* vt_template_set_check finds it before any rendering. */
    g_assert_cmpint(vt_template_set_check(set), ==, VT_ERR_INVALID);
    g_assert_cmpstr(vt_error_message(), ==, "t.html:3: no template 'gone' for this partial");
    g_assert_cmpint(vt_template_set_add(set, "gone", "G", NULL), ==, VT_OK);
    g_assert_cmpint(vt_template_set_check(set), ==, VT_OK);
    g_assert_cmpint(vt_template_render(set, "t", data, out), ==, VT_OK);
    g_assert_cmpstr(out->str, ==, "keptabc\nG");

    json_decref(data);
    g_string_free(out, TRUE);
    vt_template_set_free(set);
}

static void test_parse_errors(void)
{
    assert_fails("a{{", VT_ERR_INVALID, "main.mustache:1: unterminated tag");
    assert_fails("{{#a}}{{/b}}", VT_ERR_INVALID, "mismatched {{/b}}");
    assert_fails("{{#a}}\n{{^b}}\n{{/b}}\n", VT_ERR_INVALID, "main.mustache:1: unclosed section 'a'");
    assert_fails("{{/}}", VT_ERR_INVALID, "empty tag");
    assert_fails("{{#}}", VT_ERR_INVALID, "empty tag");
    assert_fails("{{>}}", VT_ERR_INVALID, "empty tag");
    assert_fails("{{.a}}", VT_ERR_INVALID, "invalid name '.a'");
    assert_fails("{{a.}}", VT_ERR_INVALID, "invalid name 'a.'");
    assert_fails("{{..}}", VT_ERR_INVALID, "invalid name '..'");
    assert_fails("{{ #a }}", VT_ERR_INVALID, "invalid name '#a'");
    assert_fails("{{$block}}", VT_ERR_INVALID, "template inheritance");
    assert_fails("{{?x}}", VT_ERR_INVALID, "unknown tag '{{?'");
    assert_fails("{{{a}}", VT_ERR_INVALID, "'{{{' without '}}}'");
    /* Long names are quoted only in part. */
    g_autofree char *long_tag = g_strdup_printf("{{a %0200d}}", 0);
    assert_fails(long_tag, VT_ERR_INVALID, "...'");
    g_assert_cmpuint(strlen(vt_error_message()), <, 150);
}

/* @data (taken) with "l": a list of @n zeros, for loops of n passes. */
static json_t *with_list(json_t *data, int n)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_integer(0));
    json_object_set_new(data, "l", list);
    return data;
}

static void test_limits(void)
{
    /* Output: 100^3 passes of 100 bytes is far over 64 MiB. */
    char s[101];
    for (int i = 0; i < 100; i++)
        s[i] = (char)('a' + i % 26);
    s[100] = '\0';
    json_t *data = with_list(json_pack("{s:s}", "s", s), 100);

    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    GString *out = g_string_new(NULL);
    g_assert_cmpint(vt_template_set_add(set, "big", "{{#l}}{{#l}}{{#l}}{{s}}{{/l}}{{/l}}{{/l}}",
                                        NULL), ==, VT_OK);
    g_assert_cmpint(vt_template_render(set, "big", data, out), ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "big:1: output over the limit"));
    g_assert_cmpuint(out->len, ==, 0);

    /* Steps: a billion passes of an empty body produce no output at all. */
    g_assert_cmpint(vt_template_set_add(set, "slow",
                                        "{{#l}}{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}{{/l}}", NULL),
                    ==, VT_OK);
    g_assert_cmpint(vt_template_render(set, "slow", data, out), ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "rendering stopped after"));

    /* Partials: 32 levels are fine, the 33rd is not. */
    for (int i = 0; i < 33; i++) {
        g_autofree char *name = g_strdup_printf("p%d", i);
        g_autofree char *text = g_strdup_printf("%d{{>p%d}}", i, i + 1);
        g_assert_cmpint(vt_template_set_add(set, name, text, NULL), ==, VT_OK);
    }
    g_assert_cmpint(vt_template_set_add(set, "p33", "end", NULL), ==, VT_OK);
    g_assert_cmpint(vt_template_render(set, "p1", NULL, out), ==, VT_OK);
    g_assert_true(g_str_has_suffix(out->str, "3132end"));
    g_string_truncate(out, 0);
    g_assert_cmpint(vt_template_render(set, "p0", NULL, out), ==, VT_ERR_INVALID);
    g_assert_cmpstr(vt_error_message(), ==, "p32:1: partials nested deeper than 32 ('p33')");

    g_string_free(out, TRUE);
    json_decref(data);
    vt_template_set_free(set);
}

static void test_values(void)
{
    assert_renders("{{.}}", "\"top <string>\"", "top &lt;string&gt;");
    assert_renders("{{#.}}[{{.}}]{{/.}}", "[1, \"a\", null, true]", "[1][a][][true]");
    assert_renders("a{{x}}b", NULL, "ab");
    assert_renders("{{n}} {{m}}", "{\"n\": -9223372036854775808, \"m\": 9223372036854775807}",
                   "-9223372036854775808 9223372036854775807");
    assert_renders("{{a}} {{b}} {{c}} {{d}}", "{\"a\": 0.1, \"b\": -0.5, \"c\": 1e100, \"d\": 123456.75}",
                   "0.1 -0.5 1e+100 123456.75");
    /* Every character that matters in HTML, none that does not. */
    assert_renders("{{s}}", "{\"s\": \"&<>\\\"'/=`abc\"}", "&amp;&lt;&gt;&quot;&#39;/=`abc");
}

static void test_embedded_nul(void)
{
    /* JSON strings may hold NUL; the output keeps it rather than stopping. */
    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    g_assert_cmpint(vt_template_set_add(set, "t", "[{{x}}|{{{x}}}]", NULL), ==, VT_OK);
    json_t *data = json_object();
    json_object_set_new(data, "x", json_stringn("a\0<", 3));
    GString *out = g_string_new(NULL);
    g_assert_cmpint(vt_template_render(set, "t", data, out), ==, VT_OK);
    g_assert_cmpuint(out->len, ==, 12);
    g_assert_true(memcmp(out->str, "[a\0&lt;|a\0<]", 12) == 0);
    /* NUL first and last, and next to bytes that need escaping. */
    json_object_set_new(data, "x", json_stringn("\0&\0\0'\0", 6));
    g_string_truncate(out, 0);
    g_assert_cmpint(vt_template_render(set, "t", data, out), ==, VT_OK);
    g_assert_cmpuint(out->len, ==, 23);
    g_assert_true(memcmp(out->str, "[\0&amp;\0\0&#39;\0|\0&\0\0'\0]", 23) == 0);
    g_string_free(out, TRUE);
    json_decref(data);
    vt_template_set_free(set);
}

/* HTML escaping as the header defines it, one byte at a time: what the
 * engine's faster escaper must give. */
static void escape_slowly(GString *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': g_string_append(out, "&amp;"); break;
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        case '\'': g_string_append(out, "&#39;"); break;
        default: g_string_append_c(out, s[i]);
        }
    }
}

/* Renders "[{{x}}|{{{x}}}]" with x = @s (@n bytes, not checked as UTF-8)
 * and compares with escape_slowly(); a fresh output buffer each time, so
 * that the escaper grows it. */
static void assert_escapes(vt_template_set *set, const char *s, size_t n)
{
    json_t *data = json_object();
    json_object_set_new(data, "x", json_stringn_nocheck(s, n));
    GString *expected = g_string_new("[");
    escape_slowly(expected, s, n);
    g_string_append_c(expected, '|');
    g_string_append_len(expected, s, (gssize)n);
    g_string_append_c(expected, ']');
    GString *out = g_string_new(NULL);
    g_assert_cmpint(vt_template_render(set, "t", data, out), ==, VT_OK);
    g_assert_cmpmem(out->str, out->len, expected->str, expected->len);
    g_assert_cmpint(out->str[out->len], ==, '\0');
    g_string_free(out, TRUE);
    g_string_free(expected, TRUE);
    json_decref(data);
}

static void test_escaping(void)
{
    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    g_assert_cmpint(vt_template_set_add(set, "t", "[{{x}}|{{{x}}}]", NULL), ==, VT_OK);

    /* Filler: ASCII, two- to four-byte UTF-8, a control character, bytes
     * near the special ones; then each special byte (and NUL) at each
     * position of strings 0 to 40 bytes long, alone and with a second one
     * at the mirrored position (so runs of two and specials at both ends). */
    static const char filler[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x01=;%/`b"
                                 "</script>\t \xc2\xa0z";
    static const char specials[] = { '&', '<', '>', '"', '\'', '\0' };
    char buf[64];
    for (size_t len = 0; len <= 40; len++) {
        for (size_t i = 0; i < len; i++)
            buf[i] = filler[i % (sizeof filler - 1)];
        buf[len] = '\0';
        assert_escapes(set, buf, len);
        for (size_t k = 0; k < G_N_ELEMENTS(specials); k++)
            for (size_t pos = 0; pos < len; pos++) {
                char copy[64];
                memcpy(copy, buf, len + 1);
                copy[pos] = specials[k];
                assert_escapes(set, copy, len);
                copy[len - 1 - pos] = specials[(k + pos) % G_N_ELEMENTS(specials)];
                assert_escapes(set, copy, len);
            }
    }
    /* Nothing but specials, long, as the annotation types' JSON nearly is. */
    GString *dense = g_string_new(NULL);
    for (int i = 0; i < 3000; i++)
        g_string_append_c(dense, "&<>\"'x"[i % 6]);
    assert_escapes(set, dense->str, dense->len);
    g_string_free(dense, TRUE);
    vt_template_set_free(set);
}

/* Escaped output up to the limit: exactly VT_TEMPLATE_MAX_OUTPUT bytes are
 * fine, one more is not, also when the last value cannot have room for its
 * worst case (six bytes a byte) within the limit. */
static void test_escaping_limit(void)
{
    G_STATIC_ASSERT(VT_TEMPLATE_MAX_OUTPUT == 1024 * 1024 * 64);
    json_t *data = with_list(json_pack("{s:s, s:s}", "s", "<<<<<<<<<<<<<<<<", "t", "abc<"), 1024);

    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    /* 1024 * 1024 passes of 16 * "&lt;". */
    g_assert_cmpint(vt_template_set_add(set, "full", "{{#l}}{{#l}}{{s}}{{/l}}{{/l}}", NULL), ==,
                    VT_OK);
    /* Then a value whose plain start alone is over the limit. */
    g_assert_cmpint(vt_template_set_add(set, "over", "{{#l}}{{#l}}{{s}}{{/l}}{{/l}}{{t}}", NULL),
                    ==, VT_OK);
    g_assert_cmpint(vt_template_set_add(set, "after", "x{{#l}}{{#l}}{{s}}{{/l}}{{/l}}", NULL), ==,
                    VT_OK);
    GString *out = g_string_new("kept");
    g_assert_cmpint(vt_template_render(set, "full", data, out), ==, VT_OK);
    g_assert_cmpuint(out->len, ==, 4 + VT_TEMPLATE_MAX_OUTPUT);
    g_assert_true(g_str_has_suffix(out->str, "&lt;&lt;"));
    g_string_truncate(out, 4);
    g_assert_cmpint(vt_template_render(set, "over", data, out), ==, VT_ERR_LIMIT);
    g_assert_cmpint(vt_template_render(set, "after", data, out), ==, VT_ERR_LIMIT);
    g_assert_nonnull(strstr(vt_error_message(), "after:1: output over the limit"));
    g_assert_cmpstr(out->str, ==, "kept");
    g_string_free(out, TRUE);
    json_decref(data);
    vt_template_set_free(set);
}

/* Translations are scanned for placeholders and bytes to escape when
 * rendered; each pair is a translation and what the 9146228 engine made of
 * it: unpaired braces, names it lacks, dotted names, specials next to
 * braces, non-ASCII. */
static void test_translations(void)
{
    static const struct {
        const char *translation, *expected;
    } cases[] = {
        { "plain text", "[plain text]" },
        { "{a}", "[&lt;A&gt;]" },
        { "x{a}y", "[x&lt;A&gt;y]" },
        { "{a}{a}", "[&lt;A&gt;&lt;A&gt;]" },
        { "{b.c} and {b.missing} and {b.c.deeper}", "[C&amp; and {b.missing} and {b.c.deeper}]" },
        { "{missing}", "[{missing}]" },
        { "{a", "[{a]" },
        { "a}", "[a}]" },
        { "}{a}", "[}&lt;A&gt;]" },
        { "{a{b}", "[{a{b}]" },
        { "{{a}}", "[{{a}}]" },
        { "&{a}&", "[&amp;&lt;A&gt;&amp;]" },
        { "<{n}>", "[&lt;3&gt;]" },
        { "'{b}' '{list}'", "[&#39;&#39; &#39;&#39;]" },
        { "{}", "[{}]" },
        { "{.}", "[{.}]" },
        { "tail {", "[tail {]" },
        { "\303\251{a}\303\274 \342\200\223 \302\275",
          "[\303\251&lt;A&gt;\303\274 \342\200\223 \302\275]" },
        { "\"quoted\" & 'single' <tag>",
          "[&quot;quoted&quot; &amp; &#39;single&#39; &lt;tag&gt;]" },
        { "{n}{n}{n}", "[333]" },
        { " { a } ", "[ { a } ]" },
        { "{a}}{a", "[&lt;A&gt;}{a]" },
        { "{a & <b>", "[{a &amp; &lt;b&gt;]" },
        { "it's {a} & {", "[it&#39;s &lt;A&gt; &amp; {]" },
        { "&{", "[&amp;{]" },
        { "{&}", "[{&amp;}]" },
        { "{a}&{", "[&lt;A&gt;&amp;{]" },
    };
    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    g_assert_cmpint(vt_template_set_add(set, "t", "[{{_ x}}]", NULL), ==, VT_OK);
    json_t *data =
        parse_json("{\"a\": \"<A>\", \"b\": {\"c\": \"C&\"}, \"n\": 3, \"list\": [1]}");
    GString *out = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_string_truncate(out, 0);
        g_assert_cmpint(vt_template_render_translated(set, "t", data, translate_to,
                                                      (void *)cases[i].translation, out),
                        ==, VT_OK);
        g_assert_cmpstr(out->str, ==, cases[i].expected);
    }
    g_string_free(out, TRUE);
    json_decref(data);
    vt_template_set_free(set);
}

/* A render remembers its lookups in a table of 1024 entries: many more
 * objects and names than that must still give what fresh lookups give. */
static void test_many_lookups(void)
{
    /* 3000 objects; "w" in every other one, else found outside. */
    json_t *list = json_array();
    GString *expected = g_string_new(NULL);
    for (int i = 0; i < 3000; i++) {
        json_t *item = json_pack("{s:i}", "v", i);
        if (i % 2 == 0)
            json_object_set_new(item, "w", json_integer(-i));
        json_array_append_new(list, item);
        g_string_append_printf(expected, "%d:%d:T;", i, i % 2 == 0 ? -i : 99);
    }
    json_t *data = json_pack("{s:o, s:i, s:s}", "l", list, "w", 99, "top", "T");

    /* 1500 names, each twice. */
    GString *tpl = g_string_new("{{#l}}{{v}}:{{w}}:{{top}};{{/l}}|");
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 1500; i++) {
            g_string_append_printf(tpl, "{{n%d}},", i);
            if (pass == 0) {
                g_autofree char *key = g_strdup_printf("n%d", i);
                json_object_set_new(data, key, json_integer(i * 7));
            }
        }
    g_string_append_c(expected, '|');
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 1500; i++)
            g_string_append_printf(expected, "%d,", i * 7);

    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    g_assert_cmpint(vt_template_set_add(set, "t", tpl->str, NULL), ==, VT_OK);
    /* Appended after what the buffer holds, and terminated. */
    GString *out = g_string_new("prefix:");
    g_assert_cmpint(vt_template_render(set, "t", data, out), ==, VT_OK);
    g_assert_true(g_str_has_prefix(out->str, "prefix:"));
    g_assert_cmpstr(out->str + 7, ==, expected->str);
    g_assert_cmpuint(strlen(out->str), ==, out->len);

    g_string_free(out, TRUE);
    g_string_free(tpl, TRUE);
    g_string_free(expected, TRUE);
    json_decref(data);
    vt_template_set_free(set);
}

typedef struct {
    const vt_template_set *set;
    const json_t *data;
    const char *expected;
    gboolean ok;
} thread_job;

static gpointer render_many(gpointer user_data)
{
    thread_job *job = user_data;
    GString *out = g_string_new(NULL);
    job->ok = TRUE;
    for (int i = 0; i < 300 && job->ok; i++) {
        g_string_truncate(out, 0);
        if (vt_template_render(job->set, "page", job->data, out) != VT_OK ||
            strcmp(out->str, job->expected) != 0)
            job->ok = FALSE;
    }
    g_string_free(out, TRUE);
    return NULL;
}

static void test_threads(void)
{
    vt_template_set *set = NULL;
    vt_template_set_new(&set);
    g_assert_cmpint(vt_template_set_add(set, "page",
                                        "<ul>\n{{#items}}\n  {{>item}}\n{{/items}}\n</ul>\n", NULL),
                    ==, VT_OK);
    g_assert_cmpint(vt_template_set_add(set, "item", "<li>{{name}}</li>\n", NULL), ==, VT_OK);
    json_t *data = parse_json("{\"items\": [{\"name\": \"a&b\"}, {\"name\": \"c\"}]}");
    GString *expected = g_string_new(NULL);
    g_assert_cmpint(vt_template_render(set, "page", data, expected), ==, VT_OK);
    g_assert_cmpstr(expected->str, ==, "<ul>\n  <li>a&amp;b</li>\n  <li>c</li>\n</ul>\n");

    thread_job jobs[4];
    GThread *threads[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){ .set = set, .data = data, .expected = expected->str };
        threads[i] = g_thread_new("render", render_many, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        g_thread_join(threads[i]);
        g_assert_true(jobs[i].ok);
    }
    g_string_free(expected, TRUE);
    json_decref(data);
    vt_template_set_free(set);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    GPtrArray *golden = add_golden_tests();
    g_test_add_func("/template/spec-cases", test_spec_cases);
    g_test_add_func("/template/override-dir", test_override_dir);
    g_test_add_func("/template/load-dir-all-or-nothing", test_load_dir_all_or_nothing);
    g_test_add_func("/template/load-dir-errors", test_load_dir_errors);
    g_test_add_func("/template/add", test_add);
    g_test_add_func("/template/render-errors", test_render_errors);
    g_test_add_func("/template/parse-errors", test_parse_errors);
    g_test_add_func("/template/limits", test_limits);
    g_test_add_func("/template/values", test_values);
    g_test_add_func("/template/embedded-nul", test_embedded_nul);
    g_test_add_func("/template/escaping", test_escaping);
    g_test_add_func("/template/escaping-limit", test_escaping_limit);
    g_test_add_func("/template/translations", test_translations);
    g_test_add_func("/template/many-lookups", test_many_lookups);
    g_test_add_func("/template/threads", test_threads);
    int rc = g_test_run();
    g_ptr_array_free(golden, TRUE);
    return rc;
}
