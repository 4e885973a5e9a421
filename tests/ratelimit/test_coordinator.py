"""The in-process coordinator, what errors say about cooldowns, and the runtime seam (fake clock)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import l0
from l0.events import ObservabilityEventType as O
from l0.ratelimit import (
    CooldownActiveError,
    InProcessCoordinator,
    Limit,
    RateLimit,
    api_key_fingerprint,
    cooldown_for,
    for_client,
    rate_limit_key,
    reset_hint,
)

from .conftest import FakeClock, Overloaded, tokens

KEY = "http://p/v1|m|-"


# -- keys ------------------------------------------------------------------------------------------


def test_key_never_contains_the_api_key() -> None:
    key = rate_limit_key("https://api.openai.com/v1/", "gpt-4o", "sk-secret-123")
    assert "sk-secret" not in key
    assert key == f"https://api.openai.com/v1|gpt-4o|{api_key_fingerprint('sk-secret-123')}"
    assert len(api_key_fingerprint("sk-secret-123")) == 16
    assert api_key_fingerprint("a") != api_key_fingerprint("b")
    assert api_key_fingerprint(None) == api_key_fingerprint("") == "-"


def test_for_client_derives_one_key_per_source() -> None:
    client = type("C", (), {"base_url": "http://h/v1/", "api_key": "sk-x"})()
    rl = for_client(True, client, [{"model": "a"}, {"model": "b"}, None])
    fp = api_key_fingerprint("sk-x")
    assert rl is not None and rl.key == (f"http://h/v1|a|{fp}", f"http://h/v1|b|{fp}", None)
    assert for_client(None, client, [{}]) is None
    explicit = RateLimit(key="mine")
    assert for_client(explicit, client, [{}]) is explicit
    with pytest.raises(TypeError, match="rate_limit must be True"):
        for_client("yes", client, [{}])


# -- what an error says ----------------------------------------------------------------------------


def test_cooldown_from_retry_after_ms_then_seconds_then_default() -> None:
    assert cooldown_for(Overloaded(429, {"retry-after-ms": "50"})) == (0.05, "http_429")
    assert cooldown_for(Overloaded(429, {"retry-after": "2"})) == (2.0, "http_429")
    assert cooldown_for(Overloaded(503, {})) == (1.0, "http_503")
    assert cooldown_for(Overloaded(429, {}), default=3.0) == (3.0, "http_429")
    assert cooldown_for(Overloaded(429, {"retry-after": "600"}), limit=60.0) == (60.0, "http_429")


def test_cooldown_from_ratelimit_reset_headers() -> None:
    err = Overloaded(429, {"x-ratelimit-reset-requests": "1m30s", "x-ratelimit-remaining-requests": "0",
                           "x-ratelimit-reset-tokens": "20ms", "x-ratelimit-remaining-tokens": "100"})
    assert reset_hint(err) == 90.0
    assert cooldown_for(err) == (60.0, "http_429")
    assert reset_hint(Overloaded(429, {"x-ratelimit-reset-tokens": "250ms"})) == 0.25
    assert reset_hint(Overloaded(429, {"x-ratelimit-reset-tokens": "soon"})) is None


def test_in_band_overload_and_non_overload_errors() -> None:
    class APIError(Exception):
        code = "overloaded"

    assert cooldown_for(APIError("The model is overloaded")) == (1.0, "overloaded")
    assert cooldown_for(Exception("upstream overloaded, try later")) == (1.0, "overloaded")
    assert cooldown_for(Overloaded(400, {}, message="bad request")) is None
    assert cooldown_for(Overloaded(500, {}, message="boom")) is None
    assert cooldown_for(ConnectionError("reset by peer")) is None
    assert cooldown_for(Overloaded(401, {}, message="invalid key")) is None


# -- the coordinator -------------------------------------------------------------------------------


async def test_cooldown_is_shared_and_never_shortened() -> None:
    clock = FakeClock()
    coord = InProcessCoordinator(clock=clock)
    assert await coord.reserve(KEY, 0) == 0
    assert await coord.report(KEY, 5.0) == 5.0
    assert await coord.report(KEY, 1.0) == 5.0  # a shorter hint keeps the later deadline
    clock.now += 2
    assert await coord.reserve(KEY, 0) == pytest.approx(3.0)
    assert await coord.reserve("other|m|-", 0) == 0
    clock.now += 3
    assert await coord.reserve(KEY, 0) == 0
    assert coord.cooldown_remaining(KEY) == 0


async def test_request_and_token_buckets() -> None:
    clock = FakeClock()
    coord = InProcessCoordinator(limits={"m": Limit(requests_per_minute=2, tokens_per_minute=600)}, clock=clock)
    assert await coord.reserve(KEY, 100) == 0
    assert await coord.reserve(KEY, 100) == 0
    assert await coord.reserve(KEY, 100) == pytest.approx(30.0)  # 1 request refills in 30 s
    clock.now += 30
    assert await coord.reserve(KEY, 450) == 0  # 400 tokens left + 300 refilled, capped at 600
    clock.now += 30  # one request and 300 tokens refilled: 450 tokens
    assert await coord.reserve(KEY, 600) == pytest.approx(15.0)  # 150 tokens short at 10 per second
    assert await coord.reserve(KEY, 10**6) == pytest.approx(15.0)  # a cost above the capacity waits for a full bucket
    clock.now += 15
    assert await coord.reserve(KEY, 600) == 0
    assert await coord.reserve("http://p/v1|unlimited|-", 10**6) == 0


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 50)), max_size=30))
def test_remaining_cooldown_is_the_latest_deadline(steps: list[tuple[float, float]]) -> None:
    clock = FakeClock()
    coord = InProcessCoordinator(clock=clock)
    latest = None
    for advance, seconds in steps:
        clock.now += advance
        coord.report_now(KEY, seconds)
        latest = max(latest or 0.0, clock.now + seconds)
        assert coord.cooldown_remaining(KEY) == pytest.approx(latest - clock.now)


def test_bad_configuration_is_named() -> None:
    with pytest.raises(ValueError, match="requests_per_minute"):
        Limit(requests_per_minute=0)
    with pytest.raises(TypeError, match=r"limits\['m'\]"):
        InProcessCoordinator(limits={"m": 5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="on_cooldown"):
        RateLimit(key="k", on_cooldown="skip")
    with pytest.raises(ValueError, match="max_wait"):
        RateLimit(key="k", max_wait=-1)
    with pytest.raises(TypeError, match="coordinator"):
        RateLimit(key="k", coordinator=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"key\[1\]"):
        RateLimit(key=["a", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="rate_limit must be"):
        asyncio.run(l0.run(lambda: tokens("x"), rate_limit=5))


async def test_run_without_a_key_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a key"):
        await l0.run(lambda: tokens("x"), rate_limit=RateLimit())


# -- through l0.run ---------------------------------------------------------------------------------


def _scripted(script: list[Any], calls: list[int]) -> Any:
    def factory() -> Any:
        calls.append(1)
        item = script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return tokens(*item)

    return factory


async def test_a_429_makes_other_streams_wait_instead_of_sending(clock: FakeClock) -> None:
    coord = InProcessCoordinator(clock=clock)
    events: list[Any] = []
    rl = RateLimit(key=KEY, coordinator=coord)
    calls_a: list[int] = []
    a = await l0.run(_scripted([Overloaded(429, {"retry-after": "4"}), ["a"]], calls_a), rate_limit=rl,
                     retry=l0.Retry(base_delay=0.0, max_delay=0.0), on_event=events.append)
    it = a.__aiter__()
    # The first attempt fails; the retry's backoff (4 s, the hint) and the cooldown overlap.
    assert await a.read() == "a"
    assert calls_a == [1, 1]
    assert clock.slept == [4.0]
    assert coord.cooldown_remaining(KEY) == 0
    start = [e for e in events if e.type is O.RATE_LIMIT_COOLDOWN_START]
    assert len(start) == 1 and start[0].meta["cooldownMs"] == 4000.0 and start[0].meta["reason"] == "http_429"
    assert it is not None

    # A cooldown reported now is waited out by a brand-new stream before its factory is called.
    await coord.report(KEY, 2.5)
    events.clear()
    calls_b: list[int] = []
    b = await l0.run(_scripted([["b"]], calls_b), rate_limit=rl, on_event=events.append)
    assert await b.read() == "b"
    assert calls_b == [1]
    assert clock.slept == [4.0, 2.5]
    kinds = [e.type for e in events]
    assert kinds.index(O.RATE_LIMIT_WAIT_START) < kinds.index(O.RATE_LIMIT_WAIT_END) < kinds.index(O.STREAM_INIT)
    assert next(e for e in events if e.type is O.RATE_LIMIT_WAIT_START).meta["waitMs"] == 2500.0


async def test_fallback_mode_skips_to_the_fallback_at_once(clock: FakeClock) -> None:
    coord = InProcessCoordinator(clock=clock)
    await coord.report("k-main", 30.0)
    calls: list[int] = []
    fb_calls: list[int] = []
    stream = await l0.run(_scripted([["main"]], calls), fallbacks=[_scripted([["backup"]], fb_calls)],
                          rate_limit=RateLimit(key=["k-main", "k-backup"], coordinator=coord, on_cooldown="fallback"))
    assert await stream.read() == "backup"
    assert calls == [] and fb_calls == [1]
    assert clock.slept == []
    assert isinstance(stream.errors[0], CooldownActiveError)


async def test_fallback_mode_waits_when_no_fallback_is_left(clock: FakeClock) -> None:
    coord = InProcessCoordinator(clock=clock)
    await coord.report("k", 3.0)
    calls: list[int] = []
    stream = await l0.run(_scripted([["x"]], calls), rate_limit=RateLimit(key="k", coordinator=coord,
                                                                           on_cooldown="fallback"))
    assert await stream.read() == "x"
    assert clock.slept == [3.0]


async def test_max_wait_gives_up_with_a_clear_error(clock: FakeClock) -> None:
    coord = InProcessCoordinator(clock=clock)
    await coord.report("k", 30.0)
    calls: list[int] = []
    stream = await l0.run(_scripted([["x"]], calls), rate_limit=RateLimit(key="k", coordinator=coord, max_wait=5))
    with pytest.raises(CooldownActiveError, match="cooldown active for 'k'"):
        await stream.read()
    assert calls == [] and clock.slept == []


async def test_source_without_key_is_not_coordinated(clock: FakeClock) -> None:
    coord = InProcessCoordinator(clock=clock)
    await coord.report("k", 30.0)
    calls: list[int] = []
    fb: list[int] = []
    stream = await l0.run(_scripted([Overloaded(401, {}, message="bad key")], calls),
                          fallbacks=[_scripted([["free"]], fb)],
                          rate_limit=RateLimit(key=[None, None], coordinator=coord))
    assert await stream.read() == "free"
    assert clock.slept == []


async def test_abort_cuts_a_cooldown_wait_short() -> None:
    coord = InProcessCoordinator()
    await coord.report("k", 30.0)
    calls: list[int] = []
    stream = await l0.run(_scripted([["x"]], calls), rate_limit=RateLimit(key="k", coordinator=coord))
    reader = asyncio.ensure_future(stream.read())
    await asyncio.sleep(0.01)
    stream.abort()
    assert await asyncio.wait_for(reader, 2) == ""
    assert calls == [] and stream.state.aborted


async def test_buckets_pace_a_burst(clock: FakeClock) -> None:
    coord = InProcessCoordinator(default_limit=Limit(requests_per_minute=60), clock=clock)
    rl = RateLimit(key="k", coordinator=coord)
    out = []
    for i in range(62):
        s = await l0.run(_scripted([[str(i)]], []), rate_limit=rl)
        out.append(await s.read())
    assert out == [str(i) for i in range(62)]
    assert clock.slept == [pytest.approx(1.0), pytest.approx(1.0)]  # the first 60 from the full bucket


async def test_non_overload_errors_start_no_cooldown(clock: FakeClock) -> None:
    coord = InProcessCoordinator(clock=clock)
    s = await l0.run(_scripted([ConnectionError("reset"), ["ok"]], []), rate_limit=RateLimit(key="k", coordinator=coord),
                     retry=l0.Retry(base_delay=0.0, max_delay=0.0))
    assert await s.read() == "ok"
    assert coord.cooldown_remaining("k") == 0


async def test_default_coordinator_is_process_wide() -> None:
    from l0.ratelimit import default_coordinator

    assert default_coordinator() is default_coordinator()
    gate = RateLimit(key="k").gate(1)
    assert gate is not None and gate.coordinator is default_coordinator()


def test_wrap_checks_rate_limit_at_wrap_time() -> None:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0)
    with pytest.raises(TypeError, match="rate_limit must be True"):
        l0.wrap(client, rate_limit="yes")
    assert l0.wrap(client, rate_limit=True).config.run_options["rate_limit"] is True
    assert l0.wrap(client).with_options(rate_limit=RateLimit()).config.run_options["rate_limit"] == RateLimit()
