/* vt_index.h: the search index, Xapian behind a C API.
 *
 * Who calls it: vitrined (the only writer: put/delete in batches, then
 * commit, on its loop thread), `vitrine reindex`, and the search CGI
 * (read-only, one process per request). The implementation is C++
 * (vt_index*.cc, listed in vt_index_private.h); no C++ type or exception
 * crosses this header. Every call returns a vt_status and sets the message
 * (vt_error.h) where the failure is found: VT_ERR_STORE for Xapian failures
 * (database locked, corrupt, missing), VT_ERR_INVALID for malformed
 * documents, requests and queries Xapian cannot parse, VT_ERR_LIMIT past the
 * limits below, VT_ERR_NOMEM, VT_ERR_INTERNAL for anything unexpected.
 *
 * Threads: a vt_index is used by one thread at a time. Several processes may
 * hold read-only handles while one process writes; Xapian guarantees each
 * reader a consistent snapshot (the last commit when it opened or last
 * called vt_index_reopen()). A reader whose snapshot is overwritten by a
 * writer in the middle of a call reopens and retries (twice) on its own.
 *
 * The document (one per asset). Terms:
 *   Q<id>                         the asset id (unique; put replaces by it)
 *   XD<department> XV<visibility> XT<type> XY<year> XI<intervention>
 *                                 boolean terms; the query parser maps
 *                                 department: visibility: type: year: and
 *                                 intervention: to them, and so do filters.
 *                                 XI is the intervention exactly as given.
 *   XF<FIELD>:<word>              words of metadata field <field> (e.g.
 *                                 XFTITLE:portret), positional, unstemmed;
 *                                 title:portret searches them. The label is
 *                                 field "label", annotation texts are field
 *                                 "annotation".
 *   <word>                        the same words without prefix (plain
 *                                 search), positional, unstemmed; they also
 *                                 feed the spelling dictionary.
 *   Z<word-stem>, ZXF<FIELD>:<stem>
 *                                 stems, without positions. A value with
 *                                 lang nl/fr/en/de is stemmed with that
 *                                 language only; a value without lang (or
 *                                 another one) with all four, so a query in
 *                                 any of them finds it. Stems of all
 *                                 languages share the Z space: a Dutch stem
 *                                 that equals an English one matches both
 *                                 (rare, accepted). Dutch uses Xapian's
 *                                 "kraaij_pohlmann" stemmer, not "dutch":
 *                                 the latter stems vernissen to "verniss"
 *                                 but vernis to "vernis". The TermGenerator
 *                                 lowercases before stemming, so German
 *                                 nouns (Firnis) are stemmed like any word.
 *   XP<word> <next>               word pairs: every two plain words at
 *                                 adjacent positions (so within one value),
 *                                 boolean (wdf 0, lengths unchanged), so that
 *                                 a two-word phrase is one posting list. An
 *                                 index has them for every document or for
 *                                 none (metadata "vt:pairs" = "1": set when
 *                                 a writer opens an empty index); without,
 *                                 phrases check positions.
 *   XN<word>, ZXN<stem>           words and stems of an annotation marked
 *                                 "internal" (an internal annotation of a
 *                                 public asset), and nothing else of it: no
 *                                 plain word, field, pair or spelling entry,
 *                                 so no public query can reach it. An
 *                                 internal search adds these forms to every
 *                                 plain and annotation: word; its stored
 *                                 record marks it, and public hits never
 *                                 show it.
 *   XK<FIELD>:<value>             the whole normalised value of every field
 *                                 (NFKC, case-folded, blanks collapsed,
 *                                 at most VT_INDEX_VALUE_MAX bytes), for exact
 *                                 filters (keywords:varnish) and completions.
 * Values (slots): 0 = year (sortable_serialise), 1 = the facet values of the
 * document: "field\x1fvalue\x1dlabel" joined by \x1e (department, type, year
 * always; plus the fields listed in the document's "facets"), counted over
 * every match (from the facet table below, or by a match spy), so counts
 * are exact even for multi-valued fields; 2 = the sort key of the label
 * (the title people read: case and accents folded, leading punctuation
 * left out; none without a label), for sort "title". Document data: the stored record
 * (vt_record.h: id, label, labels per language, text values with their
 * language, annotations with id, text, region and lang), enough to build
 * hits and snippets without the state store;
 * indexes written before that format hold compact JSON {"id", "label",
 * "text": [values], "annotations": [...]}, which is still read.
 * Metadata key "vt:fields": JSON array of every field name ever indexed, so
 * a reader knows which field: prefixes to accept; "vt:l:" field \x1f value:
 * the label of a facet value (its first spelling), so that every document
 * stores the same one; "vt:group-labels": the labels per language of the
 * synonym groups that have tagged members (one blob, read by a search with
 * a display language, once per snapshot).
 *
 * The facet table: vt_index_commit() also writes "vitrine-facets.bin" in
 * the index folder, per document whether it exists and is public, its
 * length, its year, the rank of its title key and the ids of its facet values (from slot 1), and the
 * postings (documents and wdf) of the most frequent terms, for the
 * revision just committed. A read-only search whose snapshot has that
 * revision evaluates the query itself into bitmaps, from those postings
 * and Xapian's (phrases, NEAR and wildcards: from Xapian's matcher, for
 * that part of the query only), and counts facets from the table (the
 * fast path, vt_index_fast.cc); otherwise (a writer's own searches, a
 * missing or stale table) Xapian's matcher does it all with a match spy. Totals
 * and facet counts are the same either way; ranks are BM25 on both, with
 * small differences (see vt_index_fast.cc), and "percent" is relative to the
 * best match on the fast path.
 *
 * Queries (Xapian's QueryParser: phrases, AND/OR/NOT, +/-, field:word,
 * field:"a phrase", field:(a OR b), boolean prefixes, word*; words without
 * an operator are AND-ed, as a catalogue search box is expected to) are
 * parsed without
 * stemming, then every word outside a phrase is rewritten to a synonym
 * group (OP_SYNONYM) of the word itself, its stems, and its synonyms (and
 * their stems) in the same field. With "lang" the word is stemmed in that
 * language; without, in all four. Doing this per word, rather than OR-ing
 * four parses of the query, keeps NOT and AND exact (NOT vernissen excludes
 * every form of the word). Query words are lowercased by the parser before
 * they are stemmed, so "Firnisse" finds "Firnis" (Xapian's STEM_SOME would
 * have left capitalised words unstemmed).
 * A query that is exactly an intervention number present in the index
 * (e.g. 2019.12345) also matches the boolean term XI<query>, so it returns
 * every asset of that intervention, in every department.
 *
 * Synonyms: equivalence groups of words and phrases. Keys are stored unprefixed,
 * both as the lowercased word and as Z<stem> in each of the four languages;
 * values are the other members, unstemmed. The query rewrite applies them
 * to plain words and to every field prefix alike, so there is one entry
 * per word, not one per field (the set of fields is open).
 *
 * Visibility: a request with audience "public" (or no audience) is always
 * filtered on XVpublic, whatever its query or filters ask for.
 *
 * Spelling: one dictionary of plain words (Xapian has one per database),
 * kept exact across replace and delete. A suggestion is made only for a
 * word that matches nothing in any form, and only if the suggested word
 * does match, so a valid word of one language is never "corrected" into
 * another.
 */
#ifndef VT_INDEX_H
#define VT_INDEX_H

#include <glib.h>
#include <jansson.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* vt_error.h has no extern "C" of its own; glib.h, which it includes, is
 * included above so that its C++ parts stay outside this block. */
#include "vt_error.h"

/* Limits on outside input (VT_ERR_LIMIT past them). */
#define VT_INDEX_QUERY_MAX      1000    /* bytes of "q" */
#define VT_INDEX_QUERY_WORDS    64      /* terms of the parsed query */
#define VT_INDEX_QUERY_DEPTH    16      /* nesting of parentheses */
#define VT_INDEX_FILTERS_MAX    32      /* entries of "filters" */
#define VT_INDEX_PAGE_SIZE_MAX  100     /* "size" */
#define VT_INDEX_RESULT_MAX     10000   /* page * size */
#define VT_INDEX_FACET_VALUES   100     /* values returned per facet */
#define VT_INDEX_SUGGEST_MAX    100     /* limit of vt_index_suggest() */
#define VT_INDEX_VALUE_MAX      200     /* bytes of an id, department, type,
                                           intervention, or an XK value */
#define VT_INDEX_TEXT_MAX       (64 * 1024)  /* bytes of one field value */
#define VT_INDEX_VALUES_MAX     10000   /* values + annotations per document */
#define VT_INDEX_SYNONYM_GROUPS 100000
#define VT_INDEX_SYNONYM_WORDS  64      /* members of one group */
#define VT_INDEX_SYNONYM_PHRASE_WORDS 8 /* words of one member ("lead white": 2) */

typedef struct vt_index vt_index;

/* Opens the index in folder @dir. Writable: creates it if missing and takes
 * Xapian's writer lock (VT_ERR_BUSY if another writer holds it). Read-only:
 * the index must exist (VT_ERR_NOT_FOUND otherwise). On success
 * *ret_index is owned by the caller (vt_index_close). */
vt_status vt_index_open(const char *dir, bool writable, vt_index **ret_index);

/* Closes @index. A writer commits pending changes first, with the facet
 * table (a failure there goes unreported: call vt_index_commit()). NULL:
 * no-op. */
void vt_index_close(vt_index *index);

/* A reader moves to the latest commit (a writer: no-op). */
vt_status vt_index_reopen(vt_index *index);

/* What a search of @index answers from: in *ret_revision the revision of
 * its snapshot (Xapian's Database::get_revision(), which every commit
 * changes; vt_index_reopen() moves it), and in *ret_table whether the
 * facet table of that revision is there (a reader's search then takes the
 * fast path, whose ranks and percents may differ a little from the slow
 * path's; always false for a writer). The same two values, for the same
 * folder, mean the same answers: a FastCGI process keeps its answers while
 * they stay. */
vt_status vt_index_snapshot(vt_index *index, guint64 *ret_revision, bool *ret_table);

/* Adds or replaces the document of one asset (writer only). @doc (borrowed):
 * {"id": "ab12...", "department": "photo", "intervention": "2019.12345"|null,
 *  "visibility": "public"|"internal", "type": "photo"|"xray"|null,
 *  "year": 2019|null, "label": "display label",
 *  "labels": {"nl": "Paneel", "fr": "Panneau"} (the label per language, or absent),
 *  "fields": {"title": [{"value": "Portret van...", "lang": "nl"}],
 *             "creator": ["Rubens"], ...},     (items: objects or strings)
 *  "annotations": [{"id": "anno-1", "text": "...", "lang": "en",
 *                   "region": "xywh=10,20,300,200", "internal": false}],
 *  "facet_values": {"annotation_type": ["Restoration"]},
 *  "facets": ["keywords", "material"]}
 * "facet_values" are filters and facets only (XK terms and facet values, if
 * named in "facets"): no words, nothing in the hit's text.
 * id, department and visibility are required. Field names are
 * [a-z][a-z0-9_]{0,31}; a field named like a boolean prefix (department,
 * intervention, visibility, type, year, id) is indexed as plain words only.
 * Visible to readers after vt_index_commit(). */
vt_status vt_index_put(vt_index *index, const json_t *doc);

/* Removes the document of asset @id (writer only); a missing id is not an
 * error. */
vt_status vt_index_delete(vt_index *index, const char *id);

/* Commits the changes since the last commit (writer only), then rewrites
 * the facet table (0.6 s of CPU and a 21 MB file at 200,000 documents,
 * growing with the collection: mostly a scan of every term and a copy of
 * the postings of the frequent ones; the daemon commits once per batch).
 * VT_ERR_IO if the table
 * cannot be written: the changes are committed all the same, and readers
 * take the slow path until a later commit writes the table. */
vt_status vt_index_commit(vt_index *index);

/* Replaces all synonyms with @groups (borrowed), e.g.
 * [["vernis", "varnish", "Firnis"], ...] (writer only; commit to publish).
 * Members are words or phrases of at most VT_INDEX_SYNONYM_PHRASE_WORDS
 * words; a member may be {"value": "vernis", "lang": "nl"} instead, a
 * language tag of letters, digits and '-': the group's facet entry is then
 * labelled in that language for a search with that display language (the
 * first member of each language). */
vt_status vt_index_set_synonyms(vt_index *index, const json_t *groups);

/* A search. @request (borrowed), every member optional:
 * {"q": "...", "filters": ["department:photo", "keywords:varnish"],
 *  "page": 1, "size": 20, "sort": "relevance"|"year"|"-year"|"title",
 *  "lang": "nl"|"fr"|"en"|"de"|null (stems the query in that language only),
 *  "hl": "nl" (the reader's language, any tag: snippets and facet labels),
 *  "audience": "public"|"internal",
 *  "facets": ["department", "type", "year", "keywords"]}
 * Filters of one field are OR-ed, of different fields AND-ed; a filter on a
 * metadata field matches its whole normalised value. Sorting by year puts
 * documents without a year last, either way; by title, A to Z by the
 * label's sort key (value slot 2), documents without one last. Ties go by
 * relevance. An index written before slot 2 sorts its documents as if
 * they had no title until `vitrine reindex`.
 * On success *ret_result (caller owns) is
 * {"total": N (exact), "page": P, "size": S,
 *  "hits": [{"id", "label", "labels" (as put; only when there are some),
 *            "snippet" (HTML-escaped, <mark> around matches; with "hl",
 *            made from the texts in that language and those without one,
 *            or else from another language's texts when the match is
 *            only there, that language then in "snippet_lang"),
 *            "annotations": [{"id", "region", "snippet"}] (those
 *            with a match), "rank" (1-based, over the whole result),
 *            "percent"}],
 *  "facets": {"keywords": [{"value": "vernis", "label": "Vernis",
 *            "count": 3}, ...]} (most frequent first, then by value; value
 *            is the normalised form, what a filter names; label the first
 *            spelling the index met, what people read; with "hl", a
 *            synonym group with tagged members also has "labels":
 *            {"nl": "vernis", "en": "varnish"}, and its label is the one
 *            in hl, if any; and an entry whose label's language is known
 *            (a value given with "lang", or a group's tagged member) has
 *            it in "lang"),
 *  "suggestion": "corrected query" | null} */
vt_status vt_index_search(vt_index *index, const json_t *request, json_t **ret_result);

/* Completions of @prefix (at least one character) from the terms in use,
 * most frequent first, at most @limit (1..VT_INDEX_SUGGEST_MAX). With
 * @field (NULL: plain words): the whole normalised values of that field.
 * @public_only counts public documents only, so that a public site never
 * completes a word used only in internal assets; then only the
 * VT_INDEX_SUGGEST_CHECKED most frequent candidates are counted.
 * On success *ret_terms (caller owns) is [{"term": "vernis", "count": 3},
 * ...], count being the number of documents using it. */
#define VT_INDEX_SUGGEST_CHECKED 200
vt_status vt_index_suggest(vt_index *index, const char *prefix, const char *field, int limit,
                           bool public_only, json_t **ret_terms);

/* Completions of @prefix within the annotations of asset @id: the IIIF
 * Content Search autocomplete of its manifest, which counts within that
 * manifest, not the collection. The words of its annotation texts (as
 * indexed: lowercased, unstemmed) that start with @prefix (lowercased),
 * each with the number of those annotations that contain it (of the first
 * VT_INDEX_ANNOTATIONS_SCANNED, as a content search looks at), most first,
 * then by word, at most @limit (1..VT_INDEX_SUGGEST_MAX). @public_only
 * leaves out internal annotations, and answers [] for an internal asset,
 * as for an unknown one. On success *ret_terms (caller owns) is
 * [{"term": "craquelure", "count": 3}, ...]. */
#define VT_INDEX_ANNOTATIONS_SCANNED 50
vt_status vt_index_suggest_in(vt_index *index, const char *id, const char *prefix, int limit,
                              bool public_only, json_t **ret_terms);

/* Number of documents (0 on any failure). */
unsigned vt_index_count(vt_index *index);

#ifdef __cplusplus
}
#endif

#endif
