/* vt_spool.h: write requests handed to the single writer through a folder.
 *
 * vitrined is the only process that writes the state store; anyone else
 * (the `vitrine` tool, later the internal site's CGIs) asks it to change
 * something by dropping a request file into spool-dir. A request is a JSON
 * object {"v": 1, "action": "...", ...}, written to a temporary name and
 * renamed, so the daemon never reads half a request. Requests are taken in
 * name order (the name starts with the submission time), applied, and
 * removed; one that cannot be parsed is moved to spool-dir/rejected/ with a
 * .reason.txt, never silently dropped.
 *
 * Thread-safety: none needed; the daemon calls take on its loop thread.
 */
#ifndef VT_SPOOL_H
#define VT_SPOOL_H

#include <jansson.h>

#include "vt_error.h"

#define VT_SPOOL_MAX_REQUEST (1 << 20)   /* bytes: a request is small */

/* Writes @request (borrowed) into @spool_dir. ret_name (optional) gets the
 * file name, caller frees. */
vt_status vt_spool_submit(const char *spool_dir, const json_t *request, char **ret_name);

/* Called for each pending request, oldest first. Return VT_OK to have the
 * request removed; any other status moves it to rejected/ with the current
 * vt_error message as reason. */
typedef vt_status (*vt_spool_fn)(const json_t *request, const char *name, void *data);

/* Takes every pending request. ret_count (optional): how many were taken. */
vt_status vt_spool_take(const char *spool_dir, vt_spool_fn fn, void *data, unsigned *ret_count);

#endif
