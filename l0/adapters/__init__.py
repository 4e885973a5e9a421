"""Adapters turn provider streams into ``l0`` events.

The protocol (:class:`Adapter`), the registry with auto-detection, the
passthrough adapter for streams of :class:`~l0.types.Event`, event helpers,
and (loaded lazily) the OpenAI/LiteLLM adapter.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._registry import (
    Adapter,
    AdapterNotFoundError,
    clear_adapters,
    detect_adapter,
    get_adapter,
    get_registered_adapters,
    has_matching_adapter,
    register_adapter,
    reset_adapters,
    resolve_adapter,
    unregister_adapter,
    unregister_all_except,
)
from .event import (
    AdaptedEvent,
    EventPassthroughAdapter,
    StreamItemError,
    create_audio_event,
    create_complete_event,
    create_data_event,
    create_error_event,
    create_image_event,
    create_progress_event,
    create_token_event,
    to_l0_events,
    to_l0_events_with_messages,
    to_multimodal_l0_events,
)

_FROM_OPENAI = ("OpenAIAdapter", "OpenAIAdapterOptions", "LiteLLMAdapter")


def __getattr__(name: str) -> Any:
    if name in _FROM_OPENAI:
        value = getattr(importlib.import_module("l0.adapters.openai"), name)
        globals()[name] = value
        return value
    if name == "AnthropicAdapter":
        value = importlib.import_module("l0.adapters.anthropic").AnthropicAdapter
        globals()[name] = value
        return value
    raise AttributeError(f"module 'l0.adapters' has no attribute {name!r}")


class Adapters:
    """Namespace of the adapter functions (all static)."""

    detect = staticmethod(resolve_adapter)
    detect_adapter = staticmethod(detect_adapter)
    has_matching = staticmethod(has_matching_adapter)
    register = staticmethod(register_adapter)
    unregister = staticmethod(unregister_adapter)
    unregister_all_except = staticmethod(unregister_all_except)
    clear = staticmethod(clear_adapters)
    reset = staticmethod(reset_adapters)
    get = staticmethod(get_adapter)
    registered = staticmethod(get_registered_adapters)
    to_l0_events = staticmethod(to_l0_events)
    to_l0_events_with_messages = staticmethod(to_l0_events_with_messages)
    to_multimodal_l0_events = staticmethod(to_multimodal_l0_events)
    token_event = staticmethod(create_token_event)
    complete_event = staticmethod(create_complete_event)
    error_event = staticmethod(create_error_event)
    data_event = staticmethod(create_data_event)
    progress_event = staticmethod(create_progress_event)
    image_event = staticmethod(create_image_event)
    audio_event = staticmethod(create_audio_event)

    @staticmethod
    def openai() -> Any:
        """A new :class:`OpenAIAdapter`."""
        return importlib.import_module("l0.adapters.openai").OpenAIAdapter()

    @staticmethod
    def litellm() -> Any:
        """A new :class:`OpenAIAdapter` (LiteLLM streams are OpenAI-shaped)."""
        return importlib.import_module("l0.adapters.openai").OpenAIAdapter()


__all__ = [
    "Adapters", "Adapter", "AdaptedEvent", "AdapterNotFoundError", "EventPassthroughAdapter", "StreamItemError",
    "OpenAIAdapter", "OpenAIAdapterOptions", "LiteLLMAdapter",
    "register_adapter", "unregister_adapter", "unregister_all_except", "get_adapter", "get_registered_adapters",
    "clear_adapters", "reset_adapters", "detect_adapter", "has_matching_adapter", "resolve_adapter",
    "to_l0_events", "to_l0_events_with_messages", "to_multimodal_l0_events",
    "create_token_event", "create_complete_event", "create_error_event", "create_data_event",
    "create_progress_event", "create_image_event", "create_audio_event",
]
