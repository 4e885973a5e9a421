"""Differential tests: the rules give the same results on the compiled and the pure kernels."""

from __future__ import annotations

from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import l0.guardrails.json_rules as json_rules
from l0.guardrails import json_rule
from l0.types import State

ALPHABET = '{}[]",: 0123456789.eE+-truefalsnl\\/u\n\t\u00e9\U0001f600'


def run(json_state_cls, text, size):
    with mock.patch.object(json_rules, "JsonStreamState", json_state_cls):
        rule = json_rule()
        sess = rule.new_session()
        s = State()
        out = []
        for i in range(0, len(text), size):
            s.buffer.append(text[i:i + size])
            out += sess.check(s)
        s.completed = True
        out += sess.check(s)
    return [(v.message, v.position, v.severity) for v in out]


@given(st.text(alphabet=ALPHABET, max_size=60), st.integers(1, 7))
@settings(max_examples=200, deadline=None)
def test_json_rule_same_on_both_kernels(twins, text, size):
    compiled, pure = twins
    assert run(compiled.JsonStreamState, text, size) == run(pure.JsonStreamState, text, size)


@given(st.text(alphabet=ALPHABET, max_size=40).map(lambda t: "[" + t))
@settings(max_examples=100, deadline=None)
def test_json_rule_same_on_both_kernels_for_bracketed_starts(twins, text):
    compiled, pure = twins
    assert run(compiled.JsonStreamState, text, 3) == run(pure.JsonStreamState, text, 3)
