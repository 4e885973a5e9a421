"""Drift detection: meta commentary, tone shift, repetition, entropy spikes, format and
markdown collapse, hedging.

Every detector looks at a bounded window (the last ``sliding_window_size``
characters, the first 100 characters, or the first line's opening words), so a
check costs O(window) however long the output grows. The runtime uses one
:meth:`DriftDetector.new_session` per stream; a session reads the text through
``state.buffer`` (tail/slice, never the whole content), and its entropy sample
covers all text appended since its previous check (the reference sampled only
the single token at the check), kept in an ``EntropyRing``.
"""

from __future__ import annotations

import math
import re
from collections import Counter, deque
from dataclasses import dataclass
from numbers import Real
from typing import Any, Literal

from l0._backend import EntropyRing, shannon_entropy
from l0.guardrails._regex import _FOLDS

__all__ = [
    "DriftType",
    "DriftResult",
    "DriftConfig",
    "DriftDetector",
    "DriftSession",
    "Drift",
    "create_drift_detector",
    "check_drift",
]

DriftType = Literal[
    "tone_shift", "meta_commentary", "format_collapse", "repetition", "entropy_spike", "markdown_collapse", "hedging"
]


@dataclass
class DriftResult:
    detected: bool
    confidence: float
    types: list[DriftType]
    details: str | None = None


def _check_bool(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be bool, got {type(value).__name__}")


def _check_int(value: object, name: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value}")


@dataclass
class DriftConfig:
    """Switches and thresholds (format collapse, markdown collapse and hedging always run)."""

    detect_tone_shift: bool = True
    detect_meta_commentary: bool = True
    detect_repetition: bool = True
    detect_entropy_spike: bool = True
    repetition_threshold: int = 3
    entropy_threshold: float = 2.5
    entropy_window: int = 50
    sliding_window_size: int = 500

    def __post_init__(self) -> None:
        for name in ("detect_tone_shift", "detect_meta_commentary", "detect_repetition", "detect_entropy_spike"):
            _check_bool(getattr(self, name), name)
        _check_int(self.repetition_threshold, "repetition_threshold", 1)
        _check_int(self.entropy_window, "entropy_window", 1)
        _check_int(self.sliding_window_size, "sliding_window_size", 0)
        t = self.entropy_threshold
        if isinstance(t, bool) or not isinstance(t, Real):
            raise TypeError(f"entropy_threshold must be a number, got {type(t).__name__}")
        if not math.isfinite(float(t)):
            raise ValueError(f"entropy_threshold must be a finite number, got {t!r}")


_META = re.compile(
    "|".join(re.escape(p) for p in (
        "as an ai", "i'm an ai", "i am an ai", "i cannot actually", "i don't have personal",
        "i apologize, but i", "i'm sorry, but i", "let me explain", "to clarify", "in other words",
    )),
    re.IGNORECASE,
)
_FORMAL = re.compile(r"\b(therefore|thus|hence|moreover|furthermore|consequently)\b", re.IGNORECASE)
_INFORMAL = re.compile(r"\b(gonna|wanna|yeah|yep|nope|ok|okay)\b", re.IGNORECASE)
# Case-sensitive twins for lower-cased text: the word boundary moves behind the
# first letter so every alternative starts with a literal and ``re`` skips fast.
_META_LOW = re.compile("|".join(re.escape(p) for p in (
    "as an ai", "i'm an ai", "i am an ai", "i cannot actually", "i don't have personal",
    "i apologize, but i", "i'm sorry, but i", "let me explain", "to clarify", "in other words",
)))


def _words_low(words: tuple[str, ...]) -> re.Pattern[str]:
    # Each word, then a look-behind that the character before it is no word character.
    return re.compile("(?:" + "|".join(rf"{w}(?<!\w.{{{len(w)}}})" for w in words) + r")\b")


_FORMAL_WORDS = ("therefore", "thus", "hence", "moreover", "furthermore", "consequently")
_INFORMAL_WORDS = ("gonna", "wanna", "yeah", "yep", "nope", "ok", "okay")
_FORMAL_LOW = _words_low(_FORMAL_WORDS)
_INFORMAL_LOW = _words_low(_INFORMAL_WORDS)


# Any tone word at all (a literal-first alternation: one fast pass that usually fails).
_TONE_ANY = re.compile("|".join(_FORMAL_WORDS + _INFORMAL_WORDS))
_FORMAT = re.compile(
    r"here is the .+?:|here's the .+?:|let me .+? for you|i'll .+? for you|here you go", re.IGNORECASE
)
_MARKDOWN = (
    re.compile(r"```"), re.compile(r"^#{1,6}\s", re.MULTILINE), re.compile(r"\*\*.*?\*\*"),
    re.compile(r"\[.*?\]\(.*?\)"),
)
_LEADING_SPACE = re.compile(r"\s*")
# The first line of the stripped content is only a hedge word (optional "!").
_HEDGE = re.compile(r"(?:sure|certainly|of course|absolutely)!?([^\S\n]*)(\n)?", re.IGNORECASE)
_HEAD = 100  # format collapse looks at the first 100 characters
_HEDGE_PROBE = 64

_CONFIDENCE = {
    "meta_commentary": 0.9,
    "tone_shift": 0.7,
    "repetition": 0.8,
    "entropy_spike": 0.6,
    "format_collapse": 0.8,
    "markdown_collapse": 0.7,
    "hedging": 0.5,
}
_DETAIL = {
    "meta_commentary": "Meta commentary detected",
    "tone_shift": "Tone shift detected",
    "repetition": "Excessive repetition detected",
    "entropy_spike": "Entropy spike detected",
    "format_collapse": "Format collapse detected",
    "markdown_collapse": "Markdown formatting collapse detected",
    "hedging": "Excessive hedging detected",
}


def _lower(text: str) -> str | None:
    """*text* lower-cased if that keeps offsets and IGNORECASE semantics, else None."""
    low = text.lower()
    if len(low) != len(text) or (not low.isascii() and any(c in low for c in _FOLDS)):
        return None
    return low


def _meta(tail: str, low: str | None) -> bool:
    if low is None:
        return _META.search(tail) is not None
    return _META_LOW.search(low) is not None


def _tone(text: str, low: str | None = None) -> tuple[int, int]:
    tail = text[-200:]
    if low is None:
        low = _lower(tail)
    if low is None:
        return len(_FORMAL.findall(tail)), len(_INFORMAL.findall(tail))
    if _TONE_ANY.search(low) is None:
        return 0, 0
    return len(_FORMAL_LOW.findall(low)), len(_INFORMAL_LOW.findall(low))


def _markdown_count(text: str) -> int:
    tail = text[-200:]
    fence, heading, bold, link = _MARKDOWN
    n = tail.count("```")
    if "#" in tail:
        n += len(heading.findall(tail))
    if "**" in tail:
        n += len(bold.findall(tail))
    if "](" in tail:
        n += len(link.findall(tail))
    return n


def _repetitive(window: str, threshold: int) -> bool:
    if "." not in window and "!" not in window and "?" not in window:
        return False  # one sentence at most: the phrase check is never reached
    # Splitting on single marks equals splitting on runs of them once empty pieces are dropped.
    pieces = window.replace("!", ".").replace("?", ".").split(".")
    sentences = []
    for piece in pieces:
        s = piece.strip()
        if len(s) > 20:
            sentences.append(s.lower())
    if len(sentences) < 3:
        return False
    if max(Counter(sentences).values()) >= threshold:
        return True
    words = window.lower().split()
    if len(words) < 5:
        return False
    phrases = Counter(zip(words, words[1:], words[2:], words[3:], words[4:]))
    return max(phrases.values()) >= threshold


def _hedge_probe(text: str, complete: bool) -> tuple[bool, bool]:
    """``(hedging, final)`` for *text* = the content from its first non-space character."""
    m = _HEDGE.match(text)
    if m is None:
        final = complete or len(text) >= 12 or "\n" in text
        return False, final
    if m.group(2):
        return True, True
    if m.end() < len(text):
        return False, True  # something other than whitespace follows on the first line
    return True, complete


def _hedging_of(content: str) -> bool:
    start = _LEADING_SPACE.match(content).end()
    if start == len(content):
        return False
    # Past the hedge word only whitespace may follow up to the newline: scan that run once.
    m = _HEDGE.match(content, start)
    if m is None:
        return False
    return bool(m.group(2)) or m.end() == len(content)


class _Core:
    """Detector state shared by ``DriftDetector`` and ``DriftSession``."""

    __slots__ = ("config", "ring", "tokens", "last_window", "prev_tone", "prev_md", "head", "head_format")

    def __init__(self, config: DriftConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        cfg = self.config
        self.ring = EntropyRing(cfg.entropy_window)
        self.tokens: deque[str] = deque(maxlen=cfg.entropy_window)
        self.last_window = ""
        self.prev_tone: tuple[int, int] | None = None
        self.prev_md: int | None = None
        self.head: str | None = None
        self.head_format = False

    def push_entropy(self, text: str) -> bool:
        """Record one sample; True if it is a spike against the window it joins."""
        ring = self.ring
        value = shannon_entropy(text)
        ring.push(value)
        if ring.count < 10:
            return False
        std = ring.std()
        if std <= 1e-12:
            return False
        return value > ring.mean() + self.config.entropy_threshold * std

    def evaluate(self, window: str, head: str, hedging: bool, spike: bool) -> DriftResult:
        cfg = self.config
        prev = self.last_window
        types: list[str] = []
        tail = window[-200:]
        low = _lower(tail)
        if cfg.detect_meta_commentary and _meta(tail, low):
            types.append("meta_commentary")
        tone = md = None
        if cfg.detect_tone_shift:
            tone = _tone(tail, low)
            if len(prev) >= 100:
                before = self.prev_tone if self.prev_tone is not None else _tone(prev)
                if abs(tone[0] - before[0]) > 2 or abs(tone[1] - before[1]) > 2:
                    types.append("tone_shift")
        if cfg.detect_repetition and _repetitive(window, cfg.repetition_threshold):
            types.append("repetition")
        if spike:
            types.append("entropy_spike")
        if head != self.head:
            self.head = head
            self.head_format = _FORMAT.search(head) is not None
        if self.head_format:
            types.append("format_collapse")
        md = _markdown_count(window)
        if len(prev) >= 100:
            before_md = self.prev_md if self.prev_md is not None else _markdown_count(prev)
            if before_md > 3 and md == 0:
                types.append("markdown_collapse")
        if hedging:
            types.append("hedging")
        self.last_window = window
        self.prev_tone = tone
        self.prev_md = md
        if not types:
            return DriftResult(detected=False, confidence=0.0, types=[], details=None)
        return DriftResult(
            detected=True,
            confidence=max(_CONFIDENCE[t] for t in types),
            types=types,  # type: ignore[arg-type]
            details="; ".join(_DETAIL[t] for t in types),
        )

    def history(self) -> dict[str, Any]:
        return {"entropy": self.ring.values(), "tokens": list(self.tokens), "last_content": self.last_window}


class DriftDetector:
    """Checks content for drift; keeps a short history between checks.

    ``check(content, delta)`` is the reference API (``delta`` = the newest token,
    one entropy sample per call). The streaming runtime uses :meth:`new_session`.
    """

    def __init__(self, config: DriftConfig | None = None) -> None:
        if config is None:
            config = DriftConfig()
        if not isinstance(config, DriftConfig):
            raise TypeError(f"config must be a DriftConfig or None, got {type(config).__name__}")
        self.config = config
        self._core = _Core(config)

    def check(self, content: str, delta: str | None = None) -> DriftResult:
        if not isinstance(content, str):
            raise TypeError(f"content must be str, got {type(content).__name__}")
        if delta is not None and not isinstance(delta, str):
            raise TypeError(f"delta must be str or None, got {type(delta).__name__}")
        core = self._core
        window = self._get_window(content)
        spike = False
        if delta:
            core.tokens.append(delta)
            if self.config.detect_entropy_spike:
                spike = core.push_entropy(delta)
        return core.evaluate(window, content[:_HEAD], _hedging_of(content), spike)

    def reset(self) -> None:
        self._core.reset()

    def get_history(self) -> dict[str, Any]:
        """``{"entropy": [...], "tokens": [...], "last_content": str}``."""
        return self._core.history()

    def new_session(self) -> DriftSession:
        """Fresh per-stream state with this detector's configuration."""
        return DriftSession(self.config)

    # Reference-named helpers (each O(window)).
    def _get_window(self, content: str) -> str:
        size = self.config.sliding_window_size
        return content if len(content) <= size else content[len(content) - size:]

    def _detect_meta_commentary(self, window: str) -> bool:
        tail = window[-200:]
        return _meta(tail, _lower(tail))

    def _detect_tone_shift(self, window: str, prev: str) -> bool:
        if len(prev) < 100:
            return False
        a, b = _tone(window), _tone(prev)
        return abs(a[0] - b[0]) > 2 or abs(a[1] - b[1]) > 2

    def _detect_repetition(self, window: str) -> bool:
        return _repetitive(window, self.config.repetition_threshold)

    def _calculate_entropy(self, text: str) -> float:
        return shannon_entropy(text)

    def _detect_entropy_spike(self) -> bool:
        ring = self._core.ring
        if ring.count < 10:
            return False
        std = ring.std()
        return std > 1e-12 and ring.last() > ring.mean() + self.config.entropy_threshold * std

    def _detect_format_collapse(self, content: str) -> bool:
        return _FORMAT.search(content[:_HEAD]) is not None

    def _detect_markdown_collapse(self, window: str, prev: str) -> bool:
        return len(prev) >= 100 and _markdown_count(prev) > 3 and _markdown_count(window) == 0

    def _detect_excessive_hedging(self, content: str) -> bool:
        return _hedging_of(content)


class DriftSession:
    """Per-stream drift state; ``check(state, delta)`` costs O(window + delta).

    ``delta`` is all text appended since the previous check: it is one entropy
    sample (its character entropy).
    """

    __slots__ = ("config", "_core", "_tokens_seen", "_pos", "_lead", "_hedge", "_hedge_final", "_hedge_scan",
                 "_head", "_head_final", "_pos_ws", "_last")

    def __init__(self, config: DriftConfig | None = None) -> None:
        if config is None:
            config = DriftConfig()
        self.config = config
        self._core = _Core(config)
        self._restart()

    def _restart(self) -> None:
        self._core.reset()
        self._tokens_seen = 0
        self._pos = 0
        self._last = ""
        self._lead = -1  # offset of the first non-space character, -1 until seen
        self._pos_ws = 0  # everything before this offset is whitespace
        self._hedge = False
        self._hedge_final = False
        self._hedge_scan = -1  # offset up to which a long whitespace run after the hedge word was read
        self._head = ""
        self._head_final = False

    def reset(self) -> None:
        self._restart()

    def get_history(self) -> dict[str, Any]:
        return self._core.history()

    def check(self, state: Any, delta: str | None = None) -> DriftResult:
        buf = getattr(state, "buffer", None)
        if buf is None:
            from l0.guardrails._session import buffer_of

            buf = buffer_of(state)
        n = len(buf)
        tokens = buf.token_count
        pos = self._pos
        if pos and (n < pos or tokens < self._tokens_seen or buf.slice(pos - 1, pos) != self._last):
            self._restart()
        cfg = self.config
        core = self._core
        spike = False
        if delta:
            core.tokens.append(delta)
        if delta and cfg.detect_entropy_spike:
            spike = core.push_entropy(delta)
        self._tokens_seen = tokens
        self._pos = n
        self._last = buf.slice(n - 1, n) if n else ""
        size = cfg.sliding_window_size
        window = buf.tail(size) if size else ""
        if not self._head_final:
            self._head = buf.slice(0, _HEAD)
            self._head_final = len(self._head) >= _HEAD
        hedging = self._hedging(buf, n, bool(state.completed))
        return core.evaluate(window, self._head, hedging, spike)

    def _hedging(self, buf: Any, n: int, completed: bool) -> bool:
        if self._hedge_final:
            return self._hedge
        if self._lead < 0:
            # Skip leading whitespace once: remember how far it was read.
            start = self._pos_ws
            while start < n:
                chunk = buf.slice(start, min(n, start + 4096))
                m = _LEADING_SPACE.match(chunk)
                if m.end() < len(chunk):
                    self._lead = start + m.end()
                    break
                start += len(chunk)
            self._pos_ws = start
            if self._lead < 0:
                return False
        if self._hedge_scan >= 0:
            rest = buf.slice(self._hedge_scan, n)
            i = 0
            while i < len(rest) and rest[i] != "\n" and rest[i].isspace():
                i += 1
            if i < len(rest):
                self._hedge, self._hedge_final = rest[i] == "\n", True
            else:
                self._hedge_scan = n
                self._hedge_final = completed
            return self._hedge
        text = buf.slice(self._lead, min(n, self._lead + _HEDGE_PROBE))
        hedge, final = _hedge_probe(text, completed)
        if hedge and not final and len(text) == _HEDGE_PROBE and self._lead + _HEDGE_PROBE < n:
            self._hedge_scan = self._lead + _HEDGE_PROBE
        self._hedge, self._hedge_final = hedge, final
        return hedge


def create_drift_detector(config: DriftConfig | None = None) -> DriftDetector:
    return DriftDetector(config)


def check_drift(content: str) -> DriftResult:
    """One check of *content* with a fresh detector (no entropy history)."""
    return DriftDetector().check(content)


class Drift:
    """Namespace: ``Drift.check(content)``, ``Drift.create_detector(config)`` and type aliases."""

    Result = DriftResult
    Config = DriftConfig
    Detector = DriftDetector

    check = staticmethod(check_drift)
    create_detector = staticmethod(create_drift_detector)
