#!/usr/bin/env bash
# make demo: run a WebAssembly module with the keel CLI, then build a C program
# against an installed libkeel with nothing but pkg-config and run it.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
keel="$root/$build/bin/keel"

echo "== keel run: examples/wat/fib.wat =="
echo "\$ keel run examples/wat/fib.wat --invoke fib 25"
"$keel" run "$root/examples/wat/fib.wat" --invoke fib 25
echo "\$ keel run examples/wat/fib.wat --invoke fib_iter 90"
"$keel" run "$root/examples/wat/fib.wat" --invoke fib_iter 90
echo "\$ keel run examples/wat/fib.wat --invoke sum_to 1000"
"$keel" run "$root/examples/wat/fib.wat" --invoke sum_to 1000
echo "\$ keel run examples/wat/fib.wat --invoke divide 1 0   (a trap, with its backtrace)"
"$keel" run "$root/examples/wat/fib.wat" --invoke divide 1 0 || echo "(exit status $?)"

if [ -f "$root/examples/c/hello.c" ]; then
  prefix=$(mktemp -d)
  trap 'rm -rf "$prefix"' EXIT
  echo
  echo "== a C program built with pkg-config against an installed libkeel =="
  cmake --install "$root/$build" --prefix "$prefix" >/dev/null
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/share/pkgconfig:${PKG_CONFIG_PATH:-}"
  echo "\$ cc examples/c/hello.c \$(pkg-config --cflags --libs keel)"
  cc -o "$prefix/hello" "$root/examples/c/hello.c" $(pkg-config --cflags --libs keel) -Wl,-rpath,"$prefix/lib"
  (cd "$root/examples/c" && "$prefix/hello")
fi
