#!/usr/bin/env bash
# t20-ingest-kinds: every kind of image a department drops goes through
# `vitrine ingest` to a ready asset: the original archived byte for byte, a
# tiled pyramidal JPEG TIFF of the right size (EXIF orientation applied,
# alpha flattened onto white, CMYK and 16-bit made 8-bit sRGB), derivatives,
# and the hotfolder emptied. Odd names are kept as they were.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
command -v tiffinfo >/dev/null || fail "tiffinfo is missing (libtiff-tools, scripts/install-deps)"
vt_make_tree cantaloupe

# --- what is dropped ------------------------------------------------------------
# One line per file: department, path in the hotfolder, displayed width and
# height, format vitrine must report, intervention (- for null), maker and
# its arguments. Sizes all differ, so no two files are byte-identical.
CASES=$(cat <<'EOF'
photo|plain.jpg|800|600|jpeg|-|img_jpeg 800 600
photo|alpha.png|640|480|png|-|img_png_alpha 640 480
photo|deep.tif|660|500|tiff|-|img_tiff16 660 500
photo|cmyk.jpg|700|520|jpeg|-|img_cmyk 700 520
xray|grey.jpg|640|480|jpeg|-|img_grey 640 480
photo|rotated.jpg|540|720|jpeg|-|img_exif_rotated 720 540
photo|web.webp|650|490|webp|-|img_webp 650 490
photo|tiny.png|1|1|png|-|img_tiny
photo|strip.jpg|30000|200|jpeg|-|img_strip
photo|sub folder/Ève été.jpg|610|410|jpeg|-|img_jpeg 610 410
photo|-x.jpg|620|420|jpeg|-|img_jpeg 620 420
photo|name with  two spaces.jpg|630|430|jpeg|-|img_jpeg 630 430
photo|2019.12345_front.jpg|500|400|jpeg|2019.12345|img_jpeg 500 400
xray|2020.54321 chest.jpg|510|390|jpeg|-|img_jpeg 510 390
EOF
)
if img_have_jp2k; then
    CASES+=$'\n''photo|j2k.jp2|640|480|jp2k|-|img_jp2k 640 480'
else
    note "no JPEG 2000 writer in this libvips: the jp2k case is left out"
fi

# Made outside the hotfolders, kept as reference copies under $T/dropped,
# then moved in.
n_cases=0
while IFS='|' read -r -u 3 dept src w h fmt iv maker; do
    # shellcheck disable=SC2086  # the maker's arguments are words
    set -- $maker
    "$1" "$T/dropped/$dept/$src" "${@:2}"
    mkdir -p "$(dirname "$T/hot/$dept/$src")"
    cp -- "$T/dropped/$dept/$src" "$T/hot/$dept/$src"
    n_cases=$((n_cases + 1))
done 3<<<"$CASES"
ok "$n_cases images dropped"

vt_ingest
vt list --json >"$T/list.json"
assert_json 'type == "array"' "$(cat "$T/list.json")" "list --json is an array"
assert_eq "$n_cases" "$(jq length "$T/list.json")" "asset count"

# --- each asset ---------------------------------------------------------------------
KEYS='["attempts","created","department","download","embedded","format","height","id","image","intervention","original","reason","sha256","size","source","state","thumbnail","tiles","updated","visibility","width"]'

# longest W H
longest() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# check_white FILE X Y WHAT: every band of the pixel is >= 245.
check_white() {
    local px v
    px=$(img_pixel "$1" "$2" "$3")
    for v in $px; do
        [ "$v" -ge 245 ] || fail "$4: pixel ($2,$3) is '$px', not white (alpha flattened onto black or dropped?)"
    done
    ok "$4: pixel ($2,$3) is white ($px)"
}

# check_tiff FILE W H: tiled 512x512, JPEG-compressed pyramid as a chain of
# IFDs, first page W x H, 8 bits.
check_tiff() {
    local f=$1 w=$2 h=$3 info dirs pages tiled jpeg
    info=$(tiffinfo "$f" 2>/dev/null) || fail "tiffinfo cannot read $f"
    dirs=$(grep -c '^=== TIFF directory' <<<"$info" || true)
    pages=$(vipsheader -f n-pages "$f")
    tiled=$(grep -c 'Tile Width: 512 Tile Length: 512' <<<"$info" || true)
    jpeg=$(grep -c 'Compression Scheme: JPEG' <<<"$info" || true)
    assert_eq "$dirs" "$pages" "  pages seen by libvips = top-level IFDs (no SubIFD pyramid)"
    if [ "$(longest "$w" "$h")" -gt 512 ]; then
        assert_ge 2 "$pages" "  pyramid levels"
    else
        assert_ge 1 "$pages" "  pyramid levels"
    fi
    assert_eq "$dirs" "$tiled" "  levels tiled 512x512"
    assert_eq "$dirs" "$jpeg" "  levels JPEG-compressed"
    assert_eq "$w $h" "$(img_size "$f")" "  TIFF size"
    # The pixels are upright: an Orientation tag other than top-left left in
    # the TIFF would make EXIF-aware readers rotate them a second time.
    if grep 'Orientation:' <<<"$info" | grep -v 'row 0 top, col 0 lhs' >/dev/null; then
        fail "  TIFF keeps an Orientation tag: $(grep -m1 'Orientation:' <<<"$info")"
    fi
    ok "  TIFF has no rotating Orientation tag"
    assert_eq uchar "$(img_format "$f")" "  TIFF sample format"
}

# check_jpeg_longest FILE LONGEST WHAT
check_jpeg_longest() {
    local size
    [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' \n')" = ffd8ff ] || fail "$3: $1 is not a JPEG"
    size=$(img_size "$1")
    assert_eq "$2" "$(longest "${size% *}" "${size#* }")" "$3 longest side"
}

while IFS='|' read -r -u 3 dept src w h fmt iv maker; do
    note "--- $dept/$src"
    a=$(jq -c --arg d "$dept" --arg s "$src" \
        '[.[] | select(.department == $d and .source == $s)]' "$T/list.json")
    assert_eq 1 "$(jq length <<<"$a")" "  assets for $dept/$src"
    a=$(jq -c '.[0]' <<<"$a")
    id=$(jq -r .id <<<"$a")
    assert_json "$KEYS - keys == []" "$a" "  asset has every key of the contract"
    assert_json '.id | test("^[a-z0-9]+$")' "$a" "  id is URL-safe"
    assert_eq ready "$(jq -r .state <<<"$a")" "  state"
    assert_json '.reason == null' "$a" "  no reason"
    assert_eq "$w $h" "$(jq -r '"\(.width) \(.height)"' <<<"$a")" "  width height"
    assert_eq "$fmt" "$(jq -r .format <<<"$a")" "  format"
    if [ "$iv" = - ]; then
        assert_json '.intervention == null' "$a" "  no intervention"
    else
        assert_eq "$iv" "$(jq -r .intervention <<<"$a")" "  intervention"
    fi
    if [ "$dept" = photo ]; then vis=public; else vis=internal; fi
    assert_eq "$vis" "$(jq -r .visibility <<<"$a")" "  visibility"

    dropped=$T/dropped/$dept/$src
    assert_eq "$(sha256_of "$dropped")" "$(jq -r .sha256 <<<"$a")" "  recorded sha256"
    assert_eq "$(stat -c %s "$dropped")" "$(jq -r .size <<<"$a")" "  recorded size"
    assert_eq "$T/originals/$dept/$src" "$(jq -r .original <<<"$a")" "  original path"
    assert_same_bytes "$dropped" "$T/originals/$dept/$src" "  archived original"
    assert_no_file "$T/hot/$dept/$src" "  hotfolder copy"

    # An internal asset's images are in their own root ([images] internal-dir).
    if [ "$vis" = public ]; then root=$T/images; else root=$T/images/internal; fi
    assert_eq "$root/$id.tif" "$(jq -r .image <<<"$a")" "  image path"
    assert_json '.tiles == null' "$a" "  no static tiles (server=cantaloupe)"
    check_tiff "$root/$id.tif" "$w" "$h"
    bands=$(vipsheader -f bands "$root/$id.tif")
    if [ "$src" = grey.jpg ]; then
        [ "$bands" = 1 ] || [ "$bands" = 3 ] || fail "  greyscale TIFF has $bands bands"
        ok "  greyscale TIFF has $bands band(s)"
    else
        assert_eq "3 srgb" "$bands $(img_interpretation "$root/$id.tif")" "  TIFF bands and colour space"
    fi

    thumb=$(jq -r .thumbnail <<<"$a")
    down=$(jq -r .download <<<"$a")
    case $thumb in "$root/derivatives/"*) ;; *) fail "  thumbnail $thumb is not under $root/derivatives/" ;; esac
    case $down in "$root/derivatives/"*) ;; *) fail "  download $down is not under $root/derivatives/" ;; esac
    assert_file "$thumb" "  thumbnail"
    assert_file "$down" "  download JPEG"
    long=$(longest "$w" "$h")
    if [ "$long" -ge 400 ]; then
        check_jpeg_longest "$thumb" 400 "  thumbnail"
    fi
    if [ "$long" -ge 2048 ]; then
        check_jpeg_longest "$down" 2048 "  download"
    else
        check_jpeg_longest "$down" "$long" "  download (never enlarged)"
    fi
    case $src in
    alpha.png)
        check_white "$root/$id.tif" 3 3 "  TIFF top-left"
        check_white "$root/$id.tif" 3 $((h - 4)) "  TIFF bottom-left"
        tsize=$(img_size "$thumb")
        check_white "$thumb" 2 2 "  thumbnail top-left"
        check_white "$thumb" 2 $((${tsize#* } - 3)) "  thumbnail bottom-left"
        ;;
    rotated.jpg)
        tsize=$(img_size "$thumb")
        [ "${tsize#* }" -gt "${tsize% *}" ] || fail "  thumbnail of the EXIF-rotated image is not portrait: $tsize"
        ok "  thumbnail of the EXIF-rotated image is portrait ($tsize)"
        ;;
    esac
done 3<<<"$CASES"

# --- the whole tree -----------------------------------------------------------------
assert_eq "" "$(vt_files_in "$T/hot")" "files left in the hotfolders"
assert_eq "" "$(vt_tmp_leftovers "$T/images" "$T/originals")" ".tmp-* leftovers"
assert_eq "" "$(vt_files_in "$T/quarantine")" "files in quarantine"
assert_exit 0 vt verify
first_id=$(jq -r '.[0].id' "$T/list.json")
assert_exit 0 vt show "$first_id" --json
assert_json 'type == "object"' "$VT_OUT" "show --json is an object"
[ "$(jq -S . <<<"$VT_OUT")" = "$(jq -S --arg id "$first_id" '.[] | select(.id == $id)' "$T/list.json")" ] ||
    fail "show $first_id --json differs from its list entry: $VT_OUT"
ok "show --json equals the list entry"
status=$(vt status --json)
assert_json ".assets == {total: $n_cases, archiving: 0, converting: 0, ready: $n_cases, quarantined: 0}" "$status" "status: every asset ready"
assert_json '.quarantine.files == 0' "$status" "status: quarantine empty"
assert_json '.daemon.running == false and .daemon.pid == null' "$status" "status: no daemon"

# A second run finds nothing to do and changes nothing.
vt_ingest
vt list --json >"$T/list2.json"
[ "$(jq -S 'sort_by(.id) | map(del(.updated))' "$T/list.json")" = "$(jq -S 'sort_by(.id) | map(del(.updated))' "$T/list2.json")" ] ||
    fail "a second ingest with nothing new changed the assets"
ok "a second ingest changes nothing"

echo "PASS $VT_TEST_NAME"
