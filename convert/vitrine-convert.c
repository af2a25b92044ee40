/* vitrine-convert: the conversion child. One image file per process.
 *
 *   vitrine-convert --input FILE --id ID --images-dir DIR
 *                   --server cantaloupe|iipsrv|static --base-url URL
 *                   [--max-pixels N] [--tile-size N] [--quality N]
 *                   [--thumbnail-size N] [--download-size N]
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
 * libvips' own warnings are not printed, so stderr stays that one line.
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
        { "download-size", 0, 0, G_OPTION_ARG_INT, &download_size, "Download side", "N" },
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
