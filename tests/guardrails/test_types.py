"""GuardrailRule/Violation types, sessions, direct checks and the severity decision."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from l0.guardrails import (
    GuardrailOutcome,
    GuardrailRule,
    GuardrailViolation,
    RuleSession,
    evaluate_violations,
    json_rule,
    pattern_rule,
)
from l0.types import State


def _v(severity="error", recoverable=True, message="m"):
    return GuardrailViolation(rule="r", message=message, severity=severity, recoverable=recoverable)


def test_violation_defaults():
    v = GuardrailViolation(rule="x", message="y", severity="warning")
    assert (v.recoverable, v.position, v.timestamp, v.context, v.suggestion) == (True, None, None, None, None)


def test_rule_fields_and_positional_order():
    fn = lambda s: []  # noqa: E731
    r = GuardrailRule("n", fn, "d", False, "warning", False)
    assert (r.name, r.check, r.description, r.streaming, r.severity, r.recoverable) == ("n", fn, "d", False,
                                                                                          "warning", False)


@pytest.mark.parametrize("kwargs, exc", [
    ({"name": 1, "check": lambda s: []}, TypeError),
    ({"name": "x", "check": "nope"}, TypeError),
    ({"name": "x", "check": lambda s: [], "severity": "critical"}, ValueError),
])
def test_rule_validation(kwargs, exc):
    with pytest.raises(exc):
        GuardrailRule(**kwargs)


def test_plain_rule_session_calls_check_and_keeps_own_severity():
    calls = []

    def fn(state):
        calls.append(state)
        return [GuardrailViolation(rule="mine", message="w", severity="warning")]

    rule = GuardrailRule(name="mine", check=fn)
    sess = rule.new_session()
    assert isinstance(sess, RuleSession)
    s = State(content="x")
    assert sess.check(s)[0].severity == "warning"
    assert calls == [s]


def test_rule_level_severity_and_recoverable_apply_to_plain_checks():
    original = GuardrailViolation(rule="mine", message="w", severity="warning")
    rule = GuardrailRule(name="mine", check=lambda s: [original], severity="fatal", recoverable=False)
    (v,) = rule.new_session().check(State(content="x"))
    assert (v.severity, v.recoverable) == ("fatal", False)
    assert original.severity == "warning"  # the user's object is not mutated


def test_rule_level_fields_apply_to_builtin_rules():
    rule = json_rule()
    rule.severity = "warning"
    rule.recoverable = False
    _, final, _ = _run(rule, ['{"a": 1'])
    assert final and all((v.severity, v.recoverable) == ("warning", False) for v in final)


def _run(rule, chunks):
    sess = rule.new_session()
    s = State()
    out = []
    for c in chunks:
        s.buffer.append(c)
        out += sess.check(s)
    s.completed = True
    return out, sess.check(s), s


def test_session_factory_for_custom_stateful_rules():
    class Counter:
        def __init__(self, rule):
            self.n = 0

        def check(self, state):
            self.n += 1
            return [GuardrailViolation(rule="c", message=str(self.n), severity="warning")]

    rule = GuardrailRule(name="c", check=lambda s: [], session_factory=Counter)
    a, b = rule.new_session(), rule.new_session()
    s = State(content="x")
    assert [a.check(s)[0].message, a.check(s)[0].message, b.check(s)[0].message] == ["1", "2", "1"]


def test_builtin_direct_check_keeps_state_per_state_object():
    rule = pattern_rule()
    s1, s2 = State(), State()
    s1.buffer.append("As an AI, ")
    s2.buffer.append("Hello there ")
    assert [v.message for v in rule.check(s1)] == []  # too close to the end to be final yet
    assert rule.check(s2) == []
    s1.buffer.append("x" * 200)
    s2.buffer.append("y" * 200)
    assert [v.position for v in rule.check(s1)] == [0]
    assert rule.check(s2) == []
    assert rule.check(s1) == []  # reported once


def test_direct_check_sessions_die_with_their_state():
    rule = json_rule()
    s = State(content="[1,")
    rule.check(s)
    assert len(rule.check._sessions) == 1
    del s
    gc.collect()
    assert rule.check._sessions == {}


def test_replace_rebinds_builtin_check_to_the_new_rule():
    rule = json_rule()
    other = dataclasses.replace(rule, severity="warning")
    assert other.check is not rule.check
    s = State(content='{"a": 1}}', completed=True)
    assert {v.severity for v in other.check(s)} == {"warning"}
    assert {v.severity for v in rule.check(State(content='{"a": 1}}', completed=True))} == {"error"}


def test_replacing_check_with_a_function_uses_it():
    rule = json_rule()
    rule.check = lambda s: [GuardrailViolation(rule="x", message="mine", severity="warning")]
    assert [v.message for v in rule.new_session().check(State(content="{"))] == ["mine"]


def test_session_restarts_when_content_is_replaced():
    rule = pattern_rule()
    sess = rule.new_session()
    s = State()
    s.buffer.append("As an AI " + "x" * 200)
    assert len(sess.check(s)) == 1
    s.content = "Plain text " + "z" * 300  # replaced: longer, different
    s.content = "As an AI again " + "z" * 300
    assert [v.position for v in sess.check(s)] == [0]


@pytest.mark.parametrize("vs, retry, halt, which", [
    ([], False, False, None),
    ([_v("warning")], False, False, None),
    ([_v("error")], True, False, 0),
    ([_v("error", recoverable=False)], False, True, 0),
    ([_v("fatal")], False, True, 0),
    ([_v("fatal", recoverable=True)], False, True, 0),
    ([_v("warning"), _v("error"), _v("fatal")], False, True, 2),
    ([_v("error", message="a"), _v("error", message="b")], True, False, 0),
])
def test_evaluate_violations(vs, retry, halt, which):
    out = evaluate_violations(vs)
    assert isinstance(out, GuardrailOutcome)
    assert (out.should_retry, out.should_halt) == (retry, halt)
    assert out.violation is (vs[which] if which is not None else None)
