/* vt_index_fast.cc: the fast path of a search (fast_search()), used by
 * search() when the facet table of the reader's snapshot is mapped.
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
#include "vt_index_private.h"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <type_traits>

namespace vt_index_impl {

namespace {

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

}  // namespace

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

    /* Ranks: the sort key (years, titles: none last), weight, docid. */
    auto key = [&](size_t d) -> int64_t {
        if (sort == Sort::TITLE)
            return t.title_rank[d] ? (int64_t)t.title_rank[d] : INT64_MAX;
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

}  // namespace vt_index_impl
