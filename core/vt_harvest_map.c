/* vt_harvest_map.c: see vt_harvest_map.h.
 *
 * What keeps a hostile answer harmless, and must stay:
 *  - JSON: the size cap, then a pre-scan that bounds nesting and the number
 *    of values before jansson builds anything (jansson's own depth limit is
 *    2048 and it has no count limit, so memory would follow the attacker).
 *  - XML: XML_PARSE_NONET, never XML_PARSE_NOENT / DTDLOAD / HUGE, and a
 *    DOCTYPE stops the parser as soon as it is seen (no entity is ever
 *    declared, so none can be expanded). libxml2's errors go to handlers of
 *    this call, never to stderr or another thread (as in vt_xmp.c).
 *  - Every value goes through vt_meta_add_value(), which caps lengths and
 *    counts.
 * XPaths are compiled at load time only to check them; each mapping call
 * compiles its own, so no libxml2 object is shared between threads.
 */
#include "vt_harvest_map.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <math.h>
#include <string.h>

#include "vt_config.h"
#include "vt_meta.h"
#include "vt_name.h"
#include "vt_xml.h"

#define PLACEHOLDER "{intervention}"
/* Array elements or nodes one mapping looks at: enough to fill a field
 * (VT_META_VALUES_MAX) past duplicates and blanks, and a bound on the
 * duplicate checks of a hostile answer with 200,000 values in one array. */
#define MAX_EXAMINED (10 * VT_META_VALUES_MAX)

static const char *const harvest_keys[] = {
    "url", "format", "timeout-seconds", "refresh-hours", NULL};

typedef struct {
    char *key;         /* as written: "title.fr" */
    char *field;
    char *lang;        /* or NULL */
    char *path;        /* JSON pointer or XPath, as written */
    char **tokens;     /* JSON pointer: the unescaped reference tokens */
} mapping;

struct vt_harvest_config {
    char *url;
    vt_harvest_format format;
    int timeout_seconds;
    int refresh_hours;
    mapping *maps;
    size_t n_maps;
    char **fields;     /* distinct field names, NULL-terminated */
    char **ns_prefixes;
    char **ns_uris;
    size_t n_ns;
};

/* ---- configuration ------------------------------------------------------ */

typedef struct {
    GKeyFile *kf;
    GString *problems;
    unsigned n_problems;
} loader;

static void problem(loader *l, const char *group, const char *key, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void problem(loader *l, const char *group, const char *key, const char *fmt, ...)
{
    va_list ap;

    if (l->problems->len)
        g_string_append_c(l->problems, '\n');
    if (key) {
        g_autofree char *shown = vt_name_display(key);
        g_string_append_printf(l->problems, "[%s] %s: ", group, shown);
    } else {
        g_string_append_printf(l->problems, "[%s]: ", group);
    }
    va_start(ap, fmt);
    g_string_append_vprintf(l->problems, fmt, ap);
    va_end(ap);
    l->n_problems++;
}


static int get_int(loader *l, const char *key, int fallback, int min, int max)
{
    g_autofree char *value = vt_config_get_raw(l->kf, "harvest", key);
    if (!value || !*value)
        return fallback;
    gint64 n;
    if (!g_ascii_string_to_signed(value, 10, min, max, &n, NULL)) {
        g_autofree char *shown = vt_name_display(value);
        problem(l, "harvest", key, "'%s' is not a whole number from %d to %d", shown, min, max);
        return fallback;
    }
    return (int)n;
}

static void check_url(loader *l, const char *url)
{
    if (!strstr(url, PLACEHOLDER)) {
        problem(l, "harvest", "url", "has no %s where the intervention number goes", PLACEHOLDER);
        return;
    }
    for (const char *p = url; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            problem(l, "harvest", "url", "contains a blank or a control character");
            return;
        }
    }
    char **parts = g_strsplit(url, PLACEHOLDER, -1);
    char *sample = g_strjoinv("1", parts);
    g_strfreev(parts);
    GUri *uri = g_uri_parse(sample, G_URI_FLAGS_NONE, NULL);
    const char *scheme = uri ? g_uri_get_scheme(uri) : NULL;
    const char *host = uri ? g_uri_get_host(uri) : NULL;
    if (!uri || !scheme || (g_ascii_strcasecmp(scheme, "http") != 0
                            && g_ascii_strcasecmp(scheme, "https") != 0)) {
        g_autofree char *shown = vt_name_display(url);
        problem(l, "harvest", "url", "'%s' is not an http:// or https:// URL", shown);
    } else if (!host || !host[0]) {
        problem(l, "harvest", "url", "has no host name");
    }
    if (uri)
        g_uri_unref(uri);
    g_free(sample);
}

/* Splits a JSON pointer into unescaped tokens; NULL (and a problem) when it
 * is not one. The empty pointer (the whole document) is refused: it never
 * points at a value of a record. */
static char **json_pointer_tokens(loader *l, const char *key, const char *pointer)
{
    if (pointer[0] != '/') {
        g_autofree char *shown = vt_name_display(pointer);
        problem(l, "harvest-fields", key,
                "'%s' is not a JSON pointer (it starts with '/', as in /title or /titles/0)",
                shown);
        return NULL;
    }
    char **tokens = g_strsplit(pointer + 1, "/", -1);
    for (char **t = tokens; *t; t++) {
        /* "~1" is '/', "~0" is '~'; any other '~' is an error (RFC 6901). */
        char *out = *t;
        for (const char *in = *t; *in; in++) {
            if (*in != '~') {
                *out++ = *in;
            } else if (in[1] == '0' || in[1] == '1') {
                *out++ = in[1] == '0' ? '~' : '/';
                in++;
            } else {
                g_autofree char *shown = vt_name_display(pointer);
                problem(l, "harvest-fields", key,
                        "'%s': '~' must be followed by 0 (for '~') or 1 (for '/')", shown);
                g_strfreev(tokens);
                return NULL;
            }
        }
        *out = '\0';
    }
    return tokens;
}

/* The first XPath error of a check (code and message), or none. */
typedef struct {
    int code;
    char *message;
} xpath_error;

static void on_xpath_error(void *user_data, xmlErrorPtr error)
{
    xpath_error *e = user_data;
    if (!e || e->code || !error)
        return;
    e->code = error->code;
    e->message = g_strdup(error->message ? error->message : "XPath error");
    g_strchomp(e->message);
}

/* libxml2 reports a few XPath errors ("function frobnicate not found")
 * through the generic handler only; they are repeated as structured ones. */
static void ignore_generic_error(void *user_data, const char *fmt, ...)
{
}

/* A context whose errors go to @error (or nowhere: NULL), over @doc, with
 * the configured namespaces. */
static xmlXPathContextPtr xpath_context_new(const vt_harvest_config *config, xmlDocPtr doc,
                                            xpath_error *error)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    if (!ctx)
        return NULL;
    ctx->error = on_xpath_error;
    ctx->userData = error;
    for (size_t i = 0; i < config->n_ns; i++)
        xmlXPathRegisterNs(ctx, BAD_CAST config->ns_prefixes[i], BAD_CAST config->ns_uris[i]);
    return ctx;
}

/* Compiles the XPath and runs it on an empty document, which is where
 * libxml2 reports undeclared prefixes and unknown functions. */
static void check_xpath(loader *l, const vt_harvest_config *config, xmlDocPtr dummy,
                        const mapping *m)
{
    xpath_error error = { 0 };
    xmlXPathContextPtr ctx = xpath_context_new(config, dummy, &error);
    if (!ctx) {
        problem(l, "harvest-fields", m->key, "out of memory checking the XPath");
        return;
    }
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, ignore_generic_error);

    g_autofree char *shown = vt_name_display(m->path);
    xmlXPathCompExprPtr comp = xmlXPathCtxtCompile(ctx, BAD_CAST m->path);
    if (!comp) {
        problem(l, "harvest-fields", m->key, "'%s' is not a valid XPath: %s", shown,
                error.message ? error.message : "syntax error");
    } else {
        xmlXPathObjectPtr result = xmlXPathCompiledEval(comp, ctx);
        if (error.code == XML_XPATH_UNDEF_PREFIX_ERROR)
            problem(l, "harvest-fields", m->key,
                    "'%s' uses a namespace prefix that [harvest-namespaces] does not declare",
                    shown);
        else if (!result || error.code)
            problem(l, "harvest-fields", m->key, "'%s' cannot be evaluated: %s", shown,
                    error.message ? error.message : "XPath error");
        xmlXPathFreeObject(result);
        xmlXPathFreeCompExpr(comp);
    }
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    g_free(error.message);
    xmlXPathFreeContext(ctx);
}

static gpointer init_libxml(gpointer unused)
{
    xmlInitParser();
    return NULL;
}

static void load_namespaces(loader *l, vt_harvest_config *c)
{
    g_auto(GStrv) keys = g_key_file_get_keys(l->kf, "harvest-namespaces", NULL, NULL);
    size_t n = keys ? g_strv_length(keys) : 0;
    if (n && c->format != VT_HARVEST_XML)
        problem(l, "harvest-namespaces", NULL, "only used with format=xml");
    c->ns_prefixes = g_new0(char *, n + 1);
    c->ns_uris = g_new0(char *, n + 1);
    for (size_t i = 0; i < n; i++) {
        char *uri = vt_config_get_raw(l->kf, "harvest-namespaces", keys[i]);
        bool ok = g_ascii_isalpha(keys[i][0]) || keys[i][0] == '_';
        for (const char *p = keys[i]; ok && *p; p++)
            ok = g_ascii_isalnum(*p) || *p == '_' || *p == '-' || *p == '.';
        if (!ok)
            problem(l, "harvest-namespaces", keys[i], "not a valid XML namespace prefix");
        else if (!uri || !uri[0])
            problem(l, "harvest-namespaces", keys[i], "missing: the namespace URI");
        c->ns_prefixes[c->n_ns] = g_strdup(keys[i]);
        c->ns_uris[c->n_ns++] = uri;
    }
}

static void load_mappings(loader *l, vt_harvest_config *c)
{
    g_auto(GStrv) keys = g_key_file_get_keys(l->kf, "harvest-fields", NULL, NULL);
    size_t n = keys ? g_strv_length(keys) : 0;
    if (n == 0) {
        problem(l, "harvest-fields", NULL,
                "no mapping: nothing to harvest (e.g. title=/title)");
        return;
    }
    if (n > VT_META_FIELDS_MAX) {
        problem(l, "harvest-fields", NULL, "%zu mappings, over the limit of %d", n,
                VT_META_FIELDS_MAX);
        return;
    }
    xmlDocPtr dummy = NULL;
    if (c->format == VT_HARVEST_XML) {
        dummy = xmlNewDoc(BAD_CAST "1.0");
        xmlDocSetRootElement(dummy, xmlNewDocNode(dummy, NULL, BAD_CAST "record", NULL));
    }
    c->maps = g_new0(mapping, n);
    GPtrArray *fields = g_ptr_array_new();
    for (size_t i = 0; i < n; i++) {
        mapping *m = &c->maps[c->n_maps];
        vt_error_clear();
        if (vt_meta_parse_key(keys[i], &m->field, &m->lang) != VT_OK) {
            problem(l, "harvest-fields", keys[i], "%s", vt_error_message());
            continue;
        }
        m->key = g_strdup(keys[i]);
        m->path = vt_config_get_raw(l->kf, "harvest-fields", keys[i]);
        c->n_maps++;
        if (strcmp(m->field, "visibility") == 0)
            problem(l, "harvest-fields", keys[i],
                    "visibility is set by staff per asset and cannot be harvested");
        if (!m->path || !m->path[0])
            problem(l, "harvest-fields", keys[i], "missing: %s",
                    c->format == VT_HARVEST_JSON ? "a JSON pointer such as /title"
                                                 : "an XPath such as /record/title");
        else if (c->format == VT_HARVEST_JSON)
            m->tokens = json_pointer_tokens(l, keys[i], m->path);
        else
            check_xpath(l, c, dummy, m);
        bool seen = false;
        for (guint j = 0; j < fields->len; j++)
            seen = seen || strcmp(fields->pdata[j], m->field) == 0;
        if (!seen)
            g_ptr_array_add(fields, g_strdup(m->field));
    }
    g_ptr_array_add(fields, NULL);
    c->fields = (char **)g_ptr_array_free(fields, FALSE);
    xmlFreeDoc(dummy);
}

vt_status vt_harvest_config_load(GKeyFile *kf, vt_harvest_config **ret_config)
{
    static GOnce once = G_ONCE_INIT;
    g_once(&once, init_libxml, NULL);

    if (!g_key_file_has_group(kf, "harvest")) {
        if (g_key_file_has_group(kf, "harvest-fields")
            || g_key_file_has_group(kf, "harvest-namespaces"))
            return vt_error_set(VT_ERR_CONFIG, "1 problem in the harvest configuration:\n"
                                "[harvest]: missing, but [harvest-fields] or "
                                "[harvest-namespaces] is there (url=... is needed)");
        *ret_config = NULL;
        return VT_OK;
    }
    loader l = { .kf = kf, .problems = g_string_new(NULL) };
    vt_harvest_config *c = g_new0(vt_harvest_config, 1);

    g_auto(GStrv) keys = g_key_file_get_keys(kf, "harvest", NULL, NULL);
    for (size_t i = 0; keys && keys[i]; i++) {
        bool known = false;
        for (const char *const *k = harvest_keys; *k; k++)
            known = known || strcmp(*k, keys[i]) == 0;
        if (!known)
            problem(&l, "harvest", keys[i],
                    "unknown key (known: url, format, timeout-seconds, refresh-hours)");
    }
    c->url = vt_config_get_raw(kf, "harvest", "url");
    if (!c->url || !c->url[0])
        problem(&l, "harvest", "url", "missing: e.g. https://collection.example.org/api/"
                "interventions/" PLACEHOLDER);
    else
        check_url(&l, c->url);
    g_autofree char *format = vt_config_get_raw(kf, "harvest", "format");
    if (!format || !format[0] || strcmp(format, "json") == 0) {
        c->format = VT_HARVEST_JSON;
    } else if (strcmp(format, "xml") == 0) {
        c->format = VT_HARVEST_XML;
    } else {
        g_autofree char *shown = vt_name_display(format);
        problem(&l, "harvest", "format", "'%s' is neither json nor xml", shown);
    }
    c->timeout_seconds = get_int(&l, "timeout-seconds", 10, 1, 300);
    c->refresh_hours = get_int(&l, "refresh-hours", 24, 0, 8760);
    load_namespaces(&l, c);
    load_mappings(&l, c);

    if (l.n_problems) {
        vt_error_set(VT_ERR_CONFIG, "%u problem%s in the harvest configuration:\n%s",
                     l.n_problems, l.n_problems == 1 ? "" : "s", l.problems->str);
        g_string_free(l.problems, TRUE);
        vt_harvest_config_free(c);
        return VT_ERR_CONFIG;
    }
    g_string_free(l.problems, TRUE);
    *ret_config = c;
    return VT_OK;
}

void vt_harvest_config_free(vt_harvest_config *config)
{
    if (!config)
        return;
    for (size_t i = 0; i < config->n_maps; i++) {
        mapping *m = &config->maps[i];
        g_free(m->key);
        g_free(m->field);
        g_free(m->lang);
        g_free(m->path);
        g_strfreev(m->tokens);
    }
    g_free(config->maps);
    g_strfreev(config->fields);
    g_strfreev(config->ns_prefixes);
    g_strfreev(config->ns_uris);
    g_free(config->url);
    g_free(config);
}

vt_harvest_format vt_harvest_config_format(const vt_harvest_config *config)
{
    return config->format;
}

int vt_harvest_config_timeout_seconds(const vt_harvest_config *config)
{
    return config->timeout_seconds;
}

int vt_harvest_config_refresh_hours(const vt_harvest_config *config)
{
    return config->refresh_hours;
}

const char *const *vt_harvest_config_fields(const vt_harvest_config *config)
{
    return (const char *const *)config->fields;
}

vt_status vt_harvest_url(const vt_harvest_config *config, const char *intervention,
                         char **ret_url)
{
    if (!intervention || !intervention[0])
        return vt_error_set(VT_ERR_INVALID, "no intervention number to harvest");
    if (strlen(intervention) > VT_HARVEST_MAX_INTERVENTION)
        return vt_error_set(VT_ERR_INVALID,
                            "intervention number of %zu bytes is over the limit of %d",
                            strlen(intervention), VT_HARVEST_MAX_INTERVENTION);
    if (!g_utf8_validate(intervention, -1, NULL))
        return vt_error_set(VT_ERR_INVALID, "intervention number is not valid UTF-8");
    g_autofree char *escaped = g_uri_escape_string(intervention, NULL, FALSE);
    /* g_strsplit/g_strjoinv rather than g_string_replace(), which needs
     * GLib 2.68. */
    char **parts = g_strsplit(config->url, PLACEHOLDER, -1);
    *ret_url = g_strjoinv(escaped, parts);
    g_strfreev(parts);
    return VT_OK;
}

/* ---- JSON --------------------------------------------------------------- */

/* Bounds nesting and the number of values without building anything. The
 * count is of '[', '{' and ',' outside strings: at least the number of
 * values less one per container. */
static vt_status json_prescan(const char *body, size_t len)
{
    unsigned depth = 0;
    size_t values = 0;
    bool in_string = false;

    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            break;
        case '[':
        case '{':
            if (++depth > VT_HARVEST_MAX_DEPTH)
                return vt_error_set(VT_ERR_LIMIT, "the JSON answer is nested deeper than %d "
                                    "levels, the limit", VT_HARVEST_MAX_DEPTH);
            values++;
            break;
        case ']':
        case '}':
            if (depth > 0)
                depth--;
            break;
        case ',':
            values++;
            break;
        default:
            break;
        }
        if (values > VT_HARVEST_MAX_JSON_VALUES)
            return vt_error_set(VT_ERR_LIMIT, "the JSON answer has more than %d values, the "
                                "limit", VT_HARVEST_MAX_JSON_VALUES);
    }
    return VT_OK;
}

/* The array index a reference token names, or -1 ("-", leading zeros,
 * anything not a number, past the end). */
static gssize array_index(const char *token, size_t size)
{
    guint64 n;
    if (!token[0] || (token[0] == '0' && token[1]) || !g_ascii_isdigit(token[0])
        || !g_ascii_string_to_unsigned(token, 10, 0, G_MAXSSIZE, &n, NULL) || n >= size)
        return -1;
    return (gssize)n;
}

static const json_t *json_resolve(const json_t *root, char **tokens)
{
    const json_t *cur = root;
    for (char **t = tokens; cur && *t; t++) {
        if (json_is_object(cur)) {
            cur = json_object_get(cur, *t);
        } else if (json_is_array(cur)) {
            gssize i = array_index(*t, json_array_size(cur));
            cur = i < 0 ? NULL : json_array_get(cur, (size_t)i);
        } else {
            cur = NULL;
        }
    }
    return cur;
}

static vt_status add_json_scalar(json_t *fields, const mapping *m, const json_t *v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    switch (json_typeof(v)) {
    case JSON_STRING:
        return vt_meta_add_value(fields, m->field, json_string_value(v), json_string_length(v),
                                 m->lang);
    case JSON_INTEGER:
        g_snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return vt_meta_add_value(fields, m->field, buf, strlen(buf), m->lang);
    case JSON_REAL:
        g_ascii_formatd(buf, sizeof buf, "%.15g", json_real_value(v));
        return vt_meta_add_value(fields, m->field, buf, strlen(buf), m->lang);
    case JSON_OBJECT:
    case JSON_ARRAY:
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
        break;
    }
    return VT_OK;
}

/* What is left of @body once a UTF-8 byte order mark and white space are
 * skipped, so that a stray BOM is not taken for garbage. */
static const char *skip_bom_and_blanks(const char *body, size_t *len)
{
    if (*len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
        body += 3;
        *len -= 3;
    }
    while (*len > 0 && g_ascii_isspace(*body)) {
        body++;
        (*len)--;
    }
    return body;
}

vt_status vt_harvest_map_json(const vt_harvest_config *config, const char *body, size_t len,
                              json_t **ret_fields)
{
    if (len > VT_HARVEST_MAX_BODY)
        return vt_error_set(VT_ERR_LIMIT, "the answer of %zu bytes is over the limit of %u "
                            "bytes", len, VT_HARVEST_MAX_BODY);
    if (body)
        body = skip_bom_and_blanks(body, &len);
    if (!body || len == 0)
        return vt_error_set(VT_ERR_INVALID, "the answer is empty (expected a JSON record)");
    if (body[0] == '<')
        return vt_error_set(VT_ERR_INVALID, "the answer is not JSON but HTML or XML (an error "
                            "page, a login page, or format=xml was meant?)");
    vt_status status = json_prescan(body, len);
    if (status != VT_OK)
        return status;

    json_error_t error;
    json_t *root = json_loadb(body, len, 0, &error);
    if (!root) {
        g_autofree char *shown = vt_name_display(error.text);
        return vt_error_set(VT_ERR_INVALID, "the answer is not valid JSON (line %d, column %d): "
                            "%s", error.line, error.column, shown);
    }
    json_t *fields = json_object();
    for (size_t i = 0; status == VT_OK && i < config->n_maps; i++) {
        const mapping *m = &config->maps[i];
        const json_t *v = m->tokens ? json_resolve(root, m->tokens) : NULL;
        if (json_is_array(v)) {
            size_t j;
            const json_t *element;
            json_array_foreach(v, j, element) {
                if (j >= MAX_EXAMINED)
                    break;
                status = add_json_scalar(fields, m, element);
                if (status != VT_OK)
                    break;
            }
        } else if (v) {
            status = add_json_scalar(fields, m, v);
        }
    }
    json_decref(root);
    if (status != VT_OK) {
        json_decref(fields);
        return status;
    }
    *ret_fields = fields;
    return VT_OK;
}

/* ---- XML ---------------------------------------------------------------- */

/* Refuses an HTML page (an error or login page served with 200). */
static vt_status parse_xml(const char *body, size_t len, xmlDocPtr *ret_doc)
{
    xmlDocPtr doc = NULL;
    vt_status status = vt_xml_parse(body, len, "the answer", " (an HTML page?)", &doc);
    if (status != VT_OK)
        return status;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root && g_ascii_strcasecmp((const char *)root->name, "html") == 0) {
        xmlFreeDoc(doc);
        return vt_error_set(VT_ERR_INVALID, "the answer is an HTML page, not a record "
                            "(an error or login page?)");
    }
    *ret_doc = doc;
    return VT_OK;
}

static vt_status add_xpath_result(json_t *fields, const mapping *m, const xmlXPathObject *r)
{
    vt_status status = VT_OK;

    switch (r->type) {
    case XPATH_NODESET:
        for (int i = 0; r->nodesetval && i < r->nodesetval->nodeNr && i < MAX_EXAMINED
                        && status == VT_OK; i++) {
            const json_t *values = json_object_get(fields, m->field);
            if (json_array_size(values) >= VT_META_VALUES_MAX)
                break;
            xmlChar *text = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
            if (text)
                status = vt_meta_add_value(fields, m->field, (const char *)text,
                                           strlen((const char *)text), m->lang);
            xmlFree(text);
        }
        break;
    case XPATH_STRING:
        if (r->stringval)
            status = vt_meta_add_value(fields, m->field, (const char *)r->stringval,
                                       strlen((const char *)r->stringval), m->lang);
        break;
    case XPATH_NUMBER:
        if (!isnan(r->floatval)) {
            xmlChar *text = xmlXPathCastNumberToString(r->floatval);
            if (text)
                status = vt_meta_add_value(fields, m->field, (const char *)text,
                                           strlen((const char *)text), m->lang);
            xmlFree(text);
        }
        break;
    default:  /* booleans, and types XPath 1.0 expressions do not produce */
        break;
    }
    return status;
}

vt_status vt_harvest_map_xml(const vt_harvest_config *config, const char *body, size_t len,
                             json_t **ret_fields)
{
    if (len > VT_HARVEST_MAX_BODY)
        return vt_error_set(VT_ERR_LIMIT, "the answer of %zu bytes is over the limit of %u "
                            "bytes", len, VT_HARVEST_MAX_BODY);
    size_t rest = len;
    if (!body || (skip_bom_and_blanks(body, &rest), rest == 0))
        return vt_error_set(VT_ERR_INVALID, "the answer is empty (expected an XML record)");

    xmlDocPtr doc = NULL;
    vt_status status = parse_xml(body, len, &doc);
    if (status != VT_OK)
        return status;
    xmlXPathContextPtr ctx = xpath_context_new(config, doc, NULL);
    json_t *fields = json_object();
    if (!ctx || !fields)
        status = vt_error_set(VT_ERR_NOMEM, "out of memory reading an XML answer");
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, ignore_generic_error);
    for (size_t i = 0; status == VT_OK && i < config->n_maps; i++) {
        const mapping *m = &config->maps[i];
        xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST m->path, ctx);
        /* A failure here was not seen at load time (the empty document has
         * no nodes to test): the field is left out. */
        if (r)
            status = add_xpath_result(fields, m, r);
        xmlXPathFreeObject(r);
    }
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    if (status != VT_OK) {
        json_decref(fields);
        return status;
    }
    *ret_fields = fields;
    return VT_OK;
}

vt_status vt_harvest_map(const vt_harvest_config *config, const char *body, size_t len,
                         json_t **ret_fields)
{
    if (config->format == VT_HARVEST_XML)
        return vt_harvest_map_xml(config, body, len, ret_fields);
    return vt_harvest_map_json(config, body, len, ret_fields);
}
