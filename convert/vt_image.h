/* vt_image.h: one image file in, the files an IIIF image server needs out.
 *
 * This is the only vitrine code that decodes pixels. It runs inside the
 * short-lived conversion child (vitrine-convert), one file per process, so a
 * decoder that crashes or leaks takes nothing else with it. The caller must
 * have initialised libvips (VIPS_INIT) and should turn its operation cache
 * off. Calls must not overlap: libvips has one error buffer per process.
 *
 * vt_image_convert() reads opt->input and writes, in opt->images_dir:
 *
 *   <id>.tif                         tiled (tile_size) pyramidal TIFF, JPEG
 *                                    at quality, levels as a plain chain of
 *                                    IFDs (no SubIFDs: Cantaloupe and iipsrv
 *                                    read only the chain), BigTIFF if needed
 *   derivatives/<id>-thumb.jpg       longest side thumbnail_size
 *   derivatives/<id>-download.jpg    longest side download_size
 *   <id>/                            server == VT_SERVER_STATIC only: IIIF
 *                                    Image API 3 level-0 tiles whose
 *                                    info.json id is <images_base_url>/<id>
 *
 * The pixels written are 8-bit sRGB (or 8-bit greyscale in the TIFF), with
 * EXIF orientation applied, any embedded ICC profile converted to sRGB and
 * alpha flattened onto white. Derivatives are never upscaled. The TIFF, the
 * download and the static full-size download carry the embedded metadata
 * that opt->keep keeps (rights, creator, credit: vt_keep.h), orientation 1;
 * the thumbnail and the static tiles carry none. Without opt->keep every
 * output is stripped. The original in the archive keeps everything.
 *
 * Invariant: every file is written under a temporary name
 * ".tmp-<id>.<suffix>" directly in images_dir (VT_IMAGE_TMP_SUFFIXES) and
 * renamed into place only once it is complete, so a crash leaves only
 * ".tmp-<id>.*" names, which vt_image_cleanup() (and, in the parent,
 * vt_convert_cleanup()) remove. A reader of images_dir never sees a partly
 * written <id>.tif.
 *
 * The input is hostile. Its header is read first, lazily, and width*height
 * is checked against max_pixels before a single pixel is decoded. Only the
 * loaders in opt->loaders are used (VT_IMAGE_DEFAULT_LOADERS); the caller
 * should also have called vips_block_untrusted_set(TRUE).
 */
#ifndef VT_IMAGE_H
#define VT_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "vt_config.h"
#include "vt_error.h"
#include "vt_keep.h"

/* The suffixes of the temporary names in images_dir. vt_convert.c (the
 * parent side, which does not link libvips) keeps its own copy of this list:
 * change both together. "work" is the folder vitrine-convert points TMPDIR
 * at, where libvips keeps its own intermediate files. */
#define VT_IMAGE_TMP_SUFFIXES \
    { "tif", "thumb.jpg", "download.jpg", "tiles", "work" }

typedef struct {
    const char *input;           /* the file to convert */
    const char *id;              /* names the outputs: [A-Za-z0-9._-], no leading '.' */
    const char *images_dir;      /* must exist */
    vt_image_server server;
    const char *images_base_url; /* no trailing slash; used for VT_SERVER_STATIC */
    uint64_t max_pixels;         /* width * height above this is refused; > 0 */
    int tile_size;               /* 16..4096 */
    int quality;                 /* JPEG quality, 1..100 */
    int thumbnail_size;          /* longest side of the thumbnail, 16..8192 */
    int download_size;           /* longest side of the download, 16..16384 */
    vt_keep *keep;               /* metadata the published images keep; NULL: none */
    const char *const *loaders;  /* NULL-terminated short names ("jpeg", ...) of the
                                  * loaders used, from VT_IMAGE_LOADERS; NULL: the default */
    /* Called once the header is read, with the bytes the outputs are
     * expected to take on images_dir (vt_image_expected_bytes); may be NULL. */
    void (*expect)(uint64_t bytes, void *data);
    void *expect_data;
} vt_image_options;

/* Every loader vitrine can be allowed to use (raster formats; libvips'
 * document and data loaders, and ImageMagick's, which reads text and XPM
 * as images, are never used), and the default allow-list:
 * JPEG, TIFF, PNG, WebP, JPEG 2000 and HEIF, where this libvips has them.
 * core/vt_config.c checks [images] loaders= against its own copy of the
 * first list. */
#define VT_IMAGE_LOADERS \
    { "jpeg", "png", "tiff", "webp", "jp2k", "heif", "gif", "jxl", "ppm", NULL }
#define VT_IMAGE_DEFAULT_LOADERS { "jpeg", "tiff", "png", "webp", "jp2k", "heif", NULL }

#define VT_IMAGE_DEFAULT_MAX_PIXELS 1000000000u
#define VT_IMAGE_DEFAULT_TILE_SIZE 512
#define VT_IMAGE_DEFAULT_QUALITY 85
#define VT_IMAGE_DEFAULT_THUMBNAIL_SIZE 400
#define VT_IMAGE_DEFAULT_DOWNLOAD_SIZE 2048

/* The bytes a conversion of a @width x @height image whose decoded pixels
 * take @pixel_bytes each is expected to write into images_dir at most: the
 * pyramid (the pixels and a third for the smaller levels, at a third of a
 * byte per sample, more than JPEG at quality 85 takes even of grainy
 * scans), the same again for static tiles, the decoded image in the work
 * folder when @rotated (an EXIF rotation reads the image whole), and the
 * derivatives. A full disk is told from a damaged file by comparing the
 * free space with this, not with the input's size: a 200 KB JPEG can
 * claim 30000 x 30000 pixels. */
uint64_t vt_image_expected_bytes(const vt_image_options *opt, uint64_t width, uint64_t height,
                                 int pixel_bytes, bool rotated);

/* The short names of the loaders of VT_IMAGE_LOADERS that this libvips
 * has (after VIPS_INIT), NULL-terminated; g_strfreev. */
char **vt_image_available_loaders(void);

/* Fills @opt with the defaults above and NULL paths, server Cantaloupe. */
void vt_image_options_init(vt_image_options *opt);

/* Converts opt->input; see the top of this file for what is written.
 *
 * On success *ret_result is a new JSON object (caller: json_decref):
 *   width, height     after autorotation
 *   format            the loader's short name: "jpeg", "png", "tiff", "webp",
 *                     "jp2k", "heif", "gif", "jxl", "ppm"
 *   bands, interpretation ("srgb", "b-w", "cmyk", "rgb16", ...), bits
 *                     (8, 16, 32 per sample), has_alpha, icc (had an
 *                     embedded profile), orientation (EXIF, 1 if none):
 *                     all describe the input, before conversion
 *   image, thumbnail, download   paths of the files written
 *   thumbnail_width, thumbnail_height, download_width, download_height
 *   tiles             path of the static tile folder, or null
 *   embedded          object: XMP fields (vt_xmp.h) and, where XMP has
 *                     none, EXIF camera, date, creator, description,
 *                     rights; each an array of {"value": ...[, "lang"]}
 *
 * Errors (with a message for a person, not a programmer):
 *   VT_ERR_BAD_IMAGE  not an image vitrine reads, truncated, damaged, empty
 *   VT_ERR_LIMIT      width * height over max_pixels
 *   VT_ERR_TRANSIENT  images_dir missing or not writable, disk full, quota,
 *                     read-only file system
 *   VT_ERR_INVALID    bad options (id, sizes): a bug in the caller
 *   VT_ERR_INTERNAL   libvips failed in a way not listed above
 * On failure every ".tmp-<id>.*" name except "work" has been removed, and
 * the final names of an earlier successful conversion are left as they were.
 */
vt_status vt_image_convert(const vt_image_options *opt, json_t **ret_result);

/* Removes every temporary name of @id in @images_dir (recursively for the
 * folders), "work" included. Missing names are fine. Never fails loudly: it
 * is cleanup after a failure. */
void vt_image_cleanup(const char *images_dir, const char *id);

/* True when @id can name files: 1..200 bytes of [A-Za-z0-9._-], not
 * starting with '.'. */
bool vt_image_id_valid(const char *id);

#endif
