#!/bin/sh
# Builds the Lua binding against a Keel build tree and runs its tests.
#
#   bindings/lua/run-tests.sh [BUILD_DIR]     (default: <repo>/build)
#
# 1. builds libkeel.a in BUILD_DIR (configuring it first if needed);
# 2. builds keel_core.so and keel-lua into BUILD_DIR/lua (bindings/lua/Makefile);
# 3. runs tests/run.lua with lua5.4 (require "keel" through LUA_PATH/LUA_CPATH),
#    then again with keel-lua --check-live (no handle may survive lua_close),
#    then with KEEL_LUA_GC_EVERY=1 (a collection at every handle use);
# 4. with KEEL_LUA_ASAN=1 (default when BUILD_DIR-asan can be built: set
#    KEEL_LUA_ASAN=0 to skip), builds an ASan+UBSan libkeel in BUILD_DIR-asan,
#    an ASan keel-lua, and runs the suite and the example through it.
#
# Exit status: non-zero when anything failed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
jobs=${JOBS:-2}
asan=${KEEL_LUA_ASAN:-1}
lua=${LUA:-lua5.4}

if ! command -v swig >/dev/null 2>&1 || ! command -v "$lua" >/dev/null 2>&1; then
	echo "run-tests.sh: needs swig and $lua (Debian: swig lua5.4 liblua5.4-dev)" >&2
	exit 1
fi

build_keel() { # dir [cmake options]
	dir=$1
	shift
	if [ ! -f "$dir/CMakeCache.txt" ]; then
		cmake -S "$root" -B "$dir" -G Ninja "$@" >/dev/null
	fi
	cmake --build "$dir" -j "$jobs" --target keel_static
}

build_keel "$build"
make -s -C "$here" BUILD="$build" OUT="$build/lua" -j "$jobs"

status=0
export KEEL_ROOT="$root"
export LUA_PATH="$here/?.lua;$here/tests/?.lua;;"
export LUA_CPATH="$build/lua/?.so;;"
export KEEL_LUA_BIN="$build/lua/keel-lua"

echo "== lua5.4"
"$lua" "$here/tests/run.lua" || status=1
echo "== keel-lua --check-live"
"$build/lua/keel-lua" --check-live "$here/tests/run.lua" || status=1
echo "== lua5.4, KEEL_LUA_GC_EVERY=1"
KEEL_LUA_GC_EVERY=1 "$lua" "$here/tests/run.lua" test_api.lua test_gc.lua test_seeds.lua \
	test_control.lua test_wasi.lua || status=1

if [ "$asan" = 1 ]; then
	abuild=${KEEL_LUA_ASAN_BUILD:-$build-asan}
	echo "== ASan+UBSan ($abuild)"
	build_keel "$abuild" -DCMAKE_BUILD_TYPE=Debug -DKEEL_SANITIZE=ON
	make -s -C "$here" BUILD="$abuild" OUT="$abuild/lua" SANITIZE=1 -j "$jobs" "$abuild/lua/keel-lua"
	# lua5.4 itself is not ASan-built: everything runs inside the ASan keel-lua.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	KEEL_LUA_BIN="$abuild/lua/keel-lua" \
		"$abuild/lua/keel-lua" --check-live "$here/tests/run.lua" || status=1
fi

if [ "$status" -ne 0 ]; then
	echo "run-tests.sh: FAILED" >&2
fi
exit "$status"
