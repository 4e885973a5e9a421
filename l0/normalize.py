"""Text normalisation helpers (the ``Text`` namespace, ``l0.Text``).

Every function returns its input unchanged when it is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "WhitespaceOptions", "NormalizeOptions", "normalize_newlines", "normalize_whitespace",
    "normalize_indentation", "dedent", "indent", "trim_text", "normalize_text", "ensure_trailing_newline",
    "remove_trailing_whitespace", "normalize_for_model", "is_whitespace_only", "count_lines", "get_line",
    "replace_line", "Text",
]

IndentationMode = Literal["spaces", "tabs"]


@dataclass
class WhitespaceOptions:
    """Options of :func:`normalize_whitespace`."""

    collapse_spaces: bool = False
    trim_lines: bool = False
    remove_empty_lines: bool = False


@dataclass
class NormalizeOptions:
    """Options of :func:`normalize_text` (``dedent`` is the ``dedent_text`` argument)."""

    newlines: bool = True
    whitespace: bool = False
    indentation: Literal["spaces", "tabs", False] = False
    spaces_per_tab: int = 2
    dedent: bool = False
    trim: bool = False


_SPACES = re.compile(r" {2,}")
_LEADING = re.compile(r"^[ \t]*")


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return text


def _check_tab(spaces_per_tab: object) -> int:
    if isinstance(spaces_per_tab, bool) or not isinstance(spaces_per_tab, int) or spaces_per_tab < 1:
        raise ValueError(f"spaces_per_tab must be an int >= 1, got {spaces_per_tab!r}")
    return spaces_per_tab


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return _check_text(text).replace("\r\n", "\n").replace("\r", "\n")


def normalize_whitespace(
    text: str, *, collapse_spaces: bool = False, trim_lines: bool = False, remove_empty_lines: bool = False
) -> str:
    """Normalise newlines, then optionally collapse runs of spaces, strip each line,
    and drop lines that are empty or whitespace only."""
    text = normalize_newlines(text)
    if not text:
        return text
    if collapse_spaces:
        text = _SPACES.sub(" ", text)
    if trim_lines or remove_empty_lines:
        lines = text.split("\n")
        if trim_lines:
            lines = [line.strip() for line in lines]
        if remove_empty_lines:
            lines = [line for line in lines if line.strip()]
        text = "\n".join(lines)
    return text


def normalize_indentation(text: str, mode: IndentationMode = "spaces", spaces_per_tab: int = 2) -> str:
    """``"spaces"``: every tab becomes ``spaces_per_tab`` spaces; ``"tabs"``: leading
    spaces become tabs (a remainder of spaces is kept)."""
    text = _check_text(text)
    n = _check_tab(spaces_per_tab)
    if mode not in ("spaces", "tabs"):
        raise ValueError(f"mode must be 'spaces' or 'tabs', got {mode!r}")
    if not text:
        return text
    text = normalize_newlines(text)
    if mode == "spaces":
        return text.replace("\t", " " * n)

    def to_tabs(match: re.Match[str]) -> str:
        spaces = len(match.group())
        return "\t" * (spaces // n) + " " * (spaces % n)

    return re.sub(r"(?m)^ +", to_tabs, text)


def _indent_width(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def dedent(text: str) -> str:
    """Remove the smallest indentation (spaces and tabs count one each) of the
    non-blank lines from each of them (newlines normalised); unchanged when that is 0."""
    text = _check_text(text)
    lines = normalize_newlines(text).split("\n")
    widths = [_indent_width(line) for line in lines if line.strip()]
    cut = min(widths, default=0)
    if cut == 0:
        return text
    return "\n".join(line[cut:] if line.strip() else line for line in lines)


def indent(text: str, prefix: str | int = 2) -> str:
    """Prefix every non-blank line with ``prefix`` (an int means that many spaces)."""
    text = _check_text(text)
    if isinstance(prefix, bool) or not isinstance(prefix, (str, int)):
        raise TypeError(f"prefix must be a str or an int, got {type(prefix).__name__}")
    pad = " " * prefix if isinstance(prefix, int) else prefix
    if not text:
        return text
    return "\n".join(pad + line if line.strip() else line for line in normalize_newlines(text).split("\n"))


def trim_text(text: str) -> str:
    """Drop leading and trailing blank lines, then strip (line breaks become LF)."""
    text = _check_text(text)
    if not text:
        return text
    return "\n".join(text.splitlines()).strip()


def normalize_text(
    text: str,
    *,
    newlines: bool = True,
    whitespace: bool = False,
    indentation: Literal["spaces", "tabs", False] = False,
    spaces_per_tab: int = 2,
    dedent_text: bool = False,
    trim: bool = False,
) -> str:
    """Apply, in order: newlines, whitespace (collapse spaces), indentation, dedent, trim."""
    text = _check_text(text)
    if not text:
        return text
    if newlines:
        text = normalize_newlines(text)
    if whitespace:
        text = normalize_whitespace(text, collapse_spaces=True)
    if indentation:
        text = normalize_indentation(text, indentation, spaces_per_tab)
    if dedent_text:
        text = dedent(text)
    if trim:
        text = trim_text(text)
    return text


def ensure_trailing_newline(text: str) -> str:
    """Newlines normalised and exactly one at the end."""
    text = _check_text(text)
    if not text:
        return text
    return normalize_newlines(text).rstrip("\n") + "\n"


def remove_trailing_whitespace(text: str) -> str:
    """Normalise newlines and strip trailing spaces and tabs from each line."""
    text = normalize_newlines(text)
    if not text:
        return text
    return "\n".join(line.rstrip() for line in text.split("\n"))


def normalize_for_model(text: str) -> str:
    """Newlines normalised, runs of spaces collapsed, then trimmed."""
    text = _check_text(text)
    if not text:
        return text
    return trim_text(normalize_whitespace(text, collapse_spaces=True))


def is_whitespace_only(text: str) -> bool:
    """True if ``text`` is empty or only whitespace."""
    return not _check_text(text).strip()


def count_lines(text: str) -> int:
    """Number of lines (0 for ``""``); CR, LF and CRLF all end a line."""
    text = _check_text(text)
    return normalize_newlines(text).count("\n") + 1 if text else 0


def get_line(text: str, line_index: int) -> str | None:
    """Line ``line_index`` (0-based), or None when out of range."""
    lines = normalize_newlines(text).split("\n")
    if not isinstance(line_index, int) or not 0 <= line_index < len(lines) or not text:
        return None
    return lines[line_index]


def replace_line(text: str, line_index: int, new_line: str) -> str:
    """``text`` with line ``line_index`` replaced (unchanged when out of range)."""
    lines = normalize_newlines(text).split("\n")
    if not text or not isinstance(line_index, int) or not 0 <= line_index < len(lines):
        return text
    lines[line_index] = new_line
    return "\n".join(lines)


class Text:
    """Text normalisation helpers (static methods)."""

    NormalizeOptions = NormalizeOptions
    WhitespaceOptions = WhitespaceOptions
    normalize_newlines = staticmethod(normalize_newlines)
    normalize_whitespace = staticmethod(normalize_whitespace)
    normalize_indentation = staticmethod(normalize_indentation)
    dedent = staticmethod(dedent)
    indent = staticmethod(indent)
    trim = staticmethod(trim_text)
    normalize = staticmethod(normalize_text)
    for_model = staticmethod(normalize_for_model)
    ensure_trailing_newline = staticmethod(ensure_trailing_newline)
    remove_trailing_whitespace = staticmethod(remove_trailing_whitespace)
    is_whitespace_only = staticmethod(is_whitespace_only)
    count_lines = staticmethod(count_lines)
    get_line = staticmethod(get_line)
    replace_line = staticmethod(replace_line)
