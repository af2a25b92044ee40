/* vt-bench-index: loads a search index from JSON lines (bench/search; not a
 * test, not installed).
 *
 * Usage: vt-bench-index [--synonyms GROUPS.json] [--batch N] INDEX_DIR [DOCS.jsonl]
 * Every line of DOCS.jsonl (standard input without it or with "-") is one
 * document in vt_index_put's shape; blank lines are skipped. The index is
 * committed every N documents (default 5000, as the daemon batches), and
 * once at the end; GROUPS.json is a JSON array of synonym groups
 * (vt_index_set_synonyms). Prints one line to stdout:
 *   "indexed N documents in S s (R docs/s)".
 * Exits 0 on success, 1 with the line number and message on stderr on the
 * first bad line or index failure (what was committed before stays), 2 on
 * bad usage. Single-threaded, like the daemon's index writer.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vt_index.h"

/* One document line at most: vt_index_put's own limits (10,000 values of
 * 64 KiB) are far above what a benchmark record needs; this cap only keeps
 * a broken input file from growing the buffer without end. */
#define LINE_MAX_BYTES (8 * 1024 * 1024)
#define BATCH_DEFAULT  5000

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--synonyms GROUPS.json] [--batch N] INDEX_DIR [DOCS.jsonl]\n", argv0);
    return 2;
}

/* Puts every line of @in into @index, committing every @batch documents.
 * *ret_count is set to the number of documents put (also on failure, for
 * the message). */
static vt_status load(vt_index *index, FILE *in, const char *name, long batch, long *ret_count)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, count = 0;
    vt_status st = VT_OK;

    errno = 0;
    while (st == VT_OK && (len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (len > LINE_MAX_BYTES) {
            st = vt_error_set(VT_ERR_LIMIT, "%s:%ld: line over %d bytes", name, lineno, LINE_MAX_BYTES);
            break;
        }
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue;
        json_error_t jerr;
        json_t *doc = json_loadb(line, (size_t)len, 0, &jerr);
        if (!doc) {
            st = vt_error_set(VT_ERR_INVALID, "%s:%ld: %s", name, lineno, jerr.text);
            break;
        }
        st = vt_index_put(index, doc);
        json_decref(doc);
        if (st != VT_OK)
            break;
        if (++count % batch == 0)
            st = vt_index_commit(index);
    }
    if (st == VT_OK && ferror(in))
        st = vt_error_set_errno(VT_ERR_IO, errno, "%s: read failed", name);
    free(line);
    *ret_count = count;
    return st;
}

int main(int argc, char **argv)
{
    const char *synonyms_path = NULL;
    long batch = BATCH_DEFAULT;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--synonyms") == 0 && i + 1 < argc) {
            synonyms_path = argv[++i];
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            char *end;
            batch = strtol(argv[++i], &end, 10);
            if (*end || batch < 1 || batch > 10000000)
                return usage(argv[0]);
        } else {
            return usage(argv[0]);
        }
    }
    if (argc - i < 1 || argc - i > 2)
        return usage(argv[0]);
    const char *dir = argv[i];
    const char *docs_path = argc - i == 2 ? argv[i + 1] : "-";

    json_t *groups = NULL;
    if (synonyms_path) {
        json_error_t jerr;
        groups = json_load_file(synonyms_path, 0, &jerr);
        if (!json_is_array(groups)) {
            fprintf(stderr, "vt-bench-index: %s: %s (line %d)\n", synonyms_path,
                    groups ? "not a JSON array" : jerr.text, jerr.line);
            json_decref(groups);
            return 1;
        }
    }
    FILE *in = strcmp(docs_path, "-") == 0 ? stdin : fopen(docs_path, "re");
    if (!in) {
        fprintf(stderr, "vt-bench-index: %s: %s\n", docs_path, strerror(errno));
        json_decref(groups);
        return 1;
    }

    double start = now_seconds();
    long count = 0;
    vt_index *index = NULL;
    vt_status st = vt_index_open(dir, true, &index);
    if (st == VT_OK && groups)
        st = vt_index_set_synonyms(index, groups);
    if (st == VT_OK)
        st = load(index, in, docs_path, batch, &count);
    if (st == VT_OK)
        st = vt_index_commit(index);
    vt_index_close(index);
    double seconds = now_seconds() - start;

    if (in != stdin)
        fclose(in);
    json_decref(groups);
    if (st != VT_OK) {
        fprintf(stderr, "vt-bench-index: %s (after %ld documents)\n", vt_error_message(), count);
        return 1;
    }
    printf("indexed %ld documents in %.2f s (%.0f docs/s)\n", count, seconds,
           seconds > 0 ? (double)count / seconds : 0.0);
    return 0;
}
