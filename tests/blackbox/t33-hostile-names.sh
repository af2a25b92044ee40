#!/usr/bin/env bash
# t33-hostile-names: names and links a department share can hold end cleanly
# (issue 13: hard links, long names, quarantine bookkeeping):
#  - a hard link to a file outside the hotfolder is quarantined with a reason
#    in plain words, and the outside file keeps its bytes;
#  - good files with 251 to 255-byte names, and a 245-byte name used twice,
#    are archived and ready (the archive name is shortened where it must be,
#    the asset keeps the name as dropped);
#  - a damaged file with a 250-byte name is quarantined with its reason file;
#  - a file whose name is not valid UTF-8 is quarantined and its record kept;
#  - nothing is left in the hotfolder, and no temporary name anywhere.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
hot=$T/hot/photo

# name_of LENGTH [EXT]: a name of exactly LENGTH bytes ending in EXT (.jpg).
name_of() {
    local len=$1 ext=${2:-.jpg} stem
    stem=2024.73001_$(printf 'a%.0s' $(seq 1 $((len - 11 - ${#ext}))))
    echo "$stem$ext"
}

# A hard link to someone else's file (same file system: $T).
img_unique_jpeg "$T/secret.jpg" 1
secret_sum=$(sha256_of "$T/secret.jpg")
ln "$T/secret.jpg" "$hot/hardlink.jpg"

LONG=()
for len in 251 252 253 254 255; do
    n=$(name_of "$len")
    img_unique_jpeg "$hot/$n" "$len"
    LONG+=("$n")
done
reused=$(name_of 245)
img_unique_jpeg "$hot/$reused" 245
damaged=$(name_of 250)
img_corrupt "$hot/$damaged"
badutf=$(printf 'bad\xff-name.jpg')
img_unique_jpeg "$hot/$badutf" 3
ok "dropped a hard link, ${#LONG[@]} long names, a damaged long name and a non-UTF-8 name"

vt_ingest
# The 245-byte name again, other bytes: its archive name needs the id too.
img_unique_jpeg "$hot/$reused" 246
vt_ingest

# Hard link: quarantined with a reason; the other name's file is untouched.
assert_file "$T/quarantine/photo/hardlink.jpg" "the hard link in quarantine"
grep -q "hard link" "$T/quarantine/photo/hardlink.jpg.reason.txt" ||
    fail "the reason does not say 'hard link': $(cat "$T/quarantine/photo/hardlink.jpg.reason.txt")"
assert_eq "$secret_sum" "$(sha256_of "$T/secret.jpg")" "the outside file's bytes"
if vt list --json | jq -e --arg s "$secret_sum" '.[] | select(.sha256 == $s)' >/dev/null; then
    fail "the hard-linked file was ingested"
fi
ok "the hard link was not ingested"

for n in "${LONG[@]}"; do
    a=$(vt_asset photo "$n")
    assert_json '.state == "ready"' "$a" "a ${#n}-byte name is ready"
    original=$(jq -r .original <<<"$a")
    assert_file "$original" "  its archived original"
done
[ "$(vt list --json | jq --arg s "$reused" '[.[] | select(.source == $s and .state == "ready")] | length')" = 2 ] ||
    fail "the reused 245-byte name did not give two ready assets: $(vt list --json | jq -c '[.[] | {source, state, reason}]')"
ok "a 245-byte name used twice gives two ready assets"
while read -r original; do
    base=$(basename -- "$original")
    [ "${#base}" -le 255 ] || fail "an archive name is ${#base} bytes"
    assert_file "$original" "  archived as ${base:0:40}... (${#base} bytes)"
done < <(vt list --json | jq -r --arg s "$reused" '.[] | select(.source == $s) | .original')

# The damaged long name: in quarantine with a reason file beside it.
q=$(find "$T/quarantine/photo" -name '2024.73001_*' ! -name '*.reason.txt' | head -1)
[ -n "$q" ] || fail "the damaged long-named file is not in quarantine: $(ls "$T/quarantine/photo")"
assert_file "$q.reason.txt" "the damaged file's reason"
grep -qF "$damaged" "$q.reason.txt" || fail "the reason file does not record the original name"
ok "the reason file records the name as dropped"
assert_json '.state == "quarantined"' "$(vt_asset photo "$damaged")" "the damaged long name's asset"

# The non-UTF-8 name: quarantined, and its record kept (status counts it).
[ "$(find "$T/quarantine/photo" -name 'bad*-name.jpg' | wc -l)" = 1 ] ||
    fail "the non-UTF-8 name is not in quarantine: $(ls "$T/quarantine/photo")"
grep -q "cannot encode a quarantine record" "$T/ingest.err" "$T/ingest.out" &&
    fail "the quarantine record of the non-UTF-8 name was not stored"
ok "the non-UTF-8 name's quarantine record was stored"

assert_eq "" "$(vt_files_in "$hot")" "files left in the hotfolder"
assert_eq "" "$(vt_tmp_leftovers "$T/originals" "$T/quarantine" "$T/images")" "temporary names left"
echo "PASS $VT_TEST_NAME"
