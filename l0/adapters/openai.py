"""OpenAI chat-completions stream adapter (also LiteLLM's OpenAI-shaped chunks).

Turns the chunks of an ``openai`` SDK stream (``AsyncStream[ChatCompletionChunk]``),
a LiteLLM ``CustomStreamWrapper`` (``ModelResponseStream`` chunks) or any async
iterator of OpenAI-shaped chunks (objects or plain dicts) into l0 events:

* ``delta.content`` -> ``TOKEN`` (empty strings give no event);
* each ``delta.tool_calls`` item -> ``TOOL_CALL`` with
  ``data={"index", "id", "name", "arguments"}`` (one event per fragment; the
  runtime buffers them into complete calls when ``buffer_tool_calls`` is set);
* at the end, one ``COMPLETE`` carrying ``usage`` (``input_tokens``,
  ``output_tokens``, plus ``total_tokens``), ``finish_reason`` and
  ``metadata`` (``model``, ``provider``, ``id``, ``system_fingerprint``,
  ``tool_calls``).

A stream that ends without any ``finish_reason`` gets **no** COMPLETE event
(unless ``require_finish_reason=False``): the runtime then treats it as
truncated instead of silently complete. Errors raised by the SDK propagate
unchanged so the runtime can retry them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, AsyncIterator

from l0.adapters.event import AdaptedEvent
from l0.types import Event, EventType

_TOKEN = EventType.TOKEN
_TOOL_CALL = EventType.TOOL_CALL
_COMPLETE = EventType.COMPLETE
_MESSAGE = EventType.MESSAGE


@dataclass
class OpenAIAdapterOptions:
    """Options for :class:`OpenAIAdapter`.

    The first four are the reference's. ``require_finish_reason`` (addition):
    when True (default) a stream that ends with no ``finish_reason`` yields no
    COMPLETE event, so the runtime reports it as truncated; set it to False for
    servers that never send one. ``include_reasoning`` (addition): reasoning
    deltas (``delta.reasoning_content`` / ``delta.reasoning``) become
    ``MESSAGE`` events with ``data={"type": "reasoning", "content": ...}``; they
    are not content, but they keep the stream's timeout watchdog alive while a
    reasoning model thinks.
    """

    include_usage: bool = True
    include_tool_calls: bool = True
    emit_function_calls_as_tokens: bool = False
    choice_index: int | str = 0
    require_finish_reason: bool = True
    include_reasoning: bool = True

    def __post_init__(self) -> None:
        ci = self.choice_index
        if isinstance(ci, bool) or not ((isinstance(ci, int) and ci >= 0) or ci == "all"):
            raise ValueError(f"choice_index must be an int >= 0 or 'all', got {ci!r}")


_DEFAULT_OPTIONS = OpenAIAdapterOptions()


def _module_of(obj: Any) -> str:
    return type(obj).__module__ or ""


def _is_provider_module(module: str) -> bool:
    if module.startswith("l0.") or module == "l0":
        return False
    return "openai" in module or "litellm" in module


class StreamInfo:
    """What the adapter learned about one stream (read by :mod:`l0.client`).

    ``tool_call_open`` is True while a tool call has started and its stream
    has not finished; a failure in that window must restart the call, never
    continue it.
    """

    __slots__ = ("finish_reason", "model", "provider", "id", "system_fingerprint", "tool_calls", "tool_call_open",
                 "chunks", "usage")

    def __init__(self, provider: str) -> None:
        self.finish_reason: str | None = None
        self.model: str | None = None
        self.provider = provider
        self.id: str | None = None
        self.system_fingerprint: str | None = None
        self.tool_calls = 0
        self.tool_call_open = False
        self.chunks = 0
        self.usage: dict[str, int] | None = None

    def metadata(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "provider": self.provider,
            "id": self.id,
            "system_fingerprint": self.system_fingerprint,
            "tool_calls": self.tool_calls,
            "chunks": self.chunks,
        }


class OpenAIAdapter:
    """Adapter for OpenAI-shaped chat-completion streams (name ``"openai"``).

    ``OpenAIAdapter(options)`` fixes the options used when the runtime calls
    :meth:`wrap` (the runtime never passes options itself). With
    ``raw_chunks=False`` :meth:`wrap` yields plain :class:`~l0.types.Event`
    objects instead of ``AdaptedEvent`` (cheaper per chunk; ``stream.raw()``
    then stays empty). A wrapped client uses it unless ``keep_raw_chunks`` is set.
    """

    name = "openai"

    def __init__(self, options: OpenAIAdapterOptions | None = None, *, raw_chunks: bool = True) -> None:
        if options is not None and not isinstance(options, OpenAIAdapterOptions):
            raise TypeError(f"options must be an OpenAIAdapterOptions or None, got {type(options).__name__}")
        if not isinstance(raw_chunks, bool):
            raise TypeError(f"raw_chunks must be a bool, got {type(raw_chunks).__name__}")
        self.options = options
        self.raw_chunks = raw_chunks
        self.last_info: StreamInfo | None = None

    def __repr__(self) -> str:
        return f"OpenAIAdapter(options={self.options!r}, raw_chunks={self.raw_chunks!r})"

    def detect(self, stream: Any) -> bool:
        """True for ``openai`` / ``litellm`` stream objects (or coroutines defined there)."""
        code = getattr(stream, "cr_code", None)
        if code is not None:
            return _is_provider_module(getattr(code, "co_filename", "").replace("/", ".").replace("\\", "."))
        if _is_provider_module(_module_of(stream)):
            return True
        openai = sys.modules.get("openai")
        if openai is not None:
            stream_cls = getattr(openai, "AsyncStream", None)
            if stream_cls is not None and isinstance(stream, stream_cls):
                return True
        return False

    async def iter_events(
        self, stream: Any, options: OpenAIAdapterOptions | None = None, info: StreamInfo | None = None
    ) -> AsyncIterator[tuple[Event, Any]]:
        """Yield ``(event, raw_chunk)`` pairs; ``raw_chunk`` is None for the final COMPLETE."""
        async for item in self._events(stream, options, info, True):
            yield item.event, item.raw_chunk

    def wrap(
        self, stream: Any, options: OpenAIAdapterOptions | None = None, info: StreamInfo | None = None
    ) -> AsyncIterator[Any]:
        """Yield ``AdaptedEvent(event, raw_chunk)`` for each event of ``stream`` (None for the COMPLETE).

        With ``raw_chunks=False`` (constructor) it yields the plain events.
        """
        return self._events(stream, options, info, self.raw_chunks)

    async def _events(
        self, stream: Any, options: OpenAIAdapterOptions | None, info: StreamInfo | None, adapted: bool
    ) -> AsyncIterator[Any]:
        opts = options or self.options or _DEFAULT_OPTIONS
        if hasattr(stream, "__await__") and not hasattr(stream, "__aiter__"):
            stream = await stream
        if info is None:
            info = StreamInfo("litellm" if "litellm" in _module_of(stream) else "openai")
        self.last_info = info
        _register(stream, info)
        want_usage = opts.include_usage
        want_tools = opts.include_tool_calls
        want_reasoning = opts.include_reasoning
        as_tokens = opts.emit_function_calls_as_tokens
        choice_index = opts.choice_index
        all_choices = choice_index == "all"
        finish_reason: str | None = None
        chunks = 0
        first = True
        async for raw in stream:
            chunks += 1
            chunk = raw if type(raw) is not dict else _DictChunk(raw)
            if first:
                first = False
                _first_chunk(info, chunk)
            # Every field is optional: SDK look-alikes (proxies, test doubles, other SDKs) omit some.
            choices = getattr(chunk, "choices", None)
            if choices:
                for choice in choices if all_choices else choices[choice_index : choice_index + 1]:
                    delta = getattr(choice, "delta", None)
                    if delta is not None:
                        text = getattr(delta, "content", None)
                        if text:
                            ev = Event(_TOKEN, text)  # positional: ~2x cheaper than keywords
                            yield AdaptedEvent(ev, raw) if adapted else ev
                        elif want_reasoning:
                            thought = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
                            if thought and type(thought) is str:
                                ev = Event(_MESSAGE, data={"type": "reasoning", "content": thought})
                                yield AdaptedEvent(ev, raw) if adapted else ev
                        if want_tools:
                            calls = getattr(delta, "tool_calls", None)
                            if calls:
                                info.tool_call_open = True
                                for tc in calls:
                                    data = _tool_data(tc)
                                    if data["id"]:
                                        info.tool_calls += 1
                                    if as_tokens and data["arguments"]:
                                        ev = Event(_TOKEN, text=data["arguments"])
                                        yield AdaptedEvent(ev, raw) if adapted else ev
                                    ev = Event(_TOOL_CALL, data=data)
                                    yield AdaptedEvent(ev, raw) if adapted else ev
                    reason = getattr(choice, "finish_reason", None)
                    if reason:
                        finish_reason = reason
            if want_usage:
                usage = getattr(chunk, "usage", None)
                if usage:
                    info.usage = _usage(usage)
        info.chunks = chunks
        info.finish_reason = finish_reason
        if finish_reason is None and opts.require_finish_reason:
            return
        info.tool_call_open = False
        ev = Event(_COMPLETE, usage=info.usage, finish_reason=finish_reason, metadata=info.metadata())
        yield AdaptedEvent(ev) if adapted else ev


LiteLLMAdapter = OpenAIAdapter


def _first_chunk(info: StreamInfo, chunk: Any) -> None:
    info.model = getattr(chunk, "model", None)
    info.id = getattr(chunk, "id", None)
    info.system_fingerprint = getattr(chunk, "system_fingerprint", None)


def _tool_data(tc: Any) -> dict[str, Any]:
    if type(tc) is dict:
        fn = tc.get("function") or {}
        return {"index": tc.get("index"), "id": tc.get("id"), "name": fn.get("name"), "arguments": fn.get("arguments")}
    fn = getattr(tc, "function", None)
    return {
        "index": getattr(tc, "index", None),
        "id": getattr(tc, "id", None),
        "name": getattr(fn, "name", None) if fn is not None else None,
        "arguments": getattr(fn, "arguments", None) if fn is not None else None,
    }


def _usage(usage: Any) -> dict[str, int]:
    if isinstance(usage, dict):
        get = usage.get
    else:
        def get(key: str, default: Any = None) -> Any:
            return getattr(usage, key, default)
    prompt = get("prompt_tokens", 0) or 0
    completion = get("completion_tokens", 0) or 0
    total = get("total_tokens", None)
    return {
        "input_tokens": prompt,
        "output_tokens": completion,
        "total_tokens": total if total is not None else prompt + completion,
    }


class _Obj:
    """Attribute view of a dict (for OpenAI-shaped JSON chunks)."""

    __slots__ = ("_d",)

    def __init__(self, d: dict[str, Any]) -> None:
        self._d = d

    def __getattr__(self, name: str) -> Any:
        value = self._d.get(name)
        return _Obj(value) if type(value) is dict else value


class _DictChunk(_Obj):
    __slots__ = ()

    @property
    def choices(self) -> list[Any]:
        return [_Obj(c) if type(c) is dict else c for c in self._d.get("choices") or ()]

    def __getattr__(self, name: str) -> Any:
        value = self._d.get(name)
        if name == "usage":
            return value
        return _Obj(value) if type(value) is dict else value


_INFO_ATTR = "_l0_stream_info"


def _register(stream: Any, info: StreamInfo) -> None:
    try:
        setattr(stream, _INFO_ATTR, info)
    except (AttributeError, TypeError):
        pass


def stream_info(stream: Any) -> StreamInfo | None:
    """The :class:`StreamInfo` the adapter attached to ``stream`` (None if unknown)."""
    return getattr(stream, _INFO_ATTR, None)


__all__ = ["LiteLLMAdapter", "OpenAIAdapter", "OpenAIAdapterOptions", "StreamInfo", "stream_info"]
