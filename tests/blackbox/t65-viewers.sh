#!/usr/bin/env bash
# t65-viewers: the research viewers (issue 10) in headless Chromium. A tree
# with static IIIF tiles: four public images of one object (intervention
# 2024.00042) in different "modalities" and pixel sizes (red 1200x900, blue
# 600x450, a gradient 800x600, green 400x300: one aspect ratio, so aligned
# by width they cover each other exactly), and one internal image (X-ray).
# The raking-light image gets a story from an annotations sidecar: three
# public story annotations, one internal one and a plain comment. lighttpd on 127.0.0.1 serves the public tree at /,
# the tiles at /images/ and the search CGI (public audience) at
# /cgi-bin/vitrine-search.cgi. The shared selection is checked first with
# curl (headers, 304, schema-valid, no internal asset even when named), then
# tests/browser/viewers.mjs drives compare (sync, independent, curtain,
# layers, placeholders, alignment), story, favourites -> share -> Mirador and
# Universal Viewer, and axe-core.
# Skipped (77) without lighttpd, node, node_modules (npm ci) or chromium.
# VT_KEEP=1 keeps the tree. VT_VIEWERS_BENCH=1 also runs bench/viewers.mjs
# on the same fixture and prints its figures; VT_VIEWERS_BENCH=only runs it
# instead of the browser tests (bench/viewers does that).
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require axe-core ajv universalviewer mirador openseadragon
command -v vips >/dev/null || skip "vips is missing (libvips-tools, scripts/install-deps)"

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
grep -q "^base-url=$base/images\$" "$VT_CONF" || fail "could not set [images] base-url in $VT_CONF"

# solid OUT W H "R G B": a JPEG of one colour.
solid() {
    mkdir -p "$(dirname -- "$1")"
    local v=$T/.solid.v
    vips black "$v" "$2" "$3" --bands 3 >/dev/null 2>&1 || fail "vips black failed"
    vips linear "$v" "$v.l.v" "1 1 1" "$4" --uchar >/dev/null 2>&1 || fail "vips linear failed"
    vips copy "$v.l.v" "$v.s.v" --interpretation srgb >/dev/null 2>&1 || fail "vips copy failed"
    vips jpegsave "$v.s.v" "$1" --Q 95 >/dev/null 2>&1 || fail "vips jpegsave failed"
    rm -f "$v" "$v.l.v" "$v.s.v"
}
sidecar() { jq -n "$2" >"$1" || fail "could not write $1"; }

solid "$T/hot/photo/2024.00042_visible.jpg" 1200 900 "255 0 0"
sidecar "$T/hot/photo/2024.00042_visible.json" '{"title.en": "Panel, visible light"}'
solid "$T/hot/photo/2024.00042_infrared.jpg" 600 450 "0 0 255"
sidecar "$T/hot/photo/2024.00042_infrared.json" '{"title.en": "Panel, infrared"}'
img_jpeg "$T/hot/photo/2024.00042_raking.jpg" 800 600
sidecar "$T/hot/photo/2024.00042_raking.json" '{"title.en": "Panel, raking light"}'
# story(ORDER, VISIBILITY, TITLE, TEXT, SELECTOR): one story annotation.
jq -n '
  def story(o; vis; title; text; sel): {type: "Annotation", "vitrine:type": "story", "vitrine:order": o,
    "vitrine:visibility": vis,
    body: ([{type: "TextualBody", value: title, "vitrine:field": "title"}] +
           (if text then [{type: "TextualBody", value: text, "vitrine:field": "text"}] else [] end)),
    target: {source: "x", selector: sel}};
  {type: "AnnotationPage", items: [
    story(2; "public"; "Second: the lower right"; "A <b>bold</b> claim, shown as text.";
          {type: "FragmentSelector", value: "xywh=600,420,160,120"}),
    {type: "Annotation", "vitrine:type": "descriptive", "vitrine:visibility": "public",
     body: [{type: "TextualBody", value: "Not a story", "vitrine:field": "text"}],
     target: {source: "x", selector: {type: "FragmentSelector", value: "xywh=0,0,10,10"}}},
    story(1; "public"; "First: the upper left"; "Look at the corner.";
          {type: "FragmentSelector", value: "xywh=40,30,200,150"}),
    story(4; "internal"; "Fourth: internal only"; "Staff notes.";
          {type: "FragmentSelector", value: "xywh=10,10,50,50"}),
    story(3; "public"; "Third: a traced outline"; null;
          {type: "SvgSelector", value: "<svg xmlns=\"http://www.w3.org/2000/svg\"><polygon points=\"300,200 500,200 400,380\"/></svg>"})
  ]}' >"$T/hot/photo/2024.00042_raking.annotations.json" || fail "could not write the story sidecar"
solid "$T/hot/photo/2024.00042_uv.jpg" 400 300 "0 255 0"
sidecar "$T/hot/photo/2024.00042_uv.json" '{"title.en": "Panel, ultraviolet"}'
img_jpeg "$T/hot/xray/2024.00042_xray.jpg" 600 450
sidecar "$T/hot/xray/2024.00042_xray.json" '{"title.en": "Panel, radiograph (internal)"}'
vt_ingest

visible=$(vt_asset photo 2024.00042_visible.jpg | jq -r .id)
infrared=$(vt_asset photo 2024.00042_infrared.jpg | jq -r .id)
raking=$(vt_asset photo 2024.00042_raking.jpg | jq -r .id)
uv=$(vt_asset photo 2024.00042_uv.jpg | jq -r .id)
xray=$(vt_asset xray 2024.00042_xray.jpg | jq -r .id)
pub=$T/site/public
for f in compare.html story.html favourites.html static/compare.js static/curtain.js \
    static/layers.js static/story.js static/share.js static/uv.html static/viewers.css \
    static/vendor/universalviewer/umd/UV.js static/vendor/universalviewer/uv.css \
    static/vendor/universalviewer/LICENSE.txt "iiif/$raking/manifest.json"; do
    assert_file "$pub/$f" "public/$f"
done
assert_file "$T/site/internal/compare.html" "internal/compare.html"
assert_file "$T/site/internal/story.html" "internal/story.html"
[ ! -e "$pub/iiif/$xray/manifest.json" ] || fail "the internal image has a public manifest"

# The story arrives as a real sidecar would bring it: published per tree
# as iiif/<id>/annotations.json, named from the canvas. Three public story
# steps, an internal one (the internal tree only) and a plain comment.
wait_for 10 test -s "$pub/iiif/$raking/annotations.json" ||
    fail "no public AnnotationPage for the raking-light image: $(cat "$T/ingest.err")"
assert_json '[.items[] | select(."vitrine:type" == "story")] | length == 3' \
    "$(cat "$pub/iiif/$raking/annotations.json")" "the public tree publishes the 3 public story steps"
assert_json '[.items[] | select(."vitrine:type" == "story")] | length == 4' \
    "$(cat "$T/site/internal/iiif/$raking/annotations.json")" "the internal tree publishes all 4"
assert_json '.items[0].annotations[0].id | endswith("/iiif/'"$raking"'/annotations.json")' \
    "$(cat "$pub/iiif/$raking/manifest.json")" "the canvas names its AnnotationPage"

# The pages run under the Content-Security-Policy of the shipped web
# server configuration (docs/web/lighttpd.conf), so that a viewer needing
# inline scripts or eval would fail here.
csp=$(grep -o "\"Content-Security-Policy\" => \"default-src 'self'[^\"]*\"" \
    "$VT_SOURCE_DIR/docs/web/lighttpd.conf" | head -n 1)
[ -n "$csp" ] || fail "no site Content-Security-Policy in docs/web/lighttpd.conf"

note "--- lighttpd on 127.0.0.1:$VT_PORT"
site_httpd_start "$pub" "setenv.add-response-header = ( $csp )"
note "--- the shared selection (public CGI)"
sel="$base/cgi-bin/vitrine-search.cgi?selection=$visible,$xray,$infrared,nosuchid0"
code=$(curl -sS -D "$T/sel.headers" -o "$T/sel.json" -w '%{http_code}' "$sel") || fail "curl of $sel failed"
[ "$code" = 200 ] || fail "the selection answers $code: $(head -c 500 "$T/sel.json")"
grep -qi '^content-type: application/ld+json' "$T/sel.headers" || fail "not served as JSON-LD: $(cat "$T/sel.headers")"
grep -qi '^access-control-allow-origin: \*' "$T/sel.headers" || fail "no CORS header"
grep -qi '^cache-control: public, max-age=' "$T/sel.headers" || fail "no Cache-Control"
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' "$T/sel.headers" | tr -d '\r')
[ -n "$etag" ] || fail "no ETag"
assert_json "[.items[].id] == [\"$base/iiif/$visible/canvas/1\", \"$base/iiif/$infrared/canvas/1\"]" \
    "$(cat "$T/sel.json")" "two canvases, in the order asked; the internal image left out"
if grep -q "$xray" <(jq '.items' "$T/sel.json") || grep -q "radiograph" "$T/sel.json"; then
    fail "the public selection shows the internal image"
fi
assert_json ".summary.en[0] | contains(\"$xray\") and contains(\"nosuchid0\")" "$(cat "$T/sel.json")" \
    "the summary names the ids left out"
node "$VT_SOURCE_DIR/tests/sitegen/validate-iiif.mjs" "$T/sel.json" >"$T/validate.out" 2>&1 ||
    fail "the selection manifest is not valid Presentation 3: $(cat "$T/validate.out")"
ok "the selection manifest is valid Presentation 3"
code=$(curl -sS -o /dev/null -H "If-None-Match: $etag" -w '%{http_code}' "$sel") || fail "curl failed"
[ "$code" = 304 ] || fail "If-None-Match with the ETag answers $code, expected 304"
ok "a revalidation with the ETag answers 304"
code=$(curl -sS -o "$T/bad.json" -w '%{http_code}' "$base/cgi-bin/vitrine-search.cgi?selection=../../etc") ||
    fail "curl failed"
[ "$code" = 400 ] || fail "a bad id answers $code, expected 400"

note "--- headless Chromium"
mkdir -p "$T/browser"
VT_IDS=$(jq -nc --arg visible "$visible" --arg infrared "$infrared" --arg raking "$raking" \
    --arg uv "$uv" --arg xray "$xray" '{visible: $visible, infrared: $infrared, raking: $raking, uv: $uv, xray: $xray}')
export VT_IDS
if [ "${VT_VIEWERS_BENCH:-0}" != only ]; then
    browser_run viewers.mjs "$base" "$T/browser"
fi
if [ "${VT_VIEWERS_BENCH:-0}" != 0 ]; then
    node "$VT_SOURCE_DIR/bench/viewers.mjs" "$base" || fail "bench/viewers.mjs failed"
fi
echo "PASS $VT_TEST_NAME"
