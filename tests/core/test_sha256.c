/* test_sha256.c: vt_sha256 (libcrypto) against GLib's GChecksum, whose hex
 * text the stored sums and the versions given out were made with. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vt_sha256.h"

static guchar *pattern(size_t n)
{
    guchar *data = g_malloc(n ? n : 1);
    guint32 x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = (guchar)x;
    }
    return data;
}

/* The digest of @data given in the pieces that @cuts (ascending offsets,
 * ending with @len) mark. */
static void hash_in_pieces(const guchar *data, size_t len, const size_t *cuts, size_t n_cuts,
                           char ret_hex[VT_SHA256_HEX_LEN + 1])
{
    vt_sha256 *h = NULL;
    g_assert_cmpint(vt_sha256_new(&h), ==, VT_OK);
    size_t at = 0;
    for (size_t i = 0; i < n_cuts; i++) {
        g_assert_cmpint(vt_sha256_update(h, data + at, cuts[i] - at), ==, VT_OK);
        at = cuts[i];
    }
    g_assert_cmpuint(at, ==, len);
    g_assert_cmpint(vt_sha256_finish(h, ret_hex), ==, VT_OK);
    vt_sha256_free(h);
}

static void test_short(void)
{
    g_autofree guchar *data = pattern(300);
    char hex[VT_SHA256_HEX_LEN + 1];
    for (size_t len = 0; len <= 300; len++) {
        g_autofree char *expected = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
        g_assert_cmpint(vt_sha256_hex(data, len, hex), ==, VT_OK);
        g_assert_cmpstr(hex, ==, expected);
        /* Two pieces, cut at every offset (an empty piece at either end). */
        for (size_t cut = 0; cut <= len; cut++) {
            size_t cuts[] = {cut, len};
            hash_in_pieces(data, len, cuts, 2, hex);
            g_assert_cmpstr(hex, ==, expected);
        }
        /* A byte at a time. */
        g_autofree size_t *each = g_new(size_t, len + 1);
        for (size_t i = 0; i < len; i++)
            each[i] = i + 1;
        hash_in_pieces(data, len, each, len, hex);
        g_assert_cmpstr(hex, ==, expected);
    }
    /* No data at all, and NULL with no bytes. */
    g_assert_cmpint(vt_sha256_hex(NULL, 0, hex), ==, VT_OK);
    g_assert_cmpstr(hex, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vt_sha256 *h = NULL;
    g_assert_cmpint(vt_sha256_new(&h), ==, VT_OK);
    g_assert_cmpint(vt_sha256_update(h, NULL, 0), ==, VT_OK);
    g_assert_cmpint(vt_sha256_finish(h, hex), ==, VT_OK);
    vt_sha256_free(h);
    g_assert_cmpstr(hex, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    vt_sha256_free(NULL);
    g_assert_cmpint(vt_sha256_hex("abc", 3, hex), ==, VT_OK);
    g_assert_cmpstr(hex, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_long(void)
{
    const size_t len = 5 * 1024 * 1024 + 13;
    g_autofree guchar *data = pattern(len);
    g_autofree char *expected = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
    char hex[VT_SHA256_HEX_LEN + 1];
    g_assert_cmpint(vt_sha256_hex(data, len, hex), ==, VT_OK);
    g_assert_cmpstr(hex, ==, expected);
    /* Uneven pieces, none on a 64-byte block's edge. */
    size_t cuts[] = {1, 65, 1000003, 1048576 + 7, 4 * 1024 * 1024 - 1, len};
    hash_in_pieces(data, len, cuts, G_N_ELEMENTS(cuts), hex);
    g_assert_cmpstr(hex, ==, expected);
}

/* An OpenSSL configuration that loads only the null provider, which has no
 * digests: every call must fail with a message, never give a wrong sum. */
static void test_no_provider(void)
{
    if (g_test_subprocess()) {
        char hex[VT_SHA256_HEX_LEN + 1] = "untouched";
        vt_sha256 *h = NULL;
        g_assert_cmpint(vt_sha256_hex("abc", 3, hex), ==, VT_ERR_INTERNAL);
        g_assert_nonnull(strstr(vt_error_message(), "SHA-256 (libcrypto)"));
        g_assert_cmpstr(hex, ==, "untouched");
        g_assert_cmpint(vt_sha256_new(&h), ==, VT_ERR_INTERNAL);
        g_assert_null(h);
        return;
    }
    g_autofree char *dir = g_dir_make_tmp("vt-sha256-XXXXXX", NULL);
    g_assert_nonnull(dir);
    g_autofree char *conf = g_build_filename(dir, "openssl.cnf", NULL);
    g_assert_true(g_file_set_contents(conf,
                                      "openssl_conf = init\n[init]\nproviders = providers\n"
                                      "[providers]\nnull = null\n[null]\nactivate = 1\n",
                                      -1, NULL));
    g_setenv("OPENSSL_CONF", conf, TRUE);
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_unsetenv("OPENSSL_CONF");
    g_unlink(conf);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sha256/short", test_short);
    g_test_add_func("/sha256/long", test_long);
    g_test_add_func("/sha256/no-provider", test_no_provider);
    return g_test_run();
}
