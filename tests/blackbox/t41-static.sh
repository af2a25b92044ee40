#!/usr/bin/env bash
# t41-static: with server=static, vitrine writes level-0 IIIF tiles to
# <images.dir>/<id>/ that any web server can serve as plain files:
# info.json's id is <images.base-url>/<id>, its size is the asset's, every
# size it lists and the tiles it describes exist, and lighttpd serving the
# folder answers 200 for them. Skipped (77) only without lighttpd.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/iiif-server.sh"

iiif_server_require static
vt_require_bins
vt_make_tree static
base_url=http://127.0.0.1:$VT_PORT/iiif

img_jpeg "$T/hot/photo/big.jpg" 1500 1100
img_exif_rotated "$T/hot/photo/turned.jpg" 1300 700
vt_ingest
iiif_server_start static "$T/images" "$VT_PORT"

ceil_div() { echo $(( ($1 + $2 - 1) / $2 )); }

for src in big.jpg turned.jpg; do
    note "--- $src"
    a=$(vt_asset photo "$src")
    id=$(jq -r .id <<<"$a")
    w=$(jq -r .width <<<"$a")
    h=$(jq -r .height <<<"$a")
    dir=$T/images/$id
    assert_eq "$dir" "$(jq -r '.tiles | rtrimstr("/")' <<<"$a")" "  tiles folder"
    assert_file "$dir/info.json" "  info.json"
    info=$(cat "$dir/info.json")
    assert_eq "$base_url/$id" "$(jq -r '.id // .["@id"]' <<<"$info")" "  info.json id"
    assert_eq "$w $h" "$(jq -r '"\(.width) \(.height)"' <<<"$info")" "  info.json size"
    if jq -e '.["@context"] | tostring | contains("/image/3/")' <<<"$info" >/dev/null; then
        v3=1; note "  Image API 3"
    else
        v3=0; note "  Image API 2"
    fi

    # The derivatives are level-0 URLs; every listed size is a real file;
    # and OpenSeadragon, which reads a list of as many sizes as levels below
    # full (or with it) as those levels, cannot be misled by them: each is
    # that level, or smaller than a tile (asked for whole). (1536 x 2048 as
    # the half-size level of a 1800 x 2400 image made every tile a 404.)
    for d in thumbnail download; do
        ds=$(img_size "$(jq -r ".$d" <<<"$a")")
        if [ "$v3" = 1 ]; then f="full/${ds/ /,}/0/default.jpg"; else f="full/${ds% *},/0/default.jpg"; fi
        assert_file "$dir/$f" "  the $d as a level-0 size"
    done
    while read -r sw sh; do
        if [ "$v3" = 1 ]; then f="full/$sw,$sh/0/default.jpg"; else f="full/$sw,/0/default.jpg"; fi
        assert_file "$dir/$f" "  listed size"
        assert_eq "$sw $sh" "$(img_size "$dir/$f")" "  $f size"
    done < <(jq -r '.sizes // [] | .[] | "\(.width) \(.height)"' <<<"$info")
    level_safe=$(jq --argjson w "$w" --argjson h "$h" '
        (.tiles[0].scaleFactors | max | log2 | round) as $l
        | .tiles[0].width as $tw | (.tiles[0].height // $tw) as $th
        | (.sizes // [] | sort_by(.width)) as $s | ($s | length) as $n
        | ($n != $l and $n != $l + 1) or
          all(range($n); pow(2; $l - .) as $f
              | ($s[.].width < $tw and $s[.].height < $th) or
                ($s[.].width == ((($w + $f - 1) / $f) | floor) and
                 $s[.].height == ((($h + $f - 1) / $f) | floor)))' <<<"$info")
    assert_eq true "$level_safe" "  sizes cannot be taken for levels ($(jq -c '[.tiles[0].scaleFactors, .sizes]' <<<"$info"))"

    # The top-left tile of every scale factor it announces.
    tw=$(jq -r '.tiles[0].width' <<<"$info")
    th=$(jq -r '.tiles[0].height // .tiles[0].width' <<<"$info")
    for s in $(jq -r '.tiles[0].scaleFactors[]' <<<"$info"); do
        rw=$(( tw * s < w ? tw * s : w ))
        rh=$(( th * s < h ? th * s : h ))
        sw=$(ceil_div "$rw" "$s")
        sh=$(ceil_div "$rh" "$s")
        if [ "$v3" = 1 ]; then size="$sw,$sh"; else size="$sw,"; fi
        tile="0,0,$rw,$rh/$size/0/default.jpg"
        assert_file "$dir/$tile" "  tile at scale factor $s"
    done
    first_tile="0,0,$(( tw < w ? tw : w )),$(( th < h ? th : h ))"
    tiles=("$dir/$first_tile"/*/0/default.jpg)
    assert_eq 1 "${#tiles[@]}" "  full-resolution top-left tiles ($first_tile)"
    tile_file=${tiles[0]#"$dir"/}

    # Over HTTP, as a viewer would ask.
    iiif_get_ok "$base_url/$id/info.json" "$T/got.json" application/json
    [ "$(jq -S . "$T/got.json")" = "$(jq -S . <<<"$info")" ] || fail "  served info.json differs from the file"
    ok "  served info.json is the file"
    iiif_get_ok "$base_url/$id/$tile_file" "$T/tile.jpg" image/jpeg
    assert_jpeg "$T/tile.jpg" "  served tile"
    ts=$(img_size "$(jq -r .thumbnail <<<"$a")")
    if [ "$v3" = 1 ]; then f="full/${ts/ /,}/0/default.jpg"; else f="full/${ts% *},/0/default.jpg"; fi
    iiif_get_ok "$base_url/$id/$f" "$T/size.jpg" image/jpeg
done

assert_eq "" "$(vt_tmp_leftovers "$T/images")" ".tmp-* leftovers"
echo "PASS $VT_TEST_NAME"
