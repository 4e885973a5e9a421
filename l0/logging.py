"""The ``l0`` logger (silent by default) and :func:`enable_debug`."""

from __future__ import annotations

import logging

__all__ = ["logger", "enable_debug", "DEBUG_FORMAT"]

DEBUG_FORMAT = "[l0] %(levelname)s: %(message)s"

logger = logging.getLogger("l0")
logger.addHandler(logging.NullHandler())


def enable_debug() -> None:
    """Log everything ``l0`` does at DEBUG to stderr (adds one handler, idempotent)."""
    logger.setLevel(logging.DEBUG)
    # FileHandler subclasses StreamHandler but writes elsewhere: only a real stream handler counts.
    if not any(type(h) is logging.StreamHandler for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(DEBUG_FORMAT))
        logger.addHandler(handler)
