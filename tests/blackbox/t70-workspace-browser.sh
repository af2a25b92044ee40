#!/usr/bin/env bash
# t70-workspace-browser: the annotation workspace of the internal asset page
# in headless Chromium (tests/browser/workspace.mjs), under the shipped
# Content-Security-Policy: editor "ed" logs in (basic authentication),
# draws a restoration rectangle and a descriptive polygon (its text a
# script) with Annotorious, fills their forms and saves; after a reload
# both are there; the rectangle dragged is saved where it was dropped; the
# polygon is deleted from its panel; switching the colour scheme (by type, by damage type)
# changes the colours drawn; publisher "pub" makes a public annotation
# from the keyboard ("Rectangle over this view") and a public tag polygon
# drawn by keyboard, terms picked from the suggestions (the image's
# keywords, from a sidecar, are in terms.json); the public page shows those
# two only, Mirador draws both and Universal Viewer finds both by a search
# inside the image; without 'unsafe-eval' the workspace says why it cannot
# draw. The site is in English and French ([site] languages=en,fr): those
# steps run on /en/; on the French internal page the workspace speaks
# French, and the French public page opens Mirador and Universal Viewer in
# French (axe-core clean). Then the store, the audit trail and the trees
# are checked.
# lighttpd serves both trees, the static tiles, vitrine-edit.cgi and the
# public search CGI; vitrined runs. Skipped (77) without lighttpd, node,
# playwright-core, Annotorious, Mirador, Universal Viewer or Chromium.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require @annotorious/openseadragon mirador universalviewer axe-core
[ -x "$VT_BIN_DIR/vitrine-edit.cgi" ] || fail "vitrine-edit.cgi is missing: build the project first"

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
sed -i 's/^\[site\]$/[site]\nlanguages=en,fr/' "$VT_CONF"
grep -q '^languages=en,fr$' "$VT_CONF" || fail "could not set [site] languages in $VT_CONF"
cat >>"$VT_CONF" <<EOF

[staff]
editors=ed, pub
publishers=pub
EOF
# A plain grey image, so that the colours drawn over it can be told apart.
mkdir -p "$T/img"
vips black "$T/img/black.v" 1200 800 --bands 3 || fail "vips black failed"
vips linear "$T/img/black.v" "$T/hot/photo/2024.00042_panel.jpg" 1 128 --uchar ||
    fail "vips linear failed"
jq -n '{keywords: ["craquelure", "oak"]}' >"$T/hot/photo/2024.00042_panel.json" ||
    fail "could not write the sidecar"
vt_ingest
id=$(vt_asset photo 2024.00042_panel.jpg | jq -r .id)
vt_daemon_start
int=$T/site/internal
wait_for 30 test -f "$int/en/assets/$id.html" || fail "the internal page of $id was not written"
grep -q 'id="workspace"' "$int/en/assets/$id.html" || fail "the internal page has no workspace"
grep -q 'id="workspace"' "$int/fr/assets/$id.html" || fail "the French internal page has no workspace"
grep -q 'id="workspace"' "$T/site/public/en/assets/$id.html" && fail "the public page has the workspace"
test -s "$int/static/vendor/annotorious/annotorious-openseadragon.js" ||
    fail "Annotorious is not in the internal tree's static/vendor"
ok "internal page with the workspace; Annotorious in static/vendor"

# The shipped policies: the public site's, and the staff pages' (which
# allow 'unsafe-eval' for Annotorious's PixiJS).
csps=$(grep -o '"Content-Security-Policy" => "default-src '"'"'self'"'"'[^"]*"' \
      "$VT_SOURCE_DIR/docs/web/lighttpd.conf" | sed 's/^"Content-Security-Policy" => //')
csp=$(grep -v unsafe-eval <<<"$csps" | head -1)
csp_internal=$(grep unsafe-eval <<<"$csps" | head -1)
[ -n "$csp" ] && [ -n "$csp_internal" ] ||
    fail "no public and internal Content-Security-Policy in docs/web/lighttpd.conf"
# Universal Viewer searches inside the image with the public search CGI
# (the manifest's Content Search service) and asks full/90, of each canvas
# (its thumbnail, as docs/web answers).
staff_httpd_start "$T/site/public" "ed:edpw pub:pubpw" "
server.modules += ( \"mod_rewrite\" )
alias.url += ( \"/cgi-bin/vitrine-search.cgi\" => \"$VT_BIN_DIR/vitrine-search.cgi\" )
\$HTTP[\"url\"] =~ \"^/cgi-bin/vitrine-search[.]cgi(/|\$)\" {
    setenv.add-environment = ( \"VITRINE_CONFIG\" => \"$VT_CONF\", \"VITRINE_AUDIENCE\" => \"public\"$(vt_lighttpd_sanitizer_env) )
}
url.rewrite-if-not-file = (
    \"^/images/([a-z0-9]{1,64})/full/[0-9]{1,6},/0/default[.]jpg\$\" => \"/images/\$1/thumbnail.jpg\" )
\$HTTP[\"url\"] =~ \"^/internal/\" {
    setenv.add-response-header = ( \"Content-Security-Policy\" => $csp_internal )
}
else \$HTTP[\"url\"] =~ \"\" {
    setenv.add-response-header = ( \"Content-Security-Policy\" => $csp )
}"
ok "the shipped Content-Security-Policy of each tree"

mkdir -p "$T/browser"
browser_run workspace.mjs "$base" "$id" "$T/browser"
list=$(vt annotations list "$id" --json)
assert_eq 3 "$(jq length <<<"$list")" "three annotations stored (ed's polygon deleted)"
assert_eq '["descriptive","restoration","tag"]' "$(jq -c '[.[].type] | sort' <<<"$list")" "their types"
assert_eq oak "$(jq -r '.[] | select(.type == "restoration") | .fields.material' <<<"$list")" \
    "the material picked from the suggestions"
assert_eq '["blistered","craquelure"]' "$(jq -c '.[] | select(.type == "tag") | .fields.terms' <<<"$list")" \
    "the tag's terms, the second picked from the suggestions"
poly=$(grep '^# polygon ' "$T/browser.out" | sed 's/^# polygon //')
assert_eq "$poly" "$(jq -c '.[] | select(.type == "tag") | .shape.points' <<<"$list")" \
    "the polygon drawn by keyboard, point for point"
assert_eq flaking "$(jq -r '.[] | select(.type == "restoration") | .fields.damage' <<<"$list")" \
    "the rectangle's damage type"
assert_eq '{"x":150,"y":150,"w":400,"h":300}' \
    "$(jq -c '.[] | select(.type == "restoration") | .shape' <<<"$list")" "the rectangle where it was dragged"
assert_eq '["ed","pub","pub"]' "$(jq -c '[.[].creator] | sort' <<<"$list")" "creators from REMOTE_USER"
assert_eq '["public","public"]' "$(jq -c '[.[] | select(.creator == "pub") | .visibility]' <<<"$list")" \
    "the publisher's annotations are public"
hist=$(vt history "$id" --json)
# One audit entry per change; the drag rests half way, so it is two updates
# or more (each saved in turn), and updates in a row count once here.
assert_ge 2 "$(jq '[.[] | select(.change.annotation.action == "update")] | length' <<<"$hist")" \
    "the drag resting half way saved twice"
assert_eq '[["ed","create"],["ed","create"],["ed","update"],["ed","delete"],["pub","create"],["pub","create"]]' \
    "$(jq -c '[.[] | select(.change.annotation) | [.user, .change.annotation.action]] |
              reduce .[] as $e ([]; if length > 0 and .[-1] == $e and $e[1] == "update" then . else . + [$e] end)' \
          <<<"$hist")" "created, created, moved, deleted, created, created"
assert_eq '<img src=x onerror="window.__xss=1"> loose paint' \
    "$(jq -r '.[] | select(.change.annotation.action == "delete") | .change.annotation.before.fields.text' <<<"$hist")" \
    "the polygon's text was stored as text (the audit entry of its deletion)"
pubpage=$T/site/public/iiif/$id/annotations.json
assert_eq 2 "$(jq '.items | length' "$pubpage")" "the public AnnotationPage holds the public ones only"
vt_daemon_stop
echo "PASS $VT_TEST_NAME"
