#!/usr/bin/env bash
# t35-mirrors: vitrined pushes each publication to the [mirror] targets with
# rsync: the public tree to public targets only (no file of an internal
# asset ever reaches them), the internal tree to internal ones; after an
# edit that hides an asset, its files leave the public mirror too. A target
# that cannot be written is retried with back-off and shown as failing in
# `vitrine status` (JSON and text), without holding up the others; a
# malformed [mirror] is a configuration error.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
command -v rsync >/dev/null || fail "rsync is missing (scripts/install-deps)"
vt_make_tree cantaloupe
mkdir -p "$T/mirror"
cat >>"$VT_CONF" <<EOF

[mirror]
targets=public:$T/mirror/pub/, internal:$T/mirror/int/, public:$T/nowhere/deep/pub/
EOF

note "--- configuration"
out=$(vt check-config) || fail "check-config refused [mirror]: $out"
grep -q "mirrors: 3 rsync targets" <<<"$out" || fail "check-config does not count the targets: $out"
ok "check-config reads 3 targets"
cp "$VT_CONF" "$T/bad.conf"
sed -i 's|^targets=.*|targets=/srv/www/|' "$T/bad.conf"
assert_exit 2 "$VT_BIN_DIR/vitrine" -c "$T/bad.conf" check-config
grep -q "public: or internal:" <<<"$VT_ERR$VT_OUT" || fail "no clear error for a target without its tree: $VT_ERR$VT_OUT"
ok "a target without public:/internal: is refused: $(head -n 1 <<<"$VT_ERR$VT_OUT")"

# photo is a public department, xray an internal one.
img_jpeg "$T/hot/photo/2024.00001_front.jpg" 320 240
img_jpeg "$T/hot/photo/2024.00002_side.jpg" 240 320
img_jpeg "$T/hot/xray/secret_radiograph.jpg" 300 300

ready_count() { vt list --json | jq '[.[] | select(.state == "ready")] | length'; }
same_trees() {
    diff -r "$T/site/public" "$T/mirror/pub" && diff -r "$T/site/internal" "$T/mirror/int"
}

vt_daemon_start
wait_progress 60 3 ready_count || fail "the 3 images are not ready"
front=$(vt_asset photo 2024.00001_front.jpg | jq -r .id)
xray=$(vt_asset xray secret_radiograph.jpg | jq -r .id)
assert_file "$T/site/public/assets/$front.html" "the public page is published"

note "--- both mirrors follow their trees"
wait_for 60 same_trees || fail "mirrors differ from the site: $(same_trees 2>&1 | head -n 20)"
ok "public and internal mirrors equal their trees (diff -r)"
assert_file "$T/mirror/pub/assets/$front.html" "the public mirror has the public asset"
assert_file "$T/mirror/int/assets/$xray.html" "the internal mirror has the internal asset"
if grep -rlF "$xray" "$T/mirror/pub" >"$T/leak.txt" || [ -n "$(find "$T/mirror/pub" -name "*$xray*")" ]; then
    fail "the internal asset $xray is in the public mirror: $(head -n 5 "$T/leak.txt")"
fi
ok "no file of the internal asset, and no mention of it, in the public mirror"
# vitrine's own temporaries are excluded (rsync's .~tmp~ folders come and go
# during a push: the terms.json timer may start one at any moment).
[ -z "$(find "$T/mirror" -name '.tmp-*')" ] || fail "the generator's temporaries reached a mirror"
ok "no temporary file of the generator in the mirrors"

note "--- the failing target"
bad_is_failing() {
    vt status --json | jq -e --arg t "$T/nowhere/deep/pub/" \
        '.daemon.mirrors[] | select(.target == $t) | .failures >= 1 and (.last_error | test("rsync exited"))
         and .next_try != null'
}
wait_for 30 bad_is_failing || fail "the unwritable target is not shown failing: $(vt status --json | jq -c .daemon.mirrors)"
# A push is counted when the daemon reaps its rsync, which on a loaded
# machine can come a while after the mirror already equals its tree.
two_pushed() {
    vt status --json | jq -e '[.daemon.mirrors[] | select(.failures == 0 and .pushes >= 1)] | length == 2' >/dev/null
}
wait_for 30 two_pushed || fail "the two writable targets have not pushed without failure: $(vt status --json | jq -c .daemon.mirrors)"
st=$(vt status --json)
assert_json '.daemon.mirrors | length == 3' "$st" "status lists the 3 targets"
ok "the two writable targets pushed without failure"
assert_json '[.daemon.mirrors[] | select(.tree == "internal")] | length == 1' "$st" "one internal target"
ok "the unwritable one waits for its retry: $(jq -r --arg t "$T/nowhere/deep/pub/" \
    '.daemon.mirrors[] | select(.target == $t) | .last_error' <<<"$st" | head -c 160)"
text=$(vt status)
grep -q "mirror $T/nowhere/deep/pub/ (public tree): .*FAILING" <<<"$text" || fail "vitrine status does not show the failure: $text"
grep -q "mirror $T/mirror/int/ (internal tree): " <<<"$text" || fail "vitrine status lacks the internal mirror: $text"
ok "vitrine status shows every mirror, the failing one with its reason"
grep -q "mirror $T/nowhere/deep/pub/: rsync exited" "$VT_DAEMON_LOG" || fail "the failure is not logged"
ok "the failure is logged"

note "--- an asset hidden: its files leave the public mirror"
vt set "$front" visibility=internal >"$T/set.out" 2>&1 || fail "vitrine set failed: $(cat "$T/set.out")"
gone() { [ ! -e "$T/mirror/pub/assets/$front.html" ] && [ ! -e "$T/mirror/pub/iiif/$front" ]; }
wait_for 60 gone || fail "the hidden asset's page is still in the public mirror"
wait_for 60 same_trees || fail "mirrors differ after the edit: $(same_trees 2>&1 | head -n 20)"
assert_file "$T/mirror/int/assets/$front.html" "the internal mirror keeps it"
ok "the hidden asset left the public mirror; both mirrors equal their trees again"

vt_daemon_stop
