#!/usr/bin/env bash
# Installs the Debian packages Keel's build and tests need, only those missing.
# Usage: scripts/install-deps.sh [core|test|all]   (default: test)
#   core: compiler toolchain for building the library and CLI
#   test: core + cmocka and the tools the test suites use
set -euo pipefail
level=${1:-test}

core=(gcc g++ make cmake ninja-build pkg-config)
test=(libcmocka-dev wabt clang lld abigail-tools swig lua5.4 liblua5.4-dev
      wasi-libc libclang-rt-14-dev-wasm32 libclang-rt-14-dev)
case "$level" in
  core) want=("${core[@]}") ;;
  test|all) want=("${core[@]}" "${test[@]}") ;;
  *) echo "install-deps: unknown level '$level'" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: missing packages (${missing[*]}) and no apt-get; install them by hand" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 && sudo="sudo" || { echo "install-deps: need root to install ${missing[*]}" >&2; exit 1; }
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
