#!/bin/sh
# bench/run.sh [--smoke] [--runs N] [--scale F] [--only A,B] [--wasi]
#              [--compare-build DIR] [--no-engine] [--no-json] BUILD_DIR
# Keel's benchmark suite against native code; see bench/README.md.
# The work is done by bench/src/harness.py (Python 3, standard library only).
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null 2>&1; then
    echo "bench: python3 is needed to run the benchmark suite" >&2
    exit 1
fi
exec python3 "$here/src/harness.py" "$@"
