#!/usr/bin/env bash
# t21-bad-files: what cannot be ingested is quarantined, never deleted and
# never archived as if it were fine: a corrupt JPEG, a truncated one, an empty
# file, text and PDF files, and symbolic links (moved as links, never
# followed) each end in quarantine-dir/<department>/<path>, byte-identical,
# with a .reason.txt in plain words. Partial downloads, lock files, OS litter
# and sidecars are left where they are. `vitrine ingest` still exits 0.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
hot=$T/hot/photo

# A secret the links point at: it must never be copied anywhere.
echo "secret outside the hotfolder $RANDOM$RANDOM" >"$T/secret.txt"

# Made outside, kept as reference copies in $T/dropped, then copied in.
img_corrupt "$T/dropped/corrupt.jpg"
img_truncated "$T/dropped/scans/truncated.jpg"
img_empty "$T/dropped/empty.jpg"
img_text "$T/dropped/notes.txt"
img_text "$T/dropped/fake.jpg" "not a photo"   # text with an image's name
img_pdf "$T/dropped/scan.pdf"
img_jpeg "$T/dropped/good.jpg" 400 300       # so the sidecars have an image
BAD=(corrupt.jpg scans/truncated.jpg empty.jpg notes.txt fake.jpg scan.pdf)
(cd "$T/dropped" && cp -a --parents "${BAD[@]}" good.jpg "$hot/")
# Links: to a file outside, to a folder outside, and dangling.
ln -s "$T/secret.txt" "$hot/link.jpg"
ln -s "$T" "$hot/linkdir"
ln -s "$T/does-not-exist.jpg" "$hot/dangling.jpg"
LINKS=(link.jpg linkdir dangling.jpg)
# What must be left alone, at the top and in a subfolder.
mapfile -t LITTER < <(img_temp_names "$hot")
mapfile -t SUBLITTER < <(img_temp_names "$hot/scans")
cp -a "$hot" "$T/hot-before"
ok "dropped ${#BAD[@]} bad files, ${#LINKS[@]} links, $(( ${#LITTER[@]} + ${#SUBLITTER[@]} )) names to ignore"

vt_ingest
vt list --json >"$T/list.json"

# check_reason FILE: the reason exists and is a sentence, not a code.
check_reason() {
    local r=$1.reason.txt text
    assert_file "$r" "  reason"
    text=$(cat "$r")
    [ -n "${text//[[:space:]]/}" ] || fail "  $r is empty"
    # Plain words: printable UTF-8 text, several words of letters.
    iconv -f UTF-8 -t UTF-8 "$r" >/dev/null 2>&1 || fail "  $r is not UTF-8 text"
    if LC_ALL=C grep -q '[[:cntrl:]]' <(tr -d '\n\t' <"$r"); then fail "  $r has control characters"; fi
    [ "$(grep -oE '[[:alpha:]]{2,}' "$r" | wc -l)" -ge 3 ] || fail "  $r is not in words: '$text'"
    ok "  reason: $(tr -s '\n ' ' ' <"$r" | head -c 400)"
}

for f in "${BAD[@]}"; do
    note "--- $f"
    q=$T/quarantine/photo/$f
    assert_file "$q" "  quarantined file"
    assert_same_bytes "$T/dropped/$f" "$q" "  quarantined file"
    check_reason "$q"
    assert_no_file "$hot/$f" "  hotfolder copy"
    assert_no_file "$T/originals/photo/$f" "  archived copy"
    assert_eq 0 "$(jq --arg s "$f" '[.[] | select(.source == $s and .state != "quarantined")] | length' "$T/list.json")" \
        "  assets for it in a state other than quarantined"
done

for f in "${LINKS[@]}"; do
    note "--- $f (symbolic link)"
    q=$T/quarantine/photo/$f
    [ -L "$q" ] || fail "  $q is not the symbolic link itself (followed, or missing)"
    ok "  quarantined as a link"
    assert_eq "$(readlink "$T/hot-before/$f")" "$(readlink "$q")" "  link target"
    check_reason "$q"
    assert_no_file "$hot/$f" "  hotfolder link"
    assert_no_file "$T/originals/photo/$f" "  archived copy"
done
if grep -rlF "$(cat "$T/secret.txt")" "$T/originals" "$T/images" "$T/quarantine" 2>/dev/null; then
    fail "the content behind a link was copied (see the files above)"
fi
ok "nothing behind a link was copied"

note "--- names to leave alone"
for f in "${LITTER[@]}"; do assert_same_bytes "$T/hot-before/$f" "$hot/$f" "  left in place: $f"; done
for f in "${SUBLITTER[@]}"; do assert_same_bytes "$T/hot-before/scans/$f" "$hot/scans/$f" "  left in place: scans/$f"; done
n_litter=$(( ${#LITTER[@]} + ${#SUBLITTER[@]} ))
assert_eq "$n_litter" "$(vt_files_in "$hot" | wc -l)" "files left in the hotfolder (only those)"

note "--- the rest"
good=$(jq -c '[.[] | select(.source == "good.jpg")]' "$T/list.json")
assert_json 'length == 1 and .[0].state == "ready"' "$good" "good.jpg is ready"
assert_json '[.[] | select(.state == "ready")] | length == 1' "$(cat "$T/list.json")" "only good.jpg is ready"
assert_json '[.[] | select(.state == "quarantined") | .reason | type == "string" and length > 0] | all' \
    "$(cat "$T/list.json")" "every quarantined asset has a reason"
# Nothing else appeared in the archive or the quarantine.
assert_eq "good.jpg" "$(vt_files_in "$T/originals/photo")" "archived originals"
expected_q=$( { printf '%s\n' "${BAD[@]}" "${LINKS[@]}"; for f in "${BAD[@]}" "${LINKS[@]}"; do echo "$f.reason.txt"; done; } | sort)
assert_eq "$expected_q" "$(vt_files_in "$T/quarantine/photo")" "quarantine content"
assert_eq "" "$(vt_files_in "$T/quarantine/xray")" "nothing quarantined for xray"
status=$(vt status --json)
assert_json ".quarantine.files == $(( ${#BAD[@]} + ${#LINKS[@]} ))" "$status" "status counts the quarantined files"
assert_eq "" "$(vt_tmp_leftovers "$T/images" "$T/originals")" ".tmp-* leftovers"
assert_exit 0 vt verify

# Again: nothing changes, ignored names stay, exit 0.
vt_ingest
assert_eq "$n_litter" "$(vt_files_in "$hot" | wc -l)" "files left in the hotfolder after a second run"
assert_eq "$expected_q" "$(vt_files_in "$T/quarantine/photo")" "quarantine content after a second run"

echo "PASS $VT_TEST_NAME"
