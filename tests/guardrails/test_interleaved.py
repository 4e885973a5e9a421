"""A rule or preset object shared by interleaved streams never mixes their state."""

from __future__ import annotations

import random

import pytest

from l0.guardrails import Guardrails, custom_pattern_rule
from l0.types import State

TEXTS = [
    '{"a": [1, 2}, "b": 3}',
    "Sure, here you go.\nAs an AI I cannot provide that. [INSERT name]\n```py\ncode",
    "\\begin{eq} x \\end{other} $y " + "The same sentence again. " * 5,
    "| a | b |\n|---|---|\n| 1 | 2 | 3 |\nplain words " * 3,
    '[{"x":1},{"y":[2,3]}]',
    " ...!!!   ??? ",
]


def key(vs):
    return [(v.rule, v.message, v.severity, v.position) for v in vs]


def solo(rule, text, size):
    sess = rule.new_session()
    s = State()
    out = []
    for i in range(0, len(text), size):
        s.buffer.append(text[i:i + size])
        if rule.streaming:
            out += sess.check(s)
    s.completed = True
    return out + sess.check(s)


RULES = {name: (lambda name=name: getattr(Guardrails, name)()) for name in
         ["json", "strict_json", "markdown", "latex", "pattern", "zero_output", "repetition"]}
RULES["custom_pattern"] = lambda: custom_pattern_rule([r"\bsame\b", r"^\|"])


@pytest.mark.parametrize("name", list(RULES))
@pytest.mark.parametrize("direct", [False, True], ids=["sessions", "direct-check"])
def test_interleaved_streams_match_solo_runs(name, direct):
    rule = RULES[name]()
    rng = random.Random(name)
    size = 3
    expected = [key(solo(RULES[name](), t, size)) for t in TEXTS]
    states = [State() for _ in TEXTS]
    sessions = [rule.new_session() for _ in TEXTS]
    got = [[] for _ in TEXTS]
    pos = [0] * len(TEXTS)
    live = list(range(len(TEXTS)))
    while live:
        i = rng.choice(live)
        t = TEXTS[i]
        states[i].buffer.append(t[pos[i]:pos[i] + size])
        pos[i] += size
        check = rule.check if direct else sessions[i].check
        if rule.streaming:
            got[i] += check(states[i])
        if pos[i] >= len(t):
            states[i].completed = True
            got[i] += check(states[i])
            live.remove(i)
    assert [key(g) for g in got] == expected
    assert any(expected)  # the texts exercise every rule


@pytest.mark.parametrize("preset", ["recommended", "strict"])
def test_shared_preset_objects_across_streams(preset):
    rules = getattr(Guardrails, preset)()
    a, b = State(), State()
    sa = [r.new_session() for r in rules]
    sb = [r.new_session() for r in rules]
    out_a, out_b = [], []
    for chunk_a, chunk_b in zip(["As an", " AI I", " can't"], ["Hello", " there", " friend"]):
        a.buffer.append(chunk_a)
        b.buffer.append(chunk_b)
        for r, s1, s2 in zip(rules, sa, sb):
            if r.streaming:
                out_a += s1.check(a)
                out_b += s2.check(b)
    a.completed = b.completed = True
    for s1, s2 in zip(sa, sb):
        out_a += s1.check(a)
        out_b += s2.check(b)
    assert "Matched unwanted pattern: As an AI" in [v.message for v in out_a]
    assert not any(v.rule == "pattern" for v in out_b)
