/* vt_selection.c: shared selections as IIIF manifests (vt_selection.h). */
#include "vt_selection.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "vt_url.h"

#define PARAM "selection"
#define IIIF_CONTEXT "http://iiif.io/api/presentation/3/context.json"

/* "selection=" then at most MAX ids of 64 bytes, each with a separator
 * written as %2C: anything longer is refused before it is looked at. */
#define QUERY_MAX (sizeof PARAM + VT_SELECTION_MAX * (VT_URL_ID_MAX + 3))

static bool is_param(const char *s, size_t len)
{
    return len >= sizeof PARAM - 1 && memcmp(s, PARAM, sizeof PARAM - 1) == 0 &&
           (len == sizeof PARAM - 1 || s[sizeof PARAM - 1] == '=');
}

bool vt_selection_requested(const char *query_string)
{
    const char *p = query_string;
    while (p && *p) {
        size_t len = strcspn(p, "&");
        if (is_param(p, len))
            return true;
        p += len;
        if (*p == '&')
            p++;
    }
    return false;
}

/* Appends the id in @id[0..len) to @ids unless it is there already. */
static vt_status add_id(GPtrArray *ids, const char *id, size_t len)
{
    g_autofree char *copy = g_strndup(id, len);
    if (!vt_url_id_valid(copy))
        return vt_error_set(VT_ERR_INVALID,
                            "selection: \"%.64s\" is not an asset id (lower-case letters and "
                            "digits, at most %d)",
                            copy, VT_URL_ID_MAX);
    for (guint i = 0; i < ids->len; i++)
        if (strcmp(ids->pdata[i], copy) == 0)
            return VT_OK;
    if (ids->len >= VT_SELECTION_MAX)
        return vt_error_set(VT_ERR_LIMIT, "selection: at most %d ids", VT_SELECTION_MAX);
    g_ptr_array_add(ids, g_steal_pointer(&copy));
    return VT_OK;
}

vt_status vt_selection_parse(const char *query_string, char ***ret_ids)
{
    const char *q = query_string ? query_string : "";
    if (strlen(q) > QUERY_MAX)
        return vt_error_set(VT_ERR_LIMIT, "selection: the list is too long (at most %d ids)",
                            VT_SELECTION_MAX);
    const char *value = NULL;
    for (const char *p = q; *p;) {
        size_t len = strcspn(p, "&");
        if (len > 0) {
            if (!is_param(p, len))
                return vt_error_set(VT_ERR_INVALID,
                                    "selection: no other parameter is accepted with selection "
                                    "(\"%.*s\")",
                                    (int)MIN(len, 40), p);
            if (value)
                return vt_error_set(VT_ERR_INVALID, "selection: given more than once");
            value = p + sizeof PARAM - 1;
            if (*value == '=')
                value++;
        }
        p += len;
        if (*p == '&')
            p++;
    }
    if (!value)
        return vt_error_set(VT_ERR_INVALID, "selection: no selection parameter");

    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    vt_status st = VT_OK;
    const char *start = value;
    for (const char *p = value;; p++) {
        size_t sep = 0;     /* length of a separator at p, 0 if none */
        bool end = *p == '\0' || *p == '&';
        if (*p == ',')
            sep = 1;
        else if (p[0] == '%' && p[1] == '2' && (p[2] == 'C' || p[2] == 'c'))
            sep = 3;
        else if (!end && !g_ascii_islower(*p) && !g_ascii_isdigit(*p)) {
            st = vt_error_set(VT_ERR_INVALID,
                              "selection: only asset ids separated by commas are accepted");
            break;
        }
        if (sep || end) {
            if (p > start)
                st = add_id(ids, start, (size_t)(p - start));
            if (st != VT_OK || end)
                break;
            p += sep - 1;
            start = p + 1;
        }
    }
    if (st == VT_OK && ids->len == 0)
        st = vt_error_set(VT_ERR_INVALID, "selection: no asset id given");
    if (st != VT_OK) {
        g_ptr_array_free(ids, TRUE);
        return st;
    }
    g_ptr_array_add(ids, NULL);
    g_ptr_array_set_free_func(ids, NULL);
    *ret_ids = (char **)g_ptr_array_free(ids, FALSE);
    return VT_OK;
}

/* The published manifest of @id in @tree_dir, or NULL (the reason on
 * stderr when it is more than "not there": the web server's log). */
static json_t *read_manifest(const char *tree_dir, const char *id)
{
    g_autofree char *path = g_build_filename(tree_dir, "iiif", id, "manifest.json", NULL);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            fprintf(stderr, "vitrine-search: selection: cannot open %s: %s\n", path,
                    g_strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > VT_SELECTION_MANIFEST_MAX) {
        fprintf(stderr, "vitrine-search: selection: %s is not a manifest file of at most %d bytes\n",
                path, VT_SELECTION_MANIFEST_MAX);
        close(fd);
        return NULL;
    }
    char *data = g_malloc((size_t)sb.st_size + 1);
    size_t got = 0;
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, data + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    json_error_t error;
    json_t *doc = got == (size_t)sb.st_size ? json_loadb(data, got, 0, &error) : NULL;
    g_free(data);
    json_t *items = json_object_get(doc, "items");
    if (!doc || g_strcmp0(json_string_value(json_object_get(doc, "type")), "Manifest") != 0 ||
        !json_is_array(items) || json_array_size(items) == 0) {
        fprintf(stderr, "vitrine-search: selection: %s is not a IIIF manifest with canvases\n",
                path);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Copies @key of @from onto @to, unless @to has it. */
static void inherit(json_t *to, const json_t *from, const char *key)
{
    json_t *v = json_object_get(from, key);
    if (v && !json_object_get(to, key))
        json_object_set(to, key, v);
}

/* Appends @manifest's canvases to @canvases, each carrying what a reader of
 * the selection needs to know about its asset. False when it has none. */
static bool add_canvases(json_t *canvases, const json_t *manifest)
{
    size_t i;
    json_t *canvas;
    bool any = false;
    const char *manifest_id = json_string_value(json_object_get(manifest, "id"));
    json_array_foreach(json_object_get(manifest, "items"), i, canvas) {
        if (!json_is_object(canvas) ||
            g_strcmp0(json_string_value(json_object_get(canvas, "type")), "Canvas") != 0)
            continue;
        json_t *copy = json_copy(canvas);   /* shallow: the values are shared */
        if (!copy)
            continue;
        inherit(copy, manifest, "label");
        inherit(copy, manifest, "requiredStatement");
        inherit(copy, manifest, "rights");
        inherit(copy, manifest, "homepage");
        /* Viewers list canvases by their thumbnail; without one, Universal
         * Viewer asks the image service for sizes a level-0 service lacks. */
        inherit(copy, manifest, "thumbnail");
        if (manifest_id && !json_object_get(copy, "partOf"))
            json_object_set_new(copy, "partOf",
                                json_pack("[{s:s, s:s}]", "id", manifest_id, "type", "Manifest"));
        json_array_append_new(canvases, copy);
        any = true;
    }
    return any;
}

vt_status vt_selection_manifest(const vt_config *view, const char *tree_dir,
                                const char *const *ids, json_t **ret_manifest,
                                size_t *ret_found)
{
    GString *list = g_string_new(NULL);         /* the ids, for the manifest's id */
    GString *missing = g_string_new(NULL);
    size_t n_ids = 0, n_missing = 0, found = 0;
    json_t *canvases = json_array();
    vt_status st = VT_OK;
    for (; ids && ids[n_ids]; n_ids++) {
        const char *id = ids[n_ids];
        if (!vt_url_id_valid(id) || n_ids >= VT_SELECTION_MAX) {
            st = vt_error_set(VT_ERR_INVALID, "selection: not a valid list of asset ids");
            break;
        }
        g_string_append_printf(list, "%s%s", n_ids ? "," : "", id);
        json_t *manifest = read_manifest(tree_dir, id);
        if (manifest && add_canvases(canvases, manifest)) {
            found++;
        } else {
            g_string_append_printf(missing, "%s%s", n_missing ? ", " : "", id);
            n_missing++;
        }
        json_decref(manifest);
    }
    if (st == VT_OK && n_ids == 0)
        st = vt_error_set(VT_ERR_INVALID, "selection: no asset id given");
    g_autofree char *search = st == VT_OK ? vt_url_search(view) : NULL;
    if (st == VT_OK && !search)
        st = VT_ERR_INTERNAL;   /* vt_url set the message */
    if (st != VT_OK) {
        json_decref(canvases);
        g_string_free(list, TRUE);
        g_string_free(missing, TRUE);
        return st;
    }

    g_autofree char *id = g_strconcat(search, "?selection=", list->str, NULL);
    g_autofree char *label = g_strdup_printf("Selection of %zu image%s", found,
                                             found == 1 ? "" : "s");
    GString *summary = g_string_new(NULL);
    g_string_append_printf(summary, "%zu of the %zu selected image%s.", found, n_ids,
                           n_ids == 1 ? "" : "s");
    if (n_missing)
        g_string_append_printf(summary, " Not found on this site (left out): %s.", missing->str);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:{s:[s]}, s:{s:[s]}, s:o}", "@context", IIIF_CONTEXT,
                            "id", id, "type", "Manifest", "label", "en", label, "summary", "en",
                            summary->str, "items", canvases);
    g_string_free(summary, TRUE);
    g_string_free(list, TRUE);
    g_string_free(missing, TRUE);
    if (!doc)
        return vt_error_set(VT_ERR_NOMEM, "selection: out of memory building the manifest");
    *ret_manifest = doc;
    if (ret_found)
        *ret_found = found;
    return VT_OK;
}

char *vt_selection_etag(const char *body, size_t len)
{
    g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)body,
                                                       len);
    return g_strdup_printf("\"%.32s\"", sum);
}

bool vt_selection_etag_matches(const char *if_none_match, const char *etag)
{
    if (!if_none_match || !etag)
        return false;
    size_t n = strlen(etag);
    /* A list of tags, each possibly weak (W/"..."): a weak comparison, as
     * If-None-Match asks for. */
    for (const char *p = if_none_match; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ' ||
                                         p[n] == '\t'))
            return true;
        p += strcspn(p, ",");
    }
    return false;
}
