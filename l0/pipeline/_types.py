"""Steps, options, contexts and results of a pipeline (camelCase ``startTime``/``endTime``, ms)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["StepContext", "StepResult", "PipelineStep", "PipelineOptions", "PipelineResult",
           "FAST_PIPELINE", "RELIABLE_PIPELINE", "PRODUCTION_PIPELINE"]

TInput = TypeVar("TInput")
TOutput = TypeVar("TOutput")


@dataclass
class StepContext:
    """What a step's callables see: its position, the results so far (a copy), the pipeline metadata.

    ``cancelled`` is True in the context handed to ``on_error`` when the
    pipeline timed out or was cancelled during this step.
    """

    step_index: int
    total_steps: int
    previous_results: list[StepResult]
    metadata: dict[str, Any]
    cancelled: bool = False


@dataclass
class StepResult(Generic[TOutput]):
    """One step's outcome; ``status`` is ``"success"``, ``"error"`` or ``"skipped"``.

    ``duration``, ``startTime`` and ``endTime`` are integer milliseconds (the
    times since the epoch); ``token_count`` is the stream's token count.
    """

    step_name: str
    step_index: int
    input: Any
    output: TOutput | None
    raw_content: str
    status: str
    error: Exception | None = None
    duration: int = 0
    startTime: int = 0  # noqa: N815 - the reference's field name
    endTime: int = 0  # noqa: N815
    token_count: int = 0


@dataclass
class PipelineStep(Generic[TInput, TOutput]):
    """A step: ``fn(input, ctx)`` returns what to stream, ``transform(content, ctx)`` the output.

    ``fn`` (sync or async) returns a stream factory, an l0 stream, or a dict
    of ``l0.run`` options with a ``"stream"`` key (per-step ``retry``,
    ``timeout``, ``guardrails``, ``fallbacks``, ...). ``transform``,
    ``condition(input, ctx) -> bool``, ``on_error(exc, ctx)`` and
    ``on_complete(step_result, ctx)`` may be sync or async (awaited).
    """

    name: str
    fn: Callable[[TInput, StepContext], Any]
    transform: Callable[[str, StepContext], Any] | None = None
    condition: Callable[[TInput, StepContext], Any] | None = None
    on_error: Callable[[Exception, StepContext], Any] | None = None
    on_complete: Callable[[StepResult[TOutput], StepContext], Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"PipelineStep.name must be a str, got {type(self.name).__name__}")
        if not callable(self.fn):
            raise TypeError(f"PipelineStep {self.name!r}: fn must be callable (input, ctx), "
                            f"got {type(self.fn).__name__}")
        for attr in ("transform", "condition", "on_error", "on_complete"):
            value = getattr(self, attr)
            if value is not None and not callable(value):
                raise TypeError(f"PipelineStep {self.name!r}: {attr} must be callable or None, "
                                f"got {type(value).__name__}")


@dataclass
class PipelineOptions:
    """Options of a pipeline; ``timeout`` is in **seconds** (the whole pipeline).

    ``on_start(input)``, ``on_complete(result)``, ``on_error(exc, step_index)``
    and ``on_progress(step_index, total_steps)`` may be sync or async; they are
    awaited, and a failing one is logged and ignored.
    """

    name: str | None = None
    stop_on_error: bool = True
    timeout: float | None = None
    on_start: Callable[[Any], Any] | None = None
    on_complete: Callable[[PipelineResult[Any]], Any] | None = None
    on_error: Callable[[Exception, int], Any] | None = None
    on_progress: Callable[[int, int], Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = self.timeout
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float)) or not t > 0):
            raise ValueError(f"timeout must be a number of seconds > 0 or None, got {t!r}")
        for attr in ("on_start", "on_complete", "on_error", "on_progress"):
            value = getattr(self, attr)
            if value is not None and not callable(value):
                raise TypeError(f"PipelineOptions.{attr} must be callable or None, got {type(value).__name__}")


@dataclass
class PipelineResult(Generic[TOutput]):
    """The pipeline's outcome; ``status`` is ``"success"``, ``"error"`` or ``"partial"``.

    ``output`` is the last successful step's output (the input if none
    succeeded). ``duration``, ``startTime`` and ``endTime`` are integer ms.
    """

    name: str | None
    output: TOutput | None
    steps: list[StepResult[Any]]
    status: str
    error: Exception | None = None
    duration: int = 0
    startTime: int = 0  # noqa: N815
    endTime: int = 0  # noqa: N815
    metadata: dict[str, Any] = field(default_factory=dict)


FAST_PIPELINE = PipelineOptions(stop_on_error=True)
RELIABLE_PIPELINE = PipelineOptions(stop_on_error=False)
PRODUCTION_PIPELINE = PipelineOptions(stop_on_error=False, timeout=300.0)
