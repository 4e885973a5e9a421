"""``l0.monitoring``: per-run telemetry, the ``Monitor``, handlers, exporters, OpenTelemetry, Sentry, Prometheus.

Everything here sits on the public ``on_event`` API (and ``run(monitoring=...)``
for ``stream.telemetry``). Submodules load lazily: importing this package
imports neither ``opentelemetry`` nor ``sentry_sdk`` nor ``prometheus_client``.

``l0.monitoring.Metrics`` is the per-stream telemetry metrics model; the
runtime counters are ``l0.Metrics`` (``l0.metrics``), a different class.
"""

from __future__ import annotations

import importlib
from typing import Any

_GROUPS: dict[str, tuple[str, ...]] = {
    "l0.monitoring.telemetry": ("ErrorCategory", "TimingInfo", "RetryInfo", "GuardrailInfo", "ErrorInfo", "Metrics",
                                "Telemetry"),
    "l0.monitoring.config": ("SamplingConfig", "MetricsConfig", "MonitoringConfig"),
    "l0.monitoring.monitor": ("Monitor",),
    "l0.monitoring.run_telemetry": ("RunTelemetry", "RunCollector", "TelemetryOptions"),
    "l0.monitoring.dispatcher": ("EventDispatcher", "EventHandler", "create_event_dispatcher"),
    "l0.monitoring.handlers": ("combine_events", "filter_events", "exclude_events", "debounce_events",
                               "batch_events", "sample_events", "tap_events"),
    "l0.monitoring.exporter": ("TelemetryExporter",),
    "l0.monitoring.normalize": ("L0Event", "L0EventType", "normalize_stream_event", "create_token_event",
                                "create_message_event", "create_complete_event", "create_error_event",
                                "extract_tokens", "reconstruct_text"),
    "l0.monitoring.otel": ("SemanticAttributes", "OpenTelemetryConfig", "OpenTelemetry", "NoOpSpan", "SpanProtocol",
                           "create_opentelemetry_handler", "with_opentelemetry", "OpenTelemetryExporterConfig",
                           "OpenTelemetryExporter"),
    "l0.monitoring.sentry": ("SentryClient", "SentryConfig", "Sentry", "L0RunFailed", "create_sentry_handler",
                             "with_sentry", "SentryExporterConfig", "SentryExporter"),
    "l0.monitoring.prometheus": ("PrometheusExporter",),
    "l0.monitoring._namespace": ("Monitoring",),
}

_WHERE = {name: mod for mod, names in _GROUPS.items() for name in names}
__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'l0.monitoring' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
