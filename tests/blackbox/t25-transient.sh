#!/usr/bin/env bash
# t25-transient: a full image disk is a transient failure, not a bad file.
# The conversion fails for lack of space, the file stays archived and its
# asset stays "converting" with the reason (never quarantined), `vitrine
# ingest` says it left work pending (exit 1); once there is room, the next
# run finishes it. The image folder is a tiny tmpfs, so this needs mount
# rights (root, outside a restricted container): skipped otherwise.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
mount -t tmpfs -o size=256k tmpfs "$T/images" 2>/dev/null || skip "cannot mount a tmpfs here"
unmount_images() { umount "$T/images" 2>/dev/null || true; }
VT_CLEANUPS+=(unmount_images)
ok "images.dir is a 256 KiB tmpfs"

img_jpeg "$T/ref/big.jpg" 2000 1500
cp "$T/ref/big.jpg" "$T/hot/photo/big.jpg"
rc=0
vt ingest >"$T/ingest.out" 2>"$T/ingest.err" || rc=$?
assert_eq 1 "$rc" "vitrine ingest exit code with the image disk full"
grep -q "left pending" "$T/ingest.err" || fail "no 'left pending' in: $(cat "$T/ingest.err")"
ok "ingest reports pending work"

asset=$(vt_asset photo big.jpg)
assert_eq converting "$(jq -r .state <<<"$asset")" "state while the disk is full"
jq -e '.reason | test("space|full"; "i")' <<<"$asset" >/dev/null ||
    fail "the reason does not mention space: $(jq -r .reason <<<"$asset")"
ok "the reason says the disk is full"
assert_same_bytes "$T/ref/big.jpg" "$(jq -r .original <<<"$asset")" "the archived original"
assert_no_file "$T/hot/photo/big.jpg" "big.jpg in the hotfolder"
assert_eq "" "$(vt_files_in "$T/quarantine")" "quarantine"
assert_eq "" "$(vt_tmp_leftovers "$T/images")" ".tmp-* leftovers on the full disk"

# Room again: the next run converts it.
umount "$T/images"
vt_ingest
asset=$(vt_asset photo big.jpg)
assert_eq ready "$(jq -r .state <<<"$asset")" "state after the disk has room"
assert_eq null "$(jq -r .reason <<<"$asset")" "reason after success"
assert_file "$(jq -r .image <<<"$asset")" "the pyramid"
