/* vt_index_query.cc: searches. search() reads the request, parses the
 * query (Xapian's QueryParser, without stemming) and rewrites every word
 * into the group of its forms (Rewriter; see vt_index.h), adds the filters
 * and the audience, matches on the fast path (vt_index_fast.cc) when the
 * facet table of the snapshot is there or with Xapian's matcher (with a
 * match spy for the facets) otherwise, and builds the answer (its hits in
 * vt_index_snippet.cc). suggest() completes words and field values.
 */
#include "vt_index_private.h"

#include <cstring>
#include <unordered_set>

namespace vt_index_impl {

namespace {

const size_t EXPANDED_TERMS_MAX = 4096;  /* terms after stems and synonyms */
const size_t SYNONYMS_PER_WORD = 64;
const size_t SUGGEST_SCAN_MAX = 20000;   /* terms looked at by vt_index_suggest */

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

/* Sorts by the value of a slot (the year, the title key), documents
 * without one last in either direction. */
class SlotKey : public Xapian::KeyMaker {
    Xapian::valueno slot;
    bool descending;

  public:
    SlotKey(Xapian::valueno s, bool desc) : slot(s), descending(desc) {}
    std::string operator()(const Xapian::Document &doc) const override
    {
        std::string v = doc.get_value(slot);
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

    /* Splits a word's @term into its field prefix ("" or "XF<FIELD>:") and
     * the word; false for a boolean term or an empty word. */
    static bool split_term(const std::string &term, std::string &prefix, std::string &word)
    {
        if (term.compare(0, 2, "XF") == 0 && term.find(':') != std::string::npos) {
            prefix = term.substr(0, term.find(':') + 1);
            word = term.substr(prefix.size());
        } else if (is_plain_term(term)) {
            prefix.clear();
            word = term;
        } else {
            return false;
        }
        return !word.empty();
    }

    /* Whether the index has phrase synonyms (PHRASE_SYNONYMS_KEY), read
     * once, at the first run of words that could be one. */
    int phrase_synonyms = -1;
    bool has_phrase_synonyms()
    {
        if (phrase_synonyms < 0)
            phrase_synonyms = db.get_metadata(PHRASE_SYNONYMS_KEY) == "1";
        return phrase_synonyms == 1;
    }

    /* The phrase of a multi-word synonym @s (its words joined by one
     * space, as set_synonyms() stores them) under @prefix. */
    Xapian::Query phrase_of(const std::string &prefix, const std::string &s)
    {
        std::vector<Xapian::Query> parts;
        for (size_t start = 0;;) {
            size_t blank = s.find(' ', start);
            parts.emplace_back(prefix + s.substr(start, blank == std::string::npos ? blank : blank - start));
            if (blank == std::string::npos)
                break;
            start = blank + 1;
        }
        expanded += parts.size();
        return Xapian::Query(Xapian::Query::OP_PHRASE, parts.begin(), parts.end(), (Xapian::termcount)parts.size());
    }

    /* Adds the forms of @synonyms under @prefix: a single word to @terms
     * with its stems in every language (its language is unknown), a
     * multi-word one to @phrases as a phrase; with @with_internal their
     * INTERNAL_PREFIX forms too. */
    void add_synonyms(const std::string &prefix, const std::set<std::string> &synonyms, bool with_internal,
                      std::set<std::string> &terms, std::vector<Xapian::Query> &phrases)
    {
        for (const std::string &s : synonyms) {
            if (s.find(' ') != std::string::npos) {
                phrases.push_back(phrase_of(prefix, s));
                if (with_internal)
                    phrases.push_back(phrase_of(INTERNAL_PREFIX, s));
                continue;
            }
            terms.insert(prefix + s);
            stems_of(prefix, s, true, terms);
            if (with_internal) {
                terms.insert(INTERNAL_PREFIX + s);
                stems_of(INTERNAL_PREFIX, s, true, terms);
            }
        }
    }

    /* OP_SYNONYM of @terms (one term alone as itself), OR-ed with @phrases. */
    Xapian::Query group_of(const std::set<std::string> &terms, std::vector<Xapian::Query> &phrases)
    {
        expanded += terms.size();
        if (expanded > EXPANDED_TERMS_MAX)
            fail(VT_ERR_LIMIT, "search: the query expands to more than %zu terms", EXPANDED_TERMS_MAX);
        Xapian::Query group = terms.size() == 1
                                  ? Xapian::Query(*terms.begin())
                                  : Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
        if (phrases.empty())
            return group;
        phrases.insert(phrases.begin(), group);
        return Xapian::Query(Xapian::Query::OP_OR, phrases.begin(), phrases.end());
    }

    Xapian::Query expand(const std::string &term)
    {
        std::string prefix, word;
        if (!split_term(term, prefix, word))
            return Xapian::Query(term);  /* a boolean term */
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
        std::vector<Xapian::Query> phrases;
        add_synonyms(prefix, synonyms, with_internal, terms, phrases);
        return group_of(terms, phrases);
    }

    /* Phrase synonyms the other way: when the words of @q from @first on
     * (terms of one field, in a row: an AND of words or a phrase) are a
     * multi-word member of a synonym group, the number of them (the
     * longest run, at most VT_INDEX_SYNONYM_PHRASE_WORDS) and in
     * @ret_alternatives the group's other members (words with their stems,
     * phrases), which the caller ORs with them; 0 otherwise. */
    size_t phrase_member(const Xapian::Query &q, size_t first, Xapian::Query &ret_alternatives)
    {
        size_t n = q.get_num_subqueries();
        std::string prefix, key;
        size_t found = 0;
        for (size_t i = first; i < n && i - first < VT_INDEX_SYNONYM_PHRASE_WORDS; i++) {
            Xapian::Query sub = q.get_subquery(i);
            std::string p, word;
            if (sub.get_type() != Xapian::Query::LEAF_TERM || !split_term(*sub.get_terms_begin(), p, word) ||
                (i > first && p != prefix))
                break;
            prefix = p;
            key += (i > first ? " " : "") + word;
            if (i > first && db.synonyms_begin(key) != db.synonyms_end(key))
                found = i - first + 1;
        }
        if (!found)
            return 0;
        key.clear();
        for (size_t i = first; i < first + found; i++)
            key += (i > first ? " " : "") + (*q.get_subquery(i).get_terms_begin()).substr(prefix.size());
        std::set<std::string> synonyms, terms;
        for (Xapian::TermIterator s = db.synonyms_begin(key);
             s != db.synonyms_end(key) && synonyms.size() < SYNONYMS_PER_WORD; ++s)
            synonyms.insert(*s);
        std::vector<Xapian::Query> phrases;
        bool with_internal = internal && (prefix.empty() || prefix == field_prefix("annotation"));
        add_synonyms(prefix, synonyms, with_internal, terms, phrases);
        if (terms.empty()) {
            ret_alternatives = Xapian::Query(Xapian::Query::OP_OR, phrases.begin(), phrases.end());
        } else {
            ret_alternatives = group_of(terms, phrases);
        }
        return found;
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
            size_t n = q.get_num_subqueries();
            /* Words in a row that are a phrase synonym (lead white): they
             * as typed, or the other members of their group. */
            bool runs = q.get_type() == Xapian::Query::OP_AND && n > 1 && has_phrase_synonyms();
            for (size_t i = 0; i < n; i++) {
                Xapian::Query alternatives;
                size_t run = runs ? phrase_member(q, i, alternatives) : 0;
                if (run == 0) {
                    subs.push_back(rewrite(q.get_subquery(i), depth + 1));
                    continue;
                }
                std::vector<Xapian::Query> typed;
                for (size_t k = i; k < i + run; k++)
                    typed.push_back(rewrite(q.get_subquery(k), depth + 1));
                subs.push_back(Xapian::Query(Xapian::Query::OP_OR,
                                             Xapian::Query(Xapian::Query::OP_AND, typed.begin(), typed.end()),
                                             alternatives));
                i += run - 1;
            }
            return Xapian::Query(q.get_type(), subs.begin(), subs.end());
        }
        default: {
            /* Phrases and NEAR keep their positional unstemmed terms;
             * wildcards, weights and value ranges are left as parsed. A
             * phrase that is a phrase synonym ("lead white") also finds
             * the other members of its group. */
            collect_words(q);
            Xapian::Query alternatives;
            if (q.get_type() == Xapian::Query::OP_PHRASE && has_phrase_synonyms() &&
                phrase_member(q, 0, alternatives) == q.get_num_subqueries())
                return Xapian::Query(Xapian::Query::OP_OR, q, alternatives);
            return q;
        }
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

/* GROUP_LABELS_KEY of @db's snapshot, read once per snapshot (a reader;
 * a writer reads it each time, as its own set_synonyms() may change it). */
std::string_view group_labels_of(vt_index *index, const Xapian::Database &db)
{
    if (index->writable || !index->group_labels_read || index->group_labels_revision != db.get_revision()) {
        index->group_labels = db.get_metadata(GROUP_LABELS_KEY);
        index->group_labels_revision = db.get_revision();
        index->group_labels_read = true;
    }
    return index->group_labels;
}

/* The languages and labels of the group whose facet value is @value in
 * @blob (GROUP_LABELS_KEY: records sorted by value), from its first
 * LABEL_SEP on; empty when it has none. A binary search over the blob's
 * bytes, each step going back to the start of its record: no parse of the
 * whole blob, which a CGI process would pay on every request. */
std::string_view group_record(std::string_view blob, std::string_view value)
{
    size_t lo = 0, hi = blob.size();   /* lo: the start of a record */
    while (lo < hi) {
        size_t start = lo + (hi - lo) / 2;
        while (start > lo && blob[start - 1] != PAIR_SEP)
            start--;
        size_t end = blob.find(PAIR_SEP, start);
        if (end == std::string_view::npos)
            end = blob.size();
        std::string_view record = blob.substr(start, end - start);
        std::string_view key = record.substr(0, record.find(LABEL_SEP));
        int c = key.compare(value);
        if (c == 0)
            return key.size() < record.size() ? record.substr(key.size()) : std::string_view();
        if (c < 0)
            lo = end + 1;
        else
            hi = start;
    }
    return std::string_view();
}

/* Sets "labels" ({lang: label}) of facet entry @entry from a group's
 * @record (group_record()), and "label" with its "lang": the one in @hl
 * if the group has it, else @first (the first spelling the index met),
 * with its language (@first_lang, or that of the group's label it is). */
void label_in(json_t *entry, std::string_view record, std::string_view first, std::string_view first_lang,
              const std::string &hl)
{
    JsonRef labels(json_object());
    std::string_view chosen, chosen_lang;
    for (size_t at = 0; at < record.size();) {
        size_t end = record.find(LABEL_SEP, at + 1);
        if (end == std::string_view::npos)
            end = record.size();
        std::string_view item = record.substr(at + 1, end - at - 1);   /* LANG FACET_SEP LABEL */
        size_t sep = item.find(FACET_SEP);
        at = end;
        if (sep == std::string_view::npos)
            continue;
        std::string lang(item.substr(0, sep));
        std::string_view label = item.substr(sep + 1);
        jset(labels.get(), lang.c_str(), jstr(label));
        if (chosen.empty() && same_language(lang, hl)) {
            chosen = label;
            chosen_lang = item.substr(0, sep);
        }
        if (chosen.empty() && first_lang.empty() && normalise(std::string(label)) == normalise(std::string(first)))
            first_lang = item.substr(0, sep);
    }
    if (chosen.empty()) {
        chosen = first;
        chosen_lang = first_lang;
    }
    jset(entry, "label", jstr(chosen));
    if (!chosen_lang.empty())
        jset(entry, "lang", jstr(chosen_lang));
    jset(entry, "labels", labels.release());
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

}  // namespace

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
    /* The display language: any short tag (the site's languages are not
     * only the four the index stems). */
    const char *hl_text = member_string(request, "hl", "search", false);
    std::string hl = hl_text ? hl_text : "";
    if (!hl.empty() && !lang_tag_valid(hl))
        fail(VT_ERR_INVALID, "search: \"hl\" is not a language tag");
    const char *audience = member_string(request, "audience", "search", false);
    if (audience && strcmp(audience, "public") != 0 && strcmp(audience, "internal") != 0)
        fail(VT_ERR_INVALID, "search: audience \"%s\" is neither public nor internal", audience);
    bool internal = audience && strcmp(audience, "internal") == 0;
    const char *sort = member_string(request, "sort", "search", false);
    if (sort && strcmp(sort, "relevance") != 0 && strcmp(sort, "year") != 0 && strcmp(sort, "-year") != 0 &&
        strcmp(sort, "title") != 0)
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
                 : strcmp(sort, "title") == 0              ? Sort::TITLE
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
        SlotKey sort_key(order == Sort::TITLE ? SLOT_TITLE : SLOT_YEAR, order == Sort::YEAR_DESC);
        if (order != Sort::RELEVANCE)
            enquire.set_sort_by_key_then_relevance(&sort_key, order == Sort::YEAR_DESC);
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

    JsonRef hits(hits_json(index, db, query, found, lang, internal, hl));
    /* Synonym groups' labels per language, for a reader of language hl. */
    std::string_view group_labels = !hl.empty() && !facet_names.empty() ? group_labels_of(index, db)
                                                                         : std::string_view();

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
            /* LABEL \x1c LANG: a label whose language the index kept. */
            std::string_view label = counts[k].label, label_lang;
            size_t lang_sep = label.find(LANG_SEP);
            if (lang_sep != std::string_view::npos) {
                label_lang = label.substr(lang_sep + 1);
                label = label.substr(0, lang_sep);
            }
            std::string_view labels = group_record(group_labels, counts[k].value);
            if (!labels.empty()) {
                label_in(entry.get(), labels, label, label_lang, hl);
            } else {
                jset(entry.get(), "label", jstr(label));
                if (!hl.empty() && !label_lang.empty())
                    jset(entry.get(), "lang", jstr(label_lang));
            }
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
    *ret_terms = terms_json(found, limit);
    return VT_OK;
}

}  // namespace vt_index_impl
