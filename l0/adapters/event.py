"""The passthrough adapter for streams that already yield ``l0`` events, and
helpers that turn arbitrary chunks into events (``to_l0_events`` and friends).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from l0.types import ContentType, DataPayload, Event, EventType, Progress

T = TypeVar("T")

_TOKEN = EventType.TOKEN


@dataclass(slots=True)
class AdaptedEvent(Generic[T]):
    """An event plus the provider chunk it came from (``raw_chunk``)."""

    event: Event
    raw_chunk: T | None = None


class StreamItemError(TypeError):
    """A stream handed to the passthrough adapter yielded something that is not an event.

    Retrying cannot help (the source is wrong), so the runtime does not retry it.
    """

    l0_retryable = False


def coerce_item(item: Any) -> Event:
    """Turn one item of a passthrough stream into an :class:`Event`.

    ``Event`` is returned as-is, an :class:`AdaptedEvent` is unwrapped and a
    ``str`` becomes a TOKEN event; anything else raises :class:`StreamItemError`
    (the reference dropped such items silently, giving empty output).
    """
    if type(item) is Event or isinstance(item, Event):
        return item
    if isinstance(item, AdaptedEvent):
        return item.event
    if isinstance(item, str):
        return Event(type=_TOKEN, text=item)
    raise StreamItemError(
        f"stream items must be l0.Event (or str) for the passthrough adapter, got {type(item).__name__}; "
        "pass adapter= for provider chunks"
    )


class EventPassthroughAdapter:
    """Adapter for async iterables that yield :class:`~l0.types.Event` objects.

    Detects anything async-iterable, so it is the last resort of auto-detection.
    The runtime iterates such streams directly (no extra generator layer).
    """

    name = "event"

    def detect(self, stream: Any) -> bool:
        return hasattr(stream, "__aiter__")

    async def wrap(self, stream: Any, options: Any = None) -> AsyncIterator[Event]:
        async for item in stream:
            yield coerce_item(item)


# --- event constructors -----------------------------------------------------------------

def create_token_event(value: str) -> Event:
    """A TOKEN event carrying ``value``."""
    return Event(type=EventType.TOKEN, text=value)


def create_complete_event(usage: dict[str, int] | None = None) -> Event:
    """A COMPLETE event, optionally with token usage."""
    return Event(type=EventType.COMPLETE, usage=usage)


def create_error_event(error: BaseException | str) -> Event:
    """An ERROR event; a string is wrapped in ``Exception``."""
    if isinstance(error, str):
        error = Exception(error)
    return Event(type=EventType.ERROR, error=error)  # type: ignore[arg-type]


def create_data_event(payload: DataPayload) -> Event:
    """A DATA event carrying a multimodal payload."""
    return Event(type=EventType.DATA, payload=payload)


def create_progress_event(progress: Progress) -> Event:
    """A PROGRESS event."""
    return Event(type=EventType.PROGRESS, progress=progress)


def _media_event(content_type: ContentType, url: str | None, base64: str | None, mime_type: str,
                 metadata: dict[str, Any]) -> Event:
    meta = {k: v for k, v in metadata.items() if v is not None}
    payload = DataPayload(content_type=content_type, mime_type=mime_type, base64=base64, url=url,
                          metadata=meta or None)
    return Event(type=EventType.DATA, payload=payload)


def create_image_event(url: str | None = None, base64: str | None = None, mime_type: str = "image/png",
                       width: int | None = None, height: int | None = None, **metadata: Any) -> Event:
    """A DATA event with an image payload (``width``/``height`` go into metadata)."""
    return _media_event(ContentType.IMAGE, url, base64, mime_type, {**metadata, "width": width, "height": height})


def create_audio_event(url: str | None = None, base64: str | None = None, mime_type: str = "audio/mp3",
                       duration: float | None = None, **metadata: Any) -> Event:
    """A DATA event with an audio payload (``duration`` goes into metadata)."""
    return _media_event(ContentType.AUDIO, url, base64, mime_type, {**metadata, "duration": duration})


# --- chunk -> event generators ----------------------------------------------------------

async def to_l0_events(stream: Any, extract_text: Callable[[Any], str | None]) -> AsyncIterator[Event]:
    """Yield a TOKEN per chunk whose extracted text is not None, then COMPLETE.

    An exception from the stream or the extractor ends the generator with one ERROR event.
    """
    try:
        async for chunk in stream:
            text = extract_text(chunk)
            if text is not None:
                yield Event(type=EventType.TOKEN, text=text)
    except Exception as exc:  # noqa: BLE001 - converted into an in-band ERROR event by design
        yield Event(type=EventType.ERROR, error=exc)
        return
    yield Event(type=EventType.COMPLETE)


async def to_l0_events_with_messages(
    stream: Any,
    extract_text: Callable[[Any], str | None],
    extract_message: Callable[[Any], dict[str, Any] | None] | None = None,
) -> AsyncIterator[Event]:
    """Like :func:`to_l0_events`; chunks without text may become MESSAGE events."""
    try:
        async for chunk in stream:
            text = extract_text(chunk)
            if text is not None:
                yield Event(type=EventType.TOKEN, text=text)
            elif extract_message is not None:
                message = extract_message(chunk)
                if message is not None:
                    yield Event(type=EventType.MESSAGE, data=message)
    except Exception as exc:  # noqa: BLE001
        yield Event(type=EventType.ERROR, error=exc)
        return
    yield Event(type=EventType.COMPLETE)


async def to_multimodal_l0_events(
    stream: Any,
    extract_text: Callable[[Any], str | None] | None = None,
    extract_data: Callable[[Any], DataPayload | None] | None = None,
    extract_progress: Callable[[Any], Progress | None] | None = None,
    extract_message: Callable[[Any], dict[str, Any] | None] | None = None,
) -> AsyncIterator[Event]:
    """Per chunk, the first hit of text, data, progress, message; then COMPLETE (or ERROR)."""
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
                    yield Event(type=EventType.PROGRESS, progress=progress)
                    continue
            if extract_message is not None:
                message = extract_message(chunk)
                if message is not None:
                    yield Event(type=EventType.MESSAGE, data=message)
    except Exception as exc:  # noqa: BLE001
        yield Event(type=EventType.ERROR, error=exc)
        return
    yield Event(type=EventType.COMPLETE)


__all__ = [
    "AdaptedEvent", "EventPassthroughAdapter", "StreamItemError", "coerce_item",
    "create_token_event", "create_complete_event", "create_error_event", "create_data_event",
    "create_progress_event", "create_image_event", "create_audio_event",
    "to_l0_events", "to_l0_events_with_messages", "to_multimodal_l0_events",
]
