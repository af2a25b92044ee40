#!/usr/bin/env bash
# t15-synonyms: the [search] synonyms file out of the box (issue 12): the
# demo ships an nl/fr/en/de conservation file that check-config accepts and
# counts; a search for one member finds the others; a multi-word member
# ("lead white") is a phrase synonym: check-config and reindex accept it,
# loodwit finds the phrase and the phrase finds loodwit, and its keyword
# values join the group's facet entry; a member the index cannot take (nine
# words) is refused by check-config and reindex with its line (it said
# "search index unavailable" and no more). Members tagged with their
# language (vernis@nl, varnish@en) label the group's facet entry in the
# language the search asks for (hl=), and an unknown tag is refused with
# its line.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
VITRINE=$VT_BIN_DIR/vitrine

note "--- the demo's synonyms"
DEMO=$T/demo
assert_exit 0 "$VITRINE" demo --dir "$DEMO" --port "$(vt_free_port)" --prepare-only
assert_file "$DEMO/synonyms.txt" "the demo's synonyms file"
for group in "vernis@nl, vernis@fr, varnish@en, Firnis@de" \
    "loodwit@nl, blanc de plomb@fr, céruse@fr, lead white@en, ceruse@en, Bleiweiß@de" \
    "craquelure@nl, craquelure@fr, craquelé@fr, craquelure@en, Krakelüre@de"; do
    grep -qxF "$group" "$DEMO/synonyms.txt" || fail "the demo's synonyms lack '$group'"
done
ok "the demo's synonyms have vernis/varnish/Firnis, loodwit/lead white/Bleiweiß, craquelure, tagged"
assert_exit 0 "$VITRINE" -c "$DEMO/vitrine.conf" check-config
groups=$(grep -cv '^#' "$DEMO/synonyms.txt")
grep -qE "synonyms: $groups groups, [0-9]+ words, from .*synonyms.txt" <<<"$VT_OUT" ||
    fail "check-config does not count the demo's $groups synonym groups: $VT_OUT"
ok "check-config: $(grep synonyms: <<<"$VT_OUT")"

note "--- a search for one member finds the others"
vt_make_tree cantaloupe
cp "$DEMO/synonyms.txt" "$T/synonyms.txt"
printf '\n[search]\nsynonyms=%s\n' "$T/synonyms.txt" >>"$VT_CONF"
assert_exit 0 vt check-config
img_jpeg "$T/hot/photo/a.jpg" 100 80
printf '{"keywords": ["vernis"]}' >"$T/hot/photo/a.json"
img_jpeg "$T/hot/photo/b.jpg" 120 90
printf '{"keywords": ["Bleiweiß"]}' >"$T/hot/photo/b.json"
img_jpeg "$T/hot/photo/c.jpg" 140 90
printf '{"keywords": ["Varnish", "craquelure"]}' >"$T/hot/photo/c.json"
vt_ingest
a=$(vt_asset photo a.jpg | jq -r .id)
b=$(vt_asset photo b.jpg | jq -r .id)
search() {
    REQUEST_METHOD=GET QUERY_STRING="q=$1" VITRINE_CONFIG=$VT_CONF \
        "$VT_BIN_DIR/vitrine-search.cgi" | sed '1,/^\r\?$/d'
}
c=$(vt_asset photo c.jpg | jq -r .id)
assert_eq "$(jq -cn --arg a "$a" --arg c "$c" '[$a, $c] | sort')" \
    "$(search varnish | jq -c '[.hits[].id] | sort')" "varnish finds vernis and Varnish"
assert_eq "$(jq -cn --arg a "$a" --arg c "$c" '[$a, $c] | sort')" \
    "$(search Firnis | jq -c '[.hits[].id] | sort')" "Firnis finds vernis and Varnish"

note "--- keyword values that are synonyms are one facet entry"
facets=$(search "" | jq -c '.facets.keywords')
assert_json 'map(select(.label == "vernis" or .label == "Varnish")) | length == 1 and .[0].count == 2' \
    "$facets" "vernis and Varnish are one keywords entry, counted 2"
assert_json 'map(select(.value == "craquelure")) | .[0].count == 1' "$facets" "craquelure on its own"
assert_eq 3 "$(jq length <<<"$facets")" "three keyword entries for four values"
group=$(jq -r 'map(select(.label == "vernis" or .label == "Varnish")) | .[0].value' <<<"$facets")
filtered=$(REQUEST_METHOD=GET QUERY_STRING="f=keywords:$group" VITRINE_CONFIG=$VT_CONF \
    "$VT_BIN_DIR/vitrine-search.cgi" | sed '1,/^\r\?$/d')
assert_eq "$(jq -cn --arg a "$a" --arg c "$c" '[$a, $c] | sort')" "$(jq -c '[.hits[].id] | sort' <<<"$filtered")" \
    "the entry's filter gives both images"
assert_eq "[\"$b\"]" "$(search loodwit | jq -c '[.hits[].id]')" "loodwit finds Bleiweiß"

note "--- a phrase in a group is a phrase synonym"
printf '# comment\nvernis, varnish\nlead white, loodwit, blanc de plomb, Bleiweiß\n' >"$T/synonyms.txt"
assert_exit 0 vt check-config
grep -q "synonyms: 2 groups, 6 words" <<<"$VT_OUT" || fail "check-config does not count the phrase: $VT_OUT"
img_jpeg "$T/hot/photo/d.jpg" 150 90
printf '{"description": "Traces of lead white under the paint"}' >"$T/hot/photo/d.json"
img_jpeg "$T/hot/photo/e.jpg" 160 90
printf '{"description": "White paint, a lead seal", "keywords": ["Lead white"]}' >"$T/hot/photo/e.json"
img_jpeg "$T/hot/photo/g.jpg" 170 90
printf '{"description": "white paint with lead"}' >"$T/hot/photo/g.json"
vt_ingest
assert_exit 0 vt reindex
d=$(vt_asset photo d.jpg | jq -r .id)
e=$(vt_asset photo e.jpg | jq -r .id)
g=$(vt_asset photo g.jpg | jq -r .id)
bde=$(jq -cn --arg b "$b" --arg d "$d" --arg e "$e" '[$b, $d, $e] | sort')
assert_eq "$bde" "$(search loodwit | jq -c '[.hits[].id] | sort')" \
    "loodwit finds Bleiweiß, the phrase lead white and the keyword Lead white (not the words apart)"
assert_eq "$bde" "$(search '%22lead+white%22' | jq -c '[.hits[].id] | sort')" \
    "\"lead white\" finds loodwit's group"
assert_eq "$(jq -cn --arg b "$b" --arg d "$d" --arg e "$e" --arg g "$g" '[$b, $d, $e, $g] | sort')" \
    "$(search 'lead+white' | jq -c '[.hits[].id] | sort')" "lead white in a row: as typed (the words apart too) or the group"
facets=$(search "" | jq -c '.facets.keywords')
assert_json 'map(select(.label == "Bleiweiß" or .label == "Lead white")) | length == 1 and .[0].count == 2' \
    "$facets" "Bleiweiß and Lead white are one keywords entry, counted 2"

note "--- members tagged with their language label the group's facet entry (hl=)"
printf '# tagged\nvernis@nl, vernis@fr, varnish@en, Firnis@de\nlead white@en, loodwit@nl, blanc de plomb@fr, Bleiweiß@de\n' \
    >"$T/synonyms.txt"
assert_exit 0 vt check-config
grep -q "synonyms: 2 groups, 8 words" <<<"$VT_OUT" || fail "check-config does not count the tagged file: $VT_OUT"
assert_exit 0 vt reindex
keywords_in() {
    REQUEST_METHOD=GET QUERY_STRING="$1" VITRINE_CONFIG=$VT_CONF \
        "$VT_BIN_DIR/vitrine-search.cgi" | sed '1,/^\r\?$/d' | jq -c '.facets.keywords'
}
for case in "fr vernis blanc de plomb" "nl vernis loodwit" "en varnish lead white" "de Firnis Bleiweiß"; do
    read -r hl varnish white <<<"$case"
    facets=$(keywords_in "hl=$hl")
    assert_json "map(select(.value == \"firnis\")) | length == 1 and .[0].count == 2 and
                 .[0].label == \"$varnish\" and .[0].lang == \"$hl\"" "$facets" "hl=$hl: vernis and Varnish are '$varnish'"
    assert_json "map(select(.value == \"blanc de plomb\")) | length == 1 and .[0].count == 2 and
                 .[0].label == \"$white\"" "$facets" "hl=$hl: Bleiweiß and Lead white are '$white'"
done
assert_json 'map(select(.value == "firnis")) | .[0].labels == {"nl": "vernis", "fr": "vernis", "en": "varnish", "de": "Firnis"}' \
    "$(keywords_in hl=fr)" "the entry carries every language's label"
assert_json 'map(select(has("labels"))) | length == 0' "$(keywords_in "")" "without hl, no labels (the answer of before)"

note "--- a member the index cannot take is refused with its line"
printf '# comment\nvernis@nl, varnish@en\nlead white@en, loodwit@xx\n' >"$T/synonyms.txt"
assert_exit 2 vt check-config
grep -q 'line 3: "loodwit@xx" has an unknown language tag' <<<"$VT_ERR" ||
    fail "check-config does not name line 3 and the tag: $VT_ERR"
ok "check-config: $VT_ERR"
printf '# comment\nvernis, varnish\nlead white, one two three four five six seven eight nine\n' >"$T/synonyms.txt"
assert_exit 2 vt check-config
grep -q 'line 3: "one two three four five six seven eight nine" is more than 8 words' <<<"$VT_ERR" ||
    fail "check-config does not name line 3 and the member: $VT_ERR"
ok "check-config: $VT_ERR"
assert_exit 1 vt reindex
grep -q 'line 3: "one two three four five six seven eight nine" is more than 8 words' <<<"$VT_OUT$VT_ERR" ||
    fail "reindex does not say what is wrong: $VT_OUT $VT_ERR"
ok "reindex names the line too"
