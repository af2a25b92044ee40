#!/bin/bash
# iiif-schema.sh: validates every manifest and collection that test_manifest
# builds against the IIIF Presentation 3 JSON schema (tests/sitegen/iiif/),
# with ajv (validate-iiif.mjs). Registered in ctest as sitegen/iiif-schema.
#
# Usage: iiif-schema.sh PATH/TO/sitegen_test_manifest
# Exit 77 (skipped) when node or the npm packages (npm ci) are missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
test_bin=${1:?usage: iiif-schema.sh PATH/TO/sitegen_test_manifest}

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node is not installed (scripts/install-deps)"
    exit 77
fi
if [ ! -d "$root/node_modules/ajv" ] || [ ! -d "$root/node_modules/ajv-formats" ]; then
    echo "SKIP: ajv is not installed: run 'npm ci' in $root"
    exit 77
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/vt-iiif-schema.XXXXXX")
trap 'rm -rf "$out"' EXIT

# The documents are written by the C test, which must pass too.
if ! VT_MANIFEST_OUT="$out/docs" "$test_bin" >"$out/test.log" 2>&1; then
    cat "$out/test.log"
    echo "FAIL: $test_bin failed"
    exit 1
fi

shopt -s nullglob
docs=("$out"/docs/*.json)
# A test that wrote nothing would validate nothing: that is a failure.
if [ "${#docs[@]}" -lt 5 ]; then
    echo "FAIL: expected manifests and collections in $out/docs, found ${#docs[@]}"
    exit 1
fi
node "$here/validate-iiif.mjs" "${docs[@]}"
