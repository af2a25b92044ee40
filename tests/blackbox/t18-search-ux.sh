#!/usr/bin/env bash
# t18-search-ux: the search CGI as a visitor meets it (issue 12): the
# identifier an asset page shows and the original file name find the asset;
# a query syntax error (q=AND) gets a friendly message with an example; the
# Type facet is the image's kind from its metadata, not the department
# again; the Year facet is filled from a date field.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
img_jpeg "$T/hot/photo/2024.01234_recto.jpg" 200 150
printf '{"title.en": "Recto", "type": "raking light", "date": "c. 1620"}' \
    >"$T/hot/photo/2024.01234_recto.json"
img_jpeg "$T/hot/photo/IMG_4711.jpg" 150 200
vt_ingest
recto=$(vt_asset photo 2024.01234_recto.jpg | jq -r .id)
other=$(vt_asset photo IMG_4711.jpg | jq -r .id)

search() {
    REQUEST_METHOD=GET QUERY_STRING="$1" VITRINE_CONFIG=$VT_CONF \
        "$VT_BIN_DIR/vitrine-search.cgi" >"$T/answer" 2>"$T/answer.err" || true
    sed '1,/^\r\?$/d' "$T/answer"
}
status_of() { head -5 "$T/answer" | grep -i '^Status:' | tr -d '\r' | awk '{print $2}'; }

note "--- an asset's identifier and its file name find it"
assert_eq "[\"$recto\"]" "$(search "q=$recto" | jq -c '[.hits[].id]')" "q=ID finds the asset"
assert_eq "[\"$other\"]" "$(search "q=IMG_4711.jpg" | jq -c '[.hits[].id]')" "q=IMG_4711.jpg finds it"
assert_eq "[\"$recto\"]" "$(search "q=2024.01234_recto.jpg" | jq -c '[.hits[].id]')" \
    "q=2024.01234_recto.jpg finds it"

note "--- hits say where they belong"
hit=$(search "q=$recto" | jq -c '.hits[0]')
assert_json '.department == "photo" and .intervention == "2024.01234"' "$hit" \
    "a hit carries its department and intervention"
assert_json '.hits[0] | .department == "photo" and (has("intervention") | not)' \
    "$(search "q=IMG_4711.jpg")" "a hit without an intervention has none"

note "--- a query syntax error"
answer=$(search "q=AND")
assert_eq 400 "$(status_of)" "q=AND is a bad request"
msg=$(jq -r .error <<<"$answer")
grep -q "For example: vernis OR varnish" <<<"$msg" || fail "q=AND: no friendly message: $answer"
grep -qi "syntax:\|<expression>" <<<"$msg" && fail "q=AND shows the parser's text: $msg"
ok "q=AND: $msg"

note "--- facets"
answer=$(search "q=&size=10")
assert_json '[.facets.type[]?.label] == ["raking light"]' "$answer" \
    "the Type facet is the image's kind, not the department"
assert_json '[.facets.year[]?.value | tostring] == ["1620"]' "$answer" "the Year facet from the date field"
