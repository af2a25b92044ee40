#!/usr/bin/env bash
# t68-edit-browser: a member of staff edits metadata on the internal site in
# headless Chromium (tests/browser/edit.mjs): logs in (basic authentication),
# adds a keyword by picking the suggested term from terms.json while typing,
# sees the near-duplicate warning ("did you mean 'craquelure', used 3
# times?"), removes a value, and finds the change in the page's history
# after vitrined has published it; an editor's visibility change is refused
# with the CGI's message; from the internal search results two of three
# images are ticked and given one value in one request (one audit entry
# each). lighttpd serves the internal tree behind
# authentication, the static tiles and vitrine-edit.cgi; vitrined runs.
# Skipped (77) without lighttpd, node, playwright-core or Chromium.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require
[ -x "$VT_BIN_DIR/vitrine-edit.cgi" ] || fail "vitrine-edit.cgi is missing: build the project first"

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
cat >>"$VT_CONF" <<EOF

[staff]
editors=ed, pub
publishers=pub
EOF
sidecar() { jq -n "$2" >"$1" || fail "could not write $1"; }
img_jpeg "$T/hot/photo/2024.00042_front.jpg" 600 400
sidecar "$T/hot/photo/2024.00042_front.json" '{"title.en": "Altarpiece, front", "keywords": ["craquelure", "varnish"]}'
img_jpeg "$T/hot/photo/2024.00042_back.jpg" 500 400
sidecar "$T/hot/photo/2024.00042_back.json" '{"title.en": "Altarpiece, back", "keywords": ["craquelure"]}'
img_jpeg "$T/hot/photo/2024.00042_side.jpg" 400 400
sidecar "$T/hot/photo/2024.00042_side.json" '{"title.en": "Altarpiece, side", "keywords": ["craquelure", "panel"]}'
img_jpeg "$T/hot/photo/2023.00007_detail.jpg" 500 300
sidecar "$T/hot/photo/2023.00007_detail.json" '{"title.en": "Chalice, detail", "keywords": ["silver"]}'
vt_ingest
id=$(vt_asset photo 2023.00007_detail.jpg | jq -r .id)
front=$(vt_asset photo 2024.00042_front.jpg | jq -r .id)
back=$(vt_asset photo 2024.00042_back.jpg | jq -r .id)
side=$(vt_asset photo 2024.00042_side.jpg | jq -r .id)
vt_daemon_start
int=$T/site/internal
wait_for 30 test -f "$int/assets/$id.html" || fail "the internal page of $id was not written"
grep -q 'data-module="metadata-editor"' "$int/assets/$id.html" || fail "the internal page has no editor"
grep -q 'data-module="metadata-editor"' "$T/site/public/assets/$id.html" &&
    fail "the public page has the editor"
jq -e '[.[] | select(.field == "keywords" and .term == "craquelure")][0].count == 3' "$int/terms.json" \
    >/dev/null || fail "internal terms.json lacks craquelure x 3: $(head -c 400 "$int/terms.json")"
ok "internal page with the editor; terms.json has craquelure (3)"

staff_httpd_start "$T/site/public" "ed:edpw pub:pubpw"

mkdir -p "$T/browser"
browser_run edit.mjs "$base" "$id" "$T/browser"
assert_eq '[{"value":"silver"},{"value":"craquelure"}]' "$(vt show "$id" --json | jq -c .custom.keywords)" \
    "the store has the picked term"
assert_eq '["ed","ed","ed"]' "$(vt history "$id" --json | jq -c '[.[].user]')" "three audit entries by ed"
assert_eq public "$(vt show "$id" --json | jq -r .visibility)" "the editor's visibility change was refused"
for a in "$front" "$back"; do
    assert_eq '[{"value":"oak","lang":"en"}]' "$(vt show "$a" --json | jq -c .custom.material)" "bulk edit on $a"
    assert_eq '[["ed","web"]]' "$(vt history "$a" --json | jq -c '[.[] | [.user, .via]]')" "one audit entry for $a"
done
assert_eq null "$(vt show "$side" --json | jq -c .custom.material)" "the unselected image unchanged"
vt_daemon_stop
echo "PASS $VT_TEST_NAME"
