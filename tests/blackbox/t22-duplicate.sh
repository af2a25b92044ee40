#!/usr/bin/env bash
# t22-duplicate: the same bytes make one asset. A later copy (another name,
# another department, or the same name again) and a copy dropped in the same
# run are quarantined with a reason naming the asset they duplicate ("duplicate
# of <ID>"). Files with the same pixels but different bytes are not
# duplicates.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe

img_jpeg "$T/ref/first.jpg" 640 480
sha=$(sha256_of "$T/ref/first.jpg")
cp "$T/ref/first.jpg" "$T/hot/photo/first.jpg"
vt_ingest
vt list --json >"$T/list.json"
assert_eq 1 "$(jq length "$T/list.json")" "assets after the first run"
id=$(jq -r '.[0].id' "$T/list.json")
assert_eq ready "$(jq -r '.[0].state' "$T/list.json")" "first.jpg state"

# check_duplicate DEPT PATH ID: PATH (in DEPT's hotfolder) was quarantined
# as a duplicate of asset ID.
check_duplicate() {
    local q=$T/quarantine/$1/$2
    assert_file "$q" "$1/$2 quarantined"
    assert_same_bytes "$T/ref/first.jpg" "$q" "$1/$2 in quarantine"
    assert_file "$q.reason.txt" "$1/$2 reason"
    grep -qF "duplicate of $3" "$q.reason.txt" ||
        fail "$q.reason.txt does not say 'duplicate of $3': $(cat "$q.reason.txt")"
    ok "$1/$2 reason says 'duplicate of $3'"
    assert_no_file "$T/hot/$1/$2" "$1/$2 in the hotfolder"
}

note "--- copies in a later run"
cp "$T/ref/first.jpg" "$T/hot/xray/renamed copy.jpg"        # other department and name
mkdir -p "$T/hot/photo/again"
cp "$T/ref/first.jpg" "$T/hot/photo/again/first.jpg"        # same department, subfolder
cp "$T/ref/first.jpg" "$T/hot/photo/first.jpg"              # the very same name again
# Same pixels, different bytes (a comment added): not a duplicate.
{ printf '\xff\xd8\xff\xfe\x00\x0aedited!!'; tail -c +3 "$T/ref/first.jpg"; } >"$T/hot/photo/edited.jpg"
vt_ingest
vt list --json >"$T/list.json"
assert_eq 1 "$(jq --arg s "$sha" '[.[] | select(.sha256 == $s and .state != "quarantined")] | length' "$T/list.json")" \
    "assets holding those bytes"
assert_eq "ready $T/originals/photo/first.jpg" \
    "$(jq -r --arg id "$id" '.[] | select(.id == $id) | "\(.state) \(.original)"' "$T/list.json")" \
    "the first asset, unchanged"
assert_same_bytes "$T/ref/first.jpg" "$T/originals/photo/first.jpg" "the archived original"
check_duplicate xray "renamed copy.jpg" "$id"
check_duplicate photo again/first.jpg "$id"
check_duplicate photo first.jpg "$id"
assert_eq ready "$(jq -r '.[] | select(.source == "edited.jpg") | .state' "$T/list.json")" \
    "same pixels, other bytes: ready"

note "--- two copies in the same run"
img_jpeg "$T/ref/twin.jpg" 600 400
cp "$T/ref/twin.jpg" "$T/hot/photo/twin-a.jpg"
cp "$T/ref/twin.jpg" "$T/hot/xray/twin-b.jpg"
vt_ingest
vt list --json >"$T/list.json"
twin_sha=$(sha256_of "$T/ref/twin.jpg")
kept=$(jq -c --arg s "$twin_sha" '[.[] | select(.sha256 == $s and .state != "quarantined")]' "$T/list.json")
assert_eq 1 "$(jq length <<<"$kept")" "assets holding the twins' bytes"
assert_eq ready "$(jq -r '.[0].state' <<<"$kept")" "the kept twin's state"
twin_id=$(jq -r '.[0].id' <<<"$kept")
case $(jq -r '"\(.[0].department)/\(.[0].source)"' <<<"$kept") in
photo/twin-a.jpg) other=(xray twin-b.jpg) ;;
xray/twin-b.jpg) other=(photo twin-a.jpg) ;;
*) fail "the kept twin is neither dropped file: $kept" ;;
esac
ok "kept ${other[0]} is the other one: ${other[*]} is the duplicate"
cp "$T/ref/twin.jpg" "$T/ref/first.jpg"   # check_duplicate compares with ref/first.jpg
check_duplicate "${other[0]}" "${other[1]}" "$twin_id"

# Never a duplicate of itself, never more than one per file.
assert_eq 0 "$(jq '[.[] | select(.id as $id | (.reason // "") | contains("duplicate of " + $id))] | length' "$T/list.json")" \
    "assets said to duplicate themselves"
# The archive holds each kept file once, nothing else (no "first (1).jpg").
assert_eq "$(printf '%s\n' photo/edited.jpg photo/first.jpg "$(jq -r '"\(.[0].department)/\(.[0].source)"' <<<"$kept")" | sort)" \
    "$(vt_files_in "$T/originals")" "archived originals"
status=$(vt status --json)
assert_json '.assets.ready == 3' "$status" "three ready assets (first, edited, a twin)"
assert_json '.quarantine.files == 4' "$status" "four quarantined files"
assert_eq "" "$(vt_files_in "$T/hot")" "files left in the hotfolders"
assert_exit 0 vt verify

echo "PASS $VT_TEST_NAME"
