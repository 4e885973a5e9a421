"""Stream events and their multimodal payloads (``Event``, ``EventType``, ``DataPayload``, ``Progress``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class EventType(str, Enum):
    """Kind of an :class:`Event` yielded by a stream."""

    TOKEN = "token"
    MESSAGE = "message"
    DATA = "data"
    PROGRESS = "progress"
    TOOL_CALL = "tool_call"
    ERROR = "error"
    COMPLETE = "complete"
    #: Addition (not in the reference): the text shown so far is discarded, the answer starts over.
    #: ``data = {"discard": chars, "tokens": tokens, "reason": "retry" | "fallback" | "checkpoint_rejected"}``.
    RESET = "reset"


class ContentType(str, Enum):
    """Content type of a multimodal :class:`DataPayload`."""

    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    FILE = "file"
    JSON = "json"
    BINARY = "binary"


@dataclass(slots=True)
class DataPayload:
    """A multimodal payload carried by a DATA event."""

    content_type: ContentType
    mime_type: str | None = None
    base64: str | None = None
    url: str | None = None
    data: bytes | None = None
    json: Any | None = None
    metadata: dict[str, Any] | None = None

    def _meta(self, key: str) -> Any:
        return None if self.metadata is None else self.metadata.get(key)

    @property
    def width(self) -> int | None:
        return self._meta("width")

    @property
    def height(self) -> int | None:
        return self._meta("height")

    @property
    def duration(self) -> float | None:
        return self._meta("duration")

    @property
    def size(self) -> int | None:
        return self._meta("size")

    @property
    def filename(self) -> str | None:
        return self._meta("filename")

    @property
    def seed(self) -> int | None:
        return self._meta("seed")

    @property
    def model(self) -> str | None:
        return self._meta("model")


@dataclass(slots=True)
class Progress:
    """A progress update (``eta`` in seconds)."""

    percent: float | None = None
    step: int | None = None
    total_steps: int | None = None
    message: str | None = None
    eta: float | None = None


@dataclass(slots=True)
class Event:
    """One event of a stream.

    The first eight fields are the reference's, in its order. ``finish_reason``
    and ``metadata`` are additions: adapters put the provider's finish reason
    (``"stop"``, ``"length"``, ...) on the COMPLETE event so the runtime can
    recognise a truncated stream.

    The ``is_*`` properties compare by equality, so ``Event(type="token")``
    reports ``is_token`` too (the reference used identity and said False).
    """

    type: EventType
    text: str | None = None
    data: dict[str, Any] | None = None
    payload: DataPayload | None = None
    progress: Progress | None = None
    error: Exception | None = None
    usage: dict[str, int] | None = None
    timestamp: float | None = None
    finish_reason: str | None = None
    metadata: dict[str, Any] | None = None

    @property
    def is_token(self) -> bool:
        return self.type is EventType.TOKEN or self.type == "token"

    @property
    def is_message(self) -> bool:
        return self.type is EventType.MESSAGE or self.type == "message"

    @property
    def is_data(self) -> bool:
        return self.type is EventType.DATA or self.type == "data"

    @property
    def is_progress(self) -> bool:
        return self.type is EventType.PROGRESS or self.type == "progress"

    @property
    def is_tool_call(self) -> bool:
        return self.type is EventType.TOOL_CALL or self.type == "tool_call"

    @property
    def is_error(self) -> bool:
        return self.type is EventType.ERROR or self.type == "error"

    @property
    def is_complete(self) -> bool:
        return self.type is EventType.COMPLETE or self.type == "complete"

    @property
    def is_reset(self) -> bool:
        """The text delivered so far is discarded (see :attr:`EventType.RESET`)."""
        return self.type is EventType.RESET or self.type == "reset"
