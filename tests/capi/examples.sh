#!/bin/sh
# examples.sh BUILD_DIR SOURCE_DIR -- installs Keel into a temporary prefix,
# builds each example in examples/c with nothing but pkg-config, runs it and
# checks its output. Exit 77 (skip) when pkg-config or a C compiler is missing.
set -u
build=${1:?usage: examples.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: examples.sh BUILD_DIR SOURCE_DIR}
cc=${CC:-cc}
command -v pkg-config >/dev/null 2>&1 || { echo "pkg-config not found; skipping"; exit 77; }
command -v "$cc" >/dev/null 2>&1 || { echo "$cc not found; skipping"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-examples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
libdir=$(ls -d "$tmp"/prefix/lib*/pkgconfig | head -n1)
PKG_CONFIG_PATH="$libdir"
export PKG_CONFIG_PATH
failed=0
check() { # name expected-substring...
    name=$1; shift
    if ! $cc -std=c11 -Wall -Wextra -Werror -o "$tmp/$name" "$src/examples/c/$name.c" \
            $(pkg-config --cflags --libs keel) 2>"$tmp/$name.cc.log"; then
        cat "$tmp/$name.cc.log"; echo "FAIL: $name does not build"; failed=1; return
    fi
    if ! LD_LIBRARY_PATH="$(dirname "$libdir")" "$tmp/$name" >"$tmp/$name.out" 2>&1; then
        cat "$tmp/$name.out"; echo "FAIL: $name exited with an error"; failed=1; return
    fi
    for want in "$@"; do
        if ! grep -F -q -- "$want" "$tmp/$name.out"; then
            cat "$tmp/$name.out"; echo "FAIL: $name: output lacks '$want'"; failed=1; return
        fi
    done
    echo "ok: $name"
}
check hello "add(40, 2) = 42"
check host_function "host.log(20)" "run(20) = 41" "run(13): host error \"unlucky number\", payload is the env: yes" \
      "finalizer ran after 2 calls"
check memory "data at 16: hello from wasm" "sum of 4 bytes = 10" "write past the end: out of bounds memory access" \
      "generation changed: yes"
check trap "trap: integer divide by zero (trap code 8)" "#0 demo!divide" "#1 demo!average"
# The static library alone (no shared library in the prefix's search path).
if $cc -std=c11 -o "$tmp/hello_static" "$src/examples/c/hello.c" -I"$tmp/prefix/include" \
        "$(dirname "$libdir")/libkeel.a" -lpthread -lm 2>"$tmp/static.log" && "$tmp/hello_static" | grep -q "= 42"; then
    echo "ok: hello (static)"
else
    cat "$tmp/static.log"; echo "FAIL: hello against libkeel.a"; failed=1
fi
# find_package(Keel) from a CMake project against the same prefix.
if command -v cmake >/dev/null 2>&1; then
    mkdir -p "$tmp/fp"
    cat >"$tmp/fp/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(keel_find_package C)
find_package(Keel 0.1 REQUIRED)
add_executable(hello "$src/examples/c/hello.c")
target_link_libraries(hello PRIVATE Keel::keel)
CMAKE
    if cmake -S "$tmp/fp" -B "$tmp/fp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/fp.log" 2>&1 &&
       cmake --build "$tmp/fp/build" >>"$tmp/fp.log" 2>&1 &&
       LD_LIBRARY_PATH="$(dirname "$libdir")" "$tmp/fp/build/hello" | grep -q "= 42"; then
        echo "ok: find_package(Keel)"
    else
        cat "$tmp/fp.log"; echo "FAIL: find_package(Keel)"; failed=1
    fi
fi
exit $failed
