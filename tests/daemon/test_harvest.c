/* Tests of vt_harvest against a real HTTP server on 127.0.0.1 that plays the
 * collection system, in this process (a GThreadedSocketService): good JSON
 * and XML records, 404, 5xx, 429, a slow answer, garbage, an HTML page, huge
 * bodies, hostile redirects, a closed port; parallel fetches and freeing
 * with fetches in flight. */
#include <gio/gio.h>
#include <string.h>

#include "vt_harvest.h"

/* ------------------------------------------------------------ the server */

#define HUGE_TOTAL (64u * 1024 * 1024)

static const char RECORD_JSON[] =
    "{\"id\": \"2019.12345\",\n"
    " \"title\": \"Portret van een man\",\n"
    " \"titles\": {\"fr\": \"Portrait d'un homme\", \"nl\": \"Portret van een man\",\n"
    "              \"de\": \"Bildnis eines Mannes\"},\n"
    " \"object\": {\"name\": \"Schilderij\",\n"
    "            \"creators\": [\"Peter Paul Rubens\", \"Anthonie van Dyck\"]},\n"
    " \"date\": 1620}\n";

static const char RECORD_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<record>\n"
    "  <title>Portret van een man</title>\n"
    "  <title xml:lang=\"fr\">Portrait d'un homme</title>\n"
    "  <creator>Peter Paul Rubens</creator>\n"
    "  <creator>Anthonie van Dyck</creator>\n"
    "</record>\n";

typedef struct {
    GThread *thread;
    GMainContext *context;
    GMainLoop *loop;
    GSocketService *service;
    guint16 port;
    GMutex lock;
    GCond started;
    int active;           /* handlers running */
    int delay_active;     /* /api/delay-* handlers running */
    int delay_max;        /* most of them at once */
    int flaky_hits;
    int slow_hits;
    guint64 huge_sent;    /* bytes of the last huge body the server got out */
    char *last_agent;
    char *last_accept;
} server;

static server srv;

static void send_all(GOutputStream *out, const char *data, gsize len)
{
    /* The client may hang up (cut answers, aborted fetches): not an error. */
    g_output_stream_write_all(out, data, len, NULL, NULL, NULL);
}

static void send_answer(GOutputStream *out, const char *status, const char *type,
                        const char *extra_headers, const char *body)
{
    g_autofree char *head = g_strdup_printf(
        "HTTP/1.1 %s\r\n%s%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
        type ? "Content-Type: " : "", type ? type : "", type ? "\r\n" : "",
        extra_headers ? extra_headers : "", strlen(body));
    send_all(out, head, strlen(head));
    send_all(out, body, strlen(body));
}

/* Streams @total bytes of a JSON-looking body; counts what got out. */
static void send_huge(GOutputStream *out, const char *head, guint64 total)
{
    send_all(out, head, strlen(head));
    static char chunk[64 * 1024];
    memset(chunk, ' ', sizeof chunk);
    chunk[0] = '[';
    guint64 sent = 0;
    while (sent < total) {
        gsize n = 0;
        if (!g_output_stream_write_all(out, chunk, sizeof chunk, &n, NULL, NULL)) {
            sent += n;
            break;
        }
        sent += n;
    }
    g_mutex_lock(&srv.lock);
    srv.huge_sent = sent;
    g_mutex_unlock(&srv.lock);
}

/* Waits up to @ms for the client to hang up; TRUE when it did. */
static gboolean client_hung_up(GSocketConnection *conn, int ms)
{
    GSocket *sock = g_socket_connection_get_socket(conn);
    gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;
    while (g_get_monotonic_time() < end) {
        if (g_socket_condition_timed_wait(sock, G_IO_IN | G_IO_HUP | G_IO_ERR, 20000, NULL,
                                          NULL))
            return TRUE;   /* the request was read: readable now means EOF */
    }
    return FALSE;
}

static void answer(GSocketConnection *conn, GOutputStream *out, const char *path)
{
    const char *json = "application/json; charset=utf-8";

    if (strcmp(path, "/api/rec-1") == 0 || strcmp(path, "/api/2019.12345") == 0) {
        send_answer(out, "200 OK", json, NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/ld") == 0) {
        send_answer(out, "200 OK", "application/ld+json", NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/xml-1") == 0) {
        send_answer(out, "200 OK", "text/xml; charset=UTF-8", NULL, RECORD_XML);
    } else if (strcmp(path, "/api/missing") == 0) {
        send_answer(out, "404 Not Found", "text/html",
                    NULL, "<html><body><h1>Not found</h1></body></html>");
    } else if (strcmp(path, "/api/broken") == 0) {
        send_answer(out, "500 Internal Server Error", "text/html", NULL,
                    "<html><body>Internal error</body></html>");
    } else if (strcmp(path, "/api/busy") == 0) {
        send_answer(out, "429 Too Many Requests", "text/plain", "Retry-After: 60\r\n",
                    "slow down");
    } else if (strcmp(path, "/api/forbidden") == 0) {
        send_answer(out, "403 Forbidden", "text/plain", NULL, "no");
    } else if (strcmp(path, "/api/flaky") == 0) {
        g_mutex_lock(&srv.lock);
        int hit = ++srv.flaky_hits;
        g_mutex_unlock(&srv.lock);
        if (hit == 1)
            send_answer(out, "503 Service Unavailable", "text/html", NULL,
                        "<html>maintenance</html>");
        else
            send_answer(out, "200 OK", json, NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/slow") == 0) {
        g_mutex_lock(&srv.lock);
        srv.slow_hits++;
        g_mutex_unlock(&srv.lock);
        if (!client_hung_up(conn, 4000))
            send_answer(out, "200 OK", json, NULL, RECORD_JSON);
    } else if (g_str_has_prefix(path, "/api/delay-")) {
        g_mutex_lock(&srv.lock);
        srv.delay_active++;
        srv.delay_max = MAX(srv.delay_max, srv.delay_active);
        g_mutex_unlock(&srv.lock);
        g_usleep(400 * 1000);
        g_mutex_lock(&srv.lock);
        srv.delay_active--;
        g_mutex_unlock(&srv.lock);
        send_answer(out, "200 OK", json, NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/garbage") == 0) {
        send_answer(out, "200 OK", json, NULL, "\x01\x02{{{ this is not JSON ]]\xff");
    } else if (strcmp(path, "/api/html") == 0) {
        send_answer(out, "200 OK", "text/html; charset=utf-8", NULL,
                    "<!DOCTYPE html><html><body><p>Please log in</p></body></html>");
    } else if (strcmp(path, "/api/no-type") == 0) {
        send_answer(out, "200 OK", NULL, NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/octet") == 0) {
        /* A plain file server's answer for a .json or .xml file. */
        send_answer(out, "200 OK", "application/octet-stream", NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/plain") == 0) {
        send_answer(out, "200 OK", "text/plain; charset=utf-8", NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/plain-garbage") == 0) {
        send_answer(out, "200 OK", "text/plain", NULL, "Service is up");
    } else if (strcmp(path, "/api/xml-octet") == 0) {
        send_answer(out, "200 OK", "application/octet-stream", NULL, RECORD_XML);
    } else if (strcmp(path, "/api/html-json") == 0) {
        /* JSON inside an HTML answer is still an HTML page. */
        send_answer(out, "200 OK", "text/html", NULL, RECORD_JSON);
    } else if (strcmp(path, "/api/huge-announced") == 0) {
        send_huge(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Content-Length: 1073741824\r\nConnection: close\r\n\r\n",
                  HUGE_TOTAL);
    } else if (strcmp(path, "/api/huge-stream") == 0) {
        /* No length: the body ends when the connection does. */
        send_huge(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Connection: close\r\n\r\n",
                  HUGE_TOTAL);
    } else if (strcmp(path, "/api/redir-file") == 0) {
        send_answer(out, "302 Found", "text/plain", "Location: file:///etc/passwd\r\n", "");
    } else if (strcmp(path, "/api/redir-gopher") == 0) {
        g_autofree char *loc = g_strdup_printf("Location: gopher://127.0.0.1:%u/1\r\n",
                                               (unsigned)srv.port);
        send_answer(out, "302 Found", "text/plain", loc, "");
    } else if (strcmp(path, "/api/redir-ok") == 0) {
        send_answer(out, "301 Moved Permanently", "text/plain", "Location: /api/rec-1\r\n", "");
    } else if (strcmp(path, "/api/loop") == 0) {
        send_answer(out, "302 Found", "text/plain", "Location: /api/loop\r\n", "");
    } else {
        send_answer(out, "404 Not Found", "text/plain", NULL, "unknown path");
    }
}

static gboolean on_connection(GThreadedSocketService *service, GSocketConnection *conn,
                              GObject *source, gpointer data)
{
    g_mutex_lock(&srv.lock);
    srv.active++;
    g_mutex_unlock(&srv.lock);

    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
    GDataInputStream *lines = g_data_input_stream_new(in);
    g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(lines), FALSE);
    g_data_input_stream_set_newline_type(lines, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);

    char *request = g_data_input_stream_read_line(lines, NULL, NULL, NULL);
    for (;;) {
        char *line = g_data_input_stream_read_line(lines, NULL, NULL, NULL);
        if (!line)
            break;
        gboolean end = line[0] == '\0';
        if (g_ascii_strncasecmp(line, "User-Agent:", 11) == 0 ||
            g_ascii_strncasecmp(line, "Accept:", 7) == 0) {
            g_mutex_lock(&srv.lock);
            char **slot = line[0] == 'U' || line[0] == 'u' ? &srv.last_agent : &srv.last_accept;
            g_free(*slot);
            *slot = g_strdup(g_strstrip(strchr(line, ':') + 1));
            g_mutex_unlock(&srv.lock);
        }
        g_free(line);
        if (end)
            break;
    }
    if (request) {
        char **parts = g_strsplit(request, " ", 3);
        if (parts[0] && parts[1] && strcmp(parts[0], "GET") == 0)
            answer(conn, out, parts[1]);
        g_strfreev(parts);
        g_free(request);
    }
    g_object_unref(lines);
    g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);

    g_mutex_lock(&srv.lock);
    srv.active--;
    g_mutex_unlock(&srv.lock);
    return TRUE;
}

/* The service accepts on the thread-default context of the thread that
 * starts it: the server gets its own thread and loop, so that it answers
 * while a test blocks or runs the default context for the harvester. */
static gpointer server_thread(gpointer data)
{
    g_main_context_push_thread_default(srv.context);
    srv.service = g_threaded_socket_service_new(16);
    GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
    GSocketAddress *bound = NULL;
    GError *err = NULL;
    g_socket_listener_add_address(G_SOCKET_LISTENER(srv.service), addr, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, NULL, &bound, &err);
    g_assert_no_error(err);
    g_mutex_lock(&srv.lock);
    srv.port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_cond_signal(&srv.started);
    g_mutex_unlock(&srv.lock);
    g_object_unref(bound);
    g_object_unref(addr);
    g_object_unref(lo);
    g_signal_connect(srv.service, "run", G_CALLBACK(on_connection), NULL);
    g_socket_service_start(srv.service);

    g_main_loop_run(srv.loop);

    g_socket_service_stop(srv.service);
    g_socket_listener_close(G_SOCKET_LISTENER(srv.service));
    g_object_unref(srv.service);
    g_main_context_pop_thread_default(srv.context);
    return NULL;
}

static void server_start(void)
{
    g_mutex_init(&srv.lock);
    g_cond_init(&srv.started);
    srv.context = g_main_context_new();
    srv.loop = g_main_loop_new(srv.context, FALSE);
    g_mutex_lock(&srv.lock);
    srv.thread = g_thread_new("http-server", server_thread, NULL);
    while (srv.port == 0)
        g_cond_wait(&srv.started, &srv.lock);
    g_mutex_unlock(&srv.lock);
}

static gboolean quit_server(gpointer data)
{
    g_main_loop_quit(srv.loop);
    return G_SOURCE_REMOVE;
}

/* Waits until no handler runs (a slow one ends when its client hangs up). */
static void server_wait_idle(void)
{
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    for (;;) {
        g_mutex_lock(&srv.lock);
        int active = srv.active;
        g_mutex_unlock(&srv.lock);
        if (active == 0)
            return;
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(10 * 1000);
    }
}

static void server_stop(void)
{
    server_wait_idle();
    g_main_context_invoke(srv.context, quit_server, NULL);
    g_thread_join(srv.thread);
    g_main_loop_unref(srv.loop);
    g_main_context_unref(srv.context);
    g_free(srv.last_agent);
    g_free(srv.last_accept);
    g_cond_clear(&srv.started);
    g_mutex_clear(&srv.lock);
}

/* ------------------------------------------------------------- helpers */

static vt_harvest_config *config_for(const char *format, int timeout, guint16 port,
                                     int refresh_hours)
{
    g_autofree char *text = NULL;
    if (strcmp(format, "json") == 0)
        text = g_strdup_printf("[harvest]\n"
                               "url=http://127.0.0.1:%u/api/{intervention}\n"
                               "format=json\ntimeout-seconds=%d\nrefresh-hours=%d\n"
                               "[harvest-fields]\n"
                               "title=/title\ntitle.fr=/titles/fr\ntitle.de=/titles/de\n"
                               "object=/object/name\ncreator=/object/creators\ndate=/date\n",
                               (unsigned)port, timeout, refresh_hours);
    else
        text = g_strdup_printf("[harvest]\n"
                               "url=http://127.0.0.1:%u/api/{intervention}\n"
                               "format=xml\ntimeout-seconds=%d\nrefresh-hours=%d\n"
                               "[harvest-fields]\n"
                               "title=/record/title[not(@xml:lang)]\n"
                               "title.fr=/record/title[@xml:lang='fr']\n"
                               "creator=/record/creator\n",
                               (unsigned)port, timeout, refresh_hours);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    GError *err = NULL;
    g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &err);
    g_assert_no_error(err);
    vt_harvest_config *config = NULL;
    vt_status s = vt_harvest_config_load(kf, &config);
    if (s != VT_OK)
        g_error("config: %s", vt_error_message());
    g_assert_nonnull(config);
    return config;
}

typedef struct {
    int calls;
    char *intervention;
    vt_status status;
    char *message;
    json_t *fields;
    long http_status;
    double seconds;
} outcome;

static void outcome_clear(outcome *o)
{
    g_free(o->intervention);
    g_free(o->message);
    if (o->fields)
        json_decref(o->fields);
    memset(o, 0, sizeof *o);
}

static void on_done(const vt_harvest_result *r, void *data)
{
    outcome *o = data;
    o->calls++;
    g_free(o->intervention);
    g_free(o->message);
    if (o->fields)
        json_decref(o->fields);
    o->intervention = g_strdup(r->intervention);
    o->status = r->status;
    g_assert_nonnull(r->message);
    o->message = g_strdup(r->message);
    o->fields = r->fields ? json_incref(r->fields) : NULL;
    o->http_status = r->http_status;
    o->seconds = r->seconds;
}

static void on_done_forbidden(const vt_harvest_result *r, void *data)
{
    g_error("a callback ran after vt_harvest_free (%s)", r->intervention);
}

/* Runs the default context until @o has its callback (at most 20 s). */
static void wait_for(outcome *o)
{
    gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (o->calls == 0) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(2000);
    }
}

/* Fetches @intervention and waits for its one callback. */
static void fetch(vt_harvest *h, const char *intervention, outcome *o)
{
    outcome_clear(o);
    g_assert_cmpint(vt_harvest_fetch(h, intervention, on_done, o), ==, VT_OK);
    /* Never from inside the call. */
    g_assert_cmpint(o->calls, ==, 0);
    g_assert_cmpuint(vt_harvest_in_flight(h), >=, 1);
    wait_for(o);
    g_assert_cmpint(o->calls, ==, 1);
    g_assert_cmpstr(o->intervention, ==, intervention);
}

static gboolean has_value(const json_t *fields, const char *field, const char *value,
                          const char *lang)
{
    const json_t *values = json_object_get(fields, field);
    size_t i;
    const json_t *v;
    json_array_foreach(values, i, v) {
        const char *l = json_string_value(json_object_get(v, "lang"));
        if (g_strcmp0(json_string_value(json_object_get(v, "value")), value) == 0 &&
            g_strcmp0(l, lang) == 0)
            return TRUE;
    }
    return FALSE;
}

static void assert_fails(vt_harvest *h, const char *intervention, vt_status status,
                         long http_status, const char *words)
{
    outcome o = {0};
    fetch(h, intervention, &o);
    if (o.status != status)
        g_error("%s: status %s, expected %s: %s", intervention, vt_strerror(o.status),
                vt_strerror(status), o.message);
    g_test_message("%s: %s (%.3f s)", intervention, o.message, o.seconds);
    g_assert_null(o.fields);
    g_assert_cmpint(o.http_status, ==, http_status);
    if (!strstr(o.message, words))
        g_error("%s: message '%s' lacks '%s'", intervention, o.message, words);
    /* Every message names the URL it is about. */
    g_assert_nonnull(strstr(o.message, "http://127.0.0.1:"));
    if (http_status > 0) {
        g_autofree char *code = g_strdup_printf("HTTP %ld", http_status);
        g_assert_nonnull(strstr(o.message, code));
    }
    outcome_clear(&o);
}

/* A port nothing listens on. */
static guint16 closed_port(void)
{
    GError *err = NULL;
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                              G_SOCKET_PROTOCOL_TCP, &err);
    g_assert_no_error(err);
    GInetAddress *lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress *addr = g_inet_socket_address_new(lo, 0);
    g_assert_true(g_socket_bind(s, addr, FALSE, &err));
    GSocketAddress *local = g_socket_get_local_address(s, &err);
    guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
    g_object_unref(local);
    g_object_unref(addr);
    g_object_unref(lo);
    g_socket_close(s, NULL);
    g_object_unref(s);
    return port;
}

/* --------------------------------------------------------------- tests */

static void test_json_record(void)
{
    vt_harvest_config *config = config_for("json", 5, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 2, &h), ==, VT_OK);

    outcome o = {0};
    fetch(h, "2019.12345", &o);
    if (o.status != VT_OK)
        g_error("%s", o.message);
    g_assert_cmpstr(o.message, ==, "");
    g_assert_cmpint(o.http_status, ==, 200);
    g_assert_cmpfloat(o.seconds, >=, 0.0);
    g_assert_cmpfloat(o.seconds, <, 5.0);
    g_assert_true(has_value(o.fields, "title", "Portret van een man", NULL));
    g_assert_true(has_value(o.fields, "title", "Portrait d'un homme", "fr"));
    g_assert_true(has_value(o.fields, "title", "Bildnis eines Mannes", "de"));
    g_assert_true(has_value(o.fields, "object", "Schilderij", NULL));
    g_assert_true(has_value(o.fields, "creator", "Peter Paul Rubens", NULL));
    g_assert_true(has_value(o.fields, "creator", "Anthonie van Dyck", NULL));
    g_assert_true(has_value(o.fields, "date", "1620", NULL));
    g_assert_cmpuint(json_array_size(json_object_get(o.fields, "creator")), ==, 2);
    g_assert_cmpuint(vt_harvest_in_flight(h), ==, 0);

    /* What the collection system saw. */
    g_mutex_lock(&srv.lock);
    g_assert_cmpstr(srv.last_agent, ==, "vitrine/" VT_VERSION);
    g_assert_nonnull(strstr(srv.last_accept, "application/json"));
    g_mutex_unlock(&srv.lock);

    /* +json is JSON; a redirect to http is followed. */
    fetch(h, "ld", &o);
    g_assert_cmpint(o.status, ==, VT_OK);
    g_assert_true(has_value(o.fields, "creator", "Peter Paul Rubens", NULL));
    fetch(h, "redir-ok", &o);
    if (o.status != VT_OK)
        g_error("%s", o.message);
    g_assert_cmpint(o.http_status, ==, 200);
    g_assert_true(has_value(o.fields, "title", "Portrait d'un homme", "fr"));

    outcome_clear(&o);
    vt_harvest_free(h);
    vt_harvest_config_free(config);
}

static void test_xml_record(void)
{
    vt_harvest_config *config = config_for("xml", 5, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);

    outcome o = {0};
    fetch(h, "xml-1", &o);
    if (o.status != VT_OK)
        g_error("%s", o.message);
    g_assert_true(has_value(o.fields, "title", "Portret van een man", NULL));
    g_assert_true(has_value(o.fields, "title", "Portrait d'un homme", "fr"));
    g_assert_false(has_value(o.fields, "title", "Portrait d'un homme", NULL));
    g_assert_true(has_value(o.fields, "creator", "Anthonie van Dyck", NULL));
    g_mutex_lock(&srv.lock);
    g_assert_nonnull(strstr(srv.last_accept, "application/xml"));
    g_mutex_unlock(&srv.lock);
    outcome_clear(&o);

    /* A JSON answer to an XML harvester is the wrong type. */
    assert_fails(h, "rec-1", VT_ERR_INVALID, 200, "application/json, which is not XML");
    outcome xo = {0};
    fetch(h, "xml-octet", &xo);
    if (xo.status != VT_OK)
        g_error("xml-octet: %s", xo.message);
    outcome_clear(&xo);
    assert_fails(h, "html", VT_ERR_INVALID, 200, "an HTML page, not XML");

    vt_harvest_free(h);
    vt_harvest_config_free(config);
}

static void test_http_errors(void)
{
    vt_harvest_config *config = config_for("json", 5, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 2, &h), ==, VT_OK);

    assert_fails(h, "missing", VT_ERR_NOT_FOUND, 404, "no record of intervention missing");
    assert_fails(h, "broken", VT_ERR_TRANSIENT, 500, "failing");
    assert_fails(h, "busy", VT_ERR_TRANSIENT, 429, "slow down");
    assert_fails(h, "forbidden", VT_ERR_INVALID, 403, "refused");
    assert_fails(h, "garbage", VT_ERR_INVALID, 200, "cannot use the collection system's answer");
    assert_fails(h, "html", VT_ERR_INVALID, 200,
                 "the collection system answered an HTML page, not JSON");
    /* Any other type is taken when the answer parses as JSON (issue 12):
     * application/octet-stream and text/plain from a plain file server. */
    const char *loose[] = {"no-type", "octet", "plain"};
    for (size_t i = 0; i < G_N_ELEMENTS(loose); i++) {
        outcome lo = {0};
        fetch(h, loose[i], &lo);
        if (lo.status != VT_OK)
            g_error("%s: %s", loose[i], lo.message);
        g_assert_true(has_value(lo.fields, "title", "Portret van een man", NULL));
        outcome_clear(&lo);
    }
    assert_fails(h, "plain-garbage", VT_ERR_INVALID, 200,
                 "the collection system answered text/plain, which is not JSON");
    assert_fails(h, "html-json", VT_ERR_INVALID, 200,
                 "the collection system answered an HTML page, not JSON");

    /* 503, then the record. */
    assert_fails(h, "flaky", VT_ERR_TRANSIENT, 503, "will retry");
    outcome o = {0};
    fetch(h, "flaky", &o);
    g_assert_cmpint(o.status, ==, VT_OK);
    g_assert_true(has_value(o.fields, "title", "Portret van een man", NULL));
    outcome_clear(&o);

    vt_harvest_free(h);
    vt_harvest_config_free(config);
}

static void test_slow(void)
{
    vt_harvest_config *config = config_for("json", 1, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);

    gint64 start = g_get_monotonic_time();
    assert_fails(h, "slow", VT_ERR_TRANSIENT, 0, "did not answer within 1 s");
    double took = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
    g_assert_cmpfloat(took, >=, 0.9);
    g_assert_cmpfloat(took, <, 2.5);

    vt_harvest_free(h);
    vt_harvest_config_free(config);
    server_wait_idle();
}

static void test_huge(void)
{
    vt_harvest_config *config = config_for("json", 20, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);

    /* Announced as 1 GiB: refused on the headers. */
    assert_fails(h, "huge-announced", VT_ERR_LIMIT, 200, "larger than");
    server_wait_idle();
    g_mutex_lock(&srv.lock);
    guint64 sent = srv.huge_sent;
    g_mutex_unlock(&srv.lock);
    g_assert_cmpuint(sent, <, HUGE_TOTAL / 2);

    /* Unannounced: cut at the cap, long before the end. */
    assert_fails(h, "huge-stream", VT_ERR_LIMIT, 200, "larger than 8388608 bytes");
    server_wait_idle();
    g_mutex_lock(&srv.lock);
    sent = srv.huge_sent;
    g_mutex_unlock(&srv.lock);
    g_assert_cmpuint(sent, >=, VT_HARVEST_MAX_BODY);
    g_assert_cmpuint(sent, <, HUGE_TOTAL);

    vt_harvest_free(h);
    vt_harvest_config_free(config);
}

static void test_redirects(void)
{
    vt_harvest_config *config = config_for("json", 5, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);

    assert_fails(h, "redir-file", VT_ERR_INVALID, 302, "not http or https");
    assert_fails(h, "redir-gopher", VT_ERR_INVALID, 302, "not http or https");
    assert_fails(h, "loop", VT_ERR_INVALID, 302, "redirected more than 3 times");

    vt_harvest_free(h);
    vt_harvest_config_free(config);
}

static void test_refused(void)
{
    vt_harvest_config *config = config_for("json", 5, closed_port(), 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);

    gint64 start = g_get_monotonic_time();
    assert_fails(h, "2019.12345", VT_ERR_TRANSIENT, 0, "cannot reach the collection system");
    g_assert_cmpint(g_get_monotonic_time() - start, <, 3 * G_USEC_PER_SEC);

    vt_harvest_free(h);
    vt_harvest_config_free(config);
}

static void test_bad_calls(void)
{
    vt_harvest_config *config = config_for("json", 5, srv.port, 24);
    vt_harvest *h = (vt_harvest *)&h;   /* must stay untouched */
    g_assert_cmpint(vt_harvest_new(config, 0, &h), ==, VT_ERR_CONFIG);
    g_assert_cmpint(vt_harvest_new(config, VT_HARVEST_MAX_PARALLEL + 1, &h), ==, VT_ERR_CONFIG);
    g_assert_true(h == (vt_harvest *)&h);

    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);
    outcome o = {0};
    g_assert_cmpint(vt_harvest_fetch(h, "", on_done, &o), ==, VT_ERR_INVALID);
    g_autofree char *longer = g_strnfill(VT_HARVEST_MAX_INTERVENTION + 1, '7');
    g_assert_cmpint(vt_harvest_fetch(h, longer, on_done, &o), ==, VT_ERR_INVALID);
    g_assert_cmpuint(vt_harvest_in_flight(h), ==, 0);
    for (int i = 0; i < 10; i++)
        g_main_context_iteration(NULL, FALSE);
    g_assert_cmpint(o.calls, ==, 0);

    vt_harvest_free(h);
    vt_harvest_free(NULL);
    vt_harvest_config_free(config);
}

static void test_parallel(void)
{
    vt_harvest_config *config = config_for("json", 5, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 2, &h), ==, VT_OK);
    g_mutex_lock(&srv.lock);
    srv.delay_max = 0;
    g_mutex_unlock(&srv.lock);

    outcome a = {0}, b = {0};
    g_assert_cmpint(vt_harvest_fetch(h, "delay-a", on_done, &a), ==, VT_OK);
    g_assert_cmpint(vt_harvest_fetch(h, "delay-b", on_done, &b), ==, VT_OK);
    g_assert_cmpuint(vt_harvest_in_flight(h), ==, 2);
    wait_for(&a);
    wait_for(&b);
    g_assert_cmpint(a.calls, ==, 1);
    g_assert_cmpint(b.calls, ==, 1);
    g_assert_cmpint(a.status, ==, VT_OK);
    g_assert_cmpint(b.status, ==, VT_OK);
    g_assert_cmpstr(a.intervention, ==, "delay-a");
    g_assert_cmpstr(b.intervention, ==, "delay-b");
    g_assert_cmpuint(vt_harvest_in_flight(h), ==, 0);
    g_mutex_lock(&srv.lock);
    g_assert_cmpint(srv.delay_max, ==, 2);
    g_mutex_unlock(&srv.lock);

    outcome_clear(&a);
    outcome_clear(&b);
    vt_harvest_free(h);
    vt_harvest_config_free(config);
}

static void test_free_in_flight(void)
{
    vt_harvest_config *config = config_for("json", 30, srv.port, 24);
    vt_harvest *h = NULL;
    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);
    g_mutex_lock(&srv.lock);
    int slow_before = srv.slow_hits;
    g_mutex_unlock(&srv.lock);

    /* One running (the slow answer), one queued behind it. */
    g_assert_cmpint(vt_harvest_fetch(h, "slow", on_done_forbidden, NULL), ==, VT_OK);
    g_assert_cmpint(vt_harvest_fetch(h, "rec-1", on_done_forbidden, NULL), ==, VT_OK);
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    for (;;) {
        g_mutex_lock(&srv.lock);
        int hits = srv.slow_hits;
        g_mutex_unlock(&srv.lock);
        if (hits > slow_before)
            break;
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(5000);
    }
    g_assert_cmpuint(vt_harvest_in_flight(h), ==, 2);

    /* The slow request is aborted, not waited for (30 s timeout). */
    gint64 start = g_get_monotonic_time();
    vt_harvest_free(h);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 3 * G_USEC_PER_SEC);
    for (int i = 0; i < 50; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(2000);
    }

    /* A result posted to the loop but not delivered yet is dropped too
     * (its fields freed: ASan's leak check sees to that). */
    g_assert_cmpint(vt_harvest_new(config, 1, &h), ==, VT_OK);
    g_assert_cmpint(vt_harvest_fetch(h, "rec-1", on_done_forbidden, NULL), ==, VT_OK);
    end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (!g_main_context_pending(NULL)) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(5000);
    }
    vt_harvest_free(h);
    for (int i = 0; i < 50; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(2000);
    }

    vt_harvest_config_free(config);
    server_wait_idle();
}

static void test_retry_after(void)
{
    vt_harvest_config *config = config_for("json", 5, srv.port, 12);
    vt_harvest_config *never = config_for("json", 5, srv.port, 0);

    g_assert_cmpint(vt_harvest_retry_after(config, VT_OK, 0), ==, 12 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(never, VT_OK, 0), ==, -1);

    /* Transient: 1 min, doubling, at most 6 h. */
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, 0), ==, 60);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, 1), ==, 60);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, 2), ==, 120);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, 3), ==, 240);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, 9), ==, 60 * 256);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, 10), ==, 6 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, G_MAXINT), ==, 6 * 3600);
    for (int n = 1; n < 40; n++)
        g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_TRANSIENT, n + 1), >=,
                        vt_harvest_retry_after(config, VT_ERR_TRANSIENT, n));

    /* 404: the refresh interval, or a day without one. */
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_NOT_FOUND, 1), ==, 12 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_NOT_FOUND, 50), ==, 12 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(never, VT_ERR_NOT_FOUND, 1), ==, 24 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(NULL, VT_ERR_NOT_FOUND, 1), ==, 24 * 3600);

    /* Invalid, limit: 1 h, doubling, at most the refresh interval. */
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_INVALID, 1), ==, 3600);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_INVALID, 2), ==, 7200);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_LIMIT, 4), ==, 8 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_LIMIT, 5), ==, 12 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(config, VT_ERR_INVALID, G_MAXINT), ==, 12 * 3600);
    g_assert_cmpint(vt_harvest_retry_after(NULL, VT_ERR_INVALID, 30), ==, 24 * 3600);

    vt_harvest_config_free(config);
    vt_harvest_config_free(never);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* libcurl honours proxy variables; the server is on 127.0.0.1. */
    const char *proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                             "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < G_N_ELEMENTS(proxies); i++)
        g_unsetenv(proxies[i]);
    server_start();

    g_test_add_func("/harvest/json-record", test_json_record);
    g_test_add_func("/harvest/xml-record", test_xml_record);
    g_test_add_func("/harvest/http-errors", test_http_errors);
    g_test_add_func("/harvest/slow", test_slow);
    g_test_add_func("/harvest/huge", test_huge);
    g_test_add_func("/harvest/redirects", test_redirects);
    g_test_add_func("/harvest/refused", test_refused);
    g_test_add_func("/harvest/bad-calls", test_bad_calls);
    g_test_add_func("/harvest/parallel", test_parallel);
    g_test_add_func("/harvest/free-in-flight", test_free_in_flight);
    g_test_add_func("/harvest/retry-after", test_retry_after);

    int rc = g_test_run();
    server_stop();
    return rc;
}
