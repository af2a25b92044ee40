/* vt_name.c: see vt_name.h. */
#include "vt_name.h"

#include <limits.h>
#include <string.h>

static bool has_suffix_nocase(const char *name, size_t len, const char *suffix)
{
    size_t slen = strlen(suffix);

    return len >= slen && g_ascii_strcasecmp(name + len - slen, suffix) == 0;
}

static bool equal_nocase_any(const char *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (g_ascii_strcasecmp(name, list[i]) == 0)
            return true;
    return false;
}

bool vt_name_is_ignored(const char *basename)
{
    static const char *const suffixes[] = {
        ".part", ".partial", ".tmp", ".crdownload", ".filepart", NULL
    };
    static const char *const names[] = {
        "Thumbs.db", "ehthumbs.db", "desktop.ini", NULL
    };

    if (!basename || !basename[0])
        return true;
    /* Dotfiles cover ".", "..", AppleDouble "._x", ".DS_Store", LibreOffice
     * ".~lock.x#" and the hidden temporaries of rsync and Syncthing. */
    if (basename[0] == '.')
        return true;
    if (basename[0] == '~' && basename[1] == '$')
        return true;
    /* The Finder's custom folder icon is a file named "Icon" + CR. */
    if (strcmp(basename, "Icon\r") == 0)
        return true;

    size_t len = strlen(basename);
    for (size_t i = 0; suffixes[i]; i++)
        if (has_suffix_nocase(basename, len, suffixes[i]))
            return true;
    return equal_nocase_any(basename, names);
}

bool vt_name_is_ignored_dir(const char *basename)
{
    static const char *const names[] = {
        "@eaDir", "#recycle", "#snapshot", "~snapshot", "$RECYCLE.BIN",
        "RECYCLER", "System Volume Information", "Network Trash Folder",
        "Temporary Items", "lost+found", NULL
    };

    if (!basename || !basename[0])
        return true;
    if (basename[0] == '.')
        return true;
    return equal_nocase_any(basename, names);
}

bool vt_name_is_sidecar(const char *basename)
{
    if (!basename)
        return false;
    size_t len = strlen(basename);
    return has_suffix_nocase(basename, len, ".xmp")
        || has_suffix_nocase(basename, len, ".json");
}

char *vt_name_intervention(const GRegex *regex, const char *basename)
{
    if (!regex || !basename)
        return NULL;
    /* strnlen: never walk an overlong name further than we need to. */
    size_t len = strnlen(basename, VT_NAME_INTERVENTION_MAX + 1);
    if (len > VT_NAME_INTERVENTION_MAX || !g_utf8_validate(basename, (gssize)len, NULL))
        return NULL;
    if (g_regex_get_capture_count(regex) < 1)
        return NULL;

    GMatchInfo *info = NULL;
    GError *error = NULL;
    char *result = NULL;
    /* A match error (PCRE's match or depth limit hit by a pathological
     * pattern) is simply "no number": the file is still ingested. */
    if (g_regex_match_full(regex, basename, (gssize)len, 0, G_REGEX_MATCH_NOTEMPTY,
                           &info, &error)) {
        int start = -1, end = -1;
        if (g_match_info_fetch_pos(info, 1, &start, &end) && start >= 0 && end > start
            && (size_t)end <= len) {
            result = g_strndup(basename + start, (gsize)(end - start));
            /* A raw (byte-mode) regex can cut a character in two. */
            if (!g_utf8_validate(result, -1, NULL))
                g_clear_pointer(&result, g_free);
        }
    }
    g_clear_error(&error);
    g_match_info_free(info);
    return result;
}

char *vt_name_make_id(const char *sha256_hex, size_t length)
{
    if (!sha256_hex || length < VT_NAME_ID_MIN || length > VT_NAME_ID_MAX)
        return NULL;
    char *id = g_malloc(length + 1);
    for (size_t i = 0; i < length; i++) {
        /* The NUL terminator is not a hex digit, so a short input stops here. */
        if (!g_ascii_isxdigit(sha256_hex[i])) {
            g_free(id);
            return NULL;
        }
        id[i] = g_ascii_tolower(sha256_hex[i]);
    }
    id[length] = '\0';
    return id;
}

bool vt_name_is_safe_relative(const char *relpath)
{
    if (!relpath || !relpath[0] || relpath[0] == '/')
        return false;
    size_t len = strnlen(relpath, VT_NAME_RELATIVE_MAX);
    if (len >= VT_NAME_RELATIVE_MAX)
        return false;
    if (memchr(relpath, '\\', len))
        return false;

    const char *component = relpath;
    for (;;) {
        const char *slash = strchr(component, '/');
        size_t clen = slash ? (size_t)(slash - component) : strlen(component);
        if (clen == 0)
            return false;
        if (component[0] == '.' && (clen == 1 || (clen == 2 && component[1] == '.')))
            return false;
        if (!slash)
            return true;
        component = slash + 1;
    }
}

char *vt_name_display(const char *raw_name)
{
    if (!raw_name)
        return g_strdup("");

    gchar *valid = g_utf8_make_valid(raw_name, -1);
    /* Fast path: most names have no control character at all. */
    bool controls = false;
    for (const char *p = valid; *p; p = g_utf8_next_char(p))
        if (g_unichar_iscntrl(g_utf8_get_char(p))) {
            controls = true;
            break;
        }
    if (!controls)
        return valid;

    GString *out = g_string_sized_new(strlen(valid) + 8);
    for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        g_string_append_unichar(out, g_unichar_iscntrl(c) ? 0xFFFD : c);
    }
    g_free(valid);
    return g_string_free(out, FALSE);
}

char *vt_name_fit(const char *name, size_t reserve)
{
    size_t len = strlen(name);
    if (reserve > NAME_MAX / 2)
        reserve = NAME_MAX / 2;
    size_t room = NAME_MAX - reserve;
    if (len <= room)
        return g_strdup(name);
    const char *dot = strrchr(name, '.');
    size_t ext_len = (dot && dot != name && strlen(dot) <= 16) ? strlen(dot) : 0;
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, name, (gssize)len);
    /* "~" + 8 hex digits + the extension follow the cut start. */
    size_t keep = room - 9 - ext_len;
    /* Back off to the start of a UTF-8 character (continuation bytes are
     * 10xxxxxx), so that a valid name stays valid. */
    while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
        keep--;
    return g_strdup_printf("%.*s~%.8s%s", (int)keep, name, sum, ext_len ? name + len - ext_len : "");
}
