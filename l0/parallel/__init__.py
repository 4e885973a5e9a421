"""Run several tasks or l0 streams together: ``parallel``, ``race``, ``sequential``, ``batched``.

Tasks are zero-argument callables (sync or async) or dicts of ``l0.run``
options. A task whose value is an l0 stream is read to its end in its slot and
reported in ``aggregated_telemetry``; ``race`` over streams is won by the first
token. Every child is cancelled *and awaited* when the call is cancelled.
See ``docs/parallel.md``.

The module itself is callable (``l0.parallel(tasks)`` is
:func:`parallel`): the name ``l0.parallel`` is both this module and the
function, and ``import l0.parallel`` makes the attribute the module.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from ._run import Parallel, batched, parallel, race, sequential
from ._types import (
    AggregatedTelemetry, BatchedResult, ParallelOptions, ParallelResult, RaceResult, TaskSkippedError,
    TelemetryCollector, aggregate_telemetry,
)

__all__ = ["parallel", "race", "sequential", "batched", "Parallel", "ParallelOptions", "ParallelResult",
           "RaceResult", "AggregatedTelemetry", "BatchedResult", "TaskSkippedError", "TelemetryCollector",
           "aggregate_telemetry"]


class _CallableModule(types.ModuleType):
    """``l0.parallel(...)`` calls :func:`parallel` whether ``l0.parallel`` is the module or the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return parallel(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
