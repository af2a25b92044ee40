#!/usr/bin/env bash
# t14-harvest-fields: a field named in [harvest-fields] is harvested by
# configuration: no sidecar (with its image or late) and no edit sets it,
# even while the intervention's harvest fails; the sidecar's other fields
# still apply and the refusal is in the log, in `vitrine status` and in a
# reason file in the quarantine folder.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
# A collection system that does not answer: every harvest fails.
DEAD_PORT=$(vt_free_port)
cat >>"$VT_CONF" <<CONF

[harvest]
url=http://127.0.0.1:$DEAD_PORT/api/{intervention}
format=json
timeout-seconds=2

[harvest-fields]
object_title=/title
creator=/creator
CONF
assert_exit 0 vt check-config

note "--- a sidecar with its image"
img_jpeg "$T/hot/photo/2019.12345_front.jpg" 200 150
printf '{"object_title": "Not from a sidecar", "title.en": "Recto", "keywords": ["vernis"]}' \
    >"$T/hot/photo/2019.12345_front.json"
assert_exit 0 vt ingest
grep -q "object_title refused: harvested from the collection system" <<<"$VT_ERR" ||
    fail "ingest does not report the refused field: $VT_ERR"
ok "the refusal is logged: $(grep -m1 'refused' <<<"$VT_ERR")"
a=$(vt_asset photo 2019.12345_front.jpg)
id=$(jq -r .id <<<"$a")
assert_json '.custom.object_title == null' "$a" "the harvested field is not set by the sidecar"
# Staff read the quarantine folder: a reason file says what was refused and why.
note_file="$T/quarantine/photo/2019.12345_front.jpg.refused.reason.txt"
[[ -f $note_file ]] || fail "no reason file for the refused field: $(find "$T/quarantine" -type f)"
grep -q "^Refused: *object_title$" "$note_file" || fail "the reason file does not name the field: $(cat "$note_file")"
grep -q "harvested from the collection system" "$note_file" || fail "the reason file does not say why: $(cat "$note_file")"
ok "a reason file names the refused field: $note_file"
assert_json '.custom.title[0].value == "Recto" and .custom.keywords[0].value == "vernis"' "$a" \
    "the sidecar's other fields apply"
assert_exit 0 vt status --json
assert_json '.harvest.failing == 1' "$VT_OUT" "the harvest is failing"

note "--- edits"
assert_exit 1 vt set "$id" object_title.en="By hand"
grep -q "harvested from the collection system" <<<"$VT_OUT$VT_ERR" || fail "no clear refusal: $VT_ERR"
assert_json '.custom.object_title == null' "$(vt show "$id" --json)" "the edit did not set it"
assert_exit 0 vt set "$id" title.en="Recto after cleaning"
assert_json '.custom.title[0].value == "Recto after cleaning"' "$(vt show "$id" --json)" \
    "title is not harvested here: set title.en works"

note "--- a late sidecar, vitrined running"
vt_daemon_start
printf '{"creator": "Somebody", "description": "Raking light"}' >"$T/hot/photo/2019.12345_front.json"
wait_for 30 bash -c "'$VT_BIN_DIR/vitrine' -c '$VT_CONF' show '$id' --json | jq -e '.custom.description'" ||
    fail "the late sidecar's description was not applied: $(cat "$VT_DAEMON_LOG")"
assert_json '.custom.creator == null' "$(vt show "$id" --json)" "the late sidecar did not set creator"
grep -q "creator refused" "$VT_DAEMON_LOG" || fail "vitrined's log does not say creator was refused"
ok "vitrined logs the refusal"
wait_for 10 bash -c "'$VT_BIN_DIR/vitrine' -c '$VT_CONF' status --json | jq -e '.daemon.refused == 1'" ||
    fail "status.json has no refusal: $(vt status --json)"
assert_exit 0 vt status
grep -q "sidecars with refused fields since start: 1, latest: .*creator refused" <<<"$VT_OUT" ||
    fail "status does not show the refusal: $VT_OUT"
ok "status shows it: $(grep refused <<<"$VT_OUT")"
late_note="$T/quarantine/photo/2019.12345_front.json.refused.reason.txt"
grep -q "^Refused: *creator$" "$late_note" 2>/dev/null ||
    fail "the late sidecar's refusal has no reason file: $(find "$T/quarantine" -type f)"
ok "the late sidecar's refusal has its reason file"
# Only a harvested field: nothing applied, nothing quarantined.
printf '{"creator": "Somebody else"}' >"$T/hot/photo/2019.12345_front.json"
wait_for 30 bash -c "'$VT_BIN_DIR/vitrine' -c '$VT_CONF' status --json | jq -e '.daemon.refused == 2'" ||
    fail "the second late sidecar was not refused: $(tail -5 "$VT_DAEMON_LOG")"
assert_eq 0 "$(vt status --json | jq .quarantine.files)" "a sidecar of harvested fields only is not quarantined (reason notes are not counted)"
assert_eq 2 "$(find "$T/quarantine" -name '*.refused.reason.txt' | wc -l)" \
    "a second refusal of the same sidecar replaces its note, no pile of notes"
vt_daemon_stop
