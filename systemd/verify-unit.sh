#!/usr/bin/env bash
# verify-unit.sh UNIT VITRINED: `systemd-analyze verify` on the generated unit
# (run by ctest as systemd/verify). verify insists that ExecStart's binary
# exists, so it checks a copy whose ExecStart is the vitrined just built.
# Unknown or misspelt settings are only warnings for systemd (exit 0), so any
# output at all fails the test. Exit 77 (skipped) without systemd-analyze.
set -euo pipefail
unit=$1 vitrined=$2
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=[^ ]*|ExecStart=$vitrined|" "$unit" >"$tmp/vitrined.service"
rc=0
out=$(cd "$tmp" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify ./vitrined.service 2>&1) || rc=$?
if [ "$rc" != 0 ] || [ -n "$out" ]; then
    echo "FAIL: systemd-analyze verify (exit $rc):"
    echo "$out"
    exit 1
fi
echo "ok - systemd-analyze verify: no complaint"
# The exposure score, for information (lower is better; never fails).
(cd "$tmp" && systemd-analyze security --offline=yes ./vitrined.service 2>/dev/null | tail -n 1) || true
