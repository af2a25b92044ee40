#!/usr/bin/env bash
# t31-crash: vitrined killed with SIGKILL in the middle of a burst loses
# nothing and doubles nothing. Four rounds of 60 files, each killed at another
# moment (1.3 s after the drop, while larger files are being archived; as
# soon as the first asset appears; once 20 are ready; once 45 are ready),
# restarted, and left to finish: every file dropped is one ready asset (none
# quarantined as a duplicate of itself), every original is archived once and
# verifies, and no .tmp-* file is left behind. A fifth round stops it with
# SIGTERM in the middle of the work instead: exit 0, and the same outcome.
# A sixth drops 150 files and kills once the daemon reports grouped commits
# (store records committed several to a commit: records pending, archive
# steps and conversions waiting on them), with the same outcome.
source "${VT_SOURCE_DIR:-$(dirname "$0")/../..}/tests/lib/common.sh"
source "$VT_SOURCE_DIR/tests/lib/images.sh"

vt_require_bins
vt_make_tree cantaloupe
hot=$T/hot/photo
PER_ROUND=60

n_total_at_least() { [ "$(vt_count_state all)" -ge "$1" ]; }
# ms_after_drop MS: MS milliseconds have passed since the drop.
ms_after_drop() { [ $(( ($(vt_now_us) - DROP_US) / 1000 )) -ge "$1" ]; }
n_ready_at_least() { [ "$(vt_count_state ready)" -ge "$1" ]; }
# grouped_at_least N: the running daemon has committed at least N records,
# at least twice as many as its commits (status.json, every 2 s).
grouped_at_least() {
    vt status --json | jq -e --argjson n "$1" \
        '.daemon.store as $s | $s.records >= $n and $s.records >= 2 * $s.commits' >/dev/null
}

# round R CONDITION ARG [W H]: drops $COUNT (default PER_ROUND) new files (W x H, default
# 64 x 48), kills vitrined ($STOP: kill9, or stop for SIGTERM) once CONDITION
# ARG holds, restarts it and waits for everything.
STOP=kill9
round() {
    local r=$1 cond=$2 arg=$3 n=${COUNT:-$PER_ROUND}
    total=$(( total + n ))
    note "=== round $r: $n files, $STOP once '$cond $arg'"
    img_factory "$T/src/r$r" "$n" "r$r" $(( total - n + 1 )) "${4:-64}" "${5:-48}"
    sha256sum "$T/src/r$r/"*.jpg | cut -d' ' -f1 >>"$T/dropped.sha"
    mkdir -p "$hot/round$r"
    vt_daemon_start
    DROP_US=$(vt_now_us)
    mv "$T/src/r$r/"* "$hot/round$r/"
    wait_for 120 "$cond" "$arg" || fail "round $r: '$cond $arg' not reached in 120 s"
    note "before the $STOP: $(vt status --json | jq -c '.daemon.store')"
    "vt_daemon_$STOP"
    note "at the $STOP: $(vt status --json | jq -c .assets)"
    vt_daemon_start
    wait_progress 120 "$total" vt_count_state ready ||
        fail "round $r: $(vt_count_state ready) of $total ready after the restart, none more in 120 s"
    vt_daemon_stop

    local status
    status=$(vt status --json)
    assert_json ".assets.total == $total and .assets.ready == $total" "$status" "round $r: $total assets, all ready"
    assert_json '.quarantine.files == 0' "$status" "round $r: nothing quarantined"
    assert_eq "" "$(vt_files_in "$T/quarantine")" "round $r: quarantine folder"
    # Each dropped file is exactly one asset: the multisets of digests match.
    assert_eq "$(sort "$T/dropped.sha")" "$(vt list --json | jq -r '.[].sha256' | sort)" \
        "round $r: one asset per dropped file (sha256 multiset)"
    # The archive holds exactly the recorded originals: anything else (a
    # copy's leftover temporary, an original archived twice) is named.
    assert_eq "" "$(comm -3 <(vt list --json | jq -r '.[].original' | sed "s|^$T/originals/||" | sort) \
                             <(vt_files_in "$T/originals"))" "round $r: originals not recorded, or missing"
    assert_eq "$total" "$(vt_files_in "$T/originals" | wc -l)" "round $r: archived originals"
    assert_eq "$total" "$(find "$T/images" -maxdepth 1 -name '*.tif' | wc -l)" "round $r: pyramids"
    assert_eq "" "$(vt_tmp_leftovers "$T/images" "$T/originals" "$T/hot")" "round $r: .tmp-* leftovers"
    assert_eq "" "$(vt_files_in "$T/hot")" "round $r: files left in the hotfolder"
    assert_exit 0 vt verify
}

: >"$T/dropped.sha"
total=0
# settle-seconds=1: 1.3 s after the drop the files are being archived;
# 800 x 600 JPEGs (~0.5 MB) make that take a while.
round 1 ms_after_drop 1300 800 600
round 2 n_total_at_least $(( PER_ROUND + 1 ))
round 3 n_ready_at_least $(( 2 * PER_ROUND + 20 ))
round 4 n_ready_at_least $(( 3 * PER_ROUND + 45 ))
STOP=stop
round 5 n_ready_at_least $(( 4 * PER_ROUND + 20 ))
STOP=kill9 COUNT=150
round 6 grouped_at_least 30

echo "PASS $VT_TEST_NAME"
