"""RetryManager: the default decision, hooks, error-type mapping, delays and Retry-After hints."""

from __future__ import annotations

import asyncio
import random
from email.utils import formatdate

import httpx
import pytest

from l0.errors import Error, ErrorCode, ErrorContext, truncation_error
from l0.retry import RetryContext, RetryManager, map_error_type, parse_retry_after, retry_after_hint
from l0.types import BackoffStrategy, ErrorCategory, ErrorTypeDelays, Retry, RetryableErrorType, State

NOW = 1_700_000_000.0  # a fixed "wall clock" for HTTP-date hints
R = RetryableErrorType


def _l0_timeout() -> Exception:
    """An exception shaped like ``l0.TimeoutError``."""
    cls = type("TimeoutError", (Exception,), {"__module__": "l0.runtime._errors"})
    return cls("Timeout waiting for next token (timeout=1.0s)")


def _status(code: int, message: str = "http error", headers: dict | None = None) -> Exception:
    """An exception carrying ``status_code`` and an httpx ``response`` with ``headers``."""
    err = Exception(message)
    err.status_code = code  # type: ignore[attr-defined]
    err.response = httpx.Response(code, headers=headers or {})  # type: ignore[attr-defined]
    return err


def manager(retry: Retry | None = None, rnd: float = 0.5) -> RetryManager:
    """A manager with a constant RNG and a fixed clock."""
    return RetryManager(retry, random=lambda: rnd, clock=lambda: NOW)


# -- decision ---------------------------------------------------------------------------------------


def test_default_config_and_state() -> None:
    m = RetryManager(None)
    assert m.config == Retry() and m.get_state() == {
        "model_retry_count": 0, "network_retry_count": 0, "total_retries": 0, "error_history_length": 0}
    with pytest.raises(TypeError, match="retry must be a Retry or None, got dict"):
        RetryManager({"attempts": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="random must be"):
        RetryManager(None, random=3)  # type: ignore[arg-type]


def test_model_errors_limited_by_attempts() -> None:
    m = manager(Retry(attempts=2))
    err = ValueError("bad")
    for _ in range(2):
        assert m.should_retry(err)
        m.record_attempt(err)
    assert not m.should_retry(err)
    assert m.model_retry_count == 2 and m.network_retry_count == 0 and m.total_retries == 2


def test_network_errors_ignore_attempts_but_not_max_retries() -> None:
    m = manager(Retry(attempts=1, max_retries=6))
    net = ConnectionResetError(104, "Connection reset by peer")
    for _ in range(6):
        assert m.should_retry(net)
        m.record_attempt(net)
    assert not m.should_retry(net)
    assert m.network_retry_count == 6 and m.model_retry_count == 0


def test_transient_counts_as_network_bucket() -> None:
    m = manager(Retry(attempts=0))
    for err in (_l0_timeout(), _status(429), _status(503)):
        assert m.should_retry(err)
        m.record_attempt(err)
    assert m.network_retry_count == 3 and m.model_retry_count == 0
    assert not m.should_retry(ValueError("x"))  # attempts=0 disables model retries


@pytest.mark.parametrize(
    "error",
    [_status(401), _status(403), Exception("certificate verify failed"),
     Error("f", ErrorContext(ErrorCode.FATAL_GUARDRAIL_VIOLATION)), Error("a", ErrorContext(ErrorCode.STREAM_ABORTED)),
     Error("no adapter", ErrorContext(ErrorCode.ADAPTER_NOT_FOUND))],
)
def test_fatal_and_internal_never_retried(error: Exception) -> None:
    assert not manager().should_retry(error)


def test_content_error_counts_toward_attempts() -> None:
    m = manager(Retry(attempts=1))
    err = Error("Guardrail violation: x", ErrorContext(ErrorCode.GUARDRAIL_VIOLATION))
    assert m.should_retry(err)
    m.record_attempt(err)
    assert not m.should_retry(err)


def test_truncation_retried_like_network_by_default() -> None:
    m = manager(Retry(attempts=0))
    err = truncation_error("no_terminal_signal")
    assert m.should_retry(err)
    m.record_attempt(err)
    assert m.network_retry_count == 1
    assert not manager(Retry(retry_on=[R.NETWORK_ERROR])).should_retry(err)
    assert manager(Retry(retry_on=[R.TRUNCATED])).should_retry(err)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_l0_timeout(), R.TIMEOUT),
        (ConnectionRefusedError(111, "Connection refused"), R.NETWORK_ERROR),
        (_status(429), R.RATE_LIMIT),
        (Exception("rate limit hit"), R.RATE_LIMIT),
        (_status(502), R.SERVER_ERROR),
        (_status(408), R.TIMEOUT),
        (Error("zero output", ErrorContext(ErrorCode.ZERO_OUTPUT)), R.ZERO_OUTPUT),
        (Error("Guardrail violation: x", ErrorContext(ErrorCode.GUARDRAIL_VIOLATION)), R.GUARDRAIL_VIOLATION),
        (Error("drift seen", ErrorContext(ErrorCode.DRIFT_DETECTED)), R.DRIFT),
        (Error("incomplete json", ErrorContext(ErrorCode.DRIFT_DETECTED)), R.INCOMPLETE),
        (Error("other", ErrorContext(ErrorCode.ZERO_OUTPUT)), R.GUARDRAIL_VIOLATION),
        (ValueError("empty answer"), R.ZERO_OUTPUT),
        (ValueError("bad"), R.GUARDRAIL_VIOLATION),
        (truncation_error("length"), R.TRUNCATED),
        (_status(403), None),
    ],
)
def test_map_error_type(error: Exception, expected: RetryableErrorType | None) -> None:
    assert map_error_type(error) is expected


def test_retry_on_filter() -> None:
    m = manager(Retry(retry_on=[R.NETWORK_ERROR]))
    assert m.should_retry(ConnectionRefusedError(111, "x"))
    assert not m.should_retry(ValueError("x"))
    assert not m.should_retry(_status(429))
    assert manager(Retry(retry_on=[])).should_retry(ValueError("x")) is False


def test_hook_attempt_bucket() -> None:
    m = manager()
    m.record_attempt(ValueError("a"))
    m.record_attempt(ConnectionRefusedError(111, "x"))
    m.record_attempt(ConnectionRefusedError(111, "x"))
    assert m.hook_attempt(ValueError("b")) == 1
    assert m.hook_attempt(ConnectionRefusedError(111, "x")) == 2


async def test_should_retry_async_hooks() -> None:
    calls: list[tuple] = []

    def veto(error, state, attempt, category):
        calls.append((type(error).__name__, attempt, category))
        return False

    async def allow(error, state, attempt, category):
        return 1

    def boom(error, state, attempt, category):
        raise RuntimeError("hook failed")

    state = State()
    assert not await manager(Retry(should_retry=veto)).should_retry_async(ValueError("x"), state)
    assert calls == [("ValueError", 0, ErrorCategory.MODEL)]
    assert await manager(Retry(should_retry=allow)).should_retry_async(ValueError("x"), state)
    assert not await manager(Retry(should_retry=boom)).should_retry_async(ValueError("x"), state)
    # The hook cannot turn a refusal into a retry.
    assert not await manager(Retry(should_retry=allow)).should_retry_async(_status(403), state)


def test_history_and_reset() -> None:
    m = manager()
    errs = [ValueError("a"), ConnectionRefusedError(111, "b")]
    for e in errs:
        m.record_attempt(e)
    history = m.get_error_history()
    assert history == errs
    history.clear()
    assert len(m.get_error_history()) == 2
    m.reset()
    assert m.get_state() == {"model_retry_count": 0, "network_retry_count": 0, "total_retries": 0,
                             "error_history_length": 0}


# -- delays -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "rnd", "expected"),
    [
        (BackoffStrategy.EXPONENTIAL, 0.5, [2.0, 4.0, 8.0, 10.0]),
        (BackoffStrategy.LINEAR, 0.5, [2.0, 3.0, 4.0, 5.0]),
        (BackoffStrategy.FIXED, 0.5, [1.0, 1.0, 1.0, 1.0]),
        (BackoffStrategy.FIXED_JITTER, 0.0, [1.0, 2.0, 4.0, 5.0]),
        (BackoffStrategy.FIXED_JITTER, 0.5, [1.5, 3.0, 6.0, 7.5]),
        (BackoffStrategy.FULL_JITTER, 0.25, [0.5, 1.0, 2.0, 2.5]),
    ],
)
def test_model_retry_delays(strategy: BackoffStrategy, rnd: float, expected: list[float]) -> None:
    m = manager(Retry(strategy=strategy, attempts=10, max_retries=10), rnd=rnd)
    out = []
    for _ in range(4):
        err = ValueError("x")
        m.record_attempt(err)
        out.append(m.get_delay(err))
    assert out == expected


def test_fixed_is_not_capped_and_huge_attempts_are_finite() -> None:
    m = manager(Retry(strategy=BackoffStrategy.FIXED, base_delay=20.0, max_delay=5.0, max_retries=5000,
                      attempts=5000))
    m.record_attempt(ValueError("x"))
    assert m.get_delay(ValueError("x")) == 20.0
    e = manager(Retry(strategy=BackoffStrategy.EXPONENTIAL, max_retries=5000, attempts=5000))
    e.model_retry_count = 4000
    assert e.get_delay(ValueError("x")) == 10.0
    zero = manager(Retry(strategy=BackoffStrategy.EXPONENTIAL, base_delay=0.0, max_retries=5000, attempts=5000))
    zero.model_retry_count = 4000
    assert zero.get_delay(ValueError("x")) == 0.0


def test_seeded_rng_is_reproducible() -> None:
    def delays(seed: int) -> list[float]:
        m = RetryManager(Retry(strategy=BackoffStrategy.FULL_JITTER), random=random.Random(seed))
        out = []
        for _ in range(3):
            m.record_attempt(ValueError("x"))
            out.append(m.get_delay(ValueError("x")))
        return out

    assert delays(7) == delays(7)
    assert all(0 <= d < 10 for d in delays(7))


def test_error_type_delays_apply_to_network_category_only() -> None:
    r = Retry(strategy=BackoffStrategy.EXPONENTIAL, error_type_delays=ErrorTypeDelays(dns_error=3.0, timeout=7.0),
              max_delay=100.0)
    m = manager(r)
    dns = Exception("getaddrinfo failed")
    m.record_attempt(dns)
    assert m.get_delay(dns) == 6.0  # 3.0 * 2**1
    timeout = _l0_timeout()  # TRANSIENT: uses base_delay, not error_type_delays.timeout
    m.record_attempt(timeout)
    assert m.get_delay(timeout) == 4.0  # 1.0 * 2**2 (second network-bucket retry)
    plain = manager(Retry(strategy=BackoffStrategy.EXPONENTIAL))
    plain.record_attempt(dns)
    assert plain.get_delay(dns) == 2.0


def test_calculate_delay_hook_receives_context() -> None:
    seen: list[RetryContext] = []

    def hook(ctx: RetryContext) -> float:
        seen.append(ctx)
        return 123

    m = manager(Retry(calculate_delay=hook))
    err = _status(429, headers={"retry-after": "4"})
    m.record_attempt(err)
    assert m.get_delay(err) == 123.0
    ctx = seen[0]
    assert (ctx.attempt, ctx.category, ctx.is_network, ctx.total_retries, ctx.base_delay, ctx.max_delay,
            ctx.retry_after) == (1, ErrorCategory.TRANSIENT, True, 1, 1.0, 10.0, 4.0)

    def broken(ctx: RetryContext) -> float:
        raise RuntimeError("bad hook")

    with pytest.raises(RuntimeError, match="bad hook"):
        manager(Retry(calculate_delay=broken)).get_delay(ValueError("x"))


async def test_wait_uses_injected_sleep() -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    m = RetryManager(Retry(strategy=BackoffStrategy.EXPONENTIAL), sleep=fake_sleep)
    err = ValueError("x")
    m.record_attempt(err)
    assert await m.wait(err) == 2.0
    none = RetryManager(Retry(strategy=BackoffStrategy.FIXED, base_delay=0.0), sleep=fake_sleep)
    assert await none.wait(err) == 0.0
    assert slept == [2.0]


# -- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "20"}, 20.0),
        ({"Retry-After": "2.5"}, 2.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": formatdate(NOW + 42, usegmt=True)}, 42.0),
        ({"retry-after": formatdate(NOW - 42, usegmt=True)}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-3"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_hint_forms(headers: dict, expected: float | None) -> None:
    err = _status(429, headers=headers)
    assert retry_after_hint(err, now=NOW) == expected
    plain = Exception("x")
    plain.headers = dict(headers)  # type: ignore[attr-defined]  # a plain, case-sensitive dict
    assert retry_after_hint(plain, now=NOW) == expected


def test_retry_after_attribute_and_header_lists() -> None:
    attr = Exception("x")
    attr.retry_after = 7  # type: ignore[attr-defined]
    assert retry_after_hint(attr) == 7.0
    listed = Exception("x")
    listed.headers = [(b"Retry-After", b"3")]  # type: ignore[attr-defined]
    assert retry_after_hint(listed) == 3.0
    assert retry_after_hint(ValueError("none")) is None
    assert parse_retry_after(True) is None and parse_retry_after(b"12") == 12.0 and parse_retry_after("") is None


def test_openai_status_error_hint() -> None:
    import openai

    resp = httpx.Response(429, headers={"retry-after-ms": "2500"}, request=httpx.Request("POST", "http://x"))
    err = openai.RateLimitError("Rate limit reached", response=resp, body=None)
    assert retry_after_hint(err) == 2.5
    m = manager(Retry(strategy=BackoffStrategy.FIXED_JITTER), rnd=0.0)
    m.record_attempt(err)
    assert m.get_delay(err) == 2.5  # max(hint 2.5, backoff [1, 2))


@pytest.mark.parametrize(
    ("headers", "rnd", "expected"),
    [
        ({"retry-after": "0.2"}, 0.0, 1.0),          # backoff larger: backoff wins
        ({"retry-after": "6"}, 0.0, 6.0),            # hint larger: hint wins
        ({"retry-after": "45"}, 0.99, 45.0),         # hint beyond max_delay still wins
        ({"retry-after": "9999"}, 0.0, 300.0),       # up to the ceiling
        ({"retry-after-ms": "120000"}, 0.0, 120.0),
        ({"retry-after": formatdate(NOW + 30, usegmt=True)}, 0.0, 30.0),
    ],
)
def test_delay_is_max_of_hint_and_backoff(headers: dict, rnd: float, expected: float) -> None:
    m = manager(Retry(strategy=BackoffStrategy.FIXED_JITTER), rnd=rnd)
    err = _status(429, headers=headers)
    m.record_attempt(err)
    assert m.get_delay(err) == pytest.approx(expected)


def test_retry_after_can_be_disabled_or_limited() -> None:
    err = _status(503, headers={"retry-after": "60"})
    off = manager(Retry(strategy=BackoffStrategy.FIXED, honor_retry_after=False))
    off.record_attempt(err)
    assert off.get_delay(err) == 1.0
    low = manager(Retry(strategy=BackoffStrategy.FIXED, max_retry_after=15.0))
    low.record_attempt(err)
    assert low.get_delay(err) == 15.0


async def test_retry_after_timing_with_fake_clock() -> None:
    """The wait honours an HTTP-date hint measured against the injected clock."""
    clock = {"now": NOW}
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock["now"] += seconds

    m = RetryManager(Retry(strategy=BackoffStrategy.EXPONENTIAL), random=lambda: 0.0,
                     clock=lambda: clock["now"], sleep=fake_sleep)
    err = _status(429, headers={"retry-after": formatdate(NOW + 12, usegmt=True)})
    m.record_attempt(err)
    await m.wait(err)
    assert slept == [12.0] and clock["now"] == NOW + 12
    m.record_attempt(err)
    await m.wait(err)  # the date has passed: plain backoff (1.0 * 2**2)
    assert slept == [12.0, 4.0]


def test_no_event_loop_needed_for_decisions() -> None:
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert manager().should_retry(ValueError("x"))
