"""Multimodal events: constructors for DATA/PROGRESS/MESSAGE/... events and helpers that
turn a provider's chunks into ``l0`` events (``Multimodal``, ``l0.Multimodal``).

The runtime passes DATA, PROGRESS and MESSAGE events through to the consumer and
records them on the state (``state.data_outputs``, ``state.last_progress``).
An adapter's ``wrap`` may return :meth:`Multimodal.to_events` directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import fields
from typing import Any, TypeVar

from l0.types import ContentType, DataPayload, Event, EventType, Progress

__all__ = [
    "Multimodal", "ContentType", "DataPayload", "Event", "EventType", "Progress",
    "create_image_event", "create_audio_event", "create_video_event", "create_data_event",
    "create_progress_event", "create_token_event", "create_message_event", "create_complete_event",
    "create_error_event", "create_json_event", "create_file_event", "create_binary_event", "to_multimodal_events",
    "to_events", "to_events_with_messages",
]

T = TypeVar("T")
_PROGRESS_FIELDS = frozenset(f.name for f in fields(Progress))


def _payload_event(
    content_type: ContentType,
    *,
    mime_type: str | None,
    base64: str | None = None,
    url: str | None = None,
    data: bytes | None = None,
    json: Any = None,
    named: dict[str, Any],
    extra: dict[str, Any],
) -> Event:
    metadata = {k: v for k, v in named.items() if v is not None}
    metadata.update(extra)
    payload = DataPayload(content_type=content_type, mime_type=mime_type, base64=base64, url=url, data=data,
                          json=json, metadata=metadata or None)
    return Event(type=EventType.DATA, payload=payload)


def create_data_event(payload: DataPayload) -> Event:
    """A DATA event carrying ``payload``."""
    if not isinstance(payload, DataPayload):
        raise TypeError(f"payload must be a DataPayload, got {type(payload).__name__}")
    return Event(type=EventType.DATA, payload=payload)


def create_progress_event(
    percent: float | None = None,
    step: int | None = None,
    total_steps: int | None = None,
    message: str | None = None,
    eta: float | None = None,
) -> Event:
    """A PROGRESS event (``eta`` in seconds)."""
    return Event(type=EventType.PROGRESS, progress=Progress(percent, step, total_steps, message, eta))


def create_image_event(
    base64: str | None = None,
    url: str | None = None,
    data: bytes | None = None,
    width: int | None = None,
    height: int | None = None,
    seed: int | None = None,
    model: str | None = None,
    mime_type: str = "image/png",
    **extra_metadata: Any,
) -> Event:
    """A DATA event with an image; the named values that are set and ``extra_metadata`` form the metadata."""
    return _payload_event(ContentType.IMAGE, mime_type=mime_type, base64=base64, url=url, data=data,
                          named={"width": width, "height": height, "seed": seed, "model": model},
                          extra=extra_metadata)


def create_audio_event(
    base64: str | None = None,
    url: str | None = None,
    data: bytes | None = None,
    duration: float | None = None,
    model: str | None = None,
    mime_type: str = "audio/mp3",
    **extra_metadata: Any,
) -> Event:
    """A DATA event with audio (``duration`` in seconds)."""
    return _payload_event(ContentType.AUDIO, mime_type=mime_type, base64=base64, url=url, data=data,
                          named={"duration": duration, "model": model}, extra=extra_metadata)


def create_video_event(
    base64: str | None = None,
    url: str | None = None,
    data: bytes | None = None,
    width: int | None = None,
    height: int | None = None,
    duration: float | None = None,
    model: str | None = None,
    mime_type: str = "video/mp4",
    **extra_metadata: Any,
) -> Event:
    """A DATA event with video."""
    return _payload_event(ContentType.VIDEO, mime_type=mime_type, base64=base64, url=url, data=data,
                          named={"width": width, "height": height, "duration": duration, "model": model},
                          extra=extra_metadata)


def create_file_event(
    base64: str | None = None,
    url: str | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    size: int | None = None,
    mime_type: str | None = None,
    **extra_metadata: Any,
) -> Event:
    """A DATA event with a file."""
    return _payload_event(ContentType.FILE, mime_type=mime_type, base64=base64, url=url, data=data,
                          named={"filename": filename, "size": size}, extra=extra_metadata)


def create_json_event(json_data: Any, model: str | None = None, **extra_metadata: Any) -> Event:
    """A DATA event with a JSON value (mime type ``application/json``)."""
    return _payload_event(ContentType.JSON, mime_type="application/json", json=json_data,
                          named={"model": model}, extra=extra_metadata)


def create_binary_event(
    base64: str | None = None,
    url: str | None = None,
    data: bytes | None = None,
    mime_type: str = "application/octet-stream",
    size: int | None = None,
    **extra_metadata: Any,
) -> Event:
    """A DATA event with opaque binary content."""
    return _payload_event(ContentType.BINARY, mime_type=mime_type, base64=base64, url=url, data=data,
                          named={"size": size}, extra=extra_metadata)


def create_token_event(text: str, timestamp: float | None = None) -> Event:
    """A TOKEN event."""
    return Event(type=EventType.TOKEN, text=text, timestamp=timestamp)


def create_message_event(value: str, role: str | None = None, timestamp: float | None = None) -> Event:
    """A MESSAGE event with ``data = {"value": value, "role": role}``."""
    return Event(type=EventType.MESSAGE, data={"value": value, "role": role}, timestamp=timestamp)


def create_complete_event(usage: dict[str, int] | None = None) -> Event:
    """A COMPLETE event, optionally with token usage."""
    return Event(type=EventType.COMPLETE, usage=usage)


def create_error_event(error: Exception) -> Event:
    """An ERROR event."""
    return Event(type=EventType.ERROR, error=error)


def _progress(value: Progress | Mapping[str, Any]) -> Progress:
    if isinstance(value, Progress):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - _PROGRESS_FIELDS
        if unknown:
            raise ValueError(f"extract_progress returned unknown Progress fields {sorted(unknown)}; "
                             f"expected some of {sorted(_PROGRESS_FIELDS)}")
        return Progress(**value)
    raise TypeError(f"extract_progress must return a Progress, a dict or None, got {type(value).__name__}")


async def to_multimodal_events(
    stream: AsyncIterable[T],
    *,
    extract_text: Callable[[T], str | None] | None = None,
    extract_data: Callable[[T], DataPayload | None] | None = None,
    extract_progress: Callable[[T], Mapping[str, Any] | Progress | None] | None = None,
    extract_message: Callable[[T], Mapping[str, Any] | None] | None = None,
    extract_error: Callable[[T], Exception | None] | None = None,
) -> AsyncIterator[Event]:
    """Turn each chunk into at most one event, then COMPLETE.

    Extractors are tried in the order text, data, progress, message, error; the
    first that returns something other than None gives the chunk's event. An
    extracted error yields an ERROR event and ends the stream; so does an
    exception from the stream or an extractor (no COMPLETE after an ERROR).
    """
    try:
        async for chunk in stream:
            if extract_text is not None:
                text = extract_text(chunk)
                if text is not None:
                    yield Event(type=EventType.TOKEN, text=text)
                    continue
            if extract_data is not None:
                payload = extract_data(chunk)
                if payload is not None:
                    yield Event(type=EventType.DATA, payload=payload)
                    continue
            if extract_progress is not None:
                progress = extract_progress(chunk)
                if progress is not None:
                    yield Event(type=EventType.PROGRESS, progress=_progress(progress))
                    continue
            if extract_message is not None:
                message = extract_message(chunk)
                if message is not None:
                    data = {"value": message.get("value"), "role": message.get("role")}
                    yield Event(type=EventType.MESSAGE, data=data)
                    continue
            if extract_error is not None:
                error = extract_error(chunk)
                if error is not None:
                    yield Event(type=EventType.ERROR, error=error)
                    return
    except Exception as exc:  # noqa: BLE001 - a failing source or extractor becomes one in-band ERROR event
        yield Event(type=EventType.ERROR, error=exc)
        return
    yield Event(type=EventType.COMPLETE)


def to_events(stream: AsyncIterable[T], extract_text: Callable[[T], str | None]) -> AsyncIterator[Event]:
    """TOKEN events from ``extract_text`` (None skips a chunk), then COMPLETE."""
    return to_multimodal_events(stream, extract_text=extract_text)


def to_events_with_messages(
    stream: AsyncIterable[T],
    *,
    extract_text: Callable[[T], str | None] | None = None,
    extract_message: Callable[[T], Mapping[str, Any] | None] | None = None,
) -> AsyncIterator[Event]:
    """TOKEN and MESSAGE events, then COMPLETE."""
    return to_multimodal_events(stream, extract_text=extract_text, extract_message=extract_message)


class Multimodal:
    """Constructors of multimodal events and chunk-to-event helpers (static methods)."""

    data = staticmethod(create_data_event)
    progress = staticmethod(create_progress_event)
    image = staticmethod(create_image_event)
    audio = staticmethod(create_audio_event)
    video = staticmethod(create_video_event)
    file = staticmethod(create_file_event)
    json = staticmethod(create_json_event)
    binary = staticmethod(create_binary_event)
    token = staticmethod(create_token_event)
    message = staticmethod(create_message_event)
    complete = staticmethod(create_complete_event)
    error = staticmethod(create_error_event)
    to_events = staticmethod(to_multimodal_events)
    from_stream = staticmethod(to_multimodal_events)
