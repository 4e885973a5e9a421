"""The ``Monitoring`` namespace: the handler combinators and integration handlers as static methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import handlers as _h

__all__ = ["Monitoring"]


class Monitoring:
    """``Monitoring.combine(...)``, ``.filter``, ``.exclude``, ``.debounce``, ``.batch``, ``.sample``, ``.tap``,
    ``.opentelemetry(...)``, ``.sentry(...)``, ``.monitor(...)`` and ``.prometheus(...)``."""

    combine = staticmethod(_h.combine_events)
    filter = staticmethod(_h.filter_events)
    exclude = staticmethod(_h.exclude_events)
    debounce = staticmethod(_h.debounce_events)
    batch = staticmethod(_h.batch_events)
    sample = staticmethod(_h.sample_events)
    tap = staticmethod(_h.tap_events)

    @staticmethod
    def opentelemetry(tracer: Any = None, meter: Any = None, *, service_name: str = "l0", trace_tokens: bool = False,
                      record_token_content: bool = False, record_guardrail_violations: bool = True,
                      default_attributes: dict[str, Any] | None = None) -> Callable[[Any], None]:
        from .otel import OpenTelemetryConfig, create_opentelemetry_handler

        return create_opentelemetry_handler(tracer, meter, OpenTelemetryConfig(
            service_name=service_name, trace_tokens=trace_tokens, record_token_content=record_token_content,
            record_guardrail_violations=record_guardrail_violations, default_attributes=default_attributes or {}))

    @staticmethod
    def sentry(sentry: Any, *, capture_network_errors: bool = True, capture_guardrail_violations: bool = True,
               min_guardrail_severity: str = "error", breadcrumbs_for_tokens: bool = False,
               enable_tracing: bool = True, tags: dict[str, str] | None = None,
               environment: str | None = None) -> Callable[[Any], None]:
        from .sentry import SentryConfig, create_sentry_handler

        return create_sentry_handler(sentry, SentryConfig(
            capture_network_errors=capture_network_errors, capture_guardrail_violations=capture_guardrail_violations,
            min_guardrail_severity=min_guardrail_severity,  # type: ignore[arg-type]
            breadcrumbs_for_tokens=breadcrumbs_for_tokens, enable_tracing=enable_tracing, tags=tags or {},
            environment=environment))

    @staticmethod
    def monitor(config: Any = None, *, on_complete: Callable[[Any], None] | None = None) -> Any:
        from .monitor import Monitor

        return Monitor(config, on_complete=on_complete)

    @staticmethod
    def prometheus(registry: Any = None, **options: Any) -> Any:
        from .prometheus import PrometheusExporter

        return PrometheusExporter(registry, **options)
