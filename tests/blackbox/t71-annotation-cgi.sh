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
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

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

mkdir -p "$T/www"
staff_httpd_start "$T/www" "ed:edpw ed2:ed2pw pub:pubpw boss:bosspw nobody:nopw"

url=http://127.0.0.1:$VT_PORT/internal/cgi-bin/vitrine-edit.cgi
origin=http://127.0.0.1:$VT_PORT
ORIGIN=$origin
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
edit_post ed:edpw "$good"
assert_eq 503 "$STATUS" "503 without vitrined ($BODY)"
assert_eq "" "$(find "$T/spool" -name '*.json')" "nothing written to the spool"

vt_daemon_start
note "--- the CGI's refusals"
s=$(curl -sS -o /dev/null -w '%{http_code}' -H "Content-Type: application/json" \
    -H "Origin: $origin" --data-binary "$good" "http://127.0.0.1:$VT_PORT/open/vitrine-edit.cgi")
assert_eq 401 "$s" "no REMOTE_USER refused"
ORIGIN=http://evil.example edit_post ed:edpw "$good"
assert_eq 403 "$STATUS" "another Origin refused"
ORIGIN= edit_post ed:edpw "$good" -H "Sec-Fetch-Site: cross-site"
assert_eq 403 "$STATUS" "Sec-Fetch-Site cross-site refused"
{ printf '{"action":"annotation-create","id":"%s","annotation":{"type":"descriptive","shape":%s,"fields":{"text":"' "$id" "$rect"
  head -c 300000 /dev/zero | tr '\0' 'a'; printf '"}}}'; } >"$T/big.json"
edit_post ed:edpw "@$T/big.json"
assert_eq 413 "$STATUS" "oversized body refused"
edit_post ed:edpw '{"action":"annotation-create",'
assert_eq 400 "$STATUS" "invalid JSON refused"
edit_post ed:edpw '{"action":"annotation-create","id":"'$id'","edit":{"set":{"k":"v"}}}'
assert_eq 400 "$STATUS" "an annotation request without \"annotation\" refused ($BODY)"
edit_post ed:edpw '{"action":"annotation-burn","id":"'$id'","annotation":{}}'
assert_eq 400 "$STATUS" "an unknown action refused"
edit_post ed:edpw '{"action":"annotation-update","id":"'$id'","annotation":{"id":"x"}}'
assert_eq 428 "$STATUS" "an update without If-Match refused"
edit_post nobody:nopw "$good"
assert_eq 403 "$STATUS" "a user who is not an editor is refused"

note "--- vitrined's refusals (a clear 4xx, nothing stored)"
edit_post ed:edpw "$(create graffiti "$rect" '{"text":"x"}')"
assert_eq 400 "$STATUS" "unknown type"; grep -q "unknown type 'graffiti'" <<<"$BODY" || fail "$BODY"
edit_post ed:edpw "$(create descriptive "$rect" '{"colour":"red"}')"
assert_eq 400 "$STATUS" "unknown field"; grep -q "unknown field 'colour'" <<<"$BODY" || fail "$BODY"
long=$(head -c 9000 /dev/zero | tr '\0' 'b')
edit_post ed:edpw "$(create descriptive "$rect" "{\"text\":\"$long\"}")"
assert_eq 400 "$STATUS" "value over the cap"; grep -q "over the limit" <<<"$BODY" || fail "$BODY"
edit_post ed:edpw "$(create descriptive '{"x":300,"y":20,"w":100,"h":50}' '{"text":"x"}')"
assert_eq 400 "$STATUS" "rectangle outside the image"; grep -q "outside the image (320 x 240)" <<<"$BODY" || fail "$BODY"
many=$(jq -cn '{points: [range(0; 2001) | [. % 320, . % 240]]}')
edit_post ed:edpw "$(create descriptive "$many" '{"text":"x"}')"
assert_eq 400 "$STATUS" "polygon of 2,001 points"; grep -q "2001 points, over the limit" <<<"$BODY" || fail "$BODY"
edit_post ed:edpw "$(create descriptive "$rect" '{"text":"x"}' public)"
assert_eq 403 "$STATUS" "public by an editor"; grep -q "publishers only" <<<"$BODY" || fail "$BODY"
assert_eq 0 "$(vt annotations list "$id" --json | jq length)" "nothing stored by the refusals"

note "--- create, update, conflict, someone else's, delete"
edit_post ed:edpw "$good"
assert_eq 200 "$STATUS" "create saved ($BODY)"
ann=$(jq -r .annotation_id <<<"$BODY")
v1=$(jq -r .version <<<"$BODY")
assert_eq ed "$(jq -r .annotation.creator <<<"$BODY")" "the creator is REMOTE_USER"
assert_eq '<script>alert(1)</script>' "$(vt annotations list "$id" --json | jq -r '.[0].fields.treatment')" \
    "the script stored as text"
upd() { jq -cn --arg id "$id" --arg ann "$ann" --arg t "$1" \
    '{action: "annotation-update", id: $id, annotation: {id: $ann, type: "restoration",
      shape: {x: 10, y: 20, w: 100, h: 50}, fields: {damage: "loss", treatment: $t}}}'; }
edit_post ed:edpw "$(upd "cleaning")" -H "If-Match: \"$v1\""
assert_eq 200 "$STATUS" "update saved ($BODY)"
v2=$(jq -r .version <<<"$BODY")
edit_post ed:edpw "$(upd "varnish removal")" -H "If-Match: \"$v1\""
assert_eq 409 "$STATUS" "an update on an old version is a conflict"
assert_eq "$v2" "$(jq -r .version <<<"$BODY")" "the conflict names the current version"
assert_eq cleaning "$(jq -r .annotation.fields.treatment <<<"$BODY")" "and gives the current annotation"
edit_post ed2:ed2pw "$(upd "mine now")" -H "If-Match: \"$v2\""
assert_eq 403 "$STATUS" "another editor may not change it"; grep -q "admins only" <<<"$BODY" || fail "$BODY"
del=$(jq -cn --arg id "$id" --arg ann "$ann" '{action: "annotation-delete", id: $id, annotation: {id: $ann}}')
edit_post ed2:ed2pw "$del" -H "If-Match: \"$v2\""
assert_eq 403 "$STATUS" "another editor may not delete it"
assert_eq cleaning "$(vt annotations list "$id" --json | jq -r '.[0].fields.treatment')" "unchanged"
wait_for 10 test -f "$T/site/internal/iiif/$id/annotations.json" ||
    fail "the internal AnnotationPage was not written"
assert_eq "$v2" "$(jq -r '.items[0]["vitrine:version"]' "$T/site/internal/iiif/$id/annotations.json")" \
    "the AnnotationPage gives the version the workspace sends back"
edit_post boss:bosspw "$del" -H "If-Match: \"$v2\""
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
