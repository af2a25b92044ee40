/* vt_mirror.c: rsync children that copy the site's trees to mirrors
 * (contract in vt_mirror.h). */
#include "vt_mirror.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define RETRY_FIRST_SECONDS 10
#define RETRY_MAX_SECONDS 600
/* rsync's own I/O timeout: a mirror that stops answering fails the push
 * (and is retried) instead of holding its target forever. */
#define RSYNC_IO_TIMEOUT "--timeout=120"
#define TARGETS_MAX 64
/* Bytes of a failed push's stderr read back for its message. */
#define ERROR_TAIL 400
/* rsync's exit when source files vanished during the push: a publication
 * replaced or removed them meanwhile, and that publication's kick runs the
 * push again. */
#define RSYNC_VANISHED 24

typedef struct {
    vt_mirror *mirror;
    size_t index;
    bool internal;            /* which tree */
    char *dest;
    char *log_path;
    GSubprocess *proc;        /* running push, or NULL */
    GCancellable *cancel;
    bool again;               /* kicked while running or waiting */
    guint retry_timer;
    unsigned pushes;          /* successful */
    unsigned failures;        /* in a row */
    gint64 last_ok;           /* unix time, 0: never */
    gint64 next_try;          /* unix time while waiting, else 0 */
    char *last_error;
} target;

struct vt_mirror {
    const vt_config *config;
    char *rsync;
    target *targets;
    size_t n;
    unsigned runs;
    vt_mirror_result_fn on_result;
    void *data;
};

static void start(target *t);

/* "public:DEST" / "internal:DEST" -> the tree and the destination. */
static vt_status parse_entry(const char *entry, bool *ret_internal, const char **ret_dest)
{
    const char *colon = strchr(entry, ':');
    size_t len = colon ? (size_t)(colon - entry) : 0;
    if (colon && len == 6 && strncmp(entry, "public", 6) == 0)
        *ret_internal = false;
    else if (colon && len == 8 && strncmp(entry, "internal", 8) == 0)
        *ret_internal = true;
    else
        return vt_error_set(VT_ERR_CONFIG, "[mirror] targets: '%s' does not start with public: or"
                            " internal: (which tree it gets)", entry);
    const char *dest = colon + 1;
    if (!*dest)
        return vt_error_set(VT_ERR_CONFIG, "[mirror] targets: '%s' names no destination", entry);
    /* rsync would read a leading '-' as an option. */
    if (*dest == '-')
        return vt_error_set(VT_ERR_CONFIG, "[mirror] targets: destination '%s' starts with '-'", dest);
    *ret_dest = dest;
    return VT_OK;
}

vt_status vt_mirror_new(const vt_config *config, vt_mirror_result_fn on_result, void *data,
                        vt_mirror **ret_mirror)
{
    g_autofree char *list = vt_config_get_raw(config->keyfile, "mirror", "targets");
    g_autofree char *rsync = vt_config_get_raw(config->keyfile, "mirror", "rsync");
    g_auto(GStrv) keys = g_key_file_get_keys(config->keyfile, "mirror", NULL, NULL);
    for (size_t i = 0; keys && keys[i]; i++)
        if (strcmp(keys[i], "targets") != 0 && strcmp(keys[i], "rsync") != 0)
            return vt_error_set(VT_ERR_CONFIG, "[mirror] %s: unknown key (known: targets, rsync)",
                                keys[i]);
    g_auto(GStrv) parts = g_strsplit(list ? list : "", ",", -1);
    GArray *targets = g_array_new(FALSE, TRUE, sizeof(target));
    vt_status s = VT_OK;
    for (size_t i = 0; parts[i] && s == VT_OK; i++) {
        char *entry = g_strstrip(parts[i]);
        if (!*entry)
            continue;
        target t = {0};
        const char *dest = NULL;
        s = parse_entry(entry, &t.internal, &dest);
        if (s == VT_OK && targets->len >= TARGETS_MAX)
            s = vt_error_set(VT_ERR_CONFIG, "[mirror] targets: more than %d", TARGETS_MAX);
        if (s != VT_OK)
            break;
        t.dest = g_strdup(dest);
        t.index = targets->len;
        t.log_path = g_strdup_printf("%s/mirror-%zu.log", config->state_dir, t.index + 1);
        g_array_append_val(targets, t);
    }
    vt_mirror *m = g_new0(vt_mirror, 1);
    m->config = config;
    m->rsync = g_strdup(rsync && *rsync ? rsync : "rsync");
    m->on_result = on_result;
    m->data = data;
    m->n = targets->len;
    m->targets = (target *)g_array_free(targets, FALSE);
    for (size_t i = 0; i < m->n; i++)
        m->targets[i].mirror = m;
    if (s != VT_OK) {
        vt_mirror_free(m);
        return s;
    }
    *ret_mirror = m;
    return VT_OK;
}

void vt_mirror_free(vt_mirror *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        target *t = &m->targets[i];
        if (t->proc) {
            /* The callback must not run on a freed target. */
            g_cancellable_cancel(t->cancel);
            g_subprocess_send_signal(t->proc, SIGTERM);
            g_object_unref(t->proc);
        }
        g_clear_object(&t->cancel);
        if (t->retry_timer)
            g_source_remove(t->retry_timer);
        g_free(t->dest);
        g_free(t->log_path);
        g_free(t->last_error);
    }
    g_free(m->targets);
    g_free(m->rsync);
    g_free(m);
}

/* rsync's reason from the last ERROR_TAIL bytes of @path: the last line
 * that starts with "rsync: " (what failed: `mkdir "/x" failed: No such file
 * or directory`), else the last line (its summary); or NULL. */
static char *log_tail(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return NULL;
    char buf[ERROR_TAIL + 1];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > ERROR_TAIL ? end - ERROR_TAIL : 0;
    ssize_t n = end > 0 ? pread(fd, buf, ERROR_TAIL, from) : 0;
    close(fd);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    for (char *p = buf; p; p = strchr(p, '\n')) {
        p += *p == '\n';
        if (strncmp(p, "rsync: ", 7) == 0)
            line = p;
    }
    char *eol = strchr(line, '\n');
    g_autofree char *one = g_strndup(line, eol ? (size_t)(eol - line) : strlen(line));
    return *one && g_utf8_validate(one, -1, NULL) ? g_steal_pointer(&one) : NULL;
}

static gboolean on_retry(gpointer data)
{
    target *t = data;
    t->retry_timer = 0;
    t->next_try = 0;
    start(t);
    return G_SOURCE_REMOVE;
}

/* A push failed: say so, and try again later (10 s, 20 s, ... 10 min). */
static void failed(target *t, char *message)
{
    vt_mirror *m = t->mirror;
    g_free(t->last_error);
    t->last_error = message;
    t->failures++;
    if (m->on_result)
        m->on_result(false, t->dest, message, m->data);
    unsigned shift = MIN(t->failures - 1, 10u);
    unsigned wait = MIN((unsigned)RETRY_FIRST_SECONDS << shift, (unsigned)RETRY_MAX_SECONDS);
    t->next_try = g_get_real_time() / G_USEC_PER_SEC + wait;
    t->retry_timer = g_timeout_add_seconds(wait, on_retry, t);
}

static void on_child_exit(GObject *source, GAsyncResult *res, gpointer data)
{
    GSubprocess *proc = G_SUBPROCESS(source);
    g_autoptr(GError) error = NULL;
    if (!g_subprocess_wait_finish(proc, res, &error) &&
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;   /* vt_mirror_free() */
    target *t = data;
    vt_mirror *m = t->mirror;
    m->runs++;
    g_clear_object(&t->proc);
    g_clear_object(&t->cancel);
    if (!g_subprocess_get_if_exited(proc)) {
        failed(t, g_strdup_printf("rsync killed by signal %d", g_subprocess_get_term_sig(proc)));
    } else if (g_subprocess_get_exit_status(proc) != 0 &&
               g_subprocess_get_exit_status(proc) != RSYNC_VANISHED) {
        g_autofree char *tail = log_tail(t->log_path);
        failed(t, g_strdup_printf("rsync exited %d%s%s", g_subprocess_get_exit_status(proc),
                                  tail ? ": " : "", tail ? tail : ""));
    } else {
        t->pushes++;
        t->failures = 0;
        t->last_ok = g_get_real_time() / G_USEC_PER_SEC;
        g_clear_pointer(&t->last_error, g_free);
        if (m->on_result)
            m->on_result(true, t->dest, NULL, m->data);
        if (t->again)
            start(t);
    }
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void child_setup(gpointer data)
{
    (void)data;
    /* A copy is background work: the daemon's loop comes first. */
    int rc = nice(10);
    (void)rc;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

static void start(target *t)
{
    vt_mirror *m = t->mirror;
    t->again = false;
    g_autofree char *src = g_build_filename(m->config->site_dir, t->internal ? "internal" : "public",
                                            "/", NULL);
    /* No site yet (a first start): its first publication kicks again. */
    if (!g_file_test(src, G_FILE_TEST_IS_DIR))
        return;
    /* -rlt: files, links and times (times let the next run skip unchanged
     * files); owners and modes are the mirror's business. --delay-updates
     * puts the changed files in place together at the end, and
     * --delete-delay removes files only after that, so a visitor of the
     * mirror meets one publication or the next, hardly a mix. The
     * generator's temporaries are never copied. --modify-window=-1 compares
     * times to the nanosecond: a page rewritten in the same second with the
     * same size (an activity page, a count) is not skipped as unchanged. */
    const char *argv[] = {m->rsync, "-rlt", "--modify-window=-1", "--delete-delay", "--delay-updates",
                          "--exclude=.tmp-*", RSYNC_IO_TIMEOUT, src, t->dest, NULL};
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_subprocess_launcher_set_stderr_file_path(launcher, t->log_path);
    g_subprocess_launcher_set_child_setup(launcher, child_setup, NULL, NULL);
    g_autoptr(GError) error = NULL;
    t->proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
    if (!t->proc) {
        /* No rsync, or the log cannot be written: a failure like any other,
         * retried with back-off. */
        m->runs++;
        failed(t, g_strdup_printf("cannot start %s: %s", m->rsync, error->message));
        return;
    }
    t->cancel = g_cancellable_new();
    g_subprocess_wait_async(t->proc, t->cancel, on_child_exit, t);
}

void vt_mirror_kick(vt_mirror *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        target *t = &m->targets[i];
        if (t->proc || t->retry_timer)
            t->again = true;   /* after the running push; a retry pushes anyway */
        else
            start(t);
    }
}

size_t vt_mirror_count(const vt_mirror *m)
{
    return m ? m->n : 0;
}

size_t vt_mirror_failing(const vt_mirror *m)
{
    size_t n = 0;
    for (size_t i = 0; m && i < m->n; i++)
        n += m->targets[i].failures > 0;
    return n;
}

unsigned vt_mirror_runs(const vt_mirror *m)
{
    return m ? m->runs : 0;
}

json_t *vt_mirror_status_json(const vt_mirror *m)
{
    json_t *list = json_array();
    for (size_t i = 0; m && i < m->n; i++) {
        const target *t = &m->targets[i];
        const char *state = t->proc ? "pushing" : t->retry_timer ? "waiting" : "idle";
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:s?, s:o}",
            "tree", t->internal ? "internal" : "public",
            "target", t->dest,
            "state", state,
            "pushes", (json_int_t)t->pushes,
            "failures", (json_int_t)t->failures,
            "last_ok", t->last_ok ? json_integer(t->last_ok) : json_null(),
            "last_error", t->last_error,
            "next_try", t->next_try ? json_integer(t->next_try) : json_null()));
    }
    return list;
}
