/* vt_sha256.c: see vt_sha256.h. */
#include "vt_sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#define HASH_CHUNK (1 << 20)

struct vt_sha256 {
    EVP_MD_CTX *ctx;
};

/* OpenSSL 3 looks an algorithm up by name in its providers on every
 * EVP_sha256()-style use; the digest fetched once is kept for the life of
 * the process (it is one small object, shared by all threads). The first
 * fetch also starts OpenSSL (its configuration, the default provider: 2.4
 * million instructions), so one thread fetches while the others wait. A
 * failed fetch is not kept: the next call tries again and has its own
 * reason. */
static EVP_MD *sha256_md;
static GMutex sha256_md_lock;

/* Sets the vt_error message from the oldest error OpenSSL queued on this
 * thread, and empties the queue for the next call. */
static vt_status crypto_error(const char *what)
{
    char reason[256] = "no reason given";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    ERR_clear_error();
    return vt_error_set(VT_ERR_INTERNAL, "SHA-256 (libcrypto): %s failed: %s", what, reason);
}

static const EVP_MD *get_md(void)
{
    EVP_MD *md = g_atomic_pointer_get(&sha256_md);
    if (md)
        return md;
    g_mutex_lock(&sha256_md_lock);
    md = g_atomic_pointer_get(&sha256_md);
    if (!md) {
        md = EVP_MD_fetch(NULL, "SHA256", NULL);
        g_atomic_pointer_set(&sha256_md, md);
    }
    g_mutex_unlock(&sha256_md_lock);
    return md;
}

static void to_hex(const unsigned char *digest, char ret_hex[VT_SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < VT_SHA256_HEX_LEN / 2; i++) {
        ret_hex[2 * i] = digits[digest[i] >> 4];
        ret_hex[2 * i + 1] = digits[digest[i] & 15];
    }
    ret_hex[VT_SHA256_HEX_LEN] = '\0';
}

vt_status vt_sha256_new(vt_sha256 **ret_hasher)
{
    const EVP_MD *md = get_md();
    if (!md)
        return crypto_error("fetching the digest");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return crypto_error("making a context");
    if (!EVP_DigestInit_ex2(ctx, md, NULL)) {
        EVP_MD_CTX_free(ctx);
        return crypto_error("starting a digest");
    }
    vt_sha256 *h = g_new(vt_sha256, 1);
    h->ctx = ctx;
    *ret_hasher = h;
    return VT_OK;
}

vt_status vt_sha256_update(vt_sha256 *hasher, const void *data, size_t len)
{
    if (len && !EVP_DigestUpdate(hasher->ctx, data, len))
        return crypto_error("hashing");
    return VT_OK;
}

vt_status vt_sha256_finish(vt_sha256 *hasher, char ret_hex[VT_SHA256_HEX_LEN + 1])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    if (!EVP_DigestFinal_ex(hasher->ctx, digest, NULL))
        return crypto_error("finishing a digest");
    to_hex(digest, ret_hex);
    return VT_OK;
}

void vt_sha256_free(vt_sha256 *hasher)
{
    if (!hasher)
        return;
    EVP_MD_CTX_free(hasher->ctx);
    g_free(hasher);
}

vt_status vt_sha256_hex(const void *data, size_t len, char ret_hex[VT_SHA256_HEX_LEN + 1])
{
    const EVP_MD *md = get_md();
    if (!md)
        return crypto_error("fetching the digest");
    unsigned char digest[EVP_MAX_MD_SIZE];
    /* EVP_Digest() wants a pointer even for no bytes. */
    if (!EVP_Digest(len ? data : "", len, digest, NULL, md, NULL))
        return crypto_error("hashing");
    to_hex(digest, ret_hex);
    return VT_OK;
}

/* ------------------------------------------------------------ files */

vt_status vt_sha256_fd(int fd, const char *name, char ret_hex[VT_SHA256_HEX_LEN + 1],
                       uint64_t *ret_size)
{
    vt_sha256 *sum = NULL;
    vt_status st = vt_sha256_new(&sum);
    if (st != VT_OK)
        return st;
    guchar *buf = g_malloc(HASH_CHUNK);
    uint64_t total = 0;

    for (;;) {
        ssize_t n = read(fd, buf, HASH_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = vt_error_set_errno(VT_ERR_IO, errno, "cannot read %s", name);
            break;
        }
        if (n == 0)
            break;
        st = vt_sha256_update(sum, buf, (size_t)n);
        if (st != VT_OK)
            break;
        total += (uint64_t)n;
    }
    char hex[VT_SHA256_HEX_LEN + 1];
    if (st == VT_OK)
        st = vt_sha256_finish(sum, hex);
    if (st == VT_OK) {
        memcpy(ret_hex, hex, sizeof hex);
        if (ret_size)
            *ret_size = total;
    }
    g_free(buf);
    vt_sha256_free(sum);
    return st;
}

vt_status vt_sha256_path(const char *path, char ret_hex[VT_SHA256_HEX_LEN + 1],
                         uint64_t *ret_size)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open %s", path);
    /* Reading ahead in big strides is what a whole-file hash wants. */
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    vt_status st = vt_sha256_fd(fd, path, ret_hex, ret_size);
    close(fd);
    return st;
}
