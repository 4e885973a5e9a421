"""The retry decision and backoff (``RetryManager``), including server ``Retry-After`` hints.

The RNG, the wall clock (used to read HTTP-date hints) and the sleep function
are injectable, so tests run with a seeded RNG and a fake clock.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import random as _random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from l0.errors import Error, ErrorCode, NetworkErrorType, categorize_error, classify, http_status
from l0.errors._network import is_l0_timeout
from l0.types import BackoffStrategy, ErrorCategory, Retry, RetryableErrorType

if TYPE_CHECKING:  # pragma: no cover
    from l0.types import State

__all__ = ["RetryManager", "RetryContext", "retry_after_hint", "parse_retry_after", "map_error_type"]

_NETWORKISH = (ErrorCategory.NETWORK, ErrorCategory.TRANSIENT)
_RATE_LIMIT = re.compile(r"(?<![a-z0-9])rate[ _-]?limit|(?<![a-z0-9])too many requests(?![a-z0-9])")
# 2.0 ** 1000 is still finite, so base * factor never becomes inf or nan (0 * inf).
_MAX_EXPONENT = 1000


@dataclass
class RetryContext:
    """What a ``Retry.calculate_delay`` hook receives.

    ``retry_after`` (an addition) is the server's hint in seconds, if any.
    """

    attempt: int
    error: BaseException
    category: ErrorCategory
    is_network: bool
    model_retry_count: int
    network_retry_count: int
    total_retries: int
    base_delay: float
    max_delay: float
    retry_after: float | None = None


def parse_retry_after(value: Any, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: a number of seconds or an HTTP date.

    ``now`` is the current epoch time for dates (default ``time.time()``).
    Unparsable, negative or non-finite values give ``None``; dates in the past give 0.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        if isinstance(value, bytes):
            value = value.decode("latin-1", "replace")
        if not isinstance(value, str):
            return None
        text = value.strip()
        if not text:
            return None
        try:
            seconds = float(text)
        except ValueError:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
            if when is None:
                return None
            if when.tzinfo is None:  # HTTP dates are GMT by definition
                from datetime import timezone

                when = when.replace(tzinfo=timezone.utc)
            current = time.time() if now is None else now
            return max(0.0, when.timestamp() - current)
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        return None
    return seconds


def _header(headers: Any, name: str) -> Any:
    if headers is None:
        return None
    getter = getattr(headers, "get", None)
    if getter is not None:
        try:
            value = getter(name)
        except Exception:
            value = None
        if value is not None:
            return value
    items = headers.items() if isinstance(headers, Mapping) else headers if isinstance(headers, (list, tuple)) else ()
    try:
        for key, value in items:
            if isinstance(key, bytes):
                key = key.decode("latin-1", "replace")
            if isinstance(key, str) and key.lower() == name:
                return value
    except (TypeError, ValueError):
        return None
    return None


def retry_after_hint(error: BaseException, *, now: float | None = None) -> float | None:
    """The server's requested wait in seconds for ``error``, or ``None``.

    Looks at ``error.headers`` and ``error.response.headers`` (httpx/openai
    exceptions carry the latter) for ``retry-after-ms`` (milliseconds) then
    ``retry-after`` (seconds or HTTP date), and finally at a ``retry_after``
    attribute (seconds or HTTP date).
    """
    response = getattr(error, "response", None)
    for headers in (getattr(error, "headers", None), getattr(response, "headers", None)):
        if headers is None:
            continue
        ms = parse_retry_after(_header(headers, "retry-after-ms"), now=now)
        if ms is not None and not _is_date(_header(headers, "retry-after-ms")):
            return ms / 1000.0
        seconds = parse_retry_after(_header(headers, "retry-after"), now=now)
        if seconds is not None:
            return seconds
    return parse_retry_after(getattr(error, "retry_after", None), now=now)


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value.strip())
    except ValueError:
        return True
    return False


def _message(error: BaseException) -> str:
    try:
        return str(error).lower()
    except Exception:
        return ""


def map_error_type(error: BaseException, category: ErrorCategory | None = None) -> RetryableErrorType | None:
    """The :class:`RetryableErrorType` a ``retry_on`` list is checked against (``None``: never retried)."""
    if isinstance(error, Error) and error.code is ErrorCode.STREAM_TRUNCATED:
        return RetryableErrorType.TRUNCATED
    if is_l0_timeout(error):
        return RetryableErrorType.TIMEOUT
    category = category or categorize_error(error)
    msg = _message(error)
    if category is ErrorCategory.NETWORK:
        return RetryableErrorType.NETWORK_ERROR
    if category is ErrorCategory.TRANSIENT:
        status = http_status(error)
        if status == 429 or _RATE_LIMIT.search(msg):
            return RetryableErrorType.RATE_LIMIT
        if status is not None and 500 <= status <= 599:
            return RetryableErrorType.SERVER_ERROR
        return RetryableErrorType.TIMEOUT
    if category is ErrorCategory.CONTENT:
        if "zero" in msg and "output" in msg:
            return RetryableErrorType.ZERO_OUTPUT
        if "guardrail" in msg or "violation" in msg:
            return RetryableErrorType.GUARDRAIL_VIOLATION
        if "drift" in msg:
            return RetryableErrorType.DRIFT
        if "incomplete" in msg:
            return RetryableErrorType.INCOMPLETE
        return RetryableErrorType.GUARDRAIL_VIOLATION
    if category is ErrorCategory.MODEL:
        if "zero" in msg or "empty" in msg:
            return RetryableErrorType.ZERO_OUTPUT
        return RetryableErrorType.GUARDRAIL_VIOLATION
    return None


def _error_to_retryable_type(error: BaseException) -> RetryableErrorType | None:
    """The reference's name for :func:`map_error_type` (imported by users' tests)."""
    return map_error_type(error)


class RetryManager:
    """Counts retries and decides whether and when to retry (one per stream, shared by its fallbacks).

    ``random`` (a ``() -> float`` on [0, 1) or a ``random.Random``), ``clock``
    (epoch seconds, for HTTP-date hints) and ``sleep`` (an async
    ``(seconds) -> None``) are injectable for tests.
    """

    def __init__(
        self,
        config: Retry | None = None,
        *,
        random: Callable[[], float] | _random.Random | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
    ) -> None:
        if config is None:
            config = Retry()
        elif not isinstance(config, Retry):
            raise TypeError(f"retry must be a Retry or None, got {type(config).__name__}")
        self.config = config
        self.model_retry_count = 0
        self.network_retry_count = 0
        self.total_retries = 0
        self._error_history: list[BaseException] = []
        if random is None:
            self._random: Callable[[], float] = _random.random
        elif isinstance(random, _random.Random):
            self._random = random.random
        elif callable(random):
            self._random = random
        else:
            raise TypeError(f"random must be a callable or a random.Random, got {type(random).__name__}")
        self._clock = clock or time.time
        self._sleep = sleep or asyncio.sleep

    # -- decision ---------------------------------------------------------------------------------

    def should_retry(self, error: BaseException, state: State | None = None) -> bool:
        """The default decision (§4.2); never calls the user hook."""
        cfg = self.config
        category = categorize_error(error)
        if self.total_retries >= cfg.max_retries:  # type: ignore[operator]
            return False
        if category in (ErrorCategory.FATAL, ErrorCategory.INTERNAL):
            return False
        if cfg.retry_on is not None:
            kind = map_error_type(error, category)
            if kind is None or kind not in cfg.retry_on:
                return False
        if category not in _NETWORKISH and self.model_retry_count >= cfg.attempts:  # type: ignore[operator]
            return False
        return True

    def hook_attempt(self, error: BaseException, category: ErrorCategory | None = None) -> int:
        """The ``attempt`` argument of ``should_retry`` hooks: retries already done in the error's bucket."""
        category = category or categorize_error(error)
        return self.network_retry_count if category in _NETWORKISH else self.model_retry_count

    async def should_retry_async(self, error: BaseException, state: State | None = None) -> bool:
        """The default decision, then the user's ``should_retry`` hook (which can only veto).

        A hook that raises vetoes the retry.
        """
        if not self.should_retry(error, state):
            return False
        hook = self.config.should_retry
        if hook is None:
            return True
        category = categorize_error(error)
        try:
            result = hook(error, state, self.hook_attempt(error, category), category)
            if inspect.isawaitable(result):
                result = await result
        except Exception:
            return False
        return bool(result)

    # -- bookkeeping ------------------------------------------------------------------------------

    def record_attempt(self, error: BaseException) -> None:
        """Count one retry for ``error`` (call before :meth:`get_delay` / :meth:`wait`)."""
        if categorize_error(error) in _NETWORKISH:
            self.network_retry_count += 1
        else:
            self.model_retry_count += 1
        self.total_retries += 1
        self._error_history.append(error)

    def get_state(self) -> dict[str, int]:
        return {
            "model_retry_count": self.model_retry_count,
            "network_retry_count": self.network_retry_count,
            "total_retries": self.total_retries,
            "error_history_length": len(self._error_history),
        }

    def get_error_history(self) -> list[BaseException]:
        return list(self._error_history)

    def reset(self) -> None:
        self.model_retry_count = 0
        self.network_retry_count = 0
        self.total_retries = 0
        self._error_history.clear()

    # -- delay ------------------------------------------------------------------------------------

    def backoff_delay(self, error: BaseException, category: ErrorCategory | None = None) -> float:
        """The strategy's delay for ``error`` (§4.5) before any ``Retry-After`` hint."""
        cfg = self.config
        category = category or categorize_error(error)
        attempt = self.network_retry_count if category in _NETWORKISH else self.model_retry_count
        base: float = cfg.base_delay  # type: ignore[assignment]
        if category is ErrorCategory.NETWORK and cfg.error_type_delays is not None:
            kind = classify(error) or NetworkErrorType.UNKNOWN
            per_type = getattr(cfg.error_type_delays, kind.value, None)
            if per_type is not None:
                base = float(per_type)
        cap: float = cfg.max_delay  # type: ignore[assignment]
        grown = min(base * 2.0 ** min(attempt, _MAX_EXPONENT), cap)
        strategy = cfg.strategy
        if strategy is BackoffStrategy.EXPONENTIAL:
            return grown
        if strategy is BackoffStrategy.LINEAR:
            return min(base * (attempt + 1), cap)
        if strategy is BackoffStrategy.FIXED_JITTER:
            return grown / 2 + self._random() * grown / 2
        if strategy is BackoffStrategy.FULL_JITTER:
            return self._random() * grown
        return base

    def retry_after(self, error: BaseException) -> float | None:
        """The server hint for ``error`` in seconds, limited to ``Retry.max_retry_after`` (None if off/absent)."""
        if not self.config.honor_retry_after:
            return None
        hint = retry_after_hint(error, now=self._clock())
        if hint is None:
            return None
        return min(hint, self.config.max_retry_after)

    def get_delay(self, error: BaseException) -> float:
        """Seconds to wait before the next attempt.

        ``calculate_delay`` wins if set (its result is used as is). Otherwise
        ``max(backoff, hint)`` where the backoff is capped by ``max_delay`` and
        the server's ``Retry-After`` hint by ``max_retry_after``.
        """
        category = categorize_error(error)
        hint = self.retry_after(error)
        hook = self.config.calculate_delay
        if hook is not None:
            attempt = self.network_retry_count if category in _NETWORKISH else self.model_retry_count
            context = RetryContext(
                attempt=attempt,
                error=error,
                category=category,
                is_network=category in _NETWORKISH,
                model_retry_count=self.model_retry_count,
                network_retry_count=self.network_retry_count,
                total_retries=self.total_retries,
                base_delay=self.config.base_delay,  # type: ignore[arg-type]
                max_delay=self.config.max_delay,  # type: ignore[arg-type]
                retry_after=hint,
            )
            return float(hook(context))
        delay = self.backoff_delay(error, category)
        if hint is not None and hint > delay:
            return hint
        return delay

    async def wait(self, error: BaseException) -> float:
        """Sleep for :meth:`get_delay` and return the seconds slept."""
        delay = self.get_delay(error)
        if delay > 0:
            await self._sleep(delay)
        return delay
