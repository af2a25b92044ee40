/* test_name.c: vt_name's rules for hotfolder names. */
#include <string.h>

#include "vt_name.h"

#define DEFAULT_REGEX "^([0-9]{4}\\.[0-9]{4,5})"

static void test_ignored(void)
{
    static const char *const ignored[] = {
        ".DS_Store", "._2019.12345.tif", ".~lock.file.odt#", ".hidden.jpg", ".", "..",
        "~$report.docx", "photo.jpg.part", "photo.PART", "x.partial", "upload.tmp", "UP.TMP",
        "x.crdownload", "x.filepart", "Thumbs.db", "THUMBS.DB", "thumbs.db", "ehthumbs.db",
        "desktop.ini", "Desktop.INI", "Icon\r", "",
    };
    static const char *const kept[] = {
        "2019.12345_front.tif", "2019.1234 recto.jpg", "photo.jpg", "part", "tmp.jpg",
        "x.part.jpg", "~photo.jpg", "Thumbs.db.jpg", "my desktop.ini.png", "Icon",
        "-leading-dash.tif", "éàü.tif", "x.reason.txt", "image.xmp",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ignored); i++) {
        g_test_message("ignored: %s", ignored[i]);
        g_assert_true(vt_name_is_ignored(ignored[i]));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
        g_test_message("kept: %s", kept[i]);
        g_assert_false(vt_name_is_ignored(kept[i]));
    }
    g_assert_true(vt_name_is_ignored(NULL));
}

static void test_ignored_dir(void)
{
    static const char *const ignored[] = {
        ".AppleDouble", ".Trashes", ".snapshot", ".zfs", ".git", "@eaDir", "$RECYCLE.BIN",
        "$Recycle.Bin", "System Volume Information", "system volume information", "#recycle",
        "#snapshot", "~snapshot", "lost+found", "Network Trash Folder", "Temporary Items",
        "RECYCLER", "",
    };
    static const char *const kept[] = {
        "2019", "scans", "eaDir", "recycle", "lost and found", "System Volume", "@eaDir2",
        "Thumbs.db",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ignored); i++) {
        g_test_message("ignored: %s", ignored[i]);
        g_assert_true(vt_name_is_ignored_dir(ignored[i]));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
        g_test_message("kept: %s", kept[i]);
        g_assert_false(vt_name_is_ignored_dir(kept[i]));
    }
    g_assert_true(vt_name_is_ignored_dir(NULL));
}

static void test_sidecar(void)
{
    g_assert_true(vt_name_is_sidecar("2019.12345.xmp"));
    g_assert_true(vt_name_is_sidecar("2019.12345.XMP"));
    g_assert_true(vt_name_is_sidecar("2019.12345.tif.xmp"));
    g_assert_true(vt_name_is_sidecar("meta.json"));
    g_assert_true(vt_name_is_sidecar("meta.Json"));
    g_assert_false(vt_name_is_sidecar("2019.12345.tif"));
    g_assert_false(vt_name_is_sidecar("xmp"));
    g_assert_false(vt_name_is_sidecar("x.xmp.jpg"));
    g_assert_false(vt_name_is_sidecar("x.jsonl"));
    g_assert_false(vt_name_is_sidecar(NULL));
}

static GRegex *compile(const char *pattern)
{
    GError *error = NULL;
    GRegex *regex = g_regex_new(pattern, G_REGEX_OPTIMIZE, 0, &error);
    g_assert_no_error(error);
    return regex;
}

static void check_intervention(const GRegex *regex, const char *name, const char *expected)
{
    char *got = vt_name_intervention(regex, name);
    g_test_message("%s -> %s", name, got ? got : "(null)");
    g_assert_cmpstr(got, ==, expected);
    g_free(got);
}

static void test_intervention(void)
{
    GRegex *regex = compile(DEFAULT_REGEX);

    check_intervention(regex, "2019.12345_front.tif", "2019.12345");
    check_intervention(regex, "2019.1234 recto.jpg", "2019.1234");
    check_intervention(regex, "2019.123456.jpg", "2019.12345");
    check_intervention(regex, "2019.123.jpg", NULL);
    check_intervention(regex, "x2019.12345.jpg", NULL);
    check_intervention(regex, "-2019.12345.jpg", NULL);
    check_intervention(regex, "", NULL);
    check_intervention(regex, "2019.12345 vue de l'église.tif", "2019.12345");
    /* Invalid UTF-8 after a good prefix: refused as a whole. */
    check_intervention(regex, "2019.12345\xff\xfe.tif", NULL);
    g_assert_null(vt_name_intervention(NULL, "2019.12345.tif"));
    g_assert_null(vt_name_intervention(regex, NULL));

    /* The length limit is on the whole name. */
    GString *name = g_string_new("2019.12345");
    while (name->len < VT_NAME_INTERVENTION_MAX)
        g_string_append_c(name, 'x');
    check_intervention(regex, name->str, "2019.12345");
    g_string_append_c(name, 'x');
    check_intervention(regex, name->str, NULL);
    g_string_free(name, TRUE);
    g_regex_unref(regex);

    /* No group 1; group 1 unset; group 1 empty; a group 1 that is not a prefix. */
    regex = compile("^[0-9]+");
    check_intervention(regex, "2019.tif", NULL);
    g_regex_unref(regex);
    regex = compile("^(?:(A)|B)");
    check_intervention(regex, "B.tif", NULL);
    check_intervention(regex, "A.tif", "A");
    g_regex_unref(regex);
    regex = compile("^([0-9]*)x");
    check_intervention(regex, "x.tif", NULL);
    check_intervention(regex, "12x.tif", "12");
    g_regex_unref(regex);
    regex = compile("_(\\d+)\\.");
    check_intervention(regex, "inv_778.tif", "778");
    g_regex_unref(regex);

    /* Catastrophic backtracking ends (PCRE's match limit) without a number. */
    regex = compile("^((a+)+)+b");
    name = g_string_new(NULL);
    for (int i = 0; i < 40; i++)
        g_string_append_c(name, 'a');
    char *got = vt_name_intervention(regex, name->str);
    g_assert_null(got);
    g_string_free(name, TRUE);
    g_regex_unref(regex);
}

static void test_make_id(void)
{
    const char *sha = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
    char *id = vt_name_make_id(sha, 16);
    g_assert_cmpstr(id, ==, "9f86d081884c7d65");
    g_free(id);
    id = vt_name_make_id(sha, 64);
    g_assert_cmpuint(strlen(id), ==, 64);
    g_assert_cmpstr(id, ==, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    g_free(id);
    id = vt_name_make_id(sha, 12);
    g_assert_cmpstr(id, ==, "9f86d081884c");
    g_free(id);

    g_assert_null(vt_name_make_id(sha, 11));
    g_assert_null(vt_name_make_id(sha, 65));
    g_assert_null(vt_name_make_id("9f86d08188", 12));          /* too short */
    g_assert_null(vt_name_make_id("9f86d081884c/../..x", 16)); /* not hex */
    g_assert_null(vt_name_make_id("9f86d081884c7d6.", 16));
    g_assert_null(vt_name_make_id(NULL, 16));
}

static void test_safe_relative(void)
{
    static const char *const safe[] = {
        "a", "a/b", "2019/scan 1.tif", "a/.hidden", "..a", "a..", "a/b..c/d", "-x", "é/ü",
    };
    static const char *const unsafe[] = {
        "", "/", "/etc/passwd", "..", ".", "../x", "a/..", "a/../b", "./a", "a/./b", "a//b",
        "a/", "a\\b", "..\\x", "a/b/",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(safe); i++) {
        g_test_message("safe: %s", safe[i]);
        g_assert_true(vt_name_is_safe_relative(safe[i]));
    }
    for (size_t i = 0; i < G_N_ELEMENTS(unsafe); i++) {
        g_test_message("unsafe: %s", unsafe[i]);
        g_assert_false(vt_name_is_safe_relative(unsafe[i]));
    }
    g_assert_false(vt_name_is_safe_relative(NULL));

    GString *path = g_string_new(NULL);
    while (path->len < VT_NAME_RELATIVE_MAX - 1)
        g_string_append_c(path, 'a');
    g_assert_true(vt_name_is_safe_relative(path->str));
    g_string_append_c(path, 'a');
    g_assert_false(vt_name_is_safe_relative(path->str));
    g_string_free(path, TRUE);
}

static void check_display(const char *raw, const char *expected)
{
    char *shown = vt_name_display(raw);
    g_assert_true(g_utf8_validate(shown, -1, NULL));
    g_assert_cmpstr(shown, ==, expected);
    g_free(shown);
}

static void test_display(void)
{
    check_display("2019.12345 église.tif", "2019.12345 église.tif");
    check_display("caf\xe9.tif", "caf\xef\xbf\xbd.tif");  /* Latin-1 é */
    check_display("a\nb\tc\x1b[31m", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd[31m");
    check_display("c1\xc2\x85x", "c1\xef\xbf\xbdx");        /* U+0085 NEL */
    check_display("\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd");
    check_display("", "");
    check_display(NULL, "");
}

/* Names shortened to fit NAME_MAX with room for a prefix or a suffix. */
static void test_fit(void)
{
    g_autofree char *same = vt_name_fit("photo.jpg", 11);
    g_assert_cmpstr(same, ==, "photo.jpg");

    GString *l = g_string_new(NULL);
    for (int i = 0; i < 80; i++)
        g_string_append(l, "\xc3\xa9");   /* é: two bytes each */
    g_string_append(l, "-portrait.jpeg");
    g_assert_cmpuint(l->len, ==, 174);
    g_autofree char *fit = vt_name_fit(l->str, 100);
    g_assert_cmpuint(strlen(fit), <=, 255 - 100);
    g_assert_true(g_str_has_suffix(fit, ".jpeg"));
    g_assert_true(g_utf8_validate(fit, -1, NULL));   /* never cut inside a character */
    g_assert_nonnull(strchr(fit, '~'));
    /* The same name always gives the same result; another, another. */
    g_autofree char *again = vt_name_fit(l->str, 100);
    g_assert_cmpstr(fit, ==, again);
    g_string_overwrite(l, 0, "x");
    g_autofree char *other = vt_name_fit(l->str, 100);
    g_assert_cmpstr(fit, !=, other);
    g_string_free(l, TRUE);

    /* A very long extension is not kept whole: the name still fits. */
    char name[300];
    memset(name, 'a', 100);
    name[100] = '.';
    memset(name + 101, 'b', 150);
    name[251] = '\0';
    g_autofree char *cut = vt_name_fit(name, 20);
    g_assert_cmpuint(strlen(cut), <=, 235);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/name/ignored", test_ignored);
    g_test_add_func("/name/ignored-dir", test_ignored_dir);
    g_test_add_func("/name/sidecar", test_sidecar);
    g_test_add_func("/name/intervention", test_intervention);
    g_test_add_func("/name/make-id", test_make_id);
    g_test_add_func("/name/safe-relative", test_safe_relative);
    g_test_add_func("/name/display", test_display);
    g_test_add_func("/name/fit", test_fit);
    return g_test_run();
}
