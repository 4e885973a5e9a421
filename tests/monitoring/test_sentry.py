"""Sentry against the real ``sentry_sdk`` with a transport that captures envelopes."""

from __future__ import annotations

import subprocess
import sys

import pytest

import l0
from l0.monitoring import Sentry, SentryConfig, SentryExporter, SentryExporterConfig, create_sentry_handler
from l0.monitoring.sentry import L0RunFailed, with_sentry

from .conftest import FAST, scripted


def crumbs(event):
    values = event.get("breadcrumbs", {})
    return values.get("values", values) if isinstance(values, dict) else values


async def test_recovered_run_sends_no_issue_only_a_transaction_with_breadcrumbs(sentry):
    sdk, env = sentry
    handler = create_sentry_handler(sdk)
    stream = await l0.run(scripted(["a", ConnectionResetError("reset")], ["a", "b"]), retry=FAST, on_event=handler,
                          monitoring=True)
    assert await stream.read() == "ab"
    sdk.flush()
    assert env.events() == []  # the retried network error is a breadcrumb, not an issue
    (tx,) = env.transactions()
    assert tx["transaction"] == "l0.stream" and tx["contexts"]["trace"]["op"] == "gen_ai.chat"
    assert tx["contexts"]["trace"]["status"] == "ok"
    ops = [s["op"] for s in tx["spans"]]
    assert ops == ["l0.attempt", "l0.attempt"]
    assert tx["spans"][0]["status"] == "internal_error"
    data = tx["contexts"]["trace"]["data"]
    assert data["l0.time_to_first_token_ms"] == pytest.approx(stream.telemetry.time_to_first_token * 1000.0)
    assert data["gen_ai.usage.output_tokens"] == 2 and data["l0.retry.count"] == 1
    sdk.capture_message("probe")  # breadcrumbs travel with the next event of the scope
    sdk.flush()
    (probe,) = env.events()
    messages = [c["message"] for c in crumbs(probe)]
    assert messages[:2] == ["L0 execution started", "Stream started"]
    assert "Network error: connection_dropped" in messages or any(m.startswith("Network error") for m in messages)
    assert "Retry attempt 1" in messages and "Stream completed" in messages
    assert messages[-1] == "L0 execution completed"
    done = [c for c in crumbs(probe) if c["message"] == "Stream completed"][0]
    assert done["data"]["token_count"] == 2
    assert probe["contexts"]["l0_telemetry"]["retries"] == 1


async def test_failed_run_is_one_issue_not_one_per_retry(sentry):
    sdk, env = sentry
    s = Sentry(sdk, SentryConfig(tags={"team": "ai"}))
    stream = await l0.run(scripted([RuntimeError("down")]), retry=l0.Retry(attempts=2, base_delay=0.0, max_delay=0.0),
                          on_event=s.handle_event)
    with pytest.raises(RuntimeError):
        await stream.read()
    sdk.flush()
    (issue,) = env.events()
    exc = issue["exception"]["values"][-1]
    assert exc["type"] == "L0RunFailed" and exc["value"] == "down"
    assert issue["tags"]["component"] == "l0" and issue["tags"]["team"] == "ai"
    assert len([c for c in crumbs(issue) if c["category"] == "l0.retry"]) == 2
    (tx,) = env.transactions()
    assert tx["contexts"]["trace"]["status"] == "internal_error"
    assert len(tx["spans"]) == 3


async def test_guardrail_violation_message_by_severity(sentry):
    sdk, env = sentry
    rule = l0.custom_pattern_rule([r"BAD"], message="bad word", severity="error")
    handler = Monitoring_sentry = l0.Monitoring.sentry(sdk, min_guardrail_severity="error")
    stream = await l0.run(scripted(["BAD"], ["ok"]), guardrails=[rule], retry=FAST, on_event=handler)
    await stream.read()
    sdk.flush()
    messages = [e for e in env.events() if "message" in e or "logentry" in e]
    assert messages and all(e["level"] == "error" for e in messages)
    quiet = Sentry(sdk, SentryConfig(min_guardrail_severity="fatal"))
    before = len(env.events())
    quiet.record_guardrail_violations([{"rule": "r", "severity": "error", "message": "m"}])
    sdk.flush()
    assert len(env.events()) == before
    del Monitoring_sentry


async def test_with_sentry_and_record_failure(sentry):
    sdk, env = sentry

    async def ok():
        s = await l0.run(scripted(["a"]), monitoring=True)
        await s.read()
        return s

    stream = await with_sentry(sdk, ok)
    assert stream.telemetry.completed

    async def bad():
        raise KeyError("k")

    with pytest.raises(KeyError):
        await with_sentry(sdk, bad)
    sdk.flush()
    (issue,) = env.events()
    assert issue["exception"]["values"][-1]["type"] == "KeyError"


def test_client_must_look_like_sentry():
    with pytest.raises(TypeError, match="sentry must be a Sentry client"):
        Sentry(object())


async def test_exporter_uses_the_real_sdk():
    import sentry_sdk
    from sentry_sdk.transport import Transport

    got = []

    class Capture(Transport):
        def capture_envelope(self, envelope):
            got.append(envelope)

    exp = SentryExporter(SentryExporterConfig(dsn="http://k@127.0.0.1:9/2", environment="test", tags={"svc": "x"}),
                         transport=Capture, default_integrations=False)
    try:
        stream = await l0.run(scripted([RuntimeError("boom")]), retry=l0.Retry(attempts=0), monitoring=True,
                              on_event=exp.handler)
        with pytest.raises(RuntimeError):
            await stream.read()
        assert exp.capture_error(ValueError("v"), stream.telemetry, request_id="r1")
        assert exp.capture_telemetry_error(stream.telemetry)
        exp.add_breadcrumb("hello")
        exp.set_user(user_id="u1")
        exp.flush()
        events = [i.payload.json for e in got for i in e.items if i.type == "event"]
        assert len(events) == 3
        v = events[1]
        assert v["tags"]["l0.stream_id"] == stream.telemetry.stream_id and v["tags"]["svc"] == "x"
        assert v["extra"]["request_id"] == "r1" and v["contexts"]["l0_telemetry"]["tokens"] == 0
        assert v["environment"] == "test"
    finally:
        exp.close()
    assert SentryExporter(SentryExporterConfig(dsn=None)).capture_error(ValueError()) is None


def test_exporter_config_from_env(monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", "http://k@h/1")
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "prod")
    monkeypatch.setenv("SENTRY_RELEASE", "1.2")
    c = SentryExporterConfig.from_env()
    assert (c.dsn, c.environment, c.release) == ("http://k@h/1", "prod", "1.2")


def test_missing_package_names_the_extra():
    code = ("import sys; sys.modules['sentry_sdk'] = None\n"
            "from l0.monitoring import SentryExporter, SentryExporterConfig\n"
            "try:\n    SentryExporter(SentryExporterConfig(dsn='http://k@h/1')).init()\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "pip install 'l0[sentry]'" in out.stdout


def test_failure_exception_carries_type():
    e = L0RunFailed("m", "network")
    assert str(e) == "m" and e.error_type == "network"
