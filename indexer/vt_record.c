/* vt_record.c: see vt_record.h for the contract and the format. */
#include "vt_record.h"

bool vt_record_is_binary(const char *data, size_t len)
{
    return len > 0 && data[0] == VT_RECORD_MAGIC;
}

void vt_record_start(GString *out)
{
    g_string_truncate(out, 0);
    g_string_append_c(out, VT_RECORD_MAGIC);
}

void vt_record_append(GString *out, vt_record_kind kind, const char *value, size_t len)
{
    if (len > VT_RECORD_ITEM_MAX)
        len = VT_RECORD_ITEM_MAX;
    g_string_append_c(out, (char)kind);
    size_t n = len;
    do {
        unsigned char b = n & 0x7f;
        n >>= 7;
        g_string_append_c(out, (char)(n ? b | 0x80 : b));
    } while (n);
    g_string_append_len(out, value, (gssize)len);
}

void vt_record_reader_init(vt_record_reader *reader, const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    if (vt_record_is_binary(data, len)) {
        reader->next = p + 1;
        reader->end = p + len;
    } else {
        reader->next = NULL;   /* VT_RECORD_BAD from the first call */
        reader->end = NULL;
    }
}

static vt_record_kind bad(vt_record_reader *reader)
{
    reader->next = NULL;
    reader->end = NULL;
    return VT_RECORD_BAD;
}

vt_record_kind vt_record_next(vt_record_reader *reader, const char **ret_value, size_t *ret_len)
{
    *ret_value = NULL;
    *ret_len = 0;
    if (!reader->next)
        return VT_RECORD_BAD;
    const unsigned char *p = reader->next, *end = reader->end;
    if (p == end)
        return VT_RECORD_END;
    int kind = *p++;
    if (kind == 0)
        return bad(reader);
    /* LEB128, at most 5 bytes: VT_RECORD_ITEM_MAX fits in 30 bits. */
    size_t len = 0;
    for (int shift = 0;; shift += 7) {
        if (p == end || shift > 28)
            return bad(reader);
        unsigned char b = *p++;
        len |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    if (len > VT_RECORD_ITEM_MAX || len > (size_t)(end - p))
        return bad(reader);
    *ret_value = (const char *)p;
    *ret_len = len;
    reader->next = p + len;
    return (vt_record_kind)kind;
}
