/* vt_annotation.c: see vt_annotation.h. */
#include "vt_annotation.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vt_meta.h"
#include "vt_url.h"
#include "vt_xml.h"

/* ---- checking ---------------------------------------------------------- */

bool vt_annotation_sidecar_name(const char *basename)
{
    size_t n = basename ? strlen(basename) : 0, k = strlen(VT_ANNOTATION_SIDECAR_SUFFIX);
    return n > k && g_ascii_strcasecmp(basename + n - k, VT_ANNOTATION_SIDECAR_SUFFIX) == 0;
}

bool vt_annotation_id_valid(const char *id)
{
    if (!id)
        return false;
    size_t n = strlen(id);
    if (n == 0 || n > VT_ANNOTATION_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(g_ascii_isalnum(id[i]) || id[i] == '-' || id[i] == '_'))
            return false;
    return true;
}

static const vt_annotation_field *find_field(const vt_annotation_type *t, const char *name)
{
    for (size_t i = 0; i < t->n_fields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

static bool date_valid(const char *s)
{
    /* YYYY, YYYY-MM or YYYY-MM-DD, a real day. */
    size_t n = strlen(s);
    if (n != 4 && n != 7 && n != 10)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : !g_ascii_isdigit(s[i]))
            return false;
    }
    int y = atoi(s), m = n >= 7 ? atoi(s + 5) : 1, d = n == 10 ? atoi(s + 8) : 1;
    return m >= 1 && m <= 12 && g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y) &&
           y >= 1;
}

static bool is_url(const char *s)
{
    const char *rest = g_str_has_prefix(s, "https://") ? s + 8
                     : g_str_has_prefix(s, "http://")  ? s + 7 : NULL;
    if (!rest || !*rest || *rest == '/')
        return false;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '"' || *c == '<' || *c == '>' || *c == '\\' ||
            *c == 0x7f)
            return false;
    return true;
}

static vt_status bad(const json_t *ann, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static vt_status bad(const json_t *ann, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *id = json_string_value(json_object_get(ann, "id"));
    if (id && vt_annotation_id_valid(id))
        return vt_error_set(VT_ERR_INVALID, "annotation %s: %s", id, text);
    return vt_error_set(VT_ERR_INVALID, "annotation: %s", text);
}

static vt_status check_value(const json_t *ann, const vt_annotation_field *f, const json_t *v)
{
    if (f->kind == VT_AFIELD_NUMBER) {
        if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
            fabs(json_number_value(v)) > 1e15)
            return bad(ann, "field %s: a number is expected", f->name);
        return VT_OK;
    }
    const char *s = json_string_value(v);
    if (!s)
        return bad(ann, "field %s: a text value is expected", f->name);
    size_t n = json_string_length(v);
    if (n > VT_ANNOTATION_VALUE_MAX_BYTES)
        return vt_error_set(VT_ERR_LIMIT, "annotation %s: field %s: %zu bytes, over the limit of"
                            " %u", json_string_value(json_object_get(ann, "id")), f->name, n,
                            VT_ANNOTATION_VALUE_MAX_BYTES);
    if (n == 0 || strlen(s) != n || !g_utf8_validate(s, (gssize)n, NULL))
        return bad(ann, "field %s: an empty value, or not UTF-8 text", f->name);
    switch (f->kind) {
    case VT_AFIELD_TERM:
    case VT_AFIELD_TERMS:
        if (n > VT_META_TERM_MAX_BYTES)
            return vt_error_set(VT_ERR_LIMIT, "annotation %s: field %s: a term of %zu bytes, over"
                                " the limit of %u", json_string_value(json_object_get(ann, "id")),
                                f->name, n, VT_META_TERM_MAX_BYTES);
        break;
    case VT_AFIELD_URL:
        if (!is_url(s))
            return bad(ann, "field %s: '%.200s' is not an http:// or https:// URL", f->name, s);
        break;
    case VT_AFIELD_DATE:
        if (!date_valid(s))
            return bad(ann, "field %s: '%.40s' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)",
                       f->name, s);
        break;
    case VT_AFIELD_LANGUAGE:
        if (!vt_meta_lang_valid(s))
            return bad(ann, "field %s: '%.40s' is not a language (nl, fr, en, de)", f->name, s);
        break;
    case VT_AFIELD_CHOICE: {
        bool found = false;
        for (size_t i = 0; f->choices && f->choices[i]; i++)
            found |= strcmp(f->choices[i], s) == 0;
        if (!found) {
            g_autofree char *list = f->choices ? g_strjoinv(", ", f->choices) : g_strdup("");
            return bad(ann, "field %s: '%.120s' is not one of %s", f->name, s, list);
        }
        break;
    }
    default:
        break;
    }
    return VT_OK;
}

static vt_status check_shape(const json_t *ann, const vt_annotation_target *target)
{
    const json_t *shape = json_object_get(ann, "shape");
    if (!json_is_object(shape))
        return bad(ann, "no shape (a rectangle or a polygon on the image)");
    const json_t *points = json_object_get(shape, "points");
    if (points) {
        size_t n = json_array_size(points);
        if (n > VT_ANNOTATION_POINTS_MAX)
            return vt_error_set(VT_ERR_LIMIT, "annotation %s: a polygon of %zu points, over the"
                                " limit of %d", json_string_value(json_object_get(ann, "id")), n,
                                VT_ANNOTATION_POINTS_MAX);
        if (n < 3 || json_object_size(shape) != 1)
            return bad(ann, "a polygon needs at least 3 points");
        size_t i;
        const json_t *pt;
        json_array_foreach(points, i, pt) {
            const json_t *x = json_array_get(pt, 0), *y = json_array_get(pt, 1);
            if (json_array_size(pt) != 2 || !json_is_integer(x) || !json_is_integer(y))
                return bad(ann, "point %zu of the polygon is not [x, y]", i + 1);
            json_int_t px = json_integer_value(x), py = json_integer_value(y);
            if (px < 0 || py < 0 || px > target->width || py > target->height)
                return bad(ann, "point %zu (%" JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT
                           ") is outside the image (%d x %d)", i + 1, px, py, target->width,
                           target->height);
        }
        return VT_OK;
    }
    const char *keys[] = {"x", "y", "w", "h"};
    json_int_t v[4];
    for (int i = 0; i < 4; i++) {
        const json_t *k = json_object_get(shape, keys[i]);
        if (!json_is_integer(k))
            return bad(ann, "a rectangle needs whole numbers x, y, w, h");
        v[i] = json_integer_value(k);
    }
    if (json_object_size(shape) != 4)
        return bad(ann, "a shape is {x, y, w, h} or {points}");
    if (v[2] <= 0 || v[3] <= 0)
        return bad(ann, "a rectangle of %" JSON_INTEGER_FORMAT " x %" JSON_INTEGER_FORMAT
                   " pixels is empty", v[2], v[3]);
    if (v[0] < 0 || v[1] < 0 || v[0] + v[2] > target->width || v[1] + v[3] > target->height)
        return bad(ann, "the rectangle %" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",%"
                   JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT " is outside the image (%d x %d)",
                   v[0], v[1], v[2], v[3], target->width, target->height);
    return VT_OK;
}

vt_status vt_annotation_check(const vt_annotation_types *types, const vt_annotation_target *target,
                              const json_t *ann)
{
    static const char *const known[] = {"v", "id", "type", "shape", "fields", "creator",
                                        "created", "modified", "visibility"};
    if (!json_is_object(ann))
        return vt_error_set(VT_ERR_INVALID, "annotation: not a JSON object");
    if (!vt_annotation_id_valid(json_string_value(json_object_get(ann, "id"))))
        return bad(ann, "the id must be 1-%d characters of A-Z, a-z, 0-9, '-', '_'",
                   VT_ANNOTATION_ID_MAX);
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)ann, key, val) {
        bool ok = false;
        for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
            ok |= strcmp(key, known[i]) == 0;
        if (!ok)
            return bad(ann, "unknown key '%.60s'", key);
    }
    if (json_integer_value(json_object_get(ann, "v")) != 1)
        return bad(ann, "\"v\" must be 1");
    const char *type_name = json_string_value(json_object_get(ann, "type"));
    const vt_annotation_type *t = vt_annotation_types_get(types, type_name);
    if (!t) {
        GString *names = g_string_new(NULL);
        for (size_t i = 0; i < vt_annotation_types_count(types); i++)
            g_string_append_printf(names, "%s%s", i ? ", " : "",
                                   vt_annotation_types_nth(types, i)->name);
        vt_status s = bad(ann, "unknown type '%.60s' (known: %s)", type_name ? type_name : "",
                          names->str);
        g_string_free(names, TRUE);
        return s;
    }
    const json_t *fields = json_object_get(ann, "fields");
    if (!json_is_object(fields))
        return bad(ann, "\"fields\" must be an object");
    bool any = false;
    json_object_foreach((json_t *)fields, key, val) {
        const vt_annotation_field *f = find_field(t, key);
        if (!f) {
            GString *names = g_string_new(NULL);
            for (size_t i = 0; i < t->n_fields; i++)
                g_string_append_printf(names, "%s%s", i ? ", " : "", t->fields[i].name);
            vt_status s = bad(ann, "unknown field '%.60s' for type %s (known: %s)", key, t->name,
                              names->str);
            g_string_free(names, TRUE);
            return s;
        }
        if (f->kind == VT_AFIELD_TERMS) {
            if (!json_is_array(val) || json_array_size(val) == 0)
                return bad(ann, "field %s: a non-empty list of terms is expected", f->name);
            if (json_array_size(val) > VT_ANNOTATION_VALUES_MAX)
                return vt_error_set(VT_ERR_LIMIT, "annotation %s: field %s: %zu values, over the"
                                    " limit of %d", json_string_value(json_object_get(ann, "id")),
                                    f->name, json_array_size(val), VT_ANNOTATION_VALUES_MAX);
            size_t i;
            const json_t *item;
            json_array_foreach(val, i, item) {
                vt_status s = check_value(ann, f, item);
                if (s != VT_OK)
                    return s;
            }
        } else {
            vt_status s = check_value(ann, f, val);
            if (s != VT_OK)
                return s;
        }
        if (f->kind != VT_AFIELD_LANGUAGE)
            any = true;
    }
    if (!any)
        return bad(ann, "no value in any field of type %s", t->name);
    vt_status s = check_shape(ann, target);
    if (s != VT_OK)
        return s;
    const json_t *creator = json_object_get(ann, "creator");
    if (creator && (!json_is_string(creator) || json_string_length(creator) == 0 ||
                    json_string_length(creator) > 256 ||
                    !g_utf8_validate(json_string_value(creator), -1, NULL)))
        return bad(ann, "\"creator\" must be a name of 1 to 256 bytes");
    for (int i = 0; i < 2; i++) {
        const json_t *time = json_object_get(ann, i ? "modified" : "created");
        if (!json_is_integer(time) || json_integer_value(time) < 0)
            return bad(ann, "\"%s\" must be a time in seconds", i ? "modified" : "created");
    }
    const char *vis = json_string_value(json_object_get(ann, "visibility"));
    if (!vis || (strcmp(vis, "public") != 0 && strcmp(vis, "internal") != 0))
        return bad(ann, "\"visibility\" must be public or internal");
    if (strcmp(vis, "public") == 0 && !target->asset_public)
        return bad(ann, "public is possible only on a public asset (asset %s is internal)",
                   target->asset_id ? target->asset_id : "?");
    return VT_OK;
}

bool vt_annotation_is_public(const json_t *ann, bool asset_public)
{
    return asset_public &&
           g_strcmp0(json_string_value(json_object_get(ann, "visibility")), "public") == 0;
}

/* ---- reading W3C ------------------------------------------------------- */

/* Numbers of a selector: "1,2.5 3e1" -> doubles; false past @max. */
static bool read_numbers(const char *s, GArray *out, size_t max)
{
    while (*s) {
        while (*s == ',' || g_ascii_isspace(*s))
            s++;
        if (!*s)
            break;
        char *end = NULL;
        errno = 0;
        double d = g_ascii_strtod(s, &end);
        if (end == s || errno || !isfinite(d) || out->len >= max)
            return false;
        g_array_append_val(out, d);
        s = end;
    }
    return true;
}

typedef struct {
    bool is_rect;
    double x, y, w, h;
    GArray *points;   /* double pairs */
} region;

static vt_status fragment_shape(const char *value, const vt_annotation_target *target, region *sh)
{
    const char *v = strstr(value, "xywh=");
    if (!v)
        return vt_error_set(VT_ERR_INVALID, "the selector '%.80s' is not xywh=x,y,w,h", value);
    v += 5;
    bool percent = false;
    if (g_str_has_prefix(v, "pixel:"))
        v += 6;
    else if (g_str_has_prefix(v, "percent:")) {
        v += 8;
        percent = true;
    }
    g_autofree char *text = g_strdup(v);
    char *amp = strchr(text, '&');
    if (amp)
        *amp = '\0';
    GArray *n = g_array_new(FALSE, FALSE, sizeof(double));
    bool ok = read_numbers(text, n, 4) && n->len == 4 && !strchr(text, ' ');
    if (ok) {
        double *d = (double *)(void *)n->data;
        sh->is_rect = true;
        sh->x = d[0];
        sh->y = d[1];
        sh->w = d[2];
        sh->h = d[3];
        if (percent) {
            sh->x *= target->width / 100.0;
            sh->w *= target->width / 100.0;
            sh->y *= target->height / 100.0;
            sh->h *= target->height / 100.0;
        }
    }
    g_array_free(n, TRUE);
    if (!ok)
        return vt_error_set(VT_ERR_INVALID, "the selector 'xywh=%.80s' is not four numbers", v);
    return VT_OK;
}

static bool add_point(GArray *pts, double x, double y)
{
    if (pts->len / 2 >= VT_ANNOTATION_POINTS_MAX + 1)
        return false;
    g_array_append_val(pts, x);
    g_array_append_val(pts, y);
    return true;
}

/* An SVG path's outline: straight commands exactly, curves and arcs
 * through their end points. False (with a message) on a syntax error or
 * too many points. Only the first subpath is read. */
static vt_status path_points(const char *d, GArray *pts)
{
    double cx = 0, cy = 0, sx = 0, sy = 0;
    char cmd = 0;
    const char *s = d;
    int subpaths = 0;
    for (;;) {
        while (*s == ',' || g_ascii_isspace(*s))
            s++;
        if (!*s)
            break;
        if (g_ascii_isalpha(*s)) {
            cmd = *s++;
            if (cmd == 'M' || cmd == 'm') {
                if (++subpaths > 1)
                    break;
            }
            if (cmd == 'Z' || cmd == 'z') {
                cx = sx;
                cy = sy;
                continue;
            }
            if (!strchr("MmLlHhVvCcSsQqTtAa", cmd))
                return vt_error_set(VT_ERR_INVALID, "the SVG path has an unknown command '%c'",
                                    cmd);
        } else if (!cmd) {
            return vt_error_set(VT_ERR_INVALID, "the SVG path does not start with M");
        }
        int need;
        switch (cmd) {
        case 'H': case 'h': case 'V': case 'v': need = 1; break;
        case 'C': case 'c': need = 6; break;
        case 'S': case 's': case 'Q': case 'q': need = 4; break;
        case 'A': case 'a': need = 7; break;
        case 'Z': case 'z': need = 0; break;
        default: need = 2; break;
        }
        if (need == 0)
            return vt_error_set(VT_ERR_INVALID, "the SVG path has numbers after Z");
        double v[7];
        for (int i = 0; i < need; i++) {
            while (*s == ',' || g_ascii_isspace(*s))
                s++;
            char *end = NULL;
            v[i] = g_ascii_strtod(s, &end);
            if (end == s || !isfinite(v[i]))
                return vt_error_set(VT_ERR_INVALID, "the SVG path's '%c' lacks its numbers", cmd);
            s = end;
        }
        bool rel = g_ascii_islower(cmd);
        double nx = cx, ny = cy;
        switch (g_ascii_toupper(cmd)) {
        case 'H': nx = rel ? cx + v[0] : v[0]; break;
        case 'V': ny = rel ? cy + v[0] : v[0]; break;
        default:
            nx = rel ? cx + v[need - 2] : v[need - 2];
            ny = rel ? cy + v[need - 1] : v[need - 1];
            break;
        }
        cx = nx;
        cy = ny;
        if (cmd == 'M' || cmd == 'm') {
            sx = cx;
            sy = cy;
            /* Further pairs after M are line-tos. */
            cmd = rel ? 'l' : 'L';
        }
        if (!add_point(pts, cx, cy))
            return vt_error_set(VT_ERR_LIMIT, "the SVG path has more than %d points",
                                VT_ANNOTATION_POINTS_MAX);
    }
    return VT_OK;
}

static xmlNodePtr first_shape(xmlNodePtr node)
{
    for (xmlNodePtr n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)n->name;
        if (!strcmp(name, "path") || !strcmp(name, "polygon") || !strcmp(name, "polyline") ||
            !strcmp(name, "rect"))
            return n;
        xmlNodePtr inner = first_shape(n->children);
        if (inner)
            return inner;
    }
    return NULL;
}

static double attr_number(xmlNodePtr n, const char *name, bool *ok)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v) {
        *ok = false;
        return 0;
    }
    char *end = NULL;
    double d = g_ascii_strtod((const char *)v, &end);
    if (end == (char *)v || !isfinite(d))
        *ok = false;
    xmlFree(v);
    return d;
}

static vt_status svg_shape(const char *svg, region *sh)
{
    size_t len = strlen(svg);
    if (len > VT_ANNOTATION_SVG_MAX_BYTES)
        return vt_error_set(VT_ERR_LIMIT, "an SVG selector of %zu bytes, over the limit of %u",
                            len, VT_ANNOTATION_SVG_MAX_BYTES);
    xmlDocPtr doc = NULL;
    vt_status s = vt_xml_parse(svg, len, "the SVG selector", ", which SVG selectors never have",
                               &doc);
    if (s != VT_OK)
        return s;
    xmlNodePtr n = first_shape(xmlDocGetRootElement(doc));
    if (!n) {
        xmlFreeDoc(doc);
        return vt_error_set(VT_ERR_INVALID, "the SVG selector has no <path>, <polygon> or <rect>");
    }
    const char *name = (const char *)n->name;
    sh->points = g_array_new(FALSE, FALSE, sizeof(double));
    if (!strcmp(name, "rect")) {
        bool ok = true;
        sh->is_rect = true;
        xmlChar *x = xmlGetProp(n, (const xmlChar *)"x");
        xmlChar *y = xmlGetProp(n, (const xmlChar *)"y");
        sh->x = x ? attr_number(n, "x", &ok) : 0;
        sh->y = y ? attr_number(n, "y", &ok) : 0;
        xmlFree(x);
        xmlFree(y);
        sh->w = attr_number(n, "width", &ok);
        sh->h = attr_number(n, "height", &ok);
        if (!ok)
            s = vt_error_set(VT_ERR_INVALID, "the SVG <rect> needs numbers x, y, width, height");
    } else {
        xmlChar *v = xmlGetProp(n, (const xmlChar *)(strcmp(name, "path") ? "points" : "d"));
        if (!v)
            s = vt_error_set(VT_ERR_INVALID, "the SVG <%s> has no %s", name,
                             strcmp(name, "path") ? "points" : "d");
        else if (!strcmp(name, "path"))
            s = path_points((const char *)v, sh->points);
        else if (!read_numbers((const char *)v, sh->points, 2 * (VT_ANNOTATION_POINTS_MAX + 1)))
            s = sh->points->len >= 2 * (VT_ANNOTATION_POINTS_MAX + 1)
                    ? vt_error_set(VT_ERR_LIMIT, "the SVG <%s> has more than %d points", name,
                                   VT_ANNOTATION_POINTS_MAX)
                    : vt_error_set(VT_ERR_INVALID, "the SVG <%s>'s points are not numbers", name);
        else if (sh->points->len % 2)
            s = vt_error_set(VT_ERR_INVALID, "the SVG <%s> has an odd count of numbers", name);
        xmlFree(v);
    }
    xmlFreeDoc(doc);
    return s;
}

/* The selector of a target: FragmentSelector, SvgSelector, a list or a
 * Choice of them (the first one read wins: they describe one region), or
 * a "CANVAS#xywh=" string. */
static vt_status selector_shape(const json_t *sel, const vt_annotation_target *target, region *sh,
                                int depth)
{
    if (depth > 4)
        return vt_error_set(VT_ERR_INVALID, "selectors nested too deeply");
    if (json_is_array(sel) || json_is_object(json_object_get(sel, "items")) ||
        json_is_array(json_object_get(sel, "items"))) {
        const json_t *list = json_is_array(sel) ? sel : json_object_get(sel, "items");
        if (json_is_object(list))
            return selector_shape(list, target, sh, depth + 1);
        /* An SVG outline says more than its bounding box: try it first. */
        for (int pass = 0; pass < 2; pass++) {
            size_t i;
            const json_t *item;
            json_array_foreach(list, i, item) {
                const char *type = json_string_value(json_object_get(item, "type"));
                bool svg = type && strcmp(type, "SvgSelector") == 0;
                if (pass == 0 ? !svg : svg)
                    continue;
                if (selector_shape(item, target, sh, depth + 1) == VT_OK)
                    return VT_OK;
                if (sh->points)
                    g_array_free(sh->points, TRUE);
                sh->points = NULL;
            }
        }
        return vt_error_set(VT_ERR_INVALID, "no selector that vitrine reads (FragmentSelector"
                            " xywh=, SvgSelector)");
    }
    if (!json_is_object(sel))
        return vt_error_set(VT_ERR_INVALID, "the selector is not an object");
    const char *type = json_string_value(json_object_get(sel, "type"));
    const char *value = json_string_value(json_object_get(sel, "value"));
    if (!value)
        return vt_error_set(VT_ERR_INVALID, "the selector (%.40s) has no value",
                            type ? type : "no type");
    if (type && strcmp(type, "SvgSelector") == 0)
        return svg_shape(value, sh);
    if (!type || strcmp(type, "FragmentSelector") == 0)
        return fragment_shape(value, target, sh);
    return vt_error_set(VT_ERR_INVALID, "the selector type '%.40s' is not read (FragmentSelector,"
                        " SvgSelector)", type);
}

static vt_status target_shape(const json_t *w3c, const vt_annotation_target *target, region *sh)
{
    const json_t *t = json_object_get(w3c, "target");
    if (json_is_array(t))
        t = json_array_get(t, 0);
    if (json_is_string(t)) {
        const char *hash = strchr(json_string_value(t), '#');
        if (!hash)
            return vt_error_set(VT_ERR_INVALID, "the target names no region (CANVAS#xywh=...)");
        return fragment_shape(hash + 1, target, sh);
    }
    if (!json_is_object(t))
        return vt_error_set(VT_ERR_INVALID, "no target");
    const json_t *sel = json_object_get(t, "selector");
    if (!sel) {
        const char *src = json_string_value(json_object_get(t, "source"));
        if (!src)
            src = json_string_value(json_object_get(t, "id"));
        const char *hash = src ? strchr(src, '#') : NULL;
        if (!hash)
            return vt_error_set(VT_ERR_INVALID, "the target has no selector");
        return fragment_shape(hash + 1, target, sh);
    }
    return selector_shape(sel, target, sh, 0);
}

/* Rounds @sh into the stored shape. A point at most a pixel outside the
 * image (rounding in another tool) is moved onto its edge; further out is
 * left for vt_annotation_check() to refuse. */
static json_t *shape_json(const region *sh, const vt_annotation_target *target)
{
    if (sh->is_rect) {
        double x0 = sh->x, y0 = sh->y, x1 = sh->x + sh->w, y1 = sh->y + sh->h;
        if (x0 < 0 && x0 > -1) x0 = 0;
        if (y0 < 0 && y0 > -1) y0 = 0;
        if (x1 > target->width && x1 < target->width + 1) x1 = target->width;
        if (y1 > target->height && y1 < target->height + 1) y1 = target->height;
        json_int_t x = (json_int_t)llround(CLAMP(x0, -1e12, 1e12));
        json_int_t y = (json_int_t)llround(CLAMP(y0, -1e12, 1e12));
        json_int_t w = (json_int_t)llround(CLAMP(x1, -1e12, 1e12)) - x;
        json_int_t h = (json_int_t)llround(CLAMP(y1, -1e12, 1e12)) - y;
        return json_pack("{s:I, s:I, s:I, s:I}", "x", x, "y", y, "w", w, "h", h);
    }
    json_t *points = json_array();
    const double *d = (const double *)(void *)sh->points->data;
    size_t n = sh->points->len / 2;
    /* A closed outline repeats its first point: once is enough. */
    if (n > 1 && d[0] == d[2 * n - 2] && d[1] == d[2 * n - 1])
        n--;
    for (size_t i = 0; i < n; i++) {
        double x = d[2 * i], y = d[2 * i + 1];
        if (x < 0 && x > -1) x = 0;
        if (y < 0 && y > -1) y = 0;
        if (x > target->width && x < target->width + 1) x = target->width;
        if (y > target->height && y < target->height + 1) y = target->height;
        json_array_append_new(points, json_pack("[I, I]", (json_int_t)llround(CLAMP(x, -1e12, 1e12)),
                                                (json_int_t)llround(CLAMP(y, -1e12, 1e12))));
    }
    return json_pack("{s:o}", "points", points);
}

static const char *body_text(const json_t *body)
{
    const char *v = json_string_value(json_object_get(body, "value"));
    if (!v)
        v = json_string_value(json_object_get(body, "chars"));
    return v;
}

/* Adds @value to field @f of @fields (a list field appends). */
static vt_status add_field(json_t *fields, const vt_annotation_field *f, json_t *value)
{
    if (f->kind == VT_AFIELD_TERMS) {
        json_t *list = json_object_get(fields, f->name);
        if (!list) {
            list = json_array();
            json_object_set_new(fields, f->name, list);
        }
        if (json_array_size(list) >= VT_ANNOTATION_VALUES_MAX) {
            json_decref(value);
            return vt_error_set(VT_ERR_LIMIT, "field %s: more than %d values", f->name,
                                VT_ANNOTATION_VALUES_MAX);
        }
        return json_array_append_new(list, value) == 0 ? VT_OK : VT_ERR_NOMEM;
    }
    const json_t *old = json_object_get(fields, f->name);
    if (old && json_is_string(old) && json_is_string(value) &&
        (f->kind == VT_AFIELD_TEXT)) {
        /* Several describing bodies: one text, paragraphs apart. */
        char *joined = g_strconcat(json_string_value(old), "\n\n", json_string_value(value),
                                   NULL);
        json_decref(value);
        json_object_set_new(fields, f->name, json_string(joined));
        g_free(joined);
        return VT_OK;
    }
    json_object_set_new(fields, f->name, value);
    return VT_OK;
}

/* A value of a body for field @f: numbers from text for a number field. */
static json_t *value_for(const vt_annotation_field *f, const json_t *body, const char *text)
{
    if (f->kind == VT_AFIELD_NUMBER) {
        const json_t *n = json_object_get(body, "vitrine:number");
        if (json_is_number(n))
            return json_deep_copy(n);
        char *end = NULL;
        double d = text ? g_ascii_strtod(text, &end) : 0.0;
        if (!text || end == text || *end)
            return json_string(text ? text : "");   /* refused by the check, with the field */
        return d == floor(d) && fabs(d) < 1e15 ? json_integer((json_int_t)d) : json_real(d);
    }
    return json_string(text);
}

static char *derived_id(const vt_annotation_target *target, const json_t *w3c)
{
    char *text = json_dumps(w3c, JSON_COMPACT | JSON_SORT_KEYS);
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)(target->asset_id ? target->asset_id : ""), -1);
    g_checksum_update(sum, (const guchar *)"\x1f", 1);
    if (text)
        g_checksum_update(sum, (const guchar *)text, -1);
    free(text);
    char *id = g_strndup(g_checksum_get_string(sum), 20);
    g_checksum_free(sum);
    return id;
}

/* The id kept from an imported annotation: the last segment of its "id"
 * (URL or bare), when that is a valid id. */
static char *kept_id(const json_t *w3c)
{
    const char *id = json_string_value(json_object_get(w3c, "id"));
    if (!id)
        id = json_string_value(json_object_get(w3c, "@id"));
    if (!id)
        return NULL;
    const char *last = id;
    for (const char *c = id; *c; c++)
        if (*c == '/' || *c == '#' || *c == ':' || *c == '=')
            last = c + 1;
    return vt_annotation_id_valid(last) ? g_strdup(last) : NULL;
}

static int64_t time_of(const json_t *w3c, const char *key, int64_t fallback)
{
    const char *s = json_string_value(json_object_get(w3c, key));
    if (!s)
        return fallback;
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *t = g_date_time_new_from_iso8601(s, utc);
    if (!t) {
        /* A date alone. */
        g_autofree char *full = g_strconcat(s, "T00:00:00Z", NULL);
        t = g_date_time_new_from_iso8601(full, NULL);
    }
    g_time_zone_unref(utc);
    if (!t)
        return fallback;
    int64_t v = g_date_time_to_unix(t);
    g_date_time_unref(t);
    return v >= 0 ? v : fallback;
}

static const char *creator_of(const json_t *w3c)
{
    const json_t *c = json_object_get(w3c, "creator");
    if (json_is_array(c))
        c = json_array_get(c, 0);
    if (json_is_string(c))
        return json_string_value(c);
    const char *n = json_string_value(json_object_get(c, "name"));
    if (!n)
        n = json_string_value(json_object_get(c, "nickname"));
    if (!n)
        n = json_string_value(json_object_get(c, "label"));
    return n;
}

static vt_status bodies_to_fields(const vt_annotation_type *t, const json_t *w3c, json_t *fields)
{
    const json_t *bodies = json_object_get(w3c, "body");
    json_t *list = json_array();
    if (json_is_array(bodies))
        json_array_extend(list, (json_t *)bodies);
    else if (bodies)
        json_array_append(list, (json_t *)bodies);
    const char *body_value = json_string_value(json_object_get(w3c, "bodyValue"));
    if (body_value)
        json_array_append_new(list, json_pack("{s:s}", "value", body_value));
    if (json_array_size(list) > (size_t)VT_ANNOTATION_VALUES_MAX * 4) {
        json_decref(list);
        return vt_error_set(VT_ERR_LIMIT, "more than %d bodies", VT_ANNOTATION_VALUES_MAX * 4);
    }
    vt_status s = VT_OK;
    size_t i;
    json_t *b;
    json_array_foreach(list, i, b) {
        if (json_is_string(b)) {
            /* A body that is a URL. */
            const vt_annotation_field *f = find_field(t, "url");
            if (f)
                s = add_field(fields, f, json_string(json_string_value(b)));
            if (s != VT_OK)
                break;
            continue;
        }
        if (!json_is_object(b)) {
            s = vt_error_set(VT_ERR_INVALID, "body %zu is not an object", i + 1);
            break;
        }
        const char *text = body_text(b);
        const char *url = json_string_value(json_object_get(b, "id"));
        const char *purpose = json_string_value(json_object_get(b, "purpose"));
        if (json_is_array(json_object_get(b, "purpose")))
            purpose = json_string_value(json_array_get(json_object_get(b, "purpose"), 0));
        const char *field = json_string_value(json_object_get(b, "vitrine:field"));
        const vt_annotation_field *f = NULL;
        if (field) {
            f = find_field(t, field);
            if (!f) {
                s = vt_error_set(VT_ERR_INVALID, "unknown field '%.60s' for type %s", field,
                                 t->name);
                break;
            }
        } else if (purpose && strcmp(purpose, "tagging") == 0) {
            f = find_field(t, "terms");
        } else if (purpose && strcmp(purpose, "linking") == 0) {
            f = find_field(t, "url");   /* {id: URL, purpose: linking}: the URL is the id */
        } else {
            f = find_field(t, "text");
        }
        if (!f) {
            /* A body of a kind this type has no field for: the first text field takes it. */
            for (size_t k = 0; k < t->n_fields && !f; k++)
                if (t->fields[k].kind == VT_AFIELD_TEXT)
                    f = &t->fields[k];
        }
        if (!f) {
            s = vt_error_set(VT_ERR_INVALID, "body %zu: type %s has no field for it", i + 1,
                             t->name);
            break;
        }
        const char *v = f->kind == VT_AFIELD_URL && url && !field ? url : text;
        if (f->kind == VT_AFIELD_URL && !v)
            v = url;
        if (!v && f->kind != VT_AFIELD_NUMBER) {
            if (url && f->kind != VT_AFIELD_URL)
                continue;   /* an image or a resource body: nothing to keep as text */
            s = vt_error_set(VT_ERR_INVALID, "body %zu has no value", i + 1);
            break;
        }
        s = add_field(fields, f, value_for(f, b, v));
        if (s != VT_OK)
            break;
        /* A link's label travels as the body's label or its text. */
        if (f->kind == VT_AFIELD_URL && !field) {
            const char *label = json_string_value(json_object_get(b, "label"));
            if (!label && text && url && strcmp(text, url) != 0)
                label = text;
            const vt_annotation_field *lf = find_field(t, "label");
            if (label && lf && !json_object_get(fields, lf->name))
                json_object_set_new(fields, lf->name, json_string(label));
        }
        const char *lang = json_string_value(json_object_get(b, "language"));
        const vt_annotation_field *lf = find_field(t, "language");
        if (lang && lf && lf->kind == VT_AFIELD_LANGUAGE && !json_object_get(fields, lf->name)) {
            const char *ours = vt_meta_lang_from_tag(lang);
            if (ours)
                json_object_set_new(fields, lf->name, json_string(ours));
        }
    }
    json_decref(list);
    return s;
}

/* The type of an imported annotation: "vitrine:type" (on it or a body), or
 * what its bodies' purposes say. */
static const char *type_of(const json_t *w3c)
{
    const char *t = json_string_value(json_object_get(w3c, "vitrine:type"));
    if (t)
        return t;
    const json_t *bodies = json_object_get(w3c, "body");
    bool tagging = false, linking = false, other = false;
    const json_t *b;
    size_t i, n = json_is_array(bodies) ? json_array_size(bodies) : 1;
    for (i = 0; i < n; i++) {
        b = json_is_array(bodies) ? json_array_get(bodies, i) : bodies;
        const char *bt = json_string_value(json_object_get(b, "vitrine:type"));
        if (bt)
            return bt;
        const char *p = json_string_value(json_object_get(b, "purpose"));
        if (p && strcmp(p, "tagging") == 0)
            tagging = true;
        else if (p && strcmp(p, "linking") == 0)
            linking = true;
        else if (b)
            other = true;
    }
    const char *m = json_string_value(json_object_get(w3c, "motivation"));
    if (!other && tagging && !linking)
        return "tag";
    if (!other && linking && !tagging)
        return "link";
    if (!bodies && m && strcmp(m, "tagging") == 0)
        return "tag";
    return "descriptive";
}

vt_status vt_annotation_from_w3c(const vt_annotation_types *types,
                                 const vt_annotation_target *target, const json_t *w3c,
                                 const char *default_creator, int64_t now, json_t **ret_ann)
{
    if (!json_is_object(w3c))
        return vt_error_set(VT_ERR_INVALID, "annotation: not a JSON object");
    const char *type_name = type_of(w3c);
    const vt_annotation_type *t = vt_annotation_types_get(types, type_name);
    g_autofree char *id = kept_id(w3c);
    if (!id)
        id = derived_id(target, w3c);
    if (!t)
        return vt_error_set(VT_ERR_INVALID, "annotation %s: unknown type '%.60s'", id, type_name);

    json_t *fields = json_object();
    vt_status s = bodies_to_fields(t, w3c, fields);
    const json_t *order = json_object_get(w3c, "vitrine:order");
    const vt_annotation_field *of = find_field(t, "order");
    if (s == VT_OK && json_is_integer(order) && of && !json_object_get(fields, "order"))
        json_object_set_new(fields, of->name, json_deep_copy(order));
    region sh = {0};
    if (s == VT_OK)
        s = target_shape(w3c, target, &sh);
    if (s != VT_OK) {
        json_decref(fields);
        if (sh.points)
            g_array_free(sh.points, TRUE);
        g_autofree char *m = g_strdup(vt_error_message());
        return vt_error_set(s, "annotation %s: %s", id, m);
    }
    json_t *shape_j = shape_json(&sh, target);
    if (sh.points)
        g_array_free(sh.points, TRUE);
    const char *vis = json_string_value(json_object_get(w3c, "vitrine:visibility"));
    const char *creator = creator_of(w3c);
    if (!creator)
        creator = default_creator;
    int64_t created = time_of(w3c, "created", now);
    json_t *ann = json_pack("{s:i, s:s, s:s, s:o, s:o, s:I, s:I, s:s}", "v", 1, "id", id,
                            "type", t->name, "shape", shape_j, "fields", fields,
                            "created", (json_int_t)created,
                            "modified", (json_int_t)time_of(w3c, "modified", created),
                            "visibility", vis ? vis : "internal");
    if (!ann)
        return vt_error_set(VT_ERR_INVALID, "annotation %s: a value is not UTF-8 text", id);
    if (creator)
        json_object_set_new(ann, "creator", json_string(creator));
    s = vt_annotation_check(types, target, ann);
    if (s != VT_OK) {
        json_decref(ann);
        return s;
    }
    *ret_ann = ann;
    return VT_OK;
}

vt_status vt_annotation_page_load(const char *name, const char *data, size_t len,
                                  json_t **ret_json)
{
    if (len > VT_ANNOTATION_PAGE_MAX_BYTES)
        return vt_error_set(VT_ERR_LIMIT, "%s: %zu bytes, over the limit of %u bytes", name, len,
                            VT_ANNOTATION_PAGE_MAX_BYTES);
    json_error_t error;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        return vt_error_set(VT_ERR_INVALID, "%s: not valid JSON (line %d, column %d): %s", name,
                            error.line, error.column, error.text);
    const json_t *items = NULL;
    if (json_is_array(root))
        items = root;
    else if (json_is_object(root)) {
        items = json_object_get(root, "items");
        if (!items)
            items = json_object_get(root, "resources");   /* IIIF 2 AnnotationList */
        const json_t *first = json_object_get(root, "first");
        if (!items && json_is_object(first))
            items = json_object_get(first, "items");
        bool one_annotation = !items && json_object_get(root, "target");
        if (!one_annotation && !json_is_array(items)) {
            json_decref(root);
            return vt_error_set(VT_ERR_INVALID, "%s: not an AnnotationPage (an object with"
                                " \"items\"), a list of annotations or one annotation", name);
        }
    } else {
        json_decref(root);
        return vt_error_set(VT_ERR_INVALID, "%s: not an AnnotationPage, a list or an annotation",
                            name);
    }
    if (items && json_array_size(items) > VT_ANNOTATION_PER_ASSET_MAX) {
        size_t n = json_array_size(items);
        json_decref(root);
        return vt_error_set(VT_ERR_LIMIT, "%s: %zu annotations, over the limit of %d", name, n,
                            VT_ANNOTATION_PER_ASSET_MAX);
    }
    *ret_json = root;
    return VT_OK;
}

vt_status vt_annotation_parse_page(const vt_annotation_types *types,
                                   const vt_annotation_target *target, const char *name,
                                   const char *data, size_t len, const char *default_creator,
                                   int64_t now, json_t **ret_list)
{
    json_t *root = NULL;
    vt_status s = vt_annotation_page_load(name, data, len, &root);
    if (s != VT_OK)
        return s;
    const json_t *items = json_is_array(root) ? root : json_object_get(root, "items");
    if (!items)
        items = json_object_get(root, "resources");
    if (!items && json_is_object(json_object_get(root, "first")))
        items = json_object_get(json_object_get(root, "first"), "items");
    json_t *single = NULL;
    if (!items) {
        single = json_pack("[O]", root);
        items = single;
    }
    json_t *out = json_array();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;
    const json_t *w3c;
    json_array_foreach(items, i, w3c) {
        json_t *ann = NULL;
        s = vt_annotation_from_w3c(types, target, w3c, default_creator, now, &ann);
        if (s == VT_OK) {
            const char *id = json_string_value(json_object_get(ann, "id"));
            if (g_hash_table_contains(seen, id)) {
                s = vt_error_set(VT_ERR_INVALID, "annotation %s is given twice", id);
                json_decref(ann);
            } else {
                json_array_append_new(out, ann);
                g_hash_table_add(seen, (gpointer)json_string_value(json_object_get(ann, "id")));
            }
        }
        if (s != VT_OK) {
            g_autofree char *m = g_strdup(vt_error_message());
            vt_error_set(s, "%s: item %zu: %s", name, i + 1, m);
            break;
        }
    }
    g_hash_table_destroy(seen);
    json_decref(single);
    json_decref(root);
    if (s != VT_OK) {
        json_decref(out);
        return s;
    }
    *ret_list = out;
    return VT_OK;
}

/* ---- writing W3C ------------------------------------------------------- */

static char *iso_time(int64_t t)
{
    GDateTime *d = g_date_time_new_from_unix_utc(t);
    if (!d)
        return g_strdup("1970-01-01T00:00:00Z");
    char *s = g_date_time_format(d, "%Y-%m-%dT%H:%M:%SZ");
    g_date_time_unref(d);
    return s;
}

static const char *purpose_of(const vt_annotation_type *t, const vt_annotation_field *f)
{
    if (strcmp(t->name, "tag") == 0 && f->kind == VT_AFIELD_TERMS)
        return "tagging";
    if (strcmp(t->name, "link") == 0 && f->kind == VT_AFIELD_URL)
        return "linking";
    return "describing";
}

static json_t *text_body(const vt_annotation_type *t, const vt_annotation_field *f,
                         const json_t *value, const char *lang)
{
    json_t *b = json_object();
    json_object_set_new(b, "type", json_string("TextualBody"));
    if (json_is_number(value)) {
        char buf[64];
        if (json_is_integer(value))
            g_snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        else
            g_ascii_dtostr(buf, sizeof buf, json_real_value(value));
        json_object_set_new(b, "value", json_string(buf));
    } else {
        json_object_set(b, "value", (json_t *)value);
    }
    json_object_set_new(b, "format", json_string("text/plain"));
    json_object_set_new(b, "purpose", json_string(purpose_of(t, f)));
    if (lang && (f->kind == VT_AFIELD_TEXT))
        json_object_set_new(b, "language", json_string(lang));
    json_object_set_new(b, "vitrine:type", json_string(t->name));
    json_object_set_new(b, "vitrine:field", json_string(f->name));
    if (json_is_number(value))
        json_object_set_new(b, "vitrine:number", json_deep_copy(value));
    return b;
}

char *vt_annotation_version(const json_t *ann)
{
    char *text = json_dumps(ann, JSON_COMPACT | JSON_SORT_KEYS);
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text ? text : "",
                                                        -1);
    free(text);
    return g_strndup(sum, 16);
}

json_t *vt_annotation_to_w3c(const vt_annotation_types *types, const json_t *ann,
                             const char *annotation_url, const char *canvas_id)
{
    const char *type_name = json_string_value(json_object_get(ann, "type"));
    const vt_annotation_type *t = vt_annotation_types_get(types, type_name);
    const json_t *fields = json_object_get(ann, "fields");
    json_t *bodies = json_array();
    const char *lang = NULL;
    for (size_t i = 0; t && i < t->n_fields; i++)
        if (t->fields[i].kind == VT_AFIELD_LANGUAGE)
            lang = json_string_value(json_object_get(fields, t->fields[i].name));
    /* In the type's field order, so that viewers show the text first. */
    for (size_t i = 0; t && i < t->n_fields; i++) {
        const vt_annotation_field *f = &t->fields[i];
        const json_t *v = json_object_get(fields, f->name);
        if (!v || f->kind == VT_AFIELD_LANGUAGE)
            continue;
        if (json_is_array(v)) {
            size_t k;
            const json_t *item;
            json_array_foreach(v, k, item)
                json_array_append_new(bodies, text_body(t, f, item, lang));
        } else {
            json_array_append_new(bodies, text_body(t, f, v, lang));
        }
    }
    /* A type the configuration no longer has: its values, as text. */
    if (!t) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)fields, k, v)
            if (json_is_string(v))
                json_array_append_new(bodies, json_pack("{s:s, s:O, s:s, s:s}", "type",
                                                        "TextualBody", "value", v, "purpose",
                                                        "describing", "vitrine:field", k));
    }

    const json_t *shape = json_object_get(ann, "shape");
    const json_t *points = json_object_get(shape, "points");
    json_t *selector;
    if (points) {
        GString *d = g_string_new("<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"");
        size_t i;
        const json_t *pt;
        json_array_foreach(points, i, pt)
            g_string_append_printf(d, "%s%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT,
                                   i ? " L" : "M", json_integer_value(json_array_get(pt, 0)),
                                   json_integer_value(json_array_get(pt, 1)));
        g_string_append(d, " Z\"/></svg>");
        selector = json_pack("{s:s, s:s}", "type", "SvgSelector", "value", d->str);
        g_string_free(d, TRUE);
    } else {
        char value[128];
        g_snprintf(value, sizeof value, "xywh=%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT
                   ",%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT,
                   json_integer_value(json_object_get(shape, "x")),
                   json_integer_value(json_object_get(shape, "y")),
                   json_integer_value(json_object_get(shape, "w")),
                   json_integer_value(json_object_get(shape, "h")));
        selector = json_pack("{s:s, s:s, s:s}", "type", "FragmentSelector", "conformsTo",
                             "http://www.w3.org/TR/media-frags/", "value", value);
    }
    g_autofree char *created = iso_time(json_integer_value(json_object_get(ann, "created")));
    g_autofree char *modified = iso_time(json_integer_value(json_object_get(ann, "modified")));
    bool tagging = t && strcmp(t->name, "tag") == 0;
    json_t *out = json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:s, s:o}, s:s, s:s, s:O, s:O}",
                            "id", annotation_url, "type", "Annotation",
                            "motivation", tagging ? "tagging" : "commenting",
                            "body", bodies,
                            "target", "type", "SpecificResource", "source", canvas_id,
                            "selector", selector,
                            "created", created, "modified", modified,
                            "vitrine:type", json_object_get(ann, "type"),
                            "vitrine:visibility", json_object_get(ann, "visibility"));
    const char *creator = json_string_value(json_object_get(ann, "creator"));
    if (creator)
        json_object_set_new(out, "creator", json_pack("{s:s, s:s}", "type", "Person", "name",
                                                      creator));
    char *version = vt_annotation_version(ann);
    json_object_set_new(out, "vitrine:version", json_string(version));
    g_free(version);
    if (t) {
        const vt_annotation_field *of = find_field(t, "order");
        const json_t *order = of ? json_object_get(fields, of->name) : NULL;
        if (json_is_integer(order))
            json_object_set_new(out, "vitrine:order", json_deep_copy(order));
    }
    return out;
}

json_t *vt_annotation_page(const vt_annotation_types *types, const vt_config *view,
                           const char *asset_id, const json_t *list, bool public_only,
                           bool asset_public)
{
    g_autofree char *page_url = vt_url_annotations(view, asset_id);
    g_autofree char *canvas = vt_url_canvas(view, asset_id);
    if (!page_url || !canvas)
        return NULL;
    json_t *items = json_array();
    size_t i;
    const json_t *ann;
    json_array_foreach(list, i, ann) {
        if (public_only && !vt_annotation_is_public(ann, asset_public))
            continue;
        g_autofree char *url = g_strconcat(view->site_base_url, "/iiif/", asset_id, "/annotation/",
                                           json_string_value(json_object_get(ann, "id")), NULL);
        json_array_append_new(items, vt_annotation_to_w3c(types, ann, url, canvas));
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "@context",
                     "http://iiif.io/api/presentation/3/context.json", "id", page_url, "type",
                     "AnnotationPage", "items", items);
}

char *vt_annotation_text(const vt_annotation_types *types, const json_t *ann)
{
    GString *s = g_string_new(NULL);
    const vt_annotation_type *t =
        vt_annotation_types_get(types, json_string_value(json_object_get(ann, "type")));
    const json_t *fields = json_object_get(ann, "fields");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)fields, k, v) {
        const vt_annotation_field *f = t ? find_field(t, k) : NULL;
        if (f && (f->kind == VT_AFIELD_LANGUAGE || f->kind == VT_AFIELD_NUMBER ||
                  f->kind == VT_AFIELD_URL || f->kind == VT_AFIELD_DATE))
            continue;
        if (json_is_string(v))
            g_string_append_printf(s, "%s%s", s->len ? " " : "", json_string_value(v));
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item)
            if (json_is_string(item))
                g_string_append_printf(s, "%s%s", s->len ? " " : "", json_string_value(item));
    }
    return g_string_free(s, FALSE);
}

void vt_annotation_bounds(const json_t *ann, int *ret_x, int *ret_y, int *ret_w, int *ret_h)
{
    const json_t *shape = json_object_get(ann, "shape");
    const json_t *points = json_object_get(shape, "points");
    if (!points) {
        *ret_x = (int)json_integer_value(json_object_get(shape, "x"));
        *ret_y = (int)json_integer_value(json_object_get(shape, "y"));
        *ret_w = (int)json_integer_value(json_object_get(shape, "w"));
        *ret_h = (int)json_integer_value(json_object_get(shape, "h"));
        return;
    }
    json_int_t x0 = G_MAXINT, y0 = G_MAXINT, x1 = 0, y1 = 0;
    size_t i;
    const json_t *pt;
    json_array_foreach(points, i, pt) {
        json_int_t x = json_integer_value(json_array_get(pt, 0));
        json_int_t y = json_integer_value(json_array_get(pt, 1));
        x0 = MIN(x0, x);
        y0 = MIN(y0, y);
        x1 = MAX(x1, x);
        y1 = MAX(y1, y);
    }
    if (x0 > x1 || y0 > y1)
        x0 = x1 = y0 = y1 = 0;
    *ret_x = (int)x0;
    *ret_y = (int)y0;
    *ret_w = (int)MAX(1, x1 - x0);
    *ret_h = (int)MAX(1, y1 - y0);
}

/* ---- storage ----------------------------------------------------------- */

static char *key_of(const char *asset_id, const char *ann_id)
{
    return g_strconcat(asset_id, "\x1f", ann_id, NULL);
}

typedef struct {
    json_t *list;
    vt_txn *txn;
} list_ctx;

static bool list_one(const char *key, size_t key_len, const void *val, size_t val_len,
                     void *data)
{
    (void)key;
    (void)key_len;
    list_ctx *c = data;
    json_t *ann = json_loadb(val, val_len, 0, NULL);
    if (!ann) {
        vt_txn_fail(c->txn, vt_error_set(VT_ERR_STORE, "annotation %s: the stored value does not"
                                         " parse", key));
        return false;
    }
    json_array_append_new(c->list, ann);
    return true;
}

json_t *vt_annotation_list(vt_txn *txn, const char *asset_id)
{
    list_ctx c = {json_array(), txn};
    g_autofree char *prefix = g_strconcat(asset_id, "\x1f", NULL);
    vt_txn_foreach(txn, VT_TABLE_ANNOTATIONS, prefix, list_one, &c);
    return c.list;
}

json_t *vt_annotation_get(vt_txn *txn, const char *asset_id, const char *ann_id)
{
    g_autofree char *key = key_of(asset_id, ann_id);
    return vt_txn_get_json(txn, VT_TABLE_ANNOTATIONS, key);
}

void vt_annotation_put(vt_txn *txn, const char *asset_id, const json_t *ann)
{
    g_autofree char *key = key_of(asset_id, json_string_value(json_object_get(ann, "id")));
    vt_txn_put_json(txn, VT_TABLE_ANNOTATIONS, key, ann);
}

static bool del_one(const char *key, size_t key_len, const void *val, size_t val_len, void *data)
{
    (void)key_len;
    (void)val;
    (void)val_len;
    GPtrArray *keys = data;
    g_ptr_array_add(keys, g_strdup(key));
    return true;
}

void vt_annotation_del(vt_txn *txn, const char *asset_id, const char *ann_id, unsigned *ret_n)
{
    unsigned n = 0;
    if (ann_id) {
        g_autofree char *key = key_of(asset_id, ann_id);
        if (vt_txn_get(txn, VT_TABLE_ANNOTATIONS, key, NULL, NULL)) {
            vt_txn_del(txn, VT_TABLE_ANNOTATIONS, key);
            n = 1;
        }
    } else {
        GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *prefix = g_strconcat(asset_id, "\x1f", NULL);
        vt_txn_foreach(txn, VT_TABLE_ANNOTATIONS, prefix, del_one, keys);
        for (guint i = 0; i < keys->len; i++)
            vt_txn_del(txn, VT_TABLE_ANNOTATIONS, g_ptr_array_index(keys, i));
        n = keys->len;
        g_ptr_array_free(keys, TRUE);
    }
    if (ret_n)
        *ret_n = n;
}
