#!/usr/bin/env bash
# t60-demo: `vitrine demo --dir TMP --port FREE` as a user runs it: it draws
# the samples, starts lighttpd and vitrined, and keeps running. Once the
# samples are ingested, over HTTP: the search CGI finds the shared
# intervention in its public departments through /cgi-bin and in all of them
# through /internal/cgi-bin, a static tile's info.json is served with CORS,
# the collection-API fixture is served, and harvested titles are searchable.
# A file copied into a hotfolder appears in search; once the site generator
# writes <site.dir>/public/, also the home page, an asset page, and the new
# file's page within 30 s. The demo is in three languages ([site]
# languages=nl,fr,en): / and /internal/ go to the visitor's language by
# Accept-Language (a 302; Dutch, the default, without one the site has), an
# asset's page is in /nl/, /fr/ and /en/, each in its language with the
# object's title in it, and its language switch leads to the same asset in
# the others. SIGTERM stops the demo, lighttpd and vitrined.
# A second demo on a taken port is refused with a clear message.
# Skipped (77) only without lighttpd.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/lighttpd-cgi.sh"

cgi_server_require
vt_require_bins
DEMO=$T/demo
PORT=$(vt_free_port)
base=http://127.0.0.1:$PORT
DEMO_PID=
DEMO_LOG=$T/demo.log
VT_DAEMON_LOG=$DEMO_LOG   # fail() shows its tail

# Whatever happens, nothing the demo started outlives the test.
pids_of_children() {
    sed -n 's/.*(lighttpd pid \([0-9]*\), vitrined pid \([0-9]*\)).*/\1 \2/p' "$DEMO_LOG" 2>/dev/null | head -n 1
}
stop_demo() {
    local p
    if [ -n "$DEMO_PID" ]; then
        kill -TERM "$DEMO_PID" 2>/dev/null
        wait_for 30 vt__gone "$DEMO_PID" || kill -KILL "$DEMO_PID" 2>/dev/null
        wait "$DEMO_PID" 2>/dev/null
        DEMO_PID=
    fi
    for p in $(pids_of_children); do kill -KILL "$p" 2>/dev/null; done
    return 0
}
VT_CLEANUPS+=(stop_demo)

demo() { "$VT_BIN_DIR/vitrine" demo --dir "$DEMO" --port "$PORT" "$@"; }
dvt() { "$VT_BIN_DIR/vitrine" -c "$DEMO/vitrine.conf" "$@"; }

# get PATH [CURL_ARGS...]: sets STATUS; body in $T/body, headers in $T/headers.
get() {
    local path=$1
    shift
    STATUS=$(curl -sS --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$base$path") ||
        STATUS=000
}
header() { grep -i "^$1:" "$T/headers" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }
expect() {   # expect STATUS PATH [CURL_ARGS...]
    local want=$1 path=$2
    shift 2
    get "$path" "$@"
    [ "$STATUS" = "$want" ] || fail "GET $path: HTTP $STATUS, expected $want: $(head -c 300 "$T/body")"
    ok "GET $path -> $want"
}
# search LOCATION QUERY: the CGI's JSON answer (LOCATION is "" or /internal).
search() {
    get "$1/cgi-bin/vitrine-search.cgi?$2&size=100"
    [ "$STATUS" = 200 ] || return 1
    cat "$T/body"
}

note "--- a demo folder without running anything"
assert_exit 0 demo --prepare-only
assert_file "$DEMO/vitrine.conf" "vitrine.conf"
assert_file "$DEMO/lighttpd.conf" "lighttpd.conf"
assert_file "$DEMO/api/interventions/2024.01234.json" "API record"
assert_file "$DEMO/hotfolders/photo/2024.01234_recto.json" "a sidecar"
assert_file "$DEMO/hotfolders/microscopy/2024.01234_cross-section.tif" "a microscopy sample"
assert_exit 0 dvt check-config
grep -q '^languages=nl,fr,en\b' "$DEMO/vitrine.conf" || fail "the demo's config is not in nl, fr and en"
grep -q 'Accept-Language.*(?i:fr)' "$DEMO/lighttpd.conf" ||
    fail "the demo's lighttpd.conf does not send / by Accept-Language"
ok "the demo's site is in nl, fr and en; its lighttpd.conf redirects / by Accept-Language"
"$VT_LIGHTTPD" -tt -f "$DEMO/lighttpd.conf" >"$T/tt.out" 2>&1 || fail "lighttpd -tt: $(cat "$T/tt.out")"
ok "lighttpd accepts the demo's lighttpd.conf"
other=$(vt_free_port)
assert_exit 2 "$VT_BIN_DIR/vitrine" demo --dir "$DEMO" --port "$other" --prepare-only
[[ $VT_ERR == *"uses port $PORT"* ]] || fail "  the message does not name the demo's port: $VT_ERR"
ok "  a different --port on an existing demo is refused: $VT_ERR"

note "--- the running demo"
env --default-signal "$VT_BIN_DIR/vitrine" demo --dir "$DEMO" --port "$PORT" >"$DEMO_LOG" 2>&1 &
DEMO_PID=$!
wait_for 120 grep -q "vitrine demo is running" "$DEMO_LOG" ||
    fail "the demo did not say it is running: $(tail -n 20 "$DEMO_LOG")"
read -r WEB_PID DAEMON_PID < <(pids_of_children)
{ [ -n "$WEB_PID" ] && [ -n "$DAEMON_PID" ]; } || fail "no pids in the demo's output"
ok "demo running (lighttpd $WEB_PID, vitrined $DAEMON_PID)"
grep -q "127.0.0.1 only" "$DEMO_LOG" || fail "the demo does not say the internal site is unprotected"
ok "it says why the internal site has no password"

note "--- a second demo on the same port"
assert_exit 1 "$VT_BIN_DIR/vitrine" demo --dir "$T/demo2" --port "$PORT"
[[ $VT_ERR == *"port $PORT on 127.0.0.1 is taken"* ]] || fail "  unclear message: $VT_ERR"
ok "  refused: $VT_ERR"
assert_no_file "$T/demo2/hotfolders" "  the second demo's samples"

samples=7
ready() { [ "$(dvt list --json | jq '[.[] | select(.state == "ready")] | length')" -ge "$samples" ]; }
wait_for 180 ready || fail "the $samples samples were not ingested within 180 s: $(dvt list --json | jq -c '[.[] | {source, state}]')"
ok "the $samples samples are ingested"
kill -0 "$DEMO_PID" || fail "the demo died"

note "--- search through both CGIs"
asset() {   # asset DEPARTMENT SOURCE: its id
    dvt list --json | jq -r --arg d "$1" --arg s "$2" '.[] | select(.department == $d and .source == $s) | .id'
}
indexed() { search "$1" "q=$2" | jq -e --argjson n "$3" '.total >= $n' >/dev/null; }
wait_for 30 indexed "" 2024.01234 3 || fail "the public CGI does not find 2024.01234: $(head -c 500 "$T/body")"
r=$(search "" "q=2024.01234") || fail "the CGI does not answer 200: $(head -c 300 "$T/body")"
assert_eq '["photo","xray"]' "$(jq -c '[.facets.department[].value] | sort' <<<"$r")" "public: 2024.01234 in photo and xray"
assert_eq 3 "$(jq .total <<<"$r")" "  3 public images (no microscopy)"
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  CORS on the CGI"
# A hit is labelled as the site labels the asset (the recto has a Dutch
# title first and an English one: the English one, on both).
recto=$(asset photo 2024.01234_recto.jpg)
site_record() { [ -f "$DEMO/site/public/assets/$recto.json" ]; }
wait_for 30 site_record || fail "site/public/assets/$recto.json did not appear within 30 s"
assert_eq "$(jq -r .label "$DEMO/site/public/assets/$recto.json")" \
    "$(jq -r --arg id "$recto" '.hits[] | select(.id == $id) | .label' <<<"$r")" "  the recto's hit label is its page's"
r=$(search "" "q=2022.10001") || fail "the CGI does not answer 200: $(head -c 300 "$T/body")"
assert_eq 0 "$(jq .total <<<"$r")" "public: the x-ray made internal by its sidecar is not found"
r=$(search /internal "q=2024.01234") || fail "the internal CGI does not answer 200: $(head -c 300 "$T/body")"
if grep -q VITRINE_AUDIENCE "$VT_BIN_DIR/vitrine-search.cgi"; then
    assert_eq '["microscopy","photo","xray"]' "$(jq -c '[.facets.department[].value] | sort' <<<"$r")" \
        "internal: 2024.01234 in all three departments"
else
    note "this vitrine-search.cgi does not read VITRINE_AUDIENCE yet: internal hits not checked"
    assert_json '.total >= 3' "$r" "internal: the CGI answers"
fi
r=$(search "" "q=varnish") || fail "the CGI does not answer 200: $(head -c 300 "$T/body")"
recto=$(asset photo 2024.01234_recto.jpg)
assert_json "[.hits[].id] | index(\"$recto\") != null" "$r" "sidecar keywords are searchable (varnish)"

note "--- harvested titles"
expect 200 /api/interventions/2024.01234.json
assert_json '.titles.fr == "Portrait d'"'"'une dame au collier de perles"' "$(cat "$T/body")" "  the API fixture"
assert_eq "application/json" "$(header Content-Type)" "  its Content-Type"
harvested() { search "" "q=parelsnoer" | jq -e '.total >= 3' >/dev/null; }
wait_for 60 harvested || fail "the harvested title (parelsnoer) is not searchable: $(head -c 500 "$T/body")"
ok "the harvested nl title is searchable"
r=$(search "" "q=%22collier+de+perles%22") || fail "the CGI does not answer 200: $(head -c 300 "$T/body")"
assert_json '.total >= 3' "$r" "the harvested fr title is searchable"
assert_json '[.facets.department[].value] | index("microscopy") == null' "$r" "  no internal asset in the public answer"

note "--- static tiles"
expect 200 "/images/$recto/info.json"
assert_eq "*" "$(header Access-Control-Allow-Origin)" "  info.json CORS"
assert_eq "application/json" "$(header Content-Type)" "  info.json Content-Type"
assert_json ".id == \"$base/images/$recto\"" "$(cat "$T/body")" "  info.json id is under /images/"
# An internal asset's images (microscopy, and the x-ray its sidecar made
# internal) are served below /internal/images/ only.
# (Ready, and its files in the internal root: the x-ray's sidecar may make
# it internal after its conversion, and the move follows at the next flush.)
internal_moved='[.[] | select(.visibility == "internal" and .state == "ready" and (.image // "" | test("/images/internal/")))]'
internal_ready() { dvt list --json | jq -e "$internal_moved | length > 0"; }
wait_for 60 internal_ready || fail "no internal asset is ready in the internal root"
xr=$(dvt list --json | jq -r "$internal_moved[0].id")
expect 404 "/images/$xr/info.json"
expect 200 "/internal/images/$xr/info.json"
assert_json ".id == \"$base/internal/images/$xr\"" "$(cat "$T/body")" "  its info.json id is under /internal/images/"

note "--- a new drop"
img_jpeg "$T/new.jpg" 800 600
start=$(vt_now_us)
cp "$T/new.jpg" "$DEMO/hotfolders/photo/.2024.01234_new.jpg.part"
mv "$DEMO/hotfolders/photo/.2024.01234_new.jpg.part" "$DEMO/hotfolders/photo/2024.01234_new.jpg"
new_id() { [ -n "$(asset photo 2024.01234_new.jpg)" ]; }
wait_for 30 new_id || fail "the new file was not ingested within 30 s"
id=$(asset photo 2024.01234_new.jpg)
found() { search "" "q=2024.01234" | jq -e --arg id "$id" '[.hits[].id] | index($id) != null' >/dev/null; }
wait_for 30 found || fail "the new file is not in search within 30 s"
ok "the new file is in search after $(( ($(vt_now_us) - start) / 1000 )) ms"

if [ -f "$DEMO/site/public/index.html" ]; then
    note "--- the site, in three languages"
    # redirect PATH ACCEPT-LANGUAGE WANT: a 302 to WANT ("" sends no header).
    redirect() {
        if [ -n "$2" ]; then get "$1" -H "Accept-Language: $2"; else get "$1"; fi
        [ "$STATUS" = 302 ] || fail "GET $1 (Accept-Language: ${2:-none}): HTTP $STATUS, expected 302"
        local location
        location=$(header Location)
        [[ $location == "$3" || $location == "$base$3" ]] ||
            fail "GET $1 (Accept-Language: ${2:-none}) goes to $location, not $3"
        ok "  GET $1 with Accept-Language '${2:-none}' -> $3"
    }
    redirect / "fr-BE,fr;q=0.9,en;q=0.5" /fr/
    redirect / "en-GB,en;q=0.9" /en/
    redirect / "de-DE" /nl/
    redirect / "" /nl/
    redirect /internal/ "fr" /internal/fr/
    expect 200 /fr/
    assert_eq "text/html; charset=utf-8" "$(header Content-Type)" "  home page Content-Type"
    grep -q '<html lang="fr"' "$T/body" || fail "/fr/ is not in French: $(head -c 300 "$T/body")"
    # pagein LANG ID: the asset's page in LANG, with its language switch.
    pagein() {
        expect 200 "/$1/assets/$2.html"
        grep -q "<html lang=\"$1\"" "$T/body" || fail "  /$1/assets/$2.html is not in $1"
        for other in nl fr en; do
            grep -q "<a href=\"../../$other/assets/$2.html\" hreflang=\"$other\"" "$T/body" ||
                fail "  /$1/assets/$2.html has no switch to /$other/assets/$2.html: $(grep -o '<nav class="language-switch".*' "$T/body" | head -c 400)"
        done
    }
    pagein nl "$recto"
    grep -q 'Over dit beeld' "$T/body" || fail "  the nl page does not say 'Over dit beeld'"
    grep -q 'Portret van een dame met parelsnoer' "$T/body" || fail "  the nl page lacks the object's nl title"
    ok "  in Dutch, with the object's Dutch title"
    pagein fr "$recto"
    grep -q 'propos de cette image' "$T/body" || fail "  the fr page does not say 'À propos de cette image'"
    grep -q 'une dame au collier de perles' "$T/body" || fail "  the fr page lacks the object's fr title"
    grep -q 'static/mirador.html?manifest=[^"]*&amp;lang=fr"' "$T/body" ||
        fail "  the fr page's Mirador link does not pass its language"
    ok "  in French, with the object's French title; Mirador is opened in French"
    pagein en "$recto"
    grep -q 'About this image' "$T/body" || fail "  the en page does not say 'About this image'"
    ok "  in English"
    expect 200 "/static/lang/fr.html"
    expect 404 "/assets/$recto.html"
    expect 200 "/iiif/$recto/manifest.json"
    assert_eq "*" "$(header Access-Control-Allow-Origin)" "  manifest CORS"
    page() { [ -f "$DEMO/site/public/en/assets/$id.html" ]; }
    wait_for 30 page || fail "site/public/en/assets/$id.html did not appear within 30 s"
    ok "the new file's page appeared after $(( ($(vt_now_us) - start) / 1000 )) ms"
    for lang in nl fr en; do expect 200 "/$lang/assets/$id.html"; done
    cs=$(asset microscopy 2024.01234_cross-section.tif)
    assert_no_file "$DEMO/site/public/nl/assets/$cs.html" "  the microscopy page in the public tree"
    expect 200 "/internal/nl/assets/$cs.html"
else
    note "site/public/index.html is not there (no site generator yet): pages not checked"
fi

note "--- stopping"
kill -TERM "$DEMO_PID"
wait_for 60 vt__gone "$DEMO_PID" || fail "the demo did not stop within 60 s of SIGTERM"
rc=0
wait "$DEMO_PID" || rc=$?
DEMO_PID=
assert_eq 0 "$rc" "the demo's exit status after SIGTERM"
wait_for 5 vt__gone "$WEB_PID" || fail "lighttpd ($WEB_PID) is still running"
wait_for 5 vt__gone "$DAEMON_PID" || fail "vitrined ($DAEMON_PID) is still running"
ok "lighttpd and vitrined are gone"
vt_port_is_free "$PORT" || fail "port $PORT still answers"
ok "port $PORT is free again"
if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:' "$DEMO_LOG" "$DEMO/logs/lighttpd.log" >/dev/null 2>&1; then
    fail "a sanitizer report: $(grep -E -m 3 -A 10 'Sanitizer|runtime error' "$DEMO_LOG" "$DEMO/logs/lighttpd.log")"
fi
ok "no sanitizer report in the demo's output or the web server's log"

echo "PASS $VT_TEST_NAME"
