"""OpenAIAdapter: chunk -> event conversion, detection, options (no network)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from l0.adapters.event import AdaptedEvent
from l0.adapters.openai import LiteLLMAdapter, OpenAIAdapter, OpenAIAdapterOptions, stream_info
from l0.types import EventType


def chunk(content: str | None = None, *, tools: list[dict[str, Any]] | None = None, finish: str | None = None,
          usage: dict[str, int] | None = None, choices: bool = True) -> dict[str, Any]:
    """An OpenAI ``chat.completion.chunk`` as a plain dict."""
    delta: dict[str, Any] = {}
    if content is not None:
        delta["content"] = content
    if tools is not None:
        delta["tool_calls"] = tools
    out: dict[str, Any] = {"id": "c1", "object": "chat.completion.chunk", "model": "m1", "system_fingerprint": "fp"}
    out["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []
    if usage is not None:
        out["usage"] = usage
    return out


def sdk_chunks(dicts: list[dict[str, Any]]) -> list[Any]:
    """The same chunks as real ``openai`` SDK objects."""
    from openai.types.chat import ChatCompletionChunk

    return [ChatCompletionChunk.model_validate({"created": 0, **d}) for d in dicts]


async def agen(items: list[Any]):
    """An async iterator over ``items``."""
    for item in items:
        yield item


async def events(items: list[Any], adapter: OpenAIAdapter | None = None, **opts: Any) -> list[Any]:
    """All events the adapter produces for ``items``."""
    ad = adapter or OpenAIAdapter()
    options = OpenAIAdapterOptions(**opts) if opts else None
    return [e async for e, _ in ad.iter_events(agen(items), options)]


TEXT = [chunk(""), chunk("Hel"), chunk("lo"), chunk(None, finish="stop"),
        chunk(choices=False, usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5})]


@pytest.mark.parametrize("shape", ["dict", "sdk"])
async def test_text_usage_finish_and_metadata(shape: str) -> None:
    items = TEXT if shape == "dict" else sdk_chunks(TEXT)
    evs = await events(items)
    assert [(e.type, e.text) for e in evs[:-1]] == [(EventType.TOKEN, "Hel"), (EventType.TOKEN, "lo")]
    done = evs[-1]
    assert done.type is EventType.COMPLETE
    assert done.finish_reason == "stop"
    assert done.usage == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    assert done.metadata["model"] == "m1"
    assert done.metadata["id"] == "c1"
    assert done.metadata["system_fingerprint"] == "fp"
    assert done.metadata["chunks"] == 5


async def test_no_finish_reason_means_no_complete_event() -> None:
    evs = await events([chunk("a"), chunk("b")])
    assert [e.type for e in evs] == [EventType.TOKEN, EventType.TOKEN]


async def test_no_finish_reason_allowed_when_not_required() -> None:
    evs = await events([chunk("a")], require_finish_reason=False)
    assert evs[-1].type is EventType.COMPLETE and evs[-1].finish_reason is None


async def test_length_finish_reason_is_reported() -> None:
    evs = await events([chunk("a"), chunk(None, finish="length")])
    assert evs[-1].finish_reason == "length"


def tool_chunks() -> list[dict[str, Any]]:
    """Two tool calls streamed in fragments, OpenAI style."""
    return [
        chunk(tools=[{"index": 0, "id": "call_a", "type": "function", "function": {"name": "f", "arguments": ""}}]),
        chunk(tools=[{"index": 0, "function": {"arguments": '{"x": '}}]),
        chunk(tools=[{"index": 0, "function": {"arguments": "1}"}}]),
        chunk(tools=[{"index": 1, "id": "call_b", "type": "function", "function": {"name": "g", "arguments": "{}"}}]),
        chunk(None, finish="tool_calls"),
    ]


@pytest.mark.parametrize("shape", ["dict", "sdk"])
async def test_tool_call_fragments(shape: str) -> None:
    items = tool_chunks() if shape == "dict" else sdk_chunks(tool_chunks())
    evs = await events(items)
    calls = [e.data for e in evs if e.type is EventType.TOOL_CALL]
    assert calls[0] == {"index": 0, "id": "call_a", "name": "f", "arguments": ""}
    assert [c["arguments"] for c in calls[1:3]] == ['{"x": ', "1}"]
    assert calls[1]["id"] is None and calls[1]["name"] is None
    assert calls[3]["id"] == "call_b"
    assert evs[-1].finish_reason == "tool_calls"
    assert evs[-1].metadata["tool_calls"] == 2


async def test_tool_calls_excluded_and_as_tokens() -> None:
    evs = await events(tool_chunks(), include_tool_calls=False)
    assert [e.type for e in evs] == [EventType.COMPLETE]
    evs = await events(tool_chunks(), emit_function_calls_as_tokens=True)
    assert "".join(e.text for e in evs if e.type is EventType.TOKEN) == '{"x": 1}{}'


async def test_interrupted_tool_call_is_flagged_on_the_stream() -> None:
    async def broken():
        yield chunk(tools=[{"index": 0, "id": "c", "function": {"name": "f", "arguments": '{"a'}}])
        raise ConnectionError("cut")

    stream = broken()
    ad = OpenAIAdapter()
    with pytest.raises(ConnectionError):
        async for _ in ad.iter_events(stream):
            pass
    assert ad.last_info is not None and ad.last_info.tool_call_open
    assert stream_info(object()) is None


async def test_finished_tool_call_is_not_open() -> None:
    ad = OpenAIAdapter()
    [e async for e, _ in ad.iter_events(agen(tool_chunks()))]
    assert ad.last_info is not None and not ad.last_info.tool_call_open


async def test_choice_index_and_all() -> None:
    two = {"id": "c", "model": "m", "choices": [
        {"index": 0, "delta": {"content": "a"}, "finish_reason": None},
        {"index": 1, "delta": {"content": "b"}, "finish_reason": "stop"}]}
    assert [e.text for e in await events([two], choice_index=1)][:1] == ["b"]
    assert [e.text for e in await events([two], choice_index="all")][:2] == ["a", "b"]
    assert [e.type for e in await events([two], choice_index=5)] == []


def test_options_validate_choice_index() -> None:
    with pytest.raises(ValueError, match="choice_index"):
        OpenAIAdapterOptions(choice_index="first")
    with pytest.raises(TypeError, match="options"):
        OpenAIAdapter(options={"include_usage": False})  # type: ignore[arg-type]


async def test_wrap_yields_adapted_events_with_raw_chunks() -> None:
    items = [chunk("x"), chunk(None, finish="stop")]
    out = [a async for a in OpenAIAdapter().wrap(agen(items))]
    assert all(isinstance(a, AdaptedEvent) for a in out)
    assert out[0].raw_chunk is items[0]
    assert out[-1].raw_chunk is None and out[-1].event.type is EventType.COMPLETE


async def test_wrap_awaits_a_coroutine() -> None:
    async def make():
        return agen([chunk("z"), chunk(None, finish="stop")])

    out = [a.event.text async for a in OpenAIAdapter().wrap(make())]
    assert out[0] == "z"


def test_detect_by_module() -> None:
    ad = OpenAIAdapter()
    fake = type("AsyncStream", (), {"__module__": "openai._streaming", "__aiter__": lambda self: self})()
    lite = type("CustomStreamWrapper", (), {"__module__": "litellm.litellm_core_utils.streaming_handler"})()
    assert ad.detect(fake) and ad.detect(lite)
    assert not ad.detect(agen([]))
    assert not ad.detect(SimpleNamespace())
    assert LiteLLMAdapter is OpenAIAdapter and ad.name == "openai"


def test_detect_coroutine_by_file() -> None:
    code = SimpleNamespace(co_filename="/site-packages/openai/resources/chat.py")
    assert OpenAIAdapter().detect(SimpleNamespace(cr_code=code))
    assert not OpenAIAdapter().detect(SimpleNamespace(cr_code=SimpleNamespace(co_filename="/app/main.py")))


def test_registry_uses_this_adapter_for_openai_streams() -> None:
    from l0.adapters import Adapters

    fake = type("AsyncStream", (), {"__module__": "openai._streaming", "__aiter__": lambda self: self})()
    assert Adapters.detect(fake).name == "openai"
    assert Adapters.detect(fake, "litellm").name == "openai"


async def test_usage_without_total_and_dict_usage() -> None:
    evs = await events([chunk(None, finish="stop", usage={"prompt_tokens": 4, "completion_tokens": 1})])
    assert evs[-1].usage == {"input_tokens": 4, "output_tokens": 1, "total_tokens": 5}
    evs = await events([chunk(None, finish="stop", usage={"prompt_tokens": 4})], include_usage=False)
    assert evs[-1].usage is None



async def test_plain_events_without_raw_chunks() -> None:
    items = [chunk("x"), chunk(None, finish="stop")]
    out = [a async for a in OpenAIAdapter(raw_chunks=False).wrap(agen(items))]
    assert [type(e).__name__ for e in out] == ["Event", "Event"]
    assert out[0].text == "x" and out[1].finish_reason == "stop"
    with pytest.raises(TypeError, match="raw_chunks"):
        OpenAIAdapter(raw_chunks=1)  # type: ignore[arg-type]


async def test_reasoning_deltas_become_message_events() -> None:
    think = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"reasoning_content": "hmm"},
                                                   "finish_reason": None}]}
    alt = {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"reasoning": "so"}, "finish_reason": None}]}
    evs = await events([think, alt, chunk("a"), chunk(None, finish="stop")])
    assert [(e.type, e.data) for e in evs[:2]] == [(EventType.MESSAGE, {"type": "reasoning", "content": "hmm"}),
                                                   (EventType.MESSAGE, {"type": "reasoning", "content": "so"})]
    evs = await events([think, chunk("a"), chunk(None, finish="stop")], include_reasoning=False)
    assert [e.type for e in evs] == [EventType.TOKEN, EventType.COMPLETE]
