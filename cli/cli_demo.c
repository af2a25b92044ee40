/* cli_demo.c: `vitrine demo`: everything on an embedded default. It makes
 * sample department hotfolders and sample images (drawn with libvips, so
 * nothing is downloaded), writes a configuration beside them, and runs
 * vitrined on it until Ctrl-C. The site part of the demo comes with the
 * site generator. */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vips/vips.h>

#include "cli.h"
#include "vt_file.h"

typedef struct {
    const char *department;
    const char *name;
    int width, height;
    double r, g, b;     /* tint */
    bool grey;
} sample;

/* One intervention (2024.01234) is shot by all three departments, so the
 * demo shows an intervention across departments. */
static const sample samples[] = {
    {"photo", "2024.01234_recto.jpg", 2400, 1800, 1.0, 0.8, 0.6, false},
    {"photo", "2024.01234_verso.jpg", 1800, 2400, 0.7, 0.8, 1.0, false},
    {"photo", "2023.00042 detail raking light.jpg", 3000, 2000, 0.9, 0.9, 0.7, false},
    {"xray", "2024.01234_xray.png", 2000, 2600, 1.0, 1.0, 1.0, true},
    {"xray", "2022.10001_xray.png", 1600, 1600, 1.0, 1.0, 1.0, true},
    {"microscopy", "2024.01234_cross-section.tif", 1600, 1200, 0.8, 0.6, 0.9, false},
    {"microscopy", "2021.00777_pigment.tif", 1200, 1200, 0.6, 0.9, 0.6, false},
};

static const char *demo_config =
    "# vitrine demo configuration, written by `vitrine demo`.\n"
    "[vitrine]\n"
    "state-dir=state\n"
    "originals-dir=originals\n"
    "quarantine-dir=quarantine\n"
    "spool-dir=spool\n"
    "workers=2\n"
    "\n[images]\n"
    "server=static\n"
    "dir=images\n"
    "base-url=http://127.0.0.1:8080/iiif\n"
    "\n[site]\n"
    "dir=site\n"
    "base-url=http://127.0.0.1:8080\n"
    "\n[department:photo]\n"
    "hotfolder=hotfolders/photo\n"
    "label=Photography\n"
    "visibility=public\n"
    "intervention=^([0-9]{4}\\.[0-9]{4,5})\n"
    "settle-seconds=2\n"
    "\n[department:xray]\n"
    "hotfolder=hotfolders/xray\n"
    "label=X-ray\n"
    "visibility=public\n"
    "intervention=^([0-9]{4}\\.[0-9]{4,5})\n"
    "settle-seconds=2\n"
    "\n[department:microscopy]\n"
    "hotfolder=hotfolders/microscopy\n"
    "label=Microscopy\n"
    "visibility=internal\n"
    "intervention=^([0-9]{4}\\.[0-9]{4,5})\n"
    "settle-seconds=2\n";

/* A smooth, colourful pattern: enough structure for deep zoom to show. */
static int draw(const sample *s, const char *path)
{
    VipsImage *t[12] = {0};
    int rc = -1;

    if (vips_xyz(&t[0], s->width, s->height, NULL) ||
        vips_extract_band(t[0], &t[1], 0, NULL) || vips_extract_band(t[0], &t[2], 1, NULL))
        goto out;
    /* Rings around the centre plus a diagonal gradient. */
    double cx = s->width / 2.0, cy = s->height / 2.0;
    if (vips_linear1(t[1], &t[3], 1.0, -cx, NULL) || vips_linear1(t[2], &t[4], 1.0, -cy, NULL) ||
        vips_multiply(t[3], t[3], &t[5], NULL) || vips_multiply(t[4], t[4], &t[6], NULL) ||
        vips_add(t[5], t[6], &t[7], NULL) || vips_pow_const1(t[7], &t[8], 0.5, NULL) ||
        vips_math(t[8], &t[9], VIPS_OPERATION_MATH_SIN, NULL))
        goto out;
    double k = 127.0, c = 128.0;
    if (vips_linear1(t[9], &t[10], k, c, NULL))
        goto out;
    if (s->grey) {
        if (vips_cast_uchar(t[10], &t[11], NULL) || vips_image_write_to_file(t[11], path, NULL))
            goto out;
    } else {
        double mul[3] = {s->r, s->g, s->b}, add[3] = {0, 0, 0};
        VipsImage *rgb = NULL, *tinted = NULL, *u8 = NULL;
        VipsImage *bands[3] = {t[10], t[10], t[10]};
        if (vips_bandjoin(bands, &rgb, 3, NULL) ||
            vips_linear(rgb, &tinted, mul, add, 3, NULL) || vips_cast_uchar(tinted, &u8, NULL) ||
            vips_copy(u8, &t[11], "interpretation", VIPS_INTERPRETATION_sRGB, NULL) ||
            vips_image_write_to_file(t[11], path, "Q", 90, NULL)) {
            if (rgb) g_object_unref(rgb);
            if (tinted) g_object_unref(tinted);
            if (u8) g_object_unref(u8);
            goto out;
        }
        g_object_unref(rgb);
        g_object_unref(tinted);
        g_object_unref(u8);
    }
    rc = 0;
out:
    for (size_t i = 0; i < G_N_ELEMENTS(t); i++)
        if (t[i])
            g_object_unref(t[i]);
    if (rc) {
        fprintf(stderr, "vitrine demo: cannot draw %s: %s\n", path, vips_error_buffer());
        vips_error_clear();
    }
    return rc;
}

static char *sibling_binary(const char *name)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    if (self) {
        g_autofree char *dir = g_path_get_dirname(self);
        char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
            return path;
        g_free(path);
        /* Installed: vitrine in bin/, vitrined in sbin/. */
        g_autofree char *prefix = g_path_get_dirname(dir);
        path = g_build_filename(prefix, "sbin", name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
            return path;
        g_free(path);
    }
    return g_find_program_in_path(name);
}

static GPid daemon_pid;

static gboolean forward_signal(gpointer data)
{
    if (daemon_pid > 0)
        kill(daemon_pid, SIGTERM);
    return G_SOURCE_CONTINUE;
}

static void daemon_exited(GPid pid, gint status, gpointer data)
{
    int *ret = data;
    *ret = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    g_spawn_close_pid(pid);
    daemon_pid = 0;
}

int cli_demo(cli_context *ctx, int argc, char **argv)
{
    g_autofree char *dir_opt = NULL;
    gboolean no_daemon = FALSE;
    GOptionEntry entries[] = {
        {"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir_opt, "Where the demo lives (default ./vitrine-demo)",
         "DIR"},
        {"prepare-only", 0, 0, G_OPTION_ARG_NONE, &no_daemon,
         "Make the hotfolders, samples and config, then exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!cli_parse("demo", "sample hotfolders and images, and vitrined on them, until Ctrl-C",
                   entries, &argc, &argv))
        return 2;
    if (VIPS_INIT(argv[0]))
        return 1;
    g_autofree char *dir = g_canonicalize_filename(dir_opt ? dir_opt : "vitrine-demo", NULL);
    g_autofree char *conf = g_build_filename(dir, "vitrine.conf", NULL);
    g_autofree char *staging = g_build_filename(dir, ".staging", NULL);

    if (vt_file_mkdirs(staging) != VT_OK) {
        fprintf(stderr, "vitrine demo: %s\n", vt_error_message());
        return 1;
    }
    if (!g_file_test(conf, G_FILE_TEST_EXISTS) &&
        vt_file_write_atomic(conf, demo_config, strlen(demo_config)) != VT_OK) {
        fprintf(stderr, "vitrine demo: %s\n", vt_error_message());
        return 1;
    }
    g_autofree char *marker = g_build_filename(dir, "state", "samples-made", NULL);
    if (!g_file_test(marker, G_FILE_TEST_EXISTS)) {
        printf("Drawing %zu sample images...\n", G_N_ELEMENTS(samples));
        for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
            const sample *s = &samples[i];
            g_autofree char *hot = g_build_filename(dir, "hotfolders", s->department, NULL);
            g_autofree char *tmp = g_build_filename(staging, s->name, NULL);
            g_autofree char *dst = g_build_filename(hot, s->name, NULL);
            if (vt_file_mkdirs(hot) != VT_OK || draw(s, tmp) != 0)
                return 1;
            /* Whole files only: a rename is what a careful copier does. */
            if (rename(tmp, dst) != 0) {
                fprintf(stderr, "vitrine demo: cannot move %s: %s\n", tmp, g_strerror(errno));
                return 1;
            }
        }
        g_autofree char *state = g_build_filename(dir, "state", NULL);
        vt_file_mkdirs(state);
        vt_file_write_atomic(marker, "1\n", 2);
    }
    g_rmdir(staging);
    vips_shutdown();

    printf("Demo in %s\n  configuration: %s\n", dir, conf);
    printf("  hotfolders:    %s/hotfolders/{photo,xray,microscopy}\n", dir);
    printf("  see assets:    vitrine -c %s list\n", conf);
    if (no_daemon)
        return 0;

    g_autofree char *vitrined = sibling_binary("vitrined");
    if (!vitrined) {
        fprintf(stderr, "vitrine demo: cannot find vitrined next to vitrine or on PATH\n");
        return 1;
    }
    char *child_argv[] = {vitrined, (char *)"-c", conf, NULL};
    GError *err = NULL;
    if (!g_spawn_async(NULL, child_argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &daemon_pid,
                       &err)) {
        fprintf(stderr, "vitrine demo: cannot start vitrined: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    printf("vitrined is running (pid %d). Drop images into a hotfolder; Ctrl-C stops the demo.\n",
           (int)daemon_pid);
    fflush(stdout);
    int rc = 0;
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGINT, forward_signal, NULL);
    g_unix_signal_add(SIGTERM, forward_signal, NULL);
    g_child_watch_add(daemon_pid, daemon_exited, &rc);
    while (daemon_pid > 0)
        g_main_context_iteration(NULL, TRUE);
    g_main_loop_unref(loop);
    return rc;
}
