"""Fixtures for the monitoring tests: scripted sources and real OTel / Sentry / Prometheus backends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import l0
from l0 import Event, EventType

NO_COMPLETE = object()
FAST = l0.Retry(attempts=3, base_delay=0.0, max_delay=0.0)


def scripted(*attempts: list[Any]) -> Any:
    """A zero-argument factory; call k plays ``attempts[k]`` (str -> TOKEN, exception -> raised)."""

    def factory() -> AsyncIterator[Event]:
        index = factory.calls
        factory.calls += 1
        script = attempts[min(index, len(attempts) - 1)]

        async def source() -> AsyncIterator[Event]:
            complete = True
            for item in script:
                if item is NO_COMPLETE:
                    complete = False
                elif isinstance(item, BaseException):
                    raise item
                elif isinstance(item, Event):
                    yield item
                else:
                    yield Event(type=EventType.TOKEN, text=item)
            if complete:
                yield Event(type=EventType.COMPLETE)

        return source()

    factory.calls = 0
    return factory


class Otel:
    """A real SDK tracer + meter with in-memory exporter and reader."""

    def __init__(self) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        self.spans_exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.tracer = self.tracer_provider.get_tracer("test")
        self.meter = self.meter_provider.get_meter("test")

    def spans(self, name: str | None = None) -> list[Any]:
        return [s for s in self.spans_exporter.get_finished_spans() if name is None or s.name == name]

    def metrics(self) -> dict[str, Any]:
        """``{name: metric}`` from one collection."""
        out: dict[str, Any] = {}
        data = self.reader.get_metrics_data()
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    out[m.name] = m
        return out

    def points(self, name: str) -> list[Any]:
        m = self.metrics().get(name)
        return list(m.data.data_points) if m is not None else []


@pytest.fixture
def otel() -> Iterator[Otel]:
    o = Otel()
    yield o
    o.tracer_provider.shutdown()
    o.meter_provider.shutdown()


class Envelopes:
    """The envelopes a real ``sentry_sdk`` client sent (through a capturing transport)."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def events(self) -> list[dict[str, Any]]:
        return [i.payload.json for env in self.items for i in env.items if i.type == "event"]

    def transactions(self) -> list[dict[str, Any]]:
        return [i.payload.json for env in self.items for i in env.items if i.type == "transaction"]


@pytest.fixture
def sentry() -> Iterator[tuple[Any, Envelopes]]:
    """``(sentry_sdk, envelopes)``: the real SDK initialised with a capture transport, tracing on."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    captured = Envelopes()

    class Capture(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            captured.items.append(envelope)

    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=Capture, traces_sample_rate=1.0,
                    default_integrations=False, max_breadcrumbs=100)
    with sentry_sdk.isolation_scope():
        yield sentry_sdk, captured
    sentry_sdk.flush()
    sentry_sdk.get_client().close()
