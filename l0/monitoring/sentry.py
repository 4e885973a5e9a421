"""Sentry: breadcrumbs for lifecycle events, one captured exception per failed run, performance spans.

``Sentry`` takes any client with the ``sentry_sdk`` functions (usually the
``sentry_sdk`` module itself) and imports nothing; ``SentryExporter`` owns
``sentry_sdk.init`` and needs the ``sentry`` extra.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, Field

from l0.events import ObservabilityEventType, _wants_of_self

from ._meta import event_name, meta_get, text_of
from ._optional import require
from .run_telemetry import WANTS, RunTelemetry, skip, telemetry_of, violation_fields
from .telemetry import Telemetry

__all__ = ["SentryClient", "SentryConfig", "Sentry", "L0RunFailed", "create_sentry_handler", "with_sentry",
           "SentryExporterConfig", "SentryExporter"]

logger = logging.getLogger("l0.monitoring")
T = TypeVar("T")
Severity = Literal["debug", "info", "warning", "error", "fatal"]
_RANK = {"debug": 0, "info": 1, "warning": 2, "error": 3, "fatal": 4}


@runtime_checkable
class SentryClient(Protocol):
    def capture_exception(self, error: Any = None, **kwargs: Any) -> Any: ...
    def capture_message(self, message: str, level: Any = None, **kwargs: Any) -> Any: ...
    def add_breadcrumb(self, crumb: Any = None, hint: Any = None, **kwargs: Any) -> Any: ...
    def set_tag(self, key: str, value: Any) -> Any: ...
    def set_extra(self, key: str, value: Any) -> Any: ...
    def set_context(self, key: str, value: dict[str, Any]) -> Any: ...


class SentryConfig(BaseModel):
    capture_network_errors: bool = True
    capture_guardrail_violations: bool = True
    min_guardrail_severity: Severity = "error"
    breadcrumbs_for_tokens: bool = False
    enable_tracing: bool = True
    tags: dict[str, str] = Field(default_factory=dict)
    environment: str | None = None


class L0RunFailed(Exception):
    """What Sentry receives for a run that failed after all retries and fallbacks (one per run)."""

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type


def _context(run: RunTelemetry) -> dict[str, Any]:
    return {
        "session_id": run.stream_id,
        "duration_ms": run.duration * 1000.0 if run.duration is not None else None,
        "tokens": run.token_count,
        "tokens_per_second": run.tokens_per_second,
        "ttft_ms": run.time_to_first_token * 1000.0 if run.time_to_first_token is not None else None,
        "retries": run.total_retries,
        "network_errors": run.network_errors,
        "network_errors_by_type": dict(run.network_errors_by_type),
        "guardrail_violations": run.violations,
        "fallback_index": run.fallback_index,
    }


def _run_of(t: Any) -> RunTelemetry | None:
    if t is None or isinstance(t, RunTelemetry):
        return t
    if isinstance(t, Telemetry):
        from .otel import _as_run

        return _as_run(t)
    return None


class Sentry:
    """Sentry integration; :meth:`handle_event` is the ``on_event`` handler (per stream, concurrency-safe)."""

    #: The event types :meth:`handle_event` reads (l0.events.SelectiveHandler): the runtime skips building the rest.
    wants: frozenset[ObservabilityEventType] = WANTS
    wants_passed_checks = False  # of rule and drift results, the findings only

    def __init__(self, sentry: Any, config: SentryConfig | None = None) -> None:
        if sentry is None or not callable(getattr(sentry, "add_breadcrumb", None)):
            raise TypeError("sentry must be a Sentry client such as the sentry_sdk module "
                            f"(with add_breadcrumb, capture_exception, ...), got {type(sentry).__name__}")
        self.sentry = sentry
        self.config = config or SentryConfig()
        self._trackers: dict[str, Any] = {}
        self._spans: dict[str, list[Any]] = {}
        for k, v in self.config.tags.items():
            sentry.set_tag(k, v)
        if self.config.environment:
            sentry.set_tag("environment", self.config.environment)

    def _crumb(self, category: str, message: str, level: str = "info", data: dict[str, Any] | None = None) -> None:
        self.sentry.add_breadcrumb(category=category, message=message, level=level, data=data or {},
                                   timestamp=time.time())

    # -- the reference's imperative API ------------------------------------------------------------

    def start_execution(self, name: str = "l0.execution", metadata: dict[str, Any] | None = None) -> None:
        self._crumb("l0", "L0 execution started", "info", {"name": name, **(metadata or {})})

    def start_stream(self) -> None:
        self._crumb("l0.stream", "Stream started")

    def record_token(self, token: str | None = None) -> None:
        if self.config.breadcrumbs_for_tokens:
            self._crumb("l0.token", f"Token: {(token or '')[:50]}", "debug")

    def record_first_token(self, ttft_ms: float) -> None:
        self._crumb("l0.stream", "First token received", "info", {"ttft_ms": ttft_ms})

    def record_network_error(self, error: Any, error_type: str, retried: bool) -> None:
        self._crumb("l0.network", f"Network error: {error_type}", "error",
                    {"error_type": error_type, "message": str(error), "retried": retried})
        if self.config.capture_network_errors and not retried and isinstance(error, BaseException):
            self._capture(error, {"error_type": error_type, "component": "l0.network"}, {"retried": retried})

    def record_retry(self, attempt: int, reason: str, is_network_error: bool = False) -> None:
        self._crumb("l0.retry", f"Retry attempt {attempt}", "warning",
                    {"attempt": attempt, "reason": reason, "is_network_error": is_network_error})

    def record_guardrail_violations(self, violations: list[Any]) -> None:
        cfg = self.config
        for v in violations:
            rule, severity, message = violation_fields(v)
            level = severity if severity in _RANK else "info"
            self._crumb("l0.guardrail", f"Guardrail violation: {rule}", level, {"rule": rule, "message": message})
            if cfg.capture_guardrail_violations and _RANK.get(severity, 1) >= _RANK[cfg.min_guardrail_severity]:
                self.sentry.capture_message(f"Guardrail violation: {message or rule}", level=level)

    def record_drift(self, detected: bool, types: list[str]) -> None:
        if detected:
            self._crumb("l0.drift", f"Drift detected: {', '.join(types)}", "warning", {"types": list(types)})

    def complete_stream(self, token_count: int) -> None:
        self._crumb("l0.stream", "Stream completed", "info", {"token_count": token_count})

    def complete_execution(self, telemetry: Any) -> None:
        run = _run_of(telemetry)
        if run is not None:
            self.sentry.set_context("l0_telemetry", _context(run))
        self._crumb("l0", "L0 execution completed")

    def record_failure(self, error: BaseException, telemetry: Any = None) -> None:
        run = _run_of(telemetry)
        extra = _context(run) if run is not None else {}
        if run is not None:
            self.sentry.set_context("l0_telemetry", extra)
        self._capture(error, {"component": "l0"}, {"telemetry": extra} if extra else {})

    def _capture(self, error: BaseException, tags: dict[str, Any], extra: dict[str, Any]) -> None:
        sentry = self.sentry
        new_scope = getattr(sentry, "new_scope", None)
        if new_scope is not None:
            with new_scope() as scope:
                for k, v in tags.items():
                    scope.set_tag(k, v)
                for k, v in extra.items():
                    scope.set_extra(k, v)
                sentry.capture_exception(error)
        else:
            sentry.capture_exception(error)

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
        tracing = self.config.enable_tracing and callable(getattr(self.sentry, "start_transaction", None))
        if name == "SESSION_START":
            self.start_execution(metadata={"stream_id": sid, "attempt": meta_get(meta, "attempt", 1),
                                           "is_retry": bool(meta_get(meta, "is_retry")),
                                           "is_fallback": bool(meta_get(meta, "is_fallback"))})
            self.start_stream()
            if tracing:
                model = (event.context or {}).get("model")
                tx = self.sentry.start_transaction(op="gen_ai.chat", name=f"l0.stream {model}" if model else "l0.stream")
                tx.set_tag("l0.stream_id", sid)
                if model:
                    tx.set_data("gen_ai.request.model", model)
                child = tx.start_child(op="l0.attempt", name="attempt 1")
                self._spans[sid] = [tx, child]
        elif name == "ATTEMPT_START":
            spans = self._spans.get(sid)
            if spans and meta_get(meta, "is_retry"):
                spans[1].finish()
                spans[1] = spans[0].start_child(op="l0.attempt", name=f"attempt {meta_get(meta, 'attempt')}")
                spans[1].set_data("l0.is_fallback", bool(meta_get(meta, "is_fallback")))
        elif name == "RETRY_ATTEMPT":
            self.record_retry(int(meta_get(meta, "attempt") or 0), str(meta_get(meta, "reason") or ""),
                              bool(meta_get(meta, "is_network")))
        elif name == "FALLBACK_START":
            spans = self._spans.get(sid)
            if spans:
                spans[1].finish()
                spans[1] = spans[0].start_child(op="l0.attempt", name=f"fallback {meta_get(meta, 'to_index')}")
                spans[1].set_data("l0.is_fallback", True)
            self._crumb("l0.fallback", f"Fallback to stream {meta_get(meta, 'to_index')}", "warning",
                        {"from_index": meta_get(meta, "from_index"), "to_index": meta_get(meta, "to_index")})
        elif name == "NETWORK_ERROR":
            code = text_of(meta_get(meta, "code"))
            self._crumb("l0.network", f"Network error: {code}", "error",
                        {"error_type": code, "message": str(meta_get(meta, "error") or ""),
                         "retryable": bool(meta_get(meta, "retryable"))})
        elif name == "ERROR":
            strategy = meta_get(meta, "recovery_strategy")
            kind = text_of(meta_get(meta, "error_code") or meta_get(meta, "failure_type"))
            self._crumb("l0.error", f"Error: {kind}", "error",
                        {"error_type": kind, "message": str(meta_get(meta, "error") or ""),
                         "recovery_strategy": strategy})
            spans = self._spans.get(sid)
            if spans:
                spans[1].set_status("internal_error")
        elif name == "GUARDRAIL_RULE_RESULT":
            if meta_get(meta, "passed") is False:
                v = meta.get("violation")
                self.record_guardrail_violations(list(meta.get("violations") or ([v] if v is not None else [])))
        elif name == "DRIFT_CHECK_RESULT":
            self.record_drift(bool(meta_get(meta, "detected")), list(meta.get("metrics") or ()))
        elif name == "TOKEN":
            self.record_token(meta_get(meta, "text"))
        elif name == "SESSION_END" and telemetry is not None:
            # COMPLETE may come before or after SESSION_END depending on the runtime: one breadcrumb, here.
            if telemetry.completed:
                self.complete_stream(telemetry.token_count)
            if telemetry.time_to_first_token is not None:
                self.record_first_token(telemetry.time_to_first_token * 1000.0)
            self.complete_execution(telemetry)
            spans = self._spans.pop(sid, None)
            if telemetry.failed:
                # Once per run: the retries before it were breadcrumbs, not issues.
                err = L0RunFailed(telemetry.last_error or "l0 stream failed", telemetry.last_error_type)
                self._capture(err, {"component": "l0", "error_type": telemetry.last_error_type or "unknown"},
                              {"l0_telemetry": _context(telemetry)})
            if spans:
                tx, child = spans
                child.finish()
                tx.set_data("gen_ai.usage.output_tokens", telemetry.token_count)
                tx.set_data("l0.retry.count", telemetry.total_retries)
                if telemetry.time_to_first_token is not None:
                    tx.set_data("l0.time_to_first_token_ms", telemetry.time_to_first_token * 1000.0)
                tx.set_status("ok" if telemetry.completed or telemetry.aborted else "internal_error")
                tx.finish()


def create_sentry_handler(sentry: Any, config: SentryConfig | None = None) -> Callable[[Any], None]:
    return Sentry(sentry, config).handle_event


async def with_sentry(sentry: Any, fn: Callable[[], Awaitable[T]], config: SentryConfig | None = None) -> T:
    """``await fn()`` with execution breadcrumbs; a raised error is captured (then re-raised)."""
    s = Sentry(sentry, config)
    s.start_execution()
    try:
        result = await fn()
    except Exception as exc:
        s.record_failure(exc)
        raise
    s.complete_execution(getattr(result, "telemetry", None))
    return result


class SentryExporterConfig(BaseModel):
    dsn: str | None = None
    environment: str | None = None
    release: str | None = None
    server_name: str | None = None
    sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    traces_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    profiles_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    enabled: bool = True
    debug: bool = False
    attach_stacktrace: bool = True
    send_default_pii: bool = False
    max_breadcrumbs: int = 100
    tags: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_env(cls) -> SentryExporterConfig:
        return cls(dsn=os.environ.get("SENTRY_DSN") or None, environment=os.environ.get("SENTRY_ENVIRONMENT") or None,
                   release=os.environ.get("SENTRY_RELEASE") or None)


class SentryExporter:
    """Owns ``sentry_sdk.init`` and sends finished telemetry; ``init_options`` go to ``sentry_sdk.init``."""

    def __init__(self, config: SentryExporterConfig | None = None, **init_options: Any) -> None:
        self.config = config or SentryExporterConfig()
        self._init_options = init_options
        self._sdk: Any = None

    @property
    def active(self) -> bool:
        return self._sdk is not None

    def init(self) -> None:
        cfg = self.config
        if self._sdk is not None or not cfg.enabled or not cfg.dsn:
            return
        sdk = require("sentry_sdk", "sentry", "SentryExporter")
        sdk.init(dsn=cfg.dsn, environment=cfg.environment, release=cfg.release, server_name=cfg.server_name,
                 sample_rate=cfg.sample_rate, traces_sample_rate=cfg.traces_sample_rate,
                 profiles_sample_rate=cfg.profiles_sample_rate, debug=cfg.debug,
                 attach_stacktrace=cfg.attach_stacktrace, max_breadcrumbs=cfg.max_breadcrumbs,
                 # Passed only when on: newer SDKs deprecate the option in favour of data_collection.
                 **({"send_default_pii": True} if cfg.send_default_pii else {}), **self._init_options)
        for k, v in cfg.tags.items():
            sdk.set_tag(k, v)
        self._sdk = sdk

    def _ready(self) -> Any:
        self.init()
        return self._sdk

    @property
    def handler(self) -> Callable[[Any], None]:
        """An ``on_event`` handler (:class:`Sentry`) on the initialised SDK."""
        sdk = self._ready()
        if sdk is None:
            return lambda event: None
        return Sentry(sdk, SentryConfig(tags=dict(self.config.tags), environment=self.config.environment)).handle_event

    def _scope(self, scope: Any, telemetry: Any, extra: dict[str, Any]) -> None:
        run = _run_of(telemetry)
        if run is not None:
            scope.set_tag("l0.stream_id", run.stream_id)
            if run.model:
                scope.set_tag("l0.model", run.model)
            if run.last_error_type:
                scope.set_tag("l0.error.type", run.last_error_type)
            scope.set_context("l0_telemetry", _context(run))
            if run.violations:
                scope.set_context("l0_guardrails", {"by_rule": dict(run.violations_by_rule),
                                                    "by_severity": dict(run.violations_by_severity)})
        for k, v in extra.items():
            scope.set_extra(k, v)

    def capture_error(self, error: BaseException, telemetry: Any = None, **extra: Any) -> str | None:
        sdk = self._ready()
        if sdk is None:
            return None
        with sdk.new_scope() as scope:
            self._scope(scope, telemetry, extra)
            return sdk.capture_exception(error)

    def capture_telemetry_error(self, telemetry: Any) -> str | None:
        run = _run_of(telemetry)
        if run is None or not (run.failed or run.errors):
            return None
        return self.capture_message(run.last_error or "Unknown L0 error", "error", telemetry)

    def capture_message(self, message: str, level: str = "info", telemetry: Any = None, **extra: Any) -> str | None:
        sdk = self._ready()
        if sdk is None:
            return None
        with sdk.new_scope() as scope:
            self._scope(scope, telemetry, extra)
            return sdk.capture_message(message, level=level)

    def add_breadcrumb(self, message: str, category: str = "l0", level: str = "info",
                       data: dict[str, Any] | None = None) -> None:
        sdk = self._ready()
        if sdk is not None:
            sdk.add_breadcrumb(message=message, category=category, level=level, data=data or {})

    def set_user(self, user_id: str | None = None, email: str | None = None, username: str | None = None,
                 **extra: Any) -> None:
        sdk = self._ready()
        if sdk is not None:
            sdk.set_user({k: v for k, v in {"id": user_id, "email": email, "username": username, **extra}.items()
                          if v is not None})

    def flush(self, timeout: float = 2.0) -> None:
        if self._sdk is not None:
            self._sdk.flush(timeout=timeout)

    def close(self) -> None:
        if self._sdk is not None:
            client = self._sdk.get_client()
            client.close()
            self._sdk = None
