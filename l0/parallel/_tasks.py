"""How one task of ``parallel``/``race``/``batched`` is started and settled.

A task is a zero-argument callable (sync or async) or a dict of ``l0.run``
options (``{"stream": factory, "retry": ..., ...}``). A task whose value is an
l0 stream (``l0.run(...)``, a wrapped client's ``create(stream=True)``) is
read to its end inside the task's concurrency slot; its state feeds the
aggregated telemetry.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

from l0.types import State

from ._support import RUN_OPTION_NAMES, close_stream, is_l0_stream
from ._types import TelemetryCollector

__all__ = ["check_tasks", "start_task", "settle_task", "run_options"]


def run_options(options: dict[str, Any], where: str) -> dict[str, Any]:
    """Validate a dict of ``l0.run`` options (``stream`` required, every other key an ``l0.run`` keyword)."""
    if "stream" not in options:
        raise ValueError(f"{where} is a dict of run options without a 'stream' key")
    unknown = sorted(k for k in options if k != "stream" and k not in RUN_OPTION_NAMES)
    if unknown:
        raise TypeError(f"{where} has unknown run option(s) {', '.join(map(repr, unknown))}; "
                        f"expected 'stream' and l0.run keywords such as 'retry', 'timeout', 'guardrails', 'fallbacks'")
    return options


def check_tasks(tasks: Any, name: str = "tasks") -> list[Any]:
    """The tasks as a list, each a callable or a run-options dict (else a clear error)."""
    if isinstance(tasks, (str, bytes, dict)) or not hasattr(tasks, "__iter__"):
        raise TypeError(f"{name} must be a list of zero-argument callables or run-options dicts, "
                        f"got {type(tasks).__name__}")
    out = list(tasks)
    for i, task in enumerate(out):
        if isinstance(task, dict):
            run_options(task, f"{name}[{i}]")
        elif not callable(task):
            raise TypeError(f"{name}[{i}] must be a zero-argument callable returning an awaitable, or a dict of "
                            f"l0.run options, got {type(task).__name__}")
    return out


async def start_task(task: Any) -> Any:
    """Call the task (or ``l0.run`` for options) and await its value; an l0 stream is returned unread."""
    if isinstance(task, dict):
        import l0

        options = dict(task)
        return await l0.run(options.pop("stream"), **options)
    value = task()
    if inspect.isawaitable(value):
        value = await value
    return value


async def settle_task(task: Any, collector: TelemetryCollector) -> Any:
    """Start the task and, if its value is an l0 stream, read it to the end (raising its error).

    A cancelled read aborts the stream and closes its source before the
    cancellation propagates.
    """
    started = time.time()
    value = await start_task(task)
    if is_l0_stream(value):
        try:
            await value.read()
        except BaseException:
            await close_stream(value)
            collector.add(value.state, started)
            raise
        collector.add(value.state, started)
    elif isinstance(value, State):
        collector.add(value, started)
    return value
