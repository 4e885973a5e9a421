"""Helpers shared by the asv benchmarks.

Nothing here imports ``l0`` at module level: asv imports the benchmark modules
once, and old commits must still load. ``setup`` methods call these helpers,
which raise ``NotImplementedError`` (asv: "skipped") when the requested backend
or feature is absent in the commit under test.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

BACKENDS = ["cython", "python"]
LENGTHS = [2_000, 20_000, 200_000, 1_000_000]

# CI smoke runs may cap the stream length (cells above it are skipped, not failed).
MAX_TOKENS = int(os.environ.get("L0_ASV_MAX_TOKENS", "0") or 0)

_SCENARIOS_FILE = Path(__file__).resolve().parents[2] / "l0" / "_bench" / "scenarios.py"


def check_length(n: int) -> None:
    """Skip cells longer than ``L0_ASV_MAX_TOKENS`` (when set)."""
    if MAX_TOKENS and n > MAX_TOKENS:
        raise NotImplementedError(f"length {n} above L0_ASV_MAX_TOKENS={MAX_TOKENS}")


def use_backend(backend: str) -> ModuleType:
    """Import ``l0`` with ``L0_BACKEND=backend`` (re-importing if another backend is loaded)."""
    current = sys.modules.get("l0")
    if current is not None and getattr(current, "__backend__", None) == backend:
        return current
    for name in [m for m in sys.modules if m == "l0" or m.startswith("l0.")]:
        del sys.modules[name]
    os.environ["L0_BACKEND"] = backend
    try:
        import l0
    except ImportError as exc:
        raise NotImplementedError(f"backend {backend!r} not available: {exc}") from None
    if getattr(l0, "__backend__", None) != backend:
        raise NotImplementedError(f"backend {backend!r} not selectable in this commit")
    return l0


def kernel(backend: str, stem: str, *names: str) -> tuple:
    """The named classes/functions of one kernel twin, or NotImplementedError."""
    package = "l0._speedups" if backend == "cython" else "l0._pure"
    try:
        mod = importlib.import_module(f"{package}.{stem}")
    except ImportError as exc:
        raise NotImplementedError(f"{package}.{stem} not available: {exc}") from None
    try:
        return tuple(getattr(mod, n) for n in names)
    except AttributeError as exc:
        raise NotImplementedError(str(exc)) from None


def scenarios() -> ModuleType:
    """``l0/_bench/scenarios.py`` of the benchmark checkout, loaded by path.

    The scenario code is taken from the checkout that holds these benchmarks,
    not from the commit being measured, so every commit runs the same scenario.
    """
    name = "_l0_asv_scenarios"
    mod = sys.modules.get(name)
    if mod is None:
        if not _SCENARIOS_FILE.exists():
            raise NotImplementedError(f"{_SCENARIOS_FILE} not found")
        spec = importlib.util.spec_from_file_location(name, _SCENARIOS_FILE)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


def require_scenario(backend: str, scenario: str) -> ModuleType:
    """Select ``backend`` and check that ``scenario`` can run; return the scenarios module."""
    use_backend(backend)
    sc = scenarios()
    if not sc.feature_available(scenario):
        raise NotImplementedError(f"scenario {scenario!r} needs features this commit lacks")
    return sc


class Tuned:
    """Timing defaults that keep a full ``asv run`` of the suite in minutes.

    One process round per benchmark and at most five samples (or 10 s); the
    1M-token cells dominate otherwise. Timed by process CPU time: nothing
    timed here waits, and CPU time ignores other processes on a shared
    machine (wall time there swings by 2x between runs).
    """

    timer = time.process_time
    rounds = 1
    repeat = (1, 5, 10.0)
    warmup_time = 0.05


class LoopMixin(Tuned):
    """Gives a benchmark its own event loop, created in setup, closed in teardown."""

    loop: asyncio.AbstractEventLoop

    def _open_loop(self) -> None:
        self.loop = asyncio.new_event_loop()

    def teardown(self, *params: object) -> None:
        loop = getattr(self, "loop", None)
        if loop is not None and not loop.is_closed():
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
