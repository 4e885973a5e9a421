"""The native streaming transport for OpenAI-compatible chat completions.

The ``openai`` SDK spends most of a streamed chunk's client CPU decoding SSE
in Python and building a Pydantic model per chunk. The native transport keeps
the user's ``AsyncOpenAI`` client for everything around the body and replaces
only that part:

* the request goes out through the client's own raw-response API
  (``chat.completions.with_streaming_response.create``): same base URL, API
  key, organization/project, default headers and query, timeouts, request
  body, connection pool and SDK-level retries; an HTTP error raises the SDK's
  own exception (``openai.RateLimitError`` ... with status, body and headers);
* the body is read as bytes, split into events by the SSE kernel
  (``l0._backend.SSEDecoder``), each ``data:`` payload is parsed by ``orjson``,
  and only what l0 needs becomes :class:`~l0.types.Event` objects: text,
  tool-call deltas, reasoning, then one COMPLETE with finish_reason, usage and
  metadata (model, id, system_fingerprint) — no model object per chunk.

Errors are those of the SDK path: a transport failure while reading the body
raises ``openai.APIConnectionError`` / ``openai.APITimeoutError`` (as the SDK
does), an in-band ``{"error": ...}`` payload raises ``openai.APIError``, a
payload that is not JSON raises the same ``json.JSONDecodeError`` the SDK would,
and a body that ends without ``finish_reason`` yields no COMPLETE (the runtime
reports it as truncated). Closing the stream (or cancelling the task reading
it) closes the HTTP response at once.

Use it with ``l0.wrap(client, transport="native")`` or
``l0.run(l0.native_stream(client, model=..., messages=...))``; see
docs/providers.md for what it does not support.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator
from typing import Any

import orjson

from l0._backend import SSEDecoder
from l0.adapters.openai import OpenAIAdapter, OpenAIAdapterOptions, StreamInfo, _tool_data, _usage
from l0.types import Event, EventType

_TOKEN = EventType.TOKEN
_TOOL_CALL = EventType.TOOL_CALL
_COMPLETE = EventType.COMPLETE
_MESSAGE = EventType.MESSAGE
_DEFAULT_OPTIONS = OpenAIAdapterOptions()
_DONE = b"[DONE]"
# After [DONE], how long the rest of an HTTP/1.1 body may take to arrive (the SDK's own bound).
_DRAIN_SECONDS = 0.1

TRANSPORTS = ("sdk", "native")


class NativeTransportNotSupportedError(TypeError):
    """The native transport cannot serve this client or option (it never falls back silently).

    Retrying cannot help, so the runtime does not retry it.
    """

    l0_retryable = False


def check_native_client(client: Any) -> Any:
    """The ``chat.completions`` resource of ``client`` if the native transport can drive it, else raise.

    It needs an async ``openai`` client (``AsyncOpenAI``, ``AsyncAzureOpenAI``, or a
    compatible object) whose ``chat.completions`` has ``with_streaming_response``.
    """
    completions = getattr(getattr(client, "chat", None), "completions", None)
    raw = getattr(completions, "with_streaming_response", None)
    create = getattr(raw, "create", None)
    if create is None:
        raise NativeTransportNotSupportedError(
            f"transport='native' needs an openai SDK client (AsyncOpenAI or compatible) whose "
            f"chat.completions has with_streaming_response; got {type(client).__name__}. "
            "Use transport='sdk' for other clients"
        )
    if not inspect.iscoroutinefunction(getattr(completions, "create", None)) and not _is_async_client(client):
        raise NativeTransportNotSupportedError(
            f"transport='native' needs an async client (openai.AsyncOpenAI), got {type(client).__name__}"
        )
    return completions


def _is_async_client(client: Any) -> bool:
    return "Async" in type(client).__name__


def native_options(adapter: Any) -> OpenAIAdapterOptions | None:
    """The adapter options the native transport honours, from a wrap-time ``adapter=`` (or raise)."""
    if adapter is None:
        return None
    if isinstance(adapter, OpenAIAdapter):
        return adapter.options
    if isinstance(adapter, OpenAIAdapterOptions):
        return adapter
    raise NativeTransportNotSupportedError(
        f"transport='native' builds l0 events itself and takes only an OpenAIAdapter (for its options) as adapter=, "
        f"got {adapter!r}"
    )


async def native_create(completions: Any, options: OpenAIAdapterOptions | None = None, /, **kwargs: Any) -> NativeStream:
    """Send ``completions.create(**kwargs)`` (``stream=True``) and return the open :class:`NativeStream`.

    HTTP errors raise here, exactly as ``await completions.create(...)`` would.
    """
    if not kwargs.get("stream"):
        raise ValueError("native_create: the native transport streams only; pass stream=True")
    manager = completions.with_streaming_response.create(**kwargs)
    response = await manager.__aenter__()
    return NativeStream(response.http_response, options)


class NativeAdapter:
    """The adapter the runtime uses for :class:`NativeStream` (it already yields l0 events)."""

    name = "openai-native"

    def detect(self, stream: Any) -> bool:
        return type(stream) is NativeStream

    def wrap(self, stream: Any, options: Any = None) -> AsyncIterator[Event]:
        if type(stream) is not NativeStream:
            raise NativeTransportNotSupportedError(
                f"the openai-native adapter reads only l0.native.NativeStream, got {type(stream).__name__}"
            )
        return stream.__aiter__()


class NativeStream:
    """One open chat-completions response, iterated once as l0 :class:`~l0.types.Event` objects.

    ``response`` is the ``httpx`` response (closed when iteration ends, fails or
    is cancelled, or on :meth:`aclose`); ``info`` is the :class:`StreamInfo` the
    wrapped client reads (finish reason, model, id, usage, open tool call).
    """

    __slots__ = ("response", "options", "_l0_stream_info", "_started")

    def __init__(self, response: Any, options: OpenAIAdapterOptions | None = None) -> None:
        self.response = response
        self.options = options or _DEFAULT_OPTIONS
        self._l0_stream_info = StreamInfo("openai")
        self._started = False

    @property
    def info(self) -> StreamInfo:
        """What this stream has told l0 so far."""
        return self._l0_stream_info

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._started:
            raise RuntimeError("a NativeStream can be iterated only once")
        self._started = True
        return self._events()

    async def aclose(self) -> None:
        """Close the HTTP response (idempotent)."""
        await self.response.aclose()

    async def _events(self) -> AsyncIterator[Event]:
        response = self.response
        opts = self.options
        info = self._l0_stream_info
        want_usage = opts.include_usage
        want_tools = opts.include_tool_calls
        want_reasoning = opts.include_reasoning
        as_tokens = opts.emit_function_calls_as_tokens
        choice_index = opts.choice_index
        all_choices = choice_index == "all"
        feed = SSEDecoder().feed
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        timeout_errors, request_errors = _sdk_read_errors()
        finish_reason: str | None = None
        chunks = 0
        done = False
        try:
            try:
                async for raw in response.aiter_bytes():
                    for _event, data in feed(raw):
                        if data.startswith(_DONE):
                            done = True
                            break
                        try:
                            chunk = loads(data)
                        except decode_error:
                            chunk = _loads_like_the_sdk(data)
                        if type(chunk) is not dict:
                            raise ValueError(f"chat completion chunk is not a JSON object: {data[:200]!r}")
                        if chunk.get("error"):
                            raise _in_band_error(chunk, response)
                        chunks += 1
                        if chunks == 1:
                            info.model = chunk.get("model")
                            info.id = chunk.get("id")
                            info.system_fingerprint = chunk.get("system_fingerprint")
                        choices = chunk.get("choices")
                        if choices:
                            for choice in choices if all_choices else choices[choice_index:choice_index + 1]:
                                delta = choice.get("delta")
                                if delta is not None:
                                    text = delta.get("content")
                                    if text:
                                        yield Event(_TOKEN, text)
                                    elif want_reasoning:
                                        thought = delta.get("reasoning_content") or delta.get("reasoning")
                                        if thought and type(thought) is str:
                                            yield Event(_MESSAGE, data={"type": "reasoning", "content": thought})
                                    if want_tools:
                                        calls = delta.get("tool_calls")
                                        if calls:
                                            info.tool_call_open = True
                                            for tc in calls:
                                                tool = _tool_data(tc)
                                                if tool["id"]:
                                                    info.tool_calls += 1
                                                if as_tokens and tool["arguments"]:
                                                    yield Event(_TOKEN, text=tool["arguments"])
                                                yield Event(_TOOL_CALL, data=tool)
                                reason = choice.get("finish_reason")
                                if reason:
                                    finish_reason = reason
                        if want_usage:
                            usage = chunk.get("usage")
                            if usage:
                                info.usage = _usage(usage)
                    if done:
                        break
                if done and response.http_version == "HTTP/1.1":
                    await _drain(response, request_errors)
            except timeout_errors as exc:
                raise _sdk_error("APITimeoutError", response) from exc
            except request_errors as exc:
                raise _sdk_error("APIConnectionError", response) from exc
        finally:
            # Cancellation, a consumer that stops early, an error: the response never outlives the stream.
            await response.aclose()
        info.chunks = chunks
        info.finish_reason = finish_reason
        if finish_reason is None and opts.require_finish_reason:
            return
        info.tool_call_open = False
        yield Event(_COMPLETE, usage=info.usage, finish_reason=finish_reason, metadata=info.metadata())


def _loads_like_the_sdk(data: bytes) -> Any:
    """The SDK parses with ``json.loads(str)``: re-parse so a bad payload raises exactly its error.

    (orjson is also stricter: ``NaN`` and friends, which json accepts, land here and parse.)
    """
    return json.loads(data.decode("utf-8"))


async def _drain(response: Any, errors: tuple[type[BaseException], ...]) -> None:
    """Read what is left of an HTTP/1.1 body after ``[DONE]`` so the connection can be reused."""

    async def rest() -> None:
        # The transport's byte stream itself (as the SDK drains): no decoding of what follows [DONE].
        async for _ in response.stream:
            pass

    try:
        await asyncio.wait_for(rest(), _DRAIN_SECONDS)
    except (asyncio.TimeoutError, *errors):
        pass  # cleanup never turns a finished answer into an error
    except Exception as exc:  # noqa: BLE001 - e.g. StreamConsumed on transports that buffered everything
        if type(exc).__name__ not in ("StreamConsumed", "StreamClosed"):
            raise


def _in_band_error(chunk: dict[str, Any], response: Any) -> BaseException:
    from openai import APIError

    error = chunk["error"]
    message = error.get("message") if isinstance(error, dict) else None
    if not message or not isinstance(message, str):
        message = "An error occurred during streaming"
    return APIError(message=message, request=response.request, body=error)


def _sdk_error(name: str, response: Any) -> BaseException:
    import openai

    return getattr(openai, name)(request=response.request)


_READ_ERRORS: tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]] | None = None


def _sdk_read_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """The transport errors the installed SDK turns into APITimeoutError / APIConnectionError mid-stream."""
    global _READ_ERRORS
    if _READ_ERRORS is None:
        try:
            from openai._httpx2 import request_exceptions, timeout_exceptions
        except ImportError:
            # openai 1.x / 2.x let the httpx error through unchanged while the body streams.
            _READ_ERRORS = ((), ())
        else:
            _READ_ERRORS = (tuple(timeout_exceptions()), tuple(request_exceptions()))
    return _READ_ERRORS


__all__ = [
    "TRANSPORTS",
    "NativeAdapter",
    "NativeStream",
    "NativeTransportNotSupportedError",
    "check_native_client",
    "native_create",
    "native_options",
]
