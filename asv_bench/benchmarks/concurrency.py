"""Many streams in one event loop (``l0/_bench/concurrency.py``).

``TimeConcurrentStreams``: N streams of 2,000 tokens started together, each
source yielding to the loop after every 16 tokens. ``TrackPacedCapacity``: the
"Blackwell-class" figure, how many streams paced at 1,000 tokens/s one core
sustains with the full stack and timeouts on (>= 95% of the target rate).
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .common import BACKENDS, MAX_TOKENS, LoopMixin, check_length, require_scenario

_FILE = Path(__file__).resolve().parents[2] / "l0" / "_bench" / "concurrency.py"


def _concurrency() -> ModuleType:
    name = "_l0_asv_concurrency"
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


class TimeConcurrentStreams(LoopMixin):
    """Wall time for N concurrent streams (aggregate tokens/s = N * 2000 / time)."""

    params = (BACKENDS, ["core", "full"], [10, 100, 1000])
    param_names = ["backend", "scenario", "streams"]
    timeout = 900
    number = 1
    repeat = (1, 3, 60.0)

    def setup(self, backend: str, scenario: str, streams: int) -> None:
        check_length(streams * 2000)
        require_scenario(backend, scenario)
        self.mod = _concurrency()
        self._open_loop()
        self.loop.run_until_complete(self.mod.throughput(scenario, 2, 200))

    def time_streams(self, backend: str, scenario: str, streams: int) -> None:
        self.loop.run_until_complete(self.mod.throughput(scenario, streams, 2000))


class TrackPacedCapacity:
    """Streams at 1,000 tokens/s each that one core sustains (full stack + timeouts)."""

    params = (BACKENDS,)
    param_names = ["backend"]
    unit = "streams"
    timeout = 900

    def setup(self, backend: str) -> None:
        require_scenario(backend, "full_timeouts")
        self.mod = _concurrency()

    def track_streams_at_1000_tokens_per_s(self, backend: str) -> int:
        # Smoke runs (L0_ASV_MAX_TOKENS set) only exercise the search: short trials, low ceiling.
        seconds, limit = (0.25, 64) if MAX_TOKENS else (1.0, 8192)
        return self.mod.capacity("full_timeouts", 1000.0, seconds, 10, 16, limit)["max_streams"]
