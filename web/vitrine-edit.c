/* vitrine-edit.cgi: the internal site's metadata edit endpoint (one
 * process per request; internal location only, behind the web server's
 * authentication).
 *
 * POST, Content-Type application/json, a body of at most EDIT_BODY_MAX
 * bytes in the shape core/vt_staff.h documents:
 *     {"id": "ID", "edit": {"set": {"keywords": ["craquelure"]}, "unset": [...]}}
 *     {"ids": ["ID", ...], "edit": {...}}      (bulk: one audit entry per asset)
 *     {"action": "annotation-create" | "annotation-update" | "annotation-delete",
 *      "id": "ID", "annotation": {...}}        (one annotation of asset ID)
 * with "If-Match: VERSION" (the version an earlier answer gave) for a
 * single asset ("id"; optional for "ids"). It checks, in this order, and answers JSON
 * {"status": ..., "message": ...} with:
 *   405 not POST; 401 no REMOTE_USER (authentication is the web server's);
 *   403 an Origin other than the internal base URL's, or Sec-Fetch-Site
 *       other than same-origin, or neither (no cross-site requests);
 *   413 a body over the cap; 415 not JSON; 400 a body of the wrong shape;
 *   428 no If-Match for a single asset ("id"; an annotation's version for
 *       annotation-update and -delete; none for annotation-create);
 *   403 a user [staff] does not allow;
 *   503 vitrined not running (nothing is written: the form keeps the edit).
 * Then it writes the request, with the user, into spool-dir/web, and waits
 * up to EDIT_WAIT_MS for vitrined's answer in spool-dir/web/answers:
 *   200 saved (with each asset's new version and custom metadata);
 *   409 conflict (with the current version); 403, 400, 404 as vitrined
 *   decided (it checks everything again); 202 when vitrined has not
 *   answered yet (the request stays queued: nothing is lost).
 * Details the client need not see go to stderr (the web server's log).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "vt_config.h"
#include "vt_file.h"
#include "vt_staff.h"

#define EDIT_BODY_MAX (256 * 1024)
#define EDIT_WAIT_MS 5000

/* Must match daemon/vt_spool.h (the CGI links core only). */
#define WEB_DIR "web"
#define ANSWERS_DIR "answers"
#define DAEMON_LOCK "daemon.lock"

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 428: return "Precondition Required";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

/* Prints @answer (taken) with @status. */
static int respond(int status, json_t *answer)
{
    char *body = json_dumps(answer, JSON_COMPACT);
    json_decref(answer);
    printf("Status: %d %s\r\n"
           "Content-Type: application/json; charset=utf-8\r\n"
           "Cache-Control: no-store\r\n"
           "X-Content-Type-Options: nosniff\r\n",
           status, reason(status));
    if (status == 405)
        printf("Allow: POST\r\n");
    printf("\r\n%s\n", body ? body : "{}");
    free(body);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int fail(int status, const char *code, const char *message)
{
    return respond(status, json_pack("{s:s, s:s}", "status", code, "message", message));
}

/* scheme://host[:port] of @url, or NULL. */
static char *origin_of(const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p)
        return NULL;
    const char *end = strchr(p + 3, '/');
    return end ? g_strndup(url, (gsize)(end - url)) : g_strdup(url);
}

static bool same_site(const vt_config *config)
{
    const char *fetch_site = getenv("HTTP_SEC_FETCH_SITE");
    const char *origin = getenv("HTTP_ORIGIN");
    if (fetch_site && *fetch_site && strcmp(fetch_site, "same-origin") != 0)
        return false;
    if (origin && *origin) {
        g_autofree char *want = origin_of(config->site_internal_base_url);
        return want && g_ascii_strcasecmp(origin, want) == 0;
    }
    /* No Origin: only a browser that says same-origin. */
    return fetch_site && strcmp(fetch_site, "same-origin") == 0;
}

/* True when a vitrined holds its lock in @web (it cannot be locked shared). */
static bool daemon_running(const char *web)
{
    g_autofree char *path = g_build_filename(web, DAEMON_LOCK, NULL);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool running = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return running;
}

static int status_for(const char *code)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {{"saved", 200}, {"conflict", 409}, {"forbidden", 403},
               {"invalid", 400}, {"not-found", 404}};
    for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
        if (code && strcmp(code, map[i].code) == 0)
            return map[i].status;
    return 500;
}

static int serve(void)
{
    const char *method = getenv("REQUEST_METHOD");
    if (!method || strcmp(method, "POST") != 0)
        return fail(405, "invalid", "only POST is supported");
    const char *user = getenv("REMOTE_USER");
    if (!user || !*user)
        return fail(401, "unauthenticated", "no authenticated user: log in to edit");
    if (!vt_staff_user_valid(user))
        return fail(403, "forbidden", "this user name is not accepted");

    const char *path = getenv("VITRINE_CONFIG");
    if (!path || !*path)
        path = VT_CONFIG_DEFAULT_PATH;
    vt_config *config = NULL;
    if (vt_config_load(path, &config) != VT_OK) {
        fprintf(stderr, "vitrine-edit: %s\n", vt_error_message());
        return fail(500, "failed", "the edit service is not configured correctly");
    }
    int rc;
    vt_staff *staff = NULL;
    vt_staff_request *req = NULL;
    json_t *body_json = NULL;
    char *body = NULL;
    g_autofree char *web = g_build_filename(config->spool_dir, WEB_DIR, NULL);
    g_autofree char *if_match = NULL, *name = NULL, *req_path = NULL, *ans_path = NULL;

    if (!same_site(config)) {
        rc = fail(403, "forbidden", "cross-site request refused (Origin is not the internal site)");
        goto out;
    }
    const char *type = getenv("CONTENT_TYPE");
    if (!type || g_ascii_strncasecmp(type, "application/json", 16) != 0 ||
        (type[16] && type[16] != ';' && type[16] != ' ')) {
        rc = fail(415, "invalid", "the body must be application/json");
        goto out;
    }
    const char *length_text = getenv("CONTENT_LENGTH");
    char *end = NULL;
    errno = 0;
    unsigned long long length = length_text ? strtoull(length_text, &end, 10) : 0;
    if (!length_text || !*length_text || *end || errno || length == 0) {
        rc = fail(400, "invalid", "an edit needs a body");
        goto out;
    }
    if (length > EDIT_BODY_MAX) {
        rc = fail(413, "invalid", "the request body is too large");
        goto out;
    }
    body = g_malloc((gsize)length + 1);
    size_t got = fread(body, 1, (size_t)length, stdin);
    if (got != length) {
        rc = fail(400, "invalid", "the request body is shorter than its Content-Length");
        goto out;
    }
    json_error_t jerr;
    body_json = json_loadb(body, got, JSON_REJECT_DUPLICATES, &jerr);
    if (!body_json) {
        g_autofree char *msg = g_strdup_printf("not valid JSON (line %d, column %d)", jerr.line,
                                               jerr.column);
        rc = fail(400, "invalid", msg);
        goto out;
    }
    if (vt_staff_request_parse(body_json, false, &req) != VT_OK) {
        rc = fail(400, "invalid", vt_error_message());
        goto out;
    }
    /* An If-Match header: "VERSION" or W/"VERSION" or VERSION. */
    const char *header = getenv("HTTP_IF_MATCH");
    if (header && *header) {
        g_autofree char *v = g_strdup(header);
        g_strstrip(v);
        char *p = v;
        if (g_str_has_prefix(p, "W/"))
            p += 2;
        size_t n = strlen(p);
        if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
            p[n - 1] = '\0';
            p++;
        }
        if (strlen(p) != 16 || strspn(p, "0123456789abcdef") != 16) {
            rc = fail(400, "invalid", "If-Match is not a version this site gave");
            goto out;
        }
        if (req->n_ids != 1) {
            rc = fail(400, "invalid", "If-Match goes with one asset only");
            goto out;
        }
        if_match = g_strdup(p);
    } else if (!req->bulk && !req->if_match &&
               strcmp(req->action, "annotation-create") != 0) {
        rc = fail(428, "invalid", "give the version you edited (If-Match), so that no one's"
                                  " change is overwritten");
        goto out;
    }
    if (!if_match && req->if_match)
        if_match = g_strdup(req->if_match);
    if (vt_staff_new(config, &staff) != VT_OK) {
        fprintf(stderr, "vitrine-edit: %s\n", vt_error_message());
        rc = fail(500, "failed", "the edit service is not configured correctly");
        goto out;
    }
    if (vt_staff_may(staff, user, req->kind) != VT_OK) {
        rc = fail(403, "forbidden", vt_error_message());
        goto out;
    }
    if (!daemon_running(web)) {
        rc = fail(503, "unavailable", "vitrined is not running, so nothing was saved; your edit"
                                      " is still in the form: try again in a moment");
        goto out;
    }

    /* The request, with the user, into spool-dir/web. Its name starts with
     * the time, so vitrined takes requests in order. */
    json_t *spool = vt_staff_request_to_spool(req, user, if_match);
    char *text = json_dumps(spool, JSON_COMPACT);
    json_decref(spool);
    name = g_strdup_printf("%016" G_GINT64_MODIFIER "x-%d-%08x.json",
                                            g_get_real_time(), (int)getpid(), g_random_int());
    req_path = g_build_filename(web, name, NULL);
    vt_status st = text ? vt_file_write_atomic(req_path, text, strlen(text)) : VT_ERR_NOMEM;
    free(text);
    if (st != VT_OK) {
        fprintf(stderr, "vitrine-edit: %s\n", vt_error_message());
        rc = fail(503, "unavailable", "the request could not be handed to vitrined; nothing was"
                                      " saved");
        goto out;
    }
    ans_path = g_build_filename(web, ANSWERS_DIR, name, NULL);
    json_t *ans = NULL;
    for (int waited = 0; waited < EDIT_WAIT_MS && !ans; waited += 25) {
        if (g_file_test(ans_path, G_FILE_TEST_IS_REGULAR)) {
            ans = json_load_file(ans_path, JSON_REJECT_DUPLICATES, &jerr);
            break;
        }
        g_usleep(25 * 1000);
    }
    if (!ans) {
        rc = respond(202, json_pack("{s:s, s:s}", "status", "queued", "message",
                                    "vitrined has not answered yet; the edit is queued and will"
                                    " be applied"));
        goto out;
    }
    unlink(ans_path);
    rc = respond(status_for(json_string_value(json_object_get(ans, "status"))), ans);

out:
    g_free(body);
    json_decref(body_json);
    vt_staff_request_free(req);
    vt_staff_free(staff);
    vt_config_free(config);
    return rc;
}

int main(void)
{
    return serve();
}
