#!/usr/bin/env bash
# t29-annotations: NAME.annotations.json (a W3C AnnotationPage, as
# Annotorious or Mirador export it) dropped with its image or after it
# becomes the asset's annotations: targets bound to the asset's canvas,
# selectors in their common forms checked against the image's size, no
# visibility = internal. A page that does not fit the image is recorded with
# its reason and imports nothing. `vitrine annotations list|export|import|
# delete` in batch mode and through the daemon's spool. Published as one
# AnnotationPage per tree; searched with the asset (facets annotation_type
# and damage_type, hits showing the matching annotation and its region, IIIF
# Content Search answering with the region), an internal annotation never
# seen by the public CGI.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/lighttpd-cgi.sh"

vt_require_bins
vt_make_tree cantaloupe
img_jpeg "$T/hot/photo/panel.jpg" 400 300
cat >"$T/hot/photo/panel.annotations.json" <<'JSON'
{"@context": "http://iiif.io/api/presentation/3/context.json", "type": "AnnotationPage",
 "items": [
  {"id": "#varnish-1", "type": "Annotation", "vitrine:type": "restoration",
   "vitrine:visibility": "public",
   "body": [{"type": "TextualBody", "value": "vergeelde vernis verwijderd", "vitrine:field": "treatment"},
            {"type": "TextualBody", "value": "flaking", "vitrine:field": "damage"}],
   "target": {"source": "file:///somewhere/else.jpg",
              "selector": {"type": "FragmentSelector", "value": "xywh=pixel:10,20,100,50"}}},
  {"id": "hand", "type": "Annotation",
   "body": {"type": "TextualBody", "value": "<b>De hand</b> van de schilder", "language": "nl"},
   "target": {"source": "x", "selector": {"type": "SvgSelector",
              "value": "<svg xmlns='http://www.w3.org/2000/svg'><polygon points='200,100 300,100 250,200'/></svg>"}}}
 ]}
JSON
img_jpeg "$T/hot/photo/small.jpg" 100 80
cat >"$T/hot/photo/small.annotations.json" <<'JSON'
[{"body": {"value": "too far right"}, "target": "c#xywh=90,0,50,10"}]
JSON
vt_ingest

a=$(vt_asset photo panel.jpg)
id=$(jq -r .id <<<"$a")
assert_eq ready "$(jq -r .state <<<"$a")" "panel.jpg state"
assert_file "$T/originals/photo/panel.annotations.json" "the annotations sidecar archived beside the original"
assert_no_file "$T/hot/photo/panel.annotations.json" "the annotations sidecar in the hotfolder"
list=$(vt annotations list "$id" --json)
assert_eq '["hand","varnish-1"]' "$(jq -c '[.[].id]' <<<"$list")" "both annotations imported, ids kept"
assert_eq '{"h":50,"w":100,"x":10,"y":20}' "$(jq -c -S '.[] | select(.id == "varnish-1") | .shape' <<<"$list")" \
    "xywh=pixel: read as a rectangle"
assert_eq '[[200,100],[300,100],[250,200]]' "$(jq -c '.[] | select(.id == "hand") | .shape.points' <<<"$list")" \
    "an SVG polygon read as points"
assert_eq internal "$(jq -r '.[] | select(.id == "hand") | .visibility' <<<"$list")" "no visibility = internal"
assert_eq public "$(jq -r '.[] | select(.id == "varnish-1") | .visibility' <<<"$list")" "vitrine:visibility kept"
assert_eq "nl" "$(jq -r '.[] | select(.id == "hand") | .fields.language' <<<"$list")" "the body's language"

page=$(vt annotations export "$id")
canvas="http://127.0.0.1:$VT_PORT/internal/iiif/$id/canvas/1"
assert_eq "[\"$canvas\",\"$canvas\"]" "$(jq -c '[.items[].target.source]' <<<"$page")" \
    "every target bound to the asset's canvas, whatever the file said"
assert_eq "xywh=10,20,100,50" "$(jq -r '.items[] | select(.id | endswith("/varnish-1")) | .target.selector.value' <<<"$page")" \
    "the export's rectangle is xywh=x,y,w,h"
jq -e '.items[] | select(.id | endswith("/hand")) | .target.selector | .type == "SvgSelector" and (.value | contains("<path d=\"M200,100 L300,100 L250,200 Z\""))' \
    <<<"$page" >/dev/null || fail "the polygon is not exported as an SVG path: $page"
ok "the polygon is exported as an SvgSelector <path>"
pub=$(vt annotations export --public "$id")
assert_eq '["varnish-1"]' "$(jq -c '[.items[].id | split("/") | last]' <<<"$pub")" "the public export holds the public annotation only"

# --- published: one AnnotationPage per tree, referenced from the canvas.
pubpage="$T/site/public/iiif/$id/annotations.json"
intpage="$T/site/internal/iiif/$id/annotations.json"
wait_for 10 test -s "$pubpage" || fail "no public AnnotationPage $pubpage"
assert_eq '["varnish-1"]' "$(jq -c '[.items[].id | split("/") | last]' "$pubpage")" "the public tree's page holds the public annotation only"
assert_eq '["hand","varnish-1"]' "$(jq -c '[.items[].id | split("/") | last] | sort' "$intpage")" "the internal tree's page holds both"
assert_eq "http://127.0.0.1:$VT_PORT/iiif/$id/annotations.json" \
    "$(jq -r '.items[0].annotations[0].id' "$T/site/public/iiif/$id/manifest.json")" "the public canvas references its AnnotationPage"
assert_eq "http://127.0.0.1:$VT_PORT/iiif/$id/canvas/1" "$(jq -r '.items[0].target.source' "$pubpage")" "public targets on the public canvas"
grep -q 'annotations.js' "$T/site/public/assets/$id.html" || fail "the public page does not load annotations.js"
ok "the public page loads annotations.js"

s=$(vt_asset photo small.jpg)
assert_eq ready "$(jq -r .state <<<"$s")" "an image whose annotations do not fit is still ingested"
assert_eq 0 "$(vt annotations list "$(jq -r .id <<<"$s")" --json | jq length)" "no annotation imported from a page that does not fit"
grep -q "small.jpg.*annotations of asset .* were not imported.*outside the image (100 x 80)" "$T/ingest.err" ||
    fail "the refused page's reason is not logged: $(tail -c 2000 "$T/ingest.err")"
ok "the reason the page was refused is logged"

# --- late sidecar (batch), and the command line.
cat >"$T/hot/photo/panel.annotations.json" <<'JSON'
{"type": "AnnotationPage", "items": [
  {"id": "tags", "body": [{"purpose": "tagging", "value": "craquelure"}, {"purpose": "tagging", "value": "paneel"}],
   "target": "anything#xywh=percent:50,50,10,10"}]}
JSON
vt_ingest
assert_eq '["hand","tags","varnish-1"]' "$(vt annotations list "$id" --json | jq -c '[.[].id]')" \
    "a late sidecar adds its annotations and keeps the others"
assert_eq '{"h":30,"w":40,"x":200,"y":150}' "$(vt annotations list "$id" --json | jq -c -S '.[] | select(.id == "tags") | .shape')" \
    "xywh=percent: scaled to the image"
assert_no_file "$T/hot/photo/panel.annotations.json" "the late annotations sidecar in the hotfolder"

cat >"$T/import.json" <<'JSON'
[{"id": "sample-3", "vitrine:type": "sample",
  "body": [{"value": "S3", "vitrine:field": "sample-id"}, {"value": "2024-05-02", "vitrine:field": "date"}],
  "target": {"selector": {"type": "SvgSelector", "value": "<svg><path d='M1,1 L50,1 L50,40 Z'/></svg>"}}}]
JSON
vt annotations import "$id" "$T/import.json" --creator conservator >"$T/import.out" 2>&1 ||
    fail "vitrine annotations import failed: $(cat "$T/import.out")"
assert_eq conservator "$(vt annotations list "$id" --json | jq -r '.[] | select(.id == "sample-3") | .creator')" \
    "an imported annotation's creator"
printf '[{"vitrine:type": "sample", "body": [{"value": "x", "vitrine:field": "colour"}], "target": "c#xywh=0,0,5,5"}]' >"$T/bad.json"
assert_exit 1 vt annotations import "$id" "$T/bad.json"
vt annotations import "$id" "$T/bad.json" >"$T/bad.out" 2>&1 || true
grep -q "unknown field 'colour' for type sample" "$T/bad.out" ||
    fail "the refusal does not name the field: $(cat "$T/bad.out")"
ok "a bad import is refused with the field named"
vt annotations list "$id" | grep -q "^sample-3	sample	internal	polygon(3)" ||
    fail "vitrine annotations list: $(vt annotations list "$id")"
ok "vitrine annotations list prints one line per annotation"
vt annotations delete "$id" tags >/dev/null 2>&1 || fail "vitrine annotations delete failed"
assert_eq '["hand","sample-3","varnish-1"]' "$(vt annotations list "$id" --json | jq -c '[.[].id]')" "one annotation deleted"

# --- the daemon: a late sidecar, and the command line through the spool.
vt_daemon_start
printf '[{"id": "late", "body": {"value": "later"}, "target": "c#xywh=1,1,10,10"}]' >"$T/hot/photo/panel.annotations.json"
has_late() { vt annotations list "$id" --json | jq -e 'any(.[]; .id == "late")' >/dev/null; }
wait_for 30 has_late || fail "vitrined did not import the late annotations sidecar within 30 s"
ok "vitrined imports a late annotations sidecar"
vt annotations delete "$id" late >"$T/delete.out" 2>&1 || fail "delete through the spool: $(cat "$T/delete.out")"
grep -q "done by vitrined" "$T/delete.out" || fail "the delete did not go through vitrined: $(cat "$T/delete.out")"
assert_eq '["hand","sample-3","varnish-1"]' "$(vt annotations list "$id" --json | jq -c '[.[].id]')" "deleted by vitrined"
# Save to live: the deletion and a new public annotation reach the trees.
printf '[{"id": "live", "vitrine:visibility": "public", "body": {"value": "zichtbaar"}, "target": "c#xywh=5,5,10,10"}]' >"$T/live.json"
vt annotations import "$id" "$T/live.json" >/dev/null 2>&1 || fail "import through the spool failed"
live_public() { jq -e 'any(.items[]; .id | endswith("/live"))' "$pubpage" >/dev/null 2>&1; }
wait_for 10 live_public || fail "the imported public annotation is not in the public AnnotationPage within 10 s"
ok "a saved annotation is published without a rebuild"

# --- search: the public CGI, then the internal one, on the daemon's index.
cp "$VT_CONF" "$T/public.conf"
printf '\n[search]\naudience=public\n' >>"$T/public.conf"
cp "$VT_CONF" "$T/internal.conf"
printf '\n[search]\naudience=internal\n' >>"$T/internal.conf"
cgi_server_start "$T/public.conf" "$VT_PORT"
live_found() { cgi_get "q=zichtbaar" | jq -e --arg id "$id" 'any(.hits[]; .id == $id)' >/dev/null; }
wait_for 10 live_found || fail "the saved annotation's word is not found by the public search within 10 s"
ok "a saved annotation is searchable without a rebuild"
r=$(cgi_get "q=vergeelde")
hit=$(jq -c --arg id "$id" '.hits[] | select(.id == $id)' <<<"$r")
assert_eq '["varnish-1"]' "$(jq -c '[.annotations[].id]' <<<"$hit")" "a public hit shows the annotation that matched"
assert_eq "xywh=10,20,100,50" "$(jq -r '.annotations[0].region' <<<"$hit")" "  with its region"
jq -e '.annotations[0].snippet | contains("<mark>vergeelde</mark>")' <<<"$hit" >/dev/null || fail "no marked snippet: $hit"
ok "  and the matching word marked"
assert_json '[.facets.annotation_type[].value] | index("restoration") != null' "$r" "facet annotation_type"
assert_json '[.facets.damage_type[].value] == ["flaking"]' "$r" "facet damage_type"
r=$(cgi_get "q=schilder")
assert_json '[.hits[].id] | index("'"$id"'") == null' "$r" "public: an internal annotation's word finds nothing"
r=$(cgi_get "q=annotation%3Aschilder")
assert_json '[.hits[].id] | index("'"$id"'") == null' "$r" "public: nor annotation:word"
r=$(cgi_get "q=de")
assert_json '[.hits[].annotations[].id] | index("hand") == null' "$r" "public: an internal annotation is never shown"
r=$(cgi_get "manifest=$id&q=vergeelde")
assert_eq "[\"http://127.0.0.1:$VT_PORT/iiif/$id/canvas/1#xywh=10,20,100,50\"]" "$(jq -c '[.items[].target]' <<<"$r")" \
    "Content Search answers the annotation hit with its region as target"
r=$(cgi_get "manifest=$id&q=schilder")
assert_eq 0 "$(jq '.items | length' <<<"$r")" "public Content Search: nothing from an internal annotation"
cgi_server_stop
cgi_server_start "$T/internal.conf" "$VT_PORT"
r=$(cgi_get "q=schilder")
assert_eq '["hand"]' "$(jq -c --arg id "$id" '[.hits[] | select(.id == $id) | .annotations[].id]' <<<"$r")" \
    "internal: the internal annotation is found and shown"
r=$(cgi_get "manifest=$id&q=schilder")
assert_eq 1 "$(jq '.items | length' <<<"$r")" "internal Content Search: the internal annotation"
cgi_server_log_clean
cgi_server_stop

# The asset made internal takes its annotations out of the public tree.
vt set "$id" visibility=internal >/dev/null 2>&1 || fail "vitrine set visibility=internal failed"
wait_for 10 test ! -e "$pubpage" || fail "the public AnnotationPage stays after the asset became internal"
ok "an asset made internal leaves no annotation in the public tree"
jq -e 'any(.items[]; .id | endswith("/live"))' "$intpage" >/dev/null || fail "the internal page lost the annotation"
ok "the internal tree keeps it"
vt_daemon_stop
