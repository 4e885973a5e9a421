"""Orchestration (``l0/_bench/orchestration.py``): pool throughput, ``parallel`` of many streams, ``race``.

``TimePool``: 10,000 short operations (8-token streams) through a pool of
1/10/100 workers. ``TimeParallel``: ``parallel`` over 1,000 streams of 32
tokens (concurrency 10 and 1,000). ``TimeRace``: 100 races between two
8-token streams. Baselines (``*_baseline``) run the same streams without the
orchestration layer.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .common import BACKENDS, LoopMixin, use_backend

_FILE = Path(__file__).resolve().parents[2] / "l0" / "_bench" / "orchestration.py"


def _orchestration(backend: str) -> ModuleType:
    l0 = use_backend(backend)
    if not hasattr(l0, "create_pool") and "create_pool" not in getattr(l0, "__all__", ()):
        raise NotImplementedError("this commit has no l0.pool")
    name = "_l0_asv_orchestration"
    mod = sys.modules.get(name)
    if mod is None:
        if not _FILE.exists():
            raise NotImplementedError(f"{_FILE} not found")
        spec = importlib.util.spec_from_file_location(name, _FILE)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return mod


class TimePool(LoopMixin):
    """10,000 operations through ``create_pool(workers)``."""

    params = (BACKENDS, [1, 10, 100])
    param_names = ["backend", "workers"]
    timeout = 300

    def setup(self, backend: str, workers: int) -> None:
        self.mod = _orchestration(backend)
        self._open_loop()
        self.loop.run_until_complete(self.mod.pool_throughput(100, workers))

    def time_pool(self, backend: str, workers: int) -> None:
        self.loop.run_until_complete(self.mod.pool_throughput(10_000, workers))

    def time_pool_baseline(self, backend: str, workers: int) -> None:
        """The same 10,000 ``l0.run(...).read()`` one after another (workers ignored)."""
        self.loop.run_until_complete(self.mod.sequential_reads(10_000))


class TimeParallel(LoopMixin):
    """``parallel`` over 1,000 streams of 32 tokens."""

    params = (BACKENDS, [10, 1_000])
    param_names = ["backend", "concurrency"]
    timeout = 300

    def setup(self, backend: str, concurrency: int) -> None:
        self.mod = _orchestration(backend)
        self._open_loop()
        self.loop.run_until_complete(self.mod.parallel_streams(20, concurrency))

    def time_parallel(self, backend: str, concurrency: int) -> None:
        self.loop.run_until_complete(self.mod.parallel_streams(1_000, concurrency))

    def time_gather_baseline(self, backend: str, concurrency: int) -> None:
        """``asyncio.gather`` of the same 1,000 reads (concurrency ignored)."""
        self.loop.run_until_complete(self.mod.gather_reads(1_000))


class TimeRace(LoopMixin):
    """100 races between two 8-token streams."""

    params = (BACKENDS,)
    param_names = ["backend"]

    def setup(self, backend: str) -> None:
        self.mod = _orchestration(backend)
        self._open_loop()
        self.loop.run_until_complete(self.mod.races(5))

    def time_race(self, backend: str) -> None:
        self.loop.run_until_complete(self.mod.races(100))
