/* vt_request.c: see vt_request.h.
 *
 * The parser works on a copy of at most VT_REQUEST_QUERY_MAX bytes split
 * into at most VT_REQUEST_PARAMS_MAX pairs, and every decoded value is no
 * longer than its encoded form, so the memory a request can make us use is
 * bounded by a small multiple of the cap. Nothing from the URL reaches the
 * index unchecked: the audience and facets are set from the settings after
 * the parameters are read, so no parameter can override them.
 */
#include "vt_request.h"

#include <string.h>

#include "vt_config.h"
#include "vt_url.h"

#define FIELD_NAME_MAX 32
/* Bytes of a client's value quoted back in an error message. */
#define QUOTE_MAX 100


/* --- settings --------------------------------------------------------------- */

static bool valid_field_name(const char *name)
{
    if (!name || !(*name >= 'a' && *name <= 'z'))
        return false;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++)
        if (n >= FIELD_NAME_MAX || !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

void vt_request_settings_free(vt_request_settings *settings)
{
    if (!settings)
        return;
    g_strfreev(settings->facets);
    g_free(settings->index_dir);
    g_free(settings);
}

vt_status vt_request_settings_load(const vt_config *config, vt_request_settings **ret_settings)
{
    /* vt_config validated [search] when it loaded the file. */
    vt_request_settings *s = g_new0(vt_request_settings, 1);
    s->internal = config->search_internal;
    s->facets = g_strdupv(config->facets);
    s->index_dir = g_strdup(config->index_dir);
    *ret_settings = s;
    return VT_OK;
}

vt_status vt_request_settings_set_audience(vt_request_settings *settings, const char *audience)
{
    if (!audience)
        return VT_OK;
    if (strcmp(audience, "internal") != 0 && strcmp(audience, "public") != 0)
        return vt_error_set(VT_ERR_CONFIG, "%s is '%.*s', not internal or public", VT_REQUEST_AUDIENCE_ENV,
                            QUOTE_MAX, audience);
    settings->internal = strcmp(audience, "internal") == 0;
    return VT_OK;
}

/* --- parsing ---------------------------------------------------------------- */

void vt_request_free(vt_request *request)
{
    if (!request)
        return;
    json_decref(request->search);
    g_free(request->prefix);
    g_free(request->field);
    g_free(request->manifest);
    g_free(request->q);
    g_free(request);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes @n bytes of @s ('+' is a space) into a new string. @what names
 * the part in messages ("a parameter name", "parameter q"). */
static vt_status decode(const char *s, size_t n, const char *what, char **ret_text)
{
    g_autofree char *out = g_malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < n ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return vt_error_set(VT_ERR_INVALID,
                                    "bad percent-encoding in %s: '%%' must be followed by two hex digits",
                                    what);
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        if (c == 0)
            return vt_error_set(VT_ERR_INVALID, "%s contains a NUL byte", what);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return vt_error_set(VT_ERR_INVALID, "%s contains a control character", what);
        out[k++] = (char)c;
    }
    out[k] = '\0';
    if (!g_utf8_validate(out, (gssize)k, NULL))
        return vt_error_set(VT_ERR_INVALID, "%s is not valid UTF-8 after decoding", what);
    *ret_text = g_steal_pointer(&out);
    return VT_OK;
}

typedef struct {
    const char *name;
    bool repeatable;
} param_def;

/* Every parameter the CGI knows; anything else is refused. */
static const param_def params[] = {
    {"q", false},        {"f", true},         {"page", false},       {"size", false},
    {"sort", false},     {"lang", false},     {"hl", false},         {"suggest", false},
    {"field", false},
    {"manifest", false}, {"v", false},        {"autocomplete", false},
    /* Defined by the IIIF Search API; accepted with manifest and ignored. */
    {"motivation", false}, {"date", false},   {"user", false},       {"min", false},
};

static const param_def *find_param(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(params); i++)
        if (strcmp(params[i].name, name) == 0)
            return &params[i];
    return NULL;
}

/* A whole number of 1 to 9 decimal digits within [min, max]. */
static vt_status parse_number(const char *name, const char *text, int min, int max, int *ret_value)
{
    long v = 0;
    size_t n = strlen(text);
    bool digits = n >= 1 && n <= 9;
    for (size_t i = 0; digits && i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            digits = false;
        else
            v = v * 10 + (text[i] - '0');
    }
    if (!digits || v < min || v > max)
        return vt_error_set(VT_ERR_INVALID, "%s must be a whole number from %d to %d, not '%.*s'", name,
                            min, max, QUOTE_MAX, text);
    *ret_value = (int)v;
    return VT_OK;
}

static int paren_depth(const char *q)
{
    int depth = 0, max = 0;
    bool quoted = false;
    for (const char *p = q; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == '(' && ++depth > max)
            max = depth;
        else if (!quoted && *p == ')' && depth > 0)
            depth--;
    }
    return max;
}

static vt_status check_q(const char *q)
{
    size_t n = strlen(q);
    if (n > VT_INDEX_QUERY_MAX)
        return vt_error_set(VT_ERR_LIMIT, "q is too long: %zu bytes (limit %d)", n, VT_INDEX_QUERY_MAX);
    if (paren_depth(q) > VT_INDEX_QUERY_DEPTH)
        return vt_error_set(VT_ERR_LIMIT, "q nests parentheses deeper than %d", VT_INDEX_QUERY_DEPTH);
    return VT_OK;
}

static bool one_of(const char *value, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(value, list[i]) == 0)
            return true;
    return false;
}

/* The parameters of one request, decoded. */
typedef struct {
    GHashTable *single;   /* name -> value (owned) */
    GPtrArray *filters;   /* f values (owned) */
} params_seen;

static const char *get(const params_seen *ps, const char *name)
{
    return g_hash_table_lookup(ps->single, name);
}

/* Refuses any parameter outside @allowed (NULL-terminated) for @kind. */
static vt_status only(const params_seen *ps, const char *const *allowed, const char *kind)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, ps->single);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (!one_of(key, allowed))
            return vt_error_set(VT_ERR_INVALID, "parameter %s cannot be used with %s", (const char *)key,
                                kind);
    if (ps->filters->len > 0 && !one_of("f", allowed))
        return vt_error_set(VT_ERR_INVALID, "parameter f cannot be used with %s", kind);
    return VT_OK;
}

static vt_status split(const char *query_string, params_seen *ps)
{
    size_t len = strlen(query_string);
    if (len > VT_REQUEST_QUERY_MAX)
        return vt_error_set(VT_ERR_LIMIT, "the query string is too long: %zu bytes (limit %d)", len,
                            VT_REQUEST_QUERY_MAX);
    /* Counted first, so that the answer to a flood of pairs does not
     * depend on which of them happens to be wrong first. */
    size_t count = 0;
    for (const char *p = query_string; *p; p++)
        if (*p != '&' && (p == query_string || p[-1] == '&'))
            count++;
    if (count > VT_REQUEST_PARAMS_MAX)
        return vt_error_set(VT_ERR_LIMIT, "more than %d parameters", VT_REQUEST_PARAMS_MAX);
    const char *p = query_string;
    while (*p) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        if (end > p) {
            const char *eq = memchr(p, '=', (size_t)(end - p));
            const char *name_end = eq ? eq : end;
            g_autofree char *name = NULL;
            vt_status st = decode(p, (size_t)(name_end - p), "a parameter name", &name);
            if (st != VT_OK)
                return st;
            const param_def *def = find_param(name);
            if (!def) {
                if (strcmp(name, "callback") == 0)
                    return vt_error_set(VT_ERR_INVALID, "callback: JSONP is not supported (CORS is allowed)");
                return vt_error_set(VT_ERR_INVALID, "unknown parameter '%.40s'", name);
            }
            g_autofree char *what = g_strdup_printf("parameter %s", def->name);
            char *value = NULL;
            st = eq ? decode(eq + 1, (size_t)(end - eq - 1), what, &value) : decode("", 0, what, &value);
            if (st != VT_OK)
                return st;
            if (def->repeatable) {
                if (ps->filters->len >= VT_INDEX_FILTERS_MAX) {
                    g_free(value);
                    return vt_error_set(VT_ERR_LIMIT, "more than %d f filters", VT_INDEX_FILTERS_MAX);
                }
                g_ptr_array_add(ps->filters, value);
            } else {
                if (g_hash_table_contains(ps->single, def->name)) {
                    g_free(value);
                    return vt_error_set(VT_ERR_INVALID, "parameter %s is given more than once", def->name);
                }
                g_hash_table_insert(ps->single, (gpointer)def->name, value);
            }
        }
        p = *end ? end + 1 : end;
    }
    return VT_OK;
}

static vt_status check_filter(const char *f)
{
    const char *colon = strchr(f, ':');
    g_autofree char *field = colon ? g_strndup(f, (size_t)(colon - f)) : NULL;
    if (!colon || !valid_field_name(field) || !colon[1])
        return vt_error_set(VT_ERR_INVALID, "f must be field:value, not '%.*s'", QUOTE_MAX, f);
    if (strlen(colon + 1) > VT_INDEX_VALUE_MAX)
        return vt_error_set(VT_ERR_LIMIT, "f value is longer than %d bytes", VT_INDEX_VALUE_MAX);
    return VT_OK;
}

static void set_audience(json_t *search, const vt_request_settings *settings)
{
    json_object_set_new(search, "audience", json_string(settings->internal ? "internal" : "public"));
}

static vt_status parse_search(const params_seen *ps, const vt_request_settings *settings, vt_request *r)
{
    static const char *const allowed[] = {"q", "page", "size", "sort", "lang", "hl", "f", NULL};
    static const char *const sorts[] = {"relevance", "year", "-year", "title", NULL};
    static const char *const langs[] = {"nl", "fr", "en", "de", NULL};
    if (get(ps, "field"))
        return vt_error_set(VT_ERR_INVALID, "parameter field is only used with suggest");
    vt_status st = only(ps, allowed, "a search");
    if (st != VT_OK)
        return st;
    json_t *search = json_object();
    r->search = search;
    const char *q = get(ps, "q");
    if (q) {
        if ((st = check_q(q)) != VT_OK)
            return st;
        json_object_set_new(search, "q", json_string(q));
    }
    int page = 1, size = 20;
    if (get(ps, "page") && (st = parse_number("page", get(ps, "page"), 1, VT_INDEX_RESULT_MAX, &page)) != VT_OK)
        return st;
    if (get(ps, "size") &&
        (st = parse_number("size", get(ps, "size"), 1, VT_INDEX_PAGE_SIZE_MAX, &size)) != VT_OK)
        return st;
    if ((long)page * size > VT_INDEX_RESULT_MAX)
        return vt_error_set(VT_ERR_INVALID, "page %d of size %d is past the first %d results", page, size,
                            VT_INDEX_RESULT_MAX);
    json_object_set_new(search, "page", json_integer(page));
    json_object_set_new(search, "size", json_integer(size));
    const char *sort = get(ps, "sort");
    if (sort) {
        if (!one_of(sort, sorts))
            return vt_error_set(VT_ERR_INVALID, "sort must be relevance, year, -year or title, not '%.*s'",
                                QUOTE_MAX, sort);
        json_object_set_new(search, "sort", json_string(sort));
    }
    const char *lang = get(ps, "lang");
    if (lang) {
        if (!one_of(lang, langs))
            return vt_error_set(VT_ERR_INVALID, "lang must be nl, fr, en or de, not '%.*s'", QUOTE_MAX,
                                lang);
        json_object_set_new(search, "lang", json_string(lang));
    }
    const char *hl = get(ps, "hl");
    if (hl) {
        if (!vt_config_language_valid(hl))
            return vt_error_set(VT_ERR_INVALID, "hl must be a language such as nl or pt-BR, not '%.*s'",
                                QUOTE_MAX, hl);
        json_object_set_new(search, "hl", json_string(hl));
    }
    if (ps->filters->len > 0) {
        json_t *filters = json_array();
        json_object_set_new(search, "filters", filters);
        for (guint i = 0; i < ps->filters->len; i++) {
            const char *f = g_ptr_array_index(ps->filters, i);
            if ((st = check_filter(f)) != VT_OK)
                return st;
            json_array_append_new(filters, json_string(f));
        }
    }
    json_t *facets = json_array();
    for (size_t i = 0; settings->facets && settings->facets[i]; i++)
        json_array_append_new(facets, json_string(settings->facets[i]));
    json_object_set_new(search, "facets", facets);
    set_audience(search, settings);
    r->kind = VT_REQUEST_SEARCH;
    return VT_OK;
}

static vt_status check_prefix(const char *name, const char *prefix)
{
    if (!*prefix)
        return vt_error_set(VT_ERR_INVALID, "%s must not be empty", name);
    if (strlen(prefix) > VT_INDEX_VALUE_MAX)
        return vt_error_set(VT_ERR_LIMIT, "%s is longer than %d bytes", name, VT_INDEX_VALUE_MAX);
    return VT_OK;
}

static vt_status parse_suggest(const params_seen *ps, vt_request *r)
{
    static const char *const allowed[] = {"suggest", "field", "size", NULL};
    vt_status st = only(ps, allowed, "suggest");
    if (st != VT_OK)
        return st;
    const char *prefix = get(ps, "suggest");
    if ((st = check_prefix("suggest", prefix)) != VT_OK)
        return st;
    const char *field = get(ps, "field");
    if (field && !valid_field_name(field))
        return vt_error_set(VT_ERR_INVALID, "field must be a field name, not '%.*s'", QUOTE_MAX, field);
    int limit = VT_REQUEST_SUGGEST_DEFAULT;
    if (get(ps, "size") &&
        (st = parse_number("size", get(ps, "size"), 1, VT_INDEX_SUGGEST_MAX, &limit)) != VT_OK)
        return st;
    r->kind = VT_REQUEST_SUGGEST;
    r->prefix = g_strdup(prefix);
    r->field = g_strdup(field);
    r->limit = limit;
    return VT_OK;
}

static vt_status parse_manifest(const params_seen *ps, const vt_request_settings *settings, vt_request *r)
{
    static const char *const allowed[] = {"manifest", "q", "v", "autocomplete", "lang", "motivation",
                                          "date", "user", "min", NULL};
    static const char *const langs[] = {"nl", "fr", "en", "de", NULL};
    vt_status st = only(ps, allowed, "manifest");
    if (st != VT_OK)
        return st;
    const char *id = get(ps, "manifest");
    if (!vt_url_id_valid(id))
        return vt_error_set(VT_ERR_INVALID, "manifest must be an asset id ([a-z0-9]{1,%d}), not '%.*s'",
                            VT_URL_ID_MAX, QUOTE_MAX, id);
    const char *v = get(ps, "v");
    if (v && strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
        return vt_error_set(VT_ERR_INVALID, "v must be 1 or 2 (IIIF Search API version), not '%.*s'",
                            QUOTE_MAX, v);
    const char *autocomplete = get(ps, "autocomplete");
    if (autocomplete && strcmp(autocomplete, "1") != 0 && strcmp(autocomplete, "0") != 0)
        return vt_error_set(VT_ERR_INVALID, "autocomplete must be 1 or 0, not '%.*s'", QUOTE_MAX,
                            autocomplete);
    const char *lang = get(ps, "lang");
    if (lang && !one_of(lang, langs))
        return vt_error_set(VT_ERR_INVALID, "lang must be nl, fr, en or de, not '%.*s'", QUOTE_MAX, lang);
    const char *q = get(ps, "q");
    r->manifest = g_strdup(id);
    r->iiif_version = v && strcmp(v, "1") == 0 ? 1 : 2;
    if (!q) {
        /* The bare service id: a valid empty answer (no search, no
         * prefix), which is what a client probing the service gets. */
        r->kind = autocomplete && strcmp(autocomplete, "1") == 0 ? VT_REQUEST_AUTOCOMPLETE
                                                                   : VT_REQUEST_CONTENT_SEARCH;
        r->q = g_strdup("");
        return VT_OK;
    }
    if (autocomplete && strcmp(autocomplete, "1") == 0) {
        if ((st = check_prefix("q", q)) != VT_OK)
            return st;
        r->kind = VT_REQUEST_AUTOCOMPLETE;
        r->prefix = g_strdup(q);
        r->limit = VT_REQUEST_SUGGEST_DEFAULT;
        return VT_OK;
    }
    if ((st = check_q(q)) != VT_OK)
        return st;
    r->kind = VT_REQUEST_CONTENT_SEARCH;
    r->q = g_strdup(q);
    json_t *search = json_object();
    r->search = search;
    json_object_set_new(search, "q", json_string(q));
    g_autofree char *filter = g_strdup_printf("id:%s", id);
    json_object_set_new(search, "filters", json_pack("[s]", filter));
    json_object_set_new(search, "size", json_integer(1));
    if (lang)
        json_object_set_new(search, "lang", json_string(lang));
    set_audience(search, settings);
    return VT_OK;
}

vt_status vt_request_path_query(const char *path_info, const char *query_string,
                                char **ret_query)
{
    const char *rest = NULL;
    bool autocomplete = false;
    if (g_str_has_prefix(path_info, "/manifest/")) {
        rest = path_info + strlen("/manifest/");
    } else if (g_str_has_prefix(path_info, "/autocomplete/")) {
        rest = path_info + strlen("/autocomplete/");
        autocomplete = true;
    } else {
        return vt_error_set(VT_ERR_INVALID,
                            "unknown path '%.*s' (/manifest/ID or /autocomplete/ID, "
                            "each optionally followed by /v1)", QUOTE_MAX, path_info);
    }
    const char *slash = strchr(rest, '/');
    g_autofree char *id = slash ? g_strndup(rest, (gsize)(slash - rest)) : g_strdup(rest);
    bool v1 = slash && strcmp(slash, "/v1") == 0;
    if (!vt_url_id_valid(id) || (slash && !v1))
        return vt_error_set(VT_ERR_INVALID,
                            "the path must be /manifest/ID or /autocomplete/ID with an asset id "
                            "([a-z0-9]{1,%d}), optionally followed by /v1, not '%.*s'",
                            VT_URL_ID_MAX, QUOTE_MAX, path_info);
    *ret_query = g_strdup_printf("manifest=%s%s%s%s%s", id, autocomplete ? "&autocomplete=1" : "",
                                 v1 ? "&v=1" : "", query_string && *query_string ? "&" : "",
                                 query_string ? query_string : "");
    return VT_OK;
}

vt_status vt_request_parse(const char *query_string, const vt_request_settings *settings,
                           vt_request **ret_request)
{
    params_seen ps = {g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free),
                      g_ptr_array_new_with_free_func(g_free)};
    vt_request *r = g_new0(vt_request, 1);
    vt_status st = split(query_string ? query_string : "", &ps);
    if (st == VT_OK) {
        if (get(&ps, "suggest"))
            st = parse_suggest(&ps, r);
        else if (get(&ps, "manifest"))
            st = parse_manifest(&ps, settings, r);
        else
            st = parse_search(&ps, settings, r);
    }
    g_hash_table_destroy(ps.single);
    g_ptr_array_free(ps.filters, TRUE);
    if (st != VT_OK) {
        vt_request_free(r);
        return st;
    }
    *ret_request = r;
    return VT_OK;
}

/* --- answers ---------------------------------------------------------------- */

int vt_request_http_status(vt_status status)
{
    switch (status) {
    case VT_OK:
        return 200;
    case VT_ERR_INVALID:
    case VT_ERR_LIMIT:
        return 400;
    case VT_ERR_NOT_FOUND:
    case VT_ERR_BUSY:
        return 503;
    case VT_ERR_NOMEM:
    case VT_ERR_IO:
    case VT_ERR_CONFIG:
    case VT_ERR_STORE:
    case VT_ERR_EXISTS:
    case VT_ERR_BAD_IMAGE:
    case VT_ERR_TRANSIENT:
    case VT_ERR_UNSAFE_PATH:
    case VT_ERR_INTERNAL:
        return 500;
    }
    return 500;
}

json_t *vt_request_error_answer(int http_status, const char *message)
{
    /* A message quoting the client's value may end in half a character
     * (it is cut at a byte count); jansson refuses invalid UTF-8. */
    g_autofree char *valid = g_utf8_make_valid(message ? message : "error", -1);
    return json_pack("{s:s, s:i}", "error", valid, "status", http_status);
}

/* Sets @key of @obj to @text (taken over), or to null if there is none. */
static void set_url(json_t *obj, const char *key, char *text)
{
    json_object_set_new(obj, key, text ? json_string(text) : json_null());
    g_free(text);
}

json_t *vt_request_search_answer(const vt_config *config, json_t *result)
{
    size_t i;
    json_t *hit;
    json_array_foreach(json_object_get(result, "hits"), i, hit) {
        const char *id = json_string_value(json_object_get(hit, "id"));
        if (!vt_url_id_valid(id)) {
            set_url(hit, "thumbnail", NULL);
            set_url(hit, "manifest", NULL);
            set_url(hit, "page", NULL);
            continue;
        }
        int w = 0, h = 0;
        /* An internal asset's images are in their own root (internal
         * audience only: a public answer never names it). */
        vt_visibility where = vt_url_image_place(config, id, config->audience_internal);
        if (config->server == VT_SERVER_STATIC &&
            vt_url_static_thumbnail_size(config, id, where, &w, &h) != VT_OK) {
            /* No tiles (yet): a level-0 server has no thumbnail to give. */
            set_url(hit, "thumbnail", NULL);
        } else {
            set_url(hit, "thumbnail", vt_url_thumbnail(config, id, where, w, h));
        }
        set_url(hit, "manifest", vt_url_manifest(config, id));
        set_url(hit, "page", vt_url_page(config, id));
    }
    return result;
}

json_t *vt_request_suggest_answer(const vt_request *request, json_t *terms)
{
    return json_pack("{s:s, s:s?, s:o}", "prefix", request->prefix ? request->prefix : "", "field",
                     request->field, "terms", terms ? terms : json_array());
}

/* The URL of a content search or autocomplete request on @request's asset. */
static char *service_url(const vt_config *config, const vt_request *request, const char *q,
                         bool autocomplete)
{
    g_autofree char *base = vt_url_search(config);
    g_autofree char *eq = g_uri_escape_string(q ? q : "", NULL, FALSE);
    return g_strdup_printf("%s?manifest=%s%s&q=%s%s", base, request->manifest,
                           autocomplete ? "&autocomplete=1" : "", eq,
                           request->iiif_version == 1 ? "&v=1" : "");
}

/* The snippet as plain text: tags dropped, the entities the index writes
 * turned back into characters. */
static char *plain_text(const char *html)
{
    static const struct {
        const char *entity;
        char c;
    } entities[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''},
                    {"&apos;", '\''}};
    GString *out = g_string_new(NULL);
    for (const char *p = html; *p;) {
        if (*p == '<') {
            const char *close = strchr(p, '>');
            if (close) {
                p = close + 1;
                continue;
            }
        } else if (*p == '&') {
            bool done = false;
            for (size_t i = 0; i < G_N_ELEMENTS(entities) && !done; i++) {
                size_t n = strlen(entities[i].entity);
                if (strncmp(p, entities[i].entity, n) == 0) {
                    g_string_append_c(out, entities[i].c);
                    p += n;
                    done = true;
                }
            }
            if (done)
                continue;
        }
        g_string_append_c(out, *p++);
    }
    return g_string_free(out, FALSE);
}

json_t *vt_request_content_answer(const vt_config *config, const vt_request *request,
                                  const json_t *result)
{
    g_autofree char *canvas = vt_url_canvas(config, request->manifest);
    g_autofree char *manifest = vt_url_manifest(config, request->manifest);
    g_autofree char *id = service_url(config, request, request->q, false);
    if (!canvas || !manifest)
        return NULL;
    bool v1 = request->iiif_version == 1;
    json_t *items = json_array();
    size_t i, k;
    json_t *hit, *anno;
    json_array_foreach(json_object_get(result, "hits"), i, hit) {
        if (g_strcmp0(json_string_value(json_object_get(hit, "id")), request->manifest) != 0)
            continue;
        json_array_foreach(json_object_get(hit, "annotations"), k, anno) {
            const char *aid = json_string_value(json_object_get(anno, "id"));
            const char *region = json_string_value(json_object_get(anno, "region"));
            const char *snippet = json_string_value(json_object_get(anno, "snippet"));
            g_autofree char *eid = g_uri_escape_string(aid ? aid : "", NULL, FALSE);
            g_autofree char *anno_id = g_strdup_printf("%s/annotation/%s", canvas, eid);
            g_autofree char *target = region && *region ? g_strdup_printf("%s#%s", canvas, region)
                                                        : g_strdup(canvas);
            if (v1) {
                g_autofree char *chars = plain_text(snippet ? snippet : "");
                json_array_append_new(
                    items, json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:s}", "@id", anno_id, "@type",
                                     "oa:Annotation", "motivation", "sc:painting", "resource", "@type",
                                     "cnt:ContentAsText", "chars", chars, "on", target));
            } else {
                json_array_append_new(
                    items, json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s}", "id", anno_id, "type",
                                     "Annotation", "motivation", "commenting", "body", "type",
                                     "TextualBody", "value", snippet ? snippet : "", "format",
                                     "text/html", "target", target));
            }
        }
    }
    if (v1)
        return json_pack("{s:[s,s], s:s, s:s, s:o, s:{s:s, s:I}}", "@context",
                         "http://iiif.io/api/presentation/2/context.json",
                         "http://iiif.io/api/search/1/context.json", "@id", id, "@type",
                         "sc:AnnotationList", "resources", items, "within", "@type", "sc:Layer",
                         "total", (json_int_t)json_array_size(items));
    return json_pack("{s:s, s:s, s:s, s:o, s:[{s:s, s:s}]}", "@context",
                     "http://iiif.io/api/search/2/context.json", "id", id, "type", "AnnotationPage",
                     "items", items, "partOf", "id", manifest, "type", "Manifest");
}

json_t *vt_request_autocomplete_answer(const vt_config *config, const vt_request *request,
                                       const json_t *terms)
{
    g_autofree char *id = service_url(config, request, request->prefix, true);
    bool v1 = request->iiif_version == 1;
    json_t *list = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(terms, i, t) {
        const char *term = json_string_value(json_object_get(t, "term"));
        json_int_t count = json_integer_value(json_object_get(t, "count"));
        if (!term)
            continue;
        g_autofree char *url = service_url(config, request, term, false);
        if (v1)
            json_array_append_new(list, json_pack("{s:s, s:s, s:I}", "match", term, "url", url, "count",
                                                  count));
        else
            json_array_append_new(list, json_pack("{s:s, s:I, s:[{s:s, s:s}]}", "value", term, "total",
                                                  count, "service", "id", url, "type",
                                                  "SearchService2"));
    }
    if (v1)
        return json_pack("{s:s, s:s, s:s, s:o}", "@context", "http://iiif.io/api/search/1/context.json",
                         "@id", id, "@type", "search:TermList", "terms", list);
    return json_pack("{s:s, s:s, s:s, s:o}", "@context", "http://iiif.io/api/search/2/context.json", "id",
                     id, "type", "TermPage", "items", list);
}
