#!/usr/bin/env bash
# t40-iipsrv: with server=iipsrv, the pyramids vitrine writes are served by
# Debian's iipsrv (behind lighttpd, FastCGI) as IIIF Image API 2: info.json
# gives the size `vitrine show` reports (EXIF orientation applied), and tiles
# come back as decodable JPEGs. Skipped (77) only if lighttpd or iipsrv is
# not installed.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/iiif-server.sh"

iiif_server_require iipsrv
vt_require_bins
vt_make_tree iipsrv
# One iipsrv over [images] dir: all three images public (an internal one's
# pyramid is in internal-dir, served by a second endpoint: t44).
sed -i '/^\[department:xray\]/,$ s/^visibility=internal$/visibility=public/' "$VT_CONF"

img_jpeg "$T/hot/photo/big.jpg" 1500 1100
img_exif_rotated "$T/hot/photo/turned.jpg" 1200 900
img_png_alpha "$T/hot/xray/alpha.png" 900 700
vt_ingest
iiif_server_start iipsrv "$T/images" "$VT_PORT"

for src in photo/big.jpg photo/turned.jpg xray/alpha.png; do
    note "--- $src"
    a=$(vt_asset "${src%%/*}" "${src#*/}")
    id=$(jq -r .id <<<"$a")
    assert_exit 0 vt show "$id" --json
    shown=$VT_OUT
    w=$(jq -r .width <<<"$shown")
    h=$(jq -r .height <<<"$shown")
    iiif_get_ok "$(iiif_url "iiif/$id.tif/info.json")" "$T/info.json" application/
    info=$(cat "$T/info.json")
    assert_eq "$w $h" "$(jq -r '"\(.width) \(.height)"' <<<"$info")" "  info.json size = vitrine show"
    assert_json '.["@id"] | endswith("/iiif/'"$id"'.tif")' "$info" "  info.json @id"
    assert_json '.tiles[0].width == 512 and (.tiles[0].scaleFactors | length) >= 2' "$info" \
        "  iipsrv sees 512 px tiles on several levels"
    # A full-resolution tile, and the whole image from a lower level.
    tw=$(( w < 512 ? w : 512 ))
    th=$(( h < 512 ? h : 512 ))
    iiif_get_ok "$(iiif_url "iiif/$id.tif/0,0,$tw,$th/$tw,/0/default.jpg")" "$T/tile.jpg" image/jpeg
    assert_jpeg "$T/tile.jpg" "  tile"
    assert_eq "$tw $th" "$(img_size "$T/tile.jpg")" "  tile size"
    iiif_get_ok "$(iiif_url "iiif/$id.tif/full/200,/0/default.jpg")" "$T/small.jpg" image/jpeg
    assert_jpeg "$T/small.jpg" "  reduced image"
    assert_eq 200 "$(vipsheader -f width "$T/small.jpg")" "  reduced image width"
    if [ "$src" = xray/alpha.png ]; then
        for v in $(img_pixel "$T/small.jpg" 1 1); do
            [ "$v" -ge 245 ] || fail "  served transparent corner is '$(img_pixel "$T/small.jpg" 1 1)', not white"
        done
        ok "  served transparent corner is white"
    fi
done

echo "PASS $VT_TEST_NAME"
