/* vt_index_snippet.cc: the hits of an answer (hits_json()): each hit's
 * stored record (vt_record.h, or the JSON of older indexes) read in place,
 * where it belongs (department, intervention), and snippets of its texts
 * and annotations with the query's words marked, tried unstemmed and then
 * with the stemmers of the search's languages.
 */
#include "vt_index_private.h"
#include "vt_record.h"

namespace vt_index_impl {

namespace {

const size_t ANNOTATIONS_SCANNED = VT_INDEX_ANNOTATIONS_SCANNED;   /* per hit, for snippets */
const size_t SNIPPET_LENGTH = 200;
const int SNIPPET_PROBE_CHARS = 4;  /* of a term, looked for in a text before snippets (search()) */

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
    std::vector<std::pair<std::string_view, std::string_view>> labels;   /* lang, label */
    struct Text {
        std::string_view lang, text;   /* lang empty: none */
    };
    std::vector<Text> texts;
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
            case VT_RECORD_LABEL_IN: {
                size_t tab = v.find('\t');
                if (tab != std::string_view::npos)
                    labels.emplace_back(v.substr(0, tab), v.substr(tab + 1));
                break;
            }
            case VT_RECORD_TEXT: texts.push_back(Text{{}, v}); break;
            case VT_RECORD_TEXT_IN: {
                size_t tab = v.find('\t');
                if (tab != std::string_view::npos)
                    texts.push_back(Text{v.substr(0, tab), v.substr(tab + 1)});
                break;
            }
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
                texts.push_back(Text{{}, std::string_view(json_string_value(t), json_string_length(t))});
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

/* The texts of @stored that @keep (by their language) joined by " · ",
 * after @label unless it is empty, each value once: an image with
 * "vernis" as a Dutch and a French keyword shows it once. Only the first
 * DISTINCT_CHECKED values are compared (a record may have thousands). */
template <typename Keep>
std::string join_texts(const Stored &stored, std::string_view label, Keep keep)
{
    const size_t DISTINCT_CHECKED = 64;
    std::string text;
    std::vector<std::string_view> seen;
    auto add = [&](std::string_view t) {
        if (t.empty() || std::find(seen.begin(), seen.end(), t) != seen.end())
            return;
        if (seen.size() < DISTINCT_CHECKED)
            seen.push_back(t);
        if (!text.empty())
            text += " · ";
        text += t;
    };
    add(label);
    for (const Stored::Text &t : stored.texts)
        if (keep(t.lang))
            add(t.text);
    return text;
}

/* The snippet of a hit for a reader of language @hl (see hits_json()):
 * from the texts in @hl and those without a language when the match is
 * there or nowhere, else from the first other language whose texts have it
 * (its tag in *@ret_lang). */
std::string snippet_in(const Xapian::MSet &mset, const std::vector<Xapian::Stem> &stems, const Stored &stored,
                       std::string_view label, const std::string &hl, const std::vector<std::string> &probes,
                       std::string_view *ret_lang)
{
    std::string own = join_texts(stored, label,
                                 [&](std::string_view l) { return l.empty() || same_language(l, hl); });
    /* may_match() first: no match can be where no term starts (the usual
     * case for the other languages), and a try costs a Xapian snippet. */
    std::string s = may_match(probes, own) ? snippet(mset, stems, own, true, probes) : std::string();
    if (!s.empty())
        return s;
    std::vector<std::string_view> others;   /* in the order of their first text */
    for (const Stored::Text &t : stored.texts)
        if (!t.lang.empty() && !same_language(t.lang, hl) &&
            std::none_of(others.begin(), others.end(), [&](std::string_view o) { return same_language(o, t.lang); }))
            others.push_back(t.lang);
    for (std::string_view other : others) {
        std::string text = join_texts(stored, std::string_view(),
                                      [&](std::string_view l) { return !l.empty() && same_language(l, other); });
        s = may_match(probes, text) ? snippet(mset, stems, text, true, probes) : std::string();
        if (!s.empty()) {
            *ret_lang = other;
            return s;
        }
    }
    /* No match in any text (a hit found by its intervention number or a
     * filter alone): the start of the reader's own texts. */
    if (!own.empty() || others.empty())
        return head_snippet(own);
    *ret_lang = others[0];
    return head_snippet(join_texts(stored, std::string_view(),
                                   [&](std::string_view l) { return !l.empty() && same_language(l, others[0]); }));
}

}  // namespace

json_t *hits_json(vt_index *index, const Xapian::Database &db, const Xapian::Query &query,
                  const Found &found, int lang, bool internal, const std::string &hl)
{
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
    Xapian::MSet hl_mset = hl_enquire.get_mset(0, 0);
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
        if (!stored.labels.empty()) {
            JsonRef by_lang(json_object());
            for (const auto &l : stored.labels)
                jset(by_lang.get(), std::string(l.first).c_str(), jstr(l.second));
            jset(hit.get(), "labels", by_lang.release());
        }
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
        bool label_in_texts = std::any_of(stored.texts.begin(), stored.texts.end(),
                                          [&](const Stored::Text &t) { return t.text == stored.label; });
        std::string_view label = label_in_texts ? std::string_view() : stored.label;
        if (hl.empty()) {
            std::string text = join_texts(stored, label, [](std::string_view) { return true; });
            jset(hit.get(), "snippet", jstr(snippet(hl_mset, snippet_stems, text, false, probes)));
        } else {
            std::string_view snippet_lang;
            jset(hit.get(), "snippet",
                 jstr(snippet_in(hl_mset, snippet_stems, stored, label, hl, probes, &snippet_lang)));
            if (!snippet_lang.empty())
                jset(hit.get(), "snippet_lang", jstr(snippet_lang));
        }
        JsonRef annos(json_array());
        for (size_t k = 0; k < stored.annotations.size() && k < ANNOTATIONS_SCANNED; k++) {
            const Stored::Annotation &an = stored.annotations[k];
            if (an.internal && !internal)
                continue;   /* never in a public answer */
            std::string s = snippet(hl_mset, snippet_stems, std::string(an.text), true, probes);
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
    return hits.release();
}

vt_status suggest_in(vt_index *index, const char *id, const char *prefix, int limit, bool public_only,
                     json_t **ret_terms)
{
    if (!id || !*id || strlen(id) > VT_INDEX_VALUE_MAX)
        fail(VT_ERR_INVALID, "suggest: the asset id is empty or too long");
    if (!prefix || !*prefix || strlen(prefix) > VT_INDEX_VALUE_MAX || !g_utf8_validate(prefix, -1, nullptr))
        fail(VT_ERR_INVALID, "suggest: the prefix is empty, too long or not UTF-8");
    if (limit < 1 || limit > VT_INDEX_SUGGEST_MAX)
        fail(VT_ERR_LIMIT, "suggest: limit %d is not in 1..%d", limit, VT_INDEX_SUGGEST_MAX);
    std::string start = lower(prefix);
    const Xapian::Database &db = *index->db;
    std::string idterm = "Q" + std::string(id);
    std::map<std::string, Xapian::doccount> counts;   /* word -> annotations using it */
    Xapian::PostingIterator p = db.postlist_begin(idterm);
    if (p != db.postlist_end(idterm)) {
        Xapian::Document doc = db.get_document(*p);
        Xapian::TermIterator vis = doc.termlist_begin();
        vis.skip_to("XVpublic");
        bool is_public = vis != doc.termlist_end() && *vis == "XVpublic";
        std::string data = doc.get_data();
        Stored stored(data);
        for (size_t k = 0; k < stored.annotations.size() && k < ANNOTATIONS_SCANNED && (is_public || !public_only);
             k++) {
            const Stored::Annotation &an = stored.annotations[k];
            if (an.internal && public_only)
                continue;
            std::vector<std::string> words = text_words(std::string(an.text));
            std::sort(words.begin(), words.end());
            words.erase(std::unique(words.begin(), words.end()), words.end());
            for (const std::string &w : words)
                if (w.compare(0, start.size(), start) == 0)
                    counts[w]++;
        }
    }
    std::vector<std::pair<std::string, Xapian::doccount>> found(counts.begin(), counts.end());
    std::stable_sort(found.begin(), found.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
    *ret_terms = terms_json(found, limit);
    return VT_OK;
}

}  // namespace vt_index_impl
