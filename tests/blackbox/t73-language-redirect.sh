#!/usr/bin/env bash
# t73-language-redirect: docs/web/lighttpd.conf with its [site] languages
# block uncommented ("#lang " removed), run for real on a site with the nl,
# fr and en folders: / and /internal/ go to the visitor's language by
# Accept-Language (fr-BE -> /fr/, en -> /en/), to the default (nl) for a
# language the site does not have or no header, with a 302 (never a
# permanent redirect, which browsers keep);
# other addresses are served as before. The block, as shipped, is commented
# out (a one-language site keeps its /). Skipped (77) without lighttpd.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/lighttpd-cgi.sh"

cgi_server_require
command -v openssl >/dev/null || fail "openssl is missing (scripts/install-deps): it makes the htpasswd file"
vt_make_tree static
base=http://127.0.0.1:$VT_PORT
S=$T/site
for tree in public internal; do
    for lang in nl fr en; do
        mkdir -p "$S/$tree/$lang"
        echo "<!doctype html><html lang=\"$lang\"><title>$tree $lang</title></html>" >"$S/$tree/$lang/index.html"
    done
    echo '<!doctype html><title>chooser</title>' >"$S/$tree/index.html"
done
echo "vitrine test server" >"$S/public/index.txt"   # what vt_lighttpd_launch polls
printf 'staff:%s\n' "$(openssl passwd -6 's3cret pass')" >"$T/htpasswd"

D=$T/httpd
web_lighttpd_conf "$S" "$D/lighttpd.conf"
grep -q '^#lang \$HTTP\["url"\]' "$D/lighttpd.conf" || fail "lighttpd.conf has no commented languages block"
sed -i 's/^#lang //' "$D/lighttpd.conf"
vt_lighttpd_launch "$D" WEB_PID
ok "lighttpd accepts docs/web/lighttpd.conf with the languages block"

# redirect PATH LANGUAGE-HEADER WANT: a 302 to WANT.
redirect() {
    local path=$1 accept=$2 want=$3 args=(-sS --max-time 30 -o /dev/null -D "$T/headers" -w '%{http_code}')
    [ -n "$accept" ] && args+=(-H "Accept-Language: $accept")
    [[ $path == /internal/* ]] && args+=(-u 'staff:s3cret pass')
    local status
    status=$(curl "${args[@]}" "$base$path") || fail "curl $path failed"
    [ "$status" = 302 ] || fail "GET $path (Accept-Language: $accept): HTTP $status, not a 302"
    local location
    location=$(grep -i '^Location:' "$T/headers" | cut -d' ' -f2- | tr -d '\r')
    [[ $location == "$want" || $location == "$base$want" ]] ||
        fail "GET $path (Accept-Language: $accept) goes to $location, not $want"
    ok "GET $path with Accept-Language '${accept:-none}' -> $want"
}
redirect / "fr-BE,fr;q=0.9,en;q=0.5" /fr/
redirect / "FR" /fr/
redirect / "en-GB,en;q=0.8" /en/
redirect / "nl-BE" /nl/
redirect / "de-DE,de;q=0.9" /nl/
redirect / "" /nl/
redirect / "french" /nl/
redirect /internal/ "en" /internal/en/
redirect /internal/ "" /internal/nl/

# The folders themselves are served, not redirected.
status=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Accept-Language: fr' "$base/en/") || fail "curl /en/ failed"
assert_eq 200 "$status" "GET /en/ with Accept-Language fr"
grep -q "public en" "$T/body" || fail "/en/ is not the English home"
ok "a language folder is served whatever the visitor's language"

# As shipped, the block is off: / is the tree's index.html.
web_lighttpd_conf "$S" "$T/plain.conf"
! grep -q '^\$HTTP\["url"\] =~ "^(/internal)?/\$"' "$T/plain.conf" || fail "the languages block is on as shipped"
ok "docs/web/lighttpd.conf ships the block commented out"
