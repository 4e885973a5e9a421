"""JSON repair driven by the JSON state machine.

``repair(text)`` turns typical malformed LLM JSON into a valid document and
reports every fix it applied:

1. valid JSON is returned unchanged (only surrounding whitespace is dropped);
2. a Markdown fence, a leading ``json`` word and prose before the first
   ``{``/``[`` are stripped;
3. the text is fed to :class:`~l0._backend.JsonStreamState`. Without a syntax
   error only truncation is left: the state machine's ``closing_plan()`` says
   what to drop (a dangling comma, key or colon, a partial escape) and what
   to append (close the open string, finish a partial number or literal, close
   the containers innermost first);
4. on a syntax error a string-aware token pass (:func:`normalize`) removes
   comments, converts single-quoted strings, quotes bare keys, drops trailing
   commas, escapes raw control characters and invalid backslashes in strings,
   inserts missing commas, maps Python literals, and cuts text after the end
   of the first top-level value. Then step 3 runs on the result.

Everything is O(n) in the length of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from l0._backend import JsonStreamState
from l0._jsonparse import JsonDepthError, loads, parses, too_deep_at

__all__ = ["RepairResult", "repair", "normalize", "close_json", "find_fence_body", "strip_prefix"]


@dataclass
class RepairResult:
    """Outcome of :func:`repair`: the text, the fixes applied, and whether it parses."""

    text: str
    corrections: list[str] = field(default_factory=list)
    success: bool = True
    error: Exception | None = None
    #: the JSON value was incomplete and had to be closed (truncated output)
    closed: bool = False


_FENCE_JSON = re.compile(r"(?:^|\n)[ \t]*```[ \t]*(?:json5?|jsonc)\b[^\n]*(?:\n|\Z)", re.IGNORECASE)
_FENCE_ANY = re.compile(r"(?:^|\n)[ \t]*```[^\n`]*(?:\n|\Z)")
_JSON_WORD = re.compile(r"json\b\s*", re.IGNORECASE)
_DELIM = re.compile(r"[{\[]")
_SPACES = re.compile(r"\s*")
_MAX_STARTS = 4


def find_fence_body(text: str) -> tuple[int, bool] | None:
    """Start of the body of the Markdown fence that holds the JSON, or None.

    Fences open at the start of a line (so one inside a JSON string, where a
    newline is escaped, does not count). A fence tagged ``json`` wins; an
    untagged fence counts only when it opens before the first ``{``/``[``
    (else it is a fence after the JSON).
    The closing fence is not searched for: the end of the JSON value is found
    by the state machine, which is string-aware, so a ```` ``` ```` inside a
    JSON string cannot cut the document. Returns ``(body_start, tagged)``.
    """
    if "```" not in text:
        return None
    m = _FENCE_JSON.search(text)
    if m is not None:
        return m.end(), True
    m = _FENCE_ANY.search(text)
    if m is None:
        return None
    d = _DELIM.search(text)
    if d is not None and d.start() < m.start():
        return None
    return m.end(), False


def strip_prefix(text: str, corrections: list[str]) -> str:
    """Strip a fence, a leading ``json`` word and prose before the first ``{``/``[``."""
    fence = find_fence_body(text)
    if fence is not None:
        text = text[fence[0]:]
        corrections.append("strip_markdown_fence")
    stripped = text.lstrip()
    m = _JSON_WORD.match(stripped)
    if m is not None and stripped[m.end():m.end() + 1] in ("{", "["):
        text = stripped[m.end():]
        corrections.append("strip_json_prefix")
    d = _DELIM.search(text)
    if d is not None and d.start() > 0:
        if text[: d.start()].strip():
            corrections.append("remove_prefix_text")
        text = text[d.start():]
    return text


_FENCE_ONLY = re.compile(r"\s*```\s*\Z")


def _only_comments(rest: str) -> bool:
    # a scanner, not a regex: (\s+|//...)* backtracks exponentially on long whitespace runs
    i, n = 0, len(rest)
    while True:
        i = _SPACES.match(rest, i).end()  # type: ignore[union-attr]
        if i >= n:
            return True
        if rest.startswith("//", i) or rest[i] == "#":
            j = rest.find("\n", i)
        elif rest.startswith("/*", i):
            j = rest.find("*/", i + 2)
            j = -1 if j < 0 else j + 2
        else:
            return False
        if j < 0:
            return True
        i = j


def classify_suffix(rest: str) -> str:
    """The correction reported for text cut after the JSON value."""
    if _FENCE_ONLY.match(rest):
        return "strip_markdown_fence"
    if _only_comments(rest):
        return "remove_comments"
    return "remove_suffix_text"


def _closing_corrections(text: str, drop: int, suffix: str) -> list[str]:
    fixes: list[str] = []
    closers = len(suffix) - len(suffix.rstrip("}]"))
    head = suffix[: len(suffix) - closers]
    if head.startswith('"'):
        fixes.append("close_string")
        head = head[1:]
    elif drop:
        dropped = text[len(text) - drop:].strip()
        if dropped == ",":
            fixes.append("remove_trailing_comma")
        elif dropped:
            fixes.append("remove_dangling")
    if head:
        fixes.append("complete_value")
    tail = suffix[len(suffix) - closers:]
    if "}" in tail:
        fixes.append("close_brace")
    if "]" in tail:
        fixes.append("close_bracket")
    return fixes


def close_json(text: str) -> tuple[str, list[str], bool] | None:
    """Complete ``text`` (valid so far) into a document with the state machine.

    Returns ``(document, fixes, closed)``, or None when ``text`` has a syntax
    error; ``closed`` says whether the value was incomplete.
    Text after the end of the first complete top-level value is cut
    (``remove_suffix_text``, or ``remove_comments`` when it is only comments).
    """
    st = JsonStreamState()
    st.feed(text)
    if st.error is not None:
        cut = st.error_offset
        head = text[:cut]
        probe = JsonStreamState()
        probe.feed(head)
        if probe.error is None and probe.started and (probe.complete or probe.closing_plan() == (0, "")):
            return head.rstrip(), [classify_suffix(text[cut:])], False
        return None
    if not st.started:
        return None
    if st.complete:
        return text.rstrip(), [], False
    drop, suffix = st.closing_plan()
    fixes = _closing_corrections(text, drop, suffix)
    body = text[: len(text) - drop] if drop else text
    return body + suffix, fixes, bool(drop or suffix)


# --- token pass -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<dq>"[^"\\]*(?:\\[\s\S][^"\\]*)*(?:"|\\\Z)?)
  | (?P<sq>'[^'\\]*(?:(?:\\[\s\S]|'(?!\s*(?:[,:}\]]|\Z)))[^'\\]*)*'?)
  | (?P<lc>//[^\n]*)
  | (?P<bc>/\*[\s\S]*?(?:\*/|\Z))
  | (?P<p>[{}\[\]:,])
  | (?P<word>[^\s"'{}\[\]:,/]+)
  | (?P<other>[\s\S])
    """,
    re.VERBOSE,
)
_BAD_IN_STRING = re.compile(r'[\x00-\x1f]|\\(?![\\"/bfnrt]|u[0-9a-fA-F]{4})')
_CTRL = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_PY_LITERALS = {"True": "true", "False": "false", "None": "null", "undefined": "null"}
_LOOSE_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_NEXT = re.compile(r"\s*(.)", re.DOTALL)
# a double-quoted value whose inner quotes were not escaped: a quote ends it only when
# what follows could follow a value
_DQ_LOOSE = re.compile(r'"(?:[^"\\]|\\[\s\S]|"(?!\s*(?:[,}\]:]|\Z)))*"?')
_BARE_QUOTE = re.compile(r'(\\[\s\S])|"')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
_BARE_KEY = re.compile(r"[A-Za-z_$][\w$-]*\Z")

# expectations inside the token pass
_VALUE, _KEY, _COLON, _AFTER = 0, 1, 2, 3


def _loose_number(tok: str) -> str:
    sign = "-" if tok[0] == "-" else ""
    body = tok.lstrip("+-")
    mantissa, e, exponent = body.partition("e") if "e" in body else body.partition("E")
    whole, dot, frac = mantissa.partition(".")
    whole = whole.lstrip("0") or "0"
    out = sign + whole + ("." + (frac or "0") if dot else "")
    return out + (e + exponent if e else "")


def _escape_inner_quotes(tok: str) -> str:
    closed = len(tok) > 1 and tok.endswith('"') and _closes(tok)
    body = tok[1:-1] if closed else tok[1:]
    body = _BARE_QUOTE.sub(lambda m: m.group(1) or '\\"', body)
    return '"' + body + ('"' if closed else "")


def _fix_string_body(body: str, fixes: set[str]) -> str:
    def sub(m: re.Match[str]) -> str:
        s = m.group()
        if s[0] == "\\":
            fixes.add("fix_escapes")
            return "\\\\"
        fixes.add("escape_control_chars")
        return _CTRL.get(s) or f"\\u{ord(s):04x}"

    return _BAD_IN_STRING.sub(sub, body)


_SQ_BODY = re.compile(r"\\[\s\S]|\"")
_PARTIAL_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?\Z")


def _sq_sub(m: re.Match[str]) -> str:
    s = m.group()
    return '\\"' if s == '"' else ("'" if s == "\\'" else s)


def _convert_single(tok: str) -> str:
    closed = len(tok) > 1 and tok.endswith("'") and _closes(tok)
    body = tok[1:-1] if closed else tok[1:]
    return '"' + _SQ_BODY.sub(_sq_sub, body) + ('"' if closed else "")


def _fix_string(tok: str, fixes: set[str]) -> str:
    closed = len(tok) > 1 and tok.endswith('"') and _closes(tok)
    body = tok[1:-1] if closed else tok[1:]
    tail = ""
    if not closed:
        m = _PARTIAL_ESCAPE.search(body)
        if m is not None and _backslashes_before(body, m.start()) % 2 == 0:
            # an unfinished escape at the cut stays for closing_plan() to drop
            body, tail = body[: m.start()], body[m.start():]
    return '"' + _fix_string_body(body, fixes) + tail + ('"' if closed else "")


def normalize(text: str, fixes: set[str]) -> str:
    """String-aware token pass fixing non-JSON syntax (see the module docstring).

    Stops at the end of the first top-level value; anything after it is cut.
    """
    out: list[str] = []
    stack: list[str] = []
    expect = _VALUE
    last_comma = -1
    done = False
    pos = 0
    n = len(text)
    match = _TOKEN.match
    while pos < n:
        m = match(text, pos)
        assert m is not None
        kind = m.lastgroup
        tok = m.group()
        start = pos
        pos = m.end()
        if kind == "ws":
            out.append(tok)
            continue
        if kind == "lc" or kind == "bc":
            fixes.add("remove_comments")
            continue
        if done:
            fixes.add(classify_suffix(text[start:]))
            break
        if kind == "p":
            if tok == "{" or tok == "[":
                if expect == _AFTER and stack:
                    out.append(",")
                    fixes.add("add_missing_comma")
                elif expect in (_KEY, _COLON):
                    out.append(text[start:])
                    break
                stack.append(tok)
                expect = _KEY if tok == "{" else _VALUE
                last_comma = -1
            elif tok == "}" or tok == "]":
                if not stack:
                    out.append(text[start:])
                    break
                if last_comma >= 0:
                    out[last_comma] = ""
                    fixes.add("remove_trailing_comma")
                    last_comma = -1
                opener = "{" if tok == "}" else "["
                if stack[-1] != opener and opener in stack:
                    # close the containers left open inside, e.g. the ']' missing in {"a": [1, 2}
                    while stack[-1] != opener:
                        inner = stack.pop()
                        out.append("}" if inner == "{" else "]")
                        fixes.add("close_brace" if inner == "{" else "close_bracket")
                stack.pop()
                expect = _AFTER
                done = not stack
            elif tok == ":":
                expect = _VALUE
                last_comma = -1
            else:
                if expect == _AFTER:
                    last_comma = len(out)
                expect = _KEY if stack and stack[-1] == "{" else _VALUE
            out.append(tok)
            continue
        last_comma = -1 if kind != "other" else last_comma
        if kind == "dq" or kind == "sq":
            if kind == "dq" and expect == _VALUE and pos < n:
                follow = _NEXT.match(text, pos)
                if follow is not None and follow.group(1) not in ',}]:"/#':
                    loose = _DQ_LOOSE.match(text, start)
                    if loose is not None and loose.end() > pos:
                        pos = loose.end()
                        tok = _escape_inner_quotes(loose.group())
                        fixes.add("fix_quotes")
            if kind == "sq":
                tok = _convert_single(tok)
                fixes.add("fix_quotes")
            if _BAD_IN_STRING.search(tok, 1):
                tok = _fix_string(tok, fixes)
        elif kind == "word":
            if expect == _KEY:
                if not _BARE_KEY.match(tok):
                    out.append(text[start:])
                    break
                tok = '"' + tok + '"'
                fixes.add("fix_quotes")
            elif tok in _PY_LITERALS:
                tok = _PY_LITERALS[tok]
                fixes.add("fix_literals")
            elif pos < n and not _NUMBER.match(tok) and _LOOSE_NUMBER.match(tok):
                tok = _loose_number(tok)
                fixes.add("fix_literals")
            elif pos == n and tok[0] in "TFN":
                full = next((k for k in _PY_LITERALS if k.startswith(tok)), None)
                if full is not None:  # a Python literal cut by truncation
                    tok = _PY_LITERALS[full]
                    fixes.add("fix_literals")
        elif tok == "/" and pos == n:
            fixes.add("remove_comments")  # the first character of a comment cut by truncation
            continue
        else:
            out.append(tok)
            continue
        if expect == _AFTER:
            if not stack:
                fixes.add("remove_suffix_text")
                break
            out.append(",")
            fixes.add("add_missing_comma")
            expect = _KEY if stack[-1] == "{" else _VALUE
        out.append(tok)
        if expect == _KEY:
            expect = _COLON
        elif expect == _COLON:
            out.append(text[pos:])
            break
        else:
            expect = _AFTER
            done = not stack
    return "".join(out)


def _backslashes_before(s: str, end: int) -> int:
    i = end - 1
    while i >= 0 and s[i] == "\\":
        i -= 1
    return end - 1 - i


def _closes(tok: str) -> bool:
    # the final quote of tok ends the string: it is not the opening one and not escaped
    return _backslashes_before(tok, len(tok) - 1) % 2 == 0


def _attempt(text: str) -> tuple[str, list[str], bool] | None:
    closed = close_json(text)
    if closed is not None:
        return closed
    fixes: set[str] = set()
    fixed = normalize(text, fixes)
    closed = close_json(fixed)
    if closed is None:
        return None
    doc, more, cut = closed
    ordered = [f for f in _TOKEN_FIX_ORDER if f in fixes]
    return doc, ordered + [f for f in more if f not in fixes], cut


_TOKEN_FIX_ORDER = (
    "strip_markdown_fence",
    "remove_comments",
    "remove_suffix_text",
    "fix_quotes",
    "fix_literals",
    "escape_control_chars",
    "fix_escapes",
    "add_missing_comma",
    "remove_trailing_comma",
    "close_brace",
    "close_bracket",
)


def _parses(text: str) -> None:
    """Raise ``json.JSONDecodeError`` unless ``text`` is JSON (``json.loads`` semantics, the depth limit)."""
    parses(text)


def repair(text: str) -> RepairResult:
    """Repair ``text`` into valid JSON; see the module docstring."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    stripped = text.strip()
    try:
        _parses(stripped)
        return RepairResult(stripped)
    except ValueError as exc:
        first_error: Exception = exc
    deep = too_deep_at(stripped)
    if deep >= 0:  # nothing to repair: the limit is a policy
        return RepairResult(stripped, [], False, JsonDepthError(stripped, deep))
    corrections: list[str] = []
    body = strip_prefix(stripped, corrections)
    starts = 0
    while True:
        result = _attempt(body)
        if result is not None:
            doc, fixes, cut = result
            corrections.extend(f for f in fixes if f not in corrections)
            try:
                _parses(doc)
            except ValueError as exc:  # pragma: no cover - the state machine accepted it
                return RepairResult(doc, corrections, False, exc, cut)
            return RepairResult(doc, corrections, closed=cut)
        starts += 1
        nxt = _DELIM.search(body, 1)
        if nxt is None or starts >= _MAX_STARTS:
            break
        body = body[nxt.start():]
        if "remove_prefix_text" not in corrections:
            corrections.append("remove_prefix_text")
    try:
        loads(body)
    except ValueError as exc:
        first_error = exc
    return RepairResult(stripped, [], False, first_error)
