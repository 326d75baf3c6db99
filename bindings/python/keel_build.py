"""CFFI build script for the ``keel`` package (API / out-of-line mode).

The cdef is GENERATED from ``capi/include/keel.h`` at build time, never written
by hand: the C preprocessor expands keel.h with ``KEEL_API`` defined empty and
the three system headers it includes replaced by empty fake headers (CFFI
knows ``bool``, ``size_t`` and the ``<stdint.h>`` types natively); a second
pass with ``-dM`` collects the ``KEEL_*`` integer macros, which are emitted as
``#define NAME ...`` so CFFI takes their values from the real header.

The engine is compiled into the extension (no system libkeel): every
``engine/*/*.c`` and ``capi/src/*.c`` file, with the CMake build's defines.
The sources are found relative to this file (``../../`` is the repository
root); an sdist carries a copy under ``_csrc/`` (see setup.py).

Developers may set ``KEEL_PY_LINK_LIB=/path/to/libkeel_static.a`` (plus
``KEEL_PY_LINK_EXTRA`` for the other archives) to link prebuilt archives
instead of compiling every source again.
"""
import glob
import os
import re
import shutil
import subprocess
import tempfile

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))


def source_root():
    """The directory holding engine/ and capi/, as a path relative to HERE.

    setuptools wants source paths relative to setup.py and inside its tree,
    so a build from the repository first mirrors ../../engine and ../../capi
    into _csrc/ (ignored by git); an sdist already carries _csrc/.
    """
    repo = os.path.normpath(os.path.join(HERE, "..", ".."))
    local = os.path.join(HERE, "_csrc")
    if os.path.isfile(os.path.join(repo, "capi", "include", "keel.h")):
        shutil.rmtree(local, ignore_errors=True)
        ignore = shutil.ignore_patterns("*.o", "*.a", "*.so", "build*", "__pycache__")
        for part in ("engine", "capi"):
            shutil.copytree(os.path.join(repo, part), os.path.join(local, part), ignore=ignore)
        return local
    if os.path.isfile(os.path.join(local, "capi", "include", "keel.h")):
        return local
    raise RuntimeError("keel: cannot find the C sources (capi/include/keel.h) in ../../ or _csrc/ "
                       "next to " + HERE + "; build from the Keel repository or an sdist")


def _cc():
    return os.environ.get("CC", "cc").split()


# Declarations CFFI must see that keel.h cannot give: the Python callbacks.
# ORDER CALLBACKS: keep in step with the @ffi.def_extern functions in keel/_store.py
# and keel/_errors.py.
PY_CALLBACKS = """
extern "Python" keel_error *_keel_py_host_cb(void *env, keel_caller *caller,
    const keel_val *args, size_t nargs, keel_val *results, size_t nresults);
extern "Python" void _keel_py_err_fin(void *payload);
"""


def generate_cdef(root):
    """Preprocess keel.h into a CFFI cdef (declarations plus KEEL_* integer macros)."""
    inc = os.path.join(root, "capi", "include")
    fake = tempfile.mkdtemp(prefix="keel-cdef-")
    try:
        for name in ("stdbool.h", "stddef.h", "stdint.h"):
            with open(os.path.join(fake, name), "w") as f:
                f.write("/* fake system header for cdef generation */\n")
        base = _cc() + ["-E", "-nostdinc", "-I", fake, "-I", inc,
                        "-DKEEL_CDEF_GEN", "-DKEEL_API=", os.path.join(inc, "keel.h")]
        decls = subprocess.run(base + ["-P"], check=True, capture_output=True, text=True).stdout
        macros = subprocess.run(base + ["-dM"], check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(fake, ignore_errors=True)
    lines = [ln for ln in decls.splitlines() if ln.strip()]
    defs = []
    for m in re.finditer(r"^#define (KEEL_\w+) (.+)$", macros, re.M):
        name, value = m.group(1), m.group(2).strip()
        if name.endswith("_H") or name in ("KEEL_API", "KEEL_CDEF_GEN") or '"' in value:
            continue
        # Integer constants only (CFFI reads their values from the header).
        if re.fullmatch(r"[0-9A-Za-z_()<>|+\- ]+", value):
            defs.append("#define %s ..." % name)
    return "\n".join(lines) + "\n" + "\n".join(sorted(defs)) + "\n" + PY_CALLBACKS


def engine_sources(root):
    srcs = sorted(glob.glob(os.path.join(root, "engine", "*", "*.c")))
    srcs += sorted(glob.glob(os.path.join(root, "capi", "src", "*.c")))
    return [os.path.relpath(s, HERE) for s in srcs]


def make_ffi():
    root = source_root()
    ffi = FFI()
    ffi.cdef(generate_cdef(root))
    link_lib = os.environ.get("KEEL_PY_LINK_LIB")
    kwargs = dict(
        include_dirs=[os.path.relpath(os.path.join(root, d), HERE)
                      for d in ("engine", os.path.join("capi", "include"), os.path.join("capi", "src"))],
        define_macros=[("_GNU_SOURCE", None)],
        extra_compile_args=["-std=c11", "-ffp-contract=off", "-fvisibility=hidden",
                            "-Wno-unused-parameter", "-O2"],
        libraries=["m", "pthread"],
    )
    if link_lib:
        kwargs["extra_objects"] = [link_lib] + os.environ.get("KEEL_PY_LINK_EXTRA", "").split()
    else:
        kwargs["sources"] = engine_sources(root)
    ffi.set_source("keel._keel_cffi", '#include "keel.h"\n', **kwargs)
    return ffi


ffibuilder = make_ffi()

if __name__ == "__main__":
    # Developer build: compiles keel/_keel_cffi*.so in place.
    ffibuilder.compile(tmpdir=os.environ.get("KEEL_PY_BUILD_DIR", os.path.join(HERE, "build-dev")),
                       verbose=True)
