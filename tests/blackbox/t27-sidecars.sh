#!/usr/bin/env bash
# t27-sidecars: NAME.json and NAME.xmp beside an image become its custom
# metadata and are archived beside its original; a sidecar that cannot be
# read goes to quarantine with the parser's reason, and the image is
# ingested anyway. Sidecars alone are never ingested as images. A sidecar
# dropped after its image was ingested is applied to that asset (batch and
# daemon), one that cannot be applied goes to quarantine, one with no image
# anywhere waits in the hotfolder.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
img_jpeg "$T/hot/photo/2019.12345_front.jpg" 320 240
cat >"$T/hot/photo/2019.12345_front.json" <<'JSON'
{"title": "Portret van een man", "title.fr": "Portrait d'un homme",
 "keywords": ["vernis", "paneel"], "visibility": "internal"}
JSON
img_jpeg "$T/hot/photo/sub/b.tif.jpg" 200 100
cat >"$T/hot/photo/sub/b.tif.xmp" <<'XMP'
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag>
<rdf:li>craquelure</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>
XMP
img_jpeg "$T/hot/photo/c.jpg" 100 100
printf '{"title": "unterminated' >"$T/hot/photo/c.json"
printf '{"orphan": "no image of this name"}' >"$T/hot/photo/lonely.json"
vt_ingest

a=$(vt_asset photo 2019.12345_front.jpg)
assert_eq ready "$(jq -r .state <<<"$a")" "front.jpg state"
assert_eq '["Portret van een man","Portrait d'"'"'un homme"]' "$(jq -c '[.custom.title[].value]' <<<"$a")" "titles from the JSON sidecar"
assert_eq '["vernis","paneel"]' "$(jq -c '[.custom.keywords[].value]' <<<"$a")" "keywords from the JSON sidecar"
assert_eq internal "$(jq -r .visibility <<<"$a")" "visibility from the sidecar"
assert_file "$T/originals/photo/2019.12345_front.json" "the JSON sidecar archived beside the original"
assert_no_file "$T/hot/photo/2019.12345_front.json" "the JSON sidecar in the hotfolder"

b=$(vt_asset photo sub/b.tif.jpg)
assert_eq '["craquelure"]' "$(jq -c '[.custom.keywords[].value]' <<<"$b")" "keywords from the XMP sidecar (NAME.ext.xmp)"
assert_file "$T/originals/photo/sub/b.tif.xmp" "the XMP sidecar archived"

c=$(vt_asset photo c.jpg)
assert_eq ready "$(jq -r .state <<<"$c")" "an image with a broken sidecar is still ingested"
assert_eq null "$(jq -c .custom <<<"$c")" "no custom metadata from a broken sidecar"
assert_file "$T/quarantine/photo/c.json" "the broken sidecar in quarantine"
grep -q "c.json" "$T/quarantine/photo/c.json.reason.txt" || fail "the reason does not name the sidecar"
ok "the broken sidecar's reason names it"

assert_file "$T/hot/photo/lonely.json" "a sidecar without its image is left alone"
assert_eq 3 "$(vt_count_state all)" "assets (sidecars are not images)"

# --- late sidecars (batch): dropped after their image was ingested.
cat >"$T/hot/photo/2019.12345_front.json" <<'JSON'
{"title.en": "Portrait of a man", "material": "oak"}
JSON
printf '{"keywords": [' >"$T/hot/photo/sub/b.tif.json"
vt_ingest
a=$(vt_asset photo 2019.12345_front.jpg)
assert_eq '["Portret van een man","Portrait d'"'"'un homme","Portrait of a man"]' \
    "$(jq -c '[.custom.title[].value]' <<<"$a")" "a late sidecar adds an English title, keeps the others"
assert_eq '["oak"]' "$(jq -c '[.custom.material[].value]' <<<"$a")" "a late sidecar's new field"
assert_eq '["vernis","paneel"]' "$(jq -c '[.custom.keywords[].value]' <<<"$a")" "fields it does not name are kept"
assert_file "$T/originals/photo/2019.12345_front (2).json" "the late sidecar archived beside the first"
assert_no_file "$T/hot/photo/2019.12345_front.json" "the late sidecar in the hotfolder"
assert_file "$T/quarantine/photo/sub/b.tif.json" "a broken late sidecar in quarantine"
grep -q "arrived after its image" "$T/quarantine/photo/sub/b.tif.json.reason.txt" ||
    fail "the reason does not say it came late: $(cat "$T/quarantine/photo/sub/b.tif.json.reason.txt")"
ok "the broken late sidecar's reason says what happened"
assert_file "$T/hot/photo/lonely.json" "a sidecar without its image still waits"
assert_eq 3 "$(vt_count_state all)" "assets after the late sidecars"

# --- late sidecar (daemon): the edit reaches the asset once it has settled.
vt_daemon_start
printf '{"creator": "Rubens"}' >"$T/hot/photo/c.json"
creator_of_c() { [ "$(vt_asset photo c.jpg | jq -r '.custom.creator[0].value')" = Rubens ]; }
wait_for 30 creator_of_c || fail "the late sidecar of c.jpg was not applied within 30 s"
ok "vitrined applies a late sidecar"
wait_for 10 test ! -e "$T/hot/photo/c.json" || fail "c.json still in the hotfolder"
assert_file "$T/originals/photo/c.json" "the daemon archives the late sidecar"
assert_file "$T/hot/photo/lonely.json" "the orphan still waits under the daemon"
vt_daemon_stop
