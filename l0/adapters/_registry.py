"""The adapter registry and auto-detection (``Adapters.detect`` and the module-level functions)."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator
from types import AsyncGeneratorType
from typing import Any, Protocol, TypeVar, runtime_checkable

from l0.types import Event

from .event import EventPassthroughAdapter

_PASSTHROUGH_DETECT = EventPassthroughAdapter.detect

ChunkT = TypeVar("ChunkT", contravariant=True)
OptionsT = TypeVar("OptionsT", contravariant=True)


@runtime_checkable
class Adapter(Protocol[ChunkT, OptionsT]):
    """Turns a provider's stream into ``l0`` events.

    ``detect`` is only needed for auto-detection; ``wrap`` yields
    :class:`~l0.types.Event` objects (``AdaptedEvent`` items are accepted too).
    """

    name: str

    def detect(self, stream: Any) -> bool: ...

    def wrap(self, stream: Any, options: Any = None) -> AsyncIterator[Event]: ...


class AdapterNotFoundError(ValueError):
    """No adapter for a stream (unknown name, or nothing detects it).

    A lookup failure is a configuration problem: the runtime never retries it.
    """

    l0_retryable = False


_adapters: list[Any] | None = None
# The default (OpenAI, Anthropic, passthrough) adapters as last installed, and the detect functions of
# the provider adapters' classes then: while the registry is exactly those, unpatched, an async
# generator (which the provider adapters never claim: it has no ``cr_code`` and its type is a builtin)
# resolves to the passthrough without running the detectors.
_defaults: tuple[Any, Any, Any, Any, Any] | None = None


def _default_adapters() -> list[Any]:
    global _defaults
    # lazy: the provider modules may import SDK types
    from l0.adapters.anthropic import AnthropicAdapter
    from l0.adapters.openai import OpenAIAdapter

    first, middle, last = OpenAIAdapter(), AnthropicAdapter(), EventPassthroughAdapter()
    _defaults = (first, middle, last, OpenAIAdapter.detect, AnthropicAdapter.detect)
    return [first, middle, last]


def _registry() -> list[Any]:
    global _adapters
    if _adapters is None:
        _adapters = _default_adapters()
    return _adapters


def _normalize_name(name: str) -> str:
    return "openai" if name == "litellm" else name


def _detects(adapter: Any, stream: Any) -> bool:
    detect = getattr(adapter, "detect", None)
    if detect is None or not callable(detect):
        return False
    try:
        return bool(detect(stream))
    except Exception:  # noqa: BLE001 - one faulty detector must not break detection for others
        return False


def register_adapter(adapter: Any, *, silent: bool = False) -> None:
    """Register ``adapter`` at the front of the registry (highest priority).

    An adapter without ``detect`` is still usable by name; auto-detection skips it.
    """
    if not hasattr(adapter, "wrap") or not callable(adapter.wrap):
        raise TypeError(f"adapter must have a callable wrap(stream), got {type(adapter).__name__}")
    if not isinstance(getattr(adapter, "name", None), str):
        raise TypeError(f"adapter must have a str name, got {getattr(adapter, 'name', None)!r}")
    if not silent and os.environ.get("NODE_ENV") != "production" and getattr(adapter, "detect", None) is None:
        warnings.warn(
            f"adapter {adapter.name!r} has no detect(); it is used only when selected by name",
            UserWarning,
            stacklevel=2,
        )
    _registry().insert(0, adapter)


def unregister_adapter(name: str) -> bool:
    """Remove the first adapter called ``name``; True if one was removed."""
    reg = _registry()
    for i, adapter in enumerate(reg):
        if getattr(adapter, "name", None) == name:
            del reg[i]
            return True
    return False


def unregister_all_except(names: list[str] | None = None) -> list[str]:
    """Keep only the adapters called one of ``names``; return the removed names."""
    keep = set(names or ())
    reg = _registry()
    removed = [a.name for a in reg if a.name not in keep]
    reg[:] = [a for a in reg if a.name in keep]
    return removed


def get_adapter(name: str) -> Any | None:
    """The first registered adapter called ``name`` (``"litellm"`` means ``"openai"``), or None."""
    name = _normalize_name(name)
    for adapter in _registry():
        if getattr(adapter, "name", None) == name:
            return adapter
    return None


def get_registered_adapters() -> list[str]:
    """Registered adapter names in priority order."""
    return [a.name for a in _registry()]


def clear_adapters() -> None:
    """Empty the registry."""
    _registry().clear()


def reset_adapters() -> None:
    """Restore the default registry (OpenAI, then the event passthrough)."""
    reg = _registry()
    reg[:] = _default_adapters()


def detect_adapter(stream: Any) -> Any | None:
    """The first registered adapter whose ``detect`` accepts ``stream``, or None.

    A ``detect`` that is missing or raises counts as "no".
    """
    for adapter in _registry():
        if _detects(adapter, stream):
            return adapter
    return None


def has_matching_adapter(stream: Any) -> bool:
    """True if at least one registered adapter detects ``stream``."""
    return detect_adapter(stream) is not None


def resolve_adapter(stream: Any, hint: Any = None) -> Any:
    """Choose the adapter for ``stream``: an object hint as-is, a name looked up, else auto-detect.

    Raises :class:`AdapterNotFoundError` (a ``ValueError``).
    """
    if hint is None:
        if type(stream) is AsyncGeneratorType and _defaults is not None:
            reg = _adapters
            first, middle, last, detect, detect_middle = _defaults
            if (reg is not None and len(reg) == 3 and reg[0] is first and reg[1] is middle and reg[2] is last
                    and type(first).detect is detect and type(middle).detect is detect_middle
                    and "detect" not in first.__dict__ and "detect" not in middle.__dict__
                    and "detect" not in last.__dict__
                    and EventPassthroughAdapter.detect is _PASSTHROUGH_DETECT):
                return last
    elif not isinstance(hint, str):
        return hint
    if isinstance(hint, str):
        adapter = get_adapter(hint)
        if adapter is None:
            raise AdapterNotFoundError(f"Unknown adapter: {hint}")
        return adapter
    adapter = detect_adapter(stream)
    if adapter is None:
        raise AdapterNotFoundError(f"No adapter found for stream of type {type(stream).__name__}")
    return adapter


__all__ = [
    "Adapter", "AdapterNotFoundError", "register_adapter", "unregister_adapter", "unregister_all_except",
    "get_adapter", "get_registered_adapters", "clear_adapters", "reset_adapters", "detect_adapter",
    "has_matching_adapter", "resolve_adapter",
]
