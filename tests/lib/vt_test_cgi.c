/* vt_test_cgi.c: the search CGI run as the web server runs it (see
 * vt_test_cgi.h). */
#include "vt_test_cgi.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

char *vt_test_cgi_path(void)
{
    const char *bin = g_getenv("VT_BIN_DIR");
    if (!bin)
        return NULL;
    char *cgi = g_build_filename(bin, "vitrine-search.cgi", NULL);
    if (!g_file_test(cgi, G_FILE_TEST_IS_EXECUTABLE)) {
        g_free(cgi);
        return NULL;
    }
    return cgi;
}

char *vt_test_cgi_config_new(const char *tmp)
{
    g_autofree char *text = g_strdup_printf(
        "[vitrine]\nstate-dir=%1$s/state\noriginals-dir=%1$s/originals\n"
        "quarantine-dir=%1$s/quarantine\nspool-dir=%1$s/spool\n"
        "[images]\nserver=cantaloupe\ndir=%1$s/images\nbase-url=https://iiif.example.org/iiif/3\n"
        "[site]\ndir=%1$s/site\nbase-url=https://collection.example.org\n"
        "internal-base-url=https://intra.example.org/collection\n"
        "[department:photo]\nhotfolder=%1$s/hot\nvisibility=public\n"
        "[search]\nindex=%1$s/index\naudience=public\n",
        tmp);
    char *config = g_build_filename(tmp, "vitrine.conf", NULL);
    g_assert_true(g_file_set_contents(config, text, -1, NULL));
    /* The folders it names, as an installed site has them. */
    const char *const dirs[] = {"state", "originals", "quarantine", "spool", "images", "site", "hot"};
    for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *d = g_build_filename(tmp, dirs[i], NULL);
        g_assert_cmpint(g_mkdir_with_parents(d, 0755), ==, 0);
    }
    return config;
}

int vt_test_cgi_get(const char *cgi, const char *config, const char *query,
                    const char *const *extra, char **ret_headers, char **ret_body)
{
    GPtrArray *env = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(env, g_strdup("REQUEST_METHOD=GET"));
    g_ptr_array_add(env, g_strdup_printf("QUERY_STRING=%s", query));
    g_ptr_array_add(env, g_strdup_printf("VITRINE_CONFIG=%s", config));
    for (size_t i = 0; extra && extra[i]; i += 2)
        if (extra[i + 1])
            g_ptr_array_add(env, g_strdup_printf("%s=%s", extra[i], extra[i + 1]));
    /* The sanitizers' settings, for a sanitizer build of the CGI. */
    const char *const keep[] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"};
    for (size_t i = 0; i < G_N_ELEMENTS(keep); i++)
        if (g_getenv(keep[i]))
            g_ptr_array_add(env, g_strdup_printf("%s=%s", keep[i], g_getenv(keep[i])));
    g_ptr_array_add(env, NULL);
    char *argv[] = {(char *)cgi, NULL};
    g_autofree char *out = NULL;
    int wait_status = 0;
    GError *error = NULL;
    g_assert_true(g_spawn_sync(NULL, argv, (char **)env->pdata, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                               NULL, &out, NULL, &wait_status, &error));
    g_assert_no_error(error);
    g_ptr_array_free(env, TRUE);
    g_assert_true(g_spawn_check_wait_status(wait_status, NULL));
    char *end = strstr(out, "\r\n\r\n");
    g_assert_nonnull(end);
    int status = 0;
    g_assert_cmpint(sscanf(out, "Status: %d", &status), ==, 1);
    *ret_headers = g_strndup(out, (gsize)(end - out));
    *ret_body = g_strdup(end + 4);
    return status;
}

char *vt_test_cgi_header(const char *headers, const char *name)
{
    g_autofree char *key = g_strdup_printf("\r\n%s: ", name);
    const char *p = strstr(headers, key);
    if (!p)
        return NULL;
    p += strlen(key);
    return g_strndup(p, strcspn(p, "\r"));
}
