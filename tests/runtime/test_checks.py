"""Guardrail sessions and drift sessions at the CheckIntervals cadence."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

import l0
from l0 import CheckIntervals, Retry


def tokens(n: int) -> list[str]:
    return [f"t{i} " for i in range(n)]


async def test_streaming_checks_every_interval_and_final(scripted, Rule):
    rule = Rule("count", lambda text, done: [])
    stream = await l0.run(scripted(tokens(100)), guardrails=[rule])
    await stream.read()
    streaming = [s for s in rule.seen if not s[1]]
    final = [s for s in rule.seen if s[1]]
    assert len(streaming) == 6 and len(final) == 1  # tokens 15, 30, ..., 90, then completion
    assert [s[2] for s in streaming] == [len("".join(tokens(k))) for k in (15, 30, 45, 60, 75, 90)]


async def test_custom_interval(scripted, Rule):
    rule = Rule("count", lambda text, done: [])
    stream = await l0.run(scripted(tokens(10)), guardrails=[rule], check_intervals=CheckIntervals(guardrails=3))
    await stream.read()
    assert len([s for s in rule.seen if not s[1]]) == 3


async def test_non_streaming_rules_run_only_at_completion(scripted, Rule):
    rule = Rule("final-only", lambda text, done: [], streaming=False)
    stream = await l0.run(scripted(tokens(40)), guardrails=[rule])
    await stream.read()
    assert [s[1] for s in rule.seen] == [True]


async def test_streaming_violation_retries_early(scripted, Rule, Violation):
    """A recoverable error found mid-stream retries at once instead of waiting for the end."""
    rule = Rule("no-x", lambda text, done: [Violation("no-x", "x found")] if "X" in text else [])
    factory = scripted(["a", "X", *tokens(50)], ["clean"])
    stream = await l0.run(factory, guardrails=[rule], check_intervals=CheckIntervals(guardrails=2),
                          retry=Retry(base_delay=0.0))
    assert await stream.read() == "clean"
    assert factory.calls == 2
    assert str(stream.errors[0]) == "Guardrail violation: x found"


async def test_concurrent_streams_do_not_share_sessions(scripted, Rule):
    rule = Rule("shared", lambda text, done: [])
    streams = [await l0.run(scripted(tokens(30)), guardrails=[rule]) for _ in range(3)]
    await asyncio.gather(*(s.read() for s in streams))
    assert rule.sessions == 3
    for sid in (1, 2, 3):
        lengths = [s[2] for s in rule.seen if s[0] == sid]
        assert lengths == sorted(lengths)


async def test_fresh_sessions_per_attempt(scripted, Rule):
    rule = Rule("r", lambda text, done: [])
    stream = await l0.run(scripted([ValueError("x")], ["ok"]), guardrails=[rule], retry=Retry(base_delay=0.0))
    await stream.read()
    assert rule.sessions == 2


async def test_guardrail_check_raising_is_an_attempt_error(scripted, Rule):
    def verdict(text, done):
        raise RuntimeError("rule bug")

    rule = Rule("buggy", verdict)
    stream = await l0.run(scripted(["a"]), guardrails=[rule], retry=Retry(attempts=0, base_delay=0.0))
    with pytest.raises(RuntimeError, match="rule bug"):
        await stream.read()


@dataclass
class Result:
    detected: bool
    confidence: float = 0.0
    types: list = field(default_factory=list)
    details: str | None = None


class Detector:
    """A drift detector with sessions that records the deltas it receives."""

    def __init__(self, trigger: str) -> None:
        self.trigger = trigger
        self.deltas: list[str] = []

    def new_session(self):
        detector = self

        class Session:
            def check(self, state, delta):
                detector.deltas.append(delta)
                hit = detector.trigger in delta
                return Result(hit, 0.9 if hit else 0.0, ["tone_shift"] if hit else [])

        return Session()


async def test_drift_every_interval_with_full_delta(rec, scripted):
    detector = Detector("t30 ")
    stream = await l0.run(scripted(tokens(60)), drift_detector=detector, **rec.kwargs())
    await rec.consume(stream)
    assert detector.deltas == ["".join(tokens(60)[:25]), "".join(tokens(60)[25:50])]
    assert stream.state.drift_detected is True
    results = rec.meta("DRIFT_CHECK_RESULT")
    assert results[0] == {"detected": False, "score": 0.0, "metrics": {}, "threshold": 0.5}
    assert results[1] == {"detected": True, "score": 0.9, "metrics": {"tone_shift": True}, "threshold": 0.5}
    assert rec.calls("on_drift") == [(["tone_shift"], 0.9)]
    assert rec.meta("DRIFT_CHECK_SKIPPED")[0]["pendingChars"] == len("".join(tokens(60)[50:]))
    assert stream.state.completed  # drift never retries or aborts


async def test_legacy_drift_detector_without_sessions(scripted):
    class Legacy:
        def __init__(self):
            self.calls = []

        def check(self, content, delta):
            self.calls.append((len(content), delta))
            return Result(False)

    detector = Legacy()
    stream = await l0.run(scripted(tokens(25)), drift_detector=detector)
    await stream.read()
    assert detector.calls == [(len("".join(tokens(25))), "".join(tokens(25)))]
