#!/usr/bin/env bash
# t64-iiif-interop: vitrine's real output (server=static) in the IIIF
# clients people use, Mirador 4 and Universal Viewer 4 (both pinned from
# npm), in headless Chromium. Solid magenta images of every pyramid depth
# (1 to 7 levels of 512 px tiles: 1 x 1, 300 x 200, 1000 x 700, 1600 x 1200,
# 1600 x 1600, 3000 x 2000, 5000 x 800, 9000 x 600 and a 30000 x 200 strip)
# share intervention 2024.00042; a 640 x 480 image with a hostile title and
# metadata (<script>, onerror) is in 2023.00007; a grey 1600 x 1200 image
# with one public annotation (a NAME.annotations.json sidecar) is in
# 2023.00008. vitrine ingests and
# publishes them; lighttpd on 127.0.0.1 serves the public tree at /, the
# tiles at /images/, the search CGI, and Universal Viewer's dist/ at /__uv/
# (test only: the site's own pages are not what is tested here).
# tests/browser/interop.mjs then checks, by pixels and by requests: every
# depth fits the viewer, centred, in both clients; the intervention manifest
# with working thumbnails in both; the top collection navigated down to a
# manifest in Mirador and opened in Universal Viewer; hostile text shown as
# text in Mirador, never run in either; Content Search in Mirador (its
# Search 1 service, a path-style id with ?q=) lists the annotation's hit
# and highlights its region where it is. Every page: no console error, no
# failed request.
# Skipped (77) without lighttpd, node, node_modules (npm ci) or
# /usr/bin/chromium (scripts/install-deps). VT_KEEP=1 keeps the tree.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require mirador universalviewer

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
grep -q "^base-url=$base/images\$" "$VT_CONF" || fail "could not set [images] base-url in $VT_CONF"

# magenta OUT W H: a solid magenta JPEG, which no viewer draws by itself, so
# that the image's place on screen can be measured.
magenta() {
    local c=$T/.magenta
    mkdir -p "$c"
    img__vips black "$c/b.v" "$2" "$3" --bands 3
    img__vips linear "$c/b.v" "$c/l.v" "1 1 1" "255 0 255"
    img__vips cast "$c/l.v" "$c/u.v" uchar
    img__vips copy "$c/u.v" "$c/s.v" --interpretation srgb
    img__vips jpegsave "$c/s.v" "$1" --Q 95
    rm -f "$c"/*.v
}

# name width height (depth in 512 px tiles: 1 + levels below full)
SIZES="d1px 1 1
d1 300 200
d2 1000 700
d3a 1600 1200
d3b 1600 1600
d4 3000 2000
d5 5000 800
d6 9000 600
d7 30000 200"
# The magenta images are ingested before the others (below), so that the
# first manifest of the top collection (page collections list assets in
# the order they were first ready) is one of them whatever order the
# conversions end in: Universal Viewer's collection step looks for magenta.
mkdir -p "$T/later"
while read -r name w h; do
    magenta "$T/hot/photo/2024.00042_$name.jpg" "$w" "$h"
done <<<"$SIZES"
XSS1='<script>window.__xss=1</script>'
XSS2='<img src=x onerror="window.__xss=1">'
export XSS1 XSS2
img_jpeg "$T/later/2023.00007_hostile.jpg" 640 480
jq -n '{"title.en": ("Hostile " + env.XSS1), "description.en": ("Said " + env.XSS2),
        "keywords.en": [env.XSS1, "plain"]}' >"$T/later/2023.00007_hostile.json" ||
    fail "could not write the sidecar"
# Content Search: a grey 1600 x 1200 image with one public annotation (an
# annotations sidecar) whose text holds a word no other asset has.
grey() {
    local c=$T/.grey
    mkdir -p "$c"
    img__vips black "$c/b.v" "$2" "$3" --bands 3
    img__vips linear "$c/b.v" "$c/l.v" "1 1 1" "128 128 128"
    img__vips cast "$c/l.v" "$c/u.v" uchar
    img__vips copy "$c/u.v" "$c/s.v" --interpretation srgb
    img__vips jpegsave "$c/s.v" "$1" --Q 95
    rm -f "$c"/*.v
}
grey "$T/later/2023.00008_annotated.jpg" 1600 1200
jq -n '{type: "AnnotationPage", items: [
  {id: "flake", "vitrine:visibility": "public",
   body: {value: "Verfverlies rond craquelurezone"},
   target: {selector: {type: "FragmentSelector", value: "xywh=pixel:200,300,400,200"}}}]}' \
    >"$T/later/2023.00008_annotated.annotations.json" || fail "could not write the annotations"
vt_ingest
mv "$T/later/"* "$T/hot/photo/"
vt_ingest

pub=$T/site/public
{
    echo '{"assets": ['
    sep=
    while read -r name w h; do
        a=$(vt_asset photo "2024.00042_$name.jpg")
        printf '%s{"name": "%s", "id": "%s", "width": %s, "height": %s}\n' "$sep" "$name" \
            "$(jq -r .id <<<"$a")" "$(jq -r .width <<<"$a")" "$(jq -r .height <<<"$a")"
        sep=,
        [ -f "$pub/iiif/$(jq -r .id <<<"$a")/manifest.json" ] || fail "$name has no manifest"
    done <<<"$SIZES"
    echo '],'
    printf '"hostile": "%s", "intervention": "2024.00042",\n' \
        "$(vt_asset photo 2023.00007_hostile.jpg | jq -r .id)"
    printf '"annotated": {"id": "%s", "width": 1600, "height": 1200, "word": "craquelurezone",\n' \
        "$(vt_asset photo 2023.00008_annotated.jpg | jq -r .id)"
    printf '              "text": "Verfverlies rond craquelurezone", "region": [200, 300, 400, 200]}}\n' 
} >"$T/interop.json"
jq -e '.assets | length == 9' "$T/interop.json" >/dev/null || fail "fixture: $(cat "$T/interop.json")"
ok "9 depths and a hostile asset published"
# Depths as info.json says them: 1 to 7 levels.
depths=$(jq -r '.assets[].id' "$T/interop.json" | while read -r id; do
    jq '.tiles[0].scaleFactors | length' "$T/images/$id/info.json"; done | sort -un | tr '\n' ' ')
assert_eq "1 2 3 4 5 6 7 " "$depths" "pyramid depths covered"
out=$(vt reindex 2>&1) || fail "vitrine reindex failed: $out"

note "--- lighttpd on 127.0.0.1:$VT_PORT"
# UV's own files, and as docs/web does: a width alone gets the thumbnail
# (UV asks full/90,).
site_httpd_start "$pub" "$(cat <<EOF
alias.url += ( "/__uv/" => "$VT_SOURCE_DIR/node_modules/universalviewer/dist/" )
url.rewrite-if-not-file = (
    "^/images/([a-z0-9]{1,64})/full/[0-9]{1,6},/0/default\\.jpg\$" => "/images/\$1/thumbnail.jpg" )
EOF
)"
note "--- headless Chromium: Mirador 4 and Universal Viewer 4"
mkdir -p "$T/browser"
browser_run interop.mjs "$base" "$T/interop.json" "$T/browser"
echo "PASS $VT_TEST_NAME"
