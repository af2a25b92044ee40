#!/usr/bin/env bash
# t12-cli: the vitrine tool's contract outside the pipeline: check-config
# (OK, or exit 2 listing every problem at once), the three ways to name the
# config, usage errors (exit 2), show of an unknown id (exit 1), the shape of
# status --json, and vitrined refusing a bad config and stopping on SIGINT.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
VITRINE=$VT_BIN_DIR/vitrine

note "--- check-config"
assert_exit 0 vt check-config
grep -q "configuration OK" <<<"$VT_OUT$VT_ERR" || fail "check-config did not say 'configuration OK': $VT_OUT"
ok "check-config says 'configuration OK'"
assert_exit 0 "$VITRINE" --config "$VT_CONF" check-config
assert_exit 0 env VITRINE_CONFIG="$VT_CONF" "$VITRINE" check-config

# Every problem at once: an unknown key, a department without hotfolder, a
# bad regular expression, an unknown image server.
sed -e 's/^workers=2$/workers=2\ncolour=blue/' \
    -e 's/^server=cantaloupe$/server=nginx/' \
    -e 's/^intervention=.*/intervention=^([0-9]{4/' "$VT_CONF" >"$T/bad.conf"
printf '\n[department:nohot]\nlabel=No hotfolder\n' >>"$T/bad.conf"
assert_exit 2 "$VITRINE" -c "$T/bad.conf" check-config
problems=$VT_OUT$VT_ERR
for word in colour nginx 'intervention' 'department:nohot'; do
    grep -qF -- "$word" <<<"$problems" || fail "check-config does not mention '$word' in: $problems"
    ok "check-config lists the problem with '$word'"
done
assert_exit 2 "$VITRINE" -c "$T/missing.conf" check-config
# The installed example documents every key: it must stay valid as they evolve.
assert_exit 0 "$VITRINE" -c "$VT_SOURCE_DIR/systemd/vitrine.conf.example" check-config
grep -q "configuration OK" <<<"$VT_OUT$VT_ERR" || fail "the example config is not OK: $VT_OUT $VT_ERR"
ok "systemd/vitrine.conf.example is a valid configuration"
# The loaders: the allow-list, and what the converter's libvips can load.
grep -qF "image loaders used (images.loaders): jpeg, tiff, png, webp, jp2k, heif" <<<"$VT_OUT" ||
    fail "check-config does not show images.loaders: $VT_OUT"
grep -qE "image loaders this libvips has: jpeg, png, tiff" <<<"$VT_OUT" ||
    fail "check-config does not list what libvips loads: $VT_OUT"
ok "check-config lists the loaders used and those libvips has"
assert_exit 2 vt no-such-command
assert_exit 2 vt ingest --no-such-option

note "--- a store with one asset"
img_jpeg "$T/hot/photo/one.jpg" 320 240
vt_ingest
assert_exit 0 vt list --json
assert_json 'length == 1' "$VT_OUT" "list --json has the asset"
id=$(jq -r '.[0].id' <<<"$VT_OUT")
assert_exit 0 vt show "$id" --json
assert_json ".id == \"$id\" and .state == \"ready\"" "$VT_OUT" "show --json"
assert_exit 1 vt show 0000000000000000dead --json
[ -n "$VT_ERR" ] || fail "show of an unknown id says nothing on stderr"
ok "show of an unknown id: $(head -c 200 <<<"$VT_ERR")"
assert_exit 0 vt status --json
status=$VT_OUT
assert_json '.assets | keys == ["archiving","converting","quarantined","ready","total"]' "$status" "status .assets keys"
assert_json '.assets == {total: 1, archiving: 0, converting: 0, ready: 1, quarantined: 0}' "$status" "status .assets figures"
assert_json '.quarantine.files == 0' "$status" "status .quarantine.files"
assert_json '.daemon.running == false and .daemon.pid == null' "$status" "status .daemon without vitrined"
assert_exit 0 vt verify --json
assert_json 'type == "object" or type == "array"' "$VT_OUT" "verify --json is JSON"

note "--- vitrined"
rc=0
timeout 20 "$VT_BIN_DIR/vitrined" -c "$T/bad.conf" >"$T/bad.log" 2>&1 || rc=$?
if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
    fail "vitrined with a bad config: exit $rc (124: still running after 20 s)"
fi
[ -s "$T/bad.log" ] || fail "vitrined refused a bad config without a word"
ok "vitrined refuses a bad config (exit $rc): $(head -c 200 "$T/bad.log" | tr '\n' ' ')"
vt_daemon_start
assert_exit 0 vt status --json
assert_json ".daemon.running == true and .daemon.pid == $VT_DAEMON_PID" "$VT_OUT" "status sees vitrined"
vt_daemon_stop INT
assert_exit 0 vt status --json
assert_json '.daemon.running == false' "$VT_OUT" "status after SIGINT"

echo "PASS $VT_TEST_NAME"
