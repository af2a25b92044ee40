#!/usr/bin/env bash
# t32-symlink-race: a department user who swaps a folder of the hotfolder for
# a symbolic link, while vitrined settles, hashes and archives a file in it,
# never gets the daemon to read, archive, publish, rename or unlink anything
# outside the hotfolder (issue 13, critical). For about VT_RACE_SECONDS (15)
# the attacker drops sub/2024.73001_N.jpg, renames sub away and puts a link
# named sub in its place, pointing at a canary folder full of files of the
# same names, or at the archive folder of an internal department; the link is
# put back whenever vitrined quarantines it. The test passes only if the
# canary and the archive are untouched and no canary byte was ingested.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
hot=$T/hot/photo
race_seconds=${VT_RACE_SECONDS:-15}

# An internal asset, archived before the attack: its original and its
# folder must stay as they are.
img_unique_jpeg "$T/hot/xray/2024.73001_1.jpg" 900001
vt_ingest
xray_original=$(vt list --json | jq -r '.[] | select(.department == "xray") | .original')
assert_file "$xray_original" "the internal original"
xray_sum=$(sha256_of "$xray_original")
xray_listing=$(vt_files_in "$T/originals/xray")

# The canary: files with the names the attacker drops, other bytes.
canary=$T/canary
for n in $(seq 1 400); do img_unique_jpeg "$canary/2024.73001_$n.jpg" $((500000 + n)); done
canary_before=$(cd "$canary" && sha256sum -- * | sort)

vt_daemon_start

# attack TARGET N: one round against the link target TARGET.
attack() {
    local target=$1 n=$2 until
    mkdir -p "$hot/sub"
    img_unique_jpeg "$hot/sub/.part" $((700000 + n))
    mv "$hot/sub/.part" "$hot/sub/2024.73001_$n.jpg"
    # Let the watcher see the file, then swap at some point of the settle
    # window (settle-seconds=1) or of the hash and archive steps.
    sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
    mv "$hot/sub" "$hot/away-$n"
    ln -s "$target" "$hot/sub"
    # Hold the link for 2.5 s, putting it back when it is quarantined.
    until=$(( $(vt_now_us) + 2500000 ))
    while [ "$(vt_now_us)" -lt "$until" ]; do
        [ -L "$hot/sub" ] || ln -s "$target" "$hot/sub" 2>/dev/null || true
        sleep 0.05
    done
    rm -f "$hot/sub"
}

end=$(( $(vt_now_us) + race_seconds * 1000000 ))
rounds=0
while [ "$(vt_now_us)" -lt "$end" ]; do
    rounds=$((rounds + 1))
    if [ $((rounds % 3)) = 0 ]; then attack "$T/originals/xray" "$rounds"
    else attack "$canary" "$rounds"; fi
done
ok "$rounds rounds of folder-for-link swaps in $race_seconds s"

# The dropped files were moved away with their folders (away-N): vitrine
# finds them there. Wait until every file in the hotfolder has ended.
settled() {
    local left
    left=$(cd "$hot" && find . -type f -name '2024.*' | wc -l)
    [ "$left" = 0 ] && [ "$(vt_count_state archiving)" = 0 ]
}
wait_for 120 settled || fail "files still in the hotfolder: $(cd "$hot" && find . | head)"
sleep 2

canary_after=$(cd "$canary" && sha256sum -- * | sort)
assert_eq "$canary_before" "$canary_after" "the canary folder (names and bytes)"
assert_eq "$xray_sum" "$(sha256_of "$xray_original")" "the internal original's bytes"
assert_eq "$xray_listing" "$(vt_files_in "$T/originals/xray")" "the internal archive folder"
if grep -rl "2024.73001_1.jpg" "$T/quarantine/xray" 2>/dev/null; then
    fail "a file of the internal archive reached the quarantine"
fi
ok "nothing of the internal archive was renamed or given a reason file"

# No canary byte was ingested: every asset's SHA-256 is a dropped file's.
canary_sums=$(cd "$canary" && sha256sum -- * | cut -d' ' -f1 | sort)
ingested=$(vt list --json | jq -r '.[].sha256' | sort)
leaked=$(comm -12 <(echo "$canary_sums") <(echo "$ingested"))
assert_eq "" "$leaked" "assets made from canary files"
# And the site shows none of them (a canary name would be a published file).
if grep -rl "canary" "$T/site" 2>/dev/null | head -3 | grep -q .; then
    fail "the site names the canary folder"
fi
ok "the site never names the canary folder"

# The attacker's own drops were all taken (from away-N), none lost.
dropped=$(seq 1 "$rounds" | wc -l)
taken=$(vt list --json | jq '[.[] | select(.department == "photo" and (.source | startswith("away-")))] | length')
assert_eq "$dropped" "$taken" "drops ingested from the folders they were moved to"
vt verify >"$T/verify.out" 2>&1 || fail "vitrine verify: $(tail -5 "$T/verify.out")"
ok "vitrine verify finds every original"
vt_daemon_stop
echo "PASS $VT_TEST_NAME"
