/* fuzz_intervention.c: vt_name's functions on arbitrary file names.
 *
 * The input, cut at its first NUL (names are C strings), is a file name from
 * a hotfolder. Invariants are checked with abort() so that the replay under
 * ctest fails as loudly as libFuzzer would. */
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The documented default of [department] intervention-regex. */
#define DEFAULT_REGEX "^([0-9]{4}\\.[0-9]{4,5})"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_intervention(const GRegex *regex, const char *name)
{
    char *number = vt_name_intervention(regex, name);
    if (!number)
        return;
    size_t len = strlen(number);
    /* The default pattern is anchored: group 1 is a prefix of the name. */
    check(strncmp(name, number, len) == 0);
    check(len == 9 || len == 10);
    check(number[4] == '.');
    for (size_t i = 0; i < len; i++)
        check(i == 4 || g_ascii_isdigit(number[i]));
    check(strlen(name) <= VT_NAME_INTERVENTION_MAX);
    g_free(number);
}

static void check_safe_relative(const char *name)
{
    if (!vt_name_is_safe_relative(name))
        return;
    check(name[0] != '\0' && name[0] != '/');
    check(strlen(name) < VT_NAME_RELATIVE_MAX);
    check(!strchr(name, '\\'));
    gchar **parts = g_strsplit(name, "/", -1);
    for (gchar **p = parts; *p; p++)
        check(**p && strcmp(*p, ".") != 0 && strcmp(*p, "..") != 0);
    g_strfreev(parts);
}

static void check_display(const char *name)
{
    char *shown = vt_name_display(name);
    check(g_utf8_validate(shown, -1, NULL));
    bool clean = g_utf8_validate(name, -1, NULL);
    for (const char *p = shown; *p; p = g_utf8_next_char(p))
        check(!g_unichar_iscntrl(g_utf8_get_char(p)));
    if (clean) {
        for (const char *p = name; *p && clean; p = g_utf8_next_char(p))
            clean = !g_unichar_iscntrl(g_utf8_get_char(p));
    }
    /* A clean name is shown as it is. */
    if (clean)
        check(strcmp(shown, name) == 0);
    g_free(shown);
}

static void check_make_id(const char *name, size_t size)
{
    size_t length = VT_NAME_ID_MIN + size % (VT_NAME_ID_MAX - VT_NAME_ID_MIN + 1);
    char *id = vt_name_make_id(name, length);
    if (!id)
        return;
    check(strlen(id) == length);
    for (size_t i = 0; i < length; i++)
        check(g_ascii_isdigit(id[i]) || (id[i] >= 'a' && id[i] <= 'f'));
    g_free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static GRegex *regex;

    if (!regex) {
        regex = g_regex_new(DEFAULT_REGEX, G_REGEX_OPTIMIZE, 0, NULL);
        check(regex != NULL);
    }
    char *name = g_strndup((const char *)data, size);

    check_intervention(regex, name);
    if (name[0] == '.')
        check(vt_name_is_ignored(name) && vt_name_is_ignored_dir(name));
    (void)vt_name_is_sidecar(name);
    check_safe_relative(name);
    check_display(name);
    check_make_id(name, size);

    g_free(name);
    return 0;
}
