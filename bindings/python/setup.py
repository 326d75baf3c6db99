"""setuptools glue: the CFFI extension (keel_build.py) and an sdist that
carries the C sources.

An sdist built from the repository copies engine/ and capi/ into _csrc/ of
the release tree, so a wheel built from the sdist (``python -m build`` builds
the wheel that way) finds them; a wheel built straight from the repository
reads them from ../../ (keel_build.source_root).
"""
import os
import shutil
import sys

from setuptools import setup
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))


class sdist_with_sources(sdist):
    """sdist that copies the engine's C sources and public headers into _csrc/."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        # keel_build (imported by cffi_modules) has already mirrored the
        # repository's sources into _csrc/.
        src = os.path.join(HERE, "_csrc")
        ignore = shutil.ignore_patterns("*.o", "*.a", "*.so", "build*", "__pycache__")
        for part in ("engine", "capi"):
            shutil.copytree(os.path.join(src, part), os.path.join(base_dir, "_csrc", part),
                            ignore=ignore, dirs_exist_ok=True)


sys.path.insert(0, HERE)
import keel_build  # noqa: E402  (mirrors the repository's sources into _csrc/)

setup(
    # The engine is built as a static archive first (build_clib) and the CFFI
    # extension links it, like a C program links libkeel.a.
    libraries=[] if os.environ.get("KEEL_PY_LINK_LIB") else [keel_build.engine_library()],
    cffi_modules=["keel_build.py:ffibuilder"],
    cmdclass={"sdist": sdist_with_sources},
)
