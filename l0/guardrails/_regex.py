"""Regex analysis (match width, context needs, backtracking hazards) and the
incremental scanner that lets a pattern rule look at each character once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

__all__ = ["PatternInfo", "analyze_pattern", "check_pattern_safe", "IncrementalScanner", "UNBOUNDED_WIDTH"]

# Match widths above this count as unbounded: the scanner then carries this many
# characters and reports longer matches that straddle a check only if they end in time.
UNBOUNDED_WIDTH = 256
# Text of a pattern with unbounded matches is fed in slices of at most this size,
# so a quadratic pattern (like x.*y on "xxxx...") costs O(slice + carry) per position.
_SLICE = 256

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
_POSSESSIVE = getattr(_c, "POSSESSIVE_REPEAT", None)
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)
_END_ATS = {_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY, _c.AT_END, _c.AT_END_LINE, _c.AT_END_STRING}
_BEGIN_ATS = {_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY, _c.AT_BEGINNING_LINE}
_BIG = 1 << 30


def _ascii_folds() -> tuple[str, ...]:
    # Non-ASCII characters that IGNORECASE equates with an ASCII letter although
    # str.lower() keeps them apart (e.g. U+017F long s ~ "s"): their presence
    # disables the lower-cased fast path.
    try:
        from re._casefix import _EXTRA_CASES
    except ImportError:  # pragma: no cover - older Pythons
        return ("\u0131", "\u017f")
    return tuple(chr(x) for k, v in _EXTRA_CASES.items() if k < 128 for x in v if x >= 128)


_FOLDS = _ascii_folds()


@dataclass(frozen=True)
class PatternInfo:
    """What an incremental scan of one compiled pattern needs to know."""

    max_width: int  # longest possible match (capped at UNBOUNDED_WIDTH)
    unbounded: bool
    lookahead: int  # characters after a match that can change it
    lookbehind: int  # characters before a match start that can change it
    hazard: str | None  # why the pattern can backtrack catastrophically, or None


def _hi(sub: Any) -> int:
    return min(sub.getwidth()[1], _BIG)


def _context(sub: Any) -> tuple[int, int]:
    ahead = behind = 0
    for op, av in sub:
        if op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, inner = av
            w = _hi(inner)
            if direction == 1:
                ahead = max(ahead, w)
            else:
                behind = max(behind, w)
            a, b = _context(inner)
            ahead, behind = max(ahead, a), max(behind, b)
        elif op == _c.AT:
            if av in _END_ATS:
                ahead = max(ahead, 1)
            if av in _BEGIN_ATS:
                behind = max(behind, 1)
        else:
            for inner in _children(op, av):
                a, b = _context(inner)
                ahead, behind = max(ahead, a), max(behind, b)
    return ahead, behind


def _children(op: Any, av: Any) -> list[Any]:
    if op in _REPEATS or op == _POSSESSIVE:
        return [av[2]]
    if op == _c.SUBPATTERN:
        return [av[-1]]
    if op == _c.BRANCH:
        return list(av[1])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    if op == _c.GROUPREF_EXISTS:
        return [x for x in av[1:] if x is not None]
    if op == _ATOMIC:
        return [av]
    return []


def _first_chars(sub: Any) -> set[int] | None:
    """Characters a non-empty match of *sub* can start with, or None if unknown/many."""
    for op, av in sub:
        if op == _c.LITERAL:
            return {av}
        if op == _c.IN:
            chars: set[int] = set()
            for iop, iav in av:
                if iop == _c.LITERAL:
                    chars.add(iav)
                elif iop == _c.RANGE and iav[1] - iav[0] < 256:
                    chars.update(range(iav[0], iav[1] + 1))
                else:
                    return None
            return chars
        if op == _c.SUBPATTERN:
            inner = av[-1]
            if inner.getwidth()[0] == 0:
                return None
            return _first_chars(inner)
        if op == _c.AT:
            continue
        return None
    return None


def _fold(chars: set[int]) -> set[int]:
    out = set()
    for ch in chars:
        s = chr(ch)
        out.update(ord(x) for x in (s, s.lower(), s.upper()) if len(x) == 1)
    return out


def _hazard(sub: Any, outer: str | None) -> str | None:
    """Why *sub* can backtrack explosively; *outer* is the enclosing repetition ("large"/"small"/None)."""
    for op, av in sub:
        if op in _REPEATS:
            lo, hi, body = av
            if hi > 1:
                large = hi == _c.MAXREPEAT or hi > 64
                if outer is not None and (outer == "large" or large):
                    return "a quantifier nested inside another quantifier (like (a+)+ or (.*a){12})"
                reason = _hazard(body, "large" if large else "small")
            else:
                reason = _hazard(body, outer)
            if reason:
                return reason
        elif op == _POSSESSIVE or op == _ATOMIC:
            continue  # no backtracking into it
        elif op == _c.BRANCH:
            alts = av[1]
            if outer == "large":
                seen: set[int] = set()
                for alt in alts:
                    if alt.getwidth()[0] == 0:
                        return "an alternative that can match empty text inside an unbounded quantifier"
                    first = _first_chars(alt)
                    if first is None or seen & _fold(first):
                        return ("alternatives that can start with the same character inside an unbounded "
                                "quantifier (like (a|ab)*)")
                    seen |= _fold(first)
            for alt in alts:
                reason = _hazard(alt, outer)
                if reason:
                    return reason
        elif op in (_c.GROUPREF, _c.GROUPREF_EXISTS) and outer == "large":
            return "a backreference inside an unbounded quantifier"
        else:
            for inner in _children(op, av):
                reason = _hazard(inner, outer)
                if reason:
                    return reason
    return None


def analyze_pattern(pattern: str, flags: int = 0) -> PatternInfo:
    """Width, context needs and backtracking hazard of *pattern* (raises ``re.error``)."""
    parsed = _p.parse(pattern, flags)
    hi = parsed.getwidth()[1]
    unbounded = hi > UNBOUNDED_WIDTH
    ahead, behind = _context(parsed)
    return PatternInfo(
        max_width=UNBOUNDED_WIDTH if unbounded else hi,
        unbounded=unbounded,
        lookahead=min(ahead, UNBOUNDED_WIDTH),
        lookbehind=min(behind, UNBOUNDED_WIDTH),
        hazard=_hazard(parsed, None),
    )


def check_pattern_safe(pattern: object, name: str = "patterns") -> PatternInfo:
    """Validate a user pattern: a str that compiles and cannot backtrack explosively."""
    if not isinstance(pattern, str):
        raise TypeError(f"{name} must contain regular expressions as str, got {type(pattern).__name__}")
    try:
        info = analyze_pattern(pattern, re.IGNORECASE | re.MULTILINE)
    except re.error as exc:
        raise ValueError(f"{name}: invalid regular expression {pattern!r}: {exc}") from None
    if info.hazard:
        raise ValueError(
            f"{name}: pattern {pattern!r} can backtrack catastrophically ({info.hazard}); "
            "rewrite it without nested or overlapping repetition, or use a possessive quantifier / atomic group"
        )
    return info


class IncrementalScanner:
    """Finds the matches of one compiled regex in a growing text, each position once.

    ``lowered`` optionally gives an equivalent case-sensitive regex to run on the
    lower-cased text (much faster than ``IGNORECASE``); it is used when lower-casing
    keeps every offset (otherwise ``regex`` runs on the original text).

    ``triggers`` (optional): characters of which every match contains at least
    one; text without any of them is skipped without running the regex.

    ``long_starts`` (optional): ``{first character: margin}`` for patterns longer
    than ``info`` describes; positions holding such a character keep that larger
    margin, all others the short one.

    ``feed(delta, completed)`` returns ``(start, end, text)`` for every match that
    can no longer change (all remaining ones when ``completed``). Only the last
    ``max_width + lookahead`` characters (plus ``lookbehind`` context) are
    rescanned on the next call; ``^``/``\\b`` see the real preceding character,
    so anchors behave as on the whole text.
    """

    __slots__ = ("regex", "lowered", "triggers", "long_starts", "margin", "lookahead", "lookbehind", "unbounded",
                 "carry", "end", "next")

    def __init__(self, regex: re.Pattern[str], info: PatternInfo, lowered: re.Pattern[str] | None = None,
                 triggers: str = "", long_starts: dict[str, int] | None = None) -> None:
        self.regex = regex
        self.lowered = lowered
        self.triggers = triggers
        # First characters of the few long patterns and their margins; ``info`` then
        # describes all other patterns, so the usual carry-over is much shorter.
        self.long_starts = long_starts
        self.margin = info.max_width + info.lookahead
        self.lookahead = info.lookahead
        self.lookbehind = max(1, info.lookbehind)
        self.unbounded = info.unbounded
        self.reset()

    def reset(self) -> None:
        self.carry = ""
        self.end = 0
        self.next = 0

    def feed(self, delta: str, completed: bool) -> list[tuple[int, int, str]]:
        if self.unbounded and len(delta) > _SLICE:
            out: list[tuple[int, int, str]] = []
            last = len(delta) - _SLICE
            for i in range(0, len(delta), _SLICE):
                out += self._feed(delta[i:i + _SLICE], completed and i >= last)
            return out
        return self._feed(delta, completed)

    def _feed(self, delta: str, completed: bool) -> list[tuple[int, int, str]]:
        text = self.carry + delta if self.carry else delta
        base = self.end - len(self.carry)
        total = self.end + len(delta)
        self.end = total
        start = self.next
        if start >= total and not (completed and start == total):
            self._keep(text, base)
            return []
        limit = total if completed else total - self.margin
        at = start - base
        if self.triggers:
            first = -1
            for c in self.triggers:
                k = text.find(c, at)
                if k >= 0 and (first < 0 or k < first):
                    first = k
            if first < 0:
                self.next = total if completed else max(start, limit + 1)
                self._keep(text, base)
                return []
            if not self.unbounded:
                # A match holds a trigger, so none starts more than a match width before the first one.
                at = max(at, first - self.margin)
        out: list[tuple[int, int, str]] = []
        resume = start
        deferred = total + 1
        unbounded = self.unbounded
        ahead = self.lookahead
        regex = self.regex
        subject = text
        if self.lowered is not None:
            low = text.lower()
            if len(low) == len(text) and (low.isascii() or not any(c in low for c in _FOLDS)):
                regex = self.lowered
                subject = low
        long_starts = self.long_starts
        hold = total + 1  # the earliest long-pattern start that could still grow into a match
        if long_starts is not None and not completed:
            for c, width in long_starts.items():
                k = text.find(c, max(start, total - width + 1) - base)
                if k >= 0 and k + base < hold:
                    hold = k + base
        for m in regex.finditer(subject, at):
            ms, me = m.span()
            s = ms + base
            e = me + base
            if not completed and (
                s > limit or s > hold or (unbounded and e + ahead > total and total - s < UNBOUNDED_WIDTH)
                or (long_starts is not None and s + long_starts.get(text[ms], 0) > total)
            ):
                # Not final yet; after a pending long start a match may still be swallowed by it.
                deferred = s
                break
            out.append((s, e, text[ms:me]))
            resume = e if e > s else e + 1
        if completed:
            self.next = max(resume, total)
        else:
            nxt = min(deferred, limit + 1, hold)
            self.next = max(resume, nxt)
        self._keep(text, base)
        return out

    def _keep(self, text: str, base: int) -> None:
        cut = self.next - self.lookbehind - base
        if cut <= 0:
            self.carry = text
        else:
            self.carry = text[cut:]
