"""Per-run telemetry: ``l0.run(..., monitoring=...)`` -> ``stream.telemetry``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import l0
from l0.events import ObservabilityEvent, ObservabilityEventType as O
from l0.monitoring import RunCollector, RunTelemetry, TelemetryOptions

from .conftest import FAST, scripted


async def test_no_monitoring_means_no_telemetry_and_no_collector():
    stream = await l0.run(scripted(["a", "b"]))
    assert await stream.read() == "ab"
    assert stream.telemetry is None
    assert stream._telemetry is None
    assert stream._runner.bus.enabled is False  # nothing listens: events are not even built


@pytest.mark.parametrize("events", [False, True], ids=["state", "events"])
async def test_clean_run_numbers(events):
    stream = await l0.run(scripted(["a", "b", "c", "d"]), monitoring={"events": events})
    assert stream.telemetry is None  # not finished yet
    assert await stream.read() == "abcd"
    t = stream.telemetry
    assert isinstance(t, RunTelemetry)
    assert t.completed and not t.failed and not t.aborted
    assert t.token_count == 4 and t.content_length == 4
    assert t.time_to_first_token is not None and 0 <= t.time_to_first_token <= t.duration
    assert t.avg_inter_token_time is not None and t.avg_inter_token_time >= 0
    assert t.total_retries == 0 and t.network_errors == 0 and t.violations == 0
    assert "tokens=4" in t.summary() and "completed" in t.summary()
    json.dumps(t.to_dict(), default=str)


@pytest.mark.parametrize("events", [False, True], ids=["state", "events"])
async def test_retries_network_errors_by_type_and_fallback(events):
    primary = scripted(["a", ConnectionResetError("reset")], ["a", TimeoutError("slow")], ["a", RuntimeError("x")])
    stream = await l0.run(primary, fallbacks=[scripted(["z", "y"])], monitoring={"events": events},
                          retry=l0.Retry(attempts=2, base_delay=0.0, max_delay=0.0))
    assert await stream.read() == "zy"
    t = stream.telemetry
    assert t.completed and t.fallback_index == 1
    assert t.network_errors == sum(t.network_errors_by_type.values()) >= 1
    assert t.total_retries == t.network_retries + t.model_retries == stream.state.model_retry_count + \
        stream.state.network_retry_count
    assert t.errors == len(stream.errors)
    assert t.attempts == len(stream.errors) + 1
    assert t.most_common_network_error() in t.network_errors_by_type
    assert t.errors_by_type


@pytest.mark.parametrize("events", [False, True], ids=["state", "events"])
async def test_failed_run_is_marked_failed(events):
    stream = await l0.run(scripted(["a", RuntimeError("always")]), monitoring={"events": events},
                          retry=l0.Retry(attempts=1, base_delay=0.0, max_delay=0.0))
    with pytest.raises(RuntimeError):
        await stream.read()
    t = stream.telemetry
    assert t.failed and not t.completed
    assert t.last_error == "always"
    assert t.errors == 2 and t.attempts == 2 and t.total_retries == 1


async def test_violations_of_retried_attempts_without_events_are_counted_not_named():
    rule = l0.custom_pattern_rule([r"BAD"], message="no BAD", severity="error")
    stream = await l0.run(scripted(["BAD"], ["fine"]), guardrails=[rule], retry=FAST, monitoring=True)
    assert await stream.read() == "fine"
    assert stream._runner.bus.enabled is False  # monitoring alone keeps the event bus off
    t = stream.telemetry
    assert t.violations == 1 and t.violations_by_rule == {"unknown": 1}
    assert t.errors_by_type == {"GUARDRAIL_VIOLATION": 1} and t.model_retries == 1


async def test_violations_by_rule_and_severity():
    rule = l0.custom_pattern_rule([r"BAD"], message="no BAD", severity="error")
    stream = await l0.run(scripted(["BAD"], ["fine"]), guardrails=[rule], retry=FAST, monitoring={"events": True})
    assert await stream.read() == "fine"
    assert stream._runner.bus.enabled is True
    t = stream.telemetry
    assert t.violations >= 1
    assert t.violations_by_rule == {rule.name: t.violations}
    assert t.violations_by_severity == {"error": t.violations}
    assert t.model_retries >= 1


async def test_continuation_is_counted():
    stream = await l0.run(scripted(["a", "b", ConnectionResetError("cut")], ["c"]), retry=FAST,
                          continue_from_last_good_token=True, check_intervals={"checkpoint": 1}, monitoring=True)
    await stream.read()
    t = stream.telemetry
    assert t.continuation_used and t.continuations == 1


async def test_user_on_event_still_receives_everything_with_telemetry_on_session_end():
    seen = []
    stream = await l0.run(scripted(["a"]), on_event=seen.append, monitoring={"metadata": {"tenant": "t1"}})
    await stream.read()
    assert [e.type for e in seen][0] is O.SESSION_START
    (end,) = [e for e in seen if e.type is O.SESSION_END]
    assert end.meta["telemetry"] is stream.telemetry
    assert stream.telemetry.metadata == {"tenant": "t1"}


async def test_sampling_zero_gives_none():
    stream = await l0.run(scripted(["a"]), monitoring={"sample_rate": 0.0})
    await stream.read()
    assert stream.telemetry is None


@pytest.mark.parametrize("bad,exc,words", [
    ("yes", TypeError, "monitoring must be"),
    ({"sample_rate": 2}, ValueError, "sample_rate"),
    ({"rate": 1}, ValueError, "unknown keys"),
])
async def test_bad_monitoring_option_is_named(bad, exc, words):
    with pytest.raises(exc, match=words):
        await l0.run(scripted(["a"]), monitoring=bad)


def test_options_coercion():
    assert TelemetryOptions.of(True) == TelemetryOptions()
    assert TelemetryOptions.of(False) is None
    assert TelemetryOptions.of({"enabled": False}) is None
    assert TelemetryOptions.of({"sampleRate": 0.5}).sample_rate == 0.5


def _ev(t, ts, **meta):
    return ObservabilityEvent(t, ts, "s1", {"model": "m"}, meta)


def test_collector_from_events_alone_reads_camel_and_snake_case():
    c = RunCollector()
    c.observe(_ev(O.SESSION_START, 1000.0))
    c.observe(_ev(O.STREAM_INIT, 1000.0))
    c.observe(_ev(O.TOKEN, 1100.0))
    c.observe(_ev(O.TOKEN, 1150.0))
    c.observe(_ev(O.TOKEN, 1200.0))
    c.observe(_ev(O.RETRY_ATTEMPT, 1201.0, is_network=True))
    c.observe(_ev(O.RETRY_ATTEMPT, 1202.0, isNetwork=False))
    c.observe(_ev(O.GUARDRAIL_RULE_RESULT, 1203.0, ruleId="r", passed=False,
                  violation={"rule": "r", "severity": "warning", "message": "m"}))
    c.observe(_ev(O.DRIFT_CHECK_RESULT, 1204.0, detected=True, metrics={"tone_shift": True}))
    c.observe(_ev(O.COMPLETE, 1300.0, token_count=3, contentLength=9))
    t = c.observe(_ev(O.SESSION_END, 2000.0, success=True))
    assert t.token_count == 3 and t.content_length == 9
    assert t.time_to_first_token == pytest.approx(0.1)
    assert t.avg_inter_token_time == pytest.approx(0.05)
    assert t.duration == pytest.approx(1.0)
    assert (t.network_retries, t.model_retries, t.total_retries) == (1, 1, 2)
    assert t.violations_by_severity == {"warning": 1} and t.violations_by_rule == {"r": 1}
    assert t.drift_detected and t.drift_types == ["tone_shift"]
    assert t.model == "m" and t.completed


def test_importing_l0_imports_no_monitoring_or_backends():
    code = ("import sys, l0; l0.run; l0.Stream; "
            "bad = [m for m in ('l0.monitoring', 'opentelemetry', 'sentry_sdk', 'prometheus_client') if m in sys.modules];"
            "print(bad); assert not bad; l0.Monitoring; assert 'l0.monitoring' in sys.modules;"
            "assert 'opentelemetry' not in sys.modules and 'sentry_sdk' not in sys.modules")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout


def test_top_level_names():
    names = ("Monitoring", "OpenTelemetry", "OpenTelemetryConfig", "OpenTelemetryExporter",
             "OpenTelemetryExporterConfig", "SemanticAttributes", "Sentry", "SentryConfig", "SentryExporter",
             "SentryExporterConfig")
    import l0.monitoring as m

    for n in names:
        assert getattr(l0, n) is getattr(m, n)
        assert n in l0.__all__
