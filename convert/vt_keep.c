/* vt_keep.c: see vt_keep.h.
 *
 * Design notes (libvips 8.14.1, Debian bookworm; checked with exiftool):
 *
 * - Saving without "strip" writes whatever metadata fields the image
 *   carries, so vt_keep_apply() first removes every metadata field and then
 *   sets exactly the kept ones. Builtin header fields (width, ...) cannot be
 *   removed and are not metadata.
 *
 * - "iptc-data" is not one format. jpegload hands over the whole Photoshop
 *   APP13 block ("Photoshop 3.0\0" + 8BIM resources, IIM in resource
 *   0x0404); tiffload hands over the raw IIM of tag 33723. tiffsave and
 *   jpegsave write the blob as it is, so a JPEG's block copied into a TIFF
 *   is a tag exiftool calls "Bad IPTC data". We keep raw IIM and wrap it per
 *   format.
 *
 * - tiffsave 8.14 passes ceil(length / 4) as the count of tag 33723, a
 *   leftover of the tag once being LONG, while libtiff counts bytes: only a
 *   quarter of the blob is written. The TIFF blob is therefore the IIM,
 *   padded to a multiple of 4 (as Photoshop pads it), followed by three
 *   times as many zero bytes that libtiff does not write.
 *
 * - jpegsave writes the "exif-data" block, updated from the "exif-ifdN-Tag"
 *   string fields, but 8.14 does not remove a tag whose field is gone: GPS,
 *   serial numbers and the orientation would survive. So the block is
 *   filtered with libexif (kept tags only, no thumbnail, no orientation)
 *   and set with no tag fields; libvips then adds the few tags EXIF
 *   requires, the dimensions and orientation 1.
 */
#include "vt_keep.h"

#include <libexif/exif-data.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "vt_xml.h"
#include "vt_xmp.h"

#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_XML "http://www.w3.org/XML/1998/namespace"
#define NS_X "adobe:ns:meta/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_XMPRIGHTS "http://ns.adobe.com/xap/1.0/rights/"
#define NS_PHOTOSHOP "http://ns.adobe.com/photoshop/1.0/"

#define IRB_HEADER "Photoshop 3.0"
#define IRB_HEADER_LEN 14 /* with its NUL */
#define IIM_MAX (256 * 1024)

struct vt_keep {
    GPtrArray *keep; /* VT_KEEP_DEFAULT and keep-metadata */
    GPtrArray *configured_keep; /* keep-metadata alone */
    GPtrArray *drop;
    char *rights, *attribution;

    char *xmp; /* the packet to write, or NULL */
    size_t xmp_len;
    GByteArray *iim; /* kept IIM datasets, record 1 first; empty: none */
    void *exif; /* the original's EXIF block, if a tag of it is kept */
    size_t exif_len;
};

/* XMP namespaces and the prefix that names their properties here. */
static const struct {
    const char *href, *prefix;
} namespaces[] = {
    { NS_DC, "dc" },
    { NS_XMPRIGHTS, "xmpRights" },
    { NS_PHOTOSHOP, "photoshop" },
    { "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/", "Iptc4xmpCore" },
    { "http://iptc.org/std/Iptc4xmpExt/2008-02-29/", "Iptc4xmpExt" },
    { "http://ns.adobe.com/xap/1.0/", "xmp" },
    { "http://ns.adobe.com/xap/1.0/mm/", "xmpMM" },
    { "http://ns.adobe.com/tiff/1.0/", "tiff" },
    { "http://ns.adobe.com/exif/1.0/", "exif" },
    { "http://cipa.jp/exif/1.0/", "exifEX" },
    { "http://ns.adobe.com/exif/1.0/aux/", "aux" },
    { "http://ns.useplus.org/ldf/xmp/1.0/", "plus" },
    { "http://ns.adobe.com/lightroom/1.0/", "lr" },
    { "http://ns.adobe.com/camera-raw-settings/1.0/", "crs" },
};

/* IIM record 2 datasets, named as exiftool names them. */
static const struct {
    int dataset;
    const char *name;
} iim_names[] = {
    { 0, "ApplicationRecordVersion" }, { 5, "ObjectName" }, { 10, "Urgency" },
    { 15, "Category" }, { 20, "SupplementalCategories" }, { 25, "Keywords" },
    { 40, "SpecialInstructions" }, { 55, "DateCreated" }, { 60, "TimeCreated" },
    { 80, "By-line" }, { 85, "By-lineTitle" }, { 90, "City" }, { 92, "Sub-location" },
    { 95, "Province-State" }, { 100, "Country-PrimaryLocationCode" },
    { 101, "Country-PrimaryLocationName" }, { 103, "OriginalTransmissionReference" },
    { 105, "Headline" }, { 110, "Credit" }, { 115, "Source" }, { 116, "CopyrightNotice" },
    { 118, "Contact" }, { 120, "Caption-Abstract" }, { 122, "Writer-Editor" },
};

static const char *const groups[] = { "gps", "serial-numbers", "maker-notes" };

static const char *const serial_numbers[] = {
    "exif:BodySerialNumber", "exif:LensSerialNumber", "exif:CameraSerialNumber",
    "exif:SerialNumber", "exifEX:BodySerialNumber", "exifEX:LensSerialNumber",
    "aux:SerialNumber", "aux:LensSerialNumber",
};

/* ------------------------------------------------------------------ */
/* Rules                                                                */

static bool is_group(const char *word)
{
    for (size_t i = 0; i < G_N_ELEMENTS(groups); i++) {
        if (g_ascii_strcasecmp(word, groups[i]) == 0)
            return true;
    }
    return false;
}

bool vt_keep_pattern_valid(const char *pattern)
{
    if (!pattern || !pattern[0])
        return false;
    if (is_group(pattern))
        return true;
    const char *p = pattern;
    if (!g_ascii_isalpha(*p))
        return false;
    while (g_ascii_isalnum(*p))
        p++;
    if (*p++ != ':')
        return false;
    if (strcmp(p, "*") == 0)
        return true;
    if (!g_ascii_isalnum(*p))
        return false;
    while (g_ascii_isalnum(*p) || *p == '-' || *p == '_')
        p++;
    return *p == '\0' || strcmp(p, "*") == 0;
}

/* The group of @name ("gps", ...) or NULL. */
static const char *group_of(const char *name)
{
    if (g_ascii_strncasecmp(name, "exif:GPS", 8) == 0)
        return "gps";
    if (g_ascii_strcasecmp(name, "exif:MakerNote") == 0)
        return "maker-notes";
    for (size_t i = 0; i < G_N_ELEMENTS(serial_numbers); i++) {
        if (g_ascii_strcasecmp(name, serial_numbers[i]) == 0)
            return "serial-numbers";
    }
    return NULL;
}

static bool pattern_matches(const char *pattern, const char *name)
{
    if (is_group(pattern)) {
        const char *group = group_of(name);
        return group && g_ascii_strcasecmp(group, pattern) == 0;
    }
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return g_ascii_strncasecmp(name, pattern, n - 1) == 0;
    return g_ascii_strcasecmp(name, pattern) == 0;
}

static bool any_matches(const GPtrArray *patterns, const char *name)
{
    for (guint i = 0; i < patterns->len; i++) {
        if (pattern_matches(patterns->pdata[i], name))
            return true;
    }
    return false;
}

bool vt_keep_field_kept(const vt_keep *keep, const char *name)
{
    if (!any_matches(keep->keep, name) || any_matches(keep->drop, name))
        return false;
    if (!group_of(name))
        return true;
    for (guint i = 0; i < keep->configured_keep->len; i++) {
        const char *p = keep->configured_keep->pdata[i];
        if (!g_str_has_suffix(p, ":*") && pattern_matches(p, name))
            return true;
    }
    return false;
}

static vt_status add_patterns(GPtrArray *to, const char *list, const char *what)
{
    if (!list)
        return VT_OK;
    g_auto(GStrv) items = g_strsplit_set(list, ",;", -1);
    for (size_t i = 0; items[i]; i++) {
        char *item = g_strstrip(items[i]);
        if (!item[0])
            continue;
        if (!vt_keep_pattern_valid(item))
            return vt_error_set(VT_ERR_INVALID,
                                "%s: \"%s\" is not a metadata name (prefix:Name, prefix:*, "
                                "gps, serial-numbers or maker-notes)", what, item);
        g_ptr_array_add(to, g_strdup(item));
    }
    return VT_OK;
}

vt_status vt_keep_new(const char *keep_list, const char *drop_list, const char *rights,
                      const char *attribution, vt_keep **ret_keep)
{
    vt_keep *k = g_new0(vt_keep, 1);
    vt_status status;

    k->keep = g_ptr_array_new_with_free_func(g_free);
    k->configured_keep = g_ptr_array_new_with_free_func(g_free);
    k->drop = g_ptr_array_new_with_free_func(g_free);
    k->iim = g_byte_array_new();
    if ((status = add_patterns(k->keep, VT_KEEP_DEFAULT, "default")) != VT_OK ||
        (status = add_patterns(k->keep, keep_list, "keep-metadata")) != VT_OK ||
        (status = add_patterns(k->configured_keep, keep_list, "keep-metadata")) != VT_OK ||
        (status = add_patterns(k->drop, drop_list, "drop-metadata")) != VT_OK) {
        vt_keep_free(k);
        return status;
    }
    k->rights = rights && rights[0] ? g_strdup(rights) : NULL;
    k->attribution = attribution && attribution[0] ? g_strdup(attribution) : NULL;
    *ret_keep = k;
    return VT_OK;
}

void vt_keep_free(vt_keep *keep)
{
    if (!keep)
        return;
    g_ptr_array_unref(keep->keep);
    g_ptr_array_unref(keep->configured_keep);
    g_ptr_array_unref(keep->drop);
    g_free(keep->rights);
    g_free(keep->attribution);
    g_free(keep->xmp);
    g_byte_array_unref(keep->iim);
    g_free(keep->exif);
    g_free(keep);
}

const char *vt_keep_xmp(const vt_keep *keep, size_t *ret_len)
{
    *ret_len = keep->xmp_len;
    return keep->xmp;
}

/* ------------------------------------------------------------------ */
/* What the original has                                                */

/* A kept IPTC or EXIF value that the XMP should carry too, where it has
 * no such property: Cantaloupe embeds only XMP in what it serves, and a
 * TIFF from libvips 8.14 has no EXIF. */
typedef struct {
    const char *name; /* the XMP property, "dc:creator" */
    const char *kind; /* "Seq", "Alt", or NULL for a simple value */
    char *value;
} mirror;

typedef struct {
    bool rights;      /* a rights statement of its own (XMP, IPTC or EXIF) */
    bool credit;
    GHashTable *xmp;  /* XMP property names present or written */
    GPtrArray *mirrors; /* of mirror, in order of preference */
} seen;

static void mirror_free(gpointer data)
{
    mirror *m = data;
    g_free(m->value);
    g_free(m);
}

static void add_mirror(seen *s, const char *name, const char *kind, char *value)
{
    if (!value)
        return;
    mirror *m = g_new0(mirror, 1);
    m->name = name;
    m->kind = kind;
    m->value = value;
    g_ptr_array_add(s->mirrors, m);
}

static void seen_name(seen *s, const char *name)
{
    if (strcmp(name, "dc:rights") == 0 || strcmp(name, "xmpRights:WebStatement") == 0 ||
        strcmp(name, "xmpRights:UsageTerms") == 0)
        s->rights = true;
    if (strcmp(name, "photoshop:Credit") == 0)
        s->credit = true;
    g_hash_table_add(s->xmp, g_strdup(name));
}

/* ---- IPTC ---------------------------------------------------------- */

static unsigned be16(const guint8 *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static guint32 be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* The IIM inside @data: all of it, or resource 0x0404 of a Photoshop block. */
static bool iim_find(const guint8 *data, size_t len, const guint8 **ret_iim, size_t *ret_len)
{
    if (len >= 1 && data[0] == 0x1C) {
        *ret_iim = data;
        *ret_len = len;
        return true;
    }
    if (len < IRB_HEADER_LEN || memcmp(data, IRB_HEADER, IRB_HEADER_LEN) != 0)
        return false;
    size_t pos = IRB_HEADER_LEN;
    while (len - pos >= 12 && memcmp(data + pos, "8BIM", 4) == 0) {
        unsigned id = be16(data + pos + 4);
        size_t name = 1 + data[pos + 6];
        /* The name (a Pascal string, padded to even) may claim more bytes
         * than there are. */
        if (6 + name + (name & 1) + 4 > len - pos)
            break;
        pos += 6 + name + (name & 1);
        size_t size = be32(data + pos);
        pos += 4;
        if (size > len - pos)
            break;
        if (id == 0x0404) {
            *ret_iim = data + pos;
            *ret_len = size;
            return true;
        }
        pos += size + (size & 1);
        if (pos > len)
            break;
    }
    return false;
}

/* IIM datasets and the XMP property that carries the same value. */
static const struct {
    int dataset;
    const char *xmp, *kind;
} iim_xmp[] = {
    { 80, "dc:creator", "Seq" },        { 116, "dc:rights", "Alt" },
    { 110, "photoshop:Credit", NULL },  { 115, "photoshop:Source", NULL },
    { 5, "dc:title", "Alt" },           { 120, "dc:description", "Alt" },
};

/* An IIM value as UTF-8: it is when the record says so (1:90 ESC % G) or
 * when it is valid UTF-8; else it is taken for ISO 8859-1. */
static char *iim_text(const guint8 *data, size_t size, bool utf8)
{
    g_autofree char *raw = g_strndup((const char *)data, size);
    char *text;
    if (utf8 || g_utf8_validate(raw, -1, NULL))
        text = g_utf8_make_valid(raw, -1);
    else
        text = g_convert(raw, -1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
    if (text)
        g_strstrip(text);
    if (text && !text[0]) {
        g_free(text);
        return NULL;
    }
    return text;
}

static char *iim_name(int record, int dataset)
{
    if (record == 2) {
        for (size_t i = 0; i < G_N_ELEMENTS(iim_names); i++) {
            if (iim_names[i].dataset == dataset)
                return g_strconcat("iptc:", iim_names[i].name, NULL);
        }
    }
    return g_strdup_printf("iptc:%d-%d", record, dataset);
}

static void read_iim(vt_keep *k, VipsImage *header, seen *s)
{
    const void *blob;
    size_t blob_len;
    const guint8 *iim;
    size_t len;

    if (!vips_image_get_typeof(header, VIPS_META_IPTC_NAME) ||
        vips_image_get_blob(header, VIPS_META_IPTC_NAME, &blob, &blob_len) != 0 ||
        !iim_find(blob, blob_len, &iim, &len) || len > IIM_MAX)
        return;

    GByteArray *charset = g_byte_array_new(), *version = g_byte_array_new();
    GByteArray *kept = g_byte_array_new();
    size_t pos = 0;
    bool utf8 = false;
    /* Standard datasets only: an extended length (bit 15) ends the walk. */
    while (len - pos >= 5 && iim[pos] == 0x1C && !(iim[pos + 3] & 0x80)) {
        int record = iim[pos + 1], dataset = iim[pos + 2];
        size_t size = be16(iim + pos + 3);
        if (size > len - pos - 5)
            break;
        const guint8 *whole = iim + pos;
        pos += 5 + size;
        if (record == 1 && dataset == 90) {
            /* The character set of the values (ESC % G: UTF-8) travels with them. */
            g_byte_array_append(charset, whole, (guint)(5 + size));
            utf8 = size == 3 && memcmp(whole + 5, "\x1b%G", 3) == 0;
            continue;
        }
        if (record != 2)
            continue;
        if (dataset == 0) {
            g_byte_array_append(version, whole, (guint)(5 + size));
            continue;
        }
        if (dataset == 116 && size)
            s->rights = true;
        if (dataset == 110 && size)
            s->credit = true;
        g_autofree char *name = iim_name(record, dataset);
        if (!vt_keep_field_kept(k, name))
            continue;
        g_byte_array_append(kept, whole, (guint)(5 + size));
        for (size_t i = 0; i < G_N_ELEMENTS(iim_xmp); i++) {
            if (iim_xmp[i].dataset == dataset)
                add_mirror(s, iim_xmp[i].xmp, iim_xmp[i].kind, iim_text(whole + 5, size, utf8));
        }
    }
    if (kept->len) {
        static const guint8 version4[] = { 0x1C, 2, 0, 0, 2, 0, 4 };
        g_byte_array_append(k->iim, charset->data, charset->len);
        if (version->len)
            g_byte_array_append(k->iim, version->data, version->len);
        else
            g_byte_array_append(k->iim, version4, sizeof version4);
        g_byte_array_append(k->iim, kept->data, kept->len);
    }
    g_byte_array_unref(charset);
    g_byte_array_unref(version);
    g_byte_array_unref(kept);
}

/* ---- EXIF ---------------------------------------------------------- */

/* An ASCII entry's text up to its first NUL (Copyright may hold the
 * photographer's and the editor's, NUL-separated), valid UTF-8, or NULL. */
static char *exif_ascii(const ExifEntry *e)
{
    if (e->format != EXIF_FORMAT_ASCII || !e->data || !e->size)
        return NULL;
    g_autofree char *text = g_strndup((const char *)e->data, e->size);
    g_strstrip(text);
    if (!text[0] || !g_utf8_validate(text, -1, NULL))
        return NULL;
    return g_steal_pointer(&text);
}

/* Keeps in k->exif the original's EXIF block with only the kept tags, no
 * thumbnail and no orientation (libvips writes 1). */
static void read_exif(vt_keep *k, VipsImage *header, seen *s)
{
    const void *blob;
    size_t blob_len;

    if (!vips_image_get_typeof(header, VIPS_META_EXIF_NAME) ||
        vips_image_get_blob(header, VIPS_META_EXIF_NAME, &blob, &blob_len) != 0 ||
        blob_len > G_MAXUINT32)
        return;
    ExifData *ed = exif_data_new();
    if (!ed)
        return;
    exif_data_set_option(ed, EXIF_DATA_OPTION_DONT_CHANGE_MAKER_NOTE);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(ed, blob, (unsigned int)blob_len);

    bool any = false;
    for (int ifd = 0; ifd < EXIF_IFD_COUNT; ifd++) {
        ExifContent *content = ed->ifd[ifd];
        GPtrArray *drop = g_ptr_array_new();
        for (unsigned i = 0; content && i < content->count; i++) {
            ExifEntry *e = content->entries[i];
            const char *tag = exif_tag_get_name_in_ifd(e->tag, (ExifIfd)ifd);
            g_autofree char *name = g_strconcat("exif:", tag ? tag : "Unknown", NULL);
            bool copyright = e->tag == EXIF_TAG_COPYRIGHT && ifd == EXIF_IFD_0;
            bool artist = e->tag == EXIF_TAG_ARTIST && ifd == EXIF_IFD_0;
            if (copyright)
                s->rights = true;
            /* IFD1 describes the thumbnail, which is not kept. */
            if (!tag || ifd == EXIF_IFD_1 || e->tag == EXIF_TAG_ORIENTATION ||
                !vt_keep_field_kept(k, name)) {
                g_ptr_array_add(drop, e);
                continue;
            }
            any = true;
            if (copyright)
                add_mirror(s, "dc:rights", "Alt", exif_ascii(e));
            if (artist)
                add_mirror(s, "dc:creator", "Seq", exif_ascii(e));
        }
        for (guint i = 0; i < drop->len; i++)
            exif_content_remove_entry(content, drop->pdata[i]);
        g_ptr_array_free(drop, TRUE);
    }
    /* libexif's own allocator is malloc's. */
    free(ed->data);
    ed->data = NULL;
    ed->size = 0;
    if (any) {
        unsigned char *data = NULL;
        unsigned int len = 0;
        exif_data_save_data(ed, &data, &len);
        if (data && len) {
            k->exif = g_memdup2(data, len);
            k->exif_len = len;
        }
        free(data);
    }
    exif_data_unref(ed);
}

/* ---- XMP ----------------------------------------------------------- */

/* "prefix:Name" of an XMP property, with the usual prefix of its namespace. */
static char *xmp_name(const xmlNs *ns, const xmlChar *local)
{
    const char *prefix = ns->prefix ? (const char *)ns->prefix : "";
    for (size_t i = 0; i < G_N_ELEMENTS(namespaces); i++) {
        if (strcmp((const char *)ns->href, namespaces[i].href) == 0) {
            prefix = namespaces[i].prefix;
            break;
        }
    }
    return g_strconcat(prefix, ":", (const char *)local, NULL);
}

static const char *usual_prefix(const char *href, const char *fallback)
{
    for (size_t i = 0; i < G_N_ELEMENTS(namespaces); i++) {
        if (strcmp(href, namespaces[i].href) == 0)
            return namespaces[i].prefix;
    }
    return fallback;
}

/* The namespace @href declared on @desc, declared now if needed. */
static xmlNsPtr out_ns(xmlNodePtr desc, const char *href, const char *prefix)
{
    xmlNsPtr ns = xmlSearchNsByHref(desc->doc, desc, (const xmlChar *)href);
    if (ns)
        return ns;
    char made[32];
    const char *p = prefix && prefix[0] ? prefix : "ns";
    for (int i = 1; xmlSearchNs(desc->doc, desc, (const xmlChar *)p); i++) {
        g_snprintf(made, sizeof made, "ns%d", i);
        p = made;
    }
    return xmlNewNs(desc, (const xmlChar *)href, (const xmlChar *)p);
}

typedef struct {
    xmlDocPtr doc;
    xmlNodePtr desc; /* the one rdf:Description written */
    xmlNsPtr rdf;
} xmp_out;

static void xmp_out_init(xmp_out *o)
{
    o->doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr meta = xmlNewDocNode(o->doc, NULL, (const xmlChar *)"xmpmeta", NULL);
    xmlSetNs(meta, xmlNewNs(meta, (const xmlChar *)NS_X, (const xmlChar *)"x"));
    xmlDocSetRootElement(o->doc, meta);
    xmlNodePtr rdf = xmlNewChild(meta, NULL, (const xmlChar *)"RDF", NULL);
    o->rdf = xmlNewNs(rdf, (const xmlChar *)NS_RDF, (const xmlChar *)"rdf");
    xmlSetNs(rdf, o->rdf);
    o->desc = xmlNewChild(rdf, o->rdf, (const xmlChar *)"Description", NULL);
    xmlNewNsProp(o->desc, o->rdf, (const xmlChar *)"about", (const xmlChar *)"");
}

/* @value (UTF-8) without the characters XML 1.0 cannot carry, even
 * escaped: C0 controls other than tab, line feed and carriage return, and
 * U+FFFE, U+FFFF. An IPTC or EXIF value may hold any byte; libxml2 escapes
 * markup but would write these as they are, and the packet would not
 * parse. */
static char *xml_text(const char *value)
{
    GString *out = g_string_sized_new(strlen(value));
    for (const char *p = value; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xFFFE || c == 0xFFFF)
            continue;
        g_string_append_unichar(out, c);
    }
    return g_string_free(out, FALSE);
}

/* <prefix:name>value</prefix:name>, escaped by libxml2. */
static void add_simple(xmp_out *o, const char *href, const char *prefix, const char *name,
                       const char *value)
{
    g_autofree char *text = xml_text(value);
    xmlNewTextChild(o->desc, out_ns(o->desc, href, prefix), (const xmlChar *)name,
                    (const xmlChar *)text);
}

/* <prefix:name><rdf:Alt|Seq><rdf:li [xml:lang="x-default"]>value</rdf:li>... */
static void add_array(xmp_out *o, const char *href, const char *prefix, const char *name,
                      const char *kind, const char *value)
{
    xmlNodePtr prop = xmlNewChild(o->desc, out_ns(o->desc, href, prefix), (const xmlChar *)name,
                                  NULL);
    xmlNodePtr array = xmlNewChild(prop, o->rdf, (const xmlChar *)kind, NULL);
    g_autofree char *text = xml_text(value);
    xmlNodePtr li = xmlNewTextChild(array, o->rdf, (const xmlChar *)"li", (const xmlChar *)text);
    if (strcmp(kind, "Alt") == 0)
        xmlNodeSetLang(li, (const xmlChar *)"x-default");
}

static bool is_rdf(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns &&
           strcmp((const char *)node->ns->href, NS_RDF) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}

static xmlNodePtr find_rdf(xmlNodePtr node, int depth)
{
    for (; node && depth < 4; node = node->next) {
        if (is_rdf(node, "RDF"))
            return node;
        if (node->type == XML_ELEMENT_NODE) {
            xmlNodePtr found = find_rdf(node->children, depth + 1);
            if (found)
                return found;
        }
    }
    return NULL;
}

/* True when every element of @node's subtree has a namespace, and no
 * attribute has a prefix without one. libxml2 reports an undeclared prefix
 * as a namespace error and goes on, with an element named "dc:creator" in
 * no namespace: copied, it would make the packet unreadable. */
static bool subtree_namespaced(const xmlNode *node)
{
    if (!node->ns)
        return false;
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        if (!a->ns && strchr((const char *)a->name, ':'))
            return false;
    }
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !subtree_namespaced(c))
            return false;
    }
    return true;
}

/* Copies the kept properties of the original packet into @o. */
static void read_xmp(vt_keep *k, VipsImage *header, xmp_out *o, seen *s)
{
    const void *blob;
    size_t len;

    if (!vips_image_get_typeof(header, VIPS_META_XMP_NAME) ||
        vips_image_get_blob(header, VIPS_META_XMP_NAME, &blob, &len) != 0 ||
        len == 0 || len > VT_XMP_MAX_INPUT)
        return;
    /* From the packet's start (unless an XML declaration must stay first)
     * to its root's end; the packet trailer and padding are not XML. */
    const char *data = blob, *start = data, *end = data + len;
    const char *p = memmem(data, len, "<?xpacket begin", 15);
    if (p && !memmem(data, (size_t)(p - data), "<?xml", 5))
        start = p;
    static const char *const roots[] = { "</x:xmpmeta>", "</x:xapmeta>", "</rdf:RDF>" };
    for (size_t i = 0; i < G_N_ELEMENTS(roots); i++) {
        const char *last = NULL, *q = start;
        size_t n = strlen(roots[i]);
        while ((q = memmem(q, (size_t)(end - q), roots[i], n))) {
            last = q;
            q += n;
        }
        if (last) {
            end = last + n;
            break;
        }
    }
    xmlDocPtr doc = NULL;
    if (vt_xml_parse(start, (size_t)(end - start), "XMP packet", "", &doc) != VT_OK) {
        vt_error_clear();
        return;
    }
    xmlNodePtr rdf = find_rdf(xmlDocGetRootElement(doc), 0);
    for (xmlNodePtr desc = rdf ? rdf->children : NULL; desc; desc = desc->next) {
        if (!is_rdf(desc, "Description"))
            continue;
        for (xmlAttrPtr a = desc->properties; a; a = a->next) {
            if (!a->ns || strcmp((const char *)a->ns->href, NS_RDF) == 0 ||
                strcmp((const char *)a->ns->href, NS_XML) == 0)
                continue;
            g_autofree char *name = xmp_name(a->ns, a->name);
            bool again = g_hash_table_contains(s->xmp, name);
            seen_name(s, name);
            /* A property said twice (in two Descriptions) is written once. */
            if (again || !vt_keep_field_kept(k, name))
                continue;
            xmlChar *value = xmlNodeListGetString(doc, a->children, 1);
            add_simple(o, (const char *)a->ns->href,
                       usual_prefix((const char *)a->ns->href, (const char *)a->ns->prefix),
                       (const char *)a->name, value ? (const char *)value : "");
            xmlFree(value);
        }
        for (xmlNodePtr prop = desc->children; prop; prop = prop->next) {
            if (prop->type != XML_ELEMENT_NODE || !prop->ns)
                continue;
            g_autofree char *name = xmp_name(prop->ns, prop->name);
            bool again = g_hash_table_contains(s->xmp, name);
            seen_name(s, name);
            if (again || !vt_keep_field_kept(k, name) || !subtree_namespaced(prop))
                continue;
            /* Declared on the Description first, with its usual prefix, so
             * that the copy uses that declaration instead of its own. */
            out_ns(o->desc, (const char *)prop->ns->href,
                   usual_prefix((const char *)prop->ns->href, (const char *)prop->ns->prefix));
            xmlNodePtr copy = NULL;
            if (xmlDOMWrapCloneNode(NULL, doc, prop, &copy, o->doc, o->desc, 1, 0) != 0 ||
                !copy) {
                if (copy)
                    xmlFreeNode(copy);
                continue;
            }
            xmlAddChild(o->desc, copy);
        }
    }
    xmlFreeDoc(doc);
}

/* The packet of @o, in its xpacket wrapper; NULL when it says nothing. */
static char *xmp_out_dump(xmp_out *o, size_t *ret_len)
{
    if (!o->desc->children)
        return NULL;
    xmlReconciliateNs(o->doc, o->desc);
    xmlBufferPtr buffer = xmlBufferCreate();
    if (!buffer || xmlNodeDump(buffer, o->doc, xmlDocGetRootElement(o->doc), 0, 0) < 0) {
        xmlBufferFree(buffer);
        return NULL;
    }
    /* The wrapper is fixed text: XMP's packet header (with its byte order
     * mark) and trailer around the serialised tree. */
    char *packet = g_strconcat("<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>",
                               (const char *)xmlBufferContent(buffer),
                               "<?xpacket end=\"r\"?>", NULL);
    xmlBufferFree(buffer);
    *ret_len = strlen(packet);
    return packet;
}

void vt_keep_read(vt_keep *k, VipsImage *header)
{
    seen s = { 0 };
    xmp_out o;

    s.xmp = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s.mirrors = g_ptr_array_new_with_free_func(mirror_free);

    xmp_out_init(&o);
    read_iim(k, header, &s);
    read_exif(k, header, &s);
    read_xmp(k, header, &o, &s);

    /* IPTC's and EXIF's rights and credit, where the XMP lacks them. */
    for (guint i = 0; i < s.mirrors->len; i++) {
        const mirror *m = s.mirrors->pdata[i];
        if (g_hash_table_contains(s.xmp, m->name) || !vt_keep_field_kept(k, m->name))
            continue;
        bool dc = g_str_has_prefix(m->name, "dc:");
        const char *local = strchr(m->name, ':') + 1;
        if (m->kind)
            add_array(&o, dc ? NS_DC : NS_PHOTOSHOP, dc ? "dc" : "photoshop", local, m->kind,
                      m->value);
        else
            add_simple(&o, dc ? NS_DC : NS_PHOTOSHOP, dc ? "dc" : "photoshop", local, m->value);
        g_hash_table_add(s.xmp, g_strdup(m->name));
    }

    /* What vitrine knows, where the original says nothing. */
    if (!s.rights && k->rights) {
        if (vt_keep_field_kept(k, "xmpRights:WebStatement"))
            add_simple(&o, NS_XMPRIGHTS, "xmpRights", "WebStatement", k->rights);
        if (vt_keep_field_kept(k, "dc:rights"))
            add_array(&o, NS_DC, "dc", "rights", "Alt", k->rights);
    }
    if (!s.credit && k->attribution && vt_keep_field_kept(k, "photoshop:Credit"))
        add_simple(&o, NS_PHOTOSHOP, "photoshop", "Credit", k->attribution);

    size_t len = 0;
    char *packet = xmp_out_dump(&o, &len);
    if (packet && len > VT_KEEP_XMP_MAX) {
        g_free(packet);
        packet = NULL;
        len = 0;
    }
    g_free(k->xmp);
    k->xmp = packet;
    k->xmp_len = len;
    xmlFreeDoc(o.doc);
    g_hash_table_destroy(s.xmp);
    g_ptr_array_unref(s.mirrors);
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */

/* Header fields that are not embedded metadata. */
static bool field_stays(const char *field)
{
    return strcmp(field, "resolution-unit") == 0 || g_str_has_prefix(field, "vips-") ||
           strcmp(field, "page-height") == 0 || strcmp(field, "n-pages") == 0;
}

int vt_keep_apply(const vt_keep *k, VipsImage *in, vt_keep_format format, VipsImage **ret_out)
{
    VipsImage *out;

    if (vips_copy(in, &out, NULL))
        return -1;
    g_auto(GStrv) fields = vips_image_get_fields(out);
    for (size_t i = 0; fields[i]; i++) {
        if (!field_stays(fields[i]))
            vips_image_remove(out, fields[i]);
    }
    vips_image_set_int(out, VIPS_META_ORIENTATION, 1);
    if (k->xmp)
        vips_image_set_blob_copy(out, VIPS_META_XMP_NAME, k->xmp, k->xmp_len);

    if (k->iim->len) {
        size_t len = k->iim->len;
        guint8 *blob;
        size_t blob_len;
        if (format == VT_KEEP_TIFF) {
            /* See the design note: libtiff writes the first quarter. */
            size_t padded = (len + 3) & ~(size_t)3;
            blob_len = padded * 4;
            blob = g_malloc0(blob_len);
            memcpy(blob, k->iim->data, len);
        } else {
            /* One Photoshop resource 0x0404, empty name, padded to even. */
            blob_len = IRB_HEADER_LEN + 4 + 2 + 2 + 4 + len + (len & 1);
            blob = g_malloc0(blob_len);
            guint8 *p = blob;
            memcpy(p, IRB_HEADER, IRB_HEADER_LEN);
            p += IRB_HEADER_LEN;
            memcpy(p, "8BIM\x04\x04\0\0", 8);
            p += 8;
            p[0] = (guint8)(len >> 24);
            p[1] = (guint8)(len >> 16);
            p[2] = (guint8)(len >> 8);
            p[3] = (guint8)len;
            memcpy(p + 4, k->iim->data, len);
        }
        vips_image_set_blob_copy(out, VIPS_META_IPTC_NAME, blob, blob_len);
        g_free(blob);
    }

    if (format == VT_KEEP_JPEG && k->exif)
        vips_image_set_blob_copy(out, VIPS_META_EXIF_NAME, k->exif, k->exif_len);
    *ret_out = out;
    return 0;
}
