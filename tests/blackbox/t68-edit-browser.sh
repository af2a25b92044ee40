#!/usr/bin/env bash
# t68-edit-browser: a member of staff edits metadata on the internal site in
# headless Chromium (tests/browser/edit.mjs): logs in (basic authentication),
# adds a keyword by picking the suggested term from terms.json while typing,
# sees the near-duplicate warning ("did you mean 'craquelure', used 3
# times?"), removes a value, and finds the change in the page's history
# after vitrined has published it; an editor's visibility change is refused
# with the CGI's message; from the internal search results two of three
# images are ticked and given one value in one request (one audit entry
# each). lighttpd serves the internal tree behind
# authentication, the static tiles and vitrine-edit.cgi; vitrined runs.
# Skipped (77) without lighttpd, node, playwright-core or Chromium.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require
[ -x "$VT_BIN_DIR/vitrine-edit.cgi" ] || fail "vitrine-edit.cgi is missing: build the project first"

vt_make_tree static
base=http://127.0.0.1:$VT_PORT
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
cat >>"$VT_CONF" <<EOF

[staff]
editors=ed, pub
publishers=pub
EOF
sidecar() { jq -n "$2" >"$1" || fail "could not write $1"; }
img_jpeg "$T/hot/photo/2024.00042_front.jpg" 600 400
sidecar "$T/hot/photo/2024.00042_front.json" '{"title.en": "Altarpiece, front", "keywords": ["craquelure", "varnish"]}'
img_jpeg "$T/hot/photo/2024.00042_back.jpg" 500 400
sidecar "$T/hot/photo/2024.00042_back.json" '{"title.en": "Altarpiece, back", "keywords": ["craquelure"]}'
img_jpeg "$T/hot/photo/2024.00042_side.jpg" 400 400
sidecar "$T/hot/photo/2024.00042_side.json" '{"title.en": "Altarpiece, side", "keywords": ["craquelure", "panel"]}'
img_jpeg "$T/hot/photo/2023.00007_detail.jpg" 500 300
sidecar "$T/hot/photo/2023.00007_detail.json" '{"title.en": "Chalice, detail", "keywords": ["silver"]}'
vt_ingest
id=$(vt_asset photo 2023.00007_detail.jpg | jq -r .id)
front=$(vt_asset photo 2024.00042_front.jpg | jq -r .id)
back=$(vt_asset photo 2024.00042_back.jpg | jq -r .id)
side=$(vt_asset photo 2024.00042_side.jpg | jq -r .id)
vt_daemon_start
int=$T/site/internal
wait_for 30 test -f "$int/assets/$id.html" || fail "the internal page of $id was not written"
grep -q 'data-module="metadata-editor"' "$int/assets/$id.html" || fail "the internal page has no editor"
grep -q 'data-module="metadata-editor"' "$T/site/public/assets/$id.html" &&
    fail "the public page has the editor"
jq -e '[.[] | select(.field == "keywords" and .term == "craquelure")][0].count == 3' "$int/terms.json" \
    >/dev/null || fail "internal terms.json lacks craquelure x 3: $(head -c 400 "$int/terms.json")"
ok "internal page with the editor; terms.json has craquelure (3)"

WEB=$T/httpd
WEB_PID=
mkdir -p "$WEB/upload"
echo "vitrine test server" >"$WEB/index.txt"
printf 'ed:edpw\npub:pubpw\n' >"$WEB/users"
cat >"$WEB/lighttpd.conf" <<EOF
server.document-root = "$T/site/public"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$WEB/error.log"
server.upload-dirs = ( "$WEB/upload" )
server.modules += ( "mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv" )
index-file.names = ( "index.html" )
mimetype.assign = (
    ".html" => "text/html; charset=utf-8", ".json" => "application/json",
    ".css" => "text/css; charset=utf-8", ".js" => "text/javascript; charset=utf-8",
    ".mjs" => "text/javascript; charset=utf-8", ".map" => "application/json",
    ".svg" => "image/svg+xml", ".png" => "image/png", ".jpg" => "image/jpeg",
    ".txt" => "text/plain; charset=utf-8" )
alias.url = ( "/internal/cgi-bin/vitrine-edit.cgi" => "$VT_BIN_DIR/vitrine-edit.cgi",
              "/internal/cgi-bin/vitrine-search.cgi" => "$VT_BIN_DIR/vitrine-search.cgi",
              "/internal/" => "$int/",
              "/images/" => "$T/images/",
              "/index.txt" => "$WEB/index.txt" )
cgi.assign = ( ".cgi" => "" )
auth.backend = "plain"
auth.backend.plain.userfile = "$WEB/users"
\$HTTP["url"] =~ "^/internal/" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "staff", "require" => "valid-user" ) )
}
setenv.add-environment = ( "VITRINE_CONFIG" => "$VT_CONF", "VITRINE_AUDIENCE" => "internal"$(vt_lighttpd_sanitizer_env) )
EOF
stop_web() { local pid=$WEB_PID; WEB_PID=; vt_lighttpd_stop "$pid"; }
VT_CLEANUPS+=(stop_web)
vt_lighttpd_launch "$WEB" WEB_PID
ok "lighttpd listening on $base"

mkdir -p "$T/browser"
browser_run edit.mjs "$base" "$id" "$T/browser"
assert_eq '[{"value":"silver"},{"value":"craquelure"}]' "$(vt show "$id" --json | jq -c .custom.keywords)" \
    "the store has the picked term"
assert_eq '["ed","ed","ed"]' "$(vt history "$id" --json | jq -c '[.[].user]')" "three audit entries by ed"
assert_eq public "$(vt show "$id" --json | jq -r .visibility)" "the editor's visibility change was refused"
for a in "$front" "$back"; do
    assert_eq '[{"value":"oak","lang":"en"}]' "$(vt show "$a" --json | jq -c .custom.material)" "bulk edit on $a"
    assert_eq '[["ed","web"]]' "$(vt history "$a" --json | jq -c '[.[] | [.user, .via]]')" "one audit entry for $a"
done
assert_eq null "$(vt show "$side" --json | jq -c .custom.material)" "the unselected image unchanged"
vt_daemon_stop
echo "PASS $VT_TEST_NAME"
