"""l0.client: WrappedClient, wrap_client, completion_factory (fake clients, no network)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import l0
from l0.adapters.openai import OpenAIAdapter, StreamInfo
from l0.client import (
    DEFAULT_CONTINUATION_PROMPT,
    ClientConfig,
    NotAnAsyncStreamError,
    WrappedClient,
    completion_factory,
    continuation_messages,
    wrap_client,
)
from l0.runtime import StreamContext
from l0.types import EventType, Retry

MSGS = [{"role": "user", "content": "hi"}]


def chunk(content: str | None = None, finish: str | None = None) -> dict[str, Any]:
    """A dict chat.completion.chunk."""
    delta = {} if content is None else {"content": content}
    return {"id": "x", "model": "fake", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class FakeStream:
    """An async stream of dict chunks that can fail after some of them."""

    def __init__(self, chunks: list[dict[str, Any]], fail: BaseException | None = None) -> None:
        self.chunks = chunks
        self.fail = fail

    def __aiter__(self) -> FakeStream:
        self._it = iter(self.chunks)
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            return next(self._it)
        except StopIteration:
            if self.fail is not None:
                raise self.fail from None
            raise StopAsyncIteration from None


class FakeCompletions:
    """Records create() calls; returns queued streams (or a plain value without stream=True)."""

    def __init__(self, streams: list[FakeStream] | None = None, sync: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.streams = list(streams or [])
        self.sync = sync

    def parse(self) -> str:
        return "parsed"

    def _result(self, kwargs: dict[str, Any]) -> Any:
        self.calls.append(kwargs)
        if not kwargs.get("stream"):
            return {"non_stream": kwargs["model"]}
        return self.streams.pop(0)

    def create(self, **kwargs: Any) -> Any:
        if self.sync:
            return self._result(kwargs)

        async def run() -> Any:
            return self._result(kwargs)

        return run()


def fake_client(completions: FakeCompletions) -> Any:
    """An object shaped like AsyncOpenAI: .chat.completions plus another namespace."""
    return SimpleNamespace(chat=SimpleNamespace(completions=completions, extra="chat-attr"),
                           models=SimpleNamespace(list=lambda: ["m"]))


def ctx(checkpoint: str = "", is_continuation: bool = False, prompt: str | None = None) -> StreamContext:
    """A StreamContext as the runtime builds it."""
    return StreamContext(attempt=1, retry_count=1, fallback_index=0, checkpoint=checkpoint,
                         continuation_prompt=prompt, is_continuation=is_continuation, previous_error=None)


def test_wrap_dispatches_clients_to_wrap_client() -> None:
    wrapped = l0.wrap(fake_client(FakeCompletions()))
    assert isinstance(wrapped, WrappedClient)


def test_wrap_client_rejects_non_clients() -> None:
    with pytest.raises(TypeError, match="chat.completions"):
        wrap_client(object())


def test_misspelt_options_fail_at_wrap_time() -> None:
    with pytest.raises(TypeError, match="gaurdrails"):
        wrap_client(fake_client(FakeCompletions()), gaurdrails=[])
    with pytest.raises(TypeError, match="stream"):
        wrap_client(fake_client(FakeCompletions()), stream=True)
    with pytest.raises(TypeError, match="nope"):
        wrap_client(fake_client(FakeCompletions())).with_options(nope=1)


def test_config_validation() -> None:
    with pytest.raises(TypeError, match="fallbacks must be a list"):
        ClientConfig(fallbacks="gpt-4o")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"fallbacks\[1\]"):
        ClientConfig(fallbacks=["a", 3])
    with pytest.raises(TypeError, match="context"):
        ClientConfig(context=[1])  # type: ignore[arg-type]
    assert ClientConfig().retry == Retry.recommended()
    assert ClientConfig().continue_from_last_good_token is False


def test_forwarding_and_unwrapped() -> None:
    comp = FakeCompletions()
    client = fake_client(comp)
    wrapped = wrap_client(client)
    assert wrapped.unwrapped is client
    assert wrapped.models.list() == ["m"]
    assert wrapped.chat.extra == "chat-attr"
    assert wrapped.chat.completions.parse() == "parsed"
    with pytest.raises(AttributeError):
        _ = wrapped.nope


def test_with_options_inherits_and_overrides() -> None:
    wrapped = wrap_client(fake_client(FakeCompletions()), guardrails=["g"], buffer_tool_calls=True,
                          check_intervals="ci")
    derived = wrapped.with_options(guardrails=None, timeout="t", buffer_tool_calls=None, drift_detector="d")
    assert derived is not wrapped
    assert derived.config.guardrails == ["g"]
    assert derived.config.timeout == "t"
    assert derived.config.buffer_tool_calls is True
    assert derived.config.run_options == {"check_intervals": "ci", "drift_detector": "d"}
    assert wrapped.config.timeout is None


@pytest.mark.parametrize("sync", [False, True])
async def test_non_streaming_passes_through(sync: bool) -> None:
    comp = FakeCompletions(sync=sync)
    wrapped = wrap_client(fake_client(comp))
    assert await wrapped.chat.completions.create(model="m1", messages=MSGS) == {"non_stream": "m1"}
    assert comp.calls == [{"model": "m1", "messages": MSGS}]


def test_continuation_messages() -> None:
    out = continuation_messages(MSGS, "partial")
    assert out[:1] == MSGS
    assert out[1] == {"role": "assistant", "content": "partial"}
    assert out[2] == {"role": "user", "content": DEFAULT_CONTINUATION_PROMPT}
    assert continuation_messages([], "p", "go on")[-1]["content"] == "go on"


async def test_factory_plain_and_continuation() -> None:
    comp = FakeCompletions([FakeStream([]), FakeStream([]), FakeStream([])])
    factory = completion_factory(comp.create, model="m", messages=MSGS, stream=True)
    await factory(ctx())
    await factory(ctx("w1 w2", is_continuation=True, prompt="please continue"))
    await factory(ctx("", is_continuation=True))
    assert comp.calls[0]["messages"] == MSGS
    assert comp.calls[1]["messages"][-2:] == [{"role": "assistant", "content": "w1 w2"},
                                              {"role": "user", "content": "please continue"}]
    assert comp.calls[2]["messages"] == MSGS


async def test_factory_never_continues_an_interrupted_tool_call() -> None:
    first = FakeStream([])
    comp = FakeCompletions([first, FakeStream([])])
    factory = completion_factory(comp.create, model="m", messages=MSGS, stream=True)
    await factory(ctx())
    info = StreamInfo("openai")
    info.tool_call_open = True
    first._l0_stream_info = info  # what OpenAIAdapter attaches while a tool call streams
    await factory(ctx("text before the call", is_continuation=True))
    assert comp.calls[1]["messages"] == MSGS


async def test_factory_rejects_sync_streams() -> None:
    factory = completion_factory(lambda **kw: iter([chunk("a")]), model="m", messages=MSGS, stream=True)
    with pytest.raises(NotAnAsyncStreamError, match="async client"):
        await factory(ctx())
    with pytest.raises(TypeError, match="create must be callable"):
        completion_factory("nope")  # type: ignore[arg-type]


async def test_streaming_create_returns_l0_stream_with_retry() -> None:
    broken = FakeStream([chunk("Hel")], fail=ConnectionError("connection reset"))
    good = FakeStream([chunk("Hel"), chunk("lo"), chunk(finish="stop")])
    comp = FakeCompletions([broken, good])
    tokens: list[str] = []
    wrapped = wrap_client(fake_client(comp), retry=Retry(attempts=2, max_retries=2, base_delay=0.0, max_delay=0.0),
                          continue_from_last_good_token=False, on_token=tokens.append)
    stream = await wrapped.chat.completions.create(model="m", messages=MSGS, stream=True)
    assert await stream.read() == "Hello"
    assert len(comp.calls) == 2 and all(c["messages"] == MSGS for c in comp.calls)
    assert "".join(tokens).endswith("Hello")


async def test_streaming_fallback_by_model_name_and_overrides() -> None:
    bad = FakeStream([], fail=ValueError("bad model output"))
    good = FakeStream([chunk("ok"), chunk(finish="stop")])
    comp = FakeCompletions([bad, good])
    wrapped = wrap_client(fake_client(comp), fallbacks=[{"model": "backup", "temperature": 0}],
                          retry=Retry(attempts=0, max_retries=0))
    stream = await wrapped.chat.completions.create(model="m", messages=MSGS, stream=True, temperature=1)
    events = [ev async for ev in stream]
    assert "".join(e.text for e in events if e.type == EventType.TOKEN) == "ok"
    assert comp.calls[1]["model"] == "backup" and comp.calls[1]["temperature"] == 0
    assert stream.state.fallback_index == 1


async def test_default_adapter_is_openai() -> None:
    comp = FakeCompletions([FakeStream([chunk("x"), chunk(finish="stop")])])
    seen: list[str] = []
    wrapped = wrap_client(fake_client(comp), on_event=lambda ev: seen.append(ev.meta.get("adapterId", "")))
    stream = await wrapped.chat.completions.create(model="m", messages=MSGS, stream=True)
    assert await stream.read() == "x"
    assert OpenAIAdapter.name in seen


def test_copy_does_not_recurse_through_forwarding() -> None:
    import copy

    wrapped = wrap_client(fake_client(FakeCompletions()))
    clone = copy.copy(wrapped)
    assert clone.unwrapped is wrapped.unwrapped
    with pytest.raises(AttributeError):
        _ = wrapped._private_thing
