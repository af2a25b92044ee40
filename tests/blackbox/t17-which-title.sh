#!/usr/bin/env bash
# t17-which-title: the asset page's heading is the image's own title (custom,
# else harvested, else the file name) and, as context, the object's title
# from the collection records (issue 12: the demo hid "Portrait of a lady").
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

[harvest-fields]
object_title.en=/titles/en
object_title.nl=/titles/nl
CONF
cat >"$T/api/2024.01234.json" <<'JSON'
{"titles": {"en": "Portrait of a lady with a pearl necklace", "nl": "Portret van een dame met parelsnoer"}}
JSON
# The image's own title from its sidecar, in Dutch only.
img_jpeg "$T/hot/photo/2024.01234_recto.jpg" 200 150
printf '{"title.nl": "Recto na reiniging"}' >"$T/hot/photo/2024.01234_recto.json"
# No sidecar: the page is headed by the file name, the object as context.
img_jpeg "$T/hot/photo/2024.01234_verso.jpg" 150 200
vt_ingest
vt harvest --refresh 2024.01234 >/dev/null 2>&1 || fail "vitrine harvest failed"
assert_exit 0 vt rebuild
recto=$(vt_asset photo 2024.01234_recto.jpg | jq -r .id)
verso=$(vt_asset photo 2024.01234_verso.jpg | jq -r .id)
page=$T/site/public/assets/$recto.html
assert_file "$page" "the recto's page"
grep -q '<h1 id="asset-title" dir="auto" lang="nl">Recto na reiniging</h1>' "$page" ||
    fail "the heading is not the image's custom title: $(grep -m1 '<h1' "$page")"
ok "the heading is the image's title, not the harvested English object title"
grep -q '<p class="asset__object">Object: <span dir="auto" lang="en">Portrait of a lady with a pearl necklace</span></p>' "$page" ||
    fail "the object's title is not shown as context: $(grep -m1 'asset__object' "$page")"
ok "the object's title is the context line"
page=$T/site/public/assets/$verso.html
grep -q '<h1 id="asset-title" dir="auto">2024.01234_verso.jpg</h1>' "$page" ||
    fail "the verso's heading is not its file name: $(grep -m1 '<h1' "$page")"
grep -q 'asset__object">Object: .*Portrait of a lady' "$page" || fail "the verso has no object context"
ok "an image without a title: the file name, the object as context"

note "--- each tree's Page not found"
for tree in public internal; do
    nf=$T/site/$tree/404.html
    assert_file "$nf" "$tree/404.html"
    grep -q "<h1>Page not found</h1>" "$nf" || fail "$tree/404.html has no heading"
    base=http://127.0.0.1:$VT_PORT
    [ "$tree" = public ] || base=$(grep -o 'href="http://[^"]*/index.html"' "$nf" | head -1 | sed 's|href="||; s|/index.html"||')
    grep -q "href=\"$base/search.html\"" "$nf" || fail "$tree/404.html's links are not absolute: $(grep -o 'href="[^"]*search.html"' "$nf")"
done
ok "404.html in each tree, with absolute links (it is served at any depth)"
