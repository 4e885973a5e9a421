"""Markdown structure: ``analyze_markdown_structure``, ``looks_like_markdown``, ``markdown_rule``.

The rule reports only at completion (like the reference); its streaming checks
do nothing, and the completion check analyses the text once (O(n)).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._session import BuiltinSession, buffer_of, make_rule
from .types import GuardrailRule, GuardrailViolation

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = ["MarkdownAnalysis", "analyze_markdown_structure", "looks_like_markdown", "markdown_rule"]

_FENCE = re.compile(r"(`{3,}|~{3,})(\w*)")
_SEPARATOR = re.compile(r"\|[\s:-]+\|")
# Linear forms of the reference's signs: ``^\s*`` could run across blank lines from every line
# start (quadratic on "\n" * n); a match spanning lines also matches from its last line start.
_MARKDOWN_SIGNS = [
    re.compile(p, re.MULTILINE)
    for p in (
        r"^#{1,6}\s", r"```", r"^[^\S\n]*[-*+]\s", r"^[^\S\n]*\d+\.\s", r"^\|.*\|", r"\*\*.*\*\*",
        r"__.*__", r"\*[^*]+\*", r"_[^_]+_",
    )
]


def _has_link(content: str) -> bool:
    r"""``re.search(r"\[.*\]\(.*\)", content)`` in one pass per line (the regex retries from every
    ``[`` and backtracks over the rest of the line: quadratic on ``"[a](" * n``)."""
    if "](" not in content:
        return False
    for line in content.split("\n"):
        a = line.find("[")
        if a < 0:
            continue
        j = line.find("](", a + 1)
        if j >= 0 and line.find(")", j + 2) >= 0:
            return True
    return False


@dataclass
class MarkdownAnalysis:
    is_balanced: bool
    in_fence: bool
    open_fences: int
    close_fences: int
    fence_languages: list[str]
    table_rows: int
    inconsistent_columns: bool
    issues: list[str] = field(default_factory=list)


class _LineScanner:
    """Line-by-line fence and table state (the incremental core of the analysis)."""

    __slots__ = ("in_fence", "open_fences", "close_fences", "languages", "table_cols", "table_rows",
                 "inconsistent", "issues", "line_no")

    def __init__(self) -> None:
        self.in_fence = False
        self.open_fences = 0
        self.close_fences = 0
        self.languages: list[str] = []
        self.table_cols: int | None = None
        self.table_rows = 0
        self.inconsistent = False
        self.issues: list[str] = []
        self.line_no = 0

    def line(self, line: str) -> None:
        self.line_no += 1
        stripped = line.strip()
        m = _FENCE.match(stripped)
        if m is not None:
            if not self.in_fence:
                self.in_fence = True
                self.open_fences += 1
                if m.group(2):
                    self.languages.append(m.group(2))
                return
            self.in_fence = False
            self.close_fences += 1
        elif self.in_fence:
            return
        if "|" in line and stripped.startswith("|"):
            cols = line.count("|") - 1
            if self.table_cols is None:
                self.table_cols = cols
            else:
                self.table_rows += 1
                if cols != self.table_cols and _SEPARATOR.match(stripped) is None:
                    self.inconsistent = True
                    self.issues.append(f"Inconsistent table columns at line {self.line_no}")
        else:
            self.table_cols = None

    def finish(self) -> MarkdownAnalysis:
        issues = list(self.issues)
        if self.in_fence:
            issues.append("Unclosed code fence")
        return MarkdownAnalysis(
            is_balanced=self.open_fences == self.close_fences,
            in_fence=self.in_fence,
            open_fences=self.open_fences,
            close_fences=self.close_fences,
            fence_languages=list(self.languages),
            table_rows=self.table_rows,
            inconsistent_columns=self.inconsistent,
            issues=issues,
        )


def analyze_markdown_structure(content: str) -> MarkdownAnalysis:
    """Code fences (balance, languages) and table column consistency, line by line."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    sc = _LineScanner()
    for line in content.split("\n"):
        sc.line(line)
    return sc.finish()


def looks_like_markdown(content: str) -> bool:
    """True if *content* has any common Markdown construct."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    return any(rx.search(content) for rx in _MARKDOWN_SIGNS) or _has_link(content)


class _MarkdownSession(BuiltinSession):
    """Reports only at completion (like the reference): streaming checks cost O(1)."""

    __slots__ = ()
    streaming_idle = True

    def check(self, state: State) -> list[GuardrailViolation]:
        if not state.completed:
            return []
        content = buffer_of(state).content
        if not content.strip():
            return []
        if "`" not in content and "~" not in content and "|" not in content:
            return []  # no fence and no table: nothing to report (skips the line-by-line analysis)
        out = []
        for issue in analyze_markdown_structure(content).issues:
            if "Unclosed" in issue:
                out.append(self.violation(issue))
            else:
                out.append(GuardrailViolation(rule=self.rule.name, message=issue, severity="warning",
                                              recoverable=self.rule.recoverable))
        return out


def markdown_rule() -> GuardrailRule:
    """At completion: unclosed code fences (error) and inconsistent tables (warning)."""
    return make_rule("markdown", _MarkdownSession, description="Validates Markdown structure")
