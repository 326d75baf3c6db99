#!/bin/sh
# Python binding tests: creates/uses the virtualenv at the repository root's
# .venv, pip installs the package (a wheel built with the engine inside) and
# pytest, then runs the tests. Exit status = pytest's.
# Environment: PYTHON (default python3) to create the venv; extra arguments go to pytest.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
VENV="$REPO/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install -q pytest cffi
# A fresh build every time: the engine sources change under the package, and
# setuptools' incremental C build compares only .c timestamps, so a changed
# header would leave stale objects behind.
rm -rf "$HERE/build" "$HERE/_csrc"
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$HERE"
set +e
# Run from the tests directory so `import keel` finds the installed wheel,
# not the source tree.
cd "$HERE/tests" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider --rootdir "$HERE/tests" "$@" .
