/* vt_i18n.h: the interface's translations, one catalogue per language.
 *
 * The site's interface text (templates' {{_ text}}) is English in the
 * source; po/<lang>.po translates it, and the build compiles each with
 * msgfmt into <locale>/C.UTF-8/LC_MESSAGES/vitrine-<lang>.mo (installed
 * under <datadir>/vitrine/locale/). Lookups are glibc's gettext: each
 * language is a text domain of its own ("vitrine-nl"), so that pages in
 * several languages are rendered at once, by several threads, with
 * dgettext and no switch of LANGUAGE or of the locale per page. The one
 * locale setting: vt_i18n_load sets LC_MESSAGES to C.UTF-8 (the plain "C"
 * locale translates nothing), which the folder C.UTF-8 matches without any
 * locale being installed; and it unsets LANGUAGE, which would otherwise
 * choose the catalogue by the user's shell rather than by the page.
 *
 * Where catalogues are looked for: $VITRINE_LOCALE_DIR, else the installed
 * <datadir>/vitrine/locale, else the build tree's.
 *
 * Lifetime and threads: load catalogues on one thread, before rendering
 * (setlocale, unsetenv and bindtextdomain are not for concurrent use:
 * vitrined unsets LANGUAGE in main, before its threads); then any
 * number of threads may look up at once (a catalogue remembers its answers
 * in a table under a lock). Strings returned are gettext's, valid as long
 * as the process, or the caller's msgid when there is no translation.
 */
#ifndef VT_I18N_H
#define VT_I18N_H

#include <jansson.h>

#include "vt_error.h"

typedef struct vt_i18n vt_i18n;

/* The catalogue of @lang ("nl", "pt-BR"). Errors: VT_ERR_NOT_FOUND "no
 * interface catalogue for language 'xx' (no PATH; ...)". */
vt_status vt_i18n_load(const char *lang, vt_i18n **ret_cat);

/* NULL is a no-op. */
void vt_i18n_free(vt_i18n *cat);

const char *vt_i18n_lang(const vt_i18n *cat);

/* The translation of @msgid, or @msgid itself when it has none (also for a
 * NULL @cat). */
const char *vt_i18n_gettext(const vt_i18n *cat, const char *msgid);

/* @one or @other translated for @n, by the catalogue's Plural-Forms. */
const char *vt_i18n_ngettext(const vt_i18n *cat, const char *one, const char *other,
                             unsigned long n);

/* vt_template_translate_fn over a catalogue (@data: the vt_i18n). */
const char *vt_i18n_translate(const char *msgid, void *data);

#endif
