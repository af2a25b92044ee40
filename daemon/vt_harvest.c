/* vt_harvest.c: the harvest fetcher. See vt_harvest.h for the contract.
 *
 * Life of a fetch (a "job"):
 *   vt_harvest_fetch (loop) -> pool thread: request, classify, map
 *   -> idle source attached to the loop's context, job listed in h->posted
 *   -> deliver (loop): unlist, call done, in_flight--, job freed with the
 *      source.
 *
 * The invariant that keeps "no callback after free" true: a job's result
 * can only reach the loop through a source listed in h->posted, and
 * vt_harvest_free() first joins the pool (so nothing more is posted) and
 * then destroys every listed source. Both run on the loop thread, so a
 * delivery can never be half-way while free runs. Drop either step and a
 * callback can fire on a freed harvester.
 */
#include "vt_harvest.h"

#include <curl/curl.h>
#include <string.h>

/* Most seconds spent connecting, within the overall timeout. */
#define CONNECT_TIMEOUT_MAX 10L
#define MAX_REDIRECTS 3L

#define RETRY_TRANSIENT_FIRST 60
#define RETRY_TRANSIENT_MAX (6 * 3600)
#define RETRY_OTHER_FIRST 3600
#define DEFAULT_REFRESH (24 * 3600)

struct vt_harvest {
    const vt_harvest_config *config;
    GMainContext *context;   /* where results are delivered */
    GThreadPool *pool;
    int closing;             /* atomic: set by free, read by pool threads */
    unsigned in_flight;      /* loop thread only */
    GMutex lock;             /* guards posted */
    GList *posted;           /* jobs whose result source is attached */
};

typedef struct {
    vt_harvest *h;
    char *intervention;
    char *url;
    vt_harvest_done_fn done;
    void *data;
    GSource *source;         /* set when posted; owned by the context */
    /* the result */
    vt_status status;
    char *message;
    json_t *fields;
    long http_status;
    double seconds;
} job;

/* What the write callback collects. */
typedef struct {
    CURL *easy;
    GByteArray *body;
    gboolean over_cap;       /* the body (or its announced length) is too big */
    gboolean not_ok;         /* a non-2xx answer: its body is not wanted */
} sink;

static void job_free(gpointer data)
{
    job *j = data;
    if (!j)
        return;
    g_free(j->intervention);
    g_free(j->url);
    g_free(j->message);
    if (j->fields)
        json_decref(j->fields);
    g_free(j);
}

/* ------------------------------------------------------------ pool thread */

static gboolean is_2xx(long code)
{
    return code >= 200 && code < 300;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *data)
{
    sink *s = data;
    size_t n = size * nmemb;

    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    if (!is_2xx(code)) {
        /* The status says all we need; an error page may be big or slow. */
        s->not_ok = TRUE;
        return 0;
    }
    if (s->body->len == 0) {
        curl_off_t announced = -1;
        curl_easy_getinfo(s->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
        if (announced > (curl_off_t)VT_HARVEST_MAX_BODY) {
            s->over_cap = TRUE;
            return 0;
        }
    }
    if (n > VT_HARVEST_MAX_BODY - s->body->len) {
        s->over_cap = TRUE;
        return 0;   /* curl stops with CURLE_WRITE_ERROR */
    }
    g_byte_array_append(s->body, (const guint8 *)ptr, (guint)n);
    return n;
}

static int on_progress(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    vt_harvest *h = data;
    /* Non-zero aborts the transfer: vt_harvest_free is waiting. */
    return g_atomic_int_get(&h->closing);
}

/* The media type of a Content-Type value, lower case, without parameters. */
static char *media_type(const char *content_type)
{
    if (!content_type)
        return NULL;
    const char *semi = strchr(content_type, ';');
    size_t len = semi ? (size_t)(semi - content_type) : strlen(content_type);
    g_autofree char *raw = g_strndup(content_type, len);
    char *down = g_ascii_strdown(g_strstrip(raw), -1);
    return down;
}

static gboolean type_fits(vt_harvest_format format, const char *type)
{
    if (!type)
        return FALSE;
    if (format == VT_HARVEST_JSON)
        return strcmp(type, "application/json") == 0 || g_str_has_suffix(type, "+json");
    return strcmp(type, "application/xml") == 0 || strcmp(type, "text/xml") == 0 ||
           g_str_has_suffix(type, "+xml");
}

static void set_result(job *j, vt_status status, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void set_result(job *j, vt_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_free(j->message);
    j->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    j->status = status;
}

/* Classifies a finished request; the body is mapped only for a clean 2xx. */
static void classify(job *j, const vt_harvest_config *config, CURL *easy, CURLcode rc,
                     const char *errbuf, const sink *s)
{
    const char *fmt_name = vt_harvest_config_format(config) == VT_HARVEST_JSON ? "JSON" : "XML";
    const char *curl_msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    long code = j->http_status;

    /* Failures of the transfer itself that no status code explains. */
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
        set_result(j, VT_ERR_INVALID,
                   "the collection system redirected to a URL that is not http or https, "
                   "which vitrine refuses: %s (HTTP %ld from %s)", curl_msg, code, j->url);
        return;
    case CURLE_TOO_MANY_REDIRECTS:
        set_result(j, VT_ERR_INVALID,
                   "the collection system redirected more than %ld times (HTTP %ld from %s)",
                   MAX_REDIRECTS, code, j->url);
        return;
    case CURLE_OPERATION_TIMEDOUT:
        set_result(j, VT_ERR_TRANSIENT,
                   "the collection system did not answer within %d s (%s); "
                   "will retry", vt_harvest_config_timeout_seconds(config), j->url);
        return;
    default:
        break;
    }

    /* A status code says more than how the body ended. */
    if (code >= 300 || (code > 0 && code < 200)) {
        if (code == 404)
            set_result(j, VT_ERR_NOT_FOUND,
                       "the collection system has no record of intervention %s "
                       "(HTTP 404 from %s)", j->intervention, j->url);
        else if (code == 429)
            set_result(j, VT_ERR_TRANSIENT,
                       "the collection system asks to slow down; will retry (HTTP 429 from %s)",
                       j->url);
        else if (code >= 500)
            set_result(j, VT_ERR_TRANSIENT,
                       "the collection system is failing; will retry (HTTP %ld from %s)", code,
                       j->url);
        else
            set_result(j, VT_ERR_INVALID,
                       "the collection system refused the request (HTTP %ld from %s)", code,
                       j->url);
        return;
    }

    if (s->over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
        set_result(j, VT_ERR_LIMIT,
                   "the collection system's answer is larger than %u bytes (HTTP %ld from %s)",
                   VT_HARVEST_MAX_BODY, code, j->url);
        return;
    }
    if (rc != CURLE_OK) {
        /* Cannot resolve or connect, connection reset, TLS trouble, a cut
         * answer: the network or the server, worth retrying. */
        if (code > 0)
            set_result(j, VT_ERR_TRANSIENT, "cannot read the collection system's answer: %s; "
                       "will retry (HTTP %ld from %s)", curl_msg, code, j->url);
        else
            set_result(j, VT_ERR_TRANSIENT, "cannot reach the collection system: %s; "
                       "will retry (%s)", curl_msg, j->url);
        return;
    }

    const char *content_type = NULL;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &content_type);
    g_autofree char *type = media_type(content_type);
    /* An HTML page (a login or error page) is never the record, whatever
     * it holds. Any other answer is taken if it parses as the configured
     * format: a plain file server says application/octet-stream or
     * text/plain for a .json file, and the content is what counts. */
    if (type && (strcmp(type, "text/html") == 0 || strcmp(type, "application/xhtml+xml") == 0)) {
        set_result(j, VT_ERR_INVALID,
                   "the collection system answered an HTML page, not %s (HTTP %ld from %s)",
                   fmt_name, code, j->url);
        return;
    }

    json_t *fields = NULL;
    vt_status st = vt_harvest_map(config, (const char *)s->body->data, s->body->len, &fields);
    if (st != VT_OK) {
        if (type_fits(vt_harvest_config_format(config), type))
            set_result(j, st, "cannot use the collection system's answer: %s (HTTP %ld from %s)",
                       vt_error_message(), code, j->url);
        else
            set_result(j, st, "the collection system answered %s%s, which is not %s: %s"
                       " (HTTP %ld from %s)", type && type[0] ? "" : "without a content type",
                       type && type[0] ? type : "", fmt_name, vt_error_message(), code, j->url);
        return;
    }
    j->fields = fields;
    set_result(j, VT_OK, "%s", "");
}

#define SETOPT(easy, opt, val)                                                                 \
    do {                                                                                       \
        if (curl_easy_setopt((easy), (opt), (val)) != CURLE_OK)                                \
            goto setup_failed;                                                                 \
    } while (0)

static void run_request(job *j)
{
    vt_harvest *h = j->h;
    const vt_harvest_config *config = h->config;
    gint64 start = g_get_monotonic_time();
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    struct curl_slist *headers = NULL;
    sink s = {.body = g_byte_array_new()};

    CURL *easy = curl_easy_init();
    if (!easy) {
        set_result(j, VT_ERR_INTERNAL, "cannot start a libcurl request for %s", j->url);
        goto out;
    }
    s.easy = easy;

    long timeout = vt_harvest_config_timeout_seconds(config);
    headers = curl_slist_append(NULL, vt_harvest_config_format(config) == VT_HARVEST_JSON
                                          ? "Accept: application/json"
                                          : "Accept: application/xml, text/xml;q=0.9");
    if (!headers) {
        set_result(j, VT_ERR_NOMEM, "out of memory for a request to %s", j->url);
        goto out;
    }

    SETOPT(easy, CURLOPT_URL, j->url);
    SETOPT(easy, CURLOPT_HTTPGET, 1L);
    /* Threads and signals do not mix: no SIGALRM for DNS timeouts. */
    SETOPT(easy, CURLOPT_NOSIGNAL, 1L);
    SETOPT(easy, CURLOPT_TIMEOUT, timeout);
    SETOPT(easy, CURLOPT_CONNECTTIMEOUT, MIN(timeout, CONNECT_TIMEOUT_MAX));
    SETOPT(easy, CURLOPT_FOLLOWLOCATION, 1L);
    SETOPT(easy, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    /* A redirect must not turn a harvest into a read of file:///etc/... */
    SETOPT(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SETOPT(easy, CURLOPT_USERAGENT, "vitrine/" VT_VERSION);
    SETOPT(easy, CURLOPT_HTTPHEADER, headers);
    SETOPT(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)VT_HARVEST_MAX_BODY);
    SETOPT(easy, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(easy, CURLOPT_WRITEDATA, &s);
    SETOPT(easy, CURLOPT_NOPROGRESS, 0L);
    SETOPT(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    SETOPT(easy, CURLOPT_XFERINFODATA, h);
    SETOPT(easy, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = curl_easy_perform(easy);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        /* Only vt_harvest_free aborts, and it drops the result. */
        set_result(j, VT_ERR_TRANSIENT, "the request to %s was cancelled", j->url);
        goto out;
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &j->http_status);
    classify(j, config, easy, rc, errbuf, &s);
    goto out;

setup_failed:
    set_result(j, VT_ERR_INTERNAL, "cannot set up a libcurl request for %s", j->url);
out:
    j->seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    curl_slist_free_all(headers);
    if (easy)
        curl_easy_cleanup(easy);
    g_byte_array_unref(s.body);
}

static gboolean deliver(gpointer data);

static void pool_work(gpointer data, gpointer user_data)
{
    job *j = data;
    vt_harvest *h = user_data;

    if (g_atomic_int_get(&h->closing)) {
        job_free(j);
        return;
    }
    run_request(j);
    if (g_atomic_int_get(&h->closing)) {
        job_free(j);
        return;
    }

    GSource *src = g_idle_source_new();
    g_source_set_priority(src, G_PRIORITY_DEFAULT);
    g_source_set_name(src, "vt_harvest result");
    g_source_set_callback(src, deliver, j, job_free);
    g_mutex_lock(&h->lock);
    j->source = src;
    h->posted = g_list_prepend(h->posted, j);
    g_source_attach(src, h->context);
    g_mutex_unlock(&h->lock);
    g_source_unref(src);   /* the context holds it now */
}

/* --------------------------------------------------------------- loop side */

static gboolean deliver(gpointer data)
{
    job *j = data;
    vt_harvest *h = j->h;

    g_mutex_lock(&h->lock);
    h->posted = g_list_remove(h->posted, j);
    g_mutex_unlock(&h->lock);

    vt_harvest_result r = {
        .intervention = j->intervention,
        .status = j->status,
        .message = j->message ? j->message : "",
        .fields = j->status == VT_OK ? j->fields : NULL,
        .http_status = j->http_status,
        .seconds = j->seconds,
    };
    h->in_flight--;
    j->done(&r, j->data);
    return G_SOURCE_REMOVE;   /* job_free runs as the source goes */
}

static gpointer init_curl(gpointer data)
{
    return GINT_TO_POINTER(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
}

vt_status vt_harvest_new(const vt_harvest_config *config, unsigned parallel,
                         vt_harvest **ret_harvest)
{
    static GOnce once = G_ONCE_INIT;

    g_return_val_if_fail(config && ret_harvest, VT_ERR_INTERNAL);
    if (parallel < 1 || parallel > VT_HARVEST_MAX_PARALLEL)
        return vt_error_set(VT_ERR_CONFIG, "harvest: %u parallel requests; use 1 to %u",
                            parallel, VT_HARVEST_MAX_PARALLEL);
    if (!GPOINTER_TO_INT(g_once(&once, init_curl, NULL)))
        return vt_error_set(VT_ERR_INTERNAL, "harvest: libcurl could not be initialised");

    vt_harvest *h = g_new0(vt_harvest, 1);
    h->config = config;
    g_mutex_init(&h->lock);
    GError *err = NULL;
    h->pool = g_thread_pool_new(pool_work, h, (gint)parallel, FALSE, &err);
    if (!h->pool) {
        vt_status s = vt_error_set(VT_ERR_INTERNAL, "harvest: cannot start threads: %s",
                                   err->message);
        g_error_free(err);
        g_mutex_clear(&h->lock);
        g_free(h);
        return s;
    }
    h->context = g_main_context_ref_thread_default();
    *ret_harvest = h;
    return VT_OK;
}

vt_status vt_harvest_fetch(vt_harvest *h, const char *intervention, vt_harvest_done_fn done,
                           void *data)
{
    g_return_val_if_fail(h && intervention && done, VT_ERR_INTERNAL);
    if (h->in_flight >= VT_HARVEST_MAX_PENDING)
        return vt_error_set(VT_ERR_LIMIT, "harvest: %u fetches are already pending; "
                            "intervention %s not queued", h->in_flight, intervention);
    char *url = NULL;
    vt_status s = vt_harvest_url(h->config, intervention, &url);
    if (s != VT_OK)
        return s;

    job *j = g_new0(job, 1);
    j->h = h;
    j->intervention = g_strdup(intervention);
    j->url = url;
    j->done = done;
    j->data = data;
    GError *err = NULL;
    if (!g_thread_pool_push(h->pool, j, &err)) {
        /* Only when a new thread cannot be made; the job stays queued. */
        g_warning("harvest: %s", err->message);
        g_error_free(err);
    }
    h->in_flight++;
    return VT_OK;
}

unsigned vt_harvest_in_flight(const vt_harvest *h)
{
    return h ? h->in_flight : 0;
}

void vt_harvest_free(vt_harvest *h)
{
    if (!h)
        return;
    g_atomic_int_set(&h->closing, 1);
    /* Not immediate: queued jobs still go through pool_work, which frees
     * them at once now that closing is set (GLib 2.66 has no item free
     * function). wait: running requests end (on_progress aborts them) and
     * the threads join, so nothing more is posted after this. */
    g_thread_pool_free(h->pool, FALSE, TRUE);

    g_mutex_lock(&h->lock);
    GList *posted = h->posted;
    h->posted = NULL;
    g_mutex_unlock(&h->lock);
    for (GList *l = posted; l; l = l->next) {
        job *j = l->data;
        g_source_destroy(j->source);   /* runs job_free */
    }
    g_list_free(posted);

    g_main_context_unref(h->context);
    g_mutex_clear(&h->lock);
    g_free(h);
}

int64_t vt_harvest_retry_after(const vt_harvest_config *config, vt_status status, int failures)
{
    int refresh_hours = config ? vt_harvest_config_refresh_hours(config) : 24;
    int64_t refresh = (int64_t)refresh_hours * 3600;
    int64_t long_wait = refresh > 0 ? refresh : DEFAULT_REFRESH;
    int n = failures < 1 ? 1 : failures;

    switch (status) {
    case VT_OK:
        return refresh > 0 ? refresh : -1;
    case VT_ERR_NOT_FOUND:
        return long_wait;
    case VT_ERR_TRANSIENT: {
        int64_t wait = RETRY_TRANSIENT_FIRST;
        for (int i = 1; i < n && wait < RETRY_TRANSIENT_MAX; i++)
            wait *= 2;
        return MIN(wait, (int64_t)RETRY_TRANSIENT_MAX);
    }
    case VT_ERR_NOMEM:
    case VT_ERR_IO:
    case VT_ERR_CONFIG:
    case VT_ERR_STORE:
    case VT_ERR_EXISTS:
    case VT_ERR_INVALID:
    case VT_ERR_LIMIT:
    case VT_ERR_BAD_IMAGE:
    case VT_ERR_BUSY:
    case VT_ERR_UNSAFE_PATH:
    case VT_ERR_INTERNAL:
        break;
    }
    int64_t cap = MAX(long_wait, (int64_t)RETRY_OTHER_FIRST);
    int64_t wait = RETRY_OTHER_FIRST;
    for (int i = 1; i < n && wait < cap; i++)
        wait *= 2;
    return MIN(wait, cap);
}
