/* vt_config.h: vitrine's configuration file (INI, read with GKeyFile).
 *
 * The file format is the user-facing contract: keys are extended, never
 * renamed. Loading validates everything (paths, numbers, regular
 * expressions, overlapping folders) and, on failure, sets an error message
 * that lists every problem found, with group and key, so that
 * `vitrine check-config` can tell an administrator exactly what to fix.
 *
 * Conventions a user relies on:
 *  - A '#' preceded by white space ends a value (inline comment), as in the
 *    documented example; '#' at the start of a line is GKeyFile's comment.
 *  - Values are read raw (g_key_file_get_value), so a regular expression is
 *    written as users write it: `^([0-9]{4}\.[0-9]{4,5})`.
 *  - Relative paths are relative to the folder of the config file.
 *
 * A vt_config is immutable after loading and may be read from any thread.
 */
#ifndef VT_CONFIG_H
#define VT_CONFIG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "vt_error.h"

#define VT_CONFIG_DEFAULT_PATH "/etc/vitrine/vitrine.conf"

typedef enum {
    VT_SERVER_CANTALOUPE,  /* IIIF Image API 3 from Cantaloupe over images.dir */
    VT_SERVER_IIPSRV,      /* IIIF Image API 2.1 from iipsrv over images.dir */
    VT_SERVER_STATIC       /* static level-0 tiles written by vitrine */
} vt_image_server;

typedef enum {
    VT_VISIBILITY_PUBLIC,
    VT_VISIBILITY_INTERNAL
} vt_visibility;

typedef struct {
    char *id;                 /* [department:ID]; [a-z0-9_-], used in paths */
    char *hotfolder;          /* absolute */
    char *label;
    vt_visibility visibility; /* default for its assets */
    char *intervention_source;/* the regex as written, or NULL */
    GRegex *intervention;     /* compiled; group 1 is the file number; or NULL */
    int settle_seconds;
} vt_department;

typedef struct {
    char *path;               /* the file it was loaded from, or NULL */

    /* [vitrine] */
    char *state_dir;
    char *originals_dir;
    char *quarantine_dir;
    char *spool_dir;
    int workers;              /* parallel conversions, 1..64 */
    int rescan_minutes;       /* periodic full rescan; 0 turns it off */
    int convert_timeout_seconds;
    int convert_memory_mb;    /* address-space limit of a conversion child */

    /* [images] */
    vt_image_server server;
    char *images_dir;
    char *images_base_url;    /* no trailing slash */
    char *images_internal_dir;      /* the images of internal assets (default <dir>/internal),
                                     * served only behind the internal site's authentication */
    char *images_internal_base_url; /* where they are served (default
                                     * <site.internal-base-url>/images) */
    uint64_t max_pixels;      /* width * height above this is refused */
    int tile_size;
    int quality;              /* JPEG quality of tiles and derivatives */
    int thumbnail_size;       /* longest side, pixels */
    int download_size;        /* longest side of the download JPEG */
    char **loaders;           /* NULL-terminated libvips loaders used ("jpeg", "tiff", ...;
                               * default jpeg, tiff, png, webp, jp2k, heif) */
    char **keep_metadata;     /* NULL-terminated patterns of embedded metadata that published
                               * images keep besides the default (convert/vt_keep.h) */
    char **drop_metadata;     /* ... and that they drop */

    /* [site] */
    char *site_dir;
    char *site_base_url;      /* no trailing slash: the public tree's URL */
    char *site_internal_base_url; /* the internal tree's URL (default <base-url>/internal) */
    char *site_title;         /* the site's name in every page (default "Collection") */
    char *site_templates;     /* an institute's template folder overriding the installed
                               * templates, or NULL */
    char *site_originals_base_url; /* where the internal web server serves originals-dir
                                    * (internal pages link originals there), or NULL */
    char *site_rights;        /* the institution's default rights URI (Creative Commons or
                               * RightsStatements.org, http:// as IIIF wants it), or NULL */
    char *site_attribution;   /* the institution's credit line (requiredStatement), or NULL */
    char **site_languages;    /* NULL-terminated interface languages, the default first
                               * (empty: one English site as before); with two or more each
                               * tree has a page folder per language (<tree>/nl/...) */

    /* [search] */
    bool search_internal;     /* audience=internal: the CGI may show internal assets */
    char *synonyms_path;      /* synonym groups file, or NULL */
    char **facets;            /* NULL-terminated facet fields (default department, type, year,
                               * keywords, annotation_type, damage_type; an empty
                               * facets= means none) */
    char *index_dir;          /* the Xapian index (default <state-dir>/index) */
    int search_request_seconds;      /* wall-clock limit of one search request (default 10) */
    int search_fastcgi_max_requests; /* a FastCGI process exits after this many (default 10000) */
    int search_fastcgi_max_mb;       /* ... or once its resident memory passes this (default 512) */
    int search_fastcgi_cache_mb;     /* its answer cache, within that memory (default 16; 0: none) */

    vt_department *departments;
    size_t n_departments;

    GKeyFile *keyfile;        /* owned; later modules read their own groups */
    bool audience_internal;   /* set only in an internal view (vt_config_audience_view) */
} vt_config;

/* Loads and validates @path. On success *ret_config is owned by the caller
 * (vt_config_free). */
vt_status vt_config_load(const char *path, vt_config **ret_config);

/* Same, from text; @origin names it in messages and relative paths are
 * resolved against @base_dir (NULL: the current directory). */
vt_status vt_config_load_data(const char *data, const char *origin,
                              const char *base_dir, vt_config **ret_config);

void vt_config_free(vt_config *config);

/* The department with @id (borrowed), or NULL. */
const vt_department *vt_config_department(const vt_config *config, const char *id);

/* A value of @kf as vitrine reads every value: raw (no escape processing,
 * so regular expressions stay as written), an inline comment (white space
 * then '#') and surrounding blanks removed. NULL when absent. Caller frees.
 * For modules that read their own groups (harvest). */
char *vt_config_get_raw(GKeyFile *kf, const char *group, const char *key);

const char *vt_image_server_name(vt_image_server server);

/* A read-only view of @config for one audience: a struct copy whose
 * site_base_url is the internal tree's URL when @internal (and
 * audience_internal true), so that every
 * URL builder (vt_url.h, vt_manifest.h) names the internal tree's files.
 * The view borrows every pointer of @config: never vt_config_free() it, and
 * do not use it after @config is freed. */
void vt_config_audience_view(const vt_config *config, bool internal, vt_config *ret_view);
/* The root that holds the images (pyramid, static tiles, derivatives/) of
 * an asset of visibility @where, and the URL it is served from: internal
 * assets have their own (internal-dir, internal-base-url). Borrowed. */
const char *vt_config_images_dir(const vt_config *config, vt_visibility where);
const char *vt_config_images_base_url(const vt_config *config, vt_visibility where);

/* Is @uri a rights URI that IIIF accepts (Creative Commons or
 * RightsStatements.org, http://)? For [site] rights and per-asset values. */
bool vt_config_rights_valid(const char *uri);

/* A language as [site] languages takes it: a BCP 47 language with an
 * optional region (nl, pt-BR), which names a folder of the site and a
 * gettext catalogue; the search CGI's hl= takes the same. */
bool vt_config_language_valid(const char *code);

const char *vt_visibility_name(vt_visibility visibility);
/* Parses "public"/"internal"; returns false for anything else. */
bool vt_visibility_parse(const char *text, vt_visibility *ret_visibility);

#endif
