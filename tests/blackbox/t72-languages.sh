#!/usr/bin/env bash
# t72-languages: [site] languages=nl,fr,en (issue 12). Each tree gets a page
# folder per language (/nl/, /fr/, /en/) with the interface in that language,
# hreflang alternates and a language switch that names the same page; the
# manifests and JSON records stay single, at the tree's root; an asset's
# values come in the page's language first, the others marked with theirs;
# an edit rewrites the asset's page in every language; a removed asset's
# pages go in every language; the root chooses the default language. The
# key unset keeps the one-language layout (t62 and the rest check that).
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree static
sed -i '/^\[site\]/a languages=nl, fr, en' "$VT_CONF"
img_jpeg "$T/hot/photo/2024.00001_front.jpg" 640 480
cat >"$T/hot/photo/2024.00001_front.json" <<'JSON'
{"title.en": "Altarpiece, front", "title.nl": "Retabel, voorzijde", "title.fr": "Retable, face",
 "keywords.nl": ["vernis"], "keywords.en": ["varnish"], "keywords.fr": ["vernis"],
 "creator": "Workshop of Rubens"}
JSON
vt_ingest
pub=$T/site/public
int=$T/site/internal
id=$(vt_asset photo 2024.00001_front.jpg | jq -r .id)

note "--- a page folder per language, shared documents once"
for lang in nl fr en; do
    for f in index.html search.html favourites.html 404.html "assets/$id.html" \
        interventions/2024.00001.html departments/photo/index.html; do
        assert_file "$pub/$lang/$f" "public/$lang/$f"
    done
    assert_file "$int/$lang/assets/$id.html" "internal/$lang/assets/$id.html"
    grep -q "<html lang=\"$lang\">" "$pub/$lang/assets/$id.html" || fail "$lang page: no <html lang=$lang>"
done
for f in "assets/$id.json" "iiif/$id/manifest.json" terms.json static/vitrine.css 404.html index.html; do
    assert_file "$pub/$f" "public/$f (shared)"
done
for lang in nl fr en; do
    assert_no_file "$pub/$lang/iiif/$id/manifest.json" "no manifest per language"
    assert_no_file "$pub/$lang/assets/$id.json" "no JSON record per language"
done
assert_no_file "$pub/assets/$id.html" "no page outside a language folder"
ok "nl, fr and en page trees; manifests, JSON and static files once"

note "--- the interface in each language"
grep -q 'Zoeken in de collectie' "$pub/nl/index.html" || fail "nl home is not in Dutch"
grep -q 'Rechercher dans la collection' "$pub/fr/index.html" || fail "fr home is not in French"
grep -q 'Search the collection' "$pub/en/index.html" || fail "en home is not in English"
grep -q 'Over dit beeld' "$pub/nl/assets/$id.html" || fail "nl asset page is not in Dutch"
grep -q 'À propos de cette image' "$pub/fr/assets/$id.html" || fail "fr asset page is not in French"
grep -q 'Pagina niet gevonden' "$pub/nl/404.html" || fail "nl 404 is not in Dutch"
grep -q 'Pagina niet gevonden' "$pub/404.html" || fail "the root 404.html is not the default language's"
ok "home, asset and 404 pages speak their language"

note "--- links: shared files one folder up, pages within the language"
page=$pub/fr/assets/$id.html
grep -q 'href="../../static/vitrine.css"' "$page" || fail "the fr asset page does not reach static/"
grep -q "href=\"../../assets/$id.json\"" "$page" || fail "the fr asset page does not reach the JSON record"
grep -q 'href="../index.html"' "$page" || fail "the fr asset page's home link leaves fr/"
grep -q 'src="../../static/vendor/openseadragon/openseadragon.min.js"' "$page" || fail "no viewer script"
assert_eq "http://127.0.0.1:$VT_PORT/nl/assets/$id.html" \
    "$(jq -r '.homepage[0].id' "$pub/iiif/$id/manifest.json")" "the manifest's homepage (default language)"
grep -q "<loc>http://127.0.0.1:$VT_PORT/nl/assets/$id.html</loc>" "$pub"/sitemaps/photo-*.xml ||
    fail "the sitemap does not list the default language's asset page"
grep -q 'http-equiv="refresh" content="0; url=nl/index.html"' "$pub/index.html" ||
    fail "the tree's index.html does not go on to the default language"
ok "relative links resolve from a language folder; sitemap and root name the default language"

note "--- hreflang alternates and the language switch"
for lang in nl fr en; do
    grep -q "<link rel=\"alternate\" hreflang=\"$lang\" href=\"http://127.0.0.1:$VT_PORT/$lang/assets/$id.html\">" "$page" ||
        fail "no hreflang=$lang alternate on the fr asset page"
    grep -q "<a href=\"../../$lang/assets/$id.html\" hreflang=\"$lang\" lang=\"$lang\"" "$page" ||
        fail "the switch has no link to the $lang page of the same asset"
done
grep -q 'lang="fr" aria-current="page">Français</a>' "$page" || fail "the switch does not mark French as current"
grep -q '<nav class="language-switch" aria-label="Langue">' "$page" || fail "the switch is not a labelled nav"
ok "each page names itself in every language, and the switch stays on the asset"

note "--- metadata in the page's language first"
# The title: each language's page shows its own.
grep -q 'lang="nl">Retabel, voorzijde</h1>' "$pub/nl/assets/$id.html" || fail "nl page's title is not the Dutch one"
grep -q 'lang="fr">Retable, face</h1>' "$pub/fr/assets/$id.html" || fail "fr page's title is not the French one"
grep -q 'lang="en">Altarpiece, front</h1>' "$pub/en/assets/$id.html" || fail "en page's title is not the English one"
# Keywords: vernis (nl, fr) and varnish (en): the page's language first, the
# other one marked, and "vernis" once.
kw() { grep -o '<div class="field field--keywords".*</div>' "$1" | head -1 || true; }
nl_kw=$(kw "$pub/nl/assets/$id.html")
en_kw=$(kw "$pub/en/assets/$id.html")
[[ $nl_kw == *'lang="nl">vernis</dd>'*'lang="en"><span class="field__lang">en</span> varnish</dd>'* ]] ||
    fail "nl page: keywords not Dutch first, English marked: $nl_kw"
[[ $en_kw == *'lang="en">varnish</dd>'*'<span class="field__lang">'* ]] ||
    fail "en page: keywords not English first: $en_kw"
assert_eq 1 "$(grep -o '>vernis<\|</span> vernis<' <<<"$nl_kw" | wc -l)" "vernis once on the nl page"
grep -q '<dt>Trefwoorden</dt>' "$pub/nl/assets/$id.html" || fail "nl page: the keywords field is not labelled in Dutch"
grep -q '<dt>Mots-clés</dt>' "$pub/fr/assets/$id.html" || fail "fr page: the keywords field is not labelled in French"
ok "values in the page's language first, others marked with theirs, no repeated word; field labels translated"

note "--- an edit rewrites the page in every language; a removal removes them all"
vt set "$id" creator="Peter Paul Rubens" >/dev/null 2>&1 || fail "vitrine set failed"
for lang in nl fr en; do
    grep -q "Peter Paul Rubens" "$pub/$lang/assets/$id.html" || fail "the $lang page was not rewritten"
done
ok "vitrine set rewrote the nl, fr and en pages"
vt set "$id" visibility=internal >/dev/null 2>&1 || fail "vitrine set visibility failed"
for lang in nl fr en; do
    assert_no_file "$pub/$lang/assets/$id.html" "public $lang page of an internal asset"
    assert_file "$int/$lang/assets/$id.html" "internal $lang page"
done
ok "made internal: its public page is gone in every language"

note "--- vitrine rebuild writes the same trees"
before=$(cd "$pub" && find . -type f -name '*.html' | sort | xargs md5sum)
vt rebuild >/dev/null 2>&1 || fail "vitrine rebuild failed"
after=$(cd "$pub" && find . -type f -name '*.html' | sort | xargs md5sum)
assert_eq "$before" "$after" "pages after a rebuild"
ok "a rebuild leaves every language's pages as they were"

assert_exit 0 vt check-config
grep -q "^  languages: nl, fr, en (the first is the default" <<<"$VT_OUT" ||
    fail "check-config does not list the languages: $VT_OUT"
note "--- a language without a catalogue is refused"
sed -i 's/^languages=.*/languages=nl, xx/' "$VT_CONF"
rc=0; out=$(vt rebuild 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "a language without a catalogue was accepted"
[[ $out == *"no interface catalogue for language 'xx'"* ]] || fail "unclear message: $out"
rc=0; out=$(vt check-config 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "check-config accepted a language without a catalogue (exit $rc): $out"
[[ $out == *"languages: no interface catalogue for language 'xx'"* ]] || fail "check-config is unclear: $out"
sed -i 's/^languages=.*/languages=nl, nl/' "$VT_CONF"
rc=0; out=$(vt check-config 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "a language listed twice was accepted"
[[ $out == *"'nl' is listed twice"* ]] || fail "unclear message: $out"
ok "unknown and repeated languages are refused with a clear message"
