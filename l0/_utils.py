"""JSON helpers: auto-correction, extraction, validity checks (the ``JSON`` namespace).

``auto_correct_json`` is built on the JSON state machine (see :mod:`l0._repair`):
closing follows the container stack, an open string is closed, dangling keys
and commas are dropped, and comment/quote fixes never touch string contents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from l0._jsonparse import loads, parses
from l0._repair import repair

__all__ = [
    "CorrectionType",
    "AutoCorrectResult",
    "auto_correct_json",
    "extract_json_from_markdown",
    "extract_json",
    "is_valid_json",
    "safe_json_parse",
    "JSON",
]

CorrectionType = Literal[
    "close_brace",
    "close_bracket",
    "remove_trailing_comma",
    "strip_markdown_fence",
    "strip_json_prefix",
    "remove_prefix_text",
    "remove_suffix_text",
    "fix_quotes",
    "remove_comments",
    "escape_control_chars",
    "fill_missing_fields",
    "remove_unknown_fields",
    "coerce_types",
    "extract_json",
    # additions: fixes the reference could not make
    "close_string",
    "complete_value",
    "remove_dangling",
    "fix_escapes",
    "fix_literals",
    "add_missing_comma",
]


@dataclass
class AutoCorrectResult:
    """Result of :func:`auto_correct_json`."""

    text: str
    corrected: bool
    corrections: list[str] = field(default_factory=list)
    success: bool = True
    error: Exception | None = None


def _check_text(text: Any, name: str = "text") -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be str, got {type(text).__name__}")
    return text


def auto_correct_json(text: str, track_corrections: bool = False) -> AutoCorrectResult:
    """Repair malformed JSON text; ``corrections`` lists each fix (when tracked).

    Valid JSON comes back unchanged (surrounding whitespace stripped,
    ``corrected=False``). ``success`` says whether the result parses;
    on failure ``error`` holds the ``json.JSONDecodeError``.
    """
    _check_text(text)
    r = repair(text)
    corrected = r.success and r.text != text.strip()
    return AutoCorrectResult(
        text=r.text,
        corrected=corrected,
        corrections=list(r.corrections) if track_corrections else [],
        success=r.success,
        error=r.error,
    )


_MD_JSON = re.compile(r"```[ \t]*json\b(.*?)```", re.DOTALL | re.IGNORECASE)
_MD_ANY = re.compile(r"```[^\n`]*\n(.*?)```|```(.*?)```", re.DOTALL)


def extract_json_from_markdown(text: str) -> str:
    """The body of the first fenced code block (a ``json`` block preferred), stripped.

    The fence's language tag is not part of the body. Without a fence the
    stripped text is returned.
    """
    _check_text(text)
    m = _MD_JSON.search(text)
    if m is not None:
        return m.group(1).strip()
    m = _MD_ANY.search(text)
    if m is not None:
        body = m.group(1) if m.group(1) is not None else m.group(2)
        return body.strip()
    return text.strip()


_SCAN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\]]', re.DOTALL)


def _find_first_json_delimiter(text: str) -> tuple[int, str, str] | None:
    for m in _SCAN.finditer(text):
        c = m.group()
        if c == "{":
            return m.start(), "{", "}"
        if c == "[":
            return m.start(), "[", "]"
    return None


def extract_json(text: str) -> str:
    """The first balanced ``{…}``/``[…]`` span of ``text`` (string-aware).

    Falls back to the widest ``{…}`` then ``[…]`` span; returns ``text``
    unchanged when it holds neither.
    """
    _check_text(text)
    found = _find_first_json_delimiter(text)
    if found is not None:
        start, opener, closer = found
        depth = 0
        for m in _SCAN.finditer(text, start):
            c = m.group()
            if c == opener:
                depth += 1
            elif c == closer:
                depth -= 1
                if depth == 0:
                    return text[start : m.end()]
    for opener, closer in (("{", "}"), ("[", "]")):
        i = text.find(opener)
        j = text.rfind(closer)
        if i != -1 and j > i:
            return text[i : j + 1]
    return text


def is_valid_json(text: str) -> bool:
    """True if ``text`` parses as JSON (``json.loads`` semantics) nested at most ``MAX_JSON_DEPTH`` deep."""
    try:
        parses(text)
    except (ValueError, TypeError):
        return False
    return True


def safe_json_parse(text: str, auto_correct: bool = True) -> dict[str, Any]:
    """Parse ``text``, repairing it if needed: ``{"data", "corrected", "corrections"}``.

    Raises ``ValueError`` when the text cannot be parsed (or is invalid and
    ``auto_correct`` is False).
    """
    _check_text(text)
    try:
        return {"data": loads(text), "corrected": False, "corrections": []}
    except ValueError:
        if not auto_correct:
            raise ValueError(f"Invalid JSON: {text[:100]}...") from None
    r = auto_correct_json(text, track_corrections=True)
    if r.success:
        return {"data": loads(r.text), "corrected": r.corrected, "corrections": r.corrections}
    extracted = extract_json(text)
    if extracted != text:
        r2 = auto_correct_json(extracted, track_corrections=True)
        if r2.success:
            return {
                "data": loads(r2.text),
                "corrected": True,
                "corrections": ["extract_json", *r2.corrections],
            }
    raise ValueError(f"Failed to parse JSON: {r.error}" if r.error else "Invalid JSON")


class JSON:
    """Namespace of the JSON helpers."""

    CorrectionType = CorrectionType
    AutoCorrectResult = AutoCorrectResult

    @staticmethod
    def extract(text: str) -> str:
        """See :func:`extract_json`."""
        return extract_json(text)

    @staticmethod
    def is_valid(text: str) -> bool:
        """See :func:`is_valid_json`."""
        return is_valid_json(text)

    @staticmethod
    def parse(text: str, auto_correct: bool = True) -> dict[str, Any]:
        """See :func:`safe_json_parse`."""
        return safe_json_parse(text, auto_correct)

    @staticmethod
    def auto_correct(text: str, track_corrections: bool = False) -> AutoCorrectResult:
        """See :func:`auto_correct_json`."""
        return auto_correct_json(text, track_corrections)

    @staticmethod
    def extract_from_markdown(text: str) -> str:
        """See :func:`extract_json_from_markdown`."""
        return extract_json_from_markdown(text)
