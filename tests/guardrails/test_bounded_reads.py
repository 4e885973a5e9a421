"""Streaming checks read only new text plus a bounded tail: no full rescans."""

from __future__ import annotations

import pytest

from l0.guardrails import Guardrails, custom_pattern_rule
from l0.types import State


class CountingBuffer:
    """Wraps a ContentBuffer: records how many characters each read returns, forbids ``content``."""

    def __init__(self, buf):
        self._buf = buf
        self.reads: list[int] = []

    def __len__(self):
        return len(self._buf)

    @property
    def content(self):
        raise AssertionError("a streaming check read the whole content")

    @property
    def token_count(self):
        return self._buf.token_count

    def since(self, pos):
        out = self._buf.since(pos)
        self.reads.append(len(out))
        return out

    def tail(self, k):
        out = self._buf.tail(k)
        self.reads.append(len(out))
        return out

    def slice(self, a, b):
        out = self._buf.slice(a, b)
        self.reads.append(len(out))
        return out


TEXTS = {
    "prose": "Sure, the answer is here. As an AI I think [INSERT x] is fine! \\alpha and $x$ too. " * 400,
    "json": '{"items": [' + ",".join('{"id": %d, "name": "n%d"}' % (i, i) for i in range(1500)) + "]}",
}


@pytest.mark.parametrize("text", list(TEXTS))
@pytest.mark.parametrize("rule_name", ["json", "markdown", "latex", "pattern", "stall", "repetition", "custom"])
def test_streaming_reads_are_bounded(text, rule_name):
    rule = custom_pattern_rule([r"\bfine\b"]) if rule_name == "custom" else getattr(Guardrails, rule_name)()
    state = State()
    counting = CountingBuffer(state.buffer)
    state.__dict__["buffer"] = counting
    session = rule.new_session()
    body = TEXTS[text]
    chunk = 60
    for i in range(0, len(body), chunk):
        counting._buf.append(body[i:i + chunk])
        session.check(state)
    assert len(body) > 30_000
    # Each read is the new text (plus one character of context) or a bounded window.
    assert max(counting.reads[1:], default=0) <= 2 * chunk + 300
