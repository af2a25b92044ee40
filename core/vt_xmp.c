/* vt_xmp.c: see vt_xmp.h.
 *
 * Safety rests on three things, each of which must stay:
 *  - The parse options: XML_PARSE_NONET, and never XML_PARSE_NOENT,
 *    XML_PARSE_DTDLOAD or XML_PARSE_HUGE (which lifts libxml2's depth and
 *    size limits).
 *  - The internalSubset SAX hook: it runs as soon as "<!DOCTYPE name ..." is
 *    read, before any entity declaration, and stops the parser. XMP never
 *    has a DTD, so refusing one costs nothing and removes entity expansion
 *    (billion laughs) and external entities (XXE) from the picture.
 *  - Errors go to handlers of this call only (the context's SAX serror and,
 *    for the few errors libxml2 raises without a context, this thread's
 *    structured handler, restored before returning), never to stderr or to
 *    another thread.
 */
#include "vt_xmp.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <string.h>

#include "vt_name.h"
#include "vt_xml.h"

#define NS_RDF       "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_DC        "http://purl.org/dc/elements/1.1/"
#define NS_XMP       "http://ns.adobe.com/xap/1.0/"
#define NS_PHOTOSHOP "http://ns.adobe.com/photoshop/1.0/"
#define NS_EXIF      "http://ns.adobe.com/exif/1.0/"
#define NS_TIFF      "http://ns.adobe.com/tiff/1.0/"
#define NS_IPTC      "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"

/* How deep under the document element rdf:RDF is looked for
 * (x:xmpmeta/rdf:RDF is depth 1). */
#define RDF_SEARCH_DEPTH 4
/* BCP 47 tags are at most 35 characters in practice. */
#define LANG_MAX 35

/* Fields that are not copied as they come but chosen or combined at the end. */
typedef enum {
    SLOT_NONE = -1,
    SLOT_DATE_PHOTOSHOP,  /* date, first choice */
    SLOT_DATE_XMP,        /* second */
    SLOT_DATE_EXIF,       /* third */
    SLOT_MAKE,
    SLOT_MODEL,
    N_SLOTS
} slot;

typedef struct {
    const char *ns;
    const char *name;
    const char *field;    /* key in the result, or NULL for a slot */
    slot slot;
} property;

static const property properties[] = {
    { NS_DC,        "title",            "title",       SLOT_NONE },
    { NS_DC,        "description",      "description", SLOT_NONE },
    { NS_DC,        "subject",          "keywords",    SLOT_NONE },
    { NS_DC,        "creator",          "creator",     SLOT_NONE },
    { NS_DC,        "rights",           "rights",      SLOT_NONE },
    { NS_IPTC,      "Location",         "location",    SLOT_NONE },
    { NS_PHOTOSHOP, "City",             "city",        SLOT_NONE },
    { NS_PHOTOSHOP, "State",            "region",      SLOT_NONE },
    { NS_PHOTOSHOP, "Country",          "country",     SLOT_NONE },
    { NS_PHOTOSHOP, "DateCreated",      NULL,          SLOT_DATE_PHOTOSHOP },
    { NS_XMP,       "CreateDate",       NULL,          SLOT_DATE_XMP },
    { NS_EXIF,      "DateTimeOriginal", NULL,          SLOT_DATE_EXIF },
    { NS_TIFF,      "Make",             NULL,          SLOT_MAKE },
    { NS_TIFF,      "Model",            NULL,          SLOT_MODEL },
};

typedef struct {
    json_t *fields;
    GHashTable *seen;        /* "field\x1flang\x1fvalue" of every value added */
    unsigned n_values;
    char *slots[N_SLOTS];    /* first value seen for each slot */
} parse_state;

/* ---- the packet --------------------------------------------------------- */

/* The end of the root element if it is one of XMP's (x:xmpmeta, Photoshop 7's
 * x:xapmeta, or a bare rdf:RDF): the first "</name>" after it, which in a
 * packet is the last element's end. 0 when there is no such root. */
static size_t root_end(const char *data, size_t len, size_t from)
{
    static const char *const roots[] = { "x:xmpmeta", "x:xapmeta", "rdf:RDF" };
    const char *end = data + len;
    const char *p = data + from;

    /* Skip the prolog: declaration, processing instructions, comments. */
    while ((p = memchr(p, '<', (size_t)(end - p))) && end - p >= 2) {
        const char *close;
        if (p[1] == '?')
            close = memmem(p, (size_t)(end - p), "?>", 2);
        else if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
            close = memmem(p, (size_t)(end - p), "-->", 3);
        else
            break;  /* the root element, or a DOCTYPE the parser refuses */
        if (!close)
            return 0;
        p = close + 2;
    }
    if (!p || end - p < 2)
        return 0;

    for (size_t i = 0; i < G_N_ELEMENTS(roots); i++) {
        size_t n = strlen(roots[i]);
        if ((size_t)(end - p) < n + 2 || memcmp(p + 1, roots[i], n) != 0
            || !(g_ascii_isspace(p[1 + n]) || p[1 + n] == '>' || p[1 + n] == '/'))
            continue;
        char closing[16];
        g_snprintf(closing, sizeof closing, "</%s>", roots[i]);
        const char *found = memmem(p, (size_t)(end - p), closing, n + 3);
        return found ? (size_t)(found + n + 3 - data) : 0;
    }
    return 0;
}

/* Where the packet is inside @data: from "<?xpacket begin" (unless the data
 * starts with an XML declaration, which must stay first) to the end of its
 * root element; what follows (the closing <?xpacket end?>, padding, the rest
 * of a file) is not XMP. Markers are ASCII, so UTF-16 input is left whole. */
static void find_packet(const char *data, size_t len, size_t *ret_start, size_t *ret_end)
{
    size_t start = 0, lead = 0;
    const char *p;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        lead = 3;
    while (lead < len && g_ascii_isspace(data[lead]))
        lead++;
    bool declaration = len - lead >= 5 && memcmp(data + lead, "<?xml", 5) == 0;
    if (!declaration && (p = memmem(data, len, "<?xpacket begin", 15)))
        start = (size_t)(p - data);

    size_t end = root_end(data, len, start);
    *ret_start = start;
    *ret_end = end > start ? end : len;
}

/* ---- values ------------------------------------------------------------- */

static bool is_element(const xmlNode *node, const char *ns, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns && node->ns->href
        && strcmp((const char *)node->ns->href, ns) == 0
        && strcmp((const char *)node->name, name) == 0;
}

static bool has_rdf_attribute(const xmlNode *node, const char *name)
{
    return xmlHasNsProp(node, (const xmlChar *)name, (const xmlChar *)NS_RDF) != NULL;
}

/* The text of @node if it holds only text (comments and processing
 * instructions aside), else NULL. Bounded by the input cap. */
static char *simple_text(const xmlNode *node)
{
    GString *text = g_string_new(NULL);

    for (const xmlNode *c = node->children; c; c = c->next) {
        switch (c->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (c->content)
                g_string_append(text, (const char *)c->content);
            break;
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            break;
        default:
            g_string_free(text, TRUE);
            return NULL;
        }
    }
    return g_string_free(text, FALSE);
}

/* Trims @value in place and cuts it to VT_XMP_MAX_VALUE_BYTES on a character
 * boundary (libxml2 hands out valid UTF-8). */
static void clean_value(char *value)
{
    g_strstrip(value);
    size_t len = strlen(value);
    if (len <= VT_XMP_MAX_VALUE_BYTES)
        return;
    char *cut = value + VT_XMP_MAX_VALUE_BYTES;
    while (cut > value && ((unsigned char)*cut & 0xC0) == 0x80)
        cut--;
    *cut = '\0';
    g_strchomp(value);
}

/* The language of @node (xml:lang, inherited), lowercased; NULL when unset,
 * "x-default" or not shaped like a language tag. */
static char *node_lang(const xmlNode *node)
{
    xmlChar *raw = xmlNodeGetLang(node);
    if (!raw)
        return NULL;

    char *lang = g_ascii_strdown((const char *)raw, -1);
    xmlFree(raw);
    size_t len = strlen(lang);
    bool ok = len > 0 && len <= LANG_MAX && strcmp(lang, "x-default") != 0;
    for (size_t i = 0; ok && i < len; i++)
        ok = g_ascii_isalnum(lang[i]) || lang[i] == '-';
    if (!ok)
        g_clear_pointer(&lang, g_free);
    return lang;
}

static void add_value(parse_state *st, const property *prop, char *value, const char *lang)
{
    clean_value(value);
    if (!value[0])
        return;

    if (prop->slot != SLOT_NONE) {
        if (!st->slots[prop->slot])
            st->slots[prop->slot] = g_strdup(value);
        return;
    }
    if (st->n_values >= VT_XMP_MAX_VALUES)
        return;

    char *key = g_strdup_printf("%s\x1f%s\x1f%s", prop->field, lang ? lang : "", value);
    if (!g_hash_table_add(st->seen, key))
        return;

    json_t *entry = json_object();
    json_t *text = json_string(value);
    if (!entry || !text || json_object_set_new(entry, "value", text) != 0
        || (lang && json_object_set_new(entry, "lang", json_string(lang)) != 0)) {
        /* Only out of memory (libxml2's output is valid UTF-8): drop the value. */
        json_decref(entry);
        return;
    }
    json_t *array = json_object_get(st->fields, prop->field);
    if (!array) {
        array = json_array();
        if (json_object_set_new(st->fields, prop->field, array) != 0) {
            json_decref(entry);
            return;
        }
    }
    if (json_array_append_new(array, entry) == 0)
        st->n_values++;
}

static const property *find_property(const xmlNs *ns, const xmlChar *name)
{
    if (!ns || !ns->href)
        return NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(properties); i++)
        if (strcmp((const char *)ns->href, properties[i].ns) == 0
            && strcmp((const char *)name, properties[i].name) == 0)
            return &properties[i];
    return NULL;
}

/* A value node (a property element or an rdf:li) holding plain text. */
static void add_text_node(parse_state *st, const property *prop, const xmlNode *node)
{
    if (has_rdf_attribute(node, "resource") || has_rdf_attribute(node, "parseType"))
        return;
    char *text = simple_text(node);
    if (!text)
        return;
    char *lang = node_lang(node);
    add_value(st, prop, text, lang);
    g_free(lang);
    g_free(text);
}

/* <ns:prop>text</ns:prop> or <ns:prop><rdf:Alt|Bag|Seq><rdf:li>...</ns:prop>. */
static void read_property_element(parse_state *st, const property *prop, const xmlNode *node)
{
    const xmlNode *container = NULL;

    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (container)
            return;  /* two elements: not a form we read */
        container = c;
    }
    if (!container) {
        add_text_node(st, prop, node);
        return;
    }
    if (!is_element(container, NS_RDF, "Alt") && !is_element(container, NS_RDF, "Bag")
        && !is_element(container, NS_RDF, "Seq"))
        return;
    for (const xmlNode *li = container->children; li; li = li->next)
        if (is_element(li, NS_RDF, "li"))
            add_text_node(st, prop, li);
}

static void read_description(parse_state *st, const xmlNode *desc)
{
    /* Shorthand: simple properties as attributes of rdf:Description. */
    for (const xmlAttr *attr = desc->properties; attr; attr = attr->next) {
        const property *prop = find_property(attr->ns, attr->name);
        if (!prop)
            continue;
        xmlChar *raw = xmlNodeGetContent((const xmlNode *)attr);
        if (!raw)
            continue;
        char *value = g_strdup((const char *)raw);
        xmlFree(raw);
        char *lang = node_lang(desc);
        add_value(st, prop, value, lang);
        g_free(lang);
        g_free(value);
    }
    for (const xmlNode *c = desc->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const property *prop = find_property(c->ns, c->name);
        if (prop)
            read_property_element(st, prop, c);
    }
}

static void find_rdf(parse_state *st, const xmlNode *node, int depth)
{
    for (; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (is_element(node, NS_RDF, "RDF")) {
            for (const xmlNode *c = node->children; c; c = c->next)
                if (is_element(c, NS_RDF, "Description"))
                    read_description(st, c);
        } else if (depth < RDF_SEARCH_DEPTH) {
            find_rdf(st, node->children, depth + 1);
        }
    }
}

/* Adds the chosen date and the camera, the fields built from slots. */
static void add_slot_fields(parse_state *st)
{
    static const property date = { NULL, NULL, "date", SLOT_NONE };
    static const property camera = { NULL, NULL, "camera", SLOT_NONE };

    for (int s = SLOT_DATE_PHOTOSHOP; s <= SLOT_DATE_EXIF; s++)
        if (st->slots[s]) {
            char *value = g_strdup(st->slots[s]);
            add_value(st, &date, value, NULL);
            g_free(value);
            break;
        }

    const char *make = st->slots[SLOT_MAKE], *model = st->slots[SLOT_MODEL];
    char *value = NULL;
    if (make && model)
        value = g_str_has_prefix(model, make) ? g_strdup(model)
                                              : g_strdup_printf("%s %s", make, model);
    else if (make || model)
        value = g_strdup(make ? make : model);
    if (value)
        add_value(st, &camera, value, NULL);
    g_free(value);
}

/* ---- entry point -------------------------------------------------------- */

vt_status vt_xmp_parse(const char *data, size_t len, json_t **ret_fields)
{
    if (len > VT_XMP_MAX_INPUT)
        return vt_error_set(VT_ERR_LIMIT, "XMP packet of %zu bytes is over the limit of %u bytes",
                            len, VT_XMP_MAX_INPUT);
    if (!data || len == 0)
        return vt_error_set(VT_ERR_INVALID, "XMP packet is empty");
    size_t start, end;
    find_packet(data, len, &start, &end);

    parse_state st = { 0 };
    xmlDocPtr doc = NULL;
    vt_status status = vt_xml_parse(data + start, end - start, "XMP packet",
                                    ", which XMP never has", &doc);
    if (status == VT_OK) {
        st.fields = json_object();
        st.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        if (!st.fields) {
            status = vt_error_set(VT_ERR_NOMEM, "out of memory reading an XMP packet");
        } else {
            find_rdf(&st, xmlDocGetRootElement(doc), 0);
            add_slot_fields(&st);
            *ret_fields = g_steal_pointer(&st.fields);
        }
        g_hash_table_destroy(st.seen);
    }
    for (int s = 0; s < N_SLOTS; s++)
        g_free(st.slots[s]);
    xmlFreeDoc(doc);
    return status;
}
