"""Models mirroring ``l0.pipeline``. ``duration``/``startTime``/``endTime`` are integer
ms (camelCase names as in the dataclasses); ``PipelineOptions.timeout`` is seconds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import ErrorStr, L0Model

__all__ = ["StepContextModel", "StepResultModel", "PipelineStepModel", "PipelineOptionsModel", "PipelineResultModel"]


class StepResultModel(L0Model):
    __l0__ = "l0.pipeline:StepResult"
    __l0_errors__ = frozenset({"error"})

    step_name: str
    step_index: int
    input: Any
    output: Any | None
    raw_content: str
    status: Literal["success", "error", "skipped"]
    error: ErrorStr | None = None
    duration: int = 0
    startTime: int = 0  # noqa: N815 - the dataclass's name
    endTime: int = 0  # noqa: N815
    token_count: int = 0


class StepContextModel(L0Model):
    """``previous_results`` and ``metadata`` default to empty (required in the dataclass)."""

    __l0__ = "l0.pipeline:StepContext"
    __l0_defaults__ = frozenset({"previous_results", "metadata"})

    step_index: int
    total_steps: int
    previous_results: list[StepResultModel] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    cancelled: bool = False


class PipelineStepModel(L0Model):
    """A step's data only; ``to_l0(fn=...)`` supplies the callables."""

    __l0__ = "l0.pipeline:PipelineStep"
    __l0_omitted__ = frozenset({"fn", "transform", "condition", "on_error", "on_complete"})

    name: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class PipelineOptionsModel(L0Model):
    __l0__ = "l0.pipeline:PipelineOptions"
    __l0_omitted__ = frozenset({"on_start", "on_complete", "on_error", "on_progress"})

    name: str | None = None
    stop_on_error: bool = True
    timeout: float | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class PipelineResultModel(L0Model):
    __l0__ = "l0.pipeline:PipelineResult"
    __l0_errors__ = frozenset({"error"})

    name: str | None
    output: Any | None
    steps: list[StepResultModel]
    status: Literal["success", "error", "partial"]
    error: ErrorStr | None = None
    duration: int = 0
    startTime: int = 0  # noqa: N815
    endTime: int = 0  # noqa: N815
    metadata: dict[str, Any] = Field(default_factory=dict)
