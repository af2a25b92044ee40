/* vt_template.c: see vt_template.h.
 *
 * A template compiles to a tree: arrays of nodes, a section owning the array
 * of its children. Text nodes point into the template's own copy of its
 * source. That is sound because the standalone rule only ever cuts white
 * space at the two ends of a run of text, so every text node stays one
 * substring of the source; the source must live as long as the tree.
 *
 * Partial indentation. The spec defines it textually: prepend the
 * indentation to every line of the partial's source, then render. Parsing a
 * partial again per indentation would break "compile once", so the parser
 * records in each text node the offsets where a source line begins (its
 * marks): only lines that survive the standalone rule and begin outside a
 * tag. A line that begins with a tag gets an empty text node that carries
 * just the mark. Rendering with an indentation writes it at every mark;
 * without one (the usual case) a text node is a single append. If the marks
 * were wrong, indented partials would come out flush left or ragged, and
 * only the spec-derived tests would notice.
 */
#include "vt_template.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt_jsonout.h"

#define MAX_NAME_LEN 255
/* How much of a bad name or tag an error message quotes. */
#define QUOTE_LEN 64

typedef enum {
    NODE_TEXT,
    NODE_VAR,       /* {{name}}: escaped */
    NODE_RAW,       /* {{{name}}}, {{&name}} */
    NODE_SECTION,
    NODE_INVERTED,
    NODE_PARTIAL,
    NODE_TRANSLATE  /* {{_ text}}: translated, placeholders filled, escaped */
} node_kind;

/* One part of a dotted name. Its text is interned in the set (equal names
 * share one pointer, NUL-terminated), so that a render's lookup cache can
 * key on the pointer; the length saves json_object_get's strlen. */
typedef struct {
    const char *text;
    size_t len;
} name_part;

/* A dotted name split into its parts; parts == NULL means ".". */
typedef struct {
    name_part *parts;
    guint n_parts;
} name_path;

/* A piece of the output of {{_ text}} as written: escaped text, or a
 * placeholder (name.n_parts > 0) with the escaped "{name}" it leaves when
 * the context lacks the name. */
typedef struct {
    const char *text;  /* into the node's own buffer */
    size_t len;
    name_path name;
} text_piece;

/* Nodes in a row that a render without translation copies as they are:
 * text, and {{_ text}} without placeholders. A row of two or more is
 * joined once, when compiled, into one copy (with the text nodes' marks):
 * one node in three of the installed templates is interface text between
 * two texts. */
typedef struct {
    char *text;
    size_t len;
    size_t *marks;
    size_t n_marks;
    size_t n_nodes;    /* the nodes it stands for, from the one that has it */
} text_run;

typedef struct node node;
struct node {
    node_kind kind;
    guint line;
    union {
        struct {
            const char *text;  /* into the template's source */
            size_t len;
            size_t *marks;     /* ascending offsets in [0, len] where lines begin */
            size_t n_marks;
            text_run *run;     /* NULL: none begins here */
        } text;
        name_path var;
        struct {
            name_path name;
            char *label;       /* the name as written, for {{/x}} and messages */
            node *children;
            size_t n_children;
        } section;
        struct {
            char *name;
            char *indent;      /* standalone: its indentation; inline: NULL */
            size_t indent_len;
        } partial;
        struct {
            char *msgid;       /* blanks inside collapsed */
            /* The text as written, compiled: what a render without a
             * translation emits, without scanning and escaping it again.
             * NULL for a text with the placeholder "{.}", which the
             * render-time scan reads differently (lookup_text). */
            text_piece *pieces;
            size_t n_pieces;
            char *escaped;     /* the pieces' text */
            text_run *run;     /* NULL: none begins here */
        } translate;
    } u;
};

typedef struct {
    char *name;
    char *origin;
    char *source;
    node *nodes;
    size_t n_nodes;
} template;

struct vt_template_set {
    GHashTable *templates;  /* name (owned by the template) -> template */
    /* The parts of every name of every template ever compiled into the set,
     * interned; only grows, freed with the set. */
    GStringChunk *names;
};

/* ------------------------------------------------------------------ */
/* Trees */

static void name_path_clear(name_path *path)
{
    g_free(path->parts);
    path->parts = NULL;
    path->n_parts = 0;
}

static void nodes_free(node *nodes, size_t n);

static void text_run_free(text_run *run)
{
    if (!run)
        return;
    g_free(run->text);
    g_free(run->marks);
    g_free(run);
}

/* Frees what the nodes own, not the array itself. */
static void nodes_clear(node *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        node *nd = &nodes[i];
        switch (nd->kind) {
        case NODE_TEXT:
            g_free(nd->u.text.marks);
            text_run_free(nd->u.text.run);
            break;
        case NODE_VAR:
        case NODE_RAW:
            name_path_clear(&nd->u.var);
            break;
        case NODE_SECTION:
        case NODE_INVERTED:
            name_path_clear(&nd->u.section.name);
            g_free(nd->u.section.label);
            nodes_free(nd->u.section.children, nd->u.section.n_children);
            break;
        case NODE_PARTIAL:
            g_free(nd->u.partial.name);
            g_free(nd->u.partial.indent);
            break;
        case NODE_TRANSLATE:
            g_free(nd->u.translate.msgid);
            for (size_t k = 0; k < nd->u.translate.n_pieces; k++)
                name_path_clear(&nd->u.translate.pieces[k].name);
            g_free(nd->u.translate.pieces);
            g_free(nd->u.translate.escaped);
            text_run_free(nd->u.translate.run);
            break;
        }
    }
}

static void nodes_free(node *nodes, size_t n)
{
    nodes_clear(nodes, n);
    g_free(nodes);
}

static void template_free(template *tpl)
{
    if (!tpl)
        return;
    nodes_free(tpl->nodes, tpl->n_nodes);
    g_free(tpl->name);
    g_free(tpl->origin);
    g_free(tpl->source);
    g_free(tpl);
}

/* ------------------------------------------------------------------ */
/* Escaping */

/* The longest entity: emit_escaped_rest copies this many bytes of each. */
#define ENTITY_MAX 6

typedef struct {
    char text[ENTITY_MAX];  /* zero-padded, not terminated */
    guint8 len;             /* 0: the byte as it is */
} entity;

/* The bytes with an entity; with the brace of a placeholder. Aligned:
 * glibc's strcspn() reads a set that is not in more steps. */
static _Alignas(16) const char html_specials[] = "&<>\"'";
static _Alignas(16) const char text_specials[] = "{&<>\"'";

/* Enough for element content and for attribute values in either quotes. */
static const entity html_entities[256] = {
    ['&'] = { "&amp;", 5 },
    ['<'] = { "&lt;", 4 },
    ['>'] = { "&gt;", 4 },
    ['"'] = { "&quot;", 6 },
    ['\''] = { "&#39;", 5 },
};

/* The length of the run at the start of @s (@n bytes) that needs no
 * escaping: @n, or the offset of a byte with an entity. A '\0' must follow
 * at @s[@n] or later (jansson ends every string with one): strcspn() is
 * the fast scan (SSE4.2 in glibc), and the terminator stops it. It stops
 * at a NUL inside the string too; that byte needs no escaping. */
static size_t plain_run(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        i += strcspn(s + i, html_specials);
        if (i >= n || s[i] != '\0')
            return MIN(i, n);
        i++;
    }
}

/* Appends @s (@n bytes, NUL-terminated), HTML-escaped, to @out. */
static void escape_append(GString *out, const char *s, size_t n)
{
    while (n > 0) {
        size_t run = plain_run(s, n);
        g_string_append_len(out, s, (gssize)run);
        if (run == n)
            break;
        const entity *e = &html_entities[(unsigned char)s[run]];
        g_string_append_len(out, e->text, (gssize)e->len);
        s += run + 1;
        n -= run + 1;
    }
}

/* ------------------------------------------------------------------ */
/* Parsing */

static gboolean is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static gboolean is_name_char(unsigned char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '@' || c == ':' || c >= 0x80;
}

/* Template names: whatever fits in {{>name}} and a file name. */
static gboolean template_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > MAX_NAME_LEN)
        return FALSE;
    for (size_t i = 0; i < len; i++)
        if (g_ascii_isspace(name[i]) || name[i] == '{' || name[i] == '}' || name[i] == '\0')
            return FALSE;
    return TRUE;
}

typedef struct {
    const char *origin;
    GStringChunk *names;  /* the set's, for name_part */
    const char *src;
    size_t len;
    size_t line_pos;  /* newlines are counted up to here... */
    guint line;       /* ...and this is the line at line_pos */
    guint depth;      /* open sections */
    /* levels[0] is the template's top level, levels[d] the children of
     * open[d]. */
    GArray *levels[VT_TEMPLATE_MAX_NESTING + 1];
    node open[VT_TEMPLATE_MAX_NESTING + 1];
} parser;

static guint line_at(parser *p, size_t pos)
{
    while (p->line_pos < pos) {
        const char *nl = memchr(p->src + p->line_pos, '\n', pos - p->line_pos);
        if (!nl) {
            p->line_pos = pos;
            break;
        }
        p->line++;
        p->line_pos = (size_t)(nl - p->src) + 1;
    }
    return p->line;
}

static vt_status parse_error(const parser *p, guint line, const char *what, const char *text,
                             size_t len)
{
    if (text)
        return vt_error_set(VT_ERR_INVALID, "%s:%u: %s '%.*s%s'", p->origin, line, what,
                            (int)MIN(len, QUOTE_LEN), text, len > QUOTE_LEN ? "..." : "");
    return vt_error_set(VT_ERR_INVALID, "%s:%u: %s", p->origin, line, what);
}

static gboolean is_line_start(const parser *p, size_t pos)
{
    return pos < p->len && (pos == 0 || p->src[pos - 1] == '\n');
}

/* Appends the text [start, end) to the current level with its line marks.
 * @mark_end: a line beginning exactly at @end (with the tag that follows)
 * gets a mark too; not so when that line is a removed standalone line. A
 * line "beginning" at the very end of the source is no line. */
static void add_text(parser *p, size_t start, size_t end, gboolean mark_end)
{
    GArray *marks = NULL;

    for (size_t at = start; at <= end;) {
        if (is_line_start(p, at) && (at < end || mark_end)) {
            if (!marks)
                marks = g_array_new(FALSE, FALSE, sizeof(size_t));
            size_t offset = at - start;
            g_array_append_val(marks, offset);
        }
        const char *nl = memchr(p->src + at, '\n', end - at);
        if (!nl)
            break;
        at = (size_t)(nl - p->src) + 1;
    }
    if (start == end && !marks)
        return;

    node nd = { .kind = NODE_TEXT, .line = 0 };
    nd.u.text.text = p->src + start;
    nd.u.text.len = end - start;
    if (marks) {
        nd.u.text.n_marks = marks->len;
        nd.u.text.marks = (size_t *)(void *)g_array_free(marks, FALSE);
    }
    g_array_append_val(p->levels[p->depth], nd);
}

/* Parses a dotted name (already trimmed) into @ret_path. */
static vt_status parse_name(const parser *p, guint line, const char *text, size_t len,
                            name_path *ret_path)
{
    if (len == 1 && text[0] == '.') {
        ret_path->parts = NULL;
        ret_path->n_parts = 0;
        return VT_OK;
    }
    gboolean part_empty = TRUE;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '.') {
            if (part_empty)
                return parse_error(p, line, "invalid name", text, len);
            part_empty = TRUE;
        } else if (is_name_char(c)) {
            part_empty = FALSE;
        } else {
            return parse_error(p, line, "invalid name", text, len);
        }
    }
    if (part_empty)
        return parse_error(p, line, "invalid name", text, len);

    guint n = 1;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '.';
    ret_path->parts = g_new(name_part, n);
    ret_path->n_parts = n;
    const char *part = text, *end = text + len;
    for (guint k = 0; k < n; k++) {
        const char *dot = memchr(part, '.', (size_t)(end - part));
        size_t part_len = dot ? (size_t)(dot - part) : (size_t)(end - part);
        g_autofree char *copy = g_strndup(part, part_len);
        ret_path->parts[k].text = g_string_chunk_insert_const(p->names, copy);
        ret_path->parts[k].len = part_len;
        part += part_len + 1;
    }
    return VT_OK;
}

/* Fills @nd's pieces from its msgid (checked: each '{' has its '}' and a
 * valid name between). */
static void compile_text(const parser *p, guint line, node *nd)
{
    const char *text = nd->u.translate.msgid;
    GString *escaped = g_string_new(NULL);
    GArray *pieces = g_array_new(FALSE, TRUE, sizeof(text_piece));
    /* Offsets into @escaped until it stops growing. */
    GArray *offsets = g_array_new(FALSE, FALSE, sizeof(size_t));
    gboolean ok = TRUE;

    while (*text && ok) {
        const char *open = strchr(text, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        size_t literal = close ? (size_t)(open - text) : strlen(text);
        text_piece piece = { 0 };
        if (literal > 0) {
            g_array_append_val(offsets, escaped->len);
            escape_append(escaped, text, literal);
            piece.len = escaped->len - g_array_index(offsets, size_t, offsets->len - 1);
            g_array_append_val(pieces, piece);
        }
        if (!close)
            break;
        /* handle_tag checked the name. */
        ok = parse_name(p, line, open + 1, (size_t)(close - open) - 1, &piece.name) == VT_OK &&
             piece.name.parts != NULL;
        g_array_append_val(offsets, escaped->len);
        escape_append(escaped, open, (size_t)(close - open) + 1);
        piece.len = escaped->len - g_array_index(offsets, size_t, offsets->len - 1);
        g_array_append_val(pieces, piece);
        text = close + 1;
    }
    if (ok) {
        nd->u.translate.n_pieces = pieces->len;
        nd->u.translate.escaped = g_string_free(escaped, FALSE);
        nd->u.translate.pieces = (text_piece *)(void *)g_array_free(pieces, FALSE);
        for (size_t k = 0; k < nd->u.translate.n_pieces; k++)
            nd->u.translate.pieces[k].text =
                nd->u.translate.escaped + g_array_index(offsets, size_t, k);
    } else {
        for (guint k = 0; k < pieces->len; k++)
            name_path_clear(&g_array_index(pieces, text_piece, k).name);
        g_array_free(pieces, TRUE);
        g_string_free(escaped, TRUE);
    }
    g_array_free(offsets, TRUE);
}

typedef enum {
    TAG_VAR,
    TAG_RAW,
    TAG_SECTION,
    TAG_INVERTED,
    TAG_CLOSE,
    TAG_PARTIAL,
    TAG_COMMENT,
    TAG_TRANSLATE
} tag_kind;

static vt_status handle_tag(parser *p, tag_kind kind, guint line, const char *name, size_t len,
                            const char *indent, size_t indent_len)
{
    node nd = { .line = line };
    vt_status st;

    if (kind == TAG_COMMENT)
        return VT_OK;
    if (len == 0)
        return parse_error(p, line, "empty tag", NULL, 0);

    switch (kind) {
    case TAG_VAR:
    case TAG_RAW:
        nd.kind = kind == TAG_VAR ? NODE_VAR : NODE_RAW;
        if ((st = parse_name(p, line, name, len, &nd.u.var)) != VT_OK)
            return st;
        g_array_append_val(p->levels[p->depth], nd);
        return VT_OK;

    case TAG_SECTION:
    case TAG_INVERTED:
        if (p->depth == VT_TEMPLATE_MAX_NESTING)
            return vt_error_set(VT_ERR_INVALID, "%s:%u: sections nested deeper than %d",
                                p->origin, line, VT_TEMPLATE_MAX_NESTING);
        nd.kind = kind == TAG_SECTION ? NODE_SECTION : NODE_INVERTED;
        if ((st = parse_name(p, line, name, len, &nd.u.section.name)) != VT_OK)
            return st;
        nd.u.section.label = g_strndup(name, len);
        p->depth++;
        p->open[p->depth] = nd;
        p->levels[p->depth] = g_array_new(FALSE, FALSE, sizeof(node));
        return VT_OK;

    case TAG_CLOSE: {
        if (p->depth == 0)
            return parse_error(p, line, "closing tag without an open section", name, len);
        node *open = &p->open[p->depth];
        if (strlen(open->u.section.label) != len || memcmp(open->u.section.label, name, len) != 0)
            return vt_error_set(VT_ERR_INVALID,
                                "%s:%u: mismatched {{/%.*s}}: the open section is '%s' (line %u)",
                                p->origin, line, (int)MIN(len, QUOTE_LEN), name,
                                open->u.section.label, open->line);
        GArray *children = p->levels[p->depth];
        open->u.section.n_children = children->len;
        open->u.section.children = (node *)(void *)g_array_free(children, FALSE);
        p->levels[p->depth] = NULL;
        p->depth--;
        g_array_append_val(p->levels[p->depth], *open);
        return VT_OK;
    }

    case TAG_PARTIAL:
        if (!template_name_ok(name, len))
            return parse_error(p, line, "invalid partial name", name, len);
        nd.kind = NODE_PARTIAL;
        nd.u.partial.name = g_strndup(name, len);
        if (indent) {
            nd.u.partial.indent = g_strndup(indent, indent_len);
            nd.u.partial.indent_len = indent_len;
        }
        g_array_append_val(p->levels[p->depth], nd);
        return VT_OK;

    case TAG_TRANSLATE: {
        if (memchr(name, '\n', len))
            return parse_error(p, line, "translatable text spans lines", name, len);
        /* Placeholders: {name}, a name as {{name}} takes it. */
        for (size_t i = 0; i < len; i++) {
            if (name[i] == '}')
                return parse_error(p, line, "'}' without '{' in translatable text", name, len);
            if (name[i] != '{')
                continue;
            const char *end = memchr(name + i, '}', len - i);
            name_path check;
            if (!end || (st = parse_name(p, line, name + i + 1, (size_t)(end - name) - i - 1,
                                         &check)) != VT_OK)
                return end ? st : parse_error(p, line, "'{' without '}' in translatable text",
                                              name, len);
            name_path_clear(&check);
            i = (size_t)(end - name);
        }
        nd.kind = NODE_TRANSLATE;
        GString *id = g_string_sized_new(len);
        for (size_t i = 0; i < len; i++)
            if (!is_blank(name[i]) || (id->len && id->str[id->len - 1] != ' '))
                g_string_append_c(id, is_blank(name[i]) ? ' ' : name[i]);
        nd.u.translate.msgid = g_string_free(id, FALSE);
        compile_text(p, line, &nd);
        g_array_append_val(p->levels[p->depth], nd);
        return VT_OK;
    }

    case TAG_COMMENT:
        break;
    }
    return VT_OK;
}

/* "_" and a blank: the tag is translatable text. */
static gboolean body_is_translate(const char *src, size_t body, size_t end)
{
    return body + 1 < end && src[body] == '_' && is_blank(src[body + 1]);
}

/* One pass over the source: find "{{", classify the tag, apply the
 * standalone rule, emit text and tag nodes. */
static vt_status parse(parser *p)
{
    const char *src = p->src;
    size_t len = p->len, pos = 0, text_start = 0;
    vt_status st;

    for (;;) {
        const char *open = memmem(src + pos, len - pos, "{{", 2);
        if (!open)
            break;
        size_t tag_start = (size_t)(open - src);
        guint line = line_at(p, tag_start);
        gboolean triple = tag_start + 2 < len && src[tag_start + 2] == '{';
        size_t body, body_end, tag_end;

        if (triple) {
            body = tag_start + 3;
            const char *close = memmem(src + body, len - body, "}}}", 3);
            if (!close)
                return parse_error(p, line, "unterminated tag: '{{{' without '}}}'", NULL, 0);
            body_end = (size_t)(close - src);
            tag_end = body_end + 3;
        } else if (body_is_translate(src, tag_start + 2, len)) {
            /* {{_ text {name} text}}: the braces of placeholders pair up,
             * so "{count}}}" ends with the placeholder, then the tag. */
            body = tag_start + 2;
            size_t at = body, open_braces = 0;
            while (at + 1 < len && !(open_braces == 0 && src[at] == '}' && src[at + 1] == '}')) {
                if (src[at] == '{')
                    open_braces++;
                else if (src[at] == '}' && open_braces > 0)
                    open_braces--;
                at++;
            }
            if (at + 1 >= len)
                return parse_error(p, line, "unterminated tag: '{{_' without '}}'", NULL, 0);
            body_end = at;
            tag_end = body_end + 2;
        } else {
            body = tag_start + 2;
            const char *close = memmem(src + body, len - body, "}}", 2);
            if (!close)
                return parse_error(p, line, "unterminated tag: '{{' without '}}'", NULL, 0);
            body_end = (size_t)(close - src);
            tag_end = body_end + 2;
        }

        tag_kind kind = TAG_VAR;
        if (triple) {
            kind = TAG_RAW;
        } else if (body_is_translate(src, body, body_end)) {
            kind = TAG_TRANSLATE;
            body += 2;
        } else if (body < body_end) {
            char sigil = src[body];
            switch (sigil) {
            case '!': kind = TAG_COMMENT; body++; break;
            case '#': kind = TAG_SECTION; body++; break;
            case '^': kind = TAG_INVERTED; body++; break;
            case '/': kind = TAG_CLOSE; body++; break;
            case '>': kind = TAG_PARTIAL; body++; break;
            case '&': kind = TAG_RAW; body++; break;
            case '=':
                return parse_error(p, line, "unsupported tag '{{=': set delimiters are not supported",
                                   NULL, 0);
            case '$':
            case '<':
                return vt_error_set(VT_ERR_INVALID,
                                    "%s:%u: unsupported tag '{{%c': template inheritance is not "
                                    "supported", p->origin, line, sigil);
            default:
                if (!g_ascii_isspace(sigil) && sigil != '.' && !is_name_char((unsigned char)sigil))
                    return vt_error_set(VT_ERR_INVALID, "%s:%u: unknown tag '{{%c'", p->origin,
                                        line, sigil);
                break;
            }
        }

        /* Standalone: the tag is alone on its line but for blanks. Then the
         * line goes: the blanks before it, the blanks after and the line end. */
        gboolean standalone = FALSE;
        size_t line_start = tag_start, next = tag_end;
        if (kind != TAG_VAR && kind != TAG_RAW && kind != TAG_TRANSLATE) {
            while (line_start > text_start && is_blank(src[line_start - 1]))
                line_start--;
            size_t after = tag_end;
            while (after < len && is_blank(src[after]))
                after++;
            gboolean alone_before = line_start == 0 || src[line_start - 1] == '\n';
            if (alone_before && after == len) {
                standalone = TRUE;
                next = len;
            } else if (alone_before && src[after] == '\n') {
                standalone = TRUE;
                next = after + 1;
            } else if (alone_before && src[after] == '\r' && after + 1 < len &&
                       src[after + 1] == '\n') {
                standalone = TRUE;
                next = after + 2;
            }
        }

        if (standalone) {
            add_text(p, text_start, line_start, FALSE);
        } else {
            add_text(p, text_start, tag_start, TRUE);
            line_start = tag_start;
        }

        /* The name, without the blanks (and line ends) around it. */
        while (body < body_end && g_ascii_isspace(src[body]))
            body++;
        while (body_end > body && g_ascii_isspace(src[body_end - 1]))
            body_end--;
        st = handle_tag(p, kind, line, src + body, body_end - body,
                        standalone ? src + line_start : NULL, tag_start - line_start);
        if (st != VT_OK)
            return st;
        pos = text_start = standalone ? next : tag_end;
    }
    add_text(p, text_start, len, FALSE);

    if (p->depth > 0)
        return vt_error_set(VT_ERR_INVALID, "%s:%u: unclosed section '%s'", p->origin,
                            p->open[p->depth].line, p->open[p->depth].u.section.label);
    return VT_OK;
}

/* TRUE if a render without translation copies @nd as it is: then
 * @ret_text (@ret_len bytes) is what it copies. */
static gboolean is_plain(const node *nd, GString *ret_text)
{
    if (nd->kind == NODE_TEXT) {
        g_string_append_len(ret_text, nd->u.text.text, (gssize)nd->u.text.len);
        return TRUE;
    }
    if (nd->kind != NODE_TRANSLATE || !nd->u.translate.pieces)
        return FALSE;
    for (size_t i = 0; i < nd->u.translate.n_pieces; i++)
        if (nd->u.translate.pieces[i].name.parts)
            return FALSE;
    for (size_t i = 0; i < nd->u.translate.n_pieces; i++)
        g_string_append_len(ret_text, nd->u.translate.pieces[i].text,
                            (gssize)nd->u.translate.pieces[i].len);
    return TRUE;
}

/* Gives each row of two or more plain nodes in @nodes (and the sections'
 * children) its text_run, on the row's first node. */
static void add_runs(node *nodes, size_t n)
{
    GString *text = g_string_new(NULL);
    GArray *marks = g_array_new(FALSE, FALSE, sizeof(size_t));

    for (size_t i = 0; i < n;) {
        if (nodes[i].kind == NODE_SECTION || nodes[i].kind == NODE_INVERTED)
            add_runs(nodes[i].u.section.children, nodes[i].u.section.n_children);
        g_string_truncate(text, 0);
        g_array_set_size(marks, 0);
        size_t k = i;
        for (; k < n; k++) {
            size_t offset = text->len;
            if (!is_plain(&nodes[k], text))
                break;
            for (size_t m = 0; nodes[k].kind == NODE_TEXT && m < nodes[k].u.text.n_marks; m++) {
                size_t mark = offset + nodes[k].u.text.marks[m];
                g_array_append_val(marks, mark);
            }
        }
        if (k - i < 2) {
            i = MAX(k, i + 1);
            continue;
        }
        text_run *run = g_new0(text_run, 1);
        run->len = text->len;
        run->text = g_strndup(text->str, text->len);
        run->n_marks = marks->len;
        run->marks = g_memdup2(marks->data, marks->len * sizeof(size_t));
        run->n_nodes = k - i;
        if (nodes[i].kind == NODE_TEXT)
            nodes[i].u.text.run = run;
        else
            nodes[i].u.translate.run = run;
        i = k;
    }
    g_string_free(text, TRUE);
    g_array_free(marks, TRUE);
}

/* Compiles @text (@len bytes, NUL-terminated) into a template named @name,
 * the parts of its names interned in @names. */
static vt_status compile(GStringChunk *names, const char *name, const char *text, size_t len,
                         const char *origin, template **ret_tpl)
{
    if (len > VT_TEMPLATE_MAX_SIZE)
        return vt_error_set(VT_ERR_LIMIT, "%s: template of %zu bytes, over the limit of %u",
                            origin, len, VT_TEMPLATE_MAX_SIZE);
    if (!g_utf8_validate(text, (gssize)len, NULL))
        return vt_error_set(VT_ERR_INVALID, "%s: not UTF-8 text", origin);

    template *tpl = g_new0(template, 1);
    tpl->name = g_strdup(name);
    tpl->origin = g_strdup(origin);
    tpl->source = g_strndup(text, len);

    parser p = {
        .origin = tpl->origin, .names = names, .src = tpl->source, .len = len, .line = 1
    };
    p.levels[0] = g_array_new(FALSE, FALSE, sizeof(node));
    vt_status st = parse(&p);

    if (st == VT_OK) {
        tpl->n_nodes = p.levels[0]->len;
        tpl->nodes = (node *)(void *)g_array_free(p.levels[0], FALSE);
        add_runs(tpl->nodes, tpl->n_nodes);
        *ret_tpl = tpl;
        return VT_OK;
    }
    for (guint d = 0; d <= p.depth; d++) {
        nodes_clear((node *)(void *)p.levels[d]->data, p.levels[d]->len);
        g_array_free(p.levels[d], TRUE);
        if (d > 0) {
            name_path_clear(&p.open[d].u.section.name);
            g_free(p.open[d].u.section.label);
        }
    }
    template_free(tpl);
    return st;
}

/* ------------------------------------------------------------------ */
/* The set */

vt_status vt_template_set_new(vt_template_set **ret_set)
{
    vt_template_set *set = g_new0(vt_template_set, 1);
    set->templates =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)template_free);
    set->names = g_string_chunk_new(1024);
    *ret_set = set;
    return VT_OK;
}

void vt_template_set_free(vt_template_set *set)
{
    if (!set)
        return;
    g_hash_table_destroy(set->templates);
    g_string_chunk_free(set->names);
    g_free(set);
}

static void set_insert(vt_template_set *set, template *tpl)
{
    /* The key belongs to the template: remove the old entry first, so that
     * the table never holds a key freed with its old value. */
    g_hash_table_remove(set->templates, tpl->name);
    g_hash_table_insert(set->templates, tpl->name, tpl);
}

vt_status vt_template_set_add(vt_template_set *set, const char *name, const char *text,
                              const char *origin)
{
    if (!origin)
        origin = name;
    if (!name || !template_name_ok(name, strlen(name)))
        return vt_error_set(VT_ERR_INVALID, "%s: '%s' is not a usable template name",
                            origin ? origin : "template", name ? name : "(null)");
    if (!text)
        return vt_error_set(VT_ERR_INVALID, "%s: no template text", origin);

    template *tpl = NULL;
    vt_status st = compile(set->names, name, text, strlen(text), origin, &tpl);
    if (st != VT_OK)
        return st;
    set_insert(set, tpl);
    return VT_OK;
}

gboolean vt_template_set_has(const vt_template_set *set, const char *name)
{
    return g_hash_table_contains(set->templates, name);
}

/* Reads at most VT_TEMPLATE_MAX_SIZE bytes of @path, NUL-terminated. */
static vt_status read_template_file(const char *path, char **ret_text, size_t *ret_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open the template %s", path);

    GByteArray *buf = g_byte_array_new();
    vt_status st = VT_OK;
    guint8 chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = vt_error_set_errno(VT_ERR_IO, errno, "cannot read the template %s", path);
            break;
        }
        if (n == 0)
            break;
        if (buf->len + (size_t)n > VT_TEMPLATE_MAX_SIZE) {
            st = vt_error_set(VT_ERR_LIMIT, "%s: template over the limit of %u bytes", path,
                              VT_TEMPLATE_MAX_SIZE);
            break;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    close(fd);
    if (st != VT_OK) {
        g_byte_array_free(buf, TRUE);
        return st;
    }
    *ret_len = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    *ret_text = (char *)g_byte_array_free(buf, FALSE);
    return VT_OK;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The template name of a file name, or NULL if the file is not a template. */
static char *template_base(const char *file)
{
    static const char *const suffixes[] = { ".mustache", ".html" };

    if (file[0] == '.')
        return NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++)
        if (g_str_has_suffix(file, suffixes[i]) && strlen(file) > strlen(suffixes[i]))
            return g_strndup(file, strlen(file) - strlen(suffixes[i]));
    return NULL;
}

vt_status vt_template_set_load_dir(vt_template_set *set, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return vt_error_set_errno(errno == ENOENT ? VT_ERR_NOT_FOUND : VT_ERR_IO, errno,
                                  "cannot open the template folder %s", dir);
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    struct dirent *ent;
    errno = 0;
    while ((ent = readdir(d)) != NULL)
        g_ptr_array_add(files, g_strdup(ent->d_name));
    int read_errno = errno;
    closedir(d);
    if (read_errno) {
        g_ptr_array_free(files, TRUE);
        return vt_error_set_errno(VT_ERR_IO, read_errno, "cannot list the template folder %s",
                                  dir);
    }
    /* Sorted, so that the same folder always fails on the same file. */
    g_ptr_array_sort(files, compare_strings);

    /* Compile everything first and insert only when all is well. */
    GPtrArray *compiled = g_ptr_array_new_with_free_func((GDestroyNotify)template_free);
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);  /* name -> template */
    vt_status st = VT_OK;

    for (guint i = 0; i < files->len && st == VT_OK; i++) {
        g_autofree char *base = template_base(files->pdata[i]);
        if (!base)
            continue;
        g_autofree char *path = g_build_filename(dir, files->pdata[i], NULL);
        struct stat sb;
        if (stat(path, &sb) != 0) {
            st = vt_error_set_errno(VT_ERR_IO, errno, "cannot read the template %s", path);
            break;
        }
        if (!S_ISREG(sb.st_mode))
            continue;
        if (!template_name_ok(base, strlen(base))) {
            st = vt_error_set(VT_ERR_INVALID, "%s: '%s' is not a usable template name", path,
                              base);
            break;
        }
        template *other = g_hash_table_lookup(seen, base);
        if (other) {
            st = vt_error_set(VT_ERR_INVALID, "%s: template '%s' is already defined by %s", path,
                              base, other->origin);
            break;
        }
        char *text = NULL;
        size_t len = 0;
        if ((st = read_template_file(path, &text, &len)) != VT_OK)
            break;
        if (memchr(text, '\0', len)) {
            g_free(text);
            st = vt_error_set(VT_ERR_INVALID, "%s: not UTF-8 text (a NUL byte)", path);
            break;
        }
        template *tpl = NULL;
        st = compile(set->names, base, text, len, path, &tpl);
        g_free(text);
        if (st == VT_OK) {
            g_ptr_array_add(compiled, tpl);
            g_hash_table_insert(seen, tpl->name, tpl);
        }
    }

    if (st == VT_OK) {
        for (guint i = 0; i < compiled->len; i++)
            set_insert(set, compiled->pdata[i]);
        /* The set owns them now. */
        g_ptr_array_set_free_func(compiled, NULL);
    }
    g_hash_table_destroy(seen);
    g_ptr_array_free(compiled, TRUE);
    g_ptr_array_free(files, TRUE);
    return st;
}

static vt_status check_nodes(const vt_template_set *set, const template *tpl, const node *nodes,
                             size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const node *nd = &nodes[i];
        vt_status st;
        if (nd->kind == NODE_PARTIAL && !g_hash_table_contains(set->templates, nd->u.partial.name))
            return vt_error_set(VT_ERR_INVALID, "%s:%u: no template '%s' for this partial",
                                tpl->origin, nd->line, nd->u.partial.name);
        if ((nd->kind == NODE_SECTION || nd->kind == NODE_INVERTED) &&
            (st = check_nodes(set, tpl, nd->u.section.children, nd->u.section.n_children)) != VT_OK)
            return st;
    }
    return VT_OK;
}

vt_status vt_template_set_check(const vt_template_set *set)
{
    guint n = 0;
    const char **names = (const char **)g_hash_table_get_keys_as_array(set->templates, &n);
    vt_status st = VT_OK;

    qsort(names, n, sizeof *names, compare_strings);
    for (guint i = 0; i < n && st == VT_OK; i++) {
        const template *tpl = g_hash_table_lookup(set->templates, names[i]);
        st = check_nodes(set, tpl, tpl->nodes, tpl->n_nodes);
    }
    g_free(names);
    return st;
}

/* ------------------------------------------------------------------ */
/* Rendering */

/* One remembered json_object_getn(): @key is an interned name part. */
typedef struct {
    const json_t *object;
    const char *key;
    const json_t *value;
} lookup_entry;

/* A page looks the same few names up in the same few objects again and
 * again ("site" and "asset" in the page's data, "root" in "site"), and
 * every name of a section's body first in the section's value, where it
 * is often missing: jansson hashes the key each time (about 130
 * instructions). The data does not change during a render, so a render
 * remembers its lookups, direct-mapped by object and interned key. The
 * entries are not cleared for each render (valgrind counts 25,000
 * instructions for a memset of them): a bit says which hold a lookup of
 * this render. */
#define LOOKUP_CACHE_BITS 10
#define LOOKUP_CACHE_SIZE (1u << LOOKUP_CACHE_BITS)

typedef struct {
    const vt_template_set *set;
    GString *out;
    gsize out_limit;          /* out->len never goes past it */
    /* out->len may grow up to this with a plain copy: within the limit and
     * the allocation, leaving room for the '\0', which is written only
     * when the render ends (out->str is not read meanwhile). */
    gsize room;
    const json_t **stack;     /* the context stack, bottom first */
    size_t depth, cap;
    const json_t *inline_stack[VT_TEMPLATE_MAX_NESTING];
    /* Indentations of the standalone partials being rendered, appended one
     * after the other; a frame refers to its own as (offset, length). Only
     * ever appended to and cut back, so a frame's range stays valid. */
    GString *indent;
    guint64 steps;
    guint partial_depth;
    /* The output reached the limit; the node being rendered has yet to say
     * where (render_nodes). */
    gboolean over_limit;
    vt_template_translate_fn translate; /* NULL: the text as written */
    void *translate_data;
    lookup_entry *cache;      /* LOOKUP_CACHE_SIZE entries... */
    guint64 cached[LOOKUP_CACHE_SIZE / 64]; /* ...of which these bits are set */
} render_state;

static void set_room(render_state *rs)
{
    rs->room = MIN(rs->out->allocated_len - 1, rs->out_limit);
}

static vt_status emit_grow(render_state *rs, const char *s, size_t n)
{
    GString *out = rs->out;

    if (n > rs->out_limit - out->len) {
        rs->over_limit = TRUE;
        return VT_ERR_LIMIT;
    }
    g_string_append_len(out, s, (gssize)n);
    set_room(rs);
    return VT_OK;
}

static inline vt_status emit(render_state *rs, const char *s, size_t n)
{
    GString *out = rs->out;

    /* Most pieces are short and fit: one test, and a copy without
     * g_string_append_len's general case (it allows @s inside @out). */
    if (G_LIKELY(n <= rs->room - out->len)) {
        memcpy(out->str + out->len, s, n);
        out->len += n;
        return VT_OK;
    }
    return emit_grow(rs, s, n);
}

/* emit_escaped() of @s (@n bytes) from @run, the offset of a byte with an
 * entity, a piece at a time: each piece is checked against the limit. */
static vt_status emit_escaped_pieces(render_state *rs, const char *s, size_t n, size_t run)
{
    vt_status st;

    for (;;) {
        const entity *e = &html_entities[(unsigned char)s[run]];
        if ((st = emit(rs, s, run)) != VT_OK || (st = emit(rs, e->text, e->len)) != VT_OK)
            return st;
        s += run + 1;
        n -= run + 1;
        run = plain_run(s, n);
        if (run == n)
            return emit(rs, s, n);
    }
}

/* emit_escaped() of @s (@n bytes) from @run, the offset of a byte with an
 * entity. A value with one often has many (the annotation types' JSON in an
 * attribute of each internal asset page: 240 quotes), and a strcspn() and
 * two copies per entity cost some 85 instructions; so the rest is escaped
 * byte by byte into room for its worst case, found once. Where that room
 * would pass the output limit, the output stops exactly at the limit
 * (emit_escaped_pieces). */
static G_GNUC_NO_INLINE vt_status emit_escaped_rest(render_state *rs, const char *s, size_t n,
                                                   size_t run)
{
    GString *out = rs->out;
    size_t rest = n - run, left = rs->out_limit - out->len;

    if (run > left || rest > (left - run) / ENTITY_MAX)
        return emit_escaped_pieces(rs, s, n, run);
    size_t worst = run + rest * ENTITY_MAX;
    if (worst > rs->room - out->len) {
        /* Grows the allocation; the length stays (nothing reads past it). */
        gsize len = out->len;
        g_string_set_size(out, len + worst);
        out->len = len;
        set_room(rs);
    }
    char *d = out->str + out->len;
    memcpy(d, s, run);
    d += run;
    for (size_t i = run; i < n; i++) {
        const entity *e = &html_entities[(unsigned char)s[i]];
        if (G_LIKELY(e->len == 0)) {
            *d++ = s[i];
        } else {
            memcpy(d, e->text, ENTITY_MAX);
            d += e->len;
        }
    }
    out->len = (gsize)(d - out->str);
    return VT_OK;
}

/* @s must be NUL-terminated at @n or later (plain_run). */
static inline vt_status emit_escaped(render_state *rs, const char *s, size_t n)
{
    size_t run = plain_run(s, n);
    if (G_LIKELY(run == n))
        return emit(rs, s, n);
    return emit_escaped_rest(rs, s, n, run);
}

static vt_status emit_value(render_state *rs, const json_t *value, gboolean escape)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    switch (value ? json_typeof(value) : JSON_NULL) {
    case JSON_STRING:
        if (escape)
            return emit_escaped(rs, json_string_value(value), json_string_length(value));
        return emit(rs, json_string_value(value), json_string_length(value));
    case JSON_INTEGER: {
        char digits[VT_JSONOUT_INTEGER_MAX];
        size_t len;
        const char *text = vt_jsonout_integer(json_integer_value(value), digits, &len);
        return emit(rs, text, len);
    }
    case JSON_REAL: {
        /* The shortest form that reads back as the same double: 1.21, not
         * 1.2099999999999999. Not the locale's decimal comma. */
        static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
        double d = json_real_value(value);
        for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
            g_ascii_formatd(buf, sizeof buf, formats[i], d);
            if (g_ascii_strtod(buf, NULL) == d)
                break;
        }
        return emit(rs, buf, strlen(buf));
    }
    case JSON_TRUE:
        return emit(rs, "true", 4);
    case JSON_FALSE:
        return emit(rs, "false", 5);
    case JSON_NULL:
    case JSON_OBJECT:
    case JSON_ARRAY:
        break;
    }
    return VT_OK;
}

/* Text with the offsets where its lines begin, @marks: the indentation
 * (@indent_len bytes of rs->indent at @indent_off) is written at each. */
static vt_status emit_marked(render_state *rs, const char *text, size_t len, const size_t *marks,
                             size_t n_marks, size_t indent_off, size_t indent_len)
{
    if (indent_len == 0 || n_marks == 0)
        return emit(rs, text, len);

    size_t done = 0;
    vt_status st;
    for (size_t i = 0; i < n_marks; i++) {
        if ((st = emit(rs, text + done, marks[i] - done)) != VT_OK ||
            (st = emit(rs, rs->indent->str + indent_off, indent_len)) != VT_OK)
            return st;
        done = marks[i];
    }
    return emit(rs, text + done, len - done);
}

/* object_get() when @e (entry @i) does not hold the lookup: a lookup of
 * jansson's, remembered. Out of line, so that the usual case is a few
 * instructions in lookup(). */
static G_GNUC_NO_INLINE const json_t *object_get_miss(render_state *rs, lookup_entry *e, size_t i,
                                                      const json_t *object, const name_part *part)
{
    rs->cached[i / 64] |= G_GUINT64_CONSTANT(1) << (i % 64);
    e->object = object;
    e->key = part->text;
    e->value = json_object_getn(object, part->text, part->len);
    return e->value;
}

/* json_object_getn(@object, @part), through the render's cache. */
static inline const json_t *object_get(render_state *rs, const json_t *object,
                                       const name_part *part)
{
    guint64 h = ((guint64)(uintptr_t)object ^ ((guint64)(uintptr_t)part->text << 7)) *
                G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
    size_t i = h >> (64 - LOOKUP_CACHE_BITS);
    lookup_entry *e = &rs->cache[i];
    if (G_LIKELY((rs->cached[i / 64] >> (i % 64) & 1) && e->object == object &&
                 e->key == part->text))
        return e->value;
    return object_get_miss(rs, e, i, object, part);
}

static const json_t *lookup(render_state *rs, const name_path *path)
{
    if (!path->parts)
        return rs->depth ? rs->stack[rs->depth - 1] : NULL;

    const json_t *value = NULL;
    for (size_t i = rs->depth; i-- > 0;) {
        if (json_is_object(rs->stack[i]) &&
            (value = object_get(rs, rs->stack[i], &path->parts[0])) != NULL)
            break;
    }
    /* Further parts resolve only inside what the first one found. */
    for (guint k = 1; value && k < path->n_parts; k++)
        value = json_is_object(value) ? object_get(rs, value, &path->parts[k]) : NULL;
    return value;
}

/* lookup() for a dotted name written in translated text ("count",
 * "asset.label"), without splitting it. */
static const json_t *lookup_text(const render_state *rs, const char *name, size_t len)
{
    const char *dot = memchr(name, '.', len);
    size_t first = dot ? (size_t)(dot - name) : len;
    const json_t *value = NULL;
    for (size_t i = rs->depth; i-- > 0;) {
        if (json_is_object(rs->stack[i]) &&
            (value = json_object_getn(rs->stack[i], name, first)) != NULL)
            break;
    }
    while (value && dot) {
        const char *part = dot + 1;
        dot = memchr(part, '.', len - (size_t)(part - name));
        size_t n = dot ? (size_t)(dot - part) : len - (size_t)(part - name);
        value = json_is_object(value) ? json_object_getn(value, part, n) : NULL;
    }
    return value;
}

/* A translation or text of {{_ text}}, escaped, each {name} replaced by
 * the escaped value of name. A translation's brace without its pair is
 * text. One scan finds both the braces and the bytes to escape. */
static vt_status emit_with_placeholders(render_state *rs, const char *text)
{
    vt_status st;
    for (;;) {
        size_t run = strcspn(text, text_specials);
        if ((st = emit(rs, text, run)) != VT_OK)
            return st;
        text += run;
        if (*text == '\0')
            return VT_OK;
        if (*text != '{') {
            const entity *e = &html_entities[(unsigned char)*text];
            if ((st = emit(rs, e->text, e->len)) != VT_OK)
                return st;
            text++;
            continue;
        }
        const char *close = strchr(text, '}');
        if (!close)
            return emit_escaped(rs, text, strlen(text));
        const json_t *value = lookup_text(rs, text + 1, (size_t)(close - text) - 1);
        /* A name the context lacks stays as written: the scripts' texts
         * (templates/README.md) fill their own placeholders. */
        st = value ? emit_value(rs, value, TRUE)
                   : emit_escaped(rs, text, (size_t)(close - text) + 1);
        if (st != VT_OK)
            return st;
        text = close + 1;
    }
}

/* {{_ text}}: the translation of the text, or the text as compiled. */
static vt_status emit_translated(render_state *rs, const node *nd)
{
    const char *msgid = nd->u.translate.msgid;
    const char *text = rs->translate ? rs->translate(msgid, rs->translate_data) : NULL;
    /* No translation: gettext gives the msgid itself. */
    if (text && *text && text != msgid)
        return emit_with_placeholders(rs, text);
    if (!nd->u.translate.pieces)
        return emit_with_placeholders(rs, msgid);

    vt_status st = VT_OK;
    for (size_t i = 0; i < nd->u.translate.n_pieces && st == VT_OK; i++) {
        const text_piece *piece = &nd->u.translate.pieces[i];
        const json_t *value = piece->name.parts ? lookup(rs, &piece->name) : NULL;
        st = value ? emit_value(rs, value, TRUE) : emit(rs, piece->text, piece->len);
    }
    return st;
}

static gboolean is_falsy(const json_t *value)
{
    return !value || json_is_null(value) || json_is_false(value) ||
           (json_is_array(value) && json_array_size(value) == 0);
}

static void push(render_state *rs, const json_t *value)
{
    if (rs->depth == rs->cap) {
        /* Bounded: sections nest at most VT_TEMPLATE_MAX_NESTING deep in
         * each of at most VT_TEMPLATE_MAX_PARTIAL_DEPTH + 1 templates. */
        size_t cap = rs->cap * 2;
        const json_t **grown = g_new(const json_t *, cap);
        memcpy(grown, rs->stack, rs->depth * sizeof *grown);
        if (rs->stack != rs->inline_stack)
            g_free(rs->stack);
        rs->stack = grown;
        rs->cap = cap;
    }
    rs->stack[rs->depth++] = value;
}

static vt_status render_nodes(render_state *rs, const template *tpl, const node *nodes, size_t n,
                              size_t indent_off, size_t indent_len);

static vt_status emit_run(render_state *rs, const text_run *run, size_t indent_off,
                         size_t indent_len)
{
    return emit_marked(rs, run->text, run->len, run->marks, run->n_marks, indent_off, indent_len);
}

static vt_status too_many_steps(const template *tpl, guint line)
{
    return vt_error_set(VT_ERR_LIMIT, "%s:%u: rendering stopped after %u steps", tpl->origin, line,
                        VT_TEMPLATE_MAX_STEPS);
}

static vt_status render_section(render_state *rs, const template *tpl, const node *nd,
                                size_t indent_off, size_t indent_len)
{
    const json_t *value = lookup(rs, &nd->u.section.name);
    vt_status st = VT_OK;

    if (nd->kind == NODE_INVERTED) {
        if (!is_falsy(value))
            return VT_OK;
        return render_nodes(rs, tpl, nd->u.section.children, nd->u.section.n_children, indent_off,
                            indent_len);
    }
    if (is_falsy(value))
        return VT_OK;
    if (json_is_array(value)) {
        size_t count = json_array_size(value);
        for (size_t i = 0; i < count && st == VT_OK; i++) {
            /* Each pass counts, so that a long list around an empty body
             * is bounded too. */
            if (++rs->steps > VT_TEMPLATE_MAX_STEPS)
                return too_many_steps(tpl, nd->line);
            push(rs, json_array_get(value, i));
            st = render_nodes(rs, tpl, nd->u.section.children, nd->u.section.n_children,
                              indent_off, indent_len);
            rs->depth--;
        }
        return st;
    }
    push(rs, value);
    st = render_nodes(rs, tpl, nd->u.section.children, nd->u.section.n_children, indent_off,
                      indent_len);
    rs->depth--;
    return st;
}

static vt_status render_partial(render_state *rs, const template *tpl, const node *nd,
                                size_t indent_off, size_t indent_len)
{
    const template *partial = g_hash_table_lookup(rs->set->templates, nd->u.partial.name);
    if (!partial)
        return vt_error_set(VT_ERR_INVALID, "%s:%u: no template '%s' for this partial",
                            tpl->origin, nd->line, nd->u.partial.name);
    if (rs->partial_depth == VT_TEMPLATE_MAX_PARTIAL_DEPTH)
        return vt_error_set(VT_ERR_INVALID, "%s:%u: partials nested deeper than %d ('%s')",
                            tpl->origin, nd->line, VT_TEMPLATE_MAX_PARTIAL_DEPTH,
                            nd->u.partial.name);

    /* A standalone partial is indented by the current indentation plus its
     * own; an inline one is not indented at all (the spec's textual rule). */
    size_t mark = 0, off = 0, len = 0;
    gboolean indented = nd->u.partial.indent && nd->u.partial.indent_len + indent_len > 0;
    if (indented) {
        if (!rs->indent)
            rs->indent = g_string_sized_new(64);
        mark = rs->indent->len;
        g_string_append_len(rs->indent, rs->indent->str + indent_off, (gssize)indent_len);
        g_string_append_len(rs->indent, nd->u.partial.indent, (gssize)nd->u.partial.indent_len);
        off = mark;
        len = rs->indent->len - mark;
    }
    rs->partial_depth++;
    vt_status st = render_nodes(rs, partial, partial->nodes, partial->n_nodes, off, len);
    rs->partial_depth--;
    if (indented)
        g_string_truncate(rs->indent, mark);
    return st;
}

static vt_status render_nodes(render_state *rs, const template *tpl, const node *nodes, size_t n,
                              size_t indent_off, size_t indent_len)
{
    /* The nodes are counted before they are rendered, all at once. */
    if (n > VT_TEMPLATE_MAX_STEPS - rs->steps)
        return too_many_steps(tpl, nodes[0].line);
    rs->steps += n;
    const gboolean runs = !rs->translate;

    for (const node *nd = nodes, *end = nodes + n; nd < end; nd++) {
        vt_status st = VT_OK;
        switch (nd->kind) {
        case NODE_TEXT:
            if (runs && nd->u.text.run) {
                st = emit_run(rs, nd->u.text.run, indent_off, indent_len);
                nd += nd->u.text.run->n_nodes - 1;
                break;
            }
            st = emit_marked(rs, nd->u.text.text, nd->u.text.len, nd->u.text.marks,
                             nd->u.text.n_marks, indent_off, indent_len);
            break;
        case NODE_VAR:
        case NODE_RAW:
            st = emit_value(rs, lookup(rs, &nd->u.var), nd->kind == NODE_VAR);
            break;
        case NODE_SECTION:
        case NODE_INVERTED:
            st = render_section(rs, tpl, nd, indent_off, indent_len);
            break;
        case NODE_PARTIAL:
            st = render_partial(rs, tpl, nd, indent_off, indent_len);
            break;
        case NODE_TRANSLATE:
            if (runs && nd->u.translate.run) {
                st = emit_run(rs, nd->u.translate.run, indent_off, indent_len);
                nd += nd->u.translate.run->n_nodes - 1;
                break;
            }
            st = emit_translated(rs, nd);
            break;
        }
        if (G_UNLIKELY(st != VT_OK)) {
            /* The innermost node says where the output reached the limit. */
            if (rs->over_limit) {
                rs->over_limit = FALSE;
                vt_error_set(VT_ERR_LIMIT, "%s:%u: output over the limit of %u bytes",
                             tpl->origin, nd->line, VT_TEMPLATE_MAX_OUTPUT);
            }
            return st;
        }
    }
    return VT_OK;
}

vt_status vt_template_render(const vt_template_set *set, const char *name, const json_t *data,
                             GString *out)
{
    return vt_template_render_translated(set, name, data, NULL, NULL, out);
}

vt_status vt_template_render_translated(const vt_template_set *set, const char *name,
                                        const json_t *data, vt_template_translate_fn translate,
                                        void *translate_data, GString *out)
{
    const template *tpl = g_hash_table_lookup(set->templates, name);
    if (!tpl)
        return vt_error_set(VT_ERR_NOT_FOUND, "no template '%s'", name);

    render_state rs = {
        .set = set,
        .out = out,
        .out_limit = out->len + VT_TEMPLATE_MAX_OUTPUT,
        .cap = VT_TEMPLATE_MAX_NESTING,
        .translate = translate,
        .translate_data = translate_data,
    };
    lookup_entry cache[LOOKUP_CACHE_SIZE];
    rs.cache = cache;
    set_room(&rs);
    rs.stack = rs.inline_stack;
    if (data)
        push(&rs, data);

    gsize start = out->len;
    vt_status st = render_nodes(&rs, tpl, tpl->nodes, tpl->n_nodes, 0, 0);
    if (st != VT_OK)
        g_string_truncate(out, start);
    else
        out->str[out->len] = '\0';
    if (rs.stack != rs.inline_stack)
        g_free(rs.stack);
    if (rs.indent)
        g_string_free(rs.indent, TRUE);
    return st;
}
