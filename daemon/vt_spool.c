/* vt_spool.c: see vt_spool.h. */
#include "vt_spool.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "vt_file.h"

vt_status vt_spool_submit(const char *spool_dir, const json_t *request, char **ret_name)
{
    vt_status st = vt_file_mkdirs(spool_dir);
    if (st != VT_OK)
        return st;
    char *text = json_dumps(request, JSON_COMPACT);
    if (!text)
        return vt_error_set(VT_ERR_NOMEM, "cannot encode a spool request");
    /* Time first so that name order is submission order; pid and a random
     * number keep two submitters in one microsecond apart. */
    char *name = g_strdup_printf("%016" G_GINT64_MODIFIER "x-%d-%08x.json", g_get_real_time(),
                                 (int)getpid(), g_random_int());
    char *path = g_build_filename(spool_dir, name, NULL);
    st = vt_file_write_atomic(path, text, strlen(text));
    free(text);
    g_free(path);
    if (st == VT_OK && ret_name)
        *ret_name = name;
    else
        g_free(name);
    return st;
}

static void reject(const char *spool_dir, const char *name, const char *reason)
{
    g_autofree char *dir = g_build_filename(spool_dir, "rejected", NULL);
    g_autofree char *src = g_build_filename(spool_dir, name, NULL);
    g_autofree char *dst = g_build_filename(dir, name, NULL);
    g_autofree char *why = g_strdup_printf("%s.reason.txt", dst);
    g_autofree char *text = g_strdup_printf("vitrine did not apply this request.\n\nReason: %s\n",
                                            reason);

    /* The reason first: whoever waits for the request to leave the spool
     * (vitrine set) finds it complete the moment it does. */
    if (vt_file_mkdirs(dir) != VT_OK || vt_file_write_atomic(why, text, strlen(text)) != VT_OK)
        g_warning("spool: cannot write why %s was rejected: %s", src, vt_error_message());
    else if (rename(src, dst) != 0)
        g_warning("spool: cannot move the rejected request %s aside: %s", src, g_strerror(errno));
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

vt_status vt_spool_take(const char *spool_dir, vt_spool_fn fn, void *data, unsigned *ret_count)
{
    GError *err = NULL;
    GDir *dir = g_dir_open(spool_dir, 0, &err);
    if (!dir) {
        bool missing = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        vt_status st = missing ? VT_OK
                               : vt_error_set(VT_ERR_IO, "cannot read the spool folder: %s",
                                              err->message);
        g_error_free(err);
        if (missing && ret_count)
            *ret_count = 0;
        return st;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)))
        if (name[0] != '.' && g_str_has_suffix(name, ".json"))
            g_ptr_array_add(names, g_strdup(name));
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_names);

    unsigned taken = 0;
    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        g_autofree char *path = g_build_filename(spool_dir, n, NULL);
        gchar *text = NULL;
        gsize len = 0;
        if (!g_file_get_contents(path, &text, &len, NULL))
            continue;   /* taken by a concurrent reader, or vanished */
        json_error_t jerr;
        json_t *req = NULL;
        vt_status st;
        if (len > VT_SPOOL_MAX_REQUEST)
            st = vt_error_set(VT_ERR_LIMIT, "the request is %zu bytes, over the limit of %d",
                              (size_t)len, VT_SPOOL_MAX_REQUEST);
        else if (!(req = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)))
            st = vt_error_set(VT_ERR_INVALID, "not valid JSON: %s (line %d)", jerr.text, jerr.line);
        else if (!json_is_object(req) || !json_is_string(json_object_get(req, "action")))
            st = vt_error_set(VT_ERR_INVALID, "a request is a JSON object with an \"action\"");
        else
            st = fn(req, n, data);
        g_free(text);
        json_decref(req);
        if (st == VT_OK)
            g_unlink(path);
        else
            reject(spool_dir, n, vt_error_message());
        taken++;
    }
    g_ptr_array_free(names, TRUE);
    if (ret_count)
        *ret_count = taken;
    return VT_OK;
}
