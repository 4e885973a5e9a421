"""l0: the reliability layer for streaming LLM output."""

from __future__ import annotations

from l0._backend import BACKEND as __backend__
from l0.version import __version__

__all__ = ["__backend__", "__version__"]
