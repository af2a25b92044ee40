/* vt_i18n.c: the interface's translations through glibc's gettext, one
 * text domain per language (vt_i18n.h). */
#include "vt_i18n.h"

#include <glib.h>
#include <libintl.h>
#include <locale.h>
#include <string.h>

#ifndef VT_DATADIR
#define VT_DATADIR "/usr/local/share/vitrine"
#endif
#ifndef VT_LOCALE_BUILD_DIR
#define VT_LOCALE_BUILD_DIR "locale"
#endif

/* The locale whose folder holds the catalogues: always present in glibc
 * (2.35 and later), and not "C", for which gettext translates nothing. */
#define CATALOGUE_LOCALE "C.UTF-8"

/* glibc's dgettext costs about 800 instructions a call (a search of the
 * texts it has looked up, under a lock), and a page asks for a hundred
 * texts, the same on every page: a catalogue remembers its answers. The
 * texts asked for are the templates' and the metadata fields' labels, so
 * the table stays small; past MEMO_MAX it stops growing. */
#define MEMO_MAX 4096

typedef struct {
    GMutex lock;
    GHashTable *texts;        /* msgid (owned) -> its translation, NULL for none */
} memo;

/* g_str_hash reads every byte, which was most of a lookup's cost (texts
 * of 20 to 100 bytes): the length and the first and last eight bytes tell
 * a catalogue's texts apart nearly as well; g_str_equal decides. */
static guint text_hash(gconstpointer key)
{
    const char *text = key;
    size_t len = strlen(text);
    guint64 head = 0, tail = 0;
    memcpy(&head, text, MIN(len, sizeof head));
    if (len > sizeof tail)
        memcpy(&tail, text + len - sizeof tail, sizeof tail);
    guint64 h = (head ^ (tail * G_GUINT64_CONSTANT(0x9E3779B97F4A7C15)) ^ len) *
                G_GUINT64_CONSTANT(0xFF51AFD7ED558CCD);
    return (guint)(h >> 32);
}

struct vt_i18n {
    char *lang;
    char *domain;             /* "vitrine-nl" */
    memo *memo;               /* changed by lookups: apart from the const handle */
};

static char *locale_dir(void)
{
    const char *env = g_getenv("VITRINE_LOCALE_DIR");
    if (env && *env)
        return g_strdup(env);
    if (g_file_test(VT_DATADIR "/locale", G_FILE_TEST_IS_DIR))
        return g_strdup(VT_DATADIR "/locale");
    return g_strdup(VT_LOCALE_BUILD_DIR);
}

vt_status vt_i18n_load(const char *lang, vt_i18n **ret_cat)
{
    g_autofree char *dir = locale_dir();
    g_autofree char *domain = g_strconcat("vitrine-", lang, NULL);
    g_autofree char *file = g_strconcat(domain, ".mo", NULL);
    g_autofree char *path = g_build_filename(dir, CATALOGUE_LOCALE, "LC_MESSAGES", file, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return vt_error_set(VT_ERR_NOT_FOUND,
                            "no interface catalogue for language '%s' (no %s; the build makes"
                            " it from po/%s.po, or set VITRINE_LOCALE_DIR)",
                            lang, path, lang);
    const char *now = setlocale(LC_MESSAGES, NULL);
    if (!now || strcmp(now, CATALOGUE_LOCALE) != 0) {
        if (!setlocale(LC_MESSAGES, CATALOGUE_LOCALE))
            return vt_error_set(VT_ERR_INTERNAL, "the C library has no %s locale: the interface"
                                " cannot be translated", CATALOGUE_LOCALE);
    }
    /* LANGUAGE (an admin's shell often has one) would take gettext to
     * <dir>/<LANGUAGE>/... and leave every page untranslated: the page
     * chooses the catalogue here, never the environment. */
    if (g_getenv("LANGUAGE"))
        g_unsetenv("LANGUAGE");
    if (!bindtextdomain(domain, dir) || !bind_textdomain_codeset(domain, "UTF-8"))
        return vt_error_set(VT_ERR_NOMEM, "cannot bind the text domain %s", domain);
    vt_i18n *cat = g_new0(vt_i18n, 1);
    cat->lang = g_strdup(lang);
    cat->domain = g_steal_pointer(&domain);
    cat->memo = g_new0(memo, 1);
    g_mutex_init(&cat->memo->lock);
    cat->memo->texts = g_hash_table_new_full(text_hash, g_str_equal, g_free, NULL);
    *ret_cat = cat;
    return VT_OK;
}

void vt_i18n_free(vt_i18n *cat)
{
    if (!cat)
        return;
    g_free(cat->lang);
    g_free(cat->domain);
    g_hash_table_destroy(cat->memo->texts);
    g_mutex_clear(&cat->memo->lock);
    g_free(cat->memo);
    g_free(cat);
}

const char *vt_i18n_lang(const vt_i18n *cat)
{
    return cat->lang;
}

const char *vt_i18n_gettext(const vt_i18n *cat, const char *msgid)
{
    if (!cat)
        return msgid;
    memo *m = cat->memo;
    gpointer text = NULL;
    g_mutex_lock(&m->lock);
    gboolean known = g_hash_table_lookup_extended(m->texts, msgid, NULL, &text);
    g_mutex_unlock(&m->lock);
    if (known)
        return text ? text : msgid;
    const char *found = dgettext(cat->domain, msgid);
    /* Without a translation dgettext gives @msgid itself, as we do. */
    g_mutex_lock(&m->lock);
    if (g_hash_table_size(m->texts) < MEMO_MAX)
        g_hash_table_insert(m->texts, g_strdup(msgid), found == msgid ? NULL : (char *)found);
    g_mutex_unlock(&m->lock);
    return found;
}

const char *vt_i18n_ngettext(const vt_i18n *cat, const char *one, const char *other,
                             unsigned long n)
{
    return cat ? dngettext(cat->domain, one, other, n) : (n == 1 ? one : other);
}

const char *vt_i18n_translate(const char *msgid, void *data)
{
    return vt_i18n_gettext(data, msgid);
}
