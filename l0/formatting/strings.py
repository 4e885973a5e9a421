"""String helpers for prompts and outputs: escaping, sanitising, truncating, padding."""

from __future__ import annotations

import re
import textwrap
from typing import Literal

__all__ = [
    "Alignment", "trim", "escape", "unescape", "escape_html", "unescape_html", "escape_regex",
    "sanitize", "truncate", "truncate_words", "wrap", "pad", "remove_ansi",
]

Alignment = Literal["left", "right", "center"]

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"'}
_ESCAPE_RE = re.compile(r'[\\\n\r\t"]')
_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", '"': '"'}
# One left-to-right pass, so "\\\\n" is a backslash then "n" (sequential replaces get it wrong).
_UNESCAPE_RE = re.compile(r'\\([\\nrt"])')
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_HTML_RE = re.compile(r"[&<>\"']")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


def _str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def trim(s: str) -> str:
    """``s`` without leading and trailing whitespace."""
    return _str(s, "s").strip()


def escape(s: str) -> str:
    """Backslash-escape backslashes, newlines, carriage returns, tabs and double quotes."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], _str(s, "s"))


def unescape(s: str) -> str:
    """Reverse :func:`escape` (the five sequences ``\\\\ \\n \\r \\t \\"``)."""
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m.group(1)], _str(s, "s"))


def escape_html(s: str) -> str:
    """Escape ``& < > " '`` as HTML entities (``'`` becomes ``&#39;``)."""
    return _HTML_RE.sub(lambda m: _HTML[m.group()], _str(s, "s"))


def unescape_html(s: str) -> str:
    """Reverse :func:`escape_html` (also ``&#x27;``); ``&amp;`` is decoded last."""
    s = _str(s, "s")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&#x27;", "'")):
        s = s.replace(entity, char)
    return s.replace("&amp;", "&")


def escape_regex(s: str) -> str:
    """``re.escape(s)``."""
    return re.escape(_str(s, "s"))


def sanitize(s: str) -> str:
    """Drop control characters except tab, newline and carriage return."""
    return _CONTROL_RE.sub("", _str(s, "s"))


def _check_length(max_length: object) -> int:
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0:
        raise ValueError(f"max_length must be an int >= 0, got {max_length!r}")
    return max_length


def truncate(s: str, max_length: int, suffix: str = "...") -> str:
    """``s`` cut to at most ``max_length`` characters, ``suffix`` included."""
    s = _str(s, "s")
    max_length = _check_length(max_length)
    if len(s) <= max_length:
        return s
    keep = max_length - len(suffix)
    if keep <= 0:
        return suffix[:max_length]
    return s[:keep] + suffix


def truncate_words(s: str, max_length: int, suffix: str = "...") -> str:
    """Like :func:`truncate` but cut back to the last space, so no word is split."""
    s = _str(s, "s")
    max_length = _check_length(max_length)
    if len(s) <= max_length:
        return s
    keep = max_length - len(suffix)
    if keep <= 0:
        return suffix[:max_length]
    cut = s[:keep]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + suffix


def wrap(s: str, width: int) -> str:
    """``textwrap.fill(s, width)`` (long words and hyphenated words are broken)."""
    s = _str(s, "s")
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be an int >= 1, got {width!r}")
    return textwrap.fill(s, width=width)


def pad(s: str, length: int, char: str = " ", align: Alignment = "left") -> str:
    """Pad ``s`` to ``length`` with the first character of ``char``; center puts the odd one right."""
    s = _str(s, "s")
    if isinstance(length, bool) or not isinstance(length, int):
        raise TypeError(f"length must be an int, got {type(length).__name__}")
    if not isinstance(char, str):
        raise TypeError(f"char must be a str, got {type(char).__name__}")
    if align not in ("left", "right", "center"):
        raise ValueError(f"align must be 'left', 'right' or 'center', got {align!r}")
    missing = length - len(s)
    if missing <= 0:
        return s
    fill = char[0] if char else " "
    if align == "left":
        return s + fill * missing
    if align == "right":
        return fill * missing + s
    left = missing // 2
    return fill * left + s + fill * (missing - left)


def remove_ansi(s: str) -> str:
    """``s`` without ANSI CSI escape sequences (colours, cursor moves)."""
    return _ANSI_RE.sub("", _str(s, "s"))
