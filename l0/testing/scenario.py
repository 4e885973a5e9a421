"""Deterministic response plans for the fault-injecting test server.

A :class:`Scenario` says what one chat-completions request gets back: the
answer (numbered words ``"w0001 w0002 ..."`` by default, so a test can check
the text exactly), optional tool calls, and at most one fault. Scenarios are
plain data; :mod:`l0.testing.server` turns them into HTTP responses.

The compact string form, used as the ``model`` name or the ``X-L0-Fault``
header, is ``"<fault>[:key=value,key=value...]"``, e.g. ``"cut:after=5"``,
``"rate_limit:retry_after=0.2"``, ``"clean:words=200"``,
``"cut:after=3,tools=1"``. Any model name that does not start with a known
fault (``"gpt-4o-mini"``, ``"backup"``) is a clean scenario.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Sequence

FAULTS: dict[str, str] = {
    "clean": "a normal stream: role chunk, content chunks, finish_reason 'stop', [DONE]",
    "cut": "the TCP connection is aborted after `after` chunks (no terminator)",
    "stall": "after `after` chunks the server stops sending but keeps the socket open "
    "(for `stall` seconds or until the client goes away)",
    "rate_limit": "HTTP 429 with `Retry-After`/`retry-after-ms` = `retry_after` seconds",
    "unavailable": "HTTP 503 with an OpenAI-style error body",
    "malformed": "after `after` chunks one `data:` line that is not JSON",
    "slow_first": "headers at once, then `first_delay` seconds before the first chunk",
    "error_event": "HTTP 200, then after `after` chunks an in-band `data: {\"error\": ...}`",
    "no_finish": "after `after` chunks the body ends cleanly with no finish_reason and no [DONE]",
    "length": "after `after` chunks finish_reason 'length' and [DONE]",
}

ALIASES: dict[str, str] = {
    "429": "rate_limit",
    "503": "unavailable",
    "truncated": "no_finish",
    "disconnect": "cut",
    "slow": "slow_first",
}

TOOL_CITIES = ("Paris", "Lagos", "Osaka", "Lima", "Oslo", "Cairo", "Quito", "Perth")
# A match starts only after a non-space: ``\s*\S+`` retried from every position of a trailing
# whitespace run (quadratic on "   ...").
_WORD = re.compile(r"(?<!\s)\s*\S+")


def word(n: int) -> str:
    """The ``n``-th numbered word (1-based): ``word(7) == "w0007"``."""
    return f"w{n:04d}"


def numbered_text(words: int, start: int = 0) -> str:
    """The clean numbered answer ``"w0001 w0002 ..."`` from word index ``start`` on."""
    return "".join(numbered_chunks(words)[start:])


def numbered_chunks(words: int) -> list[str]:
    """Content chunks of the numbered answer: ``["w0001", " w0002", ...]``."""
    return [word(i) if i == 1 else " " + word(i) for i in range(1, words + 1)]


def split_answer(answer: str) -> list[str]:
    """Split free text into word chunks (each keeps its leading whitespace)."""
    chunks = _WORD.findall(answer)
    tail = answer[sum(map(len, chunks)) :]
    if tail and chunks:
        chunks[-1] += tail
    elif tail:
        chunks = [tail]
    return chunks


@dataclass(frozen=True)
class ToolFragment:
    """One streamed tool-call delta."""

    index: int
    arguments: str
    id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ToolCallSpec:
    """A complete tool call the scenario streams (for assertions)."""

    index: int
    id: str
    name: str
    arguments: str

    @property
    def parsed(self) -> dict[str, Any]:
        return json.loads(self.arguments)


def tool_calls_for(count: int) -> list[ToolCallSpec]:
    """The deterministic tool calls of a scenario with ``tools=count``."""
    calls = []
    for j in range(count):
        args = json.dumps(
            {"city": TOOL_CITIES[j % len(TOOL_CITIES)], "days": j + 1, "note": numbered_text(6)},
            separators=(", ", ": "),
        )
        calls.append(ToolCallSpec(index=j, id=f"call_{j}", name="get_weather", arguments=args))
    return calls


def tool_fragments(calls: Sequence[ToolCallSpec], size: int = 7) -> list[ToolFragment]:
    """Split tool calls the way OpenAI streams them: id+name first, then argument pieces."""
    out: list[ToolFragment] = []
    for call in calls:
        out.append(ToolFragment(index=call.index, arguments="", id=call.id, name=call.name))
        args = call.arguments
        out.extend(ToolFragment(index=call.index, arguments=args[i : i + size]) for i in range(0, len(args), size))
    return out


@dataclass(frozen=True)
class Scenario:
    """What one request gets back. See :data:`FAULTS` for the fault names.

    ``after`` counts streamed content items (text chunks and tool-call
    fragments, not the initial role chunk); ``None`` means half of them.
    ``times`` is how many requests with the same scenario key get the fault
    before the server answers cleanly (``-1``: every request). ``overlap``
    makes a continued answer repeat that many chunks of the prefix, to
    exercise de-duplication. ``window=1`` (``rate_limit`` only) makes the limit hold like a
    provider's: after a faulted request, every request with the same key gets 429 (with the
    time left as ``Retry-After``) until ``retry_after`` seconds have passed. ``answer`` (programmatic only) replaces the
    server's answer for this scenario, e.g. a first answer a guardrail rejects.
    """

    fault: str = "clean"
    words: int = 30
    after: int | None = None
    times: int = 1
    retry_after: float = 0.2
    window: int = 0
    first_delay: float = 1.0
    stall: float = 30.0
    delay: float = 0.0
    tools: int = 0
    reasoning: int = 0
    overlap: int = 0
    id: str = ""
    answer: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        name = ALIASES.get(self.fault, self.fault)
        if name not in FAULTS:
            raise ValueError(f"fault must be one of {sorted(FAULTS)}, got {self.fault!r}")
        object.__setattr__(self, "fault", name)
        for attr in ("words", "tools", "overlap", "reasoning"):
            if getattr(self, attr) < 0:
                raise ValueError(f"{attr} must be >= 0, got {getattr(self, attr)!r}")
        if self.after is not None and self.after < 0:
            raise ValueError(f"after must be >= 0 or None, got {self.after!r}")

    @classmethod
    def parse(cls, spec: str) -> Scenario:
        """Parse ``"<fault>[:k=v,...]"``; an unknown leading name means a clean scenario."""
        if not isinstance(spec, str):
            raise TypeError(f"spec must be a str like 'cut:after=5', got {type(spec).__name__}")
        head, _, params = spec.partition(":")
        head = head.strip().lower()
        fault = ALIASES.get(head, head)
        if fault not in FAULTS:
            return cls(id=spec)
        kwargs: dict[str, Any] = {"fault": fault}
        extra: dict[str, str] = {}
        types = {f.name: f.type for f in fields(cls)}
        for item in filter(None, (p.strip() for p in params.split(","))):
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep:
                raise ValueError(f"scenario parameter must look like key=value, got {item!r} in {spec!r}")
            if key not in types or key in ("fault", "extra", "answer"):
                extra[key] = value
                continue
            kwargs[key] = _coerce(key, value.strip(), spec)
        if "answer" in extra:
            raise ValueError(f"answer cannot be set in a scenario string ({spec!r}); use Scenario(answer=...)")
        if "tools" in kwargs and "words" not in kwargs:
            kwargs["words"] = 0
        return cls(extra=extra, **kwargs)

    def to_spec(self) -> str:
        """The compact string form (round-trips through :meth:`parse`)."""
        default = Scenario()
        parts = [
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if f.name not in ("fault", "extra", "answer") and getattr(self, f.name) != getattr(default, f.name)
        ]
        if self.tools and "words=" not in ",".join(parts):
            parts.append(f"words={self.words}")
        return self.fault + (":" + ",".join(parts) if parts else "")

    def clean(self) -> Scenario:
        """The same answer with no fault."""
        return replace(self, fault="clean")

    def with_(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced."""
        return replace(self, **changes)


def _coerce(key: str, value: str, spec: str) -> Any:
    try:
        if key == "id":
            return value
        if key == "times":
            return -1 if value in ("all", "always", "-1") else int(value)
        if key in ("retry_after", "first_delay", "stall", "delay"):
            return float(value)
        if key == "after" and value in ("", "none"):
            return None
        return int(value)
    except ValueError:
        raise ValueError(f"scenario parameter {key} has a bad value {value!r} in {spec!r}") from None


@dataclass(frozen=True)
class Reasoning:
    """One streamed reasoning delta (``delta.reasoning_content``)."""

    text: str


@dataclass
class Plan:
    """The concrete content items of one response, after continuation."""

    text_chunks: list[str]
    tool_fragments: list[ToolFragment]
    resumed_at: int | None = None
    reasoning: list[Reasoning] = field(default_factory=list)

    @property
    def items(self) -> list[str | ToolFragment | Reasoning]:
        return [*self.reasoning, *self.text_chunks, *self.tool_fragments]

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_fragments else "stop"


def answer_chunks(scenario: Scenario, answer: Sequence[str] | None = None) -> list[str]:
    """The full list of text chunks: the scenario's answer, else ``answer``, else numbered words."""
    if scenario.answer is not None:
        return split_answer(scenario.answer)
    return list(answer) if answer is not None else numbered_chunks(scenario.words)


def continuation_prefix(messages: Iterable[Any]) -> str | None:
    """The assistant text a request asks to continue, if any.

    A continuation is a trailing assistant message (prefill), or an assistant
    message followed only by user/system messages that ask to continue.
    """
    msgs = [m for m in messages if isinstance(m, dict)]
    for pos in range(len(msgs) - 1, -1, -1):
        msg = msgs[pos]
        if msg.get("role") == "assistant":
            later = msgs[pos + 1 :]
            if all("continu" in _text(m).lower() for m in later):
                return _text(msg)
            return None
        if msg.get("role") not in ("user", "system"):
            return None
    return None


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def resume_index(chunks: Sequence[str], prefix: str) -> int:
    """How many leading ``chunks`` the text ``prefix`` already contains."""
    pos = 0
    count = 0
    for chunk in chunks:
        end = pos + len(chunk)
        if end > len(prefix) or prefix[pos:end] != chunk:
            break
        pos = end
        count += 1
    return count


def build_plan(scenario: Scenario, messages: Iterable[Any] = (), answer: Sequence[str] | None = None) -> Plan:
    """The items a request receives, continuing from an assistant prefix if present."""
    chunks = answer_chunks(scenario, answer)
    prefix = continuation_prefix(messages)
    start = None
    if prefix is not None:
        start = max(0, resume_index(chunks, prefix) - scenario.overlap)
        chunks = chunks[start:]
    frags = tool_fragments(tool_calls_for(scenario.tools)) if scenario.tools else []
    thoughts = [Reasoning(f"thinking step {i + 1}. ") for i in range(scenario.reasoning)]
    return Plan(text_chunks=chunks, tool_fragments=frags, resumed_at=start, reasoning=thoughts)


def expected_text(scenario: Scenario, answer: Sequence[str] | None = None) -> str:
    """The text a clean, complete response to ``scenario`` carries."""
    return "".join(answer_chunks(scenario, answer))
