/* vt_convert.c: see vt_convert.h.
 *
 * One conversion is three asynchronous parts on the caller's main context:
 * reading the child's stdout, reading its stderr, and waiting for it to
 * exit. Each part decrements `pending`; the last one classifies the outcome,
 * calls `done` and frees the conversion. A failure found before spawning
 * goes through an idle source instead, so `done` is never called from
 * inside vt_convert_start() and a caller can rely on its own state being
 * set up when `done` runs.
 *
 * We read the pipes ourselves rather than with
 * g_subprocess_communicate_utf8_async(): that keeps everything the child
 * writes in memory and fails on bytes that are not UTF-8 (libvips quotes
 * file names as they are). Here what we keep is capped and made valid, and
 * the rest is read and dropped so the child never blocks on a full pipe.
 */
#include "vt_convert.h"

#include <errno.h>
#include <ftw.h>
#include <gio/gio.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sysexits.h>
#include <unistd.h>

/* What we keep of the child's output. The result line is far smaller (the
 * child caps what it embeds); stderr is one line plus any noise. */
#define STDOUT_CAP (1024 * 1024)
#define STDERR_CAP (8 * 1024)
#define MESSAGE_MAX 2000
#define CHILD_NAME "vitrine-convert"
/* The line the child prints once it has read the header (vitrine-convert.c). */
#define EXPECTED_PREFIX CHILD_NAME ": expected-output-bytes "

/* The temporary names vitrine-convert uses in images_dir,
 * ".tmp-<id>.<suffix>". Keep in step with VT_IMAGE_TMP_SUFFIXES in
 * convert/vt_image.h; this library does not link libvips, so it has its
 * own copy. */
static const char *const tmp_suffixes[] = { "tif", "thumb.jpg", "download.jpg", "tiles", "work" };

typedef struct conversion conversion;

typedef struct {
    conversion *conv;
    GInputStream *stream; /* borrowed from the GSubprocess */
    GString *kept;
    size_t cap;
    bool keep_tail;       /* stderr: the last line matters most */
    bool overflow;
    char chunk[16384];
} pipe_reader;

struct conversion {
    GMainContext *context;
    GSubprocess *proc;
    pipe_reader out, err;
    int pending;
    GSource *timeout;
    bool timed_out;

    char *images_dir, *id, *input;
    uint64_t input_size;
    uint64_t expected; /* the child's expected-output-bytes, 0 if it said none */
    int timeout_seconds, memory_mb;
    gint64 started;
    vt_convert_done_fn done;
    void *data;
    vt_convert_result *early; /* a failure found before spawning */
};

typedef struct {
    rlim_t address_space; /* 0: no limit */
    rlim_t cpu_seconds;
} child_limits;

/* ------------------------------------------------------------------ */

static bool id_valid(const char *id)
{
    /* The same rule as vt_image_id_valid(): the id names files. */
    if (!id || !id[0] || id[0] == '.' || strlen(id) > 200)
        return false;
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
            return false;
    }
    return true;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    /* Best effort: go on past what cannot be removed. */
    remove(path);
    return 0;
}

void vt_convert_cleanup(const char *images_dir, const char *id)
{
    if (!images_dir || !id_valid(id))
        return;
    for (size_t i = 0; i < G_N_ELEMENTS(tmp_suffixes); i++) {
        g_autofree char *name = g_strdup_printf(".tmp-%s.%s", id, tmp_suffixes[i]);
        g_autofree char *path = g_build_filename(images_dir, name, NULL);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        else
            unlink(path);
    }
}

const char *vt_convert_child_path(void)
{
    static gsize once;
    static char *beside_or_installed;
    const char *env = g_getenv("VT_CONVERT");

    if (env && env[0])
        return env;
    if (g_once_init_enter(&once)) {
        g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
        g_autofree char *dir = exe ? g_path_get_dirname(exe) : NULL;
        char *path = dir ? g_build_filename(dir, CHILD_NAME, NULL) : NULL;
        if (!path || !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
            g_free(path);
            path = g_strdup(VT_LIBEXECDIR "/" CHILD_NAME);
        }
        beside_or_installed = path;
        g_once_init_leave(&once, 1);
    }
    return beside_or_installed;
}

void vt_convert_result_free(vt_convert_result *result)
{
    if (!result)
        return;
    g_free(result->message);
    json_decref(result->result);
    g_free(result);
}

/* Takes @message (printf-style), made valid UTF-8, one line, capped. */
static vt_convert_result *result_new(vt_status status, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static vt_convert_result *result_new(vt_status status, const char *fmt, ...)
{
    vt_convert_result *r = g_new0(vt_convert_result, 1);
    va_list ap;

    r->status = status;
    if (fmt) {
        va_start(ap, fmt);
        g_autofree char *raw = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        GString *s = g_string_new(NULL);
        g_autofree char *valid = g_utf8_make_valid(raw, -1);
        g_string_append(s, valid);
        for (size_t i = 0; i < s->len; i++) {
            if ((unsigned char)s->str[i] < 0x20)
                s->str[i] = ' ';
        }
        if (s->len > MESSAGE_MAX) {
            const char *end = g_utf8_find_prev_char(s->str, s->str + MESSAGE_MAX + 1);
            g_string_truncate(s, end ? (size_t)(end - s->str) : 0);
        }
        r->message = g_string_free(s, FALSE);
    }
    return r;
}

/* ------------------------------------------------------------------ */
/* Finishing                                                            */

static uint64_t free_bytes(const char *dir)
{
    struct statvfs vfs;

    if (statvfs(dir, &vfs) != 0)
        return UINT64_MAX;
    return (uint64_t)vfs.f_bavail * vfs.f_frsize;
}

/* The child's last non-empty stderr line, valid UTF-8 ("" if none), other
 * than its expected-output-bytes line, whose figure goes to
 * *ret_expected (left alone if there is none). */
static char *last_line(const GString *text, uint64_t *ret_expected)
{
    g_autofree char *valid = g_utf8_make_valid(text->str, (gssize)text->len);
    g_auto(GStrv) lines = g_strsplit_set(valid, "\r\n", -1);
    const char *last = "";

    for (size_t i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        if (g_str_has_prefix(line, EXPECTED_PREFIX)) {
            guint64 n;
            if (g_ascii_string_to_unsigned(line + strlen(EXPECTED_PREFIX), 10, 0, G_MAXUINT64,
                                           &n, NULL))
                *ret_expected = n;
            continue;
        }
        if (line[0])
            last = line;
    }
    return g_strdup(last);
}

/* "vitrine-convert: over a limit: The image is..." -> the status it names
 * (@fallback if none) and the message after it. */
static const char *child_says(const char *line, vt_status fallback, vt_status *ret_status)
{
    static const vt_status named[] = { VT_ERR_LIMIT, VT_ERR_BAD_IMAGE, VT_ERR_TRANSIENT,
                                       VT_ERR_INTERNAL, VT_ERR_INVALID, VT_ERR_NOMEM };
    const char *p = line;

    *ret_status = fallback;
    if (g_str_has_prefix(p, CHILD_NAME ": "))
        p += strlen(CHILD_NAME ": ");
    for (size_t i = 0; i < G_N_ELEMENTS(named); i++) {
        const char *word = vt_strerror(named[i]);
        size_t len = strlen(word);
        if (strncmp(p, word, len) == 0 && p[len] == ':' && p[len + 1] == ' ') {
            *ret_status = named[i];
            return p + len + 2;
        }
    }
    return p;
}

static vt_convert_result *classify_signal(conversion *c, int sig, const char *said)
{
    if (c->timed_out)
        return result_new(VT_ERR_BAD_IMAGE,
                          "Converting took longer than %d seconds "
                          "(vitrine.convert-timeout-seconds)", c->timeout_seconds);
    if (sig == SIGXCPU)
        return result_new(VT_ERR_BAD_IMAGE,
                          "Converting used more processor time than %d seconds allow "
                          "(vitrine.convert-timeout-seconds)", c->timeout_seconds);

    /* libvips 8.14.1 crashes when a pyramid save fails, and a full disk is
     * the usual reason for that: decide by the space that is left (before
     * cleanup frees what the child wrote) against what the outputs need.
     * The child said that from the pixel count; a child that died before
     * reading the header gets the old guess, twice the input. */
    uint64_t available = free_bytes(c->images_dir);
    uint64_t needed = c->expected ? c->expected : 2 * c->input_size;
    if (available < needed)
        return result_new(VT_ERR_TRANSIENT,
                          "The converter stopped (signal %d) because the image disk is full: "
                          "%" PRIu64 " MB free in %s, about %" PRIu64 " MB needed",
                          sig, available / 1000000, c->images_dir, needed / 1000000 + 1);
    if (strstr(said, "failed to allocate") || strstr(said, "out of memory") ||
        strstr(said, "Cannot allocate memory"))
        return result_new(VT_ERR_BAD_IMAGE,
                          "Converting needed more memory than %d MB (vitrine.convert-memory-mb)",
                          c->memory_mb);
    return result_new(VT_ERR_BAD_IMAGE,
                      "The converter crashed on this file (signal %d, %s): it is probably "
                      "damaged%s%s", sig, g_strsignal(sig), said[0] ? "; it said: " : "", said);
}

static vt_convert_result *classify_exit(conversion *c, int code, const char *said)
{
    vt_status status;

    if (code == EX_OK) {
        json_error_t jerr;
        json_t *result = NULL;
        if (c->out.overflow)
            return result_new(VT_ERR_INTERNAL, "The converter printed more than %d bytes",
                              STDOUT_CAP);
        result = json_loadb(c->out.kept->str, c->out.kept->len, 0, &jerr);
        if (!json_is_object(result)) {
            json_decref(result);
            return result_new(VT_ERR_INTERNAL,
                              "The converter's output is not a JSON object (%s at line %d)",
                              jerr.text, jerr.line);
        }
        vt_convert_result *r = result_new(VT_OK, NULL);
        r->result = result;
        return r;
    }
    if (code == EX_DATAERR) {
        const char *message = child_says(said, VT_ERR_BAD_IMAGE, &status);
        if (status != VT_ERR_LIMIT)
            status = VT_ERR_BAD_IMAGE;
        return result_new(status, "%s", message[0] ? message
                                                   : "The converter refused the file "
                                                     "without saying why");
    }
    if (code == EX_TEMPFAIL) {
        const char *message = child_says(said, VT_ERR_TRANSIENT, &status);
        return result_new(VT_ERR_TRANSIENT, "%s", message[0] ? message
                                                              : "The converter met a "
                                                                "temporary failure");
    }
    return result_new(VT_ERR_INTERNAL, "The converter %s failed (exit status %d)%s%s",
                      vt_convert_child_path(), code, said[0] ? ": " : "", said);
}

static void conversion_free(conversion *c)
{
    if (c->timeout) {
        g_source_destroy(c->timeout);
        g_source_unref(c->timeout);
    }
    g_clear_object(&c->proc);
    if (c->out.kept)
        g_string_free(c->out.kept, TRUE);
    if (c->err.kept)
        g_string_free(c->err.kept, TRUE);
    g_free(c->images_dir);
    g_free(c->id);
    g_free(c->input);
    g_main_context_unref(c->context);
    g_free(c);
}

static void finish(conversion *c)
{
    vt_convert_result *r;

    if (c->early) {
        r = g_steal_pointer(&c->early);
    } else {
        g_autofree char *said = last_line(c->err.kept, &c->expected);
        if (g_subprocess_get_if_signaled(c->proc))
            r = classify_signal(c, g_subprocess_get_term_sig(c->proc), said);
        else
            r = classify_exit(c, g_subprocess_get_exit_status(c->proc), said);
    }
    r->seconds = (double)(g_get_monotonic_time() - c->started) / G_USEC_PER_SEC;
    if (r->status != VT_OK)
        vt_convert_cleanup(c->images_dir, c->id);

    vt_convert_done_fn done = c->done;
    void *data = c->data;
    conversion_free(c);
    done(r, data);
}

static void part_done(conversion *c)
{
    if (--c->pending == 0)
        finish(c);
}

static gboolean on_early(gpointer user_data)
{
    finish(user_data);
    return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ */
/* The child                                                            */

static void on_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
    pipe_reader *r = user_data;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, NULL);

    if (n <= 0) {
        /* End of file, or the pipe broke: either way the child is done
         * with it; its exit status tells the rest. */
        part_done(r->conv);
        return;
    }
    if (r->keep_tail) {
        g_string_append_len(r->kept, r->chunk, n);
        if (r->kept->len > r->cap) {
            g_string_erase(r->kept, 0, (gssize)(r->kept->len - r->cap));
            r->overflow = true;
        }
    } else if (r->kept->len < r->cap) {
        size_t room = r->cap - r->kept->len;
        g_string_append_len(r->kept, r->chunk, (gssize)MIN((size_t)n, room));
        if ((size_t)n > room)
            r->overflow = true;
    } else {
        r->overflow = true;
    }
    g_input_stream_read_async(r->stream, r->chunk, sizeof r->chunk, G_PRIORITY_DEFAULT, NULL,
                              on_read, r);
}

static void reader_start(conversion *c, pipe_reader *r, GInputStream *stream, size_t cap,
                         bool keep_tail)
{
    r->conv = c;
    r->stream = stream;
    r->cap = cap;
    r->keep_tail = keep_tail;
    r->kept = g_string_sized_new(1024);
    c->pending++;
    g_input_stream_read_async(stream, r->chunk, sizeof r->chunk, G_PRIORITY_DEFAULT, NULL,
                              on_read, r);
}

static void on_child_exit(GObject *source, GAsyncResult *res, gpointer user_data)
{
    conversion *c = user_data;

    /* Without a cancellable this cannot fail; the status is read later. */
    g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
    part_done(c);
}

static gboolean on_timeout(gpointer user_data)
{
    conversion *c = user_data;

    c->timed_out = true;
    g_subprocess_force_exit(c->proc);
    return G_SOURCE_REMOVE;
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void child_setup(gpointer user_data)
{
    const child_limits *limits = user_data;
    struct rlimit none = { 0, 0 };

    setrlimit(RLIMIT_CORE, &none);
    if (limits->address_space) {
        struct rlimit as = { limits->address_space, limits->address_space };
        setrlimit(RLIMIT_AS, &as);
    }
    if (limits->cpu_seconds) {
        /* SIGXCPU at the soft limit, SIGKILL a little after. */
        struct rlimit cpu = { limits->cpu_seconds, limits->cpu_seconds + 10 };
        setrlimit(RLIMIT_CPU, &cpu);
    }
    /* Conversions are batch work: the daemon's own loop comes first. */
    int rc = nice(5);
    (void)rc;
    /* If vitrined dies, its conversions die with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static const char *server_arg(vt_image_server server)
{
    /* vitrine-convert's --server words (its command line, not the config). */
    switch (server) {
    case VT_SERVER_CANTALOUPE: return "cantaloupe";
    case VT_SERVER_IIPSRV:     return "iipsrv";
    case VT_SERVER_STATIC:     return "static";
    }
    return "cantaloupe";
}

static void fail_early(conversion *c, vt_convert_result *r)
{
    GSource *idle = g_idle_source_new();

    c->early = r;
    g_source_set_callback(idle, on_early, c, NULL);
    g_source_attach(idle, c->context);
    g_source_unref(idle);
}

const char *vt_convert_asset_rights(const json_t *metadata)
{
    size_t i;
    const json_t *v;

    json_array_foreach(json_object_get(metadata, "rights"), i, v) {
        const char *text = json_string_value(json_object_get(v, "value"));
        if (text && vt_config_rights_valid(text))
            return text;
    }
    return NULL;
}

/* "a,b,c" from a NULL-terminated list. */
static char *joined(char **words)
{
    return words ? g_strjoinv(",", words) : g_strdup("");
}

vt_status vt_convert_start(const vt_config *config, const char *input, const char *id,
                           vt_visibility where, const char *rights, vt_convert_done_fn done,
                           void *data)
{
    const char *images_dir = config ? vt_config_images_dir(config, where) : NULL;
    const char *base_url = config ? vt_config_images_base_url(config, where) : NULL;
    if (!config || !images_dir || !input || !done)
        return vt_error_set(VT_ERR_INVALID, "vt_convert_start: missing argument");
    if (!id_valid(id))
        return vt_error_set(VT_ERR_INVALID, "vt_convert_start: \"%s\" cannot name image files",
                            id ? id : "(null)");

    conversion *c = g_new0(conversion, 1);
    c->context = g_main_context_ref_thread_default();
    c->images_dir = g_strdup(images_dir);
    c->id = g_strdup(id);
    c->input = g_strdup(input);
    c->timeout_seconds = config->convert_timeout_seconds;
    c->memory_mb = config->convert_memory_mb;
    c->done = done;
    c->data = data;
    c->started = g_get_monotonic_time();

    if (access(images_dir, W_OK | X_OK) != 0) {
        fail_early(c, result_new(VT_ERR_TRANSIENT, "The image folder %s is not writable: %s",
                                 images_dir, g_strerror(errno)));
        return VT_OK;
    }
    struct stat st;
    if (stat(input, &st) == 0)
        c->input_size = (uint64_t)st.st_size;

    child_limits *limits = g_new0(child_limits, 1);
#ifndef VT_SANITIZE
    if (config->convert_memory_mb > 0)
        limits->address_space = (rlim_t)config->convert_memory_mb * 1024 * 1024;
#endif
    /* CPU time adds up over libvips' threads, one per core. */
    if (config->convert_timeout_seconds > 0)
        limits->cpu_seconds = (rlim_t)config->convert_timeout_seconds *
                                  (rlim_t)MAX(1, g_get_num_processors()) + 10;

    g_autoptr(GSubprocessLauncher) launcher =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_subprocess_launcher_set_child_setup(launcher, child_setup, limits, g_free);
    /* glibc reserves 64 MiB of address space per malloc arena and makes up
     * to 8 per core: under RLIMIT_AS that is memory we cannot use. */
    g_subprocess_launcher_setenv(launcher, "MALLOC_ARENA_MAX", "2", TRUE);

    g_autofree char *a_input = g_strdup_printf("--input=%s", input);
    g_autofree char *a_id = g_strdup_printf("--id=%s", id);
    g_autofree char *a_dir = g_strdup_printf("--images-dir=%s", images_dir);
    g_autofree char *a_server = g_strdup_printf("--server=%s", server_arg(config->server));
    g_autofree char *a_url = g_strdup_printf("--base-url=%s", base_url ? base_url : "");
    g_autofree char *a_max = g_strdup_printf("--max-pixels=%" PRIu64, config->max_pixels);
    g_autofree char *a_tile = g_strdup_printf("--tile-size=%d", config->tile_size);
    g_autofree char *a_q = g_strdup_printf("--quality=%d", config->quality);
    g_autofree char *a_thumb = g_strdup_printf("--thumbnail-size=%d", config->thumbnail_size);
    g_autofree char *a_down = g_strdup_printf("--download-size=%d", config->download_size);
    g_autofree char *loaders = joined(config->loaders);
    g_autofree char *keep = joined(config->keep_metadata);
    g_autofree char *drop = joined(config->drop_metadata);
    g_autofree char *a_loaders = g_strdup_printf("--loaders=%s", loaders);
    g_autofree char *a_keep = g_strdup_printf("--keep-metadata=%s", keep);
    g_autofree char *a_drop = g_strdup_printf("--drop-metadata=%s", drop);
    if (!rights)
        rights = config->site_rights;
    g_autofree char *a_rights = g_strdup_printf("--rights=%s", rights ? rights : "");
    g_autofree char *a_attr = g_strdup_printf("--attribution=%s", config->site_attribution
                                                                     ? config->site_attribution
                                                                     : "");
    const char *argv[] = { vt_convert_child_path(), a_input, a_id, a_dir, a_server, a_url,
                           a_max, a_tile, a_q, a_thumb, a_down, a_keep, a_drop, a_rights,
                           a_attr,
                           /* No list (a config made in code): the child's default. */
                           loaders[0] ? a_loaders : NULL, NULL };

    g_autoptr(GError) error = NULL;
    c->proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
    if (!c->proc) {
        fail_early(c, result_new(VT_ERR_TRANSIENT, "Could not start the converter %s: %s",
                                 argv[0], error->message));
        return VT_OK;
    }

    reader_start(c, &c->out, g_subprocess_get_stdout_pipe(c->proc), STDOUT_CAP, false);
    reader_start(c, &c->err, g_subprocess_get_stderr_pipe(c->proc), STDERR_CAP, true);
    c->pending++;
    g_subprocess_wait_async(c->proc, NULL, on_child_exit, c);
    if (config->convert_timeout_seconds > 0) {
        /* Not _seconds(): that one may fire up to a second early. */
        c->timeout = g_timeout_source_new((guint)config->convert_timeout_seconds * 1000u);
        g_source_set_callback(c->timeout, on_timeout, c, NULL);
        g_source_attach(c->timeout, c->context);
    }
    return VT_OK;
}
