"""What the drift detectors look for, and their evaluation of one window: the shared text tables.

A leaf module (standard library only): both drift kernel twins
(``l0._pure.drift``, ``l0._speedups.drift``) and ``l0.drift`` import it, it
imports nothing of ``l0``. ``window_bits`` is the specification of the window
detectors: ``DriftDetector.check`` and the pure ``WindowScan`` call it for
every check; the compiled ``WindowScan`` reproduces it incrementally and calls
it for the windows it does not evaluate itself.

``window_bits(window, threshold, flags)`` evaluates the detectors that look at
the last ``sliding_window_size`` characters (``window``) and its last ``TAIL``
characters: meta commentary (``META``), tone word counts (``TONE``),
repetition of sentences or 5-word phrases (``REPETITION``) and, always, the
Markdown count. The result is packed into one int:

* bit 0: a meta phrase in the tail; bit 1: the window is repetitive;
* bits 8-19 / 20-31: formal / informal tone words in the tail;
* bits 32 and up: the tail's Markdown count.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["META_PHRASES", "FORMAL_WORDS", "INFORMAL_WORDS", "TAIL", "HEAD", "META", "TONE", "REPETITION",
           "CONFIDENCE", "DETAIL", "FORMAT", "window_bits", "lower", "meta", "tone", "markdown_count",
           "repetitive", "hedging_of"]

META_PHRASES = (
    "as an ai", "i'm an ai", "i am an ai", "i cannot actually", "i don't have personal",
    "i apologize, but i", "i'm sorry, but i", "let me explain", "to clarify", "in other words",
)
FORMAL_WORDS = ("therefore", "thus", "hence", "moreover", "furthermore", "consequently")
INFORMAL_WORDS = ("gonna", "wanna", "yeah", "yep", "nope", "ok", "okay")

TAIL = 200  # meta, tone and Markdown look at the last 200 characters of the window
HEAD = 100  # format collapse looks at the first 100 characters of the content
META = 1
TONE = 2
REPETITION = 4

CONFIDENCE = {
    "meta_commentary": 0.9,
    "tone_shift": 0.7,
    "repetition": 0.8,
    "entropy_spike": 0.6,
    "format_collapse": 0.8,
    "markdown_collapse": 0.7,
    "hedging": 0.5,
}
DETAIL = {
    "meta_commentary": "Meta commentary detected",
    "tone_shift": "Tone shift detected",
    "repetition": "Excessive repetition detected",
    "entropy_spike": "Entropy spike detected",
    "format_collapse": "Format collapse detected",
    "markdown_collapse": "Markdown formatting collapse detected",
    "hedging": "Excessive hedging detected",
}

_META = re.compile("|".join(re.escape(p) for p in META_PHRASES), re.IGNORECASE)
_FORMAL = re.compile(r"\b(" + "|".join(FORMAL_WORDS) + r")\b", re.IGNORECASE)
_INFORMAL = re.compile(r"\b(" + "|".join(INFORMAL_WORDS) + r")\b", re.IGNORECASE)
# Case-sensitive twins for lower-cased text: the word boundary moves behind the
# first letter so every alternative starts with a literal and ``re`` skips fast.
_META_LOW = re.compile("|".join(re.escape(p) for p in META_PHRASES))


def _words_low(words: tuple[str, ...]) -> re.Pattern[str]:
    # Each word, then a look-behind that the character before it is no word character.
    return re.compile("(?:" + "|".join(rf"{w}(?<!\w.{{{len(w)}}})" for w in words) + r")\b")


_FORMAL_LOW = _words_low(FORMAL_WORDS)
_INFORMAL_LOW = _words_low(INFORMAL_WORDS)
# Any tone word at all (a literal-first alternation: one fast pass that usually fails).
_TONE_ANY = re.compile("|".join(FORMAL_WORDS + INFORMAL_WORDS))
FORMAT = re.compile(
    r"here is the .+?:|here's the .+?:|let me .+? for you|i'll .+? for you|here you go", re.IGNORECASE
)
_HEADING = re.compile(r"^#{1,6}\s", re.MULTILINE)
_BOLD = re.compile(r"\*\*.*?\*\*")
_LINK = re.compile(r"\[.*?\]\(.*?\)")
_LEADING_SPACE = re.compile(r"\s*")
# The first line of the stripped content is only a hedge word (optional "!").
_HEDGE = re.compile(r"(?:sure|certainly|of course|absolutely)!?([^\S\n]*)(\n)?", re.IGNORECASE)


def _ascii_folds() -> tuple[str, ...]:
    # Non-ASCII characters that IGNORECASE equates with an ASCII letter although
    # str.lower() keeps them apart (e.g. U+017F long s ~ "s").
    try:
        from re._casefix import _EXTRA_CASES  # type: ignore[import-not-found]
    except ImportError:  # Python 3.10: no table; these two are the ones that fold onto ASCII
        return ("\u0131", "\u017f")
    return tuple(chr(x) for k, v in _EXTRA_CASES.items() if k < 128 for x in v if x >= 128)


_FOLDS = _ascii_folds()


def lower(text: str) -> str | None:
    """*text* lower-cased if that keeps offsets and IGNORECASE semantics, else None."""
    low = text.lower()
    if len(low) != len(text) or (not low.isascii() and any(c in low for c in _FOLDS)):
        return None
    return low


def meta(tail: str, low: str | None) -> bool:
    """Whether *tail* (lower-cased: *low*, or None) holds a meta phrase."""
    if low is None:
        return _META.search(tail) is not None
    return _META_LOW.search(low) is not None


def tone(text: str, low: str | None = None) -> tuple[int, int]:
    """Formal and informal tone words in the last ``TAIL`` characters of *text*."""
    tail = text[-TAIL:]
    if low is None:
        low = lower(tail)
    if low is None:
        return len(_FORMAL.findall(tail)), len(_INFORMAL.findall(tail))
    if _TONE_ANY.search(low) is None:
        return 0, 0
    return len(_FORMAL_LOW.findall(low)), len(_INFORMAL_LOW.findall(low))


def markdown_count(text: str) -> int:
    """Markdown elements in the last ``TAIL`` characters of *text*."""
    tail = text[-TAIL:]
    n = tail.count("```")
    if "#" in tail:
        n += len(_HEADING.findall(tail))
    if "**" in tail:
        n += len(_BOLD.findall(tail))
    if "](" in tail:
        n += len(_LINK.findall(tail))
    return n


def repetitive(window: str, threshold: int) -> bool:
    """A sentence (> 20 characters) or a 5-word phrase occurs *threshold* times (case-insensitive)."""
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
    phrases = list(zip(words, words[1:], words[2:], words[3:], words[4:]))
    if threshold <= 2:
        return threshold == 1 or len(set(phrases)) < len(phrases)
    if len(set(phrases)) == len(phrases):
        return False  # no phrase twice (the usual case): no Counter needed
    return max(Counter(phrases).values()) >= threshold


def window_bits(window: str, threshold: int, flags: int) -> int:
    """The window detectors of one drift check, packed into an int (see the module docstring)."""
    if threshold < 1:
        raise ValueError(f"threshold must be a positive int, got {threshold}")
    tail = window[-TAIL:]
    low = lower(tail) if flags & (META | TONE) else None
    bits = 0
    if flags & META and meta(tail, low):
        bits |= 1
    if flags & REPETITION and repetitive(window, threshold):
        bits |= 2
    formal = informal = 0
    if flags & TONE:
        formal, informal = tone(tail, low)
    return bits | formal << 8 | informal << 20 | markdown_count(tail) << 32


def leading_space(text: str, start: int = 0) -> int:
    """Offset of the first non-whitespace character of *text* at or after *start* (``len(text)``: none)."""
    m = _LEADING_SPACE.match(text, start)
    assert m is not None  # ``\s*`` matches everywhere
    return m.end()


def hedge_probe(text: str, complete: bool) -> tuple[bool, bool]:
    """``(hedging, final)`` for *text* = the content from its first non-space character."""
    m = _HEDGE.match(text)
    if m is None:
        return False, complete or len(text) >= 12 or "\n" in text
    if m.group(2):
        return True, True
    if m.end() < len(text):
        return False, True  # something other than whitespace follows on the first line
    return True, complete


def hedging_of(content: str) -> bool:
    """The content's first line (stripped) is only a hedge word such as "Sure!"."""
    start = leading_space(content)
    if start == len(content):
        return False
    # Past the hedge word only whitespace may follow up to the newline: scan that run once.
    m = _HEDGE.match(content, start)
    if m is None:
        return False
    return bool(m.group(2)) or m.end() == len(content)
