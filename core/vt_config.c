/* vt_config.c: see vt_config.h.
 *
 * Validation collects every problem into one list instead of stopping at
 * the first: an administrator fixing a config file wants the whole list.
 */
#include "vt_config.h"

#include "vt_annotation_types.h"
#include "vt_staff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STATE_DIR      "/var/lib/vitrine"
#define DEFAULT_ORIGINALS_DIR  "/srv/vitrine/originals"
#define DEFAULT_QUARANTINE_DIR "/srv/vitrine/quarantine"
#define DEFAULT_SPOOL_DIR      "/var/spool/vitrine"
#define DEFAULT_IMAGES_DIR     "/srv/iiif/images"
#define DEFAULT_SITE_DIR       "/srv/vitrine/site"

/* Groups and keys this release knows. An unknown key is an error (a typo
 * would otherwise be silently ignored); later releases add to the lists. */
static const char *const vitrine_keys[] = {
    "state-dir", "originals-dir", "quarantine-dir", "spool-dir", "workers",
    "rescan-minutes", "convert-timeout-seconds", "convert-memory-mb", NULL};
static const char *const images_keys[] = {
    "server", "dir", "base-url", "max-pixels", "tile-size", "quality",
    "thumbnail-size", "download-size", "loaders", "keep-metadata", "drop-metadata",
    "internal-dir", "internal-base-url", NULL};
/* The loaders of convert/vt_image.h's VT_IMAGE_LOADERS (keep in step) and
 * its default allow-list. */
static const char *const known_loaders[] = {"jpeg", "png", "tiff", "webp", "jp2k", "heif",
                                            "gif", "jxl", "ppm", NULL};
static const char *const default_loaders[] = {"jpeg", "tiff", "png", "webp", "jp2k", "heif",
                                              NULL};
static const char *const site_keys[] = {"dir", "base-url", "internal-base-url", "title",
                                         "templates", "originals-base-url", "rights",
                                         "attribution", "languages", NULL};
static const char *const search_keys[] = {"audience", "synonyms", "facets", "index",
                                           "request-seconds", "fastcgi-max-requests",
                                           "fastcgi-max-mb", "fastcgi-cache-mb", NULL};
/* annotation_type and damage_type come from the assets' annotations
 * (daemon/vt_indexer.c). */
static const char *const default_facets[] = {"department", "type", "year", "keywords",
                                             "annotation_type", "damage_type", NULL};
#define FACETS_MAX 32
static const char *const department_keys[] = {
    "hotfolder", "label", "visibility", "intervention", "settle-seconds", NULL};
/* Groups owned by later modules (harvest, search): accepted here, checked
 * by their owners. */
static const char *const other_groups[] = {"harvest", "harvest-fields", "harvest-namespaces",
                                           "mirror", NULL};

#define DEPARTMENT_PREFIX "department:"

typedef struct {
    GKeyFile *kf;
    const char *origin;
    const char *base_dir;
    GString *problems;
    unsigned n_problems;
} loader;

static void problem(loader *l, const char *group, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void problem(loader *l, const char *group, const char *key, const char *fmt, ...)
{
    va_list ap;

    if (l->problems->len)
        g_string_append_c(l->problems, '\n');
    g_string_append_printf(l->problems, "%s: ", l->origin);
    if (group && key)
        g_string_append_printf(l->problems, "[%s] %s: ", group, key);
    else if (group)
        g_string_append_printf(l->problems, "[%s]: ", group);
    va_start(ap, fmt);
    g_string_append_vprintf(l->problems, fmt, ap);
    va_end(ap);
    l->n_problems++;
}

char *vt_config_get_raw(GKeyFile *kf, const char *group, const char *key)
{
    char *value = g_key_file_get_value(kf, group, key, NULL);
    if (!value)
        return NULL;
    for (char *p = value; *p; p++) {
        if (*p == '#' && p > value && g_ascii_isspace(p[-1])) {
            *p = '\0';
            break;
        }
    }
    g_strstrip(value);
    return value;
}

static char *get_raw(loader *l, const char *group, const char *key)
{
    return vt_config_get_raw(l->kf, group, key);
}

static char *get_string(loader *l, const char *group, const char *key, const char *fallback)
{
    char *value = get_raw(l, group, key);
    if (value && *value)
        return value;
    g_free(value);
    return g_strdup(fallback);
}

static char *get_path(loader *l, const char *group, const char *key, const char *fallback)
{
    char *value = get_string(l, group, key, fallback);
    if (!value) {
        problem(l, group, key, "missing: a folder is required here");
        return NULL;
    }
    if (!g_path_is_absolute(value)) {
        char *abs = g_build_filename(l->base_dir ? l->base_dir : ".", value, NULL);
        g_free(value);
        value = abs;
    }
    /* Canonical form without "." and ".." so overlap checks compare like
     * with like; the folder need not exist yet. */
    char *canon = g_canonicalize_filename(value, NULL);
    g_free(value);
    return canon;
}

static int get_int(loader *l, const char *group, const char *key, int fallback, int min, int max)
{
    g_autofree char *value = get_raw(l, group, key);
    if (!value || !*value)
        return fallback;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(value, &end, 10);
    if (errno || end == value || *end || n < min || n > max) {
        problem(l, group, key, "'%s' is not a whole number from %d to %d", value, min, max);
        return fallback;
    }
    return (int)n;
}

static uint64_t get_u64(loader *l, const char *group, const char *key, uint64_t fallback)
{
    g_autofree char *value = get_raw(l, group, key);
    if (!value || !*value)
        return fallback;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(value, &end, 10);
    if (errno || end == value || *end || n == 0 || value[0] == '-') {
        problem(l, group, key, "'%s' is not a positive whole number", value);
        return fallback;
    }
    return (uint64_t)n;
}

static bool loader_valid(const char *word)
{
    return g_strv_contains(known_loaders, word);
}

/* The syntax of convert/vt_keep.h's patterns (vt_keep_pattern_valid, which
 * this library cannot call): a group word, "prefix:Name", "prefix:Na*" or
 * "prefix:*". */
static bool metadata_pattern_valid(const char *word)
{
    static const char *const groups[] = {"gps", "serial-numbers", "maker-notes", NULL};
    if (g_strv_contains(groups, word))
        return true;
    const char *p = word;
    if (!g_ascii_isalpha(*p))
        return false;
    while (g_ascii_isalnum(*p))
        p++;
    if (*p++ != ':')
        return false;
    if (strcmp(p, "*") == 0)
        return true;
    if (!g_ascii_isalnum(*p))
        return false;
    while (g_ascii_isalnum(*p) || *p == '-' || *p == '_')
        p++;
    return *p == '\0' || strcmp(p, "*") == 0;
}

bool vt_config_language_valid(const char *code)
{
    size_t n = 0;
    while (g_ascii_islower(code[n]))
        n++;
    if (n < 2 || n > 3)
        return false;
    if (code[n] == '\0')
        return true;
    if (code[n] != '-')
        return false;
    const char *region = code + n + 1;
    size_t r = strspn(region, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    return r >= 2 && r <= 3 && region[r] == '\0';
}

/* A comma-separated list of words, each passing @valid; @fallback (may be
 * NULL: empty) when the key is absent. Never NULL. */
static char **get_words(loader *l, const char *group, const char *key,
                        const char *const *fallback, bool (*valid)(const char *),
                        const char *what)
{
    g_autofree char *raw = get_raw(l, group, key);
    GPtrArray *list = g_ptr_array_new();
    if (!raw) {
        for (size_t i = 0; fallback && fallback[i]; i++)
            g_ptr_array_add(list, g_strdup(fallback[i]));
    } else {
        g_auto(GStrv) parts = g_strsplit(raw, ",", -1);
        for (size_t i = 0; parts[i]; i++) {
            g_strstrip(parts[i]);
            if (!*parts[i])
                continue;
            if (!valid(parts[i]))
                problem(l, group, key, "'%s' is %s", parts[i], what);
            else
                g_ptr_array_add(list, g_strdup(parts[i]));
        }
    }
    g_ptr_array_add(list, NULL);
    return (char **)g_ptr_array_free(list, FALSE);
}

static char *get_url(loader *l, const char *group, const char *key, const char *fallback)
{
    char *value = get_string(l, group, key, fallback);
    if (!value)
        return NULL;
    if (!g_str_has_prefix(value, "http://") && !g_str_has_prefix(value, "https://")) {
        problem(l, group, key, "'%s' is not an http:// or https:// URL", value);
    }
    /* One spelling: no trailing slash, so "base/id" joins cleanly. */
    size_t len = strlen(value);
    while (len > 0 && value[len - 1] == '/')
        value[--len] = '\0';
    return value;
}

static bool in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

static void check_keys(loader *l, const char *group, const char *const *known)
{
    g_auto(GStrv) keys = g_key_file_get_keys(l->kf, group, NULL, NULL);
    for (size_t i = 0; keys && keys[i]; i++) {
        if (!in_list(known, keys[i])) {
            g_autofree char *names = g_strjoinv(", ", (char **)known);
            problem(l, group, keys[i], "unknown key (known: %s)", names);
        }
    }
}

/* "a" contains "b", or they are the same folder. */
static bool path_within(const char *a, const char *b)
{
    size_t n = strlen(a);
    return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/' || (n == 1 && a[0] == '/'));
}

static bool valid_department_id(const char *id)
{
    if (!*id || strlen(id) > 64)
        return false;
    for (const char *p = id; *p; p++)
        if (!(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '-' || *p == '_'))
            return false;
    return true;
}

static void load_department(loader *l, const char *group, vt_department *d)
{
    const char *id = group + strlen(DEPARTMENT_PREFIX);

    check_keys(l, group, department_keys);
    d->id = g_strdup(id);
    if (!valid_department_id(id))
        problem(l, group, NULL, "department id '%s' must be 1-64 characters of a-z, 0-9, '-', '_'"
                " (it is used in folder names and identifiers)", id);
    char *hot = get_raw(l, group, "hotfolder");
    if (!hot || !*hot) {
        problem(l, group, "hotfolder", "missing: every department needs its hotfolder");
        g_free(hot);
    } else {
        g_free(hot);
        d->hotfolder = get_path(l, group, "hotfolder", NULL);
    }
    d->label = get_string(l, group, "label", id);
    g_autofree char *vis = get_string(l, group, "visibility", "public");
    if (!vt_visibility_parse(vis, &d->visibility))
        problem(l, group, "visibility", "'%s' is not public or internal", vis);
    d->intervention_source = get_raw(l, group, "intervention");
    if (d->intervention_source && !*d->intervention_source) {
        g_clear_pointer(&d->intervention_source, g_free);
    }
    if (d->intervention_source) {
        GError *err = NULL;
        d->intervention = g_regex_new(d->intervention_source, G_REGEX_OPTIMIZE, 0, &err);
        if (!d->intervention) {
            problem(l, group, "intervention", "invalid regular expression '%s': %s",
                    d->intervention_source, err->message);
            g_error_free(err);
        } else if (g_regex_get_capture_count(d->intervention) < 1) {
            problem(l, group, "intervention", "the regular expression '%s' needs a group in"
                    " parentheses: group 1 is the intervention file number", d->intervention_source);
        }
    }
    d->settle_seconds = get_int(l, group, "settle-seconds", 5, 0, 3600);
}

static bool valid_field_name(const char *name)
{
    if (!g_ascii_islower(name[0]) || strlen(name) > 32)
        return false;
    for (const char *p = name; *p; p++)
        if (!(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '_'))
            return false;
    return true;
}

static void load_search(loader *l, vt_config *c)
{
    g_autofree char *audience = get_string(l, "search", "audience", "public");
    if (strcmp(audience, "internal") == 0)
        c->search_internal = true;
    else if (strcmp(audience, "public") != 0)
        problem(l, "search", "audience", "'%s' is not public or internal", audience);

    g_autofree char *synonyms = get_raw(l, "search", "synonyms");
    if (synonyms && *synonyms)
        c->synonyms_path = get_path(l, "search", "synonyms", NULL);

    g_autofree char *facets = get_raw(l, "search", "facets");
    GPtrArray *list = g_ptr_array_new();
    if (!facets) {
        for (size_t i = 0; default_facets[i]; i++)
            g_ptr_array_add(list, g_strdup(default_facets[i]));
    } else {
        g_auto(GStrv) parts = g_strsplit(facets, ",", -1);
        for (size_t i = 0; parts[i]; i++) {
            g_strstrip(parts[i]);
            if (!*parts[i])
                continue;
            if (!valid_field_name(parts[i]))
                problem(l, "search", "facets", "'%s' is not a field name ([a-z][a-z0-9_]*)",
                        parts[i]);
            else if (list->len >= FACETS_MAX)
                problem(l, "search", "facets", "more than %d facets", FACETS_MAX);
            else
                g_ptr_array_add(list, g_strdup(parts[i]));
        }
    }
    g_ptr_array_add(list, NULL);
    c->facets = (char **)g_ptr_array_free(list, FALSE);

    g_autofree char *index = get_raw(l, "search", "index");
    c->index_dir = index && *index ? get_path(l, "search", "index", NULL)
                                   : g_build_filename(c->state_dir ? c->state_dir : "/", "index",
                                                      NULL);

    c->search_request_seconds = get_int(l, "search", "request-seconds", 10, 1, 600);
    c->search_fastcgi_max_requests = get_int(l, "search", "fastcgi-max-requests", 10000, 1,
                                             1000000000);
    c->search_fastcgi_max_mb = get_int(l, "search", "fastcgi-max-mb", 512, 32, 1 << 20);
    c->search_fastcgi_cache_mb = get_int(l, "search", "fastcgi-cache-mb", 16, 0, 1 << 20);
}

static void check_overlaps(loader *l, vt_config *c)
{
    struct { const char *name; const char *path; } outputs[] = {
        {"[vitrine] state-dir", c->state_dir},
        {"[vitrine] originals-dir", c->originals_dir},
        {"[vitrine] quarantine-dir", c->quarantine_dir},
        {"[vitrine] spool-dir", c->spool_dir},
        {"[images] dir", c->images_dir},
        {"[images] internal-dir", c->images_internal_dir},
        {"[site] dir", c->site_dir},
    };
    for (size_t i = 0; i < c->n_departments; i++) {
        const vt_department *d = &c->departments[i];
        if (!d->hotfolder)
            continue;
        /* vitrine never writes inside a hotfolder, and must not ingest
         * its own outputs: they may not overlap in either direction. */
        for (size_t k = 0; k < G_N_ELEMENTS(outputs); k++) {
            if (outputs[k].path && (path_within(d->hotfolder, outputs[k].path) ||
                                    path_within(outputs[k].path, d->hotfolder)))
                problem(l, NULL, NULL, "the hotfolder of [department:%s] (%s) overlaps %s (%s)",
                        d->id, d->hotfolder, outputs[k].name, outputs[k].path);
        }
        for (size_t j = i + 1; j < c->n_departments; j++) {
            const vt_department *e = &c->departments[j];
            if (e->hotfolder && (path_within(d->hotfolder, e->hotfolder) ||
                                 path_within(e->hotfolder, d->hotfolder)))
                problem(l, NULL, NULL, "the hotfolders of [department:%s] and [department:%s]"
                        " overlap (%s, %s)", d->id, e->id, d->hotfolder, e->hotfolder);
        }
    }
}

static vt_status load(GKeyFile *kf, const char *origin, const char *base_dir,
                      const char *path, vt_config **ret_config)
{
    loader l = {.kf = kf, .origin = origin, .base_dir = base_dir,
                .problems = g_string_new(NULL)};
    vt_config *c = g_new0(vt_config, 1);
    c->keyfile = kf;
    c->path = g_strdup(path);

    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    size_t n_dep = 0;
    for (size_t i = 0; groups[i]; i++)
        if (g_str_has_prefix(groups[i], DEPARTMENT_PREFIX))
            n_dep++;
    c->departments = g_new0(vt_department, n_dep ? n_dep : 1);

    for (size_t i = 0; groups[i]; i++) {
        const char *g = groups[i];
        if (g_str_has_prefix(g, DEPARTMENT_PREFIX))
            load_department(&l, g, &c->departments[c->n_departments++]);
        else if (strcmp(g, "vitrine") == 0)
            check_keys(&l, g, vitrine_keys);
        else if (strcmp(g, "images") == 0)
            check_keys(&l, g, images_keys);
        else if (strcmp(g, "site") == 0)
            check_keys(&l, g, site_keys);
        else if (strcmp(g, "search") == 0)
            check_keys(&l, g, search_keys);
        else if (strcmp(g, "staff") == 0)
            continue;   /* checked below, by vt_staff (fields.DEPARTMENT keys) */
        else if (strcmp(g, "annotations") == 0 || g_str_has_prefix(g, "annotation-type:"))
            continue;   /* checked below, by vt_annotation */
        else if (!in_list(other_groups, g))
            problem(&l, g, NULL, "unknown group (known: vitrine, images, site, search, staff,"
                    " department:ID, harvest, harvest-fields, harvest-namespaces, annotations,"
                    " annotation-type:NAME, mirror)");
    }
    if (c->n_departments == 0)
        problem(&l, NULL, NULL, "no [department:ID] group: vitrine needs at least one hotfolder");

    c->state_dir = get_path(&l, "vitrine", "state-dir", DEFAULT_STATE_DIR);
    c->originals_dir = get_path(&l, "vitrine", "originals-dir", DEFAULT_ORIGINALS_DIR);
    c->quarantine_dir = get_path(&l, "vitrine", "quarantine-dir", DEFAULT_QUARANTINE_DIR);
    c->spool_dir = get_path(&l, "vitrine", "spool-dir", DEFAULT_SPOOL_DIR);
    c->workers = get_int(&l, "vitrine", "workers", 2, 1, 64);
    c->rescan_minutes = get_int(&l, "vitrine", "rescan-minutes", 15, 0, 7 * 24 * 60);
    c->convert_timeout_seconds = get_int(&l, "vitrine", "convert-timeout-seconds", 1800, 1, 86400);
    c->convert_memory_mb = get_int(&l, "vitrine", "convert-memory-mb", 4096, 256, 1 << 20);

    g_autofree char *server = get_string(&l, "images", "server", "cantaloupe");
    if (strcmp(server, "cantaloupe") == 0)
        c->server = VT_SERVER_CANTALOUPE;
    else if (strcmp(server, "iipsrv") == 0)
        c->server = VT_SERVER_IIPSRV;
    else if (strcmp(server, "static") == 0)
        c->server = VT_SERVER_STATIC;
    else
        problem(&l, "images", "server", "'%s' is not cantaloupe, iipsrv or static", server);
    c->images_dir = get_path(&l, "images", "dir", DEFAULT_IMAGES_DIR);
    c->images_base_url = get_url(&l, "images", "base-url", "http://localhost:8182/iiif/3");
    c->max_pixels = get_u64(&l, "images", "max-pixels", UINT64_C(1000000000));
    c->tile_size = get_int(&l, "images", "tile-size", 512, 64, 4096);
    c->quality = get_int(&l, "images", "quality", 85, 1, 100);
    c->thumbnail_size = get_int(&l, "images", "thumbnail-size", 400, 16, 4096);
    c->download_size = get_int(&l, "images", "download-size", 2048, 0, 16384);
    /* 0: no download JPEG, the image server makes downloads (not static
     * tiles, whose largest listed size is that JPEG). */
    if (c->download_size > 0 && c->download_size < 64)
        problem(&l, "images", "download-size", "'%d' is not 0 or a whole number from 64 to 16384",
                c->download_size);
    else if (c->download_size == 0 && c->server == VT_SERVER_STATIC)
        problem(&l, "images", "download-size",
                "0 (no download JPEG) needs an image server that makes downloads, not static tiles");
    c->loaders = get_words(&l, "images", "loaders", default_loaders, loader_valid,
                           "not a loader vitrine uses (jpeg, png, tiff, webp, jp2k, heif, gif, "
                           "jxl, ppm)");
    if (!c->loaders[0])
        problem(&l, "images", "loaders", "names no loader: nothing could be converted");
    c->keep_metadata = get_words(&l, "images", "keep-metadata", NULL, metadata_pattern_valid,
                                 "not a metadata name (prefix:Name, prefix:*, gps, "
                                 "serial-numbers or maker-notes)");
    c->drop_metadata = get_words(&l, "images", "drop-metadata", NULL, metadata_pattern_valid,
                                 "not a metadata name (prefix:Name, prefix:*, gps, "
                                 "serial-numbers or maker-notes)");

    c->site_dir = get_path(&l, "site", "dir", DEFAULT_SITE_DIR);
    c->site_base_url = get_url(&l, "site", "base-url", "http://localhost");
    {
        /* One server can serve both trees: the internal one under /internal,
         * behind authentication (docs/web/). */
        c->site_internal_base_url = get_url(&l, "site", "internal-base-url", NULL);
        if (!c->site_internal_base_url && c->site_base_url)
            c->site_internal_base_url = g_strconcat(c->site_base_url, "/internal", NULL);
    }
    c->site_title = get_string(&l, "site", "title", "Collection");
    {
        g_autofree char *templates = get_string(&l, "site", "templates", NULL);
        c->site_templates = templates ? get_path(&l, "site", "templates", NULL) : NULL;
    }
    c->site_originals_base_url = get_url(&l, "site", "originals-base-url", NULL);
    c->site_rights = get_string(&l, "site", "rights", NULL);
    if (c->site_rights && !vt_config_rights_valid(c->site_rights))
        problem(&l, "site", "rights",
                "'%s' is not a Creative Commons or RightsStatements.org URI (for example "
                "http://creativecommons.org/licenses/by/4.0/ or "
                "http://rightsstatements.org/vocab/InC/1.0/)", c->site_rights);
    c->site_attribution = get_string(&l, "site", "attribution", NULL);
    c->site_languages = get_words(&l, "site", "languages", NULL, vt_config_language_valid,
                                  "not a language code (nl, fr, en, de, pt-BR)");
    for (size_t i = 0; c->site_languages[i]; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(c->site_languages[i], c->site_languages[k]) == 0)
                problem(&l, "site", "languages", "'%s' is listed twice", c->site_languages[i]);
    {
        /* The images of internal assets have a root of their own, served
         * only behind the internal site's authentication (docs/web/). */
        g_autofree char *dir = get_string(&l, "images", "internal-dir", NULL);
        c->images_internal_dir = dir ? get_path(&l, "images", "internal-dir", NULL)
                                     : c->images_dir ? g_build_filename(c->images_dir, "internal",
                                                                        NULL)
                                                     : NULL;
        c->images_internal_base_url = get_url(&l, "images", "internal-base-url", NULL);
        if (!c->images_internal_base_url && c->site_internal_base_url)
            c->images_internal_base_url = g_strconcat(c->site_internal_base_url, "/images", NULL);
        if (c->images_internal_dir && c->images_dir &&
            strcmp(c->images_internal_dir, c->images_dir) == 0)
            problem(&l, "images", "internal-dir", "is [images] dir itself: internal images need"
                    " a root of their own");
        if (c->images_internal_base_url && c->images_base_url &&
            strcmp(c->images_internal_base_url, c->images_base_url) == 0)
            problem(&l, "images", "internal-base-url", "is [images] base-url itself: internal"
                    " images must be served apart, behind the internal site's authentication");
    }

    load_search(&l, c);
    check_overlaps(&l, c);
    {
        vt_annotation_types *types = NULL;
        if (vt_annotation_types_load(kf, &types) != VT_OK)
            problem(&l, NULL, NULL, "%s", vt_error_message());
        vt_annotation_types_free(types);
    }
    {
        vt_staff *staff = NULL;
        if (vt_staff_new(c, &staff) != VT_OK)
            problem(&l, NULL, NULL, "%s", vt_error_message());
        vt_staff_free(staff);
    }

    if (l.n_problems) {
        vt_error_set(VT_ERR_CONFIG, "%u problem%s in the configuration:\n%s", l.n_problems,
                     l.n_problems == 1 ? "" : "s", l.problems->str);
        g_string_free(l.problems, TRUE);
        vt_config_free(c);
        return VT_ERR_CONFIG;
    }
    g_string_free(l.problems, TRUE);
    *ret_config = c;
    return VT_OK;
}

vt_status vt_config_load_data(const char *data, const char *origin, const char *base_dir,
                              vt_config **ret_config)
{
    GKeyFile *kf = g_key_file_new();
    GError *err = NULL;

    if (!g_key_file_load_from_data(kf, data, (gsize)-1, G_KEY_FILE_NONE, &err)) {
        vt_status st = vt_error_set(VT_ERR_CONFIG, "%s: %s", origin, err->message);
        g_error_free(err);
        g_key_file_free(kf);
        return st;
    }
    return load(kf, origin, base_dir, NULL, ret_config);
}

vt_status vt_config_load(const char *path, vt_config **ret_config)
{
    GKeyFile *kf = g_key_file_new();
    GError *err = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err)) {
        vt_status st = vt_error_set(VT_ERR_CONFIG, "cannot read the configuration %s: %s",
                                    path, err->message);
        g_error_free(err);
        g_key_file_free(kf);
        return st;
    }
    g_autofree char *abs = g_canonicalize_filename(path, NULL);
    g_autofree char *dir = g_path_get_dirname(abs);
    vt_config *c = NULL;
    vt_status st = load(kf, path, dir, abs, &c);
    if (st == VT_OK)
        *ret_config = c;
    return st;
}

void vt_config_free(vt_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_departments; i++) {
        vt_department *d = &c->departments[i];
        g_free(d->id);
        g_free(d->hotfolder);
        g_free(d->label);
        g_free(d->intervention_source);
        if (d->intervention)
            g_regex_unref(d->intervention);
    }
    g_free(c->departments);
    g_free(c->path);
    g_free(c->state_dir);
    g_free(c->originals_dir);
    g_free(c->quarantine_dir);
    g_free(c->spool_dir);
    g_free(c->images_dir);
    g_free(c->images_base_url);
    g_free(c->images_internal_dir);
    g_free(c->images_internal_base_url);
    g_free(c->site_dir);
    g_free(c->site_base_url);
    g_free(c->site_internal_base_url);
    g_free(c->site_title);
    g_free(c->site_templates);
    g_free(c->site_originals_base_url);
    g_free(c->site_rights);
    g_free(c->site_attribution);
    g_free(c->synonyms_path);
    g_strfreev(c->facets);
    g_strfreev(c->site_languages);
    g_strfreev(c->loaders);
    g_strfreev(c->keep_metadata);
    g_strfreev(c->drop_metadata);
    g_free(c->index_dir);
    if (c->keyfile)
        g_key_file_free(c->keyfile);
    g_free(c);
}

const vt_department *vt_config_department(const vt_config *c, const char *id)
{
    for (size_t i = 0; i < c->n_departments; i++)
        if (strcmp(c->departments[i].id, id) == 0)
            return &c->departments[i];
    return NULL;
}

const char *vt_image_server_name(vt_image_server server)
{
    switch (server) {
    case VT_SERVER_CANTALOUPE: return "cantaloupe";
    case VT_SERVER_IIPSRV:     return "iipsrv";
    case VT_SERVER_STATIC:     return "static";
    }
    return "unknown";
}

const char *vt_visibility_name(vt_visibility visibility)
{
    switch (visibility) {
    case VT_VISIBILITY_PUBLIC:   return "public";
    case VT_VISIBILITY_INTERNAL: return "internal";
    }
    return "unknown";
}

bool vt_visibility_parse(const char *text, vt_visibility *ret_visibility)
{
    if (strcmp(text, "public") == 0)
        *ret_visibility = VT_VISIBILITY_PUBLIC;
    else if (strcmp(text, "internal") == 0)
        *ret_visibility = VT_VISIBILITY_INTERNAL;
    else
        return false;
    return true;
}

void vt_config_audience_view(const vt_config *config, bool internal, vt_config *ret_view)
{
    *ret_view = *config;
    ret_view->audience_internal = internal;
    if (internal)
        ret_view->site_base_url = config->site_internal_base_url;
}

const char *vt_config_images_dir(const vt_config *config, vt_visibility where)
{
    return where == VT_VISIBILITY_INTERNAL ? config->images_internal_dir : config->images_dir;
}

const char *vt_config_images_base_url(const vt_config *config, vt_visibility where)
{
    return where == VT_VISIBILITY_INTERNAL ? config->images_internal_base_url
                                           : config->images_base_url;
}

bool vt_config_rights_valid(const char *uri)
{
    /* The IIIF Presentation 3 rule: a Creative Commons licence or public
     * domain mark, or a RightsStatements.org statement, in its http:// form. */
    static const char *const prefixes[] = {"http://creativecommons.org/licenses/",
                                           "http://creativecommons.org/publicdomain/",
                                           "http://rightsstatements.org/vocab/", NULL};
    if (!uri || strpbrk(uri, " \t\n\"<>"))
        return false;
    for (const char *const *p = prefixes; *p; p++)
        if (g_str_has_prefix(uri, *p) && uri[strlen(*p)] != '\0')
            return true;
    return false;
}
