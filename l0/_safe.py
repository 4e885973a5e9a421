"""``str()``/``repr()`` of foreign objects (source errors, user values) that never raise.

A provider's exception whose ``__str__`` raises must still be classified,
reported and retried: everything the runtime shows of a foreign object goes
through these.
"""

from __future__ import annotations

from typing import Any

__all__ = ["safe_str", "safe_repr"]


def _fallback(obj: Any, what: str) -> str:
    try:
        name = type(obj).__name__
    except Exception:  # noqa: BLE001 - even the type may be hostile
        name = "object"
    return f"<{name} ({what} failed)>"


def safe_str(obj: Any) -> str:
    """``str(obj)``, or ``<TypeName (str() failed)>`` when that raises or returns a non-str."""
    try:
        text = str(obj)
    except Exception:  # noqa: BLE001
        return _fallback(obj, "str()")
    return text if type(text) is str else _fallback(obj, "str()")


def safe_repr(obj: Any) -> str:
    """``repr(obj)``, or ``<TypeName (repr() failed)>`` when that raises."""
    try:
        text = repr(obj)
    except Exception:  # noqa: BLE001
        return _fallback(obj, "repr()")
    return text if type(text) is str else _fallback(obj, "repr()")
