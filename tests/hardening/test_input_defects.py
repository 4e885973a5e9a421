"""Regression tests for issue 11, items 3, 4 and 8 (run on both backends by the suite's legs)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import l0
from l0 import JSON, Retry, Timeout
from l0._jsonparse import JsonDepthError, loads, too_deep_at
from l0._limits import MAX_JSON_DEPTH
from l0.drift import DriftDetector
from l0.guardrails import (
    GuardrailRule,
    Guardrails,
    GuardrailViolation,
    analyze_latex_structure,
    json_rule,
    looks_like_markdown,
    repetition_rule,
    strict_json_rule,
)
from l0.types import State

DEEP = MAX_JSON_DEPTH + 1


def nested(depth: int) -> str:
    """Arrays nested *depth* deep, closed."""
    return "[" * depth + "]" * depth


def completed(text: str) -> State:
    """A completed State holding *text*."""
    return State(content=text, completed=True)


# -- item 3: the repetition rule's sentence split (and the other regexes fixed with it) -------------

@pytest.mark.parametrize("mark", [".", "!", "?", ".!?"])
def test_repetition_rule_on_a_long_run_of_marks_is_quick_and_right(mark: str) -> None:
    """``"." * 100_000`` was > 60 s (quadratic split regex); now one linear pass, no sentences."""
    run = (mark * 100_000)[:100_000]
    found = repetition_rule().new_session().check(State(content=run))
    assert not [v for v in found if "Sentence" in v.message]


def test_markdown_and_latex_signs_keep_their_meaning() -> None:
    """The linear forms find what the reference's regexes found."""
    assert looks_like_markdown("see [the docs](http://x)")
    assert not looks_like_markdown("a [b c ](d\n)")  # the ')' is on another line
    assert not looks_like_markdown("[a](" * 50_000)
    assert looks_like_markdown("x\n\n  - item")
    assert looks_like_markdown("\n\n\n  12. item")
    assert not looks_like_markdown("\n" * 100_000)
    assert analyze_latex_structure("\\begin{a}\\end{a}").is_balanced
    assert analyze_latex_structure("\\begin{" * 50_000).is_balanced


# -- item 4: one JSON depth limit, no RecursionError ----------------------------------------------

def test_depth_limit_is_the_kernels_and_orjsons() -> None:
    assert MAX_JSON_DEPTH == 1024
    assert too_deep_at(nested(MAX_JSON_DEPTH)) == -1
    assert too_deep_at(nested(DEEP)) == MAX_JSON_DEPTH
    assert too_deep_at('["' + "[" * 5000 + '"]') == -1  # brackets inside a string do not nest


@pytest.mark.parametrize("depth", [1000, MAX_JSON_DEPTH])
def test_within_the_limit_everything_parses(depth: int) -> None:
    """Up to the limit JSON is valid everywhere, even past Python's own recursion limit."""
    assert JSON.is_valid(nested(depth))
    assert JSON.parse(nested(depth))["corrected"] is False
    fixed = JSON.auto_correct("[" * depth)
    assert fixed.success and fixed.text == nested(depth)
    assert strict_json_rule().new_session().check(completed(nested(depth))) == []
    assert json_rule().new_session().check(completed(nested(depth))) == []


@pytest.mark.parametrize("text", [nested(DEEP), "[" * DEEP, nested(5000), '{"a":' * DEEP])
def test_past_the_limit_a_clear_error_naming_it(text: str) -> None:
    named = f"deeper than {MAX_JSON_DEPTH} levels"
    assert JSON.is_valid(text) is False
    r = JSON.auto_correct(text, track_corrections=True)
    assert not r.success and isinstance(r.error, JsonDepthError) and named in str(r.error)
    with pytest.raises(ValueError, match=named):
        JSON.parse(text)
    with pytest.raises(JsonDepthError, match=named):
        loads(text)
    (v,) = strict_json_rule().new_session().check(completed(text))
    assert named in v.message and v.position == MAX_JSON_DEPTH * (1 if text[0] == "[" else 5)
    messages = [v.message for v in json_rule().new_session().check(completed(text))]
    assert any(named in m for m in messages), messages


def test_depth_error_is_a_json_decode_error() -> None:
    err = JsonDepthError("x", 0)
    assert isinstance(err, json.JSONDecodeError) and isinstance(err, ValueError)


class Doc(BaseModel):
    data: Any


@pytest.mark.parametrize("auto_correct", [True, False])
async def test_structured_on_too_deep_output_gives_the_schema_error(auto_correct: bool) -> None:
    text = '{"data": ' + nested(DEEP) + "}"

    async def source():
        yield text
        yield l0.Event(type=l0.EventType.COMPLETE)

    with pytest.raises(Exception) as info:  # the documented schema error; pydantic's parser stops at 200
        await l0.structured(schema=Doc, stream=source, auto_correct=auto_correct, retry=Retry(attempts=1))
    assert not isinstance(info.value, RecursionError)
    assert "recursion limit exceeded" in str(info.value) or "deeper than" in str(info.value)


async def test_structured_on_too_deep_json_schema_output_gives_the_schema_error() -> None:
    text = nested(DEEP)

    async def source():
        yield text
        yield l0.Event(type=l0.EventType.COMPLETE)

    with pytest.raises(Exception, match="deeper than") as info:
        await l0.structured(schema={"type": "array"}, stream=source, retry=Retry(attempts=1))
    assert not isinstance(info.value, RecursionError)


async def test_json_only_run_on_too_deep_output_is_a_guardrail_violation_retried() -> None:
    calls = []

    def factory():
        calls.append(1)

        async def gen():
            yield nested(DEEP) if len(calls) == 1 else "[1]"
            yield l0.Event(type=l0.EventType.COMPLETE)

        return gen()

    stream = await l0.run(factory, guardrails=Guardrails.json_only(), retry=Retry(attempts=2))
    assert await stream.read() == "[1]"
    assert len(calls) == 2  # the too-deep output was a guardrail violation, retried (not a RecursionError)


def test_tool_call_arguments_too_deep_are_kept_raw() -> None:
    from l0.runtime._checks import _parse_args

    assert _parse_args('{"a": ' + nested(DEEP) + "}") == {"_raw": '{"a": ' + nested(DEEP) + "}"}


# -- item 8: bad configuration -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"initial_token": 10**400}, r"initial_token must be at most \d+ milliseconds \(None disables it\), "
                                     r"got an int of 1329 bits"),
        ({"inter_token": 1e300}, r"inter_token must be at most"),
        ({"initial_token": 0}, r"initial_token must be > 0 milliseconds \(None disables it\), got 0"),
        ({"initial_token": 0, "inter_token": 0}, r"initial_token must be > 0"),
        ({"inter_token": 0.0}, r"inter_token must be > 0"),
    ],
)
def test_timeout_values_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Timeout(**kwargs)


def test_timeout_huge_but_finite_is_accepted() -> None:
    assert Timeout(initial_token=2**63 - 1).initial_token_seconds == (2**63 - 1) / 1000.0


async def gen(n: int = 40):
    for i in range(n):
        yield f"t{i} "
    yield l0.Event(type=l0.EventType.COMPLETE)


async def _read(**kwargs: Any) -> str:
    stream = await l0.run(lambda: gen(), retry=Retry(attempts=3), **kwargs)
    return await stream.read()


async def test_drift_detector_class_refused_at_call_time() -> None:
    with pytest.raises(TypeError, match=r"drift_detector must be a DriftDetector instance or None, "
                                        r"got the class DriftDetector \(call it: DriftDetector\(\)\)"):
        await l0.run(lambda: gen(), drift_detector=DriftDetector)


async def test_rule_class_and_async_check_refused_at_call_time() -> None:
    async def acheck(state):
        return []

    with pytest.raises(TypeError, match=r"guardrails\[0\] must be a GuardrailRule instance, got the class"):
        await l0.run(lambda: gen(), guardrails=[GuardrailRule])
    with pytest.raises(TypeError, match=r"guardrails\[0\] \('slow'\): check is an async function"):
        await l0.run(lambda: gen(), guardrails=[GuardrailRule("slow", acheck)])


class _NoSession(DriftDetector):
    def new_session(self):  # type: ignore[override]
        return None


async def test_detector_session_none_named_once_not_retried() -> None:
    calls = []

    def factory():
        calls.append(1)
        return gen()

    with pytest.raises(TypeError, match=r"drift_detector _NoSession: new_session\(\) returned NoneType None"):
        stream = await l0.run(factory, drift_detector=_NoSession(), retry=Retry(attempts=3))
        await stream.read()
    assert len(calls) <= 1


@pytest.mark.parametrize(
    ("returned", "shown"),
    [
        ("bad", "check returned str 'bad'"),
        ({"a": 1}, r"check returned dict \{'a': 1\}"),
        (1, "check returned int 1"),
        (["x"], "check returned a list holding str 'x'"),
        ([GuardrailViolation(rule="r", message="m", severity="warning"), 3], "check returned a list holding int 3"),
    ],
)
async def test_bad_check_result_named_once_not_retried(returned: Any, shown: str) -> None:
    seen = []

    def check(state):
        seen.append(1)
        return returned

    def session_check(state):
        return returned

    class Session:
        check = staticmethod(session_check)

    for rule in (GuardrailRule("mine", check),
                 GuardrailRule("mine", check, session_factory=lambda rule: Session())):
        errors = []
        with pytest.raises(TypeError, match=f"guardrail rule 'mine': {shown}"):
            await _read(guardrails=[rule], on_error=lambda e, *a: errors.append(e))
        assert len(errors) == 1  # raised once, at the first check; not retried


async def test_custom_session_factory_returning_none_is_named() -> None:
    rule = GuardrailRule("mine", lambda s: [], session_factory=lambda rule: None)
    with pytest.raises(TypeError, match=r"guardrail rule 'mine': new_session\(\) returned NoneType None"):
        await _read(guardrails=[rule])


@pytest.mark.parametrize("shape", [list, tuple, iter])
async def test_good_rules_still_pass_violations_through(shape: Any) -> None:
    rule = GuardrailRule("warn", lambda s: shape([GuardrailViolation(rule="warn", message="w", severity="warning")]))
    stream = await l0.run(lambda: gen(3), guardrails=[rule])
    assert await stream.read() == "t0 t1 t2 "
    assert stream.state.violations and stream.state.violations[0].message == "w"
