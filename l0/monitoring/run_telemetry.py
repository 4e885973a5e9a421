"""Per-run telemetry (``stream.telemetry``) and the event collector that builds it.

A :class:`RunCollector` reads a run's observability events (never its tokens)
and, when it has the run's :class:`~l0.types.State`, the token timestamps the
runtime keeps anyway. It costs nothing per token, and nothing at all when
``run(monitoring=...)`` is not set: the runtime then builds no collector.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from l0.events import ObservabilityEventType, wants_of, wants_passed_checks_of

from ._meta import event_name, meta_get, text_of

__all__ = ["RunTelemetry", "RunCollector", "TelemetryOptions", "violation_fields"]


@dataclass(frozen=True, slots=True)
class TelemetryOptions:
    """What ``run(monitoring=...)`` accepts besides ``True``.

    ``sample_rate`` in [0, 1]; ``metadata`` copied into the telemetry;
    ``events=True`` follows the run's observability events even without an
    ``on_event`` handler (per-rule violations of retried attempts, drift
    types, continuation count), at the cost of enabling the event bus.
    """

    enabled: bool = True
    sample_rate: float = 1.0
    metadata: dict[str, Any] = field(default_factory=dict)
    events: bool = False

    def __post_init__(self) -> None:
        rate = self.sample_rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
            raise ValueError(f"monitoring sample_rate must be a number in [0, 1], got {rate!r}")
        if not isinstance(self.metadata, dict):
            raise TypeError(f"monitoring metadata must be a dict, got {type(self.metadata).__name__}")

    @classmethod
    def of(cls, value: Any) -> TelemetryOptions | None:
        """Coerce ``run(monitoring=value)``: ``True``, a dict (snake or camelCase keys) or a TelemetryOptions."""
        if value is None or value is False:
            return None
        if value is True:
            return cls()
        if isinstance(value, cls):
            return value if value.enabled else None
        if isinstance(value, dict):
            known = {"enabled": "enabled", "sample_rate": "sample_rate", "sampleRate": "sample_rate",
                     "metadata": "metadata", "events": "events"}
            unknown = sorted(set(value) - set(known))
            if unknown:
                raise ValueError(f"monitoring: unknown keys {unknown}; expected enabled, sample_rate, metadata, events")
            opts = cls(**{known[k]: v for k, v in value.items()})
            return opts if opts.enabled else None
        raise TypeError("monitoring must be a bool, a dict {enabled, sample_rate, metadata, events} or a "
                        f"l0.monitoring.TelemetryOptions, got {type(value).__name__}")


@dataclass(slots=True)
class RunTelemetry:
    """What one run did. Times in seconds (epoch seconds for ``started_at``/``ended_at``).

    ``time_to_first_token`` runs from the first attempt's start to the first
    token; ``avg_inter_token_time`` is the mean gap between tokens.
    """

    stream_id: str
    started_at: float
    ended_at: float | None = None
    duration: float | None = None
    time_to_first_token: float | None = None
    avg_inter_token_time: float | None = None
    tokens_per_second: float | None = None
    token_count: int = 0
    content_length: int = 0
    attempts: int = 1
    total_retries: int = 0
    model_retries: int = 0
    network_retries: int = 0
    fallback_index: int = 0
    network_errors: int = 0
    network_errors_by_type: dict[str, int] = field(default_factory=dict)
    timeouts: int = 0
    errors: int = 0
    errors_by_type: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None
    last_error_type: str | None = None
    violations: int = 0
    violations_by_rule: dict[str, int] = field(default_factory=dict)
    violations_by_severity: dict[str, int] = field(default_factory=dict)
    violation_kinds: dict[tuple[str, str], int] = field(default_factory=dict)
    drift_detected: bool = False
    drift_types: list[str] = field(default_factory=list)
    continuations: int = 0
    continuation_used: bool = False
    completed: bool = False
    aborted: bool = False
    failed: bool = False
    model: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def most_common_network_error(self) -> str | None:
        by = self.network_errors_by_type
        return max(by, key=by.__getitem__) if by else None

    def summary(self) -> str:
        """One line for logs and the demo: ``tokens=.. ttft=..s duration=..s tok/s=.. retries=..``."""
        parts = [f"tokens={self.token_count}"]
        if self.time_to_first_token is not None:
            parts.append(f"ttft={self.time_to_first_token:.3f}s")
        if self.duration is not None:
            parts.append(f"duration={self.duration:.3f}s")
        if self.tokens_per_second is not None:
            parts.append(f"tokens/s={self.tokens_per_second:.1f}")
        if self.avg_inter_token_time is not None:
            parts.append(f"inter_token={self.avg_inter_token_time * 1000:.2f}ms")
        parts.append(f"retries={self.total_retries} (network {self.network_retries}, model {self.model_retries})")
        if self.network_errors_by_type:
            parts.append("network_errors=" + ",".join(f"{k}:{v}" for k, v in sorted(self.network_errors_by_type.items())))
        if self.fallback_index:
            parts.append(f"fallback={self.fallback_index}")
        if self.violations:
            parts.append("violations=" + ",".join(f"{k}:{v}" for k, v in sorted(self.violations_by_rule.items())))
        if self.drift_detected:
            parts.append("drift=" + (",".join(self.drift_types) or "yes"))
        if self.continuations:
            parts.append(f"continuations={self.continuations}")
        parts.append("completed" if self.completed else ("aborted" if self.aborted else "failed"))
        return " ".join(parts)


def violation_fields(v: Any) -> tuple[str, str, str]:
    """``(rule, severity, message)`` of a violation given as a dict or a GuardrailViolation."""
    if v is None:
        return "unknown", "error", ""
    if isinstance(v, dict):
        return str(v.get("rule") or "unknown"), str(v.get("severity") or "error"), str(v.get("message") or "")
    return (str(getattr(v, "rule", None) or "unknown"), str(getattr(v, "severity", None) or "error"),
            str(getattr(v, "message", None) or ""))


# The event types the collector reads; everything else (per-check events) is rejected with one set lookup.
OBSERVED = frozenset({
    "TOKEN", "SESSION_START", "STREAM_INIT", "ATTEMPT_START", "NETWORK_ERROR", "TIMEOUT_TRIGGERED", "ERROR",
    "RETRY_ATTEMPT", "FALLBACK_START", "GUARDRAIL_RULE_RESULT", "DRIFT_CHECK_RESULT", "CONTINUATION_START",
    "COMPLETE", "FINALIZATION_END", "ABORT_COMPLETED", "SESSION_SUMMARY", "SESSION_END",
})


# The same as ObservabilityEventType members: what the built-in handlers declare as ``wants`` (l0.events.SelectiveHandler).
WANTS: frozenset[ObservabilityEventType] = frozenset(ObservabilityEventType(n) for n in OBSERVED)


def union_wants(handlers: Any) -> frozenset[ObservabilityEventType] | None:
    """The union of the handlers' ``wants``; None (every event) as soon as one wants everything."""
    out: frozenset[ObservabilityEventType] = frozenset()
    for h in handlers:
        w = wants_of(h)
        if w is None:
            return None
        out |= w
    return out


def passed_check(event: Any) -> bool:
    """A rule or drift check that found nothing (what ``wants_passed_checks = False`` leaves out)."""
    t = event.type
    if t == "GUARDRAIL_RULE_RESULT":
        return event.meta.get("passed") is not False
    if t == "DRIFT_CHECK_RESULT":
        return not event.meta.get("detected")
    return False


def delivers(wants: frozenset[ObservabilityEventType] | None, passed: bool, event: Any) -> bool:
    """Would a handler declaring ``wants`` / ``wants_passed_checks=passed`` alone on the bus get ``event``?"""
    return (wants is None or event.type in wants) and (passed or not passed_check(event))


def skip(event: Any) -> bool:
    """True for events no monitoring code reads: per-check events, passed rule checks, drift-free checks."""
    t = event.type
    if t not in OBSERVED:
        return True
    if t == "GUARDRAIL_RULE_RESULT":
        return event.meta.get("passed") is not False
    if t == "DRIFT_CHECK_RESULT":
        return not event.meta.get("detected")
    return False


def _bump(d: dict[str, int], key: str) -> None:
    d[key] = d.get(key, 0) + 1


class RunCollector:
    """Builds a :class:`RunTelemetry` from one run's events (and its ``State`` when given).

    ``handle(event)`` is an ``on_event`` handler; it forwards every event to
    ``forward`` afterwards. On SESSION_END it finishes the telemetry and puts
    it in that event's ``meta["telemetry"]`` so downstream handlers (OTel,
    Sentry, Prometheus, Monitor) get the exact numbers.
    """

    __slots__ = ("state", "forward", "telemetry", "_t", "_start", "_first_token_ts", "_last_token_ts",
                 "_tokens_seen", "_done", "metadata", "_fallback_open", "errors", "runner", "wants",
                 "_forward_wants", "wants_passed_checks", "_forward_passed")

    def __init__(self, stream_id: str = "", *, state: Any = None,
                 forward: Callable[[Any], Any] | None = None, metadata: dict[str, Any] | None = None) -> None:
        self.state = state
        self.forward = forward
        self.metadata = metadata or {}
        now = time.time()
        self._t = RunTelemetry(stream_id=stream_id, started_at=now, metadata=dict(self.metadata))
        self._start: float | None = None
        self._first_token_ts: float | None = None
        self._last_token_ts: float | None = None
        self._tokens_seen = 0
        self._done = False
        self._fallback_open = False
        self.errors: list[BaseException] | None = None
        self.runner: Any = None
        self.telemetry: RunTelemetry | None = None
        fw = wants_of(forward) if forward is not None else frozenset()
        self._forward_wants = fw
        # What this collector reads plus what it forwards (None: every event, for a forward without ``wants``).
        self.wants: frozenset[ObservabilityEventType] | None = None if fw is None else WANTS | fw
        self._forward_passed = wants_passed_checks_of(forward) if forward is not None else False
        self.wants_passed_checks: bool = self._forward_passed

    def __call__(self, event: Any) -> Any:
        return self.handle(event)

    def bind(self, stream: Any) -> None:
        """Attach the run's live ``State``, error list and runner (what ``finish`` reads)."""
        self.state = stream.state
        self.errors = stream.errors
        self.runner = stream._runner

    def result(self) -> RunTelemetry | None:
        """The telemetry once the run ended, else None (built on first use when no events flowed)."""
        if self.telemetry is None and self.runner is not None and self.runner.finished:
            t = self._t
            state = self.state
            t.aborted = bool(getattr(self.runner, "aborted", False) or state.aborted)
            t.failed = not state.completed and not t.aborted
            t.ended_at = state.last_token_at
            runner = self.runner
            if not t.stream_id:
                t.stream_id = runner.bus.stream_id
            context = getattr(runner, "context", None)
            if t.model is None and context and context.get("model"):
                t.model = str(context["model"])
            self.finish()
        return self.telemetry

    def handle(self, event: Any) -> Any:
        self.observe(event)
        fwd = self.forward
        if fwd is None:
            return None
        if delivers(self._forward_wants, self._forward_passed, event):
            return fwd(event)
        return None

    def observe(self, event: Any) -> RunTelemetry | None:
        """Record one event; returns the finished telemetry on SESSION_END, else None."""
        if skip(event):
            return None
        name = event.type  # a str enum: compares and hashes like its value
        meta = event.meta
        t = self._t
        ts = event.ts / 1000.0
        if t.model is None and (name == "SESSION_START" or "model" in meta):
            model = meta.get("model") or (event.context.get("model") if event.context else None)
            if model:
                t.model = str(model)
        if name == "TOKEN":
            if self._first_token_ts is None:
                self._first_token_ts = ts
            self._last_token_ts = ts
            self._tokens_seen += 1
        elif name == "SESSION_START":
            t.started_at = ts
            t.stream_id = event.stream_id
        elif name == "STREAM_INIT":
            self._fallback_open = False
            if self._start is None:
                self._start = ts
        elif name == "ATTEMPT_START":
            # A fallback's first attempt was already counted at FALLBACK_START.
            if not (self._fallback_open and not meta_get(meta, "is_retry")):
                t.attempts += 1
        elif name == "NETWORK_ERROR":
            t.network_errors += 1
            _bump(t.network_errors_by_type, text_of(meta_get(meta, "code")))
        elif name == "TIMEOUT_TRIGGERED":
            t.timeouts += 1
        elif name == "ERROR":
            t.errors += 1
            kind = text_of(meta_get(meta, "error_code") or meta_get(meta, "failure_type"))
            _bump(t.errors_by_type, kind)
            t.last_error = meta_get(meta, "error")
            t.last_error_type = kind
        elif name == "RETRY_ATTEMPT":
            t.total_retries += 1
            if meta_get(meta, "is_network"):
                t.network_retries += 1
            else:
                t.model_retries += 1
        elif name == "FALLBACK_START":
            t.attempts += 1
            self._fallback_open = True
            t.fallback_index = int(meta_get(meta, "to_index") or t.fallback_index + 1)
        elif name == "GUARDRAIL_RULE_RESULT":
            if meta_get(meta, "passed") is False:
                v = meta.get("violation")
                vs = meta.get("violations") or ([v] if v is not None else [None])
                for one in vs:
                    rule, severity, _ = violation_fields(one)
                    if rule == "unknown":
                        rule = str(meta_get(meta, "rule_id") or "unknown")
                    t.violations += 1
                    _bump(t.violations_by_rule, rule)
                    _bump(t.violations_by_severity, severity)
                    t.violation_kinds[(rule, severity)] = t.violation_kinds.get((rule, severity), 0) + 1
        elif name == "DRIFT_CHECK_RESULT":
            if meta_get(meta, "detected"):
                t.drift_detected = True
                for k in meta.get("metrics") or ():
                    if k not in t.drift_types:
                        t.drift_types.append(str(k))
        elif name == "CONTINUATION_START":
            t.continuations += 1
            t.continuation_used = True
        elif name in ("COMPLETE", "FINALIZATION_END"):
            t.token_count = int(meta_get(meta, "token_count") or t.token_count)
            t.content_length = int(meta_get(meta, "content_length") or t.content_length)
            if name == "COMPLETE":
                t.completed = True
        elif name == "ABORT_COMPLETED":
            t.aborted = True
        elif name == "SESSION_SUMMARY":
            t.token_count = int(meta_get(meta, "token_count") or t.token_count)
        elif name == "SESSION_END":
            if meta_get(meta, "success"):
                t.completed = True  # COMPLETE may follow SESSION_END: success says it already
            if meta_get(meta, "aborted"):
                t.aborted = True
            t.failed = not meta_get(meta, "success", False) and not t.aborted
            t.ended_at = ts
            result = self.finish()
            meta["telemetry"] = result
            return result
        return None

    def finish(self) -> RunTelemetry:
        """Compute the derived numbers now (idempotent)."""
        t = self._t
        if self._done:
            return t
        self._done = True
        start = self._start if self._start is not None else t.started_at
        t.duration = max(0.0, t.ended_at - t.started_at) if t.ended_at is not None else None
        first, last, n = self._first_token_ts, self._last_token_ts, self._tokens_seen
        state = self.state
        if state is not None:
            first = state.first_token_at if state.first_token_at is not None else first
            last = state.last_token_at if state.last_token_at is not None else last
            t.token_count = state.token_count
            t.content_length = len(state.buffer)
            t.drift_detected = t.drift_detected or bool(state.drift_detected)
            t.continuation_used = t.continuation_used or bool(state.continuation_used)
            t.fallback_index = state.fallback_index
            # The retry manager's split (it counts timeouts and rate limits as network retries too).
            t.model_retries, t.network_retries = state.model_retry_count, state.network_retry_count
            t.total_retries = t.model_retries + t.network_retries
            t.completed = bool(state.completed)
            n = state.token_count
            if not t.errors and self.errors:
                self._from_errors(t, self.errors, state)
        if first is not None:
            t.time_to_first_token = max(0.0, first - start)
            if last is not None and n > 1:
                span = max(0.0, last - first)
                t.avg_inter_token_time = span / (n - 1)
                if span > 0:
                    t.tokens_per_second = (n - 1) / span
        if t.tokens_per_second is None and t.token_count and t.duration:
            t.tokens_per_second = t.token_count / t.duration
        if t.failed and t.completed:
            t.failed = False
        self.telemetry = t
        return t

    @staticmethod
    def _from_errors(t: RunTelemetry, errors: list[BaseException], state: Any) -> None:
        # No events flowed: the same classification the runtime puts in ERROR / NETWORK_ERROR events.
        from l0.errors import ErrorCode, NetworkError, error_code_value, get_failure_type

        t.errors = len(errors)
        t.attempts = len(errors) + (1 if state.completed else 0)
        for err in errors:
            kind = error_code_value(err) or get_failure_type(err).value
            _bump(t.errors_by_type, kind)
            if getattr(err, "code", None) in (ErrorCode.INITIAL_TOKEN_TIMEOUT, ErrorCode.INTER_TOKEN_TIMEOUT) or \
                    type(err).__name__ == "TimeoutError" and get_failure_type(err).value == "timeout":
                t.timeouts += 1
            if getattr(err, "code", None) is ErrorCode.GUARDRAIL_VIOLATION:
                t.violations += 1
                _bump(t.violations_by_rule, "unknown")
                _bump(t.violations_by_severity, "error")
        t.last_error = str(errors[-1])
        t.last_error_type = error_code_value(errors[-1]) or get_failure_type(errors[-1]).value
        for err in state.network_errors:
            t.network_errors += 1
            _bump(t.network_errors_by_type, text_of(NetworkError.analyze(err).type))
        for v in state.violations:
            rule, severity, _ = violation_fields(v)
            t.violations += 1
            _bump(t.violations_by_rule, rule)
            _bump(t.violations_by_severity, severity)
            t.violation_kinds[(rule, severity)] = t.violation_kinds.get((rule, severity), 0) + 1
        if t.continuation_used and not t.continuations:
            t.continuations = 1


def telemetry_of(event: Any, trackers: dict[str, RunCollector]) -> RunTelemetry | None:
    """Feed ``event`` to the per-stream collector in ``trackers``; return the run's telemetry at SESSION_END.

    The exact telemetry of ``run(monitoring=...)`` (``meta["telemetry"]``) wins
    over this handler's own event-only view.
    """
    if skip(event):
        return None
    sid = event.stream_id
    c = trackers.get(sid)
    if c is None:
        c = trackers[sid] = RunCollector(sid)
    if event.type != "SESSION_END":
        c.observe(event)
        return None
    given = event.meta.get("telemetry")
    trackers.pop(sid, None)
    if isinstance(given, RunTelemetry):
        return given
    meta = event.meta
    t = c._t
    if meta_get(meta, "success"):
        t.completed = True
    if meta_get(meta, "aborted"):
        t.aborted = True
    t.failed = not meta_get(meta, "success", False) and not t.aborted
    t.ended_at = event.ts / 1000.0
    return c.finish()


def attach(options: TelemetryOptions, on_event: Callable[[Any], Any] | None) -> tuple[RunCollector | None, Any]:
    """``(collector, handler)`` for a run with ``monitoring=``: the collector sees each event before ``on_event``.

    An unsampled run (``sample_rate``) gets no collector and keeps ``on_event`` as it was.
    """
    if options.sample_rate < 1.0:
        import random

        if random.random() >= options.sample_rate:
            return None, on_event
    collector = RunCollector(forward=on_event, metadata=options.metadata)
    if on_event is None and not options.events:
        # Nobody listens to events: leave the bus off and read State and the error list at the end.
        return collector, None
    return collector, collector
