/* vt_image.c: see vt_image.h.
 *
 * Design notes.
 *
 * - libvips 8.14.1 (Debian bookworm) crashes the whole process when a
 *   pyramidal tiffsave fails: the error path closes a TIFF whose target is
 *   already gone (TIFFClose -> vips_target_seek through a NULL pointer).
 *   A truncated JPEG read sequentially fails only half-way through the save,
 *   so it would crash us. The "guard" stage below sits between the loader
 *   and everything else: when the loader fails it records libvips' message,
 *   hands black pixels on and reports success, so the save completes and we
 *   throw its output away. Failures on the write side (disk full) still take
 *   the crash path; the parent (daemon/vt_convert.c) classifies that signal
 *   by looking at the free space.
 *
 * - Pixels are read sequentially (low memory: a few tile rows of the image),
 *   except when the EXIF orientation needs a rotation or a vertical flip,
 *   which read the image bottom-up or column-wise; then libvips decodes the
 *   whole image once, to memory or, above its threshold, to a file in
 *   $TMPDIR (vitrine-convert points it at .tmp-<id>.work in images_dir).
 *
 * - libvips parses "[options]" at the end of file names. We open the input
 *   ourselves and hand libvips /proc/self/fd/N, which also makes sure the
 *   file we sniffed is the file we decode.
 */
#include "vt_image.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <vips/vips.h>

#include "vt_xmp.h"

/* Messages from libvips can be long (a path, a libtiff dump); what we keep
 * ends up in a quarantine reason and must stay readable. */
#define MESSAGE_MAX 1000
/* Caps on what "embedded" may carry, so that the result line stays far
 * below the 1 MiB the parent reads (vt_convert.c). */
#define EMBEDDED_VALUE_MAX 2048
#define EMBEDDED_VALUES_PER_FIELD 50
#define EMBEDDED_MAX_BYTES (256 * 1024)
/* Above this estimated size (uncompressed pixels plus the pyramid's third)
 * the TIFF is written as BigTIFF; classic TIFF offsets stop at 4 GiB. */
#define BIGTIFF_THRESHOLD (3500ull * 1000 * 1000)
#define ID_MAX 200

static const char *const tmp_suffixes[] = VT_IMAGE_TMP_SUFFIXES;

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    /* Best effort: cleanup must go on past an entry it cannot remove. */
    if (remove(path) != 0 && errno != ENOENT)
        g_debug("could not remove %s: %s", path, g_strerror(errno));
    return 0;
}

/* rm -rf @path, without following symbolic links. */
static void remove_tree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode))
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    else
        unlink(path);
}

bool vt_image_id_valid(const char *id)
{
    if (!id || !id[0] || id[0] == '.' || strlen(id) > ID_MAX)
        return false;
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-')
            return false;
    }
    return true;
}

static char *tmp_path(const vt_image_options *opt, const char *suffix)
{
    g_autofree char *name = g_strdup_printf(".tmp-%s.%s", opt->id, suffix);
    return g_build_filename(opt->images_dir, name, NULL);
}

void vt_image_cleanup(const char *images_dir, const char *id)
{
    if (!images_dir || !vt_image_id_valid(id))
        return;
    for (size_t i = 0; i < G_N_ELEMENTS(tmp_suffixes); i++) {
        g_autofree char *name = g_strdup_printf(".tmp-%s.%s", id, tmp_suffixes[i]);
        g_autofree char *path = g_build_filename(images_dir, name, NULL);
        remove_tree(path);
    }
}

/* Removes what a failed conversion left, but not "work": libvips may still
 * hold files there and vitrine-convert removes it on exit. */
static void remove_tmp_outputs(const vt_image_options *opt)
{
    for (size_t i = 0; i < G_N_ELEMENTS(tmp_suffixes); i++) {
        if (strcmp(tmp_suffixes[i], "work") == 0)
            continue;
        g_autofree char *path = tmp_path(opt, tmp_suffixes[i]);
        remove_tree(path);
    }
}

/* Cuts @s (valid UTF-8) to at most @max bytes on a character boundary. */
static void utf8_truncate(GString *s, size_t max)
{
    if (s->len <= max)
        return;
    const char *end = g_utf8_find_prev_char(s->str, s->str + max + 1);
    g_string_truncate(s, end ? (size_t)(end - s->str) : 0);
}

/* Replaces every occurrence of @from in @s by @to. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    g_auto(GStrv) parts = g_strsplit(s, from, -1);
    return g_strjoinv(to, parts);
}

/* Takes libvips' error buffer as one readable line and clears it. libvips
 * keeps one buffer for all threads, so this must happen right after the
 * call that failed. @fdpath, if set, is replaced by @path in the text. */
static char *vips_message_take(const char *fdpath, const char *path)
{
    g_autofree char *raw = g_utf8_make_valid(vips_error_buffer(), -1);
    vips_error_clear();

    if (fdpath && path) {
        char *named = replace_all(raw, fdpath, path);
        g_free(raw);
        raw = named;
    }
    GString *out = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit_set(raw, "\r\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        char *line = g_strstrip(lines[i]);
        if (!line[0])
            continue;
        if (out->len)
            g_string_append(out, "; ");
        g_string_append(out, line);
    }
    if (!out->len)
        g_string_append(out, "no details");
    for (size_t i = 0; i < out->len; i++) {
        if ((unsigned char)out->str[i] < 0x20)
            out->str[i] = ' ';
    }
    utf8_truncate(out, MESSAGE_MAX);
    return g_string_free(out, FALSE);
}

/* "3.6 gigapixels", "12.0 megapixels", "4000 pixels". */
static char *pixels_text(uint64_t n, int decimals)
{
    if (n >= 1000000000u)
        return g_strdup_printf("%.*f gigapixels", decimals, (double)n / 1e9);
    if (n >= 1000000u)
        return g_strdup_printf("%.*f megapixels", decimals, (double)n / 1e6);
    return g_strdup_printf("%" PRIu64 " pixels", n);
}

/* True if the write failure described by @message (libvips' text) is one a
 * retry may cure: full disk, quota, permissions, read-only mount. */
static bool message_is_transient(const char *message)
{
    static const int codes[] = { ENOSPC, EDQUOT, EACCES, EROFS };

    for (size_t i = 0; i < G_N_ELEMENTS(codes); i++) {
        if (strstr(message, g_strerror(codes[i])))
            return true;
    }
    return false;
}

static bool errno_is_transient(int errnum)
{
    return errnum == ENOSPC || errnum == EDQUOT || errnum == EACCES ||
           errnum == EROFS || errnum == EPERM;
}

/* Bytes available to us on the file system of @dir, or UINT64_MAX if we
 * cannot tell (then nobody concludes that the disk is full). */
static uint64_t free_bytes(const char *dir)
{
    struct statvfs vfs;

    if (statvfs(dir, &vfs) != 0)
        return UINT64_MAX;
    return (uint64_t)vfs.f_bavail * vfs.f_frsize;
}

/* ------------------------------------------------------------------ */
/* What is this file?                                                   */

static bool starts(const unsigned char *b, size_t n, const char *magic, size_t len)
{
    return n >= len && memcmp(b, magic, len) == 0;
}

/* Formats people drop into hotfolders by mistake. Returns a description
 * ("a PDF document") or NULL when the bytes may be an image. */
static const char *sniff_not_image(const unsigned char *b, size_t n)
{
    if (starts(b, n, "%PDF", 4))
        return "a PDF document";
    if (starts(b, n, "%!PS", 4) || starts(b, n, "\xC5\xD0\xD3\xC6", 4))
        return "a PostScript file";
    if (starts(b, n, "PK\x03\x04", 4) || starts(b, n, "PK\x05\x06", 4))
        return "a ZIP archive (Word, Excel and OpenDocument files are ZIP archives too)";
    if (starts(b, n, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        return "a Microsoft Office document";
    if (starts(b, n, "{\\rtf", 5))
        return "an RTF document";
    if (starts(b, n, "Rar!", 4))
        return "a RAR archive";
    if (starts(b, n, "7z\xBC\xAF\x27\x1C", 6))
        return "a 7-Zip archive";
    if (starts(b, n, "\x1F\x8B", 2))
        return "a gzip-compressed file";
    if (starts(b, n, "BZh", 3))
        return "a bzip2-compressed file";
    if (starts(b, n, "\xFD" "7zXZ", 5))
        return "an xz-compressed file";
    if (starts(b, n, "\x7F" "ELF", 4))
        return "a program";
    if (starts(b, n, "ID3", 3) || starts(b, n, "OggS", 4) || starts(b, n, "fLaC", 4))
        return "an audio file";
    if (starts(b, n, "RIFF", 4) && n >= 12 &&
        (memcmp(b + 8, "WAVE", 4) == 0 || memcmp(b + 8, "AVI ", 4) == 0))
        return memcmp(b + 8, "WAVE", 4) == 0 ? "an audio file" : "a video";
    if (starts(b, n, "\x1A\x45\xDF\xA3", 4))
        return "a video";
    if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0) {
        /* HEIF and AVIF are ISO media files as well; their brands. */
        static const char *const brands[] = { "heic", "heix", "heim", "heis", "hevc",
                                              "hevx", "mif1", "msf1", "avif", "avis" };
        for (size_t i = 0; i < G_N_ELEMENTS(brands); i++) {
            if (memcmp(b + 8, brands[i], 4) == 0)
                return NULL;
        }
        return "a video";
    }

    /* Markup: skip a UTF-8 byte order mark and leading white space. */
    size_t i = starts(b, n, "\xEF\xBB\xBF", 3) ? 3 : 0;
    while (i < n && g_ascii_isspace(b[i]))
        i++;
    const char *text = (const char *)b + i;
    size_t left = n - i;
    if (left >= 5 && (g_ascii_strncasecmp(text, "<!doc", 5) == 0 ||
                      g_ascii_strncasecmp(text, "<html", 5) == 0)) {
        return g_strstr_len(text, (gssize)left, "<svg") ? "an SVG drawing" : "an HTML page";
    }
    if (left >= 4 && (strncmp(text, "<svg", 4) == 0 ||
                      (strncmp(text, "<?xml", 4) == 0 && g_strstr_len(text, (gssize)left, "<svg"))))
        return "an SVG drawing";
    if (left >= 5 && strncmp(text, "<?xml", 5) == 0)
        return "an XML file";
    return NULL;
}

/* Used only once libvips has said no: plain text, or nothing known. */
static const char *sniff_fallback(const unsigned char *b, size_t n)
{
    if (n > 0 && g_utf8_validate((const char *)b, (gssize)n, NULL)) {
        size_t i;
        for (i = 0; i < n; i++) {
            if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' && b[i] != '\f')
                break;
        }
        if (i == n)
            return "a text file";
    }
    return NULL;
}

/* The libvips loaders of raster formats that vitrine may use
 * (VT_IMAGE_LOADERS, "jpeg" for jpegload). The others (PDF, SVG, CSV,
 * matrix, raw, FITS, OpenSlide, ...) are documents, data or formats nobody
 * at a museum means to publish as a picture. */
static const char *const all_loaders[] = VT_IMAGE_LOADERS;
static const char *const default_loaders[] = VT_IMAGE_DEFAULT_LOADERS;

/* Is the loader @nickname ("jpegload") in @allowed (short names)? */
static bool loader_accepted(const char *nickname, const char *const *allowed)
{
    if (!allowed)
        allowed = default_loaders;
    for (size_t i = 0; allowed[i]; i++) {
        size_t n = strlen(allowed[i]);
        if (strncmp(nickname, allowed[i], n) == 0 && strcmp(nickname + n, "load") == 0)
            return true;
    }
    return false;
}

char **vt_image_available_loaders(void)
{
    GPtrArray *have = g_ptr_array_new();

    for (size_t i = 0; all_loaders[i]; i++) {
        g_autofree char *nickname = g_strconcat(all_loaders[i], "load", NULL);
        if (vips_type_find("VipsOperation", nickname))
            g_ptr_array_add(have, g_strdup(all_loaders[i]));
    }
    g_ptr_array_add(have, NULL);
    return (char **)g_ptr_array_free(have, FALSE);
}

/* "jpegload" -> "jpeg" */
static char *loader_short_name(const char *nickname)
{
    size_t len = strlen(nickname);

    if (g_str_has_suffix(nickname, "load"))
        len -= 4;
    return g_strndup(nickname, len);
}

static vt_status not_an_image(const char *path, const char *looks_like)
{
    if (looks_like)
        return vt_error_set(VT_ERR_BAD_IMAGE,
                            "This is not an image file vitrine can read (it looks like %s): %s",
                            looks_like, path);
    return vt_error_set(VT_ERR_BAD_IMAGE,
                        "This is not an image file vitrine can read (the format is not "
                        "recognised): %s", path);
}

/* ------------------------------------------------------------------ */
/* The guard: see the design note at the top.                           */

typedef struct {
    GMutex lock;
    bool failed;
    char *message;      /* libvips' first message, one line */
    const char *fdpath; /* for vips_message_take() */
    const char *path;
} guard;

static void guard_free(gpointer data)
{
    guard *g = data;

    g_mutex_clear(&g->lock);
    g_free(g->message);
    g_free(g);
}

static int guard_generate(VipsRegion *out_region, void *seq, void *a, void *b, gboolean *stop)
{
    VipsRegion *ir = seq;
    guard *g = b;
    const VipsRect *r = &out_region->valid;

    if (vips_region_prepare(ir, r) == 0)
        return vips_region_region(out_region, ir, r, r->left, r->top);

    g_mutex_lock(&g->lock);
    char *message = vips_message_take(g->fdpath, g->path);
    if (!g->failed) {
        g->failed = true;
        g->message = message;
    } else {
        g_free(message);
    }
    g_mutex_unlock(&g->lock);
    vips_region_black(out_region);
    return 0;
}

/* Wraps @in; *ret_guard is owned by *ret_out and lives as long as it. */
static int guard_new(VipsImage *in, const char *fdpath, const char *path,
                     VipsImage **ret_out, guard **ret_guard)
{
    VipsImage *out = vips_image_new();
    guard *g = g_new0(guard, 1);

    g_mutex_init(&g->lock);
    g->fdpath = fdpath;
    g->path = path;
    g_object_set_data_full(G_OBJECT(out), "vt-guard", g, guard_free);
    if (vips_image_pipelinev(out, VIPS_DEMAND_STYLE_THINSTRIP, in, NULL) ||
        vips_image_generate(out, vips_start_one, guard_generate, vips_stop_one, in, g)) {
        g_object_unref(out);
        return -1;
    }
    *ret_out = out;
    *ret_guard = g;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Embedded metadata                                                    */

/* Adds {"value": @text} to the array @field of @embedded, after making the
 * text valid UTF-8, trimmed, capped. */
static void embedded_add(json_t *embedded, const char *field, const char *text, const char *lang)
{
    g_autofree char *valid = g_utf8_make_valid(text, -1);
    GString *v = g_string_new(g_strstrip(valid));
    utf8_truncate(v, EMBEDDED_VALUE_MAX);

    json_t *array = json_object_get(embedded, field);
    if (v->len && (!array || json_array_size(array) < EMBEDDED_VALUES_PER_FIELD)) {
        if (!array) {
            array = json_array();
            json_object_set_new(embedded, field, array);
        }
        json_t *item = json_pack("{s:s}", "value", v->str);
        if (item && lang)
            json_object_set_new(item, "lang", json_string(lang));
        if (item)
            json_array_append_new(array, item);
    }
    g_string_free(v, TRUE);
}

/* libvips shows an EXIF string as "Canon (Canon, ASCII, 6 components,
 * 6 bytes)" (older libexif: "Canon (Canon, ASCII, 6 bytes)"): the value,
 * then libexif's rendering of it and the tag's type in parentheses. */
static char *exif_value(VipsImage *image, const char *field)
{
    static GRegex *suffix;
    const char *raw;

    if (!vips_image_get_typeof(image, field) || vips_image_get_string(image, field, &raw) != 0)
        return NULL;
    if (g_once_init_enter(&suffix)) {
        GRegex *re = g_regex_new(", [A-Za-z]+, (?:[0-9]+ components, )?[0-9]+ bytes\\)$",
                                 G_REGEX_OPTIMIZE, 0, NULL);
        g_once_init_leave(&suffix, re);
    }
    g_autofree char *text = g_strdup(raw);
    GMatchInfo *match = NULL;
    if (suffix && g_regex_match(suffix, text, 0, &match)) {
        int start;
        g_match_info_fetch_pos(match, 0, &start, NULL);
        text[start] = '\0';
        /* Now "V (H". For text tags H is V itself: split in the middle. */
        size_t len = strlen(text);
        size_t half = len >= 2 ? (len - 2) / 2 : 0;
        if (len >= 2 && (len - 2) % 2 == 0 && strncmp(text + half, " (", 2) == 0 &&
            strncmp(text, text + half + 2, half) == 0) {
            text[half] = '\0';
        } else {
            char *paren = strstr(text, " (");
            if (paren)
                *paren = '\0';
        }
    }
    g_match_info_free(match);
    g_strstrip(text);
    if (!text[0])
        return NULL;
    return g_steal_pointer(&text);
}

/* "2019:05:01 12:34:56" (EXIF) -> "2019-05-01T12:34:56" (as XMP writes it). */
static char *exif_date_iso(const char *date)
{
    int y, mo, d, h, mi, s;

    if (sscanf(date, "%4d:%2d:%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6 && y > 0 &&
        mo >= 1 && mo <= 12 && d >= 1 && d <= 31)
        return g_strdup_printf("%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    return g_strdup(date);
}

static json_t *embedded_new(VipsImage *image)
{
    json_t *embedded = NULL;
    const void *xmp;
    size_t xmp_len;

    if (vips_image_get_typeof(image, VIPS_META_XMP_NAME) &&
        vips_image_get_blob(image, VIPS_META_XMP_NAME, &xmp, &xmp_len) == 0) {
        json_t *fields = NULL;
        /* An unreadable packet costs the descriptive fields, not the image. */
        if (vt_xmp_parse(xmp, xmp_len, &fields) == VT_OK) {
            embedded = json_object();
            const char *key;
            json_t *values;
            json_object_foreach(fields, key, values) {
                size_t i;
                json_t *item;
                json_array_foreach(values, i, item) {
                    const char *value = json_string_value(json_object_get(item, "value"));
                    const char *lang = json_string_value(json_object_get(item, "lang"));
                    if (value)
                        embedded_add(embedded, key, value, lang);
                }
            }
            json_decref(fields);
        }
        vt_error_clear();
    }
    if (!embedded)
        embedded = json_object();

    /* EXIF fills in what the XMP packet does not have. */
    g_autofree char *make = exif_value(image, "exif-ifd0-Make");
    g_autofree char *model = exif_value(image, "exif-ifd0-Model");
    if (!json_object_get(embedded, "camera") && (make || model)) {
        g_autofree char *camera = NULL;
        if (make && model && g_ascii_strncasecmp(model, make, strlen(make)) != 0)
            camera = g_strdup_printf("%s %s", make, model);
        else
            camera = g_strdup(model ? model : make);
        embedded_add(embedded, "camera", camera, NULL);
    }
    if (!json_object_get(embedded, "date")) {
        g_autofree char *date = exif_value(image, "exif-ifd2-DateTimeOriginal");
        if (!date)
            date = exif_value(image, "exif-ifd0-DateTime");
        if (date) {
            g_autofree char *iso = exif_date_iso(date);
            embedded_add(embedded, "date", iso, NULL);
        }
    }
    static const struct {
        const char *field, *tag;
    } simple[] = {
        { "creator", "exif-ifd0-Artist" },
        { "description", "exif-ifd0-ImageDescription" },
        { "rights", "exif-ifd0-Copyright" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(simple); i++) {
        if (json_object_get(embedded, simple[i].field))
            continue;
        g_autofree char *value = exif_value(image, simple[i].tag);
        if (value)
            embedded_add(embedded, simple[i].field, value, NULL);
    }

    /* The per-value caps bound this already; the total is the last word. */
    char *dump = json_dumps(embedded, JSON_COMPACT);
    if (!dump || strlen(dump) > EMBEDDED_MAX_BYTES) {
        json_decref(embedded);
        embedded = json_object();
    }
    free(dump);
    return embedded;
}

/* ------------------------------------------------------------------ */
/* Pixels                                                               */

static bool is_grey(VipsInterpretation interpretation)
{
    return interpretation == VIPS_INTERPRETATION_B_W ||
           interpretation == VIPS_INTERPRETATION_GREY16;
}

/* What "white" is in the image's own space, for flattening before any
 * colour conversion (CMYK white is no ink, LAB white is L=100). */
static VipsArrayDouble *white_for(VipsImage *image, double *ret_max_alpha)
{
    VipsInterpretation interpretation = vips_image_guess_interpretation(image);
    int colour_bands = image->Bands - 1;
    double max = 255.0;
    double white[16];

    if (image->BandFmt == VIPS_FORMAT_USHORT || interpretation == VIPS_INTERPRETATION_RGB16 ||
        interpretation == VIPS_INTERPRETATION_GREY16)
        max = 65535.0;
    else if (interpretation == VIPS_INTERPRETATION_scRGB ||
             interpretation == VIPS_INTERPRETATION_XYZ)
        max = 1.0;
    if (colour_bands < 1)
        colour_bands = 1;
    if (colour_bands > (int)G_N_ELEMENTS(white))
        colour_bands = G_N_ELEMENTS(white);
    for (int i = 0; i < colour_bands; i++) {
        if (interpretation == VIPS_INTERPRETATION_CMYK)
            white[i] = 0.0;
        else if (interpretation == VIPS_INTERPRETATION_LAB)
            white[i] = i == 0 ? 100.0 : 0.0;
        else if (interpretation == VIPS_INTERPRETATION_LABS)
            white[i] = i == 0 ? 32767.0 : 0.0;
        else
            white[i] = max;
    }
    *ret_max_alpha = max;
    return vips_array_double_new(white, colour_bands);
}

/* @in (autorotated) to 8-bit sRGB or 8-bit greyscale without alpha.
 * *ret_out is borrowed from @context. */
static int to_display(VipsObject *context, VipsImage *in, VipsImage **ret_out)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(context, 5);
    VipsImage *x = in;

    if (vips_image_hasalpha(x)) {
        double max_alpha;
        VipsArrayDouble *white = white_for(x, &max_alpha);
        int rc = vips_flatten(x, &t[0], "background", white, "max_alpha", max_alpha, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (rc)
            return -1;
        x = t[0];
    }

    bool converted = false;
    if (vips_image_get_typeof(x, VIPS_META_ICC_NAME)) {
        if (vips_icc_transform(x, &t[1], "srgb", "embedded", TRUE,
                               "intent", VIPS_INTENT_RELATIVE, "depth", 8, NULL) == 0) {
            x = t[1];
            converted = true;
        } else {
            /* A broken profile: the pixels are still worth having, with the
             * standard conversion below. */
            vips_error_clear();
        }
    }
    if (!converted) {
        VipsInterpretation interpretation = vips_image_guess_interpretation(x);
        VipsInterpretation target = is_grey(interpretation) && x->Bands == 1
                                        ? VIPS_INTERPRETATION_B_W
                                        : VIPS_INTERPRETATION_sRGB;
        /* The common case, 8-bit sRGB or greyscale, needs nothing. */
        if (interpretation != target || x->BandFmt != VIPS_FORMAT_UCHAR) {
            if (vips_colourspace(x, &t[2], target, NULL))
                return -1;
            x = t[2];
        }
    }
    if (x->Bands != 1 && x->Bands != 3) {
        /* Extra bands that are not alpha (a 2-band "multiband" image, or
         * more bands than the colour space has): keep the colour ones. */
        if (vips_extract_band(x, &t[3], 0, "n", x->Bands >= 3 ? 3 : 1, NULL))
            return -1;
        x = t[3];
    }
    if (x->BandFmt != VIPS_FORMAT_UCHAR) {
        if (vips_cast_uchar(x, &t[4], NULL))
            return -1;
        x = t[4];
    }
    *ret_out = x;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The conversion                                                       */

typedef struct {
    const vt_image_options *opt;
    const char *input;
    char fdpath[64];
    int fd;
    uint64_t input_size;
    VipsObject *context; /* unref'ing it drops every image below */

    /* What the header says. */
    int width, height, bands, orientation;
    uint64_t expected_bytes; /* vt_image_expected_bytes() */
    char *format;
    VipsInterpretation interpretation;
    VipsBandFormat band_format;
    bool has_alpha, icc;
    json_t *embedded;

    char *tmp_tif, *tmp_thumb, *tmp_download, *tmp_tiles;
    int thumb_w, thumb_h, download_w, download_h;
} job;

static void job_clear(job *j)
{
    if (j->context)
        g_object_unref(j->context);
    if (j->fd >= 0)
        close(j->fd);
    g_free(j->format);
    json_decref(j->embedded);
    g_free(j->tmp_tif);
    g_free(j->tmp_thumb);
    g_free(j->tmp_download);
    g_free(j->tmp_tiles);
}

static vt_status check_options(const vt_image_options *opt)
{
    if (!opt || !opt->input || !opt->images_dir || !opt->images_base_url)
        return vt_error_set(VT_ERR_INVALID, "vt_image_convert: input, images_dir and "
                                            "images_base_url are required");
    if (!vt_image_id_valid(opt->id))
        return vt_error_set(VT_ERR_INVALID, "\"%s\" cannot name image files (letters, digits, "
                                            "'.', '_' and '-', not starting with '.')",
                            opt->id ? opt->id : "(null)");
    if (opt->max_pixels == 0 || opt->tile_size < 16 || opt->tile_size > 4096 ||
        opt->quality < 1 || opt->quality > 100 || opt->thumbnail_size < 16 ||
        opt->thumbnail_size > 8192 || (opt->download_size != 0 && opt->download_size < 16) ||
        opt->download_size > 16384)
        return vt_error_set(VT_ERR_INVALID,
                            "vt_image_convert: an option is out of range (max-pixels %" PRIu64
                            ", tile size %d, quality %d, thumbnail %d, download %d)",
                            opt->max_pixels, opt->tile_size, opt->quality,
                            opt->thumbnail_size, opt->download_size);
    if (opt->download_size == 0 && opt->server == VT_SERVER_STATIC)
        return vt_error_set(VT_ERR_INVALID, "vt_image_convert: static tiles need a download JPEG"
                                            " (download size 0 is for image servers)");
    return VT_OK;
}

/* images_dir and images_dir/derivatives must be there and writable. */
static vt_status check_output_dirs(const vt_image_options *opt)
{
    g_autofree char *derivatives = g_build_filename(opt->images_dir, "derivatives", NULL);

    if (access(opt->images_dir, W_OK | X_OK) != 0)
        return vt_error_set_errno(VT_ERR_TRANSIENT, errno,
                                  "The image folder %s is not writable", opt->images_dir);
    if (g_mkdir_with_parents(derivatives, 0755) != 0 || access(derivatives, W_OK | X_OK) != 0)
        return vt_error_set_errno(VT_ERR_TRANSIENT, errno,
                                  "The folder %s cannot be created or written to", derivatives);
    return VT_OK;
}

/* Opens the input, checks its kind and header; no pixel is decoded. */
static vt_status open_input(job *j, VipsImage **ret_header)
{
    const char *path = j->input;
    struct stat st;
    unsigned char head[512];

    /* O_NONBLOCK: a FIFO dropped in a hotfolder must not hang us. */
    j->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (j->fd < 0 || fstat(j->fd, &st) != 0)
        return vt_error_set_errno(VT_ERR_TRANSIENT, errno, "Could not read the file %s", path);
    if (!S_ISREG(st.st_mode))
        return vt_error_set(VT_ERR_BAD_IMAGE, "This is not a regular file: %s", path);
    if (st.st_size == 0)
        return vt_error_set(VT_ERR_BAD_IMAGE, "The file is empty: %s", path);
    j->input_size = (uint64_t)st.st_size;
    g_snprintf(j->fdpath, sizeof j->fdpath, "/proc/self/fd/%d", j->fd);

    ssize_t n = pread(j->fd, head, sizeof head, 0);
    if (n < 0)
        return vt_error_set_errno(VT_ERR_TRANSIENT, errno, "Could not read the file %s", path);
    const char *looks_like = sniff_not_image(head, (size_t)n);
    if (looks_like)
        return not_an_image(path, looks_like);

    const char *loader = vips_foreign_find_load(j->fdpath);
    vips_error_clear();
    const char *nickname = loader ? vips_nickname_find(g_type_from_name(loader)) : NULL;
    if (!nickname)
        return not_an_image(path, sniff_fallback(head, (size_t)n));
    if (!loader_accepted(nickname, j->opt->loaders)) {
        g_autofree char *kind = loader_short_name(nickname);
        return vt_error_set(VT_ERR_BAD_IMAGE,
                            "This is not an image file vitrine can read (it looks like a "
                            "\"%s\" file, which vitrine does not convert: images.loaders): %s",
                            kind, path);
    }

    VipsImage *header = vips_image_new_from_file(j->fdpath, "access", VIPS_ACCESS_SEQUENTIAL,
                                                 "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!header) {
        g_autofree char *message = vips_message_take(j->fdpath, path);
        return vt_error_set(VT_ERR_BAD_IMAGE,
                            "The file is truncated or damaged: libvips said: %s", message);
    }
    *ret_header = header;

    j->width = header->Xsize;
    j->height = header->Ysize;
    if (j->width < 1 || j->height < 1)
        return vt_error_set(VT_ERR_BAD_IMAGE, "The image has no pixels (%d x %d): %s",
                            j->width, j->height, path);
    uint64_t pixels = (uint64_t)j->width * (uint64_t)j->height;
    if (pixels > j->opt->max_pixels) {
        g_autofree char *have = pixels_text(pixels, 1);
        g_autofree char *limit = pixels_text(j->opt->max_pixels, 1);
        if (strcmp(have, limit) == 0) {
            g_free(have);
            g_free(limit);
            have = pixels_text(pixels, 4);
            limit = pixels_text(j->opt->max_pixels, 4);
        }
        return vt_error_set(VT_ERR_LIMIT,
                            "The image is %d x %d = %s, over the limit of %s (images.max-pixels)",
                            j->width, j->height, have, limit);
    }

    const char *loaded_by = NULL;
    if (vips_image_get_typeof(header, "vips-loader"))
        vips_image_get_string(header, "vips-loader", &loaded_by);
    if (!loaded_by)
        loaded_by = nickname;
    j->format = loader_short_name(loaded_by);
    j->bands = header->Bands;
    j->interpretation = header->Type;
    j->band_format = header->BandFmt;
    j->has_alpha = vips_image_hasalpha(header);
    j->icc = vips_image_get_typeof(header, VIPS_META_ICC_NAME) != 0;
    j->orientation = vips_image_get_typeof(header, VIPS_META_ORIENTATION)
                         ? vips_image_get_orientation(header)
                         : 1;
    if (j->orientation < 1 || j->orientation > 8)
        j->orientation = 1;
    if (vips_image_get_orientation_swap(header)) {
        j->width = header->Ysize;
        j->height = header->Xsize;
    }
    j->embedded = embedded_new(header);
    j->expected_bytes = vt_image_expected_bytes(
        j->opt, (uint64_t)j->width, (uint64_t)j->height,
        header->Bands * (int)vips_format_sizeof(header->BandFmt),
        j->orientation != 1 && j->orientation != 2);
    if (j->opt->expect)
        j->opt->expect(j->expected_bytes, j->opt->expect_data);
    if (j->opt->keep)
        vt_keep_read(j->opt->keep, header);
    return VT_OK;
}

/* The failure of a save into @path. */
static vt_status save_failed(job *j, const char *what, const char *path, char *message)
{
    vt_status status;
    uint64_t available = free_bytes(j->opt->images_dir);

    if (message_is_transient(message) || available < j->expected_bytes)
        status = vt_error_set(VT_ERR_TRANSIENT,
                              "Could not write the %s %s (%" PRIu64 " MB free on the image disk): "
                              "libvips said: %s",
                              what, path, available == UINT64_MAX ? 0 : available / 1000000,
                              message);
    else
        status = vt_error_set(VT_ERR_BAD_IMAGE,
                              "libvips could not convert this file into the %s: %s", what, message);
    g_free(message);
    return status;
}

static vt_status write_tiff(job *j, VipsImage *header)
{
    const vt_image_options *opt = j->opt;
    VipsImage **t = (VipsImage **)vips_object_local_array(j->context, 4);
    VipsImage *x;
    guard *g = NULL;

    /* Rotations other than a mirror need the rows out of order. */
    bool random = j->orientation != 1 && j->orientation != 2;
    if (random) {
        t[0] = vips_image_new_from_file(j->fdpath, "access", VIPS_ACCESS_RANDOM,
                                        "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
        if (!t[0]) {
            g_autofree char *message = vips_message_take(j->fdpath, j->input);
            return vt_error_set(VT_ERR_BAD_IMAGE,
                                "The file is truncated or damaged: libvips said: %s", message);
        }
        x = t[0];
    } else {
        x = header;
    }
    if (guard_new(x, j->fdpath, j->input, &t[1], &g))
        goto vips_failed;
    x = t[1];
    if (j->orientation != 1) {
        if (vips_autorot(x, &t[2], NULL))
            goto vips_failed;
        x = t[2];
    }
    if (to_display(j->context, x, &x))
        goto vips_failed;
    if (opt->keep) {
        if (vt_keep_apply(opt->keep, x, VT_KEEP_TIFF, &t[3]))
            goto vips_failed;
        x = t[3];
    }

    uint64_t estimate = (uint64_t)x->Xsize * (uint64_t)x->Ysize * (uint64_t)x->Bands / 3 * 4;
    j->tmp_tif = tmp_path(opt, "tif");
    if (vips_tiffsave(x, j->tmp_tif,
                      "tile", TRUE,
                      "tile_width", opt->tile_size,
                      "tile_height", opt->tile_size,
                      "pyramid", TRUE,
                      "subifd", FALSE,
                      "compression", VIPS_FOREIGN_TIFF_COMPRESSION_JPEG,
                      "Q", opt->quality,
                      "bigtiff", estimate > BIGTIFF_THRESHOLD,
                      "strip", opt->keep == NULL,
                      NULL)) {
        char *message = vips_message_take(j->fdpath, j->input);
        if (g->failed)
            g_free(message);
        else
            return save_failed(j, "pyramidal TIFF", j->tmp_tif, message);
    }
    if (g->failed)
        return vt_error_set(VT_ERR_BAD_IMAGE, "The file is truncated or damaged: libvips said: %s",
                            g->message);
    return VT_OK;

vips_failed:;
    g_autofree char *message = vips_message_take(j->fdpath, j->input);
    return vt_error_set(VT_ERR_BAD_IMAGE, "libvips could not convert this file: %s", message);
}

/* A JPEG with longest side @size (never enlarged) from the pyramid we just
 * wrote: vips_thumbnail picks the smallest level that is large enough. */
static vt_status write_derivative(job *j, const char *what, int size, bool keep,
                                  const char *path, int *ret_w, int *ret_h)
{
    VipsImage **t = (VipsImage **)vips_object_local_array(j->context, 3);

    /* Not "size", VIPS_SIZE_DOWN: with a pyramid of pages, libvips 8.14
     * then always picks the smallest page. Clamping the box to the image's
     * own longest side avoids upscaling just as well. */
    int box = MIN(size, MAX(j->width, j->height));
    if (vips_thumbnail(j->tmp_tif, &t[0], box, "height", box, NULL))
        return save_failed(j, what, path, vips_message_take(NULL, NULL));
    VipsImage *x = t[0];
    if (x->Bands == 1) {
        if (vips_colourspace(x, &t[1], VIPS_INTERPRETATION_sRGB, NULL))
            return save_failed(j, what, path, vips_message_take(NULL, NULL));
        x = t[1];
    }
    keep = keep && j->opt->keep;
    if (keep) {
        if (vt_keep_apply(j->opt->keep, x, VT_KEEP_JPEG, &t[2]))
            return save_failed(j, what, path, vips_message_take(NULL, NULL));
        x = t[2];
    }
    if (vips_jpegsave(x, path, "Q", j->opt->quality, "strip", !keep, "optimize_coding", TRUE,
                      NULL))
        return save_failed(j, what, path, vips_message_take(NULL, NULL));
    *ret_w = x->Xsize;
    *ret_h = x->Ysize;
    return VT_OK;
}

static vt_status copy_file(const char *from, const char *to)
{
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_path_get_dirname(to);

    if (g_mkdir_with_parents(dir, 0755) != 0)
        return vt_error_set_errno(errno_is_transient(errno) ? VT_ERR_TRANSIENT : VT_ERR_IO, errno,
                                  "Could not create %s", dir);
    if (!g_file_get_contents(from, &data, &len, &error) ||
        !g_file_set_contents(to, data, (gssize)len, &error)) {
        bool transient = error->domain == G_FILE_ERROR &&
                         (error->code == G_FILE_ERROR_NOSPC || error->code == G_FILE_ERROR_ACCES ||
                          error->code == G_FILE_ERROR_ROFS || error->code == G_FILE_ERROR_PERM);
        return vt_error_set(transient ? VT_ERR_TRANSIENT : VT_ERR_IO, "Could not copy %s to %s: %s",
                            from, to, error->message);
    }
    return VT_OK;
}

static void add_size(json_t *sizes, int w, int h)
{
    size_t i;
    json_t *s;

    json_array_foreach(sizes, i, s) {
        if (json_integer_value(json_object_get(s, "width")) == w &&
            json_integer_value(json_object_get(s, "height")) == h)
            return;
    }
    json_array_append_new(sizes, json_pack("{s:i,s:i}", "width", w, "height", h));
}

/* OpenSeadragon (inside Mirador and Universal Viewer too) takes "sizes"
 * for the pyramid's levels when it has as many entries as levels below
 * full, or with full: the 1536 x 2048 download of a 1800 x 2400 image
 * would become its half-size level, and every tile asked for at that level
 * a 404. A size read as a level is harmless only if it is that level, or
 * smaller than one @tile_w x @tile_h tile (then the viewer asks for it
 * whole, full/W,H, which exists). Are @sizes (sorted by width) misread so,
 * for a @w x @h image whose largest scale factor is @max_factor? */
static bool sizes_mislead_viewers(const json_t *sizes, int w, int h, int tile_w, int tile_h,
                                  int max_factor)
{
    int levels = 0;
    while ((1 << (levels + 1)) <= max_factor)
        levels++;
    int n = (int)json_array_size(sizes);
    if (n != levels && n != levels + 1)
        return false;
    for (int i = 0; i < n; i++) {
        int factor = 1 << (levels - i);
        const json_t *s = json_array_get(sizes, (size_t)i);
        json_int_t sw = json_integer_value(json_object_get(s, "width"));
        json_int_t sh = json_integer_value(json_object_get(s, "height"));
        bool one_tile = sw < tile_w && sh < tile_h;
        bool is_level = sw == (w + factor - 1) / factor && sh == (h + factor - 1) / factor;
        if (!one_tile && !is_level)
            return true;
    }
    return false;
}

static int compare_size_width(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The "sizes" of info.json: the pyramid's smallest level (a whole image
 * in one tile), the thumbnail's and the download's (each a real level-0
 * URL, full/W,H), largest dropped first while viewers would take them for
 * levels (sizes_mislead_viewers). @top_w x @top_h: the smallest level;
 * @max_factor its scale factor. */
static json_t *info_sizes(const job *j, int w, int h, int tile, int max_factor, int top_w,
                          int top_h)
{
    int wh[3][2] = {{top_w, top_h}, {j->thumb_w, j->thumb_h}, {j->download_w, j->download_h}};
    qsort(wh, G_N_ELEMENTS(wh), sizeof wh[0], compare_size_width);
    json_t *sizes = json_array();
    for (size_t k = 0; k < G_N_ELEMENTS(wh); k++)
        add_size(sizes, wh[k][0], wh[k][1]);
    while (json_array_size(sizes) > 0 &&
           sizes_mislead_viewers(sizes, w, h, tile, tile, max_factor))
        json_array_remove(sizes, json_array_size(sizes) - 1);
    return sizes;
}

/* Writes @from's bytes also as <tiles>/full/@size/0/default.jpg. */
static vt_status add_whole_image(const char *tiles, const char *from, const char *size)
{
    g_autofree char *to = g_build_filename(tiles, "full", size, "0", "default.jpg", NULL);
    if (g_file_test(to, G_FILE_TEST_EXISTS))
        return VT_OK;
    return copy_file(from, to);
}

/* A whole image of @w x @h, from file @from, under the names level-0
 * clients ask for: full/W,H (Image API 3's canonical form) and full/W,
 * (version 2's, still asked by Universal Viewer for thumbnails). */
static vt_status add_whole_image_sizes(const char *tiles, const char *from, int w, int h)
{
    g_autofree char *wh = g_strdup_printf("%d,%d", w, h);
    g_autofree char *w_only = g_strdup_printf("%d,", w);
    vt_status status = add_whole_image(tiles, from, wh);
    if (status == VT_OK)
        status = add_whole_image(tiles, from, w_only);
    return status;
}

/* info.json and the whole-image files for what libvips 8.14's IIIF layout
 * wrote in @j->tmp_tiles. Its info.json lists every scale factor but the
 * last one: a 300 x 200 image gets "scaleFactors":[] (OpenSeadragon then
 * computes NaN levels and draws nothing), a 1600 x 1200 one [1,2] for three
 * levels (OpenSeadragon then reads the sizes as the levels and opens the
 * image at 64 %, cut off). The levels are rebuilt here as OpenSeadragon
 * computes them (each ceil(size / factor), the last one within one tile,
 * which libvips names 0,0,W,H), and that last level is also written where
 * viewers ask for it: full/W,H, and full/max when it is the image itself. */
static vt_status write_info(job *j)
{
    const vt_image_options *opt = j->opt;
    g_autofree char *info_path = g_build_filename(j->tmp_tiles, "info.json", NULL);
    json_error_t jerr;
    json_t *info = json_load_file(info_path, 0, &jerr);
    if (!json_is_object(info)) {
        json_decref(info);
        return vt_error_set(VT_ERR_INTERNAL, "libvips wrote an unreadable %s: %s", info_path,
                            jerr.text);
    }
    /* The size of the image tiled (libvips's own, after any rotation). */
    int w = (int)json_integer_value(json_object_get(info, "width"));
    int h = (int)json_integer_value(json_object_get(info, "height"));
    int tile = opt->tile_size;
    if (w <= 0 || h <= 0 || tile <= 0) {
        json_decref(info);
        return vt_error_set(VT_ERR_INTERNAL, "libvips wrote no size in %s", info_path);
    }
    int factor = 1;
    while ((w + factor - 1) / factor > tile || (h + factor - 1) / factor > tile)
        factor *= 2;
    int top_w = (w + factor - 1) / factor, top_h = (h + factor - 1) / factor;
    g_autofree char *top = g_strdup_printf("%s/0,0,%d,%d/%d,%d/0/default.jpg", j->tmp_tiles, w, h,
                                           top_w, top_h);
    if (!g_file_test(top, G_FILE_TEST_IS_REGULAR)) {
        json_decref(info);
        return vt_error_set(VT_ERR_INTERNAL,
                            "libvips wrote no single-tile level (%s) for a %d x %d image", top,
                            w, h);
    }
    json_t *factors = json_array();
    for (int f = 1; f <= factor; f *= 2)
        json_array_append_new(factors, json_integer(f));
    json_object_set_new(info, "id", json_sprintf("%s/%s", opt->images_base_url, opt->id));
    json_object_set_new(info, "width", json_integer(w));
    json_object_set_new(info, "height", json_integer(h));
    json_object_set_new(info, "tiles", json_pack("[{s:i, s:i, s:o}]", "width", tile, "height",
                                                 tile, "scaleFactors", factors));
    json_t *sizes = info_sizes(j, w, h, tile, factor, top_w, top_h);
    if (json_array_size(sizes) > 0)
        json_object_set_new(info, "sizes", sizes);
    else
        json_decref(sizes);
    int rc = json_dump_file(info, info_path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(info);
    if (rc != 0)
        return vt_error_set_errno(errno_is_transient(errno) ? VT_ERR_TRANSIENT : VT_ERR_IO, errno,
                                  "Could not write %s", info_path);

    /* Every size listed, and the download a manifest paints, must be a
     * real level-0 URL. The first file written at a size keeps it: the
     * download first, since it carries the original's rights and credit
     * (issue 15) and the tile and the thumbnail do not, so that a small
     * image whose download is its top level still hands out its rights. */
    const struct {
        const char *from;
        int w, h;
    } copies[] = {
        { j->tmp_download, j->download_w, j->download_h },
        { top, top_w, top_h },
        { j->tmp_thumb, j->thumb_w, j->thumb_h },
    };
    vt_status status = VT_OK;
    for (size_t i = 0; i < G_N_ELEMENTS(copies) && status == VT_OK; i++)
        status = add_whole_image_sizes(j->tmp_tiles, copies[i].from, copies[i].w, copies[i].h);
    if (status == VT_OK && factor == 1)
        status = add_whole_image(j->tmp_tiles, top, "max");
    /* The thumbnail under a fixed name, for the web server to answer a
     * full/W,/0/default.jpg that no file answers (Universal Viewer asks
     * full/90, of any level-0 service): docs/web rewrites it there. */
    g_autofree char *fixed = g_build_filename(j->tmp_tiles, "thumbnail.jpg", NULL);
    if (status == VT_OK)
        status = copy_file(j->tmp_thumb, fixed);
    return status;
}

/* Static IIIF Image API 3 level-0 tiles in .tmp-<id>.tiles. */
static vt_status write_tiles(job *j)
{
    const vt_image_options *opt = j->opt;
    VipsImage **t = (VipsImage **)vips_object_local_array(j->context, 1);
    g_autofree char *suffix = g_strdup_printf(".jpg[Q=%d,strip,optimize_coding]", opt->quality);

    j->tmp_tiles = tmp_path(opt, "tiles");
    remove_tree(j->tmp_tiles);
    t[0] = vips_image_new_from_file(j->tmp_tif, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!t[0] || vips_dzsave(t[0], j->tmp_tiles,
                             "layout", VIPS_FOREIGN_DZ_LAYOUT_IIIF3,
                             "tile_size", opt->tile_size,
                             "overlap", 0,
                             "suffix", suffix,
                             "id", opt->images_base_url,
                             "strip", TRUE,
                             NULL))
        return save_failed(j, "static tiles", j->tmp_tiles, vips_message_take(NULL, NULL));

    /* libvips leaves the image's properties next to info.json; nothing of
     * it is for the public. */
    g_autofree char *properties = g_build_filename(j->tmp_tiles, "vips-properties.xml", NULL);
    unlink(properties);

    return write_info(j);
}

static vt_status rename_into_place(const char *from, const char *to)
{
    if (rename(from, to) != 0)
        return vt_error_set_errno(errno_is_transient(errno) ? VT_ERR_TRANSIENT : VT_ERR_IO, errno,
                                  "Could not rename %s to %s", from, to);
    return VT_OK;
}

/* Renames the finished files to their final names. A tile folder left by
 * an earlier conversion is swapped out atomically and removed after, so
 * that the image server never sees a half-present folder. */
static vt_status commit(job *j, char **ret_tif, char **ret_thumb, char **ret_download,
                        char **ret_tiles)
{
    const vt_image_options *opt = j->opt;
    g_autofree char *tif_name = g_strdup_printf("%s.tif", opt->id);
    g_autofree char *thumb_name = g_strdup_printf("%s-thumb.jpg", opt->id);
    g_autofree char *download_name = g_strdup_printf("%s-download.jpg", opt->id);
    g_autofree char *tif = g_build_filename(opt->images_dir, tif_name, NULL);
    g_autofree char *thumb = g_build_filename(opt->images_dir, "derivatives", thumb_name, NULL);
    g_autofree char *download =
        g_build_filename(opt->images_dir, "derivatives", download_name, NULL);
    g_autofree char *tiles = NULL;
    vt_status status;

    if (j->tmp_tiles) {
        tiles = g_build_filename(opt->images_dir, opt->id, NULL);
        if (renameat2(AT_FDCWD, j->tmp_tiles, AT_FDCWD, tiles, RENAME_EXCHANGE) == 0) {
            remove_tree(j->tmp_tiles); /* now the old tree */
        } else {
            remove_tree(tiles);
            status = rename_into_place(j->tmp_tiles, tiles);
            if (status != VT_OK)
                return status;
        }
    }
    if ((status = rename_into_place(j->tmp_thumb, thumb)) != VT_OK ||
        (j->tmp_download && (status = rename_into_place(j->tmp_download, download)) != VT_OK) ||
        (status = rename_into_place(j->tmp_tif, tif)) != VT_OK)
        return status;
    *ret_tif = g_steal_pointer(&tif);
    *ret_thumb = g_steal_pointer(&thumb);
    *ret_download = j->tmp_download ? g_steal_pointer(&download) : NULL;
    *ret_tiles = g_steal_pointer(&tiles);
    return VT_OK;
}

uint64_t vt_image_expected_bytes(const vt_image_options *opt, uint64_t width, uint64_t height,
                                 int pixel_bytes, bool rotated)
{
    uint64_t pixels = width * height;
    uint64_t samples = pixel_bytes == 1 ? 1 : 3;
    uint64_t pyramid = pixels * samples / 3 * 4 / 3;
    uint64_t side = (uint64_t)MAX(opt->download_size, opt->thumbnail_size);
    /* The two derivatives, at most the download's size each, as JPEG too. */
    uint64_t derivatives = 2 * MIN(side * side, pixels) * samples / 3;
    uint64_t total = pyramid + derivatives + 1000000;

    if (opt->server == VT_SERVER_STATIC)
        total += pyramid;
    if (rotated)
        total += pixels * (uint64_t)MAX(pixel_bytes, 1);
    return total;
}

void vt_image_options_init(vt_image_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->server = VT_SERVER_CANTALOUPE;
    opt->max_pixels = VT_IMAGE_DEFAULT_MAX_PIXELS;
    opt->tile_size = VT_IMAGE_DEFAULT_TILE_SIZE;
    opt->quality = VT_IMAGE_DEFAULT_QUALITY;
    opt->thumbnail_size = VT_IMAGE_DEFAULT_THUMBNAIL_SIZE;
    opt->download_size = VT_IMAGE_DEFAULT_DOWNLOAD_SIZE;
}

static vt_status convert(job *j, json_t **ret_result)
{
    const vt_image_options *opt = j->opt;
    VipsImage **t = (VipsImage **)vips_object_local_array(j->context, 1);
    vt_status status;

    if ((status = check_output_dirs(opt)) != VT_OK ||
        (status = open_input(j, &t[0])) != VT_OK ||
        (status = write_tiff(j, t[0])) != VT_OK)
        return status;

    j->tmp_thumb = tmp_path(opt, "thumb.jpg");
    /* Download size 0: the image server makes downloads, none is written. */
    j->tmp_download = opt->download_size ? tmp_path(opt, "download.jpg") : NULL;
    if ((status = write_derivative(j, "thumbnail", opt->thumbnail_size, false, j->tmp_thumb,
                                   &j->thumb_w, &j->thumb_h)) != VT_OK ||
        (j->tmp_download &&
         (status = write_derivative(j, "download JPEG", opt->download_size, true,
                                    j->tmp_download, &j->download_w, &j->download_h)) != VT_OK))
        return status;
    if (opt->server == VT_SERVER_STATIC && (status = write_tiles(j)) != VT_OK)
        return status;

    g_autofree char *tif = NULL, *thumb = NULL, *download = NULL, *tiles = NULL;
    if ((status = commit(j, &tif, &thumb, &download, &tiles)) != VT_OK)
        return status;

    json_t *result = json_pack(
        "{s:i, s:i, s:s, s:i, s:s, s:i, s:b, s:b, s:i, s:s, s:s, s:s?,"
        " s:i, s:i, s:i, s:i, s:o, s:O}",
        "width", j->width, "height", j->height, "format", j->format, "bands", j->bands,
        "interpretation", vips_enum_nick(VIPS_TYPE_INTERPRETATION, j->interpretation),
        "bits", (int)vips_format_sizeof(j->band_format) * 8, "has_alpha", j->has_alpha,
        "icc", j->icc, "orientation", j->orientation, "image", tif, "thumbnail", thumb,
        "download", download, "thumbnail_width", j->thumb_w, "thumbnail_height", j->thumb_h,
        "download_width", j->download_w, "download_height", j->download_h,
        "tiles", tiles ? json_string(tiles) : json_null(), "embedded", j->embedded);
    if (!result)
        return vt_error_set(VT_ERR_NOMEM, "Could not build the conversion result for %s", j->input);
    *ret_result = result;
    return VT_OK;
}

vt_status vt_image_convert(const vt_image_options *opt, json_t **ret_result)
{
    vt_status status = check_options(opt);
    if (status != VT_OK)
        return status;

    job j = { .opt = opt, .input = opt->input, .fd = -1 };
    j.context = VIPS_OBJECT(vips_image_new());
    vips_error_clear();
    status = convert(&j, ret_result);
    job_clear(&j);
    if (status != VT_OK)
        remove_tmp_outputs(opt);
    return status;
}
