"""l0.multimodal: event constructors, chunk-to-event helpers, and DATA/PROGRESS through l0.run."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

import l0
from l0.multimodal import (
    Multimodal, create_audio_event, create_complete_event, create_data_event, create_error_event,
    create_image_event, create_json_event, create_message_event, create_progress_event, create_token_event,
    create_video_event, to_events, to_events_with_messages, to_multimodal_events,
)
from l0.types import ContentType, DataPayload, Event, EventType, Progress


def test_media_constructors() -> None:
    img = Multimodal.image(url="u", width=1, height=2, seed=3, model="m", style="x")
    assert img.type is EventType.DATA
    assert img.payload == DataPayload(ContentType.IMAGE, "image/png", None, "u", None, None,
                                      {"width": 1, "height": 2, "seed": 3, "model": "m", "style": "x"})
    assert (img.payload.width, img.payload.height, img.payload.seed, img.payload.model) == (1, 2, 3, "m")
    assert Multimodal.image().payload.metadata is None
    audio = Multimodal.audio(base64="b", duration=1.5)
    assert audio.payload == DataPayload(ContentType.AUDIO, "audio/mp3", "b", metadata={"duration": 1.5})
    video = Multimodal.video(data=b"x", width=1, duration=2.0)
    assert video.payload == DataPayload(ContentType.VIDEO, "video/mp4", data=b"x", metadata={"width": 1, "duration": 2.0})
    file = Multimodal.file(url="f", filename="a.txt", size=3)
    assert file.payload == DataPayload(ContentType.FILE, None, url="f", metadata={"filename": "a.txt", "size": 3})
    assert (file.payload.filename, file.payload.size) == ("a.txt", 3)
    js = Multimodal.json({"a": 1}, model="m")
    assert js.payload == DataPayload(ContentType.JSON, "application/json", json={"a": 1}, metadata={"model": "m"})
    binary = Multimodal.binary(data=b"z", size=1)
    assert binary.payload == DataPayload(ContentType.BINARY, "application/octet-stream", data=b"z", metadata={"size": 1})
    assert create_image_event(url="u") == Multimodal.image(url="u")
    assert create_audio_event(url="u") == Multimodal.audio(url="u")
    assert create_video_event(url="u") == Multimodal.video(url="u")
    assert create_json_event([1]) == Multimodal.json([1])


def test_other_constructors() -> None:
    payload = DataPayload(content_type=ContentType.TEXT)
    assert Multimodal.data(payload) == Event(type=EventType.DATA, payload=payload) == create_data_event(payload)
    with pytest.raises(TypeError, match="DataPayload"):
        Multimodal.data({"content_type": "text"})  # type: ignore[arg-type]
    assert Multimodal.token("hi", timestamp=1.0) == Event(type=EventType.TOKEN, text="hi", timestamp=1.0)
    assert create_token_event("hi") == Event(type=EventType.TOKEN, text="hi")
    assert Multimodal.message("v", role="r") == Event(type=EventType.MESSAGE, data={"value": "v", "role": "r"})
    assert create_message_event("v") == Event(type=EventType.MESSAGE, data={"value": "v", "role": None})
    assert Multimodal.complete({"a": 1}) == Event(type=EventType.COMPLETE, usage={"a": 1}) != create_complete_event()
    err = ValueError("x")
    assert Multimodal.error(err) == Event(type=EventType.ERROR, error=err) == create_error_event(err)
    assert Multimodal.progress(percent=50, step=1, total_steps=2, message="m", eta=3.0).progress == Progress(50, 1, 2, "m", 3.0)
    assert create_progress_event() == Event(type=EventType.PROGRESS, progress=Progress())


async def _gen(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        if isinstance(item, Exception):
            raise item
        yield item


def _extractors() -> dict[str, Any]:
    return {
        "extract_text": lambda c: c.get("t"),
        "extract_data": lambda c: DataPayload(ContentType.JSON, json=c["d"]) if "d" in c else None,
        "extract_progress": lambda c: ({"percent": c["p"]} if isinstance(c["p"], int) else c["p"]) if "p" in c else None,
        "extract_message": lambda c: {"value": c["m"], "role": "assistant"} if "m" in c else None,
        "extract_error": lambda c: RuntimeError("bad") if "e" in c else None,
    }


async def test_to_events_tries_extractors_in_order() -> None:
    items = [{"t": "a"}, {"d": 1}, {"p": 50}, {"m": "hi"}, {"x": 1}, {"t": ""}, {"p": Progress(percent=1)},
             {"e": 1}, {"t": "never"}]
    events = [e async for e in Multimodal.to_events(_gen(items), **_extractors())]
    assert [e.type.value for e in events] == ["token", "data", "progress", "message", "token", "progress", "error"]
    assert events[0].text == "a" and events[4].text == ""
    assert events[1].payload.json == 1 and events[2].progress == Progress(percent=50)
    assert events[3].data == {"value": "hi", "role": "assistant"} and str(events[6].error) == "bad"
    again = [e async for e in Multimodal.from_stream(_gen([{"t": "x"}]), extract_text=lambda c: c.get("t"))]
    assert [e.type for e in again] == [EventType.TOKEN, EventType.COMPLETE]


async def test_failures_become_one_error_event() -> None:
    events = [e async for e in to_multimodal_events(_gen([{"t": "a"}, ValueError("boom")]), extract_text=lambda c: c["t"])]
    assert [e.type.value for e in events] == ["token", "error"] and str(events[1].error) == "boom"
    events = [e async for e in to_multimodal_events(_gen([1]), extract_text=lambda c: 1 / 0)]
    assert [e.type.value for e in events] == ["error"] and isinstance(events[0].error, ZeroDivisionError)
    events = [e async for e in to_multimodal_events(_gen([1]), extract_progress=lambda c: {"pct": 1})]
    assert isinstance(events[0].error, ValueError) and "pct" in str(events[0].error)


async def test_text_and_message_helpers() -> None:
    events = [e async for e in to_events(_gen(["a", None, "b"]), lambda c: c)]
    assert [(e.type.value, e.text) for e in events] == [("token", "a"), ("token", "b"), ("complete", None)]
    events = [e async for e in to_events_with_messages(
        _gen(["a", {"value": "m"}]), extract_text=lambda c: c if isinstance(c, str) else None,
        extract_message=lambda c: c if isinstance(c, dict) else None)]
    assert [(e.type.value, e.text, e.data) for e in events] == [
        ("token", "a", None), ("message", None, {"value": "m", "role": None}), ("complete", None, None)]


async def test_multimodal_events_flow_through_l0_run() -> None:
    """DATA and PROGRESS reach the consumer and the state (the reference never filled the state)."""
    chunks = [{"p": 10}, {"d": "img"}, {"t": "done"}]

    def factory() -> AsyncIterator[Event]:
        return Multimodal.to_events(
            _gen(chunks),
            extract_text=lambda c: c.get("t"),
            extract_data=lambda c: Multimodal.image(url=c["d"]).payload if "d" in c else None,
            extract_progress=lambda c: {"percent": c["p"]} if "p" in c else None,
        )

    stream = await l0.run(factory)
    seen = [e.type.value async for e in stream]
    assert seen == ["progress", "data", "token", "complete"]
    assert stream.state.content == "done"
    assert stream.state.last_progress == Progress(percent=10)
    assert [p.url for p in stream.state.data_outputs] == ["img"]
    assert l0.Multimodal is Multimodal


async def test_an_adapter_may_return_to_events_directly() -> None:
    """The reference crashed here (it needed AdaptedEvent wrappers)."""

    class ImageApiAdapter:
        name = "image-api"

        def detect(self, stream: Any) -> bool:
            return False

        def wrap(self, stream: Any, options: Any = None) -> AsyncIterator[Event]:
            return Multimodal.to_events(stream, extract_text=lambda c: c.get("t"),
                                        extract_data=lambda c: Multimodal.json(c["j"]).payload if "j" in c else None)

    stream = await l0.run(lambda: _gen([{"j": {"n": 1}}, {"t": "ok"}]), adapter=ImageApiAdapter())
    assert await stream.read() == "ok"
    assert [p.json for p in stream.state.data_outputs] == [{"n": 1}]
