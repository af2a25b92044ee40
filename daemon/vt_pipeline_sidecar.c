/* vt_pipeline_sidecar.c: a sidecar dropped after its image was ingested.
 *
 * A sidecar that arrives with its image is the image's: the archive step
 * reads and archives it (vt_filejob.c). One that arrives later, alone
 * (the photographer exports the metadata a minute after the picture), is
 * handled here once it has settled: if no image of its name waits in the
 * hotfolder and the department has an asset of that name (the newest, if
 * the name was used more than once), its fields are applied to the asset's
 * custom metadata as a staff edit would be ("FIELD" replaces the field,
 * "FIELD.LANG" that language's values; harvested fields are refused), then
 * it is archived beside the original. One that cannot be read or applied
 * goes to quarantine with the reason. One with no image anywhere stays in
 * the hotfolder for the image that may still come.
 *
 * The order (edit, then archive, then remove) makes a crash harmless: the
 * sidecar is still there and applying it again changes nothing. Everything
 * runs on the loop thread: a sidecar is small (VT_SIDECAR_MAX_JSON) and
 * rare, and the lookup of its asset is a read transaction.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_beneath.h"
#include "vt_file.h"
#include "vt_name.h"
#include "vt_pipeline_private.h"
#include "vt_terms.h"

/* Orphans remembered so that a rescan does not look them up again. */
#define ORPHANS_MAX 10000

/* The image name a sidecar belongs to: "a.json" -> "a" (matches a.jpg),
 * "a.tif.xmp" -> "a.tif" (matches a.tif itself, or a.tif.jpg). */
static char *image_key(const char *sidecar_base)
{
    /* "a.annotations.json" is "a.json" for this (vt_pipeline_annotations.c). */
    g_autofree char *base = vt_annotation_sidecar_name(sidecar_base)
        ? g_strndup(sidecar_base, strlen(sidecar_base) - strlen(VT_ANNOTATION_SIDECAR_SUFFIX))
        : NULL;
    if (base)
        return g_steal_pointer(&base);
    const char *dot = strrchr(sidecar_base, '.');
    return g_strndup(sidecar_base, dot ? (gsize)(dot - sidecar_base) : strlen(sidecar_base));
}

/* Is @name an image name that the sidecar @key belongs to (the rule of
 * vt_filejob.c's sidecars_of, seen from the other side)? */
static bool belongs(const char *name, const char *key)
{
    if (vt_name_is_sidecar(name) || vt_name_is_ignored(name))
        return false;
    if (strcmp(name, key) == 0)
        return true;
    const char *dot = strrchr(name, '.');
    return dot && dot != name && (size_t)(dot - name) == strlen(key) &&
           strncmp(name, key, strlen(key)) == 0;
}

/* Does an image of the sidecar's name wait in the hotfolder (on disk, or
 * already taken by a job that will read the sidecar itself)? */
static bool image_waiting(const vt_pipeline *p, const vt_department *dept, const char *rel_dir,
                          int dirfd, const char *key)
{
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, p->inflight);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const inflight_entry *e = value;
        if (e->sidecar || e->dept != dept)
            continue;
        g_autofree char *d = g_path_get_dirname(e->relpath);
        g_autofree char *b = g_path_get_basename(e->relpath);
        if (strcmp(d, rel_dir) == 0 && belongs(b, key))
            return true;
    }
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dh = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dh) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(dh)))
        found = belongs(de->d_name, key);
    closedir(dh);
    return found;
}

typedef struct {
    const char *department;
    const char *rel_dir;
    const char *key;
    vt_asset *found;   /* the newest match (a copy) */
} find_ctx;

static bool find_one(const vt_asset *a, void *data)
{
    find_ctx *c = data;
    if ((a->state != VT_ASSET_READY && a->state != VT_ASSET_CONVERTING) ||
        strcmp(a->department, c->department) != 0)
        return true;
    g_autofree char *d = g_path_get_dirname(a->source);
    g_autofree char *b = g_path_get_basename(a->source);
    if (strcmp(d, c->rel_dir) == 0 && belongs(b, c->key) &&
        (!c->found || a->created >= c->found->created)) {
        vt_asset_free(c->found);
        c->found = vt_asset_dup(a);
    }
    return true;
}

static vt_status find_fn(vt_txn *txn, void *data)
{
    vt_asset_foreach(txn, find_one, data);
    return vt_txn_status(txn);
}

typedef struct {
    const vt_config *config;
    const char *id;
    json_t *edit;
    bool changed;
} late_edit_ctx;

static vt_status late_edit_fn(vt_txn *txn, void *data)
{
    late_edit_ctx *c = data;
    return vt_terms_edit_asset(txn, c->config, c->id, c->edit, &c->changed);
}

static void quarantine(vt_pipeline *p, const vt_department *dept, const char *relpath,
                       const char *path, const char *reason)
{
    vt_filejob *j = g_new0(vt_filejob, 1);
    j->kind = VT_FILEJOB_QUARANTINE;
    j->dept = dept;
    j->relpath = g_strdup(relpath);
    j->path = g_strdup(path);
    j->reason = g_strdup(reason);
    vt__pipeline_start_job(p, j);
}

/* The edit that a late sidecar's @fields make: a value with a language
 * sets "FIELD.LANG" (that language's values only), one without sets
 * "FIELD" (the whole field), as `vitrine set` would. */
static json_t *edit_of(const json_t *fields)
{
    json_t *set = json_object();
    const char *field;
    const json_t *values;
    json_object_foreach((json_t *)fields, field, values) {
        size_t i;
        json_t *v;
        json_array_foreach(values, i, v) {
            const char *lang = json_string_value(json_object_get(v, "lang"));
            g_autofree char *key = lang ? g_strdup_printf("%s.%s", field, lang) : g_strdup(field);
            json_t *list = json_object_get(set, key);
            if (!list) {
                list = json_array();
                json_object_set_new(set, key, list);
            }
            json_array_append(list, v);
        }
    }
    return json_pack("{s:o}", "set", set);
}

void vt__pipeline_late_sidecar(vt_pipeline *p, const vt_department *dept, const char *relpath)
{
    g_autofree char *path = g_build_filename(dept->hotfolder, relpath, NULL);
    vt_place src = VT_PLACE_INIT;
    struct stat st;
    if (vt_place_open(dept->hotfolder, relpath, 0, &src) != VT_OK)
        return;   /* gone, or its folder became a link: nothing of ours */
    if (fstatat(src.dirfd, src.name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
        vt_place_close(&src);
        return;   /* gone, or a link: not metadata we take */
    }
    g_autofree char *rel_dir = g_path_get_dirname(relpath);
    g_autofree char *key = image_key(src.name);
    if (image_waiting(p, dept, rel_dir, src.dirfd, key)) {
        vt_place_close(&src);
        return;   /* its image's archive step takes it */
    }

    /* An orphan looked up before and unchanged since: still an orphan. */
    g_autofree char *stamp = g_strdup_printf("%jd:%ld.%09ld", (intmax_t)st.st_size,
                                             (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    if (g_strcmp0(g_hash_table_lookup(p->orphan_sidecars, path), stamp) == 0) {
        vt_place_close(&src);
        return;
    }

    find_ctx f = {dept->id, rel_dir, key, NULL};
    if (vt_store_read(p->store, find_fn, &f) != VT_OK) {
        vt__pipeline_emit(p, VT_EVENT_ERROR, dept->id, relpath, NULL, vt_error_message());
        vt_asset_free(f.found);
        vt_place_close(&src);
        return;
    }
    if (!f.found) {
        if (g_hash_table_size(p->orphan_sidecars) >= ORPHANS_MAX)
            g_hash_table_remove_all(p->orphan_sidecars);
        g_hash_table_replace(p->orphan_sidecars, g_strdup(path), g_steal_pointer(&stamp));
        vt__pipeline_emit(p, VT_EVENT_INFO, dept->id, relpath, NULL,
             "a sidecar without its image: left in the hotfolder until an image of its name arrives");
        vt_place_close(&src);
        return;
    }
    g_hash_table_remove(p->orphan_sidecars, path);
    vt_asset *a = f.found;

    json_t *fields = NULL;
    int fd = -1;
    vt_status s = vt_filejob_open_sidecar(src.dirfd, src.name, src.shown, &fields, &fd, &st);
    if (s == VT_ERR_IO) {
        /* Unreadable now (permissions being fixed): the next event or
         * rescan tries again. */
        vt__pipeline_emit(p, VT_EVENT_ERROR, dept->id, relpath, a->id, vt_error_message());
        vt_asset_free(a);
        vt_place_close(&src);
        return;
    }
    late_edit_ctx c = {p->config, a->id, NULL, false};
    if (s == VT_OK && vt_annotation_sidecar_name(src.name)) {
        s = vt__pipeline_late_annotations(p, a->id, src.name, fields, &c.changed);
        json_decref(fields);
    } else if (s == VT_OK) {
        /* Harvested fields are refused, the others applied. */
        vt__pipeline_refuse_harvested(p, dept, relpath, relpath, a->id, fields);
        c.edit = json_object_size(fields) ? edit_of(fields) : NULL;
        bool empty = json_object_size(fields) == 0;
        json_decref(fields);
        s = c.edit ? vt_store_write(p->store, late_edit_fn, &c)
            : empty ? VT_OK
                    : vt_error_set(VT_ERR_NOMEM, "cannot build the edit of %s", src.name);
    }
    json_decref(c.edit);
    if (s != VT_OK) {
        g_autofree char *why = g_strdup_printf(
            "This sidecar arrived after its image (asset %s) and could not be applied to it: %s",
            a->id, vt_error_message());
        if (fd >= 0)
            close(fd);
        quarantine(p, dept, relpath, path, why);
        vt_asset_free(a);
        vt_place_close(&src);
        return;
    }
    if (c.changed)
        vt__pipeline_mark_changed(p, a->id);

    vt_place archive = VT_PLACE_INIT;
    s = vt_place_open_path(p->config->originals_dir, a->original, VT_BENEATH_CREATE, &archive);
    if (s == VT_OK) {
        g_autofree char *archive_dir = g_path_get_dirname(archive.shown);
        s = vt_filejob_archive_sidecar(fd, &st, src.dirfd, src.name, src.shown, archive.dirfd,
                                       archive_dir);
    }
    close(fd);
    vt_place_close(&archive);
    if (s != VT_OK)
        vt__pipeline_emit(p, VT_EVENT_ERROR, dept->id, relpath, a->id, vt_error_message());
    else
        vt__pipeline_emit(p, VT_EVENT_INFO, dept->id, relpath, a->id,
             c.changed ? "a late sidecar: its metadata applied, the file archived beside the original"
                       : "a late sidecar: nothing new in it, the file archived beside the original");
    vt_asset_free(a);
    vt_place_close(&src);
}
