"""Rate-limit and overload coordination: one cooldown per provider key for every stream.

``l0.wrap(client, rate_limit=True)`` or ``l0.run(factory, rate_limit=RateLimit(key=...))``.
A 429/503/529 or in-band overload answer on one stream starts a cooldown (from
``Retry-After``/``retry-after-ms``/``x-ratelimit-reset-*``) that every new attempt of every
stream with the same key waits out before sending. :class:`RedisCoordinator` shares the same
cooldowns and buckets across processes. See ``docs/rate-limits.md``.
"""

from __future__ import annotations

from typing import Any

from ._core import (
    Coordinator,
    CooldownActiveError,
    Gate,
    InProcessCoordinator,
    Limit,
    RateLimit,
    api_key_fingerprint,
    cooldown_for,
    default_coordinator,
    for_client,
    rate_limit_key,
    reset_hint,
)

__all__ = [
    "Coordinator",
    "CooldownActiveError",
    "Gate",
    "InProcessCoordinator",
    "Limit",
    "RateLimit",
    "RedisCoordinator",
    "api_key_fingerprint",
    "cooldown_for",
    "default_coordinator",
    "for_client",
    "rate_limit_key",
    "reset_hint",
]


def __getattr__(name: str) -> Any:
    if name == "RedisCoordinator":
        from ._redis import RedisCoordinator

        return RedisCoordinator
    raise AttributeError(f"module 'l0.ratelimit' has no attribute {name!r}")
