"""Build script: compiles the Cython kernels in ``l0/_speedups``.

Policy (see docs/architecture.md, "Build"):

* compile by default;
* ``L0_NO_EXTENSIONS=1`` skips compilation (pure install);
* no compiler / Cython failure -> pure install with a loud warning,
  unless ``L0_REQUIRE_EXTENSIONS=1``, which makes the failure fatal;
* ``L0_CYTHON_DEBUG=1`` turns bounds and wraparound checks back on;
* ``L0_EXTENSIONS=a,b`` limits the build to those kernels (development aid).
"""

from __future__ import annotations

import glob
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


NO_EXT = _flag("L0_NO_EXTENSIONS")
REQUIRE_EXT = _flag("L0_REQUIRE_EXTENSIONS")
DEBUG = _flag("L0_CYTHON_DEBUG")


def _warn(msg: str) -> None:
    bar = "*" * 78
    sys.stderr.write(f"\n{bar}\nWARNING: {msg}\nl0 will be installed with its pure-Python backend only.\n{bar}\n\n")


class OptionalBuildExt(build_ext):
    """build_ext that degrades to a pure install unless extensions are required."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # compiler missing, platform errors
            if REQUIRE_EXT:
                raise
            _warn(f"compiling the l0 Cython kernels failed: {exc!r}")

    def build_extension(self, ext) -> None:  # noqa: ANN001
        try:
            super().build_extension(ext)
        except Exception as exc:
            if REQUIRE_EXT:
                raise
            _warn(f"compiling {ext.name} failed: {exc!r}")


def _extensions() -> list:
    if NO_EXT:
        return []
    if sys.implementation.name != "cpython":
        return []
    try:
        import numpy
        from Cython.Build import cythonize
    except ImportError as exc:
        if REQUIRE_EXT:
            raise
        _warn(f"Cython/numpy not available at build time ({exc})")
        return []
    from setuptools import Extension

    only = {s.strip() for s in os.environ.get("L0_EXTENSIONS", "").split(",") if s.strip()}
    exts = []
    for path in sorted(glob.glob(os.path.join("l0", "_speedups", "*.pyx"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        if only and stem not in only:
            continue
        exts.append(
            Extension(
                f"l0._speedups.{stem}",
                [path],
                include_dirs=[numpy.get_include()],
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                extra_compile_args=["-O3"] if os.name != "nt" else [],
            )
        )
    directives = {
        "language_level": 3,
        "boundscheck": DEBUG,
        "wraparound": DEBUG,
        "cdivision": not DEBUG,
        "initializedcheck": DEBUG,
        "embedsignature": True,
    }
    try:
        return cythonize(exts, compiler_directives=directives, quiet=True)
    except Exception as exc:
        if REQUIRE_EXT:
            raise
        _warn(f"cythonize failed: {exc!r}")
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
