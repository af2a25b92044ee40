#!/usr/bin/env bash
# t50-search-cgi: vitrine-search.cgi through lighttpd (mod_cgi) on 127.0.0.1,
# queried with curl, on a small multilingual index built by vt-index-fixture:
# field search, facets and their counts, a facet filter, synonyms across
# languages, completions, an intervention across departments, IIIF Content
# Search (2.0 and 1.0) and autocomplete, the internal asset never visible
# through the public CGI but visible through an internal one, and hostile
# requests answered with a JSON 400 (or 405, 414, 503), never a crash.
# Skipped (77) only without lighttpd.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/lighttpd-cgi.sh"

cgi_server_require
[ -x "$VT_BIN_DIR/vt-index-fixture" ] || fail "$VT_BIN_DIR/vt-index-fixture is missing: build the project first"
vt_make_tree cantaloupe
base=http://127.0.0.1:$VT_PORT

# --- the index ----------------------------------------------------------------
# Public: 6 photo, 2 xray, 1 paint. Internal: i1a (xray). Intervention
# 2019.12345 spans photo and xray; 2021.00007 spans paint and xray.
cat >"$T/fixture.json" <<'EOF'
{"synonyms": [["vernis", "varnish", "firnis"]],
 "docs": [
  {"id": "p1a", "department": "photo", "intervention": "2019.12345", "visibility": "public",
   "type": "photo", "year": 2019, "label": "Portret van een vrouw",
   "fields": {"title": [{"value": "Portret van een vrouw", "lang": "nl"}],
              "creator": ["Rubens"], "keywords": ["vernis", "craquelure"]},
   "annotations": [{"id": "a1", "text": "Vergeelde vernis op het gezicht", "lang": "nl",
                    "region": "xywh=10,20,300,200"},
                   {"id": "a2", "text": "Retouche in de achtergrond", "lang": "nl",
                    "region": "xywh=400,20,100,100"}],
   "facets": ["keywords"]},
  {"id": "x1a", "department": "xray", "intervention": "2019.12345", "visibility": "public",
   "type": "xray", "year": 2019, "label": "Röntgenopname portret",
   "fields": {"title": [{"value": "Röntgenopname van het portret", "lang": "nl"}]}},
  {"id": "i1a", "department": "xray", "intervention": "2020.00001", "visibility": "internal",
   "type": "xray", "year": 2020, "label": "Geheim röntgenbeeld",
   "fields": {"title": [{"value": "Firnis geheim", "lang": "de"}], "keywords": ["secretum"]},
   "facets": ["keywords"]},
  {"id": "f1a", "department": "photo", "visibility": "public", "type": "photo", "year": 1650,
   "label": "Paysage d'hiver",
   "fields": {"title": [{"value": "Paysage d'hiver", "lang": "fr"}],
              "description": [{"value": "Le vernis est jauni", "lang": "fr"}],
              "keywords": ["paysage"]},
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
   "facets": ["keywords"]},
  {"id": "p2a", "department": "photo", "visibility": "public", "type": "photo", "year": 2020,
   "label": "Stilleven met bloemen",
   "fields": {"title": [{"value": "Stilleven met bloemen", "lang": "nl"}], "keywords": ["bloemen"]},
   "facets": ["keywords"]},
  {"id": "p3a", "department": "photo", "visibility": "public", "type": "detail", "year": 2019,
   "label": "Detail of the hands",
   "fields": {"title": [{"value": "Detail of the hands", "lang": "en"}], "creator": ["Rubens"]},
   "annotations": [{"id": "h1", "text": "Vergeelde hand", "lang": "nl"},
                   {"id": "h2", "text": "vergeelde mouw", "lang": "nl"},
                   {"id": "h3", "text": "Vergeelde achtergrond, vergeelde rand", "lang": "nl"}]},
  {"id": "r1a", "department": "paint", "intervention": "2021.00007", "visibility": "public",
   "type": "photo", "year": 2021, "label": "Restauratie van het altaarstuk",
   "fields": {"title": [{"value": "Restauratie van het altaarstuk", "lang": "nl"}]}},
  {"id": "x2a", "department": "xray", "intervention": "2021.00007", "visibility": "public",
   "type": "xray", "year": 2021, "label": "Röntgenopname altaarstuk",
   "fields": {"title": [{"value": "Röntgenopname altaarstuk", "lang": "nl"}]}}
 ]}
EOF
"$VT_BIN_DIR/vt-index-fixture" "$T/state/index" "$T/fixture.json" || fail "vt-index-fixture failed"
ok "index fixture of 10 documents built"

cp "$VT_CONF" "$T/public.conf"
cat >>"$T/public.conf" <<'EOF'

[search]
audience=public                 # a public CGI never returns an internal asset
synonyms=/etc/vitrine/synonyms.txt   # used by the daemon; the CGI ignores it
facets=department,type,year,keywords
EOF
cp "$VT_CONF" "$T/internal.conf"
printf '\n[search]\naudience=internal\nindex=%s\n' "$T/state/index" >>"$T/internal.conf"

ids() { jq -c '[.hits[].id] | sort' <<<"$1"; }

cgi_server_start "$T/public.conf" "$VT_PORT"

note "--- the answer's headers and links"
r=$(cgi_get "q=creator%3ARubens")
cgi_request "q=creator%3ARubens"
assert_eq "application/json; charset=utf-8" "$(cgi_header Content-Type)" "Content-Type"
assert_eq "*" "$(cgi_header Access-Control-Allow-Origin)" "Access-Control-Allow-Origin"
assert_eq "no-store" "$(cgi_header Cache-Control)" "Cache-Control"
assert_eq '["p1a","p3a"]' "$(ids "$r")" "field search creator:Rubens"
assert_eq 2 "$(jq .total <<<"$r")" "  total"
hit=$(jq -c '.hits[] | select(.id == "p1a")' <<<"$r")
assert_eq "$base/iiif/p1a/full/!400,400/0/default.jpg" "$(jq -r .thumbnail <<<"$hit")" "  thumbnail URL"
assert_eq "$base/iiif/p1a/manifest.json" "$(jq -r .manifest <<<"$hit")" "  manifest URL"
assert_eq "$base/assets/p1a.html" "$(jq -r .page <<<"$hit")" "  page URL"
assert_json '.label == "Portret van een vrouw" and (.snippet | type == "string")' "$hit" "  label and snippet"

note "--- facets and their counts"
r=$(cgi_get "")
assert_eq 9 "$(jq .total <<<"$r")" "everything public"
assert_eq '{"photo":6,"xray":2,"paint":1}' \
    "$(jq -c '[.facets.department[] | {(.value): .count}] | add' <<<"$r")" "  department counts (internal not counted)"
assert_json '[.facets.type[] | select(.value == "xray")][0].count == 2' "$r" "  type xray counted 2"
assert_json '[.facets.year[] | select(.value == "2019")][0].count == 3' "$r" "  year 2019 counted 3"
assert_json '[.facets.keywords[] | .value] | index("secretum") == null' "$r" "  no internal keyword in facets"
r=$(cgi_get "f=department%3Axray")
assert_eq '["x1a","x2a"]' "$(ids "$r")" "facet filter department:xray"
r=$(cgi_get "f=department:xray&f=department:paint&sort=year")
assert_eq 3 "$(jq .total <<<"$r")" "two values of one facet are OR-ed"
r=$(cgi_get "f=department:xray&f=year:2021")
assert_eq '["x2a"]' "$(ids "$r")" "filters of two facets are AND-ed"
r=$(cgi_get "q=&size=2&page=2&sort=-year")
assert_json '.page == 2 and .size == 2 and (.hits | length) == 2 and .hits[0].rank == 3' "$r" "paging"
r=$(cgi_get "sort=title")
assert_eq '["Bildnis eines Mannes","Detail of the hands","Landscape with windmill","Paysage d'"'"'hiver","Portret van een vrouw","Restauratie van het altaarstuk","Röntgenopname altaarstuk","Röntgenopname portret","Stilleven met bloemen"]' \
    "$(jq -c '[.hits[].label]' <<<"$r")" "sort=title: A to Z by the label, Rö with the ro's"
r=$(cgi_get "q=r%C3%B6ntgenopname&sort=title&size=1&page=2")
assert_json '.total == 2 and .hits[0].label == "Röntgenopname portret" and .hits[0].rank == 2' "$r" "  paged"

note "--- synonyms across languages"
r=$(cgi_get "q=varnish")
assert_json '[.hits[].id] | (index("p1a") != null) and (index("e1a") != null) and (index("d1a") != null) and (index("f1a") != null)' \
    "$r" "varnish finds vernis (nl), varnish (en), Firnis (de), vernis (fr)"
assert_json '[.hits[].id] | index("i1a") == null' "$r" "  not the internal Firnis"
r=$(cgi_get "q=Firnis&lang=de")
assert_json '[.hits[].id] | index("p1a") != null' "$r" "Firnis (de) finds vernis"

note "--- completions"
r=$(cgi_get "suggest=ver")
assert_json '[.terms[].term] | index("vernis") != null' "$r" "suggest ver -> vernis"
r=$(cgi_get "suggest=fir&field=keywords")
assert_json '.field == "keywords" and [.terms[].term] == ["firnis"]' "$r" "field completion: the normalised keyword"
r=$(cgi_get "suggest=vern&field=keywords")
assert_json '[.terms[] | select(.term == "vernis")][0].count == 1' "$r" "keywords completion with its count"
r=$(cgi_get "suggest=secr")
assert_eq 0 "$(jq '.terms | length' <<<"$r")" "no completion from an internal asset's words"
r=$(cgi_get "suggest=geh")
assert_eq 0 "$(jq '.terms | length' <<<"$r")" "no completion of 'geheim'"

note "--- an intervention across departments"
r=$(cgi_get "q=2019.12345")
assert_eq '["p1a","x1a"]' "$(ids "$r")" "intervention 2019.12345"
assert_eq '["photo","xray"]' "$(jq -c '[.facets.department[].value] | sort' <<<"$r")" "  from two departments"
r=$(cgi_get "q=intervention%3A2021.00007")
assert_eq '["r1a","x2a"]' "$(ids "$r")" "intervention:2021.00007"

note "--- the internal asset and the public CGI"
for q in "q=geheim" "q=secretum" "q=r%C3%B6ntgenbeeld" "f=visibility%3Ainternal" "q=visibility%3Ainternal" \
    "q=id%3Ai1a" "q=2020.00001" "f=department:xray&q=geheim+OR+r%C3%B6ntgenopname"; do
    r=$(cgi_get "$q")
    assert_json '[.hits[].id] | index("i1a") == null' "$r" "public: ?$q does not return i1a"
done
r=$(cgi_get "manifest=i1a&q=geheim")
assert_eq 0 "$(jq '.items | length' <<<"$r")" "public content search on the internal asset: nothing"

note "--- IIIF Content Search"
r=$(cgi_get "manifest=p1a&q=vernis")
assert_json '.["@context"] == "http://iiif.io/api/search/2/context.json" and .type == "AnnotationPage"' "$r" "2.0 AnnotationPage"
assert_eq "$base/cgi-bin/vitrine-search.cgi?manifest=p1a&q=vernis" "$(jq -r .id <<<"$r")" "  its id"
assert_eq 1 "$(jq '.items | length' <<<"$r")" "  one matching annotation"
assert_json '.items[0] | .type == "Annotation" and .body.type == "TextualBody" and (.body.value | contains("<mark>"))' "$r" "  a highlighted TextualBody"
assert_eq "$base/iiif/p1a/canvas/1#xywh=10,20,300,200" "$(jq -r '.items[0].target' <<<"$r")" "  target canvas and region"
r=$(cgi_get "manifest=p1a&q=vernis&v=1")
assert_json '.["@type"] == "sc:AnnotationList" and (.resources | length) == 1' "$r" "1.0 AnnotationList"
assert_json '.resources[0] | .["@type"] == "oa:Annotation" and .resource.chars == "Vergeelde vernis op het gezicht" and (.on | endswith("#xywh=10,20,300,200"))' \
    "$r" "  plain text and region"
r=$(cgi_get "manifest=p1a&q=verg&autocomplete=1")
assert_json '.type == "TermPage" and ([.items[].value] | index("vergeelde") != null)' "$r" "2.0 autocomplete"
# Counted within the manifest (p1a: one annotation, p3a: three), not the
# collection (two documents).
assert_json '[.items[] | select(.value == "vergeelde")][0].total == 1' "$r" "  counted in p1a's annotations"
r=$(cgi_get "manifest=p3a&q=verg&autocomplete=1")
assert_json '[.items[] | select(.value == "vergeelde")][0].total == 3' "$r" "  counted in p3a's annotations"
r=$(cgi_get "manifest=p3a&q=retou&autocomplete=1")
assert_json '.items == []' "$r" "  a word of another manifest is not offered"
r=$(cgi_get "manifest=p1a&q=verg&autocomplete=1&v=1")
assert_json '.["@type"] == "search:TermList" and ([.terms[].match] | index("vergeelde") != null)' "$r" "1.0 autocomplete"

note "--- hostile requests"
bad() {
    local query=$1 expected=$2 words=$3
    shift 3
    cgi_request "$query" "$@"
    [ "$VT_CGI_STATUS" = "$expected" ] || fail "?${query:0:60}: HTTP $VT_CGI_STATUS, expected $expected: $(head -c 300 "$T/cgi.body")"
    jq -e --argjson s "$expected" '(.error | type == "string" and length > 0) and .status == $s' "$T/cgi.body" >/dev/null ||
        fail "?${query:0:60}: not a JSON error: $(head -c 300 "$T/cgi.body")"
    [ "$(cgi_header Content-Type)" = "application/json; charset=utf-8" ] || fail "?${query:0:60}: content type $(cgi_header Content-Type)"
    if [ -n "$words" ]; then
        jq -e --arg w "$words" '.error | contains($w)' "$T/cgi.body" >/dev/null ||
            fail "?${query:0:60}: error '$(jq -r .error "$T/cgi.body")' lacks '$words'"
    fi
    ok "?${query:0:60}${*:+ ($*)} -> $expected: $(jq -r .error "$T/cgi.body")"
}
bad "sort=-title" 400 "sort must be relevance, year, -year or title"
bad "q=%G1" 400 "percent-encoding"
bad "q=abc%4" 400 "percent-encoding"
bad "q=%FF%FE" 400 "UTF-8"
bad "q=a%00b" 400 "NUL"
bad "q=$(head -c 2000 /dev/zero | tr '\0' a)" 400 "too long"
bad "q=$(printf '(%.0s' $(seq 30))a" 400 "deeper"
bad "page=-1" 400 "page"
bad "page=0" 400 "page"
bad "page=abc" 400 "page"
bad "page=99999999999999999999" 400 "page"
bad "size=100000" 400 "size"
bad "q=a&q=b" 400 "more than once"
bad "unknown=1" 400 "unknown parameter"
bad "callback=cb&q=x" 400 "JSONP"
bad "lang=xx" 400 "lang"
bad "hl=nl%22%3E%3Cscript%3E" 400 "hl must be a language"
bad "hl=nl&hl=fr" 400 "more than once"
bad "f=nocolon" 400 "field:value"
bad "q=x" 405 "GET" -X POST --data "q=x"
bad "q=x" 405 "GET" -X DELETE
cgi_request "q=%22unbalanced+(quote"
assert_json '.error or (.hits | type == "array")' "$VT_CGI_BODY" "an unbalanced query answers JSON ($VT_CGI_STATUS)"
cgi_server_log_clean
cgi_server_stop

note "--- the CGI run directly: long query string, no method, missing index"
cgi_direct() {
    local rc=0
    env -i PATH="$PATH" "$@" "$VT_BIN_DIR/vitrine-search.cgi" >"$T/direct.out" 2>"$T/direct.err" || rc=$?
    [ "$rc" = 0 ] || fail "vitrine-search.cgi exited $rc: $(head -c 500 "$T/direct.err")"
}
cgi_direct REQUEST_METHOD=GET VITRINE_CONFIG="$T/public.conf" QUERY_STRING="q=$(head -c 9000 /dev/zero | tr '\0' a)"
assert_eq "Status: 414 URI Too Long" "$(head -n 1 "$T/direct.out" | tr -d '\r')" "9000-byte query string"
cgi_direct VITRINE_CONFIG="$T/public.conf" QUERY_STRING="q=x"
assert_eq "Status: 405 Method Not Allowed" "$(head -n 1 "$T/direct.out" | tr -d '\r')" "no REQUEST_METHOD"
cp "$T/public.conf" "$T/noindex.conf"
printf 'index=%s\n' "$T/nowhere" >>"$T/noindex.conf"
cgi_direct REQUEST_METHOD=GET VITRINE_CONFIG="$T/noindex.conf" QUERY_STRING="q=x"
assert_eq "Status: 503 Service Unavailable" "$(head -n 1 "$T/direct.out" | tr -d '\r')" "missing index"
assert_json '.status == 503 and (.error | contains("not available"))' "$(sed '1,/^\r$/d' "$T/direct.out")" "  a clear JSON message"
cgi_direct REQUEST_METHOD=GET VITRINE_CONFIG="$T/missing.conf" QUERY_STRING="q=x"
assert_eq "Status: 500 Internal Server Error" "$(head -n 1 "$T/direct.out" | tr -d '\r')" "missing config"
assert_json '.status == 500' "$(sed '1,/^\r$/d' "$T/direct.out")" "  a JSON error"
grep -q "missing.conf" "$T/direct.err" || fail "the config path is not in the CGI's stderr"
ok "  the details go to stderr (the server's log), not to the client"
grep -q "missing.conf" "$T/direct.out" && fail "the config path leaked to the client"
ok "  and the path is not in the answer"

note "--- the internal CGI sees the internal asset"
cgi_server_start "$T/internal.conf" "$VT_PORT"
r=$(cgi_get "q=geheim")
assert_eq '["i1a"]' "$(ids "$r")" "internal: q=geheim"
r=$(cgi_get "f=visibility%3Ainternal")
assert_eq '["i1a"]' "$(ids "$r")" "internal: f=visibility:internal"
r=$(cgi_get "")
assert_eq 10 "$(jq .total <<<"$r")" "internal: all 10 documents"
assert_json '[.facets.department[] | select(.value == "xray")][0].count == 3' "$r" "  xray counted 3"
r=$(cgi_get "suggest=secr")
assert_json '[.terms[].term] | index("secretum") != null' "$r" "internal: completion from the internal asset"
r=$(cgi_get "manifest=i1a&q=geheim")
assert_json '.type == "AnnotationPage"' "$r" "internal: content search on the internal asset answers"
cgi_server_log_clean
