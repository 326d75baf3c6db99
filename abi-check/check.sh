#!/bin/sh
# check.sh BUILD_DIR -- proves the C ABI did not break (DESIGN.md "ABI rules").
#  (a) keel.h compiles alone as C99, C11 and C++17 with -Wall -Wextra -Werror
#      -pedantic, and every header under keel/ is self-contained;
#  (b) the dynamic symbols of libkeel.so.1 equal abi-check/symbols.txt
#      (an unexpected or a missing symbol fails);
#  (c) when abidiff (abigail-tools) is installed and abi-check/libkeel.abi
#      exists, the library is compared with that abidw baseline: an
#      incompatible change fails, compatible additions are reported.
# Regenerate (b) and (c) with abi-check/update.sh after an intended change.
set -u
build=${1:?usage: check.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
inc="$root/capi/include"
lib="$build/lib/libkeel.so.1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# (a) headers
cc=${CC:-cc}
cxx=${CXX:-c++}
flags="-Wall -Wextra -Werror -pedantic -fsyntax-only -I$inc"
printf '#include <keel.h>\n' >"$tmp/all.c"
for std in c99 c11; do
    $cc -std=$std $flags -x c "$tmp/all.c" || fail "keel.h does not compile as $std"
done
if command -v "$cxx" >/dev/null 2>&1; then
    $cxx -std=c++17 $flags -x c++ "$tmp/all.c" || fail "keel.h does not compile as C++17"
fi
if command -v clang >/dev/null 2>&1; then
    clang -std=c99 $flags -x c "$tmp/all.c" || fail "keel.h does not compile with clang as c99"
fi
for h in "$inc"/keel/*.h; do
    name=keel/$(basename "$h")
    printf '#include <%s>\n' "$name" >"$tmp/one.c"
    $cc -std=c99 $flags -x c "$tmp/one.c" || fail "$name is not self-contained"
done
[ $failed -eq 0 ] && echo "ok: headers (C99, C11, C++17, each header alone)"

# (b) exported symbols
if [ ! -e "$lib" ]; then
    fail "$lib not found (build keel_shared first)"
else
    nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sed 's/@.*//' | sort -u >"$tmp/symbols.txt"
    if diff -u "$here/symbols.txt" "$tmp/symbols.txt" >"$tmp/symbols.diff"; then
        echo "ok: $(wc -l <"$tmp/symbols.txt") exported symbols match abi-check/symbols.txt"
    else
        cat "$tmp/symbols.diff"
        fail "exported symbols differ from abi-check/symbols.txt ('+' unexpected, '-' missing)"
    fi
    if nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^keel_' | grep -v '^KEEL_' | grep -q .; then
        fail "symbols without the keel_ prefix are exported"
    fi
    objdump -p "$lib" | grep -q 'SONAME *libkeel\.so\.1$' || fail "SONAME is not libkeel.so.1"
fi

# (c) abidiff against the committed baseline
if command -v abidiff >/dev/null 2>&1 && [ -f "$here/libkeel.abi" ] && [ -e "$lib" ]; then
    abidiff --headers-dir2 "$inc" "$here/libkeel.abi" "$lib" >"$tmp/abidiff.txt" 2>&1
    rc=$?
    if [ $((rc & 3)) -ne 0 ]; then
        cat "$tmp/abidiff.txt"; fail "abidiff could not compare (exit $rc)"
    elif [ $((rc & 8)) -ne 0 ]; then
        cat "$tmp/abidiff.txt"; fail "abidiff: incompatible ABI change"
    elif [ $((rc & 4)) -ne 0 ]; then
        cat "$tmp/abidiff.txt"; echo "note: compatible ABI change (bump KEEL_ABI_MINOR and run abi-check/update.sh)"
    else
        echo "ok: abidiff finds no change against abi-check/libkeel.abi"
    fi
else
    echo "note: abidiff or abi-check/libkeel.abi missing; skipping the abidiff comparison"
fi
exit $failed
