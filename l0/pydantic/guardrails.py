"""Models mirroring ``l0.guardrails``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import L0Model

__all__ = [
    "GuardrailViolationModel", "GuardrailContextModel", "GuardrailResultSummaryModel",
    "GuardrailResultModel", "GuardrailStateModel", "GuardrailConfigModel", "JsonAnalysisModel",
    "MarkdownAnalysisModel", "LatexAnalysisModel",
]


class GuardrailViolationModel(L0Model):
    __l0__ = "l0.guardrails:GuardrailViolation"

    rule: str
    message: str
    severity: Literal["warning", "error", "fatal"]
    recoverable: bool = True
    position: int | None = None
    timestamp: float | None = None
    context: dict[str, Any] | None = None
    suggestion: str | None = None


class GuardrailContextModel(L0Model):
    __l0__ = "l0.guardrails:GuardrailContext"

    content: str
    completed: bool = False
    checkpoint: str | None = None
    delta: str | None = None
    token_count: int = 0
    metadata: dict[str, Any] | None = None
    previous_violations: list[GuardrailViolationModel] | None = None


class GuardrailResultSummaryModel(L0Model):
    __l0__ = "l0.guardrails:GuardrailResultSummary"

    total: int
    fatal: int
    errors: int
    warnings: int


class GuardrailResultModel(L0Model):
    __l0__ = "l0.guardrails:GuardrailResult"

    passed: bool
    violations: list[GuardrailViolationModel]
    should_retry: bool
    should_halt: bool
    summary: GuardrailResultSummaryModel


class GuardrailStateModel(L0Model):
    __l0__ = "l0.guardrails:GuardrailState"

    violations: list[GuardrailViolationModel] = Field(default_factory=list)
    violations_by_rule: dict[str, list[GuardrailViolationModel]] = Field(default_factory=dict)
    has_fatal_violations: bool = False
    has_error_violations: bool = False
    violation_count: int = 0
    last_check_time: float | None = None


class GuardrailConfigModel(L0Model):
    """Engine configuration; ``rules`` holds the rule objects as they are (no callback)."""

    __l0__ = "l0.guardrails:GuardrailConfig"
    __l0_omitted__ = frozenset({"on_violation"})

    rules: list[Any] = Field(default_factory=list)
    stop_on_fatal: bool = True
    enable_streaming: bool = True
    check_interval: int = 100


class JsonAnalysisModel(L0Model):
    __l0__ = "l0.guardrails:JsonAnalysis"

    is_balanced: bool
    open_braces: int
    close_braces: int
    open_brackets: int
    close_brackets: int
    in_string: bool
    unclosed_string: bool
    issues: list[str] = Field(default_factory=list)


class MarkdownAnalysisModel(L0Model):
    """``fence_languages`` defaults to ``[]`` here (required in the dataclass)."""

    __l0__ = "l0.guardrails:MarkdownAnalysis"
    __l0_defaults__ = frozenset({"fence_languages"})

    is_balanced: bool
    in_fence: bool
    open_fences: int
    close_fences: int
    fence_languages: list[str] = Field(default_factory=list)
    table_rows: int
    inconsistent_columns: bool
    issues: list[str] = Field(default_factory=list)


class LatexAnalysisModel(L0Model):
    """``open_environments`` defaults to ``[]`` here (required in the dataclass)."""

    __l0__ = "l0.guardrails:LatexAnalysis"
    __l0_defaults__ = frozenset({"open_environments"})

    is_balanced: bool
    open_environments: list[str] = Field(default_factory=list)
    display_math_balanced: bool
    inline_math_balanced: bool
    bracket_math_balanced: bool
    issues: list[str] = Field(default_factory=list)
