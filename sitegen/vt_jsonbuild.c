/* vt_jsonbuild.c: see vt_jsonbuild.h. */
#include "vt_jsonbuild.h"

#include <stdarg.h>

json_t *vt_jsonbuild_text(const char *text)
{
    return text ? json_string_nocheck(text) : json_null();
}

json_t *vt_jsonbuild_string(const char *text)
{
    return text ? json_string(text) : json_null();
}

json_t *vt_jsonbuild_object(const char *key, ...)
{
    json_t *obj = json_object();
    bool failed = obj == NULL;
    va_list ap;
    va_start(ap, key);
    for (; key; key = va_arg(ap, const char *)) {
        json_t *value = va_arg(ap, json_t *);
        /* Go on to the end: every value is stolen, also after a failure. */
        if (failed || !value) {
            json_decref(value);
            failed = true;
        } else if (json_object_set_new_nocheck(obj, key, value) != 0) {
            failed = true; /* jansson freed the value */
        }
    }
    va_end(ap);
    if (failed) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

void vt_jsonbuild_set(json_t **obj, const char *key, json_t *value, bool optional)
{
    if (!*obj || !value) {
        json_decref(value);
        if (!value && optional)
            return;
        g_clear_pointer(obj, json_decref);
        return;
    }
    if (json_object_set_new_nocheck(*obj, key, value) != 0)
        g_clear_pointer(obj, json_decref); /* jansson freed the value */
}
