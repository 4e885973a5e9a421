"""Prometheus exporter (``l0[prometheus]``): histograms for TTFT, duration and tokens/s; counters for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from l0.events import ObservabilityEventType, _wants_of_self

from ._optional import require
from .run_telemetry import WANTS, RunTelemetry, telemetry_of
from .telemetry import Telemetry

__all__ = ["PrometheusExporter"]

_TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
_DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
_TPS_BUCKETS = (1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 5000.0)


class PrometheusExporter:
    """Records finished runs into a ``prometheus_client`` registry (its own, unless ``registry`` is given).

    Use :meth:`handle_event` as ``on_event`` (or :meth:`record` with a
    telemetry record); scrape with :meth:`generate_latest` or your own HTTP
    endpoint on :attr:`registry`. Labels: ``model`` (empty when unknown).
    """

    #: The event types :meth:`handle_event` reads (l0.events.SelectiveHandler): the runtime skips building the rest.
    wants: frozenset[ObservabilityEventType] = WANTS
    wants_passed_checks = False  # of rule and drift results, the findings only

    def __init__(self, registry: Any = None, *, prefix: str = "l0", ttft_buckets: Sequence[float] = _TTFT_BUCKETS,
                 duration_buckets: Sequence[float] = _DURATION_BUCKETS,
                 tps_buckets: Sequence[float] = _TPS_BUCKETS) -> None:
        prom = require("prometheus_client", "prometheus", "PrometheusExporter")
        self._prom = prom
        self.registry = registry if registry is not None else prom.CollectorRegistry()
        r, p = self.registry, prefix
        self.ttft = prom.Histogram(f"{p}_time_to_first_token_seconds", "Time to first token", ["model"],
                                   buckets=ttft_buckets, registry=r)
        self.duration = prom.Histogram(f"{p}_duration_seconds", "Run duration", ["model"],
                                       buckets=duration_buckets, registry=r)
        self.tokens_per_second = prom.Histogram(f"{p}_tokens_per_second", "Streaming rate", ["model"],
                                                buckets=tps_buckets, registry=r)
        self.requests = prom.Counter(f"{p}_requests", "Runs by outcome", ["model", "status"], registry=r)
        self.tokens = prom.Counter(f"{p}_tokens", "Tokens streamed", ["model"], registry=r)
        self.retries = prom.Counter(f"{p}_retries", "Retries", ["model", "type"], registry=r)
        self.network_errors = prom.Counter(f"{p}_network_errors", "Network errors", ["model", "error_type"],
                                           registry=r)
        self.errors = prom.Counter(f"{p}_errors", "Attempt errors", ["model", "error_type"], registry=r)
        self.violations = prom.Counter(f"{p}_guardrail_violations", "Guardrail violations",
                                       ["model", "rule", "severity"], registry=r)
        self.fallbacks = prom.Counter(f"{p}_fallbacks", "Runs served by a fallback", ["model"], registry=r)
        self._trackers: dict[str, Any] = {}

    def __call__(self, event: Any) -> None:
        self.handle_event(event)

    @_wants_of_self
    def handle_event(self, event: Any) -> None:
        run = telemetry_of(event, self._trackers)
        if run is not None:
            self.record(run)

    def record(self, telemetry: Telemetry | RunTelemetry) -> None:
        from .otel import _as_run

        run = _as_run(telemetry)
        model = run.model or ""
        status = "completed" if run.completed else ("aborted" if run.aborted else "failed")
        self.requests.labels(model, status).inc()
        if run.token_count:
            self.tokens.labels(model).inc(run.token_count)
        if run.time_to_first_token is not None:
            self.ttft.labels(model).observe(run.time_to_first_token)
        if run.duration is not None:
            self.duration.labels(model).observe(run.duration)
        if run.tokens_per_second is not None:
            self.tokens_per_second.labels(model).observe(run.tokens_per_second)
        if run.network_retries:
            self.retries.labels(model, "network").inc(run.network_retries)
        if run.model_retries:
            self.retries.labels(model, "model").inc(run.model_retries)
        for kind, n in run.network_errors_by_type.items():
            self.network_errors.labels(model, kind).inc(n)
        for kind, n in run.errors_by_type.items():
            self.errors.labels(model, kind).inc(n)
        for (rule, severity), n in run.violation_kinds.items():
            self.violations.labels(model, rule, severity).inc(n)
        if run.fallback_index:
            self.fallbacks.labels(model).inc()

    def generate_latest(self) -> bytes:
        """The registry in the Prometheus text format."""
        return self._prom.generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float | None:
        """A sample's current value (``registry.get_sample_value``), e.g. ``value("l0_retries_total", type="network")``."""
        if "model" not in labels:
            labels["model"] = ""
        return self.registry.get_sample_value(name, labels)

