"""Selects the compiled or the pure-Python kernels, once, at import.

``L0_BACKEND`` (read once):

* ``auto`` (default): the compiled kernels when they import, else the pure twins
  (only ``ImportError`` is caught);
* ``cython``: the compiled kernels; an ``ImportError`` propagates;
* ``python``: the pure twins.

Non-CPython interpreters always get the pure twins. Code outside this module
never imports ``l0._speedups`` or ``l0._pure`` directly.
"""

from __future__ import annotations

import os
import platform

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
          "WindowScan")


def _load_compiled() -> tuple:
    from l0._speedups.content_buffer import ContentBuffer
    from l0._speedups.drift import WindowScan
    from l0._speedups.entropy import EntropyRing, shannon_entropy
    from l0._speedups.hotloop import Handoff, hot_iterate
    from l0._speedups.json_state import JsonStreamState

    return ContentBuffer, JsonStreamState, EntropyRing, shannon_entropy, Handoff, hot_iterate, WindowScan


def _load_pure() -> tuple:
    from l0._pure.content_buffer import ContentBuffer
    from l0._pure.drift import WindowScan
    from l0._pure.entropy import EntropyRing, shannon_entropy
    from l0._pure.hotloop import Handoff, hot_iterate
    from l0._pure.json_state import JsonStreamState

    return ContentBuffer, JsonStreamState, EntropyRing, shannon_entropy, Handoff, hot_iterate, WindowScan


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
    except ImportError:
        BACKEND = "python"
        _loaded = _load_pure()

ContentBuffer, JsonStreamState, EntropyRing, shannon_entropy, Handoff, hot_iterate, WindowScan = _loaded
del _loaded

__all__ = ["BACKEND", "REQUESTED", "ContentBuffer", "JsonStreamState", "EntropyRing", "shannon_entropy",
           "Handoff", "hot_iterate", "WindowScan"]
