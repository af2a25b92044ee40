/* vt_template.h: the site's template engine, a documented subset of Mustache.
 *
 * The site generator (sitegen/) renders every HTML page from templates
 * installed with vitrine (templates/) that an institute may override with its
 * own folder (branding). Templates are compiled once into a token tree when
 * they are added; rendering walks the tree and never parses again.
 *
 * Lifetime and threads: build a vt_template_set with _new, fill it with
 * _load_dir / _add (not thread-safe: one thread, before rendering), then
 * render from any number of threads at once: rendering only reads the set
 * and the json_t data, which the caller must not change meanwhile. The set
 * owns copies of everything it is given.
 *
 * Syntax (https://github.com/mustache/spec, without lambdas, set-delimiter
 * and inheritance):
 *  {{name}}           the value, HTML-escaped: & < > " ' become entities, so
 *                     the output is safe in element content and in quoted
 *                     attribute values. Strings as they are, integers as in
 *                     JSON, reals in their shortest round-trip form ("1.21",
 *                     2.0 gives "2"), true/false as "true"/"false"; null,
 *                     objects, arrays and missing names render nothing.
 *  {{{name}}} {{&name}}  the same without escaping: the explicit, reviewable
 *                     marker for raw HTML.
 *  {{a.b.c}} {{.}}    dotted names; "." is the top of the context stack.
 *                     The first part is looked up from the top of the stack
 *                     outward; the further parts only inside that value.
 *  {{#name}}..{{/name}}  skipped for false, null, [] and missing; once per
 *                     element of a non-empty array, with the element pushed
 *                     on the context stack; otherwise (objects, true, strings
 *                     including "", numbers including 0) once, with the value
 *                     pushed.
 *  {{^name}}..{{/name}}  rendered exactly when the section would be skipped.
 *  {{>name}}          the template called @name, rendered in the current
 *                     context. Partials are looked up when rendering, so an
 *                     override of "header" changes every page that uses it.
 *  {{! comment }}     removed; may span lines.
 *  {{_ text}}         interface text, translated when rendered: the
 *                     translation of "text" (runs of blanks made one space;
 *                     one line) from vt_template_render_translated's
 *                     function, or the text itself, HTML-escaped. "{name}"
 *                     inside it is a placeholder filled with the escaped
 *                     value of name ({{name}}'s lookup), in the translation
 *                     as in the text: {{_ Images: {count}}}; a name the
 *                     context does not have stays "{name}" (a script fills
 *                     it: the texts of <template id="vt-strings">). Inline, never
 *                     standalone. po/update-pot extracts these texts.
 * Whitespace inside tags is ignored ({{ name }}, {{# name }}). A line holding
 * only white space and one section, inverted, closing, partial or comment tag
 * is removed from the output (the spec's "standalone" rule, also for "\r\n"),
 * and a standalone partial's indentation is prepended to each of its lines.
 * A name is made of ASCII letters, digits, '_', '-', '@', ':' and non-ASCII
 * bytes, parts separated by single dots; a template (partial) name is any run
 * of bytes without white space or braces, up to 255 bytes.
 *
 * Errors: every template error reads "ORIGIN:LINE: message", ORIGIN being the
 * file path (for _load_dir) or the origin given to _add.
 */
#ifndef VT_TEMPLATE_H
#define VT_TEMPLATE_H

#include <glib.h>
#include <jansson.h>

#include "vt_error.h"

/* Built-in limits. Templates come from the installation or an administrator,
 * data from the archive; both are bounded anyway. */
#define VT_TEMPLATE_MAX_SIZE          (1u << 20)  /* bytes of one template */
#define VT_TEMPLATE_MAX_NESTING       64          /* open sections in one template */
#define VT_TEMPLATE_MAX_PARTIAL_DEPTH 32          /* partials within partials */
#define VT_TEMPLATE_MAX_OUTPUT        (64u << 20) /* bytes added by one render */
/* Tags and section iterations visited by one render: stops runaway work
 * that makes no output (partials that include each other twice per level,
 * nested loops over long lists) within about a second, and is some hundred
 * times what a large real page needs. */
#define VT_TEMPLATE_MAX_STEPS         (32u << 20)

typedef struct vt_template_set vt_template_set;

/* An empty set. Never fails; the status is for symmetry with other _new. */
vt_status vt_template_set_new(vt_template_set **ret_set);

/* Frees the set and every compiled template. NULL is a no-op. */
void vt_template_set_free(vt_template_set *set);

/* Compiles every regular file "BASE.mustache" or "BASE.html" directly in
 * @dir (not in subfolders; names starting with '.' are skipped) and adds it
 * under the name BASE, replacing a template of that name: a second call with
 * an institute's folder overrides the installed templates it redefines.
 * All or nothing: if any file fails, the set is unchanged.
 * Errors: VT_ERR_NOT_FOUND / VT_ERR_IO (the folder or a file cannot be read),
 * VT_ERR_LIMIT (a file over VT_TEMPLATE_MAX_SIZE), VT_ERR_INVALID (a parse
 * error "PATH:LINE: ...", a file that is not UTF-8, or two files with one
 * BASE such as page.html and page.mustache). */
vt_status vt_template_set_load_dir(vt_template_set *set, const char *dir);

/* Compiles @text and adds it as @name, replacing a template of that name.
 * @origin names the template in messages (NULL: @name). On failure the set is
 * unchanged. Errors: VT_ERR_INVALID (bad @name; parse errors "ORIGIN:LINE:
 * unclosed section 'x'", "mismatched {{/x}}", "unknown tag", "unsupported
 * tag", "unterminated tag", "invalid name", "empty tag", "sections nested
 * deeper than 64", "not UTF-8"), VT_ERR_LIMIT (text over VT_TEMPLATE_MAX_SIZE). */
vt_status vt_template_set_add(vt_template_set *set, const char *name, const char *text,
                              const char *origin);

/* TRUE if the set holds a template called @name. */
gboolean vt_template_set_has(const vt_template_set *set, const char *name);

/* Checks that every {{>name}} of every template names a template of the set,
 * so that a missing partial is reported at start-up rather than at the first
 * page that uses it. Error: VT_ERR_INVALID "ORIGIN:LINE: no template 'x' for
 * this partial" (the first one in name order). */
vt_status vt_template_set_check(const vt_template_set *set);

/* Renders template @name with @data as the bottom of the context stack (NULL:
 * an empty context) and appends the result to @out. On failure @out is cut
 * back to its length at the call.
 * Errors: VT_ERR_NOT_FOUND (no template @name), VT_ERR_INVALID ("ORIGIN:LINE:
 * no template 'x' for this partial", "ORIGIN:LINE: partials nested deeper
 * than 32 ('x')" - a partial that includes itself without end), VT_ERR_LIMIT
 * (over VT_TEMPLATE_MAX_OUTPUT bytes or VT_TEMPLATE_MAX_STEPS steps). */
vt_status vt_template_render(const vt_template_set *set, const char *name, const json_t *data,
                             GString *out);

/* Translates interface text: returns the translation of @msgid, or NULL
 * (or "") for none. Called from the rendering thread; must not change
 * anything the other renders share. */
typedef const char *(*vt_template_translate_fn)(const char *msgid, void *data);

/* vt_template_render, with {{_ text}} translated by @translate (NULL: the
 * text as written). */
vt_status vt_template_render_translated(const vt_template_set *set, const char *name,
                                        const json_t *data, vt_template_translate_fn translate,
                                        void *translate_data, GString *out);

#endif
