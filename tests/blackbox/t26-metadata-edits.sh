#!/usr/bin/env bash
# t26-metadata-edits: `vitrine set` / `vitrine unset` change an asset's
# custom metadata through the spool, with and without vitrined running;
# visibility is a field staff set per asset; bad edits are refused with a
# message and change nothing.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
img_jpeg "$T/hot/photo/2019.12345_a.jpg" 320 240
vt_ingest
id=$(vt_asset photo 2019.12345_a.jpg | jq -r .id)

note "--- without the daemon: the tool applies the request itself"
vt set "$id" keywords.nl=vernis keywords.en=varnish "title=Portret van een dame" >"$T/set.out" 2>&1 ||
    fail "vitrine set failed: $(cat "$T/set.out")"
custom=$(vt show "$id" --json | jq -c .custom)
assert_eq '{"keywords":[{"value":"vernis","lang":"nl"},{"value":"varnish","lang":"en"}],"title":[{"value":"Portret van een dame"}]}' \
    "$custom" "custom metadata after set"
assert_eq "" "$(find "$T/spool" -maxdepth 1 -name "*.json")" "spool emptied"

assert_exit 2 vt set "$id" title.es=Retrato
assert_exit 2 vt set "$id" visibility=secret
assert_exit 1 vt set 0123456789abcdef a=b
assert_file "$T/spool/rejected" "the rejected request is kept"
assert_eq "$custom" "$(vt show "$id" --json | jq -c .custom)" "custom metadata after refused edits"

note "--- with the daemon: the request goes through vitrined"
vt_daemon_start
out=$(vt set "$id" visibility=internal 2>&1) || fail "vitrine set with vitrined running failed: $out"
grep -q "done by vitrined" <<<"$out" || fail "expected 'done by vitrined', got: $out"
ok "vitrined applied the edit"
assert_eq internal "$(vt show "$id" --json | jq -r .visibility)" "visibility set per asset"
vt unset "$id" visibility keywords.en >/dev/null 2>&1 || fail "vitrine unset failed"
assert_eq public "$(vt show "$id" --json | jq -r .visibility)" "visibility back to the department's"
assert_eq '[{"value":"vernis","lang":"nl"}]' "$(vt show "$id" --json | jq -c .custom.keywords)" \
    "only the English keyword removed"
out=$(vt set 0123456789abcdef a=b 2>&1) && fail "an unknown asset was accepted by vitrined"
grep -q "no asset 0123456789abcdef" <<<"$out" || fail "the rejection does not say why: $out"
ok "vitrined's rejection is reported with its reason"
vt_daemon_stop
