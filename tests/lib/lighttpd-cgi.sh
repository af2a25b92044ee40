# tests/lib/lighttpd-cgi.sh: the search CGI behind a throw-away lighttpd.
# shellcheck shell=bash
#
# lighttpd on 127.0.0.1, in the foreground of the test (no root, everything
# under $T/cgi-httpd), maps /cgi-bin/vitrine-search.cgi (the path of
# vt_url_search) to $VT_BIN_DIR/vitrine-search.cgi through mod_cgi, with
# VITRINE_CONFIG set by setenv.add-environment, as a production
# configuration would. mod_cgi gives a CGI a fresh environment, so the
# sanitizer options of the test run are passed on the same way; whatever
# the CGI prints on stderr lands in $VT_CGI_DIR/error.log
# (cgi_server_log_clean checks it for sanitizer reports).
# lighttpd's URL normalisation is switched off: by default it re-encodes a
# bad "%G1" as "%25G1" and answers invalid UTF-8 or "%00" with its own HTML
# 400, so the CGI would never see them. Other servers (nginx + fcgiwrap)
# pass the query string raw, and those are the bytes the CGI must survive.
# Source after common.sh. cgi_server_start registers its own stop at exit.

VT_CGI_PID=
VT_CGI_DIR=$T/cgi-httpd

# cgi_server_require: skips the test (77) when lighttpd is not installed;
# nothing else is a reason to skip.
cgi_server_require() {
    [ -x "$VT_LIGHTTPD" ] || skip "lighttpd is not installed (scripts/install-deps)"
    command -v curl >/dev/null || fail "curl is missing (scripts/install-deps)"
    command -v jq >/dev/null || fail "jq is missing (scripts/install-deps)"
    [ -x "$VT_BIN_DIR/vitrine-search.cgi" ] ||
        fail "$VT_BIN_DIR/vitrine-search.cgi is missing: build the project first"
}

# cgi_server_start CONFIG [PORT]: starts lighttpd on PORT (default $VT_PORT,
# else a free one; left in $VT_PORT) running the CGI with VITRINE_CONFIG=
# CONFIG, and waits until it answers.
cgi_server_start() {
    local config=$1 d=$VT_CGI_DIR
    VT_PORT=${2:-${VT_PORT:-$(vt_free_port)}}
    cgi_server_require
    [ -z "$VT_CGI_PID" ] || fail "cgi_server_start: lighttpd already running"
    mkdir -p "$d/www" "$d/upload"
    echo "vitrine test server" >"$d/www/index.txt"
    {
        cat <<EOF
server.document-root = "$d/www"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$d/error.log"
server.upload-dirs = ( "$d/upload" )
server.modules += ( "mod_alias", "mod_cgi", "mod_setenv" )
index-file.names = ( )
mimetype.assign = ( ".txt" => "text/plain" )
alias.url = ( "/cgi-bin/vitrine-search.cgi" => "$VT_BIN_DIR/vitrine-search.cgi" )
cgi.assign = ( ".cgi" => "" )
server.http-parseopts = ( "url-normalize" => "disable" )
EOF
        printf 'setenv.add-environment = ( "VITRINE_CONFIG" => "%s"%s )\n' "$config" \
            "$(vt_lighttpd_sanitizer_env)"
    } >"$d/lighttpd.conf"
    vt_lighttpd_launch "$d" VT_CGI_PID
    ok "lighttpd (CGI, VITRINE_CONFIG=${config#"$T"/}) listening on 127.0.0.1:$VT_PORT"
}

# cgi_server_stop: stops lighttpd. Safe to call twice.
cgi_server_stop() { vt_lighttpd_stop_var VT_CGI_PID; }

# cgi_url QUERY: the CGI's URL with QUERY_STRING QUERY (already encoded).
cgi_url() { echo "http://127.0.0.1:$VT_PORT/cgi-bin/vitrine-search.cgi${1:+?$1}"; }

# cgi_request QUERY [CURL_ARGS...]: asks the CGI; the body goes to
# $T/cgi.body, the headers to $T/cgi.headers, and VT_CGI_STATUS and
# VT_CGI_BODY are set.
cgi_request() {
    local query=$1
    shift
    VT_CGI_STATUS=$(curl -sS --max-time 30 -o "$T/cgi.body" -D "$T/cgi.headers" -w '%{http_code}' \
        "$@" "$(cgi_url "$query")") || fail "curl $(cgi_url "$query") failed"
    # shellcheck disable=SC2034  # read by the tests
    VT_CGI_BODY=$(cat "$T/cgi.body")
}

# cgi_get QUERY: the CGI must answer 200 with JSON; prints the body.
cgi_get() {
    cgi_request "$1"
    [ "$VT_CGI_STATUS" = 200 ] ||
        fail "GET ?$1: HTTP $VT_CGI_STATUS: $(head -c 1000 "$T/cgi.body"); log: $(tail -n 5 "$VT_CGI_DIR/error.log" 2>/dev/null)"
    jq -e . "$T/cgi.body" >/dev/null 2>&1 || fail "GET ?$1: not JSON: $(head -c 500 "$T/cgi.body")"
    cat "$T/cgi.body"
}

# cgi_header NAME: the value of header NAME of the last answer (CR removed).
cgi_header() {
    grep -i "^$1:" "$T/cgi.headers" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'
}

# cgi_server_log_clean: the error log has no sanitizer report and no crash.
cgi_server_log_clean() {
    if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation|Aborted' \
        "$VT_CGI_DIR/error.log" >/dev/null 2>&1; then
        fail "the CGI reported a sanitizer error or crash: $(grep -E -m 5 -A 10 'Sanitizer|runtime error' "$VT_CGI_DIR/error.log")"
    fi
    ok "no sanitizer report or crash in the web server's log"
}

# web_lighttpd_conf SITE OUT: docs/web/lighttpd.conf with its placeholder paths
# replaced by the test tree's (SITE is the site folder, images in $T/images,
# originals in $T/originals, the config $VT_CONF, the password file
# $T/htpasswd, logs and pid in OUT's folder), listening on 127.0.0.1:$VT_PORT.
# Fails when a placeholder is left, since the test would not test the file.
web_lighttpd_conf() {
    local site=$1 out=$2 d extra left
    d=$(dirname "$out")
    mkdir -p "$d/upload"
    # The sanitizer options of the test run reach the CGI the same way as
    # VITRINE_CONFIG (mod_cgi gives a CGI a fresh environment).
    extra=$(vt_lighttpd_sanitizer_env)
    sed -e "s#/srv/vitrine/site#$site#g" \
        -e "s#/srv/iiif/images#$T/images#g" \
        -e "s#/srv/vitrine/originals#$T/originals#g" \
        -e "s#/usr/lib/cgi-bin/vitrine-search.cgi#$VT_BIN_DIR/vitrine-search.cgi#g" \
        -e "s#/usr/lib/cgi-bin/vitrine-edit.cgi#$VT_BIN_DIR/vitrine-edit.cgi#g" \
        -e "s#/etc/vitrine/vitrine.conf#$VT_CONF#g" \
        -e "s#/etc/vitrine/htpasswd#$T/htpasswd#g" \
        -e "s#^server.port *= *80\$#server.port = $VT_PORT\nserver.bind = \"127.0.0.1\"#" \
        -e "/^server.username\|^server.groupname/d" \
        -e "s#/var/log/lighttpd#$d#g" \
        -e "s#/run/lighttpd.pid#$d/lighttpd.pid#g" \
        -e "s#/var/cache/lighttpd/uploads#$d/upload#g" \
        -e "s#\(\"VITRINE_AUDIENCE\" => \"[a-z]*\"\)#\1$extra#" \
        "$VT_SOURCE_DIR/docs/web/lighttpd.conf" >"$out"
    left=$(grep -v '^ *#' "$out" | grep -E '/srv/|/etc/|/usr/lib|/var/|/run/|www-data' || true)
    assert_eq "" "$left" "placeholders left in the substituted lighttpd.conf"
    grep -q "server.port = $VT_PORT" "$out" || fail "server.port = 80 was not found in lighttpd.conf"
}
