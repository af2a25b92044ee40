#!/usr/bin/env bash
# t71-annotation-cgi: annotation requests through the edit CGI
# (vitrine-edit.cgi) behind a real lighttpd with basic authentication, as
# the workspace sends them: every refusal (no user, another Origin or
# Sec-Fetch-Site, an oversized body, invalid JSON, the wrong shape, no
# If-Match on an update, a non-editor; then vitrined's: unknown type and
# field, a value over the cap, a rectangle outside the image, a polygon of
# too many points, public by an editor, someone
# else's annotation), a create, an update, a conflict (409 with the
# current version and annotation), a delete by an admin, 503 without
# vitrined; the audit trail (vitrine history) and the trees after it.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
[ -x "$VT_LIGHTTPD" ] || skip "lighttpd is not installed (scripts/install-deps)"
[ -x "$VT_BIN_DIR/vitrine-edit.cgi" ] || fail "vitrine-edit.cgi is missing: build the project first"
vt_make_tree static
cat >>"$VT_CONF" <<EOF

[staff]
editors=ed, ed2, pub
publishers=pub
admins=boss
EOF
img_jpeg "$T/hot/photo/2019.12345_a.jpg" 320 240
vt_ingest
id=$(vt_asset photo 2019.12345_a.jpg | jq -r .id)

d=$T/edit-httpd
mkdir -p "$d/www" "$d/upload"
echo "vitrine test server" >"$d/www/index.txt"
printf 'ed:edpw\ned2:ed2pw\npub:pubpw\nboss:bosspw\nnobody:nopw\n' >"$d/users"
cat >"$d/lighttpd.conf" <<EOF
server.document-root = "$d/www"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$d/error.log"
server.upload-dirs = ( "$d/upload" )
server.modules += ( "mod_alias", "mod_auth", "mod_authn_file", "mod_cgi", "mod_setenv" )
index-file.names = ( )
mimetype.assign = ( ".txt" => "text/plain" )
alias.url = ( "/internal/cgi-bin/vitrine-edit.cgi" => "$VT_BIN_DIR/vitrine-edit.cgi",
              "/open/vitrine-edit.cgi" => "$VT_BIN_DIR/vitrine-edit.cgi" )
cgi.assign = ( ".cgi" => "" )
auth.backend = "plain"
auth.backend.plain.userfile = "$d/users"
\$HTTP["url"] =~ "^/internal/" {
    auth.require = ( "" => ( "method" => "basic", "realm" => "staff", "require" => "valid-user" ) )
}
setenv.add-environment = ( "VITRINE_CONFIG" => "$VT_CONF"$(vt_lighttpd_sanitizer_env) )
EOF
pid=
stop_httpd() { vt_lighttpd_stop "$pid"; }
VT_CLEANUPS+=(stop_httpd)
vt_lighttpd_launch "$d" pid
ok "lighttpd with basic authentication on 127.0.0.1:$VT_PORT"

url=http://127.0.0.1:$VT_PORT/internal/cgi-bin/vitrine-edit.cgi
origin=http://127.0.0.1:$VT_PORT
ORIGIN=$origin
post() {
    local user=$1 body=$2
    shift 2
    STATUS=$(curl -sS --max-time 30 -o "$T/edit.body" -w '%{http_code}' -u "$user" \
        -H "Content-Type: application/json" ${ORIGIN:+-H "Origin: $ORIGIN"} "$@" \
        --data-binary "$body" "$url") || fail "curl failed"
    BODY=$(cat "$T/edit.body")
}
# create TYPE SHAPE FIELDS [VISIBILITY]: a create request's body.
create() {
    jq -cn --arg id "$id" --arg type "$1" --argjson shape "$2" --argjson fields "$3" \
        --arg vis "${4:-internal}" \
        '{action: "annotation-create", id: $id,
          annotation: {type: $type, shape: $shape, fields: $fields, visibility: $vis}}'
}
rect='{"x":10,"y":20,"w":100,"h":50}'
good=$(create restoration "$rect" '{"damage":"flaking","treatment":"<script>alert(1)</script>"}')

note "--- without vitrined: 503, nothing written"
post ed:edpw "$good"
assert_eq 503 "$STATUS" "503 without vitrined ($BODY)"
assert_eq "" "$(find "$T/spool" -name '*.json')" "nothing written to the spool"

vt_daemon_start
note "--- the CGI's refusals"
s=$(curl -sS -o /dev/null -w '%{http_code}' -H "Content-Type: application/json" \
    -H "Origin: $origin" --data-binary "$good" "http://127.0.0.1:$VT_PORT/open/vitrine-edit.cgi")
assert_eq 401 "$s" "no REMOTE_USER refused"
ORIGIN=http://evil.example post ed:edpw "$good"
assert_eq 403 "$STATUS" "another Origin refused"
ORIGIN= post ed:edpw "$good" -H "Sec-Fetch-Site: cross-site"
assert_eq 403 "$STATUS" "Sec-Fetch-Site cross-site refused"
{ printf '{"action":"annotation-create","id":"%s","annotation":{"type":"descriptive","shape":%s,"fields":{"text":"' "$id" "$rect"
  head -c 300000 /dev/zero | tr '\0' 'a'; printf '"}}}'; } >"$T/big.json"
post ed:edpw "@$T/big.json"
assert_eq 413 "$STATUS" "oversized body refused"
post ed:edpw '{"action":"annotation-create",'
assert_eq 400 "$STATUS" "invalid JSON refused"
post ed:edpw '{"action":"annotation-create","id":"'$id'","edit":{"set":{"k":"v"}}}'
assert_eq 400 "$STATUS" "an annotation request without \"annotation\" refused ($BODY)"
post ed:edpw '{"action":"annotation-burn","id":"'$id'","annotation":{}}'
assert_eq 400 "$STATUS" "an unknown action refused"
post ed:edpw '{"action":"annotation-update","id":"'$id'","annotation":{"id":"x"}}'
assert_eq 428 "$STATUS" "an update without If-Match refused"
post nobody:nopw "$good"
assert_eq 403 "$STATUS" "a user who is not an editor is refused"

note "--- vitrined's refusals (a clear 4xx, nothing stored)"
post ed:edpw "$(create graffiti "$rect" '{"text":"x"}')"
assert_eq 400 "$STATUS" "unknown type"; grep -q "unknown type 'graffiti'" <<<"$BODY" || fail "$BODY"
post ed:edpw "$(create descriptive "$rect" '{"colour":"red"}')"
assert_eq 400 "$STATUS" "unknown field"; grep -q "unknown field 'colour'" <<<"$BODY" || fail "$BODY"
long=$(head -c 9000 /dev/zero | tr '\0' 'b')
post ed:edpw "$(create descriptive "$rect" "{\"text\":\"$long\"}")"
assert_eq 400 "$STATUS" "value over the cap"; grep -q "over the limit" <<<"$BODY" || fail "$BODY"
post ed:edpw "$(create descriptive '{"x":300,"y":20,"w":100,"h":50}' '{"text":"x"}')"
assert_eq 400 "$STATUS" "rectangle outside the image"; grep -q "outside the image (320 x 240)" <<<"$BODY" || fail "$BODY"
many=$(jq -cn '{points: [range(0; 2001) | [. % 320, . % 240]]}')
post ed:edpw "$(create descriptive "$many" '{"text":"x"}')"
assert_eq 400 "$STATUS" "polygon of 2,001 points"; grep -q "2001 points, over the limit" <<<"$BODY" || fail "$BODY"
post ed:edpw "$(create descriptive "$rect" '{"text":"x"}' public)"
assert_eq 403 "$STATUS" "public by an editor"; grep -q "publishers only" <<<"$BODY" || fail "$BODY"
assert_eq 0 "$(vt annotations list "$id" --json | jq length)" "nothing stored by the refusals"

note "--- create, update, conflict, someone else's, delete"
post ed:edpw "$good"
assert_eq 200 "$STATUS" "create saved ($BODY)"
ann=$(jq -r .annotation_id <<<"$BODY")
v1=$(jq -r .version <<<"$BODY")
assert_eq ed "$(jq -r .annotation.creator <<<"$BODY")" "the creator is REMOTE_USER"
assert_eq '<script>alert(1)</script>' "$(vt annotations list "$id" --json | jq -r '.[0].fields.treatment')" \
    "the script stored as text"
upd() { jq -cn --arg id "$id" --arg ann "$ann" --arg t "$1" \
    '{action: "annotation-update", id: $id, annotation: {id: $ann, type: "restoration",
      shape: {x: 10, y: 20, w: 100, h: 50}, fields: {damage: "loss", treatment: $t}}}'; }
post ed:edpw "$(upd "cleaning")" -H "If-Match: \"$v1\""
assert_eq 200 "$STATUS" "update saved ($BODY)"
v2=$(jq -r .version <<<"$BODY")
post ed:edpw "$(upd "varnish removal")" -H "If-Match: \"$v1\""
assert_eq 409 "$STATUS" "an update on an old version is a conflict"
assert_eq "$v2" "$(jq -r .version <<<"$BODY")" "the conflict names the current version"
assert_eq cleaning "$(jq -r .annotation.fields.treatment <<<"$BODY")" "and gives the current annotation"
post ed2:ed2pw "$(upd "mine now")" -H "If-Match: \"$v2\""
assert_eq 403 "$STATUS" "another editor may not change it"; grep -q "admins only" <<<"$BODY" || fail "$BODY"
del=$(jq -cn --arg id "$id" --arg ann "$ann" '{action: "annotation-delete", id: $id, annotation: {id: $ann}}')
post ed2:ed2pw "$del" -H "If-Match: \"$v2\""
assert_eq 403 "$STATUS" "another editor may not delete it"
assert_eq cleaning "$(vt annotations list "$id" --json | jq -r '.[0].fields.treatment')" "unchanged"
wait_for 10 test -f "$T/site/internal/iiif/$id/annotations.json" ||
    fail "the internal AnnotationPage was not written"
assert_eq "$v2" "$(jq -r '.items[0]["vitrine:version"]' "$T/site/internal/iiif/$id/annotations.json")" \
    "the AnnotationPage gives the version the workspace sends back"
post boss:bosspw "$del" -H "If-Match: \"$v2\""
assert_eq 200 "$STATUS" "an admin deletes it ($BODY)"
assert_eq 0 "$(vt annotations list "$id" --json | jq length)" "deleted"
wait_for 10 test ! -f "$T/site/internal/iiif/$id/annotations.json" ||
    fail "the internal AnnotationPage is still there after the delete"
hist=$(vt history "$id" --json)
assert_eq '["ed","ed","boss"]' "$(jq -c '[.[].user]' <<<"$hist")" "one audit entry per change"
assert_eq '["create","update","delete"]' "$(jq -c '[.[].change.annotation.action]' <<<"$hist")" \
    "their actions"
vt history "$id" | grep -q "annotation $ann: restoration, internal, 10,20 100x50: .*treatment: cleaning" ||
    fail "vitrine history does not describe the change: $(vt history "$id")"
vt_daemon_stop
echo "PASS $VT_TEST_NAME"
