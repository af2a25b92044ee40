/* vitrine-search.cgi: the search service, as a CGI (one process per
 * request, any web server: lighttpd mod_cgi, nginx + fcgiwrap, Apache
 * mod_cgid) or as a FastCGI responder (lighttpd mod_fastcgi with bin-path,
 * nginx fastcgi_pass to spawn-fcgi, Apache mod_proxy_fcgi), the same
 * program: started with a listening socket on descriptor 0 (how every
 * FastCGI process manager starts a responder), it serves FastCGI requests;
 * otherwise it answers the one CGI request of its environment. Both modes
 * run the same code per request (serve()); only where the parameters come
 * from (the environment or the FastCGI params) and where the answer goes
 * (stdout or the FastCGI stream) differ.
 *
 * Per request: reads $VITRINE_CONFIG (else the default config path),
 * refuses anything but GET, parses QUERY_STRING (vt_request), asks the
 * index read-only, and prints one JSON answer with its CGI headers. Every
 * failure is a JSON error with its HTTP status; details the client need
 * not see (config and index paths, library messages) go to the web
 * server's error log (stderr, or the FastCGI error stream). It writes
 * nothing anywhere.
 *
 * $VITRINE_AUDIENCE (internal|public), set by the web server per location
 * (a CGI environment variable, or a FastCGI param), overrides [search]
 * audience, so that one config serves both sites; an internal answer links
 * the internal tree (vt_config_audience_view). Any other value is a
 * configuration error (500), never a silent default. Every answer allows
 * any origin (CORS): IIIF Content Search is called by viewers on other
 * sites, and nothing here depends on cookies.
 *
 * ?selection=a,b,c answers a shared selection instead (vt_selection.h): a
 * IIIF manifest composed from the audience's published manifests
 * (<site.dir>/<audience>/iiif/<id>/manifest.json), without the index; it
 * can be cached (ETag, If-None-Match gives 304, max-age 5 minutes).
 *
 * FastCGI mode keeps the config, the index and its facet table open
 * between requests. Per request it checks that the config file is the same
 * (else reloads it), that the index folder is the same (`vitrine reindex`
 * swaps in a new one: then it opens that) and moves the index to the
 * latest commit (vt_index_reopen; the search maps the facet table of the
 * new revision itself). The audience of a process is that of its first
 * request: a request of the other audience is refused (500, logged), so
 * public and internal are served by separate pools that share nothing.
 * Limits: every request has the arena's limit on its answer and
 * [search] request-seconds of wall-clock time (in both modes: past it that
 * request's connection is closed unanswered, and the process ends: a CGI
 * exits, a FastCGI process restarts as below). A FastCGI process restarts
 * after [search] fastcgi-max-requests requests, or once its resident
 * memory passes fastcgi-max-mb, between requests: it executes its own
 * program again (a fresh process image, same pid) on the same listening
 * socket. Exiting instead would leave the socket without a listener until
 * the process manager noticed: lighttpd answers 503 meanwhile (measured:
 * every request for a second), and spawn-fcgi restarts nothing at all.
 * Only if that exec fails does the process exit.
 *
 * The answer cache (FastCGI only, [search] fastcgi-cache-mb, default 16;
 * 0: none). Visitors repeat themselves (the home page's and "Browse all"'s
 * facet counts, popular words, page 2, the same completions), and a search
 * at 200,000 records costs milliseconds of CPU, so a process keeps the
 * complete answers (headers and body, the bytes sent) of its successful
 * requests whose answer depends on the index and the config alone:
 * searches, completions, IIIF Content Search and its autocomplete. Not
 * selections (made from the published manifests, which change without a
 * new index revision; they have their own ETag), errors, nor, with
 * [images] server=static, searches (each hit's thumbnail size is read from
 * its info.json, which the daemon writes apart from the index). The key is
 * the query string, its parameters in the order of their names
 * (request_key), the path form of Content Search made its query form; the
 * audience is not in it, as a process serves one audience (above) and its
 * cache is its own. The whole cache is dropped when the
 * config is reloaded, or the index's snapshot changes: another folder, a
 * new revision, or the facet table of the revision appearing
 * (vt_index_snapshot). It counts towards fastcgi-max-mb like the rest of
 * the process, and a restarted process starts empty.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "vt_answer_cache.h"
#include "vt_arena.h"
#include "vt_config.h"
#include "vt_index.h"
#include "vt_jsonout.h"
#include "vt_request.h"
#include "vt_selection.h"

/* One request's exchange with the web server. */
typedef struct {
    FCGX_ParamArray envp;   /* FastCGI params; NULL: the CGI's environment */
    FCGX_Stream *out, *err; /* FastCGI streams; NULL: stdout, stderr */
} exchange;

/* The index snapshot an answer was made from (vt_index_snapshot). */
typedef struct {
    bool known;           /* false: nothing read yet, or the reading failed */
    dev_t dev;            /* the index folder */
    ino_t ino;
    guint64 revision;
    bool table;
} snapshot;

/* What a FastCGI process keeps between requests (NULL for a CGI). */
typedef struct {
    char *config_path;
    struct stat config_stat;
    vt_config *config;
    vt_index *index;
    struct stat index_stat;   /* the index folder, when index was opened */
    int audience;             /* -1 before the first request, else internal (1) or not */
    vt_answer_cache *cache;   /* NULL: [search] fastcgi-cache-mb=0 */
    snapshot cached;          /* what the cache's answers were made from */
} resident;

static const char *param(const exchange *ex, const char *name)
{
    return ex->envp ? FCGX_GetParam(name, ex->envp) : getenv(name);
}

static void log_error(const exchange *ex, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void log_error(const exchange *ex, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    if (ex->err) {
        FCGX_PutS("vitrine-search: ", ex->err);
        FCGX_VFPrintF(ex->err, format, ap);
        FCGX_PutS("\n", ex->err);
    } else {
        fputs("vitrine-search: ", stderr);
        vfprintf(stderr, format, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

/* Sends @len bytes of @text (headers and body) whole; returns 0 or 1 (an
 * exit code). */
static int emit(const exchange *ex, const char *text, size_t len)
{
    if (ex->out)
        return FCGX_PutStr(text, (int)len, ex->out) == (int)len ? 0 : 1;
    return fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 1;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

/* The headers and @answer (taken over; NULL is an internal error) as sent
 * (caller frees). *ret_whole says whether it is @answer's own, with
 * @status, rather than an error put in its place. */
static GString *answer_text(int status, json_t *answer, bool *ret_whole)
{
    *ret_whole = answer != NULL;
    if (!answer) {
        status = 500;
        answer = vt_request_error_answer(status, "internal error while building the answer");
    }
    GString *text = g_string_sized_new(16 * 1024);
    g_string_printf(text,
                    "Status: %d %s\r\n"
                    "Content-Type: application/json; charset=utf-8\r\n"
                    "Access-Control-Allow-Origin: *\r\n"
                    "Cache-Control: no-store\r\n",
                    status, reason(status));
    if (status == 405)
        g_string_append(text, "Allow: GET\r\n");
    g_string_append(text, "\r\n");
    /* vt_jsonout: json_dumps' bytes for less (its loop check was 15% of a
     * small request). */
    gsize headers = text->len;
    if (!answer || vt_jsonout_append(text, answer) != VT_OK) {
        g_string_truncate(text, headers);
        g_string_append(text, "{\"error\":\"out of memory\",\"status\":500}");
        *ret_whole = false;
    }
    g_string_append_c(text, '\n');
    json_decref(answer);
    return text;
}

/* Sends the headers and @answer (taken over); NULL is an internal error. */
static int respond(const exchange *ex, int status, json_t *answer)
{
    bool whole;
    GString *text = answer_text(status, answer, &whole);
    int rc = emit(ex, text->str, text->len);
    g_string_free(text, TRUE);
    return rc;
}

/* Sends @answer (taken over) with status 200 and keeps the bytes sent in
 * @cache under @key (both NULL: nothing is kept), unless an error took its
 * place. */
static int respond_and_keep(const exchange *ex, json_t *answer, vt_answer_cache *cache,
                            const char *key)
{
    bool whole;
    GString *text = answer_text(200, answer, &whole);
    if (cache && key && whole)
        (void)vt_answer_cache_store(cache, key, text->str, text->len);
    int rc = emit(ex, text->str, text->len);
    g_string_free(text, TRUE);
    return rc;
}

static int fail(const exchange *ex, int status, const char *message)
{
    return respond(ex, status, vt_request_error_answer(status, message));
}

/* An index failure: the client gets the message for its own mistakes
 * (400), a plain sentence otherwise; the log gets the details. */
static int index_failure(const exchange *ex, vt_status st)
{
    int status = vt_request_http_status(st);
    if (status == 400)
        return fail(ex, status, vt_error_message());
    log_error(ex, "%s", vt_error_message());
    if (status == 503)
        return fail(ex, status, "the search index is not available yet; try again later");
    return fail(ex, status, "the search failed on the server");
}

/* Called once a CGI's answer is out (emit() flushed it). A release build
 * exits there with @rc: the kernel takes memory, mappings and descriptors
 * back in one go, faster than the closes, frees and munmaps of an orderly
 * end (0.3 ms a request on a virtual machine). A sanitizer build returns
 * and ends in order, so that LeakSanitizer checks every request the tests
 * make. */
static void end_early(int rc)
{
#ifdef VT_SANITIZE
    (void)rc;
#else
    _exit(rc);
#endif
}

/* The index of @dir, at its latest commit: a FastCGI process's open one
 * (moved to the latest commit; reopened whole if the folder was replaced
 * or the move fails), else a new one. *ret_owned says whether the caller
 * closes it. */
static vt_status index_get(resident *res, const char *dir, vt_index **ret_index, bool *ret_owned)
{
    *ret_owned = res == NULL;
    if (!res)
        return vt_index_open(dir, false, ret_index);
    struct stat st;
    if (stat(dir, &st) != 0) {
        vt_index_close(res->index);
        res->index = NULL;
        return vt_error_set_errno(VT_ERR_NOT_FOUND, errno, "open index %s", dir);
    }
    if (res->index && (st.st_dev != res->index_stat.st_dev || st.st_ino != res->index_stat.st_ino)) {
        vt_index_close(res->index);
        res->index = NULL;
    }
    if (res->index && vt_index_reopen(res->index) != VT_OK) {
        vt_index_close(res->index);
        res->index = NULL;
    }
    if (!res->index) {
        vt_status status = vt_index_open(dir, false, &res->index);
        if (status != VT_OK)
            return status;
        res->index_stat = st;
    }
    *ret_index = res->index;
    return VT_OK;
}

/* Whether the answer to @request depends on the index and the config
 * alone, so that it may be kept (see the top of this file). */
static bool cacheable(const vt_config *config, const vt_request *request)
{
    return request->kind != VT_REQUEST_SEARCH || config->server != VT_SERVER_STATIC;
}

/* Compares the names (up to '=') of two name=value pairs, given as
 * g_ptr_array_sort gives them (pointers to the pointers). */
static int by_name(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    size_t nx = strcspn(x, "="), ny = strcspn(y, "=");
    int c = memcmp(x, y, MIN(nx, ny));
    return c ? c : (nx > ny) - (nx < ny);
}

/* The cache key of @query (a query string the parser accepted, a path
 * form of Content Search already made one by vt_request_path_query): its
 * name=value pairs ordered by name, so that q=a&size=20 and size=20&q=a
 * share an answer. The parser does not care about that order, but for the
 * pairs of a repeated name (f), which keep theirs (a stable sort). A name
 * written with '%' or '+' (two spellings of one name would not sort
 * together) leaves the pairs as they came. Built from the query string
 * rather than the parsed request, so that a parameter added to the parser
 * later can never be left out of the key. Caller frees. */
static char *request_key(const char *query)
{
    g_auto(GStrv) pairs = g_strsplit(query ? query : "", "&", -1);
    GPtrArray *kept = g_ptr_array_new();
    bool sortable = true;
    for (char **p = pairs; *p; p++) {
        if (!**p)
            continue;   /* a&&b is a&b to the parser */
        if (strcspn(*p, "%+") < strcspn(*p, "="))
            sortable = false;
        g_ptr_array_add(kept, *p);
    }
    if (sortable)
        g_ptr_array_sort(kept, by_name);
    g_ptr_array_add(kept, NULL);
    char *key = g_strjoinv("&", (char **)kept->pdata);
    g_ptr_array_free(kept, TRUE);
    return key;
}

/* The answer cache of @res for a request on @index (index_get's), emptied
 * first if @index's snapshot is not the one its answers were made from;
 * NULL for a CGI, with the cache off, or when the snapshot cannot be read
 * (then nothing is kept until it can). */
static vt_answer_cache *cache_get(resident *res, vt_index *index)
{
    if (!res || !res->cache)
        return NULL;
    snapshot now = {.dev = res->index_stat.st_dev, .ino = res->index_stat.st_ino, .known = true};
    if (vt_index_snapshot(index, &now.revision, &now.table) != VT_OK) {
        vt_answer_cache_clear(res->cache);
        res->cached.known = false;
        return NULL;
    }
    if (!res->cached.known || now.dev != res->cached.dev || now.ino != res->cached.ino ||
        now.revision != res->cached.revision || now.table != res->cached.table) {
        vt_answer_cache_clear(res->cache);
        res->cached = now;
    }
    return res->cache;
}

/* @config is the audience's view (URLs of its tree). */
static int run(const exchange *ex, resident *res, const vt_config *config,
               const vt_request_settings *settings, const char *query)
{
    vt_request *request = NULL;
    vt_status st = vt_request_parse(query, settings, &request);
    if (st != VT_OK)
        return fail(ex, vt_request_http_status(st), vt_error_message());

    vt_index *index = NULL;
    bool owned = false;
    st = index_get(res, settings->index_dir, &index, &owned);
    if (st != VT_OK) {
        vt_request_free(request);
        return index_failure(ex, st);
    }

    vt_answer_cache *cache = cacheable(config, request) ? cache_get(res, index) : NULL;
    g_autofree char *key = cache ? request_key(query) : NULL;
    const char *kept = NULL;
    gsize kept_len = 0;
    if (key && vt_answer_cache_lookup(cache, key, &kept, &kept_len)) {
        vt_request_free(request);
        return emit(ex, kept, kept_len);
    }

    json_t *answer = NULL, *out = NULL;
    switch (request->kind) {
    case VT_REQUEST_SEARCH:
        st = vt_index_search(index, request->search, &out);
        if (st == VT_OK)
            answer = vt_request_search_answer(config, out);
        break;
    case VT_REQUEST_CONTENT_SEARCH:
        if (!request->search) { /* the bare service id: no hits */
            out = json_pack("{s:[]}", "hits");
            st = out ? VT_OK : VT_ERR_NOMEM;
        } else {
            st = vt_index_search(index, request->search, &out);
        }
        if (st == VT_OK)
            answer = vt_request_content_answer(config, request, out);
        json_decref(out);
        break;
    case VT_REQUEST_SUGGEST:
        st = vt_index_suggest(index, request->prefix, request->field, request->limit,
                              !settings->internal, &out);
        if (st == VT_OK)
            answer = vt_request_suggest_answer(request, out);
        break;
    case VT_REQUEST_AUTOCOMPLETE:
        if (!request->prefix) { /* the bare service id: no terms */
            out = json_array();
            st = out ? VT_OK : VT_ERR_NOMEM;
        } else {
            /* Counted within this manifest's annotations (IIIF: what a
             * content search of it would find), not the collection. */
            st = vt_index_suggest_in(index, request->manifest, request->prefix, request->limit,
                                     !settings->internal, &out);
        }
        if (st == VT_OK)
            answer = vt_request_autocomplete_answer(config, request, out);
        json_decref(out);
        break;
    }
    /* Answer first; then a release CGI ends at once (end_early). */
    int rc = st == VT_OK ? respond_and_keep(ex, answer, cache, key) : index_failure(ex, st);
    if (owned) {
        end_early(rc);
        vt_index_close(index);
    }
    vt_request_free(request);
    return rc;
}

/* A shared selection: the manifest of the ids of @query from @tree_dir. */
static int run_selection(const exchange *ex, const vt_config *view, const char *tree_dir,
                         const char *query)
{
    char **ids = NULL;
    vt_status st = vt_selection_parse(query, &ids);
    if (st != VT_OK)
        return fail(ex, vt_request_http_status(st), vt_error_message());
    json_t *manifest = NULL;
    st = vt_selection_manifest(view, tree_dir, (const char *const *)ids, &manifest, NULL);
    g_strfreev(ids);
    if (st != VT_OK) {
        log_error(ex, "%s", vt_error_message());
        return fail(ex, st == VT_ERR_INVALID ? 400 : 500, "the selection could not be made");
    }
    GString *body = g_string_sized_new(64 * 1024);
    st = vt_jsonout_append(body, manifest);
    json_decref(manifest);
    if (st != VT_OK) {
        g_string_free(body, TRUE);
        return fail(ex, 500, "the selection could not be written");
    }
    g_autofree char *etag = vt_selection_etag(body->str, body->len);
    bool fresh = vt_selection_etag_matches(param(ex, "HTTP_IF_NONE_MATCH"), etag);
    /* The published manifests change when the site is rebuilt: a few
     * minutes of caching, then a revalidation that costs no body. */
    GString *text = g_string_sized_new(body->len + 512);
    g_string_printf(text,
                    "Status: %d %s\r\n"
                    "Content-Type: application/ld+json;profile=\"http://iiif.io/api/presentation/3/context.json\"\r\n"
                    "Access-Control-Allow-Origin: *\r\n"
                    "Cache-Control: public, max-age=300\r\n"
                    "ETag: %s\r\n"
                    "\r\n",
                    fresh ? 304 : 200, reason(fresh ? 304 : 200), etag);
    if (!fresh) {
        g_string_append_len(text, body->str, (gssize)body->len);
        g_string_append_c(text, '\n');
    }
    g_string_free(body, TRUE);
    int rc = emit(ex, text->str, text->len);
    g_string_free(text, TRUE);
    return rc;
}

static const char *config_path(const exchange *ex)
{
    const char *path = param(ex, "VITRINE_CONFIG");
    if (!path || !*path)
        path = getenv("VITRINE_CONFIG");   /* a FastCGI process's own environment */
    return path && *path ? path : VT_CONFIG_DEFAULT_PATH;
}

/* The config of this request: a CGI loads it (*ret_owned); a FastCGI
 * process keeps it while the file is the same one, unchanged. */
static vt_status config_get(const exchange *ex, resident *res, vt_config **ret_config, bool *ret_owned)
{
    const char *path = config_path(ex);
    *ret_owned = res == NULL;
    if (!res)
        return vt_config_load(path, ret_config);
    struct stat st;
    if (stat(path, &st) != 0)
        return vt_error_set_errno(VT_ERR_CONFIG, errno, "config %s", path);
    if (res->config && strcmp(res->config_path, path) == 0 && st.st_dev == res->config_stat.st_dev &&
        st.st_ino == res->config_stat.st_ino && st.st_size == res->config_stat.st_size &&
        st.st_mtim.tv_sec == res->config_stat.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == res->config_stat.st_mtim.tv_nsec) {
        *ret_config = res->config;
        return VT_OK;
    }
    vt_config *config = NULL;
    vt_status status = vt_config_load(path, &config);
    if (status != VT_OK)
        return status;
    /* Another config may name another index. */
    vt_index_close(res->index);
    res->index = NULL;
    vt_config_free(res->config);
    g_free(res->config_path);
    res->config = config;
    res->config_path = g_strdup(path);
    res->config_stat = st;
    /* Answers made with another config (URLs, facets, the cache's size)
     * are not this one's. */
    vt_answer_cache_free(res->cache);
    res->cache = config->search_fastcgi_cache_mb > 0
                     ? vt_answer_cache_new((gsize)config->search_fastcgi_cache_mb << 20)
                     : NULL;
    res->cached.known = false;
    *ret_config = config;
    return VT_OK;
}

/* A FastCGI process's own argv, to execute again (restart_self). */
static char **fastcgi_argv;

/* A fresh image of this program on the same listening socket (fd 0):
 * every other descriptor closed (the request's connection, the index),
 * argv[0] as the process manager gave it (an upgraded program is picked
 * up), else this very file. Async-signal-safe. Returns only on failure. */
static void restart_self(void)
{
    (void)close_range(3, ~0U, 0);
    if (fastcgi_argv[0] && fastcgi_argv[0][0] == '/')
        execv(fastcgi_argv[0], fastcgi_argv);
    execv("/proc/self/exe", fastcgi_argv);
}

/* The request-seconds limit: past it the process ends (the request cannot
 * be answered safely from a signal handler; the web server reports its own
 * error for it) and a FastCGI process restarts. */
static void on_alarm(int sig)
{
    (void)sig;
    static const char message[] = "vitrine-search: a request took longer than [search] "
                                  "request-seconds; the process ends\n";
    ssize_t n = write(STDERR_FILENO, message, sizeof message - 1);
    (void)n;
    if (fastcgi_argv)
        restart_self();
    _exit(3);
}

static void arm_alarm(int seconds)
{
    struct itimerval t = {.it_value = {.tv_sec = seconds}};
    (void)setitimer(ITIMER_REAL, &t, NULL);
}

/* One request, in either mode. */
static int serve(const exchange *ex, resident *res)
{
    const char *method = param(ex, "REQUEST_METHOD");
    if (!method || strcmp(method, "GET") != 0)
        return fail(ex, 405, "only GET is supported");

    /* Checked before anything is copied: the parser checks again. */
    const char *query = param(ex, "QUERY_STRING");
    if (query && strlen(query) > VT_REQUEST_QUERY_MAX)
        return fail(ex, 414, "the query string is too long");

    /* A path-style Content Search id (vt_request_path_query). */
    const char *path_info = param(ex, "PATH_INFO");
    g_autofree char *path_query = NULL;
    if (path_info && *path_info && strcmp(path_info, "/") != 0) {
        if (vt_request_path_query(path_info, query, &path_query) != VT_OK)
            return fail(ex, 404, vt_error_message());
        query = path_query;
    }

    vt_config *config = NULL;
    bool config_owned = false;
    vt_request_settings *settings = NULL;
    if (config_get(ex, res, &config, &config_owned) != VT_OK ||
        vt_request_settings_load(config, &settings) != VT_OK ||
        vt_request_settings_set_audience(settings, param(ex, VT_REQUEST_AUDIENCE_ENV)) != VT_OK) {
        log_error(ex, "%s", vt_error_message());
        vt_request_settings_free(settings);
        if (config_owned)
            vt_config_free(config);
        return fail(ex, 500, "the search service is not configured correctly");
    }
    arm_alarm(config->search_request_seconds);
    if (res && res->audience < 0)
        res->audience = settings->internal;
    if (res && res->audience != (int)settings->internal) {
        log_error(ex, "this FastCGI process serves the %s audience, and a request asks for the %s "
                      "one: give each audience its own FastCGI pool (docs/web/README.md)",
                  res->audience ? "internal" : "public", settings->internal ? "internal" : "public");
        vt_request_settings_free(settings);
        return fail(ex, 500, "the search service is not configured correctly");
    }
    vt_config view;
    vt_config_audience_view(config, settings->internal, &view);
    int rc;
    if (vt_selection_requested(query)) {
        g_autofree char *tree = g_build_filename(config->site_dir,
                                                 settings->internal ? "internal" : "public", NULL);
        rc = run_selection(ex, &view, tree, query);
    } else {
        rc = run(ex, res, &view, settings, query);
    }
    vt_request_settings_free(settings);
    if (config_owned)
        vt_config_free(config);
    return rc;
}

/* Whether descriptor 0 is a listening socket: how FastCGI process managers
 * (lighttpd's bin-path, spawn-fcgi, Apache's mod_fcgid) start a responder.
 * (FCGX_IsCGI() asks the same with getpeername(), after initialising
 * libfcgi, which a CGI does not need.) */
static bool started_as_fastcgi(void)
{
    int listening = 0;
    socklen_t len = sizeof listening;
    return getsockopt(STDIN_FILENO, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening;
}

/* Resident memory in MB (0 if unknown). */
static long resident_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    long size = 0, pages = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &pages) != 2)
            pages = 0;
        fclose(f);
    }
    return pages * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

/* The FastCGI loop: requests one at a time until a limit is reached (then
 * restart_self) or the listening socket fails. */
static int serve_fastcgi(char **argv)
{
    /* Left by an image that restarted from on_alarm. */
    arm_alarm(0);
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    (void)sigprocmask(SIG_UNBLOCK, &alarm_only, NULL);
    fastcgi_argv = argv;
    /* A client gone before its answer is written costs a failed write,
     * not the process. */
    (void)signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0) {
        fputs("vitrine-search: FastCGI initialisation failed\n", stderr);
        return 1;
    }
    FCGX_Request request;
    if (FCGX_InitRequest(&request, STDIN_FILENO, 0) != 0) {
        fputs("vitrine-search: FastCGI initialisation failed\n", stderr);
        return 1;
    }
    resident res = {.audience = -1};
    long served = 0;
    bool done = false;
    while (!done && FCGX_Accept_r(&request) == 0) {
        exchange ex = {.envp = request.envp, .out = request.out, .err = request.err};
        /* Before the config is known: its default. */
        arm_alarm(res.config ? res.config->search_request_seconds : 10);
        vt_arena_json_begin(VT_ARENA_JSON_MAX);
        (void)serve(&ex, &res);
        vt_arena_json_end();
        arm_alarm(0);
        served++;
        long limit_mb = res.config ? res.config->search_fastcgi_max_mb : 512;
        long max_requests = res.config ? res.config->search_fastcgi_max_requests : 10000;
        long mb = resident_mb();
        if (served >= max_requests || mb > limit_mb) {
            vt_answer_cache_stats cs = {0};
            if (res.cache)
                vt_answer_cache_get_stats(res.cache, &cs);
            log_error(&ex, "this FastCGI process restarts after %ld requests (%ld MB resident): "
                           "[search] fastcgi-max-requests=%ld, fastcgi-max-mb=%ld; answer cache: "
                           "%" G_GUINT64_FORMAT " answers sent from it, %u kept (%lu KB)%s",
                      served, mb, max_requests, limit_mb, cs.hits, cs.entries,
                      (unsigned long)(cs.bytes / 1024), res.cache ? "" : ", off (fastcgi-cache-mb=0)");
            done = true;
        }
        FCGX_Finish_r(&request);
    }
    vt_answer_cache_free(res.cache);
    vt_index_close(res.index);
    vt_config_free(res.config);
    g_free(res.config_path);
    FCGX_Free(&request, 1);
    if (done) {
        fflush(NULL);
        restart_self();
        fprintf(stderr, "vitrine-search: cannot execute %s again (%s): the process exits\n",
                argv[0] ? argv[0] : "/proc/self/exe", g_strerror(errno));
    }
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    struct sigaction sa = {.sa_handler = on_alarm};
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGALRM, &sa, NULL);
    if (started_as_fastcgi())
        return serve_fastcgi(argv);
    /* One request, then exit: the heap in huge pages, jansson's values
     * from an arena (vt_arena.h). */
    (void)vt_arena_heap_in_huge_pages();
    vt_arena_json_begin(VT_ARENA_JSON_MAX);
    exchange ex = {0};
    int rc = serve(&ex, NULL);
    vt_arena_json_end();
    return rc;
}
