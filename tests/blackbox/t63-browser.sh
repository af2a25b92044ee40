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

CHROMIUM=/usr/bin/chromium
[ -x "$VT_LIGHTTPD" ] || skip "lighttpd is not installed (scripts/install-deps)"
command -v node >/dev/null || skip "node is not installed (scripts/install-deps)"
[ -d "$VT_SOURCE_DIR/node_modules/playwright-core" ] ||
    skip "node_modules/playwright-core is missing (npm ci, run by scripts/install-deps)"
[ -x "$CHROMIUM" ] || skip "$CHROMIUM is missing (Debian package chromium, scripts/install-deps)"
command -v curl >/dev/null || fail "curl is missing (scripts/install-deps)"
vt_require_bins
[ -x "$VT_BIN_DIR/vitrine-search.cgi" ] ||
    fail "$VT_BIN_DIR/vitrine-search.cgi is missing: build the project first"

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
WEB=$T/httpd
WEB_PID=
mkdir -p "$WEB/upload"
echo "vitrine test server" >"$WEB/index.txt"
{
    cat <<EOF
server.document-root = "$pub"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$WEB/error.log"
server.upload-dirs = ( "$WEB/upload" )
server.modules += ( "mod_alias", "mod_cgi", "mod_setenv", "mod_access" )
index-file.names = ( "index.html" )
mimetype.assign = (
    ".html" => "text/html; charset=utf-8", ".json" => "application/json",
    ".xml" => "application/xml", ".css" => "text/css; charset=utf-8",
    ".js" => "text/javascript; charset=utf-8", ".mjs" => "text/javascript; charset=utf-8",
    ".map" => "application/json", ".svg" => "image/svg+xml", ".png" => "image/png",
    ".jpg" => "image/jpeg", ".jpeg" => "image/jpeg", ".gif" => "image/gif",
    ".ico" => "image/vnd.microsoft.icon", ".woff" => "font/woff", ".woff2" => "font/woff2",
    ".txt" => "text/plain; charset=utf-8" )
alias.url = ( "/cgi-bin/vitrine-search.cgi" => "$VT_BIN_DIR/vitrine-search.cgi",
              "/images/" => "$T/images/",
              "/index.txt" => "$WEB/index.txt" )
\$HTTP["url"] =~ "/\\.|^/images/[^/]*\\.tif\$" {
    url.access-deny = ( "" )
}
\$HTTP["url"] == "/cgi-bin/vitrine-search.cgi" {
    cgi.assign = ( ".cgi" => "" )
}
\$HTTP["url"] =~ "^/iiif/" {
    mimetype.assign = ( ".json" => "application/ld+json;profile=\"http://iiif.io/api/presentation/3/context.json\"" )
}
EOF
    # mod_cgi gives the CGI a fresh environment: its config, and the
    # sanitizer options of a sanitizer build, go through setenv.
    printf 'setenv.add-environment = ( "VITRINE_CONFIG" => "%s", "VITRINE_AUDIENCE" => "public"%s )\n' \
        "$VT_CONF" "$(vt_lighttpd_sanitizer_env)"
} >"$WEB/lighttpd.conf"
stop_web() {
    local pid=$WEB_PID
    WEB_PID=
    vt_lighttpd_stop "$pid"
}
VT_CLEANUPS+=(stop_web)
vt_lighttpd_launch "$WEB" WEB_PID
ok "lighttpd listening on $base"

code=$(curl -sS -o "$T/cgi.body" -w '%{http_code}' "$base/cgi-bin/vitrine-search.cgi?q=2024.00042") ||
    fail "curl of the search CGI failed"
[ "$code" = 200 ] || fail "the search CGI answers $code: $(head -c 500 "$T/cgi.body"); $(tail -n 5 "$WEB/error.log")"
assert_json "[.hits[].id] | sort == ([\"$front\", \"$back\", \"$xray\"] | sort)" "$(cat "$T/cgi.body")" \
    "the CGI finds the intervention's 3 images"

note "--- headless Chromium"
mkdir -p "$T/browser"
rc=0
node "$VT_SOURCE_DIR/tests/browser/site.mjs" "$base" "$T/browser" >"$T/browser.out" 2>&1 || rc=$?
cat "$T/browser.out"
if [ "$rc" != 0 ]; then
    # The screenshot would go with $T: keep the tree so it can be looked at
    # (common.sh's clean-up reads VT_KEEP).
    # shellcheck disable=SC2034
    VT_KEEP=1
    fail "tests/browser/site.mjs exited $rc (tree kept in $T)"
fi
if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$WEB/error.log" >/dev/null 2>&1; then
    fail "the CGI reported a sanitizer error: $(grep -E -m 3 -A 10 'Sanitizer|runtime error' "$WEB/error.log")"
fi
ok "no sanitizer report in the web server's log"
echo "PASS $VT_TEST_NAME"
