"""OpenTelemetry against the real SDK (in-memory span exporter and metric reader)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import l0
from l0.monitoring import OpenTelemetry, OpenTelemetryConfig, OpenTelemetryExporter, OpenTelemetryExporterConfig
from l0.monitoring import RunTelemetry, SemanticAttributes, Telemetry, create_opentelemetry_handler
from l0.monitoring.otel import NoOpSpan, SpanProtocol, with_opentelemetry
from opentelemetry.trace import StatusCode

from .conftest import FAST, scripted


def test_attribute_names_are_the_semantic_conventions():
    from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as g
    from opentelemetry.semconv._incubating.metrics import gen_ai_metrics as gm
    from opentelemetry.semconv.attributes import error_attributes as e

    A = SemanticAttributes
    assert A.LLM_SYSTEM == g.GEN_AI_SYSTEM
    assert A.LLM_REQUEST_MODEL == g.GEN_AI_REQUEST_MODEL
    assert A.LLM_RESPONSE_MODEL == g.GEN_AI_RESPONSE_MODEL
    assert A.LLM_REQUEST_MAX_TOKENS == g.GEN_AI_REQUEST_MAX_TOKENS
    assert A.LLM_REQUEST_TEMPERATURE == g.GEN_AI_REQUEST_TEMPERATURE
    assert A.LLM_REQUEST_TOP_P == g.GEN_AI_REQUEST_TOP_P
    assert A.LLM_RESPONSE_FINISH_REASON == g.GEN_AI_RESPONSE_FINISH_REASONS
    assert A.LLM_USAGE_INPUT_TOKENS == g.GEN_AI_USAGE_INPUT_TOKENS
    assert A.LLM_USAGE_OUTPUT_TOKENS == g.GEN_AI_USAGE_OUTPUT_TOKENS
    assert A.GEN_AI_OPERATION_NAME == g.GEN_AI_OPERATION_NAME
    assert A.GEN_AI_PROVIDER_NAME == g.GEN_AI_PROVIDER_NAME
    assert A.GEN_AI_REQUEST_STREAM == g.GEN_AI_REQUEST_STREAM
    assert A.GEN_AI_TOKEN_TYPE == g.GEN_AI_TOKEN_TYPE
    assert A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK == g.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK
    assert A.ERROR_TYPE == e.ERROR_TYPE
    assert A.METRIC_OPERATION_DURATION == gm.GEN_AI_CLIENT_OPERATION_DURATION
    assert A.METRIC_TIME_TO_FIRST_CHUNK == gm.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK
    assert A.METRIC_TIME_PER_OUTPUT_CHUNK == gm.GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK
    assert A.METRIC_TOKEN_USAGE == gm.GEN_AI_CLIENT_TOKEN_USAGE
    assert A.L0_TIME_TO_FIRST_TOKEN == "l0.time_to_first_token_ms"


async def test_run_span_attempt_children_events_and_metrics(otel):
    ot = OpenTelemetry(otel.tracer, otel.meter)
    primary = scripted(["a", "b", ConnectionResetError("reset")], ["a", "b", "c"])
    stream = await l0.run(primary, retry=FAST, on_event=ot.handle_event, monitoring=True, context={"model": "gpt-x"})
    assert await stream.read() == "abc"
    t = stream.telemetry
    (run,) = otel.spans("l0.stream")
    attempts = sorted(otel.spans("l0.attempt"), key=lambda s: s.start_time)
    assert len(attempts) == 2
    assert all(a.parent.span_id == run.context.span_id for a in attempts)
    assert attempts[0].status.status_code is StatusCode.ERROR
    assert attempts[0].attributes["error.type"] == "network"
    assert [e.name for e in attempts[0].events] == ["network_error", "error"]
    assert attempts[1].status.status_code is StatusCode.OK and attempts[1].attributes["l0.is_retry"] is True
    assert run.status.status_code is StatusCode.OK
    a = run.attributes
    assert a["gen_ai.operation.name"] == "chat" and a["gen_ai.request.model"] == "gpt-x"
    assert a["gen_ai.usage.output_tokens"] == 3 and a["l0.retry.count"] == 1 and a["l0.network.error_count"] == 1
    assert a["l0.time_to_first_token_ms"] == pytest.approx(t.time_to_first_token * 1000.0)
    assert a["gen_ai.response.time_to_first_chunk"] == pytest.approx(t.time_to_first_token)
    assert [e.name for e in run.events] == ["retry"]
    assert run.events[0].attributes["retry.is_network"] is True
    assert run.start_time <= attempts[0].start_time < attempts[1].start_time <= run.end_time
    # GenAI metrics in seconds, l0.* in ms
    (dur,) = otel.points("gen_ai.client.operation.duration")
    assert otel.metrics()["gen_ai.client.operation.duration"].unit == "s"
    assert dur.sum == pytest.approx(t.duration) and dur.attributes["gen_ai.request.model"] == "gpt-x"
    (ttft,) = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert ttft.sum == pytest.approx(t.time_to_first_token)
    (per,) = otel.points("gen_ai.client.operation.time_per_output_chunk")
    assert per.sum == pytest.approx(t.avg_inter_token_time)
    (usage,) = otel.points("gen_ai.client.token.usage")
    assert usage.sum == 3 and usage.attributes["gen_ai.token.type"] == "output"
    (ms,) = otel.points("l0.duration")
    assert ms.sum == pytest.approx(t.duration * 1000.0)
    retries = {p.attributes["type"]: p.value for p in otel.points("l0.retries")}
    assert retries == {"total": 1, "network": 1, "model": 0}
    assert sum(p.value for p in otel.points("l0.tokens")) == 3
    assert sum(p.value for p in otel.points("l0.active_streams")) == 0
    assert ot.get_active_streams() == 0


async def test_token_counts_without_run_monitoring(otel):
    """The handler alone (no monitoring=) reads the runtime's camelCase tokenCount: not 0."""
    handler = create_opentelemetry_handler(otel.tracer, otel.meter)
    stream = await l0.run(scripted(["a", "b", "c", "d"]), on_event=handler)
    await stream.read()
    (run,) = otel.spans("l0.stream")
    assert run.attributes["gen_ai.usage.output_tokens"] == 4
    assert sum(p.value for p in otel.points("l0.tokens")) == 4


async def test_failed_run_ends_its_span_with_error_and_fallback_events(otel):
    ot = OpenTelemetry(otel.tracer, otel.meter)
    stream = await l0.run(scripted([RuntimeError("p")]), fallbacks=[scripted([RuntimeError("f")])],
                          retry=l0.Retry(attempts=0, base_delay=0.0), on_event=ot.handle_event)
    with pytest.raises(RuntimeError):
        await stream.read()
    (run,) = otel.spans("l0.stream")
    assert run.status.status_code is StatusCode.ERROR and "error.type" in run.attributes
    assert "fallback" in [e.name for e in run.events]
    attempts = otel.spans("l0.attempt")
    assert len(attempts) == 2 and attempts[-1].attributes["l0.is_fallback"] is True
    (dur,) = otel.points("gen_ai.client.operation.duration")
    assert "error.type" in dur.attributes
    assert not otel.points("gen_ai.client.token.usage")
    statuses = {p.attributes["status"] for p in otel.points("l0.requests")}
    assert statuses == {"failed"}


async def test_guardrail_violation_event(otel):
    rule = l0.custom_pattern_rule([r"BAD"], severity="error")
    ot = OpenTelemetry(otel.tracer, otel.meter)
    stream = await l0.run(scripted(["BAD"], ["ok"]), guardrails=[rule], retry=FAST, on_event=ot.handle_event)
    await stream.read()
    (run,) = otel.spans("l0.stream")
    v = [e for e in run.events if e.name == "guardrail_violation"]
    assert v and v[0].attributes["guardrail.rule"] == rule.name and v[0].attributes["guardrail.severity"] == "error"
    assert run.attributes["l0.guardrail.violation_count"] == len(v)


async def test_concurrent_streams_get_their_own_spans(otel):
    import asyncio

    ot = OpenTelemetry(otel.tracer, otel.meter)

    async def one(n):
        s = await l0.run(scripted(["x"] * n), on_event=ot.handle_event)
        return await s.read()

    await asyncio.gather(*(one(n) for n in (1, 2, 3)))
    runs = otel.spans("l0.stream")
    assert sorted(r.attributes["gen_ai.usage.output_tokens"] for r in runs) == [1, 2, 3]
    assert len({r.context.trace_id for r in runs}) == 3


async def test_no_tracer_no_meter_is_a_noop():
    ot = OpenTelemetry()
    stream = await l0.run(scripted(["a"]), on_event=ot.handle_event)
    assert await stream.read() == "a"
    assert await ot.trace_stream("x", lambda span: _ret(span)) == "noop"
    assert isinstance(NoOpSpan(), SpanProtocol) and not NoOpSpan().is_recording()


async def _ret(span):
    return "noop" if isinstance(span, NoOpSpan) else "real"


async def test_trace_stream_and_with_opentelemetry(otel):
    ot = OpenTelemetry(otel.tracer, otel.meter, OpenTelemetryConfig(service_name="svc", default_attributes={"k": "v"}))
    assert await ot.trace_stream("op", _ret) == "real"
    with pytest.raises(ValueError):
        await ot.trace_stream("bad", _raise)
    assert await with_opentelemetry(otel.tracer, None, _ret) == "real"
    names = [s.name for s in otel.spans()]
    assert names == ["svc.op", "svc.bad", "l0.stream"]
    assert otel.spans("svc.op")[0].attributes["k"] == "v"
    assert otel.spans("svc.bad")[0].status.status_code is StatusCode.ERROR
    assert {p.attributes["type"] for p in otel.points("l0.errors")} == {"stream_error"}


async def _raise(span):
    raise ValueError("x")


def test_record_telemetry_accepts_the_pydantic_model(otel):
    ot = OpenTelemetry(otel.tracer, otel.meter)
    t = Telemetry(stream_id="s")
    t.metrics.token_count = 7
    t.timing.duration = 2.0
    t.completed = True
    span = ot.create_span("manual")
    ot.record_telemetry(t, span)
    span.end()
    assert otel.spans("l0.manual")[0].attributes["gen_ai.usage.output_tokens"] == 7
    assert otel.points("gen_ai.client.operation.duration")[0].sum == 2.0
    with pytest.raises(TypeError, match="Telemetry or RunTelemetry"):
        ot.record_telemetry({"x": 1})


async def test_exporter_with_in_memory_backends():
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    exp = OpenTelemetryExporter(OpenTelemetryExporterConfig(service_name="svc", resource_attributes={"env": "t"}),
                                span_exporter=spans, metric_reader=reader)
    stream = await l0.run(scripted(["a", "b"]), on_event=exp.handler, monitoring=True)
    await stream.read()
    exp.export(stream.telemetry)
    with exp.create_span("custom", foo="bar") as span:
        assert span.is_recording()
    names = [s.name for s in spans.get_finished_spans()]
    assert names.count("svc.stream") == 2 and "svc.custom" in names and "svc.attempt" in names
    assert spans.get_finished_spans()[0].resource.attributes["service.name"] == "svc"
    assert reader.get_metrics_data() is not None
    exp.shutdown()
    off = OpenTelemetryExporter(OpenTelemetryExporterConfig(enabled=False))
    off.export(stream.telemetry)
    with off.create_span("x") as span:
        assert span is None


def test_exporter_config_from_env(monkeypatch):
    monkeypatch.setenv("OTEL_SERVICE_NAME", "svc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "a=1, b=2")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
    c = OpenTelemetryExporterConfig.from_env()
    assert (c.service_name, c.endpoint, c.headers, c.insecure) == ("svc", "http://collector:4317",
                                                                   {"a": "1", "b": "2"}, True)


def test_missing_package_names_the_extra():
    code = ("import sys; sys.modules['opentelemetry'] = None; sys.modules['opentelemetry.trace'] = None;"
            "sys.modules['opentelemetry.sdk'] = None; sys.modules['opentelemetry.sdk.trace'] = None\n"
            "from l0.monitoring import OpenTelemetry, OpenTelemetryExporter\n"
            "OpenTelemetry()\n"
            "try:\n    OpenTelemetryExporter().export(__import__('l0.monitoring', fromlist=['x']).RunTelemetry('s', 0.0))\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "pip install 'l0[otel]'" in out.stdout
