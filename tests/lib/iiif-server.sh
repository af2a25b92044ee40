# tests/lib/iiif-server.sh: a throw-away IIIF image server for black-box tests.
#
# lighttpd on 127.0.0.1, run in the foreground by the test (no root, no system
# service, everything under $T/httpd), in one of two modes:
#   iipsrv: /iiif/* goes over FastCGI to Debian's iipsrv with
#           FILESYSTEM_PREFIX=<images dir>/ and URI_MAP "iiif=>IIIF", so
#           http://127.0.0.1:PORT/iiif/<id>.tif/info.json answers IIIF Image
#           API 2. iipsrv 1.1 has no FILESYSTEM_SUFFIX: the identifier is the
#           file name, ".tif" included.
#   static: /iiif/* is the images dir served as plain files, for the level-0
#           tiles of server=static.
# Source after common.sh. iiif_server_start registers its own stop at exit.

VT_IIPSRV=${VT_IIPSRV:-/usr/lib/iipimage-server/iipsrv.fcgi}
VT_HTTPD_PID=
VT_HTTPD_DIR=$T/httpd

# iiif_server_require MODE: skips the test (77) when what MODE needs is not
# installed; nothing else is a reason to skip.
iiif_server_require() {
    [ -x "$VT_LIGHTTPD" ] || skip "lighttpd is not installed (scripts/install-deps)"
    if [ "$1" = iipsrv ]; then
        [ -x "$VT_IIPSRV" ] || skip "iipsrv is not installed ($VT_IIPSRV; package iipimage-server)"
    fi
    command -v curl >/dev/null || fail "curl is missing (scripts/install-deps)"
}

# iiif_server_start MODE IMAGES_DIR [PORT]: starts lighttpd on PORT (default
# $VT_PORT, else a free one; the port is left in $VT_PORT) and waits until it
# answers.
iiif_server_start() {
    local mode=$1 images=$2 d=$VT_HTTPD_DIR
    VT_PORT=${3:-${VT_PORT:-$(vt_free_port)}}
    iiif_server_require "$mode"
    [ -z "$VT_HTTPD_PID" ] || fail "iiif_server_start: lighttpd already running"
    mkdir -p "$d/www" "$d/upload"
    echo "vitrine test server" >"$d/www/index.txt"
    {
        cat <<EOF
server.document-root = "$d/www"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$d/error.log"
server.upload-dirs = ( "$d/upload" )
server.modules += ( "mod_alias", "mod_fastcgi" )
index-file.names = ( )
mimetype.assign = ( ".jpg" => "image/jpeg", ".json" => "application/json",
                    ".tif" => "image/tiff", ".txt" => "text/plain" )
EOF
        case $mode in
        iipsrv) cat <<EOF
fastcgi.server = ( "/iiif/" => ((
    "socket" => "$d/iipsrv.sock",
    "bin-path" => "$VT_IIPSRV",
    "check-local" => "disable",
    "min-procs" => 1,
    "max-procs" => 1,
    "bin-environment" => (
        "FILESYSTEM_PREFIX" => "${images%/}/",
        "URI_MAP" => "iiif=>IIIF",
        "LOGFILE" => "$d/iipsrv.log",
        "VERBOSITY" => "5",
        "MAX_IMAGE_CACHE_SIZE" => "10"
    )
)) )
EOF
        ;;
        static) echo "alias.url = ( \"/iiif/\" => \"${images%/}/\" )" ;;
        *) fail "iiif_server_start: unknown mode '$mode' (iipsrv or static)" ;;
        esac
    } >"$d/lighttpd.conf"
    vt_lighttpd_launch "$d" VT_HTTPD_PID
    ok "lighttpd ($mode) listening on 127.0.0.1:$VT_PORT"
}

# iiif_server_stop: stops lighttpd (and, through it, iipsrv). Safe to call twice.
# lighttpd stops the iipsrv it spawned when it stops itself.
iiif_server_stop() { vt_lighttpd_stop_var VT_HTTPD_PID; }

# iiif_url PATH: prints http://127.0.0.1:PORT/PATH.
iiif_url() { echo "http://127.0.0.1:$VT_PORT/${1#/}"; }

# iiif_get URL OUT: fetches URL into OUT; prints "STATUS CONTENT_TYPE".
iiif_get() {
    curl -sS -o "$2" -w '%{http_code} %{content_type}\n' --max-time 30 "$1" ||
        fail "curl $1 failed"
}

# iiif_get_ok URL OUT [CONTENT_TYPE_PREFIX]: fetches URL, which must answer
# 200 (and with a content type starting with CONTENT_TYPE_PREFIX if given).
iiif_get_ok() {
    local res code type
    res=$(iiif_get "$1" "$2")
    code=${res%% *}
    type=${res#* }
    [ "$code" = 200 ] || fail "GET $1: HTTP $code ($(head -c 500 "$2" 2>/dev/null)); iipsrv log: $(tail -n 15 "$VT_HTTPD_DIR/iipsrv.log" 2>/dev/null)"
    if [ -n "${3:-}" ]; then
        case $type in "$3"*) ;; *) fail "GET $1: content type '$type', expected $3" ;; esac
    fi
    ok "GET ${1#http://127.0.0.1:"$VT_PORT"} -> 200 $type"
}

# assert_jpeg FILE [WHAT]: FILE is a JPEG that libvips decodes completely.
assert_jpeg() {
    local out
    [ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' \n')" = ffd8ff ] ||
        fail "${2:-$1}: not a JPEG (starts with $(head -c 16 "$1" | od -An -c | head -1))"
    out=$(vips copy "$1[fail_on=warning]" "$T/.decoded.v" 2>&1) ||
        fail "${2:-$1}: not decodable: $out"
    rm -f "$T/.decoded.v"
    ok "${2:-JPEG} decodes ($(vipsheader "$1" | cut -d: -f2-))"
}
