#!/usr/bin/env bash
# t15-synonyms: the [search] synonyms file out of the box (issue 12): the
# demo ships an nl/fr/en/de conservation file that check-config accepts and
# counts; a search for one member finds the others; a multi-word member
# ("lead white") is a phrase synonym: check-config and reindex accept it,
# loodwit finds the phrase and the phrase finds loodwit, and its keyword
# values join the group's facet entry; a member the index cannot take (nine
# words) is refused by check-config and reindex with its line (it said
# "search index unavailable" and no more).
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
VITRINE=$VT_BIN_DIR/vitrine

note "--- the demo's synonyms"
DEMO=$T/demo
assert_exit 0 "$VITRINE" demo --dir "$DEMO" --port "$(vt_free_port)" --prepare-only
assert_file "$DEMO/synonyms.txt" "the demo's synonyms file"
for group in "vernis, varnish, Firnis" "loodwit, céruse, ceruse, Bleiweiß" "craquelure, craquelé, Krakelüre"; do
    grep -qxF "$group" "$DEMO/synonyms.txt" || fail "the demo's synonyms lack '$group'"
done
ok "the demo's synonyms have vernis/varnish/Firnis, loodwit/Bleiweiß, craquelure"
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

note "--- a member the index cannot take is refused with its line"
printf '# comment\nvernis, varnish\nlead white, one two three four five six seven eight nine\n' >"$T/synonyms.txt"
assert_exit 2 vt check-config
grep -q 'line 3: "one two three four five six seven eight nine" is more than 8 words' <<<"$VT_ERR" ||
    fail "check-config does not name line 3 and the member: $VT_ERR"
ok "check-config: $VT_ERR"
assert_exit 1 vt reindex
grep -q 'line 3: "one two three four five six seven eight nine" is more than 8 words' <<<"$VT_OUT$VT_ERR" ||
    fail "reindex does not say what is wrong: $VT_OUT $VT_ERR"
ok "reindex names the line too"
