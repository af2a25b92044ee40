#!/usr/bin/env bash
# t61-web-configs: the example web-server configurations of docs/web/.
# lighttpd.conf is run for real: its placeholder paths are replaced by a
# temporary tree (a tiny fake site, static tiles, originals, a search index
# built by vt-index-fixture), `lighttpd -tt` must accept it, and lighttpd on
# 127.0.0.1 must serve a page, a manifest as JSON with CORS, tiles with CORS
# and a long cache time, refuse dot files and TIFFs, refuse the internal
# tree without credentials and serve it with them, and run the search CGI
# at both locations (the public one never returns the internal asset).
# nginx.conf and apache.conf get a syntax check when nginx or apache2 is
# installed (they are not installed for this). Skipped (77) only without
# lighttpd.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/lighttpd-cgi.sh"

cgi_server_require
[ -x "$VT_BIN_DIR/vt-index-fixture" ] || fail "$VT_BIN_DIR/vt-index-fixture is missing: build the project first"
command -v openssl >/dev/null || fail "openssl is missing (scripts/install-deps): it makes the htpasswd file"
WEB=$VT_SOURCE_DIR/docs/web
for f in lighttpd.conf nginx.conf apache.conf README.md; do
    assert_file "$WEB/$f" "docs/web/$f"
done

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
cat >>"$VT_CONF" <<EOF

[search]
audience=public
EOF

# --- a fake site, tiles, originals and index ---------------------------------------
S=$T/site
mkdir -p "$S/public/assets" "$S/public/iiif/p1a" "$S/public/iiif/collection" \
    "$S/internal/assets" "$S/internal/iiif/i1a" "$T/images/p1a/full/100,80/0" "$T/originals/xray"
echo "vitrine test server" >"$S/public/index.txt"   # what vt_lighttpd_launch polls
echo '<!doctype html><html lang="en"><title>Public home</title></html>' >"$S/public/index.html"
echo '<!doctype html><title>Asset p1a</title>' >"$S/public/assets/p1a.html"
echo '<!doctype html><title>leftover</title>' >"$S/public/.tmp-half.html"
manifest() {
    jq -n --arg id "$1" '{"@context": "http://iiif.io/api/presentation/3/context.json",
                          id: $id, type: "Manifest", label: {en: ["x"]}, items: []}'
}
manifest "$base/iiif/p1a/manifest.json" >"$S/public/iiif/p1a/manifest.json"
jq -n --arg id "$base/iiif/collection/top.json" \
    '{"@context": "http://iiif.io/api/presentation/3/context.json", id: $id, type: "Collection",
      label: {en: ["All"]}, items: []}' >"$S/public/iiif/collection/top.json"
echo '<!doctype html><title>Internal home</title>' >"$S/internal/index.html"
# Each tree's "Page not found" (sitegen writes 404.html; issue 12).
echo '<!doctype html><title>Public not found</title>' >"$S/public/404.html"
echo '<!doctype html><title>Internal not found</title>' >"$S/internal/404.html"
echo '<!doctype html><title>Geheim</title>' >"$S/internal/assets/i1a.html"
manifest "$base/internal/iiif/i1a/manifest.json" >"$S/internal/iiif/i1a/manifest.json"
jq -n --arg id "$base/images/p1a" '{"@context": "http://iiif.io/api/image/3/context.json",
    id: $id, type: "ImageService3", protocol: "http://iiif.io/api/image", profile: "level0",
    width: 100, height: 80, sizes: [{width: 100, height: 80}]}' >"$T/images/p1a/info.json"
head -c 300 /dev/urandom >"$T/images/p1a/full/100,80/0/default.jpg"
head -c 200 /dev/urandom >"$T/images/p1a/thumbnail.jpg"
head -c 300 /dev/urandom >"$T/images/p1a.tif"
head -c 5000 /dev/urandom >"$T/originals/xray/2019.12345_geheim.tif"
# A JPEG/HTML polyglot as a department could drop it: a valid JPEG (vitrine
# ingests it) named .html, with a script after the image data.
vips black "$T/poly.jpg" 8 8 || fail "vips could not write a JPEG"
{ cat "$T/poly.jpg"; printf '<html><script>alert(document.cookie)</script></html>\n'; } \
    >"$T/originals/xray/2019.12345_poly.html"

# Public p1a and x1a, internal i1a: all three in intervention 2019.12345.
cat >"$T/fixture.json" <<'EOF'
{"docs": [
  {"id": "p1a", "department": "photo", "intervention": "2019.12345", "visibility": "public",
   "type": "photo", "year": 2019, "label": "Portret van een vrouw",
   "fields": {"title": [{"value": "Portret van een vrouw", "lang": "nl"}]}},
  {"id": "x1a", "department": "xray", "intervention": "2019.12345", "visibility": "public",
   "type": "xray", "year": 2019, "label": "Röntgenopname portret",
   "fields": {"title": [{"value": "Röntgenopname van het portret", "lang": "nl"}]}},
  {"id": "i1a", "department": "xray", "intervention": "2019.12345", "visibility": "internal",
   "type": "xray", "year": 2020, "label": "Geheim röntgenbeeld",
   "fields": {"title": [{"value": "Geheim röntgenbeeld", "lang": "nl"}]}}
]}
EOF
"$VT_BIN_DIR/vt-index-fixture" "$T/state/index" "$T/fixture.json" || fail "vt-index-fixture failed"
ok "index fixture of 3 documents built"

printf 'staff:%s\n' "$(openssl passwd -6 's3cret pass')" >"$T/htpasswd"

# --- docs/web/lighttpd.conf on the tree ---------------------------------------
D=$T/httpd
web_lighttpd_conf "$S" "$D/lighttpd.conf"
ok "server.port and server.bind set"

vt_lighttpd_launch "$D" WEB_PID   # runs lighttpd -tt first
ok "lighttpd accepts docs/web/lighttpd.conf and listens on 127.0.0.1:$VT_PORT"

# --- requests -------------------------------------------------------------------
# get PATH [CURL_ARGS...]: sets STATUS; the body in $T/body, headers in $T/headers.
get() {
    local path=$1
    shift
    STATUS=$(curl -sS --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$base$path") ||
        fail "curl $base$path failed"
}
header() { grep -i "^$1:" "$T/headers" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }
header_count() { grep -ci "^$1:" "$T/headers" || true; }
expect() {   # expect STATUS PATH [CURL_ARGS...]
    local want=$1 path=$2
    shift 2
    get "$path" "$@"
    [ "$STATUS" = "$want" ] || fail "GET $path${*:+ ($*)}: HTTP $STATUS, expected $want: $(head -c 300 "$T/body")"
    ok "GET $path${1:+ (with $1 ${2%%:*})} -> $want"
}
AUTH=(-u 'staff:s3cret pass')

note "--- the public tree"
expect 200 /
assert_eq "text/html; charset=utf-8" "$(header Content-Type)" "  Content-Type of the home page"
grep -q "Public home" "$T/body" || fail "  / is not the public index.html"
ok "  / is the public home page"
assert_eq "max-age=300" "$(header Cache-Control)" "  pages are cached briefly"
expect 200 /assets/p1a.html
expect 403 /.tmp-half.html
expect 404 /assets/i1a.html
grep -q "Public not found" "$T/body" || fail "  a missing page is not answered with the public 404.html"
ok "  a missing page gets the public tree's 404.html, with status 404"

note "--- IIIF manifests and collections"
expect 200 /iiif/p1a/manifest.json
ct=$(header Content-Type)
[[ $ct == application/ld+json* || $ct == application/json* ]] || fail "  manifest Content-Type is '$ct'"
ok "  a JSON Content-Type: $ct"
[[ $ct == *'profile="http://iiif.io/api/presentation/3/context.json"'* ]] ||
    fail "  manifest Content-Type lacks the Presentation 3 profile: $ct"
ok "  with the Presentation 3 profile"
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  Access-Control-Allow-Origin"
assert_json '.type == "Manifest"' "$(cat "$T/body")" "  the manifest's JSON"
expect 200 /iiif/collection/top.json
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  collection: Access-Control-Allow-Origin"

note "--- the static tiles"
expect 200 /images/p1a/info.json
assert_eq "application/json" "$(header Content-Type)" "  info.json Content-Type"
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  info.json Access-Control-Allow-Origin"
assert_eq "max-age=2592000" "$(header Cache-Control)" "  tiles are cached for 30 days"
expect 200 "/images/p1a/full/100,80/0/default.jpg"
assert_eq "image/jpeg" "$(header Content-Type)" "  tile Content-Type"
assert_same_bytes "$T/images/p1a/full/100,80/0/default.jpg" "$T/body" "  the tile"
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  tile Access-Control-Allow-Origin"
# A width alone (Universal Viewer's full/90, of any level-0 service) gets
# the thumbnail; a listed size keeps its own file.
expect 200 "/images/p1a/full/90,/0/default.jpg"
assert_same_bytes "$T/images/p1a/thumbnail.jpg" "$T/body" "  full/90, is the thumbnail"
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  full/90, Access-Control-Allow-Origin"
mkdir -p "$T/images/p1a/full/100,/0"
cp "$T/images/p1a/full/100,80/0/default.jpg" "$T/images/p1a/full/100,/0/default.jpg"
expect 200 "/images/p1a/full/100,/0/default.jpg"
assert_same_bytes "$T/images/p1a/full/100,80/0/default.jpg" "$T/body" "  full/100, is its own file"
expect 404 "/images/p2b/full/90,/0/default.jpg"
expect 403 /images/p1a.tif
# Internal assets' images have their own root, served only behind the login.
mkdir -p "$T/images/internal/i1a"
jq -n --arg id "$base/internal/images/i1a" '{id: $id, type: "ImageService3"}' >"$T/images/internal/i1a/info.json"
expect 404 /images/internal/i1a/info.json
expect 404 /images/internal/
expect 401 /internal/images/i1a/info.json
expect 200 /internal/images/i1a/info.json "${AUTH[@]}"
assert_eq "private, max-age=2592000" "$(header Cache-Control)" "  internal tiles are private"
get /images/
assert_ne 200 "$STATUS" "GET /images/ (no folder listing)"
grep -q p1a "$T/body" && fail "  the answer names an id"
ok "  and names no id"

note "--- the internal tree"
for p in /internal/ /internal/index.html /internal/assets/i1a.html /internal/iiif/i1a/manifest.json \
    /internal/originals/xray/2019.12345_geheim.tif "/internal/cgi-bin/vitrine-search.cgi?q=geheim"; do
    expect 401 "$p"
    [[ $(header WWW-Authenticate) == Basic* ]] || fail "  no Basic challenge: $(header WWW-Authenticate)"
    grep -q -e Geheim -e "Internal home" "$T/body" && fail "  the 401 answer leaks the content"
done
ok "everything under /internal/ asks for credentials"
get /internal/ -u 'staff:wrong'
assert_eq 401 "$STATUS" "wrong password"
get /internal/ -u 'nobody:s3cret pass'
assert_eq 401 "$STATUS" "unknown user"
get /../internal/assets/i1a.html --path-as-is
assert_eq 401 "$STATUS" "/../internal/ (dot segments) still asks for credentials"
expect 404 /internal/assets/nothing.html "${AUTH[@]}"
grep -q "Internal not found" "$T/body" || fail "  a missing staff page is not answered with the internal 404.html"
ok "  a missing staff page gets the internal tree's 404.html"
get /internal/no-such-page.html
assert_eq 401 "$STATUS" "a missing staff page still asks for credentials first"
get /internal
assert_eq 301 "$STATUS" "/internal redirects"
[[ $(header Location) == */internal/ ]] || fail "  to $(header Location)"
ok "  to /internal/"
expect 200 /internal/ "${AUTH[@]}"
grep -q "Internal home" "$T/body" || fail "  /internal/ is not the internal index.html"
ok "  /internal/ is the internal home page"
assert_eq "private, max-age=300" "$(header Cache-Control)" "  internal pages: private cache only"
expect 200 /internal/assets/i1a.html "${AUTH[@]}"
expect 200 /internal/iiif/i1a/manifest.json "${AUTH[@]}"
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  internal manifest: Access-Control-Allow-Origin"
[[ $(header Content-Type) == application/ld+json* ]] || fail "  internal manifest Content-Type: $(header Content-Type)"
ok "  internal manifest is JSON-LD"
expect 200 /internal/originals/xray/2019.12345_geheim.tif "${AUTH[@]}"
assert_same_bytes "$T/originals/xray/2019.12345_geheim.tif" "$T/body" "  the original"
original_checks() {   # the last answer is an original: a download, never a page
    assert_eq "application/octet-stream" "$(header Content-Type)" "  $1: Content-Type"
    assert_eq "attachment" "$(header Content-Disposition)" "  $1: Content-Disposition"
    assert_eq "nosniff" "$(header X-Content-Type-Options)" "  $1: X-Content-Type-Options"
    [[ $(header Content-Security-Policy) == *sandbox* ]] ||
        fail "  $1: no sandboxing Content-Security-Policy: '$(header Content-Security-Policy)'"
    ok "  $1: sandboxed by its Content-Security-Policy"
}
original_checks "a TIFF original"
expect 200 /internal/originals/xray/2019.12345_poly.html "${AUTH[@]}"
assert_same_bytes "$T/originals/xray/2019.12345_poly.html" "$T/body" "  the JPEG/HTML polyglot"
original_checks "the polyglot x.html"

note "--- headers of pages and images"
for p in / /assets/p1a.html; do
    get "$p"
    assert_eq "nosniff" "$(header X-Content-Type-Options)" "  $p: X-Content-Type-Options"
    csp=$(header Content-Security-Policy)
    [[ $csp == *"script-src 'self'"* && $csp == *"object-src 'none'"* ]] ||
        fail "  $p: Content-Security-Policy '$csp'"
    ok "  $p: Content-Security-Policy with script-src 'self'"
done
get /internal/assets/i1a.html "${AUTH[@]}"
[[ $(header Content-Security-Policy) == *"script-src 'self'"* ]] ||
    fail "  internal page: Content-Security-Policy '$(header Content-Security-Policy)'"
ok "  an internal page has the Content-Security-Policy too"
for p in /images/p1a /images/p1a/; do
    expect 303 "$p"
    [[ $(header Location) == */images/p1a/info.json ]] || fail "  $p redirects to '$(header Location)'"
    ok "  $p -> /images/p1a/info.json (Image API: the service id gives its info.json)"
done
get /images/p1a/ -L
assert_eq 200 "$STATUS" "  GET /images/p1a/, following the redirect"
assert_json '.id | endswith("/images/p1a")' "$(cat "$T/body")" "  following it gives the info.json"

note "--- the search CGI at both locations"
ids() { jq -c '[.hits[].id] | sort' "$T/body"; }
cgi_checks() {   # cgi_checks WHAT: the last answer is the CGI's own
    assert_eq "application/json; charset=utf-8" "$(header Content-Type)" "  $1: Content-Type"
    assert_eq 1 "$(header_count Access-Control-Allow-Origin)" "  $1: one Access-Control-Allow-Origin"
    assert_eq "*" "$(header Access-Control-Allow-Origin)" "  $1: Access-Control-Allow-Origin"
    assert_eq "no-store" "$(header Cache-Control)" "  $1: Cache-Control (the CGI's)"
}
expect 200 "/cgi-bin/vitrine-search.cgi?q=2019.12345"
cgi_checks public
assert_eq '["p1a","x1a"]' "$(ids)" "  public: intervention 2019.12345 without the internal asset"
for q in "q=geheim" "q=id%3Ai1a" "f=visibility%3Ainternal"; do
    expect 200 "/cgi-bin/vitrine-search.cgi?$q"
    assert_json '[.hits[].id] | index("i1a") == null' "$(cat "$T/body")" "  public: ?$q does not return i1a"
done
expect 405 "/cgi-bin/vitrine-search.cgi?q=x" -X POST --data q=x
# Content Search service ids are paths (PATH_INFO), so a viewer can append ?q=.
expect 200 "/cgi-bin/vitrine-search.cgi/manifest/p1a?q=portret"
assert_json '.type == "AnnotationPage"' "$(cat "$T/body")" "  /manifest/p1a?q=: a Search 2 AnnotationPage"
expect 200 "/cgi-bin/vitrine-search.cgi/manifest/p1a"
assert_json '.type == "AnnotationPage" and (.items | length) == 0' "$(cat "$T/body")" \
    "  the bare service id: a valid empty answer"
expect 200 "/cgi-bin/vitrine-search.cgi/manifest/p1a/v1?q=portret"
assert_json '.["@type"] == "sc:AnnotationList"' "$(cat "$T/body")" "  /manifest/p1a/v1?q=: a Search 1 AnnotationList"
expect 200 "/cgi-bin/vitrine-search.cgi/autocomplete/p1a?q=port"
assert_json '.type == "TermPage"' "$(cat "$T/body")" "  /autocomplete/p1a?q=: a TermPage"
expect 404 "/cgi-bin/vitrine-search.cgi/elsewhere/p1a"
expect 200 "/internal/cgi-bin/vitrine-search.cgi?q=2019.12345" "${AUTH[@]}"
cgi_checks internal
if grep -q VITRINE_AUDIENCE "$VT_BIN_DIR/vitrine-search.cgi"; then
    assert_eq '["i1a","p1a","x1a"]' "$(ids)" "  internal: intervention 2019.12345 with the internal asset"
else
    note "  this vitrine-search.cgi does not read VITRINE_AUDIENCE yet: internal hits not checked"
fi
# The edit CGI: behind the authentication, run with the config (GET: its own 405).
expect 401 "/internal/cgi-bin/vitrine-edit.cgi"
expect 405 "/internal/cgi-bin/vitrine-edit.cgi" "${AUTH[@]}"
cgi_server_log() { grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation' "$D/error.log" || true; }
assert_eq "" "$(cgi_server_log)" "sanitizer reports or crashes in lighttpd's error log"
vt_lighttpd_stop_var WEB_PID
ok "lighttpd stopped"

# --- nginx and Apache: syntax only, when installed --------------------------
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -x "$NGINX" ]; then
    N=$T/nginx
    mkdir -p "$N/logs"
    for f in mime.types fastcgi_params; do
        [ -e "/etc/nginx/$f" ] && cp "/etc/nginx/$f" "$N/$f"
    done
    cat >"$N/nginx.conf" <<EOF
pid $N/nginx.pid;
error_log $N/logs/error.log;
events {}
http {
    include $N/mime.types;
    access_log off;
    include $N/site.conf;
}
EOF
    sed -e "s#listen 80;#listen 127.0.0.1:$VT_PORT;#; s#listen \[::\]:80;##" "$WEB/nginx.conf" >"$N/site.conf"
    out=$("$NGINX" -t -p "$N" -c "$N/nginx.conf" 2>&1) || fail "nginx -t rejects docs/web/nginx.conf: $out"
    ok "nginx -t accepts docs/web/nginx.conf"
else
    note "nginx is not installed: docs/web/nginx.conf not checked"
fi
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
if [ -x "$APACHE" ]; then
    A=$T/apache
    mkdir -p "$A"
    {
        echo "ServerRoot /etc/apache2"
        echo "PidFile $A/apache2.pid"
        echo "ErrorLog $A/error.log"
        echo "Listen 127.0.0.1:$VT_PORT"
        echo "ServerName 127.0.0.1"
        for m in mpm_event authz_core authz_user authn_core authn_file auth_basic alias mime \
            dir env headers expires cgid setenvif; do
            so=/usr/lib/apache2/modules/mod_$m.so
            [ -e "$so" ] && echo "<IfModule !${m}_module>
    LoadModule ${m}_module $so
</IfModule>"
        done
        echo "TypesConfig /etc/mime.types"
        echo "Include $WEB/apache.conf"
    } >"$A/apache2.conf"
    out=$("$APACHE" -t -f "$A/apache2.conf" 2>&1) || fail "apache2 -t rejects docs/web/apache.conf: $out"
    ok "apache2 -t accepts docs/web/apache.conf"
else
    note "apache2 is not installed: docs/web/apache.conf not checked"
fi

echo "PASS $VT_TEST_NAME"
