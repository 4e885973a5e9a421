"""The live state of one stream (``State``)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from l0._backend import ContentBuffer
from l0._safe import safe_repr

from ._event import DataPayload, Progress

if TYPE_CHECKING:  # pragma: no cover
    from l0.guardrails import GuardrailViolation


_REPR_TEXT = 80


def _short(text: str) -> str:
    if len(text) <= _REPR_TEXT:
        return repr(text)
    return f"{text[:_REPR_TEXT]!r}...(+{len(text) - _REPR_TEXT} chars)"


@dataclass(repr=False)
class State:
    """Everything the runtime knows about a stream, updated as it runs.

    The text lives in a :class:`~l0._backend.ContentBuffer` exposed as
    :attr:`buffer`: the runtime appends tokens with ``state.buffer.append``
    (O(1)) and rules read increments with ``state.buffer.since(pos)``.
    ``state.content`` reads the whole text (cached by the kernel); assigning it
    replaces the text with one token. ``State(content="x")`` works.

    Fields and defaults are the reference's, in its order (its private
    ``_content_buffer`` list is replaced by :attr:`buffer`), followed by two
    additions: ``truncated`` and ``finish_reason``.
    """

    content: str = ""
    checkpoint: str = ""
    token_count: int = 0
    model_retry_count: int = 0
    network_retry_count: int = 0
    fallback_index: int = 0
    violations: list[GuardrailViolation] = field(default_factory=list)
    drift_detected: bool = False
    completed: bool = False
    aborted: bool = False
    first_token_at: float | None = None
    last_token_at: float | None = None
    duration: float | None = None
    resumed: bool = False
    network_errors: list[Any] = field(default_factory=list)
    data_outputs: list[DataPayload] = field(default_factory=list)
    last_progress: Progress | None = None
    resume_point: str | None = None
    resume_from: int | None = None
    continuation_used: bool = False
    deduplication_applied: bool = False
    overlap_removed: str | None = None
    truncated: bool = False
    finish_reason: str | None = None

    if TYPE_CHECKING:  # pragma: no cover - set by the ``content`` setter, not a dataclass field
        buffer: ContentBuffer

    def __repr__(self) -> str:
        # Long texts are shortened: a repr of a 1M-token stream must stay readable.
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                shown = _short(value)
            elif type(value) is list:  # errors from a provider: one broken __repr__ must not hide the rest
                shown = "[" + ", ".join(safe_repr(item) for item in value) + "]"
            else:
                shown = safe_repr(value)
            parts.append(f"{f.name}={shown}")
        return f"State({', '.join(parts)})"

    def __getstate__(self) -> dict[str, Any]:
        # The kernel is rebuilt from its text, so copy/pickle work with either backend.
        state = dict(self.__dict__)
        state["buffer"] = state["buffer"].content
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        text = state.pop("buffer", "")
        self.__dict__.update(state)
        _set_content(self, text)


def _get_content(self: State) -> str:
    return self.buffer.content


def _set_content(self: State, value: str) -> None:
    # The generated __init__ assigns ``content`` first, so this creates the buffer.
    if not isinstance(value, str):
        raise TypeError(f"State.content must be str, got {type(value).__name__}")
    buf = self.__dict__.get("buffer")
    if buf is None:
        buf = ContentBuffer()
        self.__dict__["buffer"] = buf
    else:
        buf.clear()
    if value:
        buf.append(value)


State.content = property(_get_content, _set_content, doc="The whole text so far (``buffer.content``).")  # type: ignore[assignment]


class LiveState(State):
    """The runtime's :class:`State`: ``token_count`` follows the content buffer's own count.

    Every token the runtime counts is one ``buffer.append``, so the count is
    ``buffer.token_count`` plus a fixed offset (set whenever ``token_count`` is
    assigned) and the per-token path stores nothing. Assigning ``content``
    keeps ``token_count`` as it was, as on a plain :class:`State`. Code that
    appends to ``state.buffer`` itself must not also add to ``token_count``
    (:data:`derived_token_count` tells).
    """

    derived_token_count = True

    @property  # type: ignore[override]
    def token_count(self) -> int:
        return self.buffer.token_count + self.__dict__["_tc_offset"]

    @token_count.setter
    def token_count(self, value: int) -> None:
        self.__dict__["_tc_offset"] = value - self.buffer.token_count

    @property  # type: ignore[override]
    def content(self) -> str:
        return self.buffer.content

    @content.setter
    def content(self, value: str) -> None:
        offset = self.__dict__.get("_tc_offset")
        if offset is None:  # __init__: the buffer is created here, token_count comes next
            _set_content(self, value)
            return
        count = self.buffer.token_count + offset
        _set_content(self, value)
        self.__dict__["_tc_offset"] = count - self.buffer.token_count

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["token_count"] = self.token_count
        del state["_tc_offset"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        count = state.pop("token_count", 0)
        text = state.pop("buffer", "")
        self.__dict__.update(state)
        _set_content(self, text)
        self.token_count = count
