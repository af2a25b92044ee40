/* replay.c: runs a fuzz target over every file of a corpus folder, so that a
 * plain (or sanitizer) build checks the corpus under ctest without libFuzzer.
 * Usage: fuzz_NAME CORPUS_DIR [FILE...] */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *err = NULL;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        fprintf(stderr, "replay: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    g_free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [FILE...]\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        GDir *dir = g_dir_open(argv[i], 0, NULL);
        if (!dir) {
            failed += replay_file(argv[i]);
            files++;
            continue;
        }
        const char *name;
        while ((name = g_dir_read_name(dir))) {
            gchar *path = g_build_filename(argv[i], name, NULL);
            failed += replay_file(path);
            files++;
            g_free(path);
        }
        g_dir_close(dir);
    }
    printf("replayed %d inputs, %d unreadable\n", files, failed);
    return (files == 0 || failed) ? 1 : 0;
}
