"""Result, info and configuration types of structured output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from pydantic import ValidationError

    from l0.types import State

T = TypeVar("T")

__all__ = [
    "StructuredResult",
    "StructuredState",
    "StructuredTelemetry",
    "StructuredConfig",
    "AutoCorrectInfo",
    "MINIMAL_STRUCTURED",
    "RECOMMENDED_STRUCTURED",
    "STRICT_STRUCTURED",
    "TruncatedOutputError",
]


@dataclass
class StructuredState:
    """Validation bookkeeping of a successful :func:`~l0.structured` call."""

    validation_failures: int = 0
    auto_corrections: int = 0
    validation_errors: list[ValidationError] = field(default_factory=list)
    correction_types: list[str] = field(default_factory=list)
    validation_time_ms: float | None = None


@dataclass
class StructuredTelemetry:
    """Telemetry of a structured call (filled when ``monitoring=True``)."""

    schema_name: str | None = None
    validation_attempts: int = 0
    validation_failures: int = 0
    auto_corrections: int = 0
    correction_types: list[str] = field(default_factory=list)
    validation_success: bool = False
    validation_time_ms: float | None = None


@dataclass
class AutoCorrectInfo:
    """What auto-correction changed (passed to ``on_auto_correct``)."""

    original: str
    corrected: str
    corrections: list[str]
    success: bool = True


@dataclass
class StructuredConfig:
    """Plain settings bundle; copy its fields into :func:`~l0.structured` arguments."""

    auto_correct: bool = True
    attempts: int = 1
    strict_mode: bool = False


MINIMAL_STRUCTURED = StructuredConfig(auto_correct=False, attempts=1)
RECOMMENDED_STRUCTURED = StructuredConfig(auto_correct=True, attempts=2)
STRICT_STRUCTURED = StructuredConfig(auto_correct=True, strict_mode=True, attempts=3)


@dataclass
class StructuredResult(Generic[T]):
    """Validated data plus the text it came from and what was corrected.

    ``raw`` is the text that was validated (after extraction and correction).
    ``truncated`` (an addition) is True when the provider cut the output
    (``finish_reason="length"`` or no terminal signal) and repair still
    produced valid data; ``finish_reason`` carries the provider's reason.
    """

    data: T
    raw: str
    corrected: bool = False
    corrections: list[str] = field(default_factory=list)
    state: State | None = None
    _aborted: bool = False
    structured_state: StructuredState | None = None
    telemetry: StructuredTelemetry | None = None
    errors: list[Exception] = field(default_factory=list)
    truncated: bool = False
    finish_reason: str | None = None

    def abort(self) -> None:
        """Mark the result aborted."""
        self._aborted = True

    @property
    def is_aborted(self) -> bool:
        """True after :meth:`abort`."""
        return self._aborted


class TruncatedOutputError(ValueError):
    """The provider cut the output (``finish_reason="length"`` or no terminal signal).

    Raised by the structured functions instead of a schema error when the
    output of the last attempt was truncated and could not be validated.
    ``validation_error`` is the error the truncated text produced (if any).
    """

    def __init__(
        self,
        message: str,
        *,
        finish_reason: str | None = None,
        content_length: int = 0,
        validation_error: Exception | None = None,
    ) -> None:
        super().__init__(message)
        self.finish_reason = finish_reason
        self.content_length = content_length
        self.validation_error = validation_error


