"""The cheap setup paths of ``l0.run`` behave exactly like the general ones.

A run with every option at its default skips validation of the defaults and
builds a ``Runner.plain``; ``State`` may be built from a template; an async
generator source may skip adapter detection. None of that may be observable.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import AsyncIterator
from typing import Any

import pytest

import l0
from l0 import Event, EventType, LifecycleCallbacks, Retry
from l0.adapters import (
    AdapterNotFoundError,
    clear_adapters,
    get_adapter,
    register_adapter,
    reset_adapters,
    resolve_adapter,
)
from l0.adapters.openai import OpenAIAdapter
from l0.events import EventBus
from l0.runtime import _run, _runner
from l0.state import append_token
from l0.types import State
from l0.types._state import LiveState


def tokens(*texts: str) -> Any:
    """A zero-argument factory of TOKEN events, then COMPLETE."""

    async def source() -> AsyncIterator[Event]:
        for text in texts:
            yield Event(type=EventType.TOKEN, text=text)
        yield Event(type=EventType.COMPLETE)

    return source


@pytest.fixture
def registry() -> Any:
    """Restores the default adapter registry after the test."""
    reset_adapters()
    yield
    reset_adapters()


# -- Runner.plain ----------------------------------------------------------------------------------

def test_plain_runner_reads_like_the_validated_default() -> None:
    factory = tokens("a")
    full = _runner.Runner(_run.validate(factory, {}), EventBus(), None)
    plain = _runner.Runner.plain([_run._source(factory, "stream")], EventBus(), _run._default_retry())
    skip = {"state", "bus", "emit", "errors"}
    names = [n for n in vars(full) if n not in skip]
    assert "guardrails" in names and "cbs" in names and "intervals" in names
    for name in names:
        a, b = getattr(full, name), getattr(plain, name)
        if name in ("guardrails", "cbs"):
            assert not a and not b, name
        else:
            assert a == b, name
    assert plain.errors == [] and plain.errors is not _runner.Runner.plain(
        [_run._source(factory, "stream")], EventBus(), _run._default_retry()).errors
    assert plain.retry_mgr.config is full.retry_mgr.config


async def test_plain_and_explicit_defaults_give_the_same_run() -> None:
    explicit = dict(fallbacks=None, guardrails=None, retry=None, timeout=None, truncation="retry",
                    keep_raw_chunks=False, token_events=False, buffer_tool_calls=False,
                    continue_from_last_good_token=False, callbacks=None, on_token=None)
    results = []
    for kwargs in ({}, explicit, {"truncation": "".join(["re", "try"])}):
        stream = await l0.run(tokens("x", "y"), **kwargs)
        events = [(e.type, e.text) async for e in stream]
        results.append((events, stream.state.content, stream.state.token_count, stream.state.completed))
    assert results[0] == results[1] == results[2]
    assert results[0][1] == "xy"


async def test_plain_run_retries_with_a_lazy_retry_manager() -> None:
    calls = 0

    async def flaky() -> AsyncIterator[Event]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("connection reset")
        yield Event(type=EventType.TOKEN, text="ok")
        yield Event(type=EventType.COMPLETE)

    stream = await l0.run(flaky)
    assert await stream.read() == "ok"
    assert calls == 2
    assert len(stream.errors) == 1
    assert stream.state.network_retry_count + stream.state.model_retry_count == 1


async def test_plain_run_reports_to_a_handler_passed_later() -> None:
    seen: list[str] = []
    stream = await l0.run(tokens("a"), on_event=lambda ev: seen.append(ev.type.value))
    await stream.read()
    assert seen[0] == "SESSION_START" and seen[-3:] == ["SESSION_SUMMARY", "SESSION_END", "COMPLETE"]
    assert "COMPLETE" in seen and "ADAPTER_DETECTED" in seen


async def test_context_is_built_only_for_factories_that_take_it() -> None:
    contexts: list[Any] = []

    def with_ctx(ctx: Any) -> Any:
        contexts.append(ctx)
        return tokens("a")()

    stream = await l0.run(with_ctx, fallbacks=[tokens("b")])
    assert await stream.read() == "a"
    assert len(contexts) == 1 and contexts[0].attempt == 0 and contexts[0].retry_count == 0


# -- State template --------------------------------------------------------------------------------

def test_new_state_is_a_fresh_default_state() -> None:
    a, b, ref = _runner._new_state(), _runner._new_state(), LiveState()
    assert type(a) is LiveState and isinstance(a, State)
    assert list(vars(a)) == list(vars(ref))
    assert repr(a) == repr(ref) and a == ref
    assert pickle.loads(pickle.dumps(a)) == ref
    for name in ("violations", "network_errors", "data_outputs", "buffer"):
        assert getattr(a, name) is not getattr(b, name)
    a.violations.append(1)
    a.buffer.append("x")
    assert b.violations == [] and b.content == "" and a.content == "x"


# -- adapter detection fast path -------------------------------------------------------------------

def test_async_generator_resolves_to_the_passthrough(registry: Any) -> None:
    gen = tokens("a")()
    assert resolve_adapter(gen) is get_adapter("event")


def test_registered_adapter_still_claims_async_generators(registry: Any) -> None:
    class Upper:
        name = "upper"

        def detect(self, stream: Any) -> bool:
            return getattr(stream, "__name__", "") == "source"

        async def wrap(self, stream: Any, options: Any = None) -> AsyncIterator[Event]:
            async for ev in stream:
                yield Event(type=ev.type, text=ev.text.upper()) if ev.text else ev

    upper = Upper()
    register_adapter(upper)
    assert resolve_adapter(tokens("a")()) is upper


async def test_registered_adapter_is_used_by_run(registry: Any) -> None:
    class Upper:
        name = "upper"

        def detect(self, stream: Any) -> bool:
            return True

        async def wrap(self, stream: Any, options: Any = None) -> AsyncIterator[Event]:
            async for ev in stream:
                yield Event(type=ev.type, text=ev.text.upper()) if ev.text else ev

    register_adapter(Upper())
    stream = await l0.run(tokens("ab", "c"))
    assert await stream.read() == "ABC"
    reset_adapters()
    stream = await l0.run(tokens("ab", "c"))
    assert await stream.read() == "abc"


def test_patched_default_detector_is_consulted(registry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OpenAIAdapter, "detect", lambda self, stream: True)
    assert resolve_adapter(tokens("a")()) is get_adapter("openai")


def test_instance_detector_override_is_consulted(registry: Any) -> None:
    openai = get_adapter("openai")
    openai.detect = lambda stream: True  # type: ignore[method-assign]
    assert resolve_adapter(tokens("a")()) is openai


def test_empty_registry_still_fails_for_async_generators(registry: Any) -> None:
    clear_adapters()
    with pytest.raises(AdapterNotFoundError, match="No adapter found"):
        resolve_adapter(tokens("a")())


# -- validation with defaults skipped --------------------------------------------------------------

@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"continue_from_last_good_token": 0}, TypeError, "continue_from_last_good_token"),
        ({"keep_raw_chunks": 0}, ValueError, "keep_raw_chunks"),
        ({"on_token": 0}, TypeError, "on_token must be callable"),
        ({"callbacks": LifecycleCallbacks(on_start=0)}, TypeError, "callbacks.on_start must be callable"),
        ({"on_complete": print, "callbacks": LifecycleCallbacks(on_start=0)}, TypeError, "callbacks.on_start"),
        ({"fallbacks": 1, "retry": 1, "on_token": 1}, TypeError, "fallbacks must be a list"),
        ({"retry": 1, "timeout": 1}, TypeError, "retry must be a l0.Retry"),
        ({"on_token": 1, "guardrails": 1}, TypeError, "on_token must be callable"),
        ({"truncation": None}, ValueError, "truncation must be one of"),
        ({"retry": Retry, "guardrails": 1}, TypeError, "guardrails must be a list"),
    ],
)
async def test_bad_arguments_are_reported_in_order(kwargs: dict[str, Any], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        stream = await l0.run(tokens("a"), **kwargs)
        await stream.read()


async def test_a_reused_timeout_is_checked_again_after_tampering() -> None:
    timeout = l0.Timeout(initial_token=5000, inter_token=10000)
    for _ in range(2):
        stream = await l0.run(tokens("a"), timeout=timeout)
        assert await stream.read() == "a"
    object.__setattr__(timeout, "initial_token", 0.5)  # bypasses the field check, as a __dict__ edit would
    with pytest.raises(ValueError, match="initial_token"):
        await l0.run(tokens("a"), timeout=timeout)
    object.__setattr__(timeout, "initial_token", 5000)
    stream = await l0.run(tokens("b"), timeout=timeout)
    assert await stream.read() == "b"


def test_live_state_counts_through_its_buffer() -> None:
    s = _runner._new_state()
    s.buffer.append("ab")
    s.buffer.append("c")
    assert s.token_count == 2 and "token_count=2" in repr(s)
    s.content = "replaced"  # as on a plain State: assigning the text keeps the count
    assert s.token_count == 2 and s.content == "replaced"
    s.token_count = 0
    s.content = ""
    s.buffer.append("x")
    assert s.token_count == 1
    for copied in (pickle.loads(pickle.dumps(s)), copy.copy(s), copy.deepcopy(s), dataclasses.replace(s)):
        assert type(copied) is LiveState and copied.token_count == 1 and copied.content == "x"
        copied.buffer.append("y")
        assert copied.token_count == 2 and s.token_count == 1
    plain = State(content="x", token_count=1)
    assert dataclasses.asdict(plain) == {k: v for k, v in dataclasses.asdict(s).items()}
    append_token(s, "z")  # the helper knows a LiveState counts the append itself
    assert s.token_count == 2 and s.content == "xz"
