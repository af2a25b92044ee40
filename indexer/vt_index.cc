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
#include "vt_record.h"

#include <xapian.h>

#include <glib.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
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
const char LABEL_SEP = '\x1d';   /* between a facet value and its label (Builder::facet) */
const char *const PAIRS_KEY = "vt:pairs";  /* metadata: "1" if every document has word pairs */
const size_t TERM_MAX = 245;     /* Xapian's limit on a term's length */
const size_t METADATA_KEY_MAX = 240;  /* Xapian refuses longer metadata keys (245) */
const int RETRIES = 2;           /* reopen-and-retry on DatabaseModifiedError */
const size_t FIELD_NAME_MAX = 32;
const size_t EXPANDED_TERMS_MAX = 4096;  /* terms after stems and synonyms */
const size_t SYNONYMS_PER_WORD = 64;
const size_t SUGGEST_SCAN_MAX = 20000;   /* terms looked at by vt_index_suggest */
const size_t ANNOTATIONS_SCANNED = 50;   /* per hit, for snippets */
/* Words and stems (Z + it) of annotations that only internal searches may
 * find: internal annotations of public assets (Builder::internal_text). */
const std::string INTERNAL_PREFIX = "XN";
const size_t SNIPPET_LENGTH = 200;
const int SNIPPET_PROBE_CHARS = 4;  /* of a term, looked for in a text before snippets (search()) */

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
std::string collapse_blanks(const char *s)
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

/* The word-pair term of two plain words (Builder::pairs). */
std::string pair_term(const std::string &word, const std::string &next)
{
    return "XP" + word + " " + next;
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

    /* With a facet table, only the docids are collected (counted later
     * from the table, without reading a value per document). */
    std::vector<Xapian::docid> *docids = nullptr;

    void operator()(const Xapian::Document &doc, double) override
    {
        if (docids) {
            docids->push_back(doc.get_docid());
            return;
        }
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

namespace {

/* --- the facet table ---
 *
 * A file beside Xapian's own (TABLE_FILE in the index folder) that the
 * writer rewrites after every commit, from the committed documents, and
 * that a reader maps read-only. It holds per document what a search needs
 * for every match, in arrays indexed by docid: whether the document exists
 * and is public (bitmaps), its length (for BM25), its year plus one (0: none)
 * and the ids of its facet values (offsets into one id array); then the
 * facet value strings ("field\x1fvalue", as in value slot 1) by id.
 *
 * The invariant: the table describes exactly the Xapian revision written in
 * its header. A reader uses it only when that equals the revision of its
 * own snapshot (Database::get_revision()); otherwise (a writer between its
 * commit and the rename of the new table, a table that failed to write, an
 * index older than the table) it takes the slow path (Xapian's matcher and
 * value reads), which gives the same totals and counts. A table of the
 * wrong revision used anyway would count documents that no longer exist or
 * miss new ones. The file is replaced by rename, so a reader that mapped
 * the old one keeps a consistent (old) copy. Native byte order: the file is
 * a cache made on the machine that reads it; a foreign one fails the magic
 * or size checks and is ignored.
 *
 * The table also carries the postings of the most frequent terms (those in
 * at least 1/POSTINGS_DENSITY of the docid range, most frequent first,
 * within POSTINGS_BYTES_PER_DOC bytes per docid), because reading a
 * posting through Xapian's PostingIterator costs about 30 ns and a query
 * word expands to up to a dozen terms (stems in four languages, synonyms),
 * the frequent ones with tens of thousands of postings each at 200,000
 * documents. A cached term is a bitmap of its documents and its wdf per
 * document in docid order (one byte: a term with a wdf over 255 anywhere
 * is not cached). Same invariant: the postings are those of the table's
 * revision, so a search reads them instead of Xapian's with the same
 * result.
 *
 * Layout (L = last docid, W = (L + 64) / 64 words of 64 bits, pad8: zero
 * bytes up to a multiple of 8 from the start of the file):
 *   header; u64 exists[W]; u64 public[W]; u32 doclen[L + 1];
 *   u32 year1[L + 1]; u32 offsets[L + 2]; u32 ids[n_ids];
 *   u32 string_offsets[n_strings + 1]; char strings[strings_bytes]; pad8;
 *   postings[postings_bytes]: per term, u64 bits[W], u8 wdf[termfreq], pad8;
 *   u32 name_offsets[n_terms + 1]; char names[names_bytes] (sorted); pad8;
 *   u32 termfreq[n_terms]; pad8; u64 posting_offsets[n_terms + 1]
 * (the postings before their index, so that the writer appends them as it
 * reads them, without a second copy of the biggest part in memory).
 */
const char TABLE_FILE[] = "vitrine-facets.bin";
const char TABLE_MAGIC[8] = {'V', 'T', 'F', 'A', 'C', 'E', 'T', '2'};
const uint64_t POSTINGS_DENSITY = 16;
const uint64_t POSTINGS_BYTES_PER_DOC = 128;

struct TableHeader {
    char magic[8];
    uint64_t revision;
    uint32_t lastdocid;
    uint32_t n_ids;
    uint32_t n_strings;
    uint32_t strings_bytes;
    uint32_t n_terms;
    uint32_t names_bytes;
    uint64_t postings_bytes;
};

size_t table_words(uint32_t lastdocid)
{
    return ((size_t)lastdocid + 64) / 64;
}

uint64_t pad8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

/* The bytes of one cached term's postings. */
uint64_t postings_size(uint32_t lastdocid, uint32_t termfreq)
{
    return 8 * (uint64_t)table_words(lastdocid) + pad8(termfreq);
}

/* Offsets of the parts of a table with these counts (from the start of the
 * file); size is 0 on overflow. */
struct TableParts {
    uint64_t postings, names, termfreq, posting_offsets, size;  /* name_offsets: just before names */
};

TableParts table_parts(const TableHeader &h)
{
    TableParts p;
    uint64_t l = h.lastdocid;
    uint64_t facets = sizeof(TableHeader) + 2 * 8 * (uint64_t)table_words(h.lastdocid) +
                      4 * ((l + 1) * 2 + (l + 2) + h.n_ids + (uint64_t)h.n_strings + 1) + h.strings_bytes;
    p.size = 0;
    if (h.postings_bytes > SIZE_MAX / 4 || h.postings_bytes % 8 != 0)
        return p;
    p.postings = pad8(facets);
    p.names = p.postings + h.postings_bytes + 4 * ((uint64_t)h.n_terms + 1);  /* after name_offsets */
    p.termfreq = pad8(p.names + h.names_bytes);
    p.posting_offsets = pad8(p.termfreq + 4 * (uint64_t)h.n_terms);
    p.size = p.posting_offsets + 8 * ((uint64_t)h.n_terms + 1);
    if (p.size > SIZE_MAX / 2)
        p.size = 0;
    return p;
}

size_t table_size(const TableHeader &h)
{
    return (size_t)table_parts(h).size;
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

/* Maps @dir's table; nullptr if it is missing, unreadable or malformed
 * (the caller then takes the slow path: the table is only a cache). */
std::unique_ptr<Table> table_load(const std::string &dir)
{
    std::string path = dir + "/" + TABLE_FILE;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nullptr;
    struct stat st;
    std::unique_ptr<Table> t(new Table);
    if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(TableHeader)) {
        t->size = (size_t)st.st_size;
        t->map = mmap(nullptr, t->size, PROT_READ, MAP_SHARED, fd, 0);
    }
    close(fd);
    if (t->map == MAP_FAILED)
        return nullptr;
    TableHeader h;
    memcpy(&h, t->map, sizeof h);
    if (memcmp(h.magic, TABLE_MAGIC, sizeof h.magic) != 0 || table_size(h) == 0 || table_size(h) != t->size)
        return nullptr;
    const char *p = (const char *)t->map + sizeof h;
    size_t w = table_words(h.lastdocid);
    t->revision = h.revision;
    t->lastdocid = h.lastdocid;
    t->n_ids = h.n_ids;
    t->n_strings = h.n_strings;
    t->exists = (const uint64_t *)p;
    t->pub = t->exists + w;
    t->doclen = (const uint32_t *)(t->pub + w);
    t->year1 = t->doclen + (size_t)h.lastdocid + 1;
    t->offsets = t->year1 + (size_t)h.lastdocid + 1;
    t->ids = t->offsets + (size_t)h.lastdocid + 2;
    t->string_offsets = t->ids + h.n_ids;
    t->strings = (const char *)(t->string_offsets + (size_t)h.n_strings + 1);
    /* The strings are checked here (there are few); offsets and ids where
     * they are used (a full check of those would cost every search about
     * as much as the counting itself). */
    for (size_t i = 0; i < h.n_strings; i++)
        if (t->string_offsets[i] > t->string_offsets[i + 1])
            return nullptr;
    if (t->string_offsets[h.n_strings] != h.strings_bytes)
        return nullptr;
    /* The cached terms: a few thousand at most, checked whole too, so that
     * find_postings() stays inside the mapping. */
    TableParts parts = table_parts(h);
    const char *base = (const char *)t->map;
    t->n_terms = h.n_terms;
    t->names = base + parts.names;
    t->name_offsets = (const uint32_t *)t->names - ((size_t)h.n_terms + 1);
    t->termfreq = (const uint32_t *)(base + parts.termfreq);
    t->posting_offsets = (const uint64_t *)(base + parts.posting_offsets);
    t->postings = base + parts.postings;
    if (t->name_offsets[0] != 0 || t->name_offsets[h.n_terms] != h.names_bytes || t->posting_offsets[0] != 0 ||
        t->posting_offsets[h.n_terms] != h.postings_bytes)
        return nullptr;
    for (size_t i = 0; i < h.n_terms; i++)
        if (t->name_offsets[i] > t->name_offsets[i + 1] || t->termfreq[i] > h.lastdocid ||
            t->posting_offsets[i + 1] - t->posting_offsets[i] != postings_size(h.lastdocid, t->termfreq[i]))
            return nullptr;
    return t;
}

}  // namespace

struct vt_index {
    std::string dir;
    bool writable = false;
    std::unique_ptr<Xapian::Database> db;
    Xapian::WritableDatabase *wdb = nullptr;  /* db, when writable */
    std::set<std::string> fields;             /* writer: the "vt:fields" list */
    std::vector<Xapian::Stem> stems;          /* LANGS order */
    std::unique_ptr<Table> table;             /* reader: the facet table, if mapped */
    bool dirty = false;                       /* writer: changes since the last commit */
    /* writer: field FACET_SEP value -> its label (facet_label), as read
     * from or written to the metadata this session */
    std::unordered_map<std::string, std::string> facet_labels;
    bool pairs = false;                       /* writer: index word pairs (PAIRS_KEY) */
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

    /* @value of an annotation that only internal searches may find (an
     * internal annotation of a public asset): its words and stems under
     * INTERNAL_PREFIX only, never as plain terms, so that no public query
     * (plain words, field:, phrases, spelling) can reach them; an internal
     * search adds INTERNAL_PREFIX forms to every plain word (Rewriter). */
    void internal_text(const std::string &value, int lang)
    {
        if (++n_values > VT_INDEX_VALUES_MAX)
            fail(VT_ERR_LIMIT, "index %s: asset %s has more than %d values", index->dir.c_str(),
                 id.c_str(), VT_INDEX_VALUES_MAX);
        if (value.size() > VT_INDEX_TEXT_MAX)
            fail(VT_ERR_LIMIT, "index %s: asset %s: a value of %zu bytes (limit %d)",
                 index->dir.c_str(), id.c_str(), value.size(), VT_INDEX_TEXT_MAX);
        tg.set_stemmer(Xapian::Stem());
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        tg.index_text(value, 1, INTERNAL_PREFIX);
        tg.increase_termpos(100);
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
        for (size_t i = 0; i < N_LANGS; i++) {
            if (lang >= 0 && (size_t)lang != i)
                continue;
            tg.set_stemmer(index->stems[i]);
            tg.index_text_without_positions(value, 1, INTERNAL_PREFIX);
        }
    }

    /* Counts @value (normalised) of @field as a facet of this document,
     * with its label: the first spelling (@text) the index met for it, kept
     * in the metadata ("vt:l:" FIELD \x1f VALUE), so that every document
     * gives the same pair and counts are not split by spelling ("Rubens",
     * "RUBENS"). The slot holds VALUE \x1d LABEL. */
    /* The facet value of @text when it is a member of a synonym group
     * ([search] synonyms): the group's first member in byte order,
     * normalised, so that "vernis", "varnish" and "Firnis" are one facet
     * entry (and one filter, which adds that term too). Empty when @text
     * is in no group (several words never are). */
    std::string synonym_group(const std::string &text)
    {
        if (!index->wdb)
            return std::string();
        std::string word = lower(trim(text));
        if (word.empty() || word.find(' ') != std::string::npos)
            return std::string();
        std::string first = word;
        bool grouped = false;
        for (Xapian::TermIterator s = index->wdb->synonyms_begin(word);
             s != index->wdb->synonyms_end(word); ++s) {
            grouped = true;
            if (*s < first)
                first = *s;
        }
        return grouped ? normalise(first) : std::string();
    }

    void facet(const std::string &field, const std::string &value, const std::string &text)
    {
        std::string key = field + FACET_SEP + value;
        auto cached = index->facet_labels.find(key);
        std::string label;
        if (cached != index->facet_labels.end()) {
            label = cached->second;
        } else {
            std::string meta = "vt:l:" + key;
            if (meta.size() <= METADATA_KEY_MAX)
                label = index->wdb->get_metadata(meta);
            if (label.empty()) {
                label = display_form(text);
                if (label.empty())
                    label = value;
                if (meta.size() <= METADATA_KEY_MAX)
                    index->wdb->set_metadata(meta, label);
            }
            index->facet_labels.emplace(key, label);
        }
        facets.emplace(field, value + LABEL_SEP + label);
    }

    /* Word pairs: a boolean term "XP" WORD " " NEXT for every two plain
     * words at adjacent positions (so within one value), which answers a
     * two-word phrase from one posting list instead of checking the
     * positions of every document with both words (Evaluator::phrase).
     * Boolean (wdf 0): document lengths, and so weights, stay as they are. */
    void pairs()
    {
        std::map<Xapian::termpos, std::string> at;
        for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
            std::string term = *t;
            if (!is_plain_term(term))
                continue;
            for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
                at[*p] = term;
        }
        for (auto it = at.begin(); it != at.end(); ++it) {
            auto next = std::next(it);
            if (next == at.end())
                break;
            if (next->first == it->first + 1)
                add_pair(it->second, next->second);
        }
    }

    void add_pair(const std::string &word, const std::string &next)
    {
        std::string term = pair_term(word, next);
        if (term.size() <= TERM_MAX)
            doc.add_boolean_term(term);
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
    b.facet("department", lower(department), department);
    if (intervention && *intervention) {
        b.boolean("XI" + std::string(intervention));
        b.text("", intervention, -1);
    }
    if (type && *type) {
        b.boolean("XT" + normalise(type));
        b.facet("type", normalise(type), type);
    }
    if (year && json_is_integer(year)) {
        std::string y = std::to_string((long long)json_integer_value(year));
        b.boolean("XY" + y);
        b.doc.add_value(SLOT_YEAR, Xapian::sortable_serialise((double)json_integer_value(year)));
        b.facet("year", y, y);
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
            if (facet_fields.count(name)) {
                std::string group = b.synonym_group(text);
                if (!group.empty() && group.size() <= VT_INDEX_VALUE_MAX && group != norm)
                    b.boolean(value_prefix(name) + group);
                b.facet(name, group.empty() ? norm : group, text);
            }
        }
    }

    /* Values that are filters and facets only (the types of an asset's
     * annotations): no words, nothing in the hit's text. */
    json_t *facet_values = json_object_get(doc, "facet_values");
    if (facet_values && !json_is_null(facet_values) && !json_is_object(facet_values))
        fail(VT_ERR_INVALID, "%s: \"facet_values\" is not an object", w);
    json_object_foreach(facet_values, name, values) {
        if (!valid_field_name(name) || boolean_field(name))
            fail(VT_ERR_INVALID, "%s: facet value field \"%s\" is not [a-z][a-z0-9_]{0,31} or is"
                 " reserved", w, name);
        if (!json_is_array(values))
            fail(VT_ERR_INVALID, "%s: \"facet_values\".%s is not an array", w, name);
        for (size_t k = 0; k < json_array_size(values); k++) {
            const char *text = json_string_value(json_array_get(values, k));
            if (!text)
                fail(VT_ERR_INVALID, "%s: a facet value of \"%s\" is not a string", w, name);
            if (++b.n_values > VT_INDEX_VALUES_MAX)
                fail(VT_ERR_LIMIT, "%s: more than %d values", w, VT_INDEX_VALUES_MAX);
            std::string norm = normalise(text);
            if (norm.empty() || norm.size() > VT_INDEX_VALUE_MAX)
                continue;
            b.boolean(value_prefix(name) + norm);
            if (facet_fields.count(name))
                b.facet(name, norm, text);
        }
    }

    /* The stored record (vt_record.h): what a hit shows. */
    g_autoptr(GString) data = g_string_sized_new(256);
    vt_record_start(data);
    vt_record_append(data, VT_RECORD_ID, id, strlen(id));
    if (label)
        vt_record_append(data, VT_RECORD_LABEL, label, strlen(label));
    for (const std::string &t : b.texts)
        vt_record_append(data, VT_RECORD_TEXT, t.data(), t.size());
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
        bool internal = json_is_true(json_object_get(v, "internal"));
        if (internal)
            b.internal_text(text, lang_index(lang));
        else
            b.text(field_prefix("annotation"), text, lang_index(lang));
        vt_record_append(data, VT_RECORD_ANNOTATION_ID, aid, strlen(aid));
        if (internal)
            vt_record_append(data, VT_RECORD_ANNOTATION_INTERNAL, "", 0);
        vt_record_append(data, VT_RECORD_ANNOTATION_TEXT, text, strlen(text));
        if (region)
            vt_record_append(data, VT_RECORD_ANNOTATION_REGION, region, strlen(region));
        if (lang)
            vt_record_append(data, VT_RECORD_ANNOTATION_LANG, lang, strlen(lang));
    }
    b.doc.set_data(std::string(data->str, data->len));

    std::string blob;
    for (const auto &f : b.facets) {
        if (!blob.empty())
            blob += PAIR_SEP;
        blob += f.first + FACET_SEP + f.second;
    }
    b.doc.add_value(SLOT_FACETS, blob);
    if (index->pairs)
        b.pairs();

    std::string idterm = "Q" + std::string(id);
    forget_spelling(index, idterm);
    index->wdb->replace_document(idterm, b.doc);
    spelling(index, b.doc, true);
    if (new_field)
        store_fields(index);
    return VT_OK;
}

/* Appends to @out the postings of the terms the facet table caches (see
 * Table), and returns the index of them that follows. Terms are picked by
 * frequency within the budget, then read in name order. The scan of every
 * term (a few hundred ms at 200,000 documents, with the postings the
 * biggest part of writing the table) skips the id terms: each is in one
 * document. */
struct CachedIndex {
    std::string names;
    std::vector<uint32_t> name_offsets{0};
    std::vector<uint32_t> termfreq;
    std::vector<uint64_t> posting_offsets{0};
};

CachedIndex cache_postings(const Xapian::Database &db, Xapian::docid last, std::string &out)
{
    uint64_t range = (uint64_t)last + 1;
    std::vector<std::pair<Xapian::doccount, std::string>> candidates;
    Xapian::TermIterator end = db.allterms_end();
    for (Xapian::TermIterator t = db.allterms_begin(); t != end;) {
        std::string term = *t;
        if (!term.empty() && term[0] == 'Q') {
            t.skip_to("R");
            continue;
        }
        if (term.compare(0, 2, "XP") == 0) {
            /* Word pairs (Builder::pairs): many, rarely frequent, and read
             * through Xapian when a phrase needs one. */
            t.skip_to("XQ");
            continue;
        }
        Xapian::doccount tf = t.get_termfreq();
        if (tf * POSTINGS_DENSITY >= range && term != "XVpublic")  /* XVpublic: the public bitmap */
            candidates.emplace_back(tf, std::move(term));
        ++t;
    }
    std::sort(candidates.begin(), candidates.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    uint64_t budget = POSTINGS_BYTES_PER_DOC * range, used = 0;
    size_t keep = 0;
    while (keep < candidates.size() && used + postings_size(last, candidates[keep].first) <= budget)
        used += postings_size(last, candidates[keep++].first);
    candidates.resize(keep);
    out.reserve(out.size() + used + 16 * keep + 64);
    std::sort(candidates.begin(), candidates.end(),
              [](const auto &a, const auto &b) { return a.second < b.second; });

    size_t w = table_words(last), start = out.size();
    CachedIndex index;
    for (const auto &c : candidates) {
        size_t at = out.size();
        out.append(postings_size(last, c.first), '\0');
        uint64_t *bits = (uint64_t *)(out.data() + at);
        uint8_t *wdf = (uint8_t *)(out.data() + at + 8 * w);
        uint32_t n = 0;
        bool fits = true;
        Xapian::PostingIterator pend = db.postlist_end(c.second);
        for (Xapian::PostingIterator p = db.postlist_begin(c.second); p != pend && fits; ++p) {
            Xapian::docid d = *p;
            Xapian::termcount f = p.get_wdf();
            fits = d <= last && n < c.first && f <= 255;
            if (fits) {
                bits[d >> 6] |= 1ull << (d & 63);
                wdf[n++] = (uint8_t)f;
            }
        }
        if (!fits || n != c.first || index.names.size() + c.second.size() >= UINT32_MAX) {
            out.resize(at);  /* a wdf over 255: this term stays with Xapian */
            continue;
        }
        index.names += c.second;
        index.name_offsets.push_back((uint32_t)index.names.size());
        index.termfreq.push_back(n);
        index.posting_offsets.push_back(out.size() - start);
    }
    return index;
}

/* Writes the facet table of the last commit (see Table). Failures are
 * VT_ERR_IO with the path; the commit itself stands either way. */
vt_status table_write(vt_index *index)
{
    const Xapian::Database &db = *index->db;
    TableHeader h;
    memcpy(h.magic, TABLE_MAGIC, sizeof h.magic);
    h.revision = db.get_revision();
    Xapian::docid last = db.get_lastdocid();
    if (last >= UINT32_MAX - 2)
        fail(VT_ERR_LIMIT, "index %s: docid %u is too large for the facet table", index->dir.c_str(), last);
    h.lastdocid = last;
    size_t w = table_words(last);
    std::vector<uint64_t> exists(w, 0), pub(w, 0);
    std::vector<uint32_t> doclen((size_t)last + 1, 0), year1((size_t)last + 1, 0);
    for (Xapian::PostingIterator p = db.postlist_begin(std::string()); p != db.postlist_end(std::string()); ++p) {
        Xapian::docid d = *p;
        exists[d >> 6] |= 1ull << (d & 63);
        doclen[d] = (uint32_t)std::min<Xapian::termcount>(p.get_doclength(), UINT32_MAX);
    }
    for (Xapian::PostingIterator p = db.postlist_begin("XVpublic"); p != db.postlist_end("XVpublic"); ++p)
        pub[*p >> 6] |= 1ull << (*p & 63);
    for (Xapian::ValueIterator v = db.valuestream_begin(SLOT_YEAR); v != db.valuestream_end(SLOT_YEAR); ++v)
        year1[v.get_docid()] = (uint32_t)Xapian::sortable_unserialise(*v) + 1;
    std::vector<uint32_t> offsets((size_t)last + 2, 0), ids;
    std::unordered_map<std::string, uint32_t> by_string;
    std::vector<std::string> strings;
    Xapian::docid next = 0;
    for (Xapian::ValueIterator v = db.valuestream_begin(SLOT_FACETS); v != db.valuestream_end(SLOT_FACETS); ++v) {
        Xapian::docid d = v.get_docid();
        while (next <= d)
            offsets[next++] = (uint32_t)ids.size();
        const std::string blob = *v;
        size_t pos = 0;
        while (pos < blob.size()) {
            size_t end = blob.find(PAIR_SEP, pos);
            if (end == std::string::npos)
                end = blob.size();
            auto it = by_string.emplace(blob.substr(pos, end - pos), (uint32_t)strings.size());
            if (it.second)
                strings.push_back(it.first->first);
            ids.push_back(it.first->second);
            pos = end + 1;
        }
    }
    while (next <= last + 1)
        offsets[next++] = (uint32_t)ids.size();
    std::vector<uint32_t> string_offsets{0};
    std::string all;
    for (const std::string &str : strings) {
        all += str;
        string_offsets.push_back((uint32_t)all.size());
    }
    if (ids.size() >= UINT32_MAX || all.size() >= UINT32_MAX)
        fail(VT_ERR_LIMIT, "index %s: too many facet values for the facet table", index->dir.c_str());
    h.n_ids = (uint32_t)ids.size();
    h.n_strings = (uint32_t)strings.size();
    h.strings_bytes = (uint32_t)all.size();

    std::string out;
    auto put_bytes = [&out](const void *p, size_t n) { out.append((const char *)p, n); };
    auto put_pad8 = [&out]() { out.append(pad8(out.size()) - out.size(), '\0'); };
    put_bytes(&h, sizeof h);  /* the cached terms' counts are set below */
    put_bytes(exists.data(), exists.size() * 8);
    put_bytes(pub.data(), pub.size() * 8);
    put_bytes(doclen.data(), doclen.size() * 4);
    put_bytes(year1.data(), year1.size() * 4);
    put_bytes(offsets.data(), offsets.size() * 4);
    put_bytes(ids.data(), ids.size() * 4);
    put_bytes(string_offsets.data(), string_offsets.size() * 4);
    out += all;
    put_pad8();
    size_t postings_start = out.size();
    CachedIndex cached = cache_postings(db, last, out);
    h.n_terms = (uint32_t)cached.termfreq.size();
    h.names_bytes = (uint32_t)cached.names.size();
    h.postings_bytes = out.size() - postings_start;
    memcpy(&out[0], &h, sizeof h);
    put_bytes(cached.name_offsets.data(), cached.name_offsets.size() * 4);
    out += cached.names;
    put_pad8();
    put_bytes(cached.termfreq.data(), cached.termfreq.size() * 4);
    put_pad8();
    put_bytes(cached.posting_offsets.data(), cached.posting_offsets.size() * 8);
    if (out.size() != table_size(h))
        fail(VT_ERR_INTERNAL, "index %s: the facet table has %zu bytes, not %zu", index->dir.c_str(),
             out.size(), table_size(h));
    std::string path = index->dir + "/" + TABLE_FILE;
    GError *error = nullptr;
    /* CONSISTENT: a temporary file renamed over the old one, so a reader
     * maps either table whole. No fsync: after a crash the table may be
     * missing or stale, and readers then take the slow path. */
    if (!g_file_set_contents_full(path.c_str(), out.data(), (gssize)out.size(),
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error)) {
        vt_status st = vt_error_set(VT_ERR_IO, "index %s: the facet table %s was not written: %s",
                                    index->dir.c_str(), path.c_str(), error->message);
        g_error_free(error);
        return st;
    }
    return VT_OK;
}

/* --- queries --- */

/* Rewrites each word outside a phrase into OP_SYNONYM of the word, its
 * stems and its synonyms (see the header). */
struct Rewriter {
    vt_index *index;
    const Xapian::Database &db;
    int lang;                              /* -1: all four */
    bool internal = false;                 /* an internal search: INTERNAL_PREFIX forms too */
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
        /* Internal annotations of public assets (Builder::internal_text)
         * answer plain words and annotation: words of internal searches. */
        bool with_internal = internal && (prefix.empty() || prefix == field_prefix("annotation"));
        if (with_internal) {
            terms.insert(INTERNAL_PREFIX + word);
            stems_of(INTERNAL_PREFIX, word, false, terms);
        }
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
            if (with_internal) {
                terms.insert(INTERNAL_PREFIX + s);
                stems_of(INTERNAL_PREFIX, s, true, terms);
            }
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

/* A stemmer that remembers its answers, for the snippets of one search:
 * they stem every word of every hit's text once per language tried (five
 * passes for a text without a match, as for an intervention number or an
 * annotation that does not mention the query), and the hits share most of
 * their words. Stemming was half the time of such a search. */
class MemoStem : public Xapian::StemImplementation {
    Xapian::Stem stem;
    std::unordered_map<std::string, std::string> memo;
    static const size_t MEMO_MAX = 65536;

  public:
    explicit MemoStem(const Xapian::Stem &s) : stem(s) {}
    std::string operator()(const std::string &word) override
    {
        auto it = memo.find(word);
        if (it != memo.end())
            return it->second;
        std::string stemmed = stem(word);
        if (memo.size() < MEMO_MAX)
            memo.emplace(word, stemmed);
        return stemmed;
    }
    std::string get_description() const override { return stem.get_description(); }
};

/* @s lower-cased for may_match(), terms and texts alike: ASCII by table,
 * other characters by g_unichar_tolower, and "ß" as "ss" (the German
 * stemmer's spelling). Much cheaper than g_utf8_casefold(), which showed in
 * profiles at 20 texts a search. */
std::string fold_for_probe(const std::string &s)
{
    std::string out;
    out.reserve(s.size());
    const char *p = s.c_str(), *end = p + s.size();
    while (p < end) {
        unsigned char b = (unsigned char)*p;
        if (b < 0x80) {
            out += (char)g_ascii_tolower((char)b);
            p++;
            continue;
        }
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            out += (char)b;   /* not UTF-8: kept as it is */
            p++;
            continue;
        }
        if (c == 0xdf) {
            out += "ss";
        } else {
            char buf[6];
            out.append(buf, (size_t)g_unichar_to_utf8(g_unichar_tolower(c), buf));
        }
        p = g_utf8_next_char(p);
    }
    return out;
}

/* Can @text hold a match of a term whose first characters are @probes
 * (case-folded)? A matching word contains the start of its term: stems
 * change endings (and Dutch drops a "ge" prefix), not the start of what is
 * left. */
bool may_match(const std::vector<std::string> &probes, const std::string &text)
{
    std::string folded = fold_for_probe(text);
    for (const std::string &probe : probes)
        if (folded.find(probe) != std::string::npos)
            return true;
    return false;
}

/* An empty database, for MSets made only to mark words (search()). */
const Xapian::Database &empty_database()
{
    static const Xapian::WritableDatabase empty(std::string(), Xapian::DB_BACKEND_INMEMORY);
    return empty;
}

/* The stored record of a hit (vt_record.h), read in place: the views point
 * into the record, or for a record written before that format (compact
 * JSON {"id", "label", "text": [...], "annotations": [{"id", "text",
 * "region", "lang"}]}) into its parsed JSON, which the object keeps. A
 * malformed record reads as far as it is whole (an empty hit at worst),
 * as the JSON one did. */
struct Stored {
    struct Annotation {
        std::string_view id, text, region;
        bool has_region = false;
        bool internal = false;   /* for internal searches only */
    };
    std::string_view id, label;
    std::vector<std::string_view> texts;
    std::vector<Annotation> annotations;

    explicit Stored(const std::string &data)
    {
        if (vt_record_is_binary(data.data(), data.size()))
            read_record(data);
        else
            read_json(data);
    }
    ~Stored() { json_decref(json); }
    Stored(const Stored &) = delete;
    Stored &operator=(const Stored &) = delete;

private:
    json_t *json = nullptr;

    void read_record(const std::string &data)
    {
        vt_record_reader r;
        vt_record_reader_init(&r, data.data(), data.size());
        const char *value;
        size_t len;
        for (;;) {
            vt_record_kind kind = vt_record_next(&r, &value, &len);
            if (kind == VT_RECORD_END || kind == VT_RECORD_BAD)
                break;
            std::string_view v(value, len);
            switch (kind) {
            case VT_RECORD_ID: id = v; break;
            case VT_RECORD_LABEL: label = v; break;
            case VT_RECORD_TEXT: texts.push_back(v); break;
            case VT_RECORD_ANNOTATION_ID: annotations.push_back(Annotation{v, {}, {}, false, false}); break;
            case VT_RECORD_ANNOTATION_INTERNAL:
                if (!annotations.empty())
                    annotations.back().internal = true;
                break;
            case VT_RECORD_ANNOTATION_TEXT:
                if (!annotations.empty())
                    annotations.back().text = v;
                break;
            case VT_RECORD_ANNOTATION_REGION:
                if (!annotations.empty()) {
                    annotations.back().region = v;
                    annotations.back().has_region = true;
                }
                break;
            default: break;   /* a kind of a later writer */
            }
        }
    }

    static std::string_view member(const json_t *object, const char *key)
    {
        const json_t *v = json_object_get(object, key);
        return json_is_string(v) ? std::string_view(json_string_value(v), json_string_length(v))
                                 : std::string_view();
    }

    void read_json(const std::string &data)
    {
        json = json_loadb(data.data(), data.size(), 0, nullptr);
        if (!json_is_object(json))
            return;
        id = member(json, "id");
        label = member(json, "label");
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(json, "text"), k, t) {
            if (json_is_string(t))
                texts.emplace_back(json_string_value(t), json_string_length(t));
        }
        json_array_foreach(json_object_get(json, "annotations"), k, t) {
            const json_t *region = json_object_get(t, "region");
            annotations.push_back(Annotation{member(t, "id"), member(t, "text"), member(t, "region"),
                                             json_is_string(region),
                                             json_is_true(json_object_get(t, "internal"))});
        }
    }
};

/* The start of @text, HTML-escaped, cut at a blank within SNIPPET_LENGTH
 * bytes, with "…" when cut: the snippet of a hit none of whose words
 * matched (found by a boolean term, as an intervention number). Xapian's
 * snippet without a match showed some window of the text, not its start,
 * after marking every word of it once more. */
std::string head_snippet(const std::string &text)
{
    size_t end = text.size();
    if (end > SNIPPET_LENGTH) {
        end = SNIPPET_LENGTH;
        while (end > 0 && ((unsigned char)text[end] & 0xc0) == 0x80)
            end--;  /* not inside a character */
        size_t blank = text.rfind(' ', end);
        if (blank != std::string::npos && blank >= SNIPPET_LENGTH / 2)
            end = blank;
    }
    std::string out;
    out.reserve(end + 16);
    for (size_t i = 0; i < end; i++) {
        switch (text[i]) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += text[i];
        }
    }
    if (end < text.size())
        out += "…";
    return out;
}

/* The snippet of @text: with the words of @mset's query marked, tried with
 * each of @stems (the first: no stemming) until one marks something; else,
 * unless @need_match, the start of the text. When the first finds nothing
 * and no term can be in the text (may_match with @probes: a hit found by a
 * boolean term alone, as an intervention number), the other stems are not
 * tried: one try costs about 0.6 M instructions for five hits. */
std::string snippet(const Xapian::MSet &mset, const std::vector<Xapian::Stem> &stems,
                    const std::string &text, bool need_match, const std::vector<std::string> &probes)
{
    /* No SNIPPET_BACKGROUND_MODEL: it looks up the term frequency of every
     * word of the text in the index, which made snippets cost more than
     * the whole match of a typical query (60 us a hit). */
    const unsigned flags = Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH;
    for (size_t i = 0; i < stems.size(); i++) {
        const Xapian::Stem &stem = stems[i];
        if (i == 1 && !may_match(probes, text))
            break;
        std::string s = mset.snippet(text, SNIPPET_LENGTH, stem, flags, "<mark>", "</mark>", "…");
        if (!s.empty())
            return s;
    }
    if (need_match)
        return std::string();
    return head_snippet(text);
}

/* --- the fast path: the whole match as bitmaps, from the postings ---
 *
 * Exact totals and facet counts need every match, and ranking an OP_SYNONYM
 * (every word of a query becomes one) lets Xapian's matcher skip nothing:
 * it computes a weight per posting through several layers of virtual calls,
 * about 10 times slower than reading the postings. So when the facet table
 * of the reader's revision is there, the match is evaluated here: each
 * term's postings are read once into a bitmap (and, where a weight is
 * wanted, wdf into an array), from the table for the frequent terms and
 * from Xapian for the others, the operators are applied to bitmaps,
 * documents are weighted with BM25 as Xapian's default BM25Weight does
 * (k1 = 1, b = 0.5, min_normlen = 0.5; an OP_SYNONYM is one term whose wdf
 * is the sum, its term frequency the size of the union), and the facet
 * values of every match are counted from the table. Rank ties go to the
 * lower docid, as with Xapian. A subquery the bitmaps cannot evaluate (a
 * phrase, NEAR, a wildcard, a value range) is matched by Xapian's matcher
 * on its own, which gives its documents and weights (matcher() below); a
 * search without a usable table takes Xapian's matcher for everything.
 * The percent of a hit is its weight relative to the best match's.
 */
struct Unsupported {};

typedef std::vector<uint64_t> Bitmap;

struct Evaluator {
    const Xapian::Database &db;
    const Table &t;
    size_t n_words;
    double n_docs, avlength;
    /* The weight of every document, summed over the weighted terms that
     * match it, wherever they are in the query (so a word in a branch that
     * does not match, as in (a AND b) OR c, still counts; Xapian would not
     * count it: a small difference in ranking, none in the match). Indexed
     * by docid. */
    float *weight = nullptr;
    /* Scratch wdf sums of one OP_SYNONYM, zero between uses; 16 bits,
     * saturated (a sum past 65,535 weighs as 65,535: BM25's wdf factor is
     * then within 0.002% of 1 either way). */
    uint16_t *wdf = nullptr;
    /* Both arrays, zeroed, in one calloc'ed block (the search CGI's heap
     * is in huge pages: vt_arena.h). Weighing a term touches
     * the pages of its documents, one page fault each on first touch in
     * 4 KB pages (3.5 to 11 us on the virtual machines measured), while
     * populating a page in advance costs about a third of that. So when
     * the weighted postings of a term or synonym are many enough to touch
     * more than about a third of the pages (at least one posting per 2048
     * docids: weight[] has 1024 per page), the array is populated in one
     * call first. Small queries touch a few pages and leave the rest
     * alone. */
    void *scratch = nullptr;
    size_t weight_bytes = 0, scratch_size = 0;
    mutable bool weight_populated = false, wdf_populated = false;

    /* Populates the whole pages of [@start, @start + @len). */
    static void populate_range(void *start, size_t len)
    {
#ifdef MADV_POPULATE_WRITE
        /* Best effort: before Linux 5.14 the pages fault in one by one. */
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t a = ((uintptr_t)start + page - 1) & ~(page - 1);
        uintptr_t b = ((uintptr_t)start + len) & ~(page - 1);
        if (a < b)
            (void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
        (void)start;
        (void)len;
#endif
    }

    void populate(bool sums, uint64_t postings) const
    {
        if (postings * 2048 < (uint64_t)t.lastdocid + 1)
            return;
        if (!weight_populated)
            populate_range(scratch, weight_bytes);
        if (sums && !wdf_populated)
            populate_range((char *)scratch + weight_bytes, scratch_size - weight_bytes);
        weight_populated = true;
        wdf_populated |= sums;
    }

    /* The bits of the last bitmap word that are docids (<= lastdocid). */
    uint64_t last_mask = 0;

    /* While the query of an OP_FILTER is weighed: the documents its
     * filters leave (nullptr: all). Weights outside it are never used, so
     * they are not computed: "varnish" with two facet filters weighed
     * 12,000 documents for 184 matches. Set only when it leaves fewer
     * than half the documents (a test per posting costs more than it
     * saves otherwise, as for the public filter alone). */
    mutable const uint64_t *mask = nullptr;

    bool masked_out(size_t d) const { return mask && !((mask[d >> 6] >> (d & 63)) & 1); }

    /* Sets mask for a scope, and puts the outer one back however it ends. */
    struct MaskScope {
        const Evaluator &ev;
        const uint64_t *outer;
        MaskScope(const Evaluator &e, const uint64_t *inner) : ev(e), outer(e.mask) { ev.mask = inner; }
        ~MaskScope() { ev.mask = outer; }
        MaskScope(const MaskScope &) = delete;
        MaskScope &operator=(const MaskScope &) = delete;
    };

    Evaluator(const Xapian::Database &d, const Table &table)
        : db(d), t(table), n_words(table_words(table.lastdocid)), n_docs((double)d.get_doccount()),
          avlength(d.get_avlength())
    {
        if (avlength <= 0)
            avlength = 1;
        size_t n = (size_t)t.lastdocid + 1;
        weight_bytes = (n * sizeof(float) + 63) / 64 * 64;
        scratch_size = weight_bytes + n * sizeof(uint16_t);
        /* calloc() leaves memory fresh from the kernel alone (it is zero)
         * and clears only reused memory. */
        scratch = calloc(1, scratch_size);
        if (!scratch)
            throw std::bad_alloc();
        weight = (float *)scratch;
        wdf = (uint16_t *)((char *)scratch + weight_bytes);
        last_mask = ~0ull >> (63 - (t.lastdocid & 63));
    }
    ~Evaluator() { free(scratch); }
    Evaluator(const Evaluator &) = delete;
    Evaluator &operator=(const Evaluator &) = delete;

    Bitmap empty() const { return Bitmap(n_words, 0); }

    /* BM25's term weight factor, (k1 + 1) * idf with k1 = 1. */
    double idf(double termfreq) const
    {
        double r = (n_docs - termfreq + 0.5) / (termfreq + 0.5);
        if (r < 2)
            r = r * 0.5 + 1;  /* as Xapian's BM25Weight: never negative */
        return 2.0 * std::log(r);
    }

    float bm25(double factor, uint32_t f, size_t d) const
    {
        double norm = std::max((double)t.doclen[d] / avlength, 0.5);
        double k = 0.5 + 0.5 * norm;  /* k1 * ((1 - b) + b * norm), b = 0.5 */
        return (float)(factor * f / (k + f));
    }

    /* The union of the postings of @names: one term, or the members of an
     * OP_SYNONYM (one term whose wdf is the sum), adding its weights to
     * weight[] if @weighted. */
    Bitmap terms(const std::vector<std::string> &names, bool weighted) const
    {
        Bitmap b = empty();
        if (names.size() == 1 && names[0] == "XVpublic") {
            /* The audience filter of every public search: from the table,
             * not from 90% of the collection's postings. It has no weight
             * (a boolean term: wdf 0). */
            memcpy(b.data(), t.pub, n_words * 8);
            return b;
        }
        bool single = names.size() == 1;
        Shared *shared = nullptr;
        if (!single) {
            auto it = repeated.find(names);
            if (it != repeated.end())
                shared = &it->second;
        }
        if (shared && shared->done && (shared->weighted || !weighted) &&
            (!weighted || shared->mask == mask)) {
            /* The same group again (a word and its synonym, "vernis
             * varnish"): its documents and weights as the first time. */
            if (weighted)
                for (const auto &dw : shared->weights)
                    weight[dw.first] += dw.second;
            return shared->bits;
        }
        Table::Postings cached;
        double factor = 0;
        if (single && weighted)
            factor = idf((double)(t.find_postings(names[0], cached) ? cached.termfreq : db.get_termfreq(names[0])));
        if (weighted) {
            uint64_t postings = 0;
            for (const std::string &name : names)
                postings += t.find_postings(name, cached) ? cached.termfreq : db.get_termfreq(name);
            populate(!single, postings);
        }
        for (const std::string &name : names) {
            if (!t.find_postings(name, cached)) {
                if (single)
                    xapian_postings<true>(name, weighted, factor, b);
                else
                    xapian_postings<false>(name, weighted, factor, b);
            } else if (!weighted) {
                for (size_t i = 0; i < n_words; i++)
                    b[i] |= cached.bits[i];
            } else if (single) {
                cached_postings<true>(cached, factor, b);
            } else {
                cached_postings<false>(cached, factor, b);
            }
        }
        if (single)
            return b;
        if (weighted) {
            /* The synonym's weights, from the summed wdf. */
            float *w = weight;
            uint16_t *sum = wdf;
            b[n_words - 1] &= last_mask;  /* stray bits: only from a damaged table */
            size_t n = 0;
            for (uint64_t x : b)
                n += (size_t)__builtin_popcountll(x);
            factor = idf((double)n);
            auto weigh = [&](auto record) {
                for (size_t i = 0; i < n_words; i++) {
                    for (uint64_t x = mask ? b[i] & mask[i] : b[i]; x; x &= x - 1) {
                        size_t d = i * 64 + (size_t)__builtin_ctzll(x);
                        if (sum[d]) {
                            float dw = bm25(factor, sum[d], d);
                            w[d] += dw;
                            if constexpr (decltype(record)::value)
                                shared->weights.emplace_back((uint32_t)d, dw);
                        }
                        sum[d] = 0;
                    }
                }
            };
            if (shared)
                weigh(std::true_type());
            else
                weigh(std::false_type());
        }
        if (shared) {
            shared->bits = b;
            shared->weighted = weighted;
            shared->mask = mask;
            shared->done = true;
        }
        return b;
    }

    /* The synonym groups that occur more than once in the query, so that
     * their postings are read once: with their documents and, once
     * weighed, the weight they gave each one. Only these are kept (a
     * group's weights are as many as its documents). */
    struct Shared {
        bool done = false, weighted = false;
        const uint64_t *mask = nullptr;  /* Evaluator::mask when weighed */
        Bitmap bits;
        std::vector<std::pair<uint32_t, float>> weights;
    };
    mutable std::map<std::vector<std::string>, Shared> repeated;

    /* Finds the repeated synonym groups of @q (before eval()). */
    void plan(const Xapian::Query &q)
    {
        std::map<std::vector<std::string>, int> seen;
        std::vector<Xapian::Query> todo{q};
        while (!todo.empty()) {
            Xapian::Query sub = todo.back();
            todo.pop_back();
            if (sub.get_type() == Xapian::Query::OP_SYNONYM) {
                std::vector<std::string> names;
                for (size_t i = 0; i < sub.get_num_subqueries(); i++)
                    if (sub.get_subquery(i).get_type() == Xapian::Query::LEAF_TERM)
                        names.push_back(*sub.get_subquery(i).get_terms_begin());
                if (names.size() == sub.get_num_subqueries() && names.size() > 1 && ++seen[names] == 2)
                    repeated.emplace(names, Shared());
                continue;
            }
            for (size_t i = 0; i < sub.get_num_subqueries(); i++)
                todo.push_back(sub.get_subquery(i));
        }
    }

    /* One term's postings into @b and, if @weighted, its weights into
     * weight[] (@Single: the term is all there is, weighed with @factor)
     * or its wdf into the synonym's sums. */
    template <bool Single>
    void add_wdf(size_t d, uint32_t f, double factor) const
    {
        if (masked_out(d))
            return;
        if (Single) {
            if (f)
                weight[d] += bm25(factor, f, d);
        } else {
            uint32_t sum = (uint32_t)wdf[d] + f;
            wdf[d] = (uint16_t)(sum < UINT16_MAX ? sum : UINT16_MAX);
        }
    }

    template <bool Single>
    void xapian_postings(const std::string &name, bool weighted, double factor, Bitmap &b) const
    {
        Xapian::PostingIterator end = db.postlist_end(name);
        for (Xapian::PostingIterator p = db.postlist_begin(name); p != end; ++p) {
            Xapian::docid d = *p;
            if (d > t.lastdocid)
                continue;  /* cannot happen with the table of this revision */
            b[d >> 6] |= 1ull << (d & 63);
            if (weighted)
                add_wdf<Single>(d, p.get_wdf(), factor);
        }
    }

    /* From the table: the wdf of the n-th document of the bitmap is
     * wdf[n]. Bits past the last docid or past termfreq can only come from
     * a damaged table; they are left out, which keeps it inside the
     * arrays (the answer is then only wrong). */
    template <bool Single>
    void cached_postings(const Table::Postings &p, double factor, Bitmap &b) const
    {
        uint32_t n = 0;
        for (size_t i = 0; i < n_words; i++) {
            uint64_t x = p.bits[i];
            if (i == n_words - 1)
                x &= last_mask;
            b[i] |= x;
            for (; x && n < p.termfreq; x &= x - 1)
                add_wdf<Single>(i * 64 + (size_t)__builtin_ctzll(x), p.wdf[n++], factor);
        }
    }

    Bitmap eval(const Xapian::Query &q, bool weighted, int depth) const
    {
        if (depth > 2 * VT_INDEX_QUERY_DEPTH + 16)
            throw Unsupported();
        size_t n = q.get_num_subqueries();
        Xapian::Query::op op = q.get_type();
        switch (op) {
        case Xapian::Query::LEAF_TERM:
            return terms({*q.get_terms_begin()}, weighted);
        case Xapian::Query::LEAF_MATCH_ALL: {
            Bitmap b = empty();
            memcpy(b.data(), t.exists, n_words * 8);
            return b;
        }
        case Xapian::Query::LEAF_MATCH_NOTHING:
            return empty();
        case Xapian::Query::OP_SYNONYM: {
            std::vector<std::string> names;
            for (size_t i = 0; i < n; i++) {
                Xapian::Query sub = q.get_subquery(i);
                if (sub.get_type() != Xapian::Query::LEAF_TERM)
                    return matcher(q, weighted);
                names.push_back(*sub.get_terms_begin());
            }
            return terms(names, weighted);
        }
        case Xapian::Query::OP_PHRASE:
            if (Bitmap b; phrase(q, weighted, b))
                return b;
            return matcher(q, weighted);
        case Xapian::Query::OP_SCALE_WEIGHT:
            /* Xapian 1.4 has no accessor for the factor; the query parser
             * makes only "0 * boolean-term" (a pure boolean filter). */
            if (q.get_description().compare(0, 10, "Query(0 * ") != 0)
                return matcher(q, weighted);
            return eval(q.get_subquery(0), false, depth + 1);
        case Xapian::Query::OP_OR:
        case Xapian::Query::OP_XOR: {
            Bitmap acc = empty();
            for (size_t i = 0; i < n; i++) {
                Bitmap b = eval(q.get_subquery(i), weighted, depth + 1);
                for (size_t k = 0; k < n_words; k++)
                    acc[k] = op == Xapian::Query::OP_XOR ? acc[k] ^ b[k] : acc[k] | b[k];
            }
            return acc;
        }
        case Xapian::Query::OP_FILTER:
            if (weighted)
                return filter(q, depth);
            [[fallthrough]];
        case Xapian::Query::OP_AND:
        case Xapian::Query::OP_AND_NOT:
        case Xapian::Query::OP_AND_MAYBE: {
            Bitmap acc = eval(q.get_subquery(0), weighted, depth + 1);
            for (size_t i = 1; i < n; i++) {
                bool sub_weighted = weighted && (op == Xapian::Query::OP_AND || op == Xapian::Query::OP_AND_MAYBE);
                Bitmap b = eval(q.get_subquery(i), sub_weighted, depth + 1);
                for (size_t k = 0; k < n_words; k++) {
                    if (op == Xapian::Query::OP_AND || op == Xapian::Query::OP_FILTER)
                        acc[k] &= b[k];
                    else if (op == Xapian::Query::OP_AND_NOT)
                        acc[k] &= ~b[k];
                }
            }
            return acc;
        }
        default:
            /* Phrases, NEAR, wildcards, value ranges. */
            return matcher(q, weighted);
        }
    }

    /* A phrase of two plain words, from their word-pair term, when every
     * document of the index has pairs (Builder::pairs); false otherwise
     * (the matcher then checks positions). Weighed as Xapian weighs a
     * phrase, the sum of its words' weights, where the pair is. */
    bool phrase(const Xapian::Query &q, bool weighted, Bitmap &ret) const
    {
        if (q.get_num_subqueries() != 2)
            return false;
        std::string words[2];
        for (size_t i = 0; i < 2; i++) {
            Xapian::Query sub = q.get_subquery(i);
            if (sub.get_type() != Xapian::Query::LEAF_TERM)
                return false;
            words[i] = *sub.get_terms_begin();
            if (!is_plain_term(words[i]))
                return false;
        }
        std::string term = pair_term(words[0], words[1]);
        if (term.size() > TERM_MAX)
            return false;
        if (has_pairs < 0)
            has_pairs = db.get_metadata(PAIRS_KEY) == "1";
        if (!has_pairs)
            return false;
        ret = terms({term}, false);
        if (weighted) {
            Bitmap where = ret;
            if (mask)
                for (size_t k = 0; k < n_words; k++)
                    where[k] &= mask[k];
            MaskScope scope(*this, where.data());
            (void)terms({words[0]}, true);
            (void)terms({words[1]}, true);
        }
        return true;
    }
    mutable int has_pairs = -1;   /* PAIRS_KEY, read at the first phrase */

    /* A weighed OP_FILTER: its filters first (they carry no weight), then
     * its query weighed only where the filters leave documents (mask). */
    Bitmap filter(const Xapian::Query &q, int depth) const
    {
        size_t n = q.get_num_subqueries();
        Bitmap keep = eval(q.get_subquery(1), false, depth + 1);
        for (size_t i = 2; i < n; i++) {
            Bitmap b = eval(q.get_subquery(i), false, depth + 1);
            for (size_t k = 0; k < n_words; k++)
                keep[k] &= b[k];
        }
        size_t kept = 0;
        for (size_t k = 0; k < n_words; k++) {
            if (mask)
                keep[k] &= mask[k];
            kept += (size_t)__builtin_popcountll(keep[k]);
        }
        Bitmap acc;
        {
            MaskScope scope(*this, kept * 2 < (size_t)t.lastdocid + 1 ? keep.data() : mask);
            acc = eval(q.get_subquery(0), true, depth + 1);
        }
        for (size_t k = 0; k < n_words; k++)
            acc[k] &= keep[k];
        return acc;
    }

    /* The documents of a subquery the bitmaps cannot evaluate, from
     * Xapian's matcher, with Xapian's own weights if @weighted (a phrase
     * weighs as the sum of its words). Its postings and positions are
     * read with the matcher's cursors: looking positions up per document
     * (Database::positionlist_begin) costs about 3 us each, five times
     * the matcher's time for a phrase of two frequent words. */
    Bitmap matcher(const Xapian::Query &q, bool weighted) const
    {
        Bitmap b = empty();
        MatchBits spy(b, weighted ? weight : nullptr, t.lastdocid);
        Xapian::Enquire enquire(db);  /* after the spy: it holds a pointer to it */
        enquire.set_query(q);
        if (!weighted)
            enquire.set_weighting_scheme(Xapian::BoolWeight());
        enquire.add_matchspy(&spy);
        enquire.get_mset(0, 0, db.get_doccount());  /* check_at_least: every match */
        return b;
    }

    /* Sets the bit of every match and adds its weight. */
    class MatchBits : public Xapian::MatchSpy {
        Bitmap &bits;
        float *weights;
        Xapian::docid last;

      public:
        MatchBits(Bitmap &b, float *w, Xapian::docid l) : bits(b), weights(w), last(l) {}
        void operator()(const Xapian::Document &doc, double wt) override
        {
            Xapian::docid d = doc.get_docid();
            if (d > last)
                return;  /* cannot happen with the table of this revision */
            bits[d >> 6] |= 1ull << (d & 63);
            if (weights)
                weights[d] += (float)wt;
        }
    };
};

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

enum class Sort { RELEVANCE, YEAR, YEAR_DESC };

/* The fast path (see above); throws Unsupported for a query nested deeper
 * than the parser's limits allow (Xapian's matcher then takes it). */
void fast_search(const Xapian::Database &db, const Table &t, const Xapian::Query &query,
                 const std::set<std::string> &wanted, Sort sort, Xapian::doccount first,
                 Xapian::doccount size, Found &found)
{
    Evaluator ev(db, t);
    ev.plan(query);
    Bitmap m = ev.eval(query, true, 0);  /* weights rank every sort */
    for (size_t k = 0; k < ev.n_words; k++)
        m[k] &= t.exists[k];
    /* Bits past the last docid (only in a damaged table) are no documents. */
    m[ev.n_words - 1] &= ~0ull >> (63 - (t.lastdocid & 63));
    const float *weight = ev.weight;
    auto for_each = [&](auto &&f) {
        for (size_t i = 0; i < ev.n_words; i++)
            for (uint64_t x = m[i]; x; x &= x - 1)
                f(i * 64 + (size_t)__builtin_ctzll(x));
    };

    /* Ranks: the sort key (years: none last either way), weight, docid. */
    auto key = [&](size_t d) -> int64_t {
        uint32_t y = t.year1[d];
        if (sort == Sort::YEAR)
            return y ? (int64_t)y : INT64_MAX;
        if (sort == Sort::YEAR_DESC)
            return y ? -(int64_t)y : INT64_MAX;
        return 0;
    };
    struct Entry {
        int64_t key;
        float weight;
        uint32_t docid;
    };
    auto better = [](const Entry &a, const Entry &b) {
        if (a.key != b.key)
            return a.key < b.key;
        if (a.weight != b.weight)
            return a.weight > b.weight;
        return a.docid < b.docid;
    };
    size_t want = (size_t)first + size;
    std::vector<Entry> heap;  /* the best @want so far; the worst on top */
    heap.reserve(want + 1);
    float best = 0;
    Xapian::doccount total = 0;
    auto offer = [&](const Entry &e) {
        if (heap.size() < want) {
            heap.push_back(e);
            std::push_heap(heap.begin(), heap.end(), better);
        } else if (better(e, heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), better);
            heap.back() = e;
            std::push_heap(heap.begin(), heap.end(), better);
        }
    };
    if (sort == Sort::RELEVANCE) {
        /* Documents come in docid order, so one that only ties with the
         * worst kept loses to it: a full heap takes strictly heavier ones. */
        float worst = -1;
        for_each([&](size_t d) {
            total++;
            float wt = weight[d];
            best = std::max(best, wt);
            if (wt > worst || heap.size() < want) {
                offer(Entry{0, wt, (uint32_t)d});
                if (heap.size() == want)
                    worst = heap.front().weight;
            }
        });
    } else {
        for_each([&](size_t d) {
            total++;
            Entry e{key(d), weight[d], (uint32_t)d};
            best = std::max(best, e.weight);
            offer(e);
        });
    }
    std::sort(heap.begin(), heap.end(), better);
    found.total = total;
    found.first = first;
    for (size_t i = first; i < heap.size(); i++) {
        int percent = best > 0 ? (int)std::lround(100.0 * heap[i].weight / best) : 100;
        found.hits.emplace_back(heap[i].docid, std::max(percent, heap[i].weight > 0 ? 1 : 0));
    }
    if (!wanted.empty())
        count_from_table(t, wanted, for_each, found);
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
    rw.internal = internal;
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

    Sort order = !sort || strcmp(sort, "relevance") == 0 ? Sort::RELEVANCE
                 : strcmp(sort, "year") == 0               ? Sort::YEAR
                                                           : Sort::YEAR_DESC;
    Xapian::doccount first = (Xapian::doccount)(page - 1) * (Xapian::doccount)size;
    Found found;
    bool fast = false;
    const Table *table = nullptr;
    if (!index->writable) {
        /* A writer's searches see its uncommitted changes: the table
         * cannot describe them. */
        if (!index->table || index->table->revision != db.get_revision())
            index->table = table_load(index->dir);
        if (index->table && index->table->revision == db.get_revision())
            table = index->table.get();
    }
    if (table) {
        try {
            fast_search(db, *table, query, spy.wanted, order, first, (Xapian::doccount)size, found);
            fast = true;
        } catch (const Unsupported &) {
            found = Found();
        }
    }
    if (!fast) {
        Xapian::Enquire enquire(db);
        enquire.set_query(query);
        YearKey year_key(order == Sort::YEAR_DESC);
        if (order != Sort::RELEVANCE)
            enquire.set_sort_by_key_then_relevance(&year_key, order == Sort::YEAR_DESC);
        std::vector<Xapian::docid> matched;
        if (!spy.wanted.empty()) {
            if (table)
                spy.docids = &matched;
            spy.prepare();
            enquire.add_matchspy(&spy);
        }
        Xapian::MSet mset = enquire.get_mset(first, (Xapian::doccount)size, db.get_doccount());
        enquire.clear_matchspies();
        spy.finish();
        found.total = mset.get_matches_estimated();
        found.first = first;
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it)
            found.hits.emplace_back(*it, it.get_percent());
        if (table) {
            auto for_each = [&](auto &&f) {
                for (Xapian::docid d : matched)
                    if (d <= table->lastdocid)
                        f((size_t)d);
            };
            count_from_table(*table, spy.wanted, for_each, found);
        } else {
            found.counts = std::move(spy.counts);
        }
    }

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
    /* The first characters of each term, case-folded: see may_match(). */
    std::vector<std::string> probes;
    for (const std::string &term : hl_terms) {
        std::string folded = fold_for_probe(term[0] == 'Z' ? term.substr(1) : term);
        const char *start = folded.c_str(), *end = start;
        for (int c = 0; c < SNIPPET_PROBE_CHARS && *end; c++)
            end = g_utf8_next_char(end);
        if (end > start)
            probes.emplace_back(start, (size_t)(end - start));
    }
    /* MSet::snippet() takes the words to mark from an MSet's query. That
     * MSet comes from an empty in-memory database: statistics from the
     * index would only rank the terms against each other when choosing
     * the snippet's window (without them each counts the same, which
     * Xapian supports for terms the database lacks), and gathering them
     * read a B-tree block per term: 0.2 to 0.7 ms a request. */
    Xapian::Enquire hl_enquire(empty_database());
    hl_enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, hl_terms.begin(), hl_terms.end()));
    Xapian::MSet hl = hl_enquire.get_mset(0, 0);
    std::vector<Xapian::Stem> snippet_stems{Xapian::Stem()};
    for (size_t k = 0; k < N_LANGS; k++)
        if (lang < 0 || (size_t)lang == k)
            snippet_stems.push_back(Xapian::Stem(new MemoStem(index->stems[k])));

    JsonRef hits(json_array());
    for (size_t h = 0; h < found.hits.size(); h++) {
        /* Every hit exists in this snapshot: no lookup to check it. */
        Xapian::Document hit_doc = db.get_document(found.hits[h].first, Xapian::DOC_ASSUME_VALID);
        std::string data = hit_doc.get_data();
        Stored stored(data);
        JsonRef hit(json_object());
        jset(hit.get(), "id", jstr(stored.id));
        jset(hit.get(), "label", jstr(stored.label));
        /* Where the image belongs, for the hit's context line: its
         * department (id, from the facets value) and intervention (its
         * "XI" term). */
        {
            const std::string blob = hit_doc.get_value(SLOT_FACETS);
            const std::string want = std::string("department") + FACET_SEP;
            size_t at = blob.compare(0, want.size(), want) == 0 ? 0 : blob.find(PAIR_SEP + want);
            if (at != std::string::npos) {
                size_t start = at + (at == 0 ? 0 : 1) + want.size();
                size_t end = blob.find_first_of(std::string(1, LABEL_SEP) + PAIR_SEP, start);
                jset(hit.get(), "department", jstr(blob.substr(start, end == std::string::npos
                                                                         ? std::string::npos
                                                                         : end - start)));
            }
            Xapian::TermIterator term = hit_doc.termlist_begin();
            term.skip_to("XI");
            if (term != hit_doc.termlist_end() && (*term).compare(0, 2, "XI") == 0)
                jset(hit.get(), "intervention", jstr((*term).substr(2)));
        }
        /* The label is most often a title, which is among the texts too:
         * then it is not repeated (the snippet read "Portret · Portret ·
         * ...", and marking costs about 2,000 instructions a word). */
        bool label_in_texts =
            std::find(stored.texts.begin(), stored.texts.end(), stored.label) != stored.texts.end();
        std::string text(label_in_texts ? std::string_view() : stored.label);
        for (std::string_view t : stored.texts) {
            if (!text.empty())
                text += " · ";
            text += t;
        }
        jset(hit.get(), "snippet", jstr(snippet(hl, snippet_stems, text, false, probes)));
        JsonRef annos(json_array());
        for (size_t k = 0; k < stored.annotations.size() && k < ANNOTATIONS_SCANNED; k++) {
            const Stored::Annotation &an = stored.annotations[k];
            if (an.internal && !internal)
                continue;   /* never in a public answer */
            std::string s = snippet(hl, snippet_stems, std::string(an.text), true, probes);
            if (s.empty())
                continue;
            JsonRef a(json_object());
            jset(a.get(), "id", jstr(an.id));
            jset(a.get(), "region", an.has_region ? jstr(an.region) : json_null());
            jset(a.get(), "snippet", jstr(s));
            jappend(annos.get(), a.release());
        }
        jset(hit.get(), "annotations", annos.release());
        jset(hit.get(), "rank", json_integer((json_int_t)(found.first + h) + 1));
        jset(hit.get(), "percent", json_integer(found.hits[h].second));
        jappend(hits.get(), hit.release());
    }

    JsonRef facet_json(json_object());
    for (const std::string &name : facet_names) {
        /* Counted per VALUE \x1d LABEL (Builder::facet); a document indexed
         * before labels existed has the value alone, and is added to the
         * labelled one. */
        struct Shown {
            std::string_view value, label;  /* into found.counts' keys */
            Xapian::doccount count;
        };
        const auto &field_counts = found.counts[name];
        std::vector<Shown> counts;
        counts.reserve(field_counts.size());
        bool unlabelled = false;
        for (const auto &[pair, n] : field_counts) {
            std::string_view p(pair);
            size_t sep = p.rfind(LABEL_SEP);
            unlabelled |= sep == std::string_view::npos;
            counts.push_back(sep == std::string_view::npos ? Shown{p, p, n}
                                                           : Shown{p.substr(0, sep), p.substr(sep + 1), n});
        }
        if (unlabelled) {
            /* Merge each value's counts, keeping a label where there is one. */
            std::sort(counts.begin(), counts.end(), [](const Shown &a, const Shown &b) {
                return a.value != b.value ? a.value < b.value : a.label.size() > b.label.size();
            });
            size_t out = 0;
            for (size_t k = 0; k < counts.size(); k++) {
                if (out > 0 && counts[out - 1].value == counts[k].value) {
                    counts[out - 1].count += counts[k].count;
                    if (counts[out - 1].label == counts[out - 1].value)
                        counts[out - 1].label = counts[k].label;
                } else {
                    counts[out++] = counts[k];
                }
            }
            counts.resize(out);
        }
        std::sort(counts.begin(), counts.end(), [](const Shown &a, const Shown &b) {
            return a.count != b.count ? a.count > b.count : a.value < b.value;
        });
        JsonRef list(json_array());
        for (size_t k = 0; k < counts.size() && k < VT_INDEX_FACET_VALUES; k++) {
            JsonRef entry(json_object());
            jset(entry.get(), "value", jstr(counts[k].value));
            jset(entry.get(), "label", jstr(counts[k].label));
            jset(entry.get(), "count", json_integer((json_int_t)counts[k].count));
            jappend(list.get(), entry.release());
        }
        jset(facet_json.get(), name.c_str(), list.release());
    }

    JsonRef result(json_object());
    jset(result.get(), "total", json_integer((json_int_t)found.total));
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
