/* fuzz_edit_request.c: the edit CGI's and vitrined's reading of a web edit
 * request (vt_staff_request_parse), on arbitrary bytes.
 *
 * The input is parsed as JSON the way the CGI reads a body (duplicates
 * refused), then read both as an HTTP body and as a spool file. Besides "no
 * crash, no leak, no hang" it checks what the daemon relies on: on success
 * at least one and at most VT_STAFF_IDS_MAX ids, an edit that passes
 * vt_meta_apply_edit, a user on every spool reading, and a spool file made
 * from a body reading back to the same request. Violations abort(). */
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_meta.h"
#include "vt_staff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    json_error_t err;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (!obj)
        return 0;
    for (int from_spool = 0; from_spool < 2; from_spool++) {
        vt_staff_request *r = NULL;
        vt_status st = vt_staff_request_parse(obj, from_spool, &r);
        check((st == VT_OK) == (r != NULL));
        if (!r)
            continue;
        check(r->n_ids >= 1 && r->n_ids <= VT_STAFF_IDS_MAX && r->ids[r->n_ids] == NULL);
        check(!from_spool || vt_staff_user_valid(r->user));
        if (r->kind == VT_STAFF_EDIT_METADATA || r->kind == VT_STAFF_VISIBILITY) {
            json_t *scratch = json_object();
            check(vt_meta_apply_edit(scratch, r->edit, NULL, NULL) == VT_OK);
            json_decref(scratch);
        }
        if (!from_spool) {
            json_t *spool = vt_staff_request_to_spool(r, "fuzz", r->if_match);
            vt_staff_request *again = NULL;
            check(vt_staff_request_parse(spool, true, &again) == VT_OK);
            check(again->n_ids == r->n_ids && again->kind == r->kind);
            check(json_equal(again->edit, r->edit) || (!again->edit && !r->edit));
            vt_staff_request_free(again);
            json_decref(spool);
        }
        vt_staff_request_free(r);
    }
    json_decref(obj);
    return 0;
}
