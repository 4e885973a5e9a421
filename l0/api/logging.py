"""Re-exports of the logging names (the reference's ``l0.api.logging`` path)."""

from __future__ import annotations

from l0.logging import enable_debug

__all__ = [
    "enable_debug",
]
