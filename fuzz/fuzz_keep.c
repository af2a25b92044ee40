/* fuzz_keep.c: vt_keep_read and vt_keep_apply (convert/vt_keep.h) on
 * arbitrary embedded metadata: the XMP packet, the IPTC block (raw IIM or a
 * Photoshop block) and the EXIF block of an image come from whoever made it.
 *
 * Input: one byte choosing the field(s), then the bytes. 0: XMP, 1: IPTC,
 * 2: EXIF, 3: all three, split in thirds. Besides "no crash, no leak", the
 * packet written must be one that vt_xmp reads back; violations abort(). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "vt_keep.h"
#include "vt_xmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool started;
    if (!started) {
        if (VIPS_INIT("fuzz_keep"))
            abort();
        vips_cache_set_max(0);
        started = true;
    }
    if (size < 1)
        return 0;
    int which = data[0] % 4;
    data++;
    size--;

    VipsImage *image = NULL;
    check(vips_black(&image, 8, 8, "bands", 3, NULL) == 0);
    static const char *const fields[] = { VIPS_META_XMP_NAME, VIPS_META_IPTC_NAME,
                                          VIPS_META_EXIF_NAME };
    if (which < 3) {
        vips_image_set_blob_copy(image, fields[which], data, size);
    } else {
        size_t third = size / 3;
        for (int i = 0; i < 3; i++)
            vips_image_set_blob_copy(image, fields[i], data + i * third,
                                     i == 2 ? size - 2 * third : third);
    }

    vt_keep *keep = NULL;
    check(vt_keep_new("gps", NULL, "http://creativecommons.org/licenses/by/4.0/",
                      "Credit <&>", &keep) == VT_OK);
    vt_keep_read(keep, image);
    size_t len = 0;
    const char *xmp = vt_keep_xmp(keep, &len);
    /* vitrine's own rights are always there to write, so a packet is. */
    check(xmp && len > 0 && len <= VT_KEEP_XMP_MAX);
    json_t *back = NULL;
    if (vt_xmp_parse(xmp, len, &back) != VT_OK) {
        fprintf(stderr, "fuzz_keep: the packet written does not parse (%s):\n", vt_error_message());
        fwrite(xmp, 1, len, stderr);
        abort();
    }
    json_decref(back);

    for (int format = VT_KEEP_TIFF; format <= VT_KEEP_JPEG; format++) {
        VipsImage *out = NULL;
        check(vt_keep_apply(keep, image, (vt_keep_format)format, &out) == 0);
        check(!vips_image_get_typeof(out, VIPS_META_ICC_NAME));
        g_object_unref(out);
    }
    vt_keep_free(keep);
    g_object_unref(image);
    vips_error_clear();
    return 0;
}
