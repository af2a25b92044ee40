/* vt_harvest.h: fetches an intervention's record from the collection
 * system's HTTP API (libcurl) and maps it with vt_harvest_map, without ever
 * blocking the caller.
 *
 * Who calls it: vitrined's loop (harvest after ingest, scheduled refreshes,
 * retries) and `vitrine harvest`. The lead's integration relies on one rule:
 * the API being slow, down or hostile never delays ingest. So:
 *
 *  - vt_harvest_fetch() only queues; it never touches the network. Requests
 *    run on a GThreadPool of @parallel threads, each with its own curl easy
 *    handle, and the answer is mapped (JSON or XML parsing, up to
 *    VT_HARVEST_MAX_BODY) on that thread too, so neither a slow server nor a
 *    big record costs the loop anything. A thread pool rather than curl_multi
 *    in the GLib loop: as bounded (at most @parallel connections), much
 *    simpler, and the parsing is off the loop as well.
 *  - The result comes back on the thread-default GMainContext of the thread
 *    that called vt_harvest_new() (the loop), through an idle source: @done
 *    runs there, exactly once per accepted fetch, never from inside
 *    vt_harvest_fetch(), and never after vt_harvest_free() has returned.
 *
 * Threading: vt_harvest_new/fetch/in_flight/free are called from the thread
 * that runs that context. @done runs on it.
 *
 * Each request: a GET of vt_harvest_url() with the configured timeout
 * (timeout-seconds, for the whole transfer), http and https only (also for
 * redirects, at most 3 of them), User-Agent "vitrine/VERSION", an Accept
 * header for the format, the body capped at VT_HARVEST_MAX_BODY (an
 * announced Content-Length over it is refused before any byte is read),
 * the Content-Type checked against the format (json: application/json or
 * any +json; xml: application/xml, text/xml or any +xml).
 *
 * Proxies come from the environment (http_proxy, https_proxy, no_proxy), as
 * libcurl reads them; TLS certificates are verified.
 *
 * Duplicate fetches of one intervention are not merged: each is a request
 * and gets its own callback (the caller keeps track of what is pending).
 * curl_global_init() runs once, on the first vt_harvest_new(); libcurl is
 * never cleaned up (it may be shared with other users in the process).
 */
#ifndef VT_HARVEST_H
#define VT_HARVEST_H

#include <jansson.h>
#include <stdint.h>

#include "vt_error.h"
#include "vt_harvest_map.h"

/* Most fetches accepted and not yet reported (queued, running or waiting
 * for the loop); past it vt_harvest_fetch() refuses with VT_ERR_LIMIT. */
#define VT_HARVEST_MAX_PENDING 100000u
/* Most requests at once (the @parallel of vt_harvest_new). */
#define VT_HARVEST_MAX_PARALLEL 16u

typedef struct vt_harvest vt_harvest;

typedef struct {
    const char *intervention;  /* as given to vt_harvest_fetch */
    /* VT_OK: the record was read and mapped (fields may still be {}).
     * VT_ERR_NOT_FOUND: HTTP 404, the collection system has no such
     *   intervention; retry much later (vt_harvest_retry_after).
     * VT_ERR_TRANSIENT: timeout, cannot resolve or connect, connection cut,
     *   HTTP 5xx or 429: the system is down or busy; retry with back-off.
     * VT_ERR_INVALID: an answer vitrine cannot use: another 4xx, the wrong
     *   content type (an HTML error page with 200), a body the mapping
     *   refuses (garbage), a redirect to a non-http(s) URL or too many.
     * VT_ERR_LIMIT: the body is over VT_HARVEST_MAX_BODY, or too deep or
     *   too many values for the mapping.
     * VT_ERR_INTERNAL, VT_ERR_NOMEM: libcurl could not be set up. */
    vt_status status;
    /* Plain words for `vitrine status`, naming the URL and the HTTP code
     * when there was one. Never NULL; "" on VT_OK. Borrowed. */
    const char *message;
    /* On VT_OK the mapped fields object ({"title": [{"value": ...}], ...}),
     * else NULL. Borrowed for the callback: json_incref() to keep it. */
    json_t *fields;
    long http_status;          /* the last HTTP status received, 0 if none */
    double seconds;            /* how long the request took */
} vt_harvest_result;

typedef void (*vt_harvest_done_fn)(const vt_harvest_result *result, void *data);

/* A harvester for @config (borrowed: it must outlive the harvester) that
 * runs at most @parallel requests at once (1..VT_HARVEST_MAX_PARALLEL).
 * Errors: VT_ERR_CONFIG (@parallel out of range), VT_ERR_INTERNAL (libcurl
 * or the thread pool could not start). */
vt_status vt_harvest_new(const vt_harvest_config *config, unsigned parallel,
                         vt_harvest **ret_harvest);

/* Queues a fetch of @intervention's record. On VT_OK, @done(result, @data)
 * runs later on the loop, exactly once (unless the harvester is freed
 * first). On failure @done is never called. Errors: VT_ERR_INVALID (the
 * intervention cannot go into a URL: empty, too long, not UTF-8),
 * VT_ERR_LIMIT (VT_HARVEST_MAX_PENDING fetches pending). */
vt_status vt_harvest_fetch(vt_harvest *h, const char *intervention, vt_harvest_done_fn done,
                           void *data);

/* Fetches accepted whose @done has not run yet. */
unsigned vt_harvest_in_flight(const vt_harvest *h);

/* Stops the harvester: queued fetches are dropped, running requests are
 * aborted (within about a second: libcurl checks in on its progress that
 * often) and their threads joined, results not yet delivered are dropped.
 * No @done runs during or after this call. NULL is a no-op. */
void vt_harvest_free(vt_harvest *h);

/* Seconds until the next try of an intervention whose last fetch ended with
 * @status, after @failures consecutive failures (1 for the first; values
 * below 1 count as 1). @config may be NULL (defaults: refresh every 24 h).
 *  - VT_OK: the refresh interval (refresh-hours), or -1 when refresh-hours
 *    is 0 (no scheduled refresh).
 *  - VT_ERR_TRANSIENT: 60 s, doubling with each failure, at most 6 h.
 *  - VT_ERR_NOT_FOUND: the refresh interval (24 h when refresh-hours is 0):
 *    a record that does not exist yet rarely appears within the hour.
 *  - anything else (invalid, limit, internal): 1 h, doubling, at most the
 *    refresh interval (24 h when refresh-hours is 0), since it needs a fix
 *    on the other side.
 * No jitter: the caller may add some. */
int64_t vt_harvest_retry_after(const vt_harvest_config *config, vt_status status, int failures);

#endif
