#!/usr/bin/env bash
# t42-metadata-served: what a visitor's client receives of an image's
# rights and credit (issue 15). `vitrine ingest` takes a photo with its own
# XMP and IPTC rights and a photo with none, under [site] rights and
# attribution; then, over HTTP, exiftool reads the static full-size
# download (server=static, served by lighttpd) and the download JPEG, and
# the same pyramid served by iipsrv; an asset's own rights value wins over
# [site] rights once it is converted again. Cantaloupe is not in Debian:
# README's "Image servers" section gives its settings. Skipped (77) without
# lighttpd or exiftool.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/iiif-server.sh"

command -v exiftool >/dev/null || skip "exiftool is not installed (libimage-exiftool-perl)"
iiif_server_require static
vt_require_bins
vt_make_tree static
rights=http://creativecommons.org/licenses/by/4.0/
sed -i "/^\[site\]/a rights=$rights\nattribution=Stadsmuseum <Gent> & partners" "$VT_CONF"

# own-small.jpg fits one tile: its whole-image file is its download, so
# its static full size must carry the rights too.
img_jpeg "$T/hot/photo/own.jpg" 3000 2000
img_jpeg "$T/hot/photo/own-small.jpg" 300 200
for own in own.jpg own-small.jpg; do
    exiftool -q -overwrite_original -XMP-dc:Rights="© Fotostudio Janssens" \
        -XMP-xmpRights:WebStatement=http://rightsstatements.org/vocab/InC/1.0/ \
        -XMP-dc:Creator="An Janssens" -IPTC:By-line="An Janssens" -IPTC:CopyrightNotice="© Janssens" \
        -GPS:GPSLatitude=51.05 -GPS:GPSLatitudeRef=N -EXIF:SerialNumber=SN123 "$T/hot/photo/$own" ||
        fail "exiftool could not write the test photo $own"
done
img_jpeg "$T/hot/photo/bare.jpg" 2400 1600
vt_ingest
iiif_server_start static "$T/images" "$VT_PORT"

# tag FILE TAG: what exiftool reads ("" if absent).
tag() { exiftool -s3 "$2" "$1"; }

for src in own.jpg own-small.jpg bare.jpg; do
    note "--- $src"
    a=$(vt_asset photo "$src")
    id=$(jq -r .id <<<"$a")
    download=$(jq -r .download <<<"$a")
    size=$(vipsheader -f width "$download"),$(vipsheader -f height "$download")
    iiif_get_ok "$(iiif_url "iiif/$id/full/$size/0/default.jpg")" "$T/full.jpg" image/jpeg
    for f in "$T/full.jpg" "$download"; do
        what=$([ "$f" = "$T/full.jpg" ] && echo "static full/$size" || echo "download JPEG")
        if [ "$src" != bare.jpg ]; then
            assert_eq "© Fotostudio Janssens" "$(tag "$f" -XMP-dc:Rights)" "  $what: own dc:rights"
            assert_eq http://rightsstatements.org/vocab/InC/1.0/ \
                "$(tag "$f" -XMP-xmpRights:WebStatement)" "  $what: own WebStatement"
            assert_eq "An Janssens" "$(tag "$f" -IPTC:By-line)" "  $what: IPTC by-line"
            assert_eq "© Janssens" "$(tag "$f" -IPTC:CopyrightNotice)" "  $what: IPTC copyright"
            assert_eq "" "$(tag "$f" -GPS:all)" "  $what: no GPS"
            assert_eq "" "$(tag "$f" -ExifIFD:SerialNumber)" "  $what: no serial number"
        else
            assert_eq "$rights" "$(tag "$f" -XMP-xmpRights:WebStatement)" "  $what: site rights"
            assert_eq "$rights" "$(tag "$f" -XMP-dc:Rights)" "  $what: dc:rights"
            assert_eq "Stadsmuseum <Gent> & partners" "$(tag "$f" -XMP-photoshop:Credit)" \
                "  $what: site attribution"
        fi
    done
    thumb=$(jq -r .thumbnail <<<"$a")
    assert_eq "" "$(tag "$thumb" -XMP:all)" "  the thumbnail carries no XMP"
    # The pyramid as Cantaloupe and iipsrv read it.
    tif=$(jq -r .image <<<"$a")
    if [ "$src" != bare.jpg ]; then
        assert_eq "© Fotostudio Janssens" "$(tag "$tif" -XMP-dc:Rights)" "  pyramid: own dc:rights"
    else
        assert_eq "$rights" "$(tag "$tif" -XMP-xmpRights:WebStatement)" "  pyramid: site rights"
    fi
done
iiif_server_stop

# An asset's own rights value (custom metadata) wins over [site] rights
# once it is converted again.
note "--- an asset's own rights"
bare=$(jq -r .id <<<"$(vt_asset photo bare.jpg)")
cc0=http://creativecommons.org/publicdomain/zero/1.0/
assert_exit 0 vt set "$bare" rights="$cc0"
assert_exit 0 vt retry "$bare"
download=$(jq -r .download <<<"$(vt_asset photo bare.jpg)")
assert_eq "$cc0" "$(tag "$download" -XMP-xmpRights:WebStatement)" "  download: the asset's rights"
assert_eq "Stadsmuseum <Gent> & partners" "$(tag "$download" -XMP-photoshop:Credit)" \
    "  download: still the site attribution"

# iipsrv (Debian's 1.1) re-encodes what it serves, and embeds the
# pyramid's XMP packet in every image it sends.
if [ -x "$VT_IIPSRV" ]; then
    note "--- iipsrv"
    iiif_server_start iipsrv "$T/images" "$VT_PORT"
    for src in own.jpg bare.jpg; do
        id=$(jq -r .id <<<"$(vt_asset photo "$src")")
        iiif_get_ok "$(iiif_url "iiif/$id.tif/full/1000,/0/default.jpg")" "$T/iip.jpg" image/jpeg
        assert_jpeg "$T/iip.jpg" "  iipsrv image"
        if [ "$src" = own.jpg ]; then
            assert_eq "© Fotostudio Janssens" "$(tag "$T/iip.jpg" -XMP-dc:Rights)" \
                "  iipsrv passes the own dc:rights on"
        else
            assert_eq "$cc0" "$(tag "$T/iip.jpg" -XMP-xmpRights:WebStatement)" \
                "  iipsrv passes the asset's rights on"
        fi
    done
    iiif_server_stop
fi

echo "PASS $VT_TEST_NAME"
