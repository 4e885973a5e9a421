"""The in-process coordinator, the per-run gate the runtime calls, and what a failure says about cooldowns.

The runtime's only contact with this package is :class:`Gate` (built from the
``rate_limit`` option of ``l0.run``/``l0.wrap``): ``await gate.before_attempt(...)``
once before an attempt calls its stream factory, ``await gate.after_error(...)``
once when an attempt failed. Nothing here runs per token.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from l0.errors import http_status
from l0.events import ObservabilityEventType as O
from l0.retry import _header, parse_retry_after, retry_after_hint

__all__ = [
    "Coordinator",
    "CooldownActiveError",
    "Gate",
    "InProcessCoordinator",
    "Limit",
    "RateLimit",
    "api_key_fingerprint",
    "cooldown_for",
    "default_coordinator",
    "rate_limit_key",
    "reset_hint",
]

logger = logging.getLogger("l0.ratelimit")

Emit = Callable[..., None]

_OVERLOAD_STATUS = (429, 503, 529)
_OVERLOAD_CODES = ("rate_limit_exceeded", "rate_limit_error", "overloaded", "overloaded_error", "server_overloaded",
                   "insufficient_quota_rate", "too_many_requests", "resource_exhausted")
_OVERLOAD_TEXT = re.compile(r"rate[ _-]?limit|too many requests|overloaded|resource[ _]exhausted", re.IGNORECASE)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _nothing(*_: Any, **__: Any) -> None:
    return None


# -- keys -----------------------------------------------------------------------------------------


def api_key_fingerprint(api_key: str | bytes | None) -> str:
    """A short, non-reversible tag of an API key (16 hex chars of SHA-256); ``"-"`` without a key."""
    if api_key is None or api_key == "":
        return "-"
    raw = api_key.encode() if isinstance(api_key, str) else bytes(api_key)
    return hashlib.sha256(raw).hexdigest()[:16]


def rate_limit_key(base_url: Any, model: Any, api_key: str | bytes | None = None) -> str:
    """The coordinator key ``"<base url>|<model>|<key fingerprint>"``; the API key itself is never kept."""
    url = str(base_url or "").rstrip("/")
    return f"{url}|{model or ''}|{api_key_fingerprint(api_key)}"


# -- what an error says ---------------------------------------------------------------------------


def _reset_seconds(value: Any) -> float | None:
    """``x-ratelimit-reset-*`` values: ``"1s"``, ``"6m0s"``, ``"20ms"``, or a plain number of seconds."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    text = str(value).strip().lower()
    plain = parse_retry_after(text)
    if plain is not None:
        return plain
    total, pos = 0.0, 0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT[match.group(2)]
        pos = match.end()
    return total if pos == len(text) and pos else None


def reset_hint(error: BaseException) -> float | None:
    """Seconds until the exhausted limit resets, from ``x-ratelimit-reset-requests``/``-tokens``.

    A reset whose ``x-ratelimit-remaining-*`` counterpart says ``0`` wins; otherwise the later one.
    """
    response = getattr(error, "response", None)
    for headers in (getattr(error, "headers", None), getattr(response, "headers", None)):
        if headers is None:
            continue
        exhausted: list[float] = []
        other: list[float] = []
        for kind in ("requests", "tokens"):
            seconds = _reset_seconds(_header(headers, f"x-ratelimit-reset-{kind}"))
            if seconds is None:
                continue
            remaining = _header(headers, f"x-ratelimit-remaining-{kind}")
            (exhausted if str(remaining).strip() == "0" else other).append(seconds)
        if exhausted:
            return max(exhausted)
        if other:
            return max(other)
    return None


def _is_overload(error: BaseException) -> str | None:
    status = http_status(error)
    if status in _OVERLOAD_STATUS:
        return f"http_{status}"
    code = getattr(error, "code", None)
    if isinstance(code, str) and code.lower() in _OVERLOAD_CODES:
        return code.lower()
    body = getattr(error, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error") if isinstance(body.get("error"), Mapping) else body
        for field in ("code", "type"):
            value = inner.get(field)
            if isinstance(value, str) and value.lower() in _OVERLOAD_CODES:
                return value.lower()
    if status is None or status >= 500:
        try:
            text = str(error)
        except Exception:  # noqa: BLE001 - a source exception whose __str__ raises
            return None
        if _OVERLOAD_TEXT.search(text):
            return "overloaded"
    return None


def cooldown_for(error: BaseException, *, default: float = 1.0, limit: float = 60.0) -> tuple[float, str] | None:
    """``(seconds, reason)`` when ``error`` is a rate-limit/overload answer (429, 503, 529, an in-band
    ``overloaded``/``rate_limit_exceeded`` error), else ``None``.

    The seconds come from ``retry-after-ms``/``Retry-After``, then ``x-ratelimit-reset-*``, then
    ``default``; at most ``limit``.
    """
    reason = _is_overload(error)
    if reason is None:
        return None
    seconds = retry_after_hint(error)
    if seconds is None:
        seconds = reset_hint(error)
    if seconds is None:
        seconds = default
    return min(seconds, limit), reason


# -- the coordinator protocol (the pluggable backend) ----------------------------------------------


@dataclass(frozen=True)
class Limit:
    """A client-side budget per key: token buckets refilled continuously, capacity one minute's worth."""

    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None

    def __post_init__(self) -> None:
        for name in ("requests_per_minute", "tokens_per_minute"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
                raise ValueError(f"Limit.{name} must be a positive finite number or None, got {value!r}")


@runtime_checkable
class Coordinator(Protocol):
    """Where cooldowns and buckets live (in-process, Redis, or your own).

    Both methods are called once per attempt at most, never per token.
    """

    async def reserve(self, key: str, tokens: int, emit: Emit) -> float:
        """Seconds the caller must wait before sending on ``key``; ``0`` means go now (and the
        request, plus ``tokens`` tokens, were taken from the key's buckets)."""
        ...

    async def report(self, key: str, seconds: float, emit: Emit) -> float:
        """Start or extend ``key``'s cooldown to at least ``seconds`` from now; return the seconds left."""
        ...


class _Bucket:
    __slots__ = ("capacity", "rate", "level", "stamp")

    def __init__(self, per_minute: float, now: float) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.level = self.capacity
        self.stamp = now

    def wait(self, need: float, now: float) -> float:
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        need = min(need, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate


class InProcessCoordinator:
    """Cooldowns and buckets in a dict, for every stream of this process (the default).

    ``limits`` maps a full key or a model name to a :class:`Limit`; ``default_limit``
    applies to every other key. ``clock`` (monotonic seconds) is injectable for tests.
    One small lock per call keeps it correct when several threads' loops share it.
    """

    def __init__(
        self,
        *,
        limits: Mapping[str, Limit] | None = None,
        default_limit: Limit | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if limits is not None:
            for name, value in limits.items():
                if not isinstance(value, Limit):
                    raise TypeError(f"limits[{name!r}] must be a l0.ratelimit.Limit, got {type(value).__name__}")
        if default_limit is not None and not isinstance(default_limit, Limit):
            raise TypeError(f"default_limit must be a l0.ratelimit.Limit or None, got {type(default_limit).__name__}")
        self.limits: dict[str, Limit] = dict(limits or {})
        self.default_limit = default_limit
        self.clock = clock or time.monotonic
        self._until: dict[str, float] = {}
        self._buckets: dict[str, tuple[_Bucket | None, _Bucket | None]] = {}
        self._lock = threading.Lock()

    def cooldown_remaining(self, key: str) -> float:
        """Seconds left in ``key``'s cooldown (0 when none)."""
        until = self._until.get(key)
        return 0.0 if until is None else max(0.0, until - self.clock())

    def _limit(self, key: str) -> Limit | None:
        limit = self.limits.get(key)
        if limit is None and self.limits:
            parts = key.split("|")
            if len(parts) == 3:
                limit = self.limits.get(parts[1])
        return limit if limit is not None else self.default_limit

    async def reserve(self, key: str, tokens: int, emit: Emit = _nothing) -> float:
        return self.reserve_now(key, tokens)

    def reserve_now(self, key: str, tokens: int = 0) -> float:
        """:meth:`reserve` without the event loop."""
        now = self.clock()
        until = self._until.get(key)
        if until is not None:
            if until > now:
                return until - now
            del self._until[key]
        if not self.limits and self.default_limit is None:
            return 0.0
        limit = self._limit(key)
        if limit is None:
            return 0.0
        with self._lock:
            pair = self._buckets.get(key)
            if pair is None:
                pair = (None if limit.requests_per_minute is None else _Bucket(limit.requests_per_minute, now),
                        None if limit.tokens_per_minute is None else _Bucket(limit.tokens_per_minute, now))
                self._buckets[key] = pair
            req, tok = pair
            wait = 0.0
            if req is not None:
                wait = req.wait(1.0, now)
            if tok is not None and tokens > 0:
                wait = max(wait, tok.wait(float(tokens), now))
            if wait > 0:
                return wait
            if req is not None:
                req.level -= 1.0
            if tok is not None and tokens > 0:
                tok.level -= min(float(tokens), tok.capacity)
            return 0.0

    async def report(self, key: str, seconds: float, emit: Emit = _nothing) -> float:
        return self.report_now(key, seconds)

    def report_now(self, key: str, seconds: float) -> float:
        """:meth:`report` without the event loop."""
        now = self.clock()
        until = now + seconds
        previous = self._until.get(key)
        if previous is not None and previous > until:
            until = previous  # a later deadline already known is kept: never shorten a cooldown
        self._until[key] = until
        return until - now

    def clear(self) -> None:
        """Forget every cooldown and bucket."""
        with self._lock:
            self._until.clear()
            self._buckets.clear()


_DEFAULT: InProcessCoordinator | None = None


def default_coordinator() -> InProcessCoordinator:
    """The process-wide :class:`InProcessCoordinator` used when a :class:`RateLimit` names none."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = InProcessCoordinator()
    return _DEFAULT


# -- the option and the per-run gate ---------------------------------------------------------------


class CooldownActiveError(Exception):
    """The key is cooling down and the run prefers its next fallback (``on_cooldown="fallback"``),
    or the wait would exceed ``RateLimit.max_wait``. Not retried: the run moves to its next fallback."""

    l0_retryable = False
    status_code = 429

    def __init__(self, key: str, seconds: float) -> None:
        super().__init__(f"rate limit cooldown active for {key!r}: {seconds:.3f}s left")
        self.key = key
        self.retry_after = seconds


_MODES = ("wait", "fallback")


@dataclass(frozen=True)
class RateLimit:
    """The ``rate_limit`` option of ``l0.run`` and ``l0.wrap``.

    ``key``: for ``l0.run``, the coordinator key of every source (a str) or one per source in
    order (a sequence, ``None`` for a source left alone); ``l0.wrap`` derives it per request from
    the client's base URL, the model and the API key's fingerprint. ``coordinator``: ``None`` is
    the process-wide :func:`default_coordinator`. ``on_cooldown``: ``"wait"`` (default) waits the
    cooldown out; ``"fallback"`` moves to the next fallback at once (and waits when there is none).
    ``max_wait``: seconds; a longer cooldown moves to the next fallback (or fails with
    :class:`CooldownActiveError` when there is none). ``tokens``: tokens each request takes from a
    ``tokens_per_minute`` bucket. ``default_cooldown``/``max_cooldown``: seconds of cooldown after
    an overload answer without a hint, and the cap on hints.
    """

    key: str | Sequence[str | None] | None = None
    coordinator: Coordinator | None = None
    on_cooldown: str = "wait"
    max_wait: float | None = None
    tokens: int = 0
    default_cooldown: float = 1.0
    max_cooldown: float = 60.0

    def __post_init__(self) -> None:
        key = self.key
        if key is not None and not isinstance(key, str):
            if isinstance(key, bytes) or not isinstance(key, Sequence):
                raise TypeError(f"RateLimit.key must be a str, a sequence of str/None (one per source) or None, "
                                f"got {type(key).__name__}")
            for i, item in enumerate(key):
                if item is not None and not isinstance(item, str):
                    raise TypeError(f"RateLimit.key[{i}] must be a str or None, got {type(item).__name__}")
            object.__setattr__(self, "key", tuple(key))
        if self.coordinator is not None and not isinstance(self.coordinator, Coordinator):
            raise TypeError("RateLimit.coordinator must implement l0.ratelimit.Coordinator (async reserve() and "
                            f"report()), got {type(self.coordinator).__name__}")
        if self.on_cooldown not in _MODES:
            raise ValueError(f"RateLimit.on_cooldown must be 'wait' or 'fallback', got {self.on_cooldown!r}")
        if self.max_wait is not None and (isinstance(self.max_wait, bool) or not isinstance(self.max_wait, (int, float))
                                          or not self.max_wait >= 0):
            raise ValueError(f"RateLimit.max_wait must be a non-negative number of seconds or None, "
                             f"got {self.max_wait!r}")
        if isinstance(self.tokens, bool) or not isinstance(self.tokens, int) or self.tokens < 0:
            raise ValueError(f"RateLimit.tokens must be an int >= 0, got {self.tokens!r}")
        for name in ("default_cooldown", "max_cooldown"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise ValueError(f"RateLimit.{name} must be a non-negative number of seconds, got {value!r}")

    def gate(self, sources: int) -> Gate | None:
        """The per-run object the runtime calls (``None``: no source has a key)."""
        key = self.key
        if key is None:
            raise ValueError("l0.run(rate_limit=...) needs a key: RateLimit(key='provider|model|...') "
                             "(l0.wrap derives it from the client)")
        keys = (key,) * sources if isinstance(key, str) else tuple(key) + (None,) * max(0, sources - len(key))
        if not any(keys):
            return None
        return Gate(self, keys[:sources])


def coerce_rate_limit(value: Any, name: str = "rate_limit") -> RateLimit | None:
    """``rate_limit`` as given to ``run()``: a :class:`RateLimit`, a key string, or ``None``."""
    if value is None or value is False:
        return None
    if isinstance(value, RateLimit):
        return value
    if isinstance(value, str):
        return RateLimit(key=value)
    raise TypeError(f"{name} must be a l0.ratelimit.RateLimit, a key string or None, got {type(value).__name__}")


class Gate:
    """One run's view of the coordinator: a key per source. Built once per run."""

    __slots__ = ("config", "keys", "coordinator")

    def __init__(self, config: RateLimit, keys: Sequence[str | None]) -> None:
        self.config = config
        self.keys = tuple(keys)
        self.coordinator: Coordinator = config.coordinator if config.coordinator is not None else default_coordinator()

    async def before_attempt(self, index: int, has_fallback: bool, emit: Emit,
                             sleep: Callable[[float], Any]) -> float:
        """Wait until source ``index`` may send (returns the seconds waited), or raise
        :class:`CooldownActiveError` to move to the next fallback.

        ``sleep(seconds)`` is the runtime's abortable sleep: it returns ``False`` when the stream
        was aborted meanwhile, and the wait ends at once.
        """
        key = self.keys[index] if index < len(self.keys) else None
        if key is None:
            return 0.0
        cfg = self.config
        coordinator = self.coordinator
        delay = await coordinator.reserve(key, cfg.tokens, emit)
        if delay <= 0:
            return 0.0
        waited = 0.0
        started = time.monotonic()
        emit(O.RATE_LIMIT_WAIT_START, key=key, waitMs=delay * 1000.0, onCooldown=cfg.on_cooldown)
        while delay > 0:
            if has_fallback and (cfg.on_cooldown == "fallback" or (cfg.max_wait is not None and waited + delay > cfg.max_wait)):
                emit(O.RATE_LIMIT_WAIT_END, key=key, waitedMs=waited * 1000.0, outcome="fallback")
                raise CooldownActiveError(key, delay)
            if cfg.max_wait is not None and waited + delay > cfg.max_wait:
                emit(O.RATE_LIMIT_WAIT_END, key=key, waitedMs=waited * 1000.0, outcome="gave_up")
                raise CooldownActiveError(key, delay)
            if await sleep(delay) is False:  # the stream was aborted
                emit(O.RATE_LIMIT_WAIT_END, key=key, waitedMs=(time.monotonic() - started) * 1000.0,
                     outcome="aborted")
                return time.monotonic() - started
            waited = time.monotonic() - started
            delay = await coordinator.reserve(key, cfg.tokens, emit)
        emit(O.RATE_LIMIT_WAIT_END, key=key, waitedMs=waited * 1000.0, outcome="sent")
        return waited

    async def after_error(self, index: int, error: BaseException, emit: Emit) -> float | None:
        """Report a failed attempt of source ``index``: an overload answer starts/extends the cooldown."""
        if isinstance(error, CooldownActiveError):
            return None
        key = self.keys[index] if index < len(self.keys) else None
        if key is None:
            return None
        cfg = self.config
        found = cooldown_for(error, default=cfg.default_cooldown, limit=cfg.max_cooldown)
        if found is None:
            return None
        seconds, reason = found
        left = await self.coordinator.report(key, seconds, emit)
        emit(O.RATE_LIMIT_COOLDOWN_START, key=key, cooldownMs=left * 1000.0, hintMs=seconds * 1000.0,
             reason=reason)
        return left


def for_client(value: Any, client: Any, calls: Sequence[Mapping[str, Any] | None]) -> RateLimit | None:
    """The ``rate_limit`` of one ``l0.wrap(client)`` request: ``True`` (the process-wide coordinator) or a
    :class:`RateLimit` whose ``key`` is ``None`` get a key per source from ``client.base_url``, the source's
    ``model`` and ``client.api_key``'s fingerprint (``None`` for a factory fallback)."""
    if value is None or value is False:
        return None
    if value is True:
        value = RateLimit()
    elif not isinstance(value, RateLimit):
        raise TypeError(f"rate_limit must be True, a l0.ratelimit.RateLimit or None, got {type(value).__name__}")
    if value.key is not None:
        return value
    base_url = getattr(client, "base_url", None)
    api_key = getattr(client, "api_key", None)
    fingerprint = api_key_fingerprint(api_key if isinstance(api_key, (str, bytes)) else None)
    url = str(base_url or "").rstrip("/")
    keys = tuple(None if call is None else f"{url}|{call.get('model') or ''}|{fingerprint}" for call in calls)
    return RateLimit(key=keys, coordinator=value.coordinator, on_cooldown=value.on_cooldown,
                     max_wait=value.max_wait, tokens=value.tokens, default_cooldown=value.default_cooldown,
                     max_cooldown=value.max_cooldown)
