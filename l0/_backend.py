"""Selects the compiled or the pure-Python kernels, once, at import.

``L0_BACKEND`` (read once):

* ``auto`` (default): the compiled kernels when they import, else the pure twins
  (only ``ImportError`` is caught);
* ``cython``: the compiled kernels; an ``ImportError`` propagates;
* ``python``: the pure twins.

Non-CPython interpreters always get the pure twins. Code outside this module
never imports ``l0._speedups`` or ``l0._pure`` directly.

pip hides build output, so a failed compile would go unnoticed: the build
writes ``l0/_build_info.py`` saying whether it compiled the kernels, and in
``auto`` mode a build that did but whose kernels do not import warns once
(:class:`PerformanceWarning`). ``L0_BACKEND=python`` silences it.
"""

from __future__ import annotations

import os
import platform
import warnings


class PerformanceWarning(RuntimeWarning):
    """The compiled kernels were built for this install but did not load: l0 runs on the slower pure backend."""

_ALLOWED = ("auto", "cython", "python")


def _requested() -> str:
    raw = os.environ.get("L0_BACKEND", "auto")
    value = raw.strip().lower() or "auto"
    if value not in _ALLOWED:
        raise ValueError(
            f"environment variable L0_BACKEND={raw!r} is not valid; "
            f"expected one of: {', '.join(_ALLOWED)}"
        )
    return value


REQUESTED: str = _requested()


_NAMES = ("ContentBuffer", "JsonStreamState", "EntropyRing", "shannon_entropy", "Handoff", "hot_iterate",
          "WindowScan", "SSEDecoder")


def _extensions_expected() -> bool:
    try:
        from l0._build_info import EXTENSIONS_EXPECTED
    except ImportError:  # a source checkout that was never built
        return False
    return bool(EXTENSIONS_EXPECTED)


def _warn_if_expected(exc: ImportError) -> None:
    if not _extensions_expected():
        return
    warnings.warn(
        f"l0: this install was built to use the compiled kernels, but they do not import ({exc}); "
        "running on the slower pure-Python backend. Reinstall with L0_REQUIRE_EXTENSIONS=1 to see "
        "the build error, or set L0_BACKEND=python to silence this warning.",
        PerformanceWarning,
        stacklevel=2,
    )


def _load_compiled() -> tuple:
    from l0._speedups.content_buffer import ContentBuffer
    from l0._speedups.drift import WindowScan
    from l0._speedups.entropy import EntropyRing, shannon_entropy
    from l0._speedups.hotloop import Handoff, hot_iterate
    from l0._speedups.json_state import JsonStreamState
    from l0._speedups.sse import SSEDecoder

    return (ContentBuffer, JsonStreamState, EntropyRing, shannon_entropy, Handoff, hot_iterate, WindowScan, SSEDecoder)


def _load_pure() -> tuple:
    from l0._pure.content_buffer import ContentBuffer
    from l0._pure.drift import WindowScan
    from l0._pure.entropy import EntropyRing, shannon_entropy
    from l0._pure.hotloop import Handoff, hot_iterate
    from l0._pure.json_state import JsonStreamState
    from l0._pure.sse import SSEDecoder

    return (ContentBuffer, JsonStreamState, EntropyRing, shannon_entropy, Handoff, hot_iterate, WindowScan, SSEDecoder)


if REQUESTED == "python" or platform.python_implementation() != "CPython":
    if REQUESTED == "cython":
        raise ImportError("L0_BACKEND=cython requires CPython; this interpreter runs the pure backend only")
    BACKEND = "python"
    _loaded = _load_pure()
elif REQUESTED == "cython":
    BACKEND = "cython"
    _loaded = _load_compiled()
else:
    try:
        _loaded = _load_compiled()
        BACKEND = "cython"
    except ImportError as _exc:
        BACKEND = "python"
        _loaded = _load_pure()
        _warn_if_expected(_exc)

ContentBuffer, JsonStreamState, EntropyRing, shannon_entropy, Handoff, hot_iterate, WindowScan, SSEDecoder = _loaded
del _loaded

__all__ = ["BACKEND", "REQUESTED", "PerformanceWarning", "ContentBuffer", "JsonStreamState", "EntropyRing",
           "shannon_entropy", "Handoff", "hot_iterate", "WindowScan", "SSEDecoder"]
