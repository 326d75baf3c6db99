#!/bin/sh
# Builds libkeel, installs it into a prefix under the build directory, and
# runs the Go binding's checks: go vet, then go test -race (normal build and
# the keeldebug build, which forces a GC at every handle use).
#
#   bindings/go/run-tests.sh [BUILD_DIR]      (default: <repo>/build)
#
# Exit status: go vet's when it fails, else go test's.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
prefix=$build/prefix
jobs=${JOBS:-2}

if [ ! -f "$build/CMakeCache.txt" ]; then
	cmake -S "$root" -B "$build" -G Ninja
fi
cmake --build "$build" -j "$jobs"
cmake --install "$build" --prefix "$prefix" >/dev/null

pc=$(find "$prefix" -name keel.pc | head -n 1)
if [ -z "$pc" ]; then
	echo "run-tests.sh: no keel.pc installed under $prefix" >&2
	exit 1
fi
# keel.pc is relocatable (prefix=${pcfiledir}/...); pinning the absolute
# prefix also covers build directories configured before it was.
sed -i "s|^prefix=.*|prefix=$prefix|" "$pc"
PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
export PKG_CONFIG_PATH
libdir=$(pkg-config --variable=libdir keel)
LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
# rpath too, so the test binaries also run without LD_LIBRARY_PATH.
CGO_LDFLAGS="-Wl,-rpath,$libdir${CGO_LDFLAGS:+ $CGO_LDFLAGS}"
export CGO_LDFLAGS
export CGO_ENABLED=1
# Standard library only: nothing to download.
export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local

cd "$here"
go vet ./...
go vet -tags keeldebug ./...
status=0
go test -race -count=1 ./... || status=$?
if [ "$status" -eq 0 ]; then
	go test -race -count=1 -tags keeldebug ./... || status=$?
fi
exit "$status"
