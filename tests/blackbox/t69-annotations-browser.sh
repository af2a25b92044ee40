#!/usr/bin/env bash
# t69-annotations-browser: a public asset's annotations as a visitor sees
# them (tests/browser/annotations.mjs in headless Chromium): a
# NAME.annotations.json sidecar with a restoration rectangle (its text a
# script), a descriptive polygon and an internal tag; ingested, indexed,
# served by lighttpd (public tree, static tiles, search CGI). Skipped (77)
# without lighttpd, node, playwright-core or chromium, as t63.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
img_jpeg "$T/hot/photo/panel.jpg" 1600 1200
jq -n '{type: "AnnotationPage", items: [
  {id: "rect", "vitrine:type": "restoration", "vitrine:visibility": "public",
   body: [{value: "<script>window.__xss=1</script>", "vitrine:field": "treatment"},
          {value: "flaking", "vitrine:field": "damage"}],
   target: {selector: {type: "FragmentSelector", value: "xywh=pixel:100,100,400,300"}}},
  {id: "poly", "vitrine:visibility": "public", body: {value: "Losse verflaag bij de hand"},
   target: {selector: {type: "SvgSelector", value: "<svg><polygon points=\"800,600 1200,600 1200,1000 800,1000\"/></svg>"}}},
  {id: "secret", body: [{purpose: "tagging", value: "verzekering"}], target: "c#xywh=0,0,50,50"}]}' \
    >"$T/hot/photo/panel.annotations.json"
vt_ingest
id=$(vt_asset photo panel.jpg | jq -r .id)
assert_eq 3 "$(vt annotations list "$id" --json | jq length)" "three annotations imported"
out=$(vt reindex 2>&1) || fail "vitrine reindex failed: $out"
pub=$T/site/public
# Mirador 4 (the site's vendor copy) on the public manifest, its annotations
# panel open and every annotation highlighted: a page of the test's own.
cat >"$pub/mirador-annotations-test.html" <<EOF
<!doctype html><html><head><meta charset="utf-8"><title>Mirador annotations</title>
<link rel="icon" href="data:,"></head>
<body style="margin:0"><div id="m" style="position:absolute;inset:0"></div>
<script src="static/vendor/mirador/mirador.min.js"></script>
<script>Mirador.viewer({id: 'm', windows: [{manifestId: '$base/iiif/$id/manifest.json',
  highlightAllAnnotations: true}], window: {sideBarOpenByDefault: true,
  defaultSideBarPanel: 'annotations', allowClose: false},
  workspaceControlPanel: {enabled: false}});</script></body></html>
EOF

site_httpd_start "$pub"

mkdir -p "$T/browser"
browser_run annotations.mjs "$base" "$id" "$T/browser"
echo "PASS $VT_TEST_NAME"
