/* vt_error.h: status codes and the per-thread error message.
 *
 * Every vitrine function that can fail returns a vt_status. The function
 * that *detects* a failure sets a human message once with vt_error_set()
 * (which returns the code, so `return vt_error_set(...)` reads naturally);
 * callers pass the code up unchanged and do not overwrite the message.
 * Only entry points (vitrined, vitrine, CGIs) print or log it, with
 * vt_error_message().
 *
 * The message lives in thread-local storage, so worker threads never see
 * each other's errors. It stays valid until the next vt_error_set() or
 * vt_error_clear() on the same thread.
 */
#ifndef VT_ERROR_H
#define VT_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VT_OK = 0,
    VT_ERR_NOMEM,      /* out of memory */
    VT_ERR_IO,         /* a file system call failed (errno in the message) */
    VT_ERR_CONFIG,     /* the configuration is invalid */
    VT_ERR_STORE,      /* LMDB failed */
    VT_ERR_NOT_FOUND,  /* no such asset, file, key */
    VT_ERR_EXISTS,     /* it is already there */
    VT_ERR_INVALID,    /* malformed input from outside (request, sidecar, name) */
    VT_ERR_LIMIT,      /* input over a configured or built-in limit */
    VT_ERR_BAD_IMAGE,  /* the file is not an image vitrine can convert */
    VT_ERR_TRANSIENT,  /* try again later: disk full, target not writable */
    VT_ERR_BUSY,       /* another process holds the store or the lock */
    VT_ERR_UNSAFE_PATH,/* a path crosses a symbolic link, or would leave its root */
    VT_ERR_INTERNAL    /* a bug, or a library failing in an unexpected way */
} vt_status;

/* A short, fixed description of a status code. Never NULL. */
const char *vt_strerror(vt_status status);

/* Sets this thread's message and returns @status unchanged. */
vt_status vt_error_set(vt_status status, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Like vt_error_set(), with ": <strerror(errnum)>" appended. */
vt_status vt_error_set_errno(vt_status status, int errnum, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* This thread's last message (borrowed), or vt_strerror() of nothing: "". */
const char *vt_error_message(void);

void vt_error_clear(void);

G_END_DECLS

#endif
