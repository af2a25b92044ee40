/* vt_index.cc: see vt_index.h for the contract and the document design.
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
#include "vt_index.h"

#include <xapian.h>

#include <glib.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

/* The C API is the only thing the library exports (-fvisibility=hidden). */
#define VT_EXPORT __attribute__((visibility("default")))

namespace {

enum : Xapian::valueno { SLOT_YEAR = 0, SLOT_FACETS = 1 };

const char FACET_SEP = '\x1f';   /* between field and value */
const char PAIR_SEP = '\x1e';    /* between pairs */
const int RETRIES = 2;           /* reopen-and-retry on DatabaseModifiedError */
const size_t FIELD_NAME_MAX = 32;
const size_t EXPANDED_TERMS_MAX = 4096;  /* terms after stems and synonyms */
const size_t SYNONYMS_PER_WORD = 64;
const size_t SUGGEST_SCAN_MAX = 20000;   /* terms looked at by vt_index_suggest */
const size_t ANNOTATIONS_SCANNED = 50;   /* per hit, for snippets */
const size_t SNIPPET_LENGTH = 200;

const char *const LANGS[] = {"nl", "fr", "en", "de"};
const char *const STEMMERS[] = {"kraaij_pohlmann", "french", "english", "german"};
const size_t N_LANGS = 4;

/* Fields with a boolean prefix; a metadata field of the same name would
 * clash with it in the query parser (Xapian refuses both kinds for one
 * name), so such fields are indexed as plain words only. */
struct Boolean {
    const char *field;
    const char *prefix;
};
const Boolean BOOLEANS[] = {
    {"department", "XD"}, {"intervention", "XI"}, {"visibility", "XV"},
    {"type", "XT"},       {"year", "XY"},         {"id", "Q"},
};

/* A failure detected by our own code: status and message, turned into
 * vt_error_set() by guard(). */
struct Failure {
    vt_status status;
    std::string message;
};

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

/* Owns one json_t reference until released. */
struct JsonRef {
    json_t *p;
    explicit JsonRef(json_t *v) : p(v)
    {
        if (!p)
            throw std::bad_alloc();
    }
    ~JsonRef() { json_decref(p); }
    JsonRef(const JsonRef &) = delete;
    JsonRef &operator=(const JsonRef &) = delete;
    json_t *get() const { return p; }
    json_t *release()
    {
        json_t *v = p;
        p = nullptr;
        return v;
    }
};

json_t *jstr(const std::string &s)
{
    json_t *v = json_stringn(s.data(), s.size());
    if (!v && !g_utf8_validate(s.data(), (gssize)s.size(), nullptr)) {
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

/* The normal form of a facet / filter / completion value: NFKC, case-folded,
 * control characters and runs of blanks turned into one space, trimmed. */
std::string normalise(const std::string &s)
{
    g_autofree char *nfkc = g_utf8_normalize(s.data(), (gssize)s.size(), G_NORMALIZE_NFKC);
    if (!nfkc)
        return std::string();
    g_autofree char *folded = g_utf8_casefold(nfkc, -1);
    std::string out;
    bool blank = false;
    for (const char *p = folded; *p; p = g_utf8_next_char(p)) {
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

bool is_plain_term(const std::string &t)
{
    return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z');
}

/* Counts the facet values of every match (check_at_least = doccount makes
 * that every matching document), one per document per value. */
class FacetSpy : public Xapian::MatchSpy {
  public:
    std::set<std::string> wanted;
    /* After finish(): field -> value -> count. */
    std::map<std::string, std::unordered_map<std::string, Xapian::doccount>> counts;

    /* Called once before the match: the counting below then compares
     * string_views and looks values up without building a string per
     * document (it runs for every match, so it is the hot loop of a
     * search with exact facet counts). */
    void prepare()
    {
        fields.assign(wanted.begin(), wanted.end());
        per_field.assign(fields.size(), {});
    }

    void operator()(const Xapian::Document &doc, double) override
    {
        const std::string blob = doc.get_value(SLOT_FACETS);
        std::string_view b(blob);
        size_t pos = 0;
        while (pos < b.size()) {
            size_t end = b.find(PAIR_SEP, pos);
            if (end == std::string_view::npos)
                end = b.size();
            size_t sep = b.find(FACET_SEP, pos);
            if (sep != std::string_view::npos && sep < end) {
                std::string_view field = b.substr(pos, sep - pos);
                for (size_t f = 0; f < fields.size(); f++) {
                    if (field != fields[f])
                        continue;
                    std::string_view value = b.substr(sep + 1, end - sep - 1);
                    auto &m = per_field[f];
                    auto it = m.find(value);
                    if (it != m.end()) {
                        it->second++;
                    } else {
                        /* Interned: the set's nodes never move, so the
                         * view stays valid for the spy's life. */
                        const std::string &kept = *pool.emplace(value).first;
                        m.emplace(std::string_view(kept), 1);
                    }
                    break;
                }
            }
            pos = end + 1;
        }
    }

    void finish()
    {
        for (size_t f = 0; f < fields.size(); f++) {
            auto &out = counts[fields[f]];
            for (const auto &kv : per_field[f])
                out.emplace(std::string(kv.first), kv.second);
        }
    }

  private:
    std::vector<std::string> fields;
    std::vector<std::unordered_map<std::string_view, Xapian::doccount>> per_field;
    std::unordered_set<std::string> pool;
};

/* Sorts by year, documents without one last in either direction. */
class YearKey : public Xapian::KeyMaker {
    bool descending;

  public:
    explicit YearKey(bool desc) : descending(desc) {}
    std::string operator()(const Xapian::Document &doc) const override
    {
        std::string v = doc.get_value(SLOT_YEAR);
        if (v.empty())
            return std::string(1, descending ? '\0' : '\2');
        return "\1" + v;
    }
};

/* Boolean prefixes of the query parser: the value typed after "field:"
 * becomes one term, normalised like the indexed one. */
class BooleanProcessor : public Xapian::FieldProcessor {
    std::string prefix;

  public:
    explicit BooleanProcessor(const char *p) : prefix(p) {}
    Xapian::Query operator()(const std::string &str) override;
};

std::string boolean_term(const std::string &prefix, const std::string &value)
{
    if (prefix == "XD" || prefix == "XV")
        return prefix + lower(value);
    if (prefix == "XT")
        return prefix + normalise(value);
    return prefix + value;  /* XI, XY, Q: exact, as typed */
}

Xapian::Query BooleanProcessor::operator()(const std::string &str)
{
    return Xapian::Query(boolean_term(prefix, str));
}

}  // namespace

struct vt_index {
    std::string dir;
    bool writable = false;
    std::unique_ptr<Xapian::Database> db;
    Xapian::WritableDatabase *wdb = nullptr;  /* db, when writable */
    std::set<std::string> fields;             /* writer: the "vt:fields" list */
    std::vector<Xapian::Stem> stems;          /* LANGS order */
};

namespace {

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
            return vt_error_set(VT_ERR_INVALID, "%s: the query cannot be parsed: %s", what,
                                e.get_msg().c_str());
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

/* --- building a document --- */

struct Builder {
    vt_index *index;
    Xapian::Document doc;
    Xapian::TermGenerator tg;
    std::string id;
    std::set<std::pair<std::string, std::string>> facets;  /* field, value */
    std::vector<std::string> texts;                        /* document data */
    size_t n_values = 0;

    Builder(vt_index *ix, const std::string &asset) : index(ix), id(asset)
    {
        tg.set_document(doc);
    }

    /* Words of @text: positional and unstemmed with @prefix (if any) and
     * without, then stems in @lang, or in all four languages. */
    void text(const std::string &prefix, const std::string &value, int lang)
    {
        if (++n_values > VT_INDEX_VALUES_MAX)
            fail(VT_ERR_LIMIT, "index %s: asset %s has more than %d values", index->dir.c_str(),
                 id.c_str(), VT_INDEX_VALUES_MAX);
        if (value.size() > VT_INDEX_TEXT_MAX)
            fail(VT_ERR_LIMIT, "index %s: asset %s: a value of %zu bytes (limit %d)",
                 index->dir.c_str(), id.c_str(), value.size(), VT_INDEX_TEXT_MAX);
        tg.set_stemmer(Xapian::Stem());
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        if (!prefix.empty()) {
            tg.index_text(value, 1, prefix);
            tg.increase_termpos(100);  /* no phrase across two values */
        }
        tg.index_text(value);
        tg.increase_termpos(100);
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
        for (size_t i = 0; i < N_LANGS; i++) {
            if (lang >= 0 && (size_t)lang != i)
                continue;
            tg.set_stemmer(index->stems[i]);
            if (!prefix.empty())
                tg.index_text_without_positions(value, 1, prefix);
            tg.index_text_without_positions(value);
        }
    }

    void boolean(const std::string &term)
    {
        if (term.size() > VT_INDEX_VALUE_MAX + 32)
            fail(VT_ERR_LIMIT, "index %s: asset %s: a value over %d bytes", index->dir.c_str(),
                 id.c_str(), VT_INDEX_VALUE_MAX);
        doc.add_boolean_term(term);
    }
};

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

void store_fields(vt_index *index)
{
    JsonRef list(json_array());
    for (const std::string &f : index->fields)
        jappend(list.get(), jstr(f));
    g_autofree char *text = json_dumps(list.get(), JSON_COMPACT);
    if (!text)
        throw std::bad_alloc();
    index->wdb->set_metadata("vt:fields", text);
}

std::set<std::string> load_fields(const Xapian::Database &db)
{
    std::set<std::string> fields;
    std::string text = db.get_metadata("vt:fields");
    json_t *list = json_loadb(text.data(), text.size(), 0, nullptr);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) {
        if (json_is_string(v) && valid_field_name(json_string_value(v)))
            fields.insert(json_string_value(v));
    }
    json_decref(list);
    return fields;
}

/* Spelling data follows the plain words of the documents exactly: one
 * count per document using the word. */
void spelling(vt_index *index, const Xapian::Document &doc, bool add)
{
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        std::string term = *t;
        if (!is_plain_term(term))
            continue;
        if (add)
            index->wdb->add_spelling(term, 1);
        else
            index->wdb->remove_spelling(term, 1);
    }
}

void forget_spelling(vt_index *index, const std::string &idterm)
{
    Xapian::PostingIterator p = index->db->postlist_begin(idterm);
    if (p != index->db->postlist_end(idterm))
        spelling(index, index->db->get_document(*p), false);
}

vt_status put(vt_index *index, const json_t *doc)
{
    need_writer(index, "put in index");
    if (!json_is_object(doc))
        fail(VT_ERR_INVALID, "index %s: the document is not a JSON object", index->dir.c_str());
    std::string where = "index " + index->dir + ": document";
    const char *id = short_string(doc, "id", where.c_str(), true);
    where = "index " + index->dir + ": asset " + id;
    const char *w = where.c_str();
    const char *department = short_string(doc, "department", w, true);
    const char *visibility = short_string(doc, "visibility", w, true);
    if (strcmp(visibility, "public") != 0 && strcmp(visibility, "internal") != 0)
        fail(VT_ERR_INVALID, "%s: visibility \"%s\" is neither public nor internal", w, visibility);
    const char *intervention = short_string(doc, "intervention", w, false);
    const char *type = short_string(doc, "type", w, false);
    const char *label = member_string(doc, "label", w, false);
    json_t *year = json_object_get(doc, "year");
    if (year && !json_is_null(year) &&
        (!json_is_integer(year) || json_integer_value(year) < 0 || json_integer_value(year) > 9999))
        fail(VT_ERR_INVALID, "%s: \"year\" is not a year", w);

    Builder b(index, id);
    b.boolean("Q" + std::string(id));
    b.boolean("XD" + lower(department));
    b.boolean("XV" + std::string(visibility));
    b.facets.emplace("department", lower(department));
    if (intervention && *intervention) {
        b.boolean("XI" + std::string(intervention));
        b.text("", intervention, -1);
    }
    if (type && *type) {
        b.boolean("XT" + normalise(type));
        b.facets.emplace("type", normalise(type));
    }
    if (year && json_is_integer(year)) {
        std::string y = std::to_string((long long)json_integer_value(year));
        b.boolean("XY" + y);
        b.doc.add_value(SLOT_YEAR, Xapian::sortable_serialise((double)json_integer_value(year)));
        b.facets.emplace("year", y);
    }
    if (label && *label)
        b.text(field_prefix("label"), label, -1);

    std::set<std::string> facet_fields;
    json_t *facets = json_object_get(doc, "facets");
    if (facets && !json_is_null(facets) && !json_is_array(facets))
        fail(VT_ERR_INVALID, "%s: \"facets\" is not an array", w);
    size_t i;
    json_t *v;
    json_array_foreach(facets, i, v) {
        if (json_is_string(v))
            facet_fields.insert(json_string_value(v));
    }

    json_t *fields = json_object_get(doc, "fields");
    if (fields && !json_is_null(fields) && !json_is_object(fields))
        fail(VT_ERR_INVALID, "%s: \"fields\" is not an object", w);
    bool new_field = false;
    const char *name;
    json_t *values;
    json_object_foreach(fields, name, values) {
        if (!valid_field_name(name))
            fail(VT_ERR_INVALID, "%s: field name \"%s\" is not [a-z][a-z0-9_]{0,31}", w, name);
        bool reserved = boolean_field(name) != nullptr;
        if (!reserved && index->fields.insert(name).second)
            new_field = true;
        if (!json_is_array(values))
            values = json_is_null(values) ? nullptr : values;  /* one bare value */
        size_t n = json_is_array(values) ? json_array_size(values) : (values ? 1 : 0);
        for (size_t k = 0; k < n; k++) {
            json_t *item = json_is_array(values) ? json_array_get(values, k) : values;
            const char *text = nullptr;
            const char *lang = nullptr;
            if (json_is_string(item)) {
                text = json_string_value(item);
            } else if (json_is_object(item)) {
                text = member_string(item, "value", w, true);
                lang = member_string(item, "lang", w, false);
            } else {
                fail(VT_ERR_INVALID, "%s: a value of field \"%s\" is neither a string nor an object",
                     w, name);
            }
            if (!*text)
                continue;
            b.text(reserved ? "" : field_prefix(name), text, lang_index(lang));
            b.texts.push_back(text);
            std::string norm = normalise(text);
            if (reserved || norm.empty() || norm.size() > VT_INDEX_VALUE_MAX)
                continue;
            b.boolean(value_prefix(name) + norm);
            if (facet_fields.count(name))
                b.facets.emplace(name, norm);
        }
    }

    JsonRef data(json_object());
    jset(data.get(), "id", jstr(id));
    jset(data.get(), "label", jstr(label ? label : ""));
    JsonRef texts(json_array());
    for (const std::string &t : b.texts)
        jappend(texts.get(), jstr(t));
    jset(data.get(), "text", texts.release());
    JsonRef annos(json_array());
    json_t *annotations = json_object_get(doc, "annotations");
    if (annotations && !json_is_null(annotations) && !json_is_array(annotations))
        fail(VT_ERR_INVALID, "%s: \"annotations\" is not an array", w);
    json_array_foreach(annotations, i, v) {
        if (!json_is_object(v))
            fail(VT_ERR_INVALID, "%s: an annotation is not an object", w);
        const char *aid = short_string(v, "id", w, true);
        const char *text = member_string(v, "text", w, true);
        const char *lang = member_string(v, "lang", w, false);
        const char *region = short_string(v, "region", w, false);
        b.text(field_prefix("annotation"), text, lang_index(lang));
        JsonRef a(json_object());
        jset(a.get(), "id", jstr(aid));
        jset(a.get(), "text", jstr(text));
        jset(a.get(), "region", region ? jstr(region) : json_null());
        jset(a.get(), "lang", lang ? jstr(lang) : json_null());
        jappend(annos.get(), a.release());
    }
    jset(data.get(), "annotations", annos.release());
    g_autofree char *data_text = json_dumps(data.get(), JSON_COMPACT);
    if (!data_text)
        throw std::bad_alloc();
    b.doc.set_data(data_text);

    std::string blob;
    for (const auto &f : b.facets) {
        if (!blob.empty())
            blob += PAIR_SEP;
        blob += f.first + FACET_SEP + f.second;
    }
    b.doc.add_value(SLOT_FACETS, blob);

    std::string idterm = "Q" + std::string(id);
    forget_spelling(index, idterm);
    index->wdb->replace_document(idterm, b.doc);
    spelling(index, b.doc, true);
    if (new_field)
        store_fields(index);
    return VT_OK;
}

/* --- queries --- */

/* Rewrites each word outside a phrase into OP_SYNONYM of the word, its
 * stems and its synonyms (see the header). */
struct Rewriter {
    vt_index *index;
    const Xapian::Database &db;
    int lang;                              /* -1: all four */
    std::set<std::string> words;           /* every query word, for spelling */
    size_t expanded = 0;

    Rewriter(vt_index *ix, const Xapian::Database &d, int l) : index(ix), db(d), lang(l) {}

    void stems_of(const std::string &prefix, const std::string &word, bool all_langs,
                  std::set<std::string> &out)
    {
        for (size_t i = 0; i < N_LANGS; i++)
            if (all_langs || lang < 0 || (size_t)lang == i)
                out.insert("Z" + prefix + index->stems[i](word));
    }

    Xapian::Query expand(const std::string &term)
    {
        std::string prefix, word;
        if (term.compare(0, 2, "XF") == 0 && term.find(':') != std::string::npos) {
            prefix = term.substr(0, term.find(':') + 1);
            word = term.substr(prefix.size());
        } else if (is_plain_term(term)) {
            word = term;
        } else {
            return Xapian::Query(term);  /* a boolean term */
        }
        if (word.empty())
            return Xapian::Query(term);
        words.insert(word);
        std::set<std::string> terms{term};
        stems_of(prefix, word, false, terms);
        std::set<std::string> keys{word};
        for (size_t i = 0; i < N_LANGS; i++)
            keys.insert("Z" + index->stems[i](word));
        std::set<std::string> synonyms;
        for (const std::string &key : keys)
            for (Xapian::TermIterator s = db.synonyms_begin(key);
                 s != db.synonyms_end(key) && synonyms.size() < SYNONYMS_PER_WORD; ++s)
                synonyms.insert(*s);
        synonyms.erase(word);
        for (const std::string &s : synonyms) {
            terms.insert(prefix + s);
            stems_of(prefix, s, true, terms);  /* the synonym's language is unknown */
        }
        expanded += terms.size();
        if (expanded > EXPANDED_TERMS_MAX)
            fail(VT_ERR_LIMIT, "search: the query expands to more than %zu terms", EXPANDED_TERMS_MAX);
        if (terms.size() == 1)
            return Xapian::Query(term);
        return Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
    }

    void collect_words(const Xapian::Query &q)
    {
        for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
            std::string term = *t;
            if (term.compare(0, 2, "XF") == 0 && term.find(':') != std::string::npos)
                words.insert(term.substr(term.find(':') + 1));
            else if (is_plain_term(term))
                words.insert(term);
        }
    }

    Xapian::Query rewrite(const Xapian::Query &q, int depth)
    {
        if (depth > 2 * VT_INDEX_QUERY_DEPTH + 8)
            fail(VT_ERR_LIMIT, "search: the query is nested too deeply");
        switch (q.get_type()) {
        case Xapian::Query::LEAF_TERM:
            return expand(*q.get_terms_begin());
        case Xapian::Query::OP_AND:
        case Xapian::Query::OP_OR:
        case Xapian::Query::OP_AND_NOT:
        case Xapian::Query::OP_XOR:
        case Xapian::Query::OP_AND_MAYBE:
        case Xapian::Query::OP_FILTER:
        case Xapian::Query::OP_SYNONYM:
        case Xapian::Query::OP_MAX: {
            std::vector<Xapian::Query> subs;
            for (size_t i = 0; i < q.get_num_subqueries(); i++)
                subs.push_back(rewrite(q.get_subquery(i), depth + 1));
            return Xapian::Query(q.get_type(), subs.begin(), subs.end());
        }
        default:
            /* Phrases and NEAR keep their positional unstemmed terms;
             * wildcards, weights and value ranges are left as parsed. */
            collect_words(q);
            return q;
        }
    }
};

int paren_depth(const std::string &q)
{
    int depth = 0, max = 0;
    for (char c : q) {
        if (c == '(')
            max = std::max(max, ++depth);
        else if (c == ')' && depth > 0)
            depth--;
    }
    return max;
}

int member_int(const json_t *request, const char *key, int fallback, int min, int max)
{
    json_t *v = json_object_get(request, key);
    if (!v || json_is_null(v))
        return fallback;
    if (!json_is_integer(v))
        fail(VT_ERR_INVALID, "search: \"%s\" is not an integer", key);
    json_int_t n = json_integer_value(v);
    if (n < min)
        fail(VT_ERR_INVALID, "search: \"%s\" is below %d", key, min);
    if (n > max)
        fail(VT_ERR_LIMIT, "search: \"%s\" is over %d", key, max);
    return (int)n;
}

/* The term a filter "field:value" stands for. */
std::string filter_term(const std::string &filter, std::string *ret_field)
{
    size_t colon = filter.find(':');
    if (colon == std::string::npos || colon == 0)
        fail(VT_ERR_INVALID, "search: filter \"%s\" is not field:value", filter.c_str());
    std::string field = filter.substr(0, colon), value = filter.substr(colon + 1);
    if (!valid_field_name(field.c_str()))
        fail(VT_ERR_INVALID, "search: filter \"%s\": no such field", filter.c_str());
    *ret_field = field;
    if (const Boolean *b = boolean_field(field))
        return boolean_term(b->prefix, value);
    return value_prefix(field) + normalise(value);
}

bool word_matches(vt_index *index, const Xapian::Database &db, const std::string &word)
{
    if (db.term_exists(word))
        return true;
    for (size_t i = 0; i < N_LANGS; i++)
        if (db.term_exists("Z" + index->stems[i](word)))
            return true;
    return false;
}

/* "Did you mean": the query as typed, with each word that matches nothing
 * replaced by a spelling suggestion that matches something. */
json_t *suggestion(vt_index *index, const Xapian::Database &db, const std::string &q,
                   const std::set<std::string> &words)
{
    std::map<std::string, std::string> fixes;
    for (const std::string &word : words) {
        if (word.size() < 3 || word_matches(index, db, word))
            continue;
        std::string s = db.get_spelling_suggestion(word, 2);
        if (!s.empty() && s != word && word_matches(index, db, s))
            fixes[word] = s;
    }
    if (fixes.empty())
        return json_null();
    std::string out;
    const char *p = q.c_str();
    while (*p) {
        const char *start = p;
        while (*p && g_unichar_isalnum(g_utf8_get_char(p)))
            p = g_utf8_next_char(p);
        if (p == start) {
            p = g_utf8_next_char(p);
            out.append(start, (size_t)(p - start));
            continue;
        }
        std::string typed(start, (size_t)(p - start));
        auto fix = fixes.find(lower(typed));
        out += fix != fixes.end() ? fix->second : typed;
    }
    return jstr(out);
}

std::string snippet(const Xapian::MSet &mset, const std::vector<Xapian::Stem> &stems,
                    const std::string &text, bool need_match)
{
    const unsigned flags = Xapian::MSet::SNIPPET_BACKGROUND_MODEL |
                           Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH;
    for (const Xapian::Stem &stem : stems) {
        std::string s = mset.snippet(text, SNIPPET_LENGTH, stem, flags, "<mark>", "</mark>", "…");
        if (!s.empty())
            return s;
    }
    if (need_match)
        return std::string();
    return mset.snippet(text, SNIPPET_LENGTH, Xapian::Stem(), 0, "<mark>", "</mark>", "…");
}

vt_status search(vt_index *index, const json_t *request, json_t **ret_result)
{
    if (!json_is_object(request))
        fail(VT_ERR_INVALID, "search: the request is not a JSON object");
    const Xapian::Database &db = *index->db;

    const char *qtext = member_string(request, "q", "search", false);
    std::string q = qtext ? qtext : "";
    if (q.size() > VT_INDEX_QUERY_MAX)
        fail(VT_ERR_LIMIT, "search: the query has %zu bytes (limit %d)", q.size(), VT_INDEX_QUERY_MAX);
    if (!g_utf8_validate(q.data(), (gssize)q.size(), nullptr))
        fail(VT_ERR_INVALID, "search: the query is not valid UTF-8");
    if (paren_depth(q) > VT_INDEX_QUERY_DEPTH)
        fail(VT_ERR_LIMIT, "search: the query nests parentheses deeper than %d", VT_INDEX_QUERY_DEPTH);
    int page = member_int(request, "page", 1, 1, VT_INDEX_RESULT_MAX);
    int size = member_int(request, "size", 20, 1, VT_INDEX_PAGE_SIZE_MAX);
    if ((long)page * size > VT_INDEX_RESULT_MAX)
        fail(VT_ERR_LIMIT, "search: page %d of size %d is past the first %d results", page, size,
             VT_INDEX_RESULT_MAX);
    const char *lang_text = member_string(request, "lang", "search", false);
    int lang = lang_index(lang_text);
    if (lang_text && *lang_text && lang < 0)
        fail(VT_ERR_INVALID, "search: unknown language \"%s\"", lang_text);
    const char *audience = member_string(request, "audience", "search", false);
    if (audience && strcmp(audience, "public") != 0 && strcmp(audience, "internal") != 0)
        fail(VT_ERR_INVALID, "search: audience \"%s\" is neither public nor internal", audience);
    bool internal = audience && strcmp(audience, "internal") == 0;
    const char *sort = member_string(request, "sort", "search", false);
    if (sort && strcmp(sort, "relevance") != 0 && strcmp(sort, "year") != 0 && strcmp(sort, "-year") != 0)
        fail(VT_ERR_INVALID, "search: unknown sort \"%s\"", sort);

    FacetSpy spy;
    std::vector<std::string> facet_names;
    json_t *facets = json_object_get(request, "facets");
    if (facets && !json_is_null(facets) && !json_is_array(facets))
        fail(VT_ERR_INVALID, "search: \"facets\" is not an array");
    if (json_array_size(facets) > VT_INDEX_FILTERS_MAX)
        fail(VT_ERR_LIMIT, "search: more than %d facets", VT_INDEX_FILTERS_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(facets, i, v) {
        if (!json_is_string(v) || !valid_field_name(json_string_value(v)))
            fail(VT_ERR_INVALID, "search: a facet is not a field name");
        if (spy.wanted.insert(json_string_value(v)).second)
            facet_names.push_back(json_string_value(v));
    }

    std::map<std::string, std::vector<Xapian::Query>> filters;
    json_t *fl = json_object_get(request, "filters");
    if (fl && !json_is_null(fl) && !json_is_array(fl))
        fail(VT_ERR_INVALID, "search: \"filters\" is not an array");
    if (json_array_size(fl) > VT_INDEX_FILTERS_MAX)
        fail(VT_ERR_LIMIT, "search: more than %d filters", VT_INDEX_FILTERS_MAX);
    json_array_foreach(fl, i, v) {
        if (!json_is_string(v) || json_string_length(v) > VT_INDEX_VALUE_MAX + FIELD_NAME_MAX ||
            !g_utf8_validate(json_string_value(v), -1, nullptr))
            fail(VT_ERR_INVALID, "search: a filter is not a short string");
        std::string field;
        std::string term = filter_term(json_string_value(v), &field);
        filters[field].push_back(Xapian::Query(term));
    }

    Xapian::QueryParser qp;
    qp.set_database(db);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_NONE);
    qp.set_default_op(Xapian::Query::OP_AND);
    qp.set_max_expansion(100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    for (const Boolean &b : BOOLEANS)
        qp.add_boolean_prefix(b.field, (new BooleanProcessor(b.prefix))->release());
    std::set<std::string> fields = load_fields(db);
    fields.insert("label");
    fields.insert("annotation");
    for (const std::string &f : fields)
        if (!boolean_field(f))
            qp.add_prefix(f, field_prefix(f));

    Rewriter rw(index, db, lang);
    Xapian::Query query = Xapian::Query::MatchAll;
    std::string trimmed = trim(q);
    if (!trimmed.empty()) {
        const unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_PURE_NOT |
                               Xapian::QueryParser::FLAG_WILDCARD;
        Xapian::Query parsed = qp.parse_query(trimmed, flags);
        if (parsed.get_length() > VT_INDEX_QUERY_WORDS)
            fail(VT_ERR_LIMIT, "search: the query has more than %d terms", VT_INDEX_QUERY_WORDS);
        query = parsed.empty() ? Xapian::Query::MatchNothing : rw.rewrite(parsed, 0);
        /* An intervention number on its own: every asset of it. */
        if (trimmed.find_first_of(" \t\r\n\"()") == std::string::npos &&
            trimmed.size() <= VT_INDEX_VALUE_MAX && db.term_exists("XI" + trimmed))
            query = Xapian::Query(Xapian::Query::OP_OR, query, Xapian::Query("XI" + trimmed));
    }
    std::vector<Xapian::Query> ands;
    for (auto &f : filters)
        ands.push_back(Xapian::Query(Xapian::Query::OP_OR, f.second.begin(), f.second.end()));
    if (!internal)
        ands.push_back(Xapian::Query("XVpublic"));
    if (!ands.empty())
        query = Xapian::Query(Xapian::Query::OP_FILTER, query,
                              Xapian::Query(Xapian::Query::OP_AND, ands.begin(), ands.end()));

    Xapian::Enquire enquire(db);
    enquire.set_query(query);
    YearKey year_key(sort && strcmp(sort, "-year") == 0);
    if (sort && strcmp(sort, "relevance") != 0)
        enquire.set_sort_by_key_then_relevance(&year_key, strcmp(sort, "-year") == 0);
    if (!spy.wanted.empty()) {
        spy.prepare();
        enquire.add_matchspy(&spy);
    }
    Xapian::MSet mset = enquire.get_mset((Xapian::doccount)(page - 1) * (Xapian::doccount)size,
                                         (Xapian::doccount)size, db.get_doccount());
    enquire.clear_matchspies();
    spy.finish();

    /* Snippets highlight every query word wherever it matched (a field, a
     * synonym, a phrase): an MSet of the same words without prefixes. */
    std::set<std::string> hl_terms;
    for (Xapian::TermIterator t = query.get_unique_terms_begin(); t != query.get_unique_terms_end(); ++t) {
        std::string term = *t;
        bool z = !term.empty() && term[0] == 'Z';
        std::string rest = z ? term.substr(1) : term;
        if (rest.compare(0, 2, "XF") == 0 && rest.find(':') != std::string::npos)
            rest = rest.substr(rest.find(':') + 1);
        else if (!is_plain_term(rest))
            continue;
        hl_terms.insert(z ? "Z" + rest : rest);
    }
    Xapian::Enquire hl_enquire(db);
    hl_enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, hl_terms.begin(), hl_terms.end()));
    Xapian::MSet hl = hl_enquire.get_mset(0, 0);
    std::vector<Xapian::Stem> snippet_stems{Xapian::Stem()};
    for (size_t k = 0; k < N_LANGS; k++)
        if (lang < 0 || (size_t)lang == k)
            snippet_stems.push_back(index->stems[k]);

    JsonRef hits(json_array());
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
        std::string data = it.get_document().get_data();
        JsonRef stored(json_object());
        json_t *parsed = json_loadb(data.data(), data.size(), 0, nullptr);
        if (json_is_object(parsed)) {
            json_decref(stored.release());
            stored.p = parsed;
        } else {
            json_decref(parsed);
        }
        JsonRef hit(json_object());
        const char *id = json_string_value(json_object_get(stored.get(), "id"));
        const char *label = json_string_value(json_object_get(stored.get(), "label"));
        jset(hit.get(), "id", jstr(id ? id : ""));
        jset(hit.get(), "label", jstr(label ? label : ""));
        std::string text = label ? label : "";
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(stored.get(), "text"), k, t) {
            if (!text.empty())
                text += " · ";
            text += json_string_value(t) ? json_string_value(t) : "";
        }
        jset(hit.get(), "snippet", jstr(snippet(hl, snippet_stems, text, false)));
        JsonRef annos(json_array());
        json_array_foreach(json_object_get(stored.get(), "annotations"), k, t) {
            if (k >= ANNOTATIONS_SCANNED)
                break;
            const char *atext = json_string_value(json_object_get(t, "text"));
            std::string s = snippet(hl, snippet_stems, atext ? atext : "", true);
            if (s.empty())
                continue;
            JsonRef a(json_object());
            const char *aid = json_string_value(json_object_get(t, "id"));
            const char *region = json_string_value(json_object_get(t, "region"));
            jset(a.get(), "id", jstr(aid ? aid : ""));
            jset(a.get(), "region", region ? jstr(region) : json_null());
            jset(a.get(), "snippet", jstr(s));
            jappend(annos.get(), a.release());
        }
        jset(hit.get(), "annotations", annos.release());
        jset(hit.get(), "rank", json_integer((json_int_t)it.get_rank() + 1));
        jset(hit.get(), "percent", json_integer(it.get_percent()));
        jappend(hits.get(), hit.release());
    }

    JsonRef facet_json(json_object());
    for (const std::string &name : facet_names) {
        std::vector<std::pair<std::string, Xapian::doccount>> counts(spy.counts[name].begin(),
                                                                     spy.counts[name].end());
        std::sort(counts.begin(), counts.end(), [](const auto &a, const auto &b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        JsonRef list(json_array());
        for (size_t k = 0; k < counts.size() && k < VT_INDEX_FACET_VALUES; k++) {
            JsonRef entry(json_object());
            jset(entry.get(), "value", jstr(counts[k].first));
            jset(entry.get(), "count", json_integer((json_int_t)counts[k].second));
            jappend(list.get(), entry.release());
        }
        jset(facet_json.get(), name.c_str(), list.release());
    }

    JsonRef result(json_object());
    jset(result.get(), "total", json_integer((json_int_t)mset.get_matches_estimated()));
    jset(result.get(), "page", json_integer(page));
    jset(result.get(), "size", json_integer(size));
    jset(result.get(), "hits", hits.release());
    jset(result.get(), "facets", facet_json.release());
    jset(result.get(), "suggestion", suggestion(index, db, trimmed, rw.words));
    *ret_result = result.release();
    return VT_OK;
}

vt_status suggest(vt_index *index, const char *prefix, const char *field, int limit,
                  bool public_only, json_t **ret_terms)
{
    if (!prefix || !*prefix || strlen(prefix) > VT_INDEX_VALUE_MAX ||
        !g_utf8_validate(prefix, -1, nullptr))
        fail(VT_ERR_INVALID, "suggest: the prefix is empty, too long or not UTF-8");
    if (limit < 1 || limit > VT_INDEX_SUGGEST_MAX)
        fail(VT_ERR_LIMIT, "suggest: limit %d is not in 1..%d", limit, VT_INDEX_SUGGEST_MAX);
    std::string start;
    if (field) {
        if (!valid_field_name(field) || boolean_field(field))
            fail(VT_ERR_INVALID, "suggest: \"%s\" is not a metadata field", field);
        start = value_prefix(field);
        start += normalise(prefix);
    } else {
        start = lower(prefix);
        if (!is_plain_term(start))
            fail(VT_ERR_INVALID, "suggest: the prefix \"%s\" cannot start a word", prefix);
    }
    size_t skip = field ? value_prefix(field).size() : 0;
    const Xapian::Database &db = *index->db;
    std::vector<std::pair<std::string, Xapian::doccount>> found;
    size_t scanned = 0;
    for (Xapian::TermIterator t = db.allterms_begin(start);
         t != db.allterms_end(start) && scanned < SUGGEST_SCAN_MAX; ++t, ++scanned)
        found.emplace_back((*t).substr(skip), t.get_termfreq());
    auto by_count = [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    std::sort(found.begin(), found.end(), by_count);
    if (public_only) {
        /* Exact public counts: the match against XVpublic of each of the
         * most frequent candidates. */
        if (found.size() > VT_INDEX_SUGGEST_CHECKED)
            found.resize(VT_INDEX_SUGGEST_CHECKED);
        Xapian::Enquire enquire(db);
        Xapian::doccount all = db.get_doccount();
        for (auto &f : found) {
            enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER,
                                            Xapian::Query(start.substr(0, skip) + f.first),
                                            Xapian::Query("XVpublic")));
            f.second = enquire.get_mset(0, 0, all).get_matches_estimated();
        }
        found.erase(std::remove_if(found.begin(), found.end(), [](const auto &f) { return f.second == 0; }),
                    found.end());
        std::sort(found.begin(), found.end(), by_count);
    }
    JsonRef list(json_array());
    for (size_t k = 0; k < found.size() && k < (size_t)limit; k++) {
        JsonRef entry(json_object());
        jset(entry.get(), "term", jstr(found[k].first));
        jset(entry.get(), "count", json_integer((json_int_t)found[k].second));
        jappend(list.get(), entry.release());
    }
    *ret_terms = list.release();
    return VT_OK;
}

vt_status set_synonyms(vt_index *index, const json_t *groups)
{
    need_writer(index, "set synonyms of index");
    const char *dir = index->dir.c_str();
    if (!json_is_array(groups))
        fail(VT_ERR_INVALID, "synonyms for %s: not an array of groups", dir);
    if (json_array_size(groups) > VT_INDEX_SYNONYM_GROUPS)
        fail(VT_ERR_LIMIT, "synonyms for %s: more than %d groups", dir, VT_INDEX_SYNONYM_GROUPS);
    /* Validate everything before touching the database. */
    std::vector<std::vector<std::string>> all;
    size_t i;
    json_t *group;
    json_array_foreach(groups, i, group) {
        if (!json_is_array(group) || json_array_size(group) > VT_INDEX_SYNONYM_WORDS)
            fail(VT_ERR_INVALID, "synonyms for %s: group %zu is not an array of at most %d words",
                 dir, i + 1, VT_INDEX_SYNONYM_WORDS);
        std::vector<std::string> members;
        size_t k;
        json_t *m;
        json_array_foreach(group, k, m) {
            const char *s = json_string_value(m);
            if (!s || strlen(s) > 64)
                fail(VT_ERR_INVALID, "synonyms for %s: group %zu: a member is not a short string",
                     dir, i + 1);
            std::string word = lower(trim(s));
            if (word.empty() || word.find(' ') != std::string::npos || !is_plain_term(word))
                fail(VT_ERR_INVALID, "synonyms for %s: group %zu: \"%s\" is not one word", dir,
                     i + 1, s);
            members.push_back(word);
        }
        all.push_back(std::move(members));
    }
    std::vector<std::string> keys;
    for (Xapian::TermIterator t = index->db->synonym_keys_begin(); t != index->db->synonym_keys_end(); ++t)
        keys.push_back(*t);
    for (const std::string &key : keys)
        index->wdb->clear_synonyms(key);
    for (const auto &members : all) {
        for (const std::string &m : members) {
            std::set<std::string> mkeys{m};
            for (size_t l = 0; l < N_LANGS; l++)
                mkeys.insert("Z" + index->stems[l](m));
            for (const std::string &key : mkeys)
                for (const std::string &other : members)
                    if (other != m)
                        index->wdb->add_synonym(key, other);
        }
    }
    return VT_OK;
}

}  // namespace

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
vt_status vt_index_put(vt_index *index, const json_t *doc)
{
    return guard(index, "put in index", index->dir.c_str(), [&]() { return put(index, doc); });
}

VT_EXPORT
vt_status vt_index_delete(vt_index *index, const char *id)
{
    if (!id || !*id)
        return vt_error_set(VT_ERR_INVALID, "delete from index %s: no id", index->dir.c_str());
    return guard(index, "delete from index", index->dir.c_str(), [&]() -> vt_status {
        need_writer(index, "delete from index");
        std::string idterm = "Q" + std::string(id);
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
        return VT_OK;
    });
}

VT_EXPORT
vt_status vt_index_set_synonyms(vt_index *index, const json_t *groups)
{
    return guard(index, "set synonyms of index", index->dir.c_str(), [&]() { return set_synonyms(index, groups); });
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
