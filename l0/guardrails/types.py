"""Guardrail data types: violations, rules, sessions, engine config and results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = [
    "Severity",
    "GuardrailViolation",
    "GuardrailContext",
    "GuardrailResultSummary",
    "GuardrailResult",
    "GuardrailState",
    "GuardrailConfig",
    "GuardrailRule",
    "RuleSession",
]

Severity = Literal["warning", "error", "fatal"]

_SEVERITIES = ("warning", "error", "fatal")


def check_severity(value: object, name: str = "severity") -> None:
    """Raise a clear error unless *value* is one of the three severities."""
    if value not in _SEVERITIES:
        raise ValueError(f"{name} must be one of 'warning', 'error', 'fatal', got {value!r}")


@dataclass
class GuardrailViolation:
    """One finding of a rule. ``position`` is a character offset into the content."""

    rule: str
    message: str
    severity: Severity
    recoverable: bool = True
    position: int | None = None
    timestamp: float | None = None
    context: dict[str, Any] | None = None
    suggestion: str | None = None


@dataclass
class GuardrailContext:
    """Engine input compatible with the reference (converted to a fresh ``State``)."""

    content: str
    completed: bool = False
    checkpoint: str | None = None
    delta: str | None = None
    token_count: int = 0
    metadata: dict[str, Any] | None = None
    previous_violations: list[GuardrailViolation] | None = None


@dataclass
class GuardrailResultSummary:
    total: int
    fatal: int
    errors: int
    warnings: int


@dataclass
class GuardrailResult:
    passed: bool
    violations: list[GuardrailViolation]
    should_retry: bool
    should_halt: bool
    summary: GuardrailResultSummary


@dataclass
class GuardrailState:
    """Bookkeeping of a :class:`~l0.guardrails.GuardrailEngine`."""

    violations: list[GuardrailViolation] = field(default_factory=list)
    violations_by_rule: dict[str, list[GuardrailViolation]] = field(default_factory=dict)
    has_fatal_violations: bool = False
    has_error_violations: bool = False
    violation_count: int = 0
    last_check_time: float | None = None


@dataclass
class GuardrailConfig:
    """Configuration of a :class:`~l0.guardrails.GuardrailEngine` (``check_interval`` is informational)."""

    rules: list[GuardrailRule] = field(default_factory=list)
    stop_on_fatal: bool = True
    enable_streaming: bool = True
    check_interval: int = 100
    on_violation: Callable[[GuardrailViolation], None] | None = None


@runtime_checkable
class RuleSession(Protocol):
    """Per-stream state of one rule: the runtime creates one per rule per attempt."""

    def check(self, state: State) -> list[GuardrailViolation]: ...


@dataclass
class GuardrailRule:
    """A named check over the stream state.

    ``check(state)`` keeps working when called directly. The runtime instead calls
    :meth:`new_session` once per stream (and attempt) and then ``session.check``,
    so one rule object shared by concurrent streams never mixes their state.

    ``severity``/``recoverable`` apply to the rule's violations: built-in rules
    stamp them on what they report; for a plain ``check`` function they override
    the violations' own values when set to something other than the defaults
    (``"error"`` / ``True``).

    ``session_factory`` (optional, keyword-only) builds the per-stream state of a
    custom stateful rule: ``session_factory(rule) -> RuleSession``.
    """

    name: str
    check: Callable[[State], list[GuardrailViolation]]
    description: str | None = None
    streaming: bool = True
    severity: Severity = "error"
    recoverable: bool = True
    session_factory: Callable[[GuardrailRule], RuleSession] | None = field(
        default=None, kw_only=True, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name must be str, got {type(self.name).__name__}")
        if not callable(self.check):
            raise TypeError(f"check must be callable (state) -> list[GuardrailViolation], got {self.check!r}")
        check_severity(self.severity)
        rebind = getattr(self.check, "_rebind", None)
        if rebind is not None:
            # dataclasses.replace() hands the built-in check of another rule to this one.
            self.check = rebind(self)

    def new_session(self) -> RuleSession:
        """Fresh per-stream state for this rule."""
        chk = self.check
        factory = getattr(chk, "_session_factory", None)
        if factory is not None and getattr(chk, "_rule", None) is self:
            return factory(self)
        if self.session_factory is not None:
            return self.session_factory(self)
        return CallableSession(self)


def apply_rule_level(rule: GuardrailRule, violations: list[GuardrailViolation]) -> list[GuardrailViolation]:
    """Apply a rule's non-default ``severity``/``recoverable`` to a plain check's violations."""
    sev = rule.severity
    rec = rule.recoverable
    if sev == "error" and rec is True:
        return violations
    out = []
    for v in violations:
        if v.severity != sev or v.recoverable != rec:
            v = replace(v, severity=sev, recoverable=rec)
        out.append(v)
    return out


class CallableSession:
    """Default session of a rule built from a plain ``check`` function: calls it."""

    __slots__ = ("_rule",)
    streaming_idle = False
    check_fresh = None

    def __init__(self, rule: GuardrailRule) -> None:
        self._rule = rule

    def check(self, state: State) -> list[GuardrailViolation]:
        rule = self._rule
        found = rule.check(state)
        if found.__class__ is not list:
            if found is None:
                return []
            if isinstance(found, (str, bytes, dict)) or not hasattr(found, "__iter__"):
                return found  # type: ignore[no-any-return]  # the runtime names the rule and this value
            found = list(found)
        if not found:
            return []
        return apply_rule_level(rule, found)
