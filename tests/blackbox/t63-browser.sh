#!/usr/bin/env bash
# t63-browser: the site as a visitor's browser sees it. A tree with static
# IIIF tiles, images of two public departments sharing an intervention, with
# sidecar metadata holding multilingual keywords and hostile values
# (<script>, onerror); ingested and indexed; lighttpd on 127.0.0.1 serves
# the public tree at /, the tiles at /images/ and the search CGI at
# /cgi-bin/vitrine-search.cgi. tests/browser/site.mjs then drives headless
# Chromium (playwright-core) through home, autocomplete, search and facets,
# an asset page (tiles, no failed request, hostile text shown as text,
# favourites), the intervention page, Mirador, and search with the CGI down.
# Skipped (77) without lighttpd, node, node_modules/playwright-core (npm ci)
# or /usr/bin/chromium (scripts/install-deps).
# VT_KEEP=1 keeps the tree (and the failure screenshot in $T/browser/).
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
# Static tiles under /images/ (the site has iiif/<id>/manifest.json), and
# both departments public and filing by intervention, so that one
# intervention spans two departments on the public site.
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
grep -q "^base-url=$base/images\$" "$VT_CONF" || fail "could not set [images] base-url in $VT_CONF"
sed -i '/^\[department:xray\]/,$ s/^visibility=internal$/visibility=public/' "$VT_CONF"
sed -i '/^\[department:xray\]/a intervention=^([0-9]{4}\\.[0-9]{4,5})' "$VT_CONF"

# Hostile values: the page must show them as text, never run them. (The
# quotes in them are data: shellcheck's SC2089/SC2090 do not apply.)
XSS1='<script>window.__xss=1</script>'
# shellcheck disable=SC2089
XSS2='"><img src=x onerror="window.__xss=1">'
# shellcheck disable=SC2090
export XSS1 XSS2
sidecar() {   # sidecar FILE JQ_FILTER: writes the JSON sidecar FILE
    jq -n "$2" >"$1" || fail "could not write $1"
}

# 1800 x 2400: its download (1536 x 2048) once sat in info.json's sizes,
# where OpenSeadragon took it for the half-size level (every tile a 404).
img_jpeg "$T/hot/photo/2024.00042_front.jpg" 1800 2400
sidecar "$T/hot/photo/2024.00042_front.json" '{
  "title.en": ("Altarpiece, front " + env.XSS1), "title.nl": "Retabel, voorzijde",
  "description.en": ("Before varnish removal " + env.XSS2),
  "keywords.en": ["craquelure", "varnish", env.XSS1],
  "keywords.nl": ["vernisafname", env.XSS2],
  "keywords.fr": ["retable"],
  "creator": "Workshop of Rubens"}'
img_jpeg "$T/hot/photo/2024.00042_back.jpg" 480 640
sidecar "$T/hot/photo/2024.00042_back.json" '{
  "title.en": "Altarpiece, back", "keywords.en": ["craquelure", "panel"]}'
img_jpeg "$T/hot/xray/2024.00042_xray.jpg" 600 600
sidecar "$T/hot/xray/2024.00042_xray.json" '{
  "title.en": "Altarpiece, radiograph", "keywords.en": ["radiograph", "craquelure"],
  "keywords.de": ["Röntgenaufnahme"]}'
img_jpeg "$T/hot/photo/2023.00007_detail.jpg" 500 400
sidecar "$T/hot/photo/2023.00007_detail.json" '{
  "title.en": "Chalice, detail", "keywords.en": ["silver", "tarnish"]}'
vt_ingest

front=$(vt_asset photo 2024.00042_front.jpg | jq -r .id)
back=$(vt_asset photo 2024.00042_back.jpg | jq -r .id)
xray=$(vt_asset xray 2024.00042_xray.jpg | jq -r .id)
pub=$T/site/public
for f in index.html search.html favourites.html terms.json "assets/$front.html" \
    "interventions/2024.00042.html" "iiif/$front/manifest.json" \
    "iiif/intervention/2024.00042/manifest.json" static/mirador.html \
    static/vendor/openseadragon/openseadragon.min.js static/vendor/mirador/mirador.min.js; do
    assert_file "$pub/$f" "public/$f"
done
assert_file "$T/images/$front/info.json" "the static tiles' info.json"

# The search index: `vitrine reindex` builds it from the store (as
# vitrined does at start), without a daemon to stop afterwards.
out=$(vt reindex 2>&1) || fail "vitrine reindex failed: $out"
ok "vitrine reindex: $out"

note "--- lighttpd on 127.0.0.1:$VT_PORT"
site_httpd_start "$pub"
code=$(curl -sS -o "$T/cgi.body" -w '%{http_code}' "$base/cgi-bin/vitrine-search.cgi?q=2024.00042") ||
    fail "curl of the search CGI failed"
[ "$code" = 200 ] || fail "the search CGI answers $code: $(head -c 500 "$T/cgi.body"); $(tail -n 5 "$WEB/error.log")"
assert_json "[.hits[].id] | sort == ([\"$front\", \"$back\", \"$xray\"] | sort)" "$(cat "$T/cgi.body")" \
    "the CGI finds the intervention's 3 images"

note "--- headless Chromium"
mkdir -p "$T/browser"
browser_run site.mjs "$base" "$T/browser"
echo "PASS $VT_TEST_NAME"
