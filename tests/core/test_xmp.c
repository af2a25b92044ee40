/* test_xmp.c: vt_xmp_parse on real-looking and hostile packets. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "vt_xmp.h"

#define XPACKET_BEGIN "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
#define XPACKET_END "<?xpacket end=\"w\"?>"
#define XMPMETA_OPEN "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
#define RDF_OPEN "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
#define RDF_CLOSE "</rdf:RDF>\n"
#define XMPMETA_CLOSE "</x:xmpmeta>\n"
#define NS_ALL                                                      \
    " xmlns:dc=\"http://purl.org/dc/elements/1.1/\""                \
    " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\""                   \
    " xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\""       \
    " xmlns:exif=\"http://ns.adobe.com/exif/1.0/\""                 \
    " xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\""                 \
    " xmlns:Iptc4xmpCore=\"http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/\"" \
    " xmlns:lr=\"http://ns.adobe.com/lightroom/1.0/\""

/* A packet with one rdf:Description holding @body. */
#define PACKET(body) \
    XPACKET_BEGIN XMPMETA_OPEN RDF_OPEN "<rdf:Description rdf:about=\"\"" NS_ALL ">\n" body \
    "</rdf:Description>\n" RDF_CLOSE XMPMETA_CLOSE XPACKET_END

static const char lightroom[] = PACKET(
    "<tiff:Make>Canon</tiff:Make>\n"
    "<tiff:Model>Canon EOS 5D Mark IV</tiff:Model>\n"
    "<exif:DateTimeOriginal>2019-05-04T10:22:11</exif:DateTimeOriginal>\n"
    "<xmp:CreateDate>2019-05-04T10:22:11.05</xmp:CreateDate>\n"
    "<photoshop:DateCreated>2019-05-04</photoshop:DateCreated>\n"
    "<photoshop:City>Gent</photoshop:City>\n"
    "<photoshop:Country>België</photoshop:Country>\n"
    "<Iptc4xmpCore:Location>Sint-Baafskathedraal</Iptc4xmpCore:Location>\n"
    "<dc:title><rdf:Alt>\n"
    "  <rdf:li xml:lang=\"x-default\">Het Lam Gods</rdf:li>\n"
    "  <rdf:li xml:lang=\"NL-be\">Het Lam Gods</rdf:li>\n"
    "  <rdf:li xml:lang=\"fr\">L'Agneau mystique</rdf:li>\n"
    "  <rdf:li xml:lang=\"en\">  The Adoration of the Mystic Lamb \n</rdf:li>\n"
    "  <rdf:li xml:lang=\"de\">Der Genter Altar</rdf:li>\n"
    "</rdf:Alt></dc:title>\n"
    "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">Paneel &amp; lijst, "
    "&#x2014; recto</rdf:li></rdf:Alt></dc:description>\n"
    "<dc:subject><rdf:Bag><rdf:li>altaarstuk</rdf:li><rdf:li>Van Eyck</rdf:li>"
    "<rdf:li>   </rdf:li><rdf:li></rdf:li><rdf:li>altaarstuk</rdf:li></rdf:Bag></dc:subject>\n"
    "<lr:hierarchicalSubject><rdf:Bag><rdf:li>Plaatsen|Gent</rdf:li></rdf:Bag>"
    "</lr:hierarchicalSubject>\n"
    "<dc:creator><rdf:Seq><rdf:li>Hubert van Eyck</rdf:li><rdf:li>Jan van Eyck</rdf:li>"
    "</rdf:Seq></dc:creator>\n"
    "<dc:rights><rdf:Alt><rdf:li xml:lang=\"x-default\">CC BY 4.0</rdf:li></rdf:Alt>"
    "</dc:rights>\n");

static json_t *parse_ok(const char *data, size_t len)
{
    json_t *fields = NULL;
    vt_status status = vt_xmp_parse(data, len, &fields);
    if (status != VT_OK)
        g_test_message("unexpected failure: %s", vt_error_message());
    g_assert_cmpint(status, ==, VT_OK);
    g_assert_nonnull(fields);
    g_assert_true(json_is_object(fields));
    return fields;
}

static void parse_fails(const char *data, size_t len, vt_status expected)
{
    json_t *fields = (json_t *)(uintptr_t)0x1;  /* must stay untouched */
    vt_error_clear();
    vt_status status = vt_xmp_parse(data, len, &fields);
    g_test_message("status %d: %s", status, vt_error_message());
    g_assert_cmpint(status, ==, expected);
    g_assert_true(fields == (json_t *)(uintptr_t)0x1);
    g_assert_cmpstr(vt_error_message(), !=, "");
}

/* The whole result as sorted compact JSON, for exact comparisons. */
static char *dump(const json_t *fields)
{
    char *text = json_dumps(fields, JSON_SORT_KEYS | JSON_COMPACT);
    g_assert_nonnull(text);
    return text;
}

static void check_field(const json_t *fields, const char *key, const char *expected_json)
{
    json_t *value = json_object_get(fields, key);
    g_assert_nonnull(value);
    char *got = dump(value);
    g_assert_cmpstr(got, ==, expected_json);
    free(got);
}

static void test_lightroom(void)
{
    json_t *fields = parse_ok(lightroom, strlen(lightroom));

    check_field(fields, "title",
                "[{\"value\":\"Het Lam Gods\"},{\"lang\":\"nl-be\",\"value\":\"Het Lam Gods\"},"
                "{\"lang\":\"fr\",\"value\":\"L'Agneau mystique\"},"
                "{\"lang\":\"en\",\"value\":\"The Adoration of the Mystic Lamb\"},"
                "{\"lang\":\"de\",\"value\":\"Der Genter Altar\"}]");
    check_field(fields, "description", "[{\"value\":\"Paneel & lijst, \xe2\x80\x94 recto\"}]");
    check_field(fields, "keywords", "[{\"value\":\"altaarstuk\"},{\"value\":\"Van Eyck\"}]");
    check_field(fields, "creator", "[{\"value\":\"Hubert van Eyck\"},{\"value\":\"Jan van Eyck\"}]");
    check_field(fields, "rights", "[{\"value\":\"CC BY 4.0\"}]");
    check_field(fields, "date", "[{\"value\":\"2019-05-04\"}]");
    check_field(fields, "camera", "[{\"value\":\"Canon EOS 5D Mark IV\"}]");
    check_field(fields, "city", "[{\"value\":\"Gent\"}]");
    check_field(fields, "country", "[{\"value\":\"België\"}]");
    check_field(fields, "location", "[{\"value\":\"Sint-Baafskathedraal\"}]");
    g_assert_null(json_object_get(fields, "region"));
    g_assert_cmpuint(json_object_size(fields), ==, 10);
    json_decref(fields);
}

/* Photoshop writes one rdf:Description per namespace and simple values as
 * attributes; older versions wrote x:xapmeta. */
static void test_photoshop_shorthand(void)
{
    static const char packet[] =
        XPACKET_BEGIN
        "<x:xapmeta xmlns:x=\"adobe:ns:meta/\" x:xaptk=\"3.1.1-111\">\n" RDF_OPEN
        "<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
        "   xmp:CreateDate=\"2003-11-02T09:10:00+01:00\" xmp:CreatorTool=\"Photoshop 7.0\"/>\n"
        "<rdf:Description rdf:about=\"\" xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\"\n"
        "   tiff:Make=\"NIKON CORPORATION\" tiff:Model=\"NIKON D1X\"/>\n"
        "<rdf:Description rdf:about=\"\" xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\"\n"
        "   photoshop:City=\" Antwerpen \" photoshop:State=\"Vlaanderen\" photoshop:Country=\"\"/>\n"
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
        "   dc:format=\"image/tiff\">\n"
        " <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Schelde</rdf:li></rdf:Alt></dc:title>\n"
        "</rdf:Description>\n"
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
        "   xml:lang=\"nl\">\n"
        " <dc:title>Schelde bij nacht</dc:title>\n"
        " <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Schelde</rdf:li></rdf:Alt></dc:title>\n"
        "</rdf:Description>\n"
        RDF_CLOSE "</x:xapmeta>\n"
        "                                                                    \n"
        XPACKET_END;
    json_t *fields = parse_ok(packet, sizeof packet - 1);
    char *text = dump(fields);
    g_assert_cmpstr(text, ==,
                    "{\"camera\":[{\"value\":\"NIKON CORPORATION NIKON D1X\"}],"
                    "\"city\":[{\"value\":\"Antwerpen\"}],"
                    "\"date\":[{\"value\":\"2003-11-02T09:10:00+01:00\"}],"
                    "\"region\":[{\"value\":\"Vlaanderen\"}],"
                    "\"title\":[{\"value\":\"Schelde\"},"
                    "{\"lang\":\"nl\",\"value\":\"Schelde bij nacht\"}]}");
    free(text);
    json_decref(fields);
}

/* Dates: photoshop:DateCreated, else xmp:CreateDate, else exif:DateTimeOriginal;
 * camera: make alone, model alone. */
static void test_fallbacks(void)
{
    static const char exif_only[] = PACKET(
        "<exif:DateTimeOriginal>2001-01-01T00:00:00</exif:DateTimeOriginal>\n"
        "<tiff:Model>DSC-RX100</tiff:Model>\n");
    json_t *fields = parse_ok(exif_only, strlen(exif_only));
    check_field(fields, "date", "[{\"value\":\"2001-01-01T00:00:00\"}]");
    check_field(fields, "camera", "[{\"value\":\"DSC-RX100\"}]");
    json_decref(fields);

    static const char xmp_and_exif[] = PACKET(
        "<exif:DateTimeOriginal>2001-01-01T00:00:00</exif:DateTimeOriginal>\n"
        "<xmp:CreateDate>2002-02-02</xmp:CreateDate>\n"
        "<tiff:Make>Hasselblad</tiff:Make>\n");
    fields = parse_ok(xmp_and_exif, strlen(xmp_and_exif));
    check_field(fields, "date", "[{\"value\":\"2002-02-02\"}]");
    check_field(fields, "camera", "[{\"value\":\"Hasselblad\"}]");
    json_decref(fields);
}

/* Sidecars and embedded packets come with and without wrappers, with padding
 * and with garbage after the end. */
static void test_wrappers(void)
{
    static const char bare_rdf[] =
        RDF_OPEN "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:rights>Public domain</dc:rights></rdf:Description>" RDF_CLOSE;
    static const char expected[] = "{\"rights\":[{\"value\":\"Public domain\"}]}";
    static const char garbage[] = "\0\0\0\xff\xd8\xff\xe1 not xml </x:xmpmeta> <?xpacket end";

    GString *data = g_string_new(bare_rdf);
    json_t *fields = parse_ok(data->str, data->len);
    char *text = dump(fields);
    g_assert_cmpstr(text, ==, expected);
    free(text);
    json_decref(fields);

    /* Garbage after </rdf:RDF>, after </x:xmpmeta>, after <?xpacket end?>;
     * an XML declaration in front. */
    static const struct {
        const char *before, *after;
    } wrapped[] = {
        { "", "" },
        { XMPMETA_OPEN, XMPMETA_CLOSE },
        { XPACKET_BEGIN XMPMETA_OPEN, XMPMETA_CLOSE "\n                       \n" XPACKET_END },
        { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" XMPMETA_OPEN, XMPMETA_CLOSE },
        { "\xef\xbb\xbf" XMPMETA_OPEN, XMPMETA_CLOSE },
        { "<!-- a comment -->\n<?pi x?>\n" XMPMETA_OPEN, XMPMETA_CLOSE },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(wrapped); i++) {
        g_string_assign(data, wrapped[i].before);
        g_string_append(data, bare_rdf);
        g_string_append(data, wrapped[i].after);
        g_string_append_len(data, garbage, sizeof garbage - 1);
        g_test_message("wrapper %zu", i);
        fields = parse_ok(data->str, data->len);
        text = dump(fields);
        g_assert_cmpstr(text, ==, expected);
        free(text);
        json_decref(fields);
    }

    /* Not NUL-terminated: only len bytes are read. */
    char *copy = g_malloc(sizeof bare_rdf - 1);
    memcpy(copy, bare_rdf, sizeof bare_rdf - 1);
    fields = parse_ok(copy, sizeof bare_rdf - 1);
    json_decref(fields);
    g_free(copy);
    g_string_free(data, TRUE);
}

static void test_encodings(void)
{
    /* Latin-1, declared: converted to UTF-8. */
    static const char latin1[] =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
        RDF_OPEN "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:rights>\xa9 Mus\xe9\x65</dc:rights></rdf:Description>" RDF_CLOSE;
    json_t *fields = parse_ok(latin1, sizeof latin1 - 1);
    check_field(fields, "rights", "[{\"value\":\"\xc2\xa9 Mus\xc3\xa9\x65\"}]");
    json_decref(fields);

    /* Latin-1, undeclared: not UTF-8, refused. */
    static const char undeclared[] =
        RDF_OPEN "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:rights>\xa9 Mus\xe9\x65</dc:rights></rdf:Description>" RDF_CLOSE;
    parse_fails(undeclared, sizeof undeclared - 1, VT_ERR_INVALID);

    /* UTF-16LE with a BOM. */
    static const char ascii[] =
        RDF_OPEN "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:rights>UTF-16</dc:rights></rdf:Description>" RDF_CLOSE;
    GString *utf16 = g_string_new_len("\xff\xfe", 2);
    for (size_t i = 0; ascii[i]; i++) {
        g_string_append_c(utf16, ascii[i]);
        g_string_append_c(utf16, '\0');
    }
    fields = parse_ok(utf16->str, utf16->len);
    check_field(fields, "rights", "[{\"value\":\"UTF-16\"}]");
    json_decref(fields);
    g_string_free(utf16, TRUE);
}

static void test_malformed(void)
{
    static const char truncated[] = PACKET("<dc:rights>x</dc:rights>");
    parse_fails(truncated, sizeof truncated / 2, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "not well-formed"));

    static const char mismatch[] = RDF_OPEN "<rdf:Description></rdf:Descr>" RDF_CLOSE;
    parse_fails(mismatch, sizeof mismatch - 1, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "line 2"));

    parse_fails("", 0, VT_ERR_INVALID);
    parse_fails(NULL, 0, VT_ERR_INVALID);
    parse_fails("   \n\t ", 6, VT_ERR_INVALID);
    parse_fails("not xml at all", 14, VT_ERR_INVALID);
    parse_fails("<a>&undefined;</a>", 18, VT_ERR_INVALID);

    /* Deeper than libxml2's limit without XML_PARSE_HUGE (256). */
    GString *deep = g_string_new(NULL);
    for (int i = 0; i < 300; i++)
        g_string_append(deep, "<a>");
    for (int i = 0; i < 300; i++)
        g_string_append(deep, "</a>");
    parse_fails(deep->str, deep->len, VT_ERR_INVALID);
    g_string_free(deep, TRUE);
}

static void test_doctype_refused(void)
{
    static const char laughs[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE lolz [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n"
        RDF_OPEN "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:title>&lol9;</dc:title></rdf:Description>" RDF_CLOSE;
    gint64 start = g_get_monotonic_time();
    parse_fails(laughs, sizeof laughs - 1, VT_ERR_INVALID);
    g_assert_nonnull(strstr(vt_error_message(), "DOCTYPE"));
    g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);

    /* XXE: a file we can check did not leak into a value. */
    char *dir = g_dir_make_tmp("vt-xmp-XXXXXX", NULL);
    g_assert_nonnull(dir);
    char *secret = g_build_filename(dir, "secret.txt", NULL);
    g_assert_true(g_file_set_contents(secret, "SECRET", -1, NULL));
    char *xxe = g_strdup_printf(
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE x:xmpmeta [ <!ENTITY xxe SYSTEM \"file://%s\"> ]>\n"
        XMPMETA_OPEN RDF_OPEN
        "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<dc:title>&xxe;</dc:title></rdf:Description>" RDF_CLOSE XMPMETA_CLOSE, secret);
    parse_fails(xxe, strlen(xxe), VT_ERR_INVALID);
    g_assert_null(strstr(vt_error_message(), "SECRET"));

    /* An external DTD only. */
    static const char external[] =
        "<!DOCTYPE rdf:RDF SYSTEM \"http://example.invalid/x.dtd\">\n"
        RDF_OPEN RDF_CLOSE;
    parse_fails(external, sizeof external - 1, VT_ERR_INVALID);

    g_free(xxe);
    g_assert_cmpint(unlink(secret), ==, 0);
    g_assert_cmpint(rmdir(dir), ==, 0);
    g_free(secret);
    g_free(dir);
}

static void test_limits(void)
{
    /* Input cap. */
    size_t big = VT_XMP_MAX_INPUT + 1;
    char *data = g_malloc(big);
    memset(data, ' ', big);
    parse_fails(data, big, VT_ERR_LIMIT);
    g_free(data);

    /* A value over the cap is cut on a character boundary. */
    GString *packet = g_string_new(RDF_OPEN "<rdf:Description "
                                   "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:rights>a");
    while (packet->len < 2 * VT_XMP_MAX_VALUE_BYTES)
        g_string_append(packet, "\xc3\xa9");  /* é: two bytes, the cut falls inside one */
    g_string_append(packet, "</dc:rights></rdf:Description>" RDF_CLOSE);
    json_t *fields = parse_ok(packet->str, packet->len);
    json_t *array = json_object_get(fields, "rights");
    g_assert_cmpuint(json_array_size(array), ==, 1);
    const char *value = json_string_value(json_object_get(json_array_get(array, 0), "value"));
    g_assert_cmpuint(strlen(value), ==, VT_XMP_MAX_VALUE_BYTES - 1);
    g_assert_true(g_utf8_validate(value, -1, NULL));
    json_decref(fields);

    /* Values over the count cap are dropped. */
    g_string_assign(packet, RDF_OPEN "<rdf:Description "
                    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:subject><rdf:Bag>");
    for (int i = 0; i < VT_XMP_MAX_VALUES + 500; i++)
        g_string_append_printf(packet, "<rdf:li>k%d</rdf:li>", i);
    g_string_append(packet, "</rdf:Bag></dc:subject><dc:rights>late</dc:rights>"
                    "</rdf:Description>" RDF_CLOSE);
    fields = parse_ok(packet->str, packet->len);
    array = json_object_get(fields, "keywords");
    g_assert_cmpuint(json_array_size(array), ==, VT_XMP_MAX_VALUES);
    g_assert_cmpstr(json_string_value(json_object_get(json_array_get(array, 999), "value")), ==,
                    "k999");
    g_assert_null(json_object_get(fields, "rights"));
    json_decref(fields);
    g_string_free(packet, TRUE);
}

/* Things we do not read and forms that must not confuse the reader. */
static void test_ignored_forms(void)
{
    static const char packet[] = PACKET(
        "<dc:rights rdf:resource=\"https://creativecommons.org/licenses/by/4.0/\"/>\n"
        "<dc:creator rdf:parseType=\"Resource\"><dc:title>nested</dc:title></dc:creator>\n"
        "<dc:title><rdf:Alt><rdf:li><rdf:Description><dc:title>deep</dc:title>"
        "</rdf:Description></rdf:li><rdf:li xml:lang=\"EN-gb\"><!-- c -->Kept<![CDATA[ & "
        "cdata]]></rdf:li><rdf:li xml:lang=\"bad lang!\">odd lang</rdf:li></rdf:Alt></dc:title>\n"
        "<dc:description><rdf:Bag><rdf:li>one</rdf:li></rdf:Bag><rdf:Bag/></dc:description>\n"
        "<dc:subject>plain keyword</dc:subject>\n"
        "<photoshop:City><b>bold</b></photoshop:City>\n"
        "<other:thing xmlns:other=\"urn:x\">no</other:thing>\n");
    json_t *fields = parse_ok(packet, sizeof packet - 1);
    char *text = dump(fields);
    g_assert_cmpstr(text, ==,
                    "{\"keywords\":[{\"value\":\"plain keyword\"}],"
                    "\"title\":[{\"lang\":\"en-gb\",\"value\":\"Kept & cdata\"},"
                    "{\"value\":\"odd lang\"}]}");
    free(text);
    json_decref(fields);

    /* Well-formed, but no RDF at all. */
    fields = parse_ok("<root><child/></root>", 21);
    g_assert_cmpuint(json_object_size(fields), ==, 0);
    json_decref(fields);
}

/* The seeds of fuzz/corpus/xmp must keep meaning what their names say. */
static void test_corpus(void)
{
    const char *source = g_getenv("VT_SOURCE_DIR");
    if (!source) {
        g_test_skip("VT_SOURCE_DIR is not set");
        return;
    }
    char *dir = g_build_filename(source, "fuzz", "corpus", "xmp", NULL);
    static const struct {
        const char *file;
        vt_status status;
    } seeds[] = {
        { "lightroom.xmp", VT_OK },
        { "photoshop.xmp", VT_OK },
        { "multilingual.xmp", VT_OK },
        { "billion-laughs.xmp", VT_ERR_INVALID },
        { "xxe-passwd.xmp", VT_ERR_INVALID },
        { "deep-nesting.xmp", VT_ERR_INVALID },
        { "truncated.xmp", VT_ERR_INVALID },
        { "empty.xmp", VT_ERR_INVALID },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(seeds); i++) {
        char *path = g_build_filename(dir, seeds[i].file, NULL);
        char *data = NULL;
        gsize len = 0;
        g_test_message("%s", path);
        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        json_t *fields = NULL;
        vt_status status = vt_xmp_parse(data, len, &fields);
        g_assert_cmpint(status, ==, seeds[i].status);
        if (status == VT_OK)
            g_assert_cmpuint(json_object_size(fields), >, 0);
        json_decref(fields);
        g_free(data);
        g_free(path);
    }
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xmp/lightroom", test_lightroom);
    g_test_add_func("/xmp/photoshop-shorthand", test_photoshop_shorthand);
    g_test_add_func("/xmp/fallbacks", test_fallbacks);
    g_test_add_func("/xmp/wrappers", test_wrappers);
    g_test_add_func("/xmp/encodings", test_encodings);
    g_test_add_func("/xmp/malformed", test_malformed);
    g_test_add_func("/xmp/doctype-refused", test_doctype_refused);
    g_test_add_func("/xmp/limits", test_limits);
    g_test_add_func("/xmp/ignored-forms", test_ignored_forms);
    g_test_add_func("/xmp/corpus", test_corpus);
    return g_test_run();
}
