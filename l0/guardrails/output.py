"""Output-shape rules: ``zero_output_rule``, ``stall_rule``, ``repetition_rule`` and helpers."""

from __future__ import annotations

import math
import re
import time
from numbers import Real
from typing import TYPE_CHECKING

from ._session import BuiltinSession, buffer_of, make_rule
from .types import GuardrailRule, GuardrailViolation

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = ["is_zero_output", "is_noise_only", "zero_output_rule", "stall_rule", "repetition_rule"]

_PUNCTUATION_ONLY = re.compile(r"[\s\.,!?;:\-_=+*#@&%$^(){}[\]<>/\\|`~\"']+\Z")


def is_zero_output(content: str) -> bool:
    """True for empty or whitespace-only *content*."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    return not content or content.isspace()


def _at_most_two_symbols(text: str) -> bool:
    """``len(set(text) - {" "}) <= 2``, stopping at the third distinct symbol (usually a few characters in)."""
    seen = " "
    for _ in range(3):
        m = re.search("[^" + re.escape(seen) + "]", text)
        if m is None:
            return True
        seen += m.group()
    return False


def is_noise_only(content: str) -> bool:
    """True for punctuation-only text, two-symbol noise, or a 10-char prefix repeated throughout."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    s = content.strip()
    if not s:
        return True
    if _PUNCTUATION_ONLY.match(s):
        return True
    if len(s) > 10 and _at_most_two_symbols(s):
        return True
    return len(s) > 20 and s.count(s[:10]) > len(s) / 15


class _ZeroOutputSession(BuiltinSession):
    __slots__ = ()
    streaming_idle = True

    def check(self, state: State) -> list[GuardrailViolation]:
        if not state.completed:
            return []
        content = buffer_of(state).content
        if is_zero_output(content):
            return [self.violation("Empty or whitespace-only output")]
        if is_noise_only(content):
            return [self.violation("Output appears to be noise (punctuation or repeated characters)")]
        return []


def zero_output_rule() -> GuardrailRule:
    """At completion: empty, whitespace-only or noise-only output."""
    return make_rule(
        "zero_output", _ZeroOutputSession, description="Detects empty or meaningless output", streaming=False
    )


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    if math.isnan(v):
        raise ValueError(f"{name} must be a number, got nan")
    return v


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return value


class _StallSession(BuiltinSession):
    __slots__ = ("max_gap",)

    def __init__(self, rule: GuardrailRule, max_gap: float) -> None:
        self.max_gap = max_gap
        super().__init__(rule)

    def check(self, state: State) -> list[GuardrailViolation]:
        last = getattr(state, "last_token_at", None)
        if last is None:
            return []
        gap = time.time() - last
        if gap <= self.max_gap:
            return []
        state.drift_detected = True
        return [self.violation(f"Token stall: {gap:.1f}s since last token", context={"gap_seconds": gap})]


def stall_rule(max_gap: float = 5.0) -> GuardrailRule:
    """Warn when more than *max_gap* seconds passed since the last token."""
    gap = _number(max_gap, "max_gap")
    if gap < 0:
        raise ValueError(f"max_gap must be a non-negative number of seconds, got {max_gap}")
    return make_rule(
        "stall", lambda rule: _StallSession(rule, gap), description="Detects token stalls", severity="warning"
    )


# The look-behind starts a match only at the first mark of a run: without it a long run of
# marks not followed by whitespace is rescanned from every position (quadratic).
_SPLIT = re.compile(r"(?<![.!?])[.!?]+\s+")
_MAX_RUN = 1024


def _same_positions(a: str, b: str) -> int:
    """Number of positions where *a* and *b* (same length) hold the same character."""
    if a.isascii() and b.isascii():
        n = len(a)
        # XOR of the byte strings: equal characters give zero bytes (counted in C).
        x = int.from_bytes(a.encode(), "big") ^ int.from_bytes(b.encode(), "big")
        return x.to_bytes(n, "big").count(0)
    return sum(map(str.__eq__, a, b))


def _is_split_char(c: str) -> bool:
    return c in ".!?" or c.isspace()


class _RepetitionSession(BuiltinSession):
    """Sentence counts kept incrementally; only the unfinished sentence is tracked.

    The unfinished sentence is ``p_len`` characters from content offset
    ``p_start`` (read back from the buffer only when needed), followed by its
    trailing run of ``.!?`` and whitespace (``run``), which is rescanned with the
    next delta because a separator can straddle the check boundary.
    """

    __slots__ = ("window", "threshold", "sentence_check", "repeat", "sentences", "nsent", "first",
                 "cand_max", "p_start", "p_len", "p_lead", "p_trail", "run", "sim_on", "last_sentence")

    def __init__(self, rule: GuardrailRule, window: int, threshold: float, sentence_check: bool,
                 repeat: int) -> None:
        self.window = window
        self.threshold = threshold
        self.sentence_check = sentence_check
        self.repeat = repeat
        super().__init__(rule)

    def reset_state(self) -> None:
        self.sentences: dict[str, list[int]] = {}  # sentence -> [insertion index, count]
        self.nsent = 0
        self.first: tuple[int, str] | None = None  # earliest qualifying complete sentence
        self.cand_max = -1  # longest sentence that one more repeat would make qualify
        self.p_start = 0
        self.p_len = 0
        self.p_lead = 0
        self.p_trail = 0
        self.run = ""
        self.sim_on = False
        self.last_sentence: str | None = None

    def _add(self, piece: str) -> None:
        s = piece.strip()
        if not s:
            return
        self.nsent += 1
        e = self.sentences.get(s)
        if e is None:
            e = self.sentences[s] = [len(self.sentences), 0]
        e[1] += 1
        if len(s) > 20:
            if e[1] >= self.repeat - 1 and len(s) > self.cand_max:
                self.cand_max = len(s)
            if e[1] >= self.repeat and (self.first is None or e[0] < self.first[0]):
                self.first = (e[0], s)

    def _absorb(self, text: str, off: int) -> None:
        i = len(text)
        while i and _is_split_char(text[i - 1]):
            i -= 1
        # The run only matters from its first '.!?': a separator can only start there.
        j = i
        n = len(text)
        while j < n and text[j] not in ".!?":
            j += 1
        body = text[:j]
        run = text[j:]
        if len(run) > _MAX_RUN:
            body += run[:-_MAX_RUN]
            run = run[-_MAX_RUN:]
        if body:
            stripped_right = body.rstrip()
            if not stripped_right:
                self.p_trail += len(body)
                if self.p_lead == self.p_len:
                    self.p_lead += len(body)
            else:
                if self.p_lead == self.p_len:
                    self.p_lead += len(body) - len(body.lstrip())
                self.p_trail = len(body) - len(stripped_right)
            if not self.p_len:
                self.p_start = off
            self.p_len += len(body)
        self.run = run

    def _body(self, buf: object) -> str:
        return buf.slice(self.p_start, self.p_start + self.p_len) if self.p_len else ""  # type: ignore[attr-defined]

    def _feed(self, start: int, delta: str, buf: object) -> None:
        region = self.run + delta
        off = start - len(self.run)
        n = len(region)
        seps = [m for m in _SPLIT.finditer(region) if m.end() < n]
        if not seps:
            self._absorb(region, off)
            return
        self._add(self._body(buf) + region[: seps[0].start()])
        for a, b in zip(seps, seps[1:]):
            self._add(region[a.end(): b.start()])
        self.p_len = self.p_lead = self.p_trail = 0
        e = seps[-1].end()
        self._absorb(region[e:], off + e)

    def _tail(self) -> str:
        # The run is '.!?'-characters optionally followed by whitespace (then a separator).
        run = self.run
        return "" if run and run[-1].isspace() else run

    def _unfinished_length(self) -> int:
        tail = self._tail()
        if self.p_lead == self.p_len:
            return len(tail)
        if tail:
            return self.p_len - self.p_lead + len(tail)
        return self.p_len - self.p_lead - self.p_trail

    def check(self, state: State) -> list[GuardrailViolation]:
        start, delta = self.advance(state)
        buf = buffer_of(state)
        if delta and self.sentence_check:
            self._feed(start, delta, buf)
        out: list[GuardrailViolation] = []
        n = len(buf)
        w = self.window
        if n >= 2 * w:
            both = buf.tail(2 * w)
            similarity = _same_positions(both[w:], both[:w]) / w
            hit = similarity > self.threshold
            if hit and not self.sim_on:
                state.drift_detected = True
                out.append(self.violation(
                    f"Repetitive output detected ({similarity:.0%} character similarity)",
                    context={"similarity": similarity, "window": w},
                ))
            self.sim_on = hit
        if self.sentence_check and n > 50:
            found = self._repeated_sentence(buf)
            if found is not None:
                state.drift_detected = True
                sentence, count = found
                if self.last_sentence != sentence:
                    self.last_sentence = sentence
                    out.append(self.violation(f"Sentence repeated {count} times",
                                              context={"sentence": sentence[:50] + "...", "count": count}))
        return out

    def _repeated_sentence(self, buf: object) -> tuple[str, int] | None:
        length = self._unfinished_length()
        if self.nsent + (1 if length else 0) < self.repeat:
            return None
        best = self.first
        count = self.sentences[best[1]][1] if best else 0
        if length > 20 and (length <= self.cand_max or (self.repeat <= 1 and best is None)):
            text = (self._body(buf) + self._tail()).strip()
            e = self.sentences.get(text)
            if e is not None:
                if e[1] + 1 >= self.repeat and (best is None or e[0] <= best[0]):
                    best, count = (e[0], text), e[1] + 1
            elif best is None and self.repeat <= 1:
                best, count = (len(self.sentences), text), 1
        if best is None:
            return None
        return best[1], count


def repetition_rule(
    window: int = 100, threshold: float = 0.5, *, sentence_check: bool = True, sentence_repeat_count: int = 3
) -> GuardrailRule:
    """Character-level similarity of the last two windows and repeated sentences."""
    w = _positive_int(window, "window")
    t = _number(threshold, "threshold")
    n = _positive_int(sentence_repeat_count, "sentence_repeat_count")
    check = bool(sentence_check)
    return make_rule(
        "repetition",
        lambda rule: _RepetitionSession(rule, w, t, check, n),
        description="Detects repetitive output",
    )
