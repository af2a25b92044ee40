#!/usr/bin/env bash
# t64-edit-cgi: the internal site's edit CGI (vitrine-edit.cgi) through a
# real lighttpd with basic authentication: every refusal, a saved edit, a
# conflict (409 with the current version), visibility for publishers only,
# a bulk edit with one audit entry per asset (vitrine history), 503 without
# vitrined (nothing written), and a request file forged straight into the
# web spool folder by a non-editor, which vitrined refuses.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

vt_require_bins
[ -x "$VT_LIGHTTPD" ] || skip "lighttpd is not installed (scripts/install-deps)"
[ -x "$VT_BIN_DIR/vitrine-edit.cgi" ] || fail "vitrine-edit.cgi is missing: build the project first"
vt_make_tree cantaloupe
cat >>"$VT_CONF" <<EOF

[staff]
editors=ed, pub
publishers=pub
EOF
img_jpeg "$T/hot/photo/2019.12345_a.jpg" 320 240
img_jpeg "$T/hot/photo/2019.12345_b.jpg" 300 200
vt_ingest
id=$(vt_asset photo 2019.12345_a.jpg | jq -r .id)
id2=$(vt_asset photo 2019.12345_b.jpg | jq -r .id)

mkdir -p "$T/www"
staff_httpd_start "$T/www" "ed:edpw pub:pubpw nobody:nopw"

url=http://127.0.0.1:$VT_PORT/internal/cgi-bin/vitrine-edit.cgi
origin=http://127.0.0.1:$VT_PORT
ORIGIN=$origin
empty_version=$(printf '{}' | sha256sum | cut -c1-16)
edit='{"id":"'$id'","edit":{"set":{"keywords":["craquelure"]}}}'

note "--- without vitrined: 503, nothing written"
edit_post ed:edpw "$edit" -H "If-Match: \"$empty_version\""
assert_eq 503 "$STATUS" "503 without vitrined ($BODY)"
grep -q "not running" <<<"$BODY" || fail "the 503 does not say why: $BODY"
assert_eq "" "$(find "$T/spool" -name '*.json')" "nothing written to the spool"

vt_daemon_start
assert_file "$T/spool/web/daemon.lock" "vitrined holds the web spool's lock"

note "--- refusals"
s=$(curl -sS -o /dev/null -w '%{http_code}' -H "Origin: $origin" --data-binary "$edit" "$url")
assert_eq 401 "$s" "no credentials: the web server asks for them"
s=$(curl -sS -o "$T/open.body" -w '%{http_code}' -H "Content-Type: application/json" \
    -H "Origin: $origin" --data-binary "$edit" "http://127.0.0.1:$VT_PORT/open/vitrine-edit.cgi")
assert_eq 401 "$s" "the CGI itself refuses a request without REMOTE_USER"
s=$(curl -sS -o /dev/null -w '%{http_code}' -u ed:edpw "$url")
assert_eq 405 "$s" "GET refused"
ORIGIN=http://evil.example edit_post ed:edpw "$edit" -H "If-Match: $empty_version"
assert_eq 403 "$STATUS" "another Origin refused"
ORIGIN= edit_post ed:edpw "$edit" -H "If-Match: $empty_version" -H "Sec-Fetch-Site: cross-site"
assert_eq 403 "$STATUS" "Sec-Fetch-Site cross-site refused"
ORIGIN= edit_post ed:edpw "$edit" -H "If-Match: $empty_version"
assert_eq 403 "$STATUS" "neither Origin nor Sec-Fetch-Site: refused"
{ printf '{"id":"%s","edit":{"set":{"note":["' "$id"; head -c 300000 /dev/zero | tr '\0' 'a'
  printf '"]}}}'; } >"$T/big.json"
edit_post ed:edpw "@$T/big.json" -H "If-Match: $empty_version"
assert_eq 413 "$STATUS" "oversized body refused"
edit_post ed:edpw '{"id":' -H "If-Match: $empty_version"
assert_eq 400 "$STATUS" "invalid JSON refused"
edit_post ed:edpw '{"id":"'$id'","edit":{"set":{"title.es":["x"]}}}' -H "If-Match: $empty_version"
assert_eq 400 "$STATUS" "unknown language refused ($BODY)"
edit_post ed:edpw '{"id":"'$id'","change":{}}' -H "If-Match: $empty_version"
assert_eq 400 "$STATUS" "wrong shape refused"
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' -u ed:edpw -H "Content-Type: text/plain" \
    -H "Origin: $origin" -H "If-Match: $empty_version" --data-binary "$edit" "$url")
assert_eq 415 "$STATUS" "not JSON content type refused"
edit_post ed:edpw "$edit"
assert_eq 428 "$STATUS" "no If-Match refused"
edit_post nobody:nopw "$edit" -H "If-Match: $empty_version"
assert_eq 403 "$STATUS" "a user who is not an editor is refused"
edit_post ed:edpw '{"id":"'$id'","edit":{"set":{"visibility":"internal"}}}' -H "If-Match: $empty_version"
assert_eq 403 "$STATUS" "an editor may not change visibility"
grep -q "publishers only" <<<"$BODY" || fail "the refusal does not say who may: $BODY"
assert_eq null "$(vt show "$id" --json | jq -c .custom)" "nothing changed by the refusals"

note "--- a saved edit, then a conflict"
edit_post ed:edpw "$edit" -H "If-Match: \"$empty_version\""
assert_eq 200 "$STATUS" "edit saved ($BODY)"
assert_eq saved "$(jq -r .status <<<"$BODY")" "answer says saved"
assert_eq '[{"value":"craquelure"}]' "$(jq -c '.assets[0].custom.keywords' <<<"$BODY")" "the answer shows what was saved"
v1=$(jq -r '.assets[0].version' <<<"$BODY")
assert_ne "$empty_version" "$v1" "a new version"
assert_eq '[{"value":"craquelure"}]' "$(vt show "$id" --json | jq -c .custom.keywords)" "stored"
edit_post pub:pubpw '{"id":"'$id'","edit":{"set":{"keywords":["vernis"]}}}' -H "If-Match: $empty_version"
assert_eq 409 "$STATUS" "a stale version is a conflict"
assert_eq "$v1" "$(jq -r .version <<<"$BODY")" "the conflict gives the current version"
assert_eq '[{"value":"craquelure"}]' "$(vt show "$id" --json | jq -c .custom.keywords)" "not overwritten"

note "--- visibility by a publisher; bulk edit"
edit_post pub:pubpw '{"id":"'$id'","edit":{"set":{"visibility":"internal"}}}' -H "If-Match: $v1"
assert_eq 200 "$STATUS" "a publisher changes visibility ($BODY)"
assert_eq internal "$(vt show "$id" --json | jq -r .visibility)" "asset internal"
edit_post ed:edpw '{"ids":["'$id'","'$id2'"],"edit":{"set":{"material":["oil"]}}}'
assert_eq 200 "$STATUS" "bulk edit saved ($BODY)"
assert_eq 2 "$(jq '.assets | length' <<<"$BODY")" "two assets in the answer"
assert_eq '[{"value":"oil"}]' "$(vt show "$id2" --json | jq -c .custom.material)" "second asset edited"
hist=$(vt history "$id" --json)
assert_eq 3 "$(jq length <<<"$hist")" "three audit entries for the first asset"
assert_eq '["ed","pub","ed"]' "$(jq -c '[.[].user]' <<<"$hist")" "who"
assert_eq '["web","web","web"]' "$(jq -c '[.[].via]' <<<"$hist")" "via the web"
assert_eq '[{"value":"internal"}]' "$(jq -c '.[1].after.visibility' <<<"$hist")" "visibility after"
assert_eq null "$(jq -c '.[1].before.visibility' <<<"$hist")" "visibility before"
vt history "$id" >"$T/history.txt"
grep -q "ed (web)" "$T/history.txt" || fail "vitrine history: $(cat "$T/history.txt")"
grep -q "keywords: (none) -> craquelure" "$T/history.txt" || fail "vitrine history: $(cat "$T/history.txt")"
assert_eq 1 "$(vt history "$id2" --json | jq length)" "one audit entry for the second asset (so far)"

note "--- caps on custom metadata (issue 13, Medium 6)"
words=$(printf 'word %.0s' $(seq 1001))
edit_post ed:edpw "{\"ids\":[\"$id2\"],\"edit\":{\"set\":{\"note\":[\"${words% }\"]}}}"
assert_eq 400 "$STATUS" "a value of 1,001 words is refused by the CGI"
grep -q "1001 words, over the limit of 1000" <<<"$BODY" || fail "the refusal does not say why: $BODY"
chunk=$(printf 'abcdefghijklmn %.0s' $(seq 330))
n=0
for f in n1 n2 n3 n4 n5; do
    edit_post ed:edpw "{\"ids\":[\"$id2\"],\"edit\":{\"set\":{\"$f\":[\"${chunk% }\"]}}}"
    [ "$STATUS" = 200 ] || break
    n=$((n + 1))
done
assert_eq 4 "$n" "four 5 KB values fit in one asset's 20 KiB"
assert_eq 400 "$STATUS" "the fifth is refused by vitrined"
grep -q "over the limit of 20480 for one asset" <<<"$BODY" || fail "the refusal does not say why: $BODY"
assert_eq null "$(vt show "$id2" --json | jq -c .custom.n5)" "nothing of the refused edit stored"
edit_post ed:edpw "{\"ids\":[\"$id2\"],\"edit\":{\"unset\":[\"n1\",\"n2\",\"n3\",\"n4\"]}}"
assert_eq 200 "$STATUS" "removing is always possible"

note "--- a request forged into the web spool by a non-editor"
v2=$(vt show "$id2" --json | jq -c .custom)
name=0000000000000001-1-forged.json
printf '{"v":1,"action":"edit","user":"nobody","ids":["%s"],"edit":{"set":{"visibility":"internal"}}}' \
    "$id2" >"$T/spool/web/.tmp-$name"
mv "$T/spool/web/.tmp-$name" "$T/spool/web/$name"
wait_for 10 test -f "$T/spool/web/rejected/$name.reason.txt" || fail "the forged request was not refused"
grep -q "nobody may not change visibility" "$T/spool/web/rejected/$name.reason.txt" ||
    fail "reason: $(cat "$T/spool/web/rejected/$name.reason.txt")"
assert_eq forbidden "$(jq -r .status "$T/spool/web/answers/$name")" "answered forbidden"
assert_eq "$v2" "$(vt show "$id2" --json | jq -c .custom)" "the forged request changed nothing"
assert_eq public "$(vt show "$id2" --json | jq -r .visibility)" "still public"
ok "a forged request file is refused as a forged HTTP request is"

vt_daemon_stop
edit_post ed:edpw '{"id":"'$id2'","edit":{"set":{"material":["wood"]}}}' -H "If-Match: 0000000000000000"
assert_eq 503 "$STATUS" "503 once vitrined has stopped"
assert_eq "" "$(find "$T/spool/web" -maxdepth 1 -name '*.json')" "nothing left in the spool"
if grep -E 'AddressSanitizer|runtime error:' "$WEB/error.log" >/dev/null 2>&1; then
    fail "sanitizer report: $(grep -m 5 -A 10 Sanitizer "$WEB/error.log")"
fi
ok "edit CGI: every refusal, a conflict, visibility, bulk, audit, forged request"
