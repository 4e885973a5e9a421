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


PIECES = ["Sure, ", "As an AI ", "[INSERT x]", "\\begin{a}", "\\end{b}", "$", "```", "| a |", "\n", " ", "{", '"k"',
          ": ", "1", "}", ". ", "The same long sentence again. ", "\u00e9\U0001f600", "{{v}}", "x" * 40]


@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(1, 4))
@settings(max_examples=100, deadline=None)
def test_all_rules_same_on_both_content_buffers(twins, pieces, every):
    from l0.guardrails import Guardrails, custom_pattern_rule

    def run(k):
        rules = Guardrails.strict() + [custom_pattern_rule([r"\bsame\b"])]
        state = State()
        state.__dict__["buffer"] = k.ContentBuffer()
        sessions = [r.new_session() for r in rules]
        out = []
        for i, piece in enumerate(pieces, 1):
            state.buffer.append(piece)
            if i % every == 0:
                for r, s in zip(rules, sessions):
                    if r.streaming and r.name != "stall":
                        out += s.check(state)
        state.completed = True
        for r, s in zip(rules, sessions):
            if r.name != "stall":
                out += s.check(state)
        return [(v.rule, v.message, v.position) for v in out]

    compiled, pure = twins
    assert run(compiled) == run(pure)
