#!/usr/bin/env bash
# t10-images: the test-image factory (tests/lib/images.sh) makes what the
# other tests believe it makes. Needs only the vips command line, not vitrine:
# if this fails, the image tests' failures say nothing about vitrine.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

command -v vips >/dev/null || fail "the vips command line is missing (libvips-tools)"
D=$T/img

# header FILE FIELD
header() { vipsheader -f "$2" "$1"; }

# decodes FILE completely, however strict; prints nothing
decodes() { vips copy "$1[fail_on=warning]" "$T/dec.v" >/dev/null 2>&1; }

img_jpeg "$D/plain.jpg" 320 200
assert_eq "320 200 3 jpegload" "$(img_size "$D/plain.jpg") $(header "$D/plain.jpg" bands) $(header "$D/plain.jpg" vips-loader)" "plain JPEG"

img_grey "$D/grey.jpg"
assert_eq "1 b-w" "$(header "$D/grey.jpg" bands) $(img_interpretation "$D/grey.jpg")" "greyscale JPEG"

img_png_alpha "$D/alpha.png"
assert_eq "4 pngload" "$(header "$D/alpha.png" bands) $(header "$D/alpha.png" vips-loader)" "PNG with alpha"
assert_eq "0 0 0 0" "$(img_pixel "$D/alpha.png" 2 2)" "transparent black top-left corner"
assert_eq "0 0 0 0" "$(img_pixel "$D/alpha.png" 2 477)" "transparent black bottom-left corner"
assert_eq 255 "$(img_pixel "$D/alpha.png" 600 240 | cut -d' ' -f4)" "opaque right side"

img_tiff16 "$D/deep.tif"
assert_eq "ushort rgb16" "$(img_format "$D/deep.tif") $(img_interpretation "$D/deep.tif")" "16-bit TIFF"

img_cmyk "$D/cmyk.jpg"
assert_eq "4 cmyk" "$(header "$D/cmyk.jpg" bands) $(img_interpretation "$D/cmyk.jpg")" "CMYK JPEG"
vipsheader -a "$D/cmyk.jpg" | grep '^icc-profile-data:' >/dev/null || fail "CMYK JPEG has no embedded ICC profile"
ok "CMYK JPEG has an embedded ICC profile"

img_exif_rotated "$D/rotated.jpg" 640 480
assert_eq "640 480" "$(img_size "$D/rotated.jpg")" "EXIF-rotated JPEG stored size"
assert_eq 6 "$(header "$D/rotated.jpg" orientation)" "EXIF orientation"
vips autorot "$D/rotated.jpg" "$T/upright.v"
assert_eq "480 640" "$(img_size "$T/upright.v")" "EXIF-rotated JPEG displayed size"
decodes "$D/rotated.jpg" || fail "EXIF-rotated JPEG does not decode cleanly"
ok "EXIF-rotated JPEG decodes cleanly"

img_webp "$D/web.webp"
assert_eq webpload "$(header "$D/web.webp" vips-loader)" "WebP"

if img_have_jp2k; then
    img_jp2k "$D/j2k.jp2"
    assert_eq "jp2kload 640" "$(header "$D/j2k.jp2" vips-loader) $(header "$D/j2k.jp2" width)" "JPEG 2000"
else
    note "this libvips has no jp2ksave: no JPEG 2000 images"
fi

img_tiny "$D/tiny.png"
assert_eq "1 1" "$(img_size "$D/tiny.png")" "1x1 PNG"

img_strip "$D/strip.jpg"
assert_eq "30000 200" "$(img_size "$D/strip.jpg")" "strip"

# Damaged files must be refused by libvips even at its most lenient
# (fail_on=none), or vitrine could not be expected to refuse them.
img_corrupt "$D/corrupt.jpg"
assert_eq jpegload "$(header "$D/corrupt.jpg" vips-loader)" "corrupt JPEG still has a JPEG header"
if vips copy "$D/corrupt.jpg[fail_on=none]" "$T/c.v" >/dev/null 2>&1; then
    fail "the corrupt JPEG decodes with fail_on=none"
fi
ok "corrupt JPEG does not decode, even with fail_on=none"

img_truncated "$D/truncated.jpg"
if vips copy "$D/truncated.jpg[fail_on=truncated]" "$T/t.v" >/dev/null 2>&1; then
    fail "the truncated JPEG decodes with fail_on=truncated"
fi
ok "truncated JPEG does not decode with fail_on=truncated"

img_empty "$D/empty.jpg"
assert_eq 0 "$(stat -c %s "$D/empty.jpg")" "empty file size"
img_text "$D/notes.txt"
img_pdf "$D/scan.pdf"
for f in "$D/empty.jpg" "$D/notes.txt" "$D/scan.pdf"; do
    if vips copy "$f" "$T/x.v" >/dev/null 2>&1; then fail "libvips reads $f as an image"; fi
    ok "not an image for libvips: ${f##*/}"
done

img_symlink "$D/link.jpg" /etc/hostname
[ -L "$D/link.jpg" ] || fail "img_symlink made no symlink"
assert_eq /etc/hostname "$(readlink "$D/link.jpg")" "symlink target"

# The bulk factory: distinct bytes, valid images. Its time is shown, not
# judged: a timed assertion failed on a loaded machine (timing belongs in
# bench/).
start=$(vt_now_us)
img_factory "$D/many" 500 m
elapsed_ms=$(( ($(vt_now_us) - start) / 1000 ))
files=("$D"/many/m-*.jpg)
assert_eq 500 "${#files[@]}" "factory file count"
assert_eq 500 "$(sha256sum "${files[@]}" | cut -d' ' -f1 | sort -u | wc -l)" "distinct SHA-256 among them"
for f in "${files[0]}" "${files[249]}" "${files[499]}"; do
    decodes "$f" || fail "factory image $f does not decode cleanly"
done
ok "factory images decode cleanly"
note "500 factory images in ${elapsed_ms} ms"

mapfile -t names < <(img_temp_names "$D/litter")
assert_eq 13 "${#names[@]}" "temp and sidecar names made"
for n in "${names[@]}"; do assert_file "$D/litter/$n" "litter"; done

echo "PASS $VT_TEST_NAME"
