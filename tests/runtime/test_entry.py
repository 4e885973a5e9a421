"""wrap(), LazyStream, Stream helpers, consume_stream/get_text and the adapter registry."""

from __future__ import annotations

import warnings

import pytest

import l0
from l0 import Event, EventType
from l0.adapters import (
    AdaptedEvent,
    Adapters,
    EventPassthroughAdapter,
    detect_adapter,
    get_registered_adapters,
    register_adapter,
    reset_adapters,
    to_l0_events,
    to_multimodal_l0_events,
    unregister_adapter,
)
from l0.stream import consume_stream, get_text


async def events(*texts, complete=True):
    for t in texts:
        yield Event(type=EventType.TOKEN, text=t)
    if complete:
        yield Event(type=EventType.COMPLETE)


async def test_wrap_raw_stream_is_lazy():
    seen = []
    lazy = l0.wrap(events("a", "b"), on_token=seen.append, on_event=lambda e: seen.append(e.type.value))
    assert isinstance(lazy, l0.LazyStream)
    assert seen == [] and lazy.state.content == "" and lazy.errors == [] and lazy.raw() == []
    assert await lazy.read() == "ab"
    assert seen[0] == "SESSION_START" and "a" in seen and "b" in seen


async def test_lazy_stream_iteration_and_context_manager():
    async with l0.wrap(events("x", "y")) as lazy:
        texts = [ev.text async for ev in lazy]
    assert texts == ["x", "y", None]
    assert lazy.state.aborted is False


async def test_wrap_client_delegates(monkeypatch):
    import l0.client

    captured = {}

    def fake_wrap_client(client, **options):
        captured.update(options, client=client)
        return "wrapped"

    monkeypatch.setattr(l0.client, "wrap_client", fake_wrap_client)
    client = type("C", (), {"chat": type("Chat", (), {"completions": object()})()})()
    assert l0.wrap(client, timeout=None) == "wrapped"
    assert captured["client"] is client


async def test_consume_stream_and_get_text(scripted):
    stream = await l0.run(scripted(["a", "b"]))
    assert await consume_stream(stream) == "ab"
    stream = await l0.run(scripted(["c"]))
    assert await get_text(stream) == "c"


async def test_raw_chunks_kept_only_when_asked():
    async def adapted():
        yield AdaptedEvent(Event(type=EventType.TOKEN, text="a"), raw_chunk={"id": 1})
        yield AdaptedEvent(Event(type=EventType.COMPLETE), raw_chunk=None)

    stream = await l0.run(lambda: adapted())
    await stream.read()
    assert stream.raw() == []
    stream = await l0.run(lambda: adapted(), keep_raw_chunks=True)
    await stream.read()
    assert stream.raw() == [{"id": 1}]


async def test_custom_adapter_by_object_and_name():
    class Upper:
        name = "upper"

        def detect(self, stream):
            return isinstance(stream, list)

        async def wrap(self, stream, options=None):
            for item in stream:
                yield Event(type=EventType.TOKEN, text=item.upper())
            yield Event(type=EventType.COMPLETE)

    stream = await l0.run(lambda: ["a", "b"], adapter=Upper())
    assert await stream.read() == "AB"
    register_adapter(Upper())
    try:
        assert get_registered_adapters()[0] == "upper"
        stream = await l0.run(lambda: ["c"], adapter="upper")
        assert await stream.read() == "C"
        stream = await l0.run(lambda: ["d"])  # auto-detected
        assert await stream.read() == "D"
    finally:
        assert unregister_adapter("upper") is True


async def test_faulty_detect_does_not_break_detection():
    class Broken:
        name = "broken"

        def detect(self, stream):
            raise RuntimeError("boom")

        def wrap(self, stream, options=None):
            raise AssertionError("never chosen")

    class NoDetect:
        name = "nodetect"
        detect = None

        def wrap(self, stream, options=None):
            raise AssertionError("never chosen")

    register_adapter(Broken())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        register_adapter(NoDetect())
    assert any("no detect" in str(w.message) for w in caught)
    try:
        assert isinstance(detect_adapter(events()), EventPassthroughAdapter)
        assert Adapters.has_matching(events()) is True
    finally:
        reset_adapters()
    assert get_registered_adapters() == ["openai", "anthropic", "event"]


async def test_registry_lookup_errors():
    with pytest.raises(ValueError, match="Unknown adapter: nope"):
        Adapters.detect(events(), "nope")
    assert Adapters.detect(events(), "litellm").name == "openai"
    with pytest.raises(ValueError, match="No adapter found"):
        Adapters.detect(42)


async def test_helper_generators():
    async def chunks():
        yield {"t": "a"}
        yield {"t": None}
        yield {"t": "b"}

    out = [e async for e in to_l0_events(chunks(), lambda c: c["t"])]
    assert [e.type for e in out] == [EventType.TOKEN, EventType.TOKEN, EventType.COMPLETE]

    async def failing():
        yield {"t": "a"}
        raise ValueError("x")

    out = [e async for e in to_l0_events(failing(), lambda c: c["t"])]
    assert out[-1].type is EventType.ERROR and str(out[-1].error) == "x"

    async def mixed():
        yield {"p": 50}
        yield {"t": "x"}

    out = [e async for e in to_multimodal_l0_events(
        mixed(), extract_text=lambda c: c.get("t"),
        extract_progress=lambda c: l0.Progress(percent=c["p"]) if "p" in c else None)]
    assert [e.type for e in out] == [EventType.PROGRESS, EventType.TOKEN, EventType.COMPLETE]


async def test_event_constructors():
    img = Adapters.image_event(url="u", width=2, height=3)
    assert img.type is EventType.DATA and img.payload.width == 2 and img.payload.url == "u"
    assert Adapters.error_event("bad").error.args == ("bad",)
    assert Adapters.token_event("t").text == "t"
    assert Adapters.complete_event({"output_tokens": 1}).usage == {"output_tokens": 1}


async def test_progress_and_data_recorded():
    payload = l0.DataPayload(content_type=l0.ContentType.IMAGE, url="u")

    async def src():
        yield Event(type=EventType.PROGRESS, progress=l0.Progress(percent=10))
        yield Event(type=EventType.DATA, payload=payload)
        yield Event(type=EventType.COMPLETE)

    stream = await l0.run(lambda: src())
    await stream.read()
    assert stream.state.last_progress.percent == 10
    assert stream.state.data_outputs == [payload]


def test_token_count_store_falls_back_to_setattr():
    """The hot loop's dict store is used only when it is exactly what setattr does."""
    from l0.runtime._engine import _attr_store
    from l0.types import State

    state = State()
    store = _attr_store(state)
    store["token_count"] = 7
    assert state.token_count == 7

    class Guarded:
        __slots__ = ("token_count",)

    obj = Guarded()
    store = _attr_store(obj)
    store["token_count"] = 3
    assert obj.token_count == 3

    class WithProperty:
        def __init__(self):
            self._n = 0

        token_count = property(lambda self: self._n, lambda self, v: setattr(self, "_n", v * 10))

    obj = WithProperty()
    _attr_store(obj)["token_count"] = 2
    assert obj.token_count == 20
