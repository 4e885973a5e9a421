"""JSON structure: analysis helpers, ``json_rule`` and ``strict_json_rule``.

``json_rule`` feeds only the new text of each check to the ``JsonStreamState``
kernel, so a check costs O(delta) and the first impossible character is reported
while streaming, with its offset.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from l0._backend import JsonStreamState
from l0._jsonparse import parses
from l0._limits import MAX_JSON_DEPTH

from ._session import BuiltinSession, buffer_of, make_rule
from .types import GuardrailRule, GuardrailViolation

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = [
    "IncrementalJsonState",
    "update_json_state_incremental",
    "JsonAnalysis",
    "analyze_json_structure",
    "looks_like_json",
    "json_rule",
    "strict_json_rule",
]


@dataclass
class IncrementalJsonState:
    """Bracket counters outside strings, carried across deltas."""

    open_braces: int = 0
    close_braces: int = 0
    open_brackets: int = 0
    close_brackets: int = 0
    in_string: bool = False
    escape_next: bool = False
    processed_length: int = 0


# Outside a string: a string start, or a run of characters without quotes/brackets.
_OUTSIDE = re.compile(r'"|[{}\[\]]|[^"{}\[\]]+')
# Inside a string: the rest of it (up to and including the closing quote, if any).
_INSIDE = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)


def update_json_state_incremental(state: IncrementalJsonState, delta: str) -> IncrementalJsonState:
    """Count brackets of *delta* outside strings, continuing from *state* (mutated, returned)."""
    if not isinstance(delta, str):
        raise TypeError(f"delta must be str, got {type(delta).__name__}")
    i = 0
    n = len(delta)
    if state.escape_next and n:
        state.escape_next = False
        i = 1
    while i < n:
        if state.in_string:
            m = _INSIDE.match(delta, i)
            i = m.end()
            if i >= n:
                break
            if delta[i] == "\\":  # a lone backslash at the end of the delta
                state.escape_next = True
                i += 1
                continue
            state.in_string = False  # the closing quote
            i += 1
            continue
        m = _OUTSIDE.match(delta, i)
        tok = m.group()
        i = m.end()
        if tok == '"':
            state.in_string = True
        elif tok == "{":
            state.open_braces += 1
        elif tok == "}":
            state.close_braces += 1
        elif tok == "[":
            state.open_brackets += 1
        elif tok == "]":
            state.close_brackets += 1
    state.processed_length += n
    return state


@dataclass
class JsonAnalysis:
    is_balanced: bool
    open_braces: int
    close_braces: int
    open_brackets: int
    close_brackets: int
    in_string: bool
    unclosed_string: bool
    issues: list[str] = field(default_factory=list)


_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*("?)|([{}\[\],])|[^\s"{}\[\],]+|\s+', re.DOTALL)


def analyze_json_structure(content: str) -> JsonAnalysis:
    """Bracket balance, unclosed strings and comma misuse of *content* (one pass).

    Flags a comma followed by another comma (only whitespace between) and an
    object member position holding ``{`` or ``[`` after a comma; valid compact
    JSON such as ``[{"a":1},{"b":2}]`` has no issues.
    """
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    ob = cb = obr = cbr = 0
    issues: list[str] = []
    stack: list[str] = []
    prev = ""  # previous significant token outside strings
    in_string = False
    for m in _TOKENS.finditer(content):
        tok = m.group()
        c = tok[0]
        if c == '"':
            if not m.group(1):
                in_string = True
                break
            prev = '"'
            continue
        if c.isspace():
            continue
        if m.group(2) is not None:
            pos = m.start()
            if c == "{" or c == "[":
                if prev == "," and stack and stack[-1] == "{":
                    issues.append(f"Malformed pattern ',{c}' at position {pos}")
                stack.append(c)
                if c == "{":
                    ob += 1
                else:
                    obr += 1
            elif c == "}" or c == "]":
                if stack:
                    stack.pop()
                if c == "}":
                    cb += 1
                else:
                    cbr += 1
            elif prev == ",":
                issues.append(f"Multiple consecutive commas at position {pos}")
            prev = c
        else:
            prev = "x"
    if in_string:
        issues.append("Unclosed string detected")
    if ob > cb:
        issues.append(f"Unbalanced braces: {ob} open, {cb} close")
    elif cb > ob:
        issues.append(f"Too many closing braces: {cb} close vs {ob} open")
    if obr > cbr:
        issues.append(f"Unbalanced brackets: {obr} open, {cbr} close")
    elif cbr > obr:
        issues.append(f"Too many closing brackets: {cbr} close vs {obr} open")
    return JsonAnalysis(
        is_balanced=ob == cb and obr == cbr and not in_string,
        open_braces=ob,
        close_braces=cb,
        open_brackets=obr,
        close_brackets=cbr,
        in_string=in_string,
        unclosed_string=in_string,
        issues=issues,
    )


def looks_like_json(content: str) -> bool:
    """True if the stripped *content* starts with ``{``/``[`` or ends with ``}``/``]``."""
    if not isinstance(content, str):
        raise TypeError(f"content must be str, got {type(content).__name__}")
    s = content.strip()
    if not s:
        return False
    return s[0] in "{[" or s[-1] in "}]"


_DEPTH_ERROR = "maximum depth exceeded"  # the state machine's error at the opener beyond max_depth
_SIGNIFICANT = re.compile(r"[^ \t\r\n]")
_POSITION = re.compile(r"at position (\d+)$")


def _count_messages(ob: int, cb: int, obr: int, cbr: int) -> list[str]:
    out = []
    if cb > ob:
        out.append(f"Too many closing braces: {cb} close vs {ob} open")
    elif ob > cb:
        out.append(f"Missing closing braces: {ob} open vs {cb} close")
    if cbr > obr:
        out.append(f"Too many closing brackets: {cbr} close vs {obr} open")
    elif obr > cbr:
        out.append(f"Missing closing brackets: {obr} open vs {cbr} close")
    return out


class _JsonSession(BuiltinSession):
    """Decides whether the stream is JSON, then validates it incrementally.

    A stream whose first non-whitespace character is not ``{``/``[`` is prose.
    One that starts with a bracket is JSON unless its first syntax error comes
    before any JSON evidence (a ``"``, ``:`` or ``,``): ``[Note] ...``,
    ``[1] Smith`` or ``{name}`` are prose. After a complete top-level value a
    new ``{``/``[`` starts another document (JSON Lines).
    """

    __slots__ = ("js", "base", "mode", "seen", "counts", "streamed")

    @property
    def streaming_idle(self) -> bool:  # type: ignore[override]
        """Prose (decided once) never becomes JSON: nothing to check until completion."""
        return self.mode is False

    def reset_state(self) -> None:
        self.js = JsonStreamState()
        self.base = 0  # content offset where the current document's state machine started
        self.mode: bool | None = None  # None: starts with a bracket, no evidence yet
        self.seen = False
        self.counts = [0, 0, 0, 0]  # bracket counters of finished documents
        self.streamed: GuardrailViolation | None = None

    def _feed(self, start: int, delta: str, fed: bool = False) -> None:
        """Feed *delta* (content offset *start*); ``fed``: the caller already fed it and it failed."""
        i = 0
        while True:
            js = self.js
            piece = delta[i:] if i else delta
            evidence = -1
            if self.mode is None:
                found = [k for k in (piece.find('"'), piece.find(":"), piece.find(",")) if k >= 0]
                evidence = min(found) if found else -1
            if fed:
                fed = False
            elif js.feed(piece):
                if evidence >= 0:
                    self.mode = True
                return
            at = self.base + js.error_offset  # content offset of the bad character
            rel = at - start - i
            if self.mode is None:
                if 0 <= evidence < rel or js.error == _DEPTH_ERROR:  # only JSON-like text nests that deep
                    self.mode = True
                else:
                    self.mode = False
                    return
            bad = delta[at - start] if 0 <= at - start < len(delta) else ""
            if js.depth == 0 and bad in ("{", "[") and "after top-level value" in (js.error or ""):
                c = self.counts
                c[0] += js.open_braces - (bad == "{")
                c[1] += js.close_braces
                c[2] += js.open_brackets - (bad == "[")
                c[3] += js.close_brackets
                self.js = JsonStreamState()
                self.base = at
                i = at - start
                continue
            return

    def check(self, state: State) -> list[GuardrailViolation]:
        start, delta = self.advance(state)
        return self._inspect(state, start, delta)

    def check_fresh(self, state: State, delta: str) -> list[GuardrailViolation]:
        """:meth:`check` for a caller (the runtime) that passes exactly the text appended since the
        previous check: no second read of the buffer."""
        start = self.pos
        if delta:
            self.pos = start + len(delta)
            self._last = delta[-1]
        return self._inspect(state, start, delta)

    def _inspect(self, state: State, start: int, delta: str) -> list[GuardrailViolation]:
        if self.mode is True and self.js.error is None:
            if self.js.feed(delta):
                if not state.completed:
                    return []  # the common case: valid JSON so far
            else:
                self._feed(start, delta, fed=True)
        elif delta and self.mode is not False and self.js.error is None:
            if not self.seen:
                m = _SIGNIFICANT.search(delta)
                if m is None:
                    self._feed(start, delta)
                    return []
                self.seen = True
                if m.group() not in "{[":
                    self.mode = False
                    return []
            self._feed(start, delta)
        if self.mode is False or not self.seen:
            return []
        js = self.js
        if not state.completed:
            if js.error is not None and self.streamed is None:
                self.streamed = self._syntax_violation(state)
                return [self.streamed]
            return []
        return self._complete(state)

    def _syntax_violation(self, state: State) -> GuardrailViolation:
        js = self.js
        off = self.base + js.error_offset
        bad = buffer_of(state).slice(off, off + 1)
        if js.depth == 0 and bad in ("}", "]"):
            msg = "Too many closing braces" if bad == "}" else "Too many closing brackets"
        elif js.error == _DEPTH_ERROR:
            msg = f"Invalid JSON: nested deeper than {MAX_JSON_DEPTH} levels (l0's maximum JSON depth) at position {off}"
        else:
            msg = f"Invalid JSON: {js.error} at position {off}"
        return self.violation(msg, position=off, suggestion="Check JSON structure", context={"error": js.error})

    def _complete(self, state: State) -> list[GuardrailViolation]:
        js = self.js
        if js.error is None:
            c = self.counts
            out = [self.violation(m) for m in _count_messages(
                c[0] + js.open_braces, c[1] + js.close_braces, c[2] + js.open_brackets, c[3] + js.close_brackets)]
            if js.in_string:
                out.append(self.violation("Unclosed string detected"))
            return out
        # Invalid somewhere: the reference-compatible messages need the whole text.
        a = analyze_json_structure(buffer_of(state).content)
        out = [self.violation(m) for m in _count_messages(a.open_braces, a.close_braces, a.open_brackets,
                                                          a.close_brackets)]
        positions = set()
        for issue in a.issues:
            if "Unbalanced" in issue or "closing" in issue.lower():
                continue
            m = _POSITION.search(issue)
            pos = int(m.group(1)) if m else None
            positions.add(pos)
            out.append(self.violation(issue, position=pos))
        if self.streamed is None:  # reported once: skip it if the streaming phase already did
            syntax = self._syntax_violation(state)
            if not syntax.message.startswith("Too many closing") and syntax.position not in positions:
                out.append(syntax)
        return out


def json_rule() -> GuardrailRule:
    """Validate JSON output while it streams (full syntax) and at completion."""
    return make_rule("json", _JsonSession, description="Validates JSON structure during streaming")


class _StrictJsonSession(BuiltinSession):
    __slots__ = ()
    streaming_idle = True

    def check(self, state: State) -> list[GuardrailViolation]:
        if not state.completed:
            return []
        content = buffer_of(state).content
        c = content.strip()
        if not c:
            return [self.violation("Empty output, expected JSON")]
        if not (c[0] in "{[" or c[-1] in "}]"):
            return [self.violation("Output does not appear to be JSON")]
        try:
            parsed = parses(c)
        except json.JSONDecodeError as exc:
            lead = len(content) - len(content.lstrip())
            return [self.violation(f"Invalid JSON: {exc}", position=exc.pos + lead)]
        except ValueError as exc:  # e.g. lone surrogates that json rejects without a position
            return [self.violation(f"Invalid JSON: {exc}")]
        if not isinstance(parsed, (dict, list)):
            return [self.violation(f"JSON root must be object or array, got {type(parsed).__name__}")]
        return []


def strict_json_rule() -> GuardrailRule:
    """At completion, the whole output must parse as a JSON object or array."""
    return make_rule(
        "strict_json", _StrictJsonSession, description="Validates complete JSON is parseable", streaming=False
    )
