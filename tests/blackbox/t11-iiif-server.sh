#!/usr/bin/env bash
# t11-iiif-server: the test IIIF server (tests/lib/iiif-server.sh) works on
# files made by plain `vips`, without vitrine: iipsrv behind lighttpd answers
# info.json and tiles for a tiled pyramidal JPEG TIFF, and the static mode
# serves dzsave's level-0 tiles. If this fails, t40/t41 say nothing about
# vitrine. Skipped (77) only when lighttpd or iipsrv is not installed.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/iiif-server.sh"

iiif_server_require iipsrv
images=$T/images
mkdir -p "$images"

img_jpeg "$T/src.jpg" 1500 1100
vips tiffsave "$T/src.jpg" "$images/sample.tif" --tile --tile-width 512 --tile-height 512 \
    --pyramid --compression jpeg --Q 85
ok "pyramid written by vips tiffsave"

# --- iipsrv ----------------------------------------------------------------
iiif_server_start iipsrv "$images"
iiif_get_ok "$(iiif_url iiif/sample.tif/info.json)" "$T/info.json" application/
assert_json '.width == 1500 and .height == 1100' "$(cat "$T/info.json")" "iipsrv info.json size"
assert_json '.["@id"] | endswith("/iiif/sample.tif")' "$(cat "$T/info.json")" "iipsrv info.json @id"
assert_json '.tiles[0].width == 512' "$(cat "$T/info.json")" "iipsrv reads 512 px tiles"
iiif_get_ok "$(iiif_url iiif/sample.tif/0,0,512,512/512,/0/default.jpg)" "$T/tile.jpg" image/jpeg
assert_jpeg "$T/tile.jpg" "iipsrv tile"
assert_eq "512 512" "$(img_size "$T/tile.jpg")" "iipsrv tile size"
iiif_get_ok "$(iiif_url iiif/sample.tif/full/375,/0/default.jpg)" "$T/small.jpg" image/jpeg
assert_eq "375 275" "$(img_size "$T/small.jpg")" "iipsrv reduced full image size"
res=$(iiif_get "$(iiif_url iiif/missing.tif/info.json)" "$T/missing.json")
[ "${res%% *}" != 200 ] || fail "iipsrv answers 200 for a missing image"
ok "iipsrv refuses a missing image (HTTP ${res%% *})"
iiif_server_stop
ok "lighttpd stopped"

# --- static files ---------------------------------------------------------------
vips dzsave "$T/src.jpg" "$images/dz" --layout iiif3 --tile-size 512 \
    --id "http://127.0.0.1:$VT_PORT/iiif" --suffix '.jpg[Q=85]'
iiif_server_start static "$images"
iiif_get_ok "$(iiif_url iiif/dz/info.json)" "$T/dz.json" application/json
assert_json ".id == \"http://127.0.0.1:$VT_PORT/iiif/dz\"" "$(cat "$T/dz.json")" "static info.json id"
iiif_get_ok "$(iiif_url iiif/dz/0,0,512,512/512,512/0/default.jpg)" "$T/dz.jpg" image/jpeg
assert_jpeg "$T/dz.jpg" "static tile"
res=$(iiif_get "$(iiif_url iiif/dz/9,9,9,9/9,9/0/default.jpg)" "$T/none.jpg")
assert_eq 404 "${res%% *}" "HTTP status of a missing static tile"

echo "PASS $VT_TEST_NAME"
