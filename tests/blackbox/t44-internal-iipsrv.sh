#!/usr/bin/env bash
# t44-internal-iipsrv: internal images with an image server (issue 11, item
# 12), as docs/web/README.md ("Internal images") documents for iipsrv: two
# FastCGI endpoints behind one lighttpd, /iiif/ over [images] dir for
# everyone and /internal/iiif/ over [images] internal-dir (outside dir)
# behind a login. After `vitrine set ID visibility=internal`, the asset's
# info.json and a tile answer from the internal endpoint only, its internal
# manifest names that service, and the public one no longer serves it; the
# reverse after visibility=public. Skipped (77) only without lighttpd or
# iipsrv.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/iiif-server.sh"

iiif_server_require iipsrv
vt_require_bins
command -v openssl >/dev/null || fail "openssl is missing (scripts/install-deps): it makes the htpasswd file"
vt_make_tree iipsrv
base=http://127.0.0.1:$VT_PORT
INT=$T/internal-images
sed -i "s#^base-url=$base/iiif\$#&\ninternal-dir=$INT\ninternal-base-url=$base/internal/iiif#" "$VT_CONF"
grep -q "^internal-dir=$INT\$" "$VT_CONF" || fail "internal-dir not set"
vt check-config >"$T/check.out" 2>&1 || fail "check-config refuses the config: $(cat "$T/check.out")"
grep -q "internal images in $INT, served at $base/internal/iiif" "$T/check.out" ||
    fail "check-config does not name the internal root: $(cat "$T/check.out")"
ok "check-config names the internal root and its URL"

img_jpeg "$T/hot/photo/2024.00001_vase.jpg" 1200 900
vt_ingest
id=$(jq -r .id <<<"$(vt_asset photo 2024.00001_vase.jpg)")

# lighttpd with one iipsrv per root, the internal one behind basic auth.
D=$VT_HTTPD_DIR
mkdir -p "$D/www" "$D/upload"
echo "vitrine test server" >"$D/www/index.txt"
printf 'staff:%s\n' "$(openssl passwd -apr1 'pw')" >"$D/htpasswd"
# iipsrv finds the request's protocol by URI_MAP, a prefix of the path.
iipsrv_server() {   # iipsrv_server NAME ROOT URI_PREFIX
    cat <<EOF
    (( "socket" => "$D/iipsrv-$1.sock", "bin-path" => "$VT_IIPSRV", "check-local" => "disable",
       "min-procs" => 1, "max-procs" => 1,
       "bin-environment" => ( "FILESYSTEM_PREFIX" => "${2%/}/", "URI_MAP" => "$3=>IIIF",
                              "LOGFILE" => "$D/iipsrv-$1.log", "VERBOSITY" => "1",
                              "MAX_IMAGE_CACHE_SIZE" => "10" ) ))
EOF
}
cat >"$D/lighttpd.conf" <<EOF
server.document-root = "$D/www"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$D/error.log"
server.upload-dirs = ( "$D/upload" )
server.modules += ( "mod_alias", "mod_auth", "mod_authn_file", "mod_fastcgi" )
index-file.names = ( )
mimetype.assign = ( ".json" => "application/json", ".txt" => "text/plain" )
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "$D/htpasswd"
\$HTTP["url"] =~ "^/internal/" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "staff", "require" => "valid-user" ) )
}
fastcgi.server = (
  "/internal/iiif/" => $(iipsrv_server internal "$INT" internal/iiif),
  "/iiif/" => $(iipsrv_server public "$T/images" iiif)
)
EOF
vt_lighttpd_launch "$D" VT_HTTPD_PID
ok "lighttpd with two iipsrv endpoints on 127.0.0.1:$VT_PORT"

status() { curl -sS --max-time 30 -o "$T/body" -w '%{http_code}' "$@"; }
TILE=0,0,512,512/512,/0/default.jpg
# served_from public|internal: info.json and a tile from that endpoint only.
served_from() {
    local p pub=$base/iiif/$id.tif int=$base/internal/iiif/$id.tif
    if [ "$1" = public ]; then
        for p in info.json "$TILE"; do
            assert_eq 200 "$(status "$pub/$p")" "  public   /iiif/$id.tif/$p"
            assert_ne 200 "$(status -u staff:pw "$int/$p")" "  internal /internal/iiif/$id.tif/$p"
        done
    else
        for p in info.json "$TILE"; do
            assert_ne 200 "$(status "$pub/$p")" "  public   /iiif/$id.tif/$p"
            assert_eq 200 "$(status -u staff:pw "$int/$p")" "  internal /internal/iiif/$id.tif/$p"
            assert_eq 401 "$(status "$int/$p")" "  /internal/iiif/$id.tif/$p without the login"
        done
        status -u staff:pw "$int/info.json" >/dev/null
        assert_json '.["@id"] == "'"$int"'"' "$(cat "$T/body")" "  the internal info.json names its endpoint"
    fi
}
manifest_names() { grep -q "$3" "$T/site/$1/iiif/$id/manifest.json" 2>/dev/null; }

note "--- public"
served_from public

note "--- vitrine set visibility=internal (no daemon: the batch run moves the files)"
vt set "$id" visibility=internal >"$T/set.out" 2>&1 || fail "vitrine set failed: $(cat "$T/set.out")"
assert_file "$INT/$id.tif" "  the pyramid is in internal-dir"
assert_no_file "$T/images/$id.tif" "  and no longer in dir"
assert_eq "$INT/$id.tif" "$(vt show "$id" --json | jq -r .image)" "  the record names it"
served_from internal
manifest_names internal "" "$base/internal/iiif/$id.tif" || fail "the internal manifest does not name the internal service"
ok "  the internal manifest names the internal service"
[ ! -e "$T/site/public/iiif/$id/manifest.json" ] || fail "  the public manifest is still there"

note "--- vitrine set visibility=public"
vt set "$id" visibility=public >"$T/set.out" 2>&1 || fail "vitrine set failed: $(cat "$T/set.out")"
assert_file "$T/images/$id.tif" "  the pyramid is back in dir"
served_from public
manifest_names public "" "$base/iiif/$id.tif" || fail "the public manifest does not name the public service"
ok "  the public manifest names the public service"
vt verify >"$T/verify.out" 2>&1 || fail "vitrine verify failed: $(tail -n 20 "$T/verify.out")"
ok "vitrine verify is clean"
