"""``structured_stream``: stream tokens, build partial objects, validate at the end."""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import ValidationError

from l0.events import EventBus

from ._api import _truncation_error, is_truncated, start_run
from ._partial import PartialParser
from ._schema import SchemaHandle, make_handle
from ._sources import make_source
from ._types import AutoCorrectInfo, StructuredResult
from ._validate import parse_and_validate

if TYPE_CHECKING:  # pragma: no cover
    from l0.adapters import Adapter
    from l0.events import ObservabilityEvent
    from l0.types import AwaitableStreamSource, Event, Timeout

__all__ = ["StructuredStreamResult", "structured_stream"]

T = TypeVar("T")
_MAX_REBUILDS = 16


@dataclass
class StructuredStreamResult(Generic[T]):
    """Holder returned next to the event stream by :func:`structured_stream`.

    ``partial`` is the latest typed partial snapshot (None until the first
    value completes); ``partials()`` iterates the stream itself and yields
    each new snapshot. ``await validate()`` validates the whole output once
    (draining the stream first if the caller has not).
    """

    _text: str = ""
    _schema: Any = None
    _auto_correct: bool = True
    _strict_mode: bool = False
    _on_auto_correct: Callable[[AutoCorrectInfo], None] | None = None
    _on_event: Any = None
    _validated: StructuredResult[T] | None = None
    state: Any = None
    _aborted: bool = False
    _stream: Any = None
    _events: AsyncIterator[Any] | None = None
    _parser: PartialParser | None = None
    _queue: collections.deque[Any] | None = None
    _consumed: bool = False
    _handle: SchemaHandle | None = field(default=None, repr=False)
    _closed: bool | None = None

    def abort(self) -> None:
        """Stop the underlying stream (between events) and mark the result aborted."""
        self._aborted = True
        stream = self._stream
        if stream is not None and callable(getattr(stream, "abort", None)):
            stream.abort()

    @property
    def is_aborted(self) -> bool:
        return self._aborted

    @property
    def partial(self) -> Any:
        """The latest partial snapshot (None before the first completed value)."""
        parser = self._parser
        return None if parser is None or parser.updates == 0 else parser.snapshot

    @property
    def truncated(self) -> bool:
        """The provider cut the output mid-JSON (known after :meth:`validate`)."""
        return is_truncated(self.state, self._closed)

    async def partials(self) -> AsyncIterator[Any]:
        """Consume the event stream, yielding each new partial snapshot."""
        if self._events is None or self._consumed:
            return
        queue = self._queue = collections.deque()
        async for _ in self._events:
            while queue:
                yield queue.popleft()
        while queue:
            yield queue.popleft()

    async def _drain(self) -> None:
        if self._events is not None and not self._consumed:
            async for _ in self._events:
                pass

    async def validate(self) -> StructuredResult[T]:
        """Validate the complete output (once; later calls return the same result)."""
        if self._validated is not None:
            return self._validated
        await self._drain()
        handle = self._handle if self._handle is not None else make_handle(self._schema)
        report: dict[str, Any] = {}
        try:
            parsed = parse_and_validate(
                self._text, handle, auto_correct=self._auto_correct, strict_mode=self._strict_mode,
                on_auto_correct=self._on_auto_correct, bus=EventBus(self._on_event), report=report,
            )
        except ValidationError as exc:
            self._closed = report.get("closed")
            if self.truncated:
                raise _truncation_error(self.state, self._text, exc) from exc
            raise ValueError(f"Schema validation failed: {exc}") from exc
        self._closed = report.get("closed")
        self._validated = StructuredResult(
            data=parsed.data, raw=parsed.raw, corrected=parsed.corrected, corrections=parsed.corrections,
            state=self.state, truncated=self.truncated, finish_reason=getattr(self.state, "finish_reason", None),
        )
        return self._validated


async def structured_stream(
    schema: Any,
    stream: AwaitableStreamSource,
    *,
    auto_correct: bool = True,
    strict_mode: bool = False,
    timeout: Timeout | None = None,
    on_auto_correct: Callable[[AutoCorrectInfo], None] | None = None,
    on_event: Callable[[ObservabilityEvent], Any] | None = None,
    adapter: Adapter | str | None = None,
    on_partial: Callable[[Any], None] | None = None,
) -> tuple[AsyncIterator[Event], StructuredStreamResult[Any]]:
    """Start ``stream``; return ``(events, result)``.

    Iterate ``events`` for the runtime's events. While tokens arrive, each
    top-level field (and each item of a list field, or of a top-level array)
    is validated as soon as it is complete, and the new typed partial
    snapshot is passed to ``on_partial``, stored in ``result.partial`` and
    yielded by ``result.partials()``. ``await result.validate()`` validates
    the whole output.
    """
    handle = make_handle(schema)
    source = make_source(stream, "stream")
    run = await start_run(source.factory, on_event=on_event, adapter=adapter, timeout=timeout)
    holder: StructuredStreamResult[Any] = StructuredStreamResult(
        _schema=schema, _auto_correct=auto_correct, _strict_mode=strict_mode, _on_auto_correct=on_auto_correct,
        _on_event=on_event, _stream=run, _handle=handle,
    )
    holder.state = getattr(run, "state", None)

    def push(snapshot: Any) -> None:
        if holder._queue is not None:
            holder._queue.append(snapshot)
        if on_partial is not None:
            on_partial(snapshot)

    parser = holder._parser = PartialParser(handle, push)

    async def events() -> AsyncIterator[Any]:
        nonlocal parser
        state = holder.state
        buffer = getattr(state, "buffer", None)
        fed = 0
        rebuilds = 0
        included: bool | None = None  # does state.buffer already hold the token being yielded?
        try:
            async for event in run:
                text = getattr(event, "text", None)
                if text and event.is_token:
                    if buffer is not None:
                        size = len(buffer)
                        if included is None:
                            included = size >= len(text)
                        expected = fed + len(text) if included else fed
                        if size != expected:
                            # the runtime restarted the attempt (content reset, or resumed from a
                            # checkpoint): rebuild the partial state once from the current content
                            rebuilds += 1
                            if rebuilds > _MAX_REBUILDS:
                                # tokens and content disagree for good: follow the tokens only
                                buffer = None
                            parser = holder._parser = PartialParser(handle, push)
                            parser.feed(buffer.content)
                            fed = size
                            if included:
                                yield event
                                continue
                    fed += len(text)
                    parser.feed(text)
                yield event
        finally:
            holder._consumed = True
            holder.state = getattr(run, "state", holder.state)
            holder._text = holder.state.content if holder.state is not None else ""

    holder._events = events()
    return holder._events, holder
