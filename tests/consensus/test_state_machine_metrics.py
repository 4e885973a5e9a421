"""``l0.state_machine`` and ``l0.metrics``."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from l0.metrics import Metrics, MetricsSnapshot, create_metrics, get_global_metrics, reset_global_metrics
from l0.state_machine import RuntimeState, RuntimeStates, StateMachine, StateTransition, create_state_machine

FIELDS = ["requests", "tokens", "retries", "network_retry_count", "errors", "violations", "drift_detections",
          "fallbacks", "completions", "timeouts"]


def test_runtime_states() -> None:
    assert RuntimeStates is RuntimeState
    assert [s.value for s in RuntimeState] == [
        "init", "waiting_for_token", "streaming", "tool_call_detected", "continuation_matching",
        "checkpoint_verifying", "retrying", "fallback", "finalizing", "complete", "error"]
    assert RuntimeState.STREAMING == "streaming"


def test_transitions_history_and_listeners() -> None:
    sm = create_state_machine()
    assert sm.get() is RuntimeState.INIT and sm.get_history() == [] and not sm.is_terminal()
    seen: list[RuntimeState] = []
    unsubscribe = sm.subscribe(seen.append)
    sm.transition(RuntimeState.WAITING_FOR_TOKEN)
    sm.transition("streaming")
    sm.transition(RuntimeState.STREAMING)  # no-op
    assert seen == [RuntimeState.WAITING_FOR_TOKEN, RuntimeState.STREAMING]
    history = sm.get_history()
    assert [(t.from_state, t.to_state) for t in history] == [
        (RuntimeState.INIT, RuntimeState.WAITING_FOR_TOKEN), (RuntimeState.WAITING_FOR_TOKEN, RuntimeState.STREAMING)]
    assert all(isinstance(t, StateTransition) and t.timestamp > 1e9 for t in history)  # seconds since the epoch
    history.clear()
    assert len(sm.get_history()) == 2  # a copy
    assert sm.is_("streaming") and sm.is_state(RuntimeState.INIT, RuntimeState.STREAMING) and not sm.is_("init")
    unsubscribe()
    unsubscribe()
    sm.transition(RuntimeState.COMPLETE)
    assert sm.is_terminal() and seen[-1] is RuntimeState.STREAMING
    sm.transition(RuntimeState.ERROR)
    assert sm.is_terminal()


def test_reset_notifies_only_on_change() -> None:
    sm = StateMachine.create()
    seen: list[RuntimeState] = []
    sm.subscribe(seen.append)
    sm.reset()
    assert seen == []
    sm.transition("retrying")
    sm.reset()
    assert seen == [RuntimeState.RETRYING, RuntimeState.INIT] and sm.get_history() == []


def test_a_failing_listener_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    sm = StateMachine()
    seen: list[RuntimeState] = []

    def broken(state: RuntimeState) -> None:
        raise RuntimeError("listener broke")

    sm.subscribe(broken)
    sm.subscribe(seen.append)
    with caplog.at_level(logging.WARNING, logger="l0"):
        sm.transition(RuntimeState.STREAMING)
    assert seen == [RuntimeState.STREAMING]
    assert "broken" in caplog.text


def test_bad_input() -> None:
    sm = StateMachine()
    with pytest.raises(ValueError, match="state must be a RuntimeState or one of init, .*got 'bogus'"):
        sm.transition("bogus")
    assert sm.get() is RuntimeState.INIT
    with pytest.raises(TypeError, match="listener must be callable"):
        sm.subscribe(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_history must be an int >= 0 or None"):
        StateMachine(max_history=-1)


def test_bounded_history() -> None:
    sm = StateMachine(max_history=2)
    for s in ("waiting_for_token", "streaming", "finalizing", "complete"):
        sm.transition(s)
    assert [t.to_state.value for t in sm.get_history()] == ["finalizing", "complete"]
    assert repr(sm) == "StateMachine(state='complete', transitions=2)"


def test_metrics_counters() -> None:
    m = create_metrics()
    assert m.to_dict() == dict.fromkeys(FIELDS, 0)
    m.tokens += 5
    m.requests = 2
    snap = m.snapshot()
    assert isinstance(snap, MetricsSnapshot) and snap.tokens == 5 and snap.requests == 2
    assert [f.name for f in dataclasses.fields(MetricsSnapshot)] == FIELDS
    m.tokens += 1
    assert snap.tokens == 5  # a snapshot does not follow
    assert repr(m) == "Metrics(requests=2, tokens=6, retries=0, errors=0, completions=0)"
    m.reset()
    assert m.to_dict() == dict.fromkeys(FIELDS, 0)
    assert Metrics.__slots__ == tuple(FIELDS)
    with pytest.raises(AttributeError):
        m.unknown = 1  # type: ignore[attr-defined]
    assert isinstance(Metrics.create(), Metrics) and Metrics.create() is not Metrics.create()


def test_global_metrics() -> None:
    g = get_global_metrics()
    assert Metrics.get_global() is g
    g.tokens = 3
    reset_global_metrics()
    assert get_global_metrics() is g and g.tokens == 0
    g.errors = 1
    Metrics.reset_global()
    assert g.errors == 0
