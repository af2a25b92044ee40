#!/usr/bin/env bash
# t28-harvest: harvested metadata from a real local HTTP server playing the
# collection system. Ingest never waits on it: a record that is down (500)
# or garbage leaves the asset ready, with the failure in `vitrine status`;
# a harvested field cannot be edited; `vitrine harvest --refresh` fetches
# again once the API is back; the search index knows harvested fields.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
command -v python3 >/dev/null || skip "python3 is needed for the collection-system stand-in"
vt_make_tree cantaloupe
API_PORT=$(vt_free_port)
mkdir -p "$T/api"
python3 "$VT_SOURCE_DIR/tests/lib/collection-api.py" "$T/api" "$API_PORT" 2>"$T/api.log" &
API_PID=$!
stop_api() { kill "$API_PID" 2>/dev/null || true; }
VT_CLEANUPS+=(stop_api)
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$API_PORT/" || fail "the API stand-in did not start"
cat >>"$VT_CONF" <<CONF

[harvest]
url=http://127.0.0.1:$API_PORT/api/interventions/{intervention}
format=json
timeout-seconds=3
refresh-hours=24

[harvest-fields]
title=/title
title.fr=/titles/fr
creator=/object/creator
object=/object/name
CONF
vt check-config >/dev/null || fail "the harvest configuration is refused: $(vt check-config 2>&1)"
ok "check-config accepts [harvest]"

cat >"$T/api/2019.12345.json" <<'JSON'
{"title": "Retabel van de Lam Gods", "titles": {"fr": "Retable de l'Agneau mystique"},
 "object": {"name": "retabel", "creator": ["Hubert van Eyck", "Jan van Eyck"]}}
JSON
echo 500 >"$T/api/2020.00001.status"
printf 'this is { not json' >"$T/api/2020.00002.json"
img_jpeg "$T/hot/photo/2019.12345_front.jpg" 200 150
img_jpeg "$T/hot/xray/2019.12345_xray.jpg" 150 200
img_jpeg "$T/hot/photo/2020.00001_a.jpg" 100 100
img_jpeg "$T/hot/photo/2020.00002_b.jpg" 120 100
vt_ingest

a=$(vt_asset photo 2019.12345_front.jpg)
id=$(jq -r .id <<<"$a")
show=$(vt show "$id" --json)
assert_eq '["Retabel van de Lam Gods","Retable de l'"'"'Agneau mystique"]' \
    "$(jq -c '[.harvested.title[].value]' <<<"$show")" "harvested titles"
assert_eq '["Hubert van Eyck","Jan van Eyck"]' "$(jq -c '[.harvested.creator[].value]' <<<"$show")" \
    "harvested creators (an array in the record)"
assert_eq fr "$(jq -r '.harvested.title[1].lang' <<<"$show")" "the language of title.fr"
assert_eq ready "$(vt_asset photo 2020.00001_a.jpg | jq -r .state)" "an asset whose API answer is 500 is still ready"
assert_eq ready "$(vt_asset photo 2020.00002_b.jpg | jq -r .state)" "an asset whose API answer is garbage is still ready"

st=$(vt status --json)
assert_eq 3 "$(jq .harvest.records <<<"$st")" "harvest records (one per intervention)"
assert_eq 2 "$(jq .harvest.failing <<<"$st")" "failing harvest records"
jq -e '.harvest.problems[] | select(.intervention == "2020.00001") | .message | test("500")' <<<"$st" >/dev/null ||
    fail "status does not show the HTTP 500: $(jq -c .harvest <<<"$st")"
ok "status names the HTTP 500"

assert_exit 1 vt set "$id" title=Anders
grep -q "harvested from the collection system" <<<"$VT_ERR" || fail "no clear refusal: $VT_ERR"
ok "a harvested field cannot be edited"

note "--- the API recovers"
rm "$T/api/2020.00001.status"
echo '{"title": "Triptiek"}' >"$T/api/2020.00001.json"
vt harvest --refresh 2020.00001 >/dev/null 2>&1 || fail "vitrine harvest failed"
b=$(vt_asset photo 2020.00001_a.jpg | jq -r .id)
assert_eq Triptiek "$(vt show "$b" --json | jq -r '.harvested.title[0].value')" "harvested after the refresh"
assert_eq 1 "$(vt status --json | jq .harvest.failing)" "failing harvest records after the refresh"

note "--- the search index has the harvested fields"
hits=$(REQUEST_METHOD=GET QUERY_STRING='q=creator:eyck' VITRINE_CONFIG=$VT_CONF \
    "$VT_BIN_DIR/vitrine-search.cgi" | sed '1,/^\r\?$/d')
assert_eq "[\"$id\"]" "$(jq -c '[.hits[].id]' <<<"$hits")" \
    "creator:eyck finds the public photo only (the x-ray is internal)"
