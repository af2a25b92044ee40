/* fuzz_record.c: vt_record's reader on arbitrary bytes (a damaged index).
 *
 * Every item it returns lies inside the input; once it says VT_RECORD_BAD
 * it keeps saying so; and the items it read, written again with
 * vt_record_append(), read back the same. Invariants are checked with
 * abort() so that the replay under ctest fails as loudly as libFuzzer
 * would. */
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vt_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    GString *again = g_string_new(NULL);
    vt_record_start(again);

    vt_record_reader r;
    vt_record_reader_init(&r, in, size);
    const char *v;
    size_t n;
    vt_record_kind k;
    size_t items = 0;
    while ((k = vt_record_next(&r, &v, &n)) != VT_RECORD_END && k != VT_RECORD_BAD) {
        check(k > 0 && k < 256);
        check(v >= in && n <= size && v + n <= in + size);
        vt_record_append(again, k, v, n);
        items++;
    }
    if (k == VT_RECORD_BAD)
        check(vt_record_next(&r, &v, &n) == VT_RECORD_BAD && v == NULL && n == 0);
    else
        check(vt_record_is_binary(in, size));

    /* What was read, written again, reads back item for item. */
    vt_record_reader first, second;
    vt_record_reader_init(&first, in, size);
    vt_record_reader_init(&second, again->str, again->len);
    for (size_t i = 0; i < items; i++) {
        const char *v1, *v2;
        size_t n1, n2;
        vt_record_kind k1 = vt_record_next(&first, &v1, &n1);
        vt_record_kind k2 = vt_record_next(&second, &v2, &n2);
        check(k1 == k2 && n1 == n2 && (n1 == 0 || memcmp(v1, v2, n1) == 0));
    }
    check(vt_record_next(&second, &v, &n) == VT_RECORD_END);
    g_string_free(again, TRUE);
    return 0;
}
