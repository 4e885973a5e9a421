"""OpenAI (and LiteLLM) chat-completions stream adapter (work in progress)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator


@dataclass
class OpenAIAdapterOptions:
    """Options for :class:`OpenAIAdapter`."""

    include_usage: bool = True
    include_tool_calls: bool = True
    emit_function_calls_as_tokens: bool = False
    choice_index: int | str = 0


class OpenAIAdapter:
    """Converts OpenAI-shaped chat-completion chunks into l0 events."""

    name = "openai"

    def detect(self, stream: Any) -> bool:
        module = type(stream).__module__ or ""
        return "openai" in module or "litellm" in module

    async def wrap(self, stream: Any, options: OpenAIAdapterOptions | None = None) -> AsyncIterator[Any]:
        raise NotImplementedError("OpenAIAdapter.wrap is not implemented yet")
        yield  # pragma: no cover


LiteLLMAdapter = OpenAIAdapter

__all__ = ["LiteLLMAdapter", "OpenAIAdapter", "OpenAIAdapterOptions"]
