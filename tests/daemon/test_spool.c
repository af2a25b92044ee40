/* Tests of vt_spool: order, removal after success, rejection with reason. */
#include <fcntl.h>
#include <glib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "vt_spool.h"

typedef struct {
    GPtrArray *seen;
} seen_ctx;

static vt_status take_fn(const json_t *req, const char *name, void *data)
{
    seen_ctx *c = data;
    const char *action = json_string_value(json_object_get(req, "action"));
    g_ptr_array_add(c->seen, g_strdup(action));
    if (strcmp(action, "refuse") == 0)
        return vt_error_set(VT_ERR_INVALID, "refused on purpose");
    return VT_OK;
}

static unsigned count_files(const char *dir, const char *suffix)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    unsigned n = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d)))
        n += g_str_has_suffix(name, suffix);
    if (d)
        g_dir_close(d);
    return n;
}

static void test_spool(void)
{
    g_autofree char *tmp = g_dir_make_tmp("vt-spool-XXXXXX", NULL);
    g_autofree char *spool = g_build_filename(tmp, "spool", NULL);
    const char *actions[] = {"first", "refuse", "third"};
    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
        json_t *req = json_pack("{s:i, s:s}", "v", 1, "action", actions[i]);
        g_autofree char *name = NULL;
        g_assert_cmpint(vt_spool_submit(spool, req, &name), ==, VT_OK);
        g_assert_true(g_str_has_suffix(name, ".json"));
        json_decref(req);
        g_usleep(1000);   /* distinct microsecond prefixes, so order is by time */
    }
    /* Garbage from outside is rejected, not dropped. */
    g_autofree char *junk = g_build_filename(spool, "0000000000000000-1-junk.json", NULL);
    g_assert_true(g_file_set_contents(junk, "{not json", -1, NULL));

    seen_ctx c = {g_ptr_array_new_with_free_func(g_free)};
    unsigned taken = 0;
    g_assert_cmpint(vt_spool_take(spool, take_fn, &c, &taken), ==, VT_OK);
    g_assert_cmpuint(taken, ==, 4);
    g_assert_cmpuint(c.seen->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(c.seen, 0), ==, "first");
    g_assert_cmpstr(g_ptr_array_index(c.seen, 1), ==, "refuse");
    g_assert_cmpstr(g_ptr_array_index(c.seen, 2), ==, "third");
    g_assert_cmpuint(count_files(spool, ".json"), ==, 0);

    g_autofree char *rejected = g_build_filename(spool, "rejected", NULL);
    g_assert_cmpuint(count_files(rejected, ".json"), ==, 2);
    g_assert_cmpuint(count_files(rejected, ".reason.txt"), ==, 2);
    g_autofree char *why_path = g_build_filename(rejected, "0000000000000000-1-junk.json.reason.txt",
                                                 NULL);
    g_autofree char *why = NULL;
    g_assert_true(g_file_get_contents(why_path, &why, NULL, NULL));
    g_assert_nonnull(strstr(why, "not valid JSON"));

    /* Nothing pending: nothing taken. */
    g_ptr_array_set_size(c.seen, 0);
    g_assert_cmpint(vt_spool_take(spool, take_fn, &c, &taken), ==, VT_OK);
    g_assert_cmpuint(taken, ==, 0);
    g_ptr_array_free(c.seen, TRUE);

    /* A missing spool folder is not an error: nothing was ever submitted. */
    g_autofree char *none = g_build_filename(tmp, "none", NULL);
    g_assert_cmpint(vt_spool_take(none, take_fn, &c, &taken), ==, VT_OK);

    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
    g_assert_cmpint(system(cmd), ==, 0);
}

static char *read_reason(const char *spool, const char *name)
{
    g_autofree char *path = g_strdup_printf("%s/rejected/%s.reason.txt", spool, name);
    char *why = NULL;
    g_assert_true(g_file_get_contents(path, &why, NULL, NULL));
    return why;
}

/* Hostile entries (issue 13, High 3): a FIFO used to block the loop in
 * open() for ever; a sparse file and a link to /dev/zero made the daemon
 * read gigabytes; a link to /etc/passwd leaked its first word in the
 * reason. Each is now moved aside once, unread or read up to the cap, with
 * a reason that quotes nothing. */
static void test_hostile(void)
{
    g_autofree char *tmp = g_dir_make_tmp("vt-spool-XXXXXX", NULL);
    g_autofree char *spool = g_build_filename(tmp, "spool", NULL);
    g_assert_cmpint(g_mkdir(spool, 0750), ==, 0);
    g_autofree char *secret = g_build_filename(tmp, "secret.txt", NULL);
    g_assert_true(g_file_set_contents(secret, "rootpassword:x:0:0\n", -1, NULL));

    g_autofree char *fifo = g_build_filename(spool, "1-fifo.json", NULL);
    g_assert_cmpint(mkfifo(fifo, 0640), ==, 0);
    g_autofree char *lnk = g_build_filename(spool, "2-link.json", NULL);
    g_assert_cmpint(symlink(secret, lnk), ==, 0);
    g_autofree char *zero = g_build_filename(spool, "3-zero.json", NULL);
    g_assert_cmpint(symlink("/dev/zero", zero), ==, 0);
    g_autofree char *sparse = g_build_filename(spool, "4-sparse.json", NULL);
    int fd = open(sparse, O_WRONLY | O_CREAT, 0640);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)1536 << 20), ==, 0);   /* 1.5 GB, no blocks */
    close(fd);
    g_autofree char *text = g_build_filename(spool, "5-text.json", NULL);
    g_assert_true(g_file_set_contents(text, "rootpassword:x:0:0", -1, NULL));
    g_autofree char *hard = g_build_filename(spool, "6-hard.json", NULL);
    g_assert_cmpint(link(secret, hard), ==, 0);
    g_autofree char *dir = g_build_filename(spool, "7-dir.json", NULL);
    g_assert_cmpint(g_mkdir(dir, 0750), ==, 0);

    seen_ctx c = {g_ptr_array_new_with_free_func(g_free)};
    unsigned taken = 0;
    g_assert_cmpint(vt_spool_take(spool, take_fn, &c, &taken), ==, VT_OK);
    g_assert_cmpuint(taken, ==, 7);
    g_assert_cmpuint(c.seen->len, ==, 0);
    g_assert_cmpuint(count_files(spool, ".json"), ==, 0);

    g_autofree char *w1 = read_reason(spool, "1-fifo.json");
    g_assert_nonnull(strstr(w1, "not a regular file (a FIFO)"));
    g_autofree char *w2 = read_reason(spool, "2-link.json");
    g_assert_nonnull(strstr(w2, "symbolic link"));
    g_autofree char *w3 = read_reason(spool, "3-zero.json");
    g_assert_nonnull(strstr(w3, "symbolic link"));
    g_autofree char *w4 = read_reason(spool, "4-sparse.json");
    g_assert_nonnull(strstr(w4, "over the limit"));
    g_autofree char *w5 = read_reason(spool, "5-text.json");
    g_assert_nonnull(strstr(w5, "not valid JSON"));
    g_assert_null(strstr(w5, "root"));
    g_autofree char *w6 = read_reason(spool, "6-hard.json");
    g_assert_nonnull(strstr(w6, "links"));
    g_autofree char *w7 = read_reason(spool, "7-dir.json");
    g_assert_nonnull(strstr(w7, "folder"));
    /* The link was moved as a link; its target is untouched. */
    g_autofree char *kept = NULL;
    g_assert_true(g_file_get_contents(secret, &kept, NULL, NULL));
    g_assert_cmpstr(kept, ==, "rootpassword:x:0:0\n");

    /* Moved, so never read again. */
    g_assert_cmpint(vt_spool_take(spool, take_fn, &c, &taken), ==, VT_OK);
    g_assert_cmpuint(taken, ==, 0);

    /* rejected/ swapped for a link to elsewhere: nothing is written there. */
    g_autofree char *rejected = g_build_filename(spool, "rejected", NULL);
    g_autofree char *away = g_build_filename(tmp, "away", NULL);
    g_assert_cmpint(g_rename(rejected, away), ==, 0);
    g_autofree char *elsewhere = g_build_filename(tmp, "elsewhere", NULL);
    g_assert_cmpint(g_mkdir(elsewhere, 0750), ==, 0);
    g_assert_cmpint(symlink(elsewhere, rejected), ==, 0);
    g_assert_true(g_file_set_contents(text, "{not json", -1, NULL));
    /* The daemon warns that it cannot write the reason: expected here. */
    GLogLevelFlags fatal = g_log_set_always_fatal(G_LOG_FATAL_MASK);
    g_assert_cmpint(vt_spool_take(spool, take_fn, &c, &taken), ==, VT_OK);
    g_assert_cmpuint(taken, ==, 1);
    g_log_set_always_fatal(fatal);
    g_assert_cmpuint(count_files(elsewhere, ""), ==, 0);
    g_assert_false(g_file_test(text, G_FILE_TEST_EXISTS));
    g_ptr_array_free(c.seen, TRUE);

    /* Answers go to answers/ under the given folder, never outside it. */
    json_t *ans = json_pack("{s:s}", "status", "saved");
    g_assert_cmpint(vt_spool_answer(spool, "1-fifo.json", ans), ==, VT_OK);
    g_assert_cmpint(vt_spool_answer(spool, "../x.json", ans), ==, VT_ERR_INVALID);
    json_decref(ans);
    g_autofree char *answers = g_build_filename(spool, VT_SPOOL_ANSWERS, NULL);
    g_assert_cmpuint(count_files(answers, ".json"), ==, 1);

    /* Answers nobody read are pruned after their age; fresh ones stay. */
    json_t *ans2 = json_pack("{s:s}", "status", "saved");
    g_assert_cmpint(vt_spool_answer(spool, "2-old.json", ans2), ==, VT_OK);
    json_decref(ans2);
    g_autofree char *old_answer = g_build_filename(answers, "2-old.json", NULL);
    struct timespec times[2] = {{.tv_sec = time(NULL) - 7200}, {.tv_sec = time(NULL) - 7200}};
    g_assert_cmpint(utimensat(AT_FDCWD, old_answer, times, 0), ==, 0);
    vt_spool_prune_answers(spool, 3600);
    g_assert_false(g_file_test(old_answer, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(count_files(answers, ".json"), ==, 1);

    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
    g_assert_cmpint(system(cmd), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/spool/order-and-rejection", test_spool);
    g_test_add_func("/spool/hostile", test_hostile);
    return g_test_run();
}
