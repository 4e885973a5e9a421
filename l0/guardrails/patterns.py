"""Unwanted-pattern detection: ``BAD_PATTERNS``, ``pattern_rule``, ``custom_pattern_rule``.

Both rules scan incrementally (:class:`~l0.guardrails._regex.IncrementalScanner`):
each character is looked at once, carrying over only the tail a match can still
need, and every match is reported exactly once per session (by the check that
first sees it; the completion check reports the rest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ._regex import IncrementalScanner, PatternInfo, analyze_pattern, check_pattern_safe
from ._session import BuiltinSession, make_rule
from .types import GuardrailRule, GuardrailViolation, Severity, check_severity

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = ["BadPatterns", "BAD_PATTERNS", "CATEGORY_NAMES", "find_bad_patterns", "pattern_rule", "custom_pattern_rule"]

FLAGS = re.IGNORECASE | re.MULTILINE


def _meta() -> list[str]:
    return [
        r"\bas an ai\b", r"\bas an artificial intelligence\b", r"\bi'?m an ai\b", r"\bi am an ai\b",
        r"\bas a language model\b", r"\bas an llm\b", r"\bi'?m a language model\b",
        r"\bi am a language model\b", r"\bas an ai assistant\b", r"\bi'?m an ai assistant\b",
    ]


def _hedging() -> list[str]:
    return [
        r"^sure[,!]?\s", r"^certainly[,!]?\s", r"^of course[,!]?\s", r"^absolutely[,!]?\s",
        r"^definitely[,!]?\s", r"^great question[,!]?\s", r"^good question[,!]?\s",
        r"^that'?s a great question\b", r"^that'?s a good question\b", r"^i'?d be happy to\b",
        r"^i would be happy to\b",
    ]


def _refusal() -> list[str]:
    return [
        r"\bi cannot provide\b", r"\bi can'?t provide\b", r"\bi'?m not able to\b", r"\bi am not able to\b",
        r"\bi cannot assist\b", r"\bi can'?t assist\b", r"\bi'?m unable to\b", r"\bi am unable to\b",
        r"\bi cannot help with\b", r"\bi can'?t help with\b", r"\bi must decline\b", r"\bi have to decline\b",
    ]


def _instruction_leak() -> list[str]:
    return [
        r"\[SYSTEM\]", r"\[INST\]", r"\[/INST\]", r"<\|im_start\|>", r"<\|im_end\|>", r"<\|system\|>",
        r"<\|user\|>", r"<\|assistant\|>", r"<<SYS>>", r"<</SYS>>", r"\[AVAILABLE_TOOLS\]",
        r"\[/AVAILABLE_TOOLS\]",
    ]


# Bounded (the reference uses * and +): a placeholder is short, and a bound keeps
# the streaming carry-over and the worst-case scan per position small.
def _placeholders() -> list[str]:
    return [
        r"\[INSERT[^\]]{0,100}\]", r"\[YOUR[^\]]{0,100}\]", r"\[PLACEHOLDER[^\]]{0,100}\]",
        r"\[TODO[^\]]{0,100}\]", r"\[FILL[^\]]{0,100}\]", r"\{\{[^}]{1,100}\}\}", r"<PLACEHOLDER>",
        r"<INSERT>", r"<YOUR[^>]{0,100}>",
    ]


def _format_collapse() -> list[str]:
    return [
        r"^here is the\b", r"^here'?s the\b", r"^let me\b", r"^i will now\b", r"^i'?ll now\b",
        r"^below is\b", r"^the following is\b", r"^please find\b",
    ]


@dataclass
class BadPatterns:
    """Regex strings (case-insensitive, multi-line) of unwanted output, by category."""

    META_COMMENTARY: list[str] = field(default_factory=_meta)
    HEDGING: list[str] = field(default_factory=_hedging)
    REFUSAL: list[str] = field(default_factory=_refusal)
    INSTRUCTION_LEAK: list[str] = field(default_factory=_instruction_leak)
    PLACEHOLDERS: list[str] = field(default_factory=_placeholders)
    FORMAT_COLLAPSE: list[str] = field(default_factory=_format_collapse)

    def all_patterns(self) -> list[str]:
        """Every pattern, categories in declaration order."""
        return (
            self.META_COMMENTARY + self.HEDGING + self.REFUSAL + self.INSTRUCTION_LEAK
            + self.PLACEHOLDERS + self.FORMAT_COLLAPSE
        )


BAD_PATTERNS = BadPatterns()

CATEGORY_NAMES = ("META_COMMENTARY", "HEDGING", "REFUSAL", "INSTRUCTION_LEAK", "PLACEHOLDERS", "FORMAT_COLLAPSE")


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, FLAGS)


def find_bad_patterns(content: str, patterns: list[str]) -> list[tuple[str, re.Match[str]]]:
    """Every match of every pattern over the whole *content*, pattern by pattern."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    out: list[tuple[str, re.Match[str]]] = []
    for p in patterns:
        out.extend((p, m) for m in _compiled(p).finditer(content))
    return out


def _lower_literals(pattern: str) -> str:
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            out.append(pattern[i:i + 2])
            i += 2
        else:
            out.append(c.lower())
            i += 1
    return "".join(out)


_ANCHORED = re.compile(r"(\\b|\^)([a-z])(.*)\Z", re.DOTALL)


def _fast_form(pattern: str) -> str:
    """A case-sensitive equivalent of a built-in pattern for lower-cased text.

    A leading ``\\b``/``^`` becomes a look-behind after the first literal, so the
    alternation starts with literals and ``re`` can skip positions quickly.
    """
    p = _lower_literals(pattern)
    m = _ANCHORED.match(p)
    if m is None:
        return p
    anchor, first, rest = m.groups()
    guard = _WORD_GUARD if anchor == r"\b" else _LINE_GUARD
    return first + guard + rest


_UNSAFE_FOR_LOWERING = re.compile(r"\\[^\W_bBsSwWdD]|\\_|\(\?[aiLmsux-]")


_WORD_GUARD = r"(?<!\w.)"
_LINE_GUARD = r"(?<![^\n].)"


def _first_literal(pattern: str) -> str | None:
    """The leading literal of a lower-cased pattern (``"a"``, ``"\\["``) if it is a plain one."""
    if pattern[:1] == "\\" and len(pattern) > 1 and not pattern[1].isalnum():
        head = pattern[:2]
    elif pattern[:1] and pattern[0] not in "()[].^$*+?{|\\":
        head = pattern[0]
    else:
        return None
    if pattern[len(head):len(head) + 1] in ("*", "+", "?", "{"):
        return None
    return head


def _grouped(fast: list[str]) -> str:
    """One alternation grouped by first literal (same matches, far fewer branch attempts).

    Alternatives with different first characters never match at the same
    position, so grouping keeps "first listed pattern wins". A word-character
    group checks the word boundary once, before its alternatives.
    """
    heads = [_first_literal(p) for p in fast]
    if any(h is None for h in heads):
        return "|".join(f"(?:{p})" for p in fast)
    groups: dict[str, list[str]] = {}
    for p, h in zip(fast, heads):
        groups.setdefault(h, []).append(p[len(h):])  # type: ignore[arg-type]
    parts = []
    for h, rests in groups.items():
        if (h.isalnum() or h == "_") and all(r.startswith((_WORD_GUARD, _LINE_GUARD)) for r in rests):
            # Every alternative needs a word boundary before it (a line start implies one).
            rests = [r[len(_WORD_GUARD):] if r.startswith(_WORD_GUARD) else r for r in rests]
            parts.append(f"{h}{_WORD_GUARD}(?:{'|'.join(rests)})")
        else:
            parts.append(f"{h}(?:{'|'.join(rests)})")
    return "|".join(parts)


def _fast_ok(pattern: str) -> bool:
    """Escapes and inline flags whose meaning survives lower-casing only."""
    return pattern.isascii() and _UNSAFE_FOR_LOWERING.search(pattern) is None


def _merge(a: PatternInfo, b: PatternInfo) -> PatternInfo:
    return PatternInfo(
        max_width=max(a.max_width, b.max_width),
        unbounded=a.unbounded or b.unbounded,
        lookahead=max(a.lookahead, b.lookahead),
        lookbehind=max(a.lookbehind, b.lookbehind),
        hazard=a.hazard or b.hazard,
    )


def _list_arg(value: object, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of str or None, got {type(value).__name__}")
    return list(value)


@lru_cache(maxsize=64)
def _compile_alternation(chosen: tuple[str, ...], builtin: bool) -> tuple:
    for p in chosen:
        check_pattern_safe(p, "patterns")
    source = "|".join(f"(?:{p})" for p in chosen) if chosen else r"(?!x)x"
    regex = re.compile(source, FLAGS)
    info = analyze_pattern(source, FLAGS)
    lowered = None
    long_starts = None
    if builtin and chosen and all(_fast_ok(p) for p in chosen):
        fast = [_fast_form(p) for p in chosen]
        fast_source = _grouped(fast)
        lowered = re.compile(fast_source, re.MULTILINE)
        info = _merge(info, analyze_pattern(fast_source, re.MULTILINE))
        split = _split_margins(fast, info)
        if split is not None:
            info, long_starts = split
    return regex, info, lowered, "", long_starts


def _split_margins(fast: list[str], whole: PatternInfo) -> tuple[PatternInfo, dict[str, int]] | None:
    """A short margin for most patterns plus per-first-character margins for the long ones.

    Only when every pattern starts with a literal that is not a letter's case
    variant problem (non-word characters such as ``[``, ``{``, ``<`` are the
    long ones in the built-in set).
    """
    widths: dict[str, int] = {}
    for p in fast:
        head = _first_literal(p)
        if head is None:
            return None
        c = head[-1]
        pi = analyze_pattern(p, re.MULTILINE)
        if pi.unbounded:
            return None
        widths[c] = max(widths.get(c, 0), pi.max_width + max(pi.lookahead, whole.lookahead))
    word = [w for c, w in widths.items() if c.isalnum() or c == "_"]
    short = max(word, default=0)
    long_starts = {c: w for c, w in widths.items() if w > short and not (c.isalnum() or c == "_")}
    if not long_starts or any(w > short for c, w in widths.items() if c not in long_starts):
        return None
    info = PatternInfo(max_width=short - whole.lookahead, unbounded=False, lookahead=whole.lookahead,
                       lookbehind=whole.lookbehind, hazard=None)
    return info, long_starts


class _PatternSession(BuiltinSession):
    __slots__ = ("scanner",)

    def __init__(self, rule: GuardrailRule, scanner_args: tuple) -> None:
        self.scanner = IncrementalScanner(*scanner_args)
        super().__init__(rule)

    def reset_state(self) -> None:
        self.scanner.reset()

    def check(self, state: State) -> list[GuardrailViolation]:
        _, delta = self.advance(state)
        completed = state.completed
        if not (delta or completed):
            return []
        return [
            self.violation(f"Matched unwanted pattern: {text}", position=s, context={"matched": text})
            for s, _e, text in self.scanner.feed(delta, completed)
        ]


def pattern_rule(
    patterns: list[str] | None = None,
    *,
    include_categories: list[str] | None = None,
    exclude_categories: list[str] | None = None,
) -> GuardrailRule:
    """Warn on unwanted patterns (all ``BAD_PATTERNS`` categories by default).

    All patterns form one alternation: at a position the first listed pattern
    wins and matches do not overlap. User patterns that could backtrack
    catastrophically raise ``ValueError``.
    """
    chosen = _list_arg(patterns, "patterns")
    builtin = chosen is None
    include = _list_arg(include_categories, "include_categories")
    exclude = _list_arg(exclude_categories, "exclude_categories")
    if chosen is None:
        cats = list(CATEGORY_NAMES)
        if include:
            cats = [c for c in cats if c in include]
        if exclude:
            cats = [c for c in cats if c not in exclude]
        chosen = [p for c in cats for p in getattr(BAD_PATTERNS, c)]
    args = _compile_alternation(tuple(chosen), builtin)
    return make_rule(
        "pattern",
        lambda rule: _PatternSession(rule, args),
        description="Detects unwanted patterns in output",
        severity="warning",
    )


class _CustomSession(BuiltinSession):
    __slots__ = ("scanners", "message")

    def __init__(self, rule: GuardrailRule, compiled: list, message: str) -> None:
        self.scanners = [(p, IncrementalScanner(rx, info)) for p, rx, info in compiled]
        self.message = message
        super().__init__(rule)

    def reset_state(self) -> None:
        for _p, sc in self.scanners:
            sc.reset()

    def check(self, state: State) -> list[GuardrailViolation]:
        _, delta = self.advance(state)
        completed = state.completed
        if not (delta or completed):
            return []
        new = []
        for p, sc in self.scanners:
            for s, _e, text in sc.feed(delta, completed):
                new.append(self.violation(f"{self.message}: {text}", position=s,
                                          context={"pattern": p, "matched": text}))
        return new


def custom_pattern_rule(
    patterns: list[str], message: str = "Custom pattern violation", severity: Severity = "error"
) -> GuardrailRule:
    """Report every match of each pattern (checked separately) with *severity*.

    Patterns are validated up front: a pattern that does not compile or that could
    backtrack catastrophically (nested or overlapping unbounded repetition, a
    backreference inside one) raises ``ValueError`` naming the construct.
    """
    plist = _list_arg(patterns, "patterns")
    if plist is None:
        raise TypeError("patterns must be a list of str, got None")
    if not isinstance(message, str):
        raise TypeError(f"message must be str, got {type(message).__name__}")
    check_severity(severity)
    compiled = []
    for p in plist:
        info = check_pattern_safe(p, "patterns")
        compiled.append((p, re.compile(p, FLAGS), info))
    return make_rule(
        "custom_pattern",
        lambda rule: _CustomSession(rule, compiled, message),
        description=f"Custom pattern rule: {message}",
        severity=severity,
    )
