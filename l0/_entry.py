"""The top-level entry points: ``l0.run`` (alias ``l0.l0``) and ``l0.wrap``."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from l0.runtime import LazyStream, LifecycleCallbacks, Stream, _internal_run
from l0.types import CheckIntervals, Retry, Timeout

__all__ = ["run", "l0", "wrap"]


async def run(
    stream: Any,
    *,
    fallbacks: list[Any] | None = None,
    guardrails: list[Any] | None = None,
    drift_detector: Any = None,
    retry: Retry | None = None,
    timeout: Timeout | None = None,
    check_intervals: CheckIntervals | None = None,
    adapter: Any = None,
    on_event: Callable[..., Any] | None = None,
    context: dict[str, Any] | None = None,
    buffer_tool_calls: bool = False,
    continue_from_last_good_token: Any = False,
    build_continuation_prompt: Callable[[str], str] | None = None,
    callbacks: LifecycleCallbacks | None = None,
    on_start: Callable[..., Any] | None = None,
    on_complete: Callable[..., Any] | None = None,
    on_error: Callable[..., Any] | None = None,
    on_stream_event: Callable[..., Any] | None = None,
    on_violation: Callable[..., Any] | None = None,
    on_retry: Callable[..., Any] | None = None,
    on_fallback: Callable[..., Any] | None = None,
    on_resume: Callable[..., Any] | None = None,
    on_checkpoint: Callable[..., Any] | None = None,
    on_timeout: Callable[..., Any] | None = None,
    on_abort: Callable[..., Any] | None = None,
    on_drift: Callable[..., Any] | None = None,
    on_tool_call: Callable[..., Any] | None = None,
    on_token: Callable[..., Any] | None = None,
    truncation: str = "retry",
    keep_raw_chunks: bool | int = False,
    token_events: bool = False,
    monitoring: Any = None,
    rate_limit: Any = None,
) -> Stream[Any]:
    """Run a stream with retries, fallbacks, timeouts, guardrails and resume.

    ``stream`` is a factory called once per attempt (zero arguments, or one:
    the :class:`~l0.runtime.StreamContext`); it may return an async iterator or
    a coroutine resolving to one. Every argument is checked here; iteration
    starts the first attempt. See ``docs/runtime.md``.
    """
    # Explicit keywords: building a dict of 31 options cost ~14 µs per run.
    return await _internal_run(
        stream,
        fallbacks=fallbacks,
        guardrails=guardrails,
        drift_detector=drift_detector,
        retry=retry,
        timeout=timeout,
        check_intervals=check_intervals,
        adapter=adapter,
        on_event=on_event,
        context=context,
        buffer_tool_calls=buffer_tool_calls,
        continue_from_last_good_token=continue_from_last_good_token,
        build_continuation_prompt=build_continuation_prompt,
        callbacks=callbacks,
        on_start=on_start,
        on_complete=on_complete,
        on_error=on_error,
        on_stream_event=on_stream_event,
        on_violation=on_violation,
        on_retry=on_retry,
        on_fallback=on_fallback,
        on_resume=on_resume,
        on_checkpoint=on_checkpoint,
        on_timeout=on_timeout,
        on_abort=on_abort,
        on_drift=on_drift,
        on_tool_call=on_tool_call,
        on_token=on_token,
        truncation=truncation,
        keep_raw_chunks=keep_raw_chunks,
        token_events=token_events,
        monitoring=monitoring,
        rate_limit=rate_limit,
    )


l0 = run


def wrap(
    client_or_stream: Any,
    *,
    guardrails: list[Any] | None = None,
    retry: Retry | None = None,
    timeout: Timeout | None = None,
    adapter: Any = None,
    on_event: Callable[..., Any] | None = None,
    on_token: Callable[[str], Any] | None = None,
    on_tool_call: Callable[..., Any] | None = None,
    on_violation: Callable[..., Any] | None = None,
    context: dict[str, Any] | None = None,
    buffer_tool_calls: bool = False,
    continue_from_last_good_token: Any = False,
    build_continuation_prompt: Callable[[str], str] | None = None,
    transport: str = "sdk",
    **run_options: Any,
) -> Any:
    """Wrap an OpenAI-style client (-> ``WrappedClient``) or a raw stream (-> :class:`LazyStream`).

    The named parameters are the reference's, plus ``transport`` (``"sdk"`` or, for
    OpenAI-compatible clients, ``"native"``: see :mod:`l0.native`); any other ``l0.run`` keyword
    (``fallbacks``, ``callbacks``, ``check_intervals``, ``drift_detector``,
    ``on_retry`` ...) is passed through, and an unknown one raises TypeError.
    A raw stream can be read only once, so it is never retried: ``retry`` and
    the continuation options apply to clients only.
    """
    for name in run_options:
        if name not in _RUN_ONLY:
            raise TypeError(f"wrap() got an unexpected keyword argument {name!r}")
    options = dict(
        guardrails=guardrails, timeout=timeout, adapter=adapter, on_event=on_event, on_token=on_token,
        on_tool_call=on_tool_call, on_violation=on_violation, context=context,
        buffer_tool_calls=buffer_tool_calls, **run_options,
    )
    chat = getattr(client_or_stream, "chat", None)
    module = type(client_or_stream).__module__ or ""
    is_anthropic = (module == "anthropic" or module.startswith("anthropic.")) and hasattr(
        getattr(client_or_stream, "messages", None), "create")
    if (chat is not None and getattr(chat, "completions", None) is not None) or is_anthropic:
        # As in the reference, l0.wrap's own default (False) wins over wrap_client's (True).
        return importlib.import_module("l0.client").wrap_client(
            client_or_stream, retry=retry, continue_from_last_good_token=continue_from_last_good_token,
            build_continuation_prompt=build_continuation_prompt, transport=transport, **options,
        )
    if transport != "sdk":
        raise ValueError(f"transport={transport!r} applies to clients; a raw stream is read as it is (transport='sdk')")
    return LazyStream(client_or_stream, **options)


# The l0.run keywords wrap() passes through beyond its own named ones.
_RUN_ONLY = frozenset(inspect.signature(run).parameters) - frozenset(inspect.signature(wrap).parameters) - {"stream"}
