#!/usr/bin/env bash
# t13-cli-ux: the vitrine tool as a newcomer meets it (issue 12): help without
# a configuration file, usage lines that name the command once, list's title
# and visibility columns, list -d of an unknown department refused, show's
# readable metadata, URLs, id prefix and "no such asset" naming the id, and
# status counting hotfolders as configured.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
VITRINE=$VT_BIN_DIR/vitrine

note "--- help from a folder without any configuration file"
mkdir -p "$T/empty"
cd "$T/empty"
[ ! -e /etc/vitrine/vitrine.conf ] || skip "/etc/vitrine/vitrine.conf exists on this machine"
for cmd in list show status set unset retry history harvest reindex rebuild verify ingest \
           check-config annotations; do
    assert_exit 0 "$VITRINE" help "$cmd"
    grep -q "^  vitrine $cmd" <<<"$VT_OUT" || fail "help $cmd has no usage line 'vitrine $cmd': $VT_OUT"
    assert_exit 0 "$VITRINE" "$cmd" --help
    [ "$(grep -o "vitrine $cmd" <<<"$VT_OUT" | head -1)" = "vitrine $cmd" ] ||
        fail "$cmd --help does not name itself"
done
ok "help CMD and CMD --help work without a configuration file"
assert_exit 0 "$VITRINE" show --help
usage=$(grep -A1 '^Usage:' <<<"$VT_OUT" | tail -1)
[ "$(grep -o show <<<"$usage" | wc -l)" = 1 ] || fail "the usage line repeats the command: '$usage'"
ok "usage line names the command once: '$usage'"
assert_exit 0 "$VITRINE" help
grep -q "^Usage: vitrine" <<<"$VT_OUT" || fail "vitrine help does not show the usage"
assert_exit 2 "$VITRINE" help no-such-command
# Without --help a command that needs a configuration still says it is missing.
assert_exit 2 "$VITRINE" -c "$T/missing.conf" list
grep -q "missing.conf" <<<"$VT_ERR" || fail "list without a config does not name it: $VT_ERR"
cd "$T"

note "--- list and show on a small store"
vt_make_tree cantaloupe
img_jpeg "$T/hot/photo/2019.12345_front.jpg" 320 240
printf '{"title.en": "Recto after cleaning", "title.nl": "Recto na reiniging", "keywords": ["vernis"]}' \
    >"$T/hot/photo/2019.12345_front.json"
img_jpeg "$T/hot/xray/plate.jpg" 200 100
vt_ingest
photo=$(vt_asset photo 2019.12345_front.jpg | jq -r .id)
xray=$(vt_asset xray plate.jpg | jq -r .id)

assert_exit 0 vt list
head -1 <<<"$VT_OUT" | grep -q "VISIBILITY" || fail "list has no VISIBILITY column: $VT_OUT"
head -1 <<<"$VT_OUT" | grep -q "TITLE" || fail "list has no TITLE column: $VT_OUT"
grep -E "^$photo .* public .*Recto after cleaning$" <<<"$VT_OUT" >/dev/null ||
    fail "list does not show the photo's visibility and title: $VT_OUT"
grep -E "^$xray .* internal .*plate\.jpg$" <<<"$VT_OUT" >/dev/null ||
    fail "list does not show the X-ray as internal, titled by its file name: $VT_OUT"
ok "list shows visibility and title (custom, else the file name)"
assert_exit 2 vt list -d nosuch
grep -q "unknown department 'nosuch'" <<<"$VT_ERR" || fail "list -d nosuch: $VT_ERR"
grep -q "photo" <<<"$VT_ERR" || fail "list -d nosuch does not list the departments: $VT_ERR"
assert_exit 2 vt list -s nosuch
assert_exit 0 vt list -d xray
grep -q "^1 asset$" <<<"$VT_OUT" || fail "list -d xray: $VT_OUT"

assert_exit 0 vt show "$photo"
grep -qE '^  Title: +Recto after cleaning \[en\]  \(custom\)$' <<<"$VT_OUT" ||
    fail "show does not print the title as a readable line: $VT_OUT"
grep -qE '^  +Recto na reiniging \[nl\]  \(custom\)$' <<<"$VT_OUT" ||
    fail "show does not print the second title value: $VT_OUT"
grep -qE '^  Keywords: +vernis  \(custom\)$' <<<"$VT_OUT" || fail "show: keywords: $VT_OUT"
grep -q '^custom\|{"' <<<"$VT_OUT" && fail "show prints JSON outside --json: $VT_OUT"
grep -qx "page          http://127.0.0.1:$VT_PORT/public/assets/$photo.html\|page          http://127.0.0.1:$VT_PORT/assets/$photo.html" <<<"$VT_OUT" ||
    grep -qE "^page +http://127\.0\.0\.1:$VT_PORT/.*assets/$photo\.html$" <<<"$VT_OUT" ||
    fail "show has no page URL: $VT_OUT"
grep -qE "^manifest +http://127\.0\.0\.1:$VT_PORT/.*iiif/$photo/manifest\.json$" <<<"$VT_OUT" ||
    fail "show has no manifest URL: $VT_OUT"
ok "show prints metadata lines, the page and the manifest"
assert_exit 0 vt show "$xray"
page_x=$(awk '$1 == "page" {print $2}' <<<"$VT_OUT")
page_p=$(vt show "$photo" | awk '$1 == "page" {print $2}')
[ -n "$page_x" ] && [ "${page_x%/assets/*}" != "${page_p%/assets/*}" ] ||
    fail "the internal asset's page is not in another tree than the public one: $page_x vs $page_p"
ok "an internal asset's page is in the internal tree: $page_x"

# A unique prefix; an ambiguous one; an unknown id named in the message.
prefix=${photo:0:6}
[ "${xray:0:6}" != "$prefix" ] || skip "the two ids share 6 characters"
assert_exit 0 vt show "$prefix"
grep -qE "^id +$photo$" <<<"$VT_OUT" || fail "show $prefix did not show $photo: $VT_OUT"
assert_exit 0 vt show "$prefix" --json
assert_json ".id == \"$photo\"" "$VT_OUT" "show PREFIX --json"
assert_exit 1 vt show 0000000000000000dead
grep -q "0000000000000000dead" <<<"$VT_ERR" || fail "no such asset does not name the id: $VT_ERR"
ok "show of an unknown id names it: $VT_ERR"
assert_exit 1 vt show ""

note "--- status counts hotfolders, not inotify watches"
mkdir -p "$T/hot/photo/sub/deeper" "$T/hot/xray/more"
vt_daemon_start
wait_for 20 bash -c "jq -e '.watches >= 5' '$T/state/status.json'" || true
assert_exit 0 vt status
grep -q "2 hotfolders watched" <<<"$VT_OUT" || fail "status does not count 2 hotfolders: $VT_OUT"
ok "status: $(head -1 <<<"$VT_OUT")"
assert_exit 0 vt status --json
assert_json '.daemon.hotfolders == 2' "$VT_OUT" "status --json .daemon.hotfolders"

note "--- one message style"
assert_exit 0 vt set "$photo" title.de="Recto nach Reinigung"
grep -q "^done by vitrined (pid $VT_DAEMON_PID)$" <<<"$VT_OUT" || fail "set with vitrined: $VT_OUT"
vt_daemon_stop
assert_exit 0 vt set "$photo" title.fr="Recto après nettoyage"
grep -q "^done by this process (vitrined is not running)$" <<<"$VT_OUT" || fail "set without vitrined: $VT_OUT"
assert_exit 0 vt show "$photo"
grep -q "Recto après nettoyage \[fr\]" <<<"$VT_OUT" || fail "the edit is not shown: $VT_OUT"
