"""Re-exports of the adapters names (the reference's ``l0.api.adapters`` path)."""

from __future__ import annotations

from l0.adapters import AdaptedEvent, Adapter, Adapters, LiteLLMAdapter, OpenAIAdapter, OpenAIAdapterOptions

__all__ = [
    "AdaptedEvent", "Adapter", "Adapters", "LiteLLMAdapter", "OpenAIAdapter",
    "OpenAIAdapterOptions",
]
