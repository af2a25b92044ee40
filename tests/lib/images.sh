# tests/lib/images.sh: test images of every kind vitrine meets, made with the
# `vips` command line (libvips-tools) and bash alone.
#
# Source after common.sh (it needs $T and fail). Every img_* function writes
# the file OUT (making its folder), from intermediate images cached under
# $T/.imgcache so that a test making many files pays for each base only once.
# Write into a hotfolder only when the test means to drop the file: a daemon
# sees every byte written there. img_drop does a drop the way a well-behaved
# client does: written elsewhere, then renamed in.
#
# Sizes default to 640x480, small enough to convert in a fraction of a second.
# img_size, img_pixel, img_format and img_interpretation read images back.

VT_IMG_CACHE=$T/.imgcache

img__vips() {
    local out
    out=$(vips "$@" 2>&1) || fail "vips $*: $out"
}

# img__base W H: sets IMG_BASE to the path of a cached W x H sRGB uchar image:
# noise in red (so JPEG compression works as on a photograph), gradients in
# green and blue (so that a rotation or a crop is visible). A variable rather
# than output: a failure inside $(...) would not stop the test.
img__base() {
    local w=$1 h=$2 c=$VT_IMG_CACHE
    local base=$c/rgb-${w}x$h.v
    if [ ! -f "$base" ]; then
        mkdir -p "$c"
        img__vips gaussnoise "$c/n.v" "$w" "$h" --mean 128 --sigma 50
        img__vips xyz "$c/xy.v" "$w" "$h"
        img__vips linear "$c/xy.v" "$c/g.v" "$(awk "BEGIN{print 255/$w, 255/$h}")" "0 0"
        img__vips bandjoin "$c/n.v $c/g.v" "$c/j.v"
        img__vips cast "$c/j.v" "$c/u.v" uchar
        img__vips copy "$c/u.v" "$base" --interpretation srgb
        rm -f "$c"/{n,xy,g,j,u}.v
    fi
    IMG_BASE=$base
}

img__out() { mkdir -p "$(dirname -- "$1")"; }

# img_jpeg OUT [W H]: a baseline RGB JPEG.
img_jpeg() {
    img__out "$1"
    img__base "${2:-640}" "${3:-480}"
    img__vips jpegsave "$IMG_BASE" "$1" --Q 90
}

# img_grey OUT [W H]: a one-band (greyscale) JPEG.
img_grey() {
    local c=$VT_IMG_CACHE
    img__out "$1"
    img__base "${2:-640}" "${3:-480}"
    img__vips extract_band "$IMG_BASE" "$c/grey.v" 1
    img__vips copy "$c/grey.v" "$c/grey-bw.v" --interpretation b-w
    img__vips jpegsave "$c/grey-bw.v" "$1" --Q 90
    rm -f "$c/grey.v" "$c/grey-bw.v"
}

# img_png_alpha OUT [W H]: an RGBA PNG whose left quarter (both left corners
# included) is fully transparent and black underneath, so flattening onto
# black, or dropping alpha, shows as black there; onto white, as white.
img_png_alpha() {
    local w=${2:-640} h=${3:-480} c=$VT_IMG_CACHE
    img__out "$1"
    img__vips xyz "$c/axy.v" "$w" "$h"
    img__vips extract_band "$c/axy.v" "$c/ax.v" 0
    img__vips relational_const "$c/ax.v" "$c/mask.v" more "$((w / 4))"
    img__base "$w" "$h"
    img__vips boolean "$IMG_BASE" "$c/mask.v" "$c/under.v" and
    img__vips bandjoin "$c/under.v $c/mask.v" "$c/rgba.v"
    img__vips pngsave "$c/rgba.v" "$1"
    rm -f "$c"/{axy,ax,mask,under,rgba}.v
}

# img_tiff16 OUT [W H]: a 16 bits per sample RGB TIFF (interpretation rgb16).
img_tiff16() {
    local c=$VT_IMG_CACHE
    img__out "$1"
    img__base "${2:-640}" "${3:-480}"
    img__vips linear "$IMG_BASE" "$c/l16.v" 257 0
    img__vips cast "$c/l16.v" "$c/u16.v" ushort
    img__vips copy "$c/u16.v" "$c/rgb16.v" --interpretation rgb16
    img__vips tiffsave "$c/rgb16.v" "$1" --compression deflate
    rm -f "$c"/{l16,u16,rgb16}.v
}

# img_cmyk OUT [W H]: a 4-band CMYK JPEG with an embedded CMYK ICC profile
# (libvips' built-in "cmyk" profile, which icc_export attaches).
img_cmyk() {
    local c=$VT_IMG_CACHE
    img__out "$1"
    img__base "${2:-640}" "${3:-480}"
    img__vips icc_export "$IMG_BASE" "$c/cmyk.v" --output-profile cmyk
    img__vips jpegsave "$c/cmyk.v" "$1" --Q 90
    rm -f "$c/cmyk.v"
}

# img_exif_rotated OUT [W H]: a JPEG stored W x H whose EXIF orientation is 6
# (rotate 90 degrees clockwise to display), so it displays H x W. vips cannot
# set a tag from the command line, so a minimal EXIF APP1 segment is spliced
# in after SOI, into a JPEG saved without metadata.
img_exif_rotated() {
    local c=$VT_IMG_CACHE
    img__out "$1"
    img__base "${2:-640}" "${3:-480}"
    img__vips jpegsave "$IMG_BASE" "$c/plain.jpg" --Q 90 --strip
    {
        printf '\xff\xd8'
        # APP1, length 34: "Exif\0\0", big-endian TIFF header, one IFD entry:
        # tag 0x0112 (Orientation), type SHORT, count 1, value 6; no next IFD.
        printf '\xff\xe1\x00\x22Exif\x00\x00'
        printf 'MM\x00\x2a\x00\x00\x00\x08'
        printf '\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00'
        printf '\x00\x00\x00\x00'
        tail -c +3 "$c/plain.jpg"
    } >"$1"
    rm -f "$c/plain.jpg"
}

# img_webp OUT [W H]
img_webp() {
    img__out "$1"
    img__base "${2:-640}" "${3:-480}"
    img__vips webpsave "$IMG_BASE" "$1" --Q 85
}

# img_have_jp2k: true if this libvips can write JPEG 2000 (openjpeg). Not
# grep -q: under pipefail, vips dying of SIGPIPE would make the answer false.
img_have_jp2k() { vips -l 2>/dev/null | grep jp2ksave >/dev/null; }

# img_jp2k OUT [W H]: a JPEG 2000 (.jp2) file.
img_jp2k() {
    img__out "$1"
    img__base "${2:-640}" "${3:-480}"
    img__vips jp2ksave "$IMG_BASE" "$1" --Q 60
}

# img_tiny OUT: a 1 x 1 pixel PNG.
img_tiny() {
    img__out "$1"
    img__base 1 1
    img__vips pngsave "$IMG_BASE" "$1"
}

# img_strip OUT: a 30000 x 200 JPEG (a panorama, a scanned film strip).
img_strip() { img_jpeg "$1" 30000 200; }

# img_corrupt OUT: a JPEG with garbage in the middle that no decoder setting
# accepts. The base is progressive so that the garbage, with its bogus marker
# (0xFF 0x3C), lands among the scan headers libjpeg must read: libjpeg stops
# with "Unsupported marker type" even with fail_on=none. (Garbage inside the
# entropy data of a baseline JPEG is only a warning: a grey smear, not an
# error.)
img_corrupt() {
    local c=$VT_IMG_CACHE size i
    img__out "$1"
    img__base 640 480
    img__vips jpegsave "$IMG_BASE" "$c/prog.jpg" --Q 90 --interlace --strip
    size=$(stat -c %s "$c/prog.jpg")
    cp "$c/prog.jpg" "$1"
    for i in $(seq 64); do printf '\xff\x3cgarbage in the middle\x00'; done |
        dd of="$1" bs=1 seek=$((size / 2)) conv=notrunc status=none
    rm -f "$c/prog.jpg"
}

# img_truncated OUT: the first half of a baseline JPEG (an interrupted copy).
img_truncated() {
    local c=$VT_IMG_CACHE size
    img__out "$1"
    img_jpeg "$c/whole.jpg"
    size=$(stat -c %s "$c/whole.jpg")
    head -c $((size / 2)) "$c/whole.jpg" >"$1"
    rm -f "$c/whole.jpg"
}

# img_empty OUT: a zero-byte file.
img_empty() { img__out "$1"; : >"$1"; }

# img_text OUT [TEXT]: a plain-text file (whatever its name says).
img_text() {
    img__out "$1"
    printf '%s\n' "${2:-Inventory notes, box 12, shelf 3: to be photographed}" >"$1"
}

# img_pdf OUT: a small PDF-like file (a scan saved as PDF by mistake).
img_pdf() {
    img__out "$1"
    {
        printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n'
        printf '2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%%%EOF\n'
    } >"$1"
}

# img_symlink OUT TARGET: a symbolic link OUT -> TARGET.
img_symlink() { img__out "$1"; ln -s -- "$2" "$1"; }

# img_unique_jpeg OUT N [W H]: a JPEG (default 64 x 48) whose bytes are
# unique for each N, instantly: one cached base per size with a COM (comment)
# segment carrying N spliced in after SOI. Every copy decodes to the same
# pixels; their SHA-256 all differ, so none is a duplicate of another.
img_unique_jpeg() {
    local w=${3:-64} h=${4:-48}
    local base=$VT_IMG_CACHE/unique-${w}x$h.jpg
    [ -f "$base" ] || img_jpeg "$base" "$w" "$h"
    img__out "$1"
    {
        printf '\xff\xd8\xff\xfe\x00\x16'   # COM, length 2 + 20
        printf 'vitrine-test-%07d' "$2"
        tail -c +3 "$base"
    } >"$1"
}

# img_factory DIR COUNT [PREFIX] [FIRST] [W H]: COUNT distinct JPEGs
# DIR/PREFIX-NNNNN.jpg (default 64 x 48, ~1 ms each) numbered from FIRST
# (default 1).
img_factory() {
    local dir=$1 count=$2 prefix=${3:-img} first=${4:-1} w=${5:-64} h=${6:-48} i
    mkdir -p "$dir"
    for ((i = first; i < first + count; i++)); do
        img_unique_jpeg "$dir/$(printf '%s-%05d.jpg' "$prefix" "$i")" "$i" "$w" "$h"
    done
}

# img_drop SRC DEST: moves an already complete file into a hotfolder the way
# a careful client does (copy beside, rename into place), so a watcher never
# sees a partial file.
img_drop() {
    mkdir -p "$(dirname -- "$2")"
    mv -- "$1" "$2"
}

# img_temp_names DIR: files a hotfolder receives that are not images to ingest:
# partial downloads, office lock files, OS litter, plus .xmp/.json sidecars.
# Prints their names (relative to DIR), one a line.
img_temp_names() {
    local dir=$1 n
    mkdir -p "$dir"
    # shellcheck disable=SC2016  # '~$report.docx' is a name, not an expansion
    for n in .DS_Store ._photo.jpg '.~lock.inventory.ods#' '~$report.docx' \
             big.jpg.part upload.tmp video.crdownload copy.filepart \
             Thumbs.db THUMBS.DB desktop.ini; do
        printf 'not for vitrine: %s\n' "$n" >"$dir/$n"
        echo "$n"
    done
    printf '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n' >"$dir/photo.xmp"
    echo photo.xmp
    printf '{"title": "sidecar"}\n' >"$dir/photo.json"
    echo photo.json
}

# img_size FILE: prints "W H" as libvips sees the stored pixels (no rotation).
img_size() {
    echo "$(vipsheader -f width "$1") $(vipsheader -f height "$1")"
}

# img_interpretation FILE: prints libvips' interpretation of FILE in its short
# form (srgb, b-w, cmyk, rgb16...); `vipsheader -f interpretation` prints
# the C enum name instead.
img_interpretation() {
    vipsheader "$1" | awk -F', ' '{print $3}'
}

# img_pixel FILE X Y: prints the pixel's band values as rounded integers,
# separated by single spaces.
img_pixel() {
    vips getpoint "$1" "$2" "$3" |
        awk '{ for (i = 1; i <= NF; i++) printf "%s%d", (i > 1 ? " " : ""), $i + 0.5; print "" }'
}

# img_format FILE: prints the band format in its short form (uchar, ushort,
# float...).
img_format() {
    vipsheader "$1" | awk -F', ' '{ n = split($1, a, " "); print a[n] }'
}
