/* vt_url.c: see vt_url.h. */
#include "vt_url.h"
#include "vt_jsonout.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <string.h>

bool vt_url_id_valid(const char *id)
{
    if (!id || !*id)
        return false;
    size_t n = 0;
    for (const char *p = id; *p; p++, n++)
        if (n >= VT_URL_ID_MAX || !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

/* Checks the id and sets the message; the URL functions return NULL then. */
static bool check_id(const char *id)
{
    if (vt_url_id_valid(id))
        return true;
    vt_error_set(VT_ERR_INVALID, "url: \"%.80s\" is not an asset id ([a-z0-9]{1,%d})",
                 id ? id : "(null)", VT_URL_ID_MAX);
    return false;
}

/* URLs are joined with g_strconcat, not printf: the search CGI makes three
 * per hit and the site generator several per asset. */

char *vt_url_image_service(const vt_config *c, const char *id, vt_visibility where)
{
    if (!check_id(id))
        return NULL;
    const char *base = vt_config_images_base_url(c, where);
    if (c->server == VT_SERVER_IIPSRV)
        return g_strconcat(base, "/", id, ".tif", NULL);
    return g_strconcat(base, "/", id, NULL);
}

char *vt_url_image_size(const char *service, bool fit, int width, int height)
{
    GString *url = g_string_new(service);
    char digits[VT_JSONOUT_INTEGER_MAX];
    size_t len;
    g_string_append(url, fit ? "/full/!" : "/full/");
    const char *text = vt_jsonout_integer(width, digits, &len);
    g_string_append_len(url, text, (gssize)len);
    g_string_append_c(url, ',');
    text = vt_jsonout_integer(height, digits, &len);
    g_string_append_len(url, text, (gssize)len);
    g_string_append(url, "/0/default.jpg");
    return g_string_free(url, FALSE);
}

char *vt_url_thumbnail(const vt_config *c, const char *id, vt_visibility where, int width,
                       int height)
{
    g_autofree char *service = vt_url_image_service(c, id, where);
    if (!service)
        return NULL;
    /* Static with a listed size: that size; else fit inside T x T,
     * keeping the aspect ratio. */
    if (c->server == VT_SERVER_STATIC && width > 0 && height > 0)
        return vt_url_image_size(service, false, width, height);
    return vt_url_image_size(service, true, c->thumbnail_size, c->thumbnail_size);
}

char *vt_url_page(const vt_config *c, const char *id)
{
    if (!check_id(id))
        return NULL;
    /* With two or more languages the pages are in a folder per language;
     * a link that names no language goes to the default one. */
    if (c->site_languages && c->site_languages[0] && c->site_languages[1])
        return g_strconcat(c->site_base_url, "/", c->site_languages[0], "/assets/", id, ".html",
                           NULL);
    return g_strconcat(c->site_base_url, "/assets/", id, ".html", NULL);
}

char *vt_url_manifest(const vt_config *c, const char *id)
{
    if (!check_id(id))
        return NULL;
    return g_strconcat(c->site_base_url, "/iiif/", id, "/manifest.json", NULL);
}

char *vt_url_canvas(const vt_config *c, const char *id)
{
    if (!check_id(id))
        return NULL;
    return g_strconcat(c->site_base_url, "/iiif/", id, "/canvas/1", NULL);
}

char *vt_url_annotations(const vt_config *c, const char *id)
{
    if (!check_id(id))
        return NULL;
    return g_strconcat(c->site_base_url, "/iiif/", id, "/annotations.json", NULL);
}

char *vt_url_search(const vt_config *c)
{
    return g_strconcat(c->site_base_url, "/cgi-bin/vitrine-search.cgi", NULL);
}

void vt_url_fit(int width, int height, int bound, int *ret_width, int *ret_height)
{
    int longest = MAX(width, height);
    double scale = longest > bound ? (double)bound / longest : 1;
    *ret_width = MAX(1, (int)(width * scale + 0.5));
    *ret_height = MAX(1, (int)(height * scale + 0.5));
}

vt_visibility vt_url_image_place(const vt_config *c, const char *id, bool internal_audience)
{
    if (!internal_audience || !vt_url_id_valid(id) || !c->images_internal_dir)
        return VT_VISIBILITY_PUBLIC;
    g_autofree char *name = c->server == VT_SERVER_STATIC ? g_strdup(id)
                                                          : g_strconcat(id, ".tif", NULL);
    g_autofree char *path = g_build_filename(c->images_internal_dir, name, NULL);
    return g_file_test(path, G_FILE_TEST_EXISTS) ? VT_VISIBILITY_INTERNAL : VT_VISIBILITY_PUBLIC;
}

vt_status vt_url_static_thumbnail_size(const vt_config *c, const char *id, vt_visibility where,
                                       int *ret_width, int *ret_height)
{
    if (!check_id(id))
        return VT_ERR_INVALID;
    g_autofree char *path = g_build_filename(vt_config_images_dir(c, where), id, "info.json",
                                             NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) gerr = NULL;
    /* Checked before reading: a stray huge file must not be loaded whole. */
    GStatBuf st;
    if (g_stat(path, &st) != 0) {
        int e = errno;
        return vt_error_set_errno(e == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, e, "%s", path);
    }
    if (st.st_size > VT_URL_INFO_MAX)
        return vt_error_set(VT_ERR_LIMIT, "%s: over %d bytes", path, VT_URL_INFO_MAX);
    if (!g_file_get_contents(path, &data, &len, &gerr))
        return vt_error_set(VT_ERR_IO, "%s: %s", path, gerr->message);
    json_error_t jerr;
    json_t *info = json_loadb(data, len, 0, &jerr);
    json_t *sizes = json_object_get(info, "sizes");
    int best_w = 0, best_h = 0, best = 0, small_w = 0, small_h = 0, small = 0;
    size_t i;
    json_t *s;
    json_array_foreach(sizes, i, s) {
        json_int_t w = json_integer_value(json_object_get(s, "width"));
        json_int_t h = json_integer_value(json_object_get(s, "height"));
        if (w <= 0 || h <= 0 || w > 1000000 || h > 1000000)
            continue;
        int side = (int)(w > h ? w : h);
        if (side <= c->thumbnail_size && side > best) {
            best = side;
            best_w = (int)w;
            best_h = (int)h;
        }
        if (small == 0 || side < small) {
            small = side;
            small_w = (int)w;
            small_h = (int)h;
        }
    }
    json_decref(info);
    if (small == 0)
        return vt_error_set(VT_ERR_INVALID, "%s: no usable \"sizes\"", path);
    *ret_width = best ? best_w : small_w;
    *ret_height = best ? best_h : small_h;
    return VT_OK;
}
