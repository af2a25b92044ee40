/* vt_index_table.cc: the facet table, written by the index's writer after
 * each commit (table_write) and mapped by readers (table_load); the fast
 * path (vt_index_fast.cc) and the facet counts read it.
 *
 * A file beside Xapian's own (TABLE_FILE in the index folder) that the
 * writer rewrites after every commit, from the committed documents, and
 * that a reader maps read-only. It holds per document what a search needs
 * for every match, in arrays indexed by docid: whether the document exists
 * and is public (bitmaps), its length (for BM25), its year plus one (0: none),
 * the rank of its title key among all documents' (value slot 2, 1 the
 * first in byte order, equal keys the same rank; 0: none), and the ids of
 * its facet values (offsets into one id array); then the facet value
 * strings ("field\x1fvalue", as in value slot 1) by id.
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
 *   u32 year1[L + 1]; u32 title_rank[L + 1]; u32 offsets[L + 2]; u32 ids[n_ids];
 *   u32 string_offsets[n_strings + 1]; char strings[strings_bytes]; pad8;
 *   postings[postings_bytes]: per term, u64 bits[W], u8 wdf[termfreq], pad8;
 *   u32 name_offsets[n_terms + 1]; char names[names_bytes] (sorted); pad8;
 *   u32 termfreq[n_terms]; pad8; u64 posting_offsets[n_terms + 1]
 * (the postings before their index, so that the writer appends them as it
 * reads them, without a second copy of the biggest part in memory).
 */
#include "vt_index_private.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace vt_index_impl {

namespace {

const char TABLE_FILE[] = "vitrine-facets.bin";
/* 3: title_rank. A table of an earlier version fails this check and is
 * ignored (the slow path) until the next commit writes the new one. */
const char TABLE_MAGIC[8] = {'V', 'T', 'F', 'A', 'C', 'E', 'T', '3'};
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
                      4 * ((l + 1) * 3 + (l + 2) + h.n_ids + (uint64_t)h.n_strings + 1) + h.strings_bytes;
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

}  // namespace

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
    t->title_rank = t->year1 + (size_t)h.lastdocid + 1;
    t->offsets = t->title_rank + (size_t)h.lastdocid + 1;
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

/* The rank of every document's title key (value slot 2) in byte order,
 * from 1, equal keys sharing one; 0 for a document without one. Sorting
 * by title then compares two numbers (fast_search) instead of reading a
 * value per match. */
std::vector<uint32_t> title_ranks(const Xapian::Database &db, Xapian::docid last)
{
    std::vector<std::pair<std::string, Xapian::docid>> keys;
    for (Xapian::ValueIterator v = db.valuestream_begin(SLOT_TITLE); v != db.valuestream_end(SLOT_TITLE); ++v)
        keys.emplace_back(*v, v.get_docid());
    std::sort(keys.begin(), keys.end());
    std::vector<uint32_t> rank((size_t)last + 1, 0);
    uint32_t r = 0;
    for (size_t i = 0; i < keys.size(); i++) {
        if (i == 0 || keys[i].first != keys[i - 1].first)
            r++;
        if (keys[i].second <= last)
            rank[keys[i].second] = r;
    }
    return rank;
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
    std::vector<uint32_t> title_rank = title_ranks(db, last);
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
    put_bytes(title_rank.data(), title_rank.size() * 4);
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

}  // namespace vt_index_impl
