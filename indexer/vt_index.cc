/* vt_index.cc: the C API of the search index (see vt_index.h for the
 * contract and the document design; vt_index_private.h lists the module's
 * other files), and the helpers every file of it uses.
 *
 * The exception firewall: every extern "C" function runs its body through
 * guard(), which holds the one try/catch of the module, catching, in order,
 * our own Failure, Xapian::DatabaseModifiedError (a reader reopens and runs
 * the body again, at most twice), the Xapian errors that map to a specific
 * status, Xapian::Error, std::bad_alloc and `...`. A body therefore only
 * writes its ret_ parameter as its last step, after everything that can
 * throw; json_t values under construction are held by JsonRef so an
 * exception does not leak them.
 */
#include "vt_index_private.h"

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <new>

/* The C API is the only thing the library exports (-fvisibility=hidden). */
#define VT_EXPORT __attribute__((visibility("default")))

namespace vt_index_impl {

namespace {

const int RETRIES = 2;           /* reopen-and-retry on DatabaseModifiedError */

}  // namespace

[[noreturn]] G_GNUC_PRINTF(2, 3) void fail(vt_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    Failure f{status, text};
    g_free(text);
    throw f;
}

json_t *jstr(std::string_view s)
{
    /* Validated here with GLib, whose check is several times cheaper than
     * jansson's (every string of an answer passes here); json_stringn()
     * would also refuse the null pointer of an empty view. */
    json_t *v;
    if (s.empty()) {
        v = json_string("");
    } else if (g_utf8_validate(s.data(), (gssize)s.size(), nullptr)) {
        v = json_stringn_nocheck(s.data(), s.size());
    } else {
        /* Xapian cut a snippet inside a character: repair rather than fail. */
        g_autofree char *valid = g_utf8_make_valid(s.data(), (gssize)s.size());
        v = json_string(valid);
    }
    if (!v)
        throw std::bad_alloc();
    return v;
}

void jset(json_t *object, const char *key, json_t *value)
{
    if (!value || json_object_set_new(object, key, value) != 0)
        throw std::bad_alloc();
}

void jappend(json_t *array, json_t *value)
{
    if (!value || json_array_append_new(array, value) != 0)
        throw std::bad_alloc();
}

std::string lower(const std::string &s)
{
    g_autofree char *l = g_utf8_strdown(s.data(), (gssize)s.size());
    return l;
}

/* @s with runs of blanks and control characters made one space and the
 * ends trimmed: the common part of normalise() and display_form(). */
static std::string collapse_blanks(const char *s)
{
    std::string out;
    bool blank = false;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c) || g_unichar_iscntrl(c)) {
            blank = true;
            continue;
        }
        if (blank && !out.empty())
            out += ' ';
        blank = false;
        out.append(p, (size_t)(g_utf8_next_char(p) - p));
    }
    return out;
}

/* The normal form of a facet / filter / completion value: NFKC, case-folded,
 * control characters and runs of blanks turned into one space, trimmed. */
std::string normalise(const std::string &s)
{
    g_autofree char *nfkc = g_utf8_normalize(s.data(), (gssize)s.size(), G_NORMALIZE_NFKC);
    if (!nfkc)
        return std::string();
    g_autofree char *folded = g_utf8_casefold(nfkc, -1);
    return collapse_blanks(folded);
}

/* How a facet value is shown: as written, blanks collapsed (so no
 * separator of the facet value slot survives). */
std::string display_form(const std::string &s)
{
    return collapse_blanks(s.c_str());
}

std::string trim(const std::string &s)
{
    size_t start = s.find_first_not_of(" \t\r\n");
    if (start == std::string::npos)
        return std::string();
    return s.substr(start, s.find_last_not_of(" \t\r\n") - start + 1);
}

bool valid_field_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > FIELD_NAME_MAX || !g_ascii_islower(name[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!g_ascii_islower(name[i]) && !g_ascii_isdigit(name[i]) && name[i] != '_')
            return false;
    return true;
}

const Boolean *boolean_field(const std::string &name)
{
    for (const Boolean &b : BOOLEANS)
        if (name == b.field)
            return &b;
    return nullptr;
}

std::string field_prefix(const std::string &name)
{
    std::string p = "XF";
    for (char c : name)
        p += g_ascii_toupper(c);
    return p + ":";
}

std::string value_prefix(const std::string &name)
{
    return "XK" + field_prefix(name).substr(2);
}

std::vector<std::string> text_words(const std::string &text)
{
    Xapian::Document doc;
    Xapian::TermGenerator tg;
    tg.set_document(doc);
    tg.index_text(text);
    std::map<Xapian::termpos, std::string> at;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            at[*p] = *t;
    std::vector<std::string> words;
    for (const auto &w : at)
        words.push_back(w.second);
    return words;
}

/* Index of a language code ("nl", "fr-BE"...), or -1. */
int lang_index(const char *lang)
{
    if (!lang)
        return -1;
    for (size_t i = 0; i < N_LANGS; i++)
        if (g_ascii_strncasecmp(lang, LANGS[i], 2) == 0 && (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_'))
            return (int)i;
    return -1;
}

bool lang_tag_valid(std::string_view tag)
{
    return !tag.empty() && tag.size() <= LANG_TAG_MAX &&
           std::all_of(tag.begin(), tag.end(), [](char c) { return g_ascii_isalnum(c) || c == '-'; });
}

bool same_language(std::string_view a, std::string_view b)
{
    a = a.substr(0, a.find('-'));
    b = b.substr(0, b.find('-'));
    return !a.empty() && a.size() == b.size() && g_ascii_strncasecmp(a.data(), b.data(), a.size()) == 0;
}

json_t *terms_json(const std::vector<std::pair<std::string, Xapian::doccount>> &found, int limit)
{
    JsonRef list(json_array());
    for (size_t k = 0; k < found.size() && k < (size_t)limit; k++) {
        JsonRef entry(json_object());
        jset(entry.get(), "term", jstr(found[k].first));
        jset(entry.get(), "count", json_integer((json_int_t)found[k].second));
        jappend(list.get(), entry.release());
    }
    return list.release();
}

const char *member_string(const json_t *object, const char *key, const char *what, bool required)
{
    json_t *v = json_object_get(object, key);
    if (!v || json_is_null(v)) {
        if (required)
            fail(VT_ERR_INVALID, "%s: \"%s\" is missing", what, key);
        return nullptr;
    }
    if (!json_is_string(v))
        fail(VT_ERR_INVALID, "%s: \"%s\" is not a string", what, key);
    return json_string_value(v);
}

const char *short_string(const json_t *object, const char *key, const char *what, bool required)
{
    const char *s = member_string(object, key, what, required);
    if (s && (strlen(s) > VT_INDEX_VALUE_MAX || (required && !*s)))
        fail(VT_ERR_INVALID, "%s: \"%s\" is empty or over %d bytes", what, key, VT_INDEX_VALUE_MAX);
    return s;
}

template <typename Body>
vt_status guard(vt_index *index, const char *what, const char *dir, Body &&body)
{
    for (int attempt = 0;; attempt++) {
        try {
            return body();
        } catch (const Failure &f) {
            return vt_error_set(f.status, "%s", f.message.c_str());
        } catch (const Xapian::DatabaseModifiedError &e) {
            if (index && !index->writable && attempt < RETRIES) {
                try {
                    index->db->reopen();
                    continue;
                } catch (...) {
                    /* Fall through to the error below. */
                }
            }
            return vt_error_set(VT_ERR_STORE, "%s %s: the index changed under the reader: %s", what,
                                dir, e.get_description().c_str());
        } catch (const Xapian::DatabaseLockError &e) {
            return vt_error_set(VT_ERR_BUSY, "%s %s: another process writes the index: %s", what,
                                dir, e.get_description().c_str());
        } catch (const Xapian::DatabaseNotFoundError &e) {
            return vt_error_set(VT_ERR_NOT_FOUND, "%s %s: no index there: %s", what, dir,
                                e.get_description().c_str());
        } catch (const Xapian::QueryParserError &e) {
            /* Visitors read this (the search page shows it): what to
             * type, not the parser's words ("Syntax: <expression> AND
             * <expression>"), which stay in the log's detail. */
            (void)e;
            return vt_error_set(VT_ERR_INVALID,
                                "This search cannot be read: AND, OR and NOT go between words, and"
                                " quotes come in pairs. For example: vernis OR varnish, \"lead"
                                " white\", portrait NOT copy");
        } catch (const Xapian::Error &e) {
            return vt_error_set(VT_ERR_STORE, "%s %s: %s", what, dir, e.get_description().c_str());
        } catch (const std::bad_alloc &) {
            return vt_error_set(VT_ERR_NOMEM, "%s %s: out of memory", what, dir);
        } catch (...) {
            return vt_error_set(VT_ERR_INTERNAL, "%s %s: unexpected exception", what, dir);
        }
    }
}

void need_writer(vt_index *index, const char *what)
{
    if (!index->writable)
        fail(VT_ERR_INTERNAL, "%s %s: the index is open read-only", what, index->dir.c_str());
}

}  // namespace vt_index_impl

using namespace vt_index_impl;

extern "C" {

VT_EXPORT
vt_status vt_index_open(const char *dir, bool writable, vt_index **ret_index)
{
    if (!dir || !*dir)
        return vt_error_set(VT_ERR_INVALID, "open index: no folder given");
    return guard(nullptr, "open index", dir, [&]() -> vt_status {
        std::unique_ptr<vt_index> index(new vt_index);
        index->dir = dir;
        index->writable = writable;
        if (writable) {
            if (g_mkdir_with_parents(dir, 0755) != 0)
                return vt_error_set_errno(VT_ERR_IO, errno, "open index %s", dir);
            auto *w = new Xapian::WritableDatabase(dir, Xapian::DB_CREATE_OR_OPEN);
            index->db.reset(w);
            index->wdb = w;
            index->fields = load_fields(*w);
            /* Word pairs for every document, or for none: a new index has
             * them; one written before them gets them at `vitrine reindex`
             * (a fresh index). */
            if (w->get_doccount() == 0 && w->get_metadata(PAIRS_KEY).empty())
                w->set_metadata(PAIRS_KEY, "1");
            index->pairs = w->get_metadata(PAIRS_KEY) == "1";
        } else {
            if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
                return vt_error_set(VT_ERR_NOT_FOUND, "open index %s: no such folder", dir);
            index->db.reset(new Xapian::Database(dir));
        }
        for (const char *name : STEMMERS)
            index->stems.emplace_back(name);
        *ret_index = index.release();
        return VT_OK;
    });
}

VT_EXPORT
void vt_index_close(vt_index *index)
{
    try {
        /* Committed here rather than by Xapian's destructor, so that the
         * facet table follows (a failure leaves readers on the slow path). */
        if (index && index->writable && index->dirty) {
            index->wdb->commit();
            table_write(index);
        }
    } catch (...) {
        /* Nothing to report to; Xapian's destructor tries again below. */
    }
    try {
        delete index;
    } catch (...) {
        /* A failed final commit of Xapian's destructor: nothing to report to. */
    }
}

VT_EXPORT
vt_status vt_index_reopen(vt_index *index)
{
    return guard(index, "reopen index", index->dir.c_str(), [&]() -> vt_status {
        index->db->reopen();
        return VT_OK;
    });
}

VT_EXPORT
vt_status vt_index_snapshot(vt_index *index, guint64 *ret_revision, bool *ret_table)
{
    return guard(index, "read the revision of index", index->dir.c_str(), [&]() -> vt_status {
        Xapian::rev revision = index->db->get_revision();
        bool table = false;
        if (!index->writable) {
            /* Mapped as a search maps it (vt_index_query.cc), so that the
             * search after this finds it mapped. */
            if (!index->table || index->table->revision != revision)
                index->table = table_load(index->dir);
            table = index->table && index->table->revision == revision;
        }
        *ret_revision = revision;
        *ret_table = table;
        return VT_OK;
    });
}

VT_EXPORT
vt_status vt_index_put(vt_index *index, const json_t *doc)
{
    return guard(index, "put in index", index->dir.c_str(), [&]() {
        index->dirty = true;
        return put(index, doc);
    });
}

VT_EXPORT
vt_status vt_index_delete(vt_index *index, const char *id)
{
    if (!id || !*id)
        return vt_error_set(VT_ERR_INVALID, "delete from index %s: no id", index->dir.c_str());
    return guard(index, "delete from index", index->dir.c_str(), [&]() -> vt_status {
        need_writer(index, "delete from index");
        std::string idterm = "Q" + std::string(id);
        index->dirty = true;
        forget_spelling(index, idterm);
        index->wdb->delete_document(idterm);
        return VT_OK;
    });
}

VT_EXPORT
vt_status vt_index_commit(vt_index *index)
{
    return guard(index, "commit index", index->dir.c_str(), [&]() -> vt_status {
        need_writer(index, "commit index");
        index->wdb->commit();
        index->dirty = false;
        return table_write(index);
    });
}

VT_EXPORT
vt_status vt_index_set_synonyms(vt_index *index, const json_t *groups)
{
    return guard(index, "set synonyms of index", index->dir.c_str(), [&]() {
        index->dirty = true;
        return set_synonyms(index, groups);
    });
}

VT_EXPORT
vt_status vt_index_search(vt_index *index, const json_t *request, json_t **ret_result)
{
    return guard(index, "search index", index->dir.c_str(), [&]() { return search(index, request, ret_result); });
}

VT_EXPORT
vt_status vt_index_suggest(vt_index *index, const char *prefix, const char *field, int limit,
                           bool public_only, json_t **ret_terms)
{
    return guard(index, "suggest from index", index->dir.c_str(),
                 [&]() { return suggest(index, prefix, field, limit, public_only, ret_terms); });
}

VT_EXPORT
vt_status vt_index_suggest_in(vt_index *index, const char *id, const char *prefix, int limit,
                              bool public_only, json_t **ret_terms)
{
    return guard(index, "suggest from index", index->dir.c_str(),
                 [&]() { return suggest_in(index, id, prefix, limit, public_only, ret_terms); });
}

VT_EXPORT
unsigned vt_index_count(vt_index *index)
{
    unsigned n = 0;
    vt_status status = guard(index, "count index", index->dir.c_str(), [&]() -> vt_status {
        n = index->db->get_doccount();
        return VT_OK;
    });
    return status == VT_OK ? n : 0;
}

}  /* extern "C" */
