# tests/lib/common.sh: sourced by every black-box test (tests/blackbox/t*.sh).
#
# A test runs the real binaries against a private tree under $T, a fresh
# temporary folder removed on exit, whatever the outcome (kept, and its path
# printed, when VT_KEEP=1). ctest sets VT_BIN_DIR, VT_SOURCE_DIR and
# VT_BUILD_DIR; run by hand, the defaults find a build in $VT_SOURCE_DIR/build:
#   VT_BIN_DIR=$PWD/build-x/bin bash tests/blackbox/t20-ingest-kinds.sh
#
# What a test gets: vt_make_tree (folders and $VT_CONF, the contract's
# example config), vt (the vitrine tool on it), vt_ingest, vt_asset,
# vt_daemon_start/stop/kill9, wait_for, and assertions (assert_eq,
# assert_file, assert_no_file, assert_same_bytes, assert_json, assert_exit).
# Every check prints one line ("ok - ..." or "FAIL: ..."), so a failing run
# reads top to bottom; fail() also shows the tail of vitrined's log, where
# the reason usually is.
#
# Exit codes: 0 passed, 1 failed, 77 skipped (ctest's SKIP_RETURN_CODE).

set -euo pipefail
shopt -s nullglob
export LC_ALL=C.UTF-8   # stable sort order and decimal point; UTF-8 file names

VT_SOURCE_DIR=${VT_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VT_BUILD_DIR=${VT_BUILD_DIR:-$VT_SOURCE_DIR/build}
VT_BIN_DIR=${VT_BIN_DIR:-$VT_BUILD_DIR/bin}
export VT_SOURCE_DIR VT_BUILD_DIR VT_BIN_DIR
# Our config file, not the system's, even for a stray call without -c.
unset VITRINE_CONFIG

VT_TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/vt-$VT_TEST_NAME.XXXXXX")
VT_CONF=$T/vitrine.conf
VT_DAEMON_PID=
VT_DAEMON_LOG=$T/vitrined.log
VT_PORT=

# Functions other libs register to run at exit (e.g. stopping an API stub).
VT_CLEANUPS=()
# The variables holding the pids of the lighttpd servers vt_lighttpd_launch
# started: each is stopped at exit (vt_lighttpd_stop_var).
VT_LIGHTTPD_PIDVARS=()

# The last command that failed outside a test (set -e stops there without
# a word): vt__cleanup names it.
VT_LAST_ERROR=
trap 'VT_LAST_ERROR="line $LINENO: $BASH_COMMAND (exit $?)"' ERR

vt__cleanup() {
    local rc=$? fn
    set +e
    if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -z "${VT_FAILED:-}" ] && [ -n "$VT_LAST_ERROR" ]; then
        echo "FAIL: $VT_TEST_NAME stopped at $VT_LAST_ERROR" >&2
    fi
    if [ -n "$VT_DAEMON_PID" ]; then
        kill -KILL "$VT_DAEMON_PID" 2>/dev/null
        wait "$VT_DAEMON_PID" 2>/dev/null
    fi
    for fn in "${VT_CLEANUPS[@]}"; do "$fn"; done
    for fn in "${VT_LIGHTTPD_PIDVARS[@]}"; do vt_lighttpd_stop_var "$fn"; done
    if [ "${VT_KEEP:-0}" = 1 ]; then
        echo "# kept $T"
    else
        # Tests make read-only folders on purpose; make them removable.
        chmod -R u+rwX "$T" 2>/dev/null
        rm -rf "$T"
    fi
    exit "$rc"
}
trap vt__cleanup EXIT
# A signal (ctest's timeout, Ctrl-C) must also stop vitrined and clean up.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- reporting -------------------------------------------------------------

ok() { echo "ok - $*"; }
note() { echo "# $*"; }

fail() {
    VT_FAILED=1
    echo "FAIL: $*" >&2
    if [ -s "$VT_DAEMON_LOG" ]; then
        echo "--- last lines of $VT_DAEMON_LOG:" >&2
        tail -n 30 "$VT_DAEMON_LOG" >&2
    fi
    exit 1
}

skip() {
    echo "SKIP: $*"
    exit 77
}

# --- assertions ------------------------------------------------------------

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
    local what=${3:-value} lines
    [ "$1" = "$2" ] || fail "$what: expected '$1', got '$2'"
    lines=$(wc -l <<<"$2")
    if [ "$lines" -gt 3 ]; then
        ok "$what: the expected $lines lines"
    else
        ok "$what is '$2'"
    fi
}

# assert_ne UNEXPECTED ACTUAL [WHAT]
assert_ne() {
    local what=${3:-value}
    [ "$1" != "$2" ] || fail "$what: must not be '$2'"
    ok "$what is not '$1'"
}

# assert_ge MIN ACTUAL [WHAT] (integers)
assert_ge() {
    local what=${3:-value}
    [ "$2" -ge "$1" ] 2>/dev/null || fail "$what: expected >= $1, got '$2'"
    ok "$what = $2 (>= $1)"
}

# assert_file PATH [WHAT]: PATH exists (a dangling symlink counts).
assert_file() {
    [ -e "$1" ] || [ -L "$1" ] || fail "${2:-file} missing: $1"
    ok "${2:-file} exists: ${1#"$T"/}"
}

# assert_no_file PATH [WHAT]
assert_no_file() {
    if [ -e "$1" ] || [ -L "$1" ]; then fail "${2:-file} should not exist: $1"; fi
    ok "${2:-file} absent: ${1#"$T"/}"
}

# assert_same_bytes EXPECTED_FILE ACTUAL_FILE [WHAT]
assert_same_bytes() {
    cmp -s -- "$1" "$2" || fail "${3:-content} differs: $2 is not byte-identical to $1"
    ok "${3:-content} byte-identical: ${2#"$T"/}"
}

# assert_json FILTER [JSON] [WHAT]: the jq FILTER, applied to JSON (or to
# stdin when JSON is absent or "-"), must output true.
assert_json() {
    local filter=$1 json what out
    if [ $# -ge 2 ] && [ "$2" != - ]; then json=$2; else json=$(cat); fi
    what=${3:-$filter}
    out=$(jq -e "$filter" <<<"$json" 2>&1) ||
        fail "$what: jq '$filter' gave '$out' on: $(head -c 2000 <<<"$json")"
    ok "$what"
}

# assert_exit EXPECTED_CODE CMD...: runs CMD and checks its exit status.
# Its output is kept in $VT_OUT (stdout) and $VT_ERR (stderr).
assert_exit() {
    local expected=$1 rc=0
    shift
    "$@" >"$T/.out" 2>"$T/.err" || rc=$?
    # shellcheck disable=SC2034  # read by the tests
    VT_OUT=$(cat "$T/.out")
    # shellcheck disable=SC2034
    VT_ERR=$(cat "$T/.err")
    [ "$rc" = "$expected" ] ||
        fail "'$*' exited $rc, expected $expected; stdout: $(head -c 1500 "$T/.out"); stderr: $(head -c 1500 "$T/.err")"
    ok "'${*#"$VT_BIN_DIR"/}' exits $rc"
}

# --- time --------------------------------------------------------------------

vt_now_us() { local t=$EPOCHREALTIME; echo "${t/[.,]/}"; }

# wait_for TIMEOUT_S CMD...: runs CMD every 0.1 s until it succeeds; returns 1
# (after saying so) if TIMEOUT_S seconds pass first. CMD's output is hidden.
wait_for() {
    local timeout=$1 deadline
    shift
    deadline=$(( $(vt_now_us) + timeout * 1000000 ))
    until "$@" >/dev/null 2>&1; do
        if [ "$(vt_now_us)" -gt "$deadline" ]; then
            echo "# timed out after ${timeout}s waiting for: $*" >&2
            return 1
        fi
        sleep 0.1
    done
}

# wait_progress STALL TARGET CMD...: waits until CMD prints a number >= TARGET.
# Fails only when that number has not grown for STALL seconds: a loaded
# machine or a sanitizer build is slow, not stuck, and a fixed deadline for
# hundreds of files failed on one of those while ingest was still going.
wait_progress() {
    local stall=$1 target=$2 n last=-1 deadline=0
    shift 2
    while :; do
        n=$("$@" 2>/dev/null) || n=0
        [[ $n =~ ^[0-9]+$ ]] || n=0
        [ "$n" -ge "$target" ] && return 0
        if [ "$n" -gt "$last" ]; then
            last=$n
            deadline=$(( $(vt_now_us) + stall * 1000000 ))
        elif [ "$(vt_now_us)" -gt "$deadline" ]; then
            echo "# no progress for ${stall}s at $n of $target: $*" >&2
            return 1
        fi
        sleep 0.2
    done
}

# --- the tree and the binaries ---------------------------------------------------

vt_require_bins() {
    local b
    for b in vitrine vitrined vitrine-convert; do
        [ -x "$VT_BIN_DIR/$b" ] || fail "$VT_BIN_DIR/$b is missing: build the project first"
    done
    command -v jq >/dev/null || fail "jq is missing (scripts/install-deps)"
}

# vt_port_is_free PORT
vt_port_is_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# vt_free_port: prints a TCP port nothing listens on (racy, good enough here).
# It is below the kernel's ephemeral range: a port in that range can be the
# local end of any connection (Chromium's, curl's in a parallel test), which
# no listener shows, and bind() then fails with "Address already in use".
vt_free_port() {
    local p _ low=10000 high=32767 range
    range=$(cat /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || range=
    [[ $range =~ ^([0-9]+)[[:space:]] ]] && (( BASH_REMATCH[1] - 1 > low + 1000 )) &&
        high=$(( BASH_REMATCH[1] - 1 ))
    for _ in $(seq 50); do
        p=$(( low + (RANDOM * 32768 + RANDOM) % (high - low + 1) ))
        if vt_port_is_free "$p"; then echo "$p"; return 0; fi
    done
    fail "no free TCP port found"
}

# vt_make_tree [SERVER]: the folders and $T/vitrine.conf of the contract, with
# SERVER (cantaloupe, the default, iipsrv or static) and a free port in $VT_PORT.
# Hotfolders are shares that exist before vitrine does, so they are made here;
# the other folders too, as tmpfiles.d does in production.
vt_make_tree() {
    local server=${1:-cantaloupe}
    VT_PORT=$(vt_free_port)
    mkdir -p "$T"/{state,originals,quarantine,spool,images,site} "$T/hot/photo" "$T/hot/xray"
    cat >"$VT_CONF" <<EOF
# written by $VT_TEST_NAME
[vitrine]
state-dir=$T/state
originals-dir=$T/originals
quarantine-dir=$T/quarantine
spool-dir=$T/spool
workers=2

[images]
server=$server
dir=$T/images
base-url=http://127.0.0.1:$VT_PORT/iiif

[site]
dir=$T/site
base-url=http://127.0.0.1:$VT_PORT

[department:photo]
hotfolder=$T/hot/photo
label=Photography
visibility=public
intervention=^([0-9]{4}\.[0-9]{4,5})
settle-seconds=1

[department:xray]
hotfolder=$T/hot/xray
label=X-ray
visibility=internal
settle-seconds=1
EOF
    note "tree in $T (server=$server, port $VT_PORT)"
}

# vt ARGS...: the vitrine tool on our config.
vt() {
    "$VT_BIN_DIR/vitrine" -c "$VT_CONF" "$@"
}

# vt_ingest [PATH...]: `vitrine ingest`, which must exit 0.
vt_ingest() {
    local rc=0
    vt ingest "$@" >"$T/ingest.out" 2>"$T/ingest.err" || rc=$?
    [ "$rc" = 0 ] || fail "vitrine ingest exited $rc: $(tail -c 3000 "$T/ingest.err")"
    ok "vitrine ingest exits 0"
}

vt_list() { vt list --json; }

# vt_asset DEPARTMENT SOURCE: prints the asset object whose source is SOURCE
# (its path relative to the hotfolder) in DEPARTMENT, or fails.
vt_asset() {
    local json
    json=$(vt list --json | jq -c --arg d "$1" --arg s "$2" \
        '[.[] | select(.department == $d and .source == $s)] | if length == 1 then .[0] else empty end') ||
        fail "vitrine list --json failed"
    [ -n "$json" ] || fail "no single asset for $1/$2 in: $(vt list --json | jq -c '[.[] | {department, source, state}]')"
    echo "$json"
}

# vt_count_state STATE: number of assets in STATE (or "all").
vt_count_state() {
    vt list --json | jq --arg s "$1" '[.[] | select($s == "all" or .state == $s)] | length'
}

sha256_of() { sha256sum -- "$1" | cut -d' ' -f1; }

# --- the daemon --------------------------------------------------------------

vt__daemon_up() {
    kill -0 "$VT_DAEMON_PID" 2>/dev/null ||
        fail "vitrined (pid $VT_DAEMON_PID) died during start-up"
    vt status --json | jq -e '.daemon.running == true' >/dev/null
}

# vt_daemon_start: vitrined in the background, logging to $VT_DAEMON_LOG;
# returns once `vitrine status` sees it running.
vt_daemon_start() {
    [ -z "$VT_DAEMON_PID" ] || fail "vt_daemon_start: vitrined already running ($VT_DAEMON_PID)"
    echo "=== vitrined started by $VT_TEST_NAME at $(date +%T.%N)" >>"$VT_DAEMON_LOG"
    # bash starts background commands with SIGINT and SIGQUIT ignored; reset
    # them so that vitrined sees signals as it would under systemd.
    env --default-signal "$VT_BIN_DIR/vitrined" -c "$VT_CONF" >>"$VT_DAEMON_LOG" 2>&1 &
    VT_DAEMON_PID=$!
    wait_for 20 vt__daemon_up || fail "vitrined not seen running by 'vitrine status' within 20 s"
    ok "vitrined running (pid $VT_DAEMON_PID)"
}

# vt_daemon_stop [SIGNAL]: SIGTERM (or SIGNAL: INT), then vitrined must exit
# 0 within 30 s.
vt_daemon_stop() {
    local pid=$VT_DAEMON_PID sig=${1:-TERM} rc=0
    [ -n "$pid" ] || fail "vt_daemon_stop: vitrined is not running"
    kill -"$sig" "$pid"
    if ! wait_for 30 vt__gone "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        fail "vitrined did not stop within 30 s of SIG$sig"
    fi
    wait "$pid" || rc=$?
    VT_DAEMON_PID=
    [ "$rc" = 0 ] || fail "vitrined exited $rc after SIG$sig (expected 0)"
    ok "vitrined stopped by SIG$sig with exit 0"
}

vt__gone() { ! kill -0 "$1" 2>/dev/null; }

# vt_daemon_kill9: kills vitrined without warning (a crash, a power cut for
# the process).
vt_daemon_kill9() {
    local pid=$VT_DAEMON_PID
    [ -n "$pid" ] || fail "vt_daemon_kill9: vitrined is not running"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    VT_DAEMON_PID=
    ok "vitrined killed with SIGKILL"
}

# --- file-system checks ----------------------------------------------------

# vt_tmp_leftovers DIR...: prints every .tmp-* name under the folders.
vt_tmp_leftovers() {
    find "$@" -name '.tmp-*' -print 2>/dev/null || true
}

# vt_files_in DIR: prints the regular files and symlinks under DIR, relative
# to it, sorted; nothing if DIR does not exist. (Test file names have no
# newline, so one a line is safe.)
vt_files_in() {
    [ -d "$1" ] || return 0
    (cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | sort)
}

# --- lighttpd (the test web server of iiif-server.sh and lighttpd-cgi.sh) --

VT_LIGHTTPD=${VT_LIGHTTPD:-$(command -v lighttpd || echo /usr/sbin/lighttpd)}

# vt_lighttpd_sanitizer_env: the sanitizer options of a sanitizer build as
# more entries of a lighttpd setenv.add-environment list (', "ASAN_OPTIONS"
# => "..."' for each one set): mod_cgi gives a CGI a fresh environment.
vt_lighttpd_sanitizer_env() {
    local var
    for var in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
        if [ -n "${!var:-}" ]; then printf ', "%s" => "%s"' "$var" "${!var}"; fi
    done
}

# vt_lighttpd_launch DIR PIDVAR: checks DIR/lighttpd.conf, runs lighttpd on
# it in the background (its pid goes into the variable named PIDVAR, and
# it is stopped at exit) and returns once
# http://127.0.0.1:$VT_PORT/index.txt answers.
vt_lighttpd_launch() {
    local d=$1 pidvar=$2 out pid
    [[ " ${VT_LIGHTTPD_PIDVARS[*]} " == *" $pidvar "* ]] || VT_LIGHTTPD_PIDVARS+=("$pidvar")
    out=$("$VT_LIGHTTPD" -tt -f "$d/lighttpd.conf" 2>&1) || fail "lighttpd rejects its config: $out"
    "$VT_LIGHTTPD" -D -f "$d/lighttpd.conf" >>"$d/stdout.log" 2>&1 &
    pid=$!
    printf -v "$pidvar" '%s' "$pid"
    wait_for 10 vt__lighttpd_answers "$pid" || {
        # (Said here: wait_for hides what the check prints.)
        kill -0 "$pid" 2>/dev/null ||
            fail "lighttpd died at start (port $VT_PORT): $(tail -n 20 "$d/error.log" "$d/stdout.log" 2>/dev/null)"
        fail "lighttpd did not answer on port $VT_PORT: $(tail -n 20 "$d/error.log" 2>/dev/null)"
    }
}

# vt__lighttpd_answers PID: lighttpd PID is alive and serves /index.txt.
vt__lighttpd_answers() {
    kill -0 "$1" 2>/dev/null && curl -fsS "http://127.0.0.1:$VT_PORT/index.txt" >/dev/null
}

# vt_lighttpd_stop_var PIDVAR: stops the lighttpd whose pid the variable
# named PIDVAR holds, and empties it (so a second call is a no-op).
vt_lighttpd_stop_var() {
    local pid=${!1}
    printf -v "$1" '%s' ''
    vt_lighttpd_stop "$pid"
}

# vt_lighttpd_stop PID: SIGTERM, then SIGKILL after 10 s. An empty PID is a
# no-op.
vt_lighttpd_stop() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait_for 10 vt__gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
