"""Wrap an OpenAI-compatible client so streaming calls run through ``l0``.

``l0.wrap(AsyncOpenAI())`` (or :func:`wrap_client`) returns a
:class:`WrappedClient`. ``await wrapped.chat.completions.create(..., stream=True)``
returns an ``l0`` :class:`~l0.runtime.Stream` that applies the wrap-time
options (guardrails, retry, timeout, fallbacks, continuation, callbacks) and
calls the underlying ``create`` again for each attempt. Calls without
``stream=True`` go straight to the client, and every other attribute
(``embeddings``, ``models``, ``chat.completions.parse`` ...) is forwarded.

Fallbacks may be stream factories (as in ``l0.run``), model names
(``"gpt-4o-mini"``) or dicts of ``create`` keyword overrides
(``{"model": "backup", "temperature": 0}``); names and dicts reuse the
request's other arguments.

On a continuation (``continue_from_last_good_token``) the next attempt asks
the model to continue: the checkpoint is appended as an assistant message,
followed by a user message with the continuation prompt. A failure in the
middle of a tool call is never continued: that attempt re-sends the original
request so the tool call is produced again from its start.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from l0.adapters.anthropic import AnthropicAdapter
from l0.adapters.openai import OpenAIAdapter, stream_info
from l0.native import (
    TRANSPORTS,
    NativeAdapter,
    NativeTransportNotSupportedError,
    check_native_client,
    native_create,
    native_options,
)

DEFAULT_CONTINUATION_PROMPT = (
    "Your previous answer was interrupted. Continue it exactly from where it stopped, "
    "without repeating any of the text above and without any preamble."
)

_FIELDS = (
    "fallbacks",
    "guardrails",
    "retry",
    "timeout",
    "adapter",
    "on_event",
    "on_token",
    "on_tool_call",
    "on_violation",
    "context",
    "buffer_tool_calls",
    "continue_from_last_good_token",
    "build_continuation_prompt",
    "transport",
)


class NotAnAsyncStreamError(TypeError):
    """The wrapped client's ``create(stream=True)`` did not return an async stream.

    Retrying cannot help (the client is synchronous), so the runtime does not retry it.
    """

    l0_retryable = False


class ClientConfig:
    """The wrap-time options of a :class:`WrappedClient`.

    ``retry=None`` means ``Retry.recommended()``; continuation is off unless
    asked for (:func:`wrap_client` turns it on by default, as in the reference). ``run_options`` holds any
    further keyword arguments of ``l0.run`` (``callbacks``, ``check_intervals``,
    ``drift_detector``, ``on_retry`` ...), passed through unchanged.
    """

    __slots__ = (*_FIELDS, "run_options")

    def __init__(
        self,
        *,
        fallbacks: list[Any] | None = None,
        guardrails: list[Any] | None = None,
        retry: Any = None,
        timeout: Any = None,
        adapter: Any = None,
        on_event: Callable[..., Any] | None = None,
        on_token: Callable[[str], Any] | None = None,
        on_tool_call: Callable[[str, str, dict[str, Any]], Any] | None = None,
        on_violation: Callable[[Any], Any] | None = None,
        context: dict[str, Any] | None = None,
        buffer_tool_calls: bool = False,
        continue_from_last_good_token: Any = False,
        build_continuation_prompt: Callable[[str], str] | None = None,
        transport: str = "sdk",
        run_options: Mapping[str, Any] | None = None,
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {', '.join(map(repr, TRANSPORTS))}, got {transport!r}")
        if transport == "native":
            native_options(adapter)  # raises for adapters the native transport cannot honour
            if (run_options or {}).get("keep_raw_chunks"):
                raise NativeTransportNotSupportedError(
                    "keep_raw_chunks needs provider chunk objects, which transport='native' never builds; "
                    "use transport='sdk' to keep raw chunks"
                )
        if retry is None:
            from l0.types import Retry

            retry = Retry.recommended()
        if fallbacks is not None:
            if isinstance(fallbacks, (str, bytes, Mapping)) or not hasattr(fallbacks, "__iter__"):
                raise TypeError(
                    "fallbacks must be a list of stream factories, model names or dicts of create() overrides, "
                    f"got {type(fallbacks).__name__}"
                )
            fallbacks = list(fallbacks)
            for i, fb in enumerate(fallbacks):
                if not (callable(fb) or isinstance(fb, (str, Mapping))):
                    raise TypeError(
                        f"fallbacks[{i}] must be a stream factory, a model name or a dict of create() overrides, "
                        f"got {type(fb).__name__}"
                    )
        if context is not None and not isinstance(context, dict):
            raise TypeError(f"context must be a dict or None, got {type(context).__name__}")
        self.fallbacks = fallbacks
        self.guardrails = guardrails
        self.retry = retry
        self.timeout = timeout
        self.adapter = adapter
        self.on_event = on_event
        self.on_token = on_token
        self.on_tool_call = on_tool_call
        self.on_violation = on_violation
        self.context = context
        self.buffer_tool_calls = bool(buffer_tool_calls)
        self.continue_from_last_good_token = continue_from_last_good_token
        self.build_continuation_prompt = build_continuation_prompt
        self.transport = transport
        self.run_options = dict(run_options or {})

    def as_dict(self) -> dict[str, Any]:
        """All fields as keyword arguments for :class:`ClientConfig`."""
        out = {name: getattr(self, name) for name in _FIELDS}
        out["run_options"] = dict(self.run_options)
        return out

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in _FIELDS if getattr(self, k) not in (None, False))
        return f"ClientConfig({shown})"


class WrappedClient:
    """An OpenAI-compatible client whose streaming completions run through ``l0``."""

    __slots__ = ("_client", "_config", "chat", "messages")

    def __init__(self, client: Any, config: ClientConfig | None = None) -> None:
        self._client = client
        self._config = config if config is not None else ClientConfig()
        chat = getattr(client, "chat", None)
        self.chat = WrappedChat(client, chat, self._config) if chat is not None else None
        if chat is None and _is_anthropic(client):
            # Anthropic's Messages API: continuation by assistant prefill, the Anthropic adapter.
            self.messages = WrappedCompletions(client, client.messages, self._config, anthropic=True)

    @property
    def unwrapped(self) -> Any:
        """The original client."""
        return self._client

    @property
    def config(self) -> ClientConfig:
        """The wrap-time options."""
        return self._config

    def with_options(self, **changes: Any) -> WrappedClient:
        """A new wrapper with some options replaced (``None`` keeps the current value)."""
        unknown = set(changes) - set(_FIELDS) - {"run_options"}
        merged = self._config.as_dict()
        for name, value in changes.items():
            if name in unknown:
                continue
            if value is not None:
                merged[name] = value
        run_options = merged.pop("run_options")
        extra = {k: v for k, v in changes.items() if k in unknown and v is not None}
        _check_run_options(extra)
        run_options.update(extra)
        return WrappedClient(self._client, ClientConfig(**merged, run_options=run_options))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            # Private names (and our own slots before they are set, e.g. during copy) never forward.
            raise AttributeError(name)
        return getattr(self._client, name)

    def __repr__(self) -> str:
        return f"WrappedClient({self._client!r}, {self._config!r})"


class WrappedChat:
    """``client.chat`` with ``completions`` wrapped; other attributes are forwarded."""

    __slots__ = ("_client", "_chat", "_config", "completions")

    def __init__(self, client: Any, chat: Any, config: ClientConfig) -> None:
        self._client = client
        self._chat = chat
        self._config = config
        completions = getattr(chat, "completions", None)
        self.completions = WrappedCompletions(client, completions, config) if completions is not None else None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            # Private names (and our own slots before they are set, e.g. during copy) never forward.
            raise AttributeError(name)
        return getattr(self._chat, name)


class WrappedCompletions:
    """``client.chat.completions`` (or an Anthropic client's ``messages``) whose ``create(stream=True)``
    returns an ``l0`` Stream."""

    __slots__ = ("_client", "_completions", "_config", "_anthropic")

    def __init__(self, client: Any, completions: Any, config: ClientConfig, *, anthropic: bool = False) -> None:
        self._client = client
        self._completions = completions
        self._config = config
        self._anthropic = anthropic

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            # Private names (and our own slots before they are set, e.g. during copy) never forward.
            raise AttributeError(name)
        return getattr(self._completions, name)

    async def create(self, **kwargs: Any) -> Any:
        """Like the client's ``create``; with ``stream=True`` the result is an ``l0`` Stream."""
        if not kwargs.get("stream"):
            result = self._completions.create(**kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result
        cfg = self._config
        run = importlib.import_module("l0._entry").run
        options: dict[str, Any] = dict(cfg.run_options)
        last: list[Any] = [None]
        fallbacks = [self._fallback(fb, kwargs, last) for fb in cfg.fallbacks or ()]
        keep_raw = options.get("keep_raw_chunks", False)
        for name in ("on_token", "on_tool_call", "on_violation"):
            if getattr(cfg, name) is not None:
                options[name] = getattr(cfg, name)
        if options.get("rate_limit") is not None:
            # One coordinator key per source: the client's base URL, that source's model, the API key's fingerprint.
            calls = [kwargs, *({**kwargs, "model": fb} if isinstance(fb, str) else {**kwargs, **fb}
                               if isinstance(fb, Mapping) else None for fb in cfg.fallbacks or ())]
            options["rate_limit"] = importlib.import_module("l0.ratelimit").for_client(
                options["rate_limit"], self._client, calls)
        return await run(
            self._factory(kwargs, last),
            fallbacks=fallbacks or None,
            guardrails=cfg.guardrails,
            retry=cfg.retry,
            timeout=cfg.timeout,
            adapter=self._adapter(bool(keep_raw)),
            on_event=cfg.on_event,
            context=cfg.context,
            buffer_tool_calls=cfg.buffer_tool_calls,
            continue_from_last_good_token=cfg.continue_from_last_good_token,
            build_continuation_prompt=cfg.build_continuation_prompt,
            **options,
        )

    def _adapter(self, keep_raw: bool) -> Any:
        cfg = self._config
        if cfg.transport == "native":
            return NativeAdapter()
        if cfg.adapter is not None:
            return cfg.adapter
        if self._anthropic:
            return AnthropicAdapter(raw_chunks=keep_raw)
        return OpenAIAdapter(raw_chunks=keep_raw)

    def _fallback(self, fb: Any, kwargs: dict[str, Any], last: list[Any]) -> Callable[..., Any]:
        if isinstance(fb, str):
            return self._factory({**kwargs, "model": fb}, last)
        if isinstance(fb, Mapping):
            return self._factory({**kwargs, **fb}, last)
        return fb

    def _factory(self, kwargs: dict[str, Any], last: list[Any]) -> Callable[[Any], Any]:
        if self._config.transport == "native":
            options = native_options(self._config.adapter)
            return _make_factory(partial(native_create, self._completions, options), kwargs, last)
        return _make_factory(self._completions.create, kwargs, last, prefill_messages if self._anthropic else None)


def completion_factory(create: Callable[..., Any], /, **kwargs: Any) -> Callable[[Any], Any]:
    """A stream factory for ``l0.run`` that calls ``create(**kwargs)`` once per attempt.

    Use it with clients you do not wrap, e.g. LiteLLM::

        stream = await l0.run(
            completion_factory(litellm.acompletion, model="openai/gpt-4o-mini", messages=msgs, stream=True),
            continue_from_last_good_token=True,
        )

    On a continuation it appends the checkpoint (assistant) and the
    continuation prompt (user) to ``messages``; after a failure in the middle
    of a tool call it re-sends the original request instead.
    """
    if not callable(create):
        raise TypeError(f"create must be callable (e.g. litellm.acompletion), got {type(create).__name__}")
    return _make_factory(create, kwargs, [None])


def native_stream(client: Any, /, *, adapter_options: Any = None, **kwargs: Any) -> Callable[[Any], Any]:
    """A stream factory for ``l0.run`` that reads ``client``'s chat completions with the native transport.

    ``client`` is an ``openai.AsyncOpenAI`` (or compatible); ``kwargs`` are the
    ``chat.completions.create`` arguments (``stream=True`` is implied)::

        stream = await l0.run(l0.native_stream(client, model="gpt-4o", messages=msgs),
                              continue_from_last_good_token=True)

    ``adapter_options`` takes an ``OpenAIAdapterOptions``. Continuation and
    tool-call restarts work as with :func:`completion_factory`.
    """
    completions = check_native_client(client)
    options = native_options(adapter_options)
    return _make_factory(partial(native_create, completions, options), {**kwargs, "stream": True}, [None])


def messages_factory(create: Callable[..., Any], /, **kwargs: Any) -> Callable[[Any], Any]:
    """A stream factory for ``l0.run`` over Anthropic's ``messages.create`` (continuation by assistant prefill).

    ::

        client = anthropic.AsyncAnthropic(max_retries=0)
        stream = await l0.run(
            messages_factory(client.messages.create, model="claude-sonnet-4-5", max_tokens=1024,
                             messages=msgs, stream=True),
            continue_from_last_good_token=True,
        )

    On a continuation the checkpoint is appended as a final assistant message
    (Anthropic continues a prefilled answer; trailing whitespace is stripped,
    which the API requires, and l0 removes any overlap); after a failure in the
    middle of a tool call the original request is re-sent.
    """
    if not callable(create):
        raise TypeError(f"create must be callable (e.g. client.messages.create), got {type(create).__name__}")
    return _make_factory(create, kwargs, [None], prefill_messages)


def prefill_messages(messages: list[Any], checkpoint: str, prompt: str | None = None) -> list[Any]:
    """``messages`` plus the partial answer as a final assistant message (Anthropic prefill); ``prompt`` is unused."""
    return [*messages, {"role": "assistant", "content": checkpoint.rstrip()}]


def _make_factory(create: Callable[..., Any], kwargs: dict[str, Any], last: list[Any],
                  extend: Callable[..., list[Any]] | None = None) -> Callable[[Any], Any]:
    """A per-attempt factory; ``last`` (shared by a fallback chain) holds the previous attempt's stream.

    ``extend(messages, checkpoint, prompt)`` builds a continuation's messages (default:
    :func:`continuation_messages`).
    """
    extend = extend or continuation_messages

    async def factory(ctx: Any) -> Any:
        call = kwargs
        previous = stream_info(last[0]) if last[0] is not None else None
        interrupted_tool_call = previous is not None and previous.tool_call_open
        if (
            ctx is not None
            and getattr(ctx, "is_continuation", False)
            and getattr(ctx, "checkpoint", "")
            and not interrupted_tool_call
        ):
            call = dict(kwargs)
            call["messages"] = extend(
                kwargs.get("messages") or [], ctx.checkpoint, getattr(ctx, "continuation_prompt", None)
            )
        result = create(**call)
        if inspect.isawaitable(result):
            result = await result
        if not hasattr(result, "__aiter__"):
            raise NotAnAsyncStreamError(
                f"create(stream=True) returned {type(result).__name__}, not an async stream; "
                "l0 needs an async client such as openai.AsyncOpenAI"
            )
        last[0] = result
        return result

    return factory


def continuation_messages(messages: list[Any], checkpoint: str, prompt: str | None = None) -> list[Any]:
    """``messages`` plus the partial answer (assistant) and a request to continue it (user)."""
    return [
        *messages,
        {"role": "assistant", "content": checkpoint},
        {"role": "user", "content": prompt or DEFAULT_CONTINUATION_PROMPT},
    ]


def _is_anthropic(client: Any) -> bool:
    """An ``anthropic`` SDK client (``AsyncAnthropic``, Bedrock/Vertex variants): ``messages.create`` from there."""
    module = type(client).__module__ or ""
    create = getattr(getattr(client, "messages", None), "create", None)
    return create is not None and (module == "anthropic" or module.startswith("anthropic."))


def _check_run_options(run_options: Mapping[str, Any]) -> None:
    """Reject misspelt options at wrap time rather than at the first streaming call."""
    if not run_options:
        return
    params = inspect.signature(importlib.import_module("l0._entry").run).parameters
    for name in run_options:
        if name not in params or name == "stream" or name in _FIELDS:
            raise TypeError(f"wrap_client() got an unexpected keyword argument {name!r}")
    if run_options.get("rate_limit") is not None:
        importlib.import_module("l0.ratelimit").for_client(run_options["rate_limit"], None, [])  # bad values fail now


def wrap_client(
    client: Any,
    *,
    fallbacks: list[Any] | None = None,
    guardrails: list[Any] | None = None,
    retry: Any = None,
    timeout: Any = None,
    adapter: Any = None,
    on_event: Callable[..., Any] | None = None,
    on_token: Callable[[str], Any] | None = None,
    on_tool_call: Callable[[str, str, dict[str, Any]], Any] | None = None,
    on_violation: Callable[[Any], Any] | None = None,
    context: dict[str, Any] | None = None,
    buffer_tool_calls: bool = False,
    continue_from_last_good_token: Any = True,
    build_continuation_prompt: Callable[[str], str] | None = None,
    transport: str = "sdk",
    **run_options: Any,
) -> WrappedClient:
    """Wrap an OpenAI-compatible client (anything with ``chat.completions.create``).

    ``transport="native"`` reads streamed answers with l0's own SSE/JSON path
    instead of the SDK's chunk models (same requests, errors and events; see
    :mod:`l0.native`). Extra keyword arguments are further ``l0.run`` options
    (``callbacks``, ``check_intervals``, ``drift_detector``, ``on_retry`` ...).
    """
    chat = getattr(client, "chat", None)
    if (chat is None or getattr(chat, "completions", None) is None) and not _is_anthropic(client):
        raise TypeError(
            "client must have chat.completions.create (an OpenAI-compatible client) or be an anthropic client "
            f"with messages.create, got {type(client).__name__}"
        )
    _check_run_options(run_options)
    if transport == "native":
        if chat is None:
            raise NativeTransportNotSupportedError(
                "transport='native' reads OpenAI-compatible chat completions only; an anthropic client streams "
                "through its SDK (transport='sdk')"
            )
        check_native_client(client)
    config = ClientConfig(
        fallbacks=fallbacks,
        guardrails=guardrails,
        retry=retry,
        timeout=timeout,
        adapter=adapter,
        on_event=on_event,
        on_token=on_token,
        on_tool_call=on_tool_call,
        on_violation=on_violation,
        context=context,
        buffer_tool_calls=buffer_tool_calls,
        continue_from_last_good_token=continue_from_last_good_token,
        build_continuation_prompt=build_continuation_prompt,
        transport=transport,
        run_options=run_options,
    )
    return WrappedClient(client, config)


__all__ = [
    "ClientConfig",
    "DEFAULT_CONTINUATION_PROMPT",
    "NotAnAsyncStreamError",
    "WrappedChat",
    "WrappedClient",
    "WrappedCompletions",
    "completion_factory",
    "continuation_messages",
    "messages_factory",
    "native_stream",
    "prefill_messages",
    "wrap_client",
]
