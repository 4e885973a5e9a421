"""Anthropic Messages stream adapter (the real ``anthropic`` SDK's ``messages.create(stream=True)``).

Turns the SDK's stream events (objects, or plain dicts of the same shape) into l0 events:

* ``content_block_delta`` / ``text_delta`` -> ``TOKEN``;
* ``content_block_start`` of a ``tool_use`` block -> ``TOOL_CALL`` with
  ``data={"index", "id", "name", "arguments": ""}``, then each
  ``input_json_delta`` -> ``TOOL_CALL`` with the ``arguments`` piece (the
  runtime joins them with ``buffer_tool_calls``);
* ``thinking_delta`` -> ``MESSAGE`` with ``data={"type": "reasoning", ...}``:
  not content, but it keeps the timeout watchdog alive while the model thinks;
* ``message_delta``'s ``stop_reason`` -> ``finish_reason`` (``end_turn`` and
  ``stop_sequence`` -> ``"stop"``, ``max_tokens`` -> ``"length"``, so the
  runtime treats it as truncation, ``tool_use`` -> ``"tool_calls"``,
  ``refusal`` -> ``"content_filter"``, others as given); usage from
  ``message_start`` and ``message_delta``; one ``COMPLETE`` at the end.

A stream that ends without a ``stop_reason`` yields no COMPLETE: the runtime
reports it as truncated. An in-band ``overloaded_error`` event (the SDK raises
``APIStatusError`` carrying the stream's HTTP 200) gets ``status_code = 529``, the
status Anthropic uses for it, so the runtime retries it as transient and honours
a ``retry-after`` header of the response; other SDK errors propagate unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

from l0.adapters.event import AdaptedEvent
from l0.adapters.openai import StreamInfo, _register
from l0.types import Event, EventType

_TOKEN = EventType.TOKEN
_TOOL_CALL = EventType.TOOL_CALL
_COMPLETE = EventType.COMPLETE
_MESSAGE = EventType.MESSAGE

STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
                "refusal": "content_filter"}


def _get(obj: Any, name: str) -> Any:
    if type(obj) is dict:
        return obj.get(name)
    return getattr(obj, name, None)


class AnthropicAdapter:
    """Adapter for Anthropic Messages streams (name ``"anthropic"``), auto-detected for ``anthropic`` SDK streams.

    ``AnthropicAdapter(raw_chunks=False)`` yields plain events instead of
    ``AdaptedEvent`` (``stream.raw()`` then stays empty).
    """

    name = "anthropic"

    def __init__(self, *, raw_chunks: bool = True) -> None:
        if not isinstance(raw_chunks, bool):
            raise TypeError(f"raw_chunks must be a bool, got {type(raw_chunks).__name__}")
        self.raw_chunks = raw_chunks

    def __repr__(self) -> str:
        return f"AnthropicAdapter(raw_chunks={self.raw_chunks!r})"

    def detect(self, stream: Any) -> bool:
        """True for ``anthropic`` SDK stream objects (or coroutines defined there)."""
        code = getattr(stream, "cr_code", None)
        if code is not None:
            path = getattr(code, "co_filename", "").replace("\\", "/")
            return "/anthropic/" in path
        module = type(stream).__module__ or ""
        if module == "anthropic" or module.startswith("anthropic."):
            return True
        sdk = sys.modules.get("anthropic")
        stream_cls = getattr(sdk, "AsyncStream", None) if sdk is not None else None
        return stream_cls is not None and isinstance(stream, stream_cls)

    def wrap(self, stream: Any, options: Any = None, info: StreamInfo | None = None) -> AsyncIterator[Any]:
        """Yield ``AdaptedEvent(event, raw_event)`` (or plain events with ``raw_chunks=False``)."""
        return self._events(stream, info, self.raw_chunks)

    async def _events(self, stream: Any, info: StreamInfo | None, adapted: bool) -> AsyncIterator[Any]:
        if hasattr(stream, "__await__") and not hasattr(stream, "__aiter__"):
            stream = await stream
        if info is None:
            info = StreamInfo("anthropic")
        _register(stream, info)
        stop_reason: str | None = None
        usage_in = usage_out = 0
        tools: dict[int, str] = {}
        chunks = 0
        try:
            async for raw in stream:
                chunks += 1
                kind = _get(raw, "type")
                if kind == "content_block_delta":
                    delta = _get(raw, "delta")
                    dkind = _get(delta, "type")
                    if dkind == "text_delta":
                        text = _get(delta, "text")
                        if text:
                            ev = Event(_TOKEN, text)
                            yield AdaptedEvent(ev, raw) if adapted else ev
                    elif dkind == "input_json_delta":
                        index = _get(raw, "index")
                        piece = _get(delta, "partial_json")
                        if piece:
                            ev = Event(_TOOL_CALL, data={"index": index, "id": None, "name": None,
                                                         "arguments": piece})
                            yield AdaptedEvent(ev, raw) if adapted else ev
                    elif dkind == "thinking_delta":
                        thought = _get(delta, "thinking")
                        if thought:
                            ev = Event(_MESSAGE, data={"type": "reasoning", "content": thought})
                            yield AdaptedEvent(ev, raw) if adapted else ev
                elif kind == "content_block_start":
                    block = _get(raw, "content_block")
                    if _get(block, "type") == "tool_use":
                        index = _get(raw, "index")
                        tools[index] = _get(block, "id")
                        info.tool_calls += 1
                        info.tool_call_open = True
                        ev = Event(_TOOL_CALL, data={"index": index, "id": _get(block, "id"),
                                                     "name": _get(block, "name"), "arguments": ""})
                        yield AdaptedEvent(ev, raw) if adapted else ev
                elif kind == "message_start":
                    message = _get(raw, "message")
                    info.model = _get(message, "model")
                    info.id = _get(message, "id")
                    usage = _get(message, "usage")
                    if usage is not None:
                        usage_in = _get(usage, "input_tokens") or 0
                        usage_out = _get(usage, "output_tokens") or 0
                elif kind == "message_delta":
                    reason = _get(_get(raw, "delta"), "stop_reason")
                    if reason:
                        stop_reason = reason
                    usage = _get(raw, "usage")
                    if usage is not None:
                        out = _get(usage, "output_tokens")
                        if out is not None:  # 0 is a count, not "absent"
                            usage_out = out
        except Exception as exc:
            _mark_overloaded(exc)
            raise
        info.chunks = chunks
        if stop_reason is None:
            return
        finish = STOP_REASONS.get(stop_reason, stop_reason)
        info.finish_reason = finish
        info.tool_call_open = False
        info.usage = {"input_tokens": usage_in, "output_tokens": usage_out, "total_tokens": usage_in + usage_out}
        meta = info.metadata()
        meta["stop_reason"] = stop_reason
        ev = Event(_COMPLETE, usage=info.usage, finish_reason=finish, metadata=meta)
        yield AdaptedEvent(ev) if adapted else ev


def _mark_overloaded(exc: BaseException) -> None:
    """An in-band ``overloaded_error`` carries the stream's 200: give it Anthropic's 529 so it is retried."""
    if getattr(exc, "status_code", None) != 200:
        return
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("type") == "overloaded_error":
        try:
            exc.status_code = 529  # type: ignore[attr-defined]
        except AttributeError:
            pass


__all__ = ["STOP_REASONS", "AnthropicAdapter"]
