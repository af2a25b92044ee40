#!/usr/bin/env bash
# t52-fastcgi: vitrine-search.cgi as a FastCGI responder, run by lighttpd
# (mod_fastcgi, bin-path) with docs/web/lighttpd-fastcgi.conf itself (its
# placeholder paths replaced by a temporary tree), beside the same program
# as a CGI (mod_cgi) on the same index and config: the two answer the same
# JSON for searches, facets, completions, IIIF Content Search (path and
# query forms), selection manifests and hostile requests; a commit (a new
# document) and a replaced index folder (`vitrine reindex`) are seen by the
# running processes without a restart; a config change is picked up; a
# process restarts in place (same pid, same socket) after [search]
# fastcgi-max-requests, with no failed request and no descriptor left
# over, and so does one signalled by the request-seconds timer; the public
# pool never answers an internal asset while the internal pool does, and
# refuses a request that comes with the other audience.
# The answer cache: a repeated request gets the same bytes as the first and
# as the CGI (also written another way: parameters reordered, the path form
# of Content Search), from the cache (each restarted image counts what it
# sent from it); a commit, a replaced index folder and a config change are
# seen at once; fastcgi-cache-mb=0 turns it off; the public pool never
# answers an internal hit that the internal pool has cached.
# Skipped (77) only without lighttpd.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/lighttpd-cgi.sh"

cgi_server_require
[ -x "$VT_BIN_DIR/vt-index-fixture" ] || fail "$VT_BIN_DIR/vt-index-fixture is missing: build the project first"
FRAGMENT=$VT_SOURCE_DIR/docs/web/lighttpd-fastcgi.conf
assert_file "$FRAGMENT" "docs/web/lighttpd-fastcgi.conf"
vt_make_tree cantaloupe
base=http://127.0.0.1:$VT_PORT

# --- the index, the published manifests, the config -------------------------
fixture() {   # fixture JSON-FILE DIR: writes (adds to) the index in DIR
    "$VT_BIN_DIR/vt-index-fixture" "$2" "$1" >/dev/null || fail "vt-index-fixture $2 failed"
}
cat >"$T/fixture.json" <<'EOF'
{"synonyms": [["vernis", "varnish", "firnis"]],
 "docs": [
  {"id": "p1a", "department": "photo", "intervention": "2019.12345", "visibility": "public",
   "type": "photo", "year": 2019, "label": "Portret van een vrouw",
   "fields": {"title": [{"value": "Portret van een vrouw", "lang": "nl"}],
              "creator": ["Rubens"], "keywords": ["vernis", "craquelure"]},
   "annotations": [{"id": "a1", "text": "Vergeelde vernis op het gezicht", "lang": "nl",
                    "region": "xywh=10,20,300,200"}],
   "facets": ["keywords"]},
  {"id": "x1a", "department": "xray", "intervention": "2019.12345", "visibility": "public",
   "type": "xray", "year": 2019, "label": "Röntgenopname portret",
   "fields": {"title": [{"value": "Röntgenopname van het portret", "lang": "nl"}]}},
  {"id": "i1a", "department": "xray", "intervention": "2020.00001", "visibility": "internal",
   "type": "xray", "year": 2020, "label": "Geheim röntgenbeeld",
   "fields": {"title": [{"value": "Firnis geheim", "lang": "de"}], "keywords": ["secretum"]},
   "facets": ["keywords"]},
  {"id": "e1a", "department": "photo", "visibility": "public", "type": "photo", "year": 2021,
   "label": "Landscape with windmill",
   "fields": {"title": [{"value": "Landscape with windmill", "lang": "en"}], "keywords": ["varnish"]},
   "facets": ["keywords"]},
  {"id": "d1a", "department": "photo", "visibility": "public", "type": "photo", "year": 2018,
   "label": "Bildnis eines Mannes",
   "fields": {"title": [{"value": "Bildnis eines Mannes", "lang": "de"}],
              "description": [{"value": "Der Firnis ist vergilbt", "lang": "de"}],
              "keywords": ["Firnis"]},
   "facets": ["keywords"]}
 ]}
EOF
fixture "$T/fixture.json" "$T/state/index"
ok "index fixture of 5 documents built"

manifest() {   # manifest TREE ID: a published manifest with one canvas
    mkdir -p "$T/site/$1/iiif/$2"
    jq -n --arg m "$base/iiif/$2/manifest.json" --arg c "$base/iiif/$2/canvas/1" --arg id "$2" \
        '{"@context": "http://iiif.io/api/presentation/3/context.json", id: $m, type: "Manifest",
          label: {en: [$id]}, items: [{id: $c, type: "Canvas", width: 100, height: 80, items: []}]}' \
        >"$T/site/$1/iiif/$2/manifest.json"
}
manifest public p1a
manifest public x1a
manifest internal i1a

cat >>"$VT_CONF" <<EOF

[search]
audience=public
facets=department,type,year,keywords
index=$T/state/index
fastcgi-max-requests=1000
EOF

# --- lighttpd: the docs' FastCGI fragment, plus the CGI at /cgi/ ----------------
d=$VT_CGI_DIR
mkdir -p "$d/www" "$d/upload" "$d/run"
echo "vitrine test server" >"$d/www/index.txt"
sed -e "s|/etc/vitrine/vitrine.conf|$VT_CONF|g" \
    -e "s|/usr/lib/cgi-bin/vitrine-search.cgi|$VT_BIN_DIR/vitrine-search.cgi|g" \
    -e "s|/run/lighttpd/|$d/run/|g" \
    -e 's|"max-procs"       => 2|"max-procs"       => 1|' \
    "$FRAGMENT" >"$d/fastcgi.conf"
grep -q "$VT_BIN_DIR/vitrine-search.cgi" "$d/fastcgi.conf" || fail "the fragment names no bin-path to replace"
grep -q '"max-procs"       => 1' "$d/fastcgi.conf" || fail "the fragment's max-procs line changed: update this test"
cat >"$d/lighttpd.conf" <<EOF
server.document-root = "$d/www"
server.bind = "127.0.0.1"
server.port = $VT_PORT
server.errorlog = "$d/error.log"
server.upload-dirs = ( "$d/upload" )
server.modules += ( "mod_alias", "mod_cgi", "mod_setenv" )
index-file.names = ( )
mimetype.assign = ( ".txt" => "text/plain" )
server.http-parseopts = ( "url-normalize" => "disable" )
# The same program as a plain CGI, for comparison.
alias.url = ( "/cgi/vitrine-search.cgi" => "$VT_BIN_DIR/vitrine-search.cgi" )
\$HTTP["url"] =~ "^/cgi/" {
    cgi.assign = ( ".cgi" => "" )
    setenv.add-environment = ( "VITRINE_CONFIG" => "$VT_CONF", "VITRINE_AUDIENCE" => "public"$(vt_lighttpd_sanitizer_env) )
}
include "$d/fastcgi.conf"
# A misconfiguration on purpose: q=pinprobe on the public location carries
# VITRINE_AUDIENCE=internal, so the public pool gets the other audience.
\$HTTP["url"] =~ "^/cgi-bin/vitrine-search\.cgi" {
    \$HTTP["querystring"] =~ "^q=pinprobe$" {
        setenv.add-environment = ( "VITRINE_CONFIG" => "$VT_CONF", "VITRINE_AUDIENCE" => "internal" )
    }
}
EOF
vt_lighttpd_launch "$d" VT_CGI_PID
ok "lighttpd with docs/web/lighttpd-fastcgi.conf listening on 127.0.0.1:$VT_PORT"

# fetch URL-PATH: the body to $T/body, the status printed
fetch() {
    curl -sS --max-time 30 -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" ||
        fail "curl $* failed"
}
# same QUERY [PATH-INFO]: the FastCGI answers exactly what the CGI answers
# (status, content type, JSON); prints the body.
same() {
    local q=$1 pi=${2:-} s1 s2 t1 t2 b1
    s1=$(fetch "$base/cgi/vitrine-search.cgi$pi${q:+?$q}")
    t1=$(grep -i '^content-type:' "$T/headers" | tr -d '\r')
    b1=$(jq -S . "$T/body" 2>/dev/null) || fail "CGI ?$q: not JSON: $(head -c 300 "$T/body")"
    s2=$(fetch "$base/cgi-bin/vitrine-search.cgi$pi${q:+?$q}")
    t2=$(grep -i '^content-type:' "$T/headers" | tr -d '\r')
    jq -e . "$T/body" >/dev/null 2>&1 || fail "FastCGI $pi?$q: not JSON: $(head -c 300 "$T/body"); log: $(tail -n 5 "$d/error.log")"
    [ "$s1" = "$s2" ] || fail "$pi?$q: CGI HTTP $s1, FastCGI HTTP $s2"
    [ "$t1" = "$t2" ] || fail "$pi?$q: CGI '$t1', FastCGI '$t2'"
    [ "$b1" = "$(jq -S . "$T/body")" ] ||
        fail "$pi?$q: FastCGI answer differs: $(diff <(echo "$b1") <(jq -S . "$T/body") | head -n 10)"
    ok "same answer (HTTP $s2) from FastCGI and CGI: ${pi}?${q:0:60}" >&2
    cat "$T/body"
}
# twice QUERY [PATH-INFO] [QUERY2]: the FastCGI answers PATH-INFO?QUERY
# twice (the second from its cache, if it keeps that kind) and then ?QUERY2
# (the same request written another way; default: the first again), each
# with the bytes the CGI answers the first with (status, content type,
# body).
twice() {
    local q=$1 pi=${2:-} q2=${3:-} s n url
    s=$(fetch "$base/cgi/vitrine-search.cgi$pi${q:+?$q}")
    grep -i '^content-type:' "$T/headers" | tr -d '\r' >"$T/type.cgi"
    cp "$T/body" "$T/body.cgi"
    for n in 1 2 3; do
        url=$base/cgi-bin/vitrine-search.cgi$pi${q:+?$q}
        if [ "$n" = 3 ] && [ -n "$q2" ]; then url=$base/cgi-bin/vitrine-search.cgi?$q2; fi
        [ "$(fetch "$url")" = "$s" ] || fail "$url: FastCGI $(head -n 1 "$T/headers") ($n), CGI HTTP $s"
        grep -i '^content-type:' "$T/headers" | tr -d '\r' | cmp -s - "$T/type.cgi" ||
            fail "$url: $(grep -i '^content-type:' "$T/headers") ($n), CGI $(cat "$T/type.cgi")"
        cmp -s "$T/body" "$T/body.cgi" ||
            fail "$url: FastCGI answer $n is not the CGI's bytes: $(cmp "$T/body" "$T/body.cgi" 2>&1); $(head -c 300 "$T/body")"
    done
    ok "the CGI's bytes (HTTP $s), three times: $pi?${q:0:40} ${q2:+and ?${q2:0:40}}"
}
# The FastCGI processes: the program's processes whose standard input is a
# socket (lighttpd's mod_cgi gives a plain CGI a pipe; a sanitizer build's
# CGI can still be exiting when this looks).
pids() {
    local p
    # Another test's plain CGI (same binary, run in parallel) matches too:
    # skipped, with an if, so that the loop's status stays 0 (pipefail).
    for p in $(pgrep -f "^$VT_BIN_DIR/vitrine-search.cgi" || true); do
        if [[ $(readlink "/proc/$p/fd/0" 2>/dev/null) == socket:* ]]; then echo "$p"; fi
    done | sort | tr '\n' ' '
}

note "--- the FastCGI processes"
first_pids=$(pids)
[ "$(wc -w <<<"$first_pids")" = 2 ] || fail "expected 2 FastCGI processes (public, internal), got '$first_pids'"
ok "lighttpd started 2 FastCGI processes: $first_pids"

note "--- the same answers as the CGI"
r=$(same "q=creator%3ARubens")
assert_eq '["p1a"]' "$(jq -c '[.hits[].id]' <<<"$r")" "  creator:Rubens"
r=$(same "")
assert_eq 4 "$(jq .total <<<"$r")" "  everything public (4)"
same "f=department%3Axray&sort=year" >/dev/null
same "q=varnish&lang=en" >/dev/null
same "q=Firnis&lang=de&size=1&page=2" >/dev/null
same "suggest=ver" >/dev/null
same "suggest=fir&field=keywords" >/dev/null
same "q=2019.12345" >/dev/null
r=$(same "manifest=p1a&q=vernis")
assert_eq 1 "$(jq '.items | length' <<<"$r")" "  Content Search: one annotation"
same "manifest=p1a&q=vernis&v=1" >/dev/null
same "manifest=p1a&q=verg&autocomplete=1" >/dev/null
same "q=vernis" /manifest/p1a >/dev/null
same "q=verg" /autocomplete/p1a/v1 >/dev/null
same "q=x" /nosuch/path >/dev/null
r=$(same "selection=p1a,x1a,i1a")
assert_eq 2 "$(jq '.items | length' <<<"$r")" "  selection: the two public canvases, not the internal one"
etag=$(grep -i '^etag:' "$T/headers" | cut -d' ' -f2- | tr -d '\r')
[ -n "$etag" ] || fail "the FastCGI selection has no ETag"
assert_eq 304 "$(fetch -H "If-None-Match: $etag" "$base/cgi-bin/vitrine-search.cgi?selection=p1a,x1a,i1a")" "  If-None-Match: 304"
same "selection=../../etc" >/dev/null
for q in "q=%G1" "q=%FF%FE" "q=a%00b" "q=$(head -c 2000 /dev/zero | tr '\0' a)" \
    "q=$(printf '(%.0s' $(seq 30))a" "page=0" "size=100000" "callback=cb&q=x" "unknown=1" \
    "q=%22unbalanced+(quote"; do
    same "$q" >/dev/null
done
assert_eq 405 "$(fetch -X POST --data q=x "$base/cgi-bin/vitrine-search.cgi")" "POST: 405"

note "--- repeated requests: the same bytes, from the answer cache"
twice "q=vernis&size=2&sort=year" "" "sort=year&size=2&q=vernis"
twice ""
twice "f=department%3Aphoto&q=portret&f=type%3Aphoto" "" "q=portret&f=department%3Aphoto&f=type%3Aphoto"
twice "suggest=ver&size=3" "" "size=3&suggest=ver"
twice "manifest=p1a&q=vernis&v=1" "" "v=1&q=vernis&manifest=p1a"
twice "q=vernis" /manifest/p1a "manifest=p1a&q=vernis"
twice "q=verg" /autocomplete/p1a/v1
twice "selection=p1a,x1a"
assert_eq "$first_pids" "$(pids)" "the same processes answered everything (none restarted)"

note "--- public and internal pools"
for q in "q=geheim" "q=secretum" "f=visibility%3Ainternal" "suggest=secr"; do
    [ "$(fetch "$base/cgi-bin/vitrine-search.cgi?$q")" = 200 ] || fail "public ?$q: HTTP error"
    jq -e '(.hits // .terms) | length == 0' "$T/body" >/dev/null || fail "public ?$q shows internal data: $(head -c 300 "$T/body")"
    [ "$(fetch "$base/internal/cgi-bin/vitrine-search.cgi?$q")" = 200 ] || fail "internal ?$q: HTTP error"
    jq -e '(.hits // .terms) | length > 0' "$T/body" >/dev/null || fail "internal ?$q: nothing: $(head -c 300 "$T/body")"
done
ok "alternating requests: the public pool never shows i1a, the internal pool does"
# Now the internal pool has these answers cached: asked again, the public
# pool still answers its own (twice: the second from its own cache).
for q in "q=geheim" "q=secretum" "f=visibility%3Ainternal" "suggest=secr"; do
    for pool in internal public public; do
        [ "$pool" = internal ] && path=internal/cgi-bin || path=cgi-bin
        [ "$(fetch "$base/$path/vitrine-search.cgi?$q")" = 200 ] || fail "$pool ?$q: HTTP error"
        if [ "$pool" = internal ]; then
            jq -e '(.hits // .terms) | length > 0' "$T/body" >/dev/null || fail "internal ?$q (cached): nothing"
        else
            jq -e '(.hits // .terms) | length == 0' "$T/body" >/dev/null ||
                fail "public ?$q after the internal pool cached it: $(head -c 300 "$T/body")"
        fi
    done
done
ok "  and again, with the internal answers cached: the public pool never shows i1a"
assert_eq 500 "$(fetch "$base/cgi-bin/vitrine-search.cgi?q=pinprobe")" \
    "the public pool given VITRINE_AUDIENCE=internal (a misconfigured server) refuses"
assert_json '.status == 500 and (.error | contains("not configured correctly"))' "$(cat "$T/body")" "  with a JSON error"
grep -q 'this FastCGI process serves the public audience, and a request asks for the internal one' "$d/error.log" ||
    fail "no log line about the audience: $(tail -n 3 "$d/error.log")"
ok "  and says why in the log"
[ "$(fetch "$base/cgi-bin/vitrine-search.cgi?q=geheim")" = 200 ] && jq -e '.total == 0' "$T/body" >/dev/null ||
    fail "the public pool after the refused request: $(head -c 300 "$T/body")"
ok "  then serves the public audience as before"
assert_eq 200 "$(fetch "$base/internal/cgi-bin/vitrine-search.cgi?selection=i1a")" "internal selection"
assert_eq 1 "$(jq '.items | length' "$T/body")" "  has the internal canvas"
assert_eq "$base/internal/assets/i1a.html" "$(fetch "$base/internal/cgi-bin/vitrine-search.cgi?q=geheim" >/dev/null; jq -r '.hits[0].page' "$T/body")" \
    "internal hits link the internal tree"

note "--- a commit is seen without a restart"
assert_eq 0 "$(fetch "$base/cgi-bin/vitrine-search.cgi?q=molen" >/dev/null; jq .total "$T/body")" "no molen yet"
cat >"$T/more.json" <<'EOF'
{"docs": [{"id": "m1a", "department": "photo", "visibility": "public", "type": "photo", "year": 2022,
           "label": "Molen bij Wijk", "fields": {"title": [{"value": "Molen bij Wijk", "lang": "nl"}]}}]}
EOF
fixture "$T/more.json" "$T/state/index"
r=$(same "q=molen")
assert_eq '["m1a"]' "$(jq -c '[.hits[].id]' <<<"$r")" "after the commit: the new document (not the cached answer)"
twice "q=molen"
r=$(same "")
assert_eq 5 "$(jq .total <<<"$r")" "  counted among everything"
assert_eq 4 "$(jq '[.facets.department[] | select(.value == "photo")][0].count' <<<"$r")" "  and in the facet counts (photo: 4)"
assert_eq "$first_pids" "$(pids)" "  by the same processes"

note "--- a replaced index folder (vitrine reindex) is opened anew"
cat >"$T/fresh.json" <<'EOF'
{"docs": [{"id": "z1a", "department": "photo", "visibility": "public", "type": "photo", "year": 2023,
           "label": "Zeegezicht", "fields": {"title": [{"value": "Zeegezicht", "lang": "nl"}]}}]}
EOF
fixture "$T/fresh.json" "$T/state/index.fresh"
mv "$T/state/index" "$T/state/index.old"
mv "$T/state/index.fresh" "$T/state/index"
r=$(same "")
assert_eq '["z1a"]' "$(jq -c '[.hits[].id]' <<<"$r")" "only the new folder's document"
rm -rf "$T/state/index.old"
mv "$T/state/index" "$T/state/index.away"
assert_eq 503 "$(fetch "$base/cgi-bin/vitrine-search.cgi?q=x")" "no index folder: 503"
mv "$T/state/index.away" "$T/state/index"
assert_eq 200 "$(fetch "$base/cgi-bin/vitrine-search.cgi?q=zeegezicht")" "  and back: 200"
assert_eq 1 "$(jq .total "$T/body")" "  the document again"
assert_eq "$first_pids" "$(pids)" "  by the same processes"

note "--- a config change is seen by cached answers"
r=$(same "q=zeegezicht")
assert_eq "$base/assets/z1a.html" "$(jq -r '.hits[0].page' <<<"$r")" "zeegezicht links the site"
sed -i "s|^base-url=$base\$|base-url=http://museum.example|" "$VT_CONF"
grep -q '^base-url=http://museum.example$' "$VT_CONF" || fail "could not change [site] base-url"
r=$(same "q=zeegezicht")
assert_eq "http://museum.example/assets/z1a.html" "$(jq -r '.hits[0].page' <<<"$r")" \
    "  [site] base-url changed: the new URL, not the cached answer"
sed -i "s|^base-url=http://museum.example\$|base-url=$base|" "$VT_CONF"
r=$(same "q=zeegezicht")
assert_eq "$base/assets/z1a.html" "$(jq -r '.hits[0].page' <<<"$r")" "  and back"

note "--- recycling after fastcgi-max-requests (a config change is picked up)"
# A process restarts by executing its program again on the same listening
# socket (same pid: no window in which lighttpd finds nobody listening),
# with nothing of the old image left: no descriptor more than before.
fds() { local p n=0; for p in $(pids); do n=$((n + $(find "/proc/$p/fd" -mindepth 1 | wc -l))); done; echo "$n"; }
fds_before=$(fds)
sed -i 's/^fastcgi-max-requests=1000$/fastcgi-max-requests=4/' "$VT_CONF"
grep -q '^fastcgi-max-requests=4$' "$VT_CONF" || fail "could not set fastcgi-max-requests=4"
for i in $(seq 1 30); do
    # Written two ways, one cache entry.
    if ((i % 2)); then q="q=zeegezicht&size=20"; else q="size=20&q=zeegezicht"; fi
    s=$(fetch "$base/cgi-bin/vitrine-search.cgi?$q")
    [ "$s" = 200 ] || fail "request $i after the limit: HTTP $s: $(head -c 300 "$T/body"); log: $(tail -n 5 "$d/error.log")"
    jq -e '.total == 1 and .hits[0].id == "z1a"' "$T/body" >/dev/null || fail "request $i: wrong answer: $(head -c 300 "$T/body")"
done
ok "30 requests across the restarts, every one answered 200 with the right hit"
ends=$(grep -c 'FastCGI process restarts after 4 requests' "$d/error.log" || true)
[ "$ends" -ge 7 ] || fail "the log has $ends 'restarts after 4 requests' lines, expected 7 or more: $(tail -n 5 "$d/error.log")"
ok "the public process restarted $ends times, after every 4 requests, and said so in the log"
# Each image but the first (which had served more) answered its first
# request by searching and the next three from its cache, whichever way
# the request was written.
hits=$(grep -c 'restarts after 4 requests.*answer cache: 3 answers sent from it, 1 kept' "$d/error.log" || true)
[ "$hits" -ge 6 ] ||
    fail "$hits images say they sent 3 of their 4 answers from the cache, expected 6 or more: $(grep -m 2 'restarts after 4' "$d/error.log")"
ok "  $hits of those images sent 3 of their 4 answers from the cache"
assert_eq "$first_pids" "$(pids)" "  in place: the same pids, lighttpd had nothing to restart"
[ "$(fds)" -le "$fds_before" ] || fail "the processes hold $(fds) descriptors, $fds_before before the restarts"
ok "  no descriptor left over by the old images ($(fds), $fds_before before)"
if grep -E 'child exited|Connection refused|are down' "$d/error.log" >/dev/null; then
    fail "lighttpd lost a backend: $(grep -E -m 3 'child exited|Connection refused|are down' "$d/error.log")"
fi
ok "lighttpd never lost its backend"

note "--- fastcgi-cache-mb=0: no cache"
echo "fastcgi-cache-mb=0" >>"$VT_CONF"
tail -n 4 "$VT_CONF" | grep -q '^fastcgi-max-requests=4$' || fail "fastcgi-cache-mb=0 did not go into [search]"
off_before=$(grep -c 'off (fastcgi-cache-mb=0)' "$d/error.log" || true)
for i in $(seq 1 12); do
    s=$(fetch "$base/cgi-bin/vitrine-search.cgi?q=zeegezicht")
    [ "$s" = 200 ] || fail "request $i with the cache off: HTTP $s: $(head -c 300 "$T/body"); log: $(tail -n 5 "$d/error.log")"
    jq -e '.total == 1 and .hits[0].id == "z1a"' "$T/body" >/dev/null || fail "request $i: wrong answer: $(head -c 300 "$T/body")"
done
off=$(grep -c 'restarts after 4 requests.*answer cache: 0 answers sent from it, 0 kept (0 KB), off (fastcgi-cache-mb=0)' "$d/error.log" || true)
[ "$((off - off_before))" -ge 2 ] ||
    fail "with fastcgi-cache-mb=0, $((off - off_before)) images say the cache is off and sent nothing from it: $(tail -n 3 "$d/error.log")"
ok "fastcgi-cache-mb=0: 12 right answers, none from a cache ($((off - off_before)) images say it is off)"
twice "q=zeegezicht&size=5"
sed -i '/^fastcgi-cache-mb=0$/d' "$VT_CONF"

assert_eq 200 "$(fetch "$base/internal/cgi-bin/vitrine-search.cgi?q=zeegezicht")" "the internal pool, after the swap"
for p in $(pids); do
    ! find "/proc/$p/fd" -mindepth 1 -printf '%l\n' | grep -q '(deleted)' ||
        fail "process $p still holds a file of the replaced index: $(find "/proc/$p/fd" -mindepth 1 -printf '%l\n' | grep deleted | head -n 3)"
done
ok "  neither process holds a file of the replaced index"

note "--- past request-seconds a process restarts in place"
# A request that takes too long cannot be made on demand: SIGALRM, which
# the request-seconds timer sends, is sent by hand to both processes, twice
# (the second checks that the restarted image takes the signal again).
# The message goes to the process's stderr, which is lighttpd's own (its
# stdout.log here), not the FastCGI error stream: no request owns it.
alarms() { cat "$d/error.log" "$d/stdout.log" 2>/dev/null | grep -c 'took longer than \[search\] request-seconds'; }
for round in 1 2; do
    for p in $(pids); do kill -ALRM "$p"; done
    for _ in $(seq 200); do
        [ "$(alarms)" -ge $((2 * round)) ] && break
        sleep 0.1
    done
    assert_eq $((2 * round)) "$(alarms)" "round $round: both processes logged the time limit"
    assert_eq 200 "$(fetch "$base/cgi-bin/vitrine-search.cgi?q=zeegezicht")" "  then the public pool answers"
    assert_eq 200 "$(fetch "$base/internal/cgi-bin/vitrine-search.cgi?q=zeegezicht")" "  and the internal one"
    assert_eq "$first_pids" "$(pids)" "  by the same pids"
done

if grep -E 'AddressSanitizer|LeakSanitizer|runtime error:|Segmentation|Aborted' "$d/error.log" >/dev/null; then
    fail "a sanitizer report or crash in the log: $(grep -E -m 5 -A 10 'Sanitizer|runtime error' "$d/error.log")"
fi
ok "no sanitizer report or crash in lighttpd's log"
cgi_server_stop
