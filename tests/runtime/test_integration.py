"""The runtime with the real guardrail rules and drift detector (through their sessions)."""

from __future__ import annotations

import l0
from l0 import CheckIntervals, Retry
from l0.drift import DriftDetector
from l0.guardrails import json_rule, zero_output_rule

FAST = Retry(base_delay=0.0, max_delay=0.0)


async def test_json_rule_retries_invalid_json(scripted):
    bad = ['{"a": [1, ', "2}", ' "tail"']
    good = ['{"a": ', "[1, 2]}"]
    factory = scripted(bad, good)
    stream = await l0.run(factory, guardrails=[json_rule()], retry=FAST, check_intervals=CheckIntervals(guardrails=1))
    assert await stream.read() == '{"a": [1, 2]}'
    assert factory.calls == 2
    assert stream.errors and stream.errors[0].code.value == "GUARDRAIL_VIOLATION"


async def test_zero_output_rule_retries_empty(scripted):
    factory = scripted([], ["something"])
    stream = await l0.run(factory, guardrails=[zero_output_rule()], retry=FAST)
    assert await stream.read() == "something"
    assert factory.calls == 2


async def test_shared_rule_objects_across_concurrent_streams(scripted):
    import asyncio

    rules = [json_rule(), zero_output_rule()]
    texts = ['{"k": %d, "v": [1, 2, 3]}' % i for i in range(4)]
    streams = [await l0.run(scripted(list(t)), guardrails=rules, check_intervals=CheckIntervals(guardrails=2))
               for t in texts]
    results = await asyncio.gather(*(s.read() for s in streams))
    assert results == texts
    assert all(not s.state.violations for s in streams)


async def test_real_drift_detector_runs(rec, scripted):
    words = [f"word{i % 7} " for i in range(120)]
    stream = await l0.run(scripted(words), drift_detector=DriftDetector(), **rec.kwargs())
    await rec.consume(stream)
    assert len(rec.meta("DRIFT_CHECK_RESULT")) == 120 // 25
    assert stream.state.completed
