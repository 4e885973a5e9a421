"""LaTeX structure: ``analyze_latex_structure``, ``looks_like_latex``, ``latex_rule``.

The rule tracks environments and math delimiters incrementally (each character
scanned once, see :class:`~l0.guardrails._regex.IncrementalScanner`); the
reference re-ran 13 searches and the full analysis over all content per check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._regex import IncrementalScanner, analyze_pattern
from ._session import BuiltinSession, buffer_of, make_rule
from .patterns import _merge
from .types import GuardrailRule, GuardrailViolation

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = ["LatexAnalysis", "analyze_latex_structure", "looks_like_latex", "latex_rule"]

# Environment names are bounded, as in the streaming rule: ``[^}]+`` ran to the end of the text
# from every ``\begin{`` without a ``}`` (quadratic on ``"\\begin{" * n``).
_BEGIN = re.compile(r"\\begin\{([^}]{1,100})\}")
_END = re.compile(r"\\end\{([^}]{1,100})\}")
_DISPLAY = re.compile(r"(?<!\$)\$\$(?!\$)")
_INLINE = re.compile(r"(?<![\\$])\$(?!\$)")
_SIGN_SOURCES = (
    r"\\begin\{", r"\\end\{", r"\$\$", r"\\\[", r"\\\]", r"\\frac\{", r"\\sum", r"\\int", r"\\alpha",
    r"\\beta", r"\\gamma", r"\\documentclass", r"\\usepackage",
)
_SIGNS = [re.compile(p) for p in _SIGN_SOURCES]

# Streaming forms: environment names are bounded so the carry-over stays small.
_BEGIN_S = r"\\begin\{([^}]{1,100})\}"
_END_S = r"\\end\{([^}]{1,100})\}"
_MATH_S = r"(?P<d>(?<!\$)\$\$(?!\$))|(?P<i>(?<![\\$])\$(?!\$))|(?P<o>\\\[)|(?P<c>\\\])"
_SIGN_S = "|".join(_SIGN_SOURCES)


@dataclass
class LatexAnalysis:
    is_balanced: bool
    open_environments: list[str]
    display_math_balanced: bool
    inline_math_balanced: bool
    bracket_math_balanced: bool
    issues: list[str] = field(default_factory=list)


class _Envs:
    """Environment stack replayed over ``\\begin``/``\\end`` events in text order."""

    __slots__ = ("stack", "issues")

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.issues: list[tuple[str, int]] = []

    def begin(self, name: str) -> None:
        self.stack.append(name)

    def end(self, name: str, pos: int) -> None:
        stack = self.stack
        if not stack:
            self.issues.append((f"Unexpected \\end{{{name}}} without matching \\begin", pos))
            return
        top = stack.pop()
        if top != name:
            self.issues.append((f"Mismatched environment: expected \\end{{{top}}}, got \\end{{{name}}}", pos))


def _math_issues(display: int, opened: int, closed: int, inline: int) -> list[str]:
    out = []
    if display % 2:
        out.append("Unbalanced display math ($$)")
    if opened != closed:
        out.append(f"Unbalanced bracket math: {opened} \\[ vs {closed} \\]")
    if inline % 2:
        out.append("Unbalanced inline math ($)")
    return out


def analyze_latex_structure(content: str) -> LatexAnalysis:
    """Environment nesting and the balance of ``$$``, ``\\[ \\]`` and ``$`` math."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    events = [(m.start(), 0, m.group(1)) for m in _BEGIN.finditer(content)]
    events += [(m.start(), 1, m.group(1)) for m in _END.finditer(content)]
    events.sort(key=lambda e: (e[0], e[1]))
    envs = _Envs()
    for pos, kind, name in events:
        if kind == 0:
            envs.begin(name)
        else:
            envs.end(name, pos)
    issues = [msg for msg, _ in envs.issues]
    if envs.stack:
        issues.append(f"Unclosed environments: {', '.join(envs.stack)}")
    display = len(_DISPLAY.findall(content))
    opened = content.count("\\[")
    closed = content.count("\\]")
    inline = len(_INLINE.findall(content))
    issues += _math_issues(display, opened, closed, inline)
    return LatexAnalysis(
        is_balanced=not envs.stack and display % 2 == 0 and opened == closed and inline % 2 == 0,
        open_environments=list(envs.stack),
        display_math_balanced=display % 2 == 0,
        inline_math_balanced=inline % 2 == 0,
        bracket_math_balanced=opened == closed,
        issues=issues,
    )


def looks_like_latex(content: str) -> bool:
    """True if *content* has any LaTeX command, environment or math delimiter."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    return any(rx.search(content) for rx in _SIGNS)


def _scanner_args() -> tuple:
    begin_rx = re.compile(_BEGIN_S)
    end_rx = re.compile(_END_S)
    env_info = _merge(analyze_pattern(_BEGIN_S), analyze_pattern(_END_S))
    return (
        (begin_rx, env_info, None, "\\"),
        (end_rx, env_info, None, "\\"),
        (re.compile(_MATH_S), analyze_pattern(_MATH_S), None, "$\\"),
        (re.compile(_SIGN_S), analyze_pattern(_SIGN_S), None, "$\\"),
    )


_ARGS = _scanner_args()


class _LatexSession(BuiltinSession):
    """Environment and math state; text without ``\\`` or ``$`` is not even handed to the scanners.

    While the scanners' carry-overs hold no such character, new text without one
    cannot change anything: the scanners lag behind and catch up (reading the
    skipped text once from the buffer) when a ``\\``/``$`` arrives or at completion.
    """

    __slots__ = ("begin", "end", "math", "signs", "is_latex", "envs", "counts", "reported", "quiet", "lagging")

    def reset_state(self) -> None:
        b, e, m, s = _ARGS
        self.begin = IncrementalScanner(*b)
        self.end = IncrementalScanner(*e)
        self.math = IncrementalScanner(*m)
        self.signs = IncrementalScanner(*s)
        self.is_latex = False
        self.envs = _Envs()
        self.counts = [0, 0, 0, 0]  # display, inline, \[, \]
        self.reported: list[GuardrailViolation] = []
        self.quiet = True
        self.lagging = False

    def check(self, state: State) -> list[GuardrailViolation]:
        _, delta = self.advance(state)
        completed = state.completed
        if delta and not completed and self.quiet and "\\" not in delta and "$" not in delta:
            self.lagging = True
            delta = ""
        elif self.lagging:
            delta = buffer_of(state).since(self.begin.end)
            self.lagging = False
        if delta or completed:
            if not self.is_latex and self.signs.feed(delta, completed):
                self.is_latex = True
            events = [(s, 0, t) for s, _e, t in self.begin.feed(delta, completed)]
            events += [(s, 1, t) for s, _e, t in self.end.feed(delta, completed)]
            if events:
                events.sort(key=lambda ev: (ev[0], ev[1]))
                envs = self.envs
                for pos, kind, text in events:
                    name = text[text.index("{") + 1:-1]
                    if kind == 0:
                        envs.begin(name)
                    else:
                        envs.end(name, pos)
            counts = self.counts
            for s, _e, text in self.math.feed(delta, completed):
                if text == "$$":
                    counts[0] += 1
                elif text == "$":
                    counts[1] += 1
                elif text == "\\[":
                    counts[2] += 1
                else:
                    counts[3] += 1
            self.quiet = not any("\\" in sc.carry or "$" in sc.carry
                                 for sc in (self.begin, self.end, self.math, self.signs))
        if not self.is_latex:
            return []
        issues = self.envs.issues
        new = [self.violation(msg, position=pos) for msg, pos in issues[len(self.reported):]]
        self.reported.extend(new)
        if not completed:
            return new
        out = new
        if self.envs.stack:
            out.append(self.violation(f"Unclosed environments: {', '.join(self.envs.stack)}"))
        d, i, o, c = self.counts
        out.extend(self.violation(msg) for msg in _math_issues(d, o, c, i))
        return out


def latex_rule() -> GuardrailRule:
    """Environment mismatches while streaming; all environment and math issues at completion."""
    return make_rule("latex", _LatexSession, description="Validates LaTeX environments and math")
