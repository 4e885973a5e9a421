"""The standalone detect_* helpers."""

from __future__ import annotations

import pytest

from l0.guardrails import (
    GuardrailContext,
    detect_excessive_hedging,
    detect_first_last_duplicate,
    detect_format_collapse,
    detect_instruction_leakage,
    detect_meta_commentary,
    detect_placeholders,
    detect_refusal,
    detect_repetition,
)
from l0.types import State

TEXT = ("Sure, here.\nAs an AI, I cannot provide that. I cannot provide it. [SYSTEM] <|im_end|> [INSERT name] "
        "{{x}}\nHere is the thing")


def rows(vs):
    return [(v.rule, v.message, v.severity, v.recoverable, v.position, v.suggestion) for v in vs]


def test_detectors_on_a_completed_state():
    s = State(content=TEXT, completed=True)
    assert rows(detect_meta_commentary(s)) == [("pattern-meta-commentary", 'Meta commentary detected: "As an AI"',
                                                "error", True, 12, "Retry generation without meta commentary")]
    assert rows(detect_excessive_hedging(s)) == [("pattern-hedging", 'Excessive hedging at start: "Sure, "',
                                                  "warning", True, 0,
                                                  "Content should start directly without hedging")]
    assert [(v.position, v.recoverable) for v in detect_refusal(s)] == [(22, False), (45, False)]
    assert [v.message for v in detect_instruction_leakage(s)] == ['Instruction leakage detected: "[SYSTEM]"',
                                                                  'Instruction leakage detected: "<|im_end|>"']
    assert [v.message for v in detect_placeholders(s)] == ['Placeholder detected: "[INSERT name]"',
                                                           'Placeholder detected: "{{x}}"']
    assert rows(detect_format_collapse(s)) == [("pattern-format-collapse", 'Format collapse detected: "Here is the"',
                                                "warning", True, 106,
                                                "Output should not mix meta-instructions with content")]


def test_placeholders_wait_for_completion_and_context_input():
    assert detect_placeholders(State(content="[TODO fix]")) == []
    assert len(detect_placeholders(GuardrailContext(content="[TODO fix]", completed=True))) == 1
    assert detect_format_collapse(GuardrailContext(content="a\nb\nc\nlet me")) == []
    with pytest.raises(TypeError):
        detect_refusal(object())


def test_detect_repetition_and_first_last_duplicate():
    t = ("This is a fairly long sentence here. " * 3 + "Other sentence that is long enough. " * 3
         + "this is a fairly long sentence here.")
    vs = detect_repetition(State(content=t, completed=True))
    assert [(v.message, v.context["count"]) for v in vs] == [
        ('Sentence repeated 4 times: "this is a fairly long sentence here..."', 4),
        ('Sentence repeated 3 times: "other sentence that is long enough..."', 3)]
    assert detect_repetition(State(content=t, completed=True), threshold=3)[0].context["count"] == 4
    assert detect_repetition(State(content=t)) == []
    t2 = ("The first sentence is this one. Middle stuff that goes on and on for a while to get length. "
          "THE FIRST SENTENCE IS THIS ONE.")
    (v,) = detect_first_last_duplicate(State(content=t2, completed=True))
    assert (v.rule, v.message, v.suggestion) == ("pattern-first-last-duplicate",
                                                 "First and last sentences are identical",
                                                 "Retry generation - possible loop detected")
    assert detect_first_last_duplicate(State(content=t2[:60], completed=True)) == []
