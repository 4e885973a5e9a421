"""``GuardrailEngine`` (standalone checks), check helpers and the retry/halt decision."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from l0._safe import safe_str

from .types import (
    GuardrailConfig,
    GuardrailContext,
    GuardrailResult,
    GuardrailResultSummary,
    GuardrailRule,
    GuardrailState,
    GuardrailViolation,
)

__all__ = [
    "GuardrailEngine",
    "GuardrailOutcome",
    "evaluate_violations",
    "create_guardrail_engine",
    "check_guardrails",
    "check_guardrails_full",
    "run_async_guardrail_check",
    "run_guardrail_check_async",
]

logger = logging.getLogger("l0.guardrails")


@dataclass(frozen=True)
class GuardrailOutcome:
    """What a set of violations asks the runtime to do.

    ``violation`` is the deciding violation (the first halting one, else the first
    retryable one), ``None`` when neither flag is set.
    """

    should_retry: bool
    should_halt: bool
    violation: GuardrailViolation | None = None


def evaluate_violations(violations: Iterable[GuardrailViolation]) -> GuardrailOutcome:
    """Severity semantics: ``fatal`` halts; ``error`` retries when recoverable, else halts.

    ``warning`` never changes the outcome. A halt wins over a retry.
    """
    halt: GuardrailViolation | None = None
    retry: GuardrailViolation | None = None
    for v in violations:
        sev = v.severity
        if sev == "fatal" or (sev == "error" and not v.recoverable):
            halt = v
            break
        if sev == "error" and retry is None:
            retry = v
    if halt is not None:
        return GuardrailOutcome(should_retry=False, should_halt=True, violation=halt)
    if retry is not None:
        return GuardrailOutcome(should_retry=True, should_halt=False, violation=retry)
    return GuardrailOutcome(should_retry=False, should_halt=False)


def _as_state(context: Any) -> Any:
    if isinstance(context, GuardrailContext):
        from l0.types import State

        return State(content=context.content, completed=context.completed, token_count=context.token_count)
    if not isinstance(getattr(context, "content", None), str):
        raise TypeError(f"context must be a GuardrailContext or State, got {type(context).__name__}")
    return context


def _summary(violations: list[GuardrailViolation]) -> GuardrailResultSummary:
    fatal = sum(1 for v in violations if v.severity == "fatal")
    errors = sum(1 for v in violations if v.severity == "error")
    warnings = sum(1 for v in violations if v.severity == "warning")
    return GuardrailResultSummary(total=len(violations), fatal=fatal, errors=errors, warnings=warnings)


class GuardrailEngine:
    """Runs a list of rules over a context or state and keeps violation bookkeeping."""

    def __init__(self, config: GuardrailConfig | None = None) -> None:
        if config is None:
            config = GuardrailConfig()
        if not isinstance(config, GuardrailConfig):
            raise TypeError(f"config must be a GuardrailConfig or None, got {type(config).__name__}")
        self.config = config
        self.rules: list[GuardrailRule] = list(config.rules)
        self.state = GuardrailState()

    def check(self, context: GuardrailContext | Any) -> GuardrailResult:
        """Run every applicable rule once; completion-only rules only when ``completed``."""
        state = _as_state(context)
        completed = bool(state.completed)
        cfg = self.config
        now = time.time()
        found: list[GuardrailViolation] = []
        for rule in self.rules:
            if not completed and (not rule.streaming or not cfg.enable_streaming):
                continue
            try:
                result = rule.check(state)
            except Exception as exc:
                v = GuardrailViolation(rule=rule.name, message=f"Rule execution failed: {safe_str(exc)}",
                                       severity="warning", recoverable=True, timestamp=now)
                found.append(v)
                self.state.violations_by_rule.setdefault(rule.name, []).append(v)
                continue
            result = list(result or [])
            for v in result:
                v.timestamp = now
            found.extend(result)
            self.state.violations_by_rule.setdefault(rule.name, []).extend(result)
            if cfg.stop_on_fatal and any(v.severity == "fatal" for v in result):
                break
        st = self.state
        st.violations.extend(found)
        st.violation_count = len(st.violations)
        st.has_fatal_violations = any(v.severity == "fatal" for v in found)
        st.has_error_violations = any(v.severity == "error" for v in found)
        st.last_check_time = now
        if cfg.on_violation is not None:
            for v in found:
                try:
                    cfg.on_violation(v)
                except Exception:  # a failing user callback must not break the check
                    logger.debug("on_violation callback failed", exc_info=True)
        return GuardrailResult(
            passed=not found,
            violations=found,
            should_retry=any(v.recoverable and v.severity in ("error", "fatal") for v in found),
            should_halt=any(v.severity == "fatal" or (v.severity == "error" and not v.recoverable) for v in found),
            summary=_summary(found),
        )

    def get_state(self) -> GuardrailState:
        st = self.state
        return GuardrailState(
            violations=list(st.violations),
            violations_by_rule={k: list(v) for k, v in st.violations_by_rule.items()},
            has_fatal_violations=st.has_fatal_violations,
            has_error_violations=st.has_error_violations,
            violation_count=st.violation_count,
            last_check_time=st.last_check_time,
        )

    def reset(self) -> None:
        self.state = GuardrailState()

    def add_rule(self, rule: GuardrailRule) -> None:
        if not isinstance(rule, GuardrailRule):
            raise TypeError(f"rule must be a GuardrailRule, got {type(rule).__name__}")
        self.rules.append(rule)

    def remove_rule(self, rule_name: str) -> bool:
        for i, rule in enumerate(self.rules):
            if rule.name == rule_name:
                del self.rules[i]
                return True
        return False

    def get_violations_by_rule(self, rule_name: str) -> list[GuardrailViolation]:
        return list(self.state.violations_by_rule.get(rule_name, []))

    def get_all_violations(self) -> list[GuardrailViolation]:
        return list(self.state.violations)

    def has_violations(self) -> bool:
        return bool(self.state.violations)

    def has_fatal_violations(self) -> bool:
        return self.state.has_fatal_violations

    def has_error_violations(self) -> bool:
        return self.state.has_error_violations


def create_guardrail_engine(
    rules: list[GuardrailRule],
    *,
    stop_on_fatal: bool = True,
    enable_streaming: bool = True,
    check_interval: int = 100,
    on_violation: Callable[[GuardrailViolation], None] | None = None,
) -> GuardrailEngine:
    return GuardrailEngine(GuardrailConfig(rules=list(rules), stop_on_fatal=stop_on_fatal,
                                           enable_streaming=enable_streaming, check_interval=check_interval,
                                           on_violation=on_violation))


def check_guardrails(state: Any, rules: list[GuardrailRule]) -> list[GuardrailViolation]:
    """Run every rule on *state* (no streaming filter) and collect the violations."""
    out: list[GuardrailViolation] = []
    for rule in rules:
        found = rule.check(state)
        if found:
            logger.debug("guardrail %s: %d violation(s)", rule.name, len(found))
            out.extend(found)
    return out


def check_guardrails_full(context: Any, rules: list[GuardrailRule]) -> GuardrailResult:
    """One check with a fresh engine."""
    return create_guardrail_engine(rules).check(context)


def _failed(exc: BaseException) -> GuardrailResult:
    v = GuardrailViolation(rule="internal_error", message=f"Guardrail check failed: {safe_str(exc)}", severity="error",
                           recoverable=True)
    return GuardrailResult(passed=False, violations=[v], should_retry=True, should_halt=False,
                           summary=GuardrailResultSummary(total=1, fatal=0, errors=1, warnings=0))


def run_async_guardrail_check(
    engine: GuardrailEngine, context: GuardrailContext, on_complete: Callable[[GuardrailResult], None]
) -> GuardrailResult | None:
    """Quick delta check first; otherwise a full check, deferred to the loop if one runs."""
    delta = context.delta
    if delta and len(delta) < 1000:
        quick = engine.check(GuardrailContext(content=delta, completed=context.completed,
                                              token_count=context.token_count))
        if quick.violations:
            return quick
        if len(context.content) < 5000:
            return engine.check(context)

    def full() -> None:
        try:
            result = engine.check(context)
        except Exception as exc:
            result = _failed(exc)
        on_complete(result)

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        result = engine.check(context)
        on_complete(result)
        return result
    loop.call_soon(full)
    return None


async def run_guardrail_check_async(engine: GuardrailEngine, context: Any) -> GuardrailResult:
    """Yield to the loop once, then run a full check (failures become a result)."""
    await asyncio.sleep(0)
    try:
        return engine.check(context)
    except Exception as exc:
        return _failed(exc)
