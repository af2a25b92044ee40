/* vt_index_document.cc: the writer's side of the index: the document of an
 * asset (put(): its terms, values and stored record, as vt_index.h lists
 * them), the spelling dictionary kept exact across replace and delete, the
 * list of field names, and the synonyms. Only a writable vt_index gets
 * here (need_writer()), on the daemon's index thread or `vitrine reindex`.
 */
#include "vt_index_private.h"
#include "vt_record.h"

extern "C" {
#include "vt_meta.h"
}

#include <cstring>

namespace vt_index_impl {

namespace {

const size_t METADATA_KEY_MAX = 240;  /* Xapian refuses longer metadata keys (245) */
const size_t TITLE_KEY_MAX = 200;
const size_t SYNONYM_BYTES_MAX = 64;  /* of a member as given */

/* The synonym key of several words: their indexed forms (text_words())
 * joined by one space, which is how the query side joins a run of words
 * or the words of a phrase (Rewriter::phrase_member); empty without words. */
std::string phrase_key(const std::string &text)
{
    std::string key;
    for (const std::string &w : text_words(text))
        key += (key.empty() ? "" : " ") + w;
    return key;
}     /* bytes of a title's sort key: enough to order by */

/* The sort key of a label (value slot 2, sort=title): folded as the terms
 * of suggestions are (vt_meta_normalise_term: case, accents, blanks), and
 * without the characters before its first letter or digit, so that
 * "Échafaudage" sorts with the e's and "(Detail) ..." with the d's. Empty:
 * no key (the document sorts last). */
std::string title_key(const char *label)
{
    g_autofree char *folded = vt_meta_normalise_term(label);
    if (!folded)
        return std::string();
    const char *p = folded;
    while (*p && !g_unichar_isalnum(g_utf8_get_char(p)))
        p = g_utf8_next_char(p);
    std::string key(p);
    if (key.size() > TITLE_KEY_MAX)
        key.resize(TITLE_KEY_MAX);
    return key;
}

/* A value's language as the stored record keeps it (VT_RECORD_TEXT_IN):
 * as given when it is a short tag of letters, digits and '-' (nl, pt-BR),
 * else none (the value is then shown in every language's snippet). */
std::string record_lang(const char *lang)
{
    return lang && lang_tag_valid(lang) ? std::string(lang) : std::string();
}

/* --- building a document --- */

struct Builder {
    vt_index *index;
    Xapian::Document doc;
    Xapian::TermGenerator tg;
    std::string id;
    std::set<std::pair<std::string, std::string>> facets;  /* field, value */
    /* document data: each text value with its language ("" without) */
    std::vector<std::pair<std::string, std::string>> texts;
    size_t n_values = 0;

    Builder(vt_index *ix, const std::string &asset) : index(ix), id(asset)
    {
        tg.set_document(doc);
    }

    /* Counts one more text value of the document, within the limits. */
    void count_value(const std::string &value)
    {
        if (++n_values > VT_INDEX_VALUES_MAX)
            fail(VT_ERR_LIMIT, "index %s: asset %s has more than %d values", index->dir.c_str(),
                 id.c_str(), VT_INDEX_VALUES_MAX);
        if (value.size() > VT_INDEX_TEXT_MAX)
            fail(VT_ERR_LIMIT, "index %s: asset %s: a value of %zu bytes (limit %d)",
                 index->dir.c_str(), id.c_str(), value.size(), VT_INDEX_TEXT_MAX);
    }

    /* Words of @text: positional and unstemmed with @prefix (if any) and
     * without, then stems in @lang, or in all four languages. */
    void text(const std::string &prefix, const std::string &value, int lang)
    {
        words(value, lang, prefix, true);
    }

    /* @value of an annotation that only internal searches may find (an
     * internal annotation of a public asset): its words and stems under
     * INTERNAL_PREFIX only, never as plain terms, so that no public query
     * (plain words, field:, phrases, spelling) can reach them; an internal
     * search adds INTERNAL_PREFIX forms to every plain word (Rewriter). */
    void internal_text(const std::string &value, int lang)
    {
        words(value, lang, INTERNAL_PREFIX, false);
    }

private:
    /* The words of @value with @prefix (if any) and, if @plain, without
     * one: first positional and unstemmed (each pass followed by a gap, no
     * phrase across two values), then their stems in @lang or in all. */
    void words(const std::string &value, int lang, const std::string &prefix, bool plain)
    {
        count_value(value);
        tg.set_stemmer(Xapian::Stem());
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        if (!prefix.empty()) {
            tg.index_text(value, 1, prefix);
            tg.increase_termpos(100);
        }
        if (plain) {
            tg.index_text(value);
            tg.increase_termpos(100);
        }
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL_Z);
        for (size_t i = 0; i < N_LANGS; i++) {
            if (lang >= 0 && (size_t)lang != i)
                continue;
            tg.set_stemmer(index->stems[i]);
            if (!prefix.empty())
                tg.index_text_without_positions(value, 1, prefix);
            if (plain)
                tg.index_text_without_positions(value);
        }
    }

public:

    /* The facet value of @text when it is a member of a synonym group
     * ([search] synonyms): the group's first member in byte order,
     * normalised, so that "vernis", "varnish" and "Firnis" are one facet
     * entry (and one filter, which adds that term too). Empty when @text
     * is in no group. Several words are a group's member when they are a
     * phrase synonym, word for word ("Lead  white" is "lead white"). */
    std::string synonym_group(const std::string &text)
    {
        if (!index->wdb)
            return std::string();
        std::string word = lower(trim(text));
        if (word.find_first_of(" \t") != std::string::npos)
            word = phrase_key(word);  /* a phrase synonym ("lead white") */
        if (word.empty())
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

    /* Counts @value (normalised) of @field as a facet of this document,
     * with its label: the first spelling (@text) the index met for it, and
     * that spelling's language (@lang, "" for none), kept in the metadata
     * ("vt:l:" FIELD \x1f VALUE = LABEL [\x1c LANG]), so that every
     * document gives the same pair and counts are not split by spelling
     * ("Rubens", "RUBENS"). The slot holds VALUE \x1d LABEL [\x1c LANG];
     * a value met before languages were kept has none until a reindex. */
    void facet(const std::string &field, const std::string &value, const std::string &text,
               const std::string &lang = std::string())
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
                if (!lang.empty())
                    label += LANG_SEP + lang;
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

}  // namespace

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
    /* The label per language, for a search page in that language. */
    std::vector<std::string> labels;
    json_t *by_lang = json_object_get(doc, "labels");
    if (by_lang && !json_is_null(by_lang) && !json_is_object(by_lang))
        fail(VT_ERR_INVALID, "%s: \"labels\" is not an object", w);
    const char *lang_key;
    json_t *lang_label;
    json_object_foreach(by_lang, lang_key, lang_label) {
        if (!json_is_string(lang_label))
            fail(VT_ERR_INVALID, "%s: \"labels\".%s is not a string", w, lang_key);
        if (!*lang_key || strlen(lang_key) > LANG_TAG_MAX || strchr(lang_key, '\t'))
            fail(VT_ERR_INVALID, "%s: \"labels\" has a key that is not a language", w);
        labels.push_back(std::string(lang_key) + '\t' + json_string_value(lang_label));
    }
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
    if (label && *label) {
        b.text(field_prefix("label"), label, -1);
        std::string key = title_key(label);
        if (!key.empty())
            b.doc.add_value(SLOT_TITLE, key);
    }

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
            b.texts.emplace_back(record_lang(lang), text);
            std::string norm = normalise(text);
            if (reserved || norm.empty() || norm.size() > VT_INDEX_VALUE_MAX)
                continue;
            b.boolean(value_prefix(name) + norm);
            if (facet_fields.count(name)) {
                std::string group = b.synonym_group(text);
                if (!group.empty() && group.size() <= VT_INDEX_VALUE_MAX && group != norm)
                    b.boolean(value_prefix(name) + group);
                b.facet(name, group.empty() ? norm : group, text, record_lang(lang));
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
    for (const std::string &l : labels)
        vt_record_append(data, VT_RECORD_LABEL_IN, l.data(), l.size());
    for (const auto &[lang, t] : b.texts) {
        if (lang.empty()) {
            vt_record_append(data, VT_RECORD_TEXT, t.data(), t.size());
        } else {
            std::string item = lang + '\t' + t;
            vt_record_append(data, VT_RECORD_TEXT_IN, item.data(), item.size());
        }
    }
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
    /* The labels of each group's facet entry per language (from its
     * tagged members): the group's facet value (synonym_group()) ->
     * (language, label), the first member of each language. */
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> labels;
    bool phrases = false;
    size_t i;
    json_t *group;
    json_array_foreach(groups, i, group) {
        if (!json_is_array(group) || json_array_size(group) > VT_INDEX_SYNONYM_WORDS)
            fail(VT_ERR_INVALID, "synonyms for %s: group %zu is not an array of at most %d words",
                 dir, i + 1, VT_INDEX_SYNONYM_WORDS);
        std::vector<std::string> members;
        std::vector<std::pair<std::string, std::string>> tagged;   /* language, label */
        size_t k;
        json_t *m;
        json_array_foreach(group, k, m) {
            /* "vernis" or {"value": "vernis", "lang": "nl"} */
            const char *s = json_is_object(m) ? json_string_value(json_object_get(m, "value"))
                                              : json_string_value(m);
            if (!s || strlen(s) > SYNONYM_BYTES_MAX)
                fail(VT_ERR_INVALID, "synonyms for %s: group %zu: a member is not a short string",
                     dir, i + 1);
            if (json_is_object(m) && json_object_get(m, "lang")) {
                const char *lang = json_string_value(json_object_get(m, "lang"));
                if (!lang || !*lang || record_lang(lang) != lang)
                    fail(VT_ERR_INVALID, "synonyms for %s: group %zu: \"%s\" has a language that is"
                         " not a language tag", dir, i + 1, s);
                tagged.emplace_back(lang, display_form(trim(s)));
            }
            std::string word = lower(trim(s));
            if (word.find_first_of(" \t") != std::string::npos) {
                /* A phrase synonym: stored as its words joined by one space
                 * (Xapian's form of a multi-word key), found by a query as
                 * a phrase or as those words in a row (Rewriter). */
                word = phrase_key(word);
                if (std::count(word.begin(), word.end(), ' ') >= VT_INDEX_SYNONYM_PHRASE_WORDS)
                    fail(VT_ERR_LIMIT, "synonyms for %s: group %zu: \"%s\" has more than %d words", dir,
                         i + 1, s, VT_INDEX_SYNONYM_PHRASE_WORDS);
                phrases |= word.find(' ') != std::string::npos;
            }
            if (word.empty() || !is_plain_term(word))
                fail(VT_ERR_INVALID, "synonyms for %s: group %zu: \"%s\" is not a word or phrase", dir,
                     i + 1, s);
            members.push_back(word);
        }
        if (!tagged.empty() && !members.empty()) {
            /* The same value as synonym_group() gives a member's facet. */
            std::string value = normalise(*std::min_element(members.begin(), members.end()));
            auto &by_lang = labels[value];
            for (auto &t : tagged)
                if (std::none_of(by_lang.begin(), by_lang.end(), [&](const auto &l) { return l.first == t.first; }))
                    by_lang.push_back(std::move(t));
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
            for (size_t l = 0; l < N_LANGS && m.find(' ') == std::string::npos; l++)
                mkeys.insert("Z" + index->stems[l](m));
            for (const std::string &key : mkeys)
                for (const std::string &other : members)
                    if (other != m)
                        index->wdb->add_synonym(key, other);
        }
    }
    /* Empty removes the key: a reader then never looks for phrases. */
    index->wdb->set_metadata(PHRASE_SYNONYMS_KEY, phrases ? "1" : "");
    std::string blob;
    for (const auto &[value, by_lang] : labels) {
        if (!blob.empty())
            blob += PAIR_SEP;
        blob += value;
        for (const auto &[lang, label] : by_lang)
            blob += LABEL_SEP + lang + FACET_SEP + label;
    }
    index->wdb->set_metadata(GROUP_LABELS_KEY, blob);
    return VT_OK;
}

}  // namespace vt_index_impl
