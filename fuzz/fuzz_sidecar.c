/* fuzz_sidecar.c: vt_sidecar_parse on arbitrary bytes, read both as a
 * NAME.json and as a NAME.xmp sidecar (staff and their software write
 * them; a hotfolder takes whatever is dropped in).
 *
 * Besides "no crash, no leak, no hang", it checks what callers rely on: a
 * result passes vt_meta_check_fields(), a failure leaves the result alone,
 * is a documented code and names the file; violations abort(). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_meta.h"
#include "vt_sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *name, const uint8_t *data, size_t size)
{
    json_t *fields = (json_t *)(uintptr_t)0x1;
    vt_status status = vt_sidecar_parse(name, (const char *)data, size, &fields);
    if (status == VT_OK) {
        if (vt_meta_check_fields(fields) != VT_OK)
            abort();
        json_decref(fields);
    } else if (fields != (json_t *)(uintptr_t)0x1
               || (status != VT_ERR_INVALID && status != VT_ERR_LIMIT
                   && status != VT_ERR_NOMEM)
               || strncmp(vt_error_message(), "sidecar ", 8) != 0) {
        abort();
    }
    vt_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one("IMG_0001.json", data, size);
    one("IMG_0001.xmp", data, size);
    return 0;
}
