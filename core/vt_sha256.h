/* vt_sha256.h: SHA-256 in lowercase hex, by OpenSSL's libcrypto: the
 * originals' fixity.
 *
 * Every original is hashed when it is archived (the pipeline's file jobs)
 * and again by `vitrine verify`, over the whole archive. libcrypto uses the
 * CPU's SHA instructions where it has them: on a machine with them some
 * four times GLib's GChecksum, which is plain C (a 500 MB file in 0.5 s
 * against 2.1 s). The hex text is g_checksum_get_string()'s, byte for byte,
 * so the sums stored before stay valid.
 *
 * Only the programs that hash originals link this module (vitrine,
 * vitrined): the CGIs are a process per request, and loading libcrypto
 * would cost each one more than it hashes. Short texts (versions, names,
 * annotation ids) are hashed with GChecksum where they are made.
 *
 * All functions are thread-safe; a hasher is used by one thread at a time.
 * libcrypto fails only when memory runs out or when the system's OpenSSL
 * configuration offers no SHA-256; then the functions set the vt_error
 * message, with OpenSSL's reason, and no sum is given.
 */
#ifndef VT_SHA256_H
#define VT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "vt_error.h"

#define VT_SHA256_HEX_LEN 64

typedef struct vt_sha256 vt_sha256;

/* A hasher for data given in pieces. Caller frees with vt_sha256_free. */
vt_status vt_sha256_new(vt_sha256 **ret_hasher);

/* Adds @len bytes at @data (NULL if @len is 0). */
vt_status vt_sha256_update(vt_sha256 *hasher, const void *data, size_t len);

/* The digest of everything added, as 64 lowercase hex digits and a NUL.
 * The hasher can be used only for vt_sha256_free afterwards. */
vt_status vt_sha256_finish(vt_sha256 *hasher, char ret_hex[VT_SHA256_HEX_LEN + 1]);

/* NULL is a no-op. */
void vt_sha256_free(vt_sha256 *hasher);

/* The digest of @len bytes at @data, in one call. */
vt_status vt_sha256_hex(const void *data, size_t len, char ret_hex[VT_SHA256_HEX_LEN + 1]);

/* Streams @fd from its current offset to the end; @ret_size (may be NULL)
 * gets the bytes read. @name_for_errors names it in messages. */
vt_status vt_sha256_fd(int fd, const char *name_for_errors, char ret_hex[VT_SHA256_HEX_LEN + 1],
                       uint64_t *ret_size);

/* Opens @path without following a final symbolic link and hashes it. */
vt_status vt_sha256_path(const char *path, char ret_hex[VT_SHA256_HEX_LEN + 1],
                         uint64_t *ret_size);

#endif
