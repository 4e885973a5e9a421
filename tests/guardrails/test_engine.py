"""GuardrailEngine, the check helpers and the async helpers."""

from __future__ import annotations

import asyncio

import pytest

from l0.guardrails import (
    GuardrailConfig,
    GuardrailContext,
    GuardrailEngine,
    GuardrailRule,
    GuardrailViolation,
    check_guardrails,
    check_guardrails_full,
    create_guardrail_engine,
    json_rule,
    run_async_guardrail_check,
    run_guardrail_check_async,
    zero_output_rule,
)
from l0.types import State


def rule(name, severity="error", recoverable=True, streaming=True, fail=False):
    def check(state):
        if fail:
            raise RuntimeError("boom")
        if name in state.content:
            return [GuardrailViolation(rule=name, message=f"{name} found", severity=severity,
                                       recoverable=recoverable)]
        return []

    return GuardrailRule(name=name, check=check, streaming=streaming)


def test_engine_check_filters_by_streaming_and_summarizes():
    seen = []
    engine = create_guardrail_engine([rule("a"), rule("b", streaming=False), rule("c", severity="warning")],
                                     on_violation=seen.append)
    res = engine.check(GuardrailContext(content="a b c"))
    assert [v.rule for v in res.violations] == ["a", "c"]
    assert all(v.timestamp is not None for v in res.violations)
    assert (res.passed, res.should_retry, res.should_halt) == (False, True, False)
    assert (res.summary.total, res.summary.errors, res.summary.warnings, res.summary.fatal) == (2, 1, 1, 0)
    assert seen == res.violations
    res2 = engine.check(GuardrailContext(content="a b c", completed=True))
    assert [v.rule for v in res2.violations] == ["a", "b", "c"]
    assert engine.get_state().violation_count == 5
    assert [v.rule for v in engine.get_violations_by_rule("a")] == ["a", "a"]
    assert engine.has_violations() and engine.has_error_violations() and not engine.has_fatal_violations()


def test_engine_stop_on_fatal_rule_errors_and_halts():
    engine = GuardrailEngine(GuardrailConfig(rules=[rule("x", fail=True), rule("f", severity="fatal"), rule("z")]))
    res = engine.check(State(content="f z"))
    assert [(v.rule, v.severity) for v in res.violations] == [("x", "warning"), ("f", "fatal")]
    assert res.violations[0].message == "Rule execution failed: boom"
    assert (res.should_halt, res.should_retry) == (True, True)
    engine.config.stop_on_fatal = False
    assert [v.rule for v in engine.check(State(content="f z")).violations] == ["x", "f", "z"]


def test_engine_non_recoverable_error_halts_and_streaming_switch():
    engine = create_guardrail_engine([rule("n", recoverable=False)], enable_streaming=False)
    assert engine.check(GuardrailContext(content="n")).violations == []
    res = engine.check(GuardrailContext(content="n", completed=True))
    assert (res.should_halt, res.should_retry) == (True, False)


def test_engine_rule_management_and_callback_failures():
    def bad_callback(v):
        raise ValueError("callback")

    engine = create_guardrail_engine([rule("a")], on_violation=bad_callback)
    assert engine.check(State(content="a")).violations  # a failing callback does not break the check
    engine.add_rule(rule("b"))
    assert engine.remove_rule("a") is True and engine.remove_rule("a") is False
    assert [r.name for r in engine.rules] == ["b"]
    engine.reset()
    assert engine.get_all_violations() == [] and not engine.has_violations()
    with pytest.raises(TypeError):
        engine.add_rule("nope")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        GuardrailEngine(config={})  # type: ignore[arg-type]


def test_check_helpers():
    assert [v.rule for v in check_guardrails(State(content="a b"), [rule("a"), rule("b", streaming=False)])] == [
        "a", "b"]
    res = check_guardrails_full(GuardrailContext(content="", completed=True), [json_rule(), zero_output_rule()])
    assert [v.rule for v in res.violations] == ["zero_output"]


def test_run_async_guardrail_check_without_a_loop():
    engine = create_guardrail_engine([rule("a")])
    got = []
    quick = run_async_guardrail_check(engine, GuardrailContext(content="xx a", delta="a"), got.append)
    assert quick is not None and quick.violations and got == []
    full = run_async_guardrail_check(engine, GuardrailContext(content="a" + "x" * 6000, delta="x"), got.append)
    assert full is got[0] and full.violations


async def test_run_async_guardrail_check_schedules_on_the_loop():
    engine = create_guardrail_engine([rule("a", fail=False)])
    done = asyncio.Event()
    got = []

    def on_complete(result):
        got.append(result)
        done.set()

    assert run_async_guardrail_check(engine, GuardrailContext(content="a" * 6000), on_complete) is None
    await done.wait()
    assert got[0].violations
    res = await run_guardrail_check_async(engine, GuardrailContext(content="a"))
    assert res.violations
    broken = create_guardrail_engine([])
    broken.check = lambda ctx: (_ for _ in ()).throw(RuntimeError("x"))  # type: ignore[method-assign]
    failed = await run_guardrail_check_async(broken, GuardrailContext(content="a"))
    assert (failed.violations[0].rule, failed.violations[0].message) == ("internal_error",
                                                                         "Guardrail check failed: x")
