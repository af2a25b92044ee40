/* vt_index_private.h: what the files of the index module share (the Xapian
 * shim behind vt_index.h). Nothing outside indexer/vt_index*.cc includes it.
 *
 *   vt_index.cc           the C API and its exception firewall (guard()), and
 *                         the helpers every file uses (JSON, text forms)
 *   vt_index_document.cc  the document builder: put(), spelling, synonyms,
 *                         the field list (writer side)
 *   vt_index_table.cc     the facet table: its layout, writing and mapping
 *   vt_index_query.cc     search(): the request, query parsing and rewriting,
 *                         the slow path (Xapian's matcher), the facets of the
 *                         answer; suggest()
 *   vt_index_fast.cc      the fast evaluator: the whole match as bitmaps
 *   vt_index_snippet.cc   the hits of an answer: stored records and snippets
 *
 * Everything declared here may throw (Failure from fail(), Xapian::Error,
 * std::bad_alloc): only guard() in vt_index.cc catches, so nothing here is
 * called from outside an extern "C" body. Threads: as vt_index.h (a
 * vt_index is used by one thread at a time). The names live in namespace
 * vt_index_impl and the library is built with hidden visibility, so none
 * of them is exported.
 */
#ifndef VT_INDEX_PRIVATE_H
#define VT_INDEX_PRIVATE_H

#include "vt_index.h"

#include <xapian.h>

#include <glib.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vt_index_impl {

enum : Xapian::valueno { SLOT_YEAR = 0, SLOT_FACETS = 1, SLOT_TITLE = 2 };

const char FACET_SEP = '\x1f';   /* between field and value */
const char PAIR_SEP = '\x1e';    /* between pairs */
const char LABEL_SEP = '\x1d';   /* between a facet value and its label (Builder::facet) */
const char LANG_SEP = '\x1c';    /* between a facet label and its language, if known */
const char *const PAIRS_KEY = "vt:pairs";  /* metadata: "1" if every document has word pairs */
/* metadata: "1" if a synonym group has a member of several words */
const char *const PHRASE_SYNONYMS_KEY = "vt:phrase-synonyms";
/* metadata: the labels per language of synonym groups' facet entries, one
 * blob (set_synonyms writes it, search() reads it once per snapshot, and
 * only for a request with a display language): records sorted by the
 * group's facet value, joined by PAIR_SEP, each VALUE then per language
 * LABEL_SEP LANG FACET_SEP LABEL. Absent without tagged members. */
const char *const GROUP_LABELS_KEY = "vt:group-labels";
const size_t LANG_TAG_MAX = 16;  /* bytes of a language tag (nl, pt-BR) kept with a value */
const size_t TERM_MAX = 245;     /* Xapian's limit on a term's length */
const size_t FIELD_NAME_MAX = 32;
/* Words and stems (Z + it) of annotations that only internal searches may
 * find: internal annotations of public assets (Builder::internal_text). */
inline const std::string INTERNAL_PREFIX = "XN";

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

/* Throws Failure with the formatted message (vt_index.cc). */
[[noreturn]] G_GNUC_PRINTF(2, 3) void fail(vt_status status, const char *fmt, ...);

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

json_t *jstr(std::string_view s);
void jset(json_t *object, const char *key, json_t *value);
void jappend(json_t *array, json_t *value);

/* Text forms (vt_index.cc). */
std::string lower(const std::string &s);
std::string normalise(const std::string &s);
std::string display_form(const std::string &s);
std::string trim(const std::string &s);
bool valid_field_name(const char *name);
const Boolean *boolean_field(const std::string &name);
std::string field_prefix(const std::string &name);
std::string value_prefix(const std::string &name);
int lang_index(const char *lang);
/* The words of @text as the TermGenerator indexes them (lowercased,
 * unstemmed), in order: how a phrase synonym is stored and matched. */
std::vector<std::string> text_words(const std::string &text);

inline bool is_plain_term(const std::string &t)
{
    return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z');
}

/* The word-pair term of two plain words (Builder::pairs). */
inline std::string pair_term(const std::string &word, const std::string &next)
{
    return "XP" + word + " " + next;
}

/* [{"term", "count"}] of the first @limit of @found (vt_index.cc). */
json_t *terms_json(const std::vector<std::pair<std::string, Xapian::doccount>> &found, int limit);

/* Members of a JSON request or document (vt_index.cc). */
const char *member_string(const json_t *object, const char *key, const char *what, bool required);
const char *short_string(const json_t *object, const char *key, const char *what, bool required);

/* --- the facet table (vt_index_table.cc, where its design is) --- */

inline size_t table_words(uint32_t lastdocid)
{
    return ((size_t)lastdocid + 64) / 64;
}

/* A mapped table (reader side). The pointers point into the mapping. */
struct Table {
    void *map = MAP_FAILED;
    size_t size = 0;
    uint64_t revision = 0;
    uint32_t lastdocid = 0;
    uint32_t n_ids = 0;
    uint32_t n_strings = 0;
    const uint64_t *exists = nullptr;
    const uint64_t *pub = nullptr;
    const uint32_t *doclen = nullptr;
    const uint32_t *year1 = nullptr;
    const uint32_t *title_rank = nullptr;
    const uint32_t *offsets = nullptr;
    const uint32_t *ids = nullptr;
    const uint32_t *string_offsets = nullptr;
    const char *strings = nullptr;
    uint32_t n_terms = 0;
    const uint32_t *name_offsets = nullptr;
    const char *names = nullptr;
    const uint32_t *termfreq = nullptr;
    const uint64_t *posting_offsets = nullptr;
    const char *postings = nullptr;

    Table() = default;
    Table(const Table &) = delete;
    Table &operator=(const Table &) = delete;
    ~Table()
    {
        if (map != MAP_FAILED)
            munmap(map, size);
    }

    std::string_view string(uint32_t id) const
    {
        return std::string_view(strings + string_offsets[id], string_offsets[id + 1] - string_offsets[id]);
    }

    /* The cached postings of one term: bits (W words; bits past lastdocid
     * are not documents) and the wdf of its n-th document in wdf[n]. */
    struct Postings {
        const uint64_t *bits;
        const uint8_t *wdf;
        uint32_t termfreq;
    };

    /* Finds @term's cached postings (binary search of the sorted names). */
    bool find_postings(std::string_view term, Postings &ret) const
    {
        uint32_t lo = 0, hi = n_terms;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            std::string_view name(names + name_offsets[mid], name_offsets[mid + 1] - name_offsets[mid]);
            int c = name.compare(term);
            if (c == 0) {
                const char *p = postings + posting_offsets[mid];
                ret.bits = (const uint64_t *)p;
                ret.wdf = (const uint8_t *)(p + 8 * table_words(lastdocid));
                ret.termfreq = termfreq[mid];
                return true;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return false;
    }
};

std::unique_ptr<Table> table_load(const std::string &dir);

}  // namespace vt_index_impl

struct vt_index {
    std::string dir;
    bool writable = false;
    std::unique_ptr<Xapian::Database> db;
    Xapian::WritableDatabase *wdb = nullptr;  /* db, when writable */
    std::set<std::string> fields;             /* writer: the "vt:fields" list */
    std::vector<Xapian::Stem> stems;          /* LANGS order */
    std::unique_ptr<vt_index_impl::Table> table;             /* reader: the facet table, if mapped */
    bool dirty = false;                       /* writer: changes since the last commit */
    /* writer: field FACET_SEP value -> its label (facet_label), as read
     * from or written to the metadata this session */
    std::unordered_map<std::string, std::string> facet_labels;
    bool pairs = false;                       /* writer: index word pairs (PAIRS_KEY) */
    /* reader: GROUP_LABELS_KEY of the snapshot group_labels_revision, read
     * at the first search that needs it (a FastCGI process keeps it) */
    std::string group_labels;
    Xapian::rev group_labels_revision = 0;
    bool group_labels_read = false;
};

namespace vt_index_impl {

/* Fails unless @index is a writer (vt_index.cc). */
void need_writer(vt_index *index, const char *what);

/* Writes the facet table of the last commit (vt_index_table.cc). */
vt_status table_write(vt_index *index);

/* The writer's side (vt_index_document.cc). */
vt_status put(vt_index *index, const json_t *doc);
void forget_spelling(vt_index *index, const std::string &idterm);
std::set<std::string> load_fields(const Xapian::Database &db);
vt_status set_synonyms(vt_index *index, const json_t *groups);

/* Searches (vt_index_query.cc). */
vt_status search(vt_index *index, const json_t *request, json_t **ret_result);
vt_status suggest(vt_index *index, const char *prefix, const char *field, int limit,
                  bool public_only, json_t **ret_terms);

/* A query the fast path cannot evaluate (vt_index_fast.cc). */
struct Unsupported {};

/* What a search found, from either path. */
struct Found {
    Xapian::doccount total = 0;
    std::vector<std::pair<Xapian::docid, int>> hits;  /* the page: docid, percent */
    Xapian::doccount first = 0;                       /* rank - 1 of hits[0] */
    /* field -> value -> count */
    std::map<std::string, std::unordered_map<std::string, Xapian::doccount>> counts;
};

/* Counts the facet values of @docids... from the table into @found. */
template <typename ForEach>
void count_from_table(const Table &t, const std::set<std::string> &wanted, ForEach &&for_each, Found &found)
{
    /* n[n_strings] counts ids out of range (only in a damaged table),
     * without a branch in the hottest loop of a search. */
    std::vector<uint32_t> n((size_t)t.n_strings + 1, 0);
    uint32_t *count = n.data();
    const uint32_t *ids = t.ids, n_strings = t.n_strings;
    for_each([&](size_t d) {
        uint32_t lo = t.offsets[d], hi = t.offsets[d + 1];
        if (hi > t.n_ids)
            return;
        for (uint32_t j = lo; j < hi; j++)
            count[std::min(ids[j], n_strings)]++;
    });
    for (uint32_t id = 0; id < t.n_strings; id++) {
        if (!n[id])
            continue;
        std::string_view s = t.string(id);
        size_t sep = s.find(FACET_SEP);
        if (sep == std::string_view::npos)
            continue;
        std::string field(s.substr(0, sep));
        if (wanted.count(field))
            found.counts[field].emplace(std::string(s.substr(sep + 1)), n[id]);
    }
}

enum class Sort { RELEVANCE, YEAR, YEAR_DESC, TITLE };

/* The fast path (vt_index_fast.cc); throws Unsupported for a query nested
 * deeper than the parser's limits allow (Xapian's matcher then takes it). */
void fast_search(const Xapian::Database &db, const Table &t, const Xapian::Query &query,
                 const std::set<std::string> &wanted, Sort sort, Xapian::doccount first,
                 Xapian::doccount size, Found &found);

/* The "hits" array of an answer (vt_index_snippet.cc): per hit of @found,
 * its stored record with snippets marking the words of @query, stemmed in
 * @lang (-1: all four); internal annotations only if @internal. With a
 * display language @hl (empty: none) the snippet is made from the texts in
 * that language and those without one, or from another language's texts
 * (named in "snippet_lang") only when the match is there. Caller owns. */
json_t *hits_json(vt_index *index, const Xapian::Database &db, const Xapian::Query &query,
                  const Found &found, int lang, bool internal, const std::string &hl);

/* Whether language tags @a and @b name the same language (their primary
 * subtags are equal, case aside: "nl" and "nl-BE"). */
bool same_language(std::string_view a, std::string_view b);

/* Whether @tag is a language tag the index keeps with a value or takes as
 * a display language: 1..LANG_TAG_MAX bytes of letters, digits and '-'
 * (nl, pt-BR). */
bool lang_tag_valid(std::string_view tag);

/* vt_index_suggest_in() (vt_index_snippet.cc: it reads the stored record). */
vt_status suggest_in(vt_index *index, const char *id, const char *prefix, int limit, bool public_only,
                     json_t **ret_terms);

}  // namespace vt_index_impl

#endif
