/* vt_keep.h: the embedded metadata that published images keep.
 *
 * Used by vt_image.c inside the conversion child, the only place that links
 * libvips. A photograph's rights statement, creator and credit line travel
 * with the pyramid TIFF, the download JPEG and the static full-size images;
 * GPS positions, serial numbers and maker notes do not. Thumbnails keep
 * nothing (vt_image.c saves them with "strip").
 *
 * Every embedded field has a name that the configuration uses
 * ([images] keep-metadata= and drop-metadata=):
 *   XMP    "prefix:Name" with the usual prefix of its namespace
 *          (dc:rights, xmpRights:WebStatement, photoshop:Credit,
 *          Iptc4xmpCore:CreatorContactInfo, aux:SerialNumber, ...)
 *   EXIF   "exif:Tag" as libexif names it (exif:Artist, exif:Copyright,
 *          exif:GPSLatitude, exif:BodySerialNumber, exif:MakerNote, ...)
 *   IPTC   "iptc:Name" for IIM record 2 as exiftool names it (iptc:By-line,
 *          iptc:CopyrightNotice, iptc:Credit, ...)
 * A pattern is a name or a name's start followed by '*' ("xmpRights:*");
 * matching ignores case. Three words name groups: "gps", "serial-numbers",
 * "maker-notes".
 *
 * A field is kept when VT_KEEP_DEFAULT or keep-metadata matches it and
 * drop-metadata does not. The three groups are dropped even then, unless
 * keep-metadata names the group or matches the field without a bare
 * "prefix:*" (so "exif:*" keeps camera settings but not the position;
 * "gps" or "exif:GPS*" keeps the position).
 *
 * Each format gets what it can carry, written as it expects it:
 *   TIFF   XMP (tag 700) and IPTC IIM (tag 33723). libvips 8.14 writes no
 *          EXIF into a TIFF.
 *   JPEG   XMP (APP1), IPTC inside a Photoshop APP13 resource, and EXIF
 *          (APP1) with only the kept tags.
 * Kept IPTC and EXIF values also go into the XMP where it has no such
 * property (by-line and Artist as dc:creator, copyright notice and
 * Copyright as dc:rights, credit, source, object name and caption as
 * photoshop:Credit, photoshop:Source, dc:title and dc:description):
 * Cantaloupe embeds only XMP in what it serves, and a TIFF gets no EXIF.
 * The orientation written is 1: the pixels are already turned. No ICC
 * profile is written: the pixels are sRGB, as before.
 *
 * What vitrine knows better: a rights URI (per asset, else [site] rights)
 * goes into xmpRights:WebStatement and dc:rights, and [site] attribution
 * into photoshop:Credit, only where the original carries no rights
 * statement of its own (XMP dc:rights, xmpRights:WebStatement or
 * xmpRights:UsageTerms, EXIF Copyright, IPTC CopyrightNotice) or no credit
 * (photoshop:Credit, IPTC Credit). An original's own rights are never
 * overwritten.
 *
 * The XMP is parsed with vt_xml (no DTD, no network) and rebuilt with
 * libxml2, which escapes every value.
 */
#ifndef VT_KEEP_H
#define VT_KEEP_H

#include <stdbool.h>
#include <stddef.h>

#include <vips/vips.h>

#include "vt_error.h"

#define VT_KEEP_DEFAULT                                                                    \
    "dc:rights,dc:creator,dc:title,dc:description,xmpRights:*,photoshop:Credit,"           \
    "photoshop:Source,Iptc4xmpCore:*,iptc:By-line,iptc:By-lineTitle,iptc:CopyrightNotice," \
    "iptc:Credit,iptc:Source,iptc:Contact,iptc:ObjectName,iptc:Caption-Abstract,"          \
    "exif:Artist,exif:Copyright"

/* The kept XMP is refused (and only vitrine's own values written) above
 * this size: it is copied into every level of the pyramid. */
#define VT_KEEP_XMP_MAX (256 * 1024)

typedef struct vt_keep vt_keep;

typedef enum {
    VT_KEEP_TIFF,
    VT_KEEP_JPEG,
} vt_keep_format;

/* True when @pattern is a pattern or group word as described above. */
bool vt_keep_pattern_valid(const char *pattern);

/* New rules from comma-separated pattern lists (NULL or "" for none) and
 * vitrine's own values (NULL for none). VT_ERR_INVALID names a bad
 * pattern. *ret_keep is the caller's (vt_keep_free). */
vt_status vt_keep_new(const char *keep_list, const char *drop_list, const char *rights,
                      const char *attribution, vt_keep **ret_keep);

void vt_keep_free(vt_keep *keep);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vt_keep, vt_keep_free)

/* True when the rules keep the field named @name. */
bool vt_keep_field_kept(const vt_keep *keep, const char *name);

/* Reads what is kept from the original's header (its XMP, IPTC and EXIF
 * fields). Unreadable XMP or IPTC is dropped, never an error: the pixels
 * matter more. Call once, before vt_keep_apply(). */
void vt_keep_read(vt_keep *keep, VipsImage *header);

/* *ret_out is a copy of @in (sharing its pixels) whose metadata is exactly
 * what is kept, as @format carries it, with orientation 1. Returns 0, or
 * -1 with libvips' error buffer set. */
int vt_keep_apply(const vt_keep *keep, VipsImage *in, vt_keep_format format,
                  VipsImage **ret_out);

/* The XMP packet vt_keep_apply() writes (borrowed; NULL if none) and its
 * length: for tests. */
const char *vt_keep_xmp(const vt_keep *keep, size_t *ret_len);

#endif
