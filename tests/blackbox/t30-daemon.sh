#!/usr/bin/env bash
# t30-daemon: vitrined, running, picks up what people drop: a single file, a
# folder moved in whole, a file written slowly in chunks (archived only once
# complete), and 500 small files at once; it leaves temporary names alone,
# keeps `vitrine ingest` off its state, and stops cleanly on SIGTERM.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
hot=$T/hot/photo

# ready DEPT SOURCE: the asset exists and is ready.
ready() {
    vt list --json | jq -e --arg d "$1" --arg s "$2" \
        'any(.[]; .department == $d and .source == $s and .state == "ready")' >/dev/null
}

mapfile -t LITTER < <(img_temp_names "$hot/litter")
cp -a "$hot/litter" "$T/litter-before"

vt_daemon_start
status=$(vt status --json)
assert_json ".daemon.running == true and .daemon.pid == $VT_DAEMON_PID" "$status" "status sees the daemon and its pid"

assert_exit 1 vt ingest
[ -n "$VT_ERR$VT_OUT" ] || fail "vitrine ingest refused without saying why"
ok "vitrine ingest refuses while vitrined runs: $(head -c 200 <<<"$VT_ERR$VT_OUT" | tr '\n' ' ')"

note "--- a single file"
img_jpeg "$T/src/single.jpg" 700 500
img_drop "$T/src/single.jpg" "$hot/single.jpg"
wait_for 30 ready photo single.jpg || fail "single.jpg not ready within 30 s"
ok "single.jpg ready"

note "--- a folder moved in whole"
img_jpeg "$T/src/batch/a.jpg" 710 500
img_jpeg "$T/src/batch/b.jpg" 720 500
img_png_alpha "$T/src/batch/c.png" 730 500
img_jpeg "$T/src/batch/inner/deeper/d.jpg" 740 500
mv "$T/src/batch" "$T/hot/xray/batch"
for f in batch/a.jpg batch/b.jpg batch/c.png batch/inner/deeper/d.jpg; do
    wait_for 30 ready xray "$f" || fail "xray/$f (moved in with its folder) not ready within 30 s"
    ok "xray/$f ready"
done

note "--- a file written slowly"
img_jpeg "$T/src/slow.jpg" 1800 1400
size=$(stat -c %s "$T/src/slow.jpg")
chunk=$(( (size + 5) / 6 ))
for i in 0 1 2 3 4 5; do
    dd if="$T/src/slow.jpg" of="$hot/slow.jpg" bs="$chunk" count=1 skip="$i" seek="$i" \
        conv=notrunc status=none
    [ "$i" = 5 ] || sleep 0.5
done
# The copy itself is right (if vitrined already took the file, the checks
# below tell whether it took it whole).
cmp -s "$T/src/slow.jpg" "$hot/slow.jpg" 2>/dev/null || [ ! -e "$hot/slow.jpg" ] ||
    fail "the slow copy itself went wrong"
ok "slow.jpg written in 6 chunks of $chunk bytes, 0.5 s apart"
wait_for 30 ready photo slow.jpg || fail "slow.jpg not ready within 30 s"
a=$(vt_asset photo slow.jpg)
assert_eq "$(sha256_of "$T/src/slow.jpg")" "$(jq -r .sha256 <<<"$a")" "slow.jpg recorded sha256 (of the complete file)"
assert_eq "$size" "$(jq -r .size <<<"$a")" "slow.jpg recorded size"
assert_same_bytes "$T/src/slow.jpg" "$T/originals/photo/slow.jpg" "slow.jpg archived"
assert_eq "" "$(vt_files_in "$T/quarantine")" "quarantine (no partial slow.jpg)"

note "--- 500 files at once"
img_factory "$T/src/bulk" 500 bulk
mkdir -p "$hot/bulk"
start=$(vt_now_us)
mv "$T/src/bulk/"* "$hot/bulk/"
expected=$((1 + 4 + 1 + 500))
wait_progress 120 "$expected" vt_count_state ready ||
    fail "only $(vt_count_state ready) of $expected assets ready, none more in 120 s"
ok "500 files ready in $(( ($(vt_now_us) - start) / 1000000 )) s"

note "--- the end"
for f in "${LITTER[@]}"; do assert_same_bytes "$T/litter-before/$f" "$hot/litter/$f" "left in place: litter/$f"; done
assert_eq "${#LITTER[@]}" "$(vt_files_in "$T/hot" | wc -l)" "files left in the hotfolders (only the litter)"
assert_eq "" "$(vt_files_in "$T/quarantine")" "quarantine"
vt_daemon_stop
status=$(vt status --json)
assert_json '.daemon.running == false' "$status" "status: daemon stopped"
assert_json ".assets.total == $expected and .assets.ready == $expected" "$status" "status: $expected assets, all ready"
assert_eq "$expected" "$(vt_files_in "$T/originals" | wc -l)" "archived originals"
assert_eq "" "$(vt_tmp_leftovers "$T/images" "$T/originals")" ".tmp-* leftovers"
assert_exit 0 vt verify

echo "PASS $VT_TEST_NAME"
