#!/usr/bin/env bash
# t43-internal-images: the images of an internal asset are never served to
# the public (issue 11, item 12). With server=static, docs/web/lighttpd.conf
# serves <images.dir> at /images/ to everyone and [images] internal-dir
# (default <images.dir>/internal) at /internal/images/ behind the staff
# login. After `vitrine set ID visibility=internal`, vitrined renames the
# asset's files into the internal root and republishes: every image URL of
# the asset (info.json, a tile, the thumbnail and download sizes, the
# derivatives) answers 404 on /images/ and 200 on /internal/images/, info.json
# names its new URL, the internal manifest points there, nothing in the public
# tree names the asset, and `vitrine verify` is clean; then the reverse after
# visibility=public. Last, a move cut off half-way (the internal derivatives
# folder is a file, so the thumbnail cannot move) and vitrined killed with
# SIGKILL: the pending move recorded in LMDB is finished at the next start.
# Skipped (77) only without lighttpd.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/lighttpd-cgi.sh"

cgi_server_require
vt_require_bins
command -v openssl >/dev/null || fail "openssl is missing (scripts/install-deps): it makes the htpasswd file"
vt_make_tree static
base=http://127.0.0.1:$VT_PORT
# The layout of docs/web: static tiles at /images/, the internal ones at the
# defaults (internal-dir=<dir>/internal, internal-base-url=<internal site>/images).
sed -i "s#^base-url=$base/iiif\$#base-url=$base/images#" "$VT_CONF"
grep -q "^base-url=$base/images\$" "$VT_CONF" || fail "images base-url not set"
printf 'staff:%s\n' "$(openssl passwd -6 'pw')" >"$T/htpasswd"
AUTH=(-u staff:pw)
PUB=$T/images
INT=$T/images/internal

img_jpeg "$T/hot/photo/2024.00001_vase.jpg" 1200 900
vt_daemon_start
ready_one() { [ "$(vt_count_state ready)" = 1 ]; }
wait_for 120 ready_one || fail "the image was not converted: $(vt list --json)"
id=$(jq -r .id <<<"$(vt_asset photo 2024.00001_vase.jpg)")
wait_for 30 test -f "$T/site/public/iiif/$id/manifest.json" || fail "the site was not published"
ok "asset $id ready and published"

echo "vitrine test server" >"$T/site/public/index.txt"   # what vt_lighttpd_launch polls
D=$T/httpd
web_lighttpd_conf "$T/site" "$D/lighttpd.conf"
vt_lighttpd_launch "$D" WEB_PID
ok "docs/web/lighttpd.conf serves the tree on 127.0.0.1:$VT_PORT"

# One tile of the asset, relative to its tiles folder.
tile=$(cd "$PUB/$id" && find . -path './0,0,*/default.jpg' | head -n 1)
tile=${tile#./}
[ -n "$tile" ] || fail "no tile 0,0,... in $PUB/$id"
IMAGE_PATHS=("$id/info.json" "$id/$tile" "$id/full/400,300/0/default.jpg"
             "$id/full/1200,900/0/default.jpg" "derivatives/$id-thumb.jpg"
             "derivatives/$id-download.jpg")

status() { curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$@"; }
# settled WANT CURL_ARGS...: the answer is WANT, or becomes it within 10 s
# (lighttpd's stat cache may answer for a file renamed away for a moment).
settled() {
    local want=$1
    shift
    is_status() { [ "$(status "$@")" = "$want" ]; }
    wait_for 10 is_status "$@" || true
    status "$@"
}

# served_from ROOT: every image URL answers 200 from ROOT's location and 404
# from the other; the internal location asks for the login whatever is there.
served_from() {
    local where=$1 p pub_want int_want
    if [ "$where" = public ]; then pub_want=200 int_want=404; else pub_want=404 int_want=200; fi
    for p in "${IMAGE_PATHS[@]}"; do
        assert_eq "$pub_want" "$(settled "$pub_want" "$base/images/$p")" "  public   /images/$p"
        assert_eq "$int_want" "$(settled "$int_want" "${AUTH[@]}" "$base/internal/images/$p")" "  internal /internal/images/$p"
        assert_eq 401 "$(status "$base/internal/images/$p")" "  /internal/images/$p without the login"
    done
    # The pyramid is for image servers: refused on both, and only in its root.
    assert_ne 200 "$(status "$base/images/$id.tif")" "  /images/$id.tif is not served"
    assert_ne 200 "$(status "${AUTH[@]}" "$base/internal/images/$id.tif")" "  /internal/images/$id.tif is not served"
    if [ "$where" = public ]; then
        assert_file "$PUB/$id.tif" "  the pyramid in the public root"
        assert_no_file "$INT/$id.tif" "  no pyramid in the internal root"
    else
        assert_file "$INT/$id.tif" "  the pyramid in the internal root"
        assert_no_file "$PUB/$id.tif" "  no pyramid in the public root"
    fi
}

# record_in ROOT: the asset record's four paths are in ROOT.
record_in() {
    vt show "$id" --json | jq -e --arg r "$1" --arg id "$id" '
        .image == "\($r)/\($id).tif" and (.tiles | rtrimstr("/")) == "\($r)/\($id)" and
        .thumbnail == "\($r)/derivatives/\($id)-thumb.jpg" and
        .download == "\($r)/derivatives/\($id)-download.jpg"' >/dev/null
}
manifest_names() { grep -q "$2" "$T/site/$1/iiif/$id/manifest.json" 2>/dev/null; }
# No public file names an image of the asset (nor the internal root at all),
# and none is named after it. (The public activity stream does name the
# once-public manifest: its Delete is what tells aggregators it is gone.)
public_tree_silent() {
    local hits
    hits=$( (grep -rl -e "images/$id" -e "/internal/images" "$T/site/public"
             find "$T/site/public" -name "*$id*") | sort -u)
    assert_eq "" "$hits" "  no public file names an image of $id or is named after it"
}
verify_clean() {
    vt verify >"$T/verify.out" 2>&1 || fail "vitrine verify failed: $(tail -n 20 "$T/verify.out")"
    ok "  vitrine verify is clean"
}

note "--- public: the images are at /images/"
served_from public
assert_eq "$base/images/$id" "$(jq -r .id "$PUB/$id/info.json")" "  info.json id"
manifest_names internal "$base/images/$id" || fail "  the internal manifest does not name /images/$id"
ok "  the internal manifest names the public image service"

note "--- vitrine set visibility=internal"
vt set "$id" visibility=internal >"$T/set.out" 2>&1 || fail "vitrine set failed: $(cat "$T/set.out")"
wait_for 30 record_in "$INT" || fail "the asset record does not point at $INT: $(vt show "$id" --json)"
wait_for 30 manifest_names internal "$base/internal/images/$id" ||
    fail "the internal manifest was not republished with /internal/images/$id"
wait_for 30 test ! -e "$T/site/public/iiif/$id/manifest.json" || fail "the public manifest is still there"
ok "  files moved, record updated, both trees republished"
served_from internal
assert_eq "$base/internal/images/$id" "$(jq -r .id "$INT/$id/info.json")" "  info.json id names the internal URL"
grep -q "$base/images/$id" "$T/site/internal/iiif/$id/manifest.json" &&
    fail "  the internal manifest still names the public image URL"
grep -q "$base/internal/images/$id" "$T/site/internal/assets/$id.html" ||
    fail "  the internal page does not name the internal image service"
ok "  the internal page and manifest name only the internal image URL"
public_tree_silent
verify_clean
# The search: an internal hit's thumbnail is an internal image URL that
# answers; the public search does not find the asset.
hit_thumb() {
    curl -sS --max-time 30 "${AUTH[@]}" "$base/internal/cgi-bin/vitrine-search.cgi?q=2024.00001" |
        jq -er --arg id "$id" '.hits[] | select(.id == $id) | .thumbnail'
}
wait_for 30 hit_thumb || fail "the internal search has no hit for $id"
assert_eq "$base/internal/images/$id/full/400,300/0/default.jpg" "$(hit_thumb)" "  the internal hit's thumbnail"
assert_eq 200 "$(status "${AUTH[@]}" "$(hit_thumb)")" "  and it answers"
assert_eq 0 "$(curl -sS --max-time 30 "$base/cgi-bin/vitrine-search.cgi?q=2024.00001" | jq .total)" \
    "  the public search does not find it"

note "--- vitrine set visibility=public"
vt set "$id" visibility=public >"$T/set.out" 2>&1 || fail "vitrine set failed: $(cat "$T/set.out")"
wait_for 30 record_in "$PUB" || fail "the asset record does not point at $PUB: $(vt show "$id" --json)"
wait_for 30 manifest_names public "$base/images/$id" || fail "the public manifest was not republished"
served_from public
assert_eq "$base/images/$id" "$(jq -r .id "$PUB/$id/info.json")" "  info.json id names the public URL again"
assert_eq "" "$(find "$INT" -name "*$id*")" "  nothing of $id left in the internal root"
verify_clean

note "--- check-config refuses an internal-dir on another file system"
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
    sed "s#^dir=$T/images\$#&\ninternal-dir=/dev/shm#" "$VT_CONF" >"$T/other-fs.conf"
    grep -q '^internal-dir=/dev/shm$' "$T/other-fs.conf" || fail "internal-dir not set"
    rc=0
    "$VT_BIN_DIR/vitrine" -c "$T/other-fs.conf" check-config >"$T/check.out" 2>&1 || rc=$?
    assert_eq 2 "$rc" "  check-config exit status"
    grep -q "not on the file system" "$T/check.out" || fail "  check-config does not say why: $(cat "$T/check.out")"
    ok "  and says why"
else
    note "  /dev/shm is missing or on the test's file system: not checked"
fi

note "--- a move cut off half-way, then SIGKILL"
rm -rf "$INT/derivatives"
echo "not a folder" >"$INT/derivatives"       # the thumbnail cannot move there
vt set "$id" visibility=internal >"$T/set.out" 2>&1 || fail "vitrine set failed: $(cat "$T/set.out")"
wait_for 30 test -f "$INT/$id.tif" || fail "the pyramid did not move"
wait_for 30 grep -q "derivatives" "$VT_DAEMON_LOG" || fail "the failed move is not in the log"
assert_file "$PUB/derivatives/$id-thumb.jpg" "  the thumbnail is still in the public root"
record_in "$PUB" || fail "  the record was updated before the move ended"
ok "  half-moved: the record still names the public root"
kill -KILL "$VT_DAEMON_PID"
wait_for 10 vt__gone "$VT_DAEMON_PID" || fail "vitrined did not die"
wait "$VT_DAEMON_PID" 2>/dev/null || true
VT_DAEMON_PID=
rm -f "$INT/derivatives"
vt_daemon_start
wait_for 30 record_in "$INT" || fail "the move was not finished at start: $(vt show "$id" --json)"
wait_for 30 manifest_names internal "$base/internal/images/$id" || fail "the internal manifest was not republished"
ok "  the pending move was finished at start"
served_from internal
assert_eq "$base/internal/images/$id" "$(jq -r .id "$INT/$id/info.json")" "  info.json id"
public_tree_silent
verify_clean
vt_daemon_stop
