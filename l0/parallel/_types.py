"""Options and results of ``parallel``/``race``/``batched`` and the aggregated telemetry."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["ParallelOptions", "ParallelResult", "RaceResult", "AggregatedTelemetry", "BatchedResult",
           "TaskSkippedError", "TelemetryCollector", "aggregate_telemetry"]

T = TypeVar("T")


class TaskSkippedError(Exception):
    """A task of ``parallel(fail_fast=True)`` that was not run, or was cancelled, after another failed."""


@dataclass
class AggregatedTelemetry:
    """Figures summed (``total_*``) or averaged (``avg_*``) over the l0 streams of one call.

    Durations and the time to first token are in seconds, like
    ``ParallelResult.duration``. ``stream_count`` (an addition) is how many
    streams the figures cover; averages skip streams without tokens.
    """

    total_tokens: int = 0
    total_duration: float = 0.0
    total_retries: int = 0
    total_network_errors: int = 0
    total_violations: int = 0
    avg_tokens_per_second: float = 0.0
    avg_time_to_first_token: float = 0.0
    stream_count: int = 0


class TelemetryCollector:
    """Running sums over stream states; keeps no state object alive.

    ``add(state, started, ended)`` takes wall-clock seconds (``time.time()``):
    the time to first token is ``state.first_token_at - started``.
    Consensus and the pool use it too.
    """

    __slots__ = ("streams", "tokens", "duration", "retries", "network_errors", "violations", "_tps_sum", "_tps_n",
                 "_ttft_sum", "_ttft_n")

    def __init__(self) -> None:
        self.streams = self.tokens = self.retries = self.network_errors = self.violations = 0
        self.duration = 0.0
        self._tps_sum = self._ttft_sum = 0.0
        self._tps_n = self._ttft_n = 0

    def add(self, state: Any, started: float, ended: float | None = None) -> None:
        if ended is None:
            ended = time.time()
        duration = max(ended - started, 0.0)
        tokens = int(getattr(state, "token_count", 0) or 0)
        self.streams += 1
        self.tokens += tokens
        self.duration += duration
        self.retries += int(getattr(state, "model_retry_count", 0) or 0) + int(
            getattr(state, "network_retry_count", 0) or 0)
        self.network_errors += len(getattr(state, "network_errors", None) or ())
        self.violations += len(getattr(state, "violations", None) or ())
        first = getattr(state, "first_token_at", None)
        if tokens and first is not None:
            self._ttft_sum += max(first - started, 0.0)
            self._ttft_n += 1
            if duration > 0:
                self._tps_sum += tokens / duration
                self._tps_n += 1

    def add_stream(self, stream: Any, started: float, ended: float | None = None) -> None:
        self.add(stream.state, started, ended)

    def result(self) -> AggregatedTelemetry | None:
        """The aggregate, or None when no l0 stream was seen (plain callables)."""
        if not self.streams:
            return None
        return AggregatedTelemetry(
            total_tokens=self.tokens,
            total_duration=self.duration,
            total_retries=self.retries,
            total_network_errors=self.network_errors,
            total_violations=self.violations,
            avg_tokens_per_second=self._tps_sum / self._tps_n if self._tps_n else 0.0,
            avg_time_to_first_token=self._ttft_sum / self._ttft_n if self._ttft_n else 0.0,
            stream_count=self.streams,
        )


def aggregate_telemetry(items: list[tuple[Any, float, float]]) -> AggregatedTelemetry | None:
    """Aggregate ``(state_or_stream, started, ended)`` triples (wall-clock seconds)."""
    collector = TelemetryCollector()
    for obj, started, ended in items:
        collector.add(getattr(obj, "state", obj), started, ended)
    return collector.result()


def _check_concurrency(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {value!r}")
    return value


@dataclass
class ParallelOptions:
    """Options of :func:`~l0.parallel.parallel`.

    ``on_progress(completed, total)``, ``on_complete(result, index)`` and
    ``on_error(exc, index)`` may be sync or async (awaited).
    """

    concurrency: int = 5
    fail_fast: bool = False
    on_progress: Callable[[int, int], Any] | None = None
    on_complete: Callable[[Any, int], Any] | None = None
    on_error: Callable[[Exception, int], Any] | None = None

    def __post_init__(self) -> None:
        _check_concurrency(self.concurrency)
        for name in ("on_progress", "on_complete", "on_error"):
            fn = getattr(self, name)
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable or None, got {type(fn).__name__}")


@dataclass
class ParallelResult(Generic[T]):
    """Results and errors in input order; ``duration`` in seconds.

    A task skipped or cancelled by ``fail_fast`` has ``result None`` and a
    :class:`TaskSkippedError`; it counts in ``skipped_count`` (an addition),
    not as a success or a failure.
    """

    results: list[T | None]
    errors: list[Exception | None]
    success_count: int = 0
    failure_count: int = 0
    duration: float = 0.0
    aggregated_telemetry: AggregatedTelemetry | None = None
    skipped_count: int = 0

    @property
    def all_succeeded(self) -> bool:
        return self.failure_count == 0 and self.skipped_count == 0

    def successful_results(self) -> list[T]:
        """The results of the tasks that succeeded, in input order."""
        return [r for r, e in zip(self.results, self.errors) if e is None]  # type: ignore[misc]


@dataclass
class RaceResult(Generic[T]):
    """The winner's value and its 0-based index, plus the telemetry of every candidate started."""

    value: T
    winner_index: int
    aggregated_telemetry: AggregatedTelemetry | None = field(default=None, compare=False)


class BatchedResult(list):  # type: ignore[type-arg]
    """What ``batched``/``sequential`` return: a plain list with ``aggregated_telemetry``."""

    aggregated_telemetry: AggregatedTelemetry | None = None
