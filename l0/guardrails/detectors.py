"""Standalone ``detect_*`` helpers (whole-content checks; not used by the presets)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .patterns import BAD_PATTERNS, find_bad_patterns
from .types import GuardrailViolation

__all__ = [
    "detect_meta_commentary",
    "detect_excessive_hedging",
    "detect_refusal",
    "detect_instruction_leakage",
    "detect_placeholders",
    "detect_format_collapse",
    "detect_repetition",
    "detect_first_last_duplicate",
]

_SENTENCE_END = re.compile(r"[.!?]+")


def _content(context: Any) -> str:
    content = getattr(context, "content", None)
    if not isinstance(content, str):
        raise TypeError(f"context must be a GuardrailContext or State, got {type(context).__name__}")
    return content


def _all_matches(context: Any, patterns: list[str], rule: str, label: str, severity: str,
                 recoverable: bool, suggestion: str) -> list[GuardrailViolation]:
    return [
        GuardrailViolation(rule=rule, message=f'{label}: "{m.group()}"', severity=severity,  # type: ignore[arg-type]
                           recoverable=recoverable, position=m.start(), suggestion=suggestion)
        for _p, m in find_bad_patterns(_content(context), patterns)
    ]


def _first_match(text: str, patterns: list[str]) -> re.Match[str] | None:
    for _p, m in find_bad_patterns(text, patterns):
        return m
    return None


def detect_meta_commentary(context: Any) -> list[GuardrailViolation]:
    """Every "as an AI"-style phrase in the content."""
    return _all_matches(context, BAD_PATTERNS.META_COMMENTARY, "pattern-meta-commentary",
                        "Meta commentary detected", "error", True, "Retry generation without meta commentary")


def detect_excessive_hedging(context: Any) -> list[GuardrailViolation]:
    """A hedging opener ("Sure, ...") on the first line of the stripped content."""
    first_line = _content(context).strip().split("\n")[0]
    m = _first_match(first_line, BAD_PATTERNS.HEDGING)
    if m is None:
        return []
    return [GuardrailViolation(rule="pattern-hedging", message=f'Excessive hedging at start: "{m.group()}"',
                               severity="warning", position=m.start(),
                               suggestion="Content should start directly without hedging")]


def detect_refusal(context: Any) -> list[GuardrailViolation]:
    """Every refusal phrase (non-recoverable)."""
    return _all_matches(context, BAD_PATTERNS.REFUSAL, "pattern-refusal", "Refusal pattern detected", "error",
                        False, "Model refused to complete the task")


def detect_instruction_leakage(context: Any) -> list[GuardrailViolation]:
    """Every chat-template / system token in the content."""
    return _all_matches(context, BAD_PATTERNS.INSTRUCTION_LEAK, "pattern-instruction-leak",
                        "Instruction leakage detected", "error", True, "Retry generation without system tokens")


def detect_placeholders(context: Any) -> list[GuardrailViolation]:
    """Every template placeholder, once the output is complete."""
    if not context.completed:
        return []
    return _all_matches(context, BAD_PATTERNS.PLACEHOLDERS, "pattern-placeholders", "Placeholder detected",
                        "error", True, "Output contains incomplete placeholders")


def detect_format_collapse(context: Any) -> list[GuardrailViolation]:
    """A meta-instruction opener ("Here is the ...") in the first three lines."""
    head = "\n".join(_content(context).split("\n", 3)[:3])
    m = _first_match(head, BAD_PATTERNS.FORMAT_COLLAPSE)
    if m is None:
        return []
    return [GuardrailViolation(rule="pattern-format-collapse", message=f'Format collapse detected: "{m.group()}"',
                               severity="warning", position=m.start(),
                               suggestion="Output should not mix meta-instructions with content")]


def _sentences(content: str, min_len: int) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(content) if len(s.strip()) > min_len]


def detect_repetition(context: Any, threshold: int = 2) -> list[GuardrailViolation]:
    """Sentences (case-insensitive) repeated more than *threshold* times, once complete."""
    if not context.completed:
        return []
    counts = Counter(s.lower() for s in _sentences(_content(context), 20))
    return [
        GuardrailViolation(rule="pattern-repetition", message=f'Sentence repeated {n} times: "{s[:50]}..."',
                           severity="error", context={"sentence": s, "count": n},
                           suggestion="Content contains repeated sentences")
        for s, n in counts.items() if n > threshold
    ]


def detect_first_last_duplicate(context: Any) -> list[GuardrailViolation]:
    """The first and the last sentence are the same (a loop), once complete."""
    if not context.completed:
        return []
    content = _content(context)
    if len(content) < 100:
        return []
    sentences = _sentences(content, 10)
    if len(sentences) < 2 or sentences[0].lower() != sentences[-1].lower():
        return []
    return [GuardrailViolation(rule="pattern-first-last-duplicate", message="First and last sentences are identical",
                               severity="error", suggestion="Retry generation - possible loop detected")]
