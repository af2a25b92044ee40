/* vitrine-convert: the conversion child. One image file per process.
 *
 *   vitrine-convert --input FILE --id ID --images-dir DIR
 *                   --server cantaloupe|iipsrv|static --base-url URL
 *                   [--max-pixels N] [--tile-size N] [--quality N]
 *                   [--thumbnail-size N] [--download-size N]
 *                   [--loaders LIST] [--keep-metadata LIST] [--drop-metadata LIST]
 *                   [--rights URI] [--attribution TEXT]
 *   vitrine-convert --list-loaders
 *
 * vitrined and vitrine start it (daemon/vt_convert.c) with resource limits,
 * so that a decoder that crashes, loops or balloons takes nothing else down.
 *
 * Contract with the parent:
 *   exit 0   the result JSON (vt_image.h) as one line on stdout
 *   exit 65  bad image or over a limit       } one line on stderr:
 *   exit 75  try again later (disk, rights)  } "vitrine-convert: <vt_strerror
 *   exit 70  internal error                  }  of the status>: <message>"
 *   exit 64  usage
 * libvips' own warnings are not printed, so stderr stays that one line,
 * after one line "vitrine-convert: expected-output-bytes N" printed once the
 * header is read (vt_image_expected_bytes): if the child then dies of a
 * signal, the parent compares the free space with N to tell a full disk
 * from a damaged file.
 *
 * --list-loaders prints the loaders of VT_IMAGE_LOADERS this libvips has,
 * one short name a line (vitrine check-config shows them).
 *
 * libvips' untrusted loaders (ImageMagick, ...) are blocked, and only the
 * --loaders allow-list (default VT_IMAGE_DEFAULT_LOADERS) is used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <vips/vips.h>

#include "vt_image.h"

static int exit_code(vt_status status)
{
    switch (status) {
    case VT_OK:
        return EX_OK;
    case VT_ERR_BAD_IMAGE:
    case VT_ERR_LIMIT:
        return EX_DATAERR;
    case VT_ERR_TRANSIENT:
        return EX_TEMPFAIL;
    case VT_ERR_INVALID:
        return EX_USAGE;
    default:
        return EX_SOFTWARE;
    }
}

static int fail(vt_status status, const char *message)
{
    fprintf(stderr, "vitrine-convert: %s: %s\n", vt_strerror(status), message);
    return exit_code(status);
}

static void drop_log(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

/* Failures to write in images_dir that a later attempt may not meet. */
static bool errno_transient(int errnum)
{
    return errnum == ENOENT || errnum == ENOTDIR || errnum == EACCES || errnum == EPERM ||
           errnum == EROFS || errnum == ENOSPC || errnum == EDQUOT;
}

static void print_expected(uint64_t bytes, void *data)
{
    fprintf(stderr, "vitrine-convert: expected-output-bytes %" G_GUINT64_FORMAT "\n",
            (guint64)bytes);
    fflush(stderr);
}

static int list_loaders(const char *argv0)
{
    if (VIPS_INIT(argv0))
        return fail(VT_ERR_INTERNAL, "libvips did not start");
    g_auto(GStrv) have = vt_image_available_loaders();
    for (size_t i = 0; have[i]; i++)
        printf("%s\n", have[i]);
    return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}

/* "jpeg,tiff" -> {"jpeg", "tiff", NULL}, each checked against
 * VT_IMAGE_LOADERS; NULL with *ret_bad set to the first unknown name. */
static char **parse_loaders(const char *list, char **ret_bad)
{
    static const char *const known[] = VT_IMAGE_LOADERS;
    g_auto(GStrv) items = g_strsplit_set(list, ", ", -1);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (size_t i = 0; items[i]; i++) {
        if (!items[i][0])
            continue;
        bool found = false;
        for (size_t k = 0; known[k]; k++)
            found = found || strcmp(items[i], known[k]) == 0;
        if (!found) {
            *ret_bad = g_strdup(items[i]);
            g_ptr_array_unref(out);
            return NULL;
        }
        g_ptr_array_add(out, g_strdup(items[i]));
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

static bool parse_server(const char *name, vt_image_server *ret_server)
{
    if (g_strcmp0(name, "cantaloupe") == 0)
        *ret_server = VT_SERVER_CANTALOUPE;
    else if (g_strcmp0(name, "iipsrv") == 0)
        *ret_server = VT_SERVER_IIPSRV;
    else if (g_strcmp0(name, "static") == 0)
        *ret_server = VT_SERVER_STATIC;
    else
        return false;
    return true;
}

int main(int argc, char **argv)
{
    g_autofree char *input = NULL, *id = NULL, *images_dir = NULL, *server = NULL, *base_url = NULL;
    g_autofree char *loaders = NULL, *keep_list = NULL, *drop_list = NULL, *rights = NULL;
    g_autofree char *attribution = NULL;
    gboolean list = FALSE;
    gint64 max_pixels = VT_IMAGE_DEFAULT_MAX_PIXELS;
    int tile_size = VT_IMAGE_DEFAULT_TILE_SIZE, quality = VT_IMAGE_DEFAULT_QUALITY;
    int thumbnail_size = VT_IMAGE_DEFAULT_THUMBNAIL_SIZE;
    int download_size = VT_IMAGE_DEFAULT_DOWNLOAD_SIZE;
    GOptionEntry entries[] = {
        { "input", 0, 0, G_OPTION_ARG_FILENAME, &input, "Image file to convert", "FILE" },
        { "id", 0, 0, G_OPTION_ARG_STRING, &id, "Name of the outputs", "ID" },
        { "images-dir", 0, 0, G_OPTION_ARG_FILENAME, &images_dir, "Output folder", "DIR" },
        { "server", 0, 0, G_OPTION_ARG_STRING, &server, "cantaloupe, iipsrv or static", "NAME" },
        { "base-url", 0, 0, G_OPTION_ARG_STRING, &base_url, "images.base-url", "URL" },
        { "max-pixels", 0, 0, G_OPTION_ARG_INT64, &max_pixels, "Largest width*height", "N" },
        { "tile-size", 0, 0, G_OPTION_ARG_INT, &tile_size, "Tile side", "N" },
        { "quality", 0, 0, G_OPTION_ARG_INT, &quality, "JPEG quality", "N" },
        { "thumbnail-size", 0, 0, G_OPTION_ARG_INT, &thumbnail_size, "Thumbnail side", "N" },
        { "download-size", 0, 0, G_OPTION_ARG_INT, &download_size,
          "Download side (0: none, the image server makes downloads)", "N" },
        { "loaders", 0, 0, G_OPTION_ARG_STRING, &loaders, "Loaders used (jpeg,tiff,...)",
          "LIST" },
        { "keep-metadata", 0, 0, G_OPTION_ARG_STRING, &keep_list, "Metadata also kept", "LIST" },
        { "drop-metadata", 0, 0, G_OPTION_ARG_STRING, &drop_list, "Metadata dropped", "LIST" },
        /* FILENAME: the bytes as given; STRING would convert from the
         * locale's charset, which is ASCII here (no setlocale). */
        { "rights", 0, 0, G_OPTION_ARG_FILENAME, &rights, "Rights URI where the image has none",
          "URI" },
        { "attribution", 0, 0, G_OPTION_ARG_FILENAME, &attribution,
          "Credit line where the image has none", "TEXT" },
        { "list-loaders", 0, 0, G_OPTION_ARG_NONE, &list, "List the loaders available", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new("- convert one image for vitrine");
    g_autoptr(GError) error = NULL;
    vt_image_options opt;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error))
        return fail(VT_ERR_INVALID, error->message);
    vt_image_options_init(&opt);
    if (argc > 1)
        return fail(VT_ERR_INVALID, "unexpected arguments (see --help)");
    if (list)
        return list_loaders(argv[0]);
    if (!input || !id || !images_dir || !server || !base_url)
        return fail(VT_ERR_INVALID,
                    "--input, --id, --images-dir, --server and --base-url are required");
    if (!parse_server(server, &opt.server))
        return fail(VT_ERR_INVALID, "--server must be cantaloupe, iipsrv or static");
    if (!vt_image_id_valid(id))
        return fail(VT_ERR_INVALID, "--id may hold only letters, digits, '.', '_' and '-'");
    if (max_pixels <= 0)
        return fail(VT_ERR_INVALID, "--max-pixels must be positive");
    opt.input = input;
    opt.id = id;
    opt.images_dir = images_dir;
    opt.images_base_url = base_url;
    opt.max_pixels = (uint64_t)max_pixels;
    opt.tile_size = tile_size;
    opt.quality = quality;
    opt.thumbnail_size = thumbnail_size;
    opt.download_size = download_size;
    opt.expect = print_expected;

    g_auto(GStrv) loader_list = NULL;
    if (loaders) {
        g_autofree char *bad = NULL;
        loader_list = parse_loaders(loaders, &bad);
        if (!loader_list) {
            g_autofree char *message = g_strdup_printf("--loaders: unknown loader \"%s\"", bad);
            return fail(VT_ERR_INVALID, message);
        }
        opt.loaders = (const char *const *)loader_list;
    }
    if ((rights && !g_utf8_validate(rights, -1, NULL)) ||
        (attribution && !g_utf8_validate(attribution, -1, NULL)))
        return fail(VT_ERR_INVALID, "--rights and --attribution must be UTF-8");
    g_autoptr(vt_keep) keep = NULL;
    if (vt_keep_new(keep_list, drop_list, rights, attribution, &keep) != VT_OK)
        return fail(VT_ERR_INVALID, vt_error_message());
    opt.keep = keep;

    /* libvips keeps its intermediate files (pyramid levels, a rotated
     * image decoded whole) in $TMPDIR. Ours is on the image disk, where the
     * space is, and named so that the parent's cleanup finds it after a
     * crash. GLib reads TMPDIR once, so this comes before VIPS_INIT. */
    vt_image_cleanup(images_dir, id);
    g_autofree char *work_name = g_strdup_printf(".tmp-%s.work", id);
    g_autofree char *work = g_build_filename(images_dir, work_name, NULL);
    if (mkdir(work, 0700) != 0) {
        int errnum = errno;
        g_autofree char *message =
            g_strdup_printf("The image folder is not writable: cannot create %s: %s", work,
                            g_strerror(errnum));
        return fail(errno_transient(errnum) ? VT_ERR_TRANSIENT : VT_ERR_INTERNAL, message);
    }
    g_setenv("TMPDIR", work, TRUE);

    /* libvips warns about what it then reports as an error, or about
     * nothing we act on; the parent reads one line from us. */
    GLogLevelFlags quiet = G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
                           G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION;
    g_log_set_handler("VIPS", quiet, drop_log, NULL);
    if (VIPS_INIT(argv[0])) {
        vt_image_cleanup(images_dir, id);
        return fail(VT_ERR_INTERNAL, "libvips did not start");
    }
    /* One file per process: nothing to gain from caching operations. */
    vips_cache_set_max(0);
    /* ImageMagick and the other loaders libvips marks untrusted read
     * anything (text, XPM) and are never used. libvips 8.14 marks the
     * JPEG 2000 loader untrusted too; the allow-list's own loaders (never
     * ImageMagick's: VT_IMAGE_LOADERS) are let through again by name. */
    vips_block_untrusted_set(TRUE);
    static const char *const default_loaders[] = VT_IMAGE_DEFAULT_LOADERS;
    const char *const *allowed = opt.loaders ? opt.loaders : default_loaders;
    GType any_loader = g_type_from_name("VipsForeignLoad");
    for (size_t i = 0; allowed[i]; i++) {
        /* By class name (block_set does not take nicknames), and the file
         * loader's parent: the file loader runs its _source sibling. Never
         * VipsForeignLoad itself, which would unblock every loader. */
        g_autofree char *nickname = g_strconcat(allowed[i], "load", NULL);
        GType file = vips_type_find("VipsOperation", nickname);
        if (!file)
            continue;
        GType parent = g_type_parent(file);
        vips_operation_block_set(g_type_name(parent != any_loader ? parent : file), FALSE);
    }

    json_t *result = NULL;
    vt_status status = vt_image_convert(&opt, &result);
    vt_image_cleanup(images_dir, id);
    if (status != VT_OK)
        return fail(status, vt_error_message());

    char *line = json_dumps(result, JSON_COMPACT);
    json_decref(result);
    if (!line)
        return fail(VT_ERR_NOMEM, "could not print the result");
    int rc = printf("%s\n", line) < 0 || fflush(stdout) != 0 ? EX_IOERR : EX_OK;
    free(line);
    return rc;
}
