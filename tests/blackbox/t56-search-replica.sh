#!/usr/bin/env bash
# t56-search-replica: a read-only search node fed by Xapian's own
# replication (xapian-replicate-server on the primary's state folder,
# xapian-replicate on the node, both on 127.0.0.1), with the facet table
# (vitrine-facets.bin, a file beside Xapian's, which replication does not
# carry) copied after it by rsync, as docs/SCALING.md says. The search CGI
# pointed at the replica gives byte-for-byte the answers of the primary's
# (hits, ranks, snippets, facet counts, suggestions), before and after a
# change on the primary (sent as a changeset), and the replica's table
# describes the replica's revision, so its searches take the fast path.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

for b in xapian-replicate xapian-replicate-server xapian-delve rsync jq; do
    command -v "$b" >/dev/null || fail "$b is missing (scripts/install-deps: xapian-tools, rsync, jq)"
done
for b in vt-index-fixture vitrine-search.cgi; do
    [ -x "$VT_BIN_DIR/$b" ] || fail "$VT_BIN_DIR/$b is missing: build the project first"
done
vt_make_tree cantaloupe
# The writer keeps changesets, so a change travels as one (not a full copy).
export XAPIAN_MAX_CHANGESETS=10

# fixture FILE LINE...: an index fixture (vt-index-fixture) from lines
# "id|department|visibility|year|lang|title|keyword,keyword", with a synonym
# group across languages.
fixture() {
    local out=$1
    shift
    printf '%s\n' "$@" | jq -R -s '{synonyms: [["vernis", "varnish", "firnis"]],
        docs: [split("\n")[] | select(length > 0) | split("|") | {
            id: .[0], department: .[1], visibility: .[2], type: .[1], year: (.[3] | tonumber),
            label: .[5], fields: {title: [{value: .[5], lang: .[4]}], keywords: (.[6] | split(","))},
            facets: ["keywords"]}]}' >"$out"
}
DOCS=("p1a|photo|public|2019|nl|Portret van een vrouw|vernis,craquelure"
      "i1a|xray|internal|2020|de|Firnis geheim|secretum"
      "f1a|photo|public|1650|fr|Le vernis est jauni|paysage"
      "e1a|photo|public|2021|en|Landscape with windmill|varnish"
      "d1a|photo|public|2018|de|Der Firnis ist vergilbt|Firnis"
      "x2a|xray|public|2021|nl|Röntgenopname altaarstuk|altaarstuk")
fixture "$T/fixture1.json" "${DOCS[@]}"
"$VT_BIN_DIR/vt-index-fixture" "$T/state/index" "$T/fixture1.json" || fail "vt-index-fixture failed"
ok "primary index of 6 documents built"

# The node: its own config, the same site URLs, [search] index= the replica.
mkdir -p "$T/node"
for who in primary node; do
    cp "$VT_CONF" "$T/$who.conf"
    printf '\n[search]\naudience=public\nfacets=department,type,year,keywords\n' >>"$T/$who.conf"
done
printf 'index=%s\n' "$T/node/index" >>"$T/node.conf"

port=$(vt_free_port)
# In a session of its own: on SIGTERM the server signals its whole process
# group, which would otherwise be this test.
setsid xapian-replicate-server -I 127.0.0.1 -p "$port" "$T/state" >"$T/replicate-server.log" 2>&1 &
server_pid=$!
stop_server() { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
VT_CLEANUPS+=(stop_server)

# replicate: one pass of xapian-replicate, then the facet table after it
# (a reader whose table is older than its Xapian revision takes the slower
# path, with the same answers; never the reverse order's wrong counts).
replicate() {
    wait_for 30 xapian-replicate -h 127.0.0.1 -p "$port" -m index -o -r 0 "$T/node/index" ||
        fail "xapian-replicate failed: $(xapian-replicate -h 127.0.0.1 -p "$port" -m index -o "$T/node/index" 2>&1 | tail -n 3)"
    rsync -t "$T/state/index/vitrine-facets.bin" "$T/node/index/" || fail "rsync of the facet table failed"
}
revision() { xapian-delve "$1" | sed -n 's/^revision = //p'; }
table_revision() { od -A n -t u8 -j 8 -N 8 "$1/vitrine-facets.bin" | tr -d ' '; }

# search WHO QUERY: the CGI's whole answer (headers and body), run as a web
# server runs it.
search() {
    VITRINE_CONFIG=$T/$1.conf REQUEST_METHOD=GET QUERY_STRING=$2 \
        "$VT_BIN_DIR/vitrine-search.cgi" 2>>"$T/cgi.err"
}
QUERIES=("q=vernis" "q=creator%3ARubens" "q=Firnis&lang=de" "q=" "q=&size=2&page=2&sort=-year"
         "f=department%3Axray" "q=geheim" "suggest=ver" "suggest=vern&field=keywords"
         "q=altaarstuk" "q=keywords%3Asecretum" "f=year%3A2021")
same_answers() {
    local q a b n=0
    for q in "${QUERIES[@]}"; do
        a=$(search primary "$q") || fail "primary CGI failed on $q: $(tail -n 3 "$T/cgi.err")"
        b=$(search node "$q") || fail "node CGI failed on $q: $(tail -n 3 "$T/cgi.err")"
        grep -q '^Status: 200' <<<"$a" || fail "primary answered $q with: $(head -n 1 <<<"$a")"
        [ "$a" = "$b" ] || fail "the node answers $q differently: primary $(tail -n 1 <<<"$a" | head -c 400) node $(tail -n 1 <<<"$b" | head -c 400)"
        n=$((n + 1))
    done
    ok "$1: $n queries answered byte for byte alike by the primary and the node"
}

note "--- first replication (a full copy)"
replicate
assert_file "$T/node/index/XAPIANDB" "the node holds a Xapian replica"
assert_eq "$(revision "$T/state/index")" "$(revision "$T/node/index")" "the node is at the primary's revision"
assert_eq "$(revision "$T/node/index")" "$(table_revision "$T/node/index")" "the node's facet table describes its revision"
same_answers "after the first copy"
assert_eq 4 "$(search node "q=vernis" | tail -n 1 | jq .total)" "vernis finds 4 public documents on the node"

note "--- a change on the primary"
fixture "$T/fixture2.json" "${DOCS[@]}" "n1a|photo|public|2024|nl|Vernis na restauratie|vernis"
"$VT_BIN_DIR/vt-index-fixture" "$T/state/index" "$T/fixture2.json" || fail "vt-index-fixture (change) failed"
before=$(search node "q=vernis" | tail -n 1)
assert_eq 4 "$(jq .total <<<"$before")" "the node does not see the change before replication"
ls "$T/state/index"/changes* >/dev/null 2>&1 || fail "the primary kept no changeset (XAPIAN_MAX_CHANGESETS)"
replicate
assert_eq "$(revision "$T/state/index")" "$(revision "$T/node/index")" "the node follows to the primary's new revision"
assert_eq "$(revision "$T/node/index")" "$(table_revision "$T/node/index")" "  and its facet table too"
after=$(search node "q=vernis" | tail -n 1)
assert_eq 5 "$(jq .total <<<"$after")" "vernis finds the new document on the node"
assert_json '[.hits[].id] | index("n1a") != null' "$after" "  n1a among the hits"
assert_json '.facets.year | map(select(.value == "2024" and .count == 1)) | length == 1' "$after" \
    "  its year counted in the node's facets"
same_answers "after the change"
[ ! -s "$T/cgi.err" ] || fail "the CGI wrote to stderr: $(head -n 5 "$T/cgi.err")"
