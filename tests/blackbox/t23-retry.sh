#!/usr/bin/env bash
# t23-retry: an image refused at conversion (here: over images.max-pixels)
# after its original was archived is a quarantined asset with a reason in
# plain words; once the cause is fixed, `vitrine retry ID` (vitrined running)
# and `vitrine retry --failed` (then `vitrine ingest`) convert it again, and
# it ends ready with its original archived and verified.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
# 640 x 480 = 307200 pixels: over this limit.
sed -i 's/^server=cantaloupe$/server=cantaloupe\nmax-pixels=100000/' "$VT_CONF"
grep -q '^max-pixels=100000$' "$VT_CONF" || fail "could not set max-pixels"

img_jpeg "$T/ref/a.jpg" 640 480
img_jpeg "$T/ref/b.jpg" 650 480
img_jpeg "$T/ref/small.jpg" 300 200          # 60000 pixels: fine
cp "$T/ref/a.jpg" "$T/ref/b.jpg" "$T/ref/small.jpg" "$T/hot/photo/"
vt_ingest
vt list --json >"$T/list.json"
assert_eq 3 "$(jq length "$T/list.json")" "assets"
assert_eq ready "$(jq -r '.[] | select(.source == "small.jpg") | .state' "$T/list.json")" "small.jpg"
for src in a.jpg b.jpg; do
    a=$(jq -c --arg s "$src" '.[] | select(.source == $s)' "$T/list.json")
    assert_eq quarantined "$(jq -r .state <<<"$a")" "$src state"
    reason=$(jq -r .reason <<<"$a")
    [ "$(grep -oE '[[:alpha:]]{2,}' <<<"$reason" | wc -l)" -ge 3 ] || fail "$src reason is not in words: '$reason'"
    ok "$src reason: $reason"
    original=$(jq -r .original <<<"$a")
    assert_file "$original" "$src original (archived before the refusal)"
    assert_same_bytes "$T/ref/$src" "$original" "$src original"
    assert_no_file "$T/hot/photo/$src" "$src in the hotfolder"
done
a_id=$(jq -r '.[] | select(.source == "a.jpg") | .id' "$T/list.json")
b_id=$(jq -r '.[] | select(.source == "b.jpg") | .id' "$T/list.json")
assert_json '.assets.quarantined == 2 and .assets.ready == 1 and .quarantine.files == 2' \
    "$(vt status --json)" "status before the fix"

sed -i 's/^max-pixels=100000$/max-pixels=1000000000/' "$VT_CONF"

# check_recovered ID SRC: ready, archived where a fresh ingest would put it,
# and no longer in the quarantine.
check_recovered() {
    local a
    a=$(vt show "$1" --json)
    assert_eq ready "$(jq -r .state <<<"$a")" "$2 state after retry"
    assert_json '.reason == null' "$a" "$2 has no reason any more"
    assert_eq "$T/originals/photo/$2" "$(jq -r .original <<<"$a")" "$2 original path"
    assert_same_bytes "$T/ref/$2" "$T/originals/photo/$2" "$2 archived original"
    assert_file "$T/images/$1.tif" "$2 pyramid"
    assert_no_file "$T/quarantine/photo/$2" "$2 in quarantine"
    assert_no_file "$T/quarantine/photo/$2.reason.txt" "$2 reason file"
}
is_ready() { [ "$(vt show "$1" --json | jq -r .state)" = ready ]; }

note "--- retry ID, with vitrined"
vt_daemon_start
assert_exit 0 vt retry "$a_id"
wait_for 30 is_ready "$a_id" || fail "a.jpg not ready 30 s after 'vitrine retry $a_id'"
check_recovered "$a_id" a.jpg
# The quarantine count follows the folder: a.jpg left it (its record stays).
assert_json '.quarantine.files == 1' "$(vt status --json)" "quarantined files after one retry"
assert_eq quarantined "$(vt show "$b_id" --json | jq -r .state)" "b.jpg, not retried, still"
vt_daemon_stop

note "--- retry --failed, then ingest"
assert_exit 0 vt retry --failed
vt_ingest
check_recovered "$b_id" b.jpg
assert_json '.assets == {total: 3, archiving: 0, converting: 0, ready: 3, quarantined: 0}' "$(vt status --json)" "status after the retries"
assert_json '.quarantine.files == 0 and .quarantine.latest == null' "$(vt status --json)" \
    "quarantined files after both retries"
assert_exit 0 vt verify
rc=0; vt retry 0000000000000000dead >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "retry of an unknown id exits 0"
ok "retry of an unknown id fails (exit $rc)"

echo "PASS $VT_TEST_NAME"
