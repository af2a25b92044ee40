#!/usr/bin/env bash
# t16-frontend-files: a build without `npm ci` has no OpenSeadragon (issue
# 12): check-config names what is missing, vitrined logs it and `vitrine
# status` shows it as a problem, rebuild warns; with the files there, none
# of them says a word.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
[ -f "$VT_SOURCE_DIR/node_modules/openseadragon/build/openseadragon/openseadragon.min.js" ] ||
    skip "node_modules has no OpenSeadragon: run npm ci"

note "--- with the front-end files"
assert_exit 0 vt check-config
grep -q "front-end files missing" <<<"$VT_OUT" && fail "check-config warns with node_modules there: $VT_OUT"
ok "check-config is quiet about front-end files when they are there"

note "--- without them (VITRINE_VENDOR_DIR pointing at an empty folder)"
mkdir -p "$T/no-vendor"
export VITRINE_VENDOR_DIR=$T/no-vendor
assert_exit 0 vt check-config
grep -q "front-end files missing from $T/no-vendor: openseadragon/openseadragon.min.js" <<<"$VT_OUT" ||
    fail "check-config does not name OpenSeadragon: $VT_OUT"
grep -q "npm ci" <<<"$VT_OUT" || fail "check-config does not say what to do: $VT_OUT"
ok "check-config names what is missing"
img_jpeg "$T/hot/photo/a.jpg" 100 80
vt_ingest
assert_exit 0 vt rebuild
grep -q "WARNING: front-end files missing" <<<"$VT_ERR" || fail "rebuild does not warn: $VT_ERR"
[ ! -e "$T/site/public/static/vendor/openseadragon/openseadragon.min.js" ] ||
    fail "the site has OpenSeadragon from somewhere"
vt_daemon_start
grep -q "front-end files missing.*openseadragon" "$VT_DAEMON_LOG" || fail "vitrined does not log it"
ok "vitrined logs it"
wait_for 10 bash -c "'$VT_BIN_DIR/vitrine' -c '$VT_CONF' status | grep -q 'PROBLEM: front-end files missing'" ||
    fail "status does not show it: $(vt status)"
ok "status shows it: $(vt status | grep PROBLEM | head -c 120)"
vt_daemon_stop
