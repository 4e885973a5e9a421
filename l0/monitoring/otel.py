"""OpenTelemetry: spans per run and per attempt, GenAI semantic-convention metrics plus ``l0.*`` ones.

Nothing here imports ``opentelemetry`` until a tracer or meter is used, so
the module loads without the ``otel`` extra. Attribute and metric names
follow the incubating GenAI conventions of ``opentelemetry-semantic-conventions``
(durations in seconds) next to the reference's ``l0.*`` names.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, Field

from l0.events import ObservabilityEventType, _wants_of_self

from ._meta import event_name, meta_get, text_of
from ._optional import require
from .run_telemetry import WANTS, RunTelemetry, skip, telemetry_of, violation_fields
from .telemetry import Telemetry

__all__ = ["SemanticAttributes", "OpenTelemetryConfig", "OpenTelemetry", "NoOpSpan", "SpanProtocol",
           "create_opentelemetry_handler", "with_opentelemetry", "OpenTelemetryExporterConfig",
           "OpenTelemetryExporter"]

logger = logging.getLogger("l0.monitoring")
T = TypeVar("T")


class SemanticAttributes:
    """Attribute and metric names: GenAI semantic conventions and the ``l0.*`` namespace."""

    LLM_SYSTEM = "gen_ai.system"
    LLM_REQUEST_MODEL = "gen_ai.request.model"
    LLM_RESPONSE_MODEL = "gen_ai.response.model"
    LLM_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
    LLM_REQUEST_TEMPERATURE = "gen_ai.request.temperature"
    LLM_REQUEST_TOP_P = "gen_ai.request.top_p"
    LLM_RESPONSE_FINISH_REASON = "gen_ai.response.finish_reasons"
    LLM_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
    LLM_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
    GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
    GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
    GEN_AI_REQUEST_STREAM = "gen_ai.request.stream"
    GEN_AI_TOKEN_TYPE = "gen_ai.token.type"
    GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk"
    ERROR_TYPE = "error.type"
    METRIC_OPERATION_DURATION = "gen_ai.client.operation.duration"
    METRIC_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
    METRIC_TIME_PER_OUTPUT_CHUNK = "gen_ai.client.operation.time_per_output_chunk"
    METRIC_TOKEN_USAGE = "gen_ai.client.token.usage"
    L0_SESSION_ID = "l0.session_id"
    L0_STREAM_COMPLETED = "l0.stream.completed"
    L0_FALLBACK_INDEX = "l0.fallback.index"
    L0_RETRY_COUNT = "l0.retry.count"
    L0_NETWORK_ERROR_COUNT = "l0.network.error_count"
    L0_GUARDRAIL_VIOLATION_COUNT = "l0.guardrail.violation_count"
    L0_DRIFT_DETECTED = "l0.drift.detected"
    L0_TIME_TO_FIRST_TOKEN = "l0.time_to_first_token_ms"
    L0_TOKENS_PER_SECOND = "l0.tokens_per_second"


A = SemanticAttributes


class OpenTelemetryConfig(BaseModel):
    service_name: str = "l0"
    trace_tokens: bool = False
    record_token_content: bool = False
    record_guardrail_violations: bool = True
    default_attributes: dict[str, Any] = Field(default_factory=dict)


@runtime_checkable
class SpanProtocol(Protocol):
    def set_attribute(self, key: str, value: Any) -> Any: ...
    def add_event(self, name: str, attributes: Any = None, timestamp: Any = None) -> Any: ...
    def set_status(self, status: Any, description: str | None = None) -> Any: ...
    def end(self, end_time: Any = None) -> Any: ...
    def is_recording(self) -> bool: ...


class NoOpSpan:
    """A span that records nothing (used without a tracer)."""

    def span_context(self) -> None:
        return None

    def set_attribute(self, key: str, value: Any) -> NoOpSpan:
        return self

    def set_attributes(self, attributes: dict[str, Any]) -> NoOpSpan:
        return self

    def add_event(self, name: str, attributes: Any = None, timestamp: Any = None) -> NoOpSpan:
        return self

    def add_link(self, context: Any, attributes: Any = None) -> NoOpSpan:
        return self

    def set_status(self, status: Any, description: str | None = None) -> NoOpSpan:
        return self

    def update_name(self, name: str) -> NoOpSpan:
        return self

    def record_exception(self, exception: BaseException, attributes: Any = None, timestamp: Any = None,
                         escaped: bool = False) -> NoOpSpan:
        return self

    def end(self, end_time: Any = None) -> None:
        return None

    def is_recording(self) -> bool:
        return False


def _ns(ts_ms: float) -> int:
    return int(ts_ms * 1_000_000)


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}


class _Run:
    __slots__ = ("span", "attempt", "attempt_no", "model", "fallback_open")

    def __init__(self, span: Any, model: str | None) -> None:
        self.span = span
        self.attempt: Any = None
        self.attempt_no = 0
        self.model = model
        self.fallback_open = False


class OpenTelemetry:
    """Spans and metrics for l0 runs. Use :meth:`handle_event` as ``on_event`` (safe across concurrent streams).

    Each run gets a CLIENT span ``"{service}.stream"`` with a child span per
    attempt; retries, fallbacks, violations and drift are span events; at the
    end of the run the metrics are recorded once from its telemetry.
    """

    #: The event types :meth:`handle_event` reads (l0.events.SelectiveHandler): the runtime skips building the rest.
    wants: frozenset[ObservabilityEventType] = WANTS
    wants_passed_checks = False  # of rule and drift results, the findings only

    def __init__(self, tracer: Any = None, meter: Any = None, config: OpenTelemetryConfig | None = None) -> None:
        self.tracer = tracer
        self.meter = meter
        self.config = config or OpenTelemetryConfig()
        self._active = 0
        self._runs: dict[str, _Run] = {}
        self._trackers: dict[str, Any] = {}
        self._trace: Any = None
        if meter is not None:
            m = meter
            self._requests = m.create_counter("l0.requests", unit="1", description="l0 runs")
            self._tokens = m.create_counter("l0.tokens", unit="{token}", description="Tokens streamed")
            self._retries = m.create_counter("l0.retries", unit="1", description="Retries")
            self._errors = m.create_counter("l0.errors", unit="1", description="Errors")
            self._duration = m.create_histogram("l0.duration", unit="ms", description="Run duration")
            self._ttft = m.create_histogram("l0.time_to_first_token", unit="ms", description="Time to first token")
            self._active_streams = m.create_up_down_counter("l0.active_streams", unit="1",
                                                            description="Streams in progress")
            self._op_duration = m.create_histogram(A.METRIC_OPERATION_DURATION, unit="s",
                                                   description="GenAI operation duration")
            self._first_chunk = m.create_histogram(A.METRIC_TIME_TO_FIRST_CHUNK, unit="s",
                                                   description="Time to receive the first chunk")
            self._per_chunk = m.create_histogram(A.METRIC_TIME_PER_OUTPUT_CHUNK, unit="s",
                                                 description="Time per output chunk after the first")
            self._token_usage = m.create_histogram(A.METRIC_TOKEN_USAGE, unit="{token}",
                                                   description="Tokens used")

    # -- helpers ----------------------------------------------------------------------------------

    def _otel_trace(self) -> Any:
        if self._trace is None:
            self._trace = require("opentelemetry.trace", "otel", "OpenTelemetry tracing")
        return self._trace

    def _start(self, name: str, *, kind: str = "INTERNAL", parent: Any = None, attributes: dict[str, Any] | None = None,
               start_time: int | None = None) -> Any:
        if self.tracer is None:
            return NoOpSpan()
        trace = self._otel_trace()
        ctx = trace.set_span_in_context(parent) if parent is not None else None
        attrs = {**self.config.default_attributes, **(attributes or {})}
        return self.tracer.start_span(f"{self.config.service_name}.{name}", context=ctx,
                                      kind=getattr(trace.SpanKind, kind), attributes=_clean(attrs),
                                      start_time=start_time)

    def _status(self, span: Any, ok: bool, description: str | None = None) -> None:
        if self.tracer is None:
            return
        trace = self._otel_trace()
        if ok:
            span.set_status(trace.Status(trace.StatusCode.OK))
        else:
            span.set_status(trace.Status(trace.StatusCode.ERROR, description))

    def get_active_streams(self) -> int:
        return self._active

    def create_span(self, name: str, attributes: dict[str, Any] | None = None) -> Any:
        return self._start(name, attributes=attributes)

    async def trace_stream(self, name: str, fn: Callable[[Any], Awaitable[T]],
                           attributes: dict[str, Any] | None = None) -> T:
        """Run ``await fn(span)`` inside a CLIENT span ``"{service}.{name}"``."""
        if self.tracer is None:
            return await fn(NoOpSpan())
        span = self._start(name, kind="CLIENT", attributes=attributes)
        self._active += 1
        if self.meter is not None:
            self._active_streams.add(1)
        try:
            result = await fn(span)
            self._status(span, True)
            return result
        except BaseException as exc:
            span.record_exception(exc)
            self._status(span, False, str(exc))
            if self.meter is not None:
                self._errors.add(1, {"type": "stream_error"})
            raise
        finally:
            self._active -= 1
            if self.meter is not None:
                self._active_streams.add(-1)
            span.end()

    # -- recorders ---------------------------------------------------------------------------------

    def record_token(self, span: Any = None, content: str | None = None) -> None:
        if span is None or not self.config.trace_tokens:
            return
        span.add_event("token", {"token.content": content} if self.config.record_token_content and content else {})

    def record_retry(self, reason: str, attempt: int, span: Any = None) -> None:
        if span is not None:
            span.add_event("retry", {"retry.reason": str(reason), "retry.attempt": int(attempt)})

    def record_network_error(self, error: Any, error_type: str, span: Any = None) -> None:
        if span is not None:
            span.add_event("network_error", {"error.type": str(error_type), "error.message": str(error)})

    def record_guardrail_violation(self, violation: Any, span: Any = None) -> None:
        if span is None or not self.config.record_guardrail_violations:
            return
        rule, severity, message = violation_fields(violation)
        span.add_event("guardrail_violation", {"guardrail.rule": rule, "guardrail.severity": severity,
                                               "guardrail.message": message})

    def record_drift(self, drift_type: str, confidence: float, span: Any = None) -> None:
        if span is not None:
            span.set_attribute(A.L0_DRIFT_DETECTED, True)
            span.add_event("drift_detected", {"drift.type": drift_type, "drift.confidence": float(confidence)})

    def record_telemetry(self, telemetry: Telemetry | RunTelemetry, span: Any = None) -> None:
        """Record a finished run's metrics (and its attributes on ``span``)."""
        run = _as_run(telemetry)
        session = run.stream_id
        failed = run.failed
        if self.meter is not None:
            base = {A.L0_SESSION_ID: session}
            self._requests.add(1, {**base, "status": "completed" if run.completed else
                                   ("aborted" if run.aborted else "failed")})
            if run.token_count:
                self._tokens.add(run.token_count, base)
            self._retries.add(run.total_retries, {**base, "type": "total"})
            self._retries.add(run.network_retries, {**base, "type": "network"})
            self._retries.add(run.model_retries, {**base, "type": "model"})
            for kind, n in run.errors_by_type.items():
                self._errors.add(n, {**base, "type": "error", "error.type": kind})
            for rule, n in run.violations_by_rule.items():
                self._errors.add(n, {**base, "type": "guardrail_violation", "rule": rule})
            if run.duration is not None:
                self._duration.record(run.duration * 1000.0, base)
            if run.time_to_first_token is not None:
                self._ttft.record(run.time_to_first_token * 1000.0, base)
            genai = _clean({A.GEN_AI_OPERATION_NAME: "chat", A.LLM_REQUEST_MODEL: run.model,
                            A.ERROR_TYPE: (run.last_error_type or "error") if failed else None})
            if run.duration is not None:
                self._op_duration.record(run.duration, genai)
            if run.time_to_first_token is not None:
                self._first_chunk.record(run.time_to_first_token, genai)
            if run.avg_inter_token_time is not None:
                self._per_chunk.record(run.avg_inter_token_time, genai)
            if run.token_count and not failed:
                self._token_usage.record(run.token_count, {**genai, A.GEN_AI_TOKEN_TYPE: "output"})
        if span is not None and span.is_recording():
            span.set_attributes(_run_attributes(run))

    # -- the on_event handler ------------------------------------------------------------------------

    def __call__(self, event: Any) -> None:
        self.handle_event(event)

    @_wants_of_self
    def handle_event(self, event: Any) -> None:
        if skip(event):
            return
        name = event_name(event)
        meta = event.meta
        sid = event.stream_id
        telemetry = telemetry_of(event, self._trackers)
        run = self._runs.get(sid)
        if name == "SESSION_START":
            model = meta.get("model") or (event.context or {}).get("model")
            span = self._start("stream", kind="CLIENT", start_time=_ns(event.ts), attributes={
                A.GEN_AI_OPERATION_NAME: "chat", A.LLM_REQUEST_MODEL: model, A.GEN_AI_REQUEST_STREAM: True,
                A.L0_SESSION_ID: sid, "l0.stream_id": sid})
            run = self._runs[sid] = _Run(span, model)
            self._active += 1
            if self.meter is not None:
                self._active_streams.add(1)
            self._attempt(run, event, retry=False, fallback=False)
            return
        if run is None:
            return
        span = run.span
        if name == "ATTEMPT_START":
            if not (run.fallback_open and not meta_get(meta, "is_retry")):
                self._attempt(run, event, retry=bool(meta_get(meta, "is_retry")),
                              fallback=bool(meta_get(meta, "is_fallback")))
        elif name == "STREAM_INIT":
            run.fallback_open = False
        elif name == "RETRY_ATTEMPT":
            span.add_event("retry", {"retry.attempt": int(meta_get(meta, "attempt") or 0),
                                     "retry.reason": str(meta_get(meta, "reason") or ""),
                                     "retry.is_network": bool(meta_get(meta, "is_network"))},
                           timestamp=_ns(event.ts))
        elif name == "FALLBACK_START":
            # A fallback's first attempt has no ATTEMPT_START: its span starts here.
            self._attempt(run, event, retry=False, fallback=True)
            run.fallback_open = True
            span.add_event("fallback", {"fallback.from_index": int(meta_get(meta, "from_index") or 0),
                                        "fallback.to_index": int(meta_get(meta, "to_index") or 0),
                                        "fallback.reason": str(meta_get(meta, "reason") or "")},
                           timestamp=_ns(event.ts))
        elif name == "NETWORK_ERROR":
            target = run.attempt or span
            target.add_event("network_error", {"error.type": text_of(meta_get(meta, "code")),
                                               "error.message": str(meta_get(meta, "error") or "")},
                             timestamp=_ns(event.ts))
        elif name == "ERROR":
            kind = text_of(meta_get(meta, "error_code") or meta_get(meta, "failure_type"))
            target = run.attempt or span
            target.set_attribute(A.ERROR_TYPE, kind)
            target.add_event("error", _clean({
                "error.type": kind, "error.message": str(meta_get(meta, "error") or ""),
                "l0.failure_type": meta_get(meta, "failure_type"),
                "l0.recovery_strategy": meta_get(meta, "recovery_strategy")}), timestamp=_ns(event.ts))
            self._status(target, False, str(meta_get(meta, "error") or kind))
        elif name == "GUARDRAIL_RULE_RESULT":
            if meta_get(meta, "passed") is False and self.config.record_guardrail_violations:
                v = meta.get("violation")
                for one in meta.get("violations") or [v]:
                    rule, severity, message = violation_fields(one)
                    span.add_event("guardrail_violation", {
                        "guardrail.rule": rule if rule != "unknown" else str(meta_get(meta, "rule_id") or rule),
                        "guardrail.severity": severity, "guardrail.message": message}, timestamp=_ns(event.ts))
        elif name == "DRIFT_CHECK_RESULT":
            if meta_get(meta, "detected"):
                span.set_attribute(A.L0_DRIFT_DETECTED, True)
                span.add_event("drift_detected", {"drift.type": ",".join(meta.get("metrics") or ()),
                                                  "drift.confidence": float(meta_get(meta, "score") or 0.0)},
                               timestamp=_ns(event.ts))
        elif name == "TOKEN":
            if self.config.trace_tokens:
                self.record_token(run.attempt or span, meta_get(meta, "text") or meta_get(meta, "token"))
        elif name == "CONTINUATION_START":
            span.add_event("continuation", {"l0.checkpoint_length": int(meta_get(meta, "checkpoint_length") or 0)},
                           timestamp=_ns(event.ts))
        elif name == "COMPLETE":
            if run.attempt is not None:
                run.attempt.set_attribute(A.LLM_USAGE_OUTPUT_TOKENS, int(meta_get(meta, "token_count") or 0))
                self._status(run.attempt, True)
        elif name == "SESSION_END" and telemetry is not None:
            self._runs.pop(sid, None)
            self._active -= 1
            if self.meter is not None:
                self._active_streams.add(-1)
            end = _ns(event.ts)
            ok = telemetry.completed
            if run.attempt is not None:
                if ok:
                    run.attempt.set_attribute(A.LLM_USAGE_OUTPUT_TOKENS, telemetry.token_count)
                    self._status(run.attempt, True)
                run.attempt.end(end_time=end)
            if telemetry.time_to_first_token is not None:
                span.set_attribute(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, telemetry.time_to_first_token)
            if not ok and not telemetry.aborted:
                span.set_attribute(A.ERROR_TYPE, telemetry.last_error_type or "error")
            self.record_telemetry(telemetry, span)
            if telemetry.aborted and not ok:
                self._status(span, True)
                span.set_attribute("l0.aborted", True)
            else:
                self._status(span, ok, None if ok else (telemetry.last_error or "stream failed"))
            span.end(end_time=end)

    def _attempt(self, run: _Run, event: Any, *, retry: bool, fallback: bool) -> None:
        if run.attempt is not None:
            run.attempt.end(end_time=_ns(event.ts))
        run.attempt_no += 1
        run.attempt = self._start("attempt", parent=run.span, start_time=_ns(event.ts), attributes={
            "l0.attempt": run.attempt_no, "l0.is_retry": retry, "l0.is_fallback": fallback})


def _as_run(t: Telemetry | RunTelemetry) -> RunTelemetry:
    if isinstance(t, RunTelemetry):
        return t
    if not isinstance(t, Telemetry):
        raise TypeError(f"telemetry must be a Telemetry or RunTelemetry, got {type(t).__name__}")
    run = RunTelemetry(stream_id=t.session_id or t.stream_id,
                       started_at=t.timing.started_at.timestamp() if t.timing.started_at else 0.0)
    run.duration = t.timing.duration
    run.time_to_first_token = t.timing.time_to_first_token
    run.avg_inter_token_time = t.metrics.avg_inter_token_latency
    run.tokens_per_second = t.metrics.tokens_per_second
    run.token_count = t.metrics.token_count
    run.total_retries, run.network_retries, run.model_retries = (
        t.retries.total_retries, t.retries.network_retries, t.retries.model_retries)
    run.network_errors = t.retries.network_retries
    for v in t.guardrails.violations:
        rule, severity, _ = violation_fields(v)
        run.violations += int(v.get("count", 1)) if isinstance(v, dict) else 1
        run.violations_by_rule[rule] = run.violations_by_rule.get(rule, 0) + 1
        run.violations_by_severity[severity] = run.violations_by_severity.get(severity, 0) + 1
        run.violation_kinds[(rule, severity)] = run.violation_kinds.get((rule, severity), 0) + 1
    if t.error.occurred:
        kind = t.error.code or (t.error.category.value if t.error.category else "error")
        run.errors_by_type[kind] = 1
        run.last_error, run.last_error_type = t.error.message, kind
    run.completed, run.aborted = t.completed, t.aborted
    run.failed = t.error.occurred and not t.completed and not t.aborted
    run.model = t.model
    return run


def _run_attributes(run: RunTelemetry) -> dict[str, Any]:
    return _clean({
        A.L0_SESSION_ID: run.stream_id,
        A.LLM_USAGE_OUTPUT_TOKENS: run.token_count,
        A.L0_RETRY_COUNT: run.total_retries,
        A.L0_NETWORK_ERROR_COUNT: run.network_errors,
        A.L0_GUARDRAIL_VIOLATION_COUNT: run.violations,
        A.L0_FALLBACK_INDEX: run.fallback_index,
        A.L0_STREAM_COMPLETED: run.completed,
        A.L0_DRIFT_DETECTED: run.drift_detected,
        A.L0_TIME_TO_FIRST_TOKEN: run.time_to_first_token * 1000.0 if run.time_to_first_token is not None else None,
        A.L0_TOKENS_PER_SECOND: run.tokens_per_second,
        "duration_ms": run.duration * 1000.0 if run.duration is not None else None,
        "l0.continuation_count": run.continuations,
    })


def create_opentelemetry_handler(tracer: Any = None, meter: Any = None,
                                 config: OpenTelemetryConfig | None = None) -> Callable[[Any], None]:
    """An ``on_event`` handler: ``OpenTelemetry(tracer, meter, config).handle_event``."""
    return OpenTelemetry(tracer, meter, config).handle_event


async def with_opentelemetry(tracer: Any, meter: Any, fn: Callable[[Any], Awaitable[T]], name: str = "stream",
                             config: OpenTelemetryConfig | None = None) -> T:
    """``await fn(span)`` inside a span ``"{service}.{name}"`` (default ``"l0.stream"``)."""
    return await OpenTelemetry(tracer, meter, config).trace_stream(name, fn)


class OpenTelemetryExporterConfig(BaseModel):
    service_name: str = "l0"
    endpoint: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    insecure: bool = False
    timeout: float = Field(default=30.0, ge=1.0)
    resource_attributes: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    trace_enabled: bool = True
    metrics_enabled: bool = True
    batch_export: bool = True
    export_interval: float = Field(default=5.0, ge=1.0)

    @classmethod
    def from_env(cls) -> OpenTelemetryExporterConfig:
        headers: dict[str, str] = {}
        for part in os.environ.get("OTEL_EXPORTER_OTLP_HEADERS", "").split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                headers[k.strip()] = v.strip()
        return cls(service_name=os.environ.get("OTEL_SERVICE_NAME", "l0"),
                   endpoint=os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None, headers=headers,
                   insecure=os.environ.get("OTEL_EXPORTER_OTLP_INSECURE", "").lower() == "true")


class OpenTelemetryExporter:
    """Builds its own SDK tracer and meter providers and exports finished telemetry.

    ``span_exporter`` / ``metric_reader`` plug in any SDK exporter or reader
    (tests use the in-memory ones); with ``config.endpoint`` an OTLP exporter
    is added. The global providers are replaced only with ``set_global=True``.
    """

    #: The event types :meth:`handle_event` reads (l0.events.SelectiveHandler): the runtime skips building the rest.
    wants: frozenset[ObservabilityEventType] = WANTS
    wants_passed_checks = False  # of rule and drift results, the findings only

    def __init__(self, config: OpenTelemetryExporterConfig | None = None, *, span_exporter: Any = None,
                 metric_reader: Any = None, set_global: bool = False) -> None:
        self.config = config or OpenTelemetryExporterConfig()
        self._span_exporter = span_exporter
        self._metric_reader = metric_reader
        self._set_global = set_global
        self.tracer_provider: Any = None
        self.meter_provider: Any = None
        self._otel: OpenTelemetry | None = None

    def _init(self) -> OpenTelemetry | None:
        if self._otel is not None or not self.config.enabled:
            return self._otel
        cfg = self.config
        sdk_trace = require("opentelemetry.sdk.trace", "otel", "OpenTelemetryExporter")
        sdk_export = require("opentelemetry.sdk.trace.export", "otel", "OpenTelemetryExporter")
        sdk_metrics = require("opentelemetry.sdk.metrics", "otel", "OpenTelemetryExporter")
        resources = require("opentelemetry.sdk.resources", "otel", "OpenTelemetryExporter")
        resource = resources.Resource.create({"service.name": cfg.service_name, **cfg.resource_attributes})
        tracer = meter = None
        if cfg.trace_enabled:
            tp = sdk_trace.TracerProvider(resource=resource)
            if self._span_exporter is not None:
                tp.add_span_processor(sdk_export.SimpleSpanProcessor(self._span_exporter))
            if cfg.endpoint:
                otlp = require("opentelemetry.exporter.otlp.proto.grpc.trace_exporter", "otel",
                               "OpenTelemetryExporter with an endpoint")
                tp.add_span_processor(sdk_export.BatchSpanProcessor(otlp.OTLPSpanExporter(
                    endpoint=cfg.endpoint, headers=cfg.headers or None, insecure=cfg.insecure, timeout=cfg.timeout)))
            self.tracer_provider = tp
            tracer = tp.get_tracer("l0")
        if cfg.metrics_enabled:
            readers = [self._metric_reader] if self._metric_reader is not None else []
            if cfg.endpoint:
                otlp_m = require("opentelemetry.exporter.otlp.proto.grpc.metric_exporter", "otel",
                                 "OpenTelemetryExporter with an endpoint")
                export_m = require("opentelemetry.sdk.metrics.export", "otel", "OpenTelemetryExporter")
                readers.append(export_m.PeriodicExportingMetricReader(
                    otlp_m.OTLPMetricExporter(endpoint=cfg.endpoint, headers=cfg.headers or None,
                                              insecure=cfg.insecure, timeout=cfg.timeout),
                    export_interval_millis=cfg.export_interval * 1000.0))
            mp = sdk_metrics.MeterProvider(resource=resource, metric_readers=readers)
            self.meter_provider = mp
            meter = mp.get_meter("l0")
        if self._set_global:
            trace_api = require("opentelemetry.trace", "otel", "OpenTelemetryExporter")
            metrics_api = require("opentelemetry.metrics", "otel", "OpenTelemetryExporter")
            if self.tracer_provider is not None:
                trace_api.set_tracer_provider(self.tracer_provider)
            if self.meter_provider is not None:
                metrics_api.set_meter_provider(self.meter_provider)
        self._otel = OpenTelemetry(tracer, meter, OpenTelemetryConfig(service_name=cfg.service_name))
        return self._otel

    @property
    def handler(self) -> Callable[[Any], None]:
        """An ``on_event`` handler tracing every run through this exporter's providers."""
        otel = self._init()
        return otel.handle_event if otel is not None else (lambda event: None)

    @_wants_of_self
    def handle_event(self, event: Any) -> None:
        otel = self._init()
        if otel is not None:
            otel.handle_event(event)

    def export(self, telemetry: Telemetry | RunTelemetry) -> None:
        """One span ``"l0.stream"`` and the metrics for a finished run."""
        otel = self._init()
        if otel is None:
            return
        run = _as_run(telemetry)
        span = otel._start("stream", kind="CLIENT", attributes={
            A.GEN_AI_OPERATION_NAME: "chat", A.LLM_REQUEST_MODEL: run.model, "l0.stream_id": run.stream_id,
            "l0.model": run.model})
        otel.record_telemetry(run, span)
        if run.failed:
            span.set_attribute(A.ERROR_TYPE, run.last_error_type or "error")
        otel._status(span, not run.failed, run.last_error if run.failed else None)
        span.end()

    @contextmanager
    def create_span(self, name: str, **attributes: Any) -> Any:
        otel = self._init()
        if otel is None or otel.tracer is None:
            yield None
            return
        span = otel._start(name, attributes=attributes)
        try:
            yield span
        finally:
            span.end()

    def shutdown(self) -> None:
        for p in (self.tracer_provider, self.meter_provider):
            if p is not None:
                p.shutdown()
