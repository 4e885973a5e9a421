"""Guardrail phases, drift checks, tool calls and other non-token events.

These run at check cadence or per non-text event, never per text token.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from l0._jsonparse import loads
from l0._safe import safe_str
from l0.errors import Error, ErrorCode, ErrorContext
from l0.events import ObservabilityEventType as O
from l0.types import Event, EventType

from ._engine import NEVER

if TYPE_CHECKING:  # pragma: no cover
    from ._engine import Attempt
    from ._runner import Runner

__all__ = ["new_session", "new_drift_session", "fast_drift_scan", "violation_dict", "evaluate", "guardrail_scan",
           "guardrail_callbacks", "violation_key", "guardrail_close", "guardrail_phase", "drift_scan", "drift_found", "drift_check",
           "complete_event", "other_event", "finish_tool_calls"]


# -- sessions --------------------------------------------------------------------------------------

def config_error(message: str) -> TypeError:
    """A misbehaving rule or detector: not retried (the next attempt would fail the same way)."""
    err = TypeError(message)
    err.l0_retryable = False  # type: ignore[attr-defined]
    return err


def _describe(value: Any) -> str:
    if inspect.iscoroutine(value):
        value.close()  # never awaited: close it so Python does not warn about it
        return "a coroutine (check must be a plain function, not async def)"
    try:
        shown = repr(value)
    except Exception:  # a foreign object's repr may itself fail
        shown = f"<{type(value).__name__}>"
    return f"{type(value).__name__} {shown[:80]}"


def checked_violations(rule: Any, value: Any) -> list[Any]:
    """*value* (a check's result) as a list of violations, or a TypeError naming the rule and the value.

    Called only for results that are not already a list of ``GuardrailViolation``
    (or that hold something else), so correct checks pay one type test per check.
    """
    from l0.guardrails.types import GuardrailViolation

    name = getattr(rule, "name", None) or type(rule).__name__
    if value is None:
        return []
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        raise config_error(f"guardrail rule {name!r}: check returned {_describe(value)}; "
                           f"expected a list of GuardrailViolation (or an empty list)")
    value = list(value)  # a tuple or a generator of violations is fine
    for item in value:
        # Duck-typed violations work too: the runtime reads severity, recoverable and message.
        if not (isinstance(item, GuardrailViolation) or (hasattr(item, "severity") and hasattr(item, "message"))):
            raise config_error(f"guardrail rule {name!r}: check returned a list holding {_describe(item)}; "
                               f"expected a list of GuardrailViolation (objects with severity and message)")
    return value


def _violations(rule: Any, value: Any) -> list[Any]:
    """A session's result as a list of violations (called when it is not an empty list or None)."""
    from l0.guardrails.types import GuardrailViolation

    if value.__class__ is list and all(v.__class__ is GuardrailViolation for v in value):
        return value  # type: ignore[no-any-return]  # the usual case, checked cheaply
    return checked_violations(rule, value)


class _CheckSession:
    """Session for a rule object without ``new_session`` (calls ``rule.check(state)``)."""

    __slots__ = ("_check",)
    streaming_idle = False
    check_fresh = None

    def __init__(self, check: Any) -> None:
        self._check = check

    def check(self, state: Any) -> Any:
        return self._check(state)


def new_session(rule: Any) -> Any:
    factory = getattr(rule, "new_session", None)
    if factory is None:
        return _CheckSession(rule.check)
    session = factory()
    if not callable(getattr(session, "check", None)):
        name = getattr(rule, "name", None) or type(rule).__name__
        raise config_error(f"guardrail rule {name!r}: new_session() returned {_describe(session)}; "
                           f"expected a session with a check(state) method")
    return session


class _DriftLegacySession:
    """Session for a detector without ``new_session``: ``check(content, delta)`` (O(n) per check)."""

    __slots__ = ("_detector",)

    def __init__(self, detector: Any) -> None:
        self._detector = detector

    def check(self, state: Any, delta: str) -> Any:
        return self._detector.check(state.content, delta)


def new_drift_session(detector: Any) -> Any:
    factory = getattr(detector, "new_session", None)
    if factory is None:
        return _DriftLegacySession(detector)
    session = factory()
    if not callable(getattr(session, "check", None)):
        raise config_error(f"drift_detector {type(detector).__name__}: new_session() returned {_describe(session)}; "
                           f"expected a session with a check(state, delta) method")
    return session


def fast_drift_scan(session: Any) -> Any:
    """A built-in session's ``scan`` (types only, no result object), or None for other sessions.

    Other sessions follow ``l0.drift.DriftSessionProtocol`` (``check(state, delta)``).
    """
    from l0.drift import DriftSession

    return session.scan if isinstance(session, DriftSession) else None


def violation_dict(v: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
    return dict(getattr(v, "__dict__", {}))


# -- outcome ---------------------------------------------------------------------------------------

def _own_evaluate(violations: list[Any]) -> tuple[bool, bool]:
    halt = retry = False
    for v in violations:
        severity = getattr(v, "severity", "error")
        if severity == "fatal" or (severity == "error" and not getattr(v, "recoverable", True)):
            halt = True
        elif severity == "error":
            retry = True
    return retry, halt


def evaluate(violations: list[Any]) -> tuple[bool, bool, Any]:
    """``(should_retry, should_halt, deciding violation)`` per the documented severity semantics."""
    try:
        from l0.guardrails import evaluate_violations
    except ImportError:
        retry, halt = _own_evaluate(violations)
        return retry, halt, None
    outcome = evaluate_violations(violations)
    return bool(outcome.should_retry), bool(outcome.should_halt), getattr(outcome, "violation", None)


def _raise_for(run: Runner, violations: list[Any]) -> None:
    should_retry, should_halt, chosen = evaluate(violations)
    if not (should_retry or should_halt):
        return
    state = run.state
    if should_halt:
        if chosen is None:
            chosen = next((v for v in violations if getattr(v, "severity", "") == "fatal"
                           or (getattr(v, "severity", "") == "error" and not getattr(v, "recoverable", True))),
                          violations[0])
        code, prefix = ErrorCode.FATAL_GUARDRAIL_VIOLATION, "Fatal guardrail violation"
    else:
        if chosen is None:
            chosen = next((v for v in violations if getattr(v, "severity", "") == "error"), violations[0])
        code, prefix = ErrorCode.GUARDRAIL_VIOLATION, "Guardrail violation"
    raise Error(
        f"{prefix}: {safe_str(getattr(chosen, 'message', chosen))}",
        ErrorContext(
            code=code, checkpoint=state.checkpoint, token_count=state.token_count,
            content_length=len(state.buffer), model_retry_count=state.model_retry_count,
            network_retry_count=state.network_retry_count, fallback_index=state.fallback_index,
            context=run.context,
        ),
    )


# -- guardrails and drift --------------------------------------------------------------------------

def _callback_id() -> str:
    from uuid6 import uuid7

    return "cb_" + uuid7().hex[:12]


def guardrail_scan(run: Runner, att: Attempt, *, final: bool) -> tuple[list[Any], float]:
    """Run the streaming sessions (or, at completion, all of them): ``(violations, phase start time)``.

    Emits the phase start and the per-rule events. With nobody listening to
    events, a streaming session that reports ``streaming_idle`` (its streaming
    checks can find nothing more in text that only grows) is dropped from the
    attempt's streaming set; once the set is empty no guardrail check is due.
    """
    state = run.state
    if not run.guard_events:
        found: list[Any] = []
        if final:
            for rule, session in att.guard_all:
                v = session.check(state)
                if v is not None and v.__class__ is not list or v:
                    vs = _violations(rule, v)
                    if vs and run.guard_findings:
                        _finding(run, att.guard_all, rule, vs)
                    found.extend(vs)
            return (_unreported(att, found) if found and att.reported else found), 0.0
        sessions = att.guard_stream
        idle = False
        buf = state.buffer
        delta = None
        for rule, session in sessions:
            fresh = getattr(session, "check_fresh", None)
            if fresh is not None:
                # Every streaming session is checked at the same counts: the text since the previous
                # check is the same for all, read once.
                if delta is None:
                    delta = buf.since(att.guard_pos)
                v = fresh(state, delta)
            else:
                v = session.check(state)
            if v is not None and v.__class__ is not list or v:
                vs = _violations(rule, v)
                if vs and run.guard_findings:
                    _finding(run, [p for p in att.guard_all if getattr(p[0], "streaming", True)], rule, vs)
                found.extend(vs)
            if getattr(session, "streaming_idle", False):
                idle = True
        att.guard_pos = len(buf)
        if idle:
            att.guard_stream = [p for p in sessions if not getattr(p[1], "streaming_idle", False)]
            if not att.guard_stream:
                att.next_guard = NEVER
        return (_unreported(att, found) if found and att.reported else found), 0.0
    sessions = att.guard_all if final else att.guard_stream
    emit = run.emit
    wants = run.bus.wants
    # Each event only if the handler reads it (EventBus.emit would drop it, but after the meta was built).
    start, result, end = wants(O.GUARDRAIL_RULE_START), wants(O.GUARDRAIL_RULE_RESULT), wants(O.GUARDRAIL_RULE_END)
    all_results = run.bus.passed_checks
    t0 = time.perf_counter()
    if wants(O.GUARDRAIL_PHASE_START):
        emit(O.GUARDRAIL_PHASE_START, phase="post", ruleCount=len(sessions))
    found = []
    cb_id = None
    for index, (rule, session) in enumerate(sessions):
        if start or end:
            cb_id = _callback_id()
        t1 = time.perf_counter()
        if start:
            emit(O.GUARDRAIL_RULE_START, index=index, ruleId=rule.name, callbackId=cb_id)
        violations = _violations(rule, session.check(state))
        passed = not violations
        if result and (all_results or not passed):
            emit(O.GUARDRAIL_RULE_RESULT, index=index, ruleId=rule.name, passed=passed,
                 violation=violation_dict(violations[0]) if violations else None)
        if end:
            emit(O.GUARDRAIL_RULE_END, index=index, ruleId=rule.name, passed=passed, callbackId=cb_id,
                 durationMs=(time.perf_counter() - t1) * 1000.0)
        found.extend(violations)
    return (_unreported(att, found) if found and att.reported else found), t0


def _finding(run: Runner, sessions: list[Any], rule: Any, violations: list[Any]) -> None:
    """GUARDRAIL_RULE_RESULT for a rule that failed, on the quiet path (the handler reads findings only).

    ``index`` is the rule's place among ``sessions`` as the per-rule path counts it.
    """
    index = next((i for i, (r, _) in enumerate(sessions) if r is rule), -1)
    run.emit(O.GUARDRAIL_RULE_RESULT, index=index, ruleId=rule.name, passed=False,
             violation=violation_dict(violations[0]))


def violation_key(v: Any) -> tuple[Any, ...]:
    """What makes two findings the same: rule, message, position, severity."""
    return tuple(value if value is None or type(value) in (str, int) else safe_str(value)
                 for value in (getattr(v, "rule", None), getattr(v, "message", None), getattr(v, "position", None),
                               getattr(v, "severity", None)))


def _unreported(att: Attempt, found: list[Any]) -> list[Any]:
    """Drop findings a resumed attempt's fresh sessions made again in the text kept from before."""
    reported = att.reported
    fresh = []
    for v in found:
        key = violation_key(v)
        if key in reported:
            reported.discard(key)  # once: the same finding made again later in new text is new
        else:
            fresh.append(v)
    return fresh


async def guardrail_callbacks(run: Runner, found: list[Any]) -> None:
    """``on_violation`` for each violation found (with its callback events)."""
    bus_on = run.bus.enabled
    emit = run.emit
    for v in found:
        if bus_on:
            cb_id = _callback_id()
            t1 = time.perf_counter()
            emit(O.GUARDRAIL_CALLBACK_START, callbackId=cb_id, ruleId=getattr(v, "rule", None))
        await run.fire("on_violation", v)
        if bus_on:
            emit(O.GUARDRAIL_CALLBACK_END, callbackId=cb_id, ruleId=getattr(v, "rule", None),
                 durationMs=(time.perf_counter() - t1) * 1000.0)


def guardrail_close(run: Runner, found: list[Any], t0: float) -> None:
    """End of a guardrail phase: the phase end event, then the retry or halt the violations call for."""
    if run.guard_events and run.bus.wants(O.GUARDRAIL_PHASE_END):
        run.emit(O.GUARDRAIL_PHASE_END, phase="post", passed=not found,
                 violations=[violation_dict(v) for v in found], durationMs=(time.perf_counter() - t0) * 1000.0)
    if found:
        _raise_for(run, found)


async def guardrail_phase(run: Runner, att: Attempt, *, final: bool) -> None:
    """Run the streaming sessions (or, at completion, all of them); act on the outcome."""
    if not (att.guard_all if final else att.guard_stream):
        return
    found, t0 = guardrail_scan(run, att, final=final)
    if found:
        run.state.violations.extend(found)
        if "on_violation" in run.cbs:
            await guardrail_callbacks(run, found)
    guardrail_close(run, found, t0)


def _drift_result(types: list[str]) -> Any:
    from l0.drift import DriftSession

    return DriftSession.result_of(types)


def _drift_types(result: Any) -> list[str]:
    return [getattr(t, "value", t) for t in (getattr(result, "types", None) or ())]


def drift_scan(run: Runner, att: Attempt) -> tuple[list[str], Any] | None:
    """One drift check (records and emits): ``(types, confidence)`` if drift was detected, else None."""
    state = run.state
    buf = state.buffer
    delta = buf.since(att.drift_pos)
    att.drift_pos = len(buf)
    fast = att.drift_fast
    if fast is not None:
        # Built-in sessions: the types found (delta is exactly the new text), the result object
        # only when there is drift.
        types = fast(state, delta, True)
        result = _drift_result(types) if types else None
    else:
        result = att.drift_session.check(state, delta)
    if result is None or not getattr(result, "detected", False):
        if run.drift_events:
            run.emit(O.DRIFT_CHECK_RESULT, detected=False, score=0.0, metrics={}, threshold=0.5)
        return None
    types = _drift_types(result)
    confidence = getattr(result, "confidence", None)
    state.drift_detected = True
    if run.drift_findings:
        run.emit(O.DRIFT_CHECK_RESULT, detected=True, score=confidence or 0.0,
                 metrics={t: True for t in types}, threshold=0.5)
    return types, confidence


def drift_found(run: Runner, types: list[str]) -> tuple[list[str], Any]:
    """Record drift a built-in session found (``types``, not empty): ``(types, confidence)``."""
    result = _drift_result(types)
    run.state.drift_detected = True
    if run.drift_findings:
        run.emit(O.DRIFT_CHECK_RESULT, detected=True, score=result.confidence or 0.0,
                 metrics={t: True for t in types}, threshold=0.5)
    return list(result.types), result.confidence


async def drift_check(run: Runner, att: Attempt) -> None:
    hit = drift_scan(run, att)
    if hit is not None:
        await run.fire("on_drift", *hit)


# -- non-token events ------------------------------------------------------------------------------

def _parse_args(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = loads(text)
    except ValueError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"_raw": text}


def complete_event(att: Attempt, ev: Event) -> None:
    """Hold back a COMPLETE event (delivered after the final checks pass) and note its finish reason."""
    att.complete_event = ev
    reason = ev.finish_reason
    if reason is None and ev.metadata:
        reason = ev.metadata.get("finish_reason")
    att.finish_reason = reason


async def other_event(run: Runner, att: Attempt, ev: Event) -> bool:
    """Bookkeeping for a non-token event; True if the consumer should get it now."""
    t = ev.type
    state = run.state
    if t is EventType.TOOL_CALL or t == "tool_call":
        if att.watchdog is not None:
            att.watchdog.mark = run.loop_time()
        return await _tool_fragment(run, att, ev)
    if t is EventType.COMPLETE or t == "complete":
        complete_event(att, ev)
        return False  # delivered after the final checks pass
    if t is EventType.ERROR or t == "error":
        att.inband_error = ev.error if ev.error is not None else "in-band error event"
        return True
    if t is EventType.PROGRESS or t == "progress":
        if ev.progress is not None:
            state.last_progress = ev.progress
        return True
    if t is EventType.DATA or t == "data":
        if ev.payload is not None:
            state.data_outputs.append(ev.payload)
        return True
    if (t is EventType.MESSAGE or t == "message") and ev.data and run.bus.enabled:
        data = ev.data
        call_id = data.get("tool_call_id")
        if call_id is not None and data.get("role") == "tool":
            run.emit(O.TOOL_RESULT, toolCallId=call_id, result=data.get("content"))
    return True


async def _tool_fragment(run: Runner, att: Attempt, ev: Event) -> bool:
    data = ev.data or {}
    index = data.get("index")
    fragment = data.get("arguments") or ""
    if run.buffer_tool_calls:
        buf = att.tool_buf
        if buf is None:
            buf = att.tool_buf = {}
        if index is None:
            index = len(buf)
        entry = buf.get(index)
        if entry is None:
            buf[index] = {"id": data.get("id"), "name": data.get("name"), "arguments": fragment}
        else:
            if data.get("id"):
                entry["id"] = data["id"]
            if data.get("name"):
                entry["name"] = data["name"]
            entry["arguments"] += fragment
        return False
    if att.tool_seen is None:
        att.tool_seen, att.tool_args, att.tool_ids = {}, {}, {}
    call_id = data.get("id")
    key = index if index is not None else call_id
    if call_id:
        att.tool_ids[key] = call_id
    att.tool_args.setdefault(key, []).append(fragment)
    if call_id and call_id not in att.tool_seen:
        name = data.get("name")
        att.tool_seen[call_id] = name
        args = _parse_args(fragment)
        run.emit(O.TOOL_REQUESTED, toolName=name, toolCallId=call_id, arguments=args)
        run.emit(O.TOOL_START, toolCallId=call_id, toolName=name)
        await run.fire("on_tool_call", name, call_id, args)
    return True


async def finish_tool_calls(run: Runner, att: Attempt) -> list[Event]:
    """TOOL_COMPLETED/TOOL_ERROR for streamed calls; announce and return buffered calls."""
    emit = run.emit
    if att.tool_seen:
        by_id: dict[str, str] = {}
        for key, call_id in att.tool_ids.items():
            by_id[call_id] = "".join(att.tool_args.get(key, ()))
        for call_id, name in att.tool_seen.items():
            text = by_id.get(call_id, "")
            ok = "_raw" not in _parse_args(text)
            if not ok:
                emit(O.TOOL_ERROR, toolCallId=call_id, toolName=name, error="arguments are not valid JSON")
            emit(O.TOOL_COMPLETED, toolCallId=call_id, status="success" if ok else "error")
    out: list[Event] = []
    if att.tool_buf:
        for index in sorted(att.tool_buf, key=lambda k: (str(type(k)), k)):
            entry = att.tool_buf[index]
            call_id, name, text = entry["id"], entry["name"], entry["arguments"]
            args = _parse_args(text)
            emit(O.TOOL_REQUESTED, toolName=name, toolCallId=call_id, arguments=args)
            emit(O.TOOL_START, toolCallId=call_id, toolName=name)
            await run.fire("on_tool_call", name, call_id, args)
            ok = "_raw" not in args
            if not ok:
                emit(O.TOOL_ERROR, toolCallId=call_id, toolName=name, error="arguments are not valid JSON")
            emit(O.TOOL_COMPLETED, toolCallId=call_id, status="success" if ok else "error")
            out.append(Event(type=EventType.TOOL_CALL, data={"id": call_id, "name": name, "arguments": text}))
    return out
