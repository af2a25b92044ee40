#!/usr/bin/env bash
# t74-languages-browser: a site generated with [site] languages=nl,fr,en,de,
# served by lighttpd, in headless Chromium (tests/browser/i18n.mjs): the
# language switch, used with the keyboard on an asset page, lands on the
# same asset in the chosen language; a French search shows French
# snippets (another language's marked) and the synonym group's French
# label; axe-core finds no serious or critical
# violation on home, search, asset, intervention and favourites in nl, fr,
# en and de. Skipped (77) without lighttpd, node, Chromium or node_modules.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"
source "$VT_SOURCE_DIR/tests/lib/browser.sh"

browser_require axe-core openseadragon
vt_make_tree static
base=http://127.0.0.1:$VT_PORT
sed -i "s|^base-url=http://127.0.0.1:$VT_PORT/iiif\$|base-url=$base/images|" "$VT_CONF"
sed -i '/^\[site\]/a languages=nl,fr,en,de' "$VT_CONF"
img_jpeg "$T/hot/photo/2024.00042_panel.jpg" 800 600
# Synonyms tagged with their language: the keywords facet shows the
# group's label in the page's language.
printf 'vernis@nl, vernis@fr, varnish@en, Firnis@de\n' >"$T/synonyms.txt"
printf '\n[search]\nsynonyms=%s\n' "$T/synonyms.txt" >>"$VT_CONF"
cat >"$T/hot/photo/2024.00042_panel.json" <<'JSON'
{"title.en": "Panel, front", "title.nl": "Paneel, voorzijde", "title.fr": "Panneau, face",
 "description.nl": "Vergeelde vernis op het paneel", "description.fr": "Vernis jauni sur le panneau",
 "description.en": "Yellowed varnish on the panel",
 "keywords.nl": ["vernis"], "keywords.en": ["varnish"]}
JSON
vt_ingest
id=$(vt_asset photo 2024.00042_panel.jpg | jq -r .id)
assert_file "$T/site/public/fr/assets/$id.html" "the French page of the asset"

site_httpd_start "$T/site/public"
VT_ASSET=$id VT_INTERVENTION=2024.00042 browser_run i18n.mjs "$base" "$T/browser"
