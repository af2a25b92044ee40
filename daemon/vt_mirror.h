/* vt_mirror.h: pushes the published site to mirrors with rsync, from the
 * daemon.
 *
 * Everything the site publishes is plain files (site.dir/public/ and
 * site.dir/internal/), so a mirror or a CDN origin is a copy of a tree.
 * `[mirror] targets=` lists where each tree goes, as TREE:DESTINATION
 * entries separated by commas, DESTINATION in rsync's own syntax (a local
 * folder, host:folder over ssh, rsync://host/module):
 *
 *   [mirror]
 *   targets=public:/srv/mirror/www/, public:web2:/srv/www/, internal:staff1:/srv/internal/
 *   rsync=/usr/bin/rsync          # the program (default: rsync on PATH)
 *
 * A public target only ever gets the public tree (an internal file never
 * reaches it); TREE is required, so a destination is never public or
 * internal by accident.
 *
 * vt_mirror_kick() (the daemon calls it after each publication that changed
 * files) starts one rsync child per target that is not already running
 * (`rsync -rlt --delete-delay --delay-updates`, temporaries of the
 * generator excluded): rsync sends the files that differ and removes those
 * the tree no longer has, so each publication's changed files reach the
 * mirror. A kick while a target's rsync runs marks it for one more run when
 * it ends, so the children never pile up and the last publication always
 * gets pushed. A failed run is retried with back-off (10 s, doubling, at
 * most 10 min); its stderr goes to state-dir/mirror-N.log and its last
 * line into the status. The daemon kicks once at start, so a mirror catches
 * up with what was published while it was down. `vitrine check-config`
 * reads [mirror] with vt_mirror_new() too (which starts nothing).
 *
 * Nothing here blocks: children are GSubprocess, watched from the loop, and
 * die with the daemon (PR_SET_PDEATHSIG).
 *
 * Threads: the loop thread (the default GMainContext) only.
 */
#ifndef VT_MIRROR_H
#define VT_MIRROR_H

#include <jansson.h>
#include <stdbool.h>

#include "vt_config.h"
#include "vt_error.h"

typedef struct vt_mirror vt_mirror;

/* Called from the loop when a push ends: @ok, the target, and on failure a
 * message (rsync's exit and last line of stderr). */
typedef void (*vt_mirror_result_fn)(bool ok, const char *target, const char *message,
                                    void *data);

/* Reads [mirror] from @config's key file; VT_ERR_CONFIG (message names the
 * key and entry) if it is malformed. Starts nothing. With no targets
 * *ret_mirror is a valid mirror that does nothing. @config is borrowed (it
 * must outlive the mirror); @on_result may be NULL. */
vt_status vt_mirror_new(const vt_config *config, vt_mirror_result_fn on_result, void *data,
                        vt_mirror **ret_mirror);

/* Stops running children (SIGTERM) and frees. NULL is a no-op. */
void vt_mirror_free(vt_mirror *mirror);

/* The site changed: push every target (now, or when its running push or
 * back-off ends). */
void vt_mirror_kick(vt_mirror *mirror);

/* Number of targets. */
size_t vt_mirror_count(const vt_mirror *mirror);

/* Number of targets whose last push failed. */
size_t vt_mirror_failing(const vt_mirror *mirror);

/* Pushes finished since start (successful or not): changes whenever a
 * target's state does, for the daemon's status file. */
unsigned vt_mirror_runs(const vt_mirror *mirror);

/* [{tree, target, state ("idle", "pushing", "waiting"), pushes, failures,
 *   last_ok (unix time or null), last_error (or null), next_try (unix time or
 *   null)}], new reference. */
json_t *vt_mirror_status_json(const vt_mirror *mirror);

#endif
