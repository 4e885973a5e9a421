"""Handlers declaring the event types they read (``wants``, ``wants_passed_checks``): what they get, in what order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import l0
from l0 import Event, EventType
from l0._bench.scenarios import scenario_kwargs
from l0.events import EventBus, SelectiveHandler, ObservabilityEventType as O, wants_of, wants_passed_checks_of
from l0.guardrails.types import GuardrailRule, GuardrailViolation
from l0.monitoring import Monitor, PrometheusExporter, combine_events, exclude_events, filter_events, tap_events
from l0.monitoring.run_telemetry import WANTS, RunCollector, TelemetryOptions, attach, delivers, passed_check


# Fields that differ between two runs of the same script.
_VOLATILE = {"callbackId", "durationMs", "startTs", "endTs", "telemetry"}


def _bad(state: Any) -> list[GuardrailViolation]:
    if "BAD" in state.content:
        return [GuardrailViolation(rule="no_bad", message="bad word", severity="warning")]
    return []


def _source(first_bad_error: bool = False) -> Any:
    words = (["hello world. "] * 30 + ["BAD "] + ["As an AI language model, I cannot. "] * 5
             + ["same same same same. "] * 20)

    def factory() -> AsyncIterator[Event]:
        factory.calls += 1
        script = (["ERR "] if first_bad_error and factory.calls == 1 else []) + words

        async def gen() -> AsyncIterator[Event]:
            for w in script:
                yield Event(type=EventType.TOKEN, text=w)
            yield Event(type=EventType.COMPLETE)

        return gen()

    factory.calls = 0
    return factory


def _err(state: Any) -> list[GuardrailViolation]:
    if state.content.startswith("ERR"):
        return [GuardrailViolation(rule="no_err", message="err", severity="error", recoverable=True)]
    return []


def _kwargs() -> dict[str, Any]:
    kw = dict(scenario_kwargs("full"))
    kw["guardrails"] = list(kw["guardrails"]) + [GuardrailRule(name="no_bad", check=_bad, severity="warning"),
                                                 GuardrailRule(name="no_err", check=_err)]
    kw["check_intervals"] = l0.CheckIntervals(guardrails=2, drift=3, checkpoint=4)
    kw["retry"] = l0.Retry(attempts=2, base_delay=0.0, max_delay=0.0)
    return kw


class Recorder:
    def __init__(self, wants: Any = None, passed: bool | None = None) -> None:
        if wants is not None:
            self.wants = wants
        if passed is not None:
            self.wants_passed_checks = passed
        self.events: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)


def _view(events: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type.value, {k: v for k, v in e.meta.items() if k not in _VOLATILE}) for e in events]


async def _run(handler: Any, retry_first: bool = False) -> None:
    stream = await l0.run(_source(retry_first), on_event=handler, **_kwargs())
    async for _ in stream:
        pass


SUBSETS = [
    frozenset({O.CHECKPOINT_SAVED}),
    frozenset({O.GUARDRAIL_RULE_RESULT}),
    frozenset({O.GUARDRAIL_PHASE_END, O.SESSION_END}),
    frozenset({O.DRIFT_CHECK_RESULT, O.SESSION_START, O.COMPLETE}),
    frozenset({O.GUARDRAIL_RULE_START, O.ERROR, O.RETRY_ATTEMPT}),
    WANTS,
    frozenset(O) - {O.GUARDRAIL_PHASE_START, O.GUARDRAIL_PHASE_END, O.GUARDRAIL_RULE_START,
                    O.GUARDRAIL_RULE_RESULT, O.GUARDRAIL_RULE_END, O.CHECKPOINT_SAVED, O.DRIFT_CHECK_RESULT},
    frozenset(),
]


@pytest.mark.parametrize("retry_first", [False, True])
@pytest.mark.parametrize("wants", SUBSETS, ids=lambda s: str(len(s)))
async def test_a_handler_gets_exactly_its_types_in_the_all_events_order(wants: frozenset[Any],
                                                                        retry_first: bool) -> None:
    everything, some = Recorder(), Recorder(wants)
    await _run(everything, retry_first)
    await _run(some, retry_first)
    assert {e.type for e in everything.events} >= {O.GUARDRAIL_RULE_RESULT, O.DRIFT_CHECK_RESULT, O.CHECKPOINT_SAVED}
    assert _view(some.events) == _view([e for e in everything.events if e.type in wants])


@pytest.mark.parametrize("retry_first", [False, True])
@pytest.mark.parametrize("wants", [None, WANTS, frozenset({O.GUARDRAIL_RULE_RESULT, O.DRIFT_CHECK_RESULT})],
                         ids=["all", "builtin", "results"])
async def test_findings_only_are_the_failed_rules_and_detected_drift(wants: Any, retry_first: bool) -> None:
    everything, findings = Recorder(), Recorder(wants, passed=False)
    await _run(everything, retry_first)
    await _run(findings, retry_first)
    expected = [e for e in everything.events if delivers(wants, False, e)]
    kinds = {(e.type, e.meta.get("passed"), e.meta.get("detected")) for e in expected}
    assert (O.GUARDRAIL_RULE_RESULT, False, None) in kinds and (O.DRIFT_CHECK_RESULT, None, True) in kinds
    assert not any(passed_check(e) for e in findings.events)
    assert _view(findings.events) == _view(expected)


async def test_the_all_events_path_is_unchanged_by_an_explicit_none() -> None:
    plain, explicit = Recorder(), Recorder()
    explicit.wants = None  # type: ignore[attr-defined]
    await _run(plain)
    await _run(explicit)
    assert _view(plain.events) == _view(explicit.events)


def test_event_bus_wants() -> None:
    assert EventBus().wants(O.TOKEN) is False
    assert EventBus(lambda e: None).wants(O.CHECKPOINT_SAVED) is True
    bus = EventBus(Recorder(frozenset({"ERROR"})))  # names are converted
    assert bus.wants(O.ERROR) and not bus.wants(O.TOKEN)
    got = Recorder(frozenset({O.ERROR}))
    bus = EventBus(got)
    bus.emit(O.TOKEN, text="x")
    bus.emit(O.ERROR, error="boom")
    assert [e.type for e in got.events] == [O.ERROR]
    assert not isinstance(got, SelectiveHandler)  # without wants_passed_checks
    got.wants_passed_checks = True
    assert isinstance(got, SelectiveHandler)


@pytest.mark.parametrize("bad", ["ERROR", 3, frozenset({"NOT_A_TYPE"})])
def test_bad_wants_names_the_attribute(bad: Any) -> None:
    with pytest.raises(TypeError, match="wants"):
        EventBus(Recorder(bad))


def test_a_mock_handler_gets_every_event() -> None:
    from unittest.mock import Mock

    handler = Mock()
    bus = EventBus(handler)
    assert bus.wants(O.CHECKPOINT_SAVED) and bus.passed_checks is True
    bus.emit(O.CHECKPOINT_SAVED, tokenCount=1)
    assert handler.call_count == 1


def test_bad_wants_passed_checks_names_the_attribute() -> None:
    with pytest.raises(TypeError, match="wants_passed_checks"):
        EventBus(Recorder(None, passed="no"))  # type: ignore[arg-type]


def test_builtin_handlers_declare_what_they_read() -> None:
    monitor, prom = Monitor(), PrometheusExporter()
    assert wants_of(monitor) == WANTS | {O.GUARDRAIL_RULE_START}
    assert wants_of(monitor.handle_event) == wants_of(monitor)  # the bound method, as documented
    assert wants_of(prom.handle_event) == WANTS and wants_passed_checks_of(prom.handle_event) is False
    cheap = Monitor(l0.monitoring.MonitoringConfig(metrics=l0.monitoring.MetricsConfig(collect_guardrails=False)))
    assert wants_of(cheap) == WANTS
    assert wants_of(Monitor(l0.monitoring.MonitoringConfig(enabled=False))) == frozenset()
    assert wants_of(lambda e: None) is None and wants_passed_checks_of(lambda e: None) is True


def test_combinators_union_and_narrow() -> None:
    a, b = Recorder(frozenset({O.ERROR}), passed=False), Recorder(frozenset({O.TOKEN}))
    both = combine_events(a, b)
    assert wants_of(both) == {O.ERROR, O.TOKEN} and wants_passed_checks_of(both) is True
    assert wants_of(combine_events(a, lambda e: None)) is None
    assert wants_of(combine_events(a, Recorder(frozenset({O.COMPLETE}), passed=False))) == {O.ERROR, O.COMPLETE}
    assert wants_passed_checks_of(combine_events(a, Recorder(frozenset(), passed=False))) is False
    assert wants_of(combine_events()) == frozenset()
    assert wants_of(filter_events([O.ERROR, "TOKEN"], lambda e: None)) == {O.ERROR, O.TOKEN}
    assert wants_of(filter_events([O.ERROR, O.TOKEN], b)) == {O.TOKEN}
    assert wants_of(exclude_events([O.TOKEN], b)) == frozenset()
    assert wants_of(exclude_events([O.TOKEN], lambda e: None)) == frozenset(O) - {O.TOKEN}
    assert wants_of(tap_events(a)) == {O.ERROR} and wants_passed_checks_of(tap_events(a)) is False


async def test_combined_handlers_each_get_what_they_would_alone() -> None:
    alone_a, alone_b = Recorder(frozenset({O.CHECKPOINT_SAVED})), Recorder(WANTS, passed=False)
    await _run(alone_a)
    await _run(alone_b)
    a, b = Recorder(frozenset({O.CHECKPOINT_SAVED})), Recorder(WANTS, passed=False)
    await _run(combine_events(a, b))
    assert _view(a.events) == _view(alone_a.events) and a.events
    assert _view(b.events) == _view(alone_b.events) and b.events


async def test_run_monitoring_forwards_exactly_what_on_event_wants() -> None:
    alone, forwarded = Recorder(frozenset({O.CHECKPOINT_SAVED, O.SESSION_END})), \
        Recorder(frozenset({O.CHECKPOINT_SAVED, O.SESSION_END}))
    await _run(alone)
    stream = await l0.run(_source(), on_event=forwarded, monitoring=True, **_kwargs())
    async for _ in stream:
        pass
    assert _view(forwarded.events) == _view(alone.events)
    t = stream.telemetry
    assert t is not None and t.violations_by_rule.get("no_bad", 0) >= 1 and t.drift_detected
    collector, handler = attach(TelemetryOptions(), forwarded)
    assert isinstance(handler, RunCollector)
    assert wants_of(handler) == WANTS | {O.CHECKPOINT_SAVED, O.SESSION_END}
    assert wants_passed_checks_of(handler) is True


async def test_monitor_sees_the_same_telemetry_with_its_wants() -> None:
    class AllEvents(Monitor):
        wants = None  # type: ignore[assignment]
        wants_passed_checks = True

    full, lean = AllEvents(), Monitor()
    await _run(full.handle_event, retry_first=True)
    await _run(lean.handle_event, retry_first=True)
    a, b = full.get_all_telemetry()[0], lean.get_all_telemetry()[0]
    assert a.guardrails.rules_checked == b.guardrails.rules_checked > 0
    assert a.guardrails.violations == b.guardrails.violations and a.guardrails.violations
    assert (a.retries.total_retries, a.metrics.token_count) == (b.retries.total_retries, b.metrics.token_count)
