"""The whole stack for real: openai SDK -> FaultServer, wrapped by l0, with OTel + Sentry + Prometheus attached."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import l0
from l0.monitoring import Monitor, OpenTelemetry, PrometheusExporter, Sentry, combine_events
from l0.testing import FaultServer
from opentelemetry.trace import StatusCode

pytestmark = pytest.mark.e2e

USER = [{"role": "user", "content": "count"}]


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture
def server(fault_server: FaultServer) -> FaultServer:
    fault_server.reset()
    return fault_server


class Stack:
    def __init__(self, otel: Any, sentry: Any) -> None:
        self.otel = otel
        self.sdk, self.envelopes = sentry
        self.ot = OpenTelemetry(otel.tracer, otel.meter)
        self.sentry = Sentry(self.sdk)
        self.prom = PrometheusExporter()
        self.monitor = Monitor()
        self.handler = combine_events(self.monitor, self.ot, self.sentry, self.prom)


@pytest.fixture
def stack(otel: Any, sentry: Any) -> Stack:
    return Stack(otel, sentry)


async def open_stream(server: FaultServer, stack: Stack, model: str, **options: Any) -> Any:
    from openai import AsyncOpenAI

    client = l0.wrap(AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0), on_event=stack.handler,
                     monitoring=True, context={"model": model}, **options)
    return await client.chat.completions.create(model=model, messages=USER, stream=True)


async def test_retries_and_error_types_match_everywhere(server: FaultServer, stack: Stack) -> None:
    server.push("rate_limit:retry_after=0.05", "cut:after=5", "stall:after=5")
    stream = await open_stream(server, stack, "gpt-test", retry=l0.Retry(attempts=5, max_retries=8, base_delay=0.01,
                                                                         max_delay=0.05),
                               timeout=l0.Timeout(initial_token=3000, inter_token=250))
    assert await stream.read() == server.expected_text("clean")
    t = stream.telemetry
    kinds = [type(e).__name__ for e in stream.errors]
    assert len(kinds) == 3 and t.errors == 3 and t.total_retries == 3 and t.attempts == 4
    assert t.timeouts == 1 and t.network_errors >= 1
    assert t.network_retries + t.model_retries == 3
    assert t.network_retries == stream.state.network_retry_count and t.model_retries == stream.state.model_retry_count
    assert t.completed and t.token_count == stream.state.token_count

    # OpenTelemetry: one run span, four attempt children, three failed with their error type
    (run,) = stack.otel.spans("l0.stream")
    attempts = sorted(stack.otel.spans("l0.attempt"), key=lambda s: s.start_time)
    assert [a.status.status_code for a in attempts] == [StatusCode.ERROR] * 3 + [StatusCode.OK]
    assert sorted(a.attributes["error.type"] for a in attempts[:3]) == sorted(_expand(t.errors_by_type))
    assert kinds == ["RateLimitError", "APIConnectionError", "TimeoutError"]
    assert t.errors_by_type == {"rate_limit_exceeded": 1, "network": 1, "timeout": 1}
    assert t.network_errors_by_type == {"partial_chunks": 1}
    assert [e.name for e in run.events].count("retry") == 3
    assert run.attributes["l0.retry.count"] == 3 and run.attributes["gen_ai.request.model"] == "gpt-test"
    assert run.attributes["gen_ai.usage.output_tokens"] == t.token_count
    retries = {p.attributes["type"]: p.value for p in stack.otel.points("l0.retries")}
    assert retries == {"total": 3, "network": t.network_retries, "model": t.model_retries}
    (dur,) = stack.otel.points("gen_ai.client.operation.duration")
    assert dur.sum == pytest.approx(t.duration)

    # Sentry: a recovered run is no issue; a transaction with four attempt spans; retry breadcrumbs
    stack.sdk.flush()
    assert stack.envelopes.events() == []
    (tx,) = stack.envelopes.transactions()
    assert len(tx["spans"]) == 4 and [s.get("status") for s in tx["spans"]][:3] == ["internal_error"] * 3
    stack.sdk.capture_message("probe")
    stack.sdk.flush()
    (probe,) = stack.envelopes.events()
    crumbs = probe["breadcrumbs"]["values"]
    assert len([c for c in crumbs if c["category"] == "l0.retry"]) == 3
    assert len([c for c in crumbs if c["category"] == "l0.error"]) == 3

    # Prometheus
    p = stack.prom
    assert p.value("l0_requests_total", model="gpt-test", status="completed") == 1
    assert (p.value("l0_retries_total", model="gpt-test", type="network") or 0) == t.network_retries
    assert (p.value("l0_retries_total", model="gpt-test", type="model") or 0) == t.model_retries
    assert sum(v for k, v in _samples(p, "l0_errors_total")) == 3
    assert p.value("l0_tokens_total", model="gpt-test") == t.token_count

    # Monitor
    (m,) = stack.monitor.get_all_telemetry()
    assert m.metrics.token_count == t.token_count and m.retries.total_retries == 3


async def test_time_to_first_token_covers_a_slow_start(server: FaultServer, stack: Stack) -> None:
    stream = await open_stream(server, stack, "slow_first:first_delay=0.3")
    assert await stream.read() == server.expected_text("slow_first:first_delay=0.3")
    t = stream.telemetry
    assert t.time_to_first_token >= 0.3 and t.duration >= t.time_to_first_token
    assert t.total_retries == 0
    (ttft,) = stack.otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert ttft.sum >= 0.3
    (run,) = stack.otel.spans("l0.stream")
    assert run.attributes["l0.time_to_first_token_ms"] >= 300
    assert stack.prom.value("l0_time_to_first_token_seconds_bucket", model=stack_model(stream), le="0.25") == 0
    assert stack.prom.value("l0_time_to_first_token_seconds_bucket", model=stack_model(stream), le="0.5") == 1
    stack.sdk.flush()
    (tx,) = stack.envelopes.transactions()
    assert tx["contexts"]["trace"]["data"]["l0.time_to_first_token_ms"] >= 300


async def test_failed_run_one_issue_error_span_failed_counter(server: FaultServer, stack: Stack) -> None:
    stream = await open_stream(server, stack, "unavailable:times=all",
                               retry=l0.Retry(attempts=2, max_retries=2, base_delay=0.01, max_delay=0.02))
    with pytest.raises(Exception):
        await stream.read()
    t = stream.telemetry
    assert t.failed and t.errors == len(stream.errors) == 3
    stack.sdk.flush()
    (issue,) = stack.envelopes.events()
    assert issue["exception"]["values"][-1]["type"] == "L0RunFailed"
    assert issue["tags"]["error_type"] == t.last_error_type
    (run,) = stack.otel.spans("l0.stream")
    assert run.status.status_code is StatusCode.ERROR and run.attributes["error.type"] == t.last_error_type
    assert stack.prom.value("l0_requests_total", model="unavailable:times=all", status="failed") == 1


def stack_model(stream: Any) -> str:
    return stream.telemetry.model


def _expand(counts: dict[str, int]) -> list[str]:
    return [k for k, n in counts.items() for _ in range(n)]


def _samples(prom: PrometheusExporter, name: str) -> Iterator[tuple[dict[str, str], float]]:
    for metric in prom.registry.collect():
        for sample in metric.samples:
            if sample.name == name:
                yield sample.labels, sample.value
