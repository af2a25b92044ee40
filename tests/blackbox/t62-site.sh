#!/usr/bin/env bash
# t62-site: the static site from ingest to page. Both trees are written;
# every IIIF document validates against the Presentation 3 schema; nothing of
# an internal asset (id, label, terms) is anywhere in the public tree; an
# edit that makes an asset internal removes it from the public tree and says
# so in the activity stream; `vitrine rebuild` writes the same site again.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree static
# The x-ray department files by intervention too.
sed -i '/^\[department:xray\]/a intervention=^([0-9]{4}\\.[0-9]{4,5})' "$VT_CONF"
# The institution's rights and credit line.
sed -i '/^\[site\]/a rights=http://rightsstatements.org/vocab/InC/1.0/\nattribution=Courtesy of the Test Museum' "$VT_CONF"
img_jpeg "$T/hot/photo/2024.00001_front.jpg" 640 480
cat >"$T/hot/photo/2024.00001_front.json" <<'JSON'
{"title.en": "Altarpiece, front", "title.nl": "Retabel, voorzijde", "keywords.nl": ["vernis"],
 "creator": "Workshop of Rubens"}
JSON
img_jpeg "$T/hot/photo/2024.00001_back.jpg" 480 640
# xray is an internal department: its asset, label and terms must stay out
# of the public tree, although it shares the intervention.
img_jpeg "$T/hot/xray/2024.00001_xray.jpg" 500 500
cat >"$T/hot/xray/2024.00001_xray.json" <<'JSON'
{"title": "Confidential radiograph", "keywords": ["geheimwoordxyz"]}
JSON
vt_ingest

pub="$T/site/public"
int="$T/site/internal"
front=$(vt_asset photo 2024.00001_front.jpg | jq -r .id)
back=$(vt_asset photo 2024.00001_back.jpg | jq -r .id)
xray=$(vt_asset xray 2024.00001_xray.jpg | jq -r .id)

note "--- both trees, written by the batch run"
for f in index.html search.html favourites.html terms.json sitemap.xml \
    "assets/$front.html" "assets/$front.json" "iiif/$front/manifest.json" \
    "interventions/2024.00001.html" "iiif/intervention/2024.00001/manifest.json" \
    iiif/collection/top.json iiif/collection/department/photo.json \
    departments/photo/index.html activity/all-changes.json static/vendor/openseadragon/openseadragon.min.js; do
    assert_file "$pub/$f" "public/$f"
done
assert_file "$int/assets/$xray.html" "the internal tree has the x-ray"
assert_no_file "$pub/assets/$xray.html" "the public tree has no page of the x-ray"
assert_no_file "$pub/departments/xray/index.html" "no page of an internal department"
grep -q "Altarpiece, front" "$pub/assets/$front.html" || fail "the title is not on the page"
grep -q "Workshop of Rubens" "$pub/assets/$front.html" || fail "custom metadata is not on the page"
grep -q "$back" "$pub/interventions/2024.00001.html" || fail "intervention page lacks an image"
grep -q "$xray" "$int/interventions/2024.00001.html" || fail "internal intervention page lacks the x-ray"
ok "pages hold the assets and their metadata"
# [site] rights and attribution: in the manifest and on the page.
assert_eq "http://rightsstatements.org/vocab/InC/1.0/" \
    "$(jq -r .rights "$pub/iiif/$front/manifest.json")" "the manifest's rights"
assert_eq "Courtesy of the Test Museum" \
    "$(jq -r '.requiredStatement.value.none[0]' "$pub/iiif/$front/manifest.json")" "the manifest's attribution"
grep -q 'href="http://rightsstatements.org/vocab/InC/1.0/" rel="license"' "$pub/assets/$front.html" ||
    fail "the asset page does not show its rights"
grep -q "Courtesy of the Test Museum" "$pub/assets/$front.html" || fail "the asset page lacks the attribution"
ok "rights and attribution from [site] in the manifest and on the page"

# The viewer's image service is the one static tiles were written for.
info=$(jq -r '.items[0].items[0].items[0].body.service[0].id' "$pub/iiif/$front/manifest.json")
assert_eq "http://127.0.0.1:$VT_PORT/iiif/$front" "$info" "manifest image service"
assert_file "$T/images/$front/info.json" "its info.json"
grep -q "data-info=\"$info/info.json\"" "$pub/assets/$front.html" || fail "the viewer does not load $info/info.json"
ok "the page's viewer points at the asset's IIIF image service"

note "--- the leak test: nothing internal in the public tree"
# The whole public tree, file names included; only the third-party code
# under static/vendor/ (npm's files, not ours) is left out.
leaks() {
    local needle=$1
    grep -rliF --exclude-dir=vendor -e "$needle" "$pub" || true
    find "$pub" -path "$pub/static/vendor" -prune -o -iname "*$needle*" -print || true
}
[ -n "$(leaks "$back")" ] || fail "the leak check finds nothing, even a public id"
[ -n "$(leaks "photo")" ] || fail "the leak check finds nothing, even a public department"
# The internal department (id xray, label X-ray) and the internal asset.
for needle in "$xray" "Confidential radiograph" "geheimwoordxyz" "$T/originals" xray X-ray; do
    found=$(leaks "$needle")
    [ -z "$found" ] || fail "public tree names '$needle' in: $found"
done
ok "no id, label, term or server path of an internal asset or department in the public tree"
jq -e 'map(.term) | index("vernis")' "$pub/terms.json" >/dev/null || fail "public terms.json lacks vernis"
jq -e 'map(.term) | index("geheimwoordxyz")' "$int/terms.json" >/dev/null ||
    fail "internal terms.json lacks the internal keyword"
ok "terms.json: public terms in the public tree, all in the internal one"

note "--- every document parses; IIIF documents validate"
while IFS= read -r -d '' f; do
    jq -e . "$f" >/dev/null 2>&1 || fail "not JSON: $f"
done < <(find "$pub" "$int" -name "*.json" -not -path "*/static/*" -print0)
python3 - "$pub/sitemap.xml" "$pub/sitemaps/photo-0.xml" <<'PY' || fail "a sitemap is not well-formed XML"
import sys, xml.etree.ElementTree as ET
for f in sys.argv[1:]:
    ET.parse(f)
PY
grep -q "/assets/$front.html" "$pub/sitemaps/photo-0.xml" || fail "sitemap lacks a public asset"
ok "JSON and sitemaps are well-formed"
if command -v node >/dev/null && [ -d "$VT_SOURCE_DIR/node_modules/ajv" ]; then
    mapfile -d '' docs < <(find "$pub/iiif" "$int/iiif" -name "*.json" -print0)
    node "$VT_SOURCE_DIR/tests/sitegen/validate-iiif.mjs" "${docs[@]}" >"$T/validate.out" 2>&1 ||
        fail "IIIF schema: $(grep -v ': valid$' "$T/validate.out" | head -40)"
    ok "${#docs[@]} manifests and collections validate against the IIIF Presentation 3 schema"
else
    note "node or ajv missing (npm ci): schema validation not run here"
fi

note "--- an edit that hides an asset"
vt set "$front" visibility=internal >"$T/set.out" 2>&1 || fail "vitrine set failed: $(cat "$T/set.out")"
assert_no_file "$pub/assets/$front.html" "the page left the public tree"
assert_no_file "$pub/iiif/$front/manifest.json" "the manifest left the public tree"
assert_file "$int/assets/$front.html" "the page stays in the internal tree"
grep -q "$front" "$pub/interventions/2024.00001.html" && fail "the intervention page still lists it"
grep -q "$front" "$pub/departments/photo/index.html" && fail "the department page still lists it"
jq -e --arg m "http://127.0.0.1:$VT_PORT/iiif/$front/manifest.json" \
    '.orderedItems | map(select(.type == "Delete" and .object.id == $m)) | length == 1' \
    "$pub/activity/page-1.json" >/dev/null || fail "no Delete activity for the hidden asset"
ok "hidden: gone from the public pages, a Delete in the activity stream"
# What changed with it is in the stream too: the intervention's manifest and
# collection, the department's page collection and collection, the top one.
for doc in "iiif/intervention/2024.00001/manifest.json Manifest" \
    "iiif/collection/intervention/2024.00001.json Collection" \
    "iiif/collection/department/photo/1.json Collection" \
    "iiif/collection/department/photo.json Collection" "iiif/collection/top.json Collection"; do
    set -- $doc
    jq -e --arg o "http://127.0.0.1:$VT_PORT/$1" --arg t "$2" \
        '[.orderedItems[] | select(.type == "Update" and .object.id == $o and .object.type == $t)]
         | length >= 1' "$pub/activity/page-1.json" >/dev/null ||
        fail "no Update of $1 in the public activity stream"
done
# Those follow-up Updates name only documents that exist in the tree.
jq -r '.orderedItems[] | select(.id | test("-[0-9]+/[0-9]+$")) | .object.id' "$pub/activity/page-1.json" |
    while read -r u; do
        [ -f "$pub/${u#http://127.0.0.1:$VT_PORT/}" ] || fail "the stream names $u, which is not in the tree"
    done
ok "Change Discovery: intervention manifests and collections that changed are in the stream"

note "--- vitrine rebuild writes the same site"
cp -a "$pub" "$T/before"
out=$(vt rebuild 2>&1) || fail "vitrine rebuild failed: $out"
grep -q "site rebuilt: 3 assets" <<<"$out" || fail "unexpected rebuild output: $out"
diff -r -q -x static "$T/before" "$pub" | grep -v "^Files .*\.html differ$" >"$T/diff.out" || true
[ ! -s "$T/diff.out" ] || fail "rebuild differs beyond page times: $(cat "$T/diff.out")"
# HTML pages differ only by their generation time.
for f in "$T"/before/assets/*.html; do
    diff <(sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z//g' "$f") \
         <(sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z//g' "$pub/assets/$(basename "$f")") >/dev/null ||
        fail "rebuild changed $(basename "$f")"
done
ok "rebuild: same files, same content"
assert_eq "" "$(find "$T/site" -name '.tmp-*' -o -name '*.new' | head -1)" "no temporary left"
