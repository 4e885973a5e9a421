"""Drift internals: configuration, result type, patterns and the full (stateless) evaluation.

``DriftDetector.check(content, delta)`` evaluates a window of the text from
scratch (O(window)); ``DriftSession`` (in ``_session``) keeps incremental state
and reaches the same results in O(new text) per check.
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

__all__ = ["DriftType", "DriftResult", "DriftConfig"]

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


_META_PHRASES = (
    "as an ai", "i'm an ai", "i am an ai", "i cannot actually", "i don't have personal",
    "i apologize, but i", "i'm sorry, but i", "let me explain", "to clarify", "in other words",
)
_META = re.compile("|".join(re.escape(p) for p in _META_PHRASES), re.IGNORECASE)
_FORMAL = re.compile(r"\b(therefore|thus|hence|moreover|furthermore|consequently)\b", re.IGNORECASE)
_INFORMAL = re.compile(r"\b(gonna|wanna|yeah|yep|nope|ok|okay)\b", re.IGNORECASE)
# Case-sensitive twins for lower-cased text: the word boundary moves behind the
# first letter so every alternative starts with a literal and ``re`` skips fast.
_META_LOW = re.compile("|".join(re.escape(p) for p in _META_PHRASES))


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


def _result(types: list[str]) -> DriftResult:
    if not types:
        return DriftResult(detected=False, confidence=0.0, types=[], details=None)
    return DriftResult(
        detected=True,
        confidence=max(_CONFIDENCE[t] for t in types),
        types=types,  # type: ignore[arg-type]
        details="; ".join(_DETAIL[t] for t in types),
    )


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
    return _phrase_repeated(window, threshold)


def _phrase_repeated(window: str, threshold: int) -> bool:
    """Whether a 5-word phrase of the lower-cased window occurs *threshold* times."""
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


def config_of(config: DriftConfig | None) -> DriftConfig:
    """``config``, or the defaults for None; TypeError for anything else."""
    if config is None:
        return DriftConfig()
    if not isinstance(config, DriftConfig):
        raise TypeError(f"config must be a DriftConfig or None, got {type(config).__name__}")
    return config


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
        return _result(types)

    def history(self) -> dict[str, Any]:
        return {"entropy": self.ring.values(), "tokens": list(self.tokens), "last_content": self.last_window}
