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

The C accelerator (issue 4: calls under 1 us). ``src/keel_accel.c`` is
appended to the set_source text, so it is compiled INTO this CFFI extension:
one shared object holds the engine, the CFFI raw layer and the accelerator,
so the process has exactly one copy of the engine and the accelerator calls
keel_func_call_raw, keel_func_new's callback type etc. straight from keel.h
(it includes the header; nothing is declared by hand). A separate extension
module would have needed the keel_* function pointers handed over from the
CFFI lib at import; compiling it in avoids that indirection. CFFI cannot
return a Python object, so the cdef declares one extra function,
``_keel_accel_install()``, which builds the module object ``keel._accel``
and registers it in ``sys.modules`` (keel/_ffi.py calls it at import). The
accelerator uses the full CPython API (vectorcall, PyGILState), so the
extension is built with ``py_limited_api=False`` (a CPython-version wheel,
not abi3) and ``_CFFI_NO_LIMITED_API`` (honoured since cffi 1.17, hence the
build requirement; keel_accel.c refuses to compile under the limited API).
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


# Declarations CFFI must see that keel.h cannot give: the Python callbacks,
# and the accelerator's install function (defined in src/keel_accel.c).
# ORDER CALLBACKS: keep in step with the @ffi.def_extern functions in keel/_func.py,
# keel/_errors.py and keel/_store.py.
PY_CALLBACKS = """
extern "Python" keel_error *_keel_py_host_cb(void *env, keel_caller *caller,
    const keel_val *args, size_t nargs, keel_val *results, size_t nresults);
extern "Python" void _keel_py_err_fin(void *payload);
extern "Python" bool _keel_py_deadline_cb(void *env, uint64_t *extend_ticks);
int _keel_accel_install(void);
"""

ACCEL_SOURCE = os.path.join(HERE, "src", "keel_accel.c")


def accel_source():
    """The accelerator's C text for set_source (a #line keeps compiler
    messages pointing at src/keel_accel.c)."""
    with open(ACCEL_SOURCE) as f:
        return '#line 1 "%s"\n' % ACCEL_SOURCE.replace("\\", "/") + f.read()


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
        runs = []
        for extra in (["-P"], ["-dM"]):
            r = subprocess.run(base + extra, capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("keel: preprocessing keel.h for the CFFI cdef failed (%s):\n%s"
                                   % (" ".join(base + extra), r.stderr))
            runs.append(r.stdout)
        decls, macros = runs
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
    """Every engine/*/*.c and capi/src/*.c file. KEEL_PY_SKIP_PARTS="wasi gc"
    leaves engine parts out (a developer escape hatch while a part that the
    ABI does not reference yet is half-written in the tree)."""
    skip = set(os.environ.get("KEEL_PY_SKIP_PARTS", "").replace(",", " ").split())
    srcs = sorted(p for p in glob.glob(os.path.join(root, "engine", "*", "*.c"))
                  if os.path.basename(os.path.dirname(p)) not in skip)
    srcs += sorted(glob.glob(os.path.join(root, "capi", "src", "*.c")))
    return [os.path.relpath(s, HERE) for s in srcs]


# The CMake build's flags (CMakeLists.txt): C11, no FP contraction (wasm
# needs separately rounded a*b+c), POSIX interfaces, hidden symbols.
CFLAGS = ["-std=c11", "-ffp-contract=off", "-fvisibility=hidden", "-Wno-unused-parameter", "-O2"]
MACROS = [("_GNU_SOURCE", None)]


def include_dirs(root):
    # Absolute: CFFI's own compile() (the developer build) runs in its tmpdir.
    return [os.path.abspath(os.path.join(root, d))
            for d in ("engine", os.path.join("capi", "include"), os.path.join("capi", "src"))]


def engine_library():
    """The engine as a static library for setuptools' build_clib.

    Linking an archive (rather than every object) gives the same semantics
    as the CMake build's libkeel.a: only the objects the ABI needs are pulled
    in, so a part that is still being written elsewhere in the tree and is
    not yet referenced cannot break the extension with undefined symbols.
    """
    root = source_root()
    return ("keel_engine", {"sources": engine_sources(root), "include_dirs": include_dirs(root),
                            "macros": MACROS, "cflags": CFLAGS})


def make_ffi():
    root = source_root()
    ffi = FFI()
    ffi.cdef(generate_cdef(root))
    link_lib = os.environ.get("KEEL_PY_LINK_LIB")
    kwargs = dict(include_dirs=include_dirs(root), define_macros=MACROS, extra_compile_args=CFLAGS,
                  libraries=["m", "pthread"])
    if link_lib:
        kwargs["extra_objects"] = [link_lib] + os.environ.get("KEEL_PY_LINK_EXTRA", "").split()
    elif os.environ.get("KEEL_PY_ALL_SOURCES"):
        kwargs["sources"] = engine_sources(root)
    else:
        # setup.py builds libkeel_engine.a with build_clib (engine_library()).
        kwargs["libraries"] = ["keel_engine", "m", "pthread"]
    # The accelerator needs the full CPython API (see the module docstring).
    kwargs["py_limited_api"] = False
    kwargs["define_macros"] = MACROS + [("_CFFI_NO_LIMITED_API", None)]
    ffi.set_source("keel._keel_cffi", '#include "keel.h"\n' + accel_source(), **kwargs)
    return ffi


# cffi_modules reads 'ffibuilder'; the tests import this file for
# generate_cdef only (KEEL_BUILD_NO_FFI=1).
ffibuilder = None if os.environ.get("KEEL_BUILD_NO_FFI") else make_ffi()

if __name__ == "__main__":
    # Developer build: compiles keel/_keel_cffi*.so in place.
    ffibuilder.compile(tmpdir=os.environ.get("KEEL_PY_BUILD_DIR", os.path.join(HERE, "build-dev")),
                       verbose=True)
