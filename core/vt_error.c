/* vt_error.c: see vt_error.h. */
#include "vt_error.h"

#include <stdarg.h>
#include <string.h>

/* One message per thread; the GPrivate frees it when the thread ends. */
static GPrivate error_message = G_PRIVATE_INIT(g_free);

const char *vt_strerror(vt_status status)
{
    /* No default: the compiler flags a status without a message. */
    switch (status) {
    case VT_OK:            return "no error";
    case VT_ERR_NOMEM:     return "out of memory";
    case VT_ERR_IO:        return "input/output error";
    case VT_ERR_CONFIG:    return "invalid configuration";
    case VT_ERR_STORE:     return "state store error";
    case VT_ERR_NOT_FOUND: return "not found";
    case VT_ERR_EXISTS:    return "already exists";
    case VT_ERR_INVALID:   return "invalid input";
    case VT_ERR_LIMIT:     return "over a limit";
    case VT_ERR_BAD_IMAGE: return "not a usable image";
    case VT_ERR_TRANSIENT: return "temporary failure";
    case VT_ERR_BUSY:      return "busy";
    case VT_ERR_UNSAFE_PATH: return "unsafe path";
    case VT_ERR_INTERNAL:  return "internal error";
    }
    return "unknown status";
}

static vt_status set_message(vt_status status, gchar *message)
{
    g_private_replace(&error_message, message);
    return status;
}

vt_status vt_error_set(vt_status status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gchar *message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return set_message(status, message);
}

vt_status vt_error_set_errno(vt_status status, int errnum, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gchar *head = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gchar *message = g_strdup_printf("%s: %s", head, g_strerror(errnum));
    g_free(head);
    return set_message(status, message);
}

const char *vt_error_message(void)
{
    const char *message = g_private_get(&error_message);
    return message ? message : "";
}

void vt_error_clear(void)
{
    g_private_replace(&error_message, NULL);
}
