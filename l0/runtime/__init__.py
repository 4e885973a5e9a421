"""The streaming runtime: ``_internal_run``, ``Stream``, ``LazyStream``, callbacks and timeouts.

The token path is: provider chunk -> adapter -> the attempt engine
(:mod:`l0.runtime._engine`, the hot loop) -> event out to the consumer and the
observability bus. See ``docs/architecture.md``.
"""

from __future__ import annotations

from ._callbacks import LifecycleCallbacks
from ._context import StreamContext
from ._run import TRUNCATION_POLICIES, _internal_run
from ._stream import LazyStream, Stream
from ._watchdog import TimeoutError

__all__ = ["_internal_run", "LifecycleCallbacks", "TimeoutError", "StreamContext", "Stream", "LazyStream",
           "TRUNCATION_POLICIES"]
