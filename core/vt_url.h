/* vt_url.h: the public URLs of an asset (image service, thumbnail, page,
 * manifest) and of the search CGI, built from the configuration.
 *
 * Who calls it: the search CGI (links in every hit, ids of IIIF Content
 * Search answers) and, later, the site generator, so that both agree on one
 * URL scheme. Pure string building (except vt_url_static_thumbnail_size,
 * which reads one small file); safe from any thread.
 *
 * Asset ids are [a-z0-9]{1,64} (vt_name_make_id), so they go into paths
 * without escaping. A function given anything else returns NULL (and sets
 * the error message) rather than a URL that could point elsewhere.
 * Every returned string is owned by the caller (g_free).
 *
 * The scheme (an internal asset's images have a root and a URL of their
 * own, [images] internal-dir and internal-base-url: every image function
 * takes the asset's visibility and uses that root's URL in place of
 * <images.base-url>, so that no public document names an internal image):
 *   image service  cantaloupe, static: <images.base-url>/<id>
 *                  iipsrv:             <images.base-url>/<id>.tif
 *   thumbnail      static: <service>/full/W,H/0/default.jpg, a size vitrine
 *                  wrote (listed in <images.dir>/<id>/info.json "sizes");
 *                  others: <service>/full/!T,T/0/default.jpg with T =
 *                  images.thumbnail-size
 *   page           <site.base-url>/assets/<id>.html (<site.base-url>/<lang>/assets/<id>.html,
 *                  the default language's, with two or more [site] languages)
 *   manifest       <site.base-url>/iiif/<id>/manifest.json
 *   canvas         <site.base-url>/iiif/<id>/canvas/1 (one image per asset)
 *   search         <site.base-url>/cgi-bin/vitrine-search.cgi
 */
#ifndef VT_URL_H
#define VT_URL_H

#include <stdbool.h>

#include "vt_config.h"
#include "vt_error.h"

/* Longest asset id accepted (vt_name.h's VT_NAME_ID_MAX). */
#define VT_URL_ID_MAX 64
/* info.json files larger than this are not read (a static one is ~2 KiB). */
#define VT_URL_INFO_MAX (256 * 1024)

/* The size an image server gives @width x @height scaled to fit @bound x
 * @bound, never enlarged ("!B,B"); each side at least 1. For the width and
 * height a page or manifest states for such a URL. */
void vt_url_fit(int width, int height, int bound, int *ret_width, int *ret_height);

/* True when @id is [a-z0-9]{1,VT_URL_ID_MAX}. */
bool vt_url_id_valid(const char *id);

char *vt_url_image_service(const vt_config *c, const char *id, vt_visibility where);

/* The whole image of @service as a JPEG of @width x @height
 * ("SERVICE/full/W,H/0/default.jpg"), or scaled to fit inside them when
 * @fit ("!W,H", never enlarged). Caller frees. */
char *vt_url_image_size(const char *service, bool fit, int width, int height);

/* @width and @height (both > 0) are used by server=static only: one of the
 * sizes listed in the asset's info.json (vt_url_static_thumbnail_size).
 * With static and no size (0), the !T,T form is returned: a level-0 server
 * cannot answer it, so callers should find the size first. */
char *vt_url_thumbnail(const vt_config *c, const char *id, vt_visibility where, int width,
                       int height);

char *vt_url_page(const vt_config *c, const char *id);
char *vt_url_manifest(const vt_config *c, const char *id);
char *vt_url_canvas(const vt_config *c, const char *id);
/* The asset's IIIF AnnotationPage in this tree (public annotations only in
 * the public tree): <base-url>/iiif/ID/annotations.json. */
char *vt_url_annotations(const vt_config *c, const char *id);
char *vt_url_search(const vt_config *c);

/* For server=static: the listed size ("sizes" of <root>/<id>/info.json, root
 * vt_config_images_dir(@where))
 * that is the thumbnail: the largest whose longest side is at most
 * images.thumbnail-size, else the smallest. VT_ERR_NOT_FOUND (no file),
 * VT_ERR_INVALID (not an info.json with sizes), VT_ERR_LIMIT (too big). */
vt_status vt_url_static_thumbnail_size(const vt_config *c, const char *id, vt_visibility where,
                                       int *ret_width, int *ret_height);

/* For a reader that knows an id but not its asset's visibility (the search
 * CGI's hits): the root that holds its images. For the public audience
 * (@internal_audience false) always PUBLIC, without looking; for the
 * internal one INTERNAL when <internal-dir>/<id> (iipsrv, cantaloupe:
 * <id>.tif) exists. One stat(). */
vt_visibility vt_url_image_place(const vt_config *c, const char *id, bool internal_audience);

#endif
