"""Optional integrations fail with one clear message naming the extra to install."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["require"]


def require(module: str, extra: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{what} needs the {module.split('.')[0]!r} package: pip install 'l0[{extra}]'") from exc
