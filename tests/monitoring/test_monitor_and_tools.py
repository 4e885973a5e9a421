"""Monitor, config presets, telemetry model, exporters, handlers, dispatcher, normalize, Prometheus."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

import l0
from l0.events import ObservabilityEvent, ObservabilityEventType as O
from l0.monitoring import (
    EventDispatcher, L0Event, L0EventType, Metrics, Monitor, Monitoring, MonitoringConfig, PrometheusExporter,
    SamplingConfig, Telemetry, TelemetryExporter, batch_events, combine_events, create_token_event, debounce_events,
    exclude_events, extract_tokens, filter_events, normalize_stream_event, reconstruct_text, sample_events, tap_events,
)
from l0.monitoring.telemetry import ErrorCategory

from .conftest import FAST, scripted


async def test_monitor_counts_tokens_and_retries_from_the_real_runtime():
    seen = []
    mon = Monitor(on_complete=seen.append)
    stream = await l0.run(scripted(["a", "b", ConnectionResetError("x")], ["a", "b", "c"]), retry=FAST,
                          on_event=mon.handle_event)
    assert await stream.read() == "abc"
    (t,) = mon.get_all_telemetry()
    assert seen == [t] and mon.get_telemetry(t.stream_id) is t and mon.get_telemetry() is t
    assert t.metrics.token_count == 3 and t.content_length == 3  # the reference's were 0
    assert t.retries.network_retries == 1 and t.retries.model_retries == 0 and t.retries.total_retries == 1
    assert t.error.occurred and t.error.recoverable and t.error.category is ErrorCategory.NETWORK
    assert t.completed and t.timing.duration is not None and t.timing.started_at is not None
    agg = mon.get_aggregate_metrics()
    assert agg["count"] == 1 and agg["total_tokens"] == 3 and agg["total_retries"] == 1
    assert agg["completion_rate"] == 1.0


async def test_monitor_buffer_sampling_and_errors():
    mon = Monitor(MonitoringConfig(buffer_size=2))
    for _ in range(3):
        s = await l0.run(scripted(["a"]), on_event=mon)
        await s.read()
    assert len(mon.get_all_telemetry()) == 2
    mon.clear()
    assert mon.get_all_telemetry() == [] and mon.get_aggregate_metrics() == {}
    quiet = Monitor(MonitoringConfig.minimal())
    s = await l0.run(scripted(["a"]), on_event=quiet)
    await s.read()
    assert quiet.get_all_telemetry() == []  # rate 0: a clean stream is not kept
    s = await l0.run(scripted([RuntimeError("bad")]), retry=l0.Retry(attempts=0), on_event=quiet)
    with pytest.raises(RuntimeError):
        await s.read()
    (t,) = quiet.get_all_telemetry()  # sample_errors keeps the failed one, with its whole history
    assert t.error.occurred and not t.completed and not t.error.recoverable
    assert t.timing.duration is None  # minimal(): collect_timing off


def test_monitor_validation_and_disabled():
    with pytest.raises(TypeError, match="MonitoringConfig"):
        Monitor({"enabled": True})
    with pytest.raises(TypeError, match="on_complete"):
        Monitor(on_complete=1)
    m = Monitor(MonitoringConfig(enabled=False))
    m.handle_event(ObservabilityEvent(O.SESSION_START, 0.0, "s", {}, {}))
    assert m.get_telemetry() is None


def test_monitor_in_progress_snapshot():
    m = Monitor()
    m.handle_event(ObservabilityEvent(O.SESSION_START, 1000.0, "s", {}, {}))
    m.handle_event(ObservabilityEvent(O.RETRY_ATTEMPT, 1001.0, "s", {}, {"is_network": True}))
    t = m.get_telemetry("s")
    assert t.retries.network_retries == 1 and not t.completed
    assert m.get_all_telemetry() == []


def test_presets():
    p = MonitoringConfig.production()
    assert (p.sampling.rate, p.buffer_size, p.flush_interval) == (0.1, 1000, 30.0)
    d = MonitoringConfig.development()
    assert d.metrics.inter_token_latency and d.log_level == "debug"
    m = MonitoringConfig.minimal()
    assert m.sampling.rate == 0.0 and m.metrics.collect_errors and not m.metrics.collect_timing
    assert MonitoringConfig.default() == MonitoringConfig()
    with pytest.raises(ValueError):
        SamplingConfig(rate=1.5)


@given(st.lists(st.floats(min_value=0, max_value=10), max_size=150))
def test_metrics_percentiles(lat):
    m = Metrics.calculate(10, 2.0, 0.1, lat)
    assert m.tokens_per_second == 5.0
    s = sorted(lat)
    assert m.p50_inter_token_latency == (s[int(len(s) * 0.5)] if s else None)
    assert (m.p90_inter_token_latency is None) == (len(s) < 10)
    assert (m.p99_inter_token_latency is None) == (len(s) < 100)


def _telemetry(sid="s1", **kw):
    t = Telemetry(stream_id=sid, model="m", **kw)
    t.metrics.token_count = 5
    t.timing.duration = 2.0
    t.retries.total_retries = 1
    t.completed = True
    t.finalize()
    return t


def test_exporter_formats():
    a, b = _telemetry("a"), _telemetry("b")
    assert json.loads(TelemetryExporter.to_json(a))["stream_id"] == "a"
    assert TelemetryExporter.to_dict(a)["metrics"]["tokens_per_second"] == 2.5
    lines = TelemetryExporter.to_jsonl([a, b]).split("\n")
    assert [json.loads(x)["stream_id"] for x in lines] == ["a", "b"]
    assert TelemetryExporter.to_csv([]) == ""
    csv = TelemetryExporter.to_csv([a, b]).splitlines()
    assert len(csv) == 3 and len(csv[0].split(",")) == 20
    log = TelemetryExporter.to_log_format(a)
    assert log == "stream_id=a model=m duration=2.000s tokens=5 tokens_per_sec=2.5 retries=1 completed=True"
    m = TelemetryExporter.to_metrics(a, prefix="x", labels={"env": "t"})
    assert m["x_tokens_total"]["value"] == 5 and m["x_tokens_total"]["labels"]["env"] == "t"
    assert "x_ttft_seconds" not in m and m["x_duration_seconds"]["type"] == "gauge"


class _Rec:
    def __init__(self):
        self.got = []

    def __call__(self, e):
        self.got.append(e)


def _e(t=O.TOKEN):
    return ObservabilityEvent(t, 0.0, "s", {}, {})


def test_combinators(caplog):
    r1, r2 = _Rec(), _Rec()

    def broken(e):
        raise ValueError("x")

    h = combine_events(r1, None, broken, r2)
    h(_e())
    assert len(r1.got) == len(r2.got) == 1 and "broken" in caplog.text
    assert combine_events(r1) is r1
    combine_events()(_e())
    f = filter_events([O.ERROR, "COMPLETE"], r1)
    f(_e(O.ERROR)); f(_e(O.TOKEN)); f(_e(O.COMPLETE))
    assert [e.type for e in r1.got[1:]] == [O.ERROR, O.COMPLETE]
    x = exclude_events([O.TOKEN], r2)
    x(_e(O.TOKEN)); x(_e(O.ERROR))
    assert [e.type for e in r2.got[1:]] == [O.ERROR]
    tap_events(broken)(_e())
    with pytest.raises(TypeError, match="handler must be callable"):
        tap_events(3)
    with pytest.raises(ValueError, match="rate"):
        sample_events(2, r1)
    none, all_ = _Rec(), _Rec()
    for _ in range(50):
        sample_events(0.0, none)(_e())
        sample_events(1.0, all_)(_e())
    assert (len(none.got), len(all_.got)) == (0, 50)
    assert Monitoring.sample is not None and Monitoring.combine(r1) is r1


async def test_debounce_and_batch_on_a_loop():
    got, batches = _Rec(), _Rec()
    d = debounce_events(0.01, got)
    for i in range(5):
        d(ObservabilityEvent(O.TOKEN, float(i), "s", {}, {}))
    assert [e.ts for e in got.got] == [0.0]
    await asyncio.sleep(0.02)
    assert [e.ts for e in got.got] == [0.0, 4.0]
    b = batch_events(3, 0.01, batches)
    for i in range(4):
        b(_e())
    assert [len(x) for x in batches.got] == [3]
    await asyncio.sleep(0.02)
    assert [len(x) for x in batches.got] == [3, 1]
    with pytest.raises(ValueError, match="size"):
        batch_events(0, 1.0, batches)


async def test_dispatcher():
    d = EventDispatcher({"app": "x"})
    got = _Rec()
    d.emit(O.TOKEN)  # no handler: nothing
    d.on_event(got)
    d.on_event(lambda e: 1 / 0)
    d.emit_sync(O.SESSION_START, a=1)
    assert got.got[0].meta == {"app": "x", "a": 1} and got.got[0].stream_id == d.stream_id
    d.emit("COMPLETE")
    await asyncio.sleep(0)
    assert got.got[-1].type is O.COMPLETE and d.handler_count == 2
    d.off_event(got); d.off_event(got)
    assert d.handler_count == 1
    with pytest.raises(TypeError, match="meta"):
        EventDispatcher([1])


def test_normalize():
    assert normalize_stream_event("hi").value == "hi"
    assert normalize_stream_event("").is_error and normalize_stream_event(None).is_error
    assert normalize_stream_event({"choices": [{"delta": {"content": "x"}}]}).value == "x"
    assert normalize_stream_event({"choices": [{"delta": {}, "finish_reason": "stop"}]}).is_complete
    assert normalize_stream_event({"type": "text-delta", "textDelta": "v"}).value == "v"
    assert normalize_stream_event({"type": "message_stop"}).is_complete
    assert normalize_stream_event({"delta": {"text": "anth"}}).value == "anth"
    assert normalize_stream_event({"type": "tool-call", "x": 1}).role == "assistant"
    assert normalize_stream_event({"type": "weird"}).is_error
    assert normalize_stream_event(object()).is_error
    ev = create_token_event("a")
    assert normalize_stream_event(ev) is ev and ev.is_token and isinstance(ev, L0Event)
    events = [normalize_stream_event(x) for x in ("a", "b", {"type": "complete"})]
    assert reconstruct_text(events) == "ab" and extract_tokens(events) == ["a", "b"]
    assert events[-1].type is L0EventType.COMPLETE


async def test_prometheus_own_registry_histograms_and_counters():
    prom = PrometheusExporter()
    rule = l0.custom_pattern_rule([r"BAD"], severity="warning")
    s = await l0.run(scripted(["a", ConnectionResetError("x")], ["BAD", "b"]), retry=FAST, guardrails=[rule],
                     on_event=prom.handle_event, context={"model": "m1"}, monitoring=True)
    await s.read()
    assert prom.value("l0_requests_total", model="m1", status="completed") == 1
    assert prom.value("l0_retries_total", model="m1", type="network") == 1
    assert list(_samples(prom, "l0_network_errors_total")) == [({"model": "m1", "error_type": "connection_dropped"},
                                                                   1.0)]
    assert prom.value("l0_time_to_first_token_seconds_count", model="m1") == 1
    assert prom.value("l0_duration_seconds_count", model="m1") == 1
    assert prom.value("l0_tokens_total", model="m1") == 2
    assert prom.value("l0_guardrail_violations_total", model="m1", rule=rule.name, severity="warning") == 1
    assert b"l0_tokens_per_second_bucket" in prom.generate_latest()
    other = PrometheusExporter()  # its own registry: no duplicate-name clash
    assert other.registry is not prom.registry


def _samples(prom, name):
    for metric in prom.registry.collect():
        for sample in metric.samples:
            if sample.name == name:
                yield sample.labels, sample.value


def test_prometheus_missing_package_names_the_extra():
    code = ("import sys; sys.modules['prometheus_client'] = None\n"
            "from l0.monitoring import PrometheusExporter\n"
            "try:\n    PrometheusExporter()\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "pip install 'l0[prometheus]'" in out.stdout
