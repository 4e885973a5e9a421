"""Cooldowns and token buckets shared by a fleet through Redis (``pip install 'l0[redis]'``).

Every update is one Lua script (atomic on the server) that reads the server's ``TIME``,
so clocks of the clients never matter. Any Redis failure or a reply slower than
``timeout`` falls back to an in-process coordinator for ``retry_interval`` seconds and
emits ``RATE_LIMIT_DEGRADED`` (``RATE_LIMIT_RESTORED`` when Redis answers again).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from l0.events import ObservabilityEventType as O

from ._core import Emit, InProcessCoordinator, Limit, _nothing

__all__ = ["RedisCoordinator"]

logger = logging.getLogger("l0.ratelimit")

# KEYS[1] cooldown (ms epoch of its end), KEYS[2] bucket hash; ARGV rpm, tpm (0: none), tokens.
# Returns the milliseconds to wait (0: the request and its tokens were taken).
_RESERVE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local untilms = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilms > now then return untilms - now end
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
if rpm <= 0 and tpm <= 0 then return 0 end
local need = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[2], 'r', 't', 'ts')
local ts = tonumber(b[3] or now)
local elapsed = math.max(0, now - ts)
local wait = 0
local r = 0
local k = 0
if rpm > 0 then
  r = math.min(rpm, tonumber(b[1] or rpm) + elapsed * rpm / 60000)
  if r < 1 then wait = math.ceil((1 - r) * 60000 / rpm) end
end
if tpm > 0 then
  k = math.min(tpm, tonumber(b[2] or tpm) + elapsed * tpm / 60000)
  need = math.min(need, tpm)
  if k < need then wait = math.max(wait, math.ceil((need - k) * 60000 / tpm)) end
end
if wait > 0 then return wait end
if rpm > 0 then r = r - 1 end
if tpm > 0 then k = k - need end
redis.call('HSET', KEYS[2], 'r', tostring(r), 't', tostring(k), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[2], 120000)
return 0
"""

# KEYS[1] cooldown; ARGV[1] milliseconds. Never shortens a known cooldown; returns the ms left.
_REPORT = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local untilms = now + tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if old > untilms then untilms = old end
redis.call('SET', KEYS[1], tostring(untilms), 'PX', math.max(1, untilms - now) + 1000)
return untilms - now
"""


def _redis_module() -> Any:
    try:
        import redis.asyncio as aioredis
    except ImportError as exc:
        raise ImportError("RedisCoordinator needs the redis client: pip install 'l0[redis]'") from exc
    return aioredis


class RedisCoordinator:
    """A :class:`~l0.ratelimit.Coordinator` whose cooldowns and buckets live in Redis.

    ``redis`` is a URL (``"redis://127.0.0.1:6379/0"``) or a ``redis.asyncio.Redis``.
    ``prefix`` namespaces the keys (``<prefix>:cd:<key>``, ``<prefix>:tb:<key>``).
    ``limits``/``default_limit`` as for :class:`~l0.ratelimit.InProcessCoordinator`
    (every process must configure the same limits). ``timeout``: seconds one Redis call may
    take before the in-process fallback answers; ``retry_interval``: seconds before Redis is tried
    again after a failure. ``on_event`` receives the degrade/restore events too when no stream's
    handler is at hand.
    """

    def __init__(
        self,
        redis: Any,
        *,
        prefix: str = "l0:rl",
        limits: Mapping[str, Limit] | None = None,
        default_limit: Limit | None = None,
        timeout: float = 0.25,
        retry_interval: float = 5.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not isinstance(prefix, str) or not prefix:
            raise ValueError(f"prefix must be a non-empty str, got {prefix!r}")
        for name, value in (("timeout", timeout), ("retry_interval", retry_interval)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        aioredis = _redis_module()
        if isinstance(redis, str):
            redis = aioredis.from_url(redis, socket_timeout=timeout, socket_connect_timeout=timeout)
        elif not callable(getattr(redis, "evalsha", None)):
            raise TypeError(f"redis must be a URL or a redis.asyncio.Redis, got {type(redis).__name__}")
        self.redis = redis
        self.prefix = prefix
        self.timeout = float(timeout)
        self.retry_interval = float(retry_interval)
        self.local = InProcessCoordinator(limits=limits, default_limit=default_limit, clock=clock)
        self.clock = clock or time.monotonic
        self.degraded_until = 0.0
        self.degraded = False
        self._reserve = redis.register_script(_RESERVE)
        self._report = redis.register_script(_REPORT)

    def _limit_args(self, key: str, tokens: int) -> list[Any]:
        limit = self.local._limit(key)
        if limit is None:
            return [0, 0, 0]
        return [limit.requests_per_minute or 0, limit.tokens_per_minute or 0, int(tokens)]

    async def _call(self, script: Any, keys: list[str], args: list[Any], emit: Emit) -> float | None:
        """The script's reply in seconds, or ``None`` when Redis is (recently) unreachable."""
        if self.degraded and self.clock() < self.degraded_until:
            return None
        try:
            reply = await asyncio.wait_for(script(keys=keys, args=args), self.timeout)
        except Exception as exc:  # noqa: BLE001 - any Redis failure or timeout degrades, never breaks a stream
            first = not self.degraded
            self.degraded = True
            self.degraded_until = self.clock() + self.retry_interval
            if first:
                logger.warning("Redis rate-limit coordinator unreachable (%s: %s); using in-process cooldowns",
                               type(exc).__name__, exc)
            emit(O.RATE_LIMIT_DEGRADED, backend="redis", error=f"{type(exc).__name__}: {exc}",
                 retryInMs=self.retry_interval * 1000.0)
            return None
        if self.degraded:
            self.degraded = False
            logger.warning("Redis rate-limit coordinator reachable again")
            emit(O.RATE_LIMIT_RESTORED, backend="redis")
        return float(reply) / 1000.0

    async def reserve(self, key: str, tokens: int, emit: Emit = _nothing) -> float:
        got = await self._call(self._reserve, [f"{self.prefix}:cd:{key}", f"{self.prefix}:tb:{key}"],
                               self._limit_args(key, tokens), emit)
        if got is None:
            return self.local.reserve_now(key, tokens)
        return got

    async def report(self, key: str, seconds: float, emit: Emit = _nothing) -> float:
        # The local copy keeps this process coordinated if Redis goes away later.
        local = self.local.report_now(key, seconds)
        got = await self._call(self._report, [f"{self.prefix}:cd:{key}"], [int(round(seconds * 1000))], emit)
        return local if got is None else got

    async def clear(self) -> None:
        """Delete this prefix's keys (tests and maintenance)."""
        self.local.clear()
        async for name in self.redis.scan_iter(match=f"{self.prefix}:*"):
            await self.redis.delete(name)

    async def aclose(self) -> None:
        await self.redis.aclose()
