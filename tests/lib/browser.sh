# tests/lib/browser.sh: what the headless-browser tests share: their
# requirements, the lighttpd that serves a site tree to Chromium, and the run
# of a tests/browser/*.mjs script.
# shellcheck shell=bash
#
# Source after common.sh (and vt_make_tree, which picks $VT_PORT):
#   browser_require playwright-core mirador
#   site_httpd_start "$T/site/public" 'alias.url += ( "/x/" => "/y/" )'
#   browser_run site.mjs "$base" "$T/browser"

VT_CHROMIUM=/usr/bin/chromium
WEB=
WEB_PID=

# browser_require MODULE...: skips the test (77) without lighttpd, node,
# Chromium or node_modules/MODULE (npm ci); fails without curl or the
# binaries (those are the build's, not optional).
browser_require() {
    local m
    [ -x "$VT_LIGHTTPD" ] || skip "lighttpd is not installed (scripts/install-deps)"
    command -v node >/dev/null || skip "node is not installed (scripts/install-deps)"
    for m in playwright-core "$@"; do
        [ -d "$VT_SOURCE_DIR/node_modules/$m" ] ||
            skip "node_modules/$m is missing (npm ci, run by scripts/install-deps)"
    done
    [ -x "$VT_CHROMIUM" ] ||
        skip "$VT_CHROMIUM is missing (Debian package chromium, scripts/install-deps)"
    command -v curl >/dev/null || fail "curl is missing (scripts/install-deps)"
    vt_require_bins
    [ -x "$VT_BIN_DIR/vitrine-search.cgi" ] ||
        fail "$VT_BIN_DIR/vitrine-search.cgi is missing: build the project first"
}

# site_httpd_start DOCROOT [EXTRA]: lighttpd on 127.0.0.1:$VT_PORT serving
# DOCROOT at /, the static tiles of $T/images at /images/ (pyramid TIFFs and
# dot-files denied, as docs/web does), the search CGI with the public
# audience at /cgi-bin/vitrine-search.cgi (path-style ids too) and a probe
# at /index.txt. EXTRA (lighttpd syntax: more aliases with `alias.url +=`,
# rewrites, response headers) is appended. Sets $WEB (the server's folder,
# error.log in it); the server is stopped at exit.
site_httpd_start() {
    local docroot=$1 extra=${2:-}
    web_httpd_prepare
    {
        web_conf_head "$docroot" '"mod_alias", "mod_cgi", "mod_setenv", "mod_access", "mod_rewrite"'
        cat <<EOF
alias.url = ( "/cgi-bin/vitrine-search.cgi" => "$VT_BIN_DIR/vitrine-search.cgi",
              "/images/" => "$T/images/",
              "/index.txt" => "$WEB/index.txt" )
\$HTTP["url"] =~ "/\\.|^/images/[^/]*\\.tif\$" {
    url.access-deny = ( "" )
}
\$HTTP["url"] =~ "^/cgi-bin/vitrine-search\\.cgi(/|\$)" {
    cgi.assign = ( ".cgi" => "" )
}
EOF
        # mod_cgi gives the CGI a fresh environment: its config, and the
        # sanitizer options of a sanitizer build, go through setenv.
        printf 'setenv.add-environment = ( "VITRINE_CONFIG" => "%s", "VITRINE_AUDIENCE" => "public"%s )\n' \
            "$VT_CONF" "$(vt_lighttpd_sanitizer_env)"
        printf '%s\n' "$extra"
    } >"$WEB/lighttpd.conf"
    web_httpd_launch
}

# staff_httpd_start DOCROOT "USER:PASSWORD..." [EXTRA]: lighttpd on
# 127.0.0.1:$VT_PORT as docs/web sets up the staff side: basic
# authentication (a plain user file) on /internal/, which serves the
# internal tree ($T/site/internal) with the edit CGI and the internal
# search CGI below /internal/cgi-bin/ and internal assets' images at
# /internal/images/ ([images] internal-dir); DOCROOT at /, the images at
# /images/, and /open/vitrine-edit.cgi, the edit CGI without
# authentication (a request there has no REMOTE_USER). EXTRA (lighttpd
# syntax) is appended. Sets $WEB; the server is stopped at exit.
staff_httpd_start() {
    local docroot=$1 users=$2 extra=${3:-}
    web_httpd_prepare
    tr ' ' '\n' <<<"$users" >"$WEB/users"
    {
        web_conf_head "$docroot" '"mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv"'
        cat <<EOF
alias.url = ( "/internal/cgi-bin/vitrine-edit.cgi" => "$VT_BIN_DIR/vitrine-edit.cgi",
              "/internal/cgi-bin/vitrine-search.cgi" => "$VT_BIN_DIR/vitrine-search.cgi",
              "/open/vitrine-edit.cgi" => "$VT_BIN_DIR/vitrine-edit.cgi",
              "/internal/images/" => "$T/images/internal/",
              "/internal/" => "$T/site/internal/",
              "/images/" => "$T/images/",
              "/index.txt" => "$WEB/index.txt" )
cgi.assign = ( ".cgi" => "" )
auth.backend = "plain"
auth.backend.plain.userfile = "$WEB/users"
\$HTTP["url"] =~ "^/internal/" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "staff", "require" => "valid-user" ) )
}
EOF
        printf 'setenv.add-environment = ( "VITRINE_CONFIG" => "%s", "VITRINE_AUDIENCE" => "internal"%s )\n' \
            "$VT_CONF" "$(vt_lighttpd_sanitizer_env)"
        printf '%s\n' "$extra"
    } >"$WEB/lighttpd.conf"
    web_httpd_launch
}

# web_httpd_prepare, web_conf_head DOCROOT MODULES, web_httpd_launch: what
# both servers share: the server's folder, the head of its configuration
# (where it listens and logs, its modules, the MIME types) and the launch,
# with the stop registered at exit.
web_httpd_prepare() {
    WEB=$T/httpd
    mkdir -p "$WEB/upload"
    echo "vitrine test server" >"$WEB/index.txt"
}

web_conf_head() {
    cat <<EOF
server.document-root = "$1"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$WEB/error.log"
server.upload-dirs = ( "$WEB/upload" )
server.modules += ( $2 )
index-file.names = ( "index.html" )
mimetype.assign = (
    ".html" => "text/html; charset=utf-8", ".json" => "application/json",
    ".xml" => "application/xml", ".css" => "text/css; charset=utf-8",
    ".js" => "text/javascript; charset=utf-8", ".mjs" => "text/javascript; charset=utf-8",
    ".map" => "application/json", ".svg" => "image/svg+xml", ".png" => "image/png",
    ".jpg" => "image/jpeg", ".jpeg" => "image/jpeg", ".gif" => "image/gif",
    ".ico" => "image/vnd.microsoft.icon", ".woff" => "font/woff", ".woff2" => "font/woff2",
    ".ttf" => "font/ttf", ".txt" => "text/plain; charset=utf-8" )
EOF
}

web_httpd_launch() {
    vt_lighttpd_launch "$WEB" WEB_PID
    ok "lighttpd listening on http://127.0.0.1:$VT_PORT"
}

# site_httpd_stop: stops it. Safe to call twice.
site_httpd_stop() { vt_lighttpd_stop_var WEB_PID; }

# browser_run SCRIPT ARG...: node tests/browser/SCRIPT ARG..., its output
# shown. A failure keeps the tree (screenshots are in it); then the web
# server's log must hold no sanitizer report of the CGI.
browser_run() {
    local script=$1 rc=0
    shift
    node "$VT_SOURCE_DIR/tests/browser/$script" "$@" >"$T/browser.out" 2>&1 || rc=$?
    cat "$T/browser.out"
    if [ "$rc" != 0 ]; then
        # shellcheck disable=SC2034  # read by common.sh's clean-up
        VT_KEEP=1
        fail "tests/browser/$script exited $rc (tree kept in $T)"
    fi
    if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$WEB/error.log" >/dev/null 2>&1; then
        fail "the CGI reported a sanitizer error: $(grep -E -m 3 -A 10 'Sanitizer|runtime error' "$WEB/error.log")"
    fi
    ok "no sanitizer report in the web server's log"
}

# edit_post USER:PASSWORD BODY [CURL_ARGS...]: POSTs BODY (JSON) to the edit
# CGI of staff_httpd_start as USER; sets STATUS and BODY. Sends
# "Origin: $ORIGIN" when ORIGIN is not empty (the test sets it: the
# internal site's origin, as a browser there would, or another).
edit_post() {
    local user=$1 body=$2
    shift 2
    STATUS=$(curl -sS --max-time 30 -o "$T/edit.body" -w '%{http_code}' -u "$user" \
        -H "Content-Type: application/json" ${ORIGIN:+-H "Origin: $ORIGIN"} "$@" \
        --data-binary "$body" "http://127.0.0.1:$VT_PORT/internal/cgi-bin/vitrine-edit.cgi") ||
        fail "curl failed"
    BODY=$(cat "$T/edit.body")
}
