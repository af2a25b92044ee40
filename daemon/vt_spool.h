/* vt_spool.h: write requests handed to the single writer through a folder.
 *
 * vitrined is the only process that writes the state store; anyone else
 * asks it to change something by dropping a request file into a spool
 * folder. There are two, each writable by one kind of user only:
 *  - spool-dir: the `vitrine` tool (administrators);
 *  - spool-dir/web (VT_SPOOL_WEB): the internal site's edit CGI (the web
 *    server's group), whose requests carry the user and are checked against
 *    [staff] again by the daemon (vt_staff), with an answer written to
 *    spool-dir/web/answers/NAME (vt_spool_answer) for the CGI that waits.
 * A request is a JSON object {"v": 1, "action": "...", ...}, written to a
 * temporary name and renamed, so the daemon never reads half a request.
 * Requests are taken in name order (the name starts with the submission
 * time), applied, and removed.
 *
 * Whoever can write a spool folder is not trusted with anything else, so
 * vt_spool_take() treats every entry as hostile: it opens names relative to
 * the folder's descriptor with O_NOFOLLOW | O_NONBLOCK (a symbolic link or a
 * FIFO never blocks or redirects the daemon), takes regular files only,
 * reads at most VT_SPOOL_MAX_REQUEST + 1 bytes, and moves every entry it
 * cannot apply (not regular, too big, not JSON, refused) to rejected/ with
 * a .reason.txt that never quotes the file's content. So an entry is read
 * at most once: it leaves the spool whatever happens (moved, or removed if
 * even that fails).
 *
 * Thread-safety: none needed; the daemon calls take on its loop thread.
 */
#ifndef VT_SPOOL_H
#define VT_SPOOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "vt_error.h"

#define VT_SPOOL_MAX_REQUEST (1 << 20)   /* bytes: a request is small */
/* The web server's spool folder, under spool-dir. */
#define VT_SPOOL_WEB "web"
/* Where the daemon answers web requests, under the web spool folder. */
#define VT_SPOOL_ANSWERS "answers"

/* Writes @request (borrowed) into @spool_dir. ret_name (optional) gets the
 * file name, caller frees. */
vt_status vt_spool_submit(const char *spool_dir, const json_t *request, char **ret_name);

/* Called for each pending request, oldest first. Return VT_OK to have the
 * request removed; any other status moves it to rejected/ with the current
 * vt_error message as reason. */
typedef vt_status (*vt_spool_fn)(const json_t *request, const char *name, void *data);

/* Takes every pending request. ret_count (optional): how many entries were
 * taken (applied or rejected). A missing folder has nothing pending. */
vt_status vt_spool_take(const char *spool_dir, vt_spool_fn fn, void *data, unsigned *ret_count);

/* Writes @answer (borrowed) as @spool_dir/answers/@name, atomically, for
 * the submitter of request @name to read (and remove). */
vt_status vt_spool_answer(const char *spool_dir, const char *name, const json_t *answer);

/* The file in the web spool folder that a running vitrined holds locked
 * (flock, exclusive): the edit CGI tells "vitrined is not running" by
 * getting a shared lock on it. */
#define VT_SPOOL_DAEMON_LOCK "daemon.lock"

/* Creates @spool_dir/web (mode 0770; its group, given by the installation,
 * is the web server's) and takes the daemon lock in it. *ret_fd stays open
 * for the life of the process. VT_ERR_BUSY when another vitrined holds it. */
vt_status vt_spool_hold_web(const char *spool_dir, int *ret_fd);

/* Removes answers in @spool_dir/answers older than @max_age_seconds: those
 * of requests whose CGI stopped waiting (it answered 202). Regular files
 * only, through the folder's descriptor. */
void vt_spool_prune_answers(const char *spool_dir, int64_t max_age_seconds);

/* True when @name is a name vt_spool_submit() could have made: a plain
 * file name ending in ".json", of printable ASCII without '/', at most 128
 * bytes. The CGI checks a name before it builds a path from it. */
bool vt_spool_name_valid(const char *name);

#endif
