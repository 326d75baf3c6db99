#!/bin/sh
# update.sh BUILD_DIR -- regenerates abi-check/symbols.txt and the abidw
# baseline abi-check/libkeel.abi from BUILD_DIR/lib/libkeel.so.1. Run it only
# for an intended ABI change (and bump KEEL_ABI_MINOR, or KEEL_ABI_MAJOR for a break).
set -eu
build=${1:?usage: update.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
lib="$build/lib/libkeel.so.1"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sed 's/@.*//' | sort -u >"$here/symbols.txt"
echo "wrote $here/symbols.txt ($(wc -l <"$here/symbols.txt") symbols)"
if command -v abidw >/dev/null 2>&1; then
    abidw --headers-dir "$root/capi/include" --no-corpus-path --out-file "$here/libkeel.abi" "$lib"
    echo "wrote $here/libkeel.abi"
else
    echo "abidw not found: libkeel.abi not regenerated"
fi
