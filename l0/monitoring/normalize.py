"""Normalise provider stream chunks (OpenAI, Anthropic, Vercel-style dicts, strings) into :class:`L0Event`."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["L0EventType", "L0Event", "normalize_stream_event", "normalize_stream_events", "normalize_error",
           "create_token_event", "create_message_event", "create_complete_event", "create_error_event",
           "filter_events_by_type", "extract_tokens", "reconstruct_text", "is_error_event", "is_complete_event",
           "is_token_event", "get_first_error"]


class L0EventType(str, Enum):
    TOKEN = "token"
    MESSAGE = "message"
    DATA = "data"
    PROGRESS = "progress"
    ERROR = "error"
    COMPLETE = "complete"


_TYPES = {t.value: t for t in L0EventType}


@dataclass(slots=True)
class L0Event:
    """One normalised event; ``timestamp`` in epoch milliseconds."""

    type: L0EventType
    timestamp: float
    value: Any = None
    role: str | None = None
    error: BaseException | None = None

    @property
    def is_token(self) -> bool:
        return self.type is L0EventType.TOKEN

    @property
    def is_complete(self) -> bool:
        return self.type is L0EventType.COMPLETE

    @property
    def is_error(self) -> bool:
        return self.type is L0EventType.ERROR


def _now() -> float:
    return time.time() * 1000.0


def normalize_error(err: Any) -> BaseException:
    if isinstance(err, BaseException):
        return err
    if isinstance(err, dict):
        return Exception(str(err.get("message") or err))
    return Exception(str(err))


def create_token_event(value: str) -> L0Event:
    return L0Event(L0EventType.TOKEN, _now(), value=value)


def create_message_event(value: str, role: str = "assistant") -> L0Event:
    return L0Event(L0EventType.MESSAGE, _now(), value=value, role=role)


def create_complete_event() -> L0Event:
    return L0Event(L0EventType.COMPLETE, _now())


def create_error_event(err: Any) -> L0Event:
    return L0Event(L0EventType.ERROR, _now(), error=normalize_error(err))


_TEXT_KEYS = ("text", "content", "delta", "textDelta", "token", "message", "data")


def _text(d: dict[str, Any]) -> str | None:
    for k in _TEXT_KEYS:
        v = d.get(k)
        if isinstance(v, str):
            return v
    inner = d.get("delta")
    if isinstance(inner, dict):
        for k in _TEXT_KEYS:
            v = inner.get(k)
            if isinstance(v, str):
                return v
    return None


def _attr(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def normalize_stream_event(chunk: Any) -> L0Event:
    """One chunk to one :class:`L0Event` (an error event when it cannot be understood)."""
    if chunk is None:
        return create_error_event("Received null chunk")
    if isinstance(chunk, L0Event):
        return chunk
    if isinstance(chunk, str):
        return create_token_event(chunk) if chunk else create_error_event("Empty string chunk")
    if isinstance(chunk, dict):
        kind = chunk.get("type")
        if isinstance(kind, str) and kind in _TYPES:
            return L0Event(_TYPES[kind], float(chunk.get("timestamp") or _now()), value=chunk.get("value"),
                           role=chunk.get("role"),
                           error=normalize_error(chunk["error"]) if chunk.get("error") is not None else None)
        if isinstance(kind, str):
            if kind in ("text-delta", "content-delta"):
                for k in ("textDelta", "delta", "content"):
                    v = chunk.get(k)
                    if isinstance(v, str):
                        return create_token_event(v)
                return create_token_event("")
            if kind in ("finish", "complete", "message_stop", "content_block_stop"):
                return create_complete_event()
            if kind == "error":
                return create_error_event(chunk.get("error") or "Unknown error")
            if kind in ("tool-call", "function-call"):
                return create_message_event(json.dumps(chunk, default=str), "assistant")
            text = _text(chunk)
            return create_token_event(text) if text is not None else create_error_event(f"Unknown chunk type: {kind}")
        choices = chunk.get("choices")
        if isinstance(choices, list) and choices:
            first = choices[0]
            delta = _attr(first, "delta") or {}
            content = _attr(delta, "content")
            if isinstance(content, str) and content:
                return create_token_event(content)
            if _attr(first, "finish_reason"):
                return create_complete_event()
            return create_token_event(content or "")
        delta = chunk.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("text"), str):
            return create_token_event(delta["text"])
        text = _text(chunk)
        if text is not None:
            return create_token_event(text)
    choices = getattr(chunk, "choices", None)
    if isinstance(choices, list) and choices:
        first = choices[0]
        content = _attr(_attr(first, "delta"), "content")
        if isinstance(content, str) and content:
            return create_token_event(content)
        if _attr(first, "finish_reason"):
            return create_complete_event()
    return create_error_event(f"Unable to normalize chunk: {type(chunk).__name__}")


def normalize_stream_events(chunks: list[Any]) -> list[L0Event]:
    return [normalize_stream_event(c) for c in chunks]


def filter_events_by_type(events: list[L0Event], event_type: L0EventType | str) -> list[L0Event]:
    t = L0EventType(event_type)
    return [e for e in events if e.type is t]


def extract_tokens(events: list[L0Event]) -> list[str]:
    return [e.value for e in events if e.type is L0EventType.TOKEN and isinstance(e.value, str)]


def reconstruct_text(events: list[L0Event]) -> str:
    return "".join(extract_tokens(events))


def is_error_event(event: L0Event) -> bool:
    return event.type is L0EventType.ERROR


def is_complete_event(event: L0Event) -> bool:
    return event.type is L0EventType.COMPLETE


def is_token_event(event: L0Event) -> bool:
    return event.type is L0EventType.TOKEN


def get_first_error(events: list[L0Event]) -> BaseException | None:
    for e in events:
        if e.type is L0EventType.ERROR:
            return e.error
    return None
