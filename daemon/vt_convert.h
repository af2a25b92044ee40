/* vt_convert.h: runs one conversion child (vitrine-convert) and reports.
 *
 * Used by the pipeline (vitrined and the vitrine tool). Pixels are only
 * ever decoded in the child: a decoder that crashes, loops or balloons on a
 * hostile file kills that child, not the daemon. The child runs niced, with
 * an address-space limit (vitrine.convert-memory-mb; not in sanitizer
 * builds, whose shadow memory needs terabytes of address space), a CPU-time
 * limit, no core files, and a wall-clock timeout
 * (vitrine.convert-timeout-seconds) after which it is killed.
 *
 * Threading: call vt_convert_start() from a thread whose thread-default
 * GMainContext is running (the daemon's loop). All the work (pipes, timer,
 * child watch) is attached to that context, and @done is called there,
 * exactly once per successful start, never from inside vt_convert_start().
 * GLib watches children through SIGCHLD: the process must not block it in
 * every thread nor read it from a signalfd.
 *
 * Several conversions may run at once; each is independent. Two
 * conversions of the same @id must not run at the same time (they share
 * temporary names in images_dir).
 */
#ifndef VT_CONVERT_H
#define VT_CONVERT_H

#include <jansson.h>

#include "vt_config.h"
#include "vt_error.h"

typedef struct {
    /* VT_OK, VT_ERR_BAD_IMAGE, VT_ERR_LIMIT, VT_ERR_TRANSIENT or
     * VT_ERR_INTERNAL (the child misbehaved: unexpected exit code or
     * output; vitrine-convert's own fault, or a missing library). */
    vt_status status;
    char *message;   /* plain words for the quarantine reason / log; NULL on success */
    json_t *result;  /* the child's result object (vt_image.h) on success, owned; else NULL */
    double seconds;  /* wall time of the child */
} vt_convert_result;

/* Called with the outcome; the callee owns @result (vt_convert_result_free). */
typedef void (*vt_convert_done_fn)(vt_convert_result *result, void *data);

/* Starts converting @input into the image root of an asset of visibility
 * @where (vt_config_images_dir(): images_dir, or internal-dir for an
 * internal asset, whose info.json then names internal-base-url) under @id.
 *
 * The published images keep the embedded rights and credit that
 * config->keep_metadata / drop_metadata select (convert/vt_keep.h); where
 * the original has no rights statement, @rights (the asset's own rights
 * URI; NULL: [site] rights) and [site] attribution are written into them.
 * Only config->loaders are used to decode.
 *
 * Returns VT_OK when @done will be called. That includes every failure
 * found while starting: images_dir missing or not writable (TRANSIENT,
 * nothing spawned), the child cannot be started (TRANSIENT: a missing
 * binary is a deployment problem, not a bad file). Returns VT_ERR_INVALID,
 * and never calls @done, only for arguments that are a bug in the caller
 * (NULL, or an @id that cannot name files: see vt_image_id_valid()).
 *
 * On any failure the temporary files of @id are removed before @done. */
vt_status vt_convert_start(const vt_config *config, const char *input, const char *id,
                           vt_visibility where, const char *rights, vt_convert_done_fn done,
                           void *data);

/* The asset's own rights URI for vt_convert_start(): the first "rights"
 * value of @metadata (an object of fields as in vt_meta.h; may be NULL)
 * that vt_config_rights_valid() accepts, borrowed; else NULL. */
const char *vt_convert_asset_rights(const json_t *metadata);

/* Frees @result and what it holds; NULL is a no-op. */
void vt_convert_result_free(vt_convert_result *result);

/* The vitrine-convert to run (borrowed): $VT_CONVERT if set and not empty;
 * else vitrine-convert beside the running executable (the build puts every
 * binary in build/bin), if it is there; else VT_LIBEXECDIR/vitrine-convert. */
const char *vt_convert_child_path(void);

/* Removes the temporary files a conversion of @id may have left in
 * @images_dir (".tmp-<id>.tif", ".thumb.jpg", ".download.jpg", the
 * ".tiles" and ".work" folders). Safe to call when there are none. */
void vt_convert_cleanup(const char *images_dir, const char *id);

#endif
